"""Transfer limits and broken TCP (issue 3, point 7): sixty transfers at
once complete; a reader that stops reading blocks nobody and does not make
the server buffer the zone, and is closed after --tcp-idle-timeout without
progress while a slow but steady reader of a longer transfer completes;
connection limits per address and in total; broken framing (length 0,
shorter than a header, a split length prefix, two queries in one segment,
a message longer than announced, a partial message, a disconnect in the
middle of a transfer): each is handled and the daemon keeps serving."""

import re
import socket
import struct
import threading
import time
import unittest

from dnsutil import (NOERROR, class_daemon, export_record_lines, export_text, frame,
                     import_zone, make_query, recv_msg, set_secondary, tcp_alive, tcp_connect,
                     udp_alive, vm_rss_kb, wait_for, wait_serial, xfr, zone_serial)
from harness import create_zone

IDLE = 2   # --tcp-idle-timeout of the framing daemon
IDLE_XFR = 1   # and of the daemon of the transfer tests (the shortest there is)


def count_zone(d, zone):
    """Records of the zone as served (the export, SOA once)."""
    return len(export_record_lines(export_text(d, zone)))


def closed_by_peer(sock, timeout):
    """Reads and discards until the peer closes; True if it did within
    timeout (EOF or reset), False if the connection is still open."""
    sock.settimeout(0.2)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
        if not data:
            return True
    return False


class ServingMixin:
    ZONE = None

    def assertServing(self):
        d = self.d
        self.assertTrue(d.running(), "axfrd exited; log:\n%s" % d.log_text())
        self.assertTrue(udp_alive(d.dns_port, zone=self.ZONE), "no UDP answer")
        self.assertTrue(tcp_alive(d.dns_port, zone=self.ZONE), "no TCP answer")


def check_full(tc, msgs, n_records):
    tc.assertEqual(msgs.rcode, NOERROR)
    rrs = msgs.records()
    tc.assertEqual(rrs[0].tname, "SOA")
    tc.assertEqual(rrs[-1].tname, "SOA")
    tc.assertEqual(len(rrs), n_records + 1, "records in the transfer (SOA twice)")


