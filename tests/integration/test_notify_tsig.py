"""Signed NOTIFY (issue 17, point 6; RFC 8945).

When a zone's secondary DNS configuration names a TSIG key, every NOTIFY
is signed with it and a reply counts as acknowledged only if its TSIG
verifies. A fake secondary (UDP on 127.0.0.1, in this test) checks the
signature of every NOTIFY it gets and answers as the test says:

- signed correctly: acknowledged, not sent again;
- unsigned, with a wrong MAC, or signed with another key: not counted,
  retried (--notify-retries sends in all), and the result says why;
- REFUSED / NOTAUTH (unsigned): the POST .../notify answer and the sync
  status carry a result and a message naming the likely cause (the key
  or the allow-notify/ACL on the secondary's side);
- a TSIG error in the reply (BADKEY, BADSIG, BADTIME): a message naming it.

Key rotation: after the configuration's key changes, every NOTIFY sent
(retries of the pending one included) is signed with the new key; after
the key is removed, they are unsigned. The secret is never logged.
"""

import base64
import hmac
import os
import re
import socket
import struct
import threading
import time
import unittest

from dnsutil import (QR, AA, OP_NOTIFY, TYPES, CLASS_ANY, Message, TsigKey, class_daemon,
                     name_to_wire, rr_wire, _strip_tsig, _tsig_vars)
from harness import DaemonTestCase, create_zone, add_record, q

NOTIFY_TIMEOUT_MS = 150
NOTIFY_RETRIES = 4
# sends at 0, T, 3T, 7T; given up at 15T
GIVE_UP_S = NOTIFY_TIMEOUT_MS * (2 ** NOTIFY_RETRIES - 1) / 1000.0

BADSIG, BADKEY, BADTIME = 16, 17, 18


def b64(n):
    return base64.b64encode(os.urandom(n)).decode()


def request_verifies(msg, key):
    """True if NOTIFY msg (a Message) carries a TSIG of key that verifies
    (RFC 8945 4.3.2: the request with its TSIG removed, then the variables)."""
    t = msg.tsig
    if t is None or t.key_name.lower() != key.name.lower() or t.algorithm != key.algorithm:
        return False
    data = _strip_tsig(msg) + _tsig_vars(t.key_name, t.algorithm, t.time_signed, t.fudge,
                                         t.error, t.other)
    return hmac.compare_digest(key.digest(data), t.mac)


def reply_body(msg, rcode=0):
    """The unsigned reply to NOTIFY msg: same id, QR, AA, the question."""
    flags = QR | AA | (OP_NOTIFY << 11) | rcode
    return (struct.pack(">HHHHHH", msg.id, flags, 1, 0, 0, 0) + name_to_wire(msg.qname) +
            struct.pack(">HH", TYPES["SOA"], 1))


def sign_reply(body, key, request_mac, error=0, mac=None, time_signed=None, other=b""):
    """Appends a TSIG of key to reply body (5.3: covering the request MAC)."""
    ts = int(time.time()) if time_signed is None else time_signed
    fudge = 300
    qid = struct.unpack(">H", body[:2])[0]
    if mac is None:
        mac = key.digest(struct.pack(">H", len(request_mac)) + request_mac + body +
                         _tsig_vars(key.name, key.algorithm, ts, fudge, error, other))
    rdata = (name_to_wire(key.algorithm) +
             struct.pack(">HIHH", ts >> 32, ts & 0xFFFFFFFF, fudge, len(mac)) + mac +
             struct.pack(">HHH", qid, error, len(other)) + other)
    ar = struct.unpack(">H", body[10:12])[0] + 1
    return (body[:10] + struct.pack(">H", ar) + body[12:] +
            rr_wire(key.name, TYPES["TSIG"], 0, rdata, cls=CLASS_ANY))


class Got:
    def __init__(self, t, msg, key_name, verified):
        self.t, self.msg, self.key_name, self.verified = t, msg, key_name, verified

    def __repr__(self):
        return "<NOTIFY id=%d key=%s verified=%s t=%.3f>" % (self.msg.id, self.key_name,
                                                            self.verified, self.t)


