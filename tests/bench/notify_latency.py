#!/usr/bin/env python3
"""notify_latency.py -- benchmark (not a test; CTest does not run it): how
long after an API write returns does a BIND secondary answer the new
record? (issue 5, point 8; SPEC goal: median under 50 ms, p99 under 200 ms)

    python3 tests/bench/notify_latency.py [AXFRD_BIN] [--writes N] [--out FILE]
                                          [--scenarios back-to-back,paced,tuned]

AXFRD_BIN: the daemon (default: $AXFRD_BIN, else build/axfrd); use a
release build (RelWithDebInfo). For each scenario it starts a fresh axfrd
(durable store, default settings, API and DNS on 127.0.0.1) and a BIND
secondary on loopback, makes the secondary's refresh and retry an hour (so
only NOTIFY can bring it a change), then makes N single-record writes
(POST /v1/zones/bench.test/records, one A record each) one after another.
For each it measures, with the monotonic clock, from the moment the API's
answer has been read to the first answer of BIND (a raw UDP query sent
about every millisecond) that holds the new record; the next write starts
once BIND has answered. BIND's log (print-time, milliseconds) splits each
interval into: write returned -> BIND logged the NOTIFY, NOTIFY -> BIND
started the transfer (its SOA query included), transfer started ->
transferred, and the rest (BIND serving it, polling).

Scenarios:
  back-to-back  the next write as soon as BIND answered; BIND as configured
                by default (the headline figure)
  paced         a pause of 1 s after BIND answered, before the next write
  tuned         back to back, BIND with serial-query-rate 1000 (its default,
                20, makes it hold a NOTIFY that comes within about 0.5 s of
                its previous refresh: see the split)

Prints the distributions and writes them, with the date, the machine, the
versions and the command, to tests/bench/results/notify_latency.txt (or
--out).
"""

import argparse
import datetime
import os
import platform
import random
import re
import socket
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))

ZONE = "bench.test"
WARMUP = 5
ANSWER_TIMEOUT = 10.0     # s per write before it counts as lost
POLL_INTERVAL = 0.001     # s between queries to BIND


def percentile(sorted_values, p):
    """Nearest-rank percentile (p in 0..100) of a sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def query_msg(qid, name):
    out = bytearray(struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0))
    for label in name.rstrip(".").split("."):
        out.append(len(label))
        out += label.encode()
    out += b"\x00" + struct.pack(">HH", 1, 1)       # A IN, no RD
    return bytes(out)


def has_answer(msg, qid):
    """True if msg answers qid NOERROR with at least one answer record."""
    if len(msg) < 12:
        return False
    rid, flags, _, an = struct.unpack(">HHHH", msg[:8])
    return rid == qid and flags & 0x8000 and (flags & 0xF) == 0 and an > 0


def wait_answer(sock, addr, name, timeout):
    """Polls addr for name A about every POLL_INTERVAL; returns the
    monotonic time of the first answer holding a record, or None."""
    deadline = time.monotonic() + timeout
    rng = random.Random()
    while time.monotonic() < deadline:
        qid = rng.randrange(65536)
        sent = time.monotonic()
        sock.sendto(query_msg(qid, name), addr)
        while True:
            left = sent + 0.05 - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                data = sock.recv(4096)
            except socket.timeout:
                break
            now = time.monotonic()
            if has_answer(data, qid):
                return now
            if len(data) >= 2 and struct.unpack(">H", data[:2])[0] == qid:
                break       # the answer to this query: not there yet
        pause = sent + POLL_INTERVAL - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    return None


# named, print-time: "22-Nov-2026 00:23:44.243 general: info: zone bench.test/IN:
#   notify from 127.0.0.1#38984: serial 5"
NAMED_TIME = r"(\d\d-\w\w\w-\d{4} \d\d:\d\d:\d\d\.\d{3})"


def named_time(text):
    """named's local wall-clock time stamp -> seconds since the epoch."""
    t = datetime.datetime.strptime(text, "%d-%b-%Y %H:%M:%S.%f")
    return time.mktime(t.timetuple()) + t.microsecond / 1e6