class TestManyTransfers(ServingMixin, unittest.TestCase):
    ZONE = "mid.test"

    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls, args=["--tcp-idle-timeout", str(IDLE_XFR)])
        create_zone(d, "mid.test")
        import_zone(d, "mid.test", ["m%04d 300 IN A 10.0.%d.%d" % (i, i >> 8, i & 255)
                                    for i in range(1000)])
        create_zone(d, "huge.test")
        # ~2 MB of wire data: buffering it per reader would show in VmRSS
        import_zone(d, "huge.test", ['h%04d 300 IN TXT "%s" "%s"' % (i, "a" * 240, "b" * 240)
                                     for i in range(4000)])
        for z in ("mid.test", "huge.test"):
            set_secondary(d, z, ["127.0.0.0/8"])
            wait_serial(d.dns_port, z, zone_serial(d, z))
        cls.n_mid = count_zone(d, "mid.test")
        cls.n_huge = count_zone(d, "huge.test")

    def test_sixty_concurrent_transfers(self):
        d = self.d
        n = 60
        barrier = threading.Barrier(n)
        results = [None] * n
        socks = []

        def run(i):
            try:
                src = "127.0.10.%d" % (1 + i % 6)
                barrier.wait(30)
                s = tcp_connect(d.dns_port, src=src, timeout=60)
                socks.append(s)
                results[i] = xfr(d.dns_port, "mid.test", sock=s, timeout=60)
            except BaseException as e:  # reported below
                results[i] = e
        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        for s in socks:
            s.close()
        errors = [(i, r) for i, r in enumerate(results) if not isinstance(r, list)]
        self.assertEqual(errors, [], "transfers that did not complete")
        for r in results:
            check_full(self, r, self.n_mid)
        self.assertLess(time.monotonic() - t0, 60)
        self.assertServing()

    def test_stalled_readers_block_nobody_and_buffer_nothing(self):
        d = self.d
        pid = d.proc.pid
        # warm up: one complete transfer of each zone
        check_full(self, xfr(d.dns_port, "huge.test"), self.n_huge)
        check_full(self, xfr(d.dns_port, "mid.test"), self.n_mid)
        time.sleep(0.3)
        rss0 = vm_rss_kb(pid)
        k = 8
        stalled = []
        since = len(d.stderr_lines)
        for i in range(k):
            s = tcp_connect(d.dns_port, src="127.0.20.%d" % (i + 1), rcvbuf=4096, mss=1200)
            s.sendall(frame(make_query("huge.test", "AXFR")))
            stalled.append(s)
        try:
            # the server has filled what the kernel takes and holds the rest
            time.sleep(0.3)
            rss1 = vm_rss_kb(pid)
            growth = rss1 - rss0
            # per stalled reader: one message in flight (<= 64 KiB), the input
            # buffer (64 KiB) and bookkeeping; never the zone (~2 MB each)
            allowed = k * 256 + 4096
            self.assertLess(growth, allowed,
                            "VmRSS grew by %d KiB with %d stalled readers of a ~2 MB zone "
                            "(allowed %d KiB): the server buffers transfers" % (growth, k, allowed))
            # others are served meanwhile, in full
            t0 = time.monotonic()
            check_full(self, xfr(d.dns_port, "huge.test", src="127.0.21.1", timeout=20),
                       self.n_huge)
            check_full(self, xfr(d.dns_port, "mid.test", src="127.0.21.2", timeout=20),
                       self.n_mid)
            self.assertLess(time.monotonic() - t0, 15, "transfers slowed down by stalled readers")
            self.assertTrue(udp_alive(d.dns_port, zone="mid.test"))
            d.wait_log(r"127\.0\.21\.2#\d+ done", since=since, timeout=5)
            log = d.stderr_lines[since:]
            done = [ln for ln in log if re.search(r"127\.0\.20\.\d+#\d+ done", ln)]
            self.assertEqual(done, [], "a stalled reader's transfer was completed (the kernel "
                             "took the whole zone): the test shows nothing")
            i_others = max(i for i, ln in enumerate(log) if re.search(r"127\.0\.21\.[12]#\d+ done",
                                                                      ln))
            aborted = [ln for ln in log[:i_others] if re.search(r"127\.0\.20\.\d+#\d+ aborted",
                                                                ln)]
            self.assertEqual(aborted, [], "stalled readers were closed before the other "
                             "transfers ran (machine too slow for this test?)")
            # each stalled connection is closed after the idle timeout
            for i in range(k):
                d.wait_log(r"127\.0\.20\.%d#\d+.*(no progress|tcp-idle-timeout)" % (i + 1),
                           timeout=IDLE_XFR + 8, since=since)
            for s in stalled:
                self.assertTrue(closed_by_peer(s, 5), "stalled connection still open")
        finally:
            for s in stalled:
                s.close()
        self.assertServing()

    def test_slow_reader_gets_the_same_messages(self):
        """Messages are written ahead and sent several at a time; what a
        full socket does not take is written again later. A reader that
        takes 4 KiB at a time must get exactly the messages a fast one
        gets: none lost, none twice, the same boundaries."""
        fast = xfr(self.d.dns_port, "huge.test", timeout=30)
        s = tcp_connect(self.d.dns_port, src="127.0.23.1", rcvbuf=4096, mss=1200, timeout=10)
        try:
            slow = xfr(self.d.dns_port, "huge.test", sock=s, read_size=4096,
                       read_delay=0.0005, timeout=60)
        finally:
            s.close()
        check_full(self, slow, self.n_huge)
        self.assertGreater(len(fast), 20, "a transfer of many messages")
        self.assertEqual(len(slow), len(fast))
        for i, (a, b) in enumerate(zip(fast, slow)):
            self.assertEqual(a.raw[2:], b.raw[2:], "message %d differs (id aside)" % i)
        self.assertServing()

    def test_slow_steady_reader_outlives_idle_timeout(self):
        """Timeouts measure progress, not total time: a transfer that takes
        about twice the idle timeout but makes progress completes."""
        d = self.d
        since = len(d.stderr_lines)
        t0 = time.monotonic()
        s = tcp_connect(d.dns_port, src="127.0.22.1", rcvbuf=16384, mss=1200, timeout=10)
        try:
            msgs = xfr(d.dns_port, "huge.test", sock=s, read_size=16384, read_delay=0.03,
                       timeout=60)
        finally:
            s.close()
        elapsed = time.monotonic() - t0
        check_full(self, msgs, self.n_huge)
        # the server's own account: how long it was busy with this transfer
        m = d.wait_log(r"huge\.test: AXFR of serial \d+ to 127\.0\.22\.1#\d+ done: .* (\d+) ms",
                       since=since, timeout=5)
        server_ms = int(m.group(1))
        self.assertGreater(server_ms, (IDLE_XFR + 0.5) * 1000,
                           "the transfer was too fast (%d ms in the server, %.1f s here) to show "
                           "anything; make the reader slower" % (server_ms, elapsed))
        self.assertServing()