class SigningSecondary:
    """A NOTIFY target that knows some keys. mode:
      "signed"    NOERROR, signed with the request's key (if it verifies)
      "unsigned"  NOERROR without TSIG
      "badmac"    NOERROR with a TSIG of the right key and a wrong MAC
      "otherkey"  NOERROR signed correctly, but with another key
      "refused", "notauth"      that rcode, unsigned
      "signed_refused"          REFUSED, signed correctly
      "badkey", "badsig"        NOTAUTH, TSIG error, empty MAC (RFC 8945 5.3.2)
      "badtime"                 NOTAUTH, BADTIME, signed, our time in other data
      "silent"    no answer
    """

    def __init__(self, keys, mode="signed"):
        self.keys = {k.name.lower(): k for k in keys}
        self.other_key = TsigKey("not-this-one.", "hmac-sha256", b64(32))
        self.mode = mode
        self.got = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def target(self):
        return "127.0.0.1:%d" % self.port

    def stop(self):
        self._stop.set()
        self.thread.join(2)
        self.sock.close()

    def notifies(self, since=0.0):
        with self._lock:
            return [g for g in self.got if g.t >= since]

    def _answer(self, msg):
        t = msg.tsig
        key = self.keys.get(t.key_name.lower()) if t is not None else None
        body = reply_body(msg)
        mode = self.mode
        if mode == "unsigned" or (mode == "signed" and t is None):
            return body
        if mode in ("refused", "notauth"):
            return reply_body(msg, 5 if mode == "refused" else 9)
        if key is None:
            return None
        if mode == "signed":
            return sign_reply(body, key, t.mac)
        if mode == "signed_refused":
            return sign_reply(reply_body(msg, 5), key, t.mac)
        if mode == "badmac":
            return sign_reply(body, key, t.mac, mac=bytes(len(t.mac)))
        if mode == "otherkey":
            return sign_reply(body, self.other_key, t.mac)
        if mode in ("badkey", "badsig"):
            return sign_reply(reply_body(msg, 9), key, t.mac, mac=b"",
                              error=BADKEY if mode == "badkey" else BADSIG)
        if mode == "badtime":
            now = int(time.time())
            return sign_reply(reply_body(msg, 9), key, t.mac, error=BADTIME,
                              time_signed=t.time_signed,
                              other=struct.pack(">HI", now >> 32, now & 0xFFFFFFFF))
        return None

    def _run(self):
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            now = time.monotonic()
            try:
                msg = Message(data)
            except AssertionError:
                continue
            t = msg.tsig
            key = self.keys.get(t.key_name.lower()) if t is not None else None
            verified = key is not None and request_verifies(msg, key)
            with self._lock:
                self.got.append(Got(now, msg, t.key_name.lower() if t else None, verified))
            out = self._answer(msg) if (verified or msg.tsig is None) else None
            if out is not None:
                self.sock.sendto(out, peer)


