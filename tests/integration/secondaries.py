"""secondaries.py -- real BIND (named) and NSD name servers on loopback, for
integration tests that need real secondaries (and a real primary to check
the harness itself against).

Standard library only. Each server runs in the foreground as a child process
of the test (in its own process group), in a fresh temporary directory that
holds its configuration, zone files, state and log; it listens on 127.0.0.1
only, on a port picked by free_port(), and talks to nothing but 127.0.0.1:
secondaries send no NOTIFY of their own (named: notify no), the primary
notifies only its explicit also-notify targets, no recursion, no DNSSEC
validation, no control channel (no rndc, no nsd-control).

    primary = BindPrimary({"example.com": ["www 300 IN A 192.0.2.1"]}, serial=1)
    primary.start()
    with BindSecondary(primary.port, ["example.com"]) as sec:
        sec.wait_serial("example.com", 1)
        assert sec.dump("example.com") == primary.dump("example.com")

Servers used (Debian 12): BIND 9.18 (`named`, `dig`), NSD 4.6 (`nsd`). They
are installed by deploy/install-deps.sh; when one is missing the tests FAIL
(ToolMissing is an AssertionError), they are never skipped.

Interface (BindSecondary and NsdSecondary alike):
    start(timeout) / stop(timeout) / kill() / restart() / cleanup(),
    context manager; port, workdir; serial(zone) (None: not loaded);
    wait_serial(zone, serial, timeout); dump(zone) (AXFR from it,
    normalized); query(name, type); rcode(name, type); logs();
    wait_log(regex, timeout, since); transfers(zone);
    last_transfer_kind(zone) -> "IXFR" | "AXFR" | None.
BindPrimary adds update_zone(zone, records, serial), set_also_notify(ports),
expected(zone) (its zone file, normalized). normalize_rrs(text) turns dig
output or master-file text into sorted (owner, ttl, class, type, rdata)
tuples; axfr(port, zone, key) dumps any server (axfrd too).

Environment:
  AXFRD_KEEP_TMP=1  keep the temporary directories (for debugging)
"""

import base64
import ipaddress
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

READY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
DIG_TIMEOUT = 2       # seconds per dig try (+time)
START_ATTEMPTS = 4    # a port taken between free_port() and bind(): new port, try again


