"""Input that means something else is refused (issue 17 point 4): names
that IDNA would silently change, repeated batch deletes, error messages cut
inside a character, unknown and changed read-only JSON members, and
libmicrohttpd's own error pages."""

import json
import socket
import unittest

from harness import SharedDaemonCase, add_record, create_account, create_zone, q, records, snapshot

# Code points that UTS #46 maps to nothing (deletes) from a label.
DELETED = ["\ufeff", "\u200b", "\u00ad", "\u2060", "\ufe0f", "\ufe00", "\u034f", "\u180b",
           "\U000e0100"]


class InputCase(SharedDaemonCase):
    """One daemon for the class, with an account and its zone."""

    @classmethod
    def setup_data(cls):
        cls.acct, cls.tok = create_account(cls.d)
        create_zone(cls.d, "example.com", token=cls.tok, serial_policy="increment")

    def call(self, method, path, body=None, **kw):
        kw.setdefault("token", self.tok)
        return self.d.request(method, path, body=body, **kw)

    def refused(self, resp, field=None, status=422, code="invalid_field", msg=None):
        kw = {} if field is None else {"field": field}
        return self.assertError(resp, status, code, msg=msg, **kw)


class TestIdnaDeleted(InputCase):
    """A label that IDNA maps to nothing, or that holds a code point IDNA
    deletes, is a 422 on every way a name comes in, never another name."""

    def test_zone_names(self):
        before = snapshot(self.d, token=self.tok)
        for ch in DELETED:
            for name in (ch, ch + ".com", "ex" + ch + "ample.org", ch + ".example.com",
                         "b\u00fccher" + ch + ".de"):
                err = self.refused(self.call("POST", "/v1/zones", {"name": name}), "name",
                                   msg=repr(name))
                self.assertIn("IDNA", err["message"], repr(name))
        self.assertEqual(snapshot(self.d, token=self.tok), before)
        # The zone list holds no root zone and no "com".
        st, _, zl = self.call("GET", "/v1/zones")
        self.assertEqual([z["name"] for z in zl["data"]], ["example.com"])
        # A real U-label still works.
        st, _, z = self.call("POST", "/v1/zones", {"name": "b\u00fccher-idna.de"})
        self.assertEqual(st, 201, z)
        self.assertEqual(z["name"], "xn--bcher-idna-9db.de")
        self.assertEqual(self.call("DELETE", "/v1/zones/xn--bcher-idna-9db.de")[0], 204)

    def test_record_names_and_content(self):
        before = snapshot(self.d, token=self.tok)
        path = "/v1/zones/example.com/records"
        for ch in DELETED:
            for name in (ch, "www." + ch, "w" + ch + "ww", ch + "." ):
                self.refused(self.call("POST", path, {"name": name, "type": "A",
                                                      "content": "192.0.2.1"}),
                             "name", msg=repr(name))
            for rtype, content in (("CNAME", "www." + ch + "."), ("CNAME", ch + ".example.net."),
                                   ("MX", "10 mail" + ch + ".example.net."),
                                   ("NS", "ns" + ch + ".example.net."),
                                   ("SRV", "1 1 443 srv" + ch + ".example.net."),
                                   ("ALIAS", "44b." + ch), ("PTR", ch + ".example.net.")):
                self.refused(self.call("POST", path, {"name": "x", "type": rtype,
                                                      "content": content}),
                             "content", msg=repr((rtype, content)))
            # PATCH and batch take the same path.
            rec = add_record(self.d, "example.com", "p", "A", "192.0.2.7", token=self.tok)
            self.refused(self.call("PATCH", "%s/%d" % (path, rec["id"]), {"name": ch}), "name")
            self.refused(self.call("POST", path + "/batch",
                                   {"add": [{"name": ch, "type": "TXT", "content": "\"x\""}]}),
                         "add[0].name")
            self.assertEqual(self.call("DELETE", "%s/%d" % (path, rec["id"]))[0], 204)
        after = snapshot(self.d, token=self.tok)
        self.assertEqual(after["example.com"]["records"], before["example.com"]["records"])
        # A U-label in a CNAME target becomes its A-label, as owner names do.
        st, _, r = self.call("POST", path, {"name": "idn", "type": "CNAME",
                                            "content": "www.b\u00fccher.de."})
        self.assertEqual(st, 201, r)
        self.assertEqual(r["content"], "www.xn--bcher-kva.de.")
        self.assertEqual(self.call("DELETE", "%s/%d" % (path, r["id"]))[0], 204)

    def test_names_elsewhere(self):
        # SOA names, name servers, secondary DNS host names, TSIG key names,
        # name server sets, zone-file import.
        bom = "\ufeff"
        self.refused(self.call("PATCH", "/v1/zones/example.com",
                               {"soa": {"mname": "ns1." + bom + ".example.net"}}), "soa.mname")
        self.refused(self.call("PATCH", "/v1/zones/example.com",
                               {"soa": {"rname": "host" + bom + "master.example.net"}}),
                     "soa.rname")
        self.refused(self.call("POST", "/v1/zones", {"name": "ns-test.org",
                                                    "name_servers": [bom + ".example.net"]}),
                     "name_servers[0]")
        self.refused(self.call("POST", "/v1/tsig_keys", {"name": "k" + bom + "ey"}), "name")
        self.refused(self.call("POST", "/v1/name_server_sets",
                               {"name": "s", "name_servers": ["ns1.\u200b.example.net"]}),
                     "name_servers[0]")
        self.refused(self.call("PUT", "/v1/zones/example.com/secondary_dns",
                               {"name_servers": ["ns1." + bom + "example.net"],
                                "allowed_ips": ["127.0.0.1"]}), "name_servers[0]")
        st, _, _ = self.call("GET", "/v1/zones/example.com/secondary_dns")
        self.assertEqual(st, 404)
        zone = "$ORIGIN example.com.\n@ 3600 IN SOA ns1.example.net. h.example.net. 1 2 3 4 5\n" \
               "w\u00adw 300 IN A 192.0.2.5\n"
        st, _, data = self.call("POST", "/v1/zones/example.com/import", raw=zone.encode(),
                                content_type="text/dns")
        self.assertEqual(st, 422, data)
        self.assertNotIn("ww", {r["name"] for r in records(self.d, "example.com", token=self.tok)})
        # The zone path segment: a BOM is not the zone.
        st, _, _ = self.call("GET", "/v1/zones/" + q("example.com" + bom))
        self.assertEqual(st, 404)


