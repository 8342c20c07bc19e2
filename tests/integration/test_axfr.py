"""AXFR (issue 3, points 2 and 4, part of 7): over TCP only, the same SOA
first and last and nowhere else, every record once and exactly the
export, multi-message answers within the message size limit with the
question in the first message only, case-preserving compression, one
consistent version of the zone while the API edits it under a slow
reader, NOTAUTH for unknown zones, and the per-zone transfer ACL (IPv4
and IPv6 prefixes, empty ACL, changes effective without a restart, a log
line with peer and zone for each refusal)."""

import collections
import re
import threading
import time
import unittest

from dnsutil import (AA, NOERROR, REFUSED, class_daemon, dig, export_record_lines,
                     export_serial, export_text, have_ipv6_loopback, import_zone, make_query,
                     normalize_export, normalize_records, set_secondary, tcp_connect, udp_query,
                     wait_for, wait_serial, xfr, zone_rrs_from_xfr, zone_serial)
from harness import add_record, create_zone, records

MAX_MSG = 16384


def refused_from(port, zone, src, addr="127.0.0.1"):
    """True when an AXFR from src is answered REFUSED."""
    msgs = xfr(port, zone, src=src, addr=addr, timeout=10)
    return msgs.rcode == REFUSED


class AxfrChecks:
    """Structural checks of one transfer."""

    def check_axfr(self, msgs, zone, qid=None, limit=MAX_MSG):
        """SOA first and last only, question in the first message only, AA,
        sizes; returns the zone's records (one SOA)."""
        self.assertTrue(msgs, "no answer")
        self.assertEqual(msgs[0].rcode, NOERROR, "AXFR of %s answered %s" % (zone,
                                                                              msgs[0].rcode_text))
        for i, m in enumerate(msgs):
            self.assertLessEqual(len(m.raw), limit, "message %d is %d bytes (limit %d)"
                                 % (i + 1, len(m.raw), limit))
            self.assertTrue(m.qr and m.aa, "message %d: QR/AA not set (flags %04x)"
                            % (i + 1, m.flags))
            self.assertEqual(m.rcode, NOERROR, "message %d: rcode %s" % (i + 1, m.rcode_text))
            self.assertEqual(m.id, msgs[0].id, "message %d: another id" % (i + 1))
            if i == 0:
                self.assertEqual(len(m.question), 1, "no question in the first message")
                self.assertEqual(m.qname.lower(), zone.lower().rstrip(".") + ".")
            else:
                self.assertEqual(m.question, [], "question repeated in message %d" % (i + 1))
            self.assertTrue(m.answer, "message %d has no records" % (i + 1))
        rrs = msgs.records()
        self.assertEqual(rrs[0].tname, "SOA", "first record is not the SOA")
        self.assertEqual(rrs[-1].tname, "SOA", "last record is not the SOA")
        self.assertEqual(rrs[0].canonical_rdata(), rrs[-1].canonical_rdata(),
                         "first and last SOA differ")
        self.assertEqual(rrs[0].name.lower(), zone.lower().rstrip(".") + ".")
        inner = [r for r in rrs[1:-1] if r.tname == "SOA"]
        self.assertEqual(inner, [], "SOA inside the transfer")
        keys = collections.Counter(r.key() for r in rrs[:-1])
        dups = [k for k, n in keys.items() if n > 1]
        self.assertEqual(dups, [], "records sent more than once")
        for r in rrs:
            self.assertEqual(r.cls, 1, "class %d in %s" % (r.cls, r.text()))
        return zone_rrs_from_xfr(rrs)

    def assertSameAsExport(self, rrs, text, zone, lower=True):
        got = normalize_records(rrs, lower=lower)
        want = normalize_export(text, zone, lower=lower)
        if got != want:
            gs, ws = set(got), set(want)
            self.fail("transfer and export differ:\nonly in the transfer: %s\nonly in the "
                      "export: %s" % (sorted(gs - ws)[:20], sorted(ws - gs)[:20]))
        self.assertEqual(len(rrs), len(export_record_lines(text)),
                         "record count differs from the export's")


