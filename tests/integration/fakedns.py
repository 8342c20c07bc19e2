"""fakedns.py -- a tiny DNS server on 127.0.0.1 whose answers a test sets
and changes at runtime; used as axfrd's --resolver.

    fake = FakeDNS()            # UDP and TCP on 127.0.0.1, port picked by the kernel
    fake.start()
    fake.set("target.example.", a=["198.51.100.1"], aaaa=["2001:db8::1"], ttl=2)
    fake.set_mode("target.example.", "timeout")   # or "servfail", "nxdomain", "answer"
    fake.count("target.example.", "A")           # queries seen
    fake.stop()

Names are matched case-insensitively. A name that was never set gets
default_mode ("nxdomain" unless given). Modes:
  answer    NOERROR (RA set) with the A/AAAA records set for the name
            (no records of the asked type: NODATA with an SOA)
  nxdomain  NXDOMAIN
  servfail  SERVFAIL
  refused   REFUSED
  timeout   no answer at all
and the misbehaving ones (see misbehave()), which reply as "answer" would
but spoil the reply: wrong_id, wrong_question, garbage, junk.
Each query is counted (name, type) and logged in `queries` with its time.
Standard library only.
"""

import socket
import struct
import threading
import time

A, AAAA, SOA = 1, 28, 6

# Modes that answer, but with a reply the client must not take.
MISBEHAVE = ("wrong_id", "wrong_question", "garbage", "junk")


def misbehave(mode, resp, qlen):
    """resp (a reply whose question is qlen bytes) spoiled as mode says:
      wrong_id        the same reply with another id
      wrong_question  the same reply for another name (first letter changed)
      garbage         the reply's header and question, then an answer
                      section that claims 5 records and stops mid-name
      junk            7 bytes that are no DNS message at all
    Other modes: resp unchanged."""
    if mode == "wrong_id":
        return struct.pack(">H", (struct.unpack(">H", resp[:2])[0] + 1) & 0xFFFF) + resp[2:]
    if mode == "wrong_question":
        b = bytearray(resp)
        if len(b) > 13 and b[12] > 0:
            b[13] = ord("q") if b[13] not in (ord("q"), ord("Q")) else ord("z")
        return bytes(b)
    if mode == "garbage":
        return resp[:6] + struct.pack(">HHH", 5, 0, 0) + resp[12:12 + qlen] + b"\xc0\x0c\x00"
    if mode == "junk":
        return b"\x00garbag"
    return resp


def _wire_name(name):
    out = bytearray()
    for label in name.rstrip(".").split("."):
        if label:
            b = label.encode("ascii")
            out.append(len(b))
            out += b
    out.append(0)
    return bytes(out)


