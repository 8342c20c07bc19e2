"""Sync status of a zone's secondaries (issue 5, point 4):
GET /v1/zones/{zone}/secondary_dns/status against real secondaries on
loopback.

Layout (loopback only):
  fake resolver (--resolver)   FakeResolver on 127.0.0.1:<port>:
                                 ns1.sec.test.  A  127.0.0.1  (BIND)
                                 ns2.sec.test.  A  127.0.0.3  (NSD)
                                 test.          NS parent.ns.test.
                                 parent.ns.test A  127.0.0.1
  parent zone "test."          BindPrimary on 127.0.0.1:<check-port>, with the
                               delegation example.test NS ns1.sec.test.,
                               ns2.sec.test. (the test removes one)
  BIND secondary               127.0.0.1:P1 (NOTIFY target 127.0.0.1:P1)
  NSD secondary                127.0.0.3:P2 (NOTIFY target 127.0.0.3:P2);
                               its transfers come from 127.0.0.3

BIND sits on 127.0.0.1 because named listens only on addresses configured
on an interface (lo holds only 127.0.0.1); NSD binds 127.0.0.3, so the two
secondaries have different addresses and the status can tell them apart
(the check asks each address on the port of its NOTIFY target).

The tests run in order (test_1_... test_8_...) on one set of servers; each
leaves every secondary in sync.
"""

import time
import unittest

from dnsutil import class_daemon, wait_for, zone_serial
from fakedns import FakeResolver
from harness import ISO_TIME_RE, add_record, create_account, create_zone, q
from secondaries import BindPrimary, BindSecondary, NsdSecondary, ensure_tools, free_port

ZONE = "example.test"
NS1, NS2 = "ns1.sec.test.", "ns2.sec.test."
BIND_ADDR, NSD_ADDR = "127.0.0.1", "127.0.0.3"
PARENT_NS = "parent.ns.test."

SYNC_TIMEOUT = 15.0     # a secondary following a change (NOTIFY; retries after a restart)


DEEP_ZONE = "a.b.test"   # its parent zone is "test.": b.test is no zone cut


def delegation(*names):
    """The parent zone "test." delegating example.test to names (and
    a.b.test to ns1.sec.test.)."""
    recs = ["@ 300 IN NS %s" % PARENT_NS, "parent.ns 300 IN A 127.0.0.1",
            "a.b 300 IN NS %s" % NS1]
    recs += ["example 300 IN NS %s" % n for n in names]
    return recs


