"""Budgets per tenant (issue 18 point 3): what one account can make axfrd
send.

notify-max-targets: a longer explicit notify_targets list is a 422 naming
the field and the limit, and changes nothing; targets derived from a
longer allowed_ips are accepted, the first N in the order given are
notified, the others are listed as skipped (reason notify-max-targets) in
the configuration, its events, "notify now" and the status, and get no
packet; the status check asks no more than N addresses (the others are
"checked": false with that reason, never in sync).

outbound-rate-per-account: a token bucket per account (burst = rate).
NOTIFYs over it wait in their queue and all arrive, at no more than the
rate (counted at a fake secondary over several seconds); another account's
NOTIFY is not held up by that queue (it arrives before the flooding
account's last one); ALIAS lookups of an account's names are bounded the
same way; a status check over the budget is a 429 with Retry-After and the
JSON error body, for that account only, and passes again after it.

Every fake server listens on loopback (the daemons' outbound-allow is
loopback only)."""

import socket
import struct
import threading
import time
import unittest

from dnsutil import Message
from fakedns import FakeResolver
from harness import (DaemonTestCase, add_record, create_account, create_zone, q,
                     run_binary)
from test_notify import FakeSecondary, reply_bytes

MANY = ["127.0.18.%d" % i for i in range(1, 6)]   # 5 secondaries on port 53


class Port53:
    """A NOTIFY target on ADDR:53 (UDP): records (time, Message) of every
    message and answers NOTIFYs."""

    def __init__(self, addr):
        self.addr = addr
        self.got = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((addr, 53))
        self.sock.settimeout(0.1)
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop_ev.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                msg = Message(data)
            except AssertionError:
                continue
            with self.lock:
                self.got.append((time.monotonic(), msg))
            if msg.opcode == 4:
                self.sock.sendto(reply_bytes(msg), peer)

    def count(self):
        with self.lock:
            return len(self.got)

    def stop(self):
        self.stop_ev.set()
        self.thread.join(2)
        self.sock.close()


def metric(d, name):
    st, _, text = d.request("GET", "/metrics", token=None)
    text = text if isinstance(text, str) else text.decode()
    for ln in text.splitlines():
        if ln.startswith(name + " "):
            return float(ln.split()[1])
    raise AssertionError("no %s in /metrics" % name)


