#!/usr/bin/env python3
"""genzone.py -- the synthetic zones of the benchmark (tests/bench/run.py),
generated deterministically (the same bytes on every run and machine).

    python3 tests/bench/genzone.py big   OUT.zone [--records N] [--zone NAME]
    python3 tests/bench/genzone.py tiny  OUTDIR   [--zones N]

big:  one zone (default "example.bench.") with its SOA, the 2 apex NS records
      ns1.bench.test. and ns2.bench.test., and N other records (default
      1,000,004, so the zone holds 1,000,007 records, as the benchmark goals say); the mix
      is A 60 %, AAAA 15 %, TXT 10 %, MX 5 %, CNAME 5 %, SRV 5 %, on names
      like host0123456 (two A, one AAAA, one TXT on most of them, as web
      hosting zones look), written as a BIND master file (relative owner
      names, one $TTL).
tiny: N zones (default 100,000) z000000.bench. ... each with SOA and the same
      2 apex NS records (3 records, what a zone holds right after it was
      created through axfrd's API), one master file per zone
      (OUTDIR/z000000.bench.zone) plus OUTDIR/zones.txt (the names, one per
      line).

ns1.bench.test. is the name server axfrd's secondary DNS configuration
(provider "custom") names: it is already one of the apex NS records, so axfrd
adds no record and every server holds the same records.
"""

import argparse
import os
import sys

APEX_NS = ("ns1.bench.test.", "ns2.bench.test.")
SERIAL = 2026010101
TTL = 3600
BIG_ZONE = "example.bench."
BIG_RECORDS = 1000004          # + SOA + 2 NS = 1,000,007
MEDIUM_RECORDS = 10000 - 3     # + SOA + 2 NS = 10,000
TINY_ZONES = 100000

# one cycle of 20 records: 12 A, 3 AAAA, 2 TXT, 1 MX, 1 CNAME, 1 SRV
CYCLE = 20
HOSTS_PER_CYCLE = 6


def soa_lines(origin):
    return ["$ORIGIN %s" % origin,
            "$TTL %d" % TTL,
            "@ IN SOA %s hostmaster.bench.test. %d 3600 600 1209600 300" % (APEX_NS[0], SERIAL),
            "@ IN NS %s" % APEX_NS[0],
            "@ IN NS %s" % APEX_NS[1]]


def record(i):
    """The i-th non-apex record (master-file line, relative owner)."""
    c, j = divmod(i, CYCLE)
    base = c * HOSTS_PER_CYCLE
    if j < 12:                      # A: 6 hosts with 2 addresses each
        return "host%07d IN A 10.%d.%d.%d" % (base + j // 2, (i >> 16) & 255, (i >> 8) & 255,
                                              i & 255)
    if j < 15:                      # AAAA on the first 3 hosts of the cycle
        return "host%07d IN AAAA 2001:db8:%x:%x::%x" % (base + j - 12, i >> 16, i & 0xFFFF,
                                                         j)
    if j < 17:                      # TXT on the first 2 hosts
        if j == 15:
            return 'host%07d IN TXT "v=spf1 ip4:10.%d.%d.0/24 -all"' % (
                base, (i >> 16) & 255, (i >> 8) & 255)
        return 'host%07d IN TXT "site-verification=%08x%08x"' % (
            base + 1, (i * 2654435761) & 0xFFFFFFFF, (i * 40503) & 0xFFFFFFFF)
    if j == 17:                     # MX on host 5 of the cycle
        return "host%07d IN MX 10 mx%d.example.bench." % (base + 5, c % 64)
    if j == 18:                     # CNAME, alone at its name
        return "www%07d IN CNAME host%07d" % (c, base)
    return "_sip._tcp.host%07d IN SRV 10 60 5060 host%07d" % (base, base)   # j == 19


def write_big(path, records=BIG_RECORDS, origin=BIG_ZONE):
    """Writes the zone (atomically); returns its record count (SOA once)."""
    if not origin.endswith("."):
        origin += "."
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(soa_lines(origin)) + "\n")
        chunk = []
        for i in range(records):
            chunk.append(record(i))
            if len(chunk) == 10000:
                f.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            f.write("\n".join(chunk) + "\n")
    os.replace(tmp, path)
    return records + 3


def tiny_name(k):
    return "z%06d.bench." % k


def tiny_text(origin):
    return "\n".join(soa_lines(origin)) + "\n"


def write_tiny(outdir, zones=TINY_ZONES):
    """Writes N tiny zones; returns the list of zone names."""
    os.makedirs(outdir, exist_ok=True)
    names = [tiny_name(k) for k in range(zones)]
    for n in names:
        with open(os.path.join(outdir, n + "zone"), "w") as f:
            f.write(tiny_text(n))
    tmp = os.path.join(outdir, "zones.txt.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(names) + "\n")
    os.replace(tmp, os.path.join(outdir, "zones.txt"))   # written last: marks it complete
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    b = sub.add_parser("big")
    b.add_argument("out")
    b.add_argument("--records", type=int, default=BIG_RECORDS,
                   help="records besides SOA and apex NS (default %d)" % BIG_RECORDS)
    b.add_argument("--zone", default=BIG_ZONE)
    t = sub.add_parser("tiny")
    t.add_argument("outdir")
    t.add_argument("--zones", type=int, default=TINY_ZONES)
    args = ap.parse_args()
    if args.what == "big":
        n = write_big(args.out, args.records, args.zone)
        print("%s: %d records" % (args.out, n))
    else:
        names = write_tiny(args.outdir, args.zones)
        print("%s: %d zones" % (args.outdir, len(names)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
