"""Issue 4 point 7, end to end with a real BIND secondary on loopback:
enabling a custom configuration that allows 127.0.0.1 lets it transfer the
zone; after an edit that removes its address, or after delete, its next
transfer is refused; the NS records of a preset and of a name server set
show up in dig answers from axfrd."""

import time
import unittest

import dnsutil
from harness import DaemonTestCase, add_record, create_zone
from secondaries import BindSecondary

ZONE = "example.com"


class SecondaryDnsWithBind(DaemonTestCase):
    def setUp(self):
        self.d = self.start_daemon()
        create_zone(self.d, ZONE, serial_policy="increment")
        add_record(self.d, ZONE, "www", "A", "192.0.2.1")
        self.bind = BindSecondary(self.d.dns_port, [ZONE], max_retry=2)
        self.addCleanup(self.bind.cleanup)

    def put(self, method, body, expect=(200, 201)):
        st, _, data = self.d.request(method, "/v1/zones/%s/secondary_dns" % ZONE, body=body)
        self.assertIn(st, expect, data)
        return data

    def serial(self):
        st, _, z = self.d.get("/v1/zones/" + ZONE)
        return z["serial"]

    def notify_bind(self):
        """Tells BIND to check the zone now (as axfrd's own NOTIFY would)."""
        dnsutil.udp_query(self.bind.port, dnsutil.make_notify(ZONE + "."), timeout=3)

    def refused_transfers(self):
        return len([l for l in self.d.log_text().splitlines()
                    if "zone %s:" % ZONE in l and "refused" in l and "127.0.0.1" in l])

    def wait_refused(self, before, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.refused_transfers() > before:
                return
            time.sleep(0.1)
        self.fail("axfrd logged no refused transfer from 127.0.0.1:\n" + self.d.log_text())

    def test_enable_edit_delete(self):
        self.put("PUT", {"provider": "custom", "name_servers": ["ns1.secondary.test."],
                         "allowed_ips": ["127.0.0.1"],
                         "notify_targets": ["127.0.0.1:%d" % self.bind.port]})
        self.bind.start()
        serial = self.serial()
        self.bind.wait_serial(ZONE, serial, 20)
        self.assertEqual(self.bind.query("www." + ZONE, "A"),
                         [("www.example.com.", 3600, "IN", "A", "192.0.2.1")])

        # An edit that removes its address: the change bumps the serial and
        # NOTIFYs BIND, whose transfer is now refused; it keeps the old data.
        before = self.refused_transfers()
        self.put("PATCH", {"allowed_ips": ["192.0.2.53"]})
        self.wait_refused(before)
        self.assertEqual(self.bind.serial(ZONE), serial)
        self.assertGreater(self.serial(), serial)

        # Allowed again: it catches up.
        self.put("PATCH", {"allowed_ips": ["127.0.0.0/8"]})
        self.bind.wait_serial(ZONE, self.serial(), 20)

        # Delete: no NOTIFY targets any more; when BIND asks, it is refused.
        caught_up = self.serial()
        st, _, _ = self.d.request("DELETE", "/v1/zones/%s/secondary_dns" % ZONE)
        self.assertEqual(st, 204)
        before = self.refused_transfers()
        self.notify_bind()
        self.wait_refused(before)
        self.assertEqual(self.bind.serial(ZONE), caught_up)

    def ns_names(self):
        ans = dnsutil.udp_query(self.d.dns_port, dnsutil.make_query(ZONE + ".", "NS"))
        return sorted(rr.text().split()[-1].lower() for rr in ans.answer)

    def test_preset_and_set_ns_in_answers(self):
        self.put("PUT", {"provider": "dyn"})
        got = self.ns_names()
        for ns in ("ns2.mydyndns.org.", "ns3.mydyndns.org.", "ns4.mydyndns.org.",
                   "ns5.mydyndns.org.", "ns1.example.net.", "ns2.example.net."):
            self.assertIn(ns, got)

        st, _, nsset = self.d.post("/v1/name_server_sets",
                                   {"name": "mine", "name_servers": ["a.sec.test.",
                                                                     "b.sec.test."],
                                    "addresses": ["127.0.0.1"]})
        self.assertEqual(st, 201, nsset)
        self.put("PUT", {"name_server_set_id": nsset["id"]})
        got = self.ns_names()
        self.assertIn("a.sec.test.", got)
        self.assertIn("b.sec.test.", got)
        self.assertNotIn("ns2.mydyndns.org.", got)   # the replaced preset's NS are gone
        self.assertIn("ns1.example.net.", got)        # the provider's own stay


if __name__ == "__main__":
    unittest.main()
