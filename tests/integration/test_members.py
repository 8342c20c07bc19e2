"""JSON members (issue 17 point 4): an unknown member is a 422 naming it on
every route that reads a JSON body; the read-only members a GET shows are
accepted unchanged in PUT and PATCH (a GET-then-PUT round trip works), and a
changed one is a 422 naming it. Nothing is stored by a refused request."""

import os
import re
import unittest

from harness import (SOURCE_DIR, SharedDaemonCase, add_record, create_account, create_zone,
                     get_zone, snapshot)


def json_routes():
    """(method, pattern) of every route of api/routes.c that reads JSON."""
    with open(os.path.join(SOURCE_DIR, "api", "routes.c")) as f:
        text = f.read()
    return {(m, p) for m, p in re.findall(
        r'\{"([A-Z]+)",\s*"([^"]+)",\s*\w+,\s*AUTH_\w+,\s*BODY_JSON\}', text)}


class MembersCase(SharedDaemonCase):

    @classmethod
    def setup_data(cls):
        cls.acct, cls.tok = create_account(cls.d)
        create_zone(cls.d, "example.com", token=cls.tok, serial_policy="increment")
        cls.rec = add_record(cls.d, "example.com", "www", "A", "192.0.2.1", token=cls.tok)
        st, _, cls.nsset = cls.d.post("/v1/name_server_sets", {
            "name": "mine", "name_servers": ["ns1.sec.example.net"],
            "addresses": ["127.0.0.1"]}, token=cls.tok)
        assert st == 201, cls.nsset

    def call(self, method, path, body=None, **kw):
        kw.setdefault("token", self.tok)
        return self.d.request(method, path, body=body, **kw)

    def state(self):
        return (snapshot(self.d, token=self.tok),
                self.call("GET", "/v1/zones/example.com/secondary_dns")[2],
                self.call("GET", "/v1/name_server_sets")[2],
                self.call("GET", "/v1/tsig_keys")[2],
                self.d.get("/v1/accounts")[2])

    def refused(self, resp, field, part, msg=None):
        err = self.assertError(resp, 422, "invalid_field", field=field, msg=msg)
        self.assertIn(part, err["message"], msg)
        return err


class TestUnknownMembers(MembersCase):

    # A valid body for each route; the test adds a misspelt member.
    BODIES = {
        ("POST", "/v1/accounts"): ("/v1/accounts", {"name": "acct-unknown"}, "admin"),
        ("POST", "/v1/zones"): ("/v1/zones", {"name": "unknown.test"}, None),
        ("PATCH", "/v1/zones/{zone}"): ("/v1/zones/example.com", {"serial_policy": "unixtime"},
                                        None),
        ("PUT", "/v1/zones/{zone}/serial"): ("/v1/zones/example.com/serial", {"serial": 99},
                                             None),
        ("POST", "/v1/zones/{zone}/records"): ("/v1/zones/example.com/records",
                                               {"name": "u", "type": "A",
                                                "content": "192.0.2.9"}, None),
        ("POST", "/v1/zones/{zone}/records/batch"): (
            "/v1/zones/example.com/records/batch",
            {"add": [{"name": "u", "type": "A", "content": "192.0.2.9"}]}, None),
        ("PATCH", "/v1/zones/{zone}/records/{id}"): (
            "/v1/zones/example.com/records/{rec}", {"ttl": 77}, None),
        ("PUT", "/v1/zones/{zone}/secondary_dns"): (
            "/v1/zones/example.com/secondary_dns",
            {"name_servers": ["ns1.sec.example.net"], "allowed_ips": ["127.0.0.1"]}, None),
        ("PATCH", "/v1/zones/{zone}/secondary_dns"): (
            "/v1/zones/example.com/secondary_dns", {"allowed_ips": ["127.0.0.2"]}, None),
        ("POST", "/v1/name_server_sets"): ("/v1/name_server_sets",
                                           {"name": "n", "name_servers": ["ns.example.net"]},
                                           None),
        ("PATCH", "/v1/name_server_sets/{set}"): ("/v1/name_server_sets/{set}",
                                                  {"name": "renamed"}, None),
        ("POST", "/v1/tsig_keys"): ("/v1/tsig_keys", {"name": "unknown.key"}, None),
        # to the admin's own account (ADMIN_ID: filled in), so that a move
        # that went through would change the tenant's zones
        ("POST", "/v1/zones/{zone}/move"): ("/v1/zones/example.com/move",
                                            {"account_id": "ADMIN_ID"}, "admin"),
    }

    def admin_id(self):
        return [a for a in self.d.get("/v1/accounts?per_page=100")[2]["data"]
                if a["admin"]][0]["id"]

    def test_every_json_route_is_covered(self):
        self.assertEqual(set(self.BODIES), json_routes(),
                         "a route that reads JSON has no unknown-member test")

    def test_unknown_member_on_every_route(self):
        # secondary DNS PATCH needs a configuration to edit.
        st, _, cfg = self.call("PUT", "/v1/zones/example.com/secondary_dns",
                               {"name_servers": ["ns1.sec.example.net"],
                                "allowed_ips": ["127.0.0.1"]})
        self.assertIn(st, (200, 201), cfg)
        try:
            before = self.state()
            for (method, _), (path, body, who) in sorted(self.BODIES.items()):
                path = path.format(rec=self.rec["id"], set=self.nsset["id"])
                token = self.d.admin_token if who == "admin" else self.tok
                body = {k: self.admin_id() if v == "ADMIN_ID" else v for k, v in body.items()}
                for bad in ("serial_polcy", "Name", "ids", "\u00e9"):
                    b = dict(body)
                    b[bad] = 1
                    err = self.refused(self.call(method, path, b, token=token), bad,
                                       "unknown member", msg="%s %s %r" % (method, path, b))
                    self.assertIn(bad, err["message"])
                b = dict(body)
                b[""] = 1
                self.refused(self.call(method, path, b, token=token), None, "unknown member")
                self.assertEqual(self.state(), before, "%s %s changed something" % (method, path))
        finally:
            self.call("DELETE", "/v1/zones/example.com/secondary_dns")

    def test_nested_and_batch(self):
        before = self.state()
        self.refused(self.call("PATCH", "/v1/zones/example.com", {"soa": {"refersh": 60}}),
                     "soa.refersh", "unknown member")
        self.refused(self.call("POST", "/v1/zones", {"name": "n.test", "soa": {"serial": 5}}),
                     "soa.serial", "unknown member")
        self.refused(self.call("POST", "/v1/zones/example.com/records/batch",
                               {"add": [{"name": "a", "type": "A", "content": "192.0.2.1"},
                                        {"name": "b", "type": "A", "content": "192.0.2.2",
                                         "tll": 60}]}),
                     "add[1].tll", "unknown member")
        # A member name holding a NUL is not the member without it.
        self.assertError(self.d.request(
            "PATCH", "/v1/zones/example.com/records/%d" % self.rec["id"], token=self.tok,
            raw=b'{"ttl\\u0000x": 5}', content_type="application/json"), 400, "invalid_json")
        self.assertEqual(self.state(), before)


