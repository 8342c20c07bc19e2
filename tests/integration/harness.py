"""harness.py -- start the real axfrd binary on loopback and talk to it.

Standard library only. Every daemon runs in a fresh temporary directory with
its own database, on 127.0.0.1 with ports picked by the kernel (port 0); the
API port is read from the daemon's "listening on http://127.0.0.1:PORT" log
line. Processes are always reaped: use Daemon as a context manager, or
DaemonTestCase.start_daemon(), which registers the cleanup with unittest.

Environment:
  AXFRD_BIN         path of the built daemon (set by CTest)
  AXFRD_SOURCE_DIR  repository root (set by CTest)
  AXFRD_KEEP_TMP=1  keep the temporary directories (for debugging)
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("AXFRD_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))

READY_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0
HTTP_TIMEOUT = 15.0

LISTEN_RE = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")
DNS_LISTEN_RE = re.compile(r"listening on dns://(?:127\.0\.0\.1|\[::1\]):(\d+)")
ADMIN_TOKEN_RE = re.compile(r"^admin token: (\S+)\s*$")
# "2026-11-21T23:40:00.123Z info  [api] message"
LOG_LINE_RE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (error|warn|info|debug)\s+\[[A-Za-z0-9_-]+\] \S")
ISO_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

# The outbound policy of every daemon in the tests: loopback only.
TEST_OUTBOUND_ALLOW = "127.0.0.0/8,::1/128"

_DEFAULT = object()  # "argument not given", where None has a meaning


def daemon_bin():
    """Path of the daemon binary under test."""
    path = os.environ.get("AXFRD_BIN")
    if not path:
        raise RuntimeError("AXFRD_BIN is not set: run the integration tests through CTest "
                           "or set AXFRD_BIN=/path/to/axfrd")
    if not os.access(path, os.X_OK):
        raise RuntimeError("AXFRD_BIN=%s is not an executable file" % path)
    return path


def random_token():
    """A fresh admin token (hex, 40 characters)."""
    return "it-" + secrets.token_hex(20)


class DaemonError(AssertionError):
    """The daemon did not start, or did not stop, as expected."""


class DaemonExited(DaemonError):
    """The daemon exited before it was ready."""

    def __init__(self, msg, returncode, stderr):
        super().__init__(msg)
        self.returncode = returncode
        self.stderr = stderr


class _PipeReader:
    """Reads one pipe of the child line by line in a background thread."""

    def __init__(self, pipe, lines, cond, name):
        self.pipe = pipe
        self.lines = lines
        self.cond = cond
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            for raw in iter(self.pipe.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                with self.cond:
                    self.lines.append(line)
                    self.cond.notify_all()
        except (OSError, ValueError):
            pass
        finally:
            with self.cond:
                self.cond.notify_all()

    def join(self, timeout=5.0):
        self.thread.join(timeout)


class Daemon:
    """One axfrd process (restartable) in its own temporary directory.

    workdir:      directory to run in (default: a new temporary directory,
                  removed by cleanup())
    db:           database path; default WORKDIR/axfrd.db; None = no --db flag
    listen:       pass --api-listen/--dns-listen 127.0.0.1:0 (default True)
    args:         extra command-line arguments (list of str)
    config:       text of a config file, written to WORKDIR/axfrd.conf and
                  passed with --config (after the other flags)
    env:          extra environment variables
    admin_token:  value of AXFRD_ADMIN_TOKEN; default a random token; None to
                  leave the variable unset (the daemon then prints one)
    outbound_allow: --outbound-allow; default loopback only; None: the
                  daemon's own default (global), for the tests of the policy
    """

    def __init__(self, workdir=None, db=_DEFAULT, listen=True, args=(), config=None, env=None,
                 admin_token=_DEFAULT, outbound_allow=_DEFAULT):
        self.outbound_allow = (TEST_OUTBOUND_ALLOW if outbound_allow is _DEFAULT
                               else outbound_allow)
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="axfrd-it-")
        self.db_path = os.path.join(self.workdir, "axfrd.db") if db is _DEFAULT else db
        self.listen = listen
        self.args = list(args)
        self.config_path = None
        if config is not None:
            self.config_path = os.path.join(self.workdir, "axfrd.conf")
            with open(self.config_path, "w") as f:
                f.write(config)
        self.extra_env = dict(env or {})
        self.admin_token = random_token() if admin_token is _DEFAULT else admin_token
        self.proc = None
        self.port = None
        self.dns_port = None
        self.returncode = None
        self._cond = threading.Condition()
        self.stderr_lines = []   # current run
        self.stdout_lines = []   # current run
        self.all_stderr = []     # every run, in order
        self.all_stdout = []
        self._readers = []
        self.runs = 0

    # -- process control -------------------------------------------------

    def argv(self):
        argv = [daemon_bin()]
        if self.db_path is not None:
            argv += ["--db", self.db_path]
        if self.listen:
            argv += ["--api-listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1:0"]
        # NOTIFYs and probes go to loopback alone (issue 18.5); a test that
        # needs another policy passes its own --outbound-allow in args.
        if self.outbound_allow is not None:
            argv += ["--outbound-allow", self.outbound_allow]
        argv += self.args
        if self.config_path is not None:
            argv += ["--config", self.config_path]
        return argv

    def environ(self):
        env = dict(os.environ)
        env.pop("AXFRD_ADMIN_TOKEN", None)
        if self.admin_token is not None:
            env["AXFRD_ADMIN_TOKEN"] = self.admin_token
        env.update(self.extra_env)
        return env

    def start(self, wait_ready=True, timeout=READY_TIMEOUT):
        """Starts the process; waits for the API unless wait_ready is False.
        Raises DaemonExited if the process exits before it is ready."""
        if self.running():
            raise DaemonError("daemon already running")
        self._finish_run()
        self.stderr_lines = []
        self.stdout_lines = []
        self.port = None
        self.returncode = None
        self.runs += 1
        self.proc = subprocess.Popen(
            self.argv(), cwd=self.workdir, env=self.environ(),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._readers = [
            _PipeReader(self.proc.stderr, self.stderr_lines, self._cond, "axfrd-stderr"),
            _PipeReader(self.proc.stdout, self.stdout_lines, self._cond, "axfrd-stdout"),
        ]
        if wait_ready:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=READY_TIMEOUT):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.stderr_lines:
                    m = DNS_LISTEN_RE.search(line)
                    if m:
                        self.dns_port = int(m.group(1))
                    m = LISTEN_RE.search(line)
                    if m:
                        self.port = int(m.group(1))
                        return self.port
                if self.proc.poll() is not None:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, 0.1))
        if self.proc.poll() is not None:
            rc = self.wait_exit(5)
            raise DaemonExited("axfrd exited with status %s before it was ready; stderr:\n%s"
                               % (rc, self.log_text()), rc, self.log_text())
        self.kill()
        raise DaemonError("axfrd did not log 'listening on http://127.0.0.1:PORT' within %.0f s;"
                          " stderr:\n%s" % (timeout, self.log_text()))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=STOP_TIMEOUT):
        """Waits for the process to exit; returns its status (or raises)."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise DaemonError("axfrd did not exit within %.0f s; stderr:\n%s"
                              % (timeout, self.log_text()))
        self._finish_run()
        self.returncode = rc
        return rc

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, wait, return the exit status."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def kill(self):
        """SIGKILL, wait, return the exit status."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover (cannot happen after SIGKILL)
            rc = None
        self._finish_run()
        self.returncode = rc
        return rc

    def restart(self, **kw):
        """Stops (SIGTERM) if running and starts again on the same database."""
        if self.running():
            self.stop()
        return self.start(**kw)

    def _finish_run(self):
        """Collects the output of a finished run."""
        if self.proc is None or self.proc.poll() is None:
            return
        for r in self._readers:
            r.join()
        self._readers = []
        for pipe in (self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except (OSError, AttributeError):
                pass
        with self._cond:
            if getattr(self.proc, "_axfrd_collected", False):
                return
            self.proc._axfrd_collected = True
            self.all_stderr.extend(self.stderr_lines)
            self.all_stdout.extend(self.stdout_lines)

    def cleanup(self):
        """Kills the process if it still runs; removes the temporary directory."""
        try:
            if self.running():
                self.kill()
            else:
                self._finish_run()
        finally:
            if self._own_workdir and not os.environ.get("AXFRD_KEEP_TMP"):
                shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    # -- logs --------------------------------------------------------------

    def log_text(self):
        with self._cond:
            return "\n".join(self.stderr_lines)

    def stdout_text(self):
        with self._cond:
            return "\n".join(self.stdout_lines)

    def wait_log(self, regex, timeout=10.0, since=0):
        """Waits until a stderr line (of the current run, from index since)
        matches regex; returns the match. Fails the test otherwise."""
        return self._wait_line(self.stderr_lines, regex, timeout, since, "stderr")

    def wait_stdout(self, regex, timeout=10.0, since=0):
        return self._wait_line(self.stdout_lines, regex, timeout, since, "stdout")

    def _wait_line(self, lines, regex, timeout, since, what):
        rx = re.compile(regex) if isinstance(regex, str) else regex
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in lines[since:]:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if self.proc is not None and self.proc.poll() is not None and \
                        all(not r.thread.is_alive() for r in self._readers):
                    break
                self._cond.wait(min(left, 0.1))
        raise AssertionError("no %s line matched %r within %.1f s; %s:\n%s"
                             % (what, rx.pattern, timeout, what, "\n".join(lines)))

    # -- HTTP --------------------------------------------------------------

    def connect(self, timeout=HTTP_TIMEOUT):
        if self.port is None:
            raise DaemonError("daemon is not ready (no API port)")
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, token=_DEFAULT, headers=None, raw=None,
                content_type=None, chunked=False):
        """Sends one request on a new connection.

        body: JSON-encoded (Content-Type application/json unless content_type).
        raw:  bytes/str sent as is (Content-Type only if content_type is given).
        token: bearer token; default the admin token; None = no Authorization.
        chunked: send the body with Transfer-Encoding: chunked.
        Returns (status, headers with lower-case names, data) where data is the
        parsed JSON for JSON responses, else the text (or b"" / "")."""
        hdrs = {}
        if token is _DEFAULT:
            token = self.admin_token
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        payload = None
        if raw is not None:
            payload = raw.encode("utf-8") if isinstance(raw, str) else raw
            if content_type is not None:
                hdrs["Content-Type"] = content_type
        elif body is not None:
            payload = json.dumps(body).encode("utf-8")
            hdrs["Content-Type"] = content_type or "application/json"
        elif content_type is not None:
            hdrs["Content-Type"] = content_type
        if headers:
            hdrs.update(headers)
        conn = self.connect()
        try:
            if chunked and payload is not None:
                def chunks(data=payload, size=512):
                    for i in range(0, len(data), size):
                        yield data[i:i + size]
                try:
                    conn.request(method, path, body=chunks(), headers=hdrs, encode_chunked=True)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server may answer (413) before reading everything
            else:
                try:
                    conn.request(method, path, body=payload, headers=hdrs)
                except (BrokenPipeError, ConnectionResetError):
                    pass
            resp = conn.getresponse()
            data = resp.read()
            rheaders = {k.lower(): v for k, v in resp.getheaders()}
            return resp.status, rheaders, _decode(rheaders, data)
        finally:
            conn.close()

    # convenience wrappers (admin token unless token= is given)
    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # -- database ------------------------------------------------------------

    def db_ro(self):
        """A read-only sqlite3 connection on the daemon's database (WAL-safe)."""
        return open_db_ro(self.db_path)

    def db_files(self):
        """Paths of the database file and its -wal/-shm/-journal companions that exist."""
        out = []
        for suffix in ("", "-wal", "-shm", "-journal"):
            p = self.db_path + suffix
            if os.path.exists(p):
                out.append(p)
        return out


