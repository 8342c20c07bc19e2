"""Zone file import and export."""

import unittest

from harness import (DaemonTestCase, add_record, create_zone, get_zone, record_set, records,
                     snapshot)

ZONE_FILE = """\
; zone file for example.com
$ORIGIN example.com.
$TTL 7200
@   IN  SOA ns1.example.net. hostmaster.example.com. (
        2024010101 ; serial (not used)
        7200       ; refresh
        900        ; retry
        1209600    ; expire
        300 )      ; minimum

@       IN  NS   ns1.example.net.
        IN  NS   ns2.example.net.
@       IN  MX   10 mail
@       IN  TXT  "v=spf1 mx; -all"   ; a comment after a quoted ';'
@       IN  ALIAS lb.example.net.
www     300 IN A  192.0.2.10
        300 IN AAAA 2001:db8::10
mail    IN  A    192.0.2.20
redir   IN  URL  https://example.org/landing
ftp     CNAME www
_sip._tcp  IN SRV 10 20 5060 sip
quoted  IN  TXT  "say \\"hi\\"; ok" "second"
$ORIGIN sub.example.com.
host    IN  A    192.0.2.30
mail.example.com.  IN  TXT  "absolute owner"
"""

EXPECTED = {
    ("", "NS", 7200, "ns1.example.net."),
    ("", "NS", 7200, "ns2.example.net."),
    ("", "MX", 7200, "10 mail.example.com."),
    ("", "TXT", 7200, '"v=spf1 mx; -all"'),
    ("", "ALIAS", 7200, "lb.example.net."),
    ("www", "A", 300, "192.0.2.10"),
    ("www", "AAAA", 300, "2001:db8::10"),
    ("mail", "A", 7200, "192.0.2.20"),
    ("redir", "URL", 7200, "https://example.org/landing"),
    ("ftp", "CNAME", 7200, "www.example.com."),
    ("_sip._tcp", "SRV", 7200, "10 20 5060 sip.example.com."),
    ("quoted", "TXT", 7200, '"say \\"hi\\"; ok" "second"'),
    ("host.sub", "A", 7200, "192.0.2.30"),
    ("mail", "TXT", 7200, '"absolute owner"'),
}

EXPECTED_SOA = {"mname": "ns1.example.net.", "rname": "hostmaster.example.com.", "ttl": 7200,
                "refresh": 7200, "retry": 900, "expire": 1209600, "minimum": 300}


class ZoneFileCase(DaemonTestCase):

    def assertImportResult(self, res, expected):
        """The import result has these members (it may carry more)."""
        self.assertIsInstance(res, dict, res)
        self.assertEqual({k: res.get(k) for k in expected}, expected, res)

    def setUp(self):
        self.d = self.start_daemon()
        # NS TTL 7200, as in the file, so the file's NS records are identical.
        self.z = create_zone(self.d, "example.com", serial_policy="increment", ttl=7200)

    def import_text(self, text, zone="example.com", replace=False, ctype="text/dns", d=None):
        d = d or self.d
        path = "/v1/zones/%s/import" % zone
        if replace:
            path += "?replace=true"
        return d.request("POST", path, raw=text, content_type=ctype)


