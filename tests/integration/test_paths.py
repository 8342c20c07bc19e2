"""Request paths and query strings (issue 17 point 1): routes are matched on
the raw path segments, each captured segment is percent-decoded on its own,
and a segment or query argument that decodes to a NUL, a control character
or invalid UTF-8 is a 400 that changes nothing. Every route of api/routes.c
is tried, so a new route is covered without touching this file."""

import os
import re
import unittest

from harness import SOURCE_DIR, SharedDaemonCase, add_record, create_account, create_zone, q

ROUTE_RE = re.compile(r'\{"(GET|POST|PUT|PATCH|DELETE)",\s*"([^"]+)"')
PARAM_RE = re.compile(r"\{(\w+)\}")

# Suffixes that must make any segment a 400, whatever the route.
BAD_SUFFIXES = [
    "%00",            # NUL: used to cut the path ("victim.test%00" -> "victim.test")
    "%00%2Frecords",  # NUL then more text
    "%01", "%09", "%0A", "%0D", "%1F", "%7F",  # C0 controls and DEL
    "%C2%85",         # C1 control (NEL)
    "%FF", "%C3", "%C3%28",  # invalid UTF-8: stray byte, cut, bad continuation
    "%C0%AE",         # overlong "."
    "%ED%A0%80",      # UTF-16 surrogate
    "%F4%90%80%80",   # above U+10FFFF
    "%ZZ", "%4",      # malformed escapes
]

CLASSLESS = "0/26.2.0.192.in-addr.arpa"


ADMIN_ROUTE_RE = re.compile(r'\{"(GET|POST|PUT|PATCH|DELETE)",\s*"([^"]+)",\s*\w+,\s*AUTH_ADMIN')


def routes():
    with open(os.path.join(SOURCE_DIR, "api", "routes.c"), encoding="utf-8") as f:
        found = ROUTE_RE.findall(f.read())
    if len(found) < 30:
        raise AssertionError("found only %d routes in api/routes.c" % len(found))
    return found


def admin_routes():
    """The admin-only routes: tried with the admin token, so that their
    paths are parsed and not just refused with a 403."""
    with open(os.path.join(SOURCE_DIR, "api", "routes.c"), encoding="utf-8") as f:
        return set(ADMIN_ROUTE_RE.findall(f.read()))


