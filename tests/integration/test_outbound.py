"""The outbound policy (issue 18.1, 18.2, 18.5): nothing a tenant configures
makes axfrd send a packet where the operator does not allow it.

The test process moves itself into a network namespace of its own (made
here with unshare(CLONE_NEWNET), gone when the process exits; under
tests/run.sh it lies inside the loopback-only namespace). There, a veth
pair, both ends in this namespace and connected to nothing else, gets a
default route through a fixed neighbour (a static entry to a fake MAC), so
that a packet to any address would leave on it; a raw AF_PACKET socket
captures what leaves. No packet can get off the machine: the namespace has
no other interface.

A control case first shows that the capture sees a NOTIFY that the policy
allows (to a documentation address, allowed for it): an empty capture in
the other cases then means something. Needs root (CI runs as root)."""

import ctypes
import os
import socket
import struct
import subprocess
import time
import unittest

from fakedns import FakeResolver
from harness import DaemonTestCase, create_account, create_zone, q

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
DEV, PEER = "axout0", "axout1"
SRC4, SRC6 = "10.99.0.2", "fd00:99::2"
GW4, GW6, GW_MAC = "10.99.0.1", "fd00:99::1", "02:00:00:00:99:01"
DYN_NS = ["ns2.mydyndns.org.", "ns3.mydyndns.org.", "ns4.mydyndns.org.", "ns5.mydyndns.org."]
DYN_IPS = ["204.13.249.76", "208.78.69.76", "91.198.22.76", "203.62.195.76"]
PARENT_NS, PARENT_ADDR = "a.parent.example.", "198.41.0.4"
ZONE = "outbound.test"


def sh(*argv):
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def setUpModule():
    if os.geteuid() != 0:
        raise AssertionError("test_outbound needs root to make its network namespace")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        raise AssertionError("unshare(CLONE_NEWNET): %s" % os.strerror(ctypes.get_errno()))
    sh("ip", "link", "set", "lo", "up")
    sh("ip", "link", "add", DEV, "type", "veth", "peer", "name", PEER)
    sh("ip", "link", "set", DEV, "up")
    sh("ip", "link", "set", PEER, "up")
    sh("ip", "addr", "add", SRC4 + "/24", "dev", DEV)
    sh("ip", "-6", "addr", "add", SRC6 + "/64", "dev", DEV, "nodad")
    sh("ip", "neigh", "replace", GW4, "lladdr", GW_MAC, "dev", DEV, "nud", "permanent")
    sh("ip", "-6", "neigh", "replace", GW6, "lladdr", GW_MAC, "dev", DEV, "nud", "permanent")
    sh("ip", "route", "add", "default", "via", GW4, "dev", DEV)
    sh("ip", "-6", "route", "add", "default", "via", GW6, "dev", DEV)
    # Only lo and the pair: nothing here leads off the machine.
    links = subprocess.run(["ip", "-o", "link", "show"], check=True, capture_output=True,
                           text=True).stdout.splitlines()
    names = sorted(line.split(":")[1].strip().split("@")[0] for line in links)
    if names != sorted(["lo", DEV, PEER]):
        raise AssertionError("unexpected interfaces in the test namespace: %s" % names)


class Capture:
    """What leaves on DEV: IPv4 and IPv6 packets (but ICMPv6, which the
    kernel sends on its own for neighbour discovery and MLD) and ARP."""

    def __init__(self):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.bind((DEV, 0))
        self.s.setblocking(False)

    def packets(self):
        out = []
        while True:
            try:
                frame, meta = self.s.recvfrom(65535)
            except BlockingIOError:
                return out
            if meta[2] != PACKET_OUTGOING or len(frame) < 14:
                continue
            etype = struct.unpack(">H", frame[12:14])[0]
            ip = frame[14:]
            if etype == 0x0800 and len(ip) >= 20:
                out.append((socket.inet_ntop(socket.AF_INET, ip[12:16]),
                            socket.inet_ntop(socket.AF_INET, ip[16:20]), ip[9]))
            elif etype == 0x86DD and len(ip) >= 40 and ip[6] not in (0, 58):
                out.append((socket.inet_ntop(socket.AF_INET6, ip[8:24]),
                            socket.inet_ntop(socket.AF_INET6, ip[24:40]), ip[6]))
            elif etype == 0x0806:
                out.append(("arp", "arp", 0))

    def close(self):
        self.s.close()


