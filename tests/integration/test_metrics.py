"""GET /metrics (issue 5, point 7).

The daemon's counters in the Prometheus text exposition format (0.0.4),
without a token. The test scrapes, then does a known amount of work --
an AXFR that is allowed (from 127.0.0.1) and one that is refused (from
127.0.0.2, not in allowed_ips, with dig -b), a NOTIFY that a fake secondary
acknowledges and one that a silent fake secondary never answers (given up
after --notify-retries 2), an ALIAS that resolves and one whose target
SERVFAILs (A and AAAA lookups each), API requests answered 201, 404, 401 --
scrapes again and checks that each counter moved by exactly that amount:
axfrd_transfers_total{kind,result}, axfrd_transfer_bytes_total{kind} (the
bytes of the transfer's messages), axfrd_notify_total{event="sent" |
"acknowledged" | "failed"}, axfrd_alias_resolutions_total{result="ok" |
"failed"}, axfrd_api_requests_total{status}. The text is checked line by
line: # HELP / # TYPE before the samples of each family, `name{labels} value`
samples, no duplicate series.
"""

import math
import re
import time
import unittest

from dnsutil import NOERROR, class_daemon, dig, make_query, udp_query, wait_for, xfr
from fakedns import FakeDNS
from harness import DaemonTestCase, add_record, create_zone
from test_notify import FakeSecondary, set_notify_targets, zone_serial

NAME_RE = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
HELP_RE = re.compile(r"^# HELP (%s) (.*)$" % NAME_RE)
TYPE_RE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME_RE)
SAMPLE_RE = re.compile(r"^(%s)(\{(.*)\})? (\S+)( -?\d+)?$" % NAME_RE)
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')

XFR_ZONE, FAIL_ZONE, ALIAS_ZONE = "xfr.metrics.test", "fail.metrics.test", "alias.metrics.test"
GOOD_T, BAD_T = "lb.good.example.", "lb.bad.example."


def parse_labels(text):
    out, pos = {}, 0
    while pos < len(text):
        m = LABEL_RE.match(text, pos)
        if not m:
            raise AssertionError("bad label set {%s}" % text)
        if m.group(1) in out:
            raise AssertionError("label %s twice in {%s}" % (m.group(1), text))
        out[m.group(1)] = m.group(2)
        pos = m.end()
    return out


def parse_metrics(text):
    """Checks the exposition text; returns {(name, frozenset(labels)): value}."""
    if not text.endswith("\n"):
        raise AssertionError("the exposition does not end with a newline")
    helps, types, samples, order = {}, {}, {}, []
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d %r" % (n, line)
        if line == "":
            continue
        if line.startswith("#"):
            m = HELP_RE.match(line)
            if m:
                if m.group(1) in helps:
                    raise AssertionError("second HELP for %s: %s" % (m.group(1), where))
                helps[m.group(1)] = m.group(2)
                continue
            m = TYPE_RE.match(line)
            if m:
                if m.group(1) in types:
                    raise AssertionError("second TYPE for %s: %s" % (m.group(1), where))
                if m.group(1) in order:
                    raise AssertionError("TYPE after the samples of %s: %s"
                                         % (m.group(1), where))
                types[m.group(1)] = m.group(2)
                continue
            if line.startswith("# HELP") or line.startswith("# TYPE"):
                raise AssertionError("malformed HELP/TYPE: " + where)
            continue   # a comment
        m = SAMPLE_RE.match(line)
        if not m:
            raise AssertionError("not a sample: " + where)
        name, labels, value = m.group(1), parse_labels(m.group(3) or ""), m.group(4)
        try:
            v = float(value)
        except ValueError:
            raise AssertionError("bad value: " + where)
        if name not in types:
            raise AssertionError("sample before (or without) its TYPE line: " + where)
        if types[name] == "counter":
            if not name.endswith("_total"):
                raise AssertionError("counter %s does not end in _total" % name)
            if v < 0 or math.isnan(v):
                raise AssertionError("counter with value %s: %s" % (value, where))
        if order and order[-1] != name and name in order:
            raise AssertionError("samples of %s are not together: %s" % (name, where))
        if not order or order[-1] != name:
            order.append(name)
        key = (name, frozenset(labels.items()))
        if key in samples:
            raise AssertionError("series twice: " + where)
        samples[key] = v
    for name in order:
        if name not in helps:
            raise AssertionError("no HELP for %s" % name)
    return samples


