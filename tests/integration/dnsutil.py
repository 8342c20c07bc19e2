"""dnsutil.py -- a small DNS client for the DNS-side integration tests.

Standard library only. Builds queries (EDNS, IXFR serial, TSIG signing),
parses messages strictly (compressed names with every pointer checked,
case preserved, section counts, TSIG records), runs UDP queries and TCP
transfers (AXFR/IXFR streams read to their end, optionally slowly, from
a chosen source address), verifies the TSIG of every message of a
signed response, sends NOTIFY, and wraps `dig`.

Records come out as RR objects; rr.text() is a master-file line that
secondaries.normalize_rrs() understands (for the types a test compares
this way: A AAAA NS CNAME PTR MX TXT SOA SRV; other types as RFC 3597
generic data, which only compares with itself).
"""

import base64
import hashlib
import hmac
import ipaddress
import os
import random
import re
import socket
import struct
import subprocess
import time

# -- constants ----------------------------------------------------------------------

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15, "TXT": 16,
         "AAAA": 28, "SRV": 33, "NAPTR": 35, "OPT": 41, "DS": 43, "SSHFP": 44, "RRSIG": 46,
         "NSEC": 47, "DNSKEY": 48, "TLSA": 52, "SVCB": 64, "HTTPS": 65, "TSIG": 250,
         "IXFR": 251, "AXFR": 252, "ANY": 255, "CAA": 257}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
# the types axfrd may put in a transfer or an answer (ALIAS and URL never)
STANDARD_ZONE_TYPES = {"A", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "AAAA", "SRV", "NAPTR",
                       "DS", "SSHFP", "TLSA", "SVCB", "HTTPS", "CAA"}

CLASS_IN, CLASS_ANY = 1, 255

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
          9: "NOTAUTH", 16: "BADVERS"}
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, NOTAUTH, BADVERS = 0, 1, 2, 3, 4, 5, 9, 16
TSIG_ERRORS = {0: "NOERROR", 16: "BADSIG", 17: "BADKEY", 18: "BADTIME", 22: "BADTRUNC"}
BADSIG, BADKEY, BADTIME = 16, 17, 18

OP_QUERY, OP_STATUS, OP_NOTIFY, OP_UPDATE = 0, 2, 4, 5

QR, AA, TC, RD, RA = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080

TSIG_ALGS = {"hmac-sha256": hashlib.sha256, "hmac-sha512": hashlib.sha512}


class DNSFormatError(AssertionError):
    """A message axfrd sent does not parse (an AssertionError: a test fails)."""


# -- names ----------------------------------------------------------------------------

def name_to_wire(name):
    """'www.Example.com' or 'www.Example.com.' -> wire bytes, case kept.
    No escapes (tests use plain names)."""
    name = name.rstrip(".")
    out = bytearray()
    if name:
        for label in name.split("."):
            b = label.encode("ascii")
            if not 0 < len(b) < 64:
                raise ValueError("bad label in %r" % name)
            out.append(len(b))
            out += b
    out.append(0)
    return bytes(out)


def labels_to_text(labels):
    if not labels:
        return "."
    out = []
    for lb in labels:
        s = []
        for byte in lb:
            ch = chr(byte)
            if ch in '."();\\@$ ':
                s.append("\\" + ch)
            elif 0x21 <= byte <= 0x7E:
                s.append(ch)
            else:
                s.append("\\%03d" % byte)
        out.append("".join(s))
    return ".".join(out) + "."


def canon(name):
    """Lower-case absolute text form of a name."""
    name = name.lower()
    return name if name.endswith(".") else name + "."


# -- building messages ---------------------------------------------------------------------

def new_id():
    return random.SystemRandom().randrange(0, 65536)


