#!/usr/bin/env python3
"""run.py -- axfrd against Knot, NSD, BIND and PowerDNS, side by side on
loopback, same zones, same client (issue 6). Not a test: CTest never runs it.

    python3 tests/bench/run.py [--quick] [--runs 5] [--out BENCHMARKS.md]

One command does everything, in a fixed order, one server at a time:

  0. installs the peers when missing (Debian packages knot, knot-dnsutils,
     pdns-server, pdns-backend-sqlite3; bench only, never in
     deploy/install-deps.sh; skip with --no-install), builds axfrd
     (cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DAXFRD_TESTS=OFF)
     and the client (cc -O2 -o build-bench/axfr_count tests/bench/axfr_count.c),
     generates the zones (tests/bench/genzone.py; kept in build-bench/data).
  1. big:        each server serves the 1,000,007-record zone example.bench.
                 (Knot, NSD, BIND from its master file; PowerDNS from SQLite
                 filled by zone2sql; axfrd from its store, filled through its
                 API and then restarted): load time, memory after load,
                 AXFR records/s and time to first byte (1 warm-up + RUNS
                 transfers), memory after the transfers; then RUNS times one
                 record added (DNS UPDATE for Knot and BIND, the API for
                 PowerDNS and axfrd; NSD has no way) and the time from the
                 change acknowledged to the end of the first complete
                 transfer of the new serial; for axfrd also change -> NOTIFY.
  2. concurrent: 200 AXFRs of a 10,000-record zone at once, slow readers (so
                 they overlap): all complete with the same count? memory
                 growth per transfer = (highest RSS while they run - RSS
                 before) / 200.
  3. startup:    100,000 tiny zones (SOA + 2 NS), every one allowed to
                 transfer to 127.0.0.1 and NOTIFYing a sink (axfrd: secondary
                 DNS enabled on each): time from process start until the last
                 zone and 200 random others answer their SOA.
  4. api:        PowerDNS's API and axfrd's: single-record writes/s from 1
                 client and from 8 clients (durable: both stores on their
                 defaults), and API write returned -> a BIND secondary
                 (NOTIFY from the primary) answers the new record.

Every transfer's record count is checked against the zone's. Results: a
raw log and JSON in tests/bench/results/ (bench.txt, bench.json) and the
tables in --out (BENCHMARKS.md; the part between "<!-- notes -->" and
"<!-- /notes -->" of an existing file is kept). --quick (the 10k zone for
"big", 2,000 zones for "startup", short API phases, 1 run) finishes in a
few minutes and writes to build-bench/quick/ instead. Every process started
is ended at the end, also on errors and Ctrl-C.
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
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
from peers import Udp, NotifySink, Knot, Nsd, Bind, Pdns, Axfrd  # noqa: E402

BUILD = os.path.join(SOURCE_DIR, "build-bench")
DATA = os.path.join(BUILD, "data")
ZONE = "example.bench."
SERVERS = ["knot", "nsd", "bind", "pdns", "axfrd"]
LABELS = {"knot": "Knot", "nsd": "NSD", "bind": "BIND", "pdns": "PowerDNS", "axfrd": "axfrd"}
PEER_PKGS = ["knot", "knot-dnsutils", "pdns-server", "pdns-backend-sqlite3"]
PEER_TOOLS = {"knotd": "knot", "nsd": "nsd", "named": "bind9", "pdns_server": "pdns-server",
              "zone2sql": "pdns-server", "sqlite3": "sqlite3"}
SECONDARY_NS = "ns1.bench.test."       # already an apex NS of every generated zone
IMPORT_CHUNK = 0        # records per axfrd import request, 0: all in one (see import_zone())
# the 200 concurrent transfers are slow readers (32 KiB receive buffer, 10 ms
# pause after every read: about 0.2 s per transfer of the 10k zone), so that
# they overlap on every server; a client that stops reading altogether for
# more than 0.5 s is cut off by Knot (tcp-io-timeout)
CONC_READER = ["-s", "1", "-r", "16384", "-d", "10"]

RAW = None          # the raw log (file)


def log(msg):
    line = "%s %s" % (time.strftime("%H:%M:%S"), msg)
    print(line, flush=True)
    if RAW is not None:
        RAW.write(line + "\n")
        RAW.flush()


def median(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def percentile(v, p):
    """Nearest-rank percentile."""
    v = sorted(x for x in v if x is not None)
    if not v:
        return None
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


# -- set-up --------------------------------------------------------------------------

def install_peers(allowed, tools=None):
    """The bench-only install step: Debian packages of the peers (of the
    tools given, {tool: package}; default all of PEER_TOOLS)."""
    missing = set()
    for tool, pkg in (tools or PEER_TOOLS).items():
        try:
            peers.find_tool(tool)
        except AssertionError:
            missing.add(pkg)
    if not missing:
        return
    if "pdns-server" in missing:
        missing.add("pdns-backend-sqlite3")
    if "knot" in missing:
        missing.add("knot-dnsutils")
    if not allowed:
        raise SystemExit("missing: %s (run without --no-install, as root, to install them)"
                         % " ".join(sorted(missing)))
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    log("installing %s" % " ".join(sorted(missing)))
    # the packages must not start system name servers: a policy-rc.d that
    # says no, for the duration of the install (only if there is none)
    created = False
    if not os.path.exists("/usr/sbin/policy-rc.d"):
        subprocess.run(sudo + ["sh", "-c", "printf '#!/bin/sh\\nexit 101\\n' > "
                               "/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d"],
                       check=True)
        created = True
    try:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] +
                       sorted(missing), check=True, env=env)
    finally:
        if created:
            subprocess.run(sudo + ["rm", "-f", "/usr/sbin/policy-rc.d"])


def build():
    log("building axfrd (Release) in build-bench/ and the client")
    subprocess.run(["cmake", "-S", SOURCE_DIR, "-B", BUILD, "-DCMAKE_BUILD_TYPE=Release",
                    "-DAXFRD_TESTS=OFF"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", BUILD, "-j%d" % (os.cpu_count() or 2)], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["cc", "-O2", "-pthread", "-o", os.path.join(BUILD, "axfr_count"),
                    os.path.join(HERE, "axfr_count.c")], check=True)
    return os.path.join(BUILD, "axfrd"), os.path.join(BUILD, "axfr_count")


def zones(quick, startup_zones):
    """Generates (or reuses) the zone files; returns their paths."""
    os.makedirs(DATA, exist_ok=True)
    out = {}
    for key, n in (("big", genzone.BIG_RECORDS), ("medium", genzone.MEDIUM_RECORDS)):
        if key == "big" and quick:
            continue
        path = os.path.join(DATA, "%s-%d.zone" % (key, n + 3))
        if not os.path.exists(path):
            log("generating %s" % os.path.relpath(path, SOURCE_DIR))
            genzone.write_big(path, n)
        out[key] = (path, n + 3)
    tiny = os.path.join(DATA, "tiny-%d" % startup_zones)
    if not os.path.exists(os.path.join(tiny, "zones.txt")):
        log("generating %d tiny zones in %s" % (startup_zones, os.path.relpath(tiny, SOURCE_DIR)))
        genzone.write_tiny(tiny, startup_zones)
    out["tiny"] = tiny
    if quick:
        out["big"] = out["medium"]
    return out


# -- the client ---------------------------------------------------------------------

class Client:
    def __init__(self, binary):
        self.bin = binary

    def axfr(self, port, zone, timeout=600):
        res = subprocess.run([self.bin, "-t", "120", "127.0.0.1", str(port), zone.rstrip(".")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             timeout=timeout)
        if res.returncode != 0:
            raise RuntimeError("axfr_count %s from port %d: %s" % (zone, port,
                                                                  res.stderr.strip()))
        return parse_kv(res.stdout)


def parse_kv(line):
    out = {}
    for tok in line.split():
        k, _, v = tok.partition("=")
        try:
            out[k] = int(v)
        except ValueError:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


# -- axfrd helpers -------------------------------------------------------------------------

def axfrd_args(extra=()):
    return ["--api-max-body", "200000000", "--tcp-max-connections", "1024",
            "--tcp-max-per-ip", "1024"] + list(extra)


def check(st, body, ok, what):
    if st not in ok:
        raise RuntimeError("%s: HTTP %s %r" % (what, st, body))
    return body


def axfrd_create_zone(h, name):
    st, b = h.json("POST", "/v1/zones", {"name": name.rstrip("."),
                                         "name_servers": list(genzone.APEX_NS),
                                         "serial_policy": "increment"})
    return check(st, b, (201,), "creating %s" % name)


def axfrd_secondary(h, name, notify_port):
    body = {"provider": "custom", "name_servers": [SECONDARY_NS], "allowed_ips": ["127.0.0.1"]}
    if notify_port:
        body["notify_targets"] = ["127.0.0.1:%d" % notify_port]
    st, b = h.json("PUT", "/v1/zones/%s/secondary_dns" % name.rstrip("."), body)
    return check(st, b, (200, 201), "secondary_dns of %s" % name)


def import_zone(h, name, path, chunk):
    """Imports a master file through POST .../import in requests of at most
    chunk records (0: one request). Returns [(records, seconds)] per request."""
    with open(path) as f:
        lines = f.read().splitlines()
    head = [ln for ln in lines[:5] if ln.startswith("$") or " SOA " in ln or " NS " in ln]
    body = lines[len(head):]
    pieces = [body] if not chunk else [body[i:i + chunk] for i in range(0, len(body), chunk)]
    times = []
    for k, piece in enumerate(pieces):
        text = "\n".join((head if k == 0 else head[:2]) + piece) + "\n"
        t = time.monotonic()
        st, b = h.json("POST", "/v1/zones/%s/import" % name.rstrip("."), text.encode(),
                       ctype="text/dns")
        dt = time.monotonic() - t
        check(st, b, (200,), "import of %s (part %d)" % (name, k + 1))
        times.append((len(piece), dt))
        log("  axfrd import part %d/%d: %d records in %.1f s (%s)"
            % (k + 1, len(pieces), len(piece), dt, json.dumps(b)))
    return times


def axfrd_serial(h, name):
    st, b = h.json("GET", "/v1/zones/%s" % name.rstrip("."))
    return check(st, b, (200,), "GET zone %s" % name)["serial"]


def wait_serial(port, zone, serial, timeout=600):
    u = Udp(port)
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < timeout:
            if u.soa_serial(zone, 0.2) == serial:
                return time.monotonic() - t0
            time.sleep(0.01)
    finally:
        u.close()
    raise RuntimeError("port %d does not serve %s serial %d after %d s" % (port, zone, serial,
                                                                          timeout))


# -- step 1: the big zone ---------------------------------------------------------------------

def make_server(name, wd, zones_, ctx, notify_port=None, update=False, api=False):
    if name == "knot":
        return Knot(wd, zones_, notify_port, update)
    if name == "nsd":
        return Nsd(wd, zones_, notify_port, update)
    if name == "bind":
        return Bind(wd, zones_, notify_port, update)
    if name == "pdns":
        return Pdns(wd, zones_, notify_port, False, api=api)
    return Axfrd(wd, ctx.axfrd_bin, axfrd_args())


def load_big(name, s, ctx, path, expect, r):
    """Starts server s with the zone; returns its load time (s)."""
    if name == "pdns":
        s.create_db()
        t = time.monotonic()
        s.load_zone_file(ZONE, path)
        subprocess.run([peers.find_tool("sqlite3"), s.db, "INSERT INTO domainmetadata "
                        "(domain_id, kind, content) SELECT id, 'SOA-EDIT-API', 'DEFAULT' "
                        "FROM domains WHERE name='%s'" % ZONE.rstrip(".")], check=True)
        r["store_fill_s"] = time.monotonic() - t
        log("  PowerDNS: zone2sql | sqlite3: %.1f s" % r["store_fill_s"])
    if name == "axfrd":
        s.start()
        s.wait_api()
        h = s.http()
        axfrd_create_zone(h, ZONE)
        t = time.monotonic()
        parts = import_zone(h, ZONE, path, ctx.import_chunk)
        r["store_fill_s"] = time.monotonic() - t
        r["import_parts"] = parts
        axfrd_secondary(h, ZONE, ctx.sink.port)
        serial = axfrd_serial(h, ZONE)
        t = time.monotonic()
        wait_serial(s.port, ZONE, serial)
        r["serve_after_import_s"] = time.monotonic() - t
        r["mem_import"] = s.memory()
        log("  axfrd: import %.1f s, then serving it after %.1f s; memory %s"
            % (r["store_fill_s"], r["serve_after_import_s"], r["mem_import"]))
        h.close()
        s.stop()
        # the measured server: a fresh start from the store
        s.start()
        return s.wait_zone(ZONE, ctx.timeout)
    s.prepare()
    s.start()
    return s.wait_zone(ZONE, ctx.timeout)


def change(name, s, k, h):
    """Adds record chgK to the zone; returns when the server acknowledged it."""
    ip = "192.0.2.%d" % (k % 250 + 1)
    if name in ("knot", "bind"):
        u = Udp(s.port)
        try:
            rc = u.update_add_a(ZONE, "chg%d.%s" % (k, ZONE), ip)
        finally:
            u.close()
        if rc != 0:
            raise RuntimeError("%s: DNS UPDATE rcode %s" % (name, rc))
    elif name == "pdns":
        st, b = h.json("PATCH", "/api/v1/servers/localhost/zones/%s" % ZONE, {"rrsets": [{
            "name": "chg%d.%s" % (k, ZONE), "type": "A", "ttl": 3600, "changetype": "REPLACE",
            "records": [{"content": ip, "disabled": False}]}]})
        check(st, b, (204,), "PowerDNS PATCH")
    else:
        st, b = h.json("POST", "/v1/zones/%s/records" % ZONE.rstrip("."),
                       {"name": "chg%d" % k, "type": "A", "content": ip})
        check(st, b, (201,), "axfrd POST record")


def step_big(ctx):
    path, expect = ctx.zones["big"]
    res = ctx.results.setdefault("big", {})
    log("== big: %d-record zone, %d runs; load average %s" % (expect, ctx.runs, load_avg()))
    for name in ctx.servers:
        r = {"zone_records": expect}
        res[name] = r
        wd = os.path.join(ctx.tmp, "big-" + name)
        s = make_server(name, wd, [(ZONE, path)], ctx, update=True, api=True)
        try:
            r["load_s"] = load_big(name, s, ctx, path, expect, r)
            time.sleep(0.5)
            r["mem_load"] = s.memory()
            log("%s: loaded in %.2f s, memory %s" % (LABELS[name], r["load_s"], r["mem_load"]))
            warm = ctx.client.axfr(s.port, ZONE)
            if warm["records"] != expect:
                raise RuntimeError("%s sent %d records, not %d" % (name, warm["records"],
                                                                  expect))
            xs = []
            for i in range(ctx.runs):
                x = ctx.client.axfr(s.port, ZONE)
                log("  %s repeat %d: %s" % (LABELS[name], i + 1, fmt_x(x)))
                if x["records"] != expect:
                    raise RuntimeError("%s sent %d records, not %d" % (name, x["records"],
                                                                      expect))
                xs.append(x)
            r["repeat"] = xs
            r["mem_xfr"] = s.memory()
            log("  %s: memory after transfers %s" % (LABELS[name], r["mem_xfr"]))
            if name != "nsd":
                r["change"] = after_change(name, s, ctx, expect)
                r["mem_change"] = s.memory()
        except Exception as e:      # noqa: BLE001 -- recorded, the other servers go on
            r["error"] = "%s: %s" % (type(e).__name__, e)
            log("  %s FAILED: %s" % (LABELS[name], r["error"]))
        finally:
            s.stop()
            ctx.save()


def after_change(name, s, ctx, expect):
    out = []
    h = None
    if name == "pdns":
        h = s.http()
    elif name == "axfrd":
        h = s.http()
    u = Udp(s.port)
    try:
        for k in range(ctx.runs):
            old = u.soa_serial(ZONE, 1.0)
            mark = ctx.sink.mark()
            t0 = time.monotonic()
            change(name, s, k, h)
            t_ack = time.monotonic()
            tries = 0
            while True:
                tries += 1
                x = ctx.client.axfr(s.port, ZONE)
                if x["serial"] != old:
                    break
                if time.monotonic() - t_ack > ctx.timeout:
                    raise RuntimeError("%s: no new serial %d s after the change"
                                       % (name, ctx.timeout))
            t_end = time.monotonic()
            x["change_call_ms"] = (t_ack - t0) * 1000
            x["since_change_ms"] = (t_end - t_ack) * 1000
            x["stale_transfers"] = tries - 1
            if x["records"] != expect + k + 1:
                raise RuntimeError("%s sent %d records after change %d, not %d"
                                   % (name, x["records"], k + 1, expect + k + 1))
            if name == "axfrd":
                ev = [t for t, z in ctx.sink.since(mark) if z == ZONE]
                x["notify_ms"] = (ev[0] - t_ack) * 1000 if ev else None
            log("  %s after change %d: call %.1f ms, change -> transfer done %.1f ms (%d stale "
                "transfers before), %s%s" % (LABELS[name], k + 1, x["change_call_ms"],
                                             x["since_change_ms"], x["stale_transfers"],
                                             fmt_x(x),
                                             ", change -> NOTIFY %.1f ms" % x["notify_ms"]
                                             if x.get("notify_ms") is not None else ""))
            out.append(x)
            time.sleep(0.2)
    finally:
        u.close()
        if h is not None:
            h.close()
    return out


def fmt_x(x):
    return "records=%d rate=%.0f/s ttfb=%.1f ms total=%.1f ms" % (
        x["records"], x["rate"], x["ttfb_ms"], x["total_ms"])


# -- step 2: 200 concurrent transfers of the 10k zone ------------------------------------------

def step_concurrent(ctx):
    path, expect = ctx.zones["medium"]
    res = ctx.results.setdefault("concurrent", {})
    n = ctx.concurrent
    log("== concurrent: %d transfers of the %d-record zone at once, %d runs; load average %s"
        % (n, expect, ctx.runs, load_avg()))
    for name in ctx.servers:
        r = {"zone_records": expect, "clients": n, "runs": []}
        res[name] = r
        wd = os.path.join(ctx.tmp, "conc-" + name)
        s = make_server(name, wd, [(ZONE, path)], ctx)
        try:
            if name == "pdns":
                s.create_db()
                s.load_zone_file(ZONE, path)
            if name == "axfrd":
                s.start()
                s.wait_api()
                h = s.http()
                axfrd_create_zone(h, ZONE)
                import_zone(h, ZONE, path, 0)
                axfrd_secondary(h, ZONE, ctx.sink.port)
                wait_serial(s.port, ZONE, axfrd_serial(h, ZONE))
                h.close()
            else:
                s.prepare()
                s.start()
                s.wait_zone(ZONE, ctx.timeout)
            ctx.client.axfr(s.port, ZONE)
            for i in range(ctx.runs):
                time.sleep(0.5)
                before = s.memory()
                peak = dict(before)
                done = threading.Event()

                def sample():
                    nonlocal peak
                    while not done.is_set():
                        m = s.memory()
                        if m["rss"] > peak["rss"]:
                            peak = m
                        done.wait(0.02)
                sampler = threading.Thread(target=sample)
                sampler.start()
                try:
                    proc = subprocess.run([ctx.client.bin, "-c", str(n)] + CONC_READER +
                                          ["-t", "60", "127.0.0.1", str(s.port),
                                           ZONE.rstrip(".")],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True, timeout=600)
                finally:
                    done.set()
                    sampler.join()
                out, err = proc.stdout, proc.stderr
                summary = parse_kv(out)
                run = {"before": before, "peak": peak,
                       "growth_kib_per_xfr": (peak["rss"] - before["rss"]) / n,
                       "summary": summary, "errors": err.strip().splitlines()[:5],
                       "errors_total": len(err.strip().splitlines())}
                r["runs"].append(run)
                log("  %s run %d: %s; RSS before %d KiB, highest while running %d KiB -> "
                    "%.1f KiB per transfer%s" % (LABELS[name], i + 1, out.strip(),
                                                 before["rss"], peak["rss"],
                                                 run["growth_kib_per_xfr"],
                                                 "" if not err.strip() else "; errors: %s"
                                                 % " | ".join(run["errors"])))
        except Exception as e:      # noqa: BLE001
            r["error"] = "%s: %s" % (type(e).__name__, e)
            log("  %s FAILED: %s" % (LABELS[name], r["error"]))
        finally:
            s.stop()
            ctx.save()


# -- step 3: start-up with 100,000 zones ------------------------------------------------------

def pdns_tiny_db(s, names):
    """PowerDNS's database with the tiny zones (what zone2sql would write,
    without parsing 100,000 files): kind MASTER (NOTIFY to also-notify)."""
    s.create_db()
    sql = ["BEGIN;"]
    soa = "%s hostmaster.bench.test. %d 3600 600 1209600 300" % (genzone.APEX_NS[0].rstrip("."),
                                                                 genzone.SERIAL)
    for i, n in enumerate(names, 1):
        z = n.rstrip(".")
        sql.append("INSERT INTO domains (id, name, type, notified_serial) VALUES "
                   "(%d, '%s', 'MASTER', %d);" % (i, z, genzone.SERIAL))
        sql.append("INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, "
                   "auth) VALUES (%d, '%s', 'SOA', '%s', 3600, 0, 0, 1), (%d, '%s', 'NS', "
                   "'%s', 3600, 0, 0, 1), (%d, '%s', 'NS', '%s', 3600, 0, 0, 1);"
                   % (i, z, soa.replace("bench.test.", "bench.test"), i, z,
                      genzone.APEX_NS[0].rstrip("."), i, z, genzone.APEX_NS[1].rstrip(".")))
    sql.append("COMMIT;")
    subprocess.run([peers.find_tool("sqlite3"), s.db], input="\n".join(sql), text=True,
                   check=True)


def axfrd_tiny_store(s, names, ctx, r):
    """Creates the zones through the API (8 clients), each with secondary DNS
    enabled (NOTIFY to the sink). The store runs with db-synchronous normal
    for this set-up only; the measured starts use the defaults. Then waits
    until the DNS side serves the last zone and no NOTIFY has come for 10 s
    (a steady state: nothing pending), and stops it."""
    s.args = axfrd_args(["--db-synchronous", "normal"])
    s.start()
    s.wait_api()
    errors = []
    lock = threading.Lock()
    it = iter(names)
    mark = ctx.sink.mark()

    def worker():
        h = s.http()
        try:
            while True:
                with lock:
                    n = next(it, None)
                if n is None:
                    return
                axfrd_create_zone(h, n)
                axfrd_secondary(h, n, ctx.sink.port)
        except Exception as e:      # noqa: BLE001
            errors.append(e)
        finally:
            h.close()

    t = time.monotonic()
    th = [threading.Thread(target=worker) for _ in range(8)]
    for x in th:
        x.start()
    for x in th:
        x.join()
    if errors:
        raise errors[0]
    r["setup_api_s"] = time.monotonic() - t
    log("  axfrd: %d zones created through the API (with secondary DNS) in %.1f s"
        % (len(names), r["setup_api_s"]))
    s.wait_zone(names[-1], ctx.startup_timeout)
    r["setup_dns_caught_up_s"] = time.monotonic() - t
    quiet_since, last_n = time.monotonic(), ctx.sink.mark()
    while time.monotonic() - quiet_since < 10:
        if time.monotonic() - t > ctx.startup_timeout:
            log("  axfrd: NOTIFYs still coming %.0f s after the set-up began; going on"
                % (time.monotonic() - t))
            break
        time.sleep(0.5)
        n = ctx.sink.mark()
        if n != last_n:
            quiet_since, last_n = time.monotonic(), n
    ev = ctx.sink.since(mark)
    r["setup_notifies"] = len(ev)
    r["setup_notified_zones"] = len(set(z for _, z in ev))
    r["setup_s"] = time.monotonic() - t
    log("  axfrd: the DNS side served the last zone %.1f s after the set-up began; NOTIFYs "
        "quiet after %.1f s: %d NOTIFYs for %d zones" % (
            r["setup_dns_caught_up_s"], r["setup_s"] - 10, r["setup_notifies"],
            r["setup_notified_zones"]))
    t = time.monotonic()
    s.stop(timeout=ctx.startup_timeout)
    r["setup_stop_s"] = time.monotonic() - t
    log("  axfrd: stopped (SIGTERM) in %.1f s, exit status %s" % (r["setup_stop_s"],
                                                                  s.proc.returncode))
    s.args = axfrd_args()


def axfrd_fanout(s, names, ctx, r):
    """A start that must announce every zone: the store's NOTIFY state is
    set back to "nothing acknowledged" (as after the secondaries were
    unreachable), so axfrd owes each of the zones one NOTIFY. Measures
    start -> last zone answers, how long until the sink has had a NOTIFY
    for every zone (none lost), how many it got (retries would show as
    more than one per zone), and the highest rate over any second
    (paced: at most notify-rate, 1000/s by default, plus its tenth of a
    second of burst)."""
    subprocess.run([peers.find_tool("sqlite3"), s.db,
                    "UPDATE notify_state SET acked_serial = NULL;"], check=True)
    want = set(n.lower() for n in names)
    mark = ctx.sink.mark()
    s.start()
    t0 = s.t_spawn
    t_last = s.wait_zone(names[-1], ctx.startup_timeout, interval=0.002)
    deadline = time.monotonic() + ctx.startup_timeout
    while time.monotonic() < deadline:
        got = set(z for _, z in ctx.sink.since(mark))
        if want <= got:
            break
        time.sleep(0.5)
    ev = ctx.sink.since(mark)
    time.sleep(2.0)                 # anything more (retries, duplicates)?
    ev_all = ctx.sink.since(mark)
    s.stop(timeout=120)
    got = set(z for _, z in ev)
    times = sorted(t for t, _ in ev_all)
    count = {}
    for _, z in ev_all:
        count[z] = count.get(z, 0) + 1
    twice = sorted(z for z, c in count.items() if c > 1)
    peak, j = 0, 0
    for i in range(len(times)):
        while times[i] - times[j] > 1.0:
            j += 1
        peak = max(peak, i - j + 1)
    r["fanout"] = {"zones": len(want), "notified_zones": len(got & want),
                   "lost": len(want - got), "notifies": len(ev_all),
                   "last_zone_s": t_last,
                   "complete_s": (max(t for t, _ in ev) - t0) if ev else None,
                   "first_s": (times[0] - t0) if times else None,
                   "peak_per_s": peak, "notified_more_than_once": twice[:20]}
    log("  axfrd fan-out start: last zone answers after %.2f s; NOTIFYs for %d of %d zones "
        "(%d lost), %d NOTIFYs in all, the last %.1f s after the start; at most %d in any "
        "second" % (t_last, len(got & want), len(want), len(want - got), len(ev_all),
                    r["fanout"]["complete_s"] or -1, peak))
    if twice:
        log("  axfrd fan-out: %d zones got more than one NOTIFY, first: %s"
            % (len(twice), ", ".join(twice[:5])))


def step_startup(ctx):
    tiny = ctx.zones["tiny"]
    with open(os.path.join(tiny, "zones.txt")) as f:
        names = f.read().split()
    rng = random.Random(6)
    probe = [names[-1]] + rng.sample(names[:-1], min(200, len(names) - 1))
    res = ctx.results.setdefault("startup", {})
    log("== startup: %d zones, %d runs; load average %s" % (len(names), ctx.runs, load_avg()))
    zl = [(n, os.path.join(tiny, n + "zone")) for n in names]
    for name in ctx.servers:
        r = {"zones": len(names), "runs": []}
        res[name] = r
        wd = os.path.join(ctx.tmp, "start-" + name)
        s = make_server(name, wd, zl, ctx, notify_port=ctx.sink.port)
        try:
            t = time.monotonic()
            if name == "pdns":
                pdns_tiny_db(s, names)
                s.prepare()
            elif name == "axfrd":
                axfrd_tiny_store(s, names, ctx, r)
            else:
                s.prepare()
            r["prepare_s"] = time.monotonic() - t
            for i in range(ctx.runs):
                if i == 1 and r["runs"][0]["probe_s"] > 60:
                    log("  %s: the start took more than 60 s: not repeated" % LABELS[name])
                    break
                mark = ctx.sink.mark()
                s.start()
                t_last = s.wait_zone(names[-1], ctx.startup_timeout, interval=0.002)
                t_all = s.wait_zones(probe, ctx.startup_timeout)
                mem = s.memory()
                time.sleep(1.0)
                ev = ctx.sink.since(mark)
                notifies, distinct = len(ev), len(set(z for _, z in ev))
                s.stop(timeout=120)
                run = {"last_zone_s": t_last, "probe_s": t_all, "mem": mem,
                       "notifies_seen": notifies, "notified_zones": distinct}
                r["runs"].append(run)
                log("  %s start %d: last zone answers after %.2f s, it and %d others after "
                    "%.2f s; memory %s; NOTIFYs received until 1 s later: %d (%d zones)"
                    % (LABELS[name], i + 1, t_last, len(probe) - 1, t_all, mem, notifies,
                       distinct))
            if name == "axfrd":
                axfrd_fanout(s, names, ctx, r)
        except Exception as e:      # noqa: BLE001
            r["error"] = "%s: %s" % (type(e).__name__, e)
            log("  %s FAILED: %s" % (LABELS[name], r["error"]))
        finally:
            s.stop(timeout=120)
            ctx.save()
            if not ctx.keep:
                shutil.rmtree(wd, ignore_errors=True)


# -- step 4: API writes and API write -> BIND secondary ---------------------------------------

def pdns_write(h, zone, k):
    """One new A RRset; returns (ok, HTTP status, body)."""
    st, b = h.request("PATCH", "/api/v1/servers/localhost/zones/%s" % zone, {"rrsets": [{
        "name": "w%d.%s" % (k, zone), "type": "A", "ttl": 3600, "changetype": "REPLACE",
        "records": [{"content": "192.0.2.%d" % (k % 250 + 1), "disabled": False}]}]})
    return st == 204, st, b


def axfrd_write(h, zone, k):
    """One new A record; returns (ok, HTTP status, body)."""
    st, b = h.request("POST", "/v1/zones/%s/records" % zone.rstrip("."), {
        "name": "w%d" % k, "type": "A", "content": "192.0.2.%d" % (k % 250 + 1)})
    return st == 201, st, b


_WRITE_NO = iter(range(10 ** 9))    # every write of the run gets a new name
_WRITE_LOCK = threading.Lock()


def write_rate(make_http, write, zone, clients, seconds):
    """Writes as fast as clients clients can for seconds; returns
    (writes/s, ok, failed, {status: count} of the failures, a failure body)."""
    ok = [0] * clients
    bad = [0] * clients
    statuses = {}
    sample = []
    t_end = time.monotonic() + seconds
    start = threading.Barrier(clients + 1)

    def worker(i):
        h = make_http()
        start.wait()
        try:
            while time.monotonic() < t_end:
                with _WRITE_LOCK:
                    k = next(_WRITE_NO)
                good, st, body = write(h, zone, k)
                if good:
                    ok[i] += 1
                else:
                    bad[i] += 1
                    with _WRITE_LOCK:
                        statuses[st] = statuses.get(st, 0) + 1
                        if not sample:
                            sample.append(body[:300].decode("utf-8", "replace"))
        finally:
            h.close()

    th = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for x in th:
        x.start()
    start.wait()
    t0 = time.monotonic()
    for x in th:
        x.join()
    dt = time.monotonic() - t0
    return sum(ok) / dt, sum(ok), sum(bad), statuses, sample[0] if sample else None


def latency(write, h, sec_port, zone, n, budget, pause, quiet):
    """After quiet seconds without changes, n writes one after another; after
    each, polls the BIND secondary (UDP, about every ms) until it answers the
    new name, then pauses pause seconds. Returns the list of latencies in s
    (None: not seen within 120 s)."""
    u = Udp(sec_port)
    out = []
    time.sleep(quiet)
    t_stop = time.monotonic() + budget
    try:
        for i in range(n):
            if i:
                time.sleep(pause)
            with _WRITE_LOCK:
                k = next(_WRITE_NO)
            good, st, body = write(h, zone, k)
            if not good:
                raise RuntimeError("write %d failed: HTTP %s %r" % (k, st, body[:300]))
            t_ret = time.monotonic()
            name = "w%d.%s" % (k, zone)
            seen = None
            while time.monotonic() - t_ret < 120:
                if u.has_a(name, timeout=0.05):
                    seen = time.monotonic() - t_ret
                    break
                time.sleep(0.001)
            out.append(seen)
            log("    write %d -> secondary answers: %s" % (
                i + 1, "%.1f ms" % (seen * 1000) if seen is not None else "not within 120 s"))
            if time.monotonic() > t_stop:
                break
    finally:
        u.close()
    return out


def step_api(ctx):
    from secondaries import BindSecondary
    res = ctx.results.setdefault("api", {})
    log("== api: %.0f s of writes per phase; latency: up to %d writes (PowerDNS: %d, at most "
        "%d s); load average %s" % (ctx.api_seconds, ctx.lat_writes, ctx.lat_writes_pdns,
                                    ctx.lat_budget_pdns, load_avg()))
    for name in [x for x in ctx.servers if x in ("pdns", "axfrd")]:
        r = {}
        res[name] = r
        wd = os.path.join(ctx.tmp, "api-" + name)
        sec = s = None
        sec_port = peers.free_port()
        try:
            if name == "pdns":
                s = Pdns(wd, [], api=True, also_notify="127.0.0.1:%d" % sec_port)
                s.create_db()
                s.prepare()
                s.start()
                s.wait_api()
                h = s.http()
                for z, kind in (("api.bench.", "Native"), ("lat.bench.", "Master")):
                    st, b = h.json("POST", "/api/v1/servers/localhost/zones", {
                        "name": z, "kind": kind, "nameservers": list(genzone.APEX_NS)})
                    check(st, b, (201,), "PowerDNS zone %s" % z)
                make_http, write = s.http, pdns_write
            else:
                s = Axfrd(wd, ctx.axfrd_bin, axfrd_args())
                s.start()
                s.wait_api()
                h = s.http()
                for z in ("api.bench.", "lat.bench."):
                    axfrd_create_zone(h, z)
                axfrd_secondary(h, "lat.bench.", sec_port)
                make_http, write = s.http, axfrd_write
            for clients in (1, 8):
                rate, ok, bad, statuses, sample = write_rate(make_http, write, "api.bench.",
                                                             clients, ctx.api_seconds)
                r["writes_%d" % clients] = {"rate": rate, "ok": ok, "failed": bad,
                                            "failures": {str(k): v for k, v in
                                                         statuses.items()},
                                            "failure_sample": sample}
                log("  %s: %d client(s): %.0f writes/s (%d ok, %d failed%s)"
                    % (LABELS[name], clients, rate, ok, bad,
                       "" if not bad else ": HTTP %s, e.g. %s" % (statuses, sample)))
            if any(r["writes_%d" % c]["failed"] for c in (1, 8)):
                errs = []
                for line in s.log_tail(200000).splitlines():
                    if re.search(r"locked|[Ee]rror|[Ff]ail", line) and \
                            re.sub(r"^\S+ \S+ \S+ ", "", line) not in errs:
                        errs.append(re.sub(r"^\S+ \S+ \S+ ", "", line))
                errs = [e[:200] for e in errs]
                r["log_errors"] = errs[:5]
                log("  %s log on the failed writes: %s" % (LABELS[name], " | ".join(errs[:2])))
            # latency to a BIND secondary, only NOTIFY brings it changes
            sec = BindSecondary(s.port, ["lat.bench"], workdir=os.path.join(wd, "secondary"),
                                port=sec_port, max_retry=None, max_refresh=None)
            sec.start()
            sec.wait_serial("lat.bench", None, 60)
            if name == "pdns":
                n, budget = ctx.lat_writes_pdns, ctx.lat_budget_pdns
            else:
                n, budget = ctx.lat_writes, ctx.lat_budget_pdns
            lat = latency(write, h, sec_port, "lat.bench.", n, budget, ctx.lat_pause,
                          ctx.lat_quiet)
            r["latency_s"] = lat
            seen = [x for x in lat if x is not None]
            log("  %s: write -> BIND answers: %d writes, %d seen; first %.1f ms, median %.1f "
                "ms, p99 %.1f ms" % (LABELS[name], len(lat), len(seen),
                                     (lat[0] or float("nan")) * 1000,
                                     (median(lat) or float("nan")) * 1000,
                                     (percentile(lat, 99) or float("nan")) * 1000))
            h.close()
        except Exception as e:      # noqa: BLE001
            r["error"] = "%s: %s" % (type(e).__name__, e)
            log("  %s FAILED: %s" % (LABELS[name], r["error"]))
        finally:
            if sec is not None:
                sec.cleanup()
            if s is not None:
                s.stop()
            ctx.save()


# -- the report --------------------------------------------------------------------------

def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = "%.1f GiB" % (int(line.split()[1]) / 1048576)
    nproc = subprocess.run(["nproc"], stdout=subprocess.PIPE, text=True).stdout.strip()
    return {"cpu": model, "nproc": nproc, "ram": mem, "kernel": platform.release(),
            "os": _os_release()}


def _os_release():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


def git_rev():
    def git(*a):
        return subprocess.run(["git", "-C", SOURCE_DIR] + list(a), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout.strip()
    rev = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "axfrd", "api", "db",
                "migrations", "CMakeLists.txt")
    return rev + (" + uncommitted changes to axfrd's sources" if dirty else "")


def versions(ctx):
    v = {}
    for key, cls in (("knot", Knot), ("nsd", Nsd), ("bind", Bind), ("pdns", Pdns)):
        try:
            v[key] = cls.version(cls.__new__(cls))
        except Exception:       # noqa: BLE001
            v[key] = "?"
    v["axfrd"] = "git %s" % git_rev()
    return v


class Ctx:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.runs = args.runs
        self.servers = args.servers
        self.keep = args.keep
        self.timeout = args.timeout
        self.startup_timeout = min(args.timeout, 600)
        self.concurrent = 200
        self.import_chunk = args.import_chunk
        self.api_seconds = 3.0 if args.quick else 15.0
        self.lat_writes = 20 if args.quick else 200
        self.lat_writes_pdns = 5 if args.quick else 40
        self.lat_budget_pdns = 90 if args.quick else 400
        # BIND (serial-query-rate 20/s) answers a NOTIFY that comes less than
        # about 0.5 s after its last SOA query for the zone only after that
        # time: back-to-back writes would measure that (see notify_latency.txt)
        self.lat_pause = 1.0
        self.lat_quiet = 5.0
        self.results = {}
        self.results_dir = args.results
        self.sink = None
        self.tmp = None

    def save(self):
        os.makedirs(self.results_dir, exist_ok=True)
        with open(os.path.join(self.results_dir, "bench.json"), "w") as f:
            json.dump(self.results, f, indent=1, sort_keys=True)


# derived numbers, per server (None where not measured)

def derive(res):
    d = {k: {} for k in SERVERS}
    for name in SERVERS:
        b = res.get("big", {}).get(name, {})
        if b.get("repeat"):
            d[name]["rate"] = median([x["rate"] for x in b["repeat"]])
            d[name]["ttfb"] = median([x["ttfb_ms"] for x in b["repeat"]])
            d[name]["xfr_ms"] = median([x["total_ms"] for x in b["repeat"]])
        if b.get("change"):
            d[name]["chg_ms"] = median([x["since_change_ms"] for x in b["change"]])
            d[name]["chg_call_ms"] = median([x["change_call_ms"] for x in b["change"]])
            d[name]["chg_ttfb"] = median([x["ttfb_ms"] for x in b["change"]])
            d[name]["chg_rate"] = median([x["records"] / (x["since_change_ms"] / 1000)
                                          for x in b["change"]])
            if name == "axfrd":
                d[name]["notify_ms"] = median([x.get("notify_ms") for x in b["change"]])
        if "load_s" in b:
            d[name]["load_s"] = b["load_s"]
        if "store_fill_s" in b:
            d[name]["fill_s"] = b["store_fill_s"]
        for key in ("mem_load", "mem_xfr", "mem_change"):
            if key in b:
                d[name][key] = b[key]
        peak = [b[k]["hwm"] for k in ("mem_load", "mem_xfr") if k in b]
        if peak:
            d[name]["hwm_mib"] = max(peak) / 1024
            d[name]["pss_mib"] = max(b[k]["pss"] for k in ("mem_load", "mem_xfr")
                                     if k in b) / 1024
        if "mem_change" in b:
            d[name]["hwm_chg_mib"] = b["mem_change"]["hwm"] / 1024
        c = res.get("concurrent", {}).get(name, {})
        if c.get("runs"):
            d[name]["conc_growth"] = median([x["growth_kib_per_xfr"] for x in c["runs"]])
            d[name]["conc_growth_first"] = c["runs"][0]["growth_kib_per_xfr"]
            d[name]["conc_complete"] = min(x["summary"].get("complete", 0) for x in c["runs"])
            d[name]["conc_equal"] = all(x["summary"].get("equal") == "yes" for x in c["runs"])
            d[name]["conc_wall"] = median([x["summary"].get("wall_ms") for x in c["runs"]])
            d[name]["conc_clients"] = c["clients"]
        s = res.get("startup", {}).get(name, {})
        if s.get("runs"):
            d[name]["start_s"] = median([x["probe_s"] for x in s["runs"]])
            d[name]["start_last_s"] = median([x["last_zone_s"] for x in s["runs"]])
            d[name]["start_mem"] = median([x["mem"]["hwm"] for x in s["runs"]]) / 1024
            d[name]["start_zones"] = s["zones"]
            if "setup_s" in s:
                d[name]["start_setup_s"] = s["setup_s"]
            if "fanout" in s:
                fo = s["fanout"]
                d[name]["fo_last_s"] = fo["last_zone_s"]
                d[name]["fo_complete_s"] = fo["complete_s"]
                d[name]["fo_lost"] = fo["lost"]
                d[name]["fo_notifies"] = fo["notifies"]
                d[name]["fo_peak"] = fo["peak_per_s"]
                d[name]["fo_zones"] = fo["zones"]
        a = res.get("api", {}).get(name, {})
        for c_ in (1, 8):
            if "writes_%d" % c_ in a:
                d[name]["w%d" % c_] = a["writes_%d" % c_]["rate"]
        if a.get("latency_s"):
            lat = a["latency_s"]
            d[name]["lat_first"] = lat[0] * 1000 if lat[0] is not None else None
            rest = lat[1:] if len(lat) > 1 else lat
            d[name]["lat_med"] = (median(rest) or 0) * 1000 if median(rest) else None
            d[name]["lat_p99"] = (percentile(rest, 99) or 0) * 1000 if percentile(rest, 99) \
                else None
            d[name]["lat_n"] = len(lat)
            d[name]["lat_lost"] = sum(1 for x in lat if x is None)
    return d


def fmt(v, f="%.0f"):
    return "—" if v is None else f % v


def ratio(a, b, f="%.2f"):
    if a is None or b is None or b == 0:
        return "—"
    return (f + "x") % (a / b)


def report(ctx, meta):
    d = derive(ctx.results)
    ax = d["axfrd"]
    peers_ = ["knot", "nsd", "bind", "pdns"]
    rows = []

    def row(label, key, f="%.0f", better="", only=None, scale=1.0, ratios=True):
        vals = []
        for n in SERVERS:
            v = d[n].get(key)
            if only is not None and n not in only:
                v = None
            vals.append(None if v is None else v * scale)
        axv = vals[-1]
        rs = [ratio(axv, vals[i]) if ratios else "" for i in range(4)]
        rows.append("| %s | %s | %s | %s |" % (label, " | ".join(fmt(v, f) for v in vals),
                                               " | ".join(rs), better))

    def first(step, key, default):
        for r in ctx.results.get(step, {}).values():
            if isinstance(r, dict) and key in r:
                return r[key]
        return default
    zone_n = first("big", "zone_records", genzone.BIG_RECORDS + 3)
    conc_n = first("concurrent", "zone_records", genzone.MEDIUM_RECORDS + 3)
    row("AXFR %s-record zone, repeat: million records/s (median)" % "{:,}".format(zone_n),
        "rate", "%.2f", better="higher", scale=1e-6)
    row("  time to first byte, ms (median)", "ttfb", "%.1f", better="lower")
    row("  transfer time, ms (median)", "xfr_ms", "%.0f", better="lower")
    row("AXFR after a one-record change: change acknowledged -> transfer of the new serial "
        "complete, ms (median)", "chg_ms", "%.0f", better="lower")
    row("  the same as million records/s", "chg_rate", "%.2f", better="higher", scale=1e-6)
    row("  the change itself (DNS UPDATE / API call), ms (median)", "chg_call_ms", "%.1f",
        better="lower")
    row("  axfrd: change acknowledged -> NOTIFY received, ms (median)", "notify_ms", "%.1f",
        better="lower", only=("axfrd",))
    row("load: process start -> zone answers, s", "load_s", "%.1f", better="lower")
    row("  filling the store (PowerDNS: zone2sql \\| sqlite3; axfrd: API import), s",
        "fill_s", "%.1f", better="lower")
    row("peak memory, zone loaded and transferred (VmHWM, all processes), MiB", "hwm_mib",
        "%.0f", better="lower")
    row("  proportional set size (PSS, shared pages split), MiB", "pss_mib", "%.0f",
        better="lower")
    row("  peak memory including the changes (VmHWM), MiB", "hwm_chg_mib", "%.0f",
        better="lower")
    row("%d concurrent AXFRs of a %s-record zone: transfers complete" % (
        ctx.concurrent, "{:,}".format(conc_n)), "conc_complete", "%d", better="all",
        ratios=False)
    row("  memory growth per concurrent transfer, KiB (median of the runs)", "conc_growth",
        "%.1f", better="lower")
    row("  the same, first run only (nothing reused from an earlier run), KiB",
        "conc_growth_first", "%.1f", better="lower")
    row("  wall time of all %d, ms (median)" % ctx.concurrent, "conc_wall", "%.0f",
        better="lower")
    n_start = d["axfrd"].get("start_zones") or max([d[n].get("start_zones") or 0
                                                   for n in SERVERS])
    row("start-up with %s zones: start -> last zone (and 200 others) answer, s (median)"
        % "{:,}".format(n_start or 0), "start_s", "%.2f", better="lower")
    row("  peak memory after start-up, MiB", "start_mem", "%.0f", better="lower")
    row("  axfrd, a start owing every zone a NOTIFY: start -> last zone answers, s",
        "fo_last_s", "%.2f", better="lower", only=("axfrd",))
    row("    start -> the sink has a NOTIFY for every zone, s", "fo_complete_s", "%.1f",
        better="lower", only=("axfrd",))
    row("    zones never notified (lost)", "fo_lost", "%d", better="0", only=("axfrd",))
    row("    NOTIFYs received (more than one per zone: retries)", "fo_notifies", "%d",
        only=("axfrd",))
    row("    most NOTIFYs in any one second (notify-rate 1000 + a burst of 100)", "fo_peak",
        "%d", better="paced", only=("axfrd",))
    row("API single-record writes/s, 1 client", "w1", better="higher", only=("pdns", "axfrd"))
    row("API single-record writes/s, 8 clients", "w8", better="higher", only=("pdns", "axfrd"))
    row("API write returned -> BIND secondary answers, median ms", "lat_med", "%.1f",
        better="lower", only=("pdns", "axfrd"))
    row("  p99 ms", "lat_p99", "%.1f", better="lower", only=("pdns", "axfrd"))
    row("  first write after a quiet period, ms", "lat_first", "%.1f", better="lower",
        only=("pdns", "axfrd"))

    knot, bind, pdns = d["knot"], d["bind"], d["pdns"]

    def goal(what, cond, detail):
        state = "—" if cond is None else ("met" if cond else "**missed**")
        return "| %s | %s | %s |" % (what, detail, state)

    def lt(a, b):
        return None if a is None or b is None else a < b

    goals = [
        goal("AXFR of a 1M-record zone, repeat: at least 1.5x Knot's records/s",
             None if ax.get("rate") is None or knot.get("rate") is None
             else ax["rate"] >= 1.5 * knot["rate"],
             "axfrd %s M/s, Knot %s M/s: %s" % (fmt(ax.get("rate") and ax["rate"] / 1e6, "%.2f"),
                                                fmt(knot.get("rate") and knot["rate"] / 1e6,
                                                    "%.2f"),
                                                ratio(ax.get("rate"), knot.get("rate")))),
        goal("AXFR of a 1M-record zone, first transfer after a change: no slower than BIND",
             None if ax.get("chg_ms") is None or bind.get("chg_ms") is None
             else ax["chg_ms"] <= bind["chg_ms"],
             "axfrd %s ms, BIND %s ms (change acknowledged -> transfer complete)"
             % (fmt(ax.get("chg_ms")), fmt(bind.get("chg_ms")))),
        goal("memory with a 1M-record zone loaded and being transferred: at most half of "
             "Knot's", None if ax.get("hwm_mib") is None or knot.get("hwm_mib") is None
             else ax["hwm_mib"] <= knot["hwm_mib"] / 2,
             "axfrd %s MiB, Knot %s MiB (VmHWM after load and transfers; with the changes: "
             "axfrd %s MiB, Knot %s MiB)" % (fmt(ax.get("hwm_mib")), fmt(knot.get("hwm_mib")),
                                             fmt(ax.get("hwm_chg_mib")),
                                             fmt(knot.get("hwm_chg_mib")))),
        goal("API write returns -> BIND secondary answers: median under 50 ms, p99 under "
             "200 ms", None if ax.get("lat_med") is None else
             ax["lat_med"] < 50 and (ax.get("lat_p99") or 1e9) < 200 and not ax.get("lat_lost"),
             "median %s ms, p99 %s ms (%s writes, %s lost)" % (
                 fmt(ax.get("lat_med"), "%.1f"), fmt(ax.get("lat_p99"), "%.1f"),
                 ax.get("lat_n", "—"), ax.get("lat_lost", "—"))),
        goal("single-record API writes, one client, durable: at least 5x PowerDNS",
             None if ax.get("w1") is None or pdns.get("w1") is None
             else ax["w1"] >= 5 * pdns["w1"],
             "axfrd %s/s, PowerDNS %s/s: %s" % (fmt(ax.get("w1")), fmt(pdns.get("w1")),
                                                ratio(ax.get("w1"), pdns.get("w1")))),
        goal("one change in a 1M-record zone -> NOTIFY sent: under 10 ms",
             None if ax.get("notify_ms") is None else ax["notify_ms"] < 10,
             "%s ms (API call returned -> NOTIFY at the sink)" % fmt(ax.get("notify_ms"),
                                                                     "%.1f")),
        goal("200 concurrent AXFRs of a 10k-record zone: all complete; growth per transfer "
             "under 64 KiB", None if ax.get("conc_growth") is None else
             ax.get("conc_complete") == ctx.concurrent and ax.get("conc_equal") and
             max(ax["conc_growth"], ax.get("conc_growth_first") or 0) < 64,
             "%s/%d complete, %s KiB per transfer (first run %s KiB)"
             % (fmt(ax.get("conc_complete"), "%d"), ctx.concurrent,
                fmt(ax.get("conc_growth"), "%.1f"), fmt(ax.get("conc_growth_first"), "%.1f"))),
        goal("100,000 zones with secondary DNS enabled: start-up under 5 s",
             None if ax.get("start_s") is None or (ax.get("start_zones") or 0) < 100000
             else ax["start_s"] < 5,
             "%s s with %s zones" % (fmt(ax.get("start_s"), "%.2f"),
                                     "{:,}".format(ax.get("start_zones") or 0))),
        goal("100,000 zones with secondary DNS enabled: NOTIFY fan-out paced, none lost",
             None if ax.get("fo_lost") is None or (ax.get("fo_zones") or 0) < 100000
             else ax["fo_lost"] == 0 and ax["fo_peak"] <= 1100 + 50,
             "a start owing all %s zones a NOTIFY: %s lost, at most %s per second, all sent "
             "%s s after the start" % ("{:,}".format(ax.get("fo_zones") or 0),
                                       fmt(ax.get("fo_lost"), "%d"), fmt(ax.get("fo_peak"), "%d"),
                                       fmt(ax.get("fo_complete_s"), "%.1f"))),
    ]
    errors = []
    for step, per in ctx.results.items():
        if not isinstance(per, dict):
            continue
        for n, r in per.items():
            if isinstance(r, dict) and r.get("error"):
                errors.append("- %s, %s: %s" % (step, LABELS.get(n, n), r["error"]))
    m = meta["machine"]
    v = meta["versions"]
    lines = [
        "# Benchmarks",
        "",
        "axfrd against Knot, NSD, BIND and PowerDNS, in one run, on one machine, over "
        "loopback, with the same generated zones and the same client "
        "(`tests/bench/axfr_count.c`, which counts records and prints nothing per record). "
        "Issue 6; the goals are listed under \"SPEC goals\" below.",
        "",
        "Reproduce (as root on Debian 12; installs the peers when missing):",
        "",
        "```sh",
        meta["command"],
        "```",
        "",
        "| | |",
        "| --- | --- |",
        "| date | %s |" % meta["date"],
        "| machine | %s, %s CPUs (nproc), %s RAM, %s, kernel %s |" % (
            m["cpu"], m["nproc"], m["ram"], m["os"], m["kernel"]),
        "| load average at start / end | %s / %s |" % (meta.get("load_start", "?"),
                                                      meta.get("load_end", "?")),
        "| Knot | %s |" % v["knot"],
        "| NSD | %s |" % v["nsd"],
        "| BIND | %s |" % v["bind"],
        "| PowerDNS | %s (gsqlite3 backend) |" % v["pdns"],
        "| axfrd | %s, CMAKE_BUILD_TYPE=Release |" % v["axfrd"],
        "| runs | %d per measurement (medians); %s |" % (
            ctx.runs, "quick mode" if ctx.quick else "full mode"),
        "| wall time of the run | %s |" % meta.get("duration", "?"),
        "",
        "## Results",
        "",
        "Ratios are axfrd / peer (for records/s and writes/s higher is better for axfrd, for "
        "times and memory lower is). \"—\": not measured (the server has no such feature, "
        "or the step failed: see below).",
        "",
        "| metric | Knot | NSD | BIND | PowerDNS | axfrd | axfrd/Knot | axfrd/NSD | axfrd/BIND "
        "| axfrd/PowerDNS | better |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ] + rows + [
        "",
        "## SPEC goals",
        "",
        "| goal | this run | |",
        "| --- | --- | --- |",
    ] + goals
    if errors:
        lines += ["", "## Steps that failed", ""] + errors
    lines += [
        "",
        "## Method",
        "",
        "- Zones: `tests/bench/genzone.py`, deterministic. `example.bench.`: SOA, 2 apex NS "
        "(`ns1.bench.test.`, `ns2.bench.test.`) and 1,000,004 other records (A 60 %, AAAA "
        "15 %, TXT 10 %, MX 5 %, CNAME 5 %, SRV 5 %) = 1,000,007 records; the 10,000-record "
        "zone is the same mix; the start-up zones are SOA + 2 NS each. axfrd's secondary DNS "
        "configuration names `ns1.bench.test.`, already an apex NS, so every server holds "
        "the same records; every transfer's count is checked.",
        "- Servers, one at a time, each in the foreground on 127.0.0.1 with its defaults "
        "except: logging to stderr, no outside traffic (no recursion, PowerDNS's security "
        "poll off), transfers allowed from 127.0.0.1, limits raised so that 200 "
        "concurrent transfers are allowed (Knot tcp-max-clients, NSD tcp-count, BIND "
        "transfers-out and tcp-clients, PowerDNS max-tcp-connections, axfrd "
        "tcp-max-connections and tcp-max-per-ip: 1024), BIND without integrity checks (the "
        "MX targets have no addresses), Knot with zonefile-sync -1 and no journal. "
        "Knot, NSD and BIND load the master file; PowerDNS reads SQLite filled by "
        "`zone2sql --gsqlite | sqlite3`; axfrd's store is filled through its API "
        "(POST /v1/zones, then POST /v1/zones/example.bench/import %s, "
        "PUT .../secondary_dns), then axfrd is restarted and measured from the store." % (
            "in parts of {:,} records".format(ctx.import_chunk) if ctx.import_chunk
            else "with the whole file in one request"),
        "- AXFR: one warm-up transfer, then the runs; records/s = records / (connect -> "
        "closing SOA); time to first byte from the start of connect().",
        "- After a change: one A record added (Knot, BIND: DNS UPDATE; PowerDNS: API PATCH, "
        "SOA-EDIT-API DEFAULT; axfrd: POST .../records); from the server's acknowledgement, "
        "transfers are made until one carries the new serial; the time is acknowledgement -> "
        "end of that transfer. NSD has no dynamic updates.",
        "- Memory: VmHWM and PSS summed over the server's processes (NSD forks: its VmHWM "
        "sum counts shared pages more than once, PSS does not), read after the load and after "
        "the transfers (VmHWM is the peak since the start, so it covers the transfers); "
        "and VmHWM once more after the changes.",
        "- Concurrent: `axfr_count -c 200 %s`: 200 threads connect 1 ms apart (several "
        "servers listen with a backlog of 10), each a slow "
        "reader (16 KiB SO_RCVBUF, 10 ms pause after every read, about 0.2 s per transfer "
        "when served alone) so that the transfers overlap; the server's RSS is sampled "
        "every 20 ms meanwhile; growth = (highest RSS - RSS before) / 200. (A client that "
        "stops reading altogether is cut off by Knot after 0.5 s, tcp-io-timeout.)"
        % " ".join(CONC_READER),
        "- Start-up: every zone allows transfers to 127.0.0.1 and NOTIFYs a sink on "
        "127.0.0.1 that acknowledges (axfrd: secondary DNS enabled on every zone, created "
        "through the API with db-synchronous normal for the set-up only); time from the "
        "spawn until the last zone and 200 random others answer their SOA over UDP. "
        "axfrd's starts find every serial acknowledged (nothing to send); one more start "
        "finds none acknowledged (`acked_serial` cleared in its store, as after the "
        "secondaries were unreachable), so it owes each of the 100,000 zones a NOTIFY: "
        "the sink counts the zones it heard from (lost = the rest), all NOTIFYs (more than "
        "one per zone would be retries) and the most in any one second (default "
        "notify-rate 1000/s).",
        "- API: zones without secondaries for writes/s (PowerDNS: PATCH of one new A RRset, "
        "its defaults: gsqlite3, SOA-EDIT-API DEFAULT, API rectify; axfrd: POST of one A "
        "record, db-synchronous full); for the latency a second zone with a BIND 9 secondary "
        "whose refresh timer is out of play (only NOTIFY brings changes), polled over UDP "
        "about every millisecond after each write; 5 s without writes before the first, 1 s "
        "after BIND answered each (BIND, serial-query-rate 20/s, delays by about 0.5 s the "
        "refresh for a NOTIFY that follows its previous SOA query that closely, so "
        "back-to-back writes measure BIND: see `tests/bench/results/notify_latency.txt`). "
        "The median and p99 leave out the first write, shown on its own.",
        "- Raw output of this run: `tests/bench/results/bench.txt` (log) and `bench.json` "
        "(every measurement).",
        "",
        "<!-- notes -->",
        ctx.notes.strip("\n") if ctx.notes else "",
        "<!-- /notes -->",
        "",
    ]
    return "\n".join(lines) + getattr(ctx, "tail", "")


def keep_tail(path):
    """What follows the notes in an existing report: the sections that other
    benchmarks write (amplification.py's), kept as they are."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return ""
    i = text.find("<!-- /notes -->\n")
    return text[i + len("<!-- /notes -->\n"):] if i >= 0 else ""


def keep_notes(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return ""
    m = re.search(r"<!-- notes -->\n(.*?)<!-- /notes -->", text, re.S)
    return m.group(1) if m else ""


def load_avg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    global RAW
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="10k zone, 2,000 start-up zones, short API phases, 1 run")
    ap.add_argument("--runs", type=int, default=None, help="runs per measurement (default 5; "
                    "1 with --quick)")
    ap.add_argument("--out", default=None, help="the report (default BENCHMARKS.md; with "
                    "--quick build-bench/quick/BENCHMARKS.md)")
    ap.add_argument("--results", default=None, help="raw results directory (default "
                    "tests/bench/results; with --quick build-bench/quick)")
    ap.add_argument("--steps", default="big,concurrent,startup,api")
    ap.add_argument("--servers", default=",".join(SERVERS))
    ap.add_argument("--startup-zones", type=int, default=None)
    ap.add_argument("--import-chunk", type=int, default=IMPORT_CHUNK,
                    help="records per axfrd import request (0: the whole file in one)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds any one wait may take")
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work directories")
    ap.add_argument("--report-only", action="store_true",
                    help="only write --out again from the results directory's bench.json")
    args = ap.parse_args()
    if args.runs is None:
        args.runs = 1 if args.quick else 5
    args.servers = [s for s in SERVERS if s in args.servers.split(",")]
    steps = args.steps.split(",")
    if args.results is None:
        args.results = os.path.join(BUILD, "quick") if args.quick else \
            os.path.join(HERE, "results")
    if args.out is None:
        args.out = os.path.join(BUILD, "quick", "BENCHMARKS.md") if args.quick else \
            os.path.join(SOURCE_DIR, "BENCHMARKS.md")
    startup_zones = args.startup_zones or (2000 if args.quick else genzone.TINY_ZONES)

    if args.report_only:
        ctx = Ctx(args)
        ctx.notes = keep_notes(args.out)
        ctx.tail = keep_tail(args.out)
        with open(os.path.join(args.results, "bench.json")) as f:
            ctx.results = json.load(f)
        meta = ctx.results["meta"]
        ctx.runs = meta.get("runs", args.runs)
        ctx.quick = meta.get("quick", args.quick)
        ctx.import_chunk = meta.get("import_chunk", args.import_chunk)
        with open(args.out, "w") as f:
            f.write(report(ctx, meta))
        print("report written to %s" % args.out)
        return 0

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    os.makedirs(args.results, exist_ok=True)
    RAW = open(os.path.join(args.results, "bench.txt"), "w")
    ctx = Ctx(args)
    ctx.notes = keep_notes(args.out)
    ctx.tail = keep_tail(args.out)
    t_start = time.monotonic()
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": " ".join(["python3", "tests/bench/run.py"] + sys.argv[1:]),
            "load_start": load_avg(), "runs": args.runs, "quick": args.quick,
            "import_chunk": args.import_chunk}
    try:
        install_peers(not args.no_install)
        if args.no_build:
            ctx.axfrd_bin = os.path.join(BUILD, "axfrd")
            ctx.client = Client(os.path.join(BUILD, "axfr_count"))
        else:
            ab, cb = build()
            ctx.axfrd_bin = ab
            ctx.client = Client(cb)
        ctx.zones = zones(args.quick, startup_zones)
        meta["machine"] = machine()
        meta["versions"] = versions(ctx)
        log("machine: %s" % json.dumps(meta["machine"]))
        log("versions: %s" % json.dumps(meta["versions"]))
        log("command: %s; load average %s" % (meta["command"], meta["load_start"]))
        ctx.results["meta"] = meta
        ctx.tmp = tempfile.mkdtemp(prefix="axfrd-bench-")
        ctx.sink = NotifySink()
        if "big" in steps:
            step_big(ctx)
        if "concurrent" in steps:
            step_concurrent(ctx)
        if "startup" in steps:
            step_startup(ctx)
        if "api" in steps:
            step_api(ctx)
    except KeyboardInterrupt as e:
        log("interrupted (%s): stopping every server" % (e or "Ctrl-C"))
        peers.kill_all()
        return 130
    finally:
        peers.kill_all()
        if ctx.sink is not None:
            ctx.sink.close()
        if ctx.tmp and not args.keep:
            shutil.rmtree(ctx.tmp, ignore_errors=True)
        elif ctx.tmp:
            log("work directories kept in %s" % ctx.tmp)
    meta["load_end"] = load_avg()
    dur = time.monotonic() - t_start
    meta["duration"] = "%d min %02d s" % (dur // 60, dur % 60)
    ctx.results["meta"] = meta
    ctx.save()
    text = report(ctx, meta)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    log("report written to %s; raw results in %s" % (os.path.relpath(args.out, SOURCE_DIR),
                                                     os.path.relpath(args.results, SOURCE_DIR)))
    RAW.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
