"""Zones and records through the REST API: defaults, normalization,
pagination, every record type, batches, the CNAME/ALIAS/NS rules, serial
policies and the change journal."""

import datetime
import time
import unittest

from harness import (DaemonTestCase, add_record, create_zone, get_zone, list_all, q,
                     record_set, records, snapshot)

DEFAULT_NS = {("", "NS", 3600, "ns1.example.net."), ("", "NS", 3600, "ns2.example.net.")}


def today_dateserial_base():
    return int(datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")) * 100


class TestZones(DaemonTestCase):

    def setUp(self):
        self.d = self.start_daemon()

    def test_create_with_defaults(self):
        d = self.d
        st, headers, z = d.post("/v1/zones", {"name": "example.com"})
        self.assertEqual(st, 201, z)
        self.assertIn("application/json", headers.get("content-type", ""))
        self.assertTrue(set(z) >= {"id", "name", "account_id", "serial", "serial_policy", "soa",
                                   "dnssec", "created_at", "updated_at"}, z)
        self.assertEqual(z["name"], "example.com")
        self.assertIsInstance(z["id"], int)
        self.assertIsInstance(z["account_id"], int)
        self.assertEqual(z["serial_policy"], "unixtime")
        self.assertIs(z["dnssec"], False)
        self.assertIsoTime(z["created_at"])
        self.assertIsoTime(z["updated_at"])
        self.assertIsInstance(z["serial"], int)
        self.assertTrue(0 < z["serial"] < 2 ** 32)
        self.assertEqual(z["soa"], {"mname": "ns1.example.net.",
                                    "rname": "hostmaster.example.net.",
                                    "ttl": 3600, "refresh": 3600, "retry": 600,
                                    "expire": 1209600, "minimum": 300})
        recs = records(d, "example.com")
        self.assertEqual(record_set(recs), DEFAULT_NS)
        self.assertEqual(len(recs), 2)
        self.assertEqual(get_zone(d, "example.com"), z)

    def test_create_with_given_fields(self):
        d = self.d
        body = {"name": "given.test", "serial_policy": "increment",
                "soa": {"mname": "master.given.test.", "rname": "admin.given.test.",
                        "ttl": 600, "refresh": 7200, "retry": 900, "expire": 604800,
                        "minimum": 120},
                "name_servers": ["a.ns.given.net", "B.NS.given.net."],
                "ttl": 86400}
        st, _, z = d.post("/v1/zones", body)
        self.assertEqual(st, 201, z)
        self.assertEqual(z["serial_policy"], "increment")
        self.assertEqual(z["soa"], {"mname": "master.given.test.", "rname": "admin.given.test.",
                                    "ttl": 600, "refresh": 7200, "retry": 900,
                                    "expire": 604800, "minimum": 120})
        recs = records(d, "given.test")
        self.assertEqual({(r["name"], r["type"], r["ttl"], r["content"].lower()) for r in recs},
                         {("", "NS", 86400, "a.ns.given.net."), ("", "NS", 86400, "b.ns.given.net.")})

    def test_create_with_partial_soa_and_other_policies(self):
        d = self.d
        z = create_zone(d, "partial.test", soa={"refresh": 1234, "minimum": 60})
        self.assertEqual(z["soa"], {"mname": "ns1.example.net.", "rname": "hostmaster.example.net.",
                                    "ttl": 3600, "refresh": 1234, "retry": 600,
                                    "expire": 1209600, "minimum": 60})
        z = create_zone(d, "dated.test", serial_policy="dateserial")
        self.assertEqual(z["serial_policy"], "dateserial")
        z = create_zone(d, "inc.test", serial_policy="increment")
        self.assertEqual(z["serial_policy"], "increment")

    def test_name_normalization(self):
        d = self.d
        z = create_zone(d, "B\u00fccher.Example.")
        self.assertEqual(z["name"], "xn--bcher-kva.example")
        z = create_zone(d, "UPPER.Example.COM.")
        self.assertEqual(z["name"], "upper.example.com")
        for alias in ("upper.example.com", "UPPER.EXAMPLE.COM", "upper.example.com.",
                      "Upper.Example.Com."):
            st, _, got = d.get("/v1/zones/" + q(alias))
            self.assertEqual(st, 200, (alias, got))
            self.assertEqual(got["name"], "upper.example.com")
        # The zone can be named in the path as it was given at creation.
        for alias in ("b\u00fccher.example", "B\u00fccher.Example.", "XN--BCHER-KVA.example"):
            st, _, got = d.get("/v1/zones/" + q(alias))
            self.assertEqual(st, 200, (alias, got))
            self.assertEqual(got["name"], "xn--bcher-kva.example")
        st, _, got = d.get("/v1/zones/xn--bcher-kva.example")
        self.assertEqual(st, 200, got)
        # Same names after normalization are duplicates.
        self.assertError(d.post("/v1/zones", {"name": "upper.example.com"}), 409, "conflict")
        self.assertError(d.post("/v1/zones", {"name": "xn--bcher-kva.example."}), 409, "conflict")
        self.assertError(d.post("/v1/zones", {"name": "B\u00dcCHER.example"}), 409, "conflict")
        names = [z["name"] for z in list_all(d, "/v1/zones")]
        self.assertEqual(names, ["upper.example.com", "xn--bcher-kva.example"])

    def test_list_pagination(self):
        d = self.d
        names = ["delta.test", "alpha.test", "echo.test", "charlie.test", "bravo.test"]
        for n in names:
            create_zone(d, n)
        pages = []
        for p in (1, 2, 3):
            st, _, data = d.get("/v1/zones?page=%d&per_page=2" % p)
            self.assertEqual(st, 200, data)
            self.assertEqual(data["pagination"], {"page": p, "per_page": 2, "total_entries": 5,
                                                  "total_pages": 3})
            pages.append([z["name"] for z in data["data"]])
        self.assertEqual([len(p) for p in pages], [2, 2, 1])
        self.assertEqual(sum(pages, []), sorted(names))
        st, _, data = d.get("/v1/zones")
        self.assertEqual(st, 200, data)
        self.assertEqual(data["pagination"], {"page": 1, "per_page": 30, "total_entries": 5,
                                              "total_pages": 1})
        self.assertEqual([z["name"] for z in data["data"]], sorted(names))
        for z in data["data"]:
            self.assertTrue(set(z) >= {"id", "name", "serial", "serial_policy"}, z)

    def test_get_and_delete(self):
        d = self.d
        z = create_zone(d, "gone.test")
        add_record(d, "gone.test", "www", "A", "192.0.2.1")
        st, _, got = d.get("/v1/zones/gone.test")
        self.assertEqual(st, 200, got)
        self.assertEqual(got["id"], z["id"])
        st, _, body = d.delete("/v1/zones/gone.test")
        self.assertEqual(st, 204, body)
        self.assertEqual(body, "")
        self.assertError(d.get("/v1/zones/gone.test"), 404, "not_found")
        self.assertError(d.get("/v1/zones/gone.test/records"), 404, "not_found")
        self.assertError(d.delete("/v1/zones/gone.test"), 404, "not_found")
        self.assertEqual(list_all(d, "/v1/zones"), [])
        # Its records went with it.
        with d.db_ro() as c:
            self.assertEqual(c.execute("SELECT count(*) FROM records WHERE zone_id = ?",
                                       (z["id"],)).fetchone()[0], 0)
            self.assertEqual(c.execute("PRAGMA foreign_key_check").fetchall(), [])
        # The name is free again, and the new zone starts empty but for its NS.
        create_zone(d, "gone.test")
        self.assertEqual(record_set(records(d, "gone.test")), DEFAULT_NS)

    def test_patch_zone(self):
        d = self.d
        z = create_zone(d, "patch.test", serial_policy="increment")
        s0 = z["serial"]
        st, _, z1 = d.patch("/v1/zones/patch.test", {"soa": {"refresh": 9999, "rname":
                                                             "dns.patch.test."}})
        self.assertEqual(st, 200, z1)
        self.assertEqual(z1["soa"]["refresh"], 9999)
        self.assertEqual(z1["soa"]["rname"], "dns.patch.test.")
        self.assertEqual(z1["soa"]["retry"], z["soa"]["retry"])
        self.assertEqual(z1["serial"], s0 + 1)
        # Same values again: nothing changes, no bump.
        st, _, z2 = d.patch("/v1/zones/patch.test", {"soa": {"refresh": 9999}})
        self.assertEqual(st, 200, z2)
        self.assertEqual(z2["serial"], s0 + 1)
        st, _, z3 = d.patch("/v1/zones/patch.test", {"serial_policy": "dateserial"})
        self.assertEqual(st, 200, z3)
        self.assertEqual(z3["serial_policy"], "dateserial")
        self.assertEqual(get_zone(d, "patch.test")["serial_policy"], "dateserial")


# Valid content for every type of the contract: (name, type, input, expected
# normalized content or None when only a round trip is checked).
ALL_TYPES = [
    ("www", "A", "192.0.2.1", "192.0.2.1"),
    ("www", "AAAA", "2001:DB8:0:0::1", "2001:db8::1"),
    ("ftp", "CNAME", "www", "www.example.com."),
    ("", "MX", "10 mail", "10 mail.example.com."),
    ("", "TXT", '"v=spf1 mx; -all"', '"v=spf1 mx; -all"'),
    ("txt2", "TXT", "unquoted", '"unquoted"'),
    ("txt3", "TXT", '"two" "strings"', '"two" "strings"'),
    ("sub", "NS", "ns1.other.net.", "ns1.other.net."),
    ("_sip._tcp", "SRV", "10 20 5060 sip", "10 20 5060 sip.example.com."),
    ("", "CAA", '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"'),
    ("1.2", "PTR", "host.example.org.", "host.example.org."),
    ("naptr", "NAPTR", '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.', None),
    ("www", "SSHFP", "1 1 123456789abcdef67890123456789abcdef67890", None),
    ("_443._tcp.www", "TLSA",
     "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6", None),
    ("sub", "DS", "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", None),
    ("svc", "HTTPS", "1 . alpn=h2", None),
    ("_dns", "SVCB", "1 dns.example.com. alpn=dot", None),
    ("", "ALIAS", "target.example.net", "target.example.net."),
    ("redir", "URL", "https://example.org/landing", "https://example.org/landing"),
]


def stored(rec):
    """A record without its live fields (an ALIAS's resolution changes as
    the daemon resolves the target, independently of the record)."""
    return {k: v for k, v in rec.items() if k != "resolution"}


class TestRecords(DaemonTestCase):

    def setUp(self):
        self.d = self.start_daemon()
        self.z = create_zone(self.d, "example.com", serial_policy="increment")

    def base(self):
        return "/v1/zones/example.com/records"

    def test_every_type_crud(self):
        d = self.d
        created = {}
        for name, rtype, content, expected in ALL_TYPES:
            st, _, r = d.post(self.base(), {"name": name, "type": rtype, "content": content})
            self.assertEqual(st, 201, (rtype, content, r))
            self.assertTrue(set(r) >= {"id", "name", "type", "ttl", "content"}, r)
            self.assertEqual(r["name"], name)
            self.assertEqual(r["type"], rtype)
            self.assertEqual(r["ttl"], 3600)
            if expected is not None:
                self.assertEqual(r["content"], expected, rtype)
            self.assertTrue(r["content"])
            created[r["id"]] = r
            st, _, got = d.get("%s/%d" % (self.base(), r["id"]))
            self.assertEqual(st, 200, got)
            self.assertEqual(stored(got), stored(r))
        recs = records(d, "example.com")
        self.assertEqual(len(recs), len(ALL_TYPES) + 2)
        ids = [r["id"] for r in recs]
        self.assertEqual(ids, sorted(ids), "records are not ordered by id")
        for r in recs:
            if r["id"] in created:
                self.assertEqual(stored(r), stored(created[r["id"]]))
        self.assertEqual(get_zone(d, "example.com")["serial"], self.z["serial"] + len(ALL_TYPES))

        # PATCH each field, then DELETE.
        a = [r for r in created.values() if r["type"] == "A"][0]
        st, _, p = d.patch("%s/%d" % (self.base(), a["id"]), {"ttl": 60})
        self.assertEqual(st, 200, p)
        self.assertEqual(p, dict(a, ttl=60))
        st, _, p = d.patch("%s/%d" % (self.base(), a["id"]), {"content": "192.0.2.2"})
        self.assertEqual(st, 200, p)
        self.assertEqual(p["content"], "192.0.2.2")
        self.assertEqual(p["ttl"], 60)
        st, _, p = d.patch("%s/%d" % (self.base(), a["id"]), {"name": "web"})
        self.assertEqual(st, 200, p)
        self.assertEqual(p["name"], "web")
        mx = [r for r in created.values() if r["type"] == "MX"][0]
        st, _, p = d.patch("%s/%d" % (self.base(), mx["id"]), {"content": "20 mx2"})
        self.assertEqual(st, 200, p)
        self.assertEqual(p["content"], "20 mx2.example.com.")
        st, _, got = d.get("%s/%d" % (self.base(), mx["id"]))
        self.assertEqual(got, p)
        st, _, p = d.patch("%s/%d" % (self.base(), a["id"]), {"type": "AAAA",
                                                               "content": "2001:db8::2"})
        self.assertEqual(st, 200, p)
        self.assertEqual((p["type"], p["content"]), ("AAAA", "2001:db8::2"))

        for rid in created:
            st, _, body = d.delete("%s/%d" % (self.base(), rid))
            self.assertEqual(st, 204, body)
            self.assertEqual(body, "")
            self.assertError(d.get("%s/%d" % (self.base(), rid)), 404, "not_found")
        self.assertEqual(record_set(records(d, "example.com")), DEFAULT_NS)

    def test_name_forms(self):
        d = self.d
        r = add_record(d, "example.com", "@", "TXT", '"at apex"')
        self.assertEqual(r["name"], "")
        r = add_record(d, "example.com", "www.example.com.", "A", "192.0.2.5")
        self.assertEqual(r["name"], "www")
        r = add_record(d, "example.com", "example.com.", "TXT", '"absolute apex"')
        self.assertEqual(r["name"], "")
        r = add_record(d, "example.com", "*.wild", "A", "192.0.2.6")
        self.assertEqual(r["name"], "*.wild")
        r = add_record(d, "example.com", "b\u00fccher", "A", "192.0.2.7")
        self.assertEqual(r["name"], "xn--bcher-kva")
        # An absolute name outside the zone is refused.
        self.assertError(d.post(self.base(), {"name": "www.example.org.", "type": "A",
                                              "content": "192.0.2.8"}),
                         422, "invalid_field", field="name")

    def test_ttl_given_and_default(self):
        d = self.d
        self.assertEqual(add_record(d, "example.com", "a", "A", "192.0.2.1", ttl=0)["ttl"], 0)
        self.assertEqual(add_record(d, "example.com", "b", "A", "192.0.2.1",
                                    ttl=2147483647)["ttl"], 2147483647)
        self.assertEqual(add_record(d, "example.com", "c", "A", "192.0.2.1")["ttl"], 3600)

    def test_filter_by_name_and_type(self):
        d = self.d
        add_record(d, "example.com", "www", "A", "192.0.2.1")
        add_record(d, "example.com", "www", "A", "192.0.2.2")
        add_record(d, "example.com", "www", "AAAA", "2001:db8::1")
        add_record(d, "example.com", "mail", "A", "192.0.2.3")
        add_record(d, "example.com", "", "MX", "10 mail")
        add_record(d, "example.com", "sub", "NS", "ns.sub.example.org.")

        def filt(**f):
            return {(r["name"], r["type"], r["content"]) for r in records(d, "example.com", **f)}

        self.assertEqual(filt(name="www"), {("www", "A", "192.0.2.1"), ("www", "A", "192.0.2.2"),
                                            ("www", "AAAA", "2001:db8::1")})
        self.assertEqual(filt(type="A"), {("www", "A", "192.0.2.1"), ("www", "A", "192.0.2.2"),
                                          ("mail", "A", "192.0.2.3")})
        self.assertEqual(filt(name="www", type="AAAA"), {("www", "AAAA", "2001:db8::1")})
        self.assertEqual(filt(type="NS"), {("", "NS", "ns1.example.net."),
                                           ("", "NS", "ns2.example.net."),
                                           ("sub", "NS", "ns.sub.example.org.")})
        self.assertEqual(filt(name="nothing"), set())
        st, _, data = d.get(self.base() + "?type=A&per_page=2")
        self.assertEqual(st, 200, data)
        self.assertEqual(data["pagination"], {"page": 1, "per_page": 2, "total_entries": 3,
                                              "total_pages": 2})

    def test_batch(self):
        d = self.d
        a1 = add_record(d, "example.com", "www", "A", "192.0.2.1")
        a2 = add_record(d, "example.com", "www", "A", "192.0.2.2")
        s0 = get_zone(d, "example.com")["serial"]
        before = snapshot(d)

        # One bad entry: nothing happens.
        bad = {"delete": [a1["id"]],
               "add": [{"name": "new", "type": "A", "content": "192.0.2.10"},
                       {"name": "new", "type": "A", "content": "1.2.3"}]}
        self.assertError(d.post(self.base() + "/batch", bad), 422, "invalid_field",
                         field="add[1].content")
        self.assertEqual(snapshot(d), before)

        bad = {"delete": [], "add": [{"name": "x", "type": "A", "content": "192.0.2.10"},
                                     {"name": "y", "type": "BOGUS", "content": "x"}]}
        self.assertError(d.post(self.base() + "/batch", bad), 422, "invalid_field",
                         field="add[1].type")
        self.assertEqual(snapshot(d), before)

        # A rule violation in the batch: nothing happens either.
        bad = {"delete": [], "add": [{"name": "x", "type": "A", "content": "192.0.2.10"},
                                     {"name": "www", "type": "CNAME", "content": "x"}]}
        self.assertError(d.post(self.base() + "/batch", bad), 409, "conflict")
        self.assertEqual(snapshot(d), before)

        # Unknown id to delete: refused, nothing happens.
        st, _, data = d.post(self.base() + "/batch", {"delete": [a1["id"], 999999],
                                                       "add": []})
        self.assertIn(st, (404, 422), data)
        if st == 422:
            self.assertEqual(data["error"].get("field"), "delete[1]")
        self.assertEqual(snapshot(d), before)

        good = {"delete": [a1["id"]],
                "add": [{"name": "new", "type": "A", "content": "192.0.2.10"},
                        {"name": "new", "type": "MX", "ttl": 120, "content": "5 mail"}]}
        st, _, res = d.post(self.base() + "/batch", good)
        self.assertEqual(st, 200, res)
        self.assertEqual(res["serial"], s0 + 1)
        self.assertEqual(res["deleted"], [a1["id"]])
        self.assertEqual([(r["name"], r["type"], r["ttl"], r["content"]) for r in res["added"]],
                         [("new", "A", 3600, "192.0.2.10"),
                          ("new", "MX", 120, "5 mail.example.com.")])
        for r in res["added"]:
            self.assertIsInstance(r["id"], int)
        self.assertEqual(get_zone(d, "example.com")["serial"], s0 + 1)
        self.assertEqual(record_set(records(d, "example.com")),
                         DEFAULT_NS | {("www", "A", 3600, "192.0.2.2"),
                                       ("new", "A", 3600, "192.0.2.10"),
                                       ("new", "MX", 120, "5 mail.example.com.")})
        # Either list may be left out.
        st, _, res = d.post(self.base() + "/batch", {"add": [
            {"name": "only-add", "type": "TXT", "content": '"x"'}]})
        self.assertEqual(st, 200, res)
        self.assertEqual(res["serial"], s0 + 2)
        self.assertEqual(res["deleted"], [])
        st, _, res = d.post(self.base() + "/batch", {"delete": [res["added"][0]["id"]]})
        self.assertEqual(st, 200, res)
        self.assertEqual(res["serial"], s0 + 3)
        self.assertEqual(res["added"], [])
        s0 += 2
        # Delete and re-add the same name in one batch (a swap) is allowed.
        st, _, res = d.post(self.base() + "/batch", {
            "delete": [a2["id"]], "add": [{"name": "www", "type": "CNAME", "content": "new"}]})
        self.assertEqual(st, 200, res)
        self.assertEqual(res["serial"], s0 + 2)

    def test_identical_record_conflict(self):
        d = self.d
        add_record(d, "example.com", "www", "A", "192.0.2.1")
        s = get_zone(d, "example.com")["serial"]
        self.assertError(d.post(self.base(), {"name": "www", "type": "A",
                                              "content": "192.0.2.1"}), 409, "conflict")
        self.assertError(d.post(self.base(), {"name": "WWW.example.com.", "type": "a",
                                              "content": "192.0.2.1", "ttl": 5}),
                         409, "conflict")
        self.assertEqual(get_zone(d, "example.com")["serial"], s)


class TestRules(DaemonTestCase):

    def setUp(self):
        self.d = self.start_daemon()
        create_zone(self.d, "example.com", serial_policy="increment")
        self.base = "/v1/zones/example.com/records"

    def post(self, name, rtype, content):
        return self.d.post(self.base, {"name": name, "type": rtype, "content": content})

    def assertRejected(self, resp, msg=None):
        before = get_zone(self.d, "example.com")["serial"]
        self.assertError(resp, 409, "conflict", msg=msg)
        self.assertEqual(get_zone(self.d, "example.com")["serial"], before)

    def test_cname_exclusive(self):
        d = self.d
        add_record(d, "example.com", "www", "A", "192.0.2.1")
        snap = snapshot(d)
        self.assertRejected(self.post("www", "CNAME", "other.example.net."))
        add_record(d, "example.com", "alias", "CNAME", "www")
        snap = snapshot(d)
        for rtype, content in (("A", "192.0.2.2"), ("TXT", '"x"'), ("MX", "10 mail"),
                               ("CNAME", "other.example.net."), ("AAAA", "2001:db8::1")):
            self.assertRejected(self.post("alias", rtype, content), msg=rtype)
        self.assertEqual(snapshot(d), snap)
        # via PATCH: turning an A into a CNAME next to another record
        add_record(d, "example.com", "two", "A", "192.0.2.1")
        r = add_record(d, "example.com", "two", "TXT", '"t"')
        self.assertRejected(d.patch("%s/%d" % (self.base, r["id"]),
                                    {"type": "CNAME", "content": "www"}))
        # moving a record onto a CNAME's name
        self.assertRejected(d.patch("%s/%d" % (self.base, r["id"]), {"name": "alias"}))

    def test_cname_not_at_apex(self):
        for name in ("", "@", "example.com."):
            self.assertRejected(self.post(name, "CNAME", "target.example.net."), msg=repr(name))

    def test_alias_rules(self):
        d = self.d
        # ALIAS at the apex next to NS, MX and TXT is fine.
        add_record(d, "example.com", "", "MX", "10 mail")
        add_record(d, "example.com", "", "TXT", '"v=spf1 -all"')
        r = add_record(d, "example.com", "", "ALIAS", "lb.example.net")
        self.assertEqual(r["content"], "lb.example.net.")
        add_record(d, "example.com", "", "CAA", '0 issue "letsencrypt.org"')
        # A second ALIAS, an A or AAAA, a URL next to it: refused.
        self.assertRejected(self.post("", "ALIAS", "other.example.net."))
        self.assertRejected(self.post("", "A", "192.0.2.1"))
        self.assertRejected(self.post("", "AAAA", "2001:db8::1"))
        self.assertRejected(self.post("", "URL", "https://example.org/"))
        # ALIAS next to an existing A: refused.
        add_record(d, "example.com", "www", "A", "192.0.2.1")
        self.assertRejected(self.post("www", "ALIAS", "lb.example.net."))
        # URL rules.
        add_record(d, "example.com", "go", "URL", "https://example.org/")
        self.assertRejected(self.post("go", "A", "192.0.2.1"))
        self.assertRejected(self.post("go", "AAAA", "2001:db8::1"))
        self.assertRejected(self.post("go", "ALIAS", "lb.example.net."))
        self.assertRejected(self.post("go", "URL", "https://example.net/"))
        add_record(d, "example.com", "go", "TXT", '"ok next to URL"')

    def test_apex_keeps_an_ns(self):
        d = self.d
        ns = records(d, "example.com", type="NS")
        self.assertEqual(len(ns), 2)
        # Deleting both at once: refused.
        st, _, data = d.post(self.base + "/batch", {"delete": [ns[0]["id"], ns[1]["id"]],
                                                     "add": []})
        self.assertError((st, _, data), 409, "conflict")
        self.assertEqual(len(records(d, "example.com", type="NS")), 2)
        st, _, _ = d.delete("%s/%d" % (self.base, ns[0]["id"]))
        self.assertEqual(st, 204)
        self.assertRejected(d.delete("%s/%d" % (self.base, ns[1]["id"])))
        # Moving or retyping the last NS away from the apex: refused.
        self.assertRejected(d.patch("%s/%d" % (self.base, ns[1]["id"]), {"name": "sub"}))
        self.assertRejected(d.patch("%s/%d" % (self.base, ns[1]["id"]),
                                    {"type": "A", "content": "192.0.2.1"}))
        # Replacing it in one batch is fine.
        st, _, res = d.post(self.base + "/batch", {
            "delete": [ns[1]["id"]],
            "add": [{"name": "", "type": "NS", "content": "ns.example.org."}]})
        self.assertEqual(st, 200, res)
        self.assertEqual({r["content"] for r in records(d, "example.com", type="NS")},
                         {"ns.example.org."})

    def test_no_ds_at_apex(self):
        self.assertRejected(self.post("", "DS", "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"))


class TestSerials(DaemonTestCase):

    def setUp(self):
        self.d = self.start_daemon()

    def zone_serial(self, name):
        return get_zone(self.d, name)["serial"]

    def test_increment(self):
        d = self.d
        s = create_zone(d, "inc.test", serial_policy="increment")["serial"]
        base = "/v1/zones/inc.test/records"
        r = add_record(d, "inc.test", "www", "A", "192.0.2.1")
        s += 1
        self.assertEqual(self.zone_serial("inc.test"), s)
        st, _, res = d.post(base + "/batch", {"delete": [], "add": [
            {"name": "h%d" % i, "type": "A", "content": "192.0.2.%d" % (10 + i)}
            for i in range(5)]})
        self.assertEqual(st, 200, res)
        s += 1
        self.assertEqual(res["serial"], s)
        self.assertEqual(self.zone_serial("inc.test"), s)
        st, _, p = d.patch("%s/%d" % (base, r["id"]), {"ttl": 99})
        self.assertEqual(st, 200, p)
        s += 1
        self.assertEqual(self.zone_serial("inc.test"), s)
        # A PATCH that changes nothing does not bump.
        for same in ({"ttl": 99}, {"content": "192.0.2.1"}, {"name": "www", "type": "A"}, {}):
            st, _, p = d.patch("%s/%d" % (base, r["id"]), same)
            self.assertEqual(st, 200, (same, p))
            self.assertEqual(self.zone_serial("inc.test"), s, same)
        # A batch that fails changes nothing.
        st, _, res = d.post(base + "/batch", {"delete": [], "add": [
            {"name": "ok", "type": "A", "content": "192.0.2.77"},
            {"name": "bad", "type": "A", "content": "192.0.2"}]})
        self.assertEqual(st, 422, res)
        self.assertEqual(self.zone_serial("inc.test"), s)
        st, _, _ = d.delete("%s/%d" % (base, r["id"]))
        self.assertEqual(st, 204)
        s += 1
        self.assertEqual(self.zone_serial("inc.test"), s)
        # Failed requests do not bump.
        st, _, _ = d.post(base, {"name": "bad", "type": "A", "content": "nope"})
        self.assertEqual(st, 422)
        self.assertEqual(self.zone_serial("inc.test"), s)

    def test_unixtime(self):
        d = self.d
        s = create_zone(d, "unix.test", serial_policy="unixtime")["serial"]
        for i in range(3):
            t0 = int(time.time())
            add_record(d, "unix.test", "h%d" % i, "A", "192.0.2.%d" % (i + 1))
            t1 = int(time.time())
            new = self.zone_serial("unix.test")
            self.assertGreaterEqual(new, max(s + 1, t0))
            self.assertLessEqual(new, max(s + 1, t1))
            s = new
        # A serial ahead of the clock moves by exactly one.
        st, _, res = d.post("/v1/zones/unix.test/records/batch", {"delete": [], "add": [
            {"name": "b%d" % i, "type": "TXT", "content": '"%d"' % i} for i in range(5)]})
        self.assertEqual(st, 200, res)
        self.assertGreaterEqual(res["serial"], s + 1)
        self.assertLessEqual(res["serial"], max(s + 1, int(time.time())))

    def test_dateserial(self):
        d = self.d
        s = create_zone(d, "date.test", serial_policy="dateserial")["serial"]
        for i in range(3):
            b0 = today_dateserial_base()
            add_record(d, "date.test", "h%d" % i, "A", "192.0.2.%d" % (i + 1))
            b1 = today_dateserial_base()
            new = self.zone_serial("date.test")
            self.assertGreaterEqual(new, max(s + 1, b0))
            self.assertLessEqual(new, max(s + 1, b1))
            if s >= b1:
                self.assertEqual(new, s + 1)
            self.assertIn(new // 100, (b0 // 100, b1 // 100),
                          "serial %d is not YYYYMMDDnn of today (UTC)" % new)
            s = new

    def test_dateserial_from_unixtime_keeps_increasing(self):
        # A zone whose serial is far above today's YYYYMMDD00 moves by one.
        d = self.d
        z = create_zone(d, "switch.test", serial_policy="unixtime")
        s = z["serial"]
        st, _, z2 = d.patch("/v1/zones/switch.test", {"serial_policy": "dateserial"})
        self.assertEqual(st, 200, z2)
        s = z2["serial"]
        add_record(d, "switch.test", "www", "A", "192.0.2.1")
        new = self.zone_serial("switch.test")
        if s >= today_dateserial_base():
            self.assertEqual(new, (s + 1) % 2 ** 32)
        else:
            self.assertGreaterEqual(new, today_dateserial_base())


class TestJournal(DaemonTestCase):

    def test_journal_rows(self):
        d = self.start_daemon()
        z = create_zone(d, "journal.test", serial_policy="increment")
        base = "/v1/zones/journal.test/records"
        r = add_record(d, "journal.test", "www", "A", "192.0.2.1")

        def changes():
            with d.db_ro() as c:
                return c.execute("SELECT id, serial_from, serial_to FROM journal_changes "
                                 "WHERE zone_id = ? ORDER BY id", (z["id"],)).fetchall()

        def rrs(change_id):
            with d.db_ro() as c:
                return c.execute("SELECT op, type, ttl, content FROM journal_rrs "
                                 "WHERE change_id = ? ORDER BY seq", (change_id,)).fetchall()

        ch = changes()
        self.assertTrue(ch, "no journal_changes rows for the zone")
        cid, sfrom, sto = ch[-1]
        self.assertEqual((sfrom, sto), (z["serial"], z["serial"] + 1))
        rows = rrs(cid)
        self.assertIn(("add", "A", 3600, "192.0.2.1"), rows)
        self.assertNotIn("del", [op for op, t, _, _ in rows if t != "SOA"])
        n = len(ch)

        s = get_zone(d, "journal.test")["serial"]
        st, _, p = d.patch("%s/%d" % (base, r["id"]), {"content": "192.0.2.2"})
        self.assertEqual(st, 200, p)
        ch = changes()
        self.assertEqual(len(ch), n + 1)
        cid, sfrom, sto = ch[-1]
        self.assertEqual((sfrom, sto), (s, s + 1))
        rows = rrs(cid)
        self.assertIn(("del", "A", 3600, "192.0.2.1"), rows)
        self.assertIn(("add", "A", 3600, "192.0.2.2"), rows)
        non_soa = [row for row in rows if row[1] != "SOA"]
        self.assertEqual(len(non_soa), 2, rows)
        for op, t, ttl, content in rows:
            self.assertIn(op, ("del", "add"))
        soa = [row for row in rows if row[1] == "SOA"]
        if soa:  # the SOA, old and new, when journaled
            self.assertEqual(sorted(op for op, *_ in soa), ["add", "del"])

        # No change, no journal row.
        st, _, p = d.patch("%s/%d" % (base, r["id"]), {"content": "192.0.2.2"})
        self.assertEqual(st, 200, p)
        self.assertEqual(len(changes()), n + 1)

        # A batch of five: one change with five additions.
        st, _, res = d.post(base + "/batch", {"delete": [], "add": [
            {"name": "b%d" % i, "type": "A", "content": "192.0.2.%d" % (50 + i)}
            for i in range(5)]})
        self.assertEqual(st, 200, res)
        ch = changes()
        self.assertEqual(len(ch), n + 2)
        cid, sfrom, sto = ch[-1]
        self.assertEqual((sfrom, sto), (s + 1, s + 2))
        adds = sorted(c for op, t, _, c in rrs(cid) if op == "add" and t == "A")
        self.assertEqual(adds, ["192.0.2.%d" % (50 + i) for i in range(5)])

        # A delete: one "del" row.
        st, _, _ = d.delete("%s/%d" % (base, r["id"]))
        self.assertEqual(st, 204)
        ch = changes()
        self.assertEqual(len(ch), n + 3)
        cid, sfrom, sto = ch[-1]
        self.assertEqual((sfrom, sto), (s + 2, s + 3))
        rows = [row for row in rrs(cid) if row[1] != "SOA"]
        self.assertEqual(rows, [("del", "A", 3600, "192.0.2.2")])

        # Serial chain is contiguous.
        for (_, _, prev_to), (_, nxt_from, _) in zip(ch, ch[1:]):
            self.assertEqual(prev_to, nxt_from)


if __name__ == "__main__":
    unittest.main()
