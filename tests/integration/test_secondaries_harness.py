"""The real-secondary harness (secondaries.py) checked against BIND itself
as the primary: BIND and NSD secondaries transfer a zone holding every
record type axfrd exports, follow NOTIFY, report IXFR/AXFR, honour TSIG,
keep their copy across a restart and retry quickly. Needs named, nsd and
dig (deploy/install-deps.sh): without them these tests fail."""

import re
import socket
import time
import unittest

from secondaries import (BindPrimary, BindSecondary, DigError, NsdSecondary, ServerError,
                         axfr, ensure_tools, free_port, normalize_rrs, port_is_free)

ZONE = "example.com"

RECORDS = [
    "@ 300 IN NS ns1",
    "@ 300 IN NS ns2.example.net.",
    "ns1 300 IN A 127.0.0.1",
    "@ 300 IN MX 10 mail",
    "mail 300 IN A 192.0.2.25",
    "www 300 IN A 192.0.2.1",
    "www 300 IN AAAA 2001:DB8:0:0::1",
    "Mixed.Case 600 IN A 192.0.2.7",
    "alias 300 IN CNAME www",
    r'txt 300 IN TXT "hello world" "semi;colon" "quote\"d" "back\\slash" "\195\169t\233"',
    "txt 300 IN TXT unquoted",
    "_sip._tcp 300 IN SRV 10 20 5060 sip.example.net.",
    '@ 300 IN CAA 0 issue "letsencrypt.org"',
    '@ 300 IN CAA 128 iodef "mailto:security@example.com"',
    "ptr 300 IN PTR www.example.com.",
    r'naptr 300 IN NAPTR 100 10 "S" "SIP+D2U" "!^.*$!sip:info@example.com!" _sip._udp',
    "sshfp 300 IN SSHFP 1 1 0123456789abcdef0123456789ABCDEF01234567",
    "_443._tcp.www 300 IN TLSA 3 1 1 ( 0123456789abcdef0123456789abcdef"
    " 0123456789abcdef0123456789abcdef )",
    "sub 300 IN NS ns.sub.example.net.",
    "sub 300 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
    '@ 300 IN HTTPS 1 . alpn="h2,h3" ipv4hint=192.0.2.1',
    "svc 300 IN SVCB 1 svc.example.net. port=8443 alpn=h2",
    "svc2 300 IN SVCB 0 www",
    "*.wild 300 IN A 192.0.2.5",
    "ttl 86400 IN A 192.0.2.86",
]

TSIG = ("xfr-key", "hmac-sha256", "c2VjcmV0LWtleS1mb3ItdGVzdHMtMDEyMzQ1Njc4OQ==")
WRONG = ("xfr-key", "hmac-sha256", "d3Jvbmctc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg=")

NOTIFY_TIMEOUT = 10.0


class HarnessCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        ensure_tools("named", "nsd", "dig", "named-checkconf", "nsd-checkconf")

    def server(self, srv, start=True):
        """Registers the cleanup (stop, remove the directory), then starts."""
        self.addCleanup(srv.cleanup)
        if start:
            srv.start()
        return srv

    def assertSameZone(self, sec, primary, zone=ZONE):
        got = sec.dump(zone)
        want = primary.dump(zone)
        self.assertEqual(got, want, "%s on port %d does not hold what the primary serves; log:\n%s"
                         % (sec.NAME, sec.port, sec.logs()[-4000:]))


