"""Lowering a serial on purpose (issue 5, point 5): PUT /v1/zones/{zone}/serial.

A zone that no secondary caches gets the new serial at once (200), lower or
higher; a bad body is a 422 naming "serial". A zone with secondaries is
lowered the RFC 1982 way: the PUT answers 202 with the zone and its
"serial_change" {"target", "intermediate", "state"}, the serving serial
becomes old + 2^31 - 1 (mod 2^32), which every secondary sees as newer and
transfers; once every notify target's address has transferred it, the
daemon moves on by itself to the target, which the secondary again sees as
newer. A real BIND secondary on loopback ends up serving the target and
"serial_change" becomes null. target = old - 1 is exactly 2^31 past the
first intermediate (RFC 1982 leaves that comparison undefined), so it takes
a second intermediate step (old - 2) before the target.
"""

import time
import unittest

from dnsutil import class_daemon, serial_gt, soa_serial_udp, wait_for
from harness import DaemonTestCase, create_zone, get_zone, q
from secondaries import BindSecondary, ensure_tools, free_port

HALF = 1 << 31
MOD = 1 << 32


def step(serial):
    """The intermediate the daemon uses: serial + 2^31 - 1 (mod 2^32)."""
    return (serial + HALF - 1) % MOD


def wait_serial(port, zone, serial, timeout=5.0):
    """Waits until axfrd serves zone's SOA with serial (dnsutil.wait_serial
    cannot wait for serial 0: its predicate returns the serial)."""
    wait_for(lambda: soa_serial_udp(port, zone) == serial, timeout,
             what="%s served with serial %d" % (zone, serial))


def put_serial(d, zone, body):
    return d.request("PUT", "/v1/zones/%s/serial" % q(zone), body=body)


class TestSerialWithoutSecondaries(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        cls.d = class_daemon(cls)

    def test_lower_and_raise_at_once(self):
        d = self.d
        zone = "plain.lower.test"
        z = create_zone(d, zone)
        old = z["serial"]
        self.assertIsNone(z.get("serial_change"), z)
        target = (old - 1000) % MOD
        st, _, body = put_serial(d, zone, {"serial": target})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["serial"], target, body)
        self.assertIsNone(body.get("serial_change", "missing"), body)
        self.assertEqual(get_zone(d, zone)["serial"], target)
        wait_serial(d.dns_port, zone, target, timeout=5)
        # raising: one change too
        up = (target + 5000) % MOD
        st, _, body = put_serial(d, zone, {"serial": up})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["serial"], up, body)
        self.assertIsNone(body.get("serial_change", "missing"), body)
        wait_serial(d.dns_port, zone, up, timeout=5)
        # the same serial: 200, nothing changes
        st, _, body = put_serial(d, zone, {"serial": up})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["serial"], up, body)
        # lowering by one, and to 0 and to the top of the range
        for s in ((up - 1) % MOD, 0, MOD - 1):
            st, _, body = put_serial(d, zone, {"serial": s})
            self.assertEqual(st, 200, body)
            self.assertEqual(get_zone(d, zone)["serial"], s)
            wait_serial(d.dns_port, zone, s, timeout=5)

    def test_invalid_bodies(self):
        d = self.d
        zone = "bad.lower.test"
        old = create_zone(d, zone)["serial"]
        for body in ({"serial": -1}, {"serial": MOD}, {"serial": "123"}, {"serial": 1.5},
                     {"serial": None}, {"serial": True}, {}):
            self.assertError(put_serial(d, zone, body), 422, "invalid_field", field="serial",
                             msg=repr(body))
        # A member the route does not read is named (issue 17 point 4).
        err = self.assertError(put_serial(d, zone, {"target": 5}), 422, "invalid_field",
                               field="target")
        self.assertIn("unknown member", err["message"])
        self.assertEqual(get_zone(d, zone)["serial"], old, "a rejected request changed it")
        st, _, data = d.request("PUT", "/v1/zones/%s/serial" % zone, raw="{not json",
                                content_type="application/json")
        self.assertEqual(st, 400, data)
        self.assertError(put_serial(d, "no-such-zone.test", {"serial": 5}), 404, "not_found")
        self.assertError(d.request("PUT", "/v1/zones/%s/serial" % zone, body={"serial": 5},
                                   token=None), 401, "unauthorized")
        self.assertEqual(get_zone(d, zone)["serial"], old)


