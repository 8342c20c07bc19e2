"""peers.py -- the name servers the benchmark (run.py) compares, started on
loopback in the foreground, each in its own directory and process group:
Knot (knotd), NSD (nsd -d), BIND (named -g), PowerDNS (pdns_server, gsqlite3
backend) and axfrd. Also: raw DNS over UDP (SOA polls, DNS UPDATE), a NOTIFY
sink, memory of a process tree, a keep-alive HTTP client.

Standard library only; free_port() and find_tool() come from
tests/integration/secondaries.py. Every process started here is recorded,
and kill_all() ends them (by their process group id): run.py calls it on
exit, on errors and on SIGINT/SIGTERM.
"""

import http.client
import json
import os
import random
import signal
import socket
import struct
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))

import sys  # noqa: E402
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))
from secondaries import free_port, find_tool  # noqa: E402,F401

_LIVE = []          # every Server started and not yet stopped


def kill_all():
    """Ends every server still running (SIGTERM, then SIGKILL to its group)."""
    for s in list(_LIVE):
        try:
            s.stop(timeout=5)
        except Exception:       # noqa: BLE001 -- best effort at exit
            s.kill()


# -- raw DNS ---------------------------------------------------------------------

T_A, T_NS, T_SOA = 1, 2, 6


def wire_name(name):
    out = bytearray()
    for label in name.rstrip(".").split("."):
        if label:
            out.append(len(label))
            out += label.encode("ascii")
    out.append(0)
    return bytes(out)


def skip_name(m, p):
    while True:
        ln = m[p]
        if ln == 0:
            return p + 1
        if ln & 0xC0 == 0xC0:
            return p + 2
        p += 1 + ln


def query_msg(qid, name, qtype, rd=False):
    return struct.pack(">HHHHHH", qid, 0x0100 if rd else 0, 1, 0, 0, 0) + \
        wire_name(name) + struct.pack(">HH", qtype, 1)


def parse_answer(m):
    """(id, rcode, aa, ancount, first answer's (type, rdata offset, message))."""
    qid, flags, qd, an = struct.unpack(">HHHH", m[:8])
    p = 12
    for _ in range(qd):
        p = skip_name(m, p) + 4
    first = None
    if an:
        p = skip_name(m, p)
        rtype = struct.unpack(">H", m[p:p + 2])[0]
        first = (rtype, p + 10)
    return qid, flags & 0xF, bool(flags & 0x0400), an, first


class Udp:
    """One UDP socket for queries to 127.0.0.1:port."""

    def __init__(self, port, addr="127.0.0.1"):
        self.addr = (addr, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rng = random.Random()

    def close(self):
        self.sock.close()

    def ask(self, name, qtype, timeout=0.2):
        """Sends one query; returns parse_answer() + (message,) of its answer,
        or None on timeout."""
        qid = self.rng.randrange(65536)
        self.sock.sendto(query_msg(qid, name, qtype), self.addr)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                m = self.sock.recv(65535)
            except socket.timeout:
                return None
            except ConnectionRefusedError:
                time.sleep(min(left, 0.005))
                return None
            if len(m) >= 12 and struct.unpack(">H", m[:2])[0] == qid:
                return parse_answer(m) + (m,)

    def soa_ok(self, zone, timeout=0.2):
        """True when the server answers the zone's SOA authoritatively."""
        a = self.ask(zone, T_SOA, timeout)
        return a is not None and a[1] == 0 and a[2] and a[3] >= 1 and a[4][0] == T_SOA

    def soa_serial(self, zone, timeout=0.5):
        a = self.ask(zone, T_SOA, timeout)
        if a is None or a[1] != 0 or not a[3] or a[4][0] != T_SOA:
            return None
        m, p = a[5], a[4][1]
        p = skip_name(m, skip_name(m, p))
        return struct.unpack(">I", m[p:p + 4])[0]

    def has_a(self, name, timeout=0.05):
        a = self.ask(name, T_A, timeout)
        return a is not None and a[1] == 0 and a[3] >= 1

    def update_add_a(self, zone, name, ip, ttl=3600, timeout=10.0):
        """DNS UPDATE (RFC 2136): adds name A ip to zone; returns the rcode
        (None on timeout)."""
        qid = self.rng.randrange(65536)
        msg = struct.pack(">HHHHHH", qid, 5 << 11, 1, 0, 1, 0) + \
            wire_name(zone) + struct.pack(">HH", T_SOA, 1) + \
            wire_name(name) + struct.pack(">HHIH", T_A, 1, ttl, 4) + socket.inet_aton(ip)
        self.sock.sendto(msg, self.addr)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.001, deadline - time.monotonic()))
            try:
                m = self.sock.recv(65535)
            except socket.timeout:
                return None
            if len(m) >= 12 and struct.unpack(">H", m[:2])[0] == qid:
                return struct.unpack(">H", m[2:4])[0] & 0xF
        return None