def header(qid, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def rr_wire(name, rtype, ttl, rdata, cls=CLASS_IN):
    return name_to_wire(name) + struct.pack(">HHIH", rtype, cls, ttl, len(rdata)) + rdata


def opt_rr(udp=1232, version=0, do=False, options=(), ext_rcode=0):
    """An OPT pseudo-record. options: [(code, bytes)]."""
    rdata = b"".join(struct.pack(">HH", c, len(v)) + v for c, v in options)
    ttl = (ext_rcode << 24) | (version << 16) | (0x8000 if do else 0)
    return b"\x00" + struct.pack(">HHIH", TYPES["OPT"], udp, ttl, len(rdata)) + rdata


def soa_rdata(mname, rname, serial, refresh=3600, retry=600, expire=86400, minimum=300):
    return name_to_wire(mname) + name_to_wire(rname) + struct.pack(
        ">IIIII", serial, refresh, retry, expire, minimum)


def make_query(qname, qtype="A", qid=None, flags=0, opcode=OP_QUERY, edns=None,
               ixfr_serial=None, qclass=CLASS_IN, answers=()):
    """A request. qtype: name or number. edns: None or a dict for opt_rr().
    ixfr_serial: puts the client's SOA (with that serial) in authority.
    answers: raw RR bytes for the answer section (NOTIFY may carry the SOA).
    Returns bytes (no TSIG: see tsig_sign())."""
    if qid is None:
        qid = new_id()
    t = TYPES[qtype] if isinstance(qtype, str) else qtype
    flags = (flags & ~0x7800) | ((opcode & 0xF) << 11)
    auth = []
    if ixfr_serial is not None:
        auth.append(rr_wire(qname, TYPES["SOA"], 0, soa_rdata(".", ".", ixfr_serial)))
    add = [opt_rr(**edns)] if edns is not None else []
    msg = header(qid, flags, 1, len(answers), len(auth), len(add))
    msg += name_to_wire(qname) + struct.pack(">HH", t, qclass)
    msg += b"".join(answers) + b"".join(auth) + b"".join(add)
    return msg


def make_notify(zone, serial=None, qid=None):
    """A NOTIFY (opcode 4, AA) for zone; with serial, the SOA in answer."""
    answers = ()
    if serial is not None:
        answers = (rr_wire(zone, TYPES["SOA"], 0, soa_rdata(".", ".", serial)),)
    return make_query(zone, "SOA", qid=qid, flags=AA, opcode=OP_NOTIFY, answers=answers)


# -- parsing ---------------------------------------------------------------------------------

class RR:
    """One record of a parsed message."""

    def __init__(self, msg, start, labels, rtype, cls, ttl, rdata_off, rdlen):
        self.msg = msg
        self.start = start            # offset of the owner name
        self.labels = labels          # owner labels (bytes, case kept)
        self.type = rtype
        self.cls = cls
        self.ttl = ttl
        self.rdata_off = rdata_off
        self.rdlen = rdlen
        self.rdata = msg[rdata_off:rdata_off + rdlen]
        self.end = rdata_off + rdlen

    @property
    def name(self):
        """Owner in text form, case as received."""
        return labels_to_text(self.labels)

    @property
    def tname(self):
        return TYPE_NAMES.get(self.type, "TYPE%d" % self.type)

    def _name_at(self, off):
        labels, end, _ = read_name(self.msg, off)
        return labels, end

    def rdata_names(self):
        """The domain names inside the rdata (case kept), for the types
        whose rdata holds names this client knows."""
        o = self.rdata_off
        t = self.tname
        if t in ("NS", "CNAME", "PTR"):
            return [labels_to_text(self._name_at(o)[0])]
        if t == "MX":
            return [labels_to_text(self._name_at(o + 2)[0])]
        if t == "SRV":
            return [labels_to_text(self._name_at(o + 6)[0])]
        if t == "SOA":
            m, e = self._name_at(o)
            r, _ = self._name_at(e)
            return [labels_to_text(m), labels_to_text(r)]
        return []

    def canonical_rdata(self):
        """rdata with embedded names uncompressed and lower-cased (RFC
        4034 6.2 for the types this client knows), for comparing records."""
        o = self.rdata_off
        t = self.tname

        def lname(off):
            labels, end = self._name_at(off)
            return name_to_wire(labels_to_text(labels).lower()) if labels else b"\x00", end
        if t in ("NS", "CNAME", "PTR"):
            return lname(o)[0]
        if t == "MX":
            return self.rdata[:2] + lname(o + 2)[0]
        if t == "SRV":
            return self.rdata[:6] + lname(o + 6)[0]
        if t == "SOA":
            m, e = lname(o)
            r, e2 = lname(e)
            return m + r + self.msg[e2:self.end]
        return self.rdata

    def key(self):
        """(owner lower, type, class, canonical rdata): a record's identity."""
        return (self.name.lower(), self.type, self.cls, self.canonical_rdata())

    def soa_serial(self):
        assert self.tname == "SOA"
        _, e = self._name_at(self.rdata_off)
        _, e2 = self._name_at(e)
        return struct.unpack(">I", self.msg[e2:e2 + 4])[0]

    def rdata_text(self):
        t = self.tname
        o = self.rdata_off
        d = self.rdata
        if t == "A" and len(d) == 4:
            return socket.inet_ntop(socket.AF_INET, d)
        if t == "AAAA" and len(d) == 16:
            return socket.inet_ntop(socket.AF_INET6, d)
        if t in ("NS", "CNAME", "PTR"):
            return self.rdata_names()[0]
        if t == "MX":
            return "%d %s" % (struct.unpack(">H", d[:2])[0], self.rdata_names()[0])
        if t == "SRV":
            p, w, port = struct.unpack(">HHH", d[:6])
            return "%d %d %d %s" % (p, w, port, self.rdata_names()[0])
        if t == "SOA":
            m, r = self.rdata_names()
            _, e = self._name_at(o)
            _, e2 = self._name_at(e)
            nums = struct.unpack(">IIIII", self.msg[e2:e2 + 20])
            return "%s %s %s" % (m, r, " ".join(str(n) for n in nums))
        if t == "TXT":
            parts, i = [], 0
            while i < len(d):
                n = d[i]
                s = d[i + 1:i + 1 + n]
                i += 1 + n
                esc = []
                for byte in s:
                    if byte in (0x22, 0x5C):
                        esc.append("\\" + chr(byte))
                    elif 0x20 <= byte < 0x7F:
                        esc.append(chr(byte))
                    else:
                        esc.append("\\%03d" % byte)
                parts.append('"%s"' % "".join(esc))
            return " ".join(parts)
        return "\\# %d %s" % (len(d), d.hex().upper()) if d else "\\# 0"

    def text(self):
        """Master-file line: owner ttl IN TYPE rdata (case kept)."""
        return "%s %d IN %s %s" % (self.name, self.ttl, self.tname, self.rdata_text())

    def __repr__(self):
        return "<RR %s>" % self.text()


def read_name(msg, off, limit=None):
    """Reads a possibly compressed name at off. Returns (labels, end offset
    after the name in place, [pointer targets]). Every pointer must point
    backwards, to a label inside the message, and below 16384 (pointers
    are 14 bits: a writer that compresses against a later offset produces
    a pointer to the wrong place); no loops; at most 255 bytes."""
    labels = []
    pointers = []
    end = None
    pos = off
    total = 1
    hops = 0
    lowest = off          # a pointer must point before every place visited
    while True:
        if pos >= len(msg):
            raise DNSFormatError("name at %d runs past the end of the message" % off)
        n = msg[pos]
        if n & 0xC0 == 0xC0:
            if pos + 1 >= len(msg):
                raise DNSFormatError("truncated compression pointer at %d" % pos)
            target = ((n & 0x3F) << 8) | msg[pos + 1]
            pointers.append(target)
            if end is None:
                end = pos + 2
            if target >= lowest:
                raise DNSFormatError("compression pointer at %d points forward to %d"
                                     % (pos, target))
            if target >= 16384:  # cannot happen with 14 bits; kept as documentation
                raise DNSFormatError("pointer target %d >= 16384" % target)
            hops += 1
            if hops > 127:
                raise DNSFormatError("compression loop at %d" % off)
            lowest = target
            pos = target
            continue
        if n & 0xC0:
            raise DNSFormatError("bad label type 0x%02x at %d" % (n, pos))
        if n == 0:
            if end is None:
                end = pos + 1
            break
        if pos + 1 + n > len(msg):
            raise DNSFormatError("label at %d runs past the end" % pos)
        labels.append(msg[pos + 1:pos + 1 + n])
        total += n + 1
        if total > 255:
            raise DNSFormatError("name at %d longer than 255 bytes" % off)
        pos += 1 + n
    return labels, end, pointers


class Message:
    """A parsed DNS message."""

    def __init__(self, raw):
        self.raw = bytes(raw)
        if len(raw) < 12:
            raise DNSFormatError("message of %d bytes, shorter than a header" % len(raw))
        (self.id, self.flags, qd, an, ns, ar) = struct.unpack(">HHHHHH", raw[:12])
        self.counts = (qd, an, ns, ar)
        self.pointers = []
        pos = 12
        self.question = []
        for _ in range(qd):
            labels, pos, ptrs = read_name(self.raw, pos)
            self.pointers += ptrs
            if pos + 4 > len(raw):
                raise DNSFormatError("truncated question")
            qt, qc = struct.unpack(">HH", raw[pos:pos + 4])
            pos += 4
            self.question.append((labels, qt, qc))
        self.answer, pos = self._rrs(an, pos)
        self.authority, pos = self._rrs(ns, pos)
        self.additional, pos = self._rrs(ar, pos)
        if pos != len(raw):
            raise DNSFormatError("%d bytes after the last record" % (len(raw) - pos))
        self.opt = None
        self.tsig = None
        for i, rr in enumerate(self.additional):
            if rr.type == TYPES["OPT"]:
                if self.opt is not None:
                    raise DNSFormatError("two OPT records")
                self.opt = rr
            if rr.type == TYPES["TSIG"]:
                if i != len(self.additional) - 1:
                    raise DNSFormatError("TSIG is not the last additional record")
                self.tsig = TsigRR(rr)

    def _rrs(self, count, pos):
        out = []
        for _ in range(count):
            start = pos
            labels, pos, ptrs = read_name(self.raw, pos)
            self.pointers += ptrs
            if pos + 10 > len(self.raw):
                raise DNSFormatError("truncated record header at %d" % start)
            t, c, ttl, rdlen = struct.unpack(">HHIH", self.raw[pos:pos + 10])
            pos += 10
            if pos + rdlen > len(self.raw):
                raise DNSFormatError("rdata at %d runs past the end" % pos)
            rr = RR(self.raw, start, labels, t, c, ttl, pos, rdlen)
            # names inside rdata: check their pointers too
            try:
                for off in _rdata_name_offsets(rr):
                    _, _, ptrs = read_name(self.raw, off)
                    self.pointers += ptrs
            except DNSFormatError as e:
                raise DNSFormatError("rdata of %s at %d: %s" % (rr.tname, start, e)) from e
            pos += rdlen
            out.append(rr)
        return out, pos

    # header fields
    @property
    def qr(self):
        return bool(self.flags & QR)

    @property
    def aa(self):
        return bool(self.flags & AA)

    @property
    def tc(self):
        return bool(self.flags & TC)

    @property
    def rd(self):
        return bool(self.flags & RD)

    @property
    def ra(self):
        return bool(self.flags & RA)

    @property
    def opcode(self):
        return (self.flags >> 11) & 0xF

    @property
    def rcode(self):
        """The full rcode (with the OPT's extended bits)."""
        rc = self.flags & 0xF
        if self.opt is not None:
            rc |= (self.opt.ttl >> 24) << 4
        return rc

    @property
    def rcode_text(self):
        return RCODES.get(self.rcode, str(self.rcode))

    @property
    def edns_version(self):
        return None if self.opt is None else (self.opt.ttl >> 16) & 0xFF

    @property
    def qname(self):
        return labels_to_text(self.question[0][0]) if self.question else None

    def records(self):
        return self.answer + self.authority + self.additional

    def __repr__(self):
        return "<Message id=%d %s flags=%04x %s>" % (self.id, self.rcode_text, self.flags,
                                                     [r.text() for r in self.records()])


def _rdata_name_offsets(rr):
    t = rr.tname
    o = rr.rdata_off
    if t in ("NS", "CNAME", "PTR"):
        return [o]
    if t == "MX":
        return [o + 2]
    if t == "SRV":
        return [o + 6]
    if t == "SOA":
        _, e, _ = read_name(rr.msg, o)
        return [o, e]
    return []


class TsigRR:
    """The fields of a TSIG record."""

    def __init__(self, rr):
        self.rr = rr
        self.start = rr.start
        self.key_name = rr.name
        msg = rr.msg
        alg, pos, _ = read_name(msg, rr.rdata_off)
        self.algorithm = labels_to_text(alg).lower().rstrip(".")
        hi, lo, self.fudge, maclen = struct.unpack(">HIHH", msg[pos:pos + 10])
        self.time_signed = (hi << 32) | lo
        pos += 10
        self.mac = msg[pos:pos + maclen]
        pos += maclen
        self.orig_id, self.error, olen = struct.unpack(">HHH", msg[pos:pos + 6])
        pos += 6
        self.other = msg[pos:pos + olen]


def parse(raw):
    return Message(raw)


# -- TSIG -----------------------------------------------------------------------------------

class TsigKey:
    def __init__(self, name, algorithm, secret_b64):
        self.name = name if name.endswith(".") else name + "."
        self.algorithm = algorithm.lower().rstrip(".")
        self.secret = base64.b64decode(secret_b64)
        self.secret_b64 = secret_b64

    def digest(self, data):
        return hmac.new(self.secret, data, TSIG_ALGS[self.algorithm]).digest()

    def dig_arg(self):
        return "%s:%s:%s" % (self.algorithm, self.name, self.secret_b64)


def _tsig_vars(key_name, alg, time_signed, fudge, error=0, other=b""):
    return (name_to_wire(key_name.lower()) + struct.pack(">HI", CLASS_ANY, 0) +
            name_to_wire(alg.lower()) + struct.pack(">HIH", time_signed >> 32,
                                                    time_signed & 0xFFFFFFFF, fudge) +
            struct.pack(">HH", error, len(other)) + other)


def tsig_sign(msg, key, time_signed=None, fudge=300, mac_override=None):
    """Appends a TSIG record to request msg; returns (signed message, mac)."""
    if time_signed is None:
        time_signed = int(time.time())
    qid = struct.unpack(">H", msg[:2])[0]
    mac = key.digest(msg + _tsig_vars(key.name, key.algorithm, time_signed, fudge))
    if mac_override is not None:
        mac = mac_override
    rdata = (name_to_wire(key.algorithm) +
             struct.pack(">HIHH", time_signed >> 32, time_signed & 0xFFFFFFFF, fudge, len(mac)) +
             mac + struct.pack(">HHH", qid, 0, 0))
    rr = rr_wire(key.name, TYPES["TSIG"], 0, rdata, cls=CLASS_ANY)
    ar = struct.unpack(">H", msg[10:12])[0] + 1
    return msg[:10] + struct.pack(">H", ar) + msg[12:] + rr, mac


def _strip_tsig(m):
    """The message as it was before its TSIG was added: TSIG removed,
    ARCOUNT decremented, original id restored."""
    raw = m.raw[:m.tsig.start]
    qd, an, ns, ar = m.counts
    return struct.pack(">HHHHHH", m.tsig.orig_id, m.flags, qd, an, ns, ar - 1) + raw[12:]


def tsig_verify_stream(messages, key, request_mac, expect_error=0, check_time=True):
    """Verifies the TSIG of every message of a response (RFC 8945 5.3 and
    5.3.1: the first covers the request MAC, each later one the previous
    MAC and only the timers). expect_error: the TSIG error the answer must
    carry (BADTIME answers keep the request's time: check_time=False).
    Returns a list of problems (empty: all good)."""
    problems = []
    prev = request_mac
    for i, m in enumerate(messages):
        t = m.tsig
        if t is None:
            problems.append("message %d of %d has no TSIG record" % (i + 1, len(messages)))
            continue
        if t.key_name.lower() != key.name.lower():
            problems.append("message %d: TSIG key %s, not %s" % (i + 1, t.key_name, key.name))
        if t.algorithm != key.algorithm:
            problems.append("message %d: algorithm %s" % (i + 1, t.algorithm))
        if t.error != expect_error:
            problems.append("message %d: TSIG error %s" % (i + 1, TSIG_ERRORS.get(t.error,
                                                                                  t.error)))
        body = _strip_tsig(m)
        if i == 0:
            data = (struct.pack(">H", len(prev)) + prev + body +
                    _tsig_vars(t.key_name, t.algorithm, t.time_signed, t.fudge, t.error,
                               t.other))
        else:
            data = (struct.pack(">H", len(prev)) + prev + body +
                    struct.pack(">HIH", t.time_signed >> 32, t.time_signed & 0xFFFFFFFF,
                                t.fudge))
        want = key.digest(data)
        if not hmac.compare_digest(want, t.mac):
            problems.append("message %d of %d: MAC does not verify" % (i + 1, len(messages)))
        if check_time and abs(t.time_signed - time.time()) > t.fudge + 5:
            problems.append("message %d: time signed %d is off" % (i + 1, t.time_signed))
        prev = t.mac
    return problems


# -- transport ---------------------------------------------------------------------------

def _family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp_query(port, msg, addr="127.0.0.1", src=None, timeout=3.0, raw=False):
    """Sends one UDP message; returns the parsed answer (raw bytes with
    raw=True), or None when nothing came back within timeout."""
    s = socket.socket(_family(addr), socket.SOCK_DGRAM)
    try:
        if src:
            s.bind((src, 0))
        s.settimeout(timeout)
        s.sendto(msg, (addr, port))
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            return None
        return data if raw else Message(data)
    finally:
        s.close()


def tcp_connect(port, addr="127.0.0.1", src=None, timeout=10.0, rcvbuf=None, mss=None):
    """A TCP connection to axfrd. rcvbuf: a small receive buffer; mss: a
    small maximum segment size (TCP_MAXSEG before connecting). Over
    loopback the MSS is 64 KiB and the kernel lets the sender queue
    megabytes; with mss=1200 and a small rcvbuf the server's socket fills
    after some 100 KB, so a reader that stops reading really stalls it."""
    s = socket.socket(_family(addr), socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if mss:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
    s.settimeout(timeout)
    s.connect((addr, port))
    return s


def frame(msg):
    return struct.pack(">H", len(msg)) + msg


def recv_exact(sock, n):
    """n bytes, or fewer if the peer closed (b'' on immediate close)."""
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = sock.recv(n - len(buf))
        except ConnectionResetError:
            break
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def recv_msg(sock):
    """One length-prefixed message (bytes), or None when the peer closed."""
    hdr = recv_exact(sock, 2)
    if len(hdr) < 2:
        return None
    n = struct.unpack(">H", hdr)[0]
    data = recv_exact(sock, n)
    if len(data) < n:
        raise DNSFormatError("connection closed inside a message (%d of %d bytes)"
                             % (len(data), n))
    return data


def tcp_query(port, msg, addr="127.0.0.1", src=None, timeout=10.0):
    """One request over a new TCP connection; the parsed first answer or
    None if the server closed without answering."""
    s = tcp_connect(port, addr, src, timeout)
    try:
        s.sendall(frame(msg))
        data = recv_msg(s)
        return None if data is None else Message(data)
    finally:
        s.close()


class XfrTracker:
    """Follows an AXFR or IXFR answer stream record by record and says
    when it is complete (RFC 5936 / RFC 1995 rules, as dig applies them)."""

    def __init__(self, qtype):
        self.qtype = qtype
        self.serial = None       # serial of the first SOA
        self.n = 0
        self.done = False
        self.style = None        # "axfr", "ixfr", "single"
        self.state = None

    def feed(self, rr):
        if self.done:
            raise DNSFormatError("record after the end of the transfer: %s" % rr.text())
        self.n += 1
        is_soa = rr.tname == "SOA"
        if self.n == 1:
            if not is_soa:
                raise DNSFormatError("transfer does not start with SOA: %s" % rr.text())
            self.serial = rr.soa_serial()
            self.style = "axfr"
            return
        if self.n == 2 and self.qtype == "IXFR" and is_soa:
            if rr.soa_serial() == self.serial:
                # SOA(new) twice: an AXFR-style answer of an empty zone
                self.done = True
                return
            self.style = "ixfr"
            self.state = "del"
            return
        if self.style == "axfr":
            if is_soa:
                self.done = True
            return
        # ixfr: del -> (SOA) add -> (SOA: next old, or the final new) del ...
        if is_soa:
            if self.state == "del":
                self.state = "add"
            else:
                if rr.soa_serial() == self.serial:
                    self.done = True
                else:
                    self.state = "del"

    def single_soa_end(self):
        """An IXFR answered with one SOA only (client current)."""
        return self.qtype == "IXFR" and self.n == 1


def xfr(port, zone, qtype="AXFR", addr="127.0.0.1", src=None, key=None, ixfr_serial=None,
        timeout=15.0, qid=None, sock=None, read_size=None, read_delay=0.0, rcvbuf=None,
        on_message=None, edns=None, mss=None):
    """Runs a transfer over TCP; returns the list of parsed messages.

    Stops at the end of the transfer, at an error rcode, or (IXFR) after a
    single-SOA message. read_size/read_delay: read at most read_size bytes
    per recv and sleep read_delay (seconds, or a function returning them)
    between reads (a slow reader).
    on_message(index, Message) is called as each message arrives.
    With key (TsigKey) the request is signed; the result then has the
    attribute request_mac (see tsig_verify_stream). Bytes read after the
    last message (a pipelined answer) are in the result's leftover."""
    qtype = qtype.upper()
    msg = make_query(zone, qtype, qid=qid, ixfr_serial=ixfr_serial, edns=edns)
    mac = b""
    if key is not None:
        msg, mac = tsig_sign(msg, key)
    own = sock is None
    if own:
        sock = tcp_connect(port, addr, src, timeout, rcvbuf=rcvbuf, mss=mss)
    messages = XfrResult()
    messages.request_mac = mac
    messages.request = msg
    try:
        sock.sendall(frame(msg))
        tracker = XfrTracker(qtype)
        buf = bytearray()
        deadline = time.monotonic() + timeout
        while True:
            # one message out of buf, or read more
            if len(buf) >= 2:
                n = struct.unpack(">H", buf[:2])[0]
                if len(buf) >= 2 + n:
                    m = Message(bytes(buf[2:2 + n]))
                    del buf[:2 + n]
                    messages.append(m)
                    if on_message is not None:
                        on_message(len(messages) - 1, m)
                    if m.rcode != NOERROR:
                        break
                    for rr in m.answer:
                        tracker.feed(rr)
                    if tracker.done or (len(messages) == 1 and tracker.single_soa_end()):
                        break
                    if not m.answer:
                        raise DNSFormatError("transfer message %d has no records"
                                             % len(messages))
                    continue
            if time.monotonic() > deadline:
                raise AssertionError("transfer of %s not complete after %.0f s (%d messages)"
                                     % (zone, timeout, len(messages)))
            try:
                chunk = sock.recv(read_size or 65536)
            except socket.timeout:
                raise AssertionError("transfer of %s: nothing received for %.0f s (%d "
                                     "messages)" % (zone, sock.gettimeout(), len(messages)))
            if not chunk:
                raise DNSFormatError("server closed the connection during the transfer of %s "
                                     "after %d messages" % (zone, len(messages)))
            buf += chunk
            delay = read_delay() if callable(read_delay) else read_delay
            if delay:
                time.sleep(delay)
        messages.tracker = tracker
        messages.leftover = bytes(buf)
        return messages
    finally:
        if own:
            sock.close()


class XfrResult(list):
    """The messages of a transfer (a list) and helpers."""

    request_mac = b""
    tracker = None
    leftover = b""     # bytes received after the transfer's last message

    def records(self):
        """Every answer record of every message, in order."""
        return [rr for m in self for rr in m.answer]

    @property
    def rcode(self):
        return self[0].rcode if self else None

    @property
    def rcode_text(self):
        return self[0].rcode_text if self else None


# -- comparing with the export ---------------------------------------------------------------

def zone_rrs_from_xfr(records):
    """AXFR records without the closing SOA (the zone, one SOA)."""
    return records[:-1] if len(records) > 1 and records[-1].tname == "SOA" else records


def normalize_records(rrs, origin=None, lower=True):
    """RR objects -> secondaries.normalize_rrs() form."""
    from secondaries import normalize_rrs
    return normalize_rrs("\n".join(r.text() for r in rrs) + "\n", origin=origin, lower=lower)


def normalize_export(text, zone, lower=True):
    from secondaries import normalize_rrs
    return normalize_rrs(text, origin=zone, lower=lower)


def export_text(d, zone):
    st, _, text = d.get("/v1/zones/%s/export" % zone)
    if st != 200:
        raise AssertionError("GET export of %s: HTTP %s %r" % (zone, st, text))
    return text


def export_record_lines(text):
    """The record lines of an export (no $ORIGIN/comments/blank lines)."""
    return [ln for ln in text.splitlines()
            if ln.strip() and not ln.startswith("$") and not ln.lstrip().startswith(";")]


def export_serial(text):
    for ln in export_record_lines(text):
        f = ln.split()
        if len(f) >= 10 and f[3].upper() == "SOA":
            return int(f[6])
    raise AssertionError("no SOA in export:\n" + text[:2000])


# -- API helpers -------------------------------------------------------------------------------

def set_secondary(d, zone, allowed_ips, tsig_key=None, name_servers=("ns1.secondary.test.",),
                  method="PUT"):
    """PUT (or PATCH) the zone's custom secondary DNS configuration."""
    body = {"provider": "custom", "name_servers": list(name_servers),
            "allowed_ips": list(allowed_ips)}
    if tsig_key is not None:
        body["tsig_key"] = tsig_key
    if method == "PATCH":
        body = {"allowed_ips": list(allowed_ips)}
        if tsig_key is not None:
            body["tsig_key"] = tsig_key
    st, _, data = d.request(method, "/v1/zones/%s/secondary_dns" % zone, body=body)
    if st not in (200, 201):
        raise AssertionError("%s secondary_dns of %s %r: HTTP %s %r"
                             % (method, zone, body, st, data))
    return data


def zone_serial(d, zone):
    st, _, z = d.get("/v1/zones/%s" % zone)
    if st != 200:
        raise AssertionError("GET zone %s: HTTP %s %r" % (zone, st, z))
    return z["serial"]


def import_zone(d, zone, lines, replace=False):
    path = "/v1/zones/%s/import%s" % (zone, "?replace=true" if replace else "")
    st, _, r = d.post(path, raw="\n".join(lines) + "\n", content_type="text/dns")
    if st != 200:
        raise AssertionError("import into %s: HTTP %s %r" % (zone, st, r))
    return r


def soa_serial_udp(port, zone, addr="127.0.0.1"):
    """The serial axfrd answers for zone's SOA over UDP (None: no SOA)."""
    m = udp_query(port, make_query(zone, "SOA"), addr=addr)
    if m is None or m.rcode != NOERROR:
        return None
    for rr in m.answer:
        if rr.tname == "SOA":
            return rr.soa_serial()
    return None


def wait_for(pred, timeout=10.0, interval=0.05, what="condition"):
    """Polls pred() until it returns a true value; returns it. Fails
    (AssertionError) after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = pred()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError("%s not met within %.1f s (last: %r)" % (what, timeout, last))
        time.sleep(interval)


def wait_serial(port, zone, serial=None, timeout=10.0, addr="127.0.0.1", newer_than=None):
    """Waits until axfrd serves zone's SOA with serial (or any serial
    newer than newer_than, or any serial at all); returns the serial."""
    def ok():
        s = soa_serial_udp(port, zone, addr)
        if s is None:
            return None
        if serial is not None and s != serial:
            return None
        if newer_than is not None and not serial_gt(s, newer_than):
            return None
        return s
    return wait_for(ok, timeout, what="%s serving %s serial %s" % (
        zone, "a" if serial is None else "", serial if serial is not None else
        ("> %s" % newer_than if newer_than is not None else "(any)")))


def serial_gt(a, b):
    """RFC 1982: a > b."""
    return a != b and ((a - b) % (1 << 32)) < (1 << 31)


def vm_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def have_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    except OSError:
        return False
    try:
        s.bind(("::1", 0))
        return True
    except OSError:
        return False
    finally:
        s.close()


# -- dig ------------------------------------------------------------------------------------------

def dig(port, *args, addr="127.0.0.1", src=None, timeout=3, tries=1, check=False):
    """Runs dig @addr -p port [-b src] ARGS; returns CompletedProcess (text)."""
    argv = ["dig", "@" + addr, "-p", str(port), "+time=%d" % timeout, "+tries=%d" % tries]
    if src:
        argv += ["-b", src]
    argv += list(args)
    res = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, timeout=timeout * tries * 4 + 20)
    if check and res.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(argv), res.returncode, res.stdout,
                                                   res.stderr))
    return res


def dig_status(out):
    m = re.search(r"status: (\w+)", out)
    return m.group(1) if m else None


def dig_records(out):
    """The record lines of dig output (no comments)."""
    return [ln for ln in out.splitlines() if ln.strip() and not ln.startswith(";")]


def tcp_alive(port, addr="127.0.0.1", zone="."):
    """True if the server answers a query over a fresh TCP connection."""
    try:
        m = tcp_query(port, make_query(zone, "SOA"), addr=addr, timeout=5)
    except OSError:
        return False
    return m is not None


def udp_alive(port, addr="127.0.0.1", zone="."):
    return udp_query(port, make_query(zone, "SOA"), addr=addr, timeout=3) is not None


def random_label(n=8):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


def b64secret(nbytes=32):
    return base64.b64encode(os.urandom(nbytes)).decode()


def ip_str(text):
    return str(ipaddress.ip_address(text))


# -- daemons shared by the tests of a class -------------------------------------------------------

def class_daemon(cls, **kw):
    """Starts a harness Daemon for a whole TestCase class (call from
    setUpClass). At class cleanup it must stop with status 0 and no
    sanitizer report (harness.check_clean_exit); then it is removed."""
    from harness import Daemon, check_clean_exit
    d = Daemon(**kw)
    cls.addClassCleanup(d.cleanup)
    cls.addClassCleanup(check_clean_exit, d)
    d.start()
    if d.dns_port is None:
        raise AssertionError("axfrd did not log 'listening on dns://ADDR:PORT'; log:\n%s"
                             % d.log_text())
    return d