class TestAxfr(AxfrChecks, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls)
        create_zone(d, "xfr.test")
        for name, t, c in [("WWW", "A", "192.0.2.1"), ("www2", "A", "192.0.2.2"),
                           ("Mixed", "A", "192.0.2.3"), ("a.mixed", "A", "192.0.2.4"),
                           ("B.MIXED", "A", "192.0.2.5"), ("c.MiXeD", "TXT", '"hello world"'),
                           ("", "MX", "10 MAIL.xfr.test."), ("mail", "A", "192.0.2.25"),
                           ("Mail2", "CNAME", "mail.XFR.test."),
                           ("_sip._tcp", "SRV", "10 20 5060 SIP.Example.NET."),
                           ("v6", "AAAA", "2001:db8::1"), ("sub", "NS", "NS1.Sub.xfr.test."),
                           ("ns1.sub", "A", "192.0.2.53")]:
            add_record(d, "xfr.test", name, t, c)
        set_secondary(d, "xfr.test", ["127.0.0.1"])
        # ~3000 records: a multi-message transfer
        create_zone(d, "big.test")
        import_zone(d, "big.test", ["h%04d 300 IN A 10.%d.%d.%d" % (i, i >> 16, (i >> 8) & 255,
                                                                    i & 255)
                                    for i in range(2000)] +
                    ["t%04d 300 IN TXT \"%s\"" % (i, "v" * (i % 50)) for i in range(1000)])
        set_secondary(d, "big.test", ["127.0.0.1"])
        cls.serial_xfr = zone_serial(d, "xfr.test")
        cls.serial_big = zone_serial(d, "big.test")
        wait_serial(d.dns_port, "xfr.test", cls.serial_xfr)
        wait_serial(d.dns_port, "big.test", cls.serial_big)

    def test_axfr_is_the_export(self):
        d = self.d
        msgs = xfr(d.dns_port, "xfr.test", qid=4242)
        self.assertEqual(msgs[0].id, 4242)
        rrs = self.check_axfr(msgs, "xfr.test")
        text = export_text(d, "xfr.test")
        self.assertEqual(rrs[0].soa_serial(), export_serial(text))
        self.assertSameAsExport(rrs, text, "xfr.test")

    def test_axfr_case_preserved(self):
        """No name changes case in a transfer (owners and names in rdata),
        whatever was compressed against what (SPEC "Known pitfalls")."""
        d = self.d
        rrs = self.check_axfr(xfr(d.dns_port, "xfr.test"), "xfr.test")
        text = export_text(d, "xfr.test")
        self.assertSameAsExport(rrs, text, "xfr.test", lower=False)
        owners = {r.name for r in rrs}
        for want in ("WWW.xfr.test.", "www2.xfr.test.", "Mixed.xfr.test.", "a.mixed.xfr.test.",
                     "B.MIXED.xfr.test.", "c.MiXeD.xfr.test.", "Mail2.xfr.test."):
            self.assertIn(want, owners)
        names = {n for r in rrs for n in r.rdata_names()}
        for want in ("MAIL.xfr.test.", "mail.XFR.test.", "SIP.Example.NET.", "NS1.Sub.xfr.test."):
            self.assertIn(want, names)
        # the API's view of the stored names agrees
        stored = {(r["name"], r["type"]) for r in records(d, "xfr.test")}
        self.assertIn(("c.MiXeD", "TXT"), stored)

    def test_axfr_with_dig(self):
        d = self.d
        res = dig(d.dns_port, "xfr.test", "AXFR", "+nocmd", "+nostats", check=True)
        self.assertNotIn("failed", res.stdout.lower(), res.stdout)
        rows = [ln for ln in res.stdout.splitlines() if ln and not ln.startswith(";")]
        self.assertEqual(len(rows), len(export_record_lines(export_text(d, "xfr.test"))) + 1)

    def test_axfr_over_udp_refused(self):
        m = udp_query(self.d.dns_port, make_query("xfr.test", "AXFR"))
        self.assertIsNotNone(m, "no answer to AXFR over UDP")
        self.assertEqual(m.rcode_text, "REFUSED", m)
        self.assertEqual(m.answer, [])

    def test_multi_message(self):
        d = self.d
        msgs = xfr(d.dns_port, "big.test")
        rrs = self.check_axfr(msgs, "big.test", limit=MAX_MSG)
        self.assertGreater(len(msgs), 3, "3000 records fit in %d message(s)?" % len(msgs))
        # messages are packed (not one record each)
        self.assertLess(len(msgs), 40, "%d messages for ~100 KB" % len(msgs))
        self.assertEqual(len(rrs), 3000 + 1 + 3)  # records, SOA, 2 NS + the secondary's NS
        self.assertSameAsExport(rrs, export_text(d, "big.test"), "big.test")
        # compression is used (and every pointer was checked while parsing)
        self.assertTrue(all(m.pointers for m in msgs), "a message without compression")

    def test_two_transfers_on_one_connection(self):
        d = self.d
        s = tcp_connect(d.dns_port)
        try:
            a = xfr(d.dns_port, "xfr.test", sock=s)
            b = xfr(d.dns_port, "big.test", sock=s)
        finally:
            s.close()
        self.check_axfr(a, "xfr.test")
        self.check_axfr(b, "big.test")

    def test_unknown_zone_notauth(self):
        for zone in ("unknown.test", "www.xfr.test", "test"):
            with self.subTest(zone=zone):
                msgs = xfr(self.d.dns_port, zone)
                self.assertEqual(len(msgs), 1)
                self.assertEqual(msgs[0].rcode_text, "NOTAUTH", msgs[0])
                self.assertEqual(msgs[0].answer, [])

    def test_deleted_zone_notauth(self):
        d = self.d
        create_zone(d, "gone-soon.test")
        set_secondary(d, "gone-soon.test", ["127.0.0.1"])
        wait_serial(d.dns_port, "gone-soon.test", zone_serial(d, "gone-soon.test"))
        self.assertEqual(xfr(d.dns_port, "gone-soon.test").rcode, NOERROR)
        st, _, data = d.delete("/v1/zones/gone-soon.test")
        self.assertIn(st, (200, 204), data)
        wait_for(lambda: xfr(d.dns_port, "gone-soon.test").rcode_text == "NOTAUTH", 5,
                 what="AXFR of a deleted zone answered NOTAUTH")
        m = udp_query(d.dns_port, make_query("gone-soon.test", "SOA"))
        self.assertEqual(m.rcode_text, "REFUSED", m)

    def test_axfr_request_case(self):
        """The zone is found whatever the case of the question; the
        question is echoed as asked."""
        msgs = xfr(self.d.dns_port, "XFR.Test")
        self.check_axfr(msgs, "xfr.test")
        self.assertEqual(msgs[0].qname, "XFR.Test.")


