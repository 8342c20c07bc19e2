"""NOTIFY end to end with real secondaries (issue 5, point 6).

A BIND secondary (127.0.0.1:P1) and an NSD secondary (127.0.0.3:P2) of
axfrd's zone, with a refresh and retry of an hour (the zone's SOA, set
through the API, and no cap on either secondary): whatever reaches them
within the test's lifetime got there because axfrd sent a NOTIFY.

- an API write is answered by each secondary within a couple of seconds,
  and each secondary's log shows the NOTIFY it got for that serial;
- several writes in a row all arrive;
- with one secondary stopped during a change, the sync status reports it
  out of sync; once it is back it catches up (NOTIFY retry, or its own
  check at start-up) and the status shows it in sync again. Once with
  BIND stopped, once with NSD.

The secondaries' names resolve through a fake resolver (ns1.sec.test ->
127.0.0.1, ns2.sec.test -> 127.0.0.3); BIND stays on 127.0.0.1 because
named listens only on addresses configured on an interface.
"""

import re
import time
import unittest

from dnsutil import NOERROR, class_daemon, make_query, udp_query, wait_for, zone_serial
from fakedns import FakeResolver
from harness import add_record, create_zone, q
from secondaries import BindSecondary, NsdSecondary, ensure_tools, free_port

ZONE = "notify.test"
NS1, NS2 = "ns1.sec.test.", "ns2.sec.test."
BIND_ADDR, NSD_ADDR = "127.0.0.1", "127.0.0.3"

# "answered within a couple of seconds": NOTIFY goes out at the commit, the
# secondary asks the SOA, transfers (IXFR) and answers; well under 1 s on a
# release build, this leaves room for ASan and a loaded CI machine
NOTIFY_DEADLINE = 3.0
CATCH_UP_TIMEOUT = 20.0

# the secondaries' own timers: an hour
REFRESH = RETRY = 3600


def answers(sec, name, rtype, want):
    """True if sec answers name/rtype (no recursion, UDP) with rdata want."""
    m = udp_query(sec.port, make_query(name, rtype), addr=sec.addr, timeout=0.5)
    if m is None or m.rcode != NOERROR:
        return False
    return any(rr.tname == rtype and rr.rdata_text().strip('"') == want.strip('"')
               for rr in m.answer)