SANITIZER_RE = re.compile(r"ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:")


def check_clean_exit(d):
    """Stops d (if it runs) with SIGTERM; fails unless it exits 0 and its
    log (every run) has no sanitizer report."""
    if d.running():
        rc = d.stop()
        if rc != 0:
            raise AssertionError("axfrd exited with status %s on SIGTERM; stderr:\n%s"
                                 % (rc, d.log_text()))
    log = "\n".join(d.all_stderr + (d.stderr_lines if d.running() else []))
    m = SANITIZER_RE.search(log)
    if m:
        raise AssertionError("sanitizer report in the daemon's log:\n%s" % log)


def _decode(headers, data):
    ctype = headers.get("content-type", "")
    if "json" in ctype:
        try:
            return json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return data.decode("utf-8", "replace")
    if not data:
        return ""
    return data.decode("utf-8", "replace")


def open_db_ro(path):
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(path))
    return sqlite3.connect(uri, uri=True, timeout=10)


def run_binary(args, cwd=None, env=None, timeout=20):
    """Runs the daemon binary to completion (--help, --check-config...).
    Returns CompletedProcess with text stdout/stderr."""
    e = dict(os.environ)
    e.pop("AXFRD_ADMIN_TOKEN", None)
    if env:
        e.update(env)
    return subprocess.run([daemon_bin()] + list(args), cwd=cwd, env=e, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                          text=True)


