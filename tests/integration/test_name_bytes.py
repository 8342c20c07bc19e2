"""A name is one name (issue 17, point 7): a label that holds a 0 byte or a
'.' is one label. Raw queries over UDP for b\\000a.c.example.com must not get
a.b.c.example.com's records (answers, wildcards, referrals, ALIAS-free
address owners, CNAME targets, NXDOMAIN versus NODATA), also after an
incremental change (the IXFR/derive path); and the API keeps a\\.b and a.b
apart (the first is refused, never stored as the second)."""

import struct
import unittest

from dnsutil import NOERROR, NXDOMAIN, class_daemon, new_id, udp_query, wait_serial, zone_serial
from harness import add_record, create_zone, q, records

ZONE = "example.com"


def raw_query(labels, qtype):
    """A query whose name is the given byte labels followed by the zone."""
    name = b"".join(bytes([len(lb)]) + lb for lb in labels + [b"example", b"com"]) + b"\0"
    return struct.pack(">HHHHHH", new_id(), 0, 1, 0, 0, 0) + name + struct.pack(">HH", qtype, 1)


A, NS, CNAME, TXT = 1, 2, 5, 16


class NameBytes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls)
        create_zone(d, ZONE)
        add_record(d, ZONE, "a.b.c", "TXT", '"deep"')
        add_record(d, ZONE, "*.c", "TXT", '"wildc"')
        add_record(d, ZONE, "x.y", "NS", "ns.other.test.")
        add_record(d, ZONE, "al.m", "A", "192.0.2.7")
        add_record(d, ZONE, "v.u.t", "TXT", '"ent"')
        cls.serial = wait_serial(d.dns_port, ZONE, zone_serial(d, ZONE))

    def ask(self, labels, qtype):
        m = udp_query(self.d.dns_port, raw_query(labels, qtype))
        self.assertIsNotNone(m, "no answer for %r" % labels)
        return m

    def assertNxdomain(self, labels, qtype):
        m = self.ask(labels, qtype)
        self.assertEqual(m.rcode, NXDOMAIN, "%r: %r" % (labels, m))
        self.assertTrue(m.aa, m)
        self.assertEqual(m.answer, [], m)
        self.assertEqual([r.tname for r in m.authority], ["SOA"], m)

    def check_all_paths(self):
        m = self.ask([b"a", b"b", b"c"], TXT)
        self.assertEqual([r.rdata_text() for r in m.answer], ['"deep"'])
        # b\000a.c is not a.b.c: the wildcard *.c answers it
        m = self.ask([b"b\0a", b"c"], TXT)
        self.assertEqual(m.rcode, NOERROR, m)
        self.assertEqual([r.rdata_text() for r in m.answer], ['"wildc"'], m)
        # not the delegation x.y: no referral
        self.assertNxdomain([b"z", b"y\0x"], A)
        self.assertNxdomain([b"y\0x"], NS)
        # not the address owner al.m
        self.assertNxdomain([b"m\0al"], A)
        # t\000u is not the empty non-terminal u.t (NXDOMAIN, not NODATA),
        # u\000v.t is not v.u.t, c.b (one label) is not b.c
        m = self.ask([b"u", b"t"], TXT)
        self.assertEqual((m.rcode, m.answer), (NOERROR, []), m)
        self.assertNxdomain([b"t\0u"], TXT)
        self.assertNxdomain([b"u\0v", b"t"], TXT)
        self.assertNxdomain([b"c.b"], TXT)

    def test_1_lookups(self):
        self.check_all_paths()

    def test_2_after_incremental_change(self):
        # one more record: the next version is derived from this one
        add_record(self.d, ZONE, "later", "TXT", '"later"')
        wait_serial(self.d.dns_port, ZONE, newer_than=self.serial)
        self.check_all_paths()

    def test_3_api_keeps_escaped_dot_apart(self):
        before = records(self.d, ZONE)
        # an escape is refused; a raw NUL is not even valid JSON text here
        for name, status in (("a\\.b.c", 422), ("b\\000a.c", 422), ("b\x00a.c", 400)):
            with self.subTest(name=name):
                st, _, body = self.d.post("/v1/zones/%s/records" % q(ZONE),
                                          {"name": name, "type": "TXT", "content": '"x"'})
                self.assertEqual(st, status, body)
                if status == 422:
                    self.assertEqual(body["error"].get("field"), "name", body)
        self.assertEqual(records(self.d, ZONE), before)
        st, _, body = self.d.request("POST", "/v1/zones/%s/import" % q(ZONE),
                                     raw=b'a\\.b.c 300 IN TXT "x"\n', content_type="text/dns")
        self.assertEqual(st, 422, body)
        self.assertEqual(records(self.d, ZONE), before)


if __name__ == "__main__":
    unittest.main()