def _port_range():
    """Ports are picked outside the kernel's ephemeral range (32768-60999
    by default), where the servers' own outgoing sockets (SOA queries,
    NOTIFY, transfers) and every port-0 listener of the test suite land."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        lo, hi = 32768, 60999
    if lo - 1 - 10000 >= 2000:
        return (10000, lo - 1)
    if 65535 - (hi + 1) >= 2000:
        return (hi + 1, 65535)
    return (1024, 65535)


PORT_RANGE = _port_range()

_SBIN_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")
_PACKAGE_OF = {"named": "bind9", "named-checkconf": "bind9", "dig": "bind9-dnsutils",
               "nsd": "nsd", "nsd-checkconf": "nsd"}


# -- tools -----------------------------------------------------------------------

class ToolMissing(AssertionError):
    """A server or client program is not installed. An AssertionError on
    purpose: a test that needs it fails, it is not skipped."""


def find_tool(name):
    """Absolute path of a program, searching PATH and the sbin directories
    (which a non-root PATH often lacks). Raises ToolMissing."""
    path = shutil.which(name)
    if path:
        return path
    for d in _SBIN_DIRS:
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    raise ToolMissing("%s is not installed (Debian package %s; deploy/install-deps.sh installs "
                      "it)" % (name, _PACKAGE_OF.get(name, "?")))


def ensure_tools(*names):
    """Fails (ToolMissing, an AssertionError) unless every program is there.
    Default: named, nsd and dig. Returns {name: path}."""
    return {n: find_tool(n) for n in (names or ("named", "nsd", "dig"))}


_handed_out = set()
_port_reservations = {}


def _reserve_port(port):
    """Reserves port across processes (parallel CTest jobs): binds the
    abstract Unix socket "@axfrd-test-port-PORT", which the kernel releases
    when this process exits. False if another process holds it. (named binds
    with SO_REUSEPORT, so two nameds on one port would not notice.)"""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.bind("\0axfrd-test-port-%d" % port)
    except OSError:
        s.close()
        return False
    _port_reservations[port] = s
    return True


def port_is_free(port):
    """True if both TCP and UDP can bind 127.0.0.1:port right now."""
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            if kind == socket.SOCK_STREAM:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def free_port():
    """A port on 127.0.0.1 free for both UDP and TCP, never handed out
    before by this process nor reserved by another process using this
    module. Still racy (anything else may take it before the server binds
    it): the server classes detect that and start on a new port."""
    rng = random.SystemRandom()
    for _ in range(1000):
        port = rng.randrange(*PORT_RANGE)
        if port in _handed_out:
            continue
        _handed_out.add(port)
        if _reserve_port(port) and port_is_free(port):
            return port
    raise RuntimeError("no free port in %d-%d on 127.0.0.1" % PORT_RANGE)


def _keep_tmp():
    return bool(os.environ.get("AXFRD_KEEP_TMP"))


# -- dig ---------------------------------------------------------------------------

class DigError(AssertionError):
    """dig failed or the answer was not what was asked (transfer refused...)."""


def dig(port, *args, timeout=DIG_TIMEOUT, tries=1, tcp=False, check=True, addr="127.0.0.1"):
    """Runs `dig @ADDR -p PORT ARGS...` (ADDR: 127.0.0.1 unless given);
    returns its stdout (text). Raises DigError when dig exits non-zero
    (unless check is False)."""
    argv = [find_tool("dig"), "-4", "@" + addr, "-p", str(port),
            "+time=%d" % max(1, int(timeout)), "+tries=%d" % tries, "+noidnout"]
    if tcp:
        argv.append("+tcp")
    argv += list(args)
    try:
        res = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             timeout=max(10.0, timeout * tries * 3 + 5))
    except subprocess.TimeoutExpired as e:
        raise DigError("%s: timed out" % " ".join(argv)) from e
    if check and res.returncode != 0:
        raise DigError("%s: exit status %d\n%s%s" % (" ".join(argv), res.returncode,
                                                      res.stdout, res.stderr))
    return res.stdout


def soa_serial(port, zone, tcp=False, addr="127.0.0.1"):
    """The SOA serial addr:port answers for zone (no recursion), or
    None when it has no authoritative SOA for it (not loaded, refused,
    no answer)."""
    try:
        out = dig(port, zone, "SOA", "+norec", "+short", tcp=tcp, check=False, addr=addr)
    except DigError:
        return None
    for line in out.splitlines():
        f = line.split()
        if len(f) == 7 and f[2].isdigit():
            return int(f[2])
    return None


def axfr(port, zone, key=None, addr="127.0.0.1"):
    """The zone as addr:port transfers it (AXFR, one SOA), normalized:
    see normalize_rrs(). key: optional (name, algorithm, secret) for TSIG.
    Raises DigError when the transfer fails."""
    args = [zone, "AXFR", "+nocmd", "+nostats", "+noall", "+answer", "+onesoa",
            "+nomultiline", "+split=0"]
    if key is not None:
        args += ["-y", "%s:%s:%s" % (key[1], key[0], key[2])]
    out = dig(port, *args, timeout=5, addr=addr)
    # with +noall +answer, dig prints comment lines only when something went
    # wrong: "; Transfer failed.", ";; Couldn't verify signature: ..."
    if re.search(r"^;.*(failed|couldn't|error|timed out)", out, re.M | re.I):
        raise DigError("AXFR of %s from %s#%d failed:\n%s" % (zone, addr, port, out))
    rrs = normalize_rrs(out)
    if not any(r[3] == "SOA" and r[0] == _canon_name(zone.rstrip(".") + ".")
               for r in rrs):
        raise DigError("AXFR of %s from %s#%d returned no SOA:\n%s" % (zone, addr, port,
                                                                       out))
    return rrs


# -- normalizing records ---------------------------------------------------------------
#
# A record is the tuple (owner, ttl, class, type, rdata): owner absolute and
# lower-cased, ttl an int, class and type upper-case, rdata in the
# presentation format dig (BIND 9.18) prints, with domain names in it
# absolute and lower-cased, whitespace collapsed, hex upper-case and
# unsplit, base64 unsplit, TXT-like strings quoted the way dig quotes them.
# Works on dig output and on master-file text ($ORIGIN, $TTL, parentheses,
# comments, relative names, omitted owner/TTL/class).

_CLASSES = {"IN", "CH", "HS", "CS", "NONE", "ANY"}
_TTL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NAME_SPECIAL = set('"().;\\@$')


class ZoneSyntaxError(ValueError):
    pass


def parse_ttl(text):
    """'3600', '1h', '1h30m', '2W' -> seconds (int). Raises ValueError."""
    t = text.strip().lower()
    if t.isdigit():
        return int(t)
    m = re.fullmatch(r"(?:\d+[smhdw])+", t)
    if not m:
        raise ValueError("not a TTL: %r" % text)
    return sum(int(n) * _TTL_UNITS[u] for n, u in re.findall(r"(\d+)([smhdw])", t))


def _is_ttl(tok):
    try:
        parse_ttl(tok)
        return True
    except ValueError:
        return False


def _is_class(tok):
    u = tok.upper()
    return u in _CLASSES or re.fullmatch(r"CLASS\d+", u) is not None


def _tokenize(line):
    """Splits one logical line into tokens; a quoted string is one token
    (quotes kept); backslash escapes are kept as written. Stops at a ';'
    comment. Returns (tokens, starts_with_blank)."""
    toks = []
    i, n = 0, len(line)
    blank_start = n > 0 and line[0] in " \t"
    while i < n:
        c = line[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c == ";":
            break
        if c in "()":
            i += 1  # parentheses only join lines; the caller already joined them
            continue
        if c == '"':
            j = i + 1
            while j < n and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            if j >= n:
                raise ZoneSyntaxError("unterminated quoted string in %r" % line)
            toks.append(line[i:j + 1])
            i = j + 1
            continue
        j = i
        while j < n and line[j] not in ' \t\r\n;()"':
            j += 2 if line[j] == "\\" else 1
        toks.append(line[i:j])
        i = j
    return toks, blank_start


def _logical_lines(text):
    """Joins the physical lines of master-file text that parentheses hold
    together (parentheses inside quotes or after ';' do not count)."""
    buf = ""
    depth = 0
    for raw in text.splitlines():
        i, n = 0, len(raw)
        in_q = False
        cut = n
        while i < n:
            c = raw[i]
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_q = not in_q
            elif not in_q:
                if c == ";":
                    cut = i
                    break
                if c == "(":
                    depth += 1
                elif c == ")":
                    depth = max(0, depth - 1)
            i += 1
        part = raw[:cut]
        buf = part if not buf else buf + " " + part
        if depth == 0:
            if buf.strip():
                yield buf
            buf = ""
    if buf.strip():
        yield buf


def _unescape(text):
    """Master-file escapes (\\DDD, \\X) -> bytes."""
    out = bytearray()
    b = text.encode("utf-8")
    i = 0
    while i < len(b):
        c = b[i]
        if c == 0x5C and i + 1 < len(b):
            if len(b[i + 1:i + 4]) == 3 and b[i + 1:i + 4].isdigit():
                out.append(int(b[i + 1:i + 4]) & 0xFF)
                i += 4
            else:
                out.append(b[i + 1])
                i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


def _split_labels(name):
    """Splits a presentation-format name at unescaped dots; labels as bytes."""
    labels, cur, i = [], "", 0
    while i < len(name):
        c = name[i]
        if c == "\\":
            m = re.match(r"\\\d{3}", name[i:])
            esc = m.group(0) if m else name[i:i + 2]
            cur += esc
            i += len(esc)
            continue
        if c == ".":
            labels.append(_unescape(cur))
            cur = ""
        else:
            cur += c
        i += 1
    if cur:
        labels.append(_unescape(cur))
    return labels


def _label_text(label):
    out = []
    for byte in label:
        ch = chr(byte)
        if ch in _NAME_SPECIAL:
            out.append("\\" + ch)
        elif 0x21 <= byte <= 0x7E:
            out.append(ch)
        else:
            out.append("\\%03d" % byte)
    return "".join(out)


def _canon_name(name, origin=None, lower=True):
    """Absolute name in dig's presentation (escapes as BIND writes them),
    lower-cased unless lower is False. '@' is the origin; a relative name
    gets the origin appended."""
    if name == "@":
        if origin is None:
            raise ZoneSyntaxError("'@' without an origin")
        name = origin
    if name == ".":
        return "."
    absolute = name.endswith(".") and not re.search(r"(?<!\\)(\\\\)*\\\.$", name)
    labels = _split_labels(name[:-1] if absolute else name)
    if not absolute:
        if origin is None:
            raise ZoneSyntaxError("relative name %r without an origin" % name)
        o = _canon_name(origin, None, lower)
        if o != ".":
            labels += _split_labels(o[:-1])
    text = ".".join(_label_text(lb) for lb in labels) + "."
    return text.lower() if lower else text


def _charstring(tok):
    """One character-string (quoted or not) -> dig's quoted form."""
    if len(tok) >= 2 and tok[0] == '"' and tok[-1] == '"':
        tok = tok[1:-1]
    out = ['"']
    for byte in _unescape(tok):
        if byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append("\\%03d" % byte)
    out.append('"')
    return "".join(out)