class NotifyTsigTest(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls, args=["--notify-timeout", str(NOTIFY_TIMEOUT_MS),
                                            "--notify-retries", str(NOTIFY_RETRIES),
                                            "--serial-policy", "increment"])
        cls.keys = {}
        for name, alg in (("notify-k1.", "hmac-sha256"), ("notify-k2.", "hmac-sha512")):
            secret = b64(32 if alg == "hmac-sha256" else 64)
            st, _, k = d.post("/v1/tsig_keys", {"name": name, "algorithm": alg,
                                                "secret": secret})
            assert st == 201, (st, k)
            cls.keys[name] = TsigKey(k["name"], alg, secret)
        cls.k1, cls.k2 = cls.keys["notify-k1."], cls.keys["notify-k2."]

    def fake(self, mode):
        f = SigningSecondary([self.k1, self.k2], mode)
        self.addCleanup(f.stop)
        return f

    def zone(self, name, f, key):
        """A zone whose only NOTIFY target is f, keyed with key (or None);
        f acknowledges the first NOTIFY, then answers as its mode says."""
        mode, f.mode = f.mode, "signed"
        since = time.monotonic()
        create_zone(self.d, name)
        body = {"provider": "custom", "name_servers": ["ns1.secondary.test."],
                "allowed_ips": ["127.0.0.1"], "notify_targets": [f.target]}
        if key is not None:
            body["tsig_key"] = key.name
        st, _, data = self.d.request("PUT", "/v1/zones/%s/secondary_dns" % q(name), body=body)
        self.assertIn(st, (200, 201), data)
        self.wait(lambda: f.notifies(since), 2, "no first NOTIFY")
        time.sleep(0.1)
        f.mode = mode

    def change(self, zone, n=[0]):
        """One record change; returns the time just before it (its NOTIFY
        leaves at the commit, before the API answers)."""
        n[0] += 1
        t = time.monotonic()
        add_record(self.d, zone, "h%d" % n[0], "A", "192.0.2.%d" % (n[0] % 250 + 1))
        return t

    def wait(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return
            time.sleep(0.02)
        self.fail("%s; log:\n%s" % (what, "\n".join(self.d.stderr_lines[-30:])))

    def notify_warning(self, zone):
        """The notify_not_acknowledged warning's targets in the sync status."""
        st, _, data = self.d.get("/v1/zones/%s/secondary_dns/status" % q(zone))
        self.assertEqual(st, 200, data)
        for w in data["warnings"]:
            if w["code"] == "notify_not_acknowledged":
                return w["targets"]
        return []

    def notify_now(self, zone):
        st, _, data = self.d.post("/v1/zones/%s/notify" % q(zone), {})
        self.assertEqual(st, 200, data)
        self.assertEqual(len(data["targets"]), 1, data)
        return data["targets"][0]

    def assertNoSecret(self):
        log = self.d.log_text()
        for k in (self.k1, self.k2):
            self.assertNotIn(k.secret_b64, log)

    # -- tests -----------------------------------------------------------------------

    def test_signed_and_acknowledged(self):
        f = self.fake("signed")
        self.zone("signed.ntsig.test", f, self.k1)
        since = self.change("signed.ntsig.test")
        self.wait(lambda: f.notifies(since), 2, "no NOTIFY")
        time.sleep(3 * NOTIFY_TIMEOUT_MS / 1000.0 + 0.3)
        got = f.notifies(since)
        self.assertEqual(len(got), 1, "an acknowledged signed NOTIFY was sent again: %r" % got)
        self.assertEqual(got[0].key_name, self.k1.name)
        self.assertTrue(got[0].verified, "the NOTIFY's TSIG does not verify")
        # notify now: signed too, and the signed reply acknowledges it
        t = self.notify_now("signed.ntsig.test")
        self.assertEqual((t["result"], t["acknowledged"]), ("acknowledged", True), t)
        self.assertTrue(all(g.verified for g in f.notifies()), f.notifies())
        self.assertEqual(self.notify_warning("signed.ntsig.test"), [])
        self.assertNoSecret()

    def test_unverified_reply_is_retried(self):
        for mode, result, words in (
                ("unsigned", "unsigned reply", "not signed with key notify-k1."),
                ("badmac", "bad reply signature", "does not verify with key notify-k1."),
                ("otherkey", "bad reply signature", "does not verify with key notify-k1.")):
            with self.subTest(mode=mode):
                f = self.fake(mode)
                zone = "%s.ntsig.test" % mode
                self.zone(zone, f, self.k1)
                since = self.change(zone)
                time.sleep(GIVE_UP_S + 0.5)
                got = f.notifies(since)
                self.assertEqual(len(got), NOTIFY_RETRIES,
                                 "a %s reply acknowledged the NOTIFY: %r" % (mode, got))
                self.assertTrue(all(g.verified for g in got), got)
                w = self.notify_warning(zone)
                self.assertEqual(len(w), 1, w)
                self.assertEqual(w[0]["result"], result, w)
                self.assertIn(words, w[0]["message"])
                self.assertIn("no verified reply after %d tries" % NOTIFY_RETRIES,
                              w[0]["message"])
                t = self.notify_now(zone)
                self.assertEqual((t["result"], t["acknowledged"]), (result, False), t)
                # once it signs its replies, the next change is acknowledged
                f.mode = "signed"
                since = self.change(zone)
                self.wait(lambda: self.notify_warning(zone) == [], 3,
                          "a signed reply did not acknowledge")
                self.assertEqual(len(f.notifies(since)), 1, f.notifies(since))
        self.assertNoSecret()

    def test_refused_and_notauth_name_the_cause(self):
        cases = (("refused", self.k1, "refused",
                  ["REFUSED", "allow-notify/ACL", "key notify-k1."]),
                 ("notauth", self.k1, "not authoritative",
                  ["NOTAUTH", "does not know key notify-k1.", "allow-notify/ACL"]),
                 ("refused", None, "refused", ["REFUSED", "allow-notify/ACL"]),
                 ("notauth", None, "not authoritative", ["NOTAUTH", "allow-notify/ACL"]))
        for i, (mode, key, result, words) in enumerate(cases):
            with self.subTest(mode=mode, key=key and key.name):
                f = self.fake(mode)
                zone = "%s%d.ntsig.test" % (mode, i)
                self.zone(zone, f, key)
                t = self.notify_now(zone)
                self.assertEqual((t["result"], t["answered"], t["acknowledged"]),
                                 (result, True, False), t)
                for w in words:
                    self.assertIn(w, t["message"])
                self.change(zone)
                self.wait(lambda: self.notify_warning(zone), GIVE_UP_S + 2,
                          "no warning for a %s reply" % mode)
                w = self.notify_warning(zone)[0]
                self.assertEqual((w["target"], w["result"]), (f.target, result), w)
                for word in words:
                    self.assertIn(word, w["message"])

    def test_signed_refused_ends_the_tries(self):
        # a verified REFUSED is the secondary's word: no retries
        f = self.fake("signed_refused")
        self.zone("sref.ntsig.test", f, self.k1)
        since = self.change("sref.ntsig.test")
        self.wait(lambda: f.notifies(since), 2, "no NOTIFY")
        time.sleep(3 * NOTIFY_TIMEOUT_MS / 1000.0 + 0.3)
        self.assertEqual(len(f.notifies(since)), 1, f.notifies(since))
        self.assertEqual(self.notify_warning("sref.ntsig.test")[0]["result"], "refused")

    def test_tsig_errors(self):
        for mode, words in (("badkey", ["BADKEY", "does not know key notify-k2."]),
                            ("badsig", ["BADSIG", "secret for key notify-k2."]),
                            ("badtime", ["BADTIME", "clock"])):
            with self.subTest(mode=mode):
                f = self.fake(mode)
                zone = "%s.ntsig.test" % mode
                self.zone(zone, f, self.k2)
                t = self.notify_now(zone)
                self.assertEqual((t["result"], t["acknowledged"]), ("tsig error", False), t)
                for w in words:
                    self.assertIn(w, t["message"])
                since = self.change(zone)
                time.sleep(GIVE_UP_S + 0.5)
                self.assertEqual(len(f.notifies(since)), NOTIFY_RETRIES, f.notifies(since))
                w = self.notify_warning(zone)[0]
                self.assertEqual(w["result"], "tsig error", w)
                for word in words:
                    self.assertIn(word, w["message"])

    def test_key_rotation_and_removal(self):
        f = self.fake("silent")
        zone = "rotate.ntsig.test"
        self.zone(zone, f, self.k1)
        since = self.change(zone)
        self.wait(lambda: len(f.notifies(since)) >= 2, 2, "no retries")
        self.assertEqual({g.key_name for g in f.notifies(since)}, {self.k1.name})
        # the key changes while NOTIFYs are pending: every later send uses k2
        st, _, data = self.d.patch("/v1/zones/%s/secondary_dns" % q(zone),
                                   {"tsig_key": self.k2.name})
        self.assertEqual(st, 200, data)
        after = time.monotonic() + 0.05
        time.sleep(GIVE_UP_S + 0.5)
        got = f.notifies(after)
        self.assertGreaterEqual(len(got), 2, got)
        self.assertEqual({(g.key_name, g.verified) for g in got}, {(self.k2.name, True)}, got)
        # removed: unsigned from then on
        st, _, data = self.d.patch("/v1/zones/%s/secondary_dns" % q(zone), {"tsig_key": None})
        self.assertEqual(st, 200, data)
        after = time.monotonic() + 0.05
        time.sleep(GIVE_UP_S + 0.5)
        got = f.notifies(after)
        self.assertGreaterEqual(len(got), 2, got)
        self.assertEqual({g.key_name for g in got}, {None}, got)
        self.assertNoSecret()


if __name__ == "__main__":
    unittest.main()
