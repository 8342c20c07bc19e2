"""ALIAS and URL on export (issue 3, point 3): an ALIAS is served as the
A/AAAA its target resolves to through --resolver (a fake resolver on
loopback that the test controls), in answers and in transfers, and never
leaves the server as such; when the target's answer changes after its TTL
the zone gets a new serial and the new addresses; when the resolver times
out, SERVFAILs or says NXDOMAIN the last good addresses stay, the failure
is logged and recorded; a target that never resolved exports nothing and
breaks nothing else; URL records become the --url-redirect-ipv4/ipv6
addresses, and reconfiguring those gives the zone a new serial."""

import re
import time
import unittest

from dnsutil import (NOERROR, STANDARD_ZONE_TYPES, class_daemon, dig, export_text, make_query,
                     normalize_export, normalize_records, serial_gt, set_secondary, udp_query,
                     wait_for, wait_serial, xfr, zone_serial)
from fakedns import FakeDNS
from harness import add_record, create_zone

URL_V4 = ["192.0.2.80", "192.0.2.81"]
URL_V6 = ["2001:db8::80"]
# a record line whose type is ALIAS, URL or an unknown TYPEnnn, or RFC 3597 data
PSEUDO_RE = re.compile(r"(?im)^\S+\s+\d+\s+IN\s+(?:ALIAS|URL|TYPE\d+)\s.*$|^.*\s\\#\s.*$")


def addresses(port, name, rtype):
    m = udp_query(port, make_query(name, rtype))
    if m is None or m.rcode != NOERROR:
        return None
    return sorted(r.rdata_text() for r in m.answer if r.tname == rtype)


class AliasChecks:
    d = None

    def addrs(self, name, rtype="A"):
        return addresses(self.d.dns_port, name, rtype)

    def wait_addrs(self, name, want, rtype="A", timeout=15):
        return wait_for(lambda: self.addrs(name, rtype) == sorted(want), timeout,
                        what="%s %s = %s" % (name, rtype, sorted(want)))

    def axfr_rrs(self, zone):
        msgs = xfr(self.d.dns_port, zone)
        self.assertEqual(msgs.rcode, NOERROR, msgs[0])
        return msgs.records()

    def assertNoPseudoTypes(self, zone):
        rrs = self.axfr_rrs(zone)
        bad = [r.text() for r in rrs if r.tname not in STANDARD_ZONE_TYPES]
        self.assertEqual(bad, [], "non-standard types in the transfer of %s" % zone)
        res = dig(self.d.dns_port, zone, "AXFR", "+nocmd", "+nostats", check=True)
        text = export_text(self.d, zone)
        for what, out in (("dig AXFR", res.stdout), ("export", text)):
            bad = PSEUDO_RE.findall(out)
            self.assertEqual(bad, [], "pseudo-types in %s of %s" % (what, zone))
        # and the export is what the transfer gives
        self.assertEqual(normalize_records(rrs[:-1]), normalize_export(text, zone))
        return rrs