class OutboundCase(DaemonTestCase):
    outbound_allow = None   # the daemon's default

    def setUp(self):
        self.fake = FakeResolver().start()
        self.addCleanup(self.fake.stop)
        for name, ip in zip(DYN_NS, DYN_IPS):
            self.fake.set(name, a=[ip])
        self.fake.set_ns("test.", [PARENT_NS])
        self.fake.set(PARENT_NS, a=[PARENT_ADDR])
        self.cap = Capture()
        self.addCleanup(self.cap.close)
        args = ["--resolver", self.fake.addr, "--notify-source", SRC4 + "," + SRC6,
                "--check-timeout", "300", "--notify-timeout", "200"]
        self.d = self.start_daemon(args=args, outbound_allow=self.outbound_allow)
        _, self.t = create_account(self.d, "tenant")
        create_zone(self.d, ZONE, token=self.t)
        self.sd = "/v1/zones/%s/secondary_dns" % q(ZONE)

    def enable(self, body):
        st, _, data = self.d.request("PUT", self.sd, body=body, token=self.t)
        self.assertIn(st, (200, 201), data)
        return data

    def notify_now(self):
        st, _, data = self.d.post("/v1/zones/%s/notify" % q(ZONE), token=self.t)
        self.assertEqual(st, 200, data)
        return {t["target"]: t for t in data["targets"]}

    def status(self):
        st, _, data = self.d.get(self.sd + "/status", token=self.t)
        self.assertEqual(st, 200, data)
        return data

    def metric(self, kind):
        st, _, text = self.d.get("/metrics", token=self.t)
        self.assertEqual(st, 200)
        for line in text.splitlines():
            if line.startswith('axfrd_outbound_suppressed_total{kind="%s"}' % kind):
                return int(line.split()[-1])
        self.fail("no axfrd_outbound_suppressed_total{kind=%s} in /metrics" % kind)

    def settle(self):
        """Whatever the loop would still send (retries) has had its time."""
        time.sleep(1.0)
        return self.cap.packets()


class TestCaptureSeesAllowedTraffic(OutboundCase):
    """The control: with 192.0.2.0/24 allowed, the NOTIFY to 192.0.2.53 is
    captured on DEV, from notify-source."""

    outbound_allow = "127.0.0.0/8,::1/128,192.0.2.0/24"

    def test_allowed_notify_is_captured(self):
        self.enable({"provider": "custom", "name_servers": ["ns1.doc.example."],
                     "allowed_ips": ["192.0.2.53"], "notify_targets": ["192.0.2.53:53"]})
        out = self.notify_now()
        self.assertTrue(out["192.0.2.53:53"]["sent"], out)
        pkts = self.settle()
        self.assertIn((SRC4, "192.0.2.53", 17), pkts,
                      "the capture did not see the allowed NOTIFY from notify-source")


class TestLoopbackPolicyDyn(OutboundCase):
    """The tests' policy (loopback only) and the Dyn preset: nothing leaves,
    and the API says why."""

    outbound_allow = "127.0.0.0/8,::1/128"

    def test_dyn_preset_sends_nothing(self):
        self.cap.packets()
        before = (self.metric("notify"), self.metric("probe"))
        cfg = self.enable({"provider": "dyn"})
        self.assertEqual(sorted(s["target"] for s in cfg["notify_skipped"]),
                         sorted(ip + ":53" for ip in DYN_IPS))
        for s in cfg["notify_skipped"]:
            self.assertEqual(s["reason"], "outbound-policy")
        out = self.notify_now()
        self.assertEqual(sorted(out), sorted(ip + ":53" for ip in DYN_IPS))
        for t in out.values():
            self.assertFalse(t["sent"], t)
            self.assertFalse(t["answered"], t)
            self.assertEqual(t["reason"], "outbound-policy", t)
        st = self.status()
        self.assertEqual(len(st["secondaries"]), 4)
        for s in st["secondaries"]:
            self.assertFalse(s["in_sync"], s)
            self.assertEqual(len(s["addresses"]), 1, s)
            a = s["addresses"][0]
            self.assertIn(a["address"], DYN_IPS)
            self.assertFalse(a["checked"], a)
            self.assertFalse(a["in_sync"], a)
            self.assertEqual(a["reason"], "outbound-policy")
            self.assertIn("not checked", a["error"])
            self.assertEqual(a["last_notify"]["sent"], False, a)
            self.assertEqual(a["last_notify"]["reason"], "outbound-policy", a)
        for n in st["notify"]:
            self.assertFalse(n["sent"], n)
            self.assertEqual(n["reason"], "outbound-policy", n)
        self.assertFalse(st["delegation"]["checked"])
        self.assertIn("outbound policy", st["delegation"]["error"])
        pkts = self.settle()
        self.assertEqual(pkts, [], "packets left the daemon: %s" % pkts)
        after = (self.metric("notify"), self.metric("probe"))
        # the loop's NOTIFY and "notify now": 4 each; the status: 4 SOA
        # probes and the parent's server
        self.assertGreaterEqual(after[0] - before[0], 8)
        self.assertGreaterEqual(after[1] - before[1], 5)
        # the events record the skipped targets
        st, _, ev = self.d.get(self.sd + "/events", token=self.t)
        self.assertEqual(st, 200)
        skipped = ev["data"][0]["after"]["notify_skipped"]
        self.assertEqual(len(skipped), 4)


