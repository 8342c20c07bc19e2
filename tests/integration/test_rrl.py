"""No amplifier on the query port (issue 18, point 4): response-rate
limiting of UDP answers per client prefix (a token bucket; every second
limited answer a TC=1 slip without records, the others dropped), TCP not
limited, rrl-rate 0 turns it off, the prefix lengths are settable, and ANY
over UDP gets a minimal answer (RFC 8482). The loopback network 127.0.0.0/8
lets each test send from a prefix of its own (127.a.b.c)."""

import socket
import time
import unittest

from dnsutil import (NOERROR, class_daemon, dig, dig_records, dig_status, make_query,
                     Message, tcp_query, udp_query, wait_serial, zone_serial)
from harness import add_record, create_zone
from test_metrics import parse_metrics

ZONE = "rrl.test"
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)  # Linux
TXT_SIZE = 4000


def populate(d):
    create_zone(d, ZONE)
    add_record(d, ZONE, "www", "A", "192.0.2.1")
    # a large TXT RRset (16 x 250 bytes) beside a small A: what a tenant
    # may publish, and what an attacker would ask for
    for i in range(TXT_SIZE // 250):
        add_record(d, ZONE, "big", "TXT", '"%02d%s"' % (i, "x" * 248))
    add_record(d, ZONE, "big", "A", "192.0.2.2")
    wait_serial(d.dns_port, ZONE, zone_serial(d, ZONE))


def flood(port, src, n, qname="www." + ZONE, qtype="A", edns=None, quiet=0.5, build=None):
    """Sends n queries from src as fast as it can, then collects answers
    until none came for quiet seconds. Returns (answers, seconds the
    sending took). build: a function of the index that makes each query
    instead."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:  # beyond rmem_max (as root), so that no answer is lost here
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((src, 0))
    got = []
    try:
        start = time.monotonic()
        for i in range(n):
            msg = build(i) if build else make_query(qname, qtype, qid=i, edns=edns)
            s.sendto(msg, ("127.0.0.1", port))
            if i % 50 == 49:
                time.sleep(0.001)  # the server's socket buffer is finite
        took = time.monotonic() - start
        s.settimeout(quiet)
        while True:
            try:
                data, _ = s.recvfrom(65535)
            except socket.timeout:
                break
            got.append(Message(data))
    finally:
        s.close()
    return got, took


def limited_counts(d):
    """(dropped, slipped, UDP requests received) from /metrics: on a busy
    machine the kernel may drop some of a flood before axfrd reads it."""
    st, _, body = d.get("/metrics", token=None)
    if st != 200:
        raise AssertionError("GET /metrics: HTTP %s" % st)
    m = parse_metrics(body)
    return (m[("axfrd_rrl_limited_total", frozenset({("action", "dropped")}))],
            m[("axfrd_rrl_limited_total", frozenset({("action", "slipped")}))],
            m[("axfrd_queries_total", frozenset({("transport", "udp")}))])


class DefaultLimit(unittest.TestCase):
    """The daemon as shipped: rrl-rate 200, rrl-slip 2, /24 and /56."""

    RATE = 200

    @classmethod
    def setUpClass(cls):
        cls.d = class_daemon(cls)
        populate(cls.d)

    def test_flood_from_one_prefix_is_limited(self):
        before = limited_counts(self.d)
        n = 3 * self.RATE
        got, took = flood(self.d.dns_port, "127.0.10.1", n)
        full = [m for m in got if not m.tc]
        slips = [m for m in got if m.tc]
        # a second's worth of tokens, plus what the sending time earned
        self.assertGreaterEqual(len(full), self.RATE - 20)
        self.assertLessEqual(len(full), self.RATE + int(self.RATE * took) + 5)
        for m in full:
            self.assertEqual(m.rcode, NOERROR)
            self.assertEqual(len(m.answer), 1)
        self.assertTrue(slips, "no limited answer was sent truncated")
        for m in slips:
            self.assertEqual(m.rcode, NOERROR)
            self.assertEqual(m.counts[1:], (0, 0, 0), "a slip carries no records")
            self.assertEqual(len(m.question), 1)
        self.assertLess(len(got), n, "some limited answers must be dropped")
        dropped, slipped, received = (a - b for a, b in zip(limited_counts(self.d), before))
        self.assertEqual(slipped, len(slips))
        # every second limited answer is a slip, the others are dropped
        self.assertLessEqual(abs(dropped - slipped), 1, (dropped, slipped))
        self.assertEqual(len(full) + dropped + slipped, received)

    def test_malformed_queries_are_limited_too(self):
        # a FORMERR answer is about as large as the query: without a limit
        # the port would reflect any rate of them at a spoofed victim
        def bad(i):
            return make_query("www." + ZONE, qid=i) + b"trailing garbage"
        before = limited_counts(self.d)
        n = 3 * self.RATE
        got, took = flood(self.d.dns_port, "127.0.17.1", n, build=bad)
        errors = [m for m in got if not m.tc]
        slips = [m for m in got if m.tc]
        for m in errors:
            self.assertEqual(m.rcode_text, "FORMERR")
        self.assertLessEqual(len(errors), self.RATE + int(self.RATE * took) + 5)
        self.assertTrue(slips, "no malformed query's answer was limited")
        dropped, slipped, received = (a - b for a, b in zip(limited_counts(self.d), before))
        self.assertEqual(slipped, len(slips))
        self.assertEqual(len(errors) + dropped + slipped, received)
        # another prefix still gets its FORMERR
        m = udp_query(self.d.dns_port, bad(7), src="127.0.18.1")
        self.assertIsNotNone(m)
        self.assertEqual(m.rcode_text, "FORMERR")
        self.assertFalse(m.tc)

    def test_other_prefix_and_tcp_still_answered_during_a_flood(self):
        got, _ = flood(self.d.dns_port, "127.0.11.1", 3 * self.RATE, quiet=0.05)
        self.assertTrue(any(m.tc for m in got), "the flood was not limited")
        # a neighbour in the same /24 shares the limit: at once (the bucket
        # refills 200 a second, so a later check would depend on the load),
        # a burst that a bucket of its own (200 tokens) would answer in full
        got, _ = flood(self.d.dns_port, "127.0.11.200", 150, quiet=0.2)
        self.assertTrue(any(m.tc for m in got) and len(got) <= 150, got)
        self.assertLess(sum(1 for m in got if not m.tc), 150)
        # the flooding prefix is out of tokens; another /24 is not
        for i in range(20):
            m = udp_query(self.d.dns_port, make_query("www." + ZONE), src="127.0.12.%d" % (i + 1))
            self.assertIsNotNone(m, "query %d from another prefix got no answer" % i)
            self.assertFalse(m.tc)
            self.assertEqual(len(m.answer), 1)
        # TCP is never limited, from the flooding prefix too
        for _ in range(5):
            m = tcp_query(self.d.dns_port, make_query("www." + ZONE), src="127.0.11.1")
            self.assertIsNotNone(m)
            self.assertEqual(len(m.answer), 1)

    def test_dig_still_works(self):
        res = dig(self.d.dns_port, "www." + ZONE, "A", src="127.0.13.1", check=True)
        self.assertEqual(dig_status(res.stdout), "NOERROR")
        self.assertIn("192.0.2.1", res.stdout)
        # dig falls back to TCP when a slip says TC
        flood(self.d.dns_port, "127.0.14.1", 3 * self.RATE, quiet=0.05)
        res = dig(self.d.dns_port, "www." + ZONE, "A", src="127.0.14.1", check=True)
        self.assertEqual(dig_status(res.stdout), "NOERROR")
        self.assertIn("192.0.2.1", res.stdout)

    def test_any_is_minimal_over_udp(self):
        edns = {"udp": 4096}
        m = udp_query(self.d.dns_port, make_query("big." + ZONE, "ANY", edns=edns),
                      src="127.0.15.1")
        self.assertFalse(m.tc)
        self.assertEqual([rr.tname for rr in m.answer], ["A"])
        self.assertLess(len(m.raw), 100)
        m = udp_query(self.d.dns_port, make_query(ZONE, "ANY", edns=edns), src="127.0.15.1")
        self.assertEqual([rr.tname for rr in m.answer], ["SOA"])
        # over TCP, ANY still gets everything
        m = tcp_query(self.d.dns_port, make_query("big." + ZONE, "ANY"), src="127.0.15.1")
        self.assertEqual(sorted(rr.tname for rr in m.answer), ["A"] + ["TXT"] * 16)
        res = dig(self.d.dns_port, "+tcp", "big." + ZONE, "ANY", src="127.0.15.1", check=True)
        self.assertEqual(len(dig_records(res.stdout)), 17)

    def test_large_txt_over_udp_is_truncated_not_amplified(self):
        m = udp_query(self.d.dns_port, make_query("big." + ZONE, "TXT", edns={"udp": 4096}),
                      src="127.0.16.1")
        self.assertTrue(m.tc)
        self.assertLessEqual(len(m.raw), 1232)


class Disabled(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = class_daemon(cls, args=["--rrl-rate", "0"])
        populate(cls.d)

    def test_rate_zero_answers_everything(self):
        n = 600
        before = limited_counts(self.d)[2]
        got, _ = flood(self.d.dns_port, "127.0.20.1", n)
        dropped, slipped, received = limited_counts(self.d)
        self.assertEqual((dropped, slipped), (0, 0))
        self.assertGreater(received - before, 400)
        self.assertEqual(len(got), received - before)
        self.assertFalse(any(m.tc for m in got))


class Settings(unittest.TestCase):
    """rrl-rate, rrl-slip and the prefix lengths from a config file."""

    @classmethod
    def setUpClass(cls):
        cls.d = class_daemon(cls, config="rrl-rate = 10\nrrl-slip = 1\nrrl-ipv4-prefix = 32\n")
        populate(cls.d)

    def test_prefix_32_and_slip_1(self):
        got, _ = flood(self.d.dns_port, "127.0.30.1", 40, quiet=0.3)
        full = [m for m in got if not m.tc]
        self.assertLessEqual(len(full), 12)
        # slip 1: every limited answer is a TC reply, none is dropped
        self.assertEqual(len(got), 40)
        # with /32 the neighbour has its own bucket
        got, _ = flood(self.d.dns_port, "127.0.30.2", 10, quiet=0.3)
        self.assertEqual(sum(1 for m in got if not m.tc), 10)

    def test_bad_values_rejected(self):
        from harness import run_binary
        for key, value in (("rrl-rate", "-1"), ("rrl-slip", "101"),
                           ("rrl-ipv4-prefix", "33"), ("rrl-ipv6-prefix", "7"),
                           ("rrl-table-size", "10")):
            res = run_binary(["--check-config", "--" + key, value])
            self.assertNotEqual(res.returncode, 0, key)
            self.assertIn(key, res.stderr, key)


if __name__ == "__main__":
    unittest.main()
