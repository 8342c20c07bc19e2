"""Ordinary DNS queries (issue 3, point 1): UDP and TCP on IPv4 and IPv6,
authoritative answers (AA), NXDOMAIN and NODATA with the SOA in authority,
CNAME chains inside the zone, referrals with glue for a delegated subzone,
REFUSED outside every zone, EDNS (OPT echoed, BADVERS, unknown options
ignored), FORMERR for malformed queries, NOTIMP for unknown opcodes, case
kept."""

import struct
import unittest

from dnsutil import (BADVERS, FORMERR, NOERROR, NXDOMAIN, OP_STATUS, OP_UPDATE, RD,
                     class_daemon, dig, dig_status, frame, have_ipv6_loopback, make_query,
                     recv_msg, tcp_connect, tcp_query, udp_alive, udp_query, wait_serial,
                     zone_serial)
from harness import add_record, create_zone

ZONE = "example.com"


def populate(d):
    """The zone every test of this module queries."""
    create_zone(d, ZONE)
    add_record(d, ZONE, "WWW", "A", "192.0.2.1", ttl=600)
    add_record(d, ZONE, "WWW", "A", "192.0.2.2", ttl=600)
    add_record(d, ZONE, "alias1", "CNAME", "Alias2.Example.COM.")
    add_record(d, ZONE, "alias2", "CNAME", "www.example.com.")
    add_record(d, ZONE, "ext", "CNAME", "host.elsewhere.test.")
    add_record(d, ZONE, "", "MX", "10 mail.example.com.")
    add_record(d, ZONE, "mail", "A", "192.0.2.25")
    add_record(d, ZONE, "v6", "AAAA", "2001:db8::25")
    add_record(d, ZONE, "deep.ent", "A", "192.0.2.99")
    add_record(d, ZONE, "sub", "DS", "12345 13 2 " + "ab" * 32)
    add_record(d, ZONE, "*.wild", "A", "192.0.2.77")
    add_record(d, ZONE, "loop1", "CNAME", "loop2.example.com.")
    add_record(d, ZONE, "loop2", "CNAME", "loop1.example.com.")
    # a delegated subzone with glue below it and an out-of-zone server
    add_record(d, ZONE, "sub", "NS", "ns1.sub.example.com.")
    add_record(d, ZONE, "sub", "NS", "ns.elsewhere.test.")
    add_record(d, ZONE, "ns1.sub", "A", "192.0.2.53")
    # a zone of its own below this one (no delegation): longest match wins
    create_zone(d, "child." + ZONE)
    add_record(d, "child." + ZONE, "www", "A", "192.0.2.111")
    # big enough not to fit 512 bytes over UDP
    for i in range(12):
        add_record(d, ZONE, "big", "TXT", '"%02d %s"' % (i, "t" * 60))
    return zone_serial(d, ZONE)


