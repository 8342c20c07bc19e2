#!/usr/bin/env python3
"""amplification.py -- how much the query port amplifies a spoofed flood
(issue 18 point 4): axfrd with and without its response-rate limiting,
Knot with and without mod-rrl, one server at a time, the same zone, the
same flood. Not a test: CTest never runs it.

    python3 tests/bench/amplification.py [--seconds 15] [--rate 12000]

One command does everything, as root on Debian 12, from a clean checkout:

  0. installs Knot when missing (knot, knot-dnsutils: bench only, never in
     deploy/install-deps.sh; --no-install to refuse), builds axfrd like
     run.py (build-bench/, Release) and the flood tool
     (cc -O2 -pthread -o build-bench/udpflood tests/bench/udpflood.c);
  1. enters a network namespace that has only loopback (tests/netns.sh), so
     that nothing of the flood can leave the machine, and there, for each of
     axfrd (rrl-rate 0), axfrd (its defaults: rrl-rate 200, rrl-slip 2, /24,
     /56), Knot (no RRL) and Knot (mod-rrl rate-limit 200, slip 2; Knot's
     prefixes are fixed at /24 and /56):
       - serves the zone amp.bench. (below), Knot from its master file,
         axfrd from its store filled through its API;
       - floods it for --seconds with UDP queries (EDNS 4096) for ANY and
         two large TXT RRsets, at --rate queries per second in all, with
         udpflood, from addresses in 127.64.0.0/16 (all of 127.0.0.0/8 is
         local on Linux) in two shapes, one after the other (SHAPES):
         "narrow", 8 /24s x 8 addresses, each /24 far over the limits, and
         "wide", 256 /24s x 4 addresses, each /24 under them;
       - meanwhile two legitimate clients (Python) query at 20/s each, like
         a resolver: UDP with EDNS 1232, a retry after 0.5 s, TCP when the
         answer is truncated; one from a /24 of its own (127.250.0.1), one
         from inside a flooded /24 (127.64.0.200, a neighbour of the
         spoofed victims);
  2. writes tests/bench/results/amplification.txt (log) and .json (every
     number) and the section of BENCHMARKS.md between
     "<!-- amplification -->" and "<!-- /amplification -->" (run.py keeps
     it when it rewrites that file); the part between
     "<!-- amplification-notes -->" and "<!-- /amplification-notes -->" is
     kept.

The zone: SOA, 2 NS, www A; any: A, AAAA, MX and 4 TXT of 250 bytes (its
full ANY answer, 1,146 bytes, fits 1,232); txt1k: 4 TXT of 250 bytes and one
of 100 (a 1,208-byte answer, the most that fits both servers' 1,232-byte UDP
limit); txt4k: 15 TXT of 250 bytes (3,989 bytes over TCP: over UDP only a
truncated answer).
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import genzone  # noqa: E402
import peers  # noqa: E402
import run  # noqa: E402
from peers import Knot, Axfrd, Http  # noqa: E402
from dnsutil import make_query, Message, tcp_query  # noqa: E402

ZONE = "amp.bench."
BUILD = run.BUILD
KNOT_TOOLS = {"knotd": "knot", "knotc": "knot"}
FLOOD = ["any.amp.bench:ANY", "txt1k.amp.bench:TXT", "txt4k.amp.bench:TXT"]
# what a legitimate client asks, in turn, and how many answer records a
# complete answer has (ANY: at least one)
LEGIT = [("txt1k.amp.bench.", "TXT", 5), ("www.amp.bench.", "A", 1),
         ("any.amp.bench.", "ANY", 1), ("txt4k.amp.bench.", "TXT", 15)]
LEGIT_OWN = "127.250.0.1"
LEGIT_FLOODED = "127.64.0.200"
FLOOD_BASE = "127.64.0.0"
IPUDP = 28          # IPv4 + UDP header bytes per datagram

# the flood's shapes: (key, title, /24s, addresses in each)
SHAPES = [
    ("narrow", "8 /24s, each far over the limits", 8, 8),
    ("wide", "256 /24s, each under the limits (a flood no per-prefix limit sees)", 256, 4),
]

CONFIGS = [
    # (key, label, server, RRL settings)
    ("axfrd-off", "axfrd, rrl-rate 0", "axfrd", None),
    ("axfrd", "axfrd, RRL (defaults)", "axfrd", {}),
    ("knot-off", "Knot, no RRL", "knot", None),
    ("knot", "Knot, mod-rrl", "knot", {"rate-limit": 200, "slip": 2}),
]

RAW = None


def log(msg):
    line = "%s %s" % (time.strftime("%H:%M:%S"), msg)
    print(line, flush=True)
    if RAW is not None:
        RAW.write(line + "\n")
        RAW.flush()


# -- the zone ---------------------------------------------------------------------

def txt(i, n):
    return '"%s"' % ("%02d" % i + "x" * (n - 2))


def zone_text():
    lines = ["$ORIGIN %s" % ZONE, "$TTL 3600",
             "@ IN SOA %s hostmaster.bench.test. 1 3600 600 1209600 300" % genzone.APEX_NS[0]]
    lines += ["@ IN NS %s" % ns for ns in genzone.APEX_NS]
    lines += ["www IN A 192.0.2.1",
              "any IN A 192.0.2.2", "any IN AAAA 2001:db8::2",
              "any IN MX 10 mail.bench.test."]
    lines += ["any IN TXT %s" % txt(i, 249) for i in range(4)]
    lines += ["txt1k IN TXT %s" % txt(i, 249) for i in range(4)]
    lines.append("txt1k IN TXT %s" % txt(4, 99))
    lines += ["txt4k IN TXT %s" % txt(i, 249) for i in range(15)]
    return "\n".join(lines) + "\n"


# -- set-up -----------------------------------------------------------------------

def build():
    axfrd_bin, _ = run.build()
    flood = os.path.join(BUILD, "udpflood")
    subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", flood,
                    os.path.join(HERE, "udpflood.c")], check=True)
    return axfrd_bin, flood


def start_server(cfg, wd, zone_file, axfrd_bin):
    key, label, kind, rrl = cfg
    if kind == "knot":
        s = Knot(wd, [(ZONE, zone_file)])
        s.rrl = rrl
        s.prepare()
        s.start()
        s.wait_zone(ZONE, timeout=60)
        return s
    args = run.axfrd_args(["--rrl-rate", "0"] if rrl is None else [])
    s = Axfrd(wd, axfrd_bin, args)
    s.start()
    s.wait_api(60)
    h = s.http()
    try:
        run.axfrd_create_zone(h, ZONE)
        with open(zone_file, "rb") as f:
            st, b = h.json("POST", "/v1/zones/%s/import" % ZONE.rstrip("."), f.read(),
                           ctype="text/dns")
        run.check(st, b, (200,), "import of %s" % ZONE)
        serial = run.axfrd_serial(h, ZONE)
    finally:
        h.close()
    run.wait_serial(s.port, ZONE, serial, timeout=60)
    return s


# -- counters ---------------------------------------------------------------------

def udp_snmp():
    """The namespace's UDP counters (/proc/net/snmp, the Udp: lines)."""
    with open("/proc/net/snmp") as f:
        rows = [ln.split() for ln in f if ln.startswith("Udp:")]
    return dict(zip(rows[0][1:], (int(x) for x in rows[1][1:])))


