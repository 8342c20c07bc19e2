"""Real secondaries (issue 3, points 8, 6 and 5): BIND (named) and NSD
secondaries on loopback transfer from axfrd a zone holding every supported
record type, ALIAS and URL included (resolved through a fake resolver and
the configured redirector), and what each serves -- its own AXFR and
answers to dig for every RRset -- equals axfrd's export record by record;
a BIND secondary that requests IXFR gets a later change incrementally and
ends with exactly what an AXFR gives; NSD follows the change too; BIND
with a TSIG key transfers a zone that requires that key (and without it
gets nothing). axfrd sends no NOTIFY yet: the test notifies the
secondaries itself."""

import collections
import unittest

from dnsutil import (NOERROR, class_daemon, export_text, make_notify, make_query,
                     normalize_export,
                     normalize_records, set_secondary, udp_query, wait_for, wait_serial, xfr,
                     zone_serial)
from fakedns import FakeDNS
from harness import add_record, create_zone
from secondaries import BindSecondary, NsdSecondary, ensure_tools
from secondaries import axfr as dig_axfr

ZONE = "every.test"

# (name, type, content): every record type the API supports
EVERY_TYPE = [
    ("", "MX", "10 mail.every.test."),
    ("", "TXT", '"v=spf1 -all"'),
    ("", "CAA", '0 issue "letsencrypt.org"'),
    ("", "ALIAS", "lb.every-target.example."),
    ("www", "A", "192.0.2.10"),
    ("www", "AAAA", "2001:db8::10"),
    ("mail", "A", "192.0.2.25"),
    ("Ftp", "CNAME", "www.every.test."),
    ("_sip._tcp", "SRV", "10 60 5060 sip.every.test."),
    ("sip", "A", "192.0.2.60"),
    ("10.rev", "PTR", "host.example.net."),
    ("enum", "NAPTR", '100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .'),
    ("www", "SSHFP", "2 1 123456789abcdef67890123456789abcdef67890"),
    ("_443._tcp.www", "TLSA",
     "3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
    ("sub", "NS", "ns1.sub.every.test."),
    ("sub", "NS", "ns.elsewhere.example."),
    ("ns1.sub", "A", "192.0.2.53"),
    ("sub", "DS", "12345 13 2 "
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
    ("", "HTTPS", '1 . alpn="h2,h3" ipv4hint=192.0.2.10'),
    ("_svc", "SVCB", "1 svc.every.test. port=8443"),
    ("svc", "AAAA", "2001:db8::443"),
    ("go", "URL", "https://example.org/landing"),
    ("txt2", "TXT", '"two" "strings; with \\"quotes\\""'),
]


def notify(port, zone, serial=None):
    """Sends a NOTIFY to a secondary; returns its answer (or None)."""
    return udp_query(port, make_notify(zone, serial), timeout=2)


class SecondaryTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        ensure_tools("named", "nsd", "dig")
        cls.fake = fake = FakeDNS().start()
        cls.addClassCleanup(fake.stop)
        fake.set("lb.every-target.example.", a=["198.51.100.7"], aaaa=["2001:db8::7"],
                 ttl=3600)
        cls.d = d = class_daemon(cls, args=["--resolver", fake.addr,
                                            "--url-redirect-ipv4", "192.0.2.80",
                                            "--url-redirect-ipv6", "2001:db8::80"])
        create_zone(d, ZONE)
        for name, rtype, content in EVERY_TYPE:
            add_record(d, ZONE, name, rtype, content)
        set_secondary(d, ZONE, ["127.0.0.1"])
        # the ALIAS resolved (A and AAAA) and the serial settled
        wait_for(lambda: cls._apex(d, "A") == ["198.51.100.7"] and
                 cls._apex(d, "AAAA") == ["2001:db8::7"], 15, what="ALIAS resolved")
        cls.serial = wait_serial(d.dns_port, ZONE, zone_serial(d, ZONE))
        cls.export = export_text(d, ZONE)
        cls.expected = normalize_export(cls.export, ZONE)

    @staticmethod
    def _apex(d, rtype):
        m = udp_query(d.dns_port, make_query(ZONE, rtype))
        return sorted(r.rdata_text() for r in m.answer if r.tname == rtype) if m else None

    def start_secondary(self, cls_, zones, **kw):
        sec = cls_(self.d.dns_port, zones, **kw)
        self.addCleanup(sec.cleanup)
        sec.start()
        return sec

    def assertSameRecords(self, got, want, what):
        if got != want:
            g, w = set(got), set(want)
            self.fail("%s differs from axfrd's export:\nonly on the secondary: %s\nonly in the "
                      "export: %s" % (what, sorted(g - w), sorted(w - g)))

    def check_secondary(self, sec):
        sec.wait_serial(ZONE, self.serial, timeout=20)
        # what it transfers on
        self.assertSameRecords(sec.dump(ZONE), self.expected, "%s's copy" % sec.NAME)
        # what it answers, RRset by RRset
        rrsets = collections.defaultdict(list)
        for rr in self.expected:
            owner, _, _, rtype, _ = rr
            below_cut = owner.endswith(".sub.%s." % ZONE) or (owner == "sub.%s." % ZONE and
                                                               rtype != "DS")
            if not below_cut:
                rrsets[(owner, rtype)].append(rr)
        self.assertIn(("%s." % ZONE, "A"), rrsets)
        for (owner, rtype), want in sorted(rrsets.items()):
            got = sec.query(owner, rtype, tcp=True)
            if rtype != "CNAME":
                # a CNAME answer to another type carries the target's records too
                got = [g for g in got if g[0] == owner and g[3] == rtype]
            self.assertSameRecords(got, sorted(want), "%s's answer to %s %s"
                                   % (sec.NAME, owner, rtype))
        # and the delegation is a delegation there too
        out = sec.dig("host.sub.%s." % ZONE, "A", "+norec")
        self.assertIn("ns1.sub.%s." % ZONE, out)
        self.assertNotIn("flags: qr aa", out)


class TestEveryType(SecondaryTestCase):

    def test_export_has_every_type(self):
        types = {rr[3] for rr in self.expected}
        self.assertEqual(types, {"SOA", "NS", "A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA",
                                 "PTR", "NAPTR", "SSHFP", "TLSA", "DS", "HTTPS", "SVCB"})
        self.assertIn(("%s." % ZONE, 3600, "IN", "A", "198.51.100.7"), self.expected)
        self.assertIn(("go.%s." % ZONE, 3600, "IN", "AAAA", "2001:db8::80"), self.expected)
        # axfrd's own AXFR (as dig prints it) is the export
        msgs = xfr(self.d.dns_port, ZONE)
        self.assertEqual(msgs.rcode, NOERROR)
        self.assertSameRecords(dig_axfr(self.d.dns_port, ZONE), self.expected, "axfrd's AXFR")

    def test_bind_secondary(self):
        sec = self.start_secondary(BindSecondary, [ZONE])
        self.check_secondary(sec)

    def test_nsd_secondary(self):
        sec = self.start_secondary(NsdSecondary, [ZONE])
        self.check_secondary(sec)


class TestIncremental(SecondaryTestCase):
    """A change reaches BIND by IXFR (and NSD), after a NOTIFY."""

    IXZ = "incr.test"

    def test_change_by_ixfr(self):
        d = self.d
        create_zone(d, self.IXZ)
        for i in range(50):
            add_record(d, self.IXZ, "h%02d" % i, "A", "192.0.2.%d" % (i + 1))
        www = add_record(d, self.IXZ, "www", "A", "192.0.2.200")
        set_secondary(d, self.IXZ, ["127.0.0.1"])
        s1 = wait_serial(d.dns_port, self.IXZ, zone_serial(d, self.IXZ))
        bind = self.start_secondary(BindSecondary, [self.IXZ], request_ixfr=True)
        nsd = self.start_secondary(NsdSecondary, [self.IXZ])
        for sec in (bind, nsd):
            sec.wait_serial(self.IXZ, s1, timeout=20)
        self.assertEqual(bind.last_transfer_kind(self.IXZ), "AXFR")
        self.assertEqual(nsd.last_transfer_kind(self.IXZ), "AXFR")
        # one change: a record replaced, one added, one TTL changed
        st, _, r = d.post("/v1/zones/%s/records/batch" % self.IXZ, {
            "delete": [www["id"]],
            "add": [{"name": "www", "type": "A", "content": "192.0.2.201"},
                    {"name": "new", "type": "TXT", "content": '"added later"'}]})
        self.assertEqual(st, 200, r)
        s2 = wait_serial(d.dns_port, self.IXZ, zone_serial(d, self.IXZ))
        self.assertNotEqual(s1, s2)
        for sec in (bind, nsd):
            ans = notify(sec.port, self.IXZ, s2)
            self.assertIsNotNone(ans, "%s did not answer the NOTIFY" % sec.NAME)
            sec.wait_serial(self.IXZ, s2, timeout=20)
        self.assertEqual(bind.last_transfer_kind(self.IXZ), "IXFR",
                         "BIND did not get the change by IXFR; its log:\n%s" % bind.logs()[-3000:])
        nsd_kind = nsd.last_transfer_kind(self.IXZ)
        full = normalize_records(xfr(d.dns_port, self.IXZ).records()[:-1])
        self.assertEqual(full, normalize_export(export_text(d, self.IXZ), self.IXZ))
        for sec in (bind, nsd):
            self.assertSameRecords(sec.dump(self.IXZ), full, "%s after the change (%s)"
                                   % (sec.NAME, sec.last_transfer_kind(self.IXZ)
                                      if sec is bind else nsd_kind))


class TestTsigSecondary(SecondaryTestCase):
    """BIND with the zone's TSIG key transfers; BIND without it does not."""

    TZ = "keyed.test"

    def test_bind_with_key(self):
        d = self.d
        secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="   # 32 bytes
        st, _, k = d.post("/v1/tsig_keys", {"name": "bind-xfr.", "algorithm": "hmac-sha256",
                                            "secret": secret})
        self.assertEqual(st, 201, k)
        create_zone(d, self.TZ)
        add_record(d, self.TZ, "www", "A", "192.0.2.44")
        set_secondary(d, self.TZ, ["127.0.0.1"], tsig_key=k["name"])
        serial = wait_serial(d.dns_port, self.TZ, zone_serial(d, self.TZ))
        keyed = self.start_secondary(BindSecondary, [self.TZ],
                                     tsig=(k["name"], "hmac-sha256", secret))
        unkeyed = self.start_secondary(BindSecondary, [self.TZ])
        keyed.wait_serial(self.TZ, serial, timeout=20)
        self.assertSameRecords(keyed.dump(self.TZ),
                               normalize_export(export_text(d, self.TZ), self.TZ),
                               "BIND's copy of a keyed zone")
        # the one without the key was refused and holds nothing
        unkeyed.wait_log(r"(?i)refused", timeout=10)
        self.assertIsNone(unkeyed.serial(self.TZ))
        d.wait_log(r"keyed\.test.*127\.0\.0\.1#\d+ refused: the zone requires its TSIG key")


if __name__ == "__main__":
    unittest.main()