class NotifyEndToEndTest(unittest.TestCase):

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        ensure_tools("named", "nsd", "dig")
        cls.fake = fake = FakeResolver().start()
        cls.addClassCleanup(fake.stop)
        fake.set(NS1, a=[BIND_ADDR])
        fake.set(NS2, a=[NSD_ADDR])
        cls.d = d = class_daemon(cls, args=["--resolver", fake.addr,
                                            "--check-timeout", "1000"])
        create_zone(d, ZONE, serial_policy="increment")
        st, _, data = d.patch("/v1/zones/%s" % q(ZONE),
                              {"soa": {"refresh": REFRESH, "retry": RETRY}})
        if st != 200:
            raise AssertionError("PATCH soa: HTTP %s %r" % (st, data))
        add_record(d, ZONE, "www", "A", "192.0.2.1")

        bind_port, nsd_port = free_port(), free_port()
        st, _, data = d.request("PUT", "/v1/zones/%s/secondary_dns" % q(ZONE), body={
            "provider": "custom", "name_servers": [NS1, NS2],
            "allowed_ips": [BIND_ADDR, NSD_ADDR],
            "notify_targets": ["%s:%d" % (BIND_ADDR, bind_port),
                               "%s:%d" % (NSD_ADDR, nsd_port)]})
        if st != 201:
            raise AssertionError("PUT secondary_dns: HTTP %s %r" % (st, data))
        # max_retry/max_refresh None: the SOA's hour applies to both timers
        cls.bind = BindSecondary(d.dns_port, [ZONE], port=bind_port, max_retry=None,
                                 max_refresh=None)
        cls.addClassCleanup(cls.bind.cleanup)
        cls.nsd = NsdSecondary(d.dns_port, [ZONE], port=nsd_port, addr=NSD_ADDR,
                               max_retry=None, max_refresh=None)
        cls.addClassCleanup(cls.nsd.cleanup)
        cls.bind.start()
        cls.nsd.start()
        serial = zone_serial(d, ZONE)
        for sec in (cls.bind, cls.nsd):
            sec.wait_serial(ZONE, serial, CATCH_UP_TIMEOUT)
        cls.secs = (cls.bind, cls.nsd)

    # -- helpers ---------------------------------------------------------------------

    def write(self, label):
        """One record write through the API; returns (name, value, serial,
        time the API answered)."""
        name = "%s-%d" % (label, time.monotonic_ns() % 10**9)
        add_record(self.d, ZONE, name, "TXT", '"%s"' % label)
        t = time.monotonic()
        return "%s.%s." % (name, ZONE), label, zone_serial(self.d, ZONE), t

    def wait_answer(self, sec, fqdn, value, timeout):
        """Seconds until sec answers fqdn TXT value (fails after timeout)."""
        t0 = time.monotonic()
        while not answers(sec, fqdn, "TXT", value):
            if time.monotonic() - t0 > timeout:
                self.fail("%s did not answer %s TXT within %.1f s (its serial: %s)\n"
                          "its log tail:\n%s\naxfrd log tail:\n%s"
                          % (sec.NAME, fqdn, timeout, sec.serial(ZONE), sec.logs()[-3000:],
                             self.d.log_text()[-3000:]))
            time.sleep(0.01)
        return time.monotonic() - t0

    def notified(self, sec, serial):
        """True if sec's log shows a NOTIFY for ZONE with serial."""
        log = sec.logs()
        if sec.NAME == "named":
            # "zone notify.test/IN: notify from 127.0.0.1#40000: serial 5"
            return re.search(r"zone %s/IN: notify from 127\.0\.0\.1#\d+: serial %d\b"
                             % (re.escape(ZONE), serial), log) is not None
        # NSD 4.6: "notify for notify.test. from 127.0.0.1 serial 5"
        return re.search(r"notify for %s\. from 127\.0\.0\.1 serial %d\b"
                         % (re.escape(ZONE), serial), log) is not None

    def status(self):
        st, _, data = self.d.get("/v1/zones/%s/secondary_dns/status" % q(ZONE))
        self.assertEqual(st, 200, data)
        return data

    def sec_status(self, st, name):
        for s in st["secondaries"]:
            if s["name"].lower() == name:
                return s
        raise AssertionError("no %s in %r" % (name, st))

    # -- tests -------------------------------------------------------------------------

    def test_0_secondaries_have_long_timers(self):
        """The secondaries got the hour-long refresh and retry (so only a
        NOTIFY can explain what follows)."""
        for sec in self.secs:
            out = sec.dig(ZONE + ".", "SOA", "+norec", "+short")
            f = out.split()
            self.assertEqual(len(f), 7, out)
            self.assertEqual((int(f[3]), int(f[4])), (REFRESH, RETRY),
                             "%s serves SOA %s" % (sec.NAME, out))

    def test_1_write_answered_at_once(self):
        """An API write is answered by BIND and by NSD within a couple of
        seconds, after a NOTIFY (shown in each secondary's log)."""
        for i in range(3):
            fqdn, value, serial, t_api = self.write("one%d" % i)
            for sec in self.secs:
                self.wait_answer(sec, fqdn, value, NOTIFY_DEADLINE + 5)
                took = time.monotonic() - t_api
                self.assertLess(took, NOTIFY_DEADLINE,
                                "%s answered %s %.2f s after the write" % (sec.NAME, fqdn, took))
                self.assertEqual(sec.serial(ZONE), serial)
            for sec in self.secs:
                wait_for(lambda: self.notified(sec, serial), 5,
                         what="%s logged the NOTIFY of serial %d" % (sec.NAME, serial))

    def test_2_writes_in_a_row(self):
        """Ten writes one after another: every record reaches both."""
        writes = [self.write("row%d" % i) for i in range(10)]
        last = writes[-1]
        for sec in self.secs:
            self.wait_answer(sec, last[0], last[1], NOTIFY_DEADLINE + 5)
            took = time.monotonic() - last[3]
            self.assertLess(took, NOTIFY_DEADLINE, "%s: %.2f s after the last write"
                            % (sec.NAME, took))
            sec.wait_serial(ZONE, last[2], 5)
            for fqdn, value, _, _ in writes:
                self.assertTrue(answers(sec, fqdn, "TXT", value),
                                "%s lacks %s TXT %s" % (sec.NAME, fqdn, value))

    def stopped_during_change(self, sec, name):
        other = self.nsd if sec is self.bind else self.bind
        sec.stop()
        try:
            fqdn, value, serial, _ = self.write("down-" + sec.NAME)
            self.wait_answer(other, fqdn, value, NOTIFY_DEADLINE + 5)
            st = self.status()
            self.assertEqual(st["serial"], serial)
            me = self.sec_status(st, name)
            self.assertIs(me["in_sync"], False, me)
            self.assertTrue(me["addresses"] and me["addresses"][0]["error"], me)
            self.assertIs(st["out_of_sync"], True, st)
            self.assertIn("out_of_sync", [w["code"] for w in st["warnings"]], st)
            you = self.sec_status(st, NS1 if name == NS2 else NS2)
            self.assertIs(you["in_sync"], True, you)
            time.sleep(1.5)     # a NOTIFY retry or two go unanswered
        finally:
            if not sec.running():
                sec.start()
        self.wait_answer(sec, fqdn, value, CATCH_UP_TIMEOUT)
        sec.wait_serial(ZONE, serial, 5)
        st = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            st = self.status()
            if not st["out_of_sync"] and all(s["in_sync"] for s in st["secondaries"]):
                break
            time.sleep(0.2)
        self.assertIs(st["out_of_sync"], False, st)
        me = self.sec_status(st, name)
        self.assertIs(me["in_sync"], True, me)
        self.assertEqual(me["addresses"][0]["serial"], serial, me)
        self.assertNotIn("out_of_sync", [w["code"] for w in st["warnings"]], st)
        # and it follows the next change by NOTIFY again
        fqdn, value, serial, t_api = self.write("after-" + sec.NAME)
        self.wait_answer(sec, fqdn, value, NOTIFY_DEADLINE + 5)
        self.assertLess(time.monotonic() - t_api, NOTIFY_DEADLINE)

    def test_3_bind_stopped_during_change(self):
        self.stopped_during_change(self.bind, NS1)

    def test_4_nsd_stopped_during_change(self):
        self.stopped_during_change(self.nsd, NS2)


if __name__ == "__main__":
    unittest.main()