class TestMessageSize(AxfrChecks, unittest.TestCase):
    """--xfr-message-size bounds every message."""

    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls, args=["--xfr-message-size", "2048"])
        create_zone(d, "small.test")
        import_zone(d, "small.test", ["n%03d 60 IN TXT \"%s\"" % (i, "z" * 40)
                                      for i in range(300)])
        set_secondary(d, "small.test", ["127.0.0.1"])
        wait_serial(d.dns_port, "small.test", zone_serial(d, "small.test"))

    def test_limit(self):
        msgs = xfr(self.d.dns_port, "small.test")
        rrs = self.check_axfr(msgs, "small.test", limit=2048)
        self.assertGreaterEqual(len(msgs), 9, "300 x ~60 bytes in 2 KB messages")
        self.assertTrue(all(len(m.raw) > 1024 for m in msgs[:-1]), "messages not packed: %s"
                        % [len(m.raw) for m in msgs])
        self.assertSameAsExport(rrs, export_text(self.d, "small.test"), "small.test")


class TestLargeMessages(AxfrChecks, unittest.TestCase):
    """--xfr-message-size 65535: compression pointers can only reach
    offsets below 16384, so names later in a big message must be written
    without pointers to far targets (every pointer is checked by the
    parser; the names must come out as exported)."""

    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls, args=["--xfr-message-size", "65535"])
        create_zone(d, "wide.test")
        import_zone(d, "wide.test", ["n%04d.Sub%d 60 IN MX 10 Mail%d.n%04d.Sub%d.wide.test."
                                     % (i, i % 7, i % 3, i, i % 7) for i in range(2500)])
        set_secondary(d, "wide.test", ["127.0.0.1"])
        wait_serial(d.dns_port, "wide.test", zone_serial(d, "wide.test"))

    def test_big_messages(self):
        msgs = xfr(self.d.dns_port, "wide.test")
        rrs = self.check_axfr(msgs, "wide.test", limit=65535)
        self.assertTrue(any(len(m.raw) > 20000 for m in msgs),
                        "no message above 16 KiB: %s" % [len(m.raw) for m in msgs])
        self.assertSameAsExport(rrs, export_text(self.d, "wide.test"), "wide.test", lower=False)