class SyncStatusTest(unittest.TestCase):

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        ensure_tools("named", "nsd", "dig")
        cls.fake = fake = FakeResolver().start()
        cls.addClassCleanup(fake.stop)
        fake.set(NS1, a=[BIND_ADDR])
        fake.set(NS2, a=[NSD_ADDR])
        fake.set_ns("test.", [PARENT_NS])
        fake.set(PARENT_NS, a=["127.0.0.1"])
        fake.set("b.test.", a=[])    # exists (empty non-terminal): NODATA for NS

        cls.parent_serial = 1
        cls.parent = parent = BindPrimary({"test": delegation(NS1, NS2)}, serial=1)
        cls.addClassCleanup(parent.cleanup)
        parent.start()

        cls.d = d = class_daemon(cls, args=["--resolver", fake.addr,
                                            "--check-port", str(parent.port),
                                            "--check-timeout", "1000",
                                            "--notify-timeout", "500"])
        create_zone(d, ZONE, serial_policy="increment")
        add_record(d, ZONE, "www", "A", "192.0.2.1")

        cls.bind_port, cls.nsd_port = free_port(), free_port()
        cls.targets = {BIND_ADDR: "%s:%d" % (BIND_ADDR, cls.bind_port),
                       NSD_ADDR: "%s:%d" % (NSD_ADDR, cls.nsd_port)}
        st, _, data = d.request("PUT", "/v1/zones/%s/secondary_dns" % q(ZONE), body={
            "provider": "custom", "name_servers": [NS1, NS2],
            "allowed_ips": [BIND_ADDR, NSD_ADDR],
            "notify_targets": [cls.targets[BIND_ADDR], cls.targets[NSD_ADDR]]})
        if st != 201:
            raise AssertionError("PUT secondary_dns: HTTP %s %r" % (st, data))

        cls.bind = BindSecondary(d.dns_port, [ZONE], port=cls.bind_port)
        cls.addClassCleanup(cls.bind.cleanup)
        cls.nsd = NsdSecondary(d.dns_port, [ZONE], port=cls.nsd_port, addr=NSD_ADDR)
        cls.addClassCleanup(cls.nsd.cleanup)
        cls.bind.start()
        cls.nsd.start()
        serial = zone_serial(d, ZONE)
        cls.bind.wait_serial(ZONE, serial, SYNC_TIMEOUT)
        cls.nsd.wait_serial(ZONE, serial, SYNC_TIMEOUT)
        # one more change, now that both run: an IXFR each, a NOTIFY each
        cls.change("setup")

    # -- helpers ---------------------------------------------------------------------

    @classmethod
    def change(cls, label):
        """One record write; returns the new serial."""
        add_record(cls.d, ZONE, "r-%s-%d" % (label, time.monotonic_ns() % 10**9), "TXT",
                   '"%s"' % label)
        return zone_serial(cls.d, ZONE)

    def status(self):
        st, _, data = self.d.get("/v1/zones/%s/secondary_dns/status" % q(ZONE))
        self.assertEqual(st, 200, "status: HTTP %s %r" % (st, data))
        return data

    def wait_status(self, pred, what, timeout=SYNC_TIMEOUT):
        """Polls the status until pred(status) is true; returns that status."""
        last = [None]

        def ok():
            last[0] = self.status()
            return pred(last[0])
        try:
            wait_for(ok, timeout, interval=0.2, what=what)
        except AssertionError:
            self.fail("%s: not within %.0f s; last status: %r\nBIND log tail:\n%s\nNSD log "
                      "tail:\n%s\naxfrd log tail:\n%s"
                      % (what, timeout, last[0], self.bind.logs()[-3000:],
                         self.nsd.logs()[-3000:], self.d.log_text()[-4000:]))
        return last[0]

    @staticmethod
    def secondary(status, name):
        for s in status["secondaries"]:
            if s["name"].rstrip(".").lower() == name.rstrip(".").lower():
                return s
        raise AssertionError("no secondary %s in %r" % (name, status))

    @classmethod
    def address(cls, status, name, addr):
        s = cls.secondary(status, name)
        for a in s["addresses"]:
            if a["address"] == addr:
                return a
        raise AssertionError("no address %s for %s in %r" % (addr, name, s))

    @staticmethod
    def warning(status, code):
        for w in status["warnings"]:
            if w["code"] == code:
                return w
        return None

    def all_in_sync(self, st, serial=None):
        serial = st["serial"] if serial is None else serial
        return (st["serial"] == serial and not st["out_of_sync"] and
                all(s["in_sync"] for s in st["secondaries"]) and
                all(a["serial"] == serial for s in st["secondaries"] for a in s["addresses"]))

    def set_parent(self, *names):
        type(self).parent_serial += 1
        self.parent.update_zone("test", delegation(*names), self.parent_serial)

    # -- tests -------------------------------------------------------------------------

    def test_1_in_sync(self):
        """Both secondaries serve our serial; each address shows its last
        transfer from us and its last NOTIFY; no warning."""
        serial = zone_serial(self.d, ZONE)
        st = self.wait_status(
            lambda s: self.all_in_sync(s, serial) and not s["propagating"] and
            all(a["last_notify"] and a["last_notify"].get("result") == "acknowledged" and
                a["last_notify"].get("serial") == serial
                for x in s["secondaries"] for a in x["addresses"]),
            "both secondaries in sync, NOTIFYs acknowledged")
        self.assertEqual(st["zone"].rstrip("."), ZONE)
        self.assertEqual(st["serial"], serial)
        self.assertIs(st["out_of_sync"], False)
        self.assertIs(st["propagating"], False)
        self.assertIs(st["delegation_missing"], False)
        self.assertEqual(st["warnings"], [])
        self.assertEqual(len(st["secondaries"]), 2, st)
        for name, addr in ((NS1, BIND_ADDR), (NS2, NSD_ADDR)):
            sec = self.secondary(st, name)
            self.assertIs(sec["in_sync"], True, sec)
            self.assertIs(sec["delegated"], True, sec)
            self.assertEqual([a["address"] for a in sec["addresses"]], [addr], sec)
            a = self.address(st, name, addr)
            self.assertEqual(a["serial"], serial, a)
            self.assertIs(a["in_sync"], True, a)
            self.assertIsNone(a["error"], a)
            lt = a["last_transfer"]
            self.assertIsInstance(lt, dict, "%s: no last_transfer: %r" % (name, a))
            self.assertRegex(lt["time"], ISO_TIME_RE)
            self.assertEqual(lt["serial"], serial, lt)
            # the last change was incremental and both request IXFR
            self.assertEqual(lt["kind"], "IXFR", lt)
            self.assertGreater(lt["bytes"], 0, lt)
            self.assertEqual(lt["result"], "ok", lt)
            ln = a["last_notify"]
            self.assertEqual(ln["target"], self.targets[addr], ln)
            self.assertEqual(ln["serial"], serial, ln)
            self.assertEqual(ln["result"], "acknowledged", ln)
            self.assertRegex(ln["time"], ISO_TIME_RE)
            self.assertEqual(ln.get("acknowledged_serial"), serial, ln)
        deleg = st["delegation"]
        self.assertEqual(deleg["parent"], "test.")
        self.assertIs(deleg["checked"], True, deleg)
        self.assertEqual(sorted(n.lower() for n in deleg["name_servers"]), [NS1, NS2], deleg)
        self.assertEqual(deleg["missing"], [], deleg)

    def test_2_secondary_stopped(self):
        """NSD stopped: its address has no serial, an error, in_sync false;
        the zone is out of sync with a warning; BIND still follows changes.
        NSD back: in sync again with the newest serial."""
        self.nsd.stop()
        try:
            serial = self.change("nsd-down")
            self.bind.wait_serial(ZONE, serial, SYNC_TIMEOUT)
            st = self.wait_status(lambda s: s["out_of_sync"] and
                                  self.address(s, NS1, BIND_ADDR)["in_sync"],
                                  "NSD out of sync, BIND in sync")
            a = self.address(st, NS2, NSD_ADDR)
            self.assertIs(a["in_sync"], False, a)
            self.assertIsNone(a["serial"], a)
            self.assertIsInstance(a["error"], str, a)
            self.assertTrue(a["error"], a)
            self.assertIs(self.secondary(st, NS2)["in_sync"], False, st)
            # the NOTIFY of the new serial is not acknowledged
            self.assertNotEqual(a["last_notify"].get("acknowledged_serial"), serial, a)
            self.assertIs(self.secondary(st, NS1)["in_sync"], True, st)
            self.assertEqual(self.address(st, NS1, BIND_ADDR)["serial"], serial, st)
            self.assertIs(st["out_of_sync"], True, st)
            w = self.warning(st, "out_of_sync")
            self.assertIsNotNone(w, st)
            self.assertTrue(w.get("message"), w)
            # BIND transferred the current serial: not propagating any more
            self.assertIs(st["propagating"], False, st)
            self.assertIsNone(self.warning(st, "propagating"), st)
        finally:
            if not self.nsd.running():
                self.nsd.start()
        st = self.wait_status(lambda s: self.all_in_sync(s, serial), "NSD back in sync")
        self.assertIsNone(self.warning(st, "out_of_sync"), st)
        a = self.address(st, NS2, NSD_ADDR)
        self.assertIsNone(a["error"], a)
        self.assertEqual(a["last_transfer"]["serial"], serial, a)
        self.assertEqual(a["last_transfer"]["result"], "ok", a)

    def test_3_secondary_behind(self):
        """A secondary that answers with an older serial (its transfers are
        refused) is out of sync without an error, and its last transfer
        shows the refusal; allowed again, it catches up."""
        old = zone_serial(self.d, ZONE)
        st, _, data = self.d.patch("/v1/zones/%s/secondary_dns" % q(ZONE),
                                   {"allowed_ips": [BIND_ADDR]})
        self.assertEqual(st, 200, data)
        try:
            serial = zone_serial(self.d, ZONE)
            self.assertNotEqual(serial, old)
            self.bind.wait_serial(ZONE, serial, SYNC_TIMEOUT)
            st = self.wait_status(
                lambda s: (self.address(s, NS2, NSD_ADDR)["last_transfer"] or {}).get(
                    "result") not in (None, "ok") and self.address(s, NS1, BIND_ADDR)["in_sync"],
                "NSD's transfer refused")
            a = self.address(st, NS2, NSD_ADDR)
            self.assertEqual(a["serial"], old, a)
            self.assertIs(a["in_sync"], False, a)
            self.assertIsNone(a["error"], a)
            self.assertEqual(a["last_transfer"]["result"], "refused", a)
            self.assertIs(st["out_of_sync"], True, st)
            self.assertIsNotNone(self.warning(st, "out_of_sync"), st)
        finally:
            st, _, data = self.d.patch("/v1/zones/%s/secondary_dns" % q(ZONE),
                                       {"allowed_ips": [BIND_ADDR, NSD_ADDR]})
            self.assertEqual(st, 200, data)
        serial = zone_serial(self.d, ZONE)
        self.wait_status(lambda s: self.all_in_sync(s, serial), "NSD caught up")

    def test_4_delegation_missing(self):
        """The parent delegates to ns1 only: delegation_missing names ns2;
        with both delegated again, no warning."""
        self.set_parent(NS1, "other.ns.test.")
        try:
            st = self.wait_status(lambda s: s["delegation_missing"], "delegation_missing",
                                  timeout=10)
            self.assertEqual(sorted(n.lower() for n in st["delegation"]["name_servers"]),
                             ["ns1.sec.test.", "other.ns.test."], st)
            self.assertEqual([n.lower() for n in st["delegation"]["missing"]], [NS2], st)
            w = self.warning(st, "delegation_missing")
            self.assertIsNotNone(w, st)
            self.assertEqual([n.lower() for n in w["name_servers"]], [NS2], w)
            self.assertIs(self.secondary(st, NS1)["delegated"], True, st)
            self.assertIs(self.secondary(st, NS2)["delegated"], False, st)
            # a delegation problem is not a sync problem
            self.assertIs(st["out_of_sync"], False, st)
        finally:
            self.set_parent(NS1, NS2)
        st = self.wait_status(lambda s: not s["delegation_missing"], "delegation complete",
                              timeout=10)
        self.assertEqual(st["delegation"]["missing"], [], st)
        self.assertIsNone(self.warning(st, "delegation_missing"), st)
        self.assertIs(self.secondary(st, NS2)["delegated"], True, st)

    def test_5_propagating(self):
        """Right after a change that no secondary has transferred yet the
        zone is propagating, with the reason; once they have, it is not."""
        self.bind.stop()
        self.nsd.stop()
        try:
            serial = self.change("propagating")
            st = self.status()
            self.assertEqual(st["serial"], serial)
            self.assertIs(st["propagating"], True, st)
            w = self.warning(st, "propagating")
            self.assertIsNotNone(w, st)
            self.assertTrue(w.get("reasons"), w)
            self.assertTrue(any("transferred" in r for r in w["reasons"]), w)
            self.assertIs(st["out_of_sync"], True, st)
        finally:
            for sec in (self.bind, self.nsd):
                if not sec.running():
                    sec.start()
        st = self.wait_status(lambda s: self.all_in_sync(s, serial) and not s["propagating"],
                              "propagated to both")
        self.assertIsNone(self.warning(st, "propagating"), st)
        self.assertEqual(st["warnings"], [], st)

    def test_6_names_that_do_not_answer(self):
        """A secondary name that does not resolve, and one whose address
        does not answer: each is out of sync with an error; the others
        are not affected."""
        ns3, ns4 = "ns3.sec.test.", "ns4.sec.test."
        self.fake.set(ns4, a=["127.0.0.4"])     # nothing listens there
        path = "/v1/zones/%s/secondary_dns" % q(ZONE)
        st, _, data = self.d.patch(path, {"name_servers": [NS1, NS2, ns3, ns4]})
        self.assertEqual(st, 200, data)
        try:
            serial = zone_serial(self.d, ZONE)
            st = self.wait_status(lambda s: self.address(s, NS1, BIND_ADDR)["in_sync"] and
                                  self.address(s, NS2, NSD_ADDR)["in_sync"],
                                  "ns1 and ns2 in sync")
            self.assertEqual(st["serial"], serial)
            s3 = self.secondary(st, ns3)
            self.assertIs(s3["in_sync"], False, s3)
            self.assertEqual(s3["addresses"], [], s3)
            self.assertTrue(s3.get("error"), s3)
            a4 = self.address(st, ns4, "127.0.0.4")
            self.assertIs(a4["in_sync"], False, a4)
            self.assertIsNone(a4["serial"], a4)
            self.assertTrue(a4["error"], a4)
            self.assertIs(st["out_of_sync"], True, st)
            self.assertIsNotNone(self.warning(st, "out_of_sync"), st)
            # the parent does not delegate to ns3 and ns4
            self.assertEqual(sorted(n.lower() for n in st["delegation"]["missing"]),
                             [ns3, ns4], st)
        finally:
            st, _, data = self.d.patch(path, {"name_servers": [NS1, NS2]})
            self.assertEqual(st, 200, data)
        serial = zone_serial(self.d, ZONE)
        self.wait_status(lambda s: self.all_in_sync(s, serial) and not s["warnings"],
                         "back to two secondaries in sync")

    def test_7_parent_is_not_the_next_label(self):
        """The parent zone of a.b.test is test. (b.test is no zone cut, the
        resolver has no NS for it): the delegation is still checked, at
        test.'s servers."""
        create_zone(self.d, DEEP_ZONE)
        st, _, data = self.d.request("PUT", "/v1/zones/%s/secondary_dns" % q(DEEP_ZONE), body={
            "provider": "custom", "name_servers": [NS1], "allowed_ips": [BIND_ADDR],
            "notify_targets": [self.targets[BIND_ADDR]]})
        self.assertEqual(st, 201, data)
        st, _, data = self.d.get("/v1/zones/%s/secondary_dns/status" % q(DEEP_ZONE))
        self.assertEqual(st, 200, data)
        deleg = data["delegation"]
        self.assertEqual(deleg.get("parent"), "test.", deleg)
        self.assertIs(deleg.get("checked"), True, deleg)
        self.assertEqual([n.lower() for n in deleg["name_servers"]], [NS1], deleg)
        self.assertEqual(deleg["missing"], [], deleg)
        self.assertIs(data["delegation_missing"], False, data)

    def test_8_status_errors(self):
        """No configuration: 404; unknown zone: 404; no token: 401; another
        account's zone: 404."""
        create_zone(self.d, "plain.test")
        st, _, data = self.d.get("/v1/zones/plain.test/secondary_dns/status")
        self.assertEqual(st, 404, data)
        st, _, data = self.d.get("/v1/zones/nosuch.test/secondary_dns/status")
        self.assertEqual(st, 404, data)
        st, _, data = self.d.get("/v1/zones/%s/secondary_dns/status" % q(ZONE), token=None)
        self.assertEqual(st, 401, data)
        _, token = create_account(self.d)
        st, _, data = self.d.get("/v1/zones/%s/secondary_dns/status" % q(ZONE), token=token)
        self.assertEqual(st, 404, data)


if __name__ == "__main__":
    unittest.main()
