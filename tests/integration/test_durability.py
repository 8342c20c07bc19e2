"""Acknowledged writes survive SIGKILL; the database stays consistent."""

import http.client
import json
import threading
import time
import unittest

from harness import DaemonTestCase, create_zone, get_zone, open_db_ro, records


class Writer(threading.Thread):
    """Creates records one after another until stopped or the daemon dies;
    remembers the contents that were acknowledged with 201."""

    def __init__(self, d, zone):
        super().__init__(name="writer", daemon=True)
        self.d = d
        self.zone = zone
        self.acked = []
        self.errors = []
        self.stop_flag = threading.Event()

    def run(self):
        i = 0
        conn = None
        while not self.stop_flag.is_set():
            content = "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)
            body = json.dumps({"name": "r%d" % i, "type": "A", "content": content})
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=10)
                conn.request("POST", "/v1/zones/%s/records" % self.zone, body=body,
                             headers={"Authorization": "Bearer " + self.d.admin_token,
                                      "Content-Type": "application/json"})
                resp = conn.getresponse()
                data = resp.read()
                if resp.status == 201:
                    self.acked.append(("r%d" % i, content))
                else:
                    self.errors.append((resp.status, data[:200]))
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                break  # the daemon is gone
            i += 1
        if conn is not None:
            conn.close()


class TestDurability(DaemonTestCase):

    def test_acknowledged_writes_survive_sigkill(self):
        d = self.start_daemon()
        z = create_zone(d, "durable.test", serial_policy="increment")
        s0 = z["serial"]
        w = Writer(d, "durable.test")
        w.start()
        time.sleep(1.5)
        self.assertTrue(w.is_alive(), "the writer stopped early: %r" % (w.errors[:5],))
        rc = d.kill()
        self.assertEqual(rc, -9)
        w.stop_flag.set()
        w.join(15)
        self.assertFalse(w.is_alive())
        self.assertEqual(w.errors, [], "writes failed before the kill")
        self.assertGreater(len(w.acked), 10, "too few writes to test anything")

        d.start()
        recs = records(d, "durable.test")
        have = {(r["name"], r["content"]) for r in recs if r["type"] == "A"}
        lost = [a for a in w.acked if a not in have]
        self.assertEqual(lost, [], "%d of %d acknowledged writes lost" % (len(lost),
                                                                          len(w.acked)))
        # At most the one request in flight at the kill may have committed
        # without its answer; every committed create bumped the serial once.
        extra = have - set(w.acked)
        self.assertLessEqual(len(extra), 1, extra)
        serial = get_zone(d, "durable.test")["serial"]
        self.assertEqual(serial - s0, len(have))

        # The store still takes writes, and a clean stop leaves a sound file.
        st, _, r = d.post("/v1/zones/durable.test/records",
                          {"name": "after", "type": "A", "content": "192.0.2.1"})
        self.assertEqual(st, 201, r)
        self.assertEqual(d.stop(), 0, d.log_text())
        with open_db_ro(d.db_path) as c:
            self.assertEqual(c.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            self.assertEqual(c.execute("PRAGMA foreign_key_check").fetchall(), [])
            (n,) = c.execute("SELECT count(*) FROM records r JOIN zones z ON z.id = r.zone_id "
                             "WHERE z.name = 'durable.test' AND r.type = 'A'").fetchone()
            self.assertEqual(n, len(have) + 1)
            chain = c.execute("SELECT serial_from, serial_to FROM journal_changes j "
                              "JOIN zones z ON z.id = j.zone_id WHERE z.name = 'durable.test' "
                              "ORDER BY j.id").fetchall()
        self.assertTrue(chain)
        for (_, prev_to), (nxt_from, _) in zip(chain, chain[1:]):
            self.assertEqual(prev_to, nxt_from, "gap in the journal's serial chain")
        self.assertEqual(chain[-1][1], serial + 1)

    def test_concurrent_writers_each_bump_once(self):
        # Parallel creates on one zone: no lost update, one bump per request.
        d = self.start_daemon()
        s0 = create_zone(d, "parallel.test", serial_policy="increment")["serial"]
        results = []
        lock = threading.Lock()

        def work(t):
            for i in range(25):
                st, _, r = d.post("/v1/zones/parallel.test/records",
                                  {"name": "t%d-%d" % (t, i), "type": "A",
                                   "content": "192.0.2.%d" % (t + 1)})
                with lock:
                    results.append((st, r if st != 201 else None))

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(len(results), 100)
        bad = [r for r in results if r[0] != 201]
        self.assertEqual(bad, [], "concurrent creates failed")
        self.assertEqual(get_zone(d, "parallel.test")["serial"], s0 + 100)
        self.assertEqual(len([r for r in records(d, "parallel.test") if r["type"] == "A"]), 100)
        with d.db_ro() as c:
            chain = c.execute("SELECT serial_from, serial_to FROM journal_changes j "
                              "JOIN zones z ON z.id = j.zone_id WHERE z.name = 'parallel.test' "
                              "AND serial_from >= ? ORDER BY j.id", (s0,)).fetchall()
        self.assertEqual(chain, [(s0 + i, s0 + i + 1) for i in range(100)])

    def test_kill_right_after_write(self):
        # A single acknowledged write, then SIGKILL at once.
        d = self.start_daemon()
        create_zone(d, "quick.test")
        st, _, r = d.post("/v1/zones/quick.test/records",
                          {"name": "now", "type": "TXT", "content": '"acked"'})
        self.assertEqual(st, 201, r)
        d.kill()
        d.start()
        recs = records(d, "quick.test")
        self.assertIn(("now", "TXT", '"acked"'), {(x["name"], x["type"], x["content"])
                                                  for x in recs})
        self.assertEqual(d.stop(), 0)
        with open_db_ro(d.db_path) as c:
            self.assertEqual(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")


if __name__ == "__main__":
    unittest.main()
