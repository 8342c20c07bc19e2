"""libmicrohttpd's own error pages never reach a client (issue 17 point 4):
a malformed request line, a bad header field, an oversized head or body,
an unsupported HTTP version, a malformed chunked body get the project's
JSON error body, with each header once. Raw sockets, since http.client
would not send such requests."""

import json
import os
import re
import socket
import time
import unittest

from harness import (Daemon, DaemonTestCase, SharedDaemonCase, check_clean_exit, create_zone,
                     record_set, records)

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


class HttpCase(SharedDaemonCase):
    """A daemon with a small body limit and timeout, and raw exchanges."""

    daemon_args = ("--api-max-body", str(MAX_BODY),
                   "--api-connection-timeout", "2",
                   "--api-per-ip-limit", "8")

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



class TestHttpErrors(HttpCase):

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

    def test_many_fields_cookies_and_arguments(self):
        # libmicrohttpd keeps a record of each header field, cookie and
        # query argument in its connection memory and answers with its own
        # HTML page (or not at all) when they do not fit, though the head is
        # well under 16 KiB: the front refuses too many of them itself.
        req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        cases = [
            (req + b"a:\r\n" * 1000 + b"\r\n", 431, "request_header_fields_too_large"),
            (req + b"Cookie: " + b"; ".join([b"a=b"] * 1000) + b"\r\n\r\n", 431,
             "request_header_fields_too_large"),
            (b"GET /healthz?" + b"&".join([b"a"] * 1000) + b" HTTP/1.1\r\nHost: x\r\n\r\n",
             400, "bad_request"),
        ]
        for data, status, code in cases:
            self.assertLess(len(data), 16384)
            self.assertJsonError(self.exchange(data), status, code, repr(data[:60]))
        # At the limits (256 fields and cookies, 128 arguments), in a head
        # close to 16 KiB, libmicrohttpd still has room: the answers are
        # the API's (the arguments are more than the API takes: its 400).
        fields = b"".join(b"X-%03d: %s\r\n" % (i, b"v" * 50) for i in range(254))
        head = req + fields + b"Cookie: a=b\r\n\r\n"
        self.assertGreater(len(head), 15000)
        st, _, body = parse_response(self.exchange(head))
        self.assertEqual(st, 200, body)
        head = (b"GET /healthz?" + b"&".join([b"a"] * 128) + b" HTTP/1.1\r\nHost: x\r\n" +
                fields + b"X-Last: 1\r\n\r\n")
        self.assertLess(len(head), 16384)
        err = self.assertJsonError(self.exchange(head), 400, "bad_request", "128 arguments")
        self.assertIn("query", err["message"])

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


class FewFilesDaemon(Daemon):
    """A daemon whose open-files limit is FILES (prlimit execs it, so the
    pid is the daemon's)."""

    FILES = 48

    def argv(self):
        return ["prlimit", "--nofile=%d:%d" % (self.FILES, self.FILES), "--"] + super().argv()


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class TestOutOfFiles(DaemonTestCase):

    def test_accept_without_files_does_not_spin(self):
        # Out of file descriptors, accept() fails while a connection waits
        # in the backlog: the front stops listening a moment instead of
        # spinning on the readable listening socket, and takes the waiting
        # connection once descriptors are free again.
        d = FewFilesDaemon(args=["--api-connection-timeout", "2",
                                 "--api-connection-limit", "1000",
                                 "--api-per-ip-limit", "1000"])
        self.addCleanup(d.cleanup)
        d.start()
        socks = []
        try:
            for _ in range(FewFilesDaemon.FILES):
                s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\n")
                socks.append(s)
            last = socket.create_connection(("127.0.0.1", d.port), timeout=10)
            socks.append(last)
            last.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.3)
            t0, c0 = time.monotonic(), cpu_seconds(d.proc.pid)
            time.sleep(1.0)
            used = (cpu_seconds(d.proc.pid) - c0) / (time.monotonic() - t0)
            self.assertLess(used, 0.3, "the daemon spins while out of files")
            d.wait_log(r"cannot accept a connection: Too many open files")
            # The half-sent heads time out (2 s); the waiting request is
            # served then.
            st, _, body = parse_response(recv_all(last))
            self.assertEqual(st, 200, body)
        finally:
            for s in socks:
                s.close()
        st, _, data = d.get("/healthz")
        self.assertEqual(st, 200, data)
        check_clean_exit(d)


def recv_all(s):
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