class TestConsistency(AxfrChecks, unittest.TestCase):
    """A transfer is one version of the zone even while the API edits it."""

    ZONE = "cons.test"
    N = 5000

    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls)
        create_zone(d, cls.ZONE)
        import_zone(d, cls.ZONE, ["r%05d 300 IN TXT \"%05d %s\"" % (i, i, "c" * 100)
                                  for i in range(cls.N)])
        set_secondary(d, cls.ZONE, ["127.0.0.1"])
        wait_serial(d.dns_port, cls.ZONE, zone_serial(d, cls.ZONE))

    def test_slow_reader_sees_one_version(self):
        d = self.d
        zone = self.ZONE
        before = export_text(d, zone)
        s0 = export_serial(before)
        self.assertEqual(zone_serial(d, zone), s0)
        recs = {r["name"]: r for r in records(d, zone, name="r04990")}
        first = threading.Event()
        changes_done = threading.Event()
        state = {}

        def on_message(i, m):
            if i == 0:
                first.set()
            if changes_done.is_set() and "after_changes" not in state:
                state["after_changes"] = i

        result = {}

        # a small window and MSS keep the server in the middle of the transfer
        # (over loopback the kernel would otherwise take the whole zone at once)
        sock = tcp_connect(d.dns_port, rcvbuf=4096, mss=1200, timeout=30)
        self.addCleanup(sock.close)
        client_port = sock.getsockname()[1]

        def reader():
            try:
                # slow until the changes are served, then at full speed
                result["msgs"] = xfr(d.dns_port, zone, sock=sock, read_size=4096,
                                     read_delay=lambda: 0 if changes_done.is_set() else 0.05,
                                     on_message=on_message, timeout=90)
            except BaseException as e:  # reported below
                result["error"] = e

        t = threading.Thread(target=reader)
        t.start()
        self.assertTrue(first.wait(20), "no first message")
        t_first = time.monotonic()
        serials = [s0]
        # records late in the zone's order: a server reading the live store
        # (or rebuilding under the transfer) would send them changed
        st, _, r = d.post("/v1/zones/%s/records" % zone,
                          {"name": "zzz-new", "type": "A", "content": "192.0.2.200"})
        self.assertEqual(st, 201, r)
        serials.append(zone_serial(d, zone))
        rid = recs["r04990"]["id"]
        st, _, r = d.delete("/v1/zones/%s/records/%d" % (zone, rid))
        self.assertIn(st, (200, 204), r)
        serials.append(zone_serial(d, zone))
        st, _, r = d.post("/v1/zones/%s/records/batch" % zone, {
            "add": [{"name": "r04999", "type": "TXT", "content": '"changed"'},
                    {"name": "aaa-new", "type": "A", "content": "192.0.2.201"}],
            "delete": []})
        self.assertEqual(st, 200, r)
        serials.append(zone_serial(d, zone))
        st, _, r = d.patch("/v1/zones/%s" % zone, {"soa": {"minimum": 123}})
        self.assertEqual(st, 200, r)
        serials.append(zone_serial(d, zone))
        # the DNS side serves the new version while the transfer goes on
        wait_serial(d.dns_port, zone, serials[-1], timeout=20)
        changes_done.set()
        result["changes_s"] = time.monotonic() - t_first
        t.join(120)
        self.assertFalse(t.is_alive(), "transfer did not finish")
        if "error" in result:
            raise result["error"]
        msgs = result["msgs"]
        self.assertIn("after_changes", state,
                      "the transfer ended before the changes were served: the test proves "
                      "nothing (make the reader slower)")
        self.assertLessEqual(state["after_changes"], len(msgs) * 3 // 4,
                             "only messages %d-%d of the transfer arrived after the changes "
                             "(%.1f s): too few to show anything" % (
                                 state["after_changes"] + 1, len(msgs), result["changes_s"]))
        # the server's own account: it finished the transfer of s0 after it
        # began serving the last version
        lines = d.stderr_lines
        done_re = re.compile(r"zone %s: AXFR of serial %d to 127\.0\.0\.1#%d done"
                             % (re.escape(zone), s0, client_port))
        d.wait_log(done_re, timeout=10)
        i_done = next(i for i, ln in enumerate(lines) if done_re.search(ln))
        i_new = next((i for i, ln in enumerate(lines)
                      if "zone %s: serving serial %d" % (zone, serials[-1]) in ln), None)
        self.assertIsNotNone(i_new, "no 'serving serial %d' line" % serials[-1])
        self.assertLess(i_new, i_done, "the transfer was complete in the server before the "
                        "changes were served: the test shows nothing")
        self.assertEqual(len(set(serials)), len(serials), "each change bumps the serial: %s"
                         % serials)
        rrs = self.check_axfr(msgs, zone)
        self.assertEqual(rrs[0].soa_serial(), s0, "the transfer is not of the serial it "
                         "started with")
        self.assertSameAsExport(rrs, before, zone)
        # and a new transfer has the new version
        after = export_text(d, zone)
        self.assertEqual(export_serial(after), serials[-1])
        rrs2 = self.check_axfr(xfr(d.dns_port, zone), zone)
        self.assertEqual(rrs2[0].soa_serial(), serials[-1])
        self.assertSameAsExport(rrs2, after, zone)
        self.assertNotEqual(normalize_records(rrs), normalize_records(rrs2))