class TestDefaultPolicyPrivate(OutboundCase):
    """The daemon's default (global): a private secondary gets nothing, an
    explicit private NOTIFY target is refused, the resolver (the
    operator's own endpoint, on loopback) is still asked."""

    outbound_allow = None

    def test_private_secondary_gets_nothing(self):
        self.fake.set("ns1.private.test.", a=["172.16.5.5"])
        # The parent's server too: under "global" a public one would be
        # asked (rightly), and this test sends nothing but to loopback.
        self.fake.set(PARENT_NS, a=["192.168.7.7"])
        self.cap.packets()
        cfg = self.enable({"provider": "custom", "name_servers": ["ns1.private.test."],
                           "allowed_ips": ["172.16.5.5", "169.254.169.254"]})
        # allowed_ips (the inbound ACL) stays free
        self.assertEqual(cfg["allowed_ips"], ["172.16.5.5", "169.254.169.254"])
        self.assertEqual(sorted(s["target"] for s in cfg["notify_skipped"]),
                         ["169.254.169.254:53", "172.16.5.5:53"])
        out = self.notify_now()
        for t in out.values():
            self.assertFalse(t["sent"], t)
            self.assertEqual(t["reason"], "outbound-policy")
        st = self.status()
        a = st["secondaries"][0]["addresses"][0]
        self.assertEqual(a["address"], "172.16.5.5")   # the resolver was asked
        self.assertFalse(a["checked"])
        ws = [w for w in st["warnings"] if w["code"] == "secondary_not_checked"]
        self.assertEqual([(w["server"], w["reason"]) for w in ws],
                         [("172.16.5.5:53", "outbound-policy")], st["warnings"])
        self.assertFalse(st["secondaries"][0]["in_sync"])
        self.assertFalse(st["delegation"]["checked"])
        self.assertIn("outbound policy", st["delegation"]["error"])
        pkts = self.settle()
        self.assertEqual(pkts, [], "packets left the daemon: %s" % pkts)

    def test_explicit_private_target_is_422(self):
        for i, bad in ((0, "172.16.5.5:53"), (1, "[fd00::53]:53"), (0, "[::ffff:10.0.0.1]:53"),
                       (1, "169.254.169.254:53"), (0, "[64:ff9b::a00:1]:53")):
            targets = ["8.8.8.8:53", bad] if i == 1 else [bad]
            st, _, err = self.d.request("PUT", self.sd, token=self.t, body={
                "provider": "custom", "name_servers": ["ns1.private.test."],
                "allowed_ips": ["8.8.8.8"], "notify_targets": targets})
            self.assertEqual(st, 422, err)
            self.assertEqual(err["error"]["field"], "notify_targets[%d]" % i, err)
            self.assertIn("outbound policy", err["error"]["message"])
            st, _, _ = self.d.get(self.sd, token=self.t)
            self.assertEqual(st, 404, "a refused PUT stored a configuration")
        self.assertEqual(self.settle(), [])


if __name__ == "__main__":
    unittest.main()