def _read_qname(msg, pos):
    labels = []
    while True:
        n = msg[pos]
        if n == 0:
            return ".".join(labels) + ".", pos + 1
        if n & 0xC0:
            raise ValueError("compressed question")
        labels.append(msg[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n


class FakeDNS:
    def __init__(self, default_mode="nxdomain", tcp=True, host="127.0.0.1", port=0):
        self.host = host
        self.want_port = port
        self.default_mode = default_mode
        self.tcp = tcp
        self._lock = threading.Lock()
        self._names = {}        # name -> {"mode", A: [..], AAAA: [..], "ttl"}
        self.queries = []       # (time, name, qtype, transport)
        self._counts = {}
        self._udp = None
        self._tcp = None
        self._threads = []
        self._stop = threading.Event()
        self.port = None

    # -- configuration --------------------------------------------------------

    def set(self, name, a=None, aaaa=None, ttl=300, mode="answer"):
        """Sets the answers for name (A and AAAA lists, TTL) and its mode."""
        key = name.lower().rstrip(".") + "."
        with self._lock:
            self._names[key] = {"mode": mode, A: list(a or []), AAAA: list(aaaa or []),
                                "ttl": int(ttl)}

    def set_mode(self, name, mode, qtype=None):
        """The mode of name, or (qtype 'A'/'AAAA'/number) of its queries
        of that type only."""
        key = name.lower().rstrip(".") + "."
        t = {"A": A, "AAAA": AAAA}.get(qtype, qtype)
        with self._lock:
            entry = self._names.setdefault(key, {"mode": mode, A: [], AAAA: [], "ttl": 300})
            if t is None:
                entry["mode"] = mode
            else:
                entry.setdefault("type_modes", {})[t] = mode

    def count(self, name=None, qtype=None):
        """Queries seen for name (and type 'A'/'AAAA'/number), or in total."""
        t = {"A": A, "AAAA": AAAA}.get(qtype, qtype)
        with self._lock:
            if name is None:
                return len(self.queries)
            key = name.lower().rstrip(".") + "."
            return sum(1 for (_, n, qt, _) in self.queries
                       if n == key and (t is None or qt == t))

    def last_query_time(self, name):
        key = name.lower().rstrip(".") + "."
        with self._lock:
            ts = [q[0] for q in self.queries if q[1] == key]
        return ts[-1] if ts else None

    # -- answering --------------------------------------------------------------

    def answer(self, msg, transport):
        """The response to msg (bytes), or None for no answer."""
        if len(msg) < 12:
            return None
        qid, flags, qd = struct.unpack(">HHH", msg[:6])
        if flags & 0x8000 or qd != 1:
            return None
        try:
            qname, pos = _read_qname(msg, 12)
            qtype, qclass = struct.unpack(">HH", msg[pos:pos + 4])
        except (ValueError, IndexError, struct.error):
            return None
        question = msg[12:pos + 4]
        key = qname.lower()
        with self._lock:
            self.queries.append((time.time(), key, qtype, transport))
            entry = self._names.get(key)
            mode = (entry.get("type_modes", {}).get(qtype, entry["mode"]) if entry
                    else self.default_mode)
            addrs = list(entry.get(qtype, [])) if entry and qtype in (A, AAAA) else []
            ttl = entry["ttl"] if entry else 300
        if mode == "timeout":
            return None
        rcode = {"answer": 0, "nxdomain": 3, "servfail": 2, "refused": 5}.get(
            "answer" if mode in MISBEHAVE else mode, 2)
        rflags = 0x8000 | (flags & 0x0100) | 0x0080 | rcode   # QR, RD copied, RA
        answers = []
        if rcode == 0:
            for a in addrs:
                fam = socket.AF_INET if qtype == A else socket.AF_INET6
                rdata = socket.inet_pton(fam, a)
                answers.append(b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, ttl, len(rdata)) +
                               rdata)
        auth = []
        if rcode in (0, 3) and not answers:
            soa = (_wire_name("ns.fake.") + _wire_name("hostmaster.fake.") +
                   struct.pack(">IIIII", 1, 3600, 600, 86400, 60))
            auth.append(_wire_name("fake.") + struct.pack(">HHIH", SOA, 1, 60, len(soa)) + soa)
        return misbehave(mode, struct.pack(">HHHHHH", qid, rflags, 1, len(answers), len(auth),
                                           0) + question + b"".join(answers) + b"".join(auth),
                         len(question))

    # -- servers ----------------------------------------------------------------

    def start(self):
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind((self.host, self.want_port))
        self.port = self._udp.getsockname()[1]
        self._udp.settimeout(0.2)
        t = threading.Thread(target=self._udp_loop, name="fakedns-udp", daemon=True)
        t.start()
        self._threads.append(t)
        if self.tcp:
            try:
                self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self._tcp.bind((self.host, self.port))
                self._tcp.listen(16)
                self._tcp.settimeout(0.2)
                t = threading.Thread(target=self._tcp_loop, name="fakedns-tcp", daemon=True)
                t.start()
                self._threads.append(t)
            except OSError:
                self._tcp.close()
                self._tcp = None   # UDP only: the port is taken for TCP
        return self

    @property
    def addr(self):
        return "%s:%d" % (self.host, self.port)

    def _udp_loop(self):
        while not self._stop.is_set():
            try:
                data, peer = self._udp.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            resp = self.answer(data, "udp")
            if resp is not None:
                try:
                    self._udp.sendto(resp, peer)
                except OSError:
                    pass

    def _tcp_loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._tcp_conn, args=(conn,), daemon=True).start()

    def _tcp_conn(self, conn):
        conn.settimeout(5)
        try:
            while True:
                hdr = conn.recv(2)
                if len(hdr) < 2:
                    return
                n = struct.unpack(">H", hdr)[0]
                data = b""
                while len(data) < n:
                    chunk = conn.recv(n - len(data))
                    if not chunk:
                        return
                    data += chunk
                resp = self.answer(data, "tcp")
                if resp is not None:
                    conn.sendall(struct.pack(">H", len(resp)) + resp)
        except OSError:
            return
        finally:
            conn.close()

    def stop(self):
        self._stop.set()
        for s in (self._udp, self._tcp):
            if s is not None:
                s.close()
        for t in self._threads:
            t.join(2)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False



# -- NS answers (added for the sync-status tests) ------------------------------------

NS = 2


