"""libmicrohttpd's own error pages never reach a client (issue 17 point 4):
a malformed request line, a bad header field, an oversized head or body,
an unsupported HTTP version get the project's JSON error body, with each
header once. Raw sockets, since http.client would not send such requests."""

import json
import re
import socket
import time
import unittest

from harness import Daemon, DaemonTestCase, check_clean_exit

MAX_BODY = 4096


def parse_response(data):
    """(status, [(name, value)], body) of one HTTP/1.1 response."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise AssertionError("no complete response head in %r" % data[:300])
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise AssertionError("malformed response header line %r" % line)
        headers.append((name.strip().lower(), value.strip()))
    return int(parts[1]), headers, body


class TestHttpErrors(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(args=["--api-max-body", str(MAX_BODY),
                             "--api-connection-timeout", "2",
                             "--api-per-ip-limit", "8"])
        try:
            cls.d.start()
        except BaseException:
            cls.d.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            check_clean_exit(cls.d)
        finally:
            cls.d.cleanup()

    def exchange(self, data, timeout=5.0):
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=timeout)
        try:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            out = b""
            while True:
                try:
                    b = s.recv(65536)
                except ConnectionResetError:
                    break
                if not b:
                    break
                out += b
            return out
        finally:
            s.close()

    def assertJsonError(self, data, status, code, what):
        st, headers, body = parse_response(data)
        names = [n for n, _ in headers]
        self.assertEqual(st, status, "%s: %r" % (what, data[:400]))
        dup = sorted({n for n in names if names.count(n) > 1})
        self.assertEqual(dup, [], "%s: headers given twice in %r" % (what, data[:400]))
        hdr = dict(headers)
        self.assertTrue(hdr.get("content-type", "").startswith("application/json"),
                        "%s: not JSON: %r" % (what, data[:400]))
        self.assertEqual(int(hdr["content-length"]), len(body), what)
        err = json.loads(body.decode("utf-8"))["error"]
        self.assertEqual(err["code"], code, what)
        self.assertTrue(err["message"].strip(), what)
        # Nothing after the one response (no second header block).
        self.assertIsNone(re.search(rb"HTTP/1\.[01] \d\d\d", body), what)
        return err

    def test_malformed_heads(self):
        ok_head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        cases = [
            (b"GARBAGE\r\n\r\n", 400, "bad_request"),
            (b"GET\r\n\r\n", 400, "bad_request"),
            (b"GET /healthz\r\n\r\n", 400, "bad_request"),
            (b"GET  /healthz HTTP/1.1\r\n\r\n", 400, "bad_request"),
            (b"G\x00T /healthz HTTP/1.1\r\n\r\n", 400, "bad_request"),
            (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, "bad_request"),  # TLS hello
            (b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
            (b"GET /healthz HTTP/1.1x\r\nHost: x\r\n\r\n", 400, "bad_request"),
            (ok_head + b"NoColonHere\r\n\r\n", 400, "bad_request"),
            (ok_head + b"Bad Name: v\r\n\r\n", 400, "bad_request"),
            (ok_head + b"X-A : v\r\n\r\n", 400, "bad_request"),
            (ok_head + b": v\r\n\r\n", 400, "bad_request"),
            (ok_head + b"X-A: a\x01b\r\n\r\n", 400, "bad_request"),
            (ok_head + b"X-A: a\rb\r\n\r\n", 400, "bad_request"),
            (ok_head + b"X-A: a\r\n folded\r\n\r\n", 400, "bad_request"),
            (ok_head + b"Content-Length: abc\r\n\r\n", 400, "bad_request"),
            (ok_head + b"Content-Length: 1, 1\r\n\r\n", 400, "bad_request"),
            (ok_head + b"Content-Length: -1\r\n\r\n", 400, "bad_request"),
            (ok_head + b"Content-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400, "bad_request"),
            (ok_head + b"Content-Length: 99999999999999999999999999\r\n\r\n", 413,
             "payload_too_large"),
            (ok_head + b"Transfer-Encoding: gzip\r\n\r\n", 400, "bad_request"),
            (ok_head + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400,
             "bad_request"),
            (ok_head + b"X-Big: " + b"a" * 70000 + b"\r\n\r\n", 431,
             "request_header_fields_too_large"),
            (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        ]
        for data, status, code in cases:
            self.assertJsonError(self.exchange(data), status, code, repr(data[:60]))
        self.assertTrue(self.d.running())

    def test_oversized_body(self):
        tok = self.d.admin_token
        head = ("POST /v1/zones HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % (tok, 10 * MAX_BODY)).encode()
        self.assertJsonError(self.exchange(head + b"{" * MAX_BODY), 413, "payload_too_large",
                             "oversized body")
        st, _, zones = self.d.get("/v1/zones")
        self.assertEqual(zones["pagination"]["total_entries"], 0)

    def test_good_requests_still_served(self):
        for data in (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"GET /healthz HTTP/1.0\r\n\r\n",
                     b"\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"GET /healthz HTTP/1.1\nHost: x\n\n",
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A:\r\nX-B: \xc3\xa9\t!\r\n\r\n",
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
                     b"".join(b"X-%d: %s\r\n" % (i, b"a" * 100) for i in range(140)) + b"\r\n"):
            st, headers, body = parse_response(self.exchange(data))
            self.assertEqual(st, 200, repr(data[:60]))
            self.assertEqual(json.loads(body)["status"], "ok")
            # One request per connection: each head is checked before parsing.
            self.assertIn(("connection", "close"), headers)
        # A head sent in pieces is waited for.
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=5)
        try:
            for piece in (b"GET /hea", b"lthz HTTP/1.1\r\nHo", b"st: x\r\n", b"\r\n"):
                s.sendall(piece)
                time.sleep(0.05)
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
        finally:
            s.close()
        self.assertEqual(parse_response(data)[0], 200)

    def test_slow_heads_are_dropped(self):
        # A client that never finishes its head holds no slot for long, and
        # cannot keep the others (over its per-address limit) out.
        socks = []
        try:
            for _ in range(12):
                s = socket.create_connection(("127.0.0.1", self.d.port), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\n")
                socks.append(s)
            time.sleep(3.5)  # past api-connection-timeout (2 s)
            for s in socks:
                try:
                    got = s.recv(100)
                except ConnectionResetError:
                    got = b""
                self.assertEqual(got, b"", "a half-sent head was kept open")
        finally:
            for s in socks:
                s.close()
        st, _, data = self.d.get("/healthz")
        self.assertEqual(st, 200, data)


if __name__ == "__main__":
    unittest.main()