def wait_until(pred, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


class TestCheckConfig(unittest.TestCase):
    """--check-config prints the budgets with the policy; bad values exit 2."""

    def test_prints_budgets(self):
        res = run_binary(["--check-config"])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("notify-max-targets 32", res.stdout)
        self.assertIn("outbound-rate-per-account 100 packets/s", res.stdout)
        res = run_binary(["--check-config", "--notify-max-targets", "7",
                          "--outbound-rate-per-account=9"])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("notify-max-targets 7", res.stdout)
        self.assertIn("outbound-rate-per-account 9 packets/s", res.stdout)
        for key, bad in (("notify-max-targets", "0"), ("outbound-rate-per-account", "0"),
                         ("outbound-rate-per-account", "lots")):
            res = run_binary(["--check-config", "--" + key, bad])
            self.assertEqual(res.returncode, 2, (key, bad, res.stdout))
            self.assertIn(key, res.stderr)
            self.assertNotIn("configuration ok", res.stdout)


class TestMaxTargets(DaemonTestCase):
    """--notify-max-targets 3 with 5 secondaries."""

    ZONE = "max.budget.test"

    def setUp(self):
        self.fake = FakeResolver().start()
        self.addCleanup(self.fake.stop)
        self.fake.set("ns.many.test.", a=MANY)
        self.sinks = [Port53(a) for a in MANY]
        for s in self.sinks:
            self.addCleanup(s.stop)
        self.d = self.start_daemon(args=["--notify-max-targets", "3",
                                         "--resolver", self.fake.addr,
                                         "--check-timeout", "300"])
        create_zone(self.d, self.ZONE)
        self.path = "/v1/zones/%s/secondary_dns" % q(self.ZONE)

    def test_explicit_list_over_the_limit_is_422(self):
        d = self.d
        four = ["127.0.0.1:%d" % (5300 + i) for i in range(4)]
        err = self.assertError(d.request("PUT", self.path, body={
            "provider": "custom", "name_servers": ["ns.many.test."],
            "allowed_ips": ["127.0.0.1"], "notify_targets": four}),
            422, "invalid_field", "notify_targets")
        self.assertIn("3", err["message"])
        self.assertIn("notify-max-targets", err["message"])
        self.assertError(d.get(self.path), 404, "not_found")     # nothing stored
        # three are fine; a PATCH to four is refused and changes nothing
        st, _, cfg = d.request("PUT", self.path, body={
            "provider": "custom", "name_servers": ["ns.many.test."],
            "allowed_ips": ["127.0.0.1"], "notify_targets": four[:3]})
        self.assertEqual(st, 201, cfg)
        self.assertError(d.request("PATCH", self.path, body={"notify_targets": four}),
                         422, "invalid_field", "notify_targets")
        st, _, now = d.get(self.path)
        self.assertEqual(now["notify_targets"], four[:3])
        self.assertEqual(now["updated_at"], cfg["updated_at"])
        self.assertEqual(now["notify_skipped"], [])

    def test_derived_targets_past_the_limit_are_skipped(self):
        d = self.d
        st, _, cfg = d.request("PUT", self.path, body={
            "provider": "custom", "name_servers": ["ns.many.test."], "allowed_ips": MANY})
        self.assertEqual(st, 201, cfg)
        targets = ["%s:53" % a for a in MANY]
        self.assertEqual(cfg["notify_targets"], targets)
        want_skipped = [{"target": t, "reason": "notify-max-targets"} for t in targets[3:]]
        self.assertEqual(cfg["notify_skipped"], want_skipped)
        st, _, ev = d.get(self.path + "/events")
        self.assertEqual(st, 200, ev)
        self.assertEqual(ev["data"][0]["after"]["notify_skipped"], want_skipped)
        # the loop notifies the first three, in order given, and no others
        self.assertTrue(wait_until(lambda: all(s.count() for s in self.sinks[:3]), 5),
                        [s.count() for s in self.sinks])
        # "notify now": the same split
        st, _, res = d.post("/v1/zones/%s/notify" % q(self.ZONE))
        self.assertEqual(st, 200, res)
        by = {t["target"]: t for t in res["targets"]}
        for t in targets[:3]:
            self.assertTrue(by[t]["sent"], by[t])
            self.assertTrue(by[t]["acknowledged"], by[t])
        for t in targets[3:]:
            self.assertFalse(by[t]["sent"], by[t])
            self.assertEqual(by[t]["reason"], "notify-max-targets")
        # the status: the NOTIFY list and the addresses asked
        st, _, s = d.get(self.path + "/status")
        self.assertEqual(st, 200, s)
        notify = {n["target"]: n for n in s["notify"]}
        for t in targets[3:]:
            self.assertEqual((notify[t]["sent"], notify[t]["reason"]),
                             (False, "notify-max-targets"))
        for t in targets[:3]:
            self.assertTrue(notify[t]["sent"], notify[t])
        addrs = {a["address"]: a for a in s["secondaries"][0]["addresses"]}
        self.assertEqual(sorted(addrs), MANY)
        for a in MANY[:3]:
            # asked (the sink does not answer SOA queries: no-answer)
            self.assertEqual(addrs[a].get("reason"), "no-answer", addrs[a])
        for a in MANY[3:]:
            self.assertFalse(addrs[a]["checked"], addrs[a])
            self.assertEqual(addrs[a]["reason"], "notify-max-targets")
            self.assertFalse(addrs[a]["in_sync"])
        self.assertFalse(s["secondaries"][0]["in_sync"])
        # the status asked the first three (SOA queries), never the others
        soa = lambda sink: sum(1 for _, m in sink.got if m.opcode == 0)
        for sink in self.sinks[:3]:
            self.assertGreaterEqual(soa(sink), 1, sink.addr)
        time.sleep(0.3)
        for sink in self.sinks[3:]:
            self.assertEqual(sink.count(), 0, "%s got %d packets" % (sink.addr, sink.count()))


class TestRate(DaemonTestCase):
    """--outbound-rate-per-account 5: NOTIFYs queue, at that rate, none
    lost, and another account is not held up."""

    RATE = 5

    def start(self):
        return self.start_daemon(args=["--outbound-rate-per-account", str(self.RATE),
                                       "--serial-policy", "increment",
                                       "--db-synchronous", "normal"])

    def flood(self, d, token, sink, n, prefix):
        """n zones of the account, each with sink as its NOTIFY target."""
        zones = []
        for i in range(n):
            z = "%s%02d.budget.test" % (prefix, i)
            create_zone(d, z, token=token)
            st, _, data = d.request("PUT", "/v1/zones/%s/secondary_dns" % q(z), token=token,
                                    body={"provider": "custom",
                                          "name_servers": ["ns1.secondary.test."],
                                          "allowed_ips": ["127.0.0.1"],
                                          "notify_targets": [sink.target]})
            self.assertEqual(st, 201, data)
            zones.append(z)
        return zones

    def test_rate_bounds_notifies_and_none_is_lost(self):
        d = self.start()
        _, tok = create_account(d)
        sink = FakeSecondary("ack").start()
        self.addCleanup(sink.stop)
        zones = self.flood(d, tok, sink, 30, "r")
        ok = wait_until(lambda: {r.zone.rstrip(".") for r in sink.received} >= set(zones),
                        30 / self.RATE + 15)
        got = list(sink.received)
        self.assertTrue(ok, "not every zone was announced: %d NOTIFYs" % len(got))
        times = sorted(r.t for r in got)
        # in any window of w >= 1 s: at most RATE*(w + 0.3) + the burst (RATE)
        for i in range(len(times)):
            for j in range(i + 1, len(times)):
                w = times[j] - times[i]
                if w >= 1.0:
                    self.assertLessEqual(j - i + 1, self.RATE * (w + 0.3) + self.RATE,
                                         "%d NOTIFYs within %.2f s at %d/s"
                                         % (j - i + 1, w, self.RATE))
        span = times[-1] - times[0]
        self.assertGreaterEqual(span, (len(times) - self.RATE) / self.RATE * 0.8,
                                "%d NOTIFYs in %.2f s" % (len(times), span))
        self.assertGreater(metric(d, 'axfrd_outbound_throttled_total{kind="notify"}'), 0)

    def test_another_account_is_not_delayed(self):
        d = self.start()
        _, tok_a = create_account(d)
        _, tok_b = create_account(d)
        sink_a = FakeSecondary("ack").start()
        self.addCleanup(sink_a.stop)
        sink_b = FakeSecondary("ack").start()
        self.addCleanup(sink_b.stop)
        zones_a = self.flood(d, tok_a, sink_a, 45, "a")
        # A's queue lasts about 45/5 = 9 s; B's one NOTIFY now
        [zone_b] = self.flood(d, tok_b, sink_b, 1, "b")
        self.assertTrue(wait_until(lambda: len(sink_b.received) >= 1, 10),
                        "B's NOTIFY never came")
        t_b = sink_b.received[0].t
        ok = wait_until(lambda: {r.zone.rstrip(".") for r in sink_a.received} >= set(zones_a),
                        45 / self.RATE + 15)
        self.assertTrue(ok, "A's NOTIFYs did not all arrive")
        a_times = sorted(r.t for r in sink_a.received)
        before = sum(1 for t in a_times if t <= t_b)
        self.assertLess(t_b, a_times[-1], "B's NOTIFY waited behind A's whole queue")
        # B was not behind A's queue: most of A's came after it
        self.assertLess(before, len(a_times) - self.RATE,
                        "%d of A's %d NOTIFYs came before B's" % (before, len(a_times)))


class TestMovedZone(DaemonTestCase):
    """A zone the admin moved spends its new owner's budget: the old owner's
    queue of NOTIFYs does not hold up the new owner's NOTIFYs for it."""

    RATE = TestRate.RATE
    start = TestRate.start
    flood = TestRate.flood

    def test_moved_zone_spends_the_new_owners_budget(self):
        d = self.start()
        bob, tok_b = create_account(d)
        alice, tok_a = create_account(d)
        # bob squats brand.test; the operator moves it to alice
        create_zone(d, "brand.moved.test", token=tok_b)
        st, _, r = d.post("/v1/zones/brand.moved.test/move", {"account_id": alice["id"]})
        self.assertEqual((st, r["account_id"]), (200, alice["id"]), r)
        sink_b = FakeSecondary("ack").start()
        self.addCleanup(sink_b.stop)
        sink_a = FakeSecondary("ack").start()
        self.addCleanup(sink_a.stop)
        # bob's own queue lasts about 40/5 = 8 s
        zones_b = self.flood(d, tok_b, sink_b, 40, "b")
        st, _, data = d.request("PUT", "/v1/zones/brand.moved.test/secondary_dns",
                                token=tok_a,
                                body={"provider": "custom",
                                      "name_servers": ["ns1.secondary.test."],
                                      "allowed_ips": ["127.0.0.1"],
                                      "notify_targets": [sink_a.target]})
        self.assertEqual(st, 201, data)
        self.assertTrue(wait_until(lambda: len(sink_a.received) >= 1, 15),
                        "alice's NOTIFY never came")
        t_a = sink_a.received[0].t
        ok = wait_until(lambda: {r.zone.rstrip(".") for r in sink_b.received} >= set(zones_b),
                        40 / self.RATE + 15)
        self.assertTrue(ok, "bob's NOTIFYs did not all arrive")
        b_times = sorted(r.t for r in sink_b.received)
        before = sum(1 for t in b_times if t <= t_a)
        self.assertLess(before, len(b_times) - self.RATE,
                        "%d of bob's %d NOTIFYs came before alice's: her moved zone "
                        "waited in bob's queue" % (before, len(b_times)))


class TestStatusBudget(DaemonTestCase):
    """A status check over the account's budget is a 429 with Retry-After."""

    def test_429_retry_after(self):
        fake = FakeResolver().start()
        self.addCleanup(fake.stop)
        sink = FakeSecondary("ack").start()
        self.addCleanup(sink.stop)
        fake.set("ns1.sec.budget.test.", a=["127.0.0.1"])
        d = self.start_daemon(args=["--outbound-rate-per-account", "5",
                                    "--resolver", fake.addr, "--check-timeout", "300"])
        users = []
        for name in ("s1.budget.test", "s2.budget.test"):
            _, tok = create_account(d)
            create_zone(d, name, token=tok)
            st, _, data = d.request("PUT", "/v1/zones/%s/secondary_dns" % q(name), token=tok,
                                    body={"provider": "custom",
                                          "name_servers": ["ns1.sec.budget.test."],
                                          "allowed_ips": ["127.0.0.1"],
                                          "notify_targets": [sink.target]})
            self.assertEqual(st, 201, data)
            users.append((name, tok))
        time.sleep(1.2)                  # the NOTIFYs' tokens are back
        (z1, t1), (z2, t2) = users
        status = lambda z, t: d.get("/v1/zones/%s/secondary_dns/status" % q(z), token=t)
        self.assertEqual(status(z1, t1)[0], 200)
        resolver_before = fake.count()
        resp = status(z1, t1)
        err = self.assertError(resp, 429, "rate_limited")
        self.assertIn("outbound-rate-per-account", err["message"])
        retry = resp[1].get("retry-after")
        self.assertIsNotNone(retry, resp[1])
        self.assertRegex(retry, r"^[1-9][0-9]*$")
        self.assertEqual(fake.count(), resolver_before, "a refused check sent lookups")
        # another account is not concerned
        self.assertEqual(status(z2, t2)[0], 200)
        self.assertGreater(metric(d, 'axfrd_outbound_throttled_total{kind="probe"}'), 0)
        time.sleep(int(retry) + 0.2)
        self.assertEqual(status(z1, t1)[0], 200)


class TestNotifyNowBudget(DaemonTestCase):
    """"Notify now" spends the budget too: over it, a 429 and nothing sent."""

    def test_notify_now_429(self):
        sinks = [FakeSecondary("ack").start() for _ in range(3)]
        for s in sinks:
            self.addCleanup(s.stop)
        d = self.start_daemon(args=["--outbound-rate-per-account", "1"])
        _, tok = create_account(d)
        zone = "now.budget.test"
        create_zone(d, zone, token=tok)
        st, _, data = d.request("PUT", "/v1/zones/%s/secondary_dns" % q(zone), token=tok,
                                body={"provider": "custom",
                                      "name_servers": ["ns1.secondary.test."],
                                      "allowed_ips": ["127.0.0.1"],
                                      "notify_targets": [s.target for s in sinks]})
        self.assertEqual(st, 201, data)
        # the loop's three NOTIFYs go at 1/s; then the bucket fills again
        self.assertTrue(wait_until(lambda: all(s.received for s in sinks), 10))
        time.sleep(1.5)
        path = "/v1/zones/%s/notify" % q(zone)
        st, _, res = d.post(path, token=tok)
        self.assertEqual(st, 200, res)
        self.assertTrue(all(t["sent"] for t in res["targets"]), res)
        # three packets from a bucket of one: it is in debt for 3 s
        counts = [len(s.received) for s in sinks]
        resp = d.post(path, token=tok)
        self.assertError(resp, 429, "rate_limited")
        self.assertRegex(resp[1].get("retry-after", ""), r"^[1-9][0-9]*$")
        time.sleep(0.3)
        self.assertEqual([len(s.received) for s in sinks], counts, "a refused one was sent")


class TestAliasBudget(DaemonTestCase):
    """ALIAS lookups of an account's targets spend its budget."""

    def test_alias_lookups_are_paced(self):
        fake = FakeResolver().start()
        self.addCleanup(fake.stop)
        names = ["t%02d.alias-target.test." % i for i in range(15)]
        for n in names:
            fake.set(n, a=["192.0.2.1"], aaaa=[])
        d = self.start_daemon(args=["--outbound-rate-per-account", "5",
                                    "--resolver", fake.addr])
        _, tok = create_account(d)
        zone = "alias.budget.test"
        create_zone(d, zone, token=tok)
        t0 = time.monotonic()
        st, _, data = d.post("/v1/zones/%s/records/batch" % q(zone), token=tok, body={
            "add": [{"name": "a%02d" % i, "type": "ALIAS", "content": n}
                    for i, n in enumerate(names)]})
        self.assertIn(st, (200, 201), data)
        # 30 lookups (A and AAAA of 15 names) at 5/s after a burst of 5
        self.assertTrue(wait_until(lambda: fake.count() >= 2 * len(names), 20),
                        "only %d lookups" % fake.count())
        with fake._lock:
            times = sorted(t for t, n, _, _ in fake.queries if n in names)
        self.assertEqual(len(times), 2 * len(names))
        span = times[-1] - times[0]
        self.assertGreaterEqual(span, (len(times) - 5) / 5.0 * 0.8,
                                "%d lookups in %.2f s" % (len(times), span))
        for i in range(len(times)):
            for j in range(i + 1, len(times)):
                w = times[j] - times[i]
                if w >= 1.0:
                    self.assertLessEqual(j - i + 1, 5 * (w + 0.3) + 5)
        self.assertGreater(metric(d, 'axfrd_outbound_throttled_total{kind="resolve"}'), 0)
        self.assertLess(t0, times[0] + 5)


class TestMovedAliasBudget(DaemonTestCase):
    """The ALIAS lookups of a zone the admin moved are charged to its new
    owner: the old owner's spent budget does not stop them."""

    def test_moved_zones_lookups_spend_the_new_owners_budget(self):
        fake = FakeResolver().start()
        self.addCleanup(fake.stop)
        target = "t.moved-alias.test."
        fake.set(target, a=["192.0.2.7"], aaaa=[], ttl=1)
        ns = ["ns%d.sec.moved-alias.test." % i for i in range(16)]
        for n in ns:
            fake.set(n, a=["127.0.51.%d" % (j + 1) for j in range(8)], aaaa=[])
        d = self.start_daemon(args=["--outbound-rate-per-account", "5",
                                    "--resolver", fake.addr, "--alias-min-ttl", "1",
                                    "--check-timeout", "100"])
        bob, tok_b = create_account(d)
        alice, _ = create_account(d)

        def lookups():
            with fake._lock:
                return sum(1 for _, n, _, _ in fake.queries if n == target)

        create_zone(d, "ma.budget.test", token=tok_b)
        add_record(d, "ma.budget.test", "www", "ALIAS", target, token=tok_b)
        self.assertTrue(wait_until(lambda: lookups() >= 2, 5), "no ALIAS lookup")
        st, _, r = d.post("/v1/zones/ma.budget.test/move", {"account_id": alice["id"]})
        self.assertEqual((st, r["account_id"]), (200, alice["id"]), r)
        # bob spends his budget for many seconds on one big status check
        create_zone(d, "mb.budget.test", token=tok_b)
        st, _, data = d.request("PUT", "/v1/zones/mb.budget.test/secondary_dns",
                                token=tok_b, body={"provider": "custom",
                                                   "name_servers": ns,
                                                   "allowed_ips": ["127.0.0.0/24"]})
        self.assertEqual(st, 201, data)
        path = "/v1/zones/mb.budget.test/secondary_dns/status"
        got = []
        self.assertTrue(wait_until(lambda: got.append(d.get(path, token=tok_b)) or
                                   got[-1][0] == 200, 8, step=0.3), got[-1:])
        resp = d.get(path, token=tok_b)
        self.assertError(resp, 429, "rate_limited")
        self.assertGreaterEqual(int(resp[1]["retry-after"]), 6, resp[1])
        # alice's zone goes on being looked up, about once a second
        before = lookups()
        time.sleep(4)
        self.assertGreaterEqual(lookups() - before, 2,
                                "the moved zone's ALIAS lookups waited for bob's budget")


if __name__ == "__main__":
    unittest.main()
