"""IXFR (issue 3, point 6; RFC 1995) from the change journal: a current
serial gets a single SOA; a serial the journal covers gets the difference
sequence; an unknown or too old serial (--xfr-journal-keep) gets the
whole zone AXFR-style; over UDP the current SOA; dig IXFR=serial works;
an ALIAS whose target's address changed reaches IXFR as exactly that A
change (resolved through a fake resolver on loopback)."""

import unittest

from dnsutil import (NOERROR, class_daemon, dig, export_text, make_query, normalize_export,
                     normalize_records, set_secondary, udp_query, wait_for, wait_serial, xfr,
                     zone_serial)
from fakedns import FakeDNS
from harness import add_record, create_zone

ZONE = "ix.test"


def ixfr_steps(tc, msgs, new_serial):
    """Checks the RFC 1995 incremental form and returns the steps:
    [(old serial, new serial, [deleted RR], [added RR])]."""
    tc.assertEqual(msgs.rcode, NOERROR, msgs[0])
    rrs = msgs.records()
    tc.assertGreaterEqual(len(rrs), 4, "too short for an incremental answer: %r" % rrs)
    tc.assertEqual(rrs[0].tname, "SOA")
    tc.assertEqual(rrs[0].soa_serial(), new_serial, "first SOA is not the current serial")
    tc.assertEqual(rrs[-1].tname, "SOA")
    tc.assertEqual(rrs[-1].soa_serial(), new_serial, "last SOA is not the current serial")
    tc.assertEqual(rrs[1].tname, "SOA", "not an incremental answer (AXFR-style?): %r"
                   % [r.text() for r in rrs[:5]])
    for i, m in enumerate(msgs):
        tc.assertEqual(len(m.question), 1 if i == 0 else 0, "question only in the first message")
        tc.assertTrue(m.aa)
    steps = []
    body = rrs[1:-1]
    i = 0
    while i < len(body):
        old = body[i]
        tc.assertEqual(old.tname, "SOA", "a step does not start with the old SOA")
        i += 1
        dels = []
        while body[i].tname != "SOA":
            dels.append(body[i])
            i += 1
        new = body[i]
        i += 1
        adds = []
        while i < len(body) and body[i].tname != "SOA":
            adds.append(body[i])
            i += 1
        steps.append((old.soa_serial(), new.soa_serial(), dels, adds))
    for (a, b, _, _), (c, _, _, _) in zip(steps, steps[1:]):
        tc.assertEqual(b, c, "steps do not chain: %r" % [(s[0], s[1]) for s in steps])
    tc.assertEqual(steps[-1][1], new_serial)
    return steps


def texts(rrs):
    return sorted((r.name.lower(), r.tname, r.rdata_text()) for r in rrs)


