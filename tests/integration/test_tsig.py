"""TSIG (issue 3, point 5; RFC 8945): keys managed through the API (the
secret is shown once at creation and never again, nor logged); a zone can
require a key for transfers; dig -y with the right key transfers;
unknown key -> NOTAUTH/BADKEY, wrong secret -> NOTAUTH/BADSIG, a time
outside the fudge -> NOTAUTH/BADTIME, no key or another valid key ->
REFUSED; hmac-sha256 and hmac-sha512; every message of a multi-message
signed transfer is signed (verified here message by message)."""

import base64
import os
import re
import time
import unittest

from dnsutil import (BADKEY, BADSIG, BADTIME, NOERROR, TsigKey, class_daemon, dig,
                     export_record_lines, export_text, import_zone, make_query, parse,
                     set_secondary, tcp_connect, tcp_query, tsig_sign, tsig_verify_stream,
                     udp_query,
                     wait_serial, xfr, zone_serial)
from harness import add_record, create_zone


def b64(n):
    return base64.b64encode(os.urandom(n)).decode()


class TestTsig(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls)
        # a generated hmac-sha256 secret, a given hmac-sha512 one, and a
        # third valid key that no zone requires
        st, _, k = d.post("/v1/tsig_keys", {"name": "xfr-key", "algorithm": "hmac-sha256"})
        assert st == 201, (st, k)
        cls.created256 = k
        cls.key256 = TsigKey(k["name"], "hmac-sha256", k["secret"])
        cls.secret512 = b64(64)
        st, _, k = d.post("/v1/tsig_keys", {"name": "Big-Key.example.", "algorithm":
                                            "HMAC-SHA512", "secret": cls.secret512})
        assert st == 201, (st, k)
        cls.created512 = k
        cls.key512 = TsigKey(k["name"], "hmac-sha512", cls.secret512)
        cls.secret_other = b64(32)
        st, _, k = d.post("/v1/tsig_keys", {"name": "other-key", "algorithm": "hmac-sha256",
                                            "secret": cls.secret_other})
        assert st == 201, (st, k)
        cls.key_other = TsigKey(k["name"], "hmac-sha256", cls.secret_other)

        create_zone(d, "signed.test")
        import_zone(d, "signed.test", ['s%04d 300 IN TXT "%s"' % (i, "s" * 60)
                                       for i in range(1500)])
        set_secondary(d, "signed.test", ["127.0.0.1"], tsig_key=cls.key256.name)
        create_zone(d, "sha512.test")
        add_record(d, "sha512.test", "www", "A", "192.0.2.5")
        set_secondary(d, "sha512.test", ["127.0.0.1"], tsig_key=cls.key512.name)
        create_zone(d, "open.test")
        add_record(d, "open.test", "www", "A", "192.0.2.6")
        set_secondary(d, "open.test", ["127.0.0.1"])
        for z in ("signed.test", "sha512.test", "open.test"):
            wait_serial(d.dns_port, z, zone_serial(d, z))

    def assertNoDigTsigError(self, out):
        bad = re.findall(r"(?im)^.*(?:failed|tsig verify failure|couldn't verify|BADSIG|BADKEY|"
                         r"BADTIME|expected a TSIG).*$", out)
        if bad:
            self.fail("dig reports a TSIG problem: %s" % bad[:5])

    # -- the API ------------------------------------------------------------------

    def test_api_secret_shown_once(self):
        d = self.d
        self.assertIn("secret", self.created256, "a generated secret must be returned once")
        raw = base64.b64decode(self.created256["secret"])
        self.assertEqual(len(raw), 32, "hmac-sha256 secret of the hash's length")
        self.assertNotIn("secret", self.created512, "a given secret must not be echoed")
        st, _, lst = d.get("/v1/tsig_keys")
        self.assertEqual(st, 200, lst)
        text = repr(lst)
        for secret in (self.created256["secret"], self.secret512, self.secret_other):
            self.assertNotIn(secret, text)
        items = lst["data"] if isinstance(lst, dict) and "data" in lst else lst
        for item in items:
            self.assertNotIn("secret", item)
        for k in (self.key256, self.key512):
            st, _, one = d.get("/v1/tsig_keys/%s" % k.name)
            self.assertEqual(st, 200, one)
            self.assertNotIn("secret", one)
            self.assertEqual(one["algorithm"], k.algorithm)
        st, _, sd = d.get("/v1/zones/signed.test/secondary_dns")
        self.assertEqual(st, 200, sd)
        self.assertEqual(sd["tsig_key"].rstrip(".").lower(), self.key256.name.rstrip(".").lower())
        self.assertNotIn(self.created256["secret"], repr(sd))

    def test_zz_secrets_never_logged(self):
        """Runs last (name order): after every transfer, failure and API call."""
        log = self.d.log_text()
        for secret in (self.created256["secret"], self.secret512, self.secret_other):
            self.assertNotIn(secret, log, "a TSIG secret is in the daemon's log")
            self.assertNotIn(base64.b64decode(secret).hex(), log.lower())

    # -- transfers ------------------------------------------------------------------

    def test_dig_right_key(self):
        res = dig(self.d.dns_port, "-y", self.key256.dig_arg(), "signed.test", "AXFR",
                  "+nocmd", "+nostats", check=True)
        out = res.stdout
        self.assertNoDigTsigError(out)
        rows = [ln for ln in out.splitlines() if ln and not ln.startswith(";")]
        tsig_rows = [r for r in rows if re.search(r"\sTSIG\s", r)]
        data_rows = [r for r in rows if not re.search(r"\sTSIG\s", r)]
        want = len(export_record_lines(export_text(self.d, "signed.test"))) + 1
        self.assertEqual(len(data_rows), want, "records received by dig")
        self.assertGreater(len(tsig_rows), 1, "dig shows the TSIG of every message")
        self.assertRegex(out, r"s1499\.signed\.test\.")

    def test_every_message_signed(self):
        msgs = xfr(self.d.dns_port, "signed.test", key=self.key256)
        self.assertEqual(msgs.rcode, NOERROR, msgs[0])
        self.assertGreater(len(msgs), 3, "a multi-message transfer")
        problems = tsig_verify_stream(msgs, self.key256, msgs.request_mac)
        self.assertEqual(problems, [])
        for m in msgs:
            self.assertLessEqual(len(m.raw), 16384, "a signed message over 16 KiB")
        self.assertEqual(len(msgs.records()),
                         len(export_record_lines(export_text(self.d, "signed.test"))) + 1)

    def test_every_message_signed_slow_reader(self):
        """The same over a socket that takes 4 KiB at a time: messages the
        socket did not take are signed again when they are written again,
        and the chain of MACs (each over the previous one) still holds."""
        s = tcp_connect(self.d.dns_port, rcvbuf=4096, mss=1200, timeout=10)
        try:
            msgs = xfr(self.d.dns_port, "signed.test", key=self.key256, sock=s,
                       read_size=4096, read_delay=0.0005, timeout=60)
        finally:
            s.close()
        self.assertEqual(msgs.rcode, NOERROR, msgs[0])
        self.assertGreater(len(msgs), 3, "a multi-message transfer")
        self.assertEqual(tsig_verify_stream(msgs, self.key256, msgs.request_mac), [])
        rrs = [(r.name.lower(), r.type, r.rdata) for r in msgs.records()]
        self.assertEqual(len(rrs), len(export_record_lines(export_text(self.d,
                                                                       "signed.test"))) + 1)
        self.assertEqual(len(set(rrs[1:-1])), len(rrs) - 2, "a record came twice")

    def test_hmac_sha512(self):
        res = dig(self.d.dns_port, "-y", self.key512.dig_arg(), "sha512.test", "AXFR",
                  "+nocmd", "+nostats", check=True)
        self.assertIn("www.sha512.test.", res.stdout)
        self.assertNoDigTsigError(res.stdout)
        msgs = xfr(self.d.dns_port, "sha512.test", key=self.key512)
        self.assertEqual(msgs.rcode, NOERROR)
        self.assertEqual(tsig_verify_stream(msgs, self.key512, msgs.request_mac), [])
        self.assertEqual(len(msgs[0].tsig.mac), 64)

    def test_unsigned_refused(self):
        since = len(self.d.stderr_lines)
        msgs = xfr(self.d.dns_port, "signed.test")
        self.assertEqual(msgs[0].rcode_text, "REFUSED", msgs[0])
        self.assertEqual(msgs[0].answer, [])
        self.d.wait_log(r"signed\.test.*127\.0\.0\.1#\d+.*refused", since=since)
        res = dig(self.d.dns_port, "signed.test", "AXFR")
        self.assertIn("Transfer failed", res.stdout)

    def test_other_valid_key_refused(self):
        msgs = xfr(self.d.dns_port, "signed.test", key=self.key_other)
        self.assertEqual(msgs[0].rcode_text, "REFUSED", msgs[0])
        # the refusal is signed with the key the request used
        self.assertIsNotNone(msgs[0].tsig, "the answer to a signed request is not signed")
        self.assertEqual(tsig_verify_stream(msgs[:1], self.key_other, msgs.request_mac), [])

    def test_unknown_key_badkey(self):
        bogus = TsigKey("no-such-key.", "hmac-sha256", b64(32))
        for tcp in (True, False):
            with self.subTest(tcp=tcp):
                if tcp:
                    m = xfr(self.d.dns_port, "signed.test", key=bogus)[0]
                else:
                    q, _ = tsig_sign(make_query("signed.test", "SOA"), bogus)
                    m = udp_query(self.d.dns_port, q)
                self.assertEqual(m.rcode_text, "NOTAUTH", m)
                self.assertIsNotNone(m.tsig, "BADKEY answer without a TSIG record")
                self.assertEqual(m.tsig.error, BADKEY)
                self.assertEqual(m.tsig.mac, b"", "BADKEY answer must have an empty MAC")
                self.assertEqual(m.answer, [])
        res = dig(self.d.dns_port, "-y", bogus.dig_arg(), "signed.test", "AXFR")
        self.assertNotIn("s0001.signed.test.", res.stdout)

    def test_wrong_secret_badsig(self):
        wrong = TsigKey(self.key256.name, "hmac-sha256", b64(32))
        m = xfr(self.d.dns_port, "signed.test", key=wrong)[0]
        self.assertEqual(m.rcode_text, "NOTAUTH", m)
        self.assertIsNotNone(m.tsig)
        self.assertEqual(m.tsig.error, BADSIG)
        self.assertEqual(m.tsig.mac, b"")
        self.assertEqual(m.answer, [])
        res = dig(self.d.dns_port, "-y", wrong.dig_arg(), "signed.test", "AXFR")
        self.assertNotIn("s0001.signed.test.", res.stdout)
        # a key of another algorithm under the right name is not the key either
        alg = TsigKey(self.key256.name, "hmac-sha512", self.key256.secret_b64)
        m = xfr(self.d.dns_port, "signed.test", key=alg)[0]
        self.assertEqual(m.rcode_text, "NOTAUTH", m)
        self.assertIn(m.tsig.error, (BADKEY, BADSIG))

    def test_badtime(self):
        q = make_query("signed.test", "AXFR")
        old = int(time.time()) - 3600
        signed, mac = tsig_sign(q, self.key256, time_signed=old)
        m = tcp_query(self.d.dns_port, signed)
        self.assertIsNotNone(m)
        self.assertEqual(m.rcode_text, "NOTAUTH", m)
        self.assertEqual(m.tsig.error, BADTIME)
        self.assertEqual(m.answer, [])
        # RFC 8945 5.2.3: signed, with the server's time in other data
        self.assertEqual(len(m.tsig.other), 6)
        server_time = int.from_bytes(m.tsig.other, "big")
        self.assertLess(abs(server_time - time.time()), 30)
        self.assertEqual(m.tsig.time_signed, old, "RFC 8945 5.2.3: the BADTIME answer keeps "
                         "the request's time signed")
        self.assertEqual(tsig_verify_stream([m], self.key256, mac, expect_error=BADTIME,
                                            check_time=False), [],
                         "the BADTIME answer's MAC does not verify")

    def test_signed_query_answer_signed(self):
        q, mac = tsig_sign(make_query("www.open.test", "A"), self.key_other)
        raw = udp_query(self.d.dns_port, q, raw=True)
        m = parse(raw)
        self.assertEqual(m.rcode, NOERROR)
        self.assertEqual([r.rdata_text() for r in m.answer], ["192.0.2.6"])
        self.assertEqual(tsig_verify_stream([m], self.key_other, mac), [])

    def test_signed_request_on_open_zone(self):
        """A zone that requires no key still verifies a signed request and
        signs the transfer."""
        msgs = xfr(self.d.dns_port, "open.test", key=self.key_other)
        self.assertEqual(msgs.rcode, NOERROR)
        self.assertEqual(tsig_verify_stream(msgs, self.key_other, msgs.request_mac), [])
        msgs = xfr(self.d.dns_port, "open.test")
        self.assertEqual(msgs.rcode, NOERROR)

    def test_tampered_request_badsig(self):
        q, _ = tsig_sign(make_query("signed.test", "AXFR"), self.key256)
        # flip one bit of the question after signing
        i = q.index(b"signed") + 1
        bad = q[:i] + bytes([q[i] ^ 0x20]) + q[i + 1:]
        m = tcp_query(self.d.dns_port, bad)
        self.assertEqual(m.rcode_text, "NOTAUTH", m)
        self.assertEqual(m.tsig.error, BADSIG)

    def test_key_required_by_zone_cannot_be_deleted(self):
        st, _, data = self.d.delete("/v1/tsig_keys/%s" % self.key256.name)
        self.assertEqual(st, 409, data)


if __name__ == "__main__":
    unittest.main()