class FakeResolver(FakeDNS):
    """FakeDNS that also answers NS queries, as a recursive resolver would:

        fake = FakeResolver().start()
        fake.set("ns1.sec.test.", a=["127.0.0.1"])
        fake.set_ns("test.", ["parent.ns.test."])     # NS of the parent zone

    A name given NS records with set_ns() answers NS queries NOERROR (RA
    set) with those records in the answer section; everything else (A,
    AAAA, modes, counting) is FakeDNS's. set_ns(name, None) removes them.
    A name's mode (set_mode) applies to its NS queries too."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self._ns = {}           # name -> ([target names], ttl)

    def set_ns(self, name, targets, ttl=300):
        key = name.lower().rstrip(".") + "."
        with self._lock:
            if targets is None:
                self._ns.pop(key, None)
            else:
                self._ns[key] = ([t.rstrip(".") + "." for t in targets], int(ttl))

    def answer(self, msg, transport):
        try:
            qid, flags, qd = struct.unpack(">HHH", msg[:6])
            qname, pos = _read_qname(msg, 12)
            qtype, _ = struct.unpack(">HH", msg[pos:pos + 4])
        except (ValueError, IndexError, struct.error):
            return super().answer(msg, transport)
        key = qname.lower()
        with self._lock:
            ns = self._ns.get(key) if qtype == NS else None
            entry = self._names.get(key)
            mode = entry["mode"] if entry else "answer"
        if ns is None or flags & 0x8000 or qd != 1 or mode not in ("answer",) + MISBEHAVE:
            return super().answer(msg, transport)
        with self._lock:
            self.queries.append((time.time(), key, qtype, transport))
        targets, ttl = ns
        question = msg[12:pos + 4]
        rflags = 0x8000 | (flags & 0x0100) | 0x0080
        answers = []
        for t in targets:
            rdata = _wire_name(t)
            answers.append(b"\xc0\x0c" + struct.pack(">HHIH", NS, 1, ttl, len(rdata)) + rdata)
        return misbehave(mode, struct.pack(">HHHHHH", qid, rflags, 1, len(answers), 0, 0) +
                         question + b"".join(answers), len(question))


# -- authoritative servers (added for the "could not check" sync tests) --------------

NOTIFY_OPCODE = 4


class FakeAuthority(FakeDNS):
    """An authoritative server on host:port (UDP) for the sync checks:
    a secondary that serves zones' SOA, or a parent zone's server that
    refers zones to their name servers.

        sec = FakeAuthority("127.0.0.11").start()
        sec.set_soa("example.test.", 2024010101)    # SOA answers, AA set
        par = FakeAuthority("127.0.0.21", port=p).start()
        par.set_referral("example.test.", ["ns1.sec.test."])   # NS in authority
        sec.server_mode = "servfail"    # every query: see FakeDNS's modes;
                                        # "noaa": SOA answers without AA

    A NOTIFY for a zone with an SOA is acknowledged (in "answer" mode). A
    question about anything else is REFUSED. Queries are counted in
    `queries` as FakeDNS does."""

    def __init__(self, host, port=0):
        super().__init__(tcp=False, host=host, port=port)
        self.server_mode = "answer"
        self._soa = {}          # zone -> serial
        self._ref = {}          # zone -> [NS names]

    def set_soa(self, zone, serial):
        with self._lock:
            self._soa[zone.lower().rstrip(".") + "."] = int(serial)

    def set_referral(self, zone, names):
        with self._lock:
            self._ref[zone.lower().rstrip(".") + "."] = [n.rstrip(".") + "." for n in names]

    def answer(self, msg, transport):
        try:
            qid, flags, qd = struct.unpack(">HHH", msg[:6])
            qname, pos = _read_qname(msg, 12)
            qtype, _ = struct.unpack(">HH", msg[pos:pos + 4])
        except (ValueError, IndexError, struct.error):
            return None
        if flags & 0x8000 or qd != 1:
            return None
        key, question = qname.lower(), msg[12:pos + 4]
        opcode = (flags >> 11) & 0xF
        with self._lock:
            self.queries.append((time.time(), key, qtype, transport))
            mode, serial, ref = self.server_mode, self._soa.get(key), self._ref.get(key)
        if mode == "timeout":
            return None
        if opcode == NOTIFY_OPCODE:
            if mode != "answer" or serial is None:
                return None
            return struct.pack(">HHHHHH", qid, 0x8000 | (NOTIFY_OPCODE << 11) | 0x0400,
                               1, 0, 0, 0) + question
        rcode = {"servfail": 2, "refused": 5, "nxdomain": 3}.get(mode, 0)
        aa = 0x0400
        answers, auth = [], []
        if rcode == 0 and qtype == SOA and serial is not None:
            soa = (_wire_name("ns.fake.") + _wire_name("hostmaster.fake.") +
                   struct.pack(">IIIII", serial, 3600, 600, 86400, 60))
            answers.append(b"\xc0\x0c" + struct.pack(">HHIH", SOA, 1, 60, len(soa)) + soa)
            if mode == "noaa":
                aa = 0
        elif rcode == 0 and qtype == NS and ref is not None:
            aa = 0      # a referral
            for n in ref:
                rdata = _wire_name(n)
                auth.append(b"\xc0\x0c" + struct.pack(">HHIH", NS, 1, 300, len(rdata)) + rdata)
        elif rcode == 0:
            rcode = 5
        resp = (struct.pack(">HHHHHH", qid, 0x8000 | aa | rcode, 1, len(answers), len(auth), 0)
                + question + b"".join(answers) + b"".join(auth))
        return misbehave(mode, resp, len(question))
