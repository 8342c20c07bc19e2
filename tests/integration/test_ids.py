"""Ids are never handed out again (issue 17 point 3): after a delete, the
next resource of the kind gets a new id, so a retried DELETE of the old id
is a 404 and never deletes the newer resource."""

import unittest

from harness import DaemonTestCase, add_record, create_account, create_zone, q


class TestIdsNeverReused(DaemonTestCase):

    def setUp(self):
        self.d = self.start_daemon()
        self.acct, self.t = create_account(self.d, "alice")

    def test_record_id_not_reused_and_retried_delete_is_404(self):
        d = self.d
        create_zone(d, "ids.test", token=self.t)
        base = "/v1/zones/%s/records" % q("ids.test")
        old = add_record(d, "ids.test", "www", "A", "192.0.2.1", token=self.t)
        self.assertStatus(d.delete("%s/%d" % (base, old["id"]), token=self.t), 204)
        new = add_record(d, "ids.test", "www", "A", "192.0.2.1", token=self.t)
        self.assertNotEqual(new["id"], old["id"])
        self.assertGreater(new["id"], old["id"])
        # the client's retry of the first DELETE
        self.assertError(d.delete("%s/%d" % (base, old["id"]), token=self.t),
                         404, "not_found")
        got = self.assertStatus(d.get("%s/%d" % (base, new["id"]), token=self.t), 200)
        self.assertEqual(got["content"], "192.0.2.1")

    def test_token_id_not_reused(self):
        d = self.d
        path = "/v1/accounts/%d/tokens" % self.acct["id"]
        old = self.assertStatus(d.post(path), 201)
        self.assertStatus(d.delete("%s/%d" % (path, old["id"])), 204)
        new = self.assertStatus(d.post(path), 201)
        self.assertGreater(new["id"], old["id"])
        self.assertEqual(d.delete("%s/%d" % (path, old["id"]))[0], 404)
        ids = [t["id"] for t in self.assertStatus(d.get(path), 200)["data"]]
        self.assertIn(new["id"], ids)

    def test_name_server_set_id_not_reused(self):
        d = self.d
        body = {"name": "mine", "name_servers": ["a.sec.example"]}
        old = self.assertStatus(d.post("/v1/name_server_sets", body, token=self.t), 201)
        self.assertStatus(d.delete("/v1/name_server_sets/%d" % old["id"], token=self.t), 204)
        new = self.assertStatus(d.post("/v1/name_server_sets", body, token=self.t), 201)
        self.assertGreater(new["id"], old["id"])
        self.assertEqual(d.delete("/v1/name_server_sets/%d" % old["id"],
                                  token=self.t)[0], 404)
        self.assertStatus(d.get("/v1/name_server_sets/%d" % new["id"], token=self.t), 200)

    def test_tsig_key_and_zone_ids_not_reused(self):
        d = self.d
        old = self.assertStatus(d.post("/v1/tsig_keys", {"name": "k1"}, token=self.t), 201)
        self.assertStatus(d.delete("/v1/tsig_keys/k1.", token=self.t), 204)
        new = self.assertStatus(d.post("/v1/tsig_keys", {"name": "k1"}, token=self.t), 201)
        self.assertGreater(new["id"], old["id"])
        z1 = create_zone(d, "again.test", token=self.t)
        self.assertStatus(d.delete("/v1/zones/again.test", token=self.t), 204)
        z2 = create_zone(d, "again.test", token=self.t)
        self.assertGreater(z2["id"], z1["id"])

    def test_account_id_not_reused(self):
        d = self.d
        # accounts have no DELETE route: remove the newest one in the store
        # while the daemon is stopped, as an operator might
        newest, _ = create_account(d, "newest")
        d.stop()
        import sqlite3
        c = sqlite3.connect(d.db_path)
        with c:
            c.execute("DELETE FROM accounts WHERE id = ?", (newest["id"],))
        c.close()
        d.start()
        again, _ = create_account(d, "newest")
        self.assertGreater(again["id"], newest["id"])


if __name__ == "__main__":
    unittest.main()
