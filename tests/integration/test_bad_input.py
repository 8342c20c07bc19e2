"""Rejected requests: every error has the right status and JSON body, and
leaves the store exactly as it was."""

import json
import unittest

from harness import SharedDaemonCase, add_record, create_zone, snapshot

MAX_BODY = 2048


class BadInputCase(SharedDaemonCase):

    # One daemon for the class: every test checks that it changes nothing.
    daemon_args = ("--api-max-body", str(MAX_BODY))

    @classmethod
    def setup_data(cls):
        create_zone(cls.d, "example.com", serial_policy="increment")
        create_zone(cls.d, "other.test", serial_policy="increment")
        cls.rec = add_record(cls.d, "example.com", "www", "A", "192.0.2.1")
        add_record(cls.d, "example.com", "", "MX", "10 mail")
        cls.other_rec = add_record(cls.d, "other.test", "www", "A", "192.0.2.9")

    def setUp(self):
        self.before = snapshot(self.d)

    def tearDown(self):
        if self.d.running():
            self.assertEqual(snapshot(self.d), self.before, "a rejected request changed the store")

    def rejected(self, resp, status, code, field=None, msg=None):
        """Asserts the error and that the store did not change."""
        kw = {} if field is None else {"field": field}
        err = self.assertError(resp, status, code, msg=msg, **kw)
        self.assertEqual(snapshot(self.d), self.before,
                         "the store changed after a %s (%s)" % (status, msg))
        return err


class TestMalformed(BadInputCase):

    def test_malformed_json(self):
        d = self.d
        for raw in (b'{"name": ', b"{bad json}", b'{"name": "x",}', b"\xff\xfe{}", b""):
            self.rejected(d.request("POST", "/v1/zones", raw=raw, content_type="application/json"),
                          400, "invalid_json", msg=repr(raw))
            self.rejected(d.request("POST", "/v1/zones/example.com/records", raw=raw,
                                    content_type="application/json"),
                          400, "invalid_json", msg=repr(raw))

    def test_not_an_object(self):
        d = self.d
        for raw in ("[1, 2]", '"example.net"', "42", "null", "true", '[{"name": "x.test"}]'):
            self.rejected(d.request("POST", "/v1/zones", raw=raw, content_type="application/json"),
                          400, "invalid_json", msg=raw)
            self.rejected(d.request("PATCH", "/v1/zones/example.com/records/%d" % self.rec["id"],
                                    raw=raw, content_type="application/json"),
                          400, "invalid_json", msg=raw)
            self.rejected(d.request("POST", "/v1/zones/example.com/records/batch", raw=raw,
                                    content_type="application/json"),
                          400, "invalid_json", msg=raw)

    def test_missing_token(self):
        d = self.d
        self.rejected(d.post("/v1/zones", {"name": "new.test"}, token=None), 401, "unauthorized")
        self.rejected(d.delete("/v1/zones/example.com", token=None), 401, "unauthorized")
        self.rejected(d.post("/v1/zones/example.com/records",
                             {"name": "x", "type": "A", "content": "192.0.2.3"},
                             token="definitely-not-a-token-1234"), 401, "unauthorized")