class TestChunkedBodies(HttpCase):
    """Chunked bodies: the front relays them to libmicrohttpd and checks the
    chunk framing on the way, so a malformed one gets the JSON 400 and
    changes nothing, while good ones are imported as before."""

    ZONE = "chunk.test"

    @classmethod
    def setup_data(cls):
        create_zone(cls.d, cls.ZONE)

    def import_head(self, extra=b""):
        return (("POST /v1/zones/%s/import HTTP/1.1\r\nHost: x\r\n"
                 "Authorization: Bearer %s\r\nContent-Type: text/dns\r\n"
                 "Transfer-Encoding: chunked\r\n" % (self.ZONE, self.d.admin_token))
                .encode() + extra + b"\r\n")

    def zone_records(self):
        return record_set(records(self.d, self.ZONE))

    def names(self):
        return {r[0] for r in self.zone_records()}

    def test_malformed_chunked_bodies(self):
        rec = b"bad IN A 192.0.2.99\n"
        good = b"%x\r\n%s\r\n" % (len(rec), rec)
        cases = [
            ("bad chunk-size line", good + b"zz\r\n"),
            ("size with 0x", good + b"0x5\r\nhello\r\n0\r\n\r\n"),
            ("space before the extension", b"%x ;e\r\n%s\r\n0\r\n\r\n" % (len(rec), rec)),
            ("empty size line", good + b"\r\n0\r\n\r\n"),
            ("lone CR in size line", b"%x\rX\n%s\r\n0\r\n\r\n" % (len(rec), rec)),
            ("missing CRLF after data", b"%x\r\n%sXY0\r\n\r\n" % (len(rec), rec)),
            ("data longer than its size", b"%x\r\n%s\r\n0\r\n\r\n" % (len(rec) - 2, rec)),
            ("chunk size overflow", good + b"ffffffffffffffffffff\r\n"),
            ("chunk size 2^63", good + b"8000000000000000\r\n"),
            ("over-long chunk extension", good + b"5;x=" + b"a" * 2000 +
             b"\r\nhello\r\n0\r\n\r\n"),
            ("control character in an extension", good + b"5;a\x01\r\nhello\r\n0\r\n\r\n"),
            ("trailer without a colon", good + b"0\r\nBadTrailer\r\n\r\n"),
            ("folded trailer", good + b"0\r\nX-A: v\r\n folded\r\n\r\n"),
            ("space before a trailer colon", good + b"0\r\nX-A : v\r\n\r\n"),
            ("control character in a trailer", good + b"0\r\nX-A: \x7f\r\n\r\n"),
            ("over-long trailer section", good + b"0\r\nX-A: " + b"b" * 5000 + b"\r\n\r\n"),
            ("lone CR at the end", good + b"0\r\n\rX"),
        ]
        before = self.zone_records()
        for what, body in cases:
            err = self.assertJsonError(self.exchange(self.import_head() + body), 400,
                                       "bad_request", what)
            self.assertIn("chunk", err["message"], what)
            self.assertEqual(self.zone_records(), before, what)
        self.assertTrue(self.d.running())

    def test_many_trailer_fields(self):
        # Trailer fields take libmicrohttpd's connection memory too: over
        # 128 of them (in under 4 KiB) are the JSON 400, not its HTML 431.
        rec = b"many IN A 192.0.2.98\n"
        body = b"%x\r\n%s\r\n0\r\n" % (len(rec), rec) + b"t:\r\n" * 1000 + b"\r\n"
        before = self.zone_records()
        err = self.assertJsonError(self.exchange(self.import_head() + body), 400,
                                   "bad_request", "1000 trailers")
        self.assertIn("trailer", err["message"])
        self.assertEqual(self.zone_records(), before)
        # 128 trailers filling the 4 KiB section, after a head of 256
        # fields close to 16 KiB: served.
        fields = b"".join(b"X-%03d: %s\r\n" % (i, b"v" * 50) for i in range(254))
        trailers = b"".join(b"T-%03d: %s\r\n" % (i, b"w" * 22) for i in range(128))
        self.assertLessEqual(len(trailers) + 2, 4096)
        data = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" +
                fields + b"\r\n0\r\n" + trailers + b"\r\n")
        st, _, res = parse_response(self.exchange(data))
        self.assertEqual(st, 200, res)

    def test_malformed_after_100_continue(self):
        # The client waits for the interim answer, then sends a bad body:
        # the JSON 400 follows the 100 Continue.
        before = self.zone_records()
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=5)
        try:
            s.sendall(self.import_head(b"Expect: 100-continue\r\n"))
            got = b""
            while b"\r\n\r\n" not in got:
                b = s.recv(4096)
                self.assertTrue(b, "no 100 Continue")
                got += b
            self.assertTrue(got.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), got)
            s.sendall(b"14\r\nbad IN A 192.0.2.99\n\r\nnot-hex\r\n")
            got += recv_all(s)
        finally:
            s.close()
        rest = got[len(b"HTTP/1.1 100 Continue\r\n\r\n"):]
        self.assertJsonError(rest, 400, "bad_request", "after 100 Continue")
        self.assertEqual(self.zone_records(), before)

    def test_good_chunked_import(self):
        since = len(self.d.stderr_lines)
        lines = [b"c%d IN A 192.0.2.%d\n" % (i, i + 1) for i in range(5)]
        text = b"".join(lines)
        # One chunk, with an extension and a trailer.
        body = b"%x;ext=1\r\n%s\r\n0\r\nX-Sum: none\r\n\r\n" % (len(text), text)
        st, headers, data = parse_response(self.exchange(self.import_head() + body))
        self.assertEqual(st, 200, data)
        self.assertIn(("connection", "close"), headers)
        self.assertTrue({"c%d" % i for i in range(5)} <= self.names())
        # One-byte chunks, sent in small pieces with pauses (under the
        # connection timeout between any two).
        text = b"slow IN TXT \"tiny chunks\"\n"
        body = b"".join(b"1\r\n%s\r\n" % text[i:i + 1] for i in range(len(text)))
        body += b"0\r\n\r\n"
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=10)
        try:
            s.sendall(self.import_head())
            for i in range(0, len(body), 7):
                s.sendall(body[i:i + 7])
                time.sleep(0.02)
            time.sleep(1.0)  # a pause below api-connection-timeout (2 s)
            data = recv_all(s)
        finally:
            s.close()
        st, _, res = parse_response(data)
        self.assertEqual(st, 200, res)
        self.assertIn("slow", self.names())
        # http.client's own chunked upload (as curl -T - sends).
        st, _, res = self.d.request("POST", "/v1/zones/%s/import" % self.ZONE,
                                    raw="viaclient IN A 192.0.2.77\n", content_type="text/dns",
                                    chunked=True)
        self.assertEqual(st, 200, res)
        self.assertIn("viaclient", self.names())
        # libmicrohttpd's socket options do not apply to the relay's
        # socketpair: that is no warning on every chunked request.
        warned = [l for l in self.d.stderr_lines[since:]
                  if " warn " in l and "libmicrohttpd" in l]
        self.assertEqual(warned, [])

    def test_oversized_chunked_body(self):
        before = self.zone_records()
        text = b"".join(b"big%d IN A 192.0.2.%d\n" % (i, i % 250 + 1) for i in range(400))
        self.assertGreater(len(text), MAX_BODY)
        body = b"".join(b"%x\r\n%s\r\n" % (len(text[i:i + 1000]), text[i:i + 1000])
                        for i in range(0, len(text), 1000)) + b"0\r\n\r\n"
        self.assertJsonError(self.exchange(self.import_head() + body), 413,
                             "payload_too_large", "oversized chunked body")
        self.assertEqual(self.zone_records(), before)

    def test_slow_chunked_clients_are_dropped(self):
        # Chunked uploads that stall (more of them than the per-address
        # limit) are closed after api-connection-timeout; other clients
        # are served meanwhile.
        socks = []
        try:
            for _ in range(4):
                s = socket.create_connection(("127.0.0.1", self.d.port), timeout=5)
                s.sendall(self.import_head() + b"40\r\nloris IN A")
                socks.append(s)
            time.sleep(0.3)
            t0 = time.monotonic()
            st, _, data = self.d.get("/healthz")
            self.assertEqual(st, 200, data)
            body = b"5\r\nfast \r\n10\r\nIN A 192.0.2.55\n\r\n0\r\n\r\n"
            st, _, res = parse_response(self.exchange(self.import_head() + body))
            self.assertEqual(st, 200, res)
            self.assertLess(time.monotonic() - t0, 1.5)
            self.assertIn("fast", self.names())
            time.sleep(3.0)  # past api-connection-timeout (2 s)
            for s in socks:
                s.settimeout(2)
                try:
                    got = s.recv(100)
                except ConnectionResetError:
                    got = b""
                except socket.timeout:
                    got = None
                self.assertEqual(got, b"", "a stalled chunked upload was kept open")
        finally:
            for s in socks:
                s.close()
        self.assertNotIn("loris", self.names())

    def test_client_that_never_reads(self):
        # A big answer (a zone export, requested with a chunked empty body)
        # to a client that does not read: the front does not wait for it
        # (others are served meanwhile), and the connection ends.
        zone = "bigexport.test"
        create_zone(self.d, zone)
        for k in range(12):
            text = "".join("h%d-%d IN TXT \"%s\"\n" % (k, i, "p" * 60) for i in range(40))
            st, _, res = self.d.request("POST", "/v1/zones/%s/import" % zone, raw=text,
                                        content_type="text/dns")
            self.assertEqual(st, 200, res)
        st, _, full = self.d.get("/v1/zones/%s/export" % zone)
        self.assertEqual(st, 200, full)
        self.assertGreater(len(full), 40000)
        head = ("GET /v1/zones/%s/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" % (zone, self.d.admin_token))
        answer = self.exchange(head.encode())
        st, _, data = parse_response(answer)
        self.assertEqual(st, 200)
        self.assertEqual(data.decode(), full)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            s.settimeout(5)
            s.connect(("127.0.0.1", self.d.port))
            s.sendall(head.encode())
            time.sleep(0.5)
            t0 = time.monotonic()
            st, _, data = self.d.get("/healthz")
            self.assertEqual(st, 200, data)
            self.assertLess(time.monotonic() - t0, 1.0)
            time.sleep(3.0)  # past api-connection-timeout (2 s) without reading
            got = recv_all(s)
        finally:
            s.close()
        self.assertTrue(got.startswith(b"HTTP/1.1 200"), got[:100])
        self.assertLessEqual(len(got), len(answer))
        st, _, data = self.d.get("/healthz")
        self.assertEqual(st, 200, data)

if __name__ == "__main__":
    unittest.main()