class TestAcl(unittest.TestCase):
    """Who may transfer: the allowed addresses and prefixes of the zone's
    secondary DNS configuration, nobody else; changes apply at once."""

    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls)
        for z in ("acl.test", "prefix.test", "none.test", "live.test", "gone.test"):
            create_zone(d, z)
            add_record(d, z, "www", "A", "192.0.2.1")
        set_secondary(d, "acl.test", ["127.0.0.2/32"])
        set_secondary(d, "prefix.test", ["127.0.1.0/24", "::1"])
        set_secondary(d, "gone.test", ["127.0.0.1"])
        for z in ("acl.test", "prefix.test", "none.test", "gone.test"):
            wait_serial(d.dns_port, z, zone_serial(d, z))

    def assertAllowed(self, zone, src):
        msgs = xfr(self.d.dns_port, zone, src=src)
        self.assertEqual(msgs.rcode, NOERROR, "AXFR of %s from %s: %s (expected allowed)"
                         % (zone, src, msgs[0].rcode_text))
        self.assertEqual(msgs.records()[-1].tname, "SOA")

    def assertRefused(self, zone, src, log=True):
        since = len(self.d.stderr_lines)
        msgs = xfr(self.d.dns_port, zone, src=src)
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0].rcode_text, "REFUSED", "AXFR of %s from %s: %r (expected "
                         "REFUSED)" % (zone, src, msgs[0]))
        self.assertEqual(msgs[0].answer, [])
        if log:
            self.d.wait_log(r"%s.*%s#\d+.*refused|%s#\d+.*%s.*refused"
                            % (re.escape(zone), re.escape(src), re.escape(src), re.escape(zone)),
                            timeout=5, since=since)

    def test_allowed_host(self):
        self.assertAllowed("acl.test", "127.0.0.2")
        res = dig(self.d.dns_port, "acl.test", "AXFR", src="127.0.0.2")
        self.assertIn("www.acl.test.", res.stdout, res.stdout)
        self.assertNotIn("failed", res.stdout)

    def test_refused_hosts_logged(self):
        for src in ("127.0.0.3", "127.0.0.1", "127.0.0.22"):
            with self.subTest(src=src):
                self.assertRefused("acl.test", src)
        res = dig(self.d.dns_port, "acl.test", "AXFR", src="127.0.0.3")
        self.assertIn("Transfer failed", res.stdout, res.stdout)

    def test_ixfr_same_acl(self):
        m = xfr(self.d.dns_port, "acl.test", qtype="IXFR", ixfr_serial=1, src="127.0.0.3")
        self.assertEqual(m[0].rcode_text, "REFUSED")
        m = xfr(self.d.dns_port, "acl.test", qtype="IXFR", ixfr_serial=1, src="127.0.0.2")
        self.assertEqual(m.rcode, NOERROR)

    def test_prefix(self):
        self.assertAllowed("prefix.test", "127.0.1.1")
        self.assertAllowed("prefix.test", "127.0.1.254")
        self.assertRefused("prefix.test", "127.0.2.1")
        self.assertRefused("prefix.test", "127.0.0.1")

    def test_ordinary_queries_not_restricted(self):
        m = udp_query(self.d.dns_port, make_query("www.acl.test", "A"), src="127.0.0.3")
        self.assertEqual(m.rcode, NOERROR)
        self.assertEqual([r.rdata_text() for r in m.answer], ["192.0.2.1"])
        self.assertTrue(m.flags & AA)

    def test_no_configuration_refuses_all(self):
        for src in ("127.0.0.1", "127.0.0.2", "127.0.1.1"):
            self.assertRefused("none.test", src)

    def test_empty_allowed_list_refuses_all(self):
        st, _, data = self.d.request("PUT", "/v1/zones/none.test/secondary_dns", body={
            "provider": "custom", "name_servers": ["ns1.secondary.test."], "allowed_ips": []})
        if st in (200, 201):
            wait_serial(self.d.dns_port, "none.test", zone_serial(self.d, "none.test"))
            for src in ("127.0.0.1", "127.0.0.2"):
                self.assertRefused("none.test", src)
            st, _, data = self.d.delete("/v1/zones/none.test/secondary_dns")
            self.assertIn(st, (200, 204), data)
        else:
            # an empty list may be refused by the API; then nothing is allowed either
            self.assertEqual(st, 422, data)
            self.assertRefused("none.test", "127.0.0.1")

    def test_change_takes_effect_without_restart(self):
        d = self.d
        set_secondary(d, "live.test", ["127.0.0.5"])
        t0 = time.monotonic()
        wait_for(lambda: xfr(d.dns_port, "live.test", src="127.0.0.5").rcode == NOERROR, 5,
                 what="AXFR from 127.0.0.5 allowed after PUT")
        self.assertRefused("live.test", "127.0.0.6")
        # PATCH: .6 instead of .5
        set_secondary(d, "live.test", ["127.0.0.6"], method="PATCH")
        wait_for(lambda: xfr(d.dns_port, "live.test", src="127.0.0.6").rcode == NOERROR, 5,
                 what="AXFR from 127.0.0.6 allowed after PATCH")
        self.assertRefused("live.test", "127.0.0.5")
        self.assertLess(time.monotonic() - t0, 10)
        self.assertEqual(d.runs, 1, "the daemon was restarted")

    def test_delete_configuration_refuses_from_then_on(self):
        d = self.d
        self.assertAllowed("gone.test", "127.0.0.1")
        st, _, data = d.delete("/v1/zones/gone.test/secondary_dns")
        self.assertIn(st, (200, 204), data)
        wait_for(lambda: refused_from(d.dns_port, "gone.test", "127.0.0.1"), 5,
                 what="AXFR refused after DELETE secondary_dns")
        self.assertRefused("gone.test", "127.0.0.1")