class TestImport(ZoneFileCase):

    def test_import_normalizes_and_bumps_once(self):
        d = self.d
        s0 = self.z["serial"]
        st, headers, res = self.import_text(ZONE_FILE)
        self.assertEqual(st, 200, res)
        self.assertIn("application/json", headers.get("content-type", ""))
        self.assertImportResult(res, {"serial": s0 + 1, "added": 12, "deleted": 0, "unchanged": 2})
        recs = records(d, "example.com")
        self.assertEqual(record_set(recs), EXPECTED)
        self.assertEqual(len(recs), len(EXPECTED))
        z = get_zone(d, "example.com")
        self.assertEqual(z["serial"], s0 + 1, "serial not bumped exactly once (or taken from file)")
        self.assertEqual(z["soa"], EXPECTED_SOA)

    def test_reimport_is_idempotent(self):
        d = self.d
        st, _, res = self.import_text(ZONE_FILE)
        self.assertEqual(st, 200, res)
        s1 = res["serial"]
        before = snapshot(d)
        st, _, res = self.import_text(ZONE_FILE, ctype="text/plain")
        self.assertEqual(st, 200, res)
        self.assertImportResult(res, {"serial": s1, "added": 0, "deleted": 0,
                               "unchanged": len(EXPECTED)})
        self.assertEqual(snapshot(d), before)
        # Without replace, records not in the file stay.
        add_record(d, "example.com", "extra", "A", "192.0.2.99")
        s2 = get_zone(d, "example.com")["serial"]
        st, _, res = self.import_text(ZONE_FILE)
        self.assertEqual(st, 200, res)
        self.assertImportResult(res, {"serial": s2, "added": 0, "deleted": 0,
                               "unchanged": len(EXPECTED)})
        self.assertIn(("extra", "A", 3600, "192.0.2.99"), record_set(records(d, "example.com")))

    def test_import_replace(self):
        d = self.d
        st, _, res = self.import_text(ZONE_FILE)
        self.assertEqual(st, 200, res)
        s1 = res["serial"]
        small = ("$ORIGIN example.com.\n$TTL 7200\n"
                 "@   IN NS ns1.example.net.\n"
                 "@   IN NS ns2.example.net.\n"
                 "www 300 IN A 192.0.2.10\n"
                 "new IN A 192.0.2.99\n")
        st, _, res = self.import_text(small, replace=True)
        self.assertEqual(st, 200, res)
        self.assertImportResult(res, {"serial": s1 + 1, "added": 1, "deleted": len(EXPECTED) - 3,
                               "unchanged": 3})
        self.assertEqual(record_set(records(d, "example.com")), {
            ("", "NS", 7200, "ns1.example.net."), ("", "NS", 7200, "ns2.example.net."),
            ("www", "A", 300, "192.0.2.10"), ("new", "A", 7200, "192.0.2.99")})
        z = get_zone(d, "example.com")
        self.assertEqual(z["serial"], s1 + 1)
        self.assertEqual(z["soa"], EXPECTED_SOA, "a file without SOA changed the SOA")
        # The same file again with replace: nothing to do.
        st, _, res = self.import_text(small, replace=True)
        self.assertEqual(st, 200, res)
        self.assertImportResult(res, {"serial": s1 + 1, "added": 0, "deleted": 0, "unchanged": 4})

    def test_replace_must_keep_apex_ns(self):
        d = self.d
        before = snapshot(d)
        st, _, res = self.import_text("www IN A 192.0.2.1\n", replace=True)
        self.assertError((st, _, res), 409, "conflict")
        self.assertEqual(snapshot(d), before)

    def test_import_rules_apply(self):
        d = self.d
        add_record(d, "example.com", "www", "A", "192.0.2.1")
        before = snapshot(d)
        st, _, res = self.import_text("$ORIGIN example.com.\nwww IN CNAME other.example.net.\n")
        self.assertError((st, _, res), 409, "conflict")
        self.assertEqual(snapshot(d), before)

    def test_import_soa_only_changes_fields(self):
        d = self.d
        s0 = self.z["serial"]
        text = ("$ORIGIN example.com.\n"
                "@ 600 IN SOA ns9.example.net. dns.example.com. 4000000000 1000 100 100000 60\n")
        st, _, res = self.import_text(text)
        self.assertEqual(st, 200, res)
        self.assertEqual(res["added"], 0)
        self.assertEqual(res["deleted"], 0)
        self.assertEqual(res["serial"], s0 + 1)
        z = get_zone(d, "example.com")
        self.assertEqual(z["serial"], s0 + 1)
        self.assertEqual(z["soa"], {"mname": "ns9.example.net.", "rname": "dns.example.com.",
                                    "ttl": 600, "refresh": 1000, "retry": 100,
                                    "expire": 100000, "minimum": 60})