def _hex(toks):
    h = "".join(toks).upper()
    return h if h else "-"


def _b64(toks):
    s = "".join(toks)
    try:
        return base64.b64encode(base64.b64decode(s, validate=True)).decode("ascii")
    except (ValueError, TypeError):
        return s


def _ipv6(text):
    return socket.inet_ntop(socket.AF_INET6, ipaddress.IPv6Address(text).packed)


_SVCB_KEYS = {"mandatory": 0, "alpn": 1, "no-default-alpn": 2, "port": 3, "ipv4hint": 4,
              "ech": 5, "ipv6hint": 6, "dohpath": 7}


def _svcb_key_num(key):
    if key in _SVCB_KEYS:
        return _SVCB_KEYS[key]
    m = re.fullmatch(r"key(\d+)", key)
    return int(m.group(1)) if m else 65536


def _svcb_params(toks):
    params = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if "=" in tok:
            key, val = tok.split("=", 1)
            if val == "" and i + 1 < len(toks) and toks[i + 1].startswith('"'):
                val = toks[i + 1]   # key= "value"
                i += 1
        else:
            key, val = tok, None
        key = key.lower()
        if val is not None:
            if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
                val = val[1:-1]
            if key == "ipv6hint":
                val = ",".join(_ipv6(a) for a in val.split(","))
            elif key == "ipv4hint":
                val = ",".join(str(ipaddress.IPv4Address(a)) for a in val.split(","))
            elif key == "mandatory":
                val = ",".join(sorted(val.lower().split(","), key=_svcb_key_num))
            elif key in ("alpn", "dohpath"):
                val = '"%s"' % val
        params.append((_svcb_key_num(key), key if val is None else "%s=%s" % (key, val)))
        i += 1
    return [p for _, p in sorted(params)]


def _rdata(rtype, toks, origin, lower):
    """Normalized rdata text of one record (tokens as in the file)."""
    name = lambda t: _canon_name(t, origin, lower)  # noqa: E731
    if toks[:1] == ["\\#"]:
        return " ".join(["\\#", toks[1]] + ([_hex(toks[2:])] if toks[2:] else []))
    try:
        if rtype == "A":
            return str(ipaddress.IPv4Address(toks[0]))
        if rtype == "AAAA":
            return _ipv6(toks[0])
        if rtype in ("NS", "CNAME", "PTR", "DNAME", "MD", "MF", "MB", "MG", "MR"):
            return name(toks[0])
        if rtype in ("MX", "KX", "AFSDB", "RT"):
            return "%d %s" % (int(toks[0]), name(toks[1]))
        if rtype == "SRV":
            return "%d %d %d %s" % (int(toks[0]), int(toks[1]), int(toks[2]), name(toks[3]))
        if rtype == "SOA":
            nums = [str(int(toks[2]))] + [str(parse_ttl(t)) for t in toks[3:7]]
            return " ".join([name(toks[0]), name(toks[1])] + nums)
        if rtype in ("TXT", "SPF"):
            return " ".join(_charstring(t) for t in toks)
        if rtype == "CAA":
            return "%d %s %s" % (int(toks[0]), toks[1], _charstring(" ".join(toks[2:])
                                                                   if len(toks) > 3 and
                                                                   not toks[2].startswith('"')
                                                                   else toks[2]))
        if rtype == "NAPTR":
            return "%d %d %s %s %s %s" % (int(toks[0]), int(toks[1]), _charstring(toks[2]),
                                          _charstring(toks[3]), _charstring(toks[4]),
                                          name(toks[5]))
        if rtype == "SSHFP":
            return "%d %d %s" % (int(toks[0]), int(toks[1]), _hex(toks[2:]))
        if rtype in ("TLSA", "SMIMEA", "DS", "CDS", "DLV"):
            return "%d %d %d %s" % (int(toks[0]), int(toks[1]), int(toks[2]), _hex(toks[3:]))
        if rtype in ("DNSKEY", "CDNSKEY", "KEY"):
            return "%d %d %d %s" % (int(toks[0]), int(toks[1]), int(toks[2]), _b64(toks[3:]))
        if rtype in ("SVCB", "HTTPS"):
            return " ".join(["%d" % int(toks[0]), name(toks[1])] + _svcb_params(toks[2:]))
        if rtype == "HINFO":
            return " ".join(_charstring(t) for t in toks)
    except (IndexError, ValueError) as e:
        raise ZoneSyntaxError("bad %s rdata %r: %s" % (rtype, " ".join(toks), e)) from e
    return " ".join(toks)


def normalize_rrs(text, origin=None, default_ttl=None, lower=True):
    """dig output or master-file text -> sorted list of
    (owner, ttl, class, type, rdata) tuples, comparable across servers.

    origin: the initial $ORIGIN (needed for relative names; '.' appended if
    missing). default_ttl: TTL of records that give none before any $TTL
    (else the previous record's TTL, else an error). lower: lower-case owner
    names and the names inside rdata (the default; case is not compared).
    A record that appears twice is kept once (a zone is a set)."""
    if origin is not None and not origin.endswith("."):
        origin += "."
    ttl_default = default_ttl
    last_owner = None
    last_ttl = None
    out = set()
    for line in _logical_lines(text):
        toks, blank_start = _tokenize(line)
        if not toks:
            continue
        head = toks[0].upper()
        if head == "$ORIGIN":
            origin = _canon_name(toks[1], origin, lower=False)
            continue
        if head == "$TTL":
            ttl_default = parse_ttl(toks[1])
            continue
        if head.startswith("$"):
            raise ZoneSyntaxError("unsupported directive %s" % toks[0])
        if blank_start:
            if last_owner is None:
                raise ZoneSyntaxError("record without an owner: %r" % line)
            owner = last_owner
        else:
            owner = _canon_name(toks[0], origin, lower)
            toks = toks[1:]
        ttl = None
        cls = "IN"
        for _ in range(2):
            if toks and ttl is None and _is_ttl(toks[0]):
                ttl = parse_ttl(toks[0])
                toks = toks[1:]
            elif toks and _is_class(toks[0]):
                cls = toks[0].upper()
                toks = toks[1:]
        if not toks:
            raise ZoneSyntaxError("record without a type: %r" % line)
        rtype = toks[0].upper()
        rdata_toks = toks[1:]
        if ttl is None:
            ttl = ttl_default if ttl_default is not None else last_ttl
            if ttl is None and rtype == "SOA" and len(rdata_toks) >= 7:
                ttl = parse_ttl(rdata_toks[6])
            if ttl is None:
                raise ZoneSyntaxError("record without a TTL and no $TTL: %r" % line)
        out.add((owner, ttl, cls, rtype, _rdata(rtype, rdata_toks, origin, lower)))
        last_owner, last_ttl = owner, ttl
    return sorted(out)