class TestAclIPv6(unittest.TestCase):
    """IPv6 addresses and prefixes in the ACL (the daemon listens on ::1)."""

    @classmethod
    def setUpClass(cls):
        if not have_ipv6_loopback():
            raise AssertionError("this machine has no usable ::1 (enable IPv6 on lo)")
        cls.d = d = class_daemon(cls, args=["--dns-listen", "[::1]:0"])
        for z in ("v6a.test", "v6b.test", "v6c.test"):
            create_zone(d, z)
        set_secondary(d, "v6a.test", ["::1"])
        set_secondary(d, "v6b.test", ["::/127"])
        set_secondary(d, "v6c.test", ["fd00::/8", "127.0.0.1", "::ffff:127.0.0.1"])
        for z in ("v6a.test", "v6b.test", "v6c.test"):
            wait_serial(d.dns_port, z, zone_serial(d, z), addr="::1")

    def test_v6_address_and_prefix(self):
        for z in ("v6a.test", "v6b.test"):
            msgs = xfr(self.d.dns_port, z, addr="::1")
            self.assertEqual(msgs.rcode, NOERROR, "%s: %r" % (z, msgs[0]))

    def test_v6_refused(self):
        since = len(self.d.stderr_lines)
        msgs = xfr(self.d.dns_port, "v6c.test", addr="::1")
        self.assertEqual(msgs[0].rcode_text, "REFUSED")
        self.d.wait_log(r"v6c\.test.*::1.*refused|::1.*v6c\.test.*refused", since=since)


if __name__ == "__main__":
    unittest.main()