class TestNotFound(BadInputCase):

    def test_unknown_zone(self):
        d = self.d
        self.rejected(d.get("/v1/zones/nope.example"), 404, "not_found")
        self.rejected(d.delete("/v1/zones/nope.example"), 404, "not_found")
        self.rejected(d.patch("/v1/zones/nope.example", {"serial_policy": "increment"}),
                      404, "not_found")
        self.rejected(d.get("/v1/zones/nope.example/records"), 404, "not_found")
        self.rejected(d.post("/v1/zones/nope.example/records",
                             {"name": "x", "type": "A", "content": "192.0.2.3"}),
                      404, "not_found")
        self.rejected(d.get("/v1/zones/nope.example/export"), 404, "not_found")
        self.rejected(d.request("POST", "/v1/zones/nope.example/import", raw="x IN A 192.0.2.1\n",
                                content_type="text/dns"), 404, "not_found")
        # A subdomain of a zone is not a zone.
        self.rejected(d.get("/v1/zones/www.example.com"), 404, "not_found")

    def test_unknown_record(self):
        d = self.d
        for path in ("/v1/zones/example.com/records/999999",
                     "/v1/zones/example.com/records/%d" % self.other_rec["id"]):
            self.rejected(d.get(path), 404, "not_found", msg=path)
            self.rejected(d.patch(path, {"ttl": 5}), 404, "not_found", msg=path)
            self.rejected(d.delete(path), 404, "not_found", msg=path)
        self.rejected(d.get("/v1/zones/example.com/records/abc"), 404, "not_found")
        self.rejected(d.get("/v1/zones/example.com/records/-1"), 404, "not_found")

    def test_unknown_route(self):
        d = self.d
        for method, path in (("GET", "/v1/nothing"), ("GET", "/nothing"), ("GET", "/"),
                             ("GET", "/v1"), ("GET", "/v2/zones"),
                             ("GET", "/v1/zones/example.com/records/1/extra"),
                             ("POST", "/v1/zones/example.com/frobnicate")):
            body = {} if method == "POST" else None
            self.rejected(d.request(method, path, body=body), 404, "not_found",
                          msg="%s %s" % (method, path))


class TestMethodNotAllowed(BadInputCase):

    def test_wrong_method(self):
        d = self.d
        cases = [
            ("PUT", "/v1/zones", "GET"),
            ("DELETE", "/v1/zones", "GET"),
            ("POST", "/v1/zones/example.com", "GET"),
            ("PUT", "/v1/zones/example.com", "GET"),
            ("PUT", "/v1/zones/example.com/records", "GET"),
            ("DELETE", "/v1/zones/example.com/records", "GET"),
            ("POST", "/v1/zones/example.com/records/%d" % self.rec["id"], "GET"),
            ("GET", "/v1/zones/example.com/import", "POST"),
            ("POST", "/v1/zones/example.com/export", "GET"),
            ("POST", "/healthz", "GET"),
            ("DELETE", "/v1/accounts", "GET"),
        ]
        for method, path, allowed in cases:
            body = {"name": "x.test"} if method in ("POST", "PUT") else None
            resp = d.request(method, path, body=body)
            self.rejected(resp, 405, "method_not_allowed", msg="%s %s" % (method, path))
            allow = resp[1].get("allow")
            self.assertIsNotNone(allow, "405 without Allow header for %s %s" % (method, path))
            methods = {m.strip().upper() for m in allow.split(",")}
            self.assertIn(allowed, methods, "%s %s: Allow %r" % (method, path, allow))
            self.assertNotIn(method, methods, "%s %s: Allow %r" % (method, path, allow))


class TestConflict(BadInputCase):

    def test_duplicate_zone(self):
        d = self.d
        for name in ("example.com", "EXAMPLE.com.", "Example.Com"):
            self.rejected(d.post("/v1/zones", {"name": name}), 409, "conflict", msg=name)