class TestImportErrors(ZoneFileCase):

    def assertLineError(self, text, line):
        d = self.d
        add_record(d, "example.com", "keep", "A", "192.0.2.1")
        before = snapshot(d)
        for replace in (False, True):
            st, headers, res = self.import_text(text, replace=replace)
            err = self.assertError((st, headers, res), 422, "invalid_field",
                                   msg="replace=%s" % replace)
            self.assertEqual(err.get("line"), line, res)
            self.assertEqual(snapshot(d), before)

    def test_bad_content_line(self):
        self.assertLineError("$ORIGIN example.com.\n$TTL 3600\nok1 IN A 192.0.2.1\n"
                             "bad IN A 1.2.3\nok2 IN A 192.0.2.2\n", 4)

    def test_bad_type_after_multiline_soa(self):
        text = ("$ORIGIN example.com.\n"
                "@ IN SOA ns1.example.net. hostmaster.example.com. (\n"
                "    1 ; serial\n"
                "    3600\n"
                "    600\n"
                "    86400\n"
                "    300 )\n"
                "; comment\n"
                "www IN A 192.0.2.1\n"
                "www IN BOGUS something\n")
        self.assertLineError(text, 10)

    def test_error_in_multiline_record_names_its_first_line(self):
        text = ("$TTL 300\n"
                "ok IN TXT \"fine\"\n"
                "bad IN MX (\n"
                "   10\n"
                "   )\n")
        self.assertLineError(text, 3)

    def test_name_outside_zone(self):
        self.assertLineError("ok IN A 192.0.2.1\nwww.example.org. IN A 192.0.2.1\n", 2)

    def test_include_refused(self):
        self.assertLineError("ok IN A 192.0.2.1\n$INCLUDE /etc/passwd\n", 2)

    def test_soa_record_not_at_apex(self):
        self.assertLineError("ok IN A 192.0.2.1\n\nsub IN SOA a.example. b.example. 1 2 3 4 5\n",
                             3)

    def test_bad_class(self):
        self.assertLineError("ok IN A 192.0.2.1\nchaos CH TXT \"x\"\n", 2)

    def test_cname_at_apex_in_file(self):
        # a rule violation is a 409, also from a file
        d = self.d
        before = snapshot(d)
        st, h, res = self.import_text("@ IN CNAME elsewhere.example.net.\n")
        self.assertError((st, h, res), 409, "conflict")
        self.assertEqual(snapshot(d), before)


ROUNDTRIP_RECORDS = [
    ("", "MX", "10 mail"),
    ("", "TXT", '"v=spf1 mx; -all"'),
    ("", "CAA", '0 issue "letsencrypt.org"'),
    ("www", "A", "192.0.2.10"),
    ("www", "AAAA", "2001:db8::10"),
    ("*.wild", "A", "192.0.2.11"),
    ("ftp", "CNAME", "www"),
    ("quoted", "TXT", '"say \\"hi\\"; ok" "second" "tab\\009x"'),
    ("_sip._tcp", "SRV", "10 20 5060 sip"),
    ("sub", "NS", "ns1.other.net."),
    ("sub", "DS", "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"),
    ("1.2", "PTR", "host.example.org."),
    ("naptr", "NAPTR", '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.'),
    ("www", "SSHFP", "1 1 123456789abcdef67890123456789abcdef67890"),
    ("_443._tcp.www", "TLSA",
     "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6"),
    ("svc", "HTTPS", "1 . alpn=h2"),
    ("_dns", "SVCB", "1 dns.example.com. alpn=dot"),
]