class QueryChecks:
    """The checks, run against one daemon on one address family."""

    ADDR = "127.0.0.1"
    d = None

    def q(self, name, qtype="A", tcp=False, **kw):
        msg = make_query(name, qtype, **kw)
        if tcp:
            m = tcp_query(self.d.dns_port, msg, addr=self.ADDR)
        else:
            m = udp_query(self.d.dns_port, msg, addr=self.ADDR)
        self.assertIsNotNone(m, "no answer to %s %s over %s from [%s]:%d"
                             % (name, qtype, "TCP" if tcp else "UDP", self.ADDR,
                                self.d.dns_port))
        qid = struct.unpack(">H", msg[:2])[0]
        self.assertEqual(m.id, qid, "answer id differs from the query's")
        self.assertTrue(m.qr, "QR not set")
        return m

    def assertAuthoritativeSOA(self, m):
        soas = [r for r in m.authority if r.tname == "SOA"]
        self.assertEqual(len(soas), 1, "expected the zone's SOA in authority: %r" % m)
        self.assertEqual(soas[0].name.lower(), ZONE + ".")
        # RFC 2308: TTL of the negative answer = min(SOA TTL, SOA MINIMUM)
        self.assertEqual(soas[0].ttl, 300, m)

    def test_answer_udp_and_tcp(self):
        for tcp in (False, True):
            with self.subTest(tcp=tcp):
                m = self.q("www.example.com", "A", tcp=tcp, flags=RD)
                self.assertEqual(m.rcode, NOERROR, m)
                self.assertTrue(m.aa, "AA not set: %r" % m)
                self.assertFalse(m.ra, "RA set by an authoritative-only server")
                self.assertTrue(m.rd, "RD not copied from the query")
                self.assertFalse(m.tc)
                self.assertEqual(sorted(r.rdata_text() for r in m.answer),
                                 ["192.0.2.1", "192.0.2.2"])
                self.assertEqual({r.ttl for r in m.answer}, {600})
                self.assertEqual({r.tname for r in m.answer}, {"A"})

    def test_soa_and_ns_at_apex(self):
        m = self.q(ZONE, "SOA")
        self.assertEqual(m.rcode, NOERROR)
        self.assertTrue(m.aa)
        self.assertEqual([r.tname for r in m.answer], ["SOA"])
        self.assertEqual(m.answer[0].soa_serial(), zone_serial(self.d, ZONE))
        m = self.q(ZONE, "NS", tcp=True)
        self.assertEqual(sorted(r.rdata_text().lower() for r in m.answer),
                         ["ns1.example.net.", "ns2.example.net."])

    def test_nxdomain(self):
        for tcp in (False, True):
            with self.subTest(tcp=tcp):
                m = self.q("nope.example.com", "A", tcp=tcp)
                self.assertEqual(m.rcode_text, "NXDOMAIN", m)
                self.assertTrue(m.aa)
                self.assertEqual(m.answer, [])
                self.assertAuthoritativeSOA(m)

    def test_nodata(self):
        for name, qtype in (("www.example.com", "AAAA"), ("www.example.com", "MX"),
                            ("example.com", "A")):
            with self.subTest(name=name, qtype=qtype):
                m = self.q(name, qtype)
                self.assertEqual(m.rcode, NOERROR, m)
                self.assertTrue(m.aa)
                self.assertEqual(m.answer, [])
                self.assertAuthoritativeSOA(m)

    def test_empty_non_terminal_is_nodata(self):
        # deep.ent exists, so ent is an empty non-terminal: NODATA, not NXDOMAIN
        m = self.q("ent.example.com", "A")
        self.assertEqual(m.rcode, NOERROR, m)
        self.assertEqual(m.answer, [])
        self.assertAuthoritativeSOA(m)
        m = self.q("x.mail.example.com", "A")
        self.assertEqual(m.rcode, NXDOMAIN, m)

    def test_cname_chain_inside_zone(self):
        m = self.q("alias1.example.com", "A")
        self.assertEqual(m.rcode, NOERROR, m)
        self.assertTrue(m.aa)
        got = [(r.name.lower(), r.tname, r.rdata_text().lower()) for r in m.answer]
        self.assertEqual(got[:2], [("alias1.example.com.", "CNAME", "alias2.example.com."),
                                   ("alias2.example.com.", "CNAME", "www.example.com.")], m)
        self.assertEqual(sorted(got[2:]), [("www.example.com.", "A", "192.0.2.1"),
                                           ("www.example.com.", "A", "192.0.2.2")], m)
        # the CNAME target keeps the case it was stored with
        self.assertEqual(m.answer[0].rdata_names(), ["Alias2.Example.COM."])

    def test_cname_to_outside(self):
        m = self.q("ext.example.com", "A")
        self.assertEqual(m.rcode, NOERROR, m)
        self.assertEqual([(r.tname, r.rdata_text()) for r in m.answer],
                         [("CNAME", "host.elsewhere.test.")])
        # a CNAME asked for itself
        m = self.q("ext.example.com", "CNAME")
        self.assertEqual([r.tname for r in m.answer], ["CNAME"])

    def test_referral_with_glue(self):
        for name in ("host.sub.example.com", "sub.example.com", "ns1.sub.example.com"):
            with self.subTest(name=name):
                m = self.q(name, "A")
                self.assertEqual(m.rcode, NOERROR, m)
                self.assertFalse(m.aa, "a referral must not have AA: %r" % m)
                self.assertEqual(m.answer, [], m)
                ns = sorted((r.name.lower(), r.rdata_text().lower())
                            for r in m.authority if r.tname == "NS")
                self.assertEqual(ns, [("sub.example.com.", "ns.elsewhere.test."),
                                      ("sub.example.com.", "ns1.sub.example.com.")], m)
                self.assertNotIn("SOA", [r.tname for r in m.authority])
                glue = [(r.name.lower(), r.tname, r.rdata_text()) for r in m.additional
                        if r.tname in ("A", "AAAA")]
                self.assertEqual(glue, [("ns1.sub.example.com.", "A", "192.0.2.53")], m)

    def test_ds_at_delegation_is_answered_by_the_parent(self):
        m = self.q("sub.example.com", "DS")
        self.assertEqual(m.rcode, NOERROR, m)
        self.assertTrue(m.aa, "DS at a delegation belongs to the parent: AA expected: %r" % m)
        self.assertEqual([r.tname for r in m.answer], ["DS"], m)

    def test_wildcard(self):
        m = self.q("Any.Thing.wild.example.com", "A")
        self.assertEqual(m.rcode, NOERROR, m)
        self.assertTrue(m.aa)
        self.assertEqual([(r.name, r.rdata_text()) for r in m.answer],
                         [("Any.Thing.wild.example.com.", "192.0.2.77")],
                         "a wildcard answer has the name asked as owner")
        m = self.q("x.wild.example.com", "AAAA")
        self.assertEqual(m.rcode, NOERROR)
        self.assertEqual(m.answer, [])
        self.assertAuthoritativeSOA(m)

    def test_cname_loop_terminates(self):
        for tcp in (False, True):
            with self.subTest(tcp=tcp):
                m = self.q("loop1.example.com", "A", tcp=tcp)
                self.assertIn(m.rcode_text, ("NOERROR", "SERVFAIL"), m)
                names = [r.name.lower() for r in m.answer]
                self.assertLessEqual(len(names), 8, "a CNAME loop followed too far: %r" % m)
        self.assertTrue(udp_alive(self.d.dns_port, self.ADDR, ZONE))

    def test_longest_matching_zone(self):
        m = self.q("www.child.example.com", "A")
        self.assertEqual(m.rcode, NOERROR, m)
        self.assertTrue(m.aa)
        self.assertEqual([r.rdata_text() for r in m.answer], ["192.0.2.111"])
        m = self.q("nope.child.example.com", "A")
        self.assertEqual(m.rcode, NXDOMAIN)
        self.assertEqual([r.name.lower() for r in m.authority if r.tname == "SOA"],
                         ["child.example.com."])

    def test_refused_outside_zones(self):
        for name in ("example.org", "www.example.org", "com", "."):
            for tcp in (False, True):
                with self.subTest(name=name, tcp=tcp):
                    m = self.q(name, "A", tcp=tcp)
                    self.assertEqual(m.rcode_text, "REFUSED", m)
                    self.assertEqual(m.answer, [])
                    self.assertFalse(m.aa)

    def test_edns_opt_echoed(self):
        m = self.q("www.example.com", "A", edns={"udp": 4096})
        self.assertIsNotNone(m.opt, "no OPT in the answer to an EDNS query: %r" % m)
        self.assertEqual(m.edns_version, 0)
        self.assertEqual(m.rcode, NOERROR)
        self.assertGreaterEqual(m.opt.cls, 512, "OPT UDP size below 512")
        m = self.q("www.example.com", "A")
        self.assertIsNone(m.opt, "OPT in the answer to a query without EDNS")

    def test_edns_unknown_option_ignored(self):
        m = self.q("www.example.com", "A", edns={"udp": 1232, "options": [(65001, b"\xab\xcd"),
                                                                           (65500, b"")]})
        self.assertEqual(m.rcode, NOERROR, m)
        self.assertIsNotNone(m.opt)
        self.assertEqual(len(m.answer), 2)

    def test_edns_badvers(self):
        for tcp in (False, True):
            with self.subTest(tcp=tcp):
                m = self.q("www.example.com", "A", tcp=tcp, edns={"version": 1})
                self.assertEqual(m.rcode, BADVERS, m)
                self.assertEqual(m.edns_version, 0, "BADVERS must carry our version, 0")
                self.assertEqual(m.answer, [])
        res = dig(self.d.dns_port, "+edns=1", "+noednsnegotiation", "www.example.com", "A",
                  addr=self.ADDR)
        self.assertEqual(dig_status(res.stdout), "BADVERS", res.stdout)

    def test_formerr_malformed(self):
        good = make_query("www.example.com", "A", qid=0x1234)
        cases = {
            "two questions": struct.pack(">HHHHHH", 0x1234, 0, 2, 0, 0, 0) + good[12:] * 2,
            "no question": struct.pack(">HHHHHH", 0x1234, 0, 0, 0, 0, 0),
            "name past the end": good[:12] + b"\x03www\x20exam",
            "question without type": good[:-4],
            "trailing garbage": good + b"\x00\x01\x02",
            "counts larger than the data": good[:6] + struct.pack(">HHH", 0, 0, 3) + good[12:],
            "label type 0x40": good[:12] + b"\x43www" + good[16:],
            "two OPT": good[:10] + struct.pack(">H", 2) + good[12:] +
            b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00" * 2,
        }
        for what, raw in cases.items():
            for tcp in (False, True):
                with self.subTest(what=what, tcp=tcp):
                    if tcp:
                        s = tcp_connect(self.d.dns_port, self.ADDR, timeout=5)
                        try:
                            s.sendall(frame(raw))
                            data = recv_msg(s)
                        finally:
                            s.close()
                        self.assertIsNotNone(data, "TCP: connection closed without FORMERR")
                    else:
                        data = udp_query(self.d.dns_port, raw, addr=self.ADDR, raw=True,
                                         timeout=2)
                        self.assertIsNotNone(data, "UDP: no answer (expected FORMERR)")
                    self.assertGreaterEqual(len(data), 12)
                    qid, flags = struct.unpack(">HH", data[:4])
                    self.assertEqual(qid, 0x1234)
                    self.assertTrue(flags & 0x8000, "QR not set")
                    self.assertEqual(flags & 0xF, FORMERR, "rcode %d, not FORMERR, for %s"
                                     % (flags & 0xF, what))
        self.assertTrue(udp_alive(self.d.dns_port, self.ADDR, ZONE))

    def test_responses_and_short_packets_get_no_answer(self):
        good = make_query("www.example.com", "A")
        # a response (QR set) must not be answered (no reflection loops)
        resp = good[:2] + struct.pack(">H", 0x8000) + good[4:]
        self.assertIsNone(udp_query(self.d.dns_port, resp, addr=self.ADDR, timeout=0.5))
        self.assertIsNone(udp_query(self.d.dns_port, b"\x12\x34\x00", addr=self.ADDR,
                                    timeout=0.5))
        self.assertTrue(udp_alive(self.d.dns_port, self.ADDR, ZONE))

    def test_notimp_unknown_opcodes(self):
        for opcode in (OP_STATUS, OP_UPDATE, 3, 15):
            for tcp in (False, True):
                with self.subTest(opcode=opcode, tcp=tcp):
                    m = self.q(ZONE, "SOA", tcp=tcp, opcode=opcode)
                    self.assertEqual(m.rcode_text, "NOTIMP", m)
                    self.assertEqual(m.opcode, opcode, "opcode not copied into the answer")
                    self.assertEqual(m.answer, [])

    def test_case_kept(self):
        m = self.q("wWw.ExAmPlE.cOm", "A")
        self.assertEqual(m.rcode, NOERROR)
        # the question is echoed exactly as asked (0x20 resolvers check it)
        self.assertEqual(m.qname, "wWw.ExAmPlE.cOm.")
        for r in m.answer:
            # the owner is the name asked or the name stored, never a mix
            self.assertIn(r.name, ("wWw.ExAmPlE.cOm.", "WWW.example.com."), m)
        m = self.q("ALIAS1.example.COM", "CNAME")
        self.assertEqual(m.qname, "ALIAS1.example.COM.")
        self.assertEqual(m.answer[0].rdata_names(), ["Alias2.Example.COM."])
        m = self.q("NOPE.Example.Com", "A")
        self.assertEqual(m.qname, "NOPE.Example.Com.")
        self.assertEqual(m.rcode, NXDOMAIN)

    def test_udp_truncation_and_tcp_fallback(self):
        m = self.q("big.example.com", "TXT")
        self.assertLessEqual(len(m.raw), 512)
        self.assertTrue(m.tc, "a 12-record TXT set over UDP without EDNS must set TC: %r" % m)
        m = self.q("big.example.com", "TXT", tcp=True)
        self.assertFalse(m.tc)
        self.assertEqual(len(m.answer), 12)
        m = self.q("big.example.com", "TXT", edns={"udp": 4096})
        self.assertLessEqual(len(m.raw), 4096)
        self.assertEqual(len(m.answer), 12, "fits in 1232 bytes with EDNS")
        self.assertFalse(m.tc)

    def test_dig(self):
        res = dig(self.d.dns_port, "www.example.com", "A", "+norec", addr=self.ADDR)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertEqual(dig_status(res.stdout), "NOERROR")
        self.assertRegex(res.stdout, r"flags: qr aa;")
        res = dig(self.d.dns_port, "+tcp", "nope.example.com", "A", addr=self.ADDR)
        self.assertEqual(dig_status(res.stdout), "NXDOMAIN", res.stdout)
        self.assertIn("(TCP)", res.stdout)