def q(s):
    """URL-quotes one path segment."""
    return urllib.parse.quote(s, safe="")


class DaemonTestCase(unittest.TestCase):
    """Base class: start_daemon() starts a Daemon whose cleanup is registered."""

    maxDiff = None

    def start_daemon(self, start=True, **kw):
        """A Daemon for this test. At the end of the test, a daemon that still
        runs is stopped with SIGTERM and must exit 0 without sanitizer
        reports; then it is killed if need be and its directory removed."""
        d = Daemon(**kw)
        self.addCleanup(d.cleanup)
        self.addCleanup(check_clean_exit, d)
        if start:
            d.start()
        return d

    # -- assertions ------------------------------------------------------------

    def assertStatus(self, resp, status, msg=None):
        st, _, data = resp
        if st != status:
            self.fail("expected HTTP %s, got %s: %r%s" % (status, st, data,
                                                        (" (" + msg + ")") if msg else ""))
        return data

    def assertError(self, resp, status, code, field=_DEFAULT, msg=None):
        """Checks status and the error body {"error": {"code", "message"[, "field"]}}."""
        st, headers, data = resp
        ctx = " (%s)" % msg if msg else ""
        self.assertEqual(st, status, "expected HTTP %s, got %s: %r%s" % (status, st, data, ctx))
        self.assertIn("application/json", headers.get("content-type", ""),
                      "error response is not JSON: %r%s" % (headers, ctx))
        self.assertIsInstance(data, dict, "error body is not a JSON object: %r%s" % (data, ctx))
        self.assertIn("error", data, "no 'error' member: %r%s" % (data, ctx))
        err = data["error"]
        self.assertIsInstance(err, dict, repr(data) + ctx)
        self.assertEqual(err.get("code"), code, "wrong error code in %r%s" % (data, ctx))
        self.assertIsInstance(err.get("message"), str, repr(data) + ctx)
        self.assertTrue(err["message"].strip(), "empty error message: %r%s" % (data, ctx))
        if field is not _DEFAULT:
            self.assertEqual(err.get("field"), field, "wrong error field in %r%s" % (data, ctx))
        return err

    def assertIsoTime(self, value):
        self.assertIsInstance(value, str)
        self.assertRegex(value, ISO_TIME_RE)