def zone_text(zone, records, serial, ttl=300, mname=None, rname=None, refresh=3600, retry=2,
              expire=1209600, minimum=60):
    """Master-file text of zone: $ORIGIN, $TTL, an SOA with serial (unless
    records hold one), then records (strings in master-file syntax, names
    relative to the zone or absolute). An NS record is added if none."""
    origin = zone.rstrip(".") + "."
    recs = [r if isinstance(r, str) else " ".join(str(x) for x in r) for r in records]
    lines = ["$ORIGIN %s" % origin, "$TTL %d" % ttl]
    has = lambda t: any(re.search(r"(^|\s)%s(\s|$)" % t, r.split(";")[0], re.I)  # noqa: E731
                        for r in recs)
    if not has("SOA"):
        lines.append("@ %d IN SOA %s %s %d %d %d %d %d" % (
            ttl, mname or "ns1." + origin, rname or "hostmaster." + origin, serial, refresh,
            retry, expire, minimum))
    if not has("NS"):
        lines.append("@ %d IN NS ns1.%s" % (ttl, origin))
        lines.append("ns1.%s %d IN A 127.0.0.1" % (origin, ttl))
    lines += recs
    return "\n".join(lines) + "\n"


# -- processes -----------------------------------------------------------------------

class ServerError(AssertionError):
    """A name server did not start, answer or stop as expected."""