class TestQueriesIPv4(QueryChecks, unittest.TestCase):
    ADDR = "127.0.0.1"

    @classmethod
    def setUpClass(cls):
        cls.d = class_daemon(cls)
        serial = populate(cls.d)
        wait_serial(cls.d.dns_port, ZONE, serial)
        wait_serial(cls.d.dns_port, "child." + ZONE, zone_serial(cls.d, "child." + ZONE))


class TestQueriesIPv6(QueryChecks, unittest.TestCase):
    ADDR = "::1"

    @classmethod
    def setUpClass(cls):
        if not have_ipv6_loopback():
            raise AssertionError("this machine has no usable ::1: the IPv6 listener cannot be "
                                 "tested (enable IPv6 on lo)")
        cls.d = class_daemon(cls, args=["--dns-listen", "[::1]:0"])
        cls.d.wait_log(r"listening on dns://\[::1\]:%d" % cls.d.dns_port)
        serial = populate(cls.d)
        wait_serial(cls.d.dns_port, ZONE, serial, addr="::1")
        wait_serial(cls.d.dns_port, "child." + ZONE, zone_serial(cls.d, "child." + ZONE),
                    addr="::1")

    def test_not_on_ipv4(self):
        # --dns-listen [::1]:0 listens on ::1 only
        self.assertIsNone(udp_query(self.d.dns_port, make_query(ZONE, "SOA"),
                                    addr="127.0.0.1", timeout=0.5))


if __name__ == "__main__":
    unittest.main()