class NotifySink:
    """A UDP socket on 127.0.0.1 that acknowledges every NOTIFY it gets
    and records (monotonic time, zone) of each."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # a large receive buffer: bursts of 100,000 NOTIFYs are not dropped
        # here while this thread waits for the interpreter lock
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.events = []
        self.lock = threading.Lock()
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True, name="notify-sink")
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                m, src = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            t = time.monotonic()
            if len(m) < 12 or (m[2] >> 3) & 0xF != 4 or m[2] & 0x80:
                continue
            try:
                end = skip_name(m, 12)
                labels, p = [], 12
                while m[p]:
                    labels.append(m[p + 1:p + 1 + m[p]].decode("ascii", "replace").lower())
                    p += 1 + m[p]
                zone = ".".join(labels) + "."
            except IndexError:
                continue
            with self.lock:
                self.events.append((t, zone))
            reply = bytes([m[0], m[1], m[2] | 0x84, m[3] & 0xF0]) + \
                b"\x00\x01\x00\x00\x00\x00\x00\x00" + m[12:end + 4]
            try:
                self.sock.sendto(reply, src)
            except OSError:
                pass

    def mark(self):
        with self.lock:
            return len(self.events)

    def since(self, mark):
        with self.lock:
            return list(self.events[mark:])

    def close(self):
        self._stop = True
        self.thread.join(1)
        self.sock.close()


# -- memory ------------------------------------------------------------------------

def proc_tree(pid):
    """pid and its descendants (live ones)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        if os.path.exists("/proc/%d" % p):
            out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory(pids):
    """{"hwm", "rss", "pss"} in KiB, summed over pids (pss: from
    smaps_rollup, shared pages split between the processes sharing them)."""
    tot = {"hwm": 0, "rss": 0, "pss": 0, "procs": 0}
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        tot["hwm"] += int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        tot["rss"] += int(line.split()[1])
            tot["procs"] += 1
        except OSError:
            continue
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        tot["pss"] += int(line.split()[1])
                        break
        except OSError:
            pass
    return tot


# -- HTTP ------------------------------------------------------------------------------

