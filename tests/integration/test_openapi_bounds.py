"""The OpenAPI document's bounds are the validation's (issue 17 point 4):
for each bounded number, string length and list length that a client can
send, the value at the documented bound is accepted and the one just past
it is a 422 naming the field. The bounds are read from the document the
server publishes, so a mismatch on either side fails here."""

import json
import os
import unittest

from harness import SOURCE_DIR, SharedDaemonCase, create_account, create_zone


def load_doc():
    with open(os.path.join(SOURCE_DIR, "api", "openapi.json")) as f:
        return json.load(f)


class TestBounds(SharedDaemonCase):

    # The operator's NOTIFY budget (notify-max-targets, 32 by default)
    # above the document's list bound, so that the bound is what is tried.
    daemon_args = ("--notify-max-targets", "1024")

    @classmethod
    def setup_data(cls):
        cls.doc = load_doc()
        cls.acct, cls.tok = create_account(cls.d)
        create_zone(cls.d, "bounds.test", token=cls.tok, serial_policy="increment")

    def schema(self, name):
        return self.doc["components"]["schemas"][name]

    def prop(self, schema, key):
        return self.schema(schema)["properties"][key]

    def call(self, method, path, body=None, token=None):
        return self.d.request(method, path, body=body, token=token or self.tok)

    def accepted(self, resp, what):
        st, _, data = resp
        self.assertIn(st, (200, 201, 202), "%s at the documented bound: %s %r" % (what, st, data))
        return data

    def refused(self, resp, field, what):
        self.assertError(resp, 422, "invalid_field", field=field,
                         msg="%s past the documented bound" % what)

    def test_soa_timers(self):
        for key in ("ttl", "refresh", "retry", "expire", "minimum"):
            for schema in ("SoaInput", "Soa"):
                p = self.prop(schema, key)
                self.assertEqual((p["minimum"], p["maximum"]), (0, 2147483647),
                                 "%s.%s: RFC 2181 timers are 31-bit" % (schema, key))
            p = self.prop("SoaInput", key)
            z = self.accepted(self.call("PATCH", "/v1/zones/bounds.test",
                                        {"soa": {key: p["maximum"]}}), "soa." + key)
            self.assertEqual(z["soa"][key], p["maximum"])
            self.refused(self.call("PATCH", "/v1/zones/bounds.test",
                                   {"soa": {key: p["maximum"] + 1}}), "soa." + key, key)
            self.refused(self.call("PATCH", "/v1/zones/bounds.test",
                                   {"soa": {key: p["minimum"] - 1}}), "soa." + key, key)
            self.accepted(self.call("PATCH", "/v1/zones/bounds.test",
                                    {"soa": {key: 3600}}), "soa." + key)

    def test_ttls(self):
        p = self.prop("RecordInput", "ttl")
        self.assertEqual(self.prop("RecordUpdate", "ttl")["maximum"], p["maximum"])
        r = self.accepted(self.call("POST", "/v1/zones/bounds.test/records",
                                    {"name": "t", "type": "A", "content": "192.0.2.1",
                                     "ttl": p["maximum"]}), "ttl")
        self.refused(self.call("POST", "/v1/zones/bounds.test/records",
                               {"name": "t2", "type": "A", "content": "192.0.2.1",
                                "ttl": p["maximum"] + 1}), "ttl", "ttl")
        self.refused(self.call("PATCH", "/v1/zones/bounds.test/records/%d" % r["id"],
                               {"ttl": p["maximum"] + 1}), "ttl", "ttl")
        p = self.prop("ZoneInput", "ttl")
        self.accepted(self.call("POST", "/v1/zones", {"name": "ttl-max.test",
                                                      "ttl": p["maximum"]}), "zone ttl")
        self.refused(self.call("POST", "/v1/zones", {"name": "ttl-over.test",
                                                     "ttl": p["maximum"] + 1}), "ttl", "zone ttl")

    def test_serial(self):
        p = self.doc["paths"]["/v1/zones/{zone}/serial"]["put"]["requestBody"]["content"][
            "application/json"]["schema"]["properties"]["serial"]
        self.accepted(self.call("PUT", "/v1/zones/bounds.test/serial", {"serial": p["maximum"]}),
                      "serial")
        self.refused(self.call("PUT", "/v1/zones/bounds.test/serial",
                               {"serial": p["maximum"] + 1}), "serial", "serial")
        self.refused(self.call("PUT", "/v1/zones/bounds.test/serial",
                               {"serial": p["minimum"] - 1}), "serial", "serial")

    def test_pagination(self):
        params = self.doc["components"]["parameters"]
        for name in ("page", "per_page"):
            s = params[name]["schema"]
            self.assertIn("maximum", s, name)
            self.accepted(self.call("GET", "/v1/zones?%s=%d" % (name, s["maximum"])), name)
            self.refused(self.call("GET", "/v1/zones?%s=%d" % (name, s["maximum"] + 1)), name,
                         name)
            self.refused(self.call("GET", "/v1/zones?%s=%d" % (name, s["minimum"] - 1)), name,
                         name)

    def test_string_lengths(self):
        # maxLength counts characters: test with two-byte ones where allowed.
        p = self.prop("NameServerSetInput", "name")
        n = p["maxLength"]
        self.accepted(self.call("POST", "/v1/name_server_sets",
                                {"name": "\u00e9" * n, "name_servers": ["ns.example.net"]}),
                      "set name")
        self.refused(self.call("POST", "/v1/name_server_sets",
                               {"name": "\u00e9" * (n + 1), "name_servers": ["ns.example.net"]}),
                     "name", "set name")
        self.refused(self.call("POST", "/v1/name_server_sets",
                               {"name": "", "name_servers": ["ns.example.net"]}),
                     "name", "set name")
        p = self.prop("AccountInput", "name")
        n = p["maxLength"]
        self.accepted(self.d.post("/v1/accounts", {"name": "a" * n}), "account name")
        self.refused(self.d.post("/v1/accounts", {"name": "b" * (n + 1)}), "name", "account name")

    def test_list_lengths(self):
        def hosts(k):
            return ["ns%d.example.net" % i for i in range(k)]

        def addrs(k):
            return ["127.0.%d.%d" % (i // 200, i % 200 + 1) for i in range(k)]

        n = self.prop("ZoneInput", "name_servers")["maxItems"]
        self.accepted(self.call("POST", "/v1/zones", {"name": "ns-max.test",
                                                      "name_servers": hosts(n)}), "name_servers")
        self.refused(self.call("POST", "/v1/zones", {"name": "ns-over.test",
                                                     "name_servers": hosts(n + 1)}),
                     "name_servers", "name_servers")
        for key, make in (("name_servers", hosts), ("addresses", addrs)):
            n = self.prop("NameServerSetInput", key)["maxItems"]
            body = {"name": "set-" + key, "name_servers": ["ns.example.net"]}
            self.accepted(self.call("POST", "/v1/name_server_sets", dict(body, **{key: make(n)})),
                          key)
            body["name"] += "-over"
            self.refused(self.call("POST", "/v1/name_server_sets",
                                   dict(body, **{key: make(n + 1)})), key, key)
        for key, make in (("name_servers", hosts), ("allowed_ips", addrs),
                          ("notify_targets", addrs)):
            n = self.prop("SecondaryDnsInput", key)["maxItems"]
            body = {"name_servers": ["ns1.sec.example.net"], "allowed_ips": ["127.0.0.1"]}
            self.accepted(self.call("PUT", "/v1/zones/bounds.test/secondary_dns",
                                    dict(body, **{key: make(n)})), key)
            self.refused(self.call("PUT", "/v1/zones/bounds.test/secondary_dns",
                                   dict(body, **{key: make(n + 1)})), key, key)
            self.assertEqual(self.call("DELETE", "/v1/zones/bounds.test/secondary_dns")[0], 204)


if __name__ == "__main__":
    unittest.main()