class TestReadOnlyMembers(MembersCase):

    def test_zone_round_trip(self):
        z = get_zone(self.d, "example.com", token=self.tok)
        st, _, after = self.call("PATCH", "/v1/zones/example.com", z)
        self.assertEqual(st, 200, after)
        self.assertEqual(after, z, "a GET-then-PATCH changed the zone")
        for key, value in (("id", z["id"] + 1000), ("serial", z["serial"] + 1),
                           ("name", "other.com"), ("account_id", 1),
                           ("created_at", "2000-01-01T00:00:00Z"), ("serial_change", {})):
            b = dict(z)
            b[key] = value
            self.refused(self.call("PATCH", "/v1/zones/example.com", b), key, "read-only")
        self.assertEqual(get_zone(self.d, "example.com", token=self.tok), z)
        # A writable member next to unchanged read-only ones is applied.
        b = dict(z)
        b["soa"] = dict(z["soa"], refresh=z["soa"]["refresh"] + 1)
        st, _, after = self.call("PATCH", "/v1/zones/example.com", b)
        self.assertEqual(st, 200, after)
        self.assertEqual(after["soa"]["refresh"], z["soa"]["refresh"] + 1)

    def test_record_round_trip(self):
        for rtype, content in (("A", "192.0.2.1"), ("ALIAS", "target.example.net."),
                               ("MX", "10 mail.example.com.")):
            r = add_record(self.d, "example.com", "rt-" + rtype.lower(), rtype, content,
                           token=self.tok)
            path = "/v1/zones/example.com/records/%d" % r["id"]
            st, _, got = self.call("GET", path)
            self.assertEqual(st, 200)
            z = get_zone(self.d, "example.com", token=self.tok)
            st, _, after = self.call("PATCH", path, got)
            self.assertEqual(st, 200, after)
            # (an ALIAS's resolution may have been refreshed meanwhile)
            self.assertEqual(dict(after, resolution=None), dict(got, resolution=None))
            self.assertEqual(get_zone(self.d, "example.com", token=self.tok)["serial"],
                             z["serial"], "an unchanged record bumped the serial")
            b = dict(got, id=got["id"] + 1)
            self.refused(self.call("PATCH", path, b), "id", "read-only")
            if rtype == "ALIAS":
                # The server refreshes the resolution on its own: whatever
                # value comes back is ignored, never stored.
                b = dict(got, resolution={"a": None, "aaaa": []}, ttl=got["ttl"] + 1)
                st, _, after = self.call("PATCH", path, b)
                self.assertEqual(st, 200, after)
                self.assertEqual(after["ttl"], got["ttl"] + 1)
                self.assertNotEqual(after["resolution"], b["resolution"])
        # A create has no stored value: a read-only member is refused.
        self.refused(self.call("POST", "/v1/zones/example.com/records",
                               {"id": 5, "name": "x", "type": "A", "content": "192.0.2.3"}),
                     "id", "read-only")

    def test_secondary_round_trip(self):
        path = "/v1/zones/example.com/secondary_dns"
        bodies = [
            {"provider": "custom", "name_servers": ["ns1.sec.example.net"],
             "allowed_ips": ["127.0.0.1", "127.0.0.2"]},
            {"provider": "custom", "name_servers": ["ns1.sec.example.net"],
             "allowed_ips": ["127.0.0.1"], "notify_targets": ["127.0.0.3:5300"]},
            {"name_server_set_id": self.nsset["id"]},
            {"provider": "dyn", "allowed_ips": ["127.0.0.9"]},
        ]
        try:
            for body in bodies:
                st, _, cfg = self.call("PUT", path, body)
                self.assertIn(st, (200, 201), cfg)
                st, _, got = self.call("GET", path)
                self.assertEqual(st, 200)
                for method in ("PUT", "PATCH"):
                    st, _, after = self.call(method, path, got)
                    self.assertEqual(st, 200, "%s %r: %r" % (method, got, after))
                    self.assertEqual(after, got, "GET-then-%s changed the configuration"
                                     % method)
                for key, value in (("serial", got["serial"] + 1), ("zone", "other.test"),
                                   ("created_at", "2000-01-01T00:00:00Z"),
                                   ("ns_records", []), ("preset_outdated", True),
                                   ("source", {"type": "custom"} if body.get("provider") != "custom"
                                    else {"type": "provider"})):
                    b = dict(got)
                    b[key] = value
                    self.refused(self.call("PUT", path, b), key, "read-only",
                                 msg="%s %r" % (key, value))
                    self.refused(self.call("PATCH", path, b), key, "read-only")
                self.assertEqual(self.call("GET", path)[2], got)
            # notify_targets_default true with another list: refused.
            b = dict(got, notify_targets=["127.0.0.5:53"], notify_targets_default=True)
            self.refused(self.call("PUT", path, b), "notify_targets", "default")
            self.refused(self.call("PUT", path, dict(got, notify_targets_default=False,
                                                     notify_targets=None)),
                         "notify_targets", "false")
        finally:
            self.call("DELETE", path)
        # No configuration yet: read-only members have no stored value.
        self.refused(self.call("PUT", path, {"name_servers": ["ns1.sec.example.net"],
                                             "allowed_ips": ["127.0.0.1"], "serial": 1}),
                     "serial", "read-only")
        self.assertEqual(self.call("GET", path)[0], 404)

    def test_nsset_round_trip(self):
        path = "/v1/name_server_sets/%d" % self.nsset["id"]
        st, _, got = self.call("GET", path)
        self.assertEqual(st, 200)
        st, _, after = self.call("PATCH", path, got)
        self.assertEqual(st, 200, after)
        self.assertEqual({k: v for k, v in after.items() if k != "updated_at"},
                         {k: v for k, v in got.items() if k != "updated_at"})
        st, _, got = self.call("GET", path)
        for key, value in (("id", got["id"] + 1), ("system", True),
                           ("created_at", "2000-01-01T00:00:00Z")):
            self.refused(self.call("PATCH", path, dict(got, **{key: value})), key, "read-only")
        self.assertEqual(self.call("GET", path)[2], got)

    def test_creates_refuse_read_only(self):
        before = self.state()
        self.refused(self.call("POST", "/v1/zones", {"name": "ro.test", "id": 3}), "id",
                     "read-only")
        self.refused(self.call("POST", "/v1/zones", {"name": "ro.test", "serial": 3}), "serial",
                     "read-only")
        self.refused(self.call("POST", "/v1/name_server_sets",
                               {"name": "x", "name_servers": ["ns.example.net"], "system": False}),
                     "system", "read-only")
        self.refused(self.call("POST", "/v1/tsig_keys", {"name": "ro.key", "created_at": "x"}),
                     "created_at", "read-only")
        self.refused(self.d.post("/v1/accounts", {"name": "ro-acct", "admin": True}), "admin",
                     "read-only")
        self.assertEqual(self.state(), before)


if __name__ == "__main__":
    unittest.main()