class TestExport(ZoneFileCase):

    def fill(self):
        d = self.d
        for name, rtype, content in ROUNDTRIP_RECORDS:
            add_record(d, "example.com", name, rtype, content)
        st, _, z = d.patch("/v1/zones/example.com", {"soa": {"refresh": 4321, "minimum": 77}})
        self.assertEqual(st, 200, z)

    def export(self, d=None, view="stored"):
        d = d or self.d
        st, headers, text = d.get("/v1/zones/example.com/export?view=" + view)
        self.assertEqual(st, 200, text)
        self.assertTrue(headers.get("content-type", "").startswith("text/dns"), headers)
        self.assertIsInstance(text, str)
        return text

    def test_export_layout(self):
        self.fill()
        z = get_zone(self.d, "example.com")
        text = self.export()
        lines = [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith(";")]
        self.assertEqual(lines[0].split(), ["$ORIGIN", "example.com."])
        rr_lines = [l for l in lines if not l.startswith("$")]
        first = rr_lines[0].split()
        self.assertIn("SOA", first, rr_lines[0])
        i = first.index("SOA")
        self.assertEqual(first[i + 1:], [z["soa"]["mname"], z["soa"]["rname"], str(z["serial"]),
                                         "4321", str(z["soa"]["retry"]),
                                         str(z["soa"]["expire"]), "77"])
        self.assertEqual(sum(1 for l in rr_lines if "SOA" in l.split()), 1)
        self.assertEqual(len(rr_lines), 1 + len(records(self.d, "example.com")))

    def test_export_reimports_identically_elsewhere(self):
        self.fill()
        text = self.export()
        recs = record_set(records(self.d, "example.com"))
        soa = get_zone(self.d, "example.com")["soa"]

        other = self.start_daemon()
        create_zone(other, "example.com", serial_policy="increment")
        st, _, res = self.import_text(text, replace=True, d=other)
        self.assertEqual(st, 200, res)
        self.assertEqual(record_set(records(other, "example.com")), recs)
        self.assertEqual(get_zone(other, "example.com")["soa"], soa)
        # and the export of the copy imports into the original as a no-op
        st, _, res = self.import_text(self.export(other), replace=True)
        self.assertEqual(st, 200, res)
        self.assertEqual((res["added"], res["deleted"], res["unchanged"]), (0, 0, len(recs)))

    def test_served_view_resolves_pseudo_records(self):
        d = self.start_daemon(args=["--url-redirect-ipv4", "192.0.2.80",
                                    "--url-redirect-ipv6", "2001:db8::80"])
        create_zone(d, "example.com")
        add_record(d, "example.com", "go", "URL", "https://example.org/landing")
        add_record(d, "example.com", "", "ALIAS", "target.invalid.")
        add_record(d, "example.com", "Mixed", "TXT", "\"kept\"")
        served = self.export(d, view="served")
        self.assertEqual(served, self.export(d, view="served"))
        lines = [l.split() for l in served.splitlines() if l and not l.startswith("$")]
        types = [l[3] for l in lines]
        self.assertNotIn("URL", types)
        self.assertNotIn("ALIAS", types)
        self.assertIn(["go.example.com.", "3600", "IN", "A", "192.0.2.80"], lines)
        self.assertIn(["go.example.com.", "3600", "IN", "AAAA", "2001:db8::80"], lines)
        self.assertTrue(any(l[0] == "Mixed.example.com." and l[3] == "TXT" for l in lines),
                        served)
        self.assertEqual(types[0], "SOA")
        self.assertEqual(types.count("SOA"), 1)
        # the default view is the served one; the stored one keeps URL and ALIAS
        st, _, default = d.get("/v1/zones/example.com/export")
        self.assertEqual((st, default), (200, served))
        stored = self.export(d, view="stored")
        self.assertIn("URL", stored)
        self.assertIn("ALIAS", stored)
        st, _, err = d.get("/v1/zones/example.com/export?view=bogus")
        self.assertEqual(st, 422)
        self.assertEqual(err["error"]["field"], "view")

    def test_export_after_delete_and_recreate(self):
        d = self.d
        st, _, res = self.import_text(ZONE_FILE)
        self.assertEqual(st, 200, res)
        text = self.export()
        recs = record_set(records(d, "example.com"))
        st, _, _ = d.delete("/v1/zones/example.com")
        self.assertEqual(st, 204)
        create_zone(d, "example.com", serial_policy="increment")
        st, _, res = self.import_text(text, replace=True)
        self.assertEqual(st, 200, res)
        self.assertEqual(record_set(records(d, "example.com")), recs)
        self.assertEqual(get_zone(d, "example.com")["soa"], EXPECTED_SOA)


if __name__ == "__main__":
    unittest.main()