def axfrd_counters(s):
    st, body = Http(s.api_port, {}).request("GET", "/metrics")
    out = {}
    for line in body.decode().splitlines():
        m = re.match(r'axfrd_rrl_limited_total\{action="(\w+)"\} (\d+)', line)
        if m:
            out["rrl_" + m.group(1)] = int(m.group(2))
        m = re.match(r'axfrd_queries_total\{transport="udp"\} (\d+)', line)
        if m:
            out["udp_queries"] = int(m.group(1))
    return out


def knot_counters(s):
    res = subprocess.run([peers.find_tool("knotc"), "-c", s.conf, "stats"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=10)
    out = {}
    for line in res.stdout.splitlines():
        m = re.match(r"mod-rrl\.(\w+)\s*=\s*(\d+)", line.strip())
        if m:
            out["rrl_" + m.group(1)] = int(m.group(2))
    return out


def counters(kind, s):
    try:
        return axfrd_counters(s) if kind == "axfrd" else knot_counters(s)
    except Exception as e:  # noqa: BLE001 -- a counter we cannot read is shown as missing
        log("  could not read the server's counters: %s" % e)
        return {}


# -- the legitimate client ----------------------------------------------------------

class Legit(threading.Thread):
    """A resolver-like client at a fixed rate from one address: UDP (EDNS
    1232), one retry after udp_timeout, TCP when truncated. Records per
    query (ok, seconds, how it was answered)."""

    def __init__(self, port, src, rate=20.0, udp_timeout=0.5, tries=2):
        super().__init__(daemon=True, name="legit-" + src)
        self.port, self.src = port, src
        self.interval = 1.0 / rate
        self.udp_timeout, self.tries = udp_timeout, tries
        self.results = []
        self._halt = threading.Event()

    def stop(self):
        self._halt.set()
        self.join(10)

    def one(self, name, qtype):
        """(answer Message or None, "udp" | "udp-retry" | "tcp")."""
        how = "udp"
        for attempt in range(self.tries):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind((self.src, 0))
                q = make_query(name, qtype, edns={"udp": 1232})
                qid = struct.unpack(">H", q[:2])[0]
                s.sendto(q, ("127.0.0.1", self.port))
                deadline = time.monotonic() + self.udp_timeout
                m = None
                while m is None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    s.settimeout(left)
                    try:
                        data = s.recv(65535)
                    except (socket.timeout, ConnectionRefusedError):
                        break
                    if len(data) >= 12 and struct.unpack(">H", data[:2])[0] == qid:
                        m = Message(data)
            finally:
                s.close()
            if m is None:
                how = "udp-retry"
                continue
            if not m.tc:
                return m, how
            try:
                return tcp_query(self.port, make_query(name, qtype), src=self.src,
                                 timeout=2.0), "tcp"
            except OSError:
                return None, "tcp"
        return None, how

    def run(self):
        k = 0
        nxt = time.monotonic()
        while not self._halt.is_set():
            name, qtype, want = LEGIT[k % len(LEGIT)]
            k += 1
            t = time.monotonic()
            m, how = self.one(name, qtype)
            dt = time.monotonic() - t
            ok = m is not None and m.rcode == 0 and \
                (len(m.answer) >= 1 if qtype == "ANY" else len(m.answer) == want)
            self.results.append({"q": "%s %s" % (name, qtype), "ok": ok, "s": dt, "how": how})
            nxt += self.interval
            self._halt.wait(max(0.0, nxt - time.monotonic()))

    def summary(self):
        r = self.results
        lat = sorted(x["s"] * 1000 for x in r if x["ok"])
        return {
            "queries": len(r),
            "ok": sum(1 for x in r if x["ok"]),
            "success": sum(1 for x in r if x["ok"]) / len(r) if r else None,
            "median_ms": statistics.median(lat) if lat else None,
            "p95_ms": run.percentile(lat, 95),
            "max_ms": lat[-1] if lat else None,
            "tcp": sum(1 for x in r if x["how"] == "tcp"),
            "udp_retry": sum(1 for x in r if x["how"] == "udp-retry"),
            # the same without the TXT RRset that never fits UDP (always TCP)
            "udp_sized_ok": sum(1 for x in r if x["ok"] and "txt4k" not in x["q"]),
            "udp_sized": sum(1 for x in r if "txt4k" not in x["q"]),
        }


# -- one measurement ------------------------------------------------------------------

def measure(cfg, shape, ctx):
    key, label, kind, rrl = cfg
    wd = os.path.join(ctx.tmp, shape[0] + "-" + key)
    log("%s, flood %s: starting" % (label, shape[0]))
    s = start_server(cfg, wd, ctx.zone_file, ctx.axfrd_bin)
    try:
        # the zone as a client sees it, before the flood (checks the set-up)
        for name, qtype, want in LEGIT:
            m = tcp_query(s.port, make_query(name, qtype), src="127.251.0.1")
            if m is None or m.rcode != 0 or (qtype != "ANY" and len(m.answer) != want):
                raise RuntimeError("%s: %s %s over TCP: %r" % (label, name, qtype, m))
        time.sleep(1.0)     # every bucket full again
        before = counters(kind, s)
        snmp0 = udp_snmp()
        legit = [Legit(s.port, LEGIT_OWN), Legit(s.port, LEGIT_FLOODED)]
        cpu0 = proc_cpu(s)
        for c in legit:
            c.start()
        time.sleep(0.5)
        res = subprocess.run([ctx.flood, "-r", str(ctx.args.rate), "-t", str(ctx.args.seconds),
                              "-w", "1", "-e", "4096", "-P", str(shape[2]),
                              "-H", str(shape[3]), "-b", FLOOD_BASE, "127.0.0.1",
                              str(s.port)] + FLOOD,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             timeout=ctx.args.seconds + 60)
        cpu1 = proc_cpu(s)
        time.sleep(0.5)
        for c in legit:
            c.stop()
        if res.returncode != 0:
            raise RuntimeError("udpflood: %s" % res.stderr.strip())
        flood = json.loads(res.stdout)
        snmp1 = udp_snmp()
        after = counters(kind, s)
        if not s.running():
            raise RuntimeError("%s exited during the flood; log tail:\n%s"
                               % (label, s.log_tail()))
    finally:
        s.stop()
    out = {"label": label, "flood": flood,
           "server": {k: after[k] - before.get(k, 0) for k in after},
           "udp": {k: snmp1[k] - snmp0[k] for k in snmp1},
           "cpu_s": cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None,
           "legit_own": legit[0].summary(), "legit_flooded": legit[1].summary()}
    out["derived"] = derive(out)
    d = out["derived"]
    log("  flood: %d queries (%d B) -> %d answers (%d B): %.2f x payload, %.2f x with "
        "headers; full %d, TC %d, none %d; kernel UDP receive-buffer drops %d; server %s"
        % (flood["sent"], flood["sent_bytes"], d["answers"], d["answer_bytes"], d["amp"],
           d["amp_wire"], d["full"], d["tc"], d["none"], out["udp"].get("RcvbufErrors", 0),
           json.dumps(out["server"])))
    log("  seconds %d.. of the flood: %s x payload" % (STEADY_FROM, fmt(d["amp_steady"])))
    for q in flood["queries"]:
        log("  %s: %s" % (q["q"], json.dumps(q)))
    for which in ("legit_own", "legit_flooded"):
        log("  %s: %s" % (which, json.dumps(out[which])))
    return out


def proc_cpu(s):
    """CPU seconds (user + system) of the server's processes so far."""
    tot = 0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in s.pids():
        try:
            with open("/proc/%d/stat" % pid) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        tot += int(fields[11]) + int(fields[12])
    return tot / tick


STEADY_FROM = 5     # the steady state: from this second of the flood on (Knot's buckets
                    # start with 4 s of tokens, 800, and a 500/s flood drains them in 2.7 s)


def derive(r):
    f = r["flood"]
    qs = f["queries"]
    full = sum(q["full"] for q in qs)
    tc = sum(q["tc"] for q in qs)
    other = sum(q["other"] for q in qs)
    ab = sum(q["full_bytes"] + q["tc_bytes"] + q["other_bytes"] for q in qs)
    answers = full + tc + other
    per = f["per_second"]
    # the answers of second k answer (nearly all) the queries of second k;
    # the last, partial second and the wait after it are left out
    steady = per[STEADY_FROM:int(f["seconds"])]
    s_sent = sum(x[1] for x in steady)
    s_ans = sum(x[3] for x in steady)
    d = {
        "answers": answers, "answer_bytes": ab, "full": full, "tc": tc, "other": other,
        "none": f["sent"] - answers,
        "amp": ab / f["sent_bytes"] if f["sent_bytes"] else None,
        "amp_wire": (ab + IPUDP * answers) / (f["sent_bytes"] + IPUDP * f["sent"])
        if f["sent"] else None,
        "amp_steady": s_ans / s_sent if s_sent else None,
        "answers_per_s_steady": sum(x[2] for x in steady) / len(steady) if steady else None,
        "sent_per_s": f["sent"] / f["seconds"] if f["seconds"] else None,
        "per_query": {},
    }
    for q in qs:
        n = q["full"] + q["tc"] + q["other"]
        d["per_query"][q["q"]] = {
            "amp": (q["full_bytes"] + q["tc_bytes"] + q["other_bytes"]) / q["sent_bytes"]
            if q["sent_bytes"] else None,
            "full": q["full"] / q["sent"] if q["sent"] else None,
            "tc": q["tc"] / q["sent"] if q["sent"] else None,
            "none": (q["sent"] - n) / q["sent"] if q["sent"] else None,
            "max_answer": q["max_answer"], "query_bytes": q["query_bytes"],
        }
    return d


# -- the report -----------------------------------------------------------------------

def fmt(v, f="%.2f"):
    return "—" if v is None else f % v


def pct(a, b):
    return "—" if not b else "%.1f %%" % (100.0 * a / b)


def table(ctx, res):
    keys = [c[0] for c in CONFIGS if c[0] in res]
    head = "| | " + " | ".join(res[k]["label"] for k in keys) + " |"
    sep = "| --- |" + " ---: |" * len(keys)
    rows = []

    def row(name, fn):
        rows.append("| %s | %s |" % (name, " | ".join(fn(res[k]) for k in keys)))

    row("flood sent, queries/s (of %d asked)" % ctx.args.rate,
        lambda r: fmt(r["derived"]["sent_per_s"], "%.0f"))
    row("**amplification: answer bytes / query bytes (UDP payload), whole flood**",
        lambda r: "**%s**" % fmt(r["derived"]["amp"]))
    row("  the same with IP and UDP headers (28 bytes a datagram)",
        lambda r: fmt(r["derived"]["amp_wire"]))
    row("  the same from second %d on (after the first burst)" % STEADY_FROM,
        lambda r: fmt(r["derived"]["amp_steady"]))
    for q in FLOOD:
        row("  %s %s only" % tuple(q.split(":")),
            lambda r, q=q: fmt(r["derived"]["per_query"][q]["amp"]))
    row("answers per second to the flood, from second %d on" % STEADY_FROM,
        lambda r: fmt(r["derived"]["answers_per_s_steady"], "%.0f"))
    row("flood queries answered in full",
        lambda r: pct(r["derived"]["full"], r["flood"]["sent"]))
    row("  answered TC=1 (an RRL slip, or too large for UDP)",
        lambda r: pct(r["derived"]["tc"], r["flood"]["sent"]))
    row("  not answered",
        lambda r: pct(r["derived"]["none"], r["flood"]["sent"]))
    row("  answered otherwise (an error, no records)",
        lambda r: pct(r["derived"]["other"], r["flood"]["sent"]))
    for q in FLOOD:
        row("  %s %s: full / TC / none" % tuple(q.split(":")),
            lambda r, q=q: "%.0f / %.0f / %.0f %%" % tuple(
                100 * r["derived"]["per_query"][q][x] for x in ("full", "tc", "none")))
    row("  largest answer to the flood, bytes (query: %d-%d)" % (
        min(res[keys[0]]["derived"]["per_query"][q]["query_bytes"] for q in FLOOD),
        max(res[keys[0]]["derived"]["per_query"][q]["query_bytes"] for q in FLOOD)),
        lambda r: "%d" % max(v["max_answer"] for v in r["derived"]["per_query"].values()))
    row("server's RRL counters: dropped / slipped",
        lambda r: "%s / %s" % (r["server"].get("rrl_dropped", "—"),
                               r["server"].get("rrl_slipped", "—"))
        if "rrl_dropped" in r["server"] else "—")
    row("kernel drops (UDP receive buffers full, any socket)",
        lambda r: "%d" % r["udp"].get("RcvbufErrors", 0))
    row("server CPU during the flood, s", lambda r: fmt(r["cpu_s"], "%.1f"))
    for which, what in (("legit_own", "legitimate client, own /24 (%s)" % LEGIT_OWN),
                        ("legit_flooded", "legitimate client inside a flooded /24 (%s)"
                         % LEGIT_FLOODED)):
        row("**%s: answered**" % what,
            lambda r, w=which: "**%s**" % pct(r[w]["ok"], r[w]["queries"]))
        row("  the queries whose answer fits UDP: answered",
            lambda r, w=which: pct(r[w]["udp_sized_ok"], r[w]["udp_sized"]))
        row("  latency, median / p95 / max, ms",
            lambda r, w=which: "%s / %s / %s" % (fmt(r[w]["median_ms"], "%.1f"),
                                                 fmt(r[w]["p95_ms"], "%.1f"),
                                                 fmt(r[w]["max_ms"], "%.0f")))
        row("  over TCP (after TC=1) / after a UDP retry",
            lambda r, w=which: "%d / %d of %d" % (r[w]["tcp"], r[w]["udp_retry"],
                                                   r[w]["queries"]))

    return [head, sep] + rows


def section(ctx, meta, results):
    a = ctx.args
    tables = []
    for key, title, p, h in SHAPES:
        if key not in results:
            continue
        n = p * h
        tables += ["### Flood from %s: %d addresses, %d queries/s per /24" % (
            title, n, a.rate // p), ""] + table(ctx, results[key]) + [""]
    lines = [
        "<!-- amplification -->",
        "## Amplification on the query port (issue 18 point 4)",
        "",
        "What a spoofed UDP flood of ANY and large-TXT queries gets back, axfrd with and "
        "without its response-rate limiting, beside Knot with and without mod-rrl, and what "
        "legitimate clients see meanwhile. One run, one server at a time, the same zone and "
        "the same flood; compare the ratios, not the absolute numbers (a shared 2-CPU VM).",
        "",
        "Reproduce (as root on Debian 12; installs Knot when missing, builds, then runs in "
        "a network namespace that has only loopback):",
        "",
        "```sh",
        "python3 tests/bench/amplification.py",
        "```",
        "",
        "| | |",
        "| --- | --- |",
        "| date | %s |" % meta["date"],
        "| machine | %s |" % meta["machine"],
        "| load average at start / end | %s / %s |" % (meta["load_start"],
                                                       meta.get("load_end", "?")),
        "| Knot | %s |" % meta["knot"],
        "| axfrd | git %s, CMAKE_BUILD_TYPE=Release |" % meta["git"],
        "| flood | %d queries/s for %d s from 127.64.0.1 ... (see each table), EDNS 4096, "
        "in turn: %s |" % (a.rate, a.seconds,
                           ", ".join("%s %s" % tuple(q.split(":")) for q in FLOOD)),
        "| command | `%s` |" % meta["command"],
        "",
    ] + tables + [
        "### Method",
        "",
        "- Zone `amp.bench.`, the same master file for both (axfrd: imported through its "
        "API): SOA, 2 NS, `www` A; `any`: A, AAAA, MX and 4 TXT of 250 bytes (its full ANY "
        "answer, 1,146 bytes, fits 1,232); `txt1k`: 4 TXT of 250 bytes and one of 100 (a "
        "1,208-byte answer: the most that fits both servers' UDP limit, 1,232 bytes, "
        "Knot's udp-max-payload default and axfrd's fixed size); `txt4k`: 15 TXT of 250 "
        "bytes (3,989 bytes: over UDP only a truncated answer, on both).",
        "- Servers on 127.0.0.1 with their defaults except: axfrd `--rrl-rate 0` for the "
        "baseline, else its defaults (rrl-rate 200, rrl-slip 2, rrl-ipv4-prefix 24, "
        "rrl-ipv6-prefix 56, rrl-table-size 65536); Knot 3.2 with `mod-rrl` as a global "
        "module, `rate-limit: 200`, `slip: 2` (its prefixes are fixed at /24 and /56; its "
        "default table size), and without it for its baseline.",
        "- Flood: `tests/bench/udpflood.c`, one socket bound to the wildcard address that "
        "sends each query from a chosen 127.x address (IP_PKTINFO) with `sendmmsg`, paced to "
        "the rate, and counts every answer (by the message ID) per query and per second. "
        "Source address k sends the three queries in turn, then the next address (in the "
        "next /24) the next three. Amplification = answer bytes received by the flood's "
        "addresses / query bytes sent, UDP payload; with headers, 28 bytes are added per "
        "datagram both ways. Not answered = sent - answered (an RRL drop, or a datagram the "
        "kernel dropped: that row counts those).",
        "- Legitimate clients (Python, 20 queries/s each, in turn TXT `txt1k`, A `www`, ANY "
        "`any`, TXT `txt4k`): UDP with EDNS 1232 from a fresh port, a second try after "
        "0.5 s without an answer, TCP (from the same address) when the answer has TC=1; "
        "answered = a complete answer (rcode 0, every record) within that; latency from the "
        "first send. `txt4k` always goes to TCP (it never fits UDP), so the rows also show "
        "the queries whose answer fits UDP on their own.",
        "- Raw output: `tests/bench/results/amplification.txt` (log) and "
        "`amplification.json` (every number, the flood's counts per second).",
        "",
        "<!-- amplification-notes -->",
        ctx.notes.strip("\n") if ctx.notes else "",
        "<!-- /amplification-notes -->",
        "<!-- /amplification -->",
        "",
    ]
    return "\n".join(lines)


def write_section(path, text):
    try:
        with open(path) as f:
            old = f.read()
    except OSError:
        old = ""
    m = re.search(r"<!-- amplification -->\n.*?<!-- /amplification -->\n", old, re.S)
    new = old[:m.start()] + text + old[m.end():] if m else \
        old + ("\n" if old and not old.endswith("\n\n") else "") + text
    with open(path, "w") as f:
        f.write(new)


def keep_notes(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return ""
    m = re.search(r"<!-- amplification-notes -->\n(.*?)<!-- /amplification-notes -->",
                  text, re.S)
    return m.group(1) if m else ""


# -- main -----------------------------------------------------------------------------

class Ctx:
    pass


def main():
    global RAW
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=15, help="length of each flood")
    ap.add_argument("--rate", type=int, default=12000, help="flood queries per second")
    ap.add_argument("--shapes", default=",".join(x[0] for x in SHAPES))
    ap.add_argument("--configs", default=",".join(c[0] for c in CONFIGS))
    ap.add_argument("--out", default=os.path.join(SOURCE_DIR, "BENCHMARKS.md"))
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--report-only", action="store_true",
                    help="only write the section of --out again from amplification.json")
    args = ap.parse_args()
    if args.seconds <= STEADY_FROM:
        ap.error("--seconds must be more than %d (the steady state starts there)" % STEADY_FROM)
    configs = [c for c in CONFIGS if c[0] in args.configs.split(",")]
    jpath = os.path.join(args.results, "amplification.json")

    if args.report_only:
        with open(jpath) as f:
            saved = json.load(f)
        ctx = Ctx()
        ctx.args = argparse.Namespace(**saved["meta"]["args"])
        ctx.notes = keep_notes(args.out)
        write_section(args.out, section(ctx, saved["meta"], saved["results"]))
        print("section written to %s" % args.out)
        return 0

    # Outside the namespace: the install and the build, then the rest in it.
    if os.environ.get("AXFRD_IN_NETNS") != "1":
        run.install_peers(not args.no_install, KNOT_TOOLS)
        if not args.no_build:
            build()
        argv = [sys.executable, os.path.abspath(__file__), "--no-install", "--no-build"] + \
            [a for a in sys.argv[1:] if a not in ("--no-install", "--no-build")]
        os.execvp("sh", ["sh", os.path.join(SOURCE_DIR, "tests", "netns.sh")] + argv)

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    ctx = Ctx()
    ctx.args = args
    ctx.axfrd_bin = os.path.join(BUILD, "axfrd")
    ctx.flood = os.path.join(BUILD, "udpflood")
    for b in (ctx.axfrd_bin, ctx.flood):
        if not os.access(b, os.X_OK):
            raise SystemExit("%s missing: run without --no-build" % b)
    ctx.notes = keep_notes(args.out)
    os.makedirs(args.results, exist_ok=True)
    RAW = open(os.path.join(args.results, "amplification.txt"), "w")
    ctx.tmp = tempfile.mkdtemp(prefix="axfrd-amp-")
    ctx.zone_file = os.path.join(ctx.tmp, "amp.bench.zone")
    with open(ctx.zone_file, "w") as f:
        f.write(zone_text())
    t0 = time.monotonic()
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": " ".join(["python3", "tests/bench/amplification.py"] +
                                [a for a in sys.argv[1:]
                                 if a not in ("--no-install", "--no-build")]),
            "load_start": run.load_avg(), "args": vars(args)}
    m = run.machine()
    meta["machine"] = "%s, %s CPUs (nproc), %s RAM, %s, kernel %s" % (
        m.get("cpu", "?"), m.get("nproc", "?"), m.get("ram", "?"), m.get("os", "?"),
        m.get("kernel", "?")) if isinstance(m, dict) else str(m)
    meta["knot"] = Knot.version(Knot.__new__(Knot))
    meta["git"] = run.git_rev()
    log("command: %s; load average %s" % (meta["command"], meta["load_start"]))
    log("machine: %s; %s; axfrd git %s" % (meta["machine"], meta["knot"], meta["git"]))
    results = {}
    try:
        for shape in SHAPES:
            if shape[0] not in args.shapes.split(","):
                continue
            results[shape[0]] = {}
            for cfg in configs:
                results[shape[0]][cfg[0]] = measure(cfg, shape, ctx)
    except KeyboardInterrupt as e:
        log("interrupted (%s): stopping every server" % (e or "Ctrl-C"))
        return 130
    finally:
        peers.kill_all()
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    meta["load_end"] = run.load_avg()
    dur = time.monotonic() - t0
    meta["duration"] = "%d min %02d s" % (dur // 60, dur % 60)
    with open(jpath, "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1, sort_keys=True)
    write_section(args.out, section(ctx, meta, results))
    log("section written to %s; raw results in %s (%s)"
        % (os.path.relpath(args.out, SOURCE_DIR), os.path.relpath(args.results, SOURCE_DIR),
           meta["duration"]))
    RAW.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