class TestAlias(AliasChecks, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.fake = fake = FakeDNS().start()
        cls.addClassCleanup(fake.stop)
        fake.set("lb.one.example.", a=["198.51.100.1", "198.51.100.2"], aaaa=["2001:db8::1"],
                 ttl=300)
        fake.set("lb.change.example.", a=["198.51.100.10"], ttl=1)
        for t in ("tmo", "sf", "nx"):
            fake.set("lb.%s.example." % t, a=["198.51.100.%d" % (20 + len(t))],
                     aaaa=["2001:db8::%d" % len(t)], ttl=1)
        fake.set_mode("lb.never.example.", "timeout")
        fake.set_mode("lb.nonexistent.example.", "nxdomain")
        cls.d = d = class_daemon(cls, args=[
            "--resolver", fake.addr, "--alias-min-ttl", "1", "--alias-retry", "1",
            "--url-redirect-ipv4", ",".join(URL_V4), "--url-redirect-ipv6", ",".join(URL_V6)])
        create_zone(d, "alias.test")
        add_record(d, "alias.test", "", "ALIAS", "lb.one.example.", ttl=120)
        add_record(d, "alias.test", "www", "ALIAS", "LB.One.Example.", ttl=120)
        add_record(d, "alias.test", "mail", "A", "192.0.2.25")
        create_zone(d, "change.test")
        add_record(d, "change.test", "", "ALIAS", "lb.change.example.", ttl=60)
        for t in ("tmo", "sf", "nx"):
            z = "%s.test" % t
            create_zone(d, z)
            add_record(d, z, "", "ALIAS", "lb.%s.example." % t, ttl=60)
            add_record(d, z, "www", "A", "192.0.2.1")
        create_zone(d, "never.test")
        add_record(d, "never.test", "", "ALIAS", "lb.never.example.")
        add_record(d, "never.test", "app", "ALIAS", "lb.nonexistent.example.")
        add_record(d, "never.test", "www", "A", "192.0.2.7")
        add_record(d, "never.test", "", "MX", "10 mail.never.test.")
        add_record(d, "never.test", "mail", "AAAA", "2001:db8::7")
        create_zone(d, "url.test")
        add_record(d, "url.test", "go", "URL", "https://example.org/landing")
        add_record(d, "url.test", "", "URL", "http://www.example.org/")
        add_record(d, "url.test", "txt", "TXT", '"not a redirect"')
        for z in ("alias.test", "change.test", "tmo.test", "sf.test", "nx.test", "never.test",
                  "url.test"):
            set_secondary(d, z, ["127.0.0.1"])

    def test_alias_in_answers_and_transfers(self):
        self.wait_addrs("alias.test", ["198.51.100.1", "198.51.100.2"])
        self.wait_addrs("alias.test", ["2001:db8::1"], "AAAA")
        self.wait_addrs("www.alias.test", ["198.51.100.1", "198.51.100.2"])
        m = udp_query(self.d.dns_port, make_query("alias.test", "A"))
        self.assertTrue(m.aa)
        self.assertEqual({r.ttl for r in m.answer}, {120}, "the ALIAS record's TTL")
        # settled serial (each resolution that changed the export bumped it)
        wait_serial(self.d.dns_port, "alias.test", zone_serial(self.d, "alias.test"))
        rrs = self.assertNoPseudoTypes("alias.test")
        got = sorted((r.name.lower(), r.tname, r.rdata_text()) for r in rrs[1:-1]
                     if r.tname in ("A", "AAAA"))
        self.assertEqual(got, [("alias.test.", "A", "198.51.100.1"),
                               ("alias.test.", "A", "198.51.100.2"),
                               ("alias.test.", "AAAA", "2001:db8::1"),
                               ("mail.alias.test.", "A", "192.0.2.25"),
                               ("www.alias.test.", "A", "198.51.100.1"),
                               ("www.alias.test.", "A", "198.51.100.2"),
                               ("www.alias.test.", "AAAA", "2001:db8::1")])
        # an ALIAS is not a CNAME: nothing of the kind is answered
        m = udp_query(self.d.dns_port, make_query("www.alias.test", "CNAME"))
        self.assertEqual(m.rcode, NOERROR)
        self.assertEqual([r.tname for r in m.answer], [])
        self.assertGreaterEqual(self.fake.count("lb.one.example.", "A"), 1)
        self.assertGreaterEqual(self.fake.count("lb.one.example.", "AAAA"), 1)

    def test_alias_answer_cached_for_its_ttl(self):
        """lb.one.example has a TTL of 300 s: asked once (per type), not again
        within the next seconds although two ALIAS records use it."""
        self.wait_addrs("alias.test", ["198.51.100.1", "198.51.100.2"])
        self.wait_addrs("alias.test", ["2001:db8::1"], "AAAA")
        n_a = self.fake.count("lb.one.example.", "A")
        n_aaaa = self.fake.count("lb.one.example.", "AAAA")
        self.assertLessEqual(n_a, 3, "the target was asked %d times" % n_a)
        for _ in range(20):
            self.addrs("alias.test")    # answers come from the cache, not the resolver
            self.addrs("www.alias.test", "AAAA")
        time.sleep(2.5)
        self.assertEqual(self.fake.count("lb.one.example.", "A"), n_a)
        self.assertEqual(self.fake.count("lb.one.example.", "AAAA"), n_aaaa)

    def test_answer_change_bumps_serial(self):
        d = self.d
        self.wait_addrs("change.test", ["198.51.100.10"])
        s1 = wait_serial(d.dns_port, "change.test", zone_serial(d, "change.test"))
        since = len(d.stderr_lines)
        self.fake.set("lb.change.example.", a=["198.51.100.11", "198.51.100.12"], ttl=1)
        s2 = wait_serial(d.dns_port, "change.test", newer_than=s1, timeout=15)
        self.assertEqual(self.addrs("change.test"), ["198.51.100.11", "198.51.100.12"])
        rrs = self.assertNoPseudoTypes("change.test")
        self.assertEqual(rrs[0].soa_serial(), s2)
        self.assertEqual(sorted(r.rdata_text() for r in rrs if r.tname == "A"),
                         ["198.51.100.11", "198.51.100.12"])
        d.wait_log(r"lb\.change\.example\. A: now '198\.51\.100\.11 198\.51\.100\.12'",
                   since=since)
        d.wait_log(r"zone change\.test: export changed without a record change; serial now %d"
                   % s2, since=since)
        # unchanged answers after that bump nothing
        n = self.fake.count("lb.change.example.", "A")
        wait_for(lambda: self.fake.count("lb.change.example.", "A") >= n + 2, 10,
                 what="re-resolution after the TTL")
        self.assertEqual(zone_serial(d, "change.test"), s2)

    def test_failures_keep_last_good(self):
        d = self.d
        good = {}
        for t in ("tmo", "sf", "nx"):
            z = "%s.test" % t
            a = ["198.51.100.%d" % (20 + len(t))]
            self.wait_addrs(z, a)
            self.wait_addrs(z, ["2001:db8::%d" % len(t)], "AAAA")
            good[t] = (a, wait_serial(d.dns_port, z, zone_serial(d, z)))
        since = len(d.stderr_lines)
        self.fake.set_mode("lb.tmo.example.", "timeout")
        self.fake.set_mode("lb.sf.example.", "servfail")
        self.fake.set_mode("lb.nx.example.", "nxdomain")
        reasons = {"tmo": "timeout", "sf": "SERVFAIL", "nx": "NXDOMAIN"}
        for t, why in reasons.items():
            # ALIAS_TIMEOUT_MS 2000 x 3 tries after the TTL: about 7 s for a timeout
            d.wait_log(r"lb\.%s\.example\. A: cannot resolve \(%s\); serving the last known "
                       r"addresses '%s'" % (t, why, re.escape(good[t][0][0])),
                       since=since, timeout=20)
        for t in reasons:
            z = "%s.test" % t
            self.assertEqual(self.addrs(z), good[t][0], "%s: last good A not served" % z)
            self.assertEqual(self.addrs(z, "AAAA"), ["2001:db8::%d" % len(t)])
            rrs = self.assertNoPseudoTypes(z)
            self.assertEqual([r.rdata_text() for r in rrs if r.tname == "A" and
                              r.name.lower() == z + "."], good[t][0])
            self.assertEqual(zone_serial(d, z), good[t][1], "%s: serial changed on a failure" % z)
        # the failure is recorded in the store
        with d.db_ro() as db:
            rows = dict(db.execute("SELECT target, last_error FROM alias_cache WHERE rrtype = 1 "
                                   "AND target IN ('lb.tmo.example.', 'lb.sf.example.', "
                                   "'lb.nx.example.')").fetchall())
        self.assertEqual(rows, {"lb.tmo.example.": "timeout", "lb.sf.example.": "SERVFAIL",
                                "lb.nx.example.": "NXDOMAIN"})
        # recovery with a new address: served, new serial, logged
        self.fake.set("lb.sf.example.", a=["198.51.100.99"], aaaa=["2001:db8::2"], ttl=1)
        s = wait_serial(d.dns_port, "sf.test", newer_than=good["sf"][1], timeout=15)
        self.assertEqual(self.addrs("sf.test"), ["198.51.100.99"])
        self.assertTrue(serial_gt(s, good["sf"][1]))
        d.wait_log(r"lb\.sf\.example\. A: resolves again", since=since)

    def test_never_resolved_target(self):
        """Nothing to export for the ALIAS; the rest of the zone transfers."""
        d = self.d
        wait_for(lambda: self.fake.count("lb.nonexistent.example.", "A") >= 1, 10,
                 what="query for the NXDOMAIN target")
        wait_for(lambda: self.fake.count("lb.never.example.", "A") >= 1, 10,
                 what="query for the silent target")
        wait_serial(d.dns_port, "never.test", zone_serial(d, "never.test"))
        rrs = self.assertNoPseudoTypes("never.test")
        got = sorted((r.name.lower(), r.tname) for r in rrs[1:-1])
        self.assertIn(("www.never.test.", "A"), got)
        self.assertIn(("never.test.", "MX"), got)
        self.assertIn(("mail.never.test.", "AAAA"), got)
        self.assertNotIn(("never.test.", "A"), got)
        self.assertNotIn(("never.test.", "AAAA"), got)
        self.assertNotIn("app.never.test.", [n for n, _ in got])
        # the apex answers NODATA for A, www still answers
        m = udp_query(d.dns_port, make_query("never.test", "A"))
        self.assertEqual(m.rcode, NOERROR)
        self.assertEqual(m.answer, [])
        self.assertEqual(self.addrs("www.never.test"), ["192.0.2.7"])
        d.wait_log(r"lb\.nonexistent\.example\. A: cannot resolve \(NXDOMAIN\)")

    def test_url_records(self):
        for name in ("go.url.test", "url.test"):
            self.wait_addrs(name, URL_V4)
            self.wait_addrs(name, URL_V6, "AAAA")
        self.assertEqual(self.addrs("txt.url.test", "TXT"), ['"not a redirect"'])
        rrs = self.assertNoPseudoTypes("url.test")
        got = sorted((r.name.lower(), r.tname, r.rdata_text()) for r in rrs[1:-1]
                     if r.tname in ("A", "AAAA"))
        want = sorted([(n, "A", a) for n in ("go.url.test.", "url.test.") for a in URL_V4] +
                      [(n, "AAAA", a) for n in ("go.url.test.", "url.test.") for a in URL_V6])
        self.assertEqual(got, want)
        self.assertNotIn("example.org", export_text(self.d, "url.test"))


class TestReconfiguration(AliasChecks, unittest.TestCase):
    """Exports that change because the configuration changed get a new
    serial; cached ALIAS answers survive a restart."""

    @classmethod
    def setUpClass(cls):
        cls.fake = fake = FakeDNS().start()
        cls.addClassCleanup(fake.stop)
        fake.set("lb.keep.example.", a=["198.51.100.50"], ttl=300)
        cls.d = d = class_daemon(cls, args=["--resolver", fake.addr,
                                            "--url-redirect-ipv4", "192.0.2.80"])
        create_zone(d, "redir.test")
        add_record(d, "redir.test", "go", "URL", "https://example.org/")
        add_record(d, "redir.test", "", "ALIAS", "lb.keep.example.")
        set_secondary(d, "redir.test", ["127.0.0.1"])

    def test_redirector_change_and_restart(self):
        d = self.d
        self.wait_addrs("go.redir.test", ["192.0.2.80"])
        self.wait_addrs("redir.test", ["198.51.100.50"])
        s1 = wait_serial(d.dns_port, "redir.test", zone_serial(d, "redir.test"))
        # the resolver is gone after the restart: the cached answer is served
        self.fake.set_mode("lb.keep.example.", "timeout")
        d.args = ["--resolver", self.fake.addr, "--url-redirect-ipv4", "192.0.2.90,192.0.2.91",
                  "--url-redirect-ipv6", "2001:db8::90"]
        d.restart()
        self.assertEqual(self.addrs("go.redir.test"), ["192.0.2.90", "192.0.2.91"])
        self.assertEqual(self.addrs("go.redir.test", "AAAA"), ["2001:db8::90"])
        s2 = zone_serial(d, "redir.test")
        self.assertTrue(serial_gt(s2, s1), "the redirector addresses changed but the serial "
                        "stayed %d" % s1)
        self.assertEqual(wait_serial(d.dns_port, "redir.test", s2), s2)
        self.assertEqual(self.addrs("redir.test"), ["198.51.100.50"],
                         "the cached ALIAS answer is not served after a restart")
        rrs = self.assertNoPseudoTypes("redir.test")
        self.assertEqual(rrs[0].soa_serial(), s2)
        # IXFR from before the restart: either exactly the A/AAAA difference,
        # or (the daemon wrote no journal step for a change found at start-up)
        # the whole zone; never anything else
        msgs = xfr(d.dns_port, "redir.test", qtype="IXFR", ixfr_serial=s1)
        rr = msgs.records()
        self.assertEqual((rr[0].tname, rr[0].soa_serial()), ("SOA", s2))
        if rr[1].tname == "SOA":
            self.assertEqual(rr[1].soa_serial(), s1)
            i_mid = next(i for i in range(2, len(rr)) if rr[i].tname == "SOA")
            dels = sorted((r.name.lower(), r.tname, r.rdata_text()) for r in rr[2:i_mid])
            adds = sorted((r.name.lower(), r.tname, r.rdata_text())
                          for r in rr[i_mid + 1:-1] if r.tname != "SOA")
            self.assertEqual(dels, [("go.redir.test.", "A", "192.0.2.80")])
            self.assertEqual(adds, [("go.redir.test.", "A", "192.0.2.90"),
                                    ("go.redir.test.", "A", "192.0.2.91"),
                                    ("go.redir.test.", "AAAA", "2001:db8::90")])
        else:
            self.assertEqual(normalize_records(rr[:-1]),
                             normalize_export(export_text(d, "redir.test"), "redir.test"))
        # a restart with the same configuration changes nothing
        d.restart()
        self.assertEqual(wait_serial(d.dns_port, "redir.test"), s2)
        self.assertEqual(zone_serial(d, "redir.test"), s2)


if __name__ == "__main__":
    unittest.main()