class PathCase(SharedDaemonCase):

    @classmethod
    def setup_data(cls):
        d = cls.d
        cls.acct, cls.tok = create_account(d, "victim")
        create_zone(d, "victim.test", token=cls.tok)
        create_zone(d, CLASSLESS, token=cls.tok)
        cls.rec = add_record(d, "victim.test", "www", "A", "192.0.2.1", token=cls.tok)
        st, _, t2 = d.post("/v1/accounts/%d/tokens" % cls.acct["id"], token=cls.tok)
        assert st == 201, (st, t2)
        cls.tok_id = t2["id"]
        st, _, s = d.post("/v1/name_server_sets", {
            "name": "victim-set", "name_servers": ["ns1.example.net"],
            "addresses": ["192.0.2.53"]}, token=cls.tok)
        assert st == 201, (st, s)
        cls.set_id = s["id"]
        st, _, k = d.post("/v1/tsig_keys", {"name": "victim-key"}, token=cls.tok)
        assert st == 201, (st, k)
        st, _, sd = d.request("PUT", "/v1/zones/victim.test/secondary_dns",
                              body={"provider": "dyn"}, token=cls.tok)
        assert st in (200, 201), (st, sd)
        cls.values = {"account": str(cls.acct["id"]), "token": str(cls.tok_id),
                      "zone": "victim.test", "id": str(cls.rec["id"]),
                      "set": str(cls.set_id), "key": "victim-key."}

    def state(self):
        """Everything a misrouted request could damage."""
        out = {}
        for path in ["/v1/zones", "/v1/zones/victim.test", "/v1/zones/victim.test/records",
                     "/v1/zones/victim.test/secondary_dns", "/v1/zones/" + q(CLASSLESS),
                     "/v1/accounts/%d/tokens" % self.acct["id"], "/v1/tsig_keys",
                     "/v1/name_server_sets", "/v1/name_server_sets/%d" % self.set_id]:
            st, _, data = self.d.get(path, token=self.tok)
            self.assertEqual(st, 200, (path, data))
            out[path] = data
        return out

    def send(self, method, pattern, values, query=""):
        path = PARAM_RE.sub(lambda m: values[m.group(1)], pattern) + query
        if pattern.endswith("/import"):
            return path, self.d.request(method, path, raw="www 300 IN A 192.0.2.66\n",
                                        content_type="text/dns", token=self.tok)
        body = None
        if method in ("POST", "PUT", "PATCH"):
            body = {"name": "x", "type": "A", "content": "192.0.2.3"}
        token = self.d.admin_token if (method, pattern) in admin_routes() else self.tok
        return path, self.d.request(method, path, body=body, token=token)

    def raw_values(self):
        return {k: q(v) for k, v in self.values.items()}

    def test_bad_segments_are_400_on_every_route(self):
        before = self.state()
        tried = 0
        for method, pattern in routes():
            for param in PARAM_RE.findall(pattern):
                for suffix in BAD_SUFFIXES:
                    variants = [self.raw_values()[param] + suffix]
                    if suffix != "%4":  # "%4" + "2" would be a valid "%42"
                        variants.append(suffix + self.raw_values()[param])
                    for variant in variants:
                        values = self.raw_values()
                        values[param] = variant
                        path, resp = self.send(method, pattern, values)
                        self.assertError(resp, 400, "bad_request", msg="%s %s" % (method, path))
                        tried += 1
                self.assertEqual(self.state(), before, "%s %s changed data" % (method, pattern))
        self.assertGreater(tried, 1000)

    def test_bad_query_is_400_on_every_route(self):
        before = self.state()
        for method, pattern in routes():
            for query in ("?name=www%00", "?x%00=1", "?page=1%00", "?view=%FF", "?a=%ZZ"):
                path, resp = self.send(method, pattern, self.raw_values(), query)
                self.assertError(resp, 400, "bad_request", msg="%s %s" % (method, path))
            self.assertEqual(self.state(), before, "%s %s changed data" % (method, pattern))

    def test_encoded_slash_stays_in_its_segment(self):
        before = self.state()
        for method, pattern in routes():
            for param in PARAM_RE.findall(pattern):
                rv = self.raw_values()
                for variant in (rv[param] + "%2F", rv[param] + "%2Frecords%2F" + rv["id"],
                                "%2F" + rv[param], rv[param] + "%2F..%2F" + rv[param]):
                    values = dict(rv)
                    values[param] = variant
                    path, (st, _, data) = self.send(method, pattern, values)
                    self.assertIn(st, (400, 404, 422), "%s %s: %r" % (method, path, data))
                    self.assertIsInstance(data, dict, path)
                    self.assertIn("error", data, path)
                self.assertEqual(self.state(), before, "%s %s changed data" % (method, pattern))

    def test_nul_does_not_delete_the_zone(self):
        # The original report: the record path cut at the NUL became the zone.
        resp = self.d.delete("/v1/zones/victim.test%%00/records/%d" % self.rec["id"],
                             token=self.tok)
        self.assertError(resp, 400, "bad_request")
        self.assertEqual(self.d.get("/v1/zones/victim.test", token=self.tok)[0], 200)
        self.assertEqual(self.d.get("/v1/zones/victim.test/records/%d" % self.rec["id"],
                                    token=self.tok)[0], 200)

    def test_classless_reverse_zone(self):
        d = self.d
        base = "/v1/zones/" + q(CLASSLESS)
        self.assertEqual(base, "/v1/zones/0%2F26.2.0.192.in-addr.arpa")
        z = self.assertStatus(d.get(base, token=self.tok), 200)
        self.assertEqual(z["name"], CLASSLESS)
        r = self.assertStatus(d.post(base + "/records", {"name": "5", "type": "PTR",
                                                         "content": "host.example.net."},
                                     token=self.tok), 201)
        self.assertEqual(self.assertStatus(d.get("%s/records/%d" % (base, r["id"]),
                                                 token=self.tok), 200)["content"],
                         "host.example.net.")
        recs = self.assertStatus(d.get(base + "/records?type=PTR", token=self.tok), 200)
        self.assertEqual([x["id"] for x in recs["data"]], [r["id"]])
        st, _, text = d.get(base + "/export", token=self.tok)
        self.assertEqual(st, 200, text)
        self.assertIn("0/26.2.0.192.in-addr.arpa.", text)
        self.assertStatus(d.delete("%s/records/%d" % (base, r["id"]), token=self.tok), 204)
        # Outside the reverse trees a '/' is still not a name character.
        self.assertError(d.post("/v1/zones", {"name": "0/26.example.com"}, token=self.tok),
                         422, "invalid_field", "name")
        # A raw "/" is a path separator, not part of the name.
        st, _, _ = d.get("/v1/zones/" + CLASSLESS, token=self.tok)
        self.assertEqual(st, 404)

    def test_query_is_decoded(self):
        # %77 is "w", "+" a space: the query is decoded once, safely.
        recs = self.assertStatus(self.d.get("/v1/zones/victim.test/records?name=%77ww",
                                            token=self.tok), 200)
        self.assertEqual([x["id"] for x in recs["data"]], [self.rec["id"]])
        recs = self.assertStatus(self.d.get("/v1/zones/victim.test/records?type=%41",
                                            token=self.tok), 200)
        self.assertEqual([x["id"] for x in recs["data"]], [self.rec["id"]])

    def test_encoded_literal_segment_is_not_a_route(self):
        # Routes match raw segments: "%72ecords" is not "records".
        st, _, data = self.d.get("/v1/zones/victim.test/%72ecords", token=self.tok)
        self.assertEqual(st, 404, data)


if __name__ == "__main__":
    unittest.main()
