"""ALIAS re-resolution (issue 5, point 3).

The ALIAS targets are served by fakedns (a name server on loopback that the
test changes), axfrd's --resolver, with a 1 s TTL and --alias-min-ttl 1, so
axfrd asks again every second. When the target's A records change: within
a few seconds the zone's serial is bumped exactly once, axfrd answers the
new A records (dig @axfrd), a NOTIFY with the new serial goes to the zone's
notify target (a fake secondary), and an IXFR from the previous serial
carries exactly that change (old A out, new A in). When the answer stays
the same after the TTL runs out (and axfrd did ask again), nothing changes:
no new serial, no NOTIFY.
"""

import time
import unittest

from dnsutil import (NOERROR, class_daemon, dig, dig_records, make_query, udp_query, wait_for,
                     xfr)
from fakedns import FakeDNS
from harness import DaemonTestCase, add_record, create_zone
from test_notify import FakeSecondary, set_notify_targets, zone_serial

MOVING, STEADY = "moving.alias.test", "steady.alias.test"
MOVING_T, STEADY_T = "lb.moving.example.", "lb.steady.example."


def served_a(port, name):
    m = udp_query(port, make_query(name, "A"))
    if m is None or m.rcode != NOERROR:
        return None
    return sorted(r.rdata_text() for r in m.answer if r.tname == "A")


def served_serial(port, zone):
    m = udp_query(port, make_query(zone, "SOA"))
    if m is None or m.rcode != NOERROR:
        return None
    s = [r.soa_serial() for r in m.answer if r.tname == "SOA"]
    return s[0] if s else None


class TestAliasRefresh(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        cls.fake = fake = FakeDNS().start()
        cls.addClassCleanup(fake.stop)
        fake.set(MOVING_T, a=["198.51.100.1"], ttl=1)
        fake.set(STEADY_T, a=["198.51.100.50", "198.51.100.51"], ttl=1)
        cls.sec = sec = FakeSecondary("ack").start()
        cls.addClassCleanup(sec.stop)
        cls.d = d = class_daemon(cls, args=[
            "--resolver", fake.addr, "--alias-min-ttl", "1", "--alias-retry", "1",
            "--serial-policy", "increment", "--notify-timeout", "200", "--notify-retries", "3"])
        for zone, target, want in ((MOVING, MOVING_T, ["198.51.100.1"]),
                                   (STEADY, STEADY_T, ["198.51.100.50", "198.51.100.51"])):
            create_zone(d, zone)
            add_record(d, zone, "", "ALIAS", target, ttl=60)
            add_record(d, zone, "mail", "A", "192.0.2.25")
            set_notify_targets(d, zone, [sec.target])
            wait_for(lambda: served_a(d.dns_port, zone) == want, 10,
                     what="%s A = %s" % (zone, want))
        # the first resolutions bumped the serials: wait until they settle
        for zone in (MOVING, STEADY):
            cls.settle(zone)

    @classmethod
    def settle(cls, zone, quiet=1.5, timeout=10):
        """Waits until the serial (API and DNS) stays the same for quiet s."""
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            s = zone_serial(cls.d, zone)
            if s != last or served_serial(cls.d.dns_port, zone) != s:
                last, since = s, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return s
            time.sleep(0.1)
        raise AssertionError("%s: serial does not settle (last %s)" % (zone, last))

    def test_changed_addresses_bump_serial_and_notify(self):
        d, fake, sec = self.d, self.fake, self.sec
        s0 = zone_serial(d, MOVING)
        self.assertEqual(served_a(d.dns_port, MOVING), ["198.51.100.1"])
        since = time.monotonic()
        fake.set(MOVING_T, a=["198.51.100.2"], ttl=1)
        wait_for(lambda: served_a(d.dns_port, MOVING) == ["198.51.100.2"], 6,
                 what="%s served with the new A" % MOVING)
        took = time.monotonic() - since
        s1 = zone_serial(d, MOVING)
        self.assertEqual(s1, (s0 + 1) % (1 << 32),
                         "serial %d -> %d: not bumped exactly once; log:\n%s"
                         % (s0, s1, d.log_text()[-4000:]))
        self.assertEqual(served_serial(d.dns_port, MOVING), s1)
        # dig sees it too
        out = dig(d.dns_port, MOVING, "A", "+norec", "+noall", "+answer", check=True).stdout
        self.assertEqual(sorted(ln.split()[-1] for ln in dig_records(out)), ["198.51.100.2"],
                         out)
        # the secondary is told at once
        r = sec.wait_serial(MOVING, s1, timeout=3, since=since)
        self.assertLess(r.t - since, took + 1.0)
        # nothing else changes while the answer stays the same
        time.sleep(2.5)
        self.assertEqual(zone_serial(d, MOVING), s1, "serial bumped again without a change")
        self.assertEqual([x.serial for x in sec.notifies(MOVING, since=since)], [s1])
        # the journal holds exactly the A change
        msgs = xfr(d.dns_port, MOVING, "IXFR", ixfr_serial=s0)
        self.assertEqual(msgs.rcode, NOERROR, msgs[0])
        got = [(r.tname, r.soa_serial() if r.tname == "SOA" else r.rdata_text(),
                r.name.lower()) for r in msgs.records()]
        apex = MOVING + "."
        self.assertEqual(got, [("SOA", s1, apex), ("SOA", s0, apex),
                               ("A", "198.51.100.1", apex), ("SOA", s1, apex),
                               ("A", "198.51.100.2", apex), ("SOA", s1, apex)],
                         "IXFR from %d" % s0)
        ttl = {r.ttl for r in msgs.records() if r.tname == "A"}
        self.assertEqual(ttl, {60}, "the A records carry the ALIAS record's TTL")
        out = dig(d.dns_port, MOVING, "IXFR=%d" % s0, "+tcp", "+nocmd", "+nostats",
                  check=True).stdout
        lines = [ln.split() for ln in dig_records(out)]
        self.assertEqual([(f[3], f[4]) for f in lines if f[3] == "A"],
                         [("A", "198.51.100.1"), ("A", "198.51.100.2")], out)

    def test_same_addresses_change_nothing(self):
        d, fake, sec = self.d, self.fake, self.sec
        s0 = self.settle(STEADY)
        since = time.monotonic()
        q0 = fake.count(STEADY_T, "A")
        # the same answer again, in another order
        fake.set(STEADY_T, a=["198.51.100.51", "198.51.100.50"], ttl=1)
        time.sleep(3.2)
        asked = fake.count(STEADY_T, "A") - q0
        self.assertGreaterEqual(asked, 2, "axfrd did not ask again after the TTL (1 s) ran "
                                "out: %d queries in 3.2 s" % asked)
        self.assertEqual(zone_serial(d, STEADY), s0, "serial bumped though the ALIAS target's "
                         "addresses did not change; log:\n" + d.log_text()[-3000:])
        self.assertEqual(served_serial(d.dns_port, STEADY), s0)
        self.assertEqual(served_a(d.dns_port, STEADY), ["198.51.100.50", "198.51.100.51"])
        self.assertEqual(sec.notifies(STEADY, since=since), [], "NOTIFY without a change")


if __name__ == "__main__":
    unittest.main()