class TestTooLarge(BadInputCase):

    def big_record_body(self, size):
        """A valid JSON record (TXT of 200-character strings) of exactly size bytes."""
        strings = []
        while True:
            body = {"name": "big", "type": "TXT", "content": " ".join(strings)}
            left = size - len(json.dumps(body).encode())
            if left <= 0:
                break
            # one more string: a separating space, two quotes (escaped: 4 bytes) and text
            n = min(200, left - 5 - (1 if strings else 0) + 1)
            if n < 1:
                break
            strings.append('"' + "a" * n + '"')
        body = {"name": "big", "type": "TXT", "content": " ".join(strings)}
        raw = json.dumps(body).encode()
        # pad the exact size with spaces after the JSON object (still valid JSON)
        self.assertLessEqual(len(raw), size)
        raw += b" " * (size - len(raw))
        self.assertEqual(len(raw), size)
        return raw

    def test_body_over_limit(self):
        d = self.d
        raw = self.big_record_body(4096)
        self.rejected(d.request("POST", "/v1/zones/example.com/records", raw=raw,
                                content_type="application/json"),
                      413, "payload_too_large")
        self.rejected(d.request("POST", "/v1/zones", raw=json.dumps({
            "name": "big.test", "pad": "x" * 4000}), content_type="application/json"),
            413, "payload_too_large")
        text = "".join("h%d IN A 192.0.2.%d\n" % (i, i % 250 + 1) for i in range(250))
        self.assertGreater(len(text), MAX_BODY)
        self.rejected(d.request("POST", "/v1/zones/example.com/import", raw=text,
                                content_type="text/dns"), 413, "payload_too_large")

    def test_body_over_limit_chunked(self):
        d = self.d
        raw = self.big_record_body(4096)
        self.rejected(d.request("POST", "/v1/zones/example.com/records", raw=raw,
                                content_type="application/json", chunked=True),
                      413, "payload_too_large")

    def test_body_at_limit_accepted_then_removed(self):
        # A body just under the limit is accepted (so the 413 above is about size).
        d = self.d
        raw = self.big_record_body(1500)
        st, _, r = d.request("POST", "/v1/zones/example.com/records", raw=raw,
                             content_type="application/json")
        self.assertEqual(st, 201, r)
        st, _, _ = d.delete("/v1/zones/example.com/records/%d" % r["id"])
        self.assertEqual(st, 204)
        # The serial moved twice; refresh the snapshot for tearDown.
        self.before = snapshot(d)


class TestMediaType(BadInputCase):

    def test_wrong_content_type(self):
        d = self.d
        body = json.dumps({"name": "new.test"})
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "text/dns", None):
            self.rejected(d.request("POST", "/v1/zones", raw=body, content_type=ctype),
                          415, "unsupported_media_type", msg=repr(ctype))
        rec = json.dumps({"name": "x", "type": "A", "content": "192.0.2.3"})
        self.rejected(d.request("POST", "/v1/zones/example.com/records", raw=rec,
                                content_type="text/plain"), 415, "unsupported_media_type")
        self.rejected(d.request("PATCH", "/v1/zones/example.com/records/%d" % self.rec["id"],
                                raw=json.dumps({"ttl": 5}), content_type="text/plain"),
                      415, "unsupported_media_type")
        self.rejected(d.request("POST", "/v1/zones/example.com/import",
                                raw="x IN A 192.0.2.3\n", content_type="application/json"),
                      415, "unsupported_media_type")
        self.rejected(d.request("POST", "/v1/zones/example.com/import",
                                raw="x IN A 192.0.2.3\n"), 415, "unsupported_media_type")

    def test_json_with_charset_accepted(self):
        d = self.d
        st, _, z = d.request("POST", "/v1/zones", raw=json.dumps({"name": "charset.test"}),
                             content_type="application/json; charset=utf-8")
        self.assertEqual(st, 201, z)
        st, _, _ = d.delete("/v1/zones/charset.test")
        self.assertEqual(st, 204)