class TestConnectionLimits(ServingMixin, unittest.TestCase):
    ZONE = "lim.test"

    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls, args=["--tcp-max-per-ip", "3",
                                            "--tcp-max-connections", "5",
                                            "--tcp-idle-timeout", "30"])
        create_zone(d, "lim.test")
        wait_serial(d.dns_port, "lim.test", zone_serial(d, "lim.test"))

    def open_answered(self, src):
        """A connection from src on which a query was answered."""
        s = tcp_connect(self.d.dns_port, src=src, timeout=5)
        s.sendall(frame(make_query("lim.test", "SOA")))
        data = recv_msg(s)
        self.assertIsNotNone(data, "connection from %s closed without an answer" % src)
        return s

    def assertRefusedAtOnce(self, src):
        since = len(self.d.stderr_lines)
        s = tcp_connect(self.d.dns_port, src=src, timeout=5)
        try:
            try:
                s.sendall(frame(make_query("lim.test", "SOA")))
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.assertTrue(closed_by_peer(s, 2), "connection from %s over the limit was "
                            "not closed at once" % src)
        finally:
            s.close()
        self.d.wait_log(r"%s#\d+.*limit" % src.replace(".", r"\."), since=since, timeout=5)

    def close_all(self, socks, src):
        for s in socks:
            s.close()
        # the server notices the closes asynchronously
        wait_for(lambda: tcp_alive(self.d.dns_port) if src is None else
                 self._alive_from(src), 5, what="new connections accepted again")

    def _alive_from(self, src):
        try:
            s = self.open_answered(src)
        except (AssertionError, OSError):
            return False
        s.close()
        return True

    def test_per_address_limit(self):
        socks = [self.open_answered("127.0.30.1") for _ in range(3)]
        try:
            self.assertRefusedAtOnce("127.0.30.1")
            # another address is not affected
            socks.append(self.open_answered("127.0.30.2"))
            # the first three still work
            for s in socks[:3]:
                s.sendall(frame(make_query("lim.test", "SOA")))
                self.assertIsNotNone(recv_msg(s))
            self.assertTrue(udp_alive(self.d.dns_port, zone="lim.test"))
        finally:
            self.close_all(socks, "127.0.30.1")
        self.assertServing()

    def test_total_limit(self):
        socks = []
        try:
            for src in ("127.0.40.1", "127.0.40.1", "127.0.40.2", "127.0.40.2", "127.0.40.3"):
                socks.append(self.open_answered(src))
            self.assertRefusedAtOnce("127.0.40.4")
            self.assertTrue(udp_alive(self.d.dns_port, zone="lim.test"))
        finally:
            self.close_all(socks, "127.0.40.4")
        self.assertServing()