class TestIxfr(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls, args=["--xfr-journal-keep", "2"])
        create_zone(d, ZONE, serial_policy="increment")
        cls.www = add_record(d, ZONE, "www", "A", "192.0.2.1")
        set_secondary(d, ZONE, ["127.0.0.1"])
        cls.serials = [zone_serial(d, ZONE)]

        def change(fn):
            fn()
            s = zone_serial(d, ZONE)
            # one journal step per change: wait until the DNS side serves it
            wait_serial(d.dns_port, ZONE, s)
            cls.serials.append(s)
        wait_serial(d.dns_port, ZONE, cls.serials[0])
        # S1: add a1
        change(lambda: add_record(d, ZONE, "a1", "A", "192.0.2.11"))
        # S2: add a TXT
        change(lambda: add_record(d, ZONE, "t", "TXT", '"step two"'))
        # S3: www 192.0.2.1 -> 192.0.2.2 and a new TXT (one batch)
        change(lambda: d.post("/v1/zones/%s/records/batch" % ZONE, {
            "delete": [cls.www["id"]],
            "add": [{"name": "www", "type": "A", "content": "192.0.2.2"},
                    {"name": "t3", "type": "TXT", "content": '"step three"'}]}))
        # S4: add a3
        change(lambda: add_record(d, ZONE, "a3", "A", "192.0.2.33"))
        assert len(set(cls.serials)) == 5, cls.serials

    @property
    def current(self):
        return self.serials[-1]

    def test_current_serial_single_soa(self):
        for serial in (self.current,):
            msgs = xfr(self.d.dns_port, ZONE, qtype="IXFR", ixfr_serial=serial)
            self.assertEqual(len(msgs), 1)
            rrs = msgs.records()
            self.assertEqual([r.tname for r in rrs], ["SOA"], rrs)
            self.assertEqual(rrs[0].soa_serial(), self.current)
            self.assertTrue(msgs[0].aa)

    def test_one_step(self):
        s3, s4 = self.serials[3], self.serials[4]
        steps = ixfr_steps(self, xfr(self.d.dns_port, ZONE, qtype="IXFR", ixfr_serial=s3), s4)
        self.assertEqual(len(steps), 1)
        old, new, dels, adds = steps[0]
        self.assertEqual((old, new), (s3, s4))
        self.assertEqual(texts(dels), [])
        self.assertEqual(texts(adds), [("a3.ix.test.", "A", "192.0.2.33")])

    def test_two_steps(self):
        s2, s3, s4 = self.serials[2:5]
        steps = ixfr_steps(self, xfr(self.d.dns_port, ZONE, qtype="IXFR", ixfr_serial=s2), s4)
        self.assertEqual([(a, b) for a, b, _, _ in steps], [(s2, s3), (s3, s4)])
        self.assertEqual(texts(steps[0][2]), [("www.ix.test.", "A", "192.0.2.1")])
        self.assertEqual(texts(steps[0][3]), [("t3.ix.test.", "TXT", '"step three"'),
                                              ("www.ix.test.", "A", "192.0.2.2")])
        self.assertEqual(texts(steps[1][2]), [])
        self.assertEqual(texts(steps[1][3]), [("a3.ix.test.", "A", "192.0.2.33")])

    def assertAxfrStyle(self, msgs):
        self.assertEqual(msgs.rcode, NOERROR)
        rrs = msgs.records()
        self.assertEqual(rrs[0].tname, "SOA")
        self.assertEqual(rrs[0].soa_serial(), self.current)
        self.assertNotEqual(rrs[1].tname, "SOA", "incremental answer where the journal does "
                            "not reach")
        self.assertEqual(rrs[-1].tname, "SOA")
        self.assertEqual([r for r in rrs[1:-1] if r.tname == "SOA"], [])
        self.assertEqual(normalize_records(rrs[:-1]),
                         normalize_export(export_text(self.d, ZONE), ZONE))

    def test_journal_keep_oldest_falls_back_to_axfr(self):
        # --xfr-journal-keep 2: S2->S3 and S3->S4 are kept, S1->S2 is not
        s1 = self.serials[1]
        since = len(self.d.stderr_lines)
        self.assertAxfrStyle(xfr(self.d.dns_port, ZONE, qtype="IXFR", ixfr_serial=s1))
        self.d.wait_log(r"%s: journal does not reach serial %d" % (ZONE.replace(".", r"\."), s1),
                        since=since, timeout=5)
        self.assertAxfrStyle(xfr(self.d.dns_port, ZONE, qtype="IXFR",
                                 ixfr_serial=self.serials[0]))

    def test_unknown_serial_falls_back_to_axfr(self):
        self.assertAxfrStyle(xfr(self.d.dns_port, ZONE, qtype="IXFR",
                                 ixfr_serial=(self.serials[0] - 1000) % (1 << 32)))

    def test_ixfr_without_client_soa_formerr(self):
        m = udp_query(self.d.dns_port, make_query(ZONE, "IXFR"))
        self.assertIsNotNone(m)
        self.assertEqual(m.rcode_text, "FORMERR", m)

    def test_newer_client_serial_single_soa(self):
        msgs = xfr(self.d.dns_port, ZONE, qtype="IXFR",
                   ixfr_serial=(self.current + 10) % (1 << 32))
        self.assertEqual([(r.tname, r.soa_serial()) for r in msgs.records()],
                         [("SOA", self.current)])

    def test_ixfr_over_udp_current_soa(self):
        m = udp_query(self.d.dns_port, make_query(ZONE, "IXFR", ixfr_serial=self.serials[3]))
        self.assertIsNotNone(m)
        self.assertEqual(m.rcode, NOERROR)
        self.assertEqual([(r.tname, r.soa_serial()) for r in m.answer], [("SOA", self.current)])

    def test_dig_ixfr(self):
        res = dig(self.d.dns_port, ZONE, "IXFR=%d" % self.serials[3], "+nocmd", "+nostats",
                  check=True)
        rows = [ln.split() for ln in res.stdout.splitlines() if ln and not ln.startswith(";")]
        soas = [int(f[6]) for f in rows if len(f) > 6 and f[3] == "SOA"]
        self.assertEqual(soas, [self.serials[4], self.serials[3], self.serials[4],
                                self.serials[4]], res.stdout)
        self.assertTrue(any(f[0] == "a3.ix.test." and f[3] == "A" for f in rows), res.stdout)


class TestIxfrAlias(unittest.TestCase):
    """The differences are those of the zone as exported: an ALIAS target
    whose address changes reaches IXFR as exactly that A change."""

    ZONE = "alias-ix.test"
    TARGET = "lb.provider.example."

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeDNS().start()
        cls.addClassCleanup(cls.fake.stop)
        cls.fake.set(cls.TARGET, a=["198.51.100.1"], ttl=1)
        cls.d = d = class_daemon(cls, args=["--resolver", cls.fake.addr, "--alias-min-ttl", "1",
                                            "--alias-retry", "1"])
        create_zone(d, cls.ZONE)
        add_record(d, cls.ZONE, "www", "A", "192.0.2.80")
        add_record(d, cls.ZONE, "", "ALIAS", cls.TARGET, ttl=60)
        set_secondary(d, cls.ZONE, ["127.0.0.1"])

    def apex_a(self):
        m = udp_query(self.d.dns_port, make_query(self.ZONE, "A"))
        if m is None:
            return None
        return sorted(r.rdata_text() for r in m.answer if r.tname == "A")

    def test_alias_change_is_one_a_change(self):
        d = self.d
        wait_for(lambda: self.apex_a() == ["198.51.100.1"], 15, what="apex A from the ALIAS")
        # settled: the serial after the A (and the empty AAAA) were resolved
        sa = wait_serial(d.dns_port, self.ZONE, zone_serial(d, self.ZONE), timeout=10)
        self.fake.set(self.TARGET, a=["198.51.100.2"], ttl=1)
        sb = wait_serial(d.dns_port, self.ZONE, newer_than=sa, timeout=15)
        self.assertEqual(self.apex_a(), ["198.51.100.2"])
        self.assertEqual(zone_serial(d, self.ZONE), sb, "the API's serial differs from the served "
                         "one")
        steps = ixfr_steps(self, xfr(d.dns_port, self.ZONE, qtype="IXFR", ixfr_serial=sa), sb)
        dels = [r for s in steps for r in s[2]]
        adds = [r for s in steps for r in s[3]]
        self.assertEqual(texts(dels), [("alias-ix.test.", "A", "198.51.100.1")])
        self.assertEqual(texts(adds), [("alias-ix.test.", "A", "198.51.100.2")])
        self.assertEqual({r.ttl for r in dels + adds}, {60}, "the ALIAS record's TTL")


if __name__ == "__main__":
    unittest.main()