class TestBatchRepeatedDelete(InputCase):

    def test_repeated_id(self):
        path = "/v1/zones/example.com/records"
        a = add_record(self.d, "example.com", "a", "A", "192.0.2.1", token=self.tok)
        b = add_record(self.d, "example.com", "b", "A", "192.0.2.2", token=self.tok)
        before = snapshot(self.d, token=self.tok)
        for dels, bad in (([a["id"], a["id"]], 1), ([a["id"], b["id"], a["id"]], 2),
                          ([b["id"], a["id"], b["id"], a["id"]], 2)):
            err = self.refused(self.call("POST", path + "/batch", {"delete": dels}),
                               "delete[%d]" % bad, msg=repr(dels))
            self.assertIn("repeated", err["message"])
            self.assertIn(str(dels[bad]), err["message"])
        # With adds too: nothing is added either.
        self.refused(self.call("POST", path + "/batch",
                               {"delete": [b["id"], b["id"]],
                                "add": [{"name": "c", "type": "A", "content": "192.0.2.3"}]}),
                     "delete[1]")
        self.assertEqual(snapshot(self.d, token=self.tok), before)
        # Each once: both go.
        st, _, res = self.call("POST", path + "/batch", {"delete": [a["id"], b["id"]]})
        self.assertEqual(st, 200, res)
        self.assertEqual(sorted(res["deleted"]), sorted([a["id"], b["id"]]))

    def test_long_list_is_quick(self):
        # A long list with one repeat at the end: answered, not a quadratic scan.
        path = "/v1/zones/example.com/records/batch"
        dels = list(range(1, 200001)) + [7]
        err = self.refused(self.call("POST", path, {"delete": dels}), "delete[200000]")
        self.assertIn("repeated", err["message"])


class TestMessagesNotCut(InputCase):
    """An error message that repeats input is cut on a character boundary,
    never left out (json_pack refuses invalid UTF-8: the reply was {})."""

    def test_cut_inside_character(self):
        long_e = "x" + "\u00e9" * 200
        cases = [
            ("PUT", "/v1/zones/example.com/secondary_dns", {"allowed_ips": [long_e]},
             "allowed_ips[0]"),
            ("PUT", "/v1/zones/example.com/secondary_dns",
             {"allowed_ips": ["127.0.0.1"], "notify_targets": [long_e]}, "notify_targets[0]"),
            ("PUT", "/v1/zones/example.com/secondary_dns", {"provider": long_e}, "provider"),
            ("POST", "/v1/tsig_keys", {"name": "k.example", "algorithm": long_e}, "algorithm"),
            ("POST", "/v1/name_server_sets", {"name": "s", "name_servers": ["ns1.example.net"],
                                              "addresses": ["y" + "\u20ac" * 150]},
             "addresses[0]"),
            ("POST", "/v1/zones/example.com/records",
             {"name": "t", "type": "A", "content": "1" + "\u00e9" * 300}, "content"),
            ("POST", "/v1/zones", {"name": "a" + "\u00e9" * 300 + ".com"}, "name"),
        ]
        for odd in range(3):  # shift the cut through the character
            for method, path, body, field in cases:
                body = json.loads(json.dumps(body).replace("x\\u00e9", "x" + "y" * odd + "\\u00e9"))
                err = self.refused(self.call(method, path, body), field,
                                   msg="%s %s %r" % (method, path, body))
                self.assertGreater(len(err["message"]), 10, err)

    def test_raw_bytes_valid_utf8(self):
        st, hdrs, data = self.call("PUT", "/v1/zones/example.com/secondary_dns",
                                   {"allowed_ips": ["x" + "\u00e9" * 200]})
        self.assertEqual(st, 422)
        self.assertIn("\u00e9", data["error"]["message"])


if __name__ == "__main__":
    unittest.main()