class TestInvalidFields(BadInputCase):

    def test_record_fields(self):
        d = self.d
        path = "/v1/zones/example.com/records"
        ok = {"name": "x", "type": "A", "content": "192.0.2.3"}
        cases = [
            ({"ttl": -1}, "ttl"),
            ({"ttl": "abc"}, "ttl"),
            ({"ttl": 2147483648}, "ttl"),
            ({"ttl": 1.5}, "ttl"),
            ({"type": "BOGUS"}, "type"),
            ({"type": "SOA", "content": "ns1.example.net. h.example.net. 1 2 3 4 5"}, "type"),
            ({"type": 5}, "type"),
            ({"content": "1.2.3"}, "content"),
            ({"content": "192.0.2.256"}, "content"),
            ({"content": ""}, "content"),
            ({"type": "AAAA", "content": "192.0.2.1"}, "content"),
            ({"type": "MX", "content": "mail"}, "content"),
            ({"type": "URL", "content": "ftp://example.org/"}, "content"),
            ({"type": "CNAME", "content": "bad name.example."}, "content"),
            ({"name": "with space"}, "name"),
            ({"name": "a..b"}, "name"),
            ({"name": "x" * 64}, "name"),
            ({"name": 12}, "name"),
            ({"name": "www.example.org."}, "name"),
        ]
        for change, field in cases:
            body = dict(ok, **change)
            self.rejected(d.post(path, body), 422, "invalid_field", field=field, msg=repr(change))
        for missing in ("type", "content"):
            body = {k: v for k, v in ok.items() if k != missing}
            self.rejected(d.post(path, body), 422, "invalid_field", field=missing,
                          msg="missing " + missing)

    def test_record_patch_fields(self):
        d = self.d
        path = "/v1/zones/example.com/records/%d" % self.rec["id"]
        for change, field in (({"ttl": -1}, "ttl"), ({"ttl": "abc"}, "ttl"),
                              ({"type": "BOGUS"}, "type"), ({"type": "SOA"}, "type"),
                              ({"content": "1.2.3"}, "content"), ({"name": "with space"}, "name"),
                              ({"type": "AAAA"}, "content")):
            self.rejected(d.patch(path, change), 422, "invalid_field", field=field,
                          msg=repr(change))

    def test_batch_fields(self):
        d = self.d
        path = "/v1/zones/example.com/records/batch"
        good = {"name": "b", "type": "A", "content": "192.0.2.4"}
        cases = [
            ({"delete": [], "add": [good, dict(good, ttl=-1)]}, "add[1].ttl"),
            ({"delete": [], "add": [dict(good, type="BOGUS")]}, "add[0].type"),
            ({"delete": [], "add": [good, dict(good, name="c"),
                                    dict(good, name="d", content="1.2.3")]}, "add[2].content"),
            ({"delete": [], "add": [dict(good, name="bad name")]}, "add[0].name"),
            ({"delete": ["x"], "add": [good]}, "delete[0]"),
        ]
        for body, field in cases:
            self.rejected(d.post(path, body), 422, "invalid_field", field=field, msg=repr(body))

    def test_zone_fields(self):
        d = self.d
        cases = [
            ({"name": "exa mple.com"}, "name"),
            ({"name": ""}, "name"),
            ({"name": "."}, "name"),
            ({"name": "a..b.test"}, "name"),
            ({"name": ("x" * 64) + ".test"}, "name"),
            ({"name": 5}, "name"),
            ({}, "name"),
            ({"name": "ok.test", "serial_policy": "weird"}, "serial_policy"),
            ({"name": "ok.test", "soa": {"refresh": -1}}, "soa.refresh"),
            ({"name": "ok.test", "soa": {"retry": "soon"}}, "soa.retry"),
            ({"name": "ok.test", "soa": {"mname": "bad name."}}, "soa.mname"),
            ({"name": "ok.test", "ttl": -5}, "ttl"),
            ({"name": "ok.test", "name_servers": "ns1.example.net"}, "name_servers"),
        ]
        for body, field in cases:
            self.rejected(d.post("/v1/zones", body), 422, "invalid_field", field=field,
                          msg=repr(body))
        for body, field in (({"serial_policy": "weird"}, "serial_policy"),
                            ({"soa": {"expire": -1}}, "soa.expire"),
                            ({"soa": {"minimum": "x"}}, "soa.minimum")):
            self.rejected(d.patch("/v1/zones/example.com", body), 422, "invalid_field",
                          field=field, msg=repr(body))

    def test_pagination_params(self):
        d = self.d
        for qs in ("per_page=0", "per_page=101", "per_page=abc", "page=0", "page=-1"):
            field = qs.split("=")[0]
            self.rejected(d.get("/v1/zones?" + qs), 422, "invalid_field", field=field, msg=qs)
            self.rejected(d.get("/v1/zones/example.com/records?" + qs), 422, "invalid_field",
                          field=field, msg=qs)


if __name__ == "__main__":
    unittest.main()