class _Server:
    """One name server process in its own temporary directory. Subclasses
    set NAME and implement _write_config(), _argv(), and the log patterns."""

    NAME = "server"
    READY_RE = None          # a log line that says it is serving
    BIND_FAIL_RE = None      # a log line that says the port was taken
    EXTRA_LOG = None         # a second log file the server writes in its directory

    def __init__(self, workdir=None, port=None, addr="127.0.0.1"):
        self._own_workdir = workdir is None
        self.addr = addr         # the address it listens on (see NsdSecondary)
        self.workdir = workdir or tempfile.mkdtemp(prefix="axfrd-%s-" % self.NAME)
        os.makedirs(self.workdir, exist_ok=True)
        self._fixed_port = port is not None
        self.port = port or free_port()
        self.proc = None
        self._group_live = False
        self.returncode = None
        self.log_path = os.path.join(self.workdir, "%s.log" % self.NAME)
        self._log_file = None
        self._log_start = 0      # offset of the current run in the log file
        self.runs = 0

    # -- process control -------------------------------------------------

    def _write_config(self):
        raise NotImplementedError

    def _argv(self):
        raise NotImplementedError

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=READY_TIMEOUT):
        """Writes the configuration and starts the server in the foreground;
        returns once it answers on its port. A port that was taken meanwhile
        is replaced by a fresh one (unless it was given to the constructor).
        Raises ServerError (with the log) when it does not come up."""
        if self.running():
            raise ServerError("%s already running" % self.NAME)
        last = None
        for attempt in range(START_ATTEMPTS):
            try:
                self._start_once(timeout)
                self._fixed_port = True   # peers know this port now: restarts keep it
                return self
            except _PortTaken as e:
                last = e
                self.kill()
                if self._fixed_port:
                    break
                self.port = free_port()
        raise ServerError("%s could not bind its port: %s\n%s" % (self.NAME, last, self.logs()))

    def _start_once(self, timeout):
        self._write_config()
        if self.EXTRA_LOG and not self.running():
            try:
                os.unlink(os.path.join(self.workdir, self.EXTRA_LOG))
            except FileNotFoundError:
                pass
        if self._log_file is None:
            self._log_file = open(self.log_path, "ab")
        self._log_file.write(("=== %s run %d, port %d ===\n" % (self.NAME, self.runs + 1,
                                                               self.port)).encode())
        self._log_file.flush()
        self._log_start = self._log_file.tell()
        self.runs += 1
        self.returncode = None
        self.proc = subprocess.Popen(self._argv(), cwd=self.workdir, stdin=subprocess.DEVNULL,
                                     stdout=self._log_file, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._group_live = True   # its process group (id = its pid) may have members
        deadline = time.monotonic() + timeout
        ready = False
        while time.monotonic() < deadline:
            exited = self.proc.poll() is not None
            log = self.logs(current=True)
            m = self.BIND_FAIL_RE.search(log) if self.BIND_FAIL_RE is not None else None
            if m:
                raise _PortTaken(m.group(0))
            if exited:
                self._reap()
                raise ServerError("%s exited with status %s while starting; log:\n%s"
                                  % (self.NAME, self.returncode, self.logs()))
            if not ready and self.READY_RE.search(log):
                ready = True
            if ready and self._answers():
                return
            time.sleep(0.05)
        self.kill()
        raise ServerError("%s did not come up on %s#%d within %.0f s; log:\n%s"
                          % (self.NAME, self.addr, self.port, timeout, self.logs()))

    def _answers(self):
        """True once the server answers on UDP and TCP (any rcode)."""
        for tcp in (False, True):
            try:
                out = dig(self.port, ".", "SOA", "+norec", "+noall", "+comments", tcp=tcp,
                          timeout=1, check=False, addr=self.addr)
            except DigError:
                return False
            if "->>HEADER<<-" not in out:
                return False
        return True

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, wait; SIGKILL (the whole process group) after timeout.
        Returns the exit status."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._killpg()
        self._reap()
        return self.returncode

    def kill(self):
        """SIGKILL to the process group, wait."""
        if self.proc is None:
            return self.returncode
        self._killpg()
        self._reap()
        return self.returncode

    def _killpg(self):
        if self._group_live:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass

    def _reap(self):
        """Collects the exit status; kills children the server left behind
        in its process group (NSD's xfrd and server processes)."""
        if self.proc is None:
            return
        try:
            self.returncode = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self._killpg()
            self.returncode = self.proc.poll()
        if not self._group_live:
            return   # done before: the group id may belong to someone else by now
        deadline = time.monotonic() + 3
        while True:
            try:
                os.killpg(self.proc.pid, 0)
            except (ProcessLookupError, PermissionError):
                break
            if time.monotonic() > deadline:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                break
            time.sleep(0.05)
        self._group_live = False

    def restart(self, timeout=READY_TIMEOUT):
        self.stop()
        return self.start(timeout)

    def cleanup(self):
        """Kills the server if it still runs; removes its directory."""
        try:
            if self.running():
                self.stop()
            else:
                self._reap()
        finally:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None
            if self._own_workdir and not _keep_tmp():
                shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        if not self.running():
            self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    # -- logs --------------------------------------------------------------

    def logs(self, current=False):
        """The server's log (stdout and stderr) of every run, or of the
        current run only; once the server has exited, followed by EXTRA_LOG
        (named.run: what named said before its logging was configured)."""
        try:
            with open(self.log_path, "rb") as f:
                if current:
                    f.seek(self._log_start)
                text = f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            text = ""
        if self.EXTRA_LOG and not self.running():
            try:
                with open(os.path.join(self.workdir, self.EXTRA_LOG), "rb") as f:
                    extra = f.read().decode("utf-8", "replace")
                if extra.strip():
                    text += "\n--- %s ---\n%s" % (self.EXTRA_LOG, extra)
            except FileNotFoundError:
                pass
        return text

    def wait_log(self, regex, timeout=10.0, since=0):
        """Waits until the log (from character offset since) matches regex;
        returns the match. Raises ServerError otherwise."""
        rx = re.compile(regex, re.M) if isinstance(regex, str) else regex
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.logs(), since)
            if m:
                return m
            if time.monotonic() > deadline:
                raise ServerError("%s log did not match %r within %.1f s; log:\n%s"
                                  % (self.NAME, rx.pattern, timeout, self.logs()))
            time.sleep(0.05)

    def log_size(self):
        """Current length of logs() (an offset for wait_log(since=...))."""
        return len(self.logs())

    # -- queries -------------------------------------------------------------

    def dig(self, *args, **kw):
        """dig @ADDR -p PORT ARGS...; returns stdout."""
        kw.setdefault("addr", self.addr)
        return dig(self.port, *args, **kw)

    def serial(self, zone, tcp=False):
        """The zone's SOA serial as this server answers it, None if it has
        not loaded the zone."""
        return soa_serial(self.port, zone, tcp=tcp, addr=self.addr)

    def wait_serial(self, zone, serial, timeout=10.0):
        """Polls until the server answers the zone's SOA with this serial
        (None: any serial); returns the serial. Raises ServerError, with the
        log, on timeout."""
        deadline = time.monotonic() + timeout
        got = None
        while True:
            got = self.serial(zone)
            if got is not None and (serial is None or got == serial):
                return got
            if not self.running():
                raise ServerError("%s exited (status %s) while waiting for %s serial %s; log:\n%s"
                                  % (self.NAME, self.proc and self.proc.poll(), zone, serial,
                                     self.logs()))
            if time.monotonic() > deadline:
                raise ServerError("%s on %s#%d: %s serial is %s, not %s, after %.1f s; "
                                  "log:\n%s" % (self.NAME, self.addr, self.port, zone, got,
                                                serial, timeout, self.logs()))
            time.sleep(0.1)

    def dump(self, zone):
        """The zone as this server holds it: AXFR from it, normalized
        (sorted (owner, ttl, class, type, rdata) tuples, one SOA).

        A TCP connection that reaches the server while it swaps in the
        zone it just transferred can be reset (NSD hands its sockets to
        new processes on each reload): that, and only that, is retried,
        a few times. A refused or failed transfer is never retried."""
        for attempt in range(4):
            try:
                return axfr(self.port, zone, addr=self.addr)
            except DigError as e:
                if attempt == 3 or "connection reset" not in str(e):
                    raise
                time.sleep(0.3)

    def query(self, name, rtype="A", tcp=False):
        """Answer-section records for name/type (no recursion), normalized."""
        out = self.dig(name, rtype, "+norec", "+noall", "+answer", "+nomultiline", "+split=0",
                       tcp=tcp)
        return normalize_rrs(out)

    def rcode(self, name, rtype="A"):
        """The response code (NOERROR, SERVFAIL, ...) for name/type."""
        out = self.dig(name, rtype, "+norec", "+noall", "+comments", check=False)
        m = re.search(r"status: (\w+)", out)
        return m.group(1) if m else None


class _PortTaken(Exception):
    pass


def _check_tsig(tsig):
    if tsig is None:
        return None
    if len(tsig) != 3:
        raise ValueError("tsig must be (name, algorithm, base64 secret)")
    name, alg, secret = tsig
    return (name.rstrip("."), alg.lower(), secret)