class Http:
    """A keep-alive HTTP/1.1 connection to 127.0.0.1:port with fixed headers;
    reconnects when the server closed it."""

    def __init__(self, port, headers, timeout=3600):
        self.port = port
        self.headers = dict(headers)
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, ctype="application/json"):
        """Returns (status, body bytes)."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        hdrs = dict(self.headers)
        if body is not None:
            hdrs["Content-Type"] = ctype
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt:
                    raise

    def json(self, method, path, body=None, ctype="application/json"):
        st, data = self.request(method, path, body, ctype)
        try:
            return st, json.loads(data) if data else None
        except ValueError:
            return st, data.decode("utf-8", "replace")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# -- servers -----------------------------------------------------------------------------

class ServerError(RuntimeError):
    pass


def _q(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


class Server:
    """One server process. zones: [(zone name with trailing dot, zone file)].
    notify_port: a NotifySink port every zone notifies (None: no NOTIFY).
    update: allow DNS UPDATE from 127.0.0.1 (where the server has it)."""

    NAME = "server"
    LABEL = "server"

    def __init__(self, workdir, zones, notify_port=None, update=False):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.zones = list(zones)
        self.notify_port = notify_port
        self.update = update
        self.port = free_port()
        self.proc = None
        self._group_live = False
        self.t_spawn = None
        self.log_path = os.path.join(workdir, "%s.log" % self.NAME)
        self._log = None

    def prepare(self):
        """Writes the configuration (once; restarts reuse it)."""

    def argv(self):
        raise NotImplementedError

    def env(self):
        return None

    def start(self):
        """Spawns the server; returns at once (see wait_zone())."""
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError("%s already running" % self.NAME)
        if self._log is None:
            self._log = open(self.log_path, "ab")
        self._log.write(b"=== start ===\n")
        self._log.flush()
        self.t_spawn = time.monotonic()
        self.proc = subprocess.Popen(self.argv(), cwd=self.workdir, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True, env=self.env())
        self._group_live = True     # its process group (id = its pid) may have members
        _LIVE.append(self)
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_zone(self, zone, timeout=600.0, interval=0.005):
        """Polls the zone's SOA over UDP until it is answered; returns the
        seconds since the spawn."""
        u = Udp(self.port)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if u.soa_ok(zone, timeout=0.05):
                    return time.monotonic() - self.t_spawn
                if not self.running():
                    raise ServerError("%s exited (status %s) before answering for %s; log "
                                      "tail:\n%s" % (self.NAME, self.proc.poll(), zone,
                                                     self.log_tail()))
                if time.monotonic() > deadline:
                    raise ServerError("%s did not answer for %s within %.0f s; log tail:\n%s"
                                      % (self.NAME, zone, timeout, self.log_tail()))
                time.sleep(interval)
        finally:
            u.close()

    def wait_zones(self, zones, timeout=600.0):
        """Waits until every zone in zones answers its SOA; returns the
        seconds since the spawn at which the last one did."""
        u = Udp(self.port)
        pending = list(zones)
        deadline = time.monotonic() + timeout
        try:
            while pending:
                pending = [z for z in pending if not u.soa_ok(z, timeout=0.05)]
                if not pending:
                    break
                if not self.running():
                    raise ServerError("%s exited (status %s); log tail:\n%s"
                                      % (self.NAME, self.proc.poll(), self.log_tail()))
                if time.monotonic() > deadline:
                    raise ServerError("%s: %d zones (e.g. %s) do not answer after %.0f s; "
                                      "log tail:\n%s" % (self.NAME, len(pending), pending[0],
                                                         timeout, self.log_tail()))
                time.sleep(0.005)
            return time.monotonic() - self.t_spawn
        finally:
            u.close()

    def pids(self):
        return proc_tree(self.proc.pid) if self.running() else []

    def memory(self):
        return memory(self.pids())

    def stop(self, timeout=30.0):
        """SIGTERM, wait; SIGKILL to the process group after timeout; then
        whatever is left of the group."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        return self.proc.returncode

    def kill(self):
        """SIGKILL to the process group of the process started (once per
        start: what NSD's children or anything else of it left behind)."""
        if self.proc is None:
            return
        if self._group_live:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._group_live = False
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        while self in _LIVE:
            _LIVE.remove(self)

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(0, os.path.getsize(self.log_path) - n))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def version(self):
        return "?"


