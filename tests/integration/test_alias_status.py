"""ALIAS records show what their target resolved to, and the last failure
(issue 3 point 3: a failure is logged and recorded, and users can see it)."""

import time
import unittest

from fakedns import FakeDNS
from harness import DaemonTestCase, add_record, create_zone


class TestAliasResolutionShown(DaemonTestCase):
    def setUp(self):
        self.dns = FakeDNS().start()
        self.addCleanup(self.dns.stop)
        self.dns.set("target.example.net", a=["192.0.2.7", "192.0.2.8"],
                     aaaa=["2001:db8::7"], ttl=1)
        self.d = self.start_daemon(args=["--resolver", self.dns.addr,
                                         "--alias-min-ttl", "1", "--alias-retry", "1"])
        create_zone(self.d, "example.com")
        self.rec = add_record(self.d, "example.com", "", "ALIAS", "Target.Example.Net")

    def resolution(self, timeout=10, until=lambda r: True):
        deadline = time.monotonic() + timeout
        while True:
            st, _, rec = self.d.get("/v1/zones/example.com/records/%d" % self.rec["id"])
            self.assertEqual(st, 200, rec)
            res = rec["resolution"]
            if res["a"] is not None and until(res):
                return res
            if time.monotonic() > deadline:
                self.fail("resolution did not reach the expected state: %r" % res)
            time.sleep(0.1)

    def test_addresses_then_failure_keeps_them(self):
        # A and AAAA are asked separately: each shows when its answer came
        res = self.resolution(until=lambda r: r["aaaa"] is not None)
        self.assertEqual(res["a"]["addresses"], ["192.0.2.7", "192.0.2.8"])
        self.assertEqual(res["aaaa"]["addresses"], ["2001:db8::7"])
        self.assertIsNone(res["a"]["error"])
        self.assertIsNotNone(res["a"]["resolved_at"])
        # the list shows it too, and other types carry no resolution
        st, _, page = self.d.get("/v1/zones/example.com/records")
        by_type = {r["type"]: r for r in page["data"]}
        self.assertEqual(by_type["ALIAS"]["resolution"]["a"]["addresses"],
                         ["192.0.2.7", "192.0.2.8"])
        self.assertNotIn("resolution", by_type["NS"])

        self.dns.set_mode("target.example.net", "servfail")
        res = self.resolution(until=lambda r: r["a"]["error"] is not None)
        self.assertEqual(res["a"]["error"], "SERVFAIL")
        self.assertIn("error_at", res["a"])
        # the last good addresses are kept, and served
        self.assertEqual(res["a"]["addresses"], ["192.0.2.7", "192.0.2.8"])
        self.assertTrue(self.d.wait_log(r"target\.example\.net\. A: cannot resolve", 5))


if __name__ == "__main__":
    unittest.main()
