"""dns-listen-also: more DNS addresses besides dns-listen, each answering
UDP and TCP (port 0: the port of dns-listen). With 127.0.0.1 and [::1]
the daemon serves both families from the same zones: queries and
transfers on ::1, the zone's transfer ACL applied per client address
(a zone that allows only ::1 refuses 127.0.0.1), and a change seen on
both at once. Bad values are refused by --check-config (test_daemon)."""

import unittest

from dnsutil import (NOERROR, REFUSED, make_query, set_secondary, soa_serial_udp, tcp_query,
                     wait_serial, xfr, zone_serial)
from harness import DaemonTestCase, add_record, create_zone


class TestListenAlso(DaemonTestCase):

    def test_ipv6_and_ipv4_on_one_port(self):
        d = self.start_daemon(args=["--dns-listen-also", "[::1]:0"])
        self.assertTrue(any("also listening on dns://[::1]:%d" % d.dns_port in ln
                            for ln in d.stderr_lines), "\n".join(d.stderr_lines[-10:]))
        create_zone(d, "dual.test")
        add_record(d, "dual.test", "www", "A", "192.0.2.10")
        set_secondary(d, "dual.test", ["::1"])
        serial = zone_serial(d, "dual.test")
        for addr in ("127.0.0.1", "::1"):
            self.assertEqual(wait_serial(d.dns_port, "dual.test", serial, addr=addr), serial,
                             "SOA over UDP on %s" % addr)

        # a transfer over TCP on ::1, allowed for ::1 only
        msgs = xfr(d.dns_port, "dual.test", addr="::1")
        self.assertEqual(msgs.rcode, NOERROR)
        names = [r.name.lower() for r in msgs.records()]
        self.assertIn("www.dual.test.", names)
        refused = xfr(d.dns_port, "dual.test", addr="127.0.0.1")
        self.assertEqual(refused.rcode, REFUSED, "127.0.0.1 is not in the zone's ACL")

        # a change is served on both
        add_record(d, "dual.test", "new", "A", "192.0.2.11")
        new = zone_serial(d, "dual.test")
        for addr in ("127.0.0.1", "::1"):
            self.assertEqual(wait_serial(d.dns_port, "dual.test", new, addr=addr), new)
            self.assertEqual(soa_serial_udp(d.dns_port, "dual.test", addr=addr), new)
        m = tcp_query(d.dns_port, make_query("new.dual.test", "A"), addr="::1")
        self.assertEqual(m.rcode, NOERROR)
        self.assertEqual(len(m.answer), 1)


if __name__ == "__main__":
    unittest.main()