class TestFraming(ServingMixin, unittest.TestCase):
    ZONE = "frame.test"

    @classmethod
    def setUpClass(cls):
        cls.d = d = class_daemon(cls, args=["--tcp-idle-timeout", str(IDLE)])
        create_zone(d, "frame.test")
        import_zone(d, "frame.test", ['f%04d 300 IN TXT "%s"' % (i, "f" * 200)
                                      for i in range(2000)])
        set_secondary(d, "frame.test", ["127.0.0.1"])
        wait_serial(d.dns_port, "frame.test", zone_serial(d, "frame.test"))
        cls.n = count_zone(d, "frame.test")

    def conn(self):
        return tcp_connect(self.d.dns_port, timeout=5)

    def test_zero_length(self):
        s = self.conn()
        try:
            s.sendall(b"\x00\x00")
            self.assertTrue(closed_by_peer(s, 3), "a zero-length message did not close the "
                            "connection")
        finally:
            s.close()
        self.assertServing()

    def test_shorter_than_header(self):
        for n in (1, 5, 11):
            with self.subTest(length=n):
                s = self.conn()
                try:
                    s.sendall(struct.pack(">H", n) + b"\x12" * n)
                    self.assertTrue(closed_by_peer(s, 3), "a %d-byte message did not close "
                                    "the connection" % n)
                finally:
                    s.close()
        self.assertServing()

    def test_split_length_prefix(self):
        q = make_query("frame.test", "SOA", qid=777)
        s = self.conn()
        try:
            data = frame(q)
            s.sendall(data[:1])
            time.sleep(0.3)
            s.sendall(data[1:2])
            time.sleep(0.2)
            s.sendall(data[2:9])
            time.sleep(0.2)
            s.sendall(data[9:])
            resp = recv_msg(s)
            self.assertIsNotNone(resp, "no answer to a query whose length prefix came split")
            self.assertEqual(struct.unpack(">H", resp[:2])[0], 777)
            # and the connection still works
            s.sendall(frame(make_query("frame.test", "SOA", qid=778)))
            self.assertEqual(struct.unpack(">H", recv_msg(s)[:2])[0], 778)
        finally:
            s.close()
        self.assertServing()

    def test_two_queries_in_one_segment(self):
        s = self.conn()
        try:
            s.sendall(frame(make_query("frame.test", "SOA", qid=1001)) +
                      frame(make_query("f0001.frame.test", "TXT", qid=1002)) +
                      frame(make_query("nope.frame.test", "A", qid=1003)))
            ids = [struct.unpack(">H", recv_msg(s)[:2])[0] for _ in range(3)]
            self.assertEqual(ids, [1001, 1002, 1003], "answers missing or out of order")
        finally:
            s.close()
        self.assertServing()

    def test_query_after_axfr_in_one_segment(self):
        """A query pipelined behind an AXFR is answered after the whole
        transfer (messages are never interleaved)."""
        s = self.conn()
        try:
            axfr = make_query("frame.test", "AXFR", qid=2001)
            s.sendall(frame(axfr) + frame(make_query("frame.test", "SOA", qid=2002)))
            msgs = xfr(self.d.dns_port, "frame.test", sock=_NoSend(s), qid=2001)
            check_full(self, msgs, self.n)
            self.assertTrue(all(m.id == 2001 for m in msgs))
            data = msgs.leftover
            while len(data) < 4:
                chunk = s.recv(4096)
                self.assertTrue(chunk, "connection closed before the pipelined answer")
                data += chunk
            self.assertEqual(struct.unpack(">H", data[2:4])[0], 2002)
        finally:
            s.close()
        self.assertServing()

    def test_message_longer_than_announced(self):
        """The prefix announces fewer bytes than the query has: the announced
        bytes are one message (malformed: FORMERR) and the rest is taken as
        the next message (here a zero length prefix: the connection is
        closed). The daemon keeps serving."""
        q = make_query("frame.test", "SOA", qid=3001, edns={"udp": 4096})
        short = len(q) - 11          # without the 11-byte OPT record
        s = self.conn()
        try:
            s.sendall(struct.pack(">H", short) + q)
            resp = recv_msg(s)
            if resp is not None:
                self.assertEqual(struct.unpack(">H", resp[:2])[0], 3001)
                self.assertEqual(struct.unpack(">H", resp[2:4])[0] & 0xF, 1,
                                 "the cut message is not answered FORMERR")
            self.assertTrue(closed_by_peer(s, 3), "the extra bytes (a zero length) did not "
                            "close the connection")
        finally:
            s.close()
        # extra bytes that make a whole next message are answered as one
        s = self.conn()
        try:
            q1 = make_query("frame.test", "SOA", qid=3002)
            q2 = make_query("frame.test", "NS", qid=3003)
            s.sendall(struct.pack(">H", len(q1)) + q1 + struct.pack(">H", len(q2)) + q2)
            self.assertEqual(struct.unpack(">H", recv_msg(s)[:2])[0], 3002)
            self.assertEqual(struct.unpack(">H", recv_msg(s)[:2])[0], 3003)
        finally:
            s.close()
        self.assertServing()

    def test_partial_message_then_silence(self):
        s = self.conn()
        try:
            q = frame(make_query("frame.test", "SOA"))
            s.sendall(q[:8])
            t0 = time.monotonic()
            self.assertTrue(closed_by_peer(s, IDLE + 4), "a half-sent message kept the "
                            "connection open past the idle timeout")
            self.assertGreaterEqual(time.monotonic() - t0, IDLE - 0.5)
        finally:
            s.close()
        self.assertServing()

    def test_disconnect_mid_transfer(self):
        since = len(self.d.stderr_lines)
        for how in ("reset", "close"):
            with self.subTest(how=how):
                # a small window and MSS: the server is still in the middle of the
                # transfer when the client goes (the kernel cannot take it all)
                s = tcp_connect(self.d.dns_port, rcvbuf=4096, mss=1200)
                s.sendall(frame(make_query("frame.test", "AXFR")))
                first = recv_msg(s)
                self.assertIsNotNone(first)
                if how == "reset":
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
        for _ in range(2):
            m = self.d.wait_log(r"frame\.test: transfer to 127\.0\.0\.1#\d+ aborted", since=since,
                                timeout=IDLE + 5)
            since = next(i for i in range(since, len(self.d.stderr_lines))
                         if m.group(0) in self.d.stderr_lines[i]) + 1
        check_full(self, xfr(self.d.dns_port, "frame.test"), self.n)
        self.assertServing()

    def test_half_close_after_query(self):
        """A client that shuts down its sending side after the query still
        gets the whole answer (here a transfer)."""
        s = self.conn()
        try:
            s.sendall(frame(make_query("frame.test", "AXFR", qid=4001)))
            s.shutdown(socket.SHUT_WR)
            msgs = xfr(self.d.dns_port, "frame.test", sock=_NoSend(s), qid=4001)
            check_full(self, msgs, self.n)
            self.assertTrue(closed_by_peer(s, 3), "not closed after the answer to a "
                            "half-closed connection")
        finally:
            s.close()
        self.assertServing()


class _NoSend:
    """A socket whose sendall does nothing (the request was sent already)."""

    def __init__(self, s):
        self.s = s

    def sendall(self, data):
        pass

    def recv(self, n):
        return self.s.recv(n)

    def gettimeout(self):
        return self.s.gettimeout()

    def close(self):
        pass


if __name__ == "__main__":
    unittest.main()