class SharedDaemonCase(DaemonTestCase):
    """Base class: one daemon for the whole class (cls.d), started with
    daemon_args; setup_data() (a classmethod) stores what the tests share.
    At the end of the class the daemon must exit 0 without sanitizer
    reports (check_clean_exit), and its directory is removed."""

    daemon_args = ()

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(args=list(cls.daemon_args))
        try:
            cls.d.start()
            cls.setup_data()
        except BaseException:
            cls.d.cleanup()
            raise

    @classmethod
    def setup_data(cls):
        """What the class's tests share, made once the daemon is up."""

    @classmethod
    def tearDownClass(cls):
        try:
            check_clean_exit(cls.d)
        finally:
            cls.d.cleanup()


# -- API helpers ---------------------------------------------------------------

def create_account(d, name=None, testcase=None):
    """Creates an account (admin) and a token for it.
    Returns (account JSON, token string)."""
    name = name or ("acct-" + secrets.token_hex(4))
    st, _, acct = d.post("/v1/accounts", {"name": name})
    if st != 201:
        raise AssertionError("creating account %r: HTTP %s %r" % (name, st, acct))
    st, _, tok = d.post("/v1/accounts/%d/tokens" % acct["id"])
    if st != 201:
        raise AssertionError("creating token for %r: HTTP %s %r" % (name, st, tok))
    return acct, tok["token"]