def val(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class TestMetrics(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        cls.fake = fake = FakeDNS().start()
        cls.addClassCleanup(fake.stop)
        fake.set(GOOD_T, a=["198.51.100.7"], aaaa=["2001:db8::7"], ttl=3600)
        fake.set(BAD_T, a=["198.51.100.8"], ttl=3600, mode="servfail")
        cls.ack = FakeSecondary("ack").start()
        cls.addClassCleanup(cls.ack.stop)
        cls.silent = FakeSecondary("ack").start()
        cls.addClassCleanup(cls.silent.stop)
        cls.d = d = class_daemon(cls, args=["--resolver", fake.addr, "--alias-retry", "600",
                                            "--notify-timeout", "100", "--notify-retries", "2"])
        for zone, f in ((XFR_ZONE, cls.ack), (FAIL_ZONE, cls.silent)):
            create_zone(d, zone)
            add_record(d, zone, "www", "A", "192.0.2.1")
            add_record(d, zone, "", "TXT", '"metrics"')
            set_notify_targets(d, zone, [f.target])
            f.wait_serial(zone, zone_serial(d, zone))
        create_zone(d, ALIAS_ZONE)
        cls.silent.mode = "silent"
        time.sleep(0.3)

    def scrape(self):
        st, headers, body = self.d.get("/metrics", token=None)
        self.assertEqual(st, 200, body)
        ctype = headers.get("content-type", "")
        self.assertTrue(ctype.startswith("text/plain"), ctype)
        self.assertIn("version=0.0.4", ctype)
        self.scrapes += 1
        return parse_metrics(body)

    def test_format_and_families(self):
        self.scrapes = 0
        s = self.scrape()
        for name, labels in (
                ("axfrd_transfers_total", {"kind": "AXFR", "result": "ok"}),
                ("axfrd_transfers_total", {"kind": "AXFR", "result": "refused"}),
                ("axfrd_transfers_total", {"kind": "IXFR", "result": "ok"}),
                ("axfrd_transfer_bytes_total", {"kind": "AXFR"}),
                ("axfrd_notify_total", {"event": "sent"}),
                ("axfrd_notify_total", {"event": "acknowledged"}),
                ("axfrd_notify_total", {"event": "failed"}),
                ("axfrd_alias_resolutions_total", {"result": "ok"}),
                ("axfrd_alias_resolutions_total", {"result": "failed"})):
            self.assertIn((name, frozenset(labels.items())), s,
                          "series %s%r missing" % (name, labels))
        st, _, body = self.d.get("/metrics", token="not-a-valid-token")
        self.assertEqual(st, 200, "a bad token is not needed for /metrics")

    def test_counters_move(self):
        d = self.d
        self.scrapes = 0
        before = self.scrape()
        api = {"201": 0, "404": 0, "401": 0}

        # an AXFR from an allowed address
        msgs = xfr(d.dns_port, XFR_ZONE)
        self.assertEqual(msgs.rcode, NOERROR)
        xfr_bytes = sum(len(m.raw) for m in msgs)
        # one from an address outside allowed_ips
        res = dig(d.dns_port, XFR_ZONE, "AXFR", src="127.0.0.2")
        self.assertIn("Transfer failed", res.stdout + res.stderr, res.stdout)
        # a NOTIFY acknowledged, one given up
        since = time.monotonic()
        add_record(d, XFR_ZONE, "n1", "A", "192.0.2.11")
        add_record(d, FAIL_ZONE, "n1", "A", "192.0.2.12")
        api["201"] += 2
        self.ack.wait_serial(XFR_ZONE, zone_serial(d, XFR_ZONE), since=since)
        # an ALIAS that resolves, one that fails (A and AAAA lookups each)
        add_record(d, ALIAS_ZONE, "", "ALIAS", GOOD_T)
        add_record(d, ALIAS_ZONE, "bad", "ALIAS", BAD_T)
        api["201"] += 2
        # API errors
        self.assertEqual(d.get("/v1/zones/no-such-zone.test")[0], 404)
        self.assertEqual(d.get("/v1/zones", token=None)[0], 401)
        api["404"] += 1
        api["401"] += 1

        def done():
            s = self.scrape()
            return s if (val(s, "axfrd_notify_total", event="failed") >
                         val(before, "axfrd_notify_total", event="failed") and
                         fake_count(GOOD_T) >= 2 and fake_count(BAD_T) >= 2 and
                         val(s, "axfrd_alias_resolutions_total", result="failed") -
                         val(before, "axfrd_alias_resolutions_total", result="failed") >=
                         fake_count(BAD_T)) else None

        def fake_count(name):
            return self.fake.count(name)
        wait_for(done, 10, interval=0.2, what="NOTIFY given up and ALIAS lookups counted")
        time.sleep(0.5)   # nothing more may come
        n_scrapes = self.scrapes
        after = self.scrape()

        def delta(name, **labels):
            return val(after, name, **labels) - val(before, name, **labels)

        self.assertEqual(udp_query(d.dns_port, make_query(ALIAS_ZONE, "A")).rcode, NOERROR)
        problems = []

        def check(what, got, want):
            ok = got in want if isinstance(want, tuple) else got == want
            if not ok:
                problems.append("%s moved by %r, want %r" % (what, got, want))

        check('transfers{AXFR,ok}', delta("axfrd_transfers_total", kind="AXFR", result="ok"), 1)
        check('transfers{AXFR,refused}',
              delta("axfrd_transfers_total", kind="AXFR", result="refused"), 1)
        check('transfers{AXFR,aborted}',
              delta("axfrd_transfers_total", kind="AXFR", result="aborted"), 0)
        check('transfers{IXFR,ok}', delta("axfrd_transfers_total", kind="IXFR", result="ok"), 0)
        # bytes of the DNS messages (with or without the 2-byte TCP length prefixes)
        check('transfer_bytes{AXFR}', delta("axfrd_transfer_bytes_total", kind="AXFR"),
              (xfr_bytes, xfr_bytes + 2 * len(msgs)))
        check('notify{sent}', delta("axfrd_notify_total", event="sent"), 1 + 2)
        check('notify{acknowledged}', delta("axfrd_notify_total", event="acknowledged"), 1)
        check('notify{failed}', delta("axfrd_notify_total", event="failed"), 1)
        good, bad = self.fake.count(GOOD_T), self.fake.count(BAD_T)
        check('alias{ok} (fakedns answered %d lookups)' % good,
              delta("axfrd_alias_resolutions_total", result="ok"), good)
        check('alias{failed} (fakedns SERVFAILed %d lookups)' % bad,
              delta("axfrd_alias_resolutions_total", result="failed"), bad)
        self.assertEqual((good, bad), (2, 2), "one A and one AAAA lookup per target")
        for status, n in api.items():
            check('api_requests{status=%s}' % status,
                  delta("axfrd_api_requests_total", status=status), n)
        # every scrape since `before` is a 200 (counted once answered, so the
        # final scrape may or may not count itself)
        check('api_requests{status=200}', delta("axfrd_api_requests_total", status="200"),
              (n_scrapes, n_scrapes + 1))
        self.assertEqual(problems, [], "\n".join(problems) + "\nlog:\n" +
                         "\n".join(d.stderr_lines[-30:]))


if __name__ == "__main__":
    unittest.main()
