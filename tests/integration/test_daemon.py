"""The daemon as a process: defaults, configuration, signals, the admin
token, schema versions and how tokens are stored."""

import os
import sqlite3
import tempfile
import shutil
import socket
import time
import unittest

from harness import (ADMIN_TOKEN_RE, LOG_LINE_RE, SOURCE_DIR, Daemon, DaemonExited,
                     DaemonTestCase, add_record, create_account, create_zone,
                     open_db_ro, records, run_binary)


class TestDefaults(DaemonTestCase):

    def test_no_db_flag_creates_var_axfrd_db_in_cwd(self):
        d = self.start_daemon(db=None)
        self.assertNotIn("--db", d.argv())
        db = os.path.join(d.workdir, "var", "axfrd.db")
        self.assertTrue(os.path.isfile(db), "expected %s; workdir has %r" % (
            db, sorted(os.listdir(d.workdir))))
        st, _, data = d.get("/healthz", token=None)
        self.assertEqual(st, 200, data)
        with open_db_ro(db) as c:
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        self.assertTrue({"accounts", "tokens", "zones", "records"} <= tables, tables)
        self.assertEqual(d.stop(), 0, d.log_text())

    def test_help_mentions_defaults(self):
        tmp = tempfile.mkdtemp(prefix="axfrd-it-")
        self.addCleanup(shutil.rmtree, tmp, True)
        res = run_binary(["--help"], cwd=tmp)
        self.assertEqual(res.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (res.stdout, res.stderr))
        out = res.stdout + res.stderr
        for default in ("./var/axfrd.db", "127.0.0.1:8053", "127.0.0.1:5353"):
            self.assertIn(default, out, "--help does not mention the default %s" % default)
        for flag in ("--config", "--db", "--api-listen", "--dns-listen", "--check-config",
                     "--log-level", "--api-max-body", "--default-name-servers"):
            self.assertIn(flag, out, "--help does not mention %s" % flag)
        self.assertFalse(os.path.exists(os.path.join(tmp, "var")), "--help created ./var")

    def test_log_line_format(self):
        d = self.start_daemon()
        line = d.wait_log(r"listening on http://127\.0\.0\.1:\d+").string
        self.assertRegex(line, LOG_LINE_RE)
        for line in d.stderr_lines:
            if line.strip():
                self.assertRegex(line, LOG_LINE_RE)