def _quote_conf(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


# -- BIND ----------------------------------------------------------------------------

_NAMED_OPTIONS_COMMON = """\
	directory {wd};
	pid-file {wd_pid};
	session-keyfile {wd_session};
	managed-keys-directory {wd};
	dump-file {wd_dump};
	statistics-file {wd_stats};
	listen-on port {port} {{ 127.0.0.1; }};
	listen-on-v6 {{ none; }};
	recursion no;
	dnssec-validation no;
	check-names primary ignore;
	check-names secondary ignore;
	check-names response ignore;
	minimal-responses yes;
	querylog no;
"""

# named runs with -f (foreground, logging as configured), not -g (which
# forces everything to stderr at one level): every category at info on
# stderr, plus xfer-in at debug 3, the only level at which named tells an
# incremental from a non-incremental transfer response. stderr goes to the
# log file.
_NAMED_LOGGING = """\
logging {
	channel info_stderr { stderr; severity info; print-time yes; print-category yes;
		print-severity yes; };
	channel debug_stderr { stderr; severity debug 3; print-time yes; print-category yes;
		print-severity yes; };
	category default { info_stderr; };
	category xfer-in { debug_stderr; };
	category lame-servers { null; };
};
controls { };
"""

# named 9.18 on a port that is taken: "creating IPv4 interface lo failed;
# interface ignored", "unable to listen on any configured interfaces", then
# it exits (these lines are in named.run, see EXTRA_LOG); older versions
# logged "could not listen on UDP socket: address in use" and kept running.
_NAMED_BIND_FAIL_RE = re.compile(
    r"(could not listen on|binding|bind\(\)).*address in use|"
    r"creating IPv4 interface \S+ failed|unable to listen on any configured interface", re.I)


class _Named(_Server):
    NAME = "named"
    READY_RE = re.compile(r"general: (\w+: )?running$", re.M)
    BIND_FAIL_RE = _NAMED_BIND_FAIL_RE

    # -d 1: until the configuration's logging statement is in force (and
    # when the configuration fails, e.g. the port is taken) named logs
    # only to syslog and, when debugging, to named.run in its directory.
    EXTRA_LOG = "named.run"

    def _argv(self):
        return [find_tool("named"), "-f", "-d", "1", "-4", "-n", "1", "-c", self.config_path]

    @property
    def config_path(self):
        return os.path.join(self.workdir, "named.conf")

    def _common_options(self):
        wd = self.workdir
        return _NAMED_OPTIONS_COMMON.format(
            wd=_quote_conf(wd), wd_pid=_quote_conf(os.path.join(wd, "named.pid")),
            wd_session=_quote_conf(os.path.join(wd, "session.key")),
            wd_dump=_quote_conf(os.path.join(wd, "named_dump.db")),
            wd_stats=_quote_conf(os.path.join(wd, "named.stats")), port=self.port)

    @staticmethod
    def _key_clause(tsig):
        if tsig is None:
            return ""
        return 'key "%s" {\n\talgorithm %s;\n\tsecret "%s";\n};\n' % (tsig[0], tsig[1], tsig[2])

    def _write(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)
        res = subprocess.run([find_tool("named-checkconf"), self.config_path],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if res.returncode != 0:
            raise ServerError("named-checkconf rejects %s:\n%s\n--- config:\n%s"
                              % (self.config_path, res.stdout, text))

    def reload(self):
        """SIGHUP: named rereads its configuration and every zone file that
        changed (no rndc needed)."""
        if not self.running():
            raise ServerError("named is not running")
        self.proc.send_signal(signal.SIGHUP)


# Log lines of a BIND secondary about an incoming transfer (9.18; the
# xfer-in category is logged at debug 3, see _NAMED_LOGGING):
#   xfer-in: info: zone example.com/IN: Transfer started.
#   xfer-in: debug 3: transfer of 'example.com/IN' from 127.0.0.1#5300: got incremental response
#     ("got nonincremental response": AXFR, or an AXFR-style answer to IXFR)
#   xfer-in: info: transfer of 'example.com/IN' from 127.0.0.1#5300: Transfer status: success
#   xfer-in: info: transfer of 'example.com/IN' from 127.0.0.1#5300: Transfer completed:
#     1 messages, 9 records, 279 bytes, 0.001 secs (279000 bytes/sec) (serial 2)
_BIND_XFR_RE = re.compile(
    r"(?:zone (?P<zone1>[^/\s]+)/IN: Transfer started\.)|"
    r"(?:transfer of '(?P<zone2>[^/']+)/IN' from \S+: "
    r"(?:got (?P<kind>incremental|nonincremental) response|"
    r"Transfer status: (?P<status>.+)|"
    r"Transfer completed: .*\(serial (?P<serial>\d+)\)))")


class BindPrimary(_Named):
    """A BIND primary serving zones from master files it writes itself.

    zones:        {zone name: [record lines]}; record lines in master-file
                  syntax (names relative to the zone or absolute); an SOA
                  with `serial` and an NS are added when the lines hold none
    serial:       initial SOA serial
    port:         listening port (default free_port())
    tsig:         (name, algorithm, secret): transfers then need this key
    also_notify:  ports on 127.0.0.1 to NOTIFY on every new serial
    allow_transfer: address match list elements allowed to transfer without
                  a key (default none when tsig is set, else 127.0.0.1)
    ixfr:         keep journals (ixfr-from-differences) so secondaries can
                  IXFR after update_zone()
    """

    NAME = "named-primary"

    def __init__(self, zones, serial=1, workdir=None, port=None, tsig=None, also_notify=(),
                 allow_transfer=None, ixfr=True, soa=None):
        super().__init__(workdir, port)
        self.tsig = _check_tsig(tsig)
        self.also_notify = list(also_notify)
        self.allow_transfer = (list(allow_transfer) if allow_transfer is not None
                               else ([] if self.tsig else ["127.0.0.1"]))
        self.ixfr = ixfr
        self.soa = dict(soa or {})
        self.zones = {}
        self.serials = {}
        self._mtime = 0.0
        for z, recs in zones.items():
            self._write_zone(z, recs, serial)

    def zone_file(self, zone):
        return os.path.join(self.workdir, "%s.zone" % zone.rstrip(".").lower())

    def _write_zone(self, zone, records, serial):
        zone = zone.rstrip(".").lower()
        text = zone_text(zone, records, serial, **self.soa)
        path = self.zone_file(zone)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)
        # named reloads a file only if its mtime is newer than the last load
        t = max(time.time(), self._mtime + 1.0)
        os.utime(path, (t, t))
        self._mtime = t
        self.zones[zone] = list(records)
        self.serials[zone] = serial
        return text

    def zone_text(self, zone):
        """The master-file text the primary serves for zone."""
        with open(self.zone_file(zone)) as f:
            return f.read()

    def expected(self, zone):
        """The zone file's records, normalized (what every secondary must hold)."""
        return normalize_rrs(self.zone_text(zone), origin=zone)

    def _write_config(self):
        parts = [self._key_clause(self.tsig), "options {\n", self._common_options()]
        at = [a + ";" for a in self.allow_transfer]
        if self.tsig:
            at.append('key "%s";' % self.tsig[0])
        parts.append("\tallow-transfer { %s };\n" % (" ".join(at) if at else "none;"))
        parts.append("\tnotify explicit;\n\tnotify-delay 0;\n")
        if self.also_notify:
            parts.append("\talso-notify { %s };\n" % " ".join(
                "127.0.0.1 port %d;" % p for p in self.also_notify))
        parts.append("\tcheck-integrity no;\n\tcheck-mx ignore;\n\tcheck-wildcard no;\n"
                     "\tcheck-sibling no;\n\tcheck-srv-cname ignore;\n\tcheck-mx-cname ignore;\n"
                     "\tcheck-dup-records ignore;\n")
        if self.ixfr:
            # max-ixfr-ratio: named answers an IXFR AXFR-style when the
            # difference is more than 100% of the zone, which is every
            # change of a tiny test zone
            parts.append("\tixfr-from-differences yes;\n\tmax-ixfr-ratio unlimited;\n")
        parts.append("};\n" + _NAMED_LOGGING)
        for z in sorted(self.zones):
            parts.append('zone "%s" {\n\ttype primary;\n\tfile %s;\n};\n'
                         % (z, _quote_conf(self.zone_file(z))))
        self._write("".join(parts))

    def set_also_notify(self, ports):
        """Replaces the NOTIFY targets (ports on 127.0.0.1) and reloads."""
        self.also_notify = list(ports)
        if self.running():
            self._write_config()
            self.reload()

    def update_zone(self, zone, records, serial, timeout=10.0):
        """Replaces the zone's records (as in the constructor), sets the
        serial, reloads (SIGHUP) and waits until the primary serves it;
        named then NOTIFYs the also-notify targets. On a stopped primary
        it only rewrites the zone file (served at the next start())."""
        zone = zone.rstrip(".").lower()
        since = self.log_size()
        self._write_zone(zone, records, serial)
        if not self.running():
            return
        self.reload()
        self.wait_log(r"zone %s/IN: loaded serial %d" % (re.escape(zone), serial),
                      timeout, since)
        self.wait_serial(zone, serial, timeout)

    def dump(self, zone):
        return axfr(self.port, zone, key=self.tsig)


class BindSecondary(_Named):
    """A BIND secondary of a primary on 127.0.0.1:primary_port.

    zones:         zone names it transfers
    tsig:          (name, algorithm, secret): SOA queries and transfers are
                   signed with it
    request_ixfr:  request IXFR (named's default) or AXFR only
    notify_from:   addresses allowed to NOTIFY it (default 127.0.0.1)
    max_retry:     upper bound of the retry timer (SOA retry, capped), so a
                   failed/refused refresh of a loaded zone is retried within
                   max_retry seconds. named ignores it for a zone it has
                   never loaded (first retry after about 60 s, then backoff):
                   there, only a NOTIFY or a restart makes it try again
    max_refresh:   upper bound of the refresh timer (None: the SOA's refresh,
                   at least 1 s): tests rely on NOTIFY, not on refresh
    It serves the zone to everyone and allows AXFR from 127.0.0.1 (dump()),
    sends no NOTIFY, and keeps text zone files in its directory (a restart
    serves the old copy until the next transfer).
    """

    def __init__(self, primary_port, zones, workdir=None, port=None, tsig=None,
                 request_ixfr=True, notify_from=("127.0.0.1",), max_retry=2, max_refresh=None,
                 primary_addr="127.0.0.1"):
        super().__init__(workdir, port)
        self.primary_port = primary_port
        self.primary_addr = primary_addr
        self.zone_names = [z.rstrip(".").lower() for z in zones]
        self.tsig = _check_tsig(tsig)
        self.request_ixfr = request_ixfr
        self.notify_from = list(notify_from)
        self.max_retry = max_retry
        self.max_refresh = max_refresh

    def _write_config(self):
        parts = [self._key_clause(self.tsig), "options {\n", self._common_options()]
        parts.append("\tnotify no;\n")
        parts.append("\tallow-transfer { 127.0.0.1; };\n")
        parts.append("\tallow-notify { %s };\n" % " ".join(a + ";" for a in self.notify_from))
        parts.append("\trequest-ixfr %s;\n" % ("yes" if self.request_ixfr else "no"))
        parts.append("\tmin-refresh-time 1;\n\tmin-retry-time 1;\n")
        if self.max_retry is not None:
            parts.append("\tmax-retry-time %d;\n" % self.max_retry)
        if self.max_refresh is not None:
            parts.append("\tmax-refresh-time %d;\n" % self.max_refresh)
        parts.append("\ttransfers-in 50;\n\ttransfers-per-ns 50;\n")
        parts.append("};\n" + _NAMED_LOGGING)
        key = ' key "%s"' % self.tsig[0] if self.tsig else ""
        for z in self.zone_names:
            parts.append('zone "%s" {\n\ttype secondary;\n\tfile %s;\n'
                         '\tmasterfile-format text;\n'
                         '\tprimaries { %s port %d%s; };\n};\n'
                         % (z, _quote_conf(os.path.join(self.workdir, "%s.sec" % z)),
                            self.primary_addr, self.primary_port, key))
        self._write("".join(parts))

    def transfers(self, zone):
        """Completed incoming transfers of zone, oldest first, from the log:
        [{"kind": "IXFR" | "AXFR" | None, "serial": int}]. kind is the form
        of the response: an IXFR request answered AXFR-style is "AXFR"."""
        zone = zone.rstrip(".").lower()
        out = []
        kind = None
        for m in _BIND_XFR_RE.finditer(self.logs()):
            z = (m.group("zone1") or m.group("zone2")).lower()
            if z != zone:
                continue
            if m.group("zone1"):
                kind = None
            elif m.group("kind"):
                kind = "IXFR" if m.group("kind") == "incremental" else "AXFR"
            elif m.group("serial"):
                out.append({"kind": kind, "serial": int(m.group("serial"))})
                kind = None
        return out

    def last_transfer_kind(self, zone):
        """'IXFR' or 'AXFR' for the last completed transfer of zone (as the
        log tells), None if there was none."""
        t = self.transfers(zone)
        return t[-1]["kind"] if t else None


# -- NSD -----------------------------------------------------------------------------

class NsdSecondary(_Server):
    """An NSD secondary of a primary on 127.0.0.1:primary_port; same
    interface as BindSecondary. request_ixfr=False uses `request-xfr: AXFR`
    (IXFR, with fallback to AXFR, is NSD's default). max_retry also bounds
    the retries of a zone never loaded. No xfrd state file: at every start
    NSD serves its zone file copy and asks the primary at once. Zone files
    are written every second (zonefiles-write: 1). store-ixfr is on only so
    that last_transfer_kind() can tell IXFR from AXFR.

    addr: the loopback address it listens on (default 127.0.0.1; e.g.
    127.0.0.3, every 127.x address is local on Linux): tests that need
    secondaries told apart by address use it. With another address than
    127.0.0.1, its SOA queries and transfers also come from that address
    (outgoing-interface); the harness's own queries (dump(), serial())
    still come from 127.0.0.1, which it allows. The named classes have no
    such parameter: named listens only on addresses configured on an
    interface, and lo holds only 127.0.0.1 unless someone adds more.
    notify_key_only (with tsig): NOTIFYs are accepted only when signed
    with that key (allow-notify: ADDR KEY, no NOKEY line)."""

    NAME = "nsd"
    READY_RE = re.compile(r"nsd started \(NSD [^)]*\), pid \d+")
    BIND_FAIL_RE = re.compile(r"can't bind (udp|tcp) socket: Address already in use|"
                              r"bind\(\).*Address already in use|Address already in use")

    def __init__(self, primary_port, zones, workdir=None, port=None, tsig=None,
                 request_ixfr=True, notify_from=("127.0.0.1",), max_retry=2, max_refresh=None,
                 primary_addr="127.0.0.1", verbosity=2, addr="127.0.0.1",
                 notify_key_only=False):
        super().__init__(workdir, port, addr)
        self.notify_key_only = notify_key_only and tsig is not None
        self.primary_port = primary_port
        self.primary_addr = primary_addr
        self.zone_names = [z.rstrip(".").lower() for z in zones]
        self.tsig = _check_tsig(tsig)
        self.request_ixfr = request_ixfr
        self.notify_from = list(notify_from)
        self.max_retry = max_retry
        self.max_refresh = max_refresh
        self.verbosity = verbosity

    @property
    def config_path(self):
        return os.path.join(self.workdir, "nsd.conf")

    def _argv(self):
        return [find_tool("nsd"), "-d", "-c", self.config_path]

    def _write_config(self):
        wd = self.workdir
        os.makedirs(os.path.join(wd, "xfr"), exist_ok=True)
        q = _quote_conf
        lines = [
            "server:",
            "\tip-address: %s@%d" % (self.addr, self.port),
            "\tport: %d" % self.port,
            "\tdo-ip4: yes",
            "\tdo-ip6: no",
            "\treuseport: no",
            "\tserver-count: 1",
            "\tusername: \"\"",
            "\tchroot: \"\"",
            "\tzonesdir: %s" % q(wd),
            "\tdatabase: \"\"",
            "\tzonefiles-write: 1",
            "\tzonelistfile: %s" % q(os.path.join(wd, "zone.list")),
            "\tpidfile: %s" % q(os.path.join(wd, "nsd.pid")),
            # no state file: every zone is checked against the primary at
            # start-up (a restarted secondary catches up at once, as named does)
            "\txfrdfile: \"\"",
            "\txfrdir: %s" % q(os.path.join(wd, "xfr")),
            "\tverbosity: %d" % self.verbosity,
            "\thide-version: yes",
            "\trrl-ratelimit: 0",
            "\txfrd-reload-timeout: 0",
            "remote-control:",
            "\tcontrol-enable: no",
        ]
        if self.tsig:
            lines += ["key:", "\tname: %s" % q(self.tsig[0]),
                      "\talgorithm: %s" % self.tsig[1], "\tsecret: %s" % q(self.tsig[2])]
        key = self.tsig[0] if self.tsig else "NOKEY"
        for z in self.zone_names:
            lines += ["zone:", "\tname: %s" % q(z), "\tzonefile: %s" % q("%s.sec" % z),
                      "\trequest-xfr: %s%s@%d %s" % ("" if self.request_ixfr else "AXFR ",
                                                     self.primary_addr, self.primary_port, key),
                      "\tallow-axfr-fallback: yes",
                      "\tstore-ixfr: yes",
                      "\tixfr-size: 0",
                      "\tprovide-xfr: 127.0.0.1 NOKEY",
                      "\tmin-retry-time: 1",
                      "\tmin-refresh-time: 1"]
            if self.addr != "127.0.0.1":
                # its SOA queries and transfers come from its own address
                lines.append("\toutgoing-interface: %s" % self.addr)
            for a in self.notify_from:
                if not self.notify_key_only:
                    lines.append("\tallow-notify: %s NOKEY" % a)
                if self.tsig:
                    lines.append("\tallow-notify: %s %s" % (a, self.tsig[0]))
            if self.max_retry is not None:
                lines.append("\tmax-retry-time: %d" % self.max_retry)
            if self.max_refresh is not None:
                lines.append("\tmax-refresh-time: %d" % self.max_refresh)
        text = "\n".join(lines) + "\n"
        with open(self.config_path, "w") as f:
            f.write(text)
        res = subprocess.run([find_tool("nsd-checkconf"), self.config_path],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if res.returncode != 0:
            raise ServerError("nsd-checkconf rejects %s:\n%s\n--- config:\n%s"
                              % (self.config_path, res.stdout, text))

    def transfers(self, zone):
        """Completed incoming transfers of zone, oldest first, from the log:
        [{"old": serial before (0: none), "serial": int}]. NSD does not log
        whether a transfer was incremental: see last_transfer_kind()."""
        zone = zone.rstrip(".").lower()
        out = []
        pending = set()
        for m in _NSD_XFR_RE.finditer(self.logs()):
            z = (m.group("zone1") or m.group("zone2")).rstrip(".").lower()
            if z != zone:
                continue
            if m.group("committed"):
                pending.add(int(m.group("committed")))
            else:
                new = int(m.group("new"))
                if new in pending:      # not a load from the zone file
                    pending.discard(new)
                    out.append({"old": int(m.group("old")), "serial": new})
        return out

    def last_transfer_kind(self, zone):
        """'IXFR' or 'AXFR' for the last transfer of zone, None if there was
        none. NSD does not log it; but it keeps the differences it received
        by IXFR (store-ixfr) and drops them on an AXFR, so this asks NSD for
        an IXFR from the serial before that transfer: an incremental answer
        means the transfer was an IXFR. Call it before the next transfer."""
        t = self.transfers(zone)
        if not t:
            return None
        old, new = t[-1]["old"], t[-1]["serial"]
        if old == 0:
            return "AXFR"
        out = self.dig(zone.rstrip(".") + ".", "IXFR=%d" % old, "+nocmd", "+nostats", "+noall",
                       "+answer", "+nomultiline", timeout=5)
        soas = [ln.split() for ln in out.splitlines()
                if not ln.startswith(";") and re.search(r"\sSOA\s", ln)]
        serials = [int(f[-5]) for f in soas if len(f) >= 7 and f[-5].isdigit()]
        if serials[:1] != [new] and serials[:1]:
            raise ServerError("NSD serves serial %s for %s, not %d: last_transfer_kind() must be "
                              "called before the next transfer" % (serials[0], zone, new))
        return "IXFR" if len(serials) >= 2 and serials[1] == old else "AXFR"


# NSD 4.6 at verbosity >= 1 (xfrd, then the server process that applies it):
#   xfrd: zone example.com committed "received update to serial 2 at ... from 127.0.0.1@5300"
#   zone example.com serial 1 is updated to 2
_NSD_XFR_RE = re.compile(
    r"xfrd: zone (?P<zone1>\S+) committed \"received update to serial (?P<committed>\d+) |"
    r"zone (?P<zone2>\S+) serial (?P<old>\d+) is updated to (?P<new>\d+)")