def create_zone(d, name, token=_DEFAULT, **fields):
    body = {"name": name}
    body.update(fields)
    st, _, z = d.post("/v1/zones", body, token=token)
    if st != 201:
        raise AssertionError("creating zone %r: HTTP %s %r" % (name, st, z))
    return z


def get_zone(d, name, token=_DEFAULT):
    st, _, z = d.get("/v1/zones/" + q(name), token=token)
    if st != 200:
        raise AssertionError("getting zone %r: HTTP %s %r" % (name, st, z))
    return z


def add_record(d, zone, name, rtype, content, ttl=None, token=_DEFAULT):
    body = {"name": name, "type": rtype, "content": content}
    if ttl is not None:
        body["ttl"] = ttl
    st, _, r = d.post("/v1/zones/%s/records" % q(zone), body, token=token)
    if st != 201:
        raise AssertionError("adding %r to %s: HTTP %s %r" % (body, zone, st, r))
    return r


def list_all(d, path, token=_DEFAULT, per_page=100):
    """Every item of a paginated list (follows total_pages)."""
    out = []
    page = 1
    sep = "&" if "?" in path else "?"
    while True:
        st, _, data = d.get("%s%spage=%d&per_page=%d" % (path, sep, page, per_page), token=token)
        if st != 200:
            raise AssertionError("GET %s page %d: HTTP %s %r" % (path, page, st, data))
        out.extend(data["data"])
        if page >= data["pagination"]["total_pages"]:
            return out
        page += 1


def records(d, zone, token=_DEFAULT, **filters):
    path = "/v1/zones/%s/records" % q(zone)
    if filters:
        path += "?" + urllib.parse.urlencode(filters)
    return list_all(d, path, token=token)


def record_set(recs, with_ttl=True):
    """Records as a set of (name, type, ttl, content) tuples (ids ignored)."""
    if with_ttl:
        return {(r["name"], r["type"], r["ttl"], r["content"]) for r in recs}
    return {(r["name"], r["type"], r["content"]) for r in recs}


def snapshot(d, token=_DEFAULT):
    """Everything the caller's account can see: zones (with serial and SOA)
    and their records, as comparable plain data."""
    zones = list_all(d, "/v1/zones", token=token)
    snap = {}
    for z in zones:
        full = get_zone(d, z["name"], token=token)
        recs = records(d, z["name"], token=token)
        snap[z["name"]] = {"zone": full, "records": sorted(
            (r["id"], r["name"], r["type"], r["ttl"], r["content"]) for r in recs)}
    return snap