class TestConfig(DaemonTestCase):

    def test_check_config_accepts_example(self):
        example = os.path.join(SOURCE_DIR, "deploy", "axfrd.conf.example")
        self.assertTrue(os.path.isfile(example), "%s is missing" % example)
        tmp = tempfile.mkdtemp(prefix="axfrd-it-")
        self.addCleanup(shutil.rmtree, tmp, True)
        res = run_binary(["--config", example, "--check-config"], cwd=tmp)
        self.assertEqual(res.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (res.stdout, res.stderr))
        self.assertIn("configuration ok", res.stdout)

    def _check(self, text):
        tmp = tempfile.mkdtemp(prefix="axfrd-it-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "bad.conf")
        with open(path, "w") as f:
            f.write(text)
        return run_binary(["--config", path, "--check-config"], cwd=tmp), tmp

    def _assert_rejected(self, res, key, line):
        self.assertEqual(res.returncode, 2, "stdout:\n%s\nstderr:\n%s" % (res.stdout, res.stderr))
        self.assertNotIn("configuration ok", res.stdout)
        self.assertIn(key, res.stderr)
        self.assertRegex(res.stderr, r"(?i)(line\s*%d\b|:%d\b)" % (line, line),
                         "the error does not name line %d" % line)

    def test_check_config_rejects_unknown_key(self):
        res, tmp = self._check("# axfrd test config\n\nlog-level = info\n"
                               "frobnicate-level = 3\n")
        self._assert_rejected(res, "frobnicate-level", 4)
        self.assertFalse(os.path.exists(os.path.join(tmp, "var")))

    def test_check_config_rejects_bad_value(self):
        res, _ = self._check("log-level = info\ndb-synchronous = sometimes\n")
        self._assert_rejected(res, "db-synchronous", 2)

    def test_check_config_rejects_bad_keyword_values(self):
        for key, value in (("log-level", "loud"), ("serial-policy", "weird")):
            with self.subTest(key=key):
                res, _ = self._check("# comment\n\n%s = %s\n" % (key, value))
                self._assert_rejected(res, key, 3)

    def test_check_config_rejects_bad_names(self):
        for key, value in (("default-name-servers", "ns1.example.net,bad name!.example.net"),
                           ("soa-mname", "bad name!.example.net"),
                           ("soa-rname", "host master@example.net")):
            with self.subTest(key=key):
                res, _ = self._check("# comment\n%s = %s\n" % (key, value))
                self._assert_rejected(res, key, 2)

    def test_check_config_rejects_bad_flag(self):
        tmp = tempfile.mkdtemp(prefix="axfrd-it-")
        self.addCleanup(shutil.rmtree, tmp, True)
        res = run_binary(["--check-config", "--serial-policy", "weird"], cwd=tmp)
        self.assertEqual(res.returncode, 2, "stdout:\n%s\nstderr:\n%s" % (res.stdout, res.stderr))
        self.assertNotIn("configuration ok", res.stdout)
        self.assertIn("serial-policy", res.stderr)
        res = run_binary(["--check-config", "--no-such-flag", "1"], cwd=tmp)
        self.assertEqual(res.returncode, 2, "stdout:\n%s\nstderr:\n%s" % (res.stdout, res.stderr))
        self.assertIn("no-such-flag", res.stderr)
        res = run_binary(["--check-config"], cwd=tmp)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("configuration ok", res.stdout)

    def test_check_config_rejects_bad_number(self):
        res, _ = self._check("# comment\napi-max-body = lots\n")
        self._assert_rejected(res, "api-max-body", 2)

    def test_check_config_rejects_value_out_of_range(self):
        res, _ = self._check("default-ttl = 60\n\n\napi-max-body = 12\n")
        self._assert_rejected(res, "api-max-body", 4)

    def test_check_config_rejects_bad_address(self):
        res, _ = self._check("api-listen = not-an-address\n")
        self._assert_rejected(res, "api-listen", 1)

    def test_check_config_rejects_bad_listen_also(self):
        res, _ = self._check("dns-listen-also = [::1]:0, nowhere\n")
        self._assert_rejected(res, "dns-listen-also", 1)
        self.assertIn("nowhere", res.stderr)
        res, _ = self._check("dns-listen-also = " + ",".join(
            "127.0.0.%d:0" % i for i in range(2, 11)) + "\n")
        self._assert_rejected(res, "dns-listen-also", 1)

    def test_start_fails_when_listen_also_is_taken(self):
        busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        self.addCleanup(busy.close)
        d = Daemon(args=["--dns-listen-also", "127.0.0.1:%d" % busy.getsockname()[1]])
        self.addCleanup(d.cleanup)
        with self.assertRaises(DaemonExited) as cm:
            d.start()
        self.assertNotEqual(cm.exception.returncode, 0)
        self.assertIn("dns-listen-also", cm.exception.stderr)
        self.assertIn("cannot listen on 127.0.0.1:%d" % busy.getsockname()[1],
                      cm.exception.stderr)

    def test_start_with_bad_config_fails(self):
        d = Daemon(config="log-level = loud\n")
        self.addCleanup(d.cleanup)
        with self.assertRaises(DaemonExited) as cm:
            d.start()
        self.assertNotEqual(cm.exception.returncode, 0)
        self.assertIn("log-level", cm.exception.stderr)

    def test_flags_override_config_file(self):
        tmp = tempfile.mkdtemp(prefix="axfrd-it-")
        self.addCleanup(shutil.rmtree, tmp, True)
        other_db = os.path.join(tmp, "from-config.db")
        conf = ("db = %s\n"
                "default-ttl = 1111\n"
                "soa-rname = config-hostmaster.example.org\n"
                "serial-policy = increment\n" % other_db)
        # The flags come before --config on the command line: flags win
        # whatever their position.
        d = self.start_daemon(config=conf, args=["--default-ttl", "2222"])
        self.assertFalse(os.path.exists(other_db), "the config file's db was used over --db")
        self.assertTrue(os.path.isfile(d.db_path))
        z = create_zone(d, "override.test")
        self.assertEqual(z["soa"]["rname"], "config-hostmaster.example.org.")
        self.assertEqual(z["serial_policy"], "increment")
        r = add_record(d, "override.test", "www", "A", "192.0.2.1")
        self.assertEqual(r["ttl"], 2222)


class TestLifecycle(DaemonTestCase):

    def test_healthz_without_token(self):
        d = self.start_daemon()
        st, headers, data = d.get("/healthz", token=None)
        self.assertEqual(st, 200, data)
        self.assertIn("application/json", headers.get("content-type", ""))
        self.assertEqual(data.get("status"), "ok", data)
        self.assertIsInstance(data.get("schema_version"), int)
        with d.db_ro() as c:
            (uv,) = c.execute("PRAGMA user_version").fetchone()
        self.assertEqual(data["schema_version"], uv)
        self.assertGreaterEqual(uv, 1)
        # A bad token does not matter for /healthz.
        st, _, data = d.get("/healthz", token="wrong-token-wrong-token")
        self.assertEqual(st, 200, data)

    def test_sigterm_clean_shutdown(self):
        d = self.start_daemon()
        st, _, _ = d.get("/healthz", token=None)
        self.assertEqual(st, 200)
        n = len(d.stderr_lines)
        rc = d.stop()
        self.assertEqual(rc, 0, d.log_text())
        tail = "\n".join(d.stderr_lines[n:])
        self.assertRegex(tail, r"(?i)shut(ting)?\s*down|stopp(ing|ed)|exiting",
                         "no shutdown message after SIGTERM")
        with open_db_ro(d.db_path) as c:
            self.assertEqual(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")

    def test_sigterm_with_open_connections(self):
        # An idle keep-alive connection and a half-sent request do not hold
        # up a clean shutdown.
        d = self.start_daemon()
        idle = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        self.addCleanup(idle.close)
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.assertIn(b" 200 ", idle.recv(4096).split(b"\r\n")[0] + b" ")
        half = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        self.addCleanup(half.close)
        half.sendall(b"POST /v1/zones HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len")
        time.sleep(0.2)
        t0 = time.monotonic()
        rc = d.stop(timeout=10)
        self.assertEqual(rc, 0, d.log_text())
        self.assertLess(time.monotonic() - t0, 10)

    def test_stalled_client_does_not_block_others(self):
        d = self.start_daemon()
        stalled = []
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
            self.addCleanup(s.close)
            s.sendall(b"POST /v1/zones HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
                      b"Content-Type: application/json\r\n\r\n{\"na")
            stalled.append(s)
        t0 = time.monotonic()
        for i in range(5):
            create_zone(d, "busy%d.test" % i)
        self.assertLess(time.monotonic() - t0, 5.0, "requests waited for stalled clients")

    def test_restart_keeps_data(self):
        d = self.start_daemon()
        create_zone(d, "keep.test")
        add_record(d, "keep.test", "www", "A", "192.0.2.7")
        self.assertEqual(d.stop(), 0)
        d.start()
        recs = records(d, "keep.test")
        self.assertIn(("www", "A", "192.0.2.7"), {(r["name"], r["type"], r["content"])
                                                  for r in recs})


class TestAdminToken(DaemonTestCase):

    def test_env_token_becomes_admin_token(self):
        d = self.start_daemon()
        st, _, data = d.get("/v1/accounts")
        self.assertEqual(st, 200, data)
        admins = [a for a in data["data"] if a["name"] == "admin"]
        self.assertEqual(len(admins), 1, data)
        self.assertIs(admins[0]["admin"], True)
        st, _, data = d.get("/v1/accounts", token=d.admin_token + "x")
        self.assertEqual(st, 401, data)
        self.assertEqual(d.stop(), 0)
        self.assertFalse(any(ADMIN_TOKEN_RE.search(l) for l in d.all_stdout),
                         "a token was printed although AXFRD_ADMIN_TOKEN was set: %r"
                         % d.all_stdout)

    def test_generated_token_printed_once(self):
        d = self.start_daemon(admin_token=None)
        m = d.wait_stdout(ADMIN_TOKEN_RE, timeout=10)
        token = m.group(1)
        self.assertGreaterEqual(len(token), 16)
        st, _, data = d.get("/v1/accounts", token=token)
        self.assertEqual(st, 200, data)
        self.assertIn("admin", [a["name"] for a in data["data"]])
        self.assertEqual(d.stop(), 0)
        printed = [l for l in d.all_stdout if ADMIN_TOKEN_RE.search(l)]
        self.assertEqual(len(printed), 1, d.all_stdout)
        # The token goes to stdout only, never into the log.
        self.assertNotIn(token, "\n".join(d.all_stderr))

        d.start()
        st, _, data = d.get("/v1/accounts", token=token)
        self.assertEqual(st, 200, data)
        self.assertEqual(d.stop(), 0)
        printed = [l for l in d.all_stdout if ADMIN_TOKEN_RE.search(l)]
        self.assertEqual(len(printed), 1, "a token was printed again on restart: %r"
                         % d.all_stdout)

    def test_env_token_only_used_on_creation(self):
        d = self.start_daemon()
        first = d.admin_token
        self.assertEqual(d.stop(), 0)
        d.admin_token = "it-another-token-0123456789abcdef"
        d.start()
        st, _, data = d.get("/v1/accounts", token=first)
        self.assertEqual(st, 200, data)


class TestSchemaVersion(DaemonTestCase):

    def test_newer_schema_refused_and_untouched(self):
        d = self.start_daemon()
        self.assertEqual(d.stop(), 0)
        with sqlite3.connect(d.db_path) as c:
            (uv,) = c.execute("PRAGMA user_version").fetchone()
            future = uv + 1000
            c.execute("PRAGMA user_version = %d" % future)
        c.close()
        for suffix in ("-wal", "-shm"):
            p = d.db_path + suffix
            if os.path.exists(p) and os.path.getsize(p) == 0:
                os.unlink(p)
        self.assertFalse(os.path.exists(d.db_path + "-wal") and
                         os.path.getsize(d.db_path + "-wal") > 0)
        with open(d.db_path, "rb") as f:
            before = f.read()
        with self.assertRaises(DaemonExited) as cm:
            d.start()
        self.assertNotEqual(cm.exception.returncode, 0)
        self.assertIn(str(future), cm.exception.stderr,
                      "the error does not mention the database's version")
        with open(d.db_path, "rb") as f:
            after = f.read()
        self.assertTrue(before == after, "the database file was modified")
        wal = d.db_path + "-wal"
        if os.path.exists(wal):
            self.assertEqual(os.path.getsize(wal), 0, "the daemon wrote to the WAL")
        with open_db_ro(d.db_path) as c:
            self.assertEqual(c.execute("PRAGMA user_version").fetchone()[0], future)


class TestTokenStorage(DaemonTestCase):

    def _db_bytes(self, d):
        data = b""
        for p in d.db_files():
            with open(p, "rb") as f:
                data += f.read()
        return data

    def test_tokens_stored_hashed(self):
        d = self.start_daemon()
        acct, token = create_account(d, "hashcheck")
        st, _, tok2 = d.post("/v1/accounts/%d/tokens" % acct["id"], token=token)
        self.assertEqual(st, 201, tok2)
        tokens = [d.admin_token, token, tok2["token"]]
        for t in tokens:
            st, _, data = d.get("/v1/zones", token=t)
            self.assertEqual(st, 200, data)

        def check(where):
            blob = self._db_bytes(d)
            self.assertTrue(blob, "no database bytes read")
            for t in tokens:
                self.assertNotIn(t.encode(), blob, "plaintext token in the database (%s)" % where)
            with d.db_ro() as c:
                rows = c.execute("SELECT * FROM tokens").fetchall()
            self.assertGreaterEqual(len(rows), 3)
            for row in rows:
                for col in row:
                    for t in tokens:
                        self.assertNotEqual(col, t)
                        if isinstance(col, str):
                            self.assertNotIn(t, col)

        check("while running")
        self.assertEqual(d.stop(), 0)
        check("after shutdown")
        log = "\n".join(d.all_stderr)
        for t in tokens:
            self.assertNotIn(t, log, "a token appears in the log")


if __name__ == "__main__":
    unittest.main()
