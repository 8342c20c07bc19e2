"""Signed NOTIFY with real secondaries (issue 17, point 6).

A zone whose configuration names a TSIG key, with an NSD secondary that
accepts NOTIFY only when signed with that key (allow-notify: ADDR KEY, no
NOKEY line: unsigned ones are refused, "no acl matches") and a BIND
secondary configured with the key. Both have refresh and retry of an
hour, so a new serial that reaches them within seconds got there by
NOTIFY. NSD's log shows the NOTIFY; "notify now" reports both targets
acknowledged, which takes a reply whose TSIG axfrd verified (NSD and
BIND sign their replies to signed NOTIFYs); the sync status shows the
same. BIND alone cannot show the signing (it accepts an unsigned NOTIFY
from its primary's address), NSD does.
"""

import base64
import os
import re
import time
import unittest

from dnsutil import class_daemon, zone_serial
from fakedns import FakeResolver
from harness import add_record, create_zone, q
from secondaries import BindSecondary, NsdSecondary, ensure_tools, free_port

ZONE = "keyed-notify.test"
NS1, NS2 = "ns1.ksec.test.", "ns2.ksec.test."
BIND_ADDR, NSD_ADDR = "127.0.0.1", "127.0.0.3"
KEY = "notify-xfr."
REFRESH = RETRY = 3600
NOTIFY_DEADLINE = 3.0
CATCH_UP_TIMEOUT = 20.0


class SignedNotifySecondaries(unittest.TestCase):

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
        cls.secret = base64.b64encode(os.urandom(32)).decode()
        st, _, k = d.post("/v1/tsig_keys", {"name": KEY, "algorithm": "hmac-sha256",
                                            "secret": cls.secret})
        assert st == 201, (st, k)
        create_zone(d, ZONE, serial_policy="increment")
        st, _, data = d.patch("/v1/zones/%s" % q(ZONE),
                              {"soa": {"refresh": REFRESH, "retry": RETRY}})
        assert st == 200, (st, data)
        add_record(d, ZONE, "www", "A", "192.0.2.1")
        bind_port, nsd_port = free_port(), free_port()
        cls.targets = ["%s:%d" % (BIND_ADDR, bind_port), "%s:%d" % (NSD_ADDR, nsd_port)]
        st, _, data = d.request("PUT", "/v1/zones/%s/secondary_dns" % q(ZONE), body={
            "provider": "custom", "name_servers": [NS1, NS2],
            "allowed_ips": [BIND_ADDR, NSD_ADDR], "notify_targets": cls.targets,
            "tsig_key": KEY})
        assert st == 201, (st, data)
        tsig = (KEY, "hmac-sha256", cls.secret)
        cls.bind = BindSecondary(d.dns_port, [ZONE], port=bind_port, tsig=tsig,
                                 max_retry=None, max_refresh=None)
        cls.addClassCleanup(cls.bind.cleanup)
        cls.nsd = NsdSecondary(d.dns_port, [ZONE], port=nsd_port, addr=NSD_ADDR, tsig=tsig,
                               notify_key_only=True, max_retry=None, max_refresh=None)
        cls.addClassCleanup(cls.nsd.cleanup)
        cls.bind.start()
        cls.nsd.start()
        serial = zone_serial(d, ZONE)
        for sec in (cls.bind, cls.nsd):
            sec.wait_serial(ZONE, serial, CATCH_UP_TIMEOUT)

    def wait_serial(self, sec, serial, timeout):
        t0 = time.monotonic()
        while sec.serial(ZONE) != serial:
            if time.monotonic() - t0 > timeout:
                self.fail("%s has serial %s, not %d, %.1f s after the change\nits log:\n%s\n"
                          "axfrd log:\n%s" % (sec.NAME, sec.serial(ZONE), serial, timeout,
                                              sec.logs()[-3000:], self.d.log_text()[-3000:]))
            time.sleep(0.02)
        return time.monotonic() - t0

    def test_signed_notify_reaches_nsd_and_bind(self):
        add_record(self.d, ZONE, "n%d" % (time.monotonic_ns() % 10**9), "TXT", '"signed"')
        serial = zone_serial(self.d, ZONE)
        for sec in (self.nsd, self.bind):
            self.wait_serial(sec, serial, NOTIFY_DEADLINE)
        log = self.nsd.logs()
        self.assertRegex(log, r"notify for %s\. from 127\.0\.0\.1 serial %d\b"
                         % (re.escape(ZONE), serial))
        self.assertNotIn("no acl matches", log)
        # both secondaries' replies are signed and verified: acknowledged
        deadline = time.monotonic() + 5
        while True:
            st, _, data = self.d.get("/v1/zones/%s/secondary_dns/status" % q(ZONE))
            self.assertEqual(st, 200, data)
            lns = [a["last_notify"] for s in data["secondaries"] for a in s["addresses"]]
            if all(ln and ln["result"] == "acknowledged" and
                   ln.get("acknowledged_serial") == serial for ln in lns) or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(len(lns), 2, data)
        for ln in lns:
            self.assertEqual((ln["result"], ln.get("acknowledged_serial")),
                             ("acknowledged", serial), data)
        self.assertFalse([w for w in data["warnings"]
                          if w["code"] == "notify_not_acknowledged"], data)
        st, _, now = self.d.post("/v1/zones/%s/notify" % q(ZONE), {})
        self.assertEqual(st, 200, now)
        self.assertEqual(sorted((t["target"], t["result"], t["acknowledged"])
                                for t in now["targets"]),
                         sorted((t, "acknowledged", True) for t in self.targets), now)
        self.assertNotIn(self.secret, self.d.log_text())

    def test_unknown_key_is_explained(self):
        # the zone's key changes to one the secondaries do not know: their
        # answers do not count, and the result names the key
        st, _, k = self.d.post("/v1/tsig_keys", {"name": "unknown-to-them.",
                                                 "algorithm": "hmac-sha256"})
        self.assertEqual(st, 201, k)
        self.addCleanup(self.d.patch, "/v1/zones/%s/secondary_dns" % q(ZONE),
                        {"tsig_key": KEY})
        st, _, data = self.d.patch("/v1/zones/%s/secondary_dns" % q(ZONE),
                                   {"tsig_key": "unknown-to-them."})
        self.assertEqual(st, 200, data)
        st, _, now = self.d.post("/v1/zones/%s/notify" % q(ZONE), {})
        self.assertEqual(st, 200, now)
        nsd = [t for t in now["targets"] if t["target"] == self.targets[1]][0]
        self.assertEqual((nsd["answered"], nsd["acknowledged"]), (True, False), now)
        self.assertIn(nsd["result"], ("tsig error", "not authoritative", "refused"), now)
        self.assertIn("unknown-to-them.", nsd["message"], now)
        for t in now["targets"]:
            self.assertFalse(t["acknowledged"], now)
        self.assertNotIn(k["secret"], self.d.log_text())


if __name__ == "__main__":
    unittest.main()