class Knot(Server):
    NAME = "knot"
    LABEL = "Knot"
    # response-rate limiting (mod-rrl), e.g. {"rate-limit": 200, "slip": 2};
    # None: off (amplification.py sets it)
    rrl = None

    @property
    def conf(self):
        return os.path.join(self.workdir, "knot.conf")

    def prepare(self):
        wd = self.workdir
        lines = ["server:",
                 "    rundir: %s" % _q(wd),
                 "    listen: 127.0.0.1@%d" % self.port,
                 "    tcp-max-clients: 1024",
                 "log:",
                 "  - target: stderr",
                 "    any: info",
                 "database:",
                 "    storage: %s" % _q(os.path.join(wd, "db")),
                 "acl:",
                 "  - id: local",
                 "    address: 127.0.0.1",
                 "    action: [transfer%s]" % (", update" if self.update else "")]
        if self.notify_port:
            lines += ["remote:", "  - id: sink", "    address: 127.0.0.1@%d" % self.notify_port]
        # the zone file is never written back, no journal of the changes
        lines += ["template:", "  - id: default", "    zonefile-sync: -1",
                  "    zonefile-load: whole", "    journal-content: none",
                  "    acl: local"]
        if self.notify_port:
            lines.append("    notify: sink")
        if self.rrl:
            lines.append("    global-module: mod-rrl/bench")
            lines[lines.index("template:"):lines.index("template:")] = \
                ["mod-rrl:", "  - id: bench"] + \
                ["    %s: %s" % kv for kv in sorted(self.rrl.items())]
        lines.append("zone:")
        for name, path in self.zones:
            lines += ["  - domain: %s" % _q(name), "    file: %s" % _q(path)]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.makedirs(os.path.join(wd, "db"), exist_ok=True)

    def argv(self):
        return [find_tool("knotd"), "-c", self.conf]

    def version(self):
        return subprocess.run([find_tool("knotd"), "-V"], stdout=subprocess.PIPE,
                              text=True).stdout.strip()