class TestSerialLoweringWithBind(DaemonTestCase):
    """One axfrd and one BIND secondary of two zones; the BIND port is
    each zone's NOTIFY target."""

    ZONES = ("bind.lower.test", "edge.lower.test", "raise.lower.test", "wait.lower.test")

    @classmethod
    def setUpClass(cls):
        ensure_tools("named", "dig")
        cls.d = d = class_daemon(cls, args=["--notify-timeout", "300",
                                            "--notify-retries", "10"])
        port = free_port()
        for z in cls.ZONES:
            create_zone(d, z)
            st, _, data = d.request("PUT", "/v1/zones/%s/secondary_dns" % z, body={
                "provider": "custom", "name_servers": ["ns1.secondary.test."],
                "allowed_ips": ["127.0.0.1"], "notify_targets": ["127.0.0.1:%d" % port]})
            if st not in (200, 201):
                raise AssertionError("secondary_dns of %s: HTTP %s %r" % (z, st, data))
        cls.sec = sec = BindSecondary(d.dns_port, list(cls.ZONES), port=port)
        cls.addClassCleanup(sec.cleanup)
        sec.start()
        for z in cls.ZONES:
            sec.wait_serial(z, get_zone(d, z)["serial"], timeout=20)

    def wait_zone(self, zone, pred, timeout, what):
        return wait_for(lambda: (lambda z: z if pred(z) else None)(get_zone(self.d, zone)),
                        timeout, interval=0.1, what="%s: %s" % (zone, what))

    def transfer_serials(self, zone):
        return [t["serial"] for t in self.sec.transfers(zone)]

    def assertLoweredTo(self, zone, old, target, intermediates):
        d, sec = self.d, self.sec
        st, _, body = put_serial(d, zone, {"serial": target})
        t0 = time.monotonic()
        self.assertEqual(st, 202, "lowering with secondaries must be a 202: %r" % (body,))
        first = intermediates[0]
        self.assertEqual(body["serial"], first, body)
        ch = body.get("serial_change")
        self.assertIsInstance(ch, dict, body)
        self.assertEqual(ch.get("target"), target, body)
        self.assertEqual(ch.get("intermediate"), first, body)
        self.assertIsInstance(ch.get("state"), str, body)
        self.assertTrue(serial_gt(first, old))
        # BIND follows every step, each newer than the last in RFC 1982 terms,
        # and the daemon moves on once BIND has transferred the step
        try:
            sec.wait_serial(zone, target, timeout=30)
        except AssertionError as e:
            self.fail("%s\naxfrd zone now: %r\naxfrd log:\n%s"
                      % (e, get_zone(d, zone), d.log_text()[-6000:]))
        took = time.monotonic() - t0
        z = self.wait_zone(zone, lambda z: z.get("serial_change") is None, 5,
                           "serial_change back to null")
        self.assertEqual(z["serial"], target, z)
        wait_serial(d.dns_port, zone, target, timeout=5)
        seen = self.transfer_serials(zone)
        want = intermediates + [target]
        # the steps appear in BIND's transfer log in this order, after old
        pos = seen.index(old) if old in seen else -1
        tail = [s for s in seen[pos + 1:]]
        self.assertEqual(tail, want, "BIND's transfers after serial %d: %r, want %r"
                         % (old, seen, want))
        d.wait_log(r"zone %s: every secondary has the intermediate serial; serial now %d "
                   r"\(lowering done\)" % (zone.replace(".", r"\."), target), timeout=2)
        return took

    def test_lower_in_two_steps(self):
        zone = "bind.lower.test"
        old = get_zone(self.d, zone)["serial"]
        target = (old - 1000) % MOD
        self.assertEqual(self.sec.serial(zone), old)
        self.assertLoweredTo(zone, old, target, [step(old)])
        # BIND holds the target: a normal change afterwards still reaches it
        self.assertEqual(self.sec.serial(zone), target)

    def test_lower_by_one_needs_two_intermediates(self):
        zone = "edge.lower.test"
        old = get_zone(self.d, zone)["serial"]
        target = (old - 1) % MOD
        i1 = step(old)
        i2 = step(i1)
        self.assertEqual(i2, (old - 2) % MOD)
        self.assertFalse(serial_gt(target, i1) or serial_gt(i1, target),
                         "old-1 vs old+2^31-1 is undefined in RFC 1982")
        self.assertTrue(serial_gt(target, i2))
        self.assertLoweredTo(zone, old, target, [i1, i2])

    def test_raise_with_secondaries_is_one_step(self):
        zone = "raise.lower.test"
        old = get_zone(self.d, zone)["serial"]
        up = (old + 10) % MOD
        st, _, body = put_serial(self.d, zone, {"serial": up})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["serial"], up, body)
        self.assertIsNone(body.get("serial_change", "missing"), body)
        self.sec.wait_serial(zone, up, timeout=15)

    def test_waits_for_the_secondary(self):
        # (runs last: it stops and restarts the class's BIND)
        d, sec, zone = self.d, self.sec, "wait.lower.test"
        old = get_zone(d, zone)["serial"]
        self.assertEqual(sec.serial(zone), old)
        target = (old - 7) % MOD
        sec.stop()
        st, _, body = put_serial(d, zone, {"serial": target})
        self.assertEqual(st, 202, body)
        inter = step(old)
        # the secondary is away: the daemon stays at the intermediate serial
        # and the zone shows the change in progress
        time.sleep(1.5)
        z = get_zone(d, zone)
        self.assertEqual(z["serial"], inter, z)
        self.assertEqual(z.get("serial_change", {}).get("target"), target, z)
        self.assertEqual(z["serial_change"].get("intermediate"), inter, z)
        self.assertIsInstance(z["serial_change"].get("state"), str, z)
        wait_serial(d.dns_port, zone, inter, timeout=2)
        # back: it fetches the intermediate (NOTIFY retries or its own
        # refresh at start-up), then the daemon takes the last step
        sec.start()
        try:
            sec.wait_serial(zone, target, timeout=30)
        except AssertionError as e:
            self.fail("%s\naxfrd zone now: %r\naxfrd log:\n%s"
                      % (e, get_zone(d, zone), d.log_text()[-6000:]))
        z = self.wait_zone(zone, lambda z: z.get("serial_change") is None, 5,
                           "serial_change back to null")
        self.assertEqual(z["serial"], target, z)
        seen = self.transfer_serials(zone)
        self.assertEqual(seen[-2:], [inter, target], seen)


if __name__ == "__main__":
    unittest.main()