def named_events(log):
    """{serial: {"notify": t, "started": t, "done": t}} from named's log
    (epoch seconds). "started" is the first transfer start after the
    NOTIFY, "done" the "transferred serial" line."""
    ev = {}
    last_notify = None
    for line in log.splitlines():
        m = re.match(NAMED_TIME + r" general: info: zone %s/IN: notify from \S+: serial (\d+)"
                     % re.escape(ZONE), line)
        if m:
            s = int(m.group(2))
            ev.setdefault(s, {}).setdefault("notify", named_time(m.group(1)))
            last_notify = s
            continue
        m = re.match(NAMED_TIME + r" xfer-in: info: zone %s/IN: Transfer started\."
                     % re.escape(ZONE), line)
        if m and last_notify is not None:
            ev[last_notify].setdefault("started", named_time(m.group(1)))
            continue
        m = re.match(NAMED_TIME + r" xfer-in: info: zone %s/IN: transferred serial (\d+)"
                     % re.escape(ZONE), line)
        if m:
            ev.setdefault(int(m.group(2)), {}).setdefault("done", named_time(m.group(1)))
    return ev


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d CPUs (nproc %s), %s %s" % (
        model, os.cpu_count() or 0, subprocess.run(["nproc"], stdout=subprocess.PIPE,
                                                   text=True).stdout.strip(),
        platform.system(), platform.release())


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def git_rev():
    try:
        rev = subprocess.run(["git", "-C", SOURCE_DIR, "rev-parse", "--short", "HEAD"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", SOURCE_DIR, "status", "--porcelain",
                                "--untracked-files=no"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True).stdout.strip()
        return rev + (" + uncommitted changes" if dirty else "") if rev else "?"
    except OSError:
        return "?"


def fmt_ms(v):
    return "%8.1f" % (v * 1000.0)


def summary(name, values):
    v = sorted(values)
    if not v:
        return "%-40s (no data)" % name
    return "%-40s %s %s %s %s %s %s" % (
        name, fmt_ms(v[0]), fmt_ms(statistics.median(v)), fmt_ms(percentile(v, 90)),
        fmt_ms(percentile(v, 99)), fmt_ms(v[-1]), fmt_ms(statistics.mean(v)))


SCENARIOS = {
    "back-to-back": {"gap": 0.0, "serial_query_rate": None,
                     "what": "next write as soon as BIND answered; BIND defaults"},
    "paced": {"gap": 1.0, "serial_query_rate": None,
              "what": "1 s pause after BIND answered; BIND defaults"},
    "tuned": {"gap": 0.0, "serial_query_rate": 1000,
              "what": "next write as soon as BIND answered; BIND serial-query-rate 1000"},
}


def run(writes, gap, serial_query_rate):
    """One scenario: a fresh axfrd and BIND secondary, WARMUP + writes
    writes. Returns {"lat", "api", "lost", "parts"} (seconds)."""
    from harness import Daemon, create_zone
    from secondaries import BindSecondary, free_port

    d = Daemon()
    sec = None
    lat, api_times, lost = [], [], 0
    parts = {"notify": [], "start": [], "xfr": [], "rest": []}
    try:
        d.start()
        create_zone(d, ZONE, serial_policy="increment")
        st, _, data = d.patch("/v1/zones/%s" % ZONE, {"soa": {"refresh": 3600, "retry": 3600}})
        if st != 200:
            raise SystemExit("PATCH soa: HTTP %s %r" % (st, data))
        port = free_port()
        st, _, data = d.request("PUT", "/v1/zones/%s/secondary_dns" % ZONE, body={
            "provider": "custom", "name_servers": ["ns1.sec.test."],
            "allowed_ips": ["127.0.0.1"], "notify_targets": ["127.0.0.1:%d" % port]})
        if st != 201:
            raise SystemExit("PUT secondary_dns: HTTP %s %r" % (st, data))
        sec = BindSecondary(d.dns_port, [ZONE], port=port, max_retry=None, max_refresh=None)
        if serial_query_rate is not None:
            write_config = sec._write_config

            def tuned():
                write_config()
                with open(sec.config_path) as f:
                    conf = f.read()
                sec._write(conf.replace("options {\n", "options {\n\tserial-query-rate %d;\n"
                                        % serial_query_rate, 1))
            sec._write_config = tuned
        sec.start()
        st, _, z = d.get("/v1/zones/%s" % ZONE)
        sec.wait_serial(ZONE, z["serial"], 20)

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        target = ("127.0.0.1", port)
        conn = d.connect()
        marks = []      # (wall-clock time the write returned, latency or None)
        for i in range(WARMUP + writes):
            name = "w%d.%s." % (i, ZONE)
            body = ('{"name":"w%d","type":"A","content":"192.0.2.%d"}' % (i, i % 250 + 1))
            t_req = time.monotonic()
            conn.request("POST", "/v1/zones/%s/records" % ZONE, body=body, headers={
                "Authorization": "Bearer " + d.admin_token,
                "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            t_ret = time.monotonic()
            wall_ret = time.time()
            if resp.status != 201:
                raise SystemExit("write %d: HTTP %s" % (i, resp.status))
            t_ans = wait_answer(sock, target, name, ANSWER_TIMEOUT)
            if gap:
                time.sleep(gap)
            if i < WARMUP:
                continue
            api_times.append(t_ret - t_req)
            if t_ans is None:
                lost += 1
                marks.append((wall_ret, None))
                continue
            lat.append(t_ans - t_ret)
            marks.append((wall_ret, t_ans - t_ret))
        conn.close()
        sock.close()
        # each write bumped the serial by one (policy increment)
        st, _, z = d.get("/v1/zones/%s" % ZONE)
        last_serial = z["serial"]
        ev = named_events(sec.logs())
        n = len(marks)
        for k, (wall_ret, total) in enumerate(marks):
            if total is None:
                continue
            e = ev.get(last_serial - (n - 1 - k), {})
            if "notify" in e and "started" in e and "done" in e:
                parts["notify"].append(max(0.0, e["notify"] - wall_ret))
                parts["start"].append(e["started"] - e["notify"])
                parts["xfr"].append(e["done"] - e["started"])
                parts["rest"].append(max(0.0, wall_ret + total - e["done"]))
    finally:
        if sec is not None:
            sec.cleanup()
        d.cleanup()
    return {"lat": lat, "api": api_times, "lost": lost, "parts": parts}


def report(name, sc, writes, r):
    lat_s = sorted(r["lat"])
    med = statistics.median(lat_s) if lat_s else float("nan")
    p99 = percentile(lat_s, 99)
    lines = [
        "== scenario %s: %s" % (name, sc["what"]),
        "writes: %d, answered: %d, not answered within %.0f s: %d"
        % (writes, len(lat_s), ANSWER_TIMEOUT, r["lost"]),
        "%-40s %8s %8s %8s %8s %8s %8s" % ("(milliseconds)", "min", "median", "p90", "p99",
                                           "max", "mean"),
        summary("write returned -> BIND answers", r["lat"]),
        summary("API write (request -> answer)", r["api"]),
        "split by BIND's log (ms resolution, %d of %d writes):" % (len(r["parts"]["notify"]),
                                                                  len(lat_s)),
        summary("  write returned -> NOTIFY at BIND", r["parts"]["notify"]),
        summary("  NOTIFY -> transfer started", r["parts"]["start"]),
        summary("  transfer started -> transferred", r["parts"]["xfr"]),
        summary("  transferred -> answer seen", r["parts"]["rest"]),
        "SPEC goal (median < 50 ms, p99 < 200 ms): median %.1f ms %s, p99 %.1f ms %s"
        % (med * 1000, "met" if med < 0.050 else "NOT met", p99 * 1000,
           "met" if p99 < 0.200 and not r["lost"] else "NOT met"),
        "latencies (ms, in order):",
    ]
    row = []
    for i, v in enumerate(r["lat"]):
        row.append("%.1f" % (v * 1000))
        if len(row) == 20 or i == len(r["lat"]) - 1:
            lines.append("  " + " ".join(row))
            row = []
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("axfrd", nargs="?", default=os.environ.get("AXFRD_BIN") or
                    os.path.join(SOURCE_DIR, "build", "axfrd"))
    ap.add_argument("--writes", type=int, default=200)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS),
                    help="comma-separated, from: %s" % ", ".join(SCENARIOS))
    ap.add_argument("--out", default=os.path.join(HERE, "results", "notify_latency.txt"))
    args = ap.parse_args()
    if args.writes < 1:
        ap.error("--writes must be positive")
    names = [s for s in args.scenarios.split(",") if s]
    for s in names:
        if s not in SCENARIOS:
            ap.error("unknown scenario %r" % s)
    os.environ["AXFRD_BIN"] = os.path.abspath(args.axfrd)
    os.environ.setdefault("AXFRD_SOURCE_DIR", SOURCE_DIR)
    if not os.access(os.environ["AXFRD_BIN"], os.X_OK):
        ap.error("%s is not an executable" % os.environ["AXFRD_BIN"])

    from secondaries import ensure_tools, find_tool

    ensure_tools("named", "dig")
    named_v = subprocess.run([find_tool("named"), "-v"],
                             stdout=subprocess.PIPE, text=True).stdout.strip()
    command = " ".join(["python3", os.path.relpath(os.path.abspath(sys.argv[0]), SOURCE_DIR)] +
                       sys.argv[1:])
    started = datetime.datetime.now(datetime.timezone.utc)
    bin_path = os.environ["AXFRD_BIN"]
    lines = [
        "notify_latency: API write returned -> BIND secondary answers the new record",
        "",
        "date:      %s" % started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine:   %s" % machine(),
        "load:      %s at the start (1, 5, 15 min; other work on the machine skews the "
        "figures)" % loadavg(),
        "axfrd:     %s (git %s)" % (os.path.relpath(bin_path, SOURCE_DIR)
                                    if bin_path.startswith(SOURCE_DIR + os.sep) else bin_path,
                                    git_rev()),
        "named:     %s" % named_v,
        "python:    %s" % platform.python_version(),
        "command:   %s" % command,
        "setup:     a fresh axfrd per scenario, its defaults (db-synchronous full, "
        "notify-timeout 1000 ms),",
        "           API and DNS on 127.0.0.1; one BIND secondary on 127.0.0.1, zone "
        "refresh/retry 3600 s",
        "           (only NOTIFY brings changes); %d single-record writes (POST .../records, "
        "one A record)" % args.writes,
        "           one after another, after %d warm-up writes; BIND polled with a raw UDP "
        "query about" % WARMUP,
        "           every %.0f ms until it answers the new record" % (POLL_INTERVAL * 1000),
        "",
    ]
    for name in names:
        sc = SCENARIOS[name]
        print("running scenario %s (%d writes)..." % (name, args.writes), file=sys.stderr)
        r = run(args.writes, sc["gap"], sc["serial_query_rate"])
        lines += report(name, sc, args.writes, r)
        lines += ["load average at the end of the scenario: %s" % loadavg(), ""]
    text = "\n".join(lines)
    sys.stdout.write(text)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    print("written to %s" % args.out, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