class Nsd(Server):
    NAME = "nsd"
    LABEL = "NSD"

    @property
    def conf(self):
        return os.path.join(self.workdir, "nsd.conf")

    def prepare(self):
        wd = self.workdir
        os.makedirs(os.path.join(wd, "xfr"), exist_ok=True)
        lines = ["server:",
                 "    ip-address: 127.0.0.1@%d" % self.port,
                 "    port: %d" % self.port,
                 "    do-ip4: yes",
                 "    do-ip6: no",
                 "    tcp-count: 1024",
                 "    username: \"\"",
                 "    chroot: \"\"",
                 "    zonesdir: %s" % _q(wd),
                 "    database: \"\"",
                 "    zonefiles-write: 0",
                 "    zonelistfile: %s" % _q(os.path.join(wd, "zone.list")),
                 "    pidfile: %s" % _q(os.path.join(wd, "nsd.pid")),
                 "    xfrdfile: %s" % _q(os.path.join(wd, "xfrd.state")),
                 "    xfrdir: %s" % _q(os.path.join(wd, "xfr")),
                 "    verbosity: 1",
                 "    hide-version: yes",
                 "remote-control:",
                 "    control-enable: no",
                 "pattern:",
                 "    name: bench",
                 "    provide-xfr: 127.0.0.1 NOKEY"]
        if self.notify_port:
            lines.append("    notify: 127.0.0.1@%d NOKEY" % self.notify_port)
        for name, path in self.zones:
            lines += ["zone:", "    name: %s" % _q(name), "    zonefile: %s" % _q(path),
                      "    include-pattern: bench"]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        for stale in ("zone.list", "xfrd.state"):
            try:
                os.unlink(os.path.join(wd, stale))
            except FileNotFoundError:
                pass

    def argv(self):
        return [find_tool("nsd"), "-d", "-c", self.conf]

    def version(self):
        out = subprocess.run([find_tool("nsd"), "-v"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True).stdout
        return out.splitlines()[0].strip() if out else "?"


class Bind(Server):
    NAME = "named"
    LABEL = "BIND"

    @property
    def conf(self):
        return os.path.join(self.workdir, "named.conf")

    def prepare(self):
        wd = self.workdir
        j = lambda n: _q(os.path.join(wd, n))  # noqa: E731
        parts = ["options {\n",
                 "\tdirectory %s;\n\tpid-file %s;\n\tsession-keyfile %s;\n"
                 "\tmanaged-keys-directory %s;\n\tdump-file %s;\n\tstatistics-file %s;\n"
                 % (_q(wd), j("named.pid"), j("session.key"), _q(wd), j("named_dump.db"),
                    j("named.stats")),
                 "\tlisten-on port %d { 127.0.0.1; };\n\tlisten-on-v6 { none; };\n" % self.port,
                 "\trecursion no;\n\tdnssec-validation no;\n\tquerylog no;\n",
                 "\tallow-transfer { 127.0.0.1; };\n",
                 # as many concurrent transfers and TCP clients as the test opens
                 "\ttransfers-out 1000;\n\ttcp-clients 1000;\n\ttcp-listen-queue 1024;\n",
                 # the synthetic zone's MX targets have no address records:
                 # no integrity checks (and no 50,000 warnings at load)
                 "\tcheck-integrity no;\n\tcheck-mx ignore;\n\tcheck-srv-cname ignore;\n"
                 "\tcheck-mx-cname ignore;\n\tcheck-names primary ignore;\n"
                 "\tcheck-wildcard no;\n\tcheck-sibling no;\n"]
        if self.notify_port:
            parts.append("\tnotify explicit;\n\talso-notify { 127.0.0.1 port %d; };\n"
                         % self.notify_port)
        else:
            parts.append("\tnotify no;\n")
        parts.append("};\ncontrols { };\n")
        for name, path in self.zones:
            upd = "\tallow-update { 127.0.0.1; };\n\tjournal %s;\n" % j(
                name.rstrip(".") + ".jnl") if self.update else ""
            parts.append('zone "%s" {\n\ttype primary;\n\tfile %s;\n%s};\n'
                         % (name.rstrip("."), _q(path), upd))
        with open(self.conf, "w") as f:
            f.write("".join(parts))
        for name, _ in self.zones:
            try:
                os.unlink(os.path.join(wd, name.rstrip(".") + ".jnl"))
            except FileNotFoundError:
                pass

    def argv(self):
        # -g: foreground, every log line on stderr
        return [find_tool("named"), "-g", "-4", "-c", self.conf]

    def version(self):
        return subprocess.run([find_tool("named"), "-v"], stdout=subprocess.PIPE,
                              text=True).stdout.strip()


class Pdns(Server):
    """PowerDNS with its gsqlite3 backend. The database (self.db) is filled
    by the caller (load_zone_file() / run.py) before start()."""

    NAME = "pdns"
    LABEL = "PowerDNS"
    SCHEMA = "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql"

    def __init__(self, workdir, zones, notify_port=None, update=False, api=False,
                 also_notify=None):
        super().__init__(workdir, zones, notify_port, update)
        self.db = os.path.join(workdir, "pdns.sqlite3")
        self.api = api
        self.api_port = free_port() if api else None
        self.api_key = "bench-" + "%016x" % random.getrandbits(64)
        self.also_notify = also_notify

    def create_db(self):
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(self.db + suffix)
            except FileNotFoundError:
                pass
        subprocess.run([find_tool("sqlite3"), self.db], stdin=open(self.SCHEMA), check=True)

    def load_zone_file(self, name, path):
        """zone2sql --gsqlite piped into sqlite3 (one transaction)."""
        z2s = subprocess.Popen([find_tool("zone2sql"), "--gsqlite", "--transactions",
                                "--zone=%s" % path, "--zone-name=%s" % name.rstrip(".")],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        sq = subprocess.run([find_tool("sqlite3"), self.db], stdin=z2s.stdout,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        z2s.stdout.close()
        if z2s.wait() != 0 or sq.returncode != 0:
            raise ServerError("loading %s into PowerDNS's database failed: %s"
                              % (path, sq.stderr))

    def prepare(self):
        lines = ["launch=gsqlite3",
                 "gsqlite3-database=%s" % self.db,
                 "local-address=127.0.0.1",
                 "local-port=%d" % self.port,
                 "socket-dir=%s" % self.workdir,
                 "guardian=no",
                 "daemon=no",
                 "disable-syslog=yes",
                 "write-pid=no",
                 "primary=yes",
                 "disable-axfr=no",
                 "allow-axfr-ips=127.0.0.1",
                 "max-tcp-connections=1024",
                 "security-poll-suffix=",     # no query to the outside world
                 "loglevel=4"]
        notify = [x for x in (self.also_notify,
                              "127.0.0.1:%d" % self.notify_port if self.notify_port else None)
                  if x]
        if notify:
            lines.append("also-notify=%s" % ",".join(notify))
        if self.update:
            lines += ["dnsupdate=yes", "allow-dnsupdate-from=127.0.0.1/32"]
        if self.api:
            lines += ["api=yes", "api-key=%s" % self.api_key, "webserver=yes",
                      "webserver-address=127.0.0.1", "webserver-port=%d" % self.api_port,
                      "webserver-allow-from=127.0.0.0/8"]
        with open(os.path.join(self.workdir, "pdns.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def argv(self):
        return [find_tool("pdns_server"), "--config-dir=%s" % self.workdir]

    def http(self):
        return Http(self.api_port, {"X-API-Key": self.api_key})

    def wait_api(self, timeout=30.0):
        h = self.http()
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    st, _ = h.request("GET", "/api/v1/servers/localhost")
                    if st == 200:
                        return
                except OSError:
                    h.close()
                if time.monotonic() > deadline or not self.running():
                    raise ServerError("PowerDNS API did not answer; log tail:\n%s"
                                      % self.log_tail())
                time.sleep(0.05)
        finally:
            h.close()

    def version(self):
        out = subprocess.run([find_tool("pdns_server"), "--version"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True).stdout
        for line in out.splitlines():
            if "PowerDNS Authoritative Server" in line:
                return line[line.index("PowerDNS"):].strip()
        return out.strip().splitlines()[0] if out.strip() else "?"


class Axfrd(Server):
    """axfrd on fixed loopback ports (API and DNS), its store in workdir.
    Its zones come from the API (run.py), not from self.zones."""

    NAME = "axfrd"
    LABEL = "axfrd"

    def __init__(self, workdir, binary, args=(), token=None):
        super().__init__(workdir, [])
        self.binary = binary
        self.api_port = free_port()
        self.db = os.path.join(workdir, "axfrd.db")
        self.args = list(args)
        self.token = token or "bench-" + "%032x" % random.getrandbits(128)

    def argv(self):
        return [self.binary, "--db", self.db, "--api-listen", "127.0.0.1:%d" % self.api_port,
                "--dns-listen", "127.0.0.1:%d" % self.port,
                # Nothing a benchmark makes axfrd send may leave loopback.
                "--outbound-allow", "127.0.0.0/8,::1/128",
                # The fan-out benchmark measures notify-rate with all its
                # zones in one account: that account's own budget
                # (outbound-rate-per-account, 100/s by default) is lifted.
                "--outbound-rate-per-account", "1000000"] + self.args

    def env(self):
        e = dict(os.environ)
        e["AXFRD_ADMIN_TOKEN"] = self.token
        return e

    def http(self):
        return Http(self.api_port, {"Authorization": "Bearer " + self.token})

    def wait_api(self, timeout=600.0):
        h = Http(self.api_port, {})
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    st, _ = h.request("GET", "/healthz")
                    if st == 200:
                        return time.monotonic() - self.t_spawn
                except OSError:
                    h.close()
                if not self.running():
                    raise ServerError("axfrd exited (status %s); log tail:\n%s"
                                      % (self.proc.poll(), self.log_tail()))
                if time.monotonic() > deadline:
                    raise ServerError("axfrd API did not answer; log tail:\n%s"
                                      % self.log_tail())
                time.sleep(0.01)
        finally:
            h.close()

    def version(self):
        return "axfrd"