class TestNormalize(unittest.TestCase):
    """normalize_rrs() on master-file and dig text (no servers)."""

    def test_master_file_syntax(self):
        text = """\
$ORIGIN Example.COM.
$TTL 1h
@  IN SOA ns1 hostmaster ( 7 ; serial
        3600 600 1w 60 )
   IN NS ns1.example.net.   ; owner inherited
www 300 A 192.0.2.1
    IN 300 AAAA 2001:db8:0::1
t TXT "a;b" plain \\065bc
$ORIGIN sub.example.com.
h 60 CH TXT x
"""
        self.assertEqual(normalize_rrs(text), [
            ("example.com.", 3600, "IN", "NS", "ns1.example.net."),
            ("example.com.", 3600, "IN", "SOA",
             "ns1.example.com. hostmaster.example.com. 7 3600 600 604800 60"),
            ("h.sub.example.com.", 60, "CH", "TXT", '"x"'),
            ("t.example.com.", 3600, "IN", "TXT", '"a;b" "plain" "Abc"'),
            ("www.example.com.", 300, "IN", "A", "192.0.2.1"),
            ("www.example.com.", 300, "IN", "AAAA", "2001:db8::1"),
        ])

    def test_dig_and_zone_forms_agree(self):
        dig_text = (
            'x.example.com.\t300\tIN\tTXT\t"caf\\195\\169" "q\\"x"\n'
            "x.example.com.\t300\tIN\tSSHFP\t1 1 ABCDEF0123\n"
            "x.example.com.\t300\tIN\tHTTPS\t1 . alpn=\"h2\" ipv4hint=192.0.2.1\n"
            "x.example.com.\t300\tIN\tMX\t10 Mail.Example.com.\n"
            "x.example.com.\t300\tIN\tCAA\t0 issue \"ca.example\"\n")
        zone_text = (
            '$ORIGIN example.com.\nX 300 IN TXT "caf\u00e9" "q\\"x"\n'
            "x 300 IN SSHFP 1 1 abcd ef0123\n"
            "x 300 IN HTTPS 1 . ipv4hint=192.0.2.1 alpn=h2\n"
            "x 300 IN MX 10 mail\n"
            "x 300 IN CAA 0 issue ca.example\n")
        self.assertEqual(normalize_rrs(dig_text), normalize_rrs(zone_text))

    def test_free_port_is_free_and_unique(self):
        ports = {free_port() for _ in range(20)}
        self.assertEqual(len(ports), 20)
        for p in ports:
            self.assertTrue(port_is_free(p))


class TestTransfers(HarnessCase):

    def test_bind_and_nsd_follow_a_bind_primary(self):
        primary = self.server(BindPrimary({ZONE: RECORDS}, serial=1))
        # the zone file as normalize_rrs() reads it is exactly what named serves
        self.assertEqual(primary.dump(ZONE), primary.expected(ZONE))
        secs = [self.server(BindSecondary(primary.port, [ZONE])),
                self.server(NsdSecondary(primary.port, [ZONE])),
                self.server(BindSecondary(primary.port, [ZONE], request_ixfr=False)),
                self.server(NsdSecondary(primary.port, [ZONE], request_ixfr=False))]
        primary.set_also_notify([s.port for s in secs])
        for s in secs:
            self.assertEqual(s.wait_serial(ZONE, 1, timeout=10), 1)
            self.assertSameZone(s, primary)
            self.assertEqual(s.last_transfer_kind(ZONE), "AXFR", s.logs()[-3000:])
            self.assertEqual(s.query("www." + ZONE, "AAAA"),
                             [("www.example.com.", 300, "IN", "AAAA", "2001:db8::1")])
            self.assertEqual(s.rcode("nope." + ZONE, "A"), "NXDOMAIN")

        # a changed record and a new serial reach every secondary by NOTIFY,
        # long before the SOA refresh (3600 s)
        changed = [r for r in RECORDS if not r.startswith("www 300 IN A ")]
        changed += ["www 300 IN A 192.0.2.2", "new 300 IN TXT \"added\""]
        primary.update_zone(ZONE, changed, 2)
        t0 = time.monotonic()
        for s in secs:
            s.wait_serial(ZONE, 2, timeout=NOTIFY_TIMEOUT)
        self.assertLess(time.monotonic() - t0, NOTIFY_TIMEOUT)
        for s, kind in zip(secs, ("IXFR", "IXFR", "AXFR", "AXFR")):
            self.assertSameZone(s, primary)
            self.assertEqual(s.last_transfer_kind(ZONE), kind,
                             "%s (request_ixfr=%s); log:\n%s"
                             % (s.NAME, s.request_ixfr, s.logs()[-3000:]))
            self.assertEqual(s.query("www." + ZONE, "A"),
                             [("www.example.com.", 300, "IN", "A", "192.0.2.2")])
        self.assertEqual([t["serial"] for t in secs[0].transfers(ZONE)], [1, 2])
        self.assertEqual([t["serial"] for t in secs[1].transfers(ZONE)], [1, 2])

    def test_restart_keeps_the_copy_and_retries_quickly(self):
        primary = self.server(BindPrimary({ZONE: RECORDS}, serial=5))
        secs = [self.server(BindSecondary(primary.port, [ZONE])),
                self.server(NsdSecondary(primary.port, [ZONE]))]
        for s in secs:
            s.wait_serial(ZONE, 5)
        time.sleep(1.2)  # NSD writes its zone file every second (zonefiles-write: 1)
        primary.stop()
        for s in secs:
            s.restart()
            # the primary is down: what it serves comes from its own copy
            self.assertEqual(s.wait_serial(ZONE, 5, timeout=5), 5, s.logs()[-3000:])
        # the primary comes back with a new serial and notifies nobody:
        # the secondaries find it by retrying (retry capped at 2 s)
        primary.also_notify = []
        primary.update_zone(ZONE, RECORDS + ["back 300 IN A 192.0.2.99"], 6)
        primary.start()
        for s in secs:
            s.wait_serial(ZONE, 6, timeout=10)
            self.assertSameZone(s, primary)


class TestTsig(HarnessCase):

    def test_right_key_transfers_wrong_secret_never_loads(self):
        primary = self.server(BindPrimary({ZONE: RECORDS}, serial=10, tsig=TSIG))
        # the primary refuses an unsigned transfer
        with self.assertRaises(DigError):
            axfr(primary.port, ZONE)
        good = [self.server(BindSecondary(primary.port, [ZONE], tsig=TSIG)),
                self.server(NsdSecondary(primary.port, [ZONE], tsig=TSIG))]
        bad = [self.server(BindSecondary(primary.port, [ZONE], tsig=WRONG)),
               self.server(NsdSecondary(primary.port, [ZONE], tsig=WRONG))]
        primary.set_also_notify([s.port for s in good + bad])
        for s in good:
            s.wait_serial(ZONE, 10)
            self.assertSameZone(s, primary)
        primary.update_zone(ZONE, RECORDS + ["signed 300 IN A 192.0.2.10"], 11)
        for s in good:
            s.wait_serial(ZONE, 11, timeout=NOTIFY_TIMEOUT)
            self.assertSameZone(s, primary)
        # by now the wrong-key secondaries have tried (and retried) and failed
        time.sleep(2.5)
        for s in bad:
            self.assertIsNone(s.serial(ZONE), s.logs()[-3000:])
            self.assertEqual(s.rcode(ZONE, "SOA"), "SERVFAIL")
            self.assertEqual(s.transfers(ZONE), [])
        self.assertRegex(bad[0].logs(), r"failure trying primary .*: tsig indicates error")
        self.assertRegex(bad[1].logs(), r"bad tsig signature")
        # NSD retries a zone it never loaded every max_retry (2) seconds;
        # named only after 60 s (or on NOTIFY), whatever max-retry-time says
        self.assertGreaterEqual(len(re.findall(r"bad tsig signature", bad[1].logs())), 2,
                                "NSD did not retry quickly:\n" + bad[1].logs())


class TestFailures(HarnessCase):

    def test_port_taken_gives_new_port_or_clear_error(self):
        for cls in (BindSecondary, NsdSecondary):
            udp, tcp, taken = take_udp_and_tcp_port()
            with udp, tcp:
                # a port given to the constructor that is taken: a clear error
                sec = self.server(cls(free_port(), [ZONE], port=taken), start=False)
                with self.assertRaisesRegex(ServerError, "could not bind its port"):
                    sec.start(timeout=5)
                self.assertFalse(sec.running())
                # a picked port that was taken meanwhile: started on a new one
                sec = self.server(cls(free_port(), [ZONE]), start=False)
                sec.port = taken
                sec.start(timeout=5)
                self.assertNotEqual(sec.port, taken)
                self.assertTrue(sec.running())
                self.assertEqual(sec.rcode(ZONE, "SOA"), "SERVFAIL")

def take_udp_and_tcp_port():
    """Binds one port number on UDP and TCP (127.0.0.1). The kernel picks
    the UDP port; its TCP twin may be in use by some other connection, so
    try again until both bind."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        try:
            tcp.bind(("127.0.0.1", port))
            tcp.listen()
            return udp, tcp, port
        except OSError:
            udp.close()
            tcp.close()
    raise AssertionError("no port free on both UDP and TCP after 50 tries")


if __name__ == "__main__":
    unittest.main()
