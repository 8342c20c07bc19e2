"""TSIG keys through the REST API: create with a generated or a given
secret, names normalized and unique across accounts, the secret never
returned (but once when generated) and never logged, the supported
algorithms, account scoping, and keys in use by a secondary DNS
configuration."""

import base64
import unittest

from harness import DaemonTestCase, create_account, create_zone, list_all, q, snapshot

KEYS = "/v1/tsig_keys"


class TsigCase(DaemonTestCase):

    def setUp(self):
        self.d = self.start_daemon()
        self.alice, self.t = create_account(self.d, "alice")
        self.bob_acct, self.bob = create_account(self.d, "bob")

    def stored(self):
        """(name, algorithm, secret bytes, account) of every key in the store."""
        with self.d.db_ro() as c:
            return sorted(c.execute("SELECT name, algorithm, secret, account_id "
                                    "FROM tsig_keys").fetchall())

    def state(self):
        return self.stored(), snapshot(self.d, token=self.t)

    def assertNoSecret(self, obj):
        self.assertNotIn("secret", obj)

    def assertNotLogged(self, secret_b64):
        self.assertNotIn(secret_b64, self.d.log_text(), "the secret was logged")


class TestCreate(TsigCase):

    def test_generated_sha256(self):
        d = self.d
        k = self.assertStatus(d.post(KEYS, {"name": "Xfr-Key"}, token=self.t), 201)
        self.assertEqual(k["name"], "xfr-key.")
        self.assertEqual(k["algorithm"], "hmac-sha256")
        self.assertIsInstance(k["id"], int)
        self.assertIsoTime(k["created_at"])
        raw = base64.b64decode(k["secret"], validate=True)
        self.assertEqual(len(raw), 32)
        self.assertEqual(self.stored(), [("xfr-key.", "hmac-sha256", raw, self.alice["id"])])
        # shown once: never again
        got = self.assertStatus(d.get(KEYS + "/xfr-key.", token=self.t), 200)
        self.assertNoSecret(got)
        self.assertEqual(got, {x: k[x] for x in k if x != "secret"})
        self.assertEqual(self.assertStatus(d.get(KEYS + "/XFR-KEY", token=self.t), 200), got)
        for item in list_all(d, KEYS, token=self.t):
            self.assertNoSecret(item)
        self.assertNotLogged(k["secret"])

    def test_generated_sha512(self):
        k = self.assertStatus(self.d.post(KEYS, {"name": "big.key.example.",
                                                 "algorithm": "HMAC-SHA512"}, token=self.t), 201)
        self.assertEqual(k["algorithm"], "hmac-sha512")
        self.assertEqual(len(base64.b64decode(k["secret"], validate=True)), 64)
        self.assertNotLogged(k["secret"])

    def test_given_secret_is_never_returned(self):
        secret = base64.b64encode(bytes(range(1, 33))).decode()
        k = self.assertStatus(self.d.post(KEYS, {"name": "given.", "algorithm": "hmac-sha256",
                                                 "secret": secret}, token=self.t), 201)
        self.assertNoSecret(k)
        self.assertEqual(self.stored()[0][2], bytes(range(1, 33)))
        self.assertNotLogged(secret)

    def test_list_paginated_by_name(self):
        d = self.d
        for n in ("c-key", "a-key", "b-key"):
            self.assertStatus(d.post(KEYS, {"name": n}, token=self.t), 201)
        page = self.assertStatus(d.get(KEYS + "?per_page=2", token=self.t), 200)
        self.assertEqual([k["name"] for k in page["data"]], ["a-key.", "b-key."])
        self.assertEqual(page["pagination"]["total_entries"], 3)
        self.assertEqual([k["name"] for k in list_all(d, KEYS, token=self.bob)], [])


class TestRejected(TsigCase):

    def test_bad_input(self):
        d = self.d
        self.assertStatus(d.post(KEYS, {"name": "taken."}, token=self.t), 201)
        before = self.state()
        short = base64.b64encode(b"x" * 15).decode()
        too_long = base64.b64encode(b"x" * 129).decode()
        cases = [
            ({}, 422, "name"),
            ({"name": ""}, 422, "name"),
            ({"name": "."}, 422, "name"),
            ({"name": "bad name!"}, 422, "name"),
            ({"name": 7}, 422, "name"),
            ({"name": "k.", "algorithm": "hmac-sha384"}, 422, "algorithm"),
            ({"name": "k.", "algorithm": "hmac-md5"}, 422, "algorithm"),
            ({"name": "k.", "algorithm": 256}, 422, "algorithm"),
            ({"name": "k.", "secret": "not base64!"}, 422, "secret"),
            ({"name": "k.", "secret": "QUJD"}, 422, "secret"),          # 3 bytes
            ({"name": "k.", "secret": short}, 422, "secret"),
            ({"name": "k.", "secret": too_long}, 422, "secret"),
            ({"name": "k.", "secret": "QUJDRA"}, 422, "secret"),        # unpadded
            ({"name": "k.", "secret": ""}, 422, "secret"),
            ({"name": "TAKEN"}, 409, "name"),
        ]
        for body, status, field in cases:
            code = "conflict" if status == 409 else "invalid_field"
            err = self.assertError(d.post(KEYS, body, token=self.t), status, code, field,
                                   msg=repr(body))
            if "secret" in body and body["secret"]:
                self.assertNotIn(body["secret"], err["message"])
            if body.get("algorithm") == "hmac-sha384":
                self.assertIn("hmac-sha256, hmac-sha512", err["message"])
            self.assertEqual(self.state(), before, repr(body))
        # names are unique across accounts
        self.assertError(d.post(KEYS, {"name": "taken."}, token=self.bob), 409, "conflict",
                         "name")
        self.assertError(d.request("POST", KEYS, raw=b"{", content_type="application/json",
                                   token=self.t), 400, "invalid_json")
        self.assertEqual(self.state(), before)

    def test_other_accounts_key(self):
        d = self.d
        self.assertStatus(d.post(KEYS, {"name": "alices."}, token=self.t), 201)
        before = self.state()
        self.assertError(d.get(KEYS + "/alices.", token=self.bob), 404, "not_found")
        self.assertError(d.delete(KEYS + "/alices.", token=self.bob), 404, "not_found")
        self.assertError(d.get(KEYS + "/nope.", token=self.t), 404, "not_found")
        self.assertError(d.get(KEYS + "/" + q("bad name"), token=self.t), 404, "not_found")
        self.assertEqual(self.state(), before)
        self.assertError(d.get(KEYS, token=None), 401, "unauthorized")


class TestKeysInUse(TsigCase):

    def test_secondary_config_with_key(self):
        d = self.d
        create_zone(d, "example.com", token=self.t, serial_policy="increment")
        self.assertStatus(d.post(KEYS, {"name": "xfr-key", "algorithm": "hmac-sha512"},
                                 token=self.t), 201)
        sd = "/v1/zones/example.com/secondary_dns"
        cfg = self.assertStatus(d.request("PUT", sd, body={
            "provider": "dyn", "tsig_key": "XFR-KEY"}, token=self.t), 201)
        self.assertEqual(cfg["tsig_key"], "xfr-key.")
        with d.db_ro() as c:
            self.assertEqual(c.execute("SELECT k.name FROM secondary_dns s JOIN tsig_keys k "
                                       "ON k.id = s.tsig_key_id").fetchone()[0], "xfr-key.")
        # a key in use cannot be deleted
        before = self.state()
        err = self.assertError(d.delete(KEYS + "/xfr-key.", token=self.t), 409, "conflict")
        self.assertIn("example.com", err["message"])
        self.assertEqual(self.state(), before)
        # a key change alone bumps the serial once
        s0 = self.assertStatus(d.get("/v1/zones/example.com", token=self.t), 200)["serial"]
        cfg = self.assertStatus(d.patch(sd, {"tsig_key": None}, token=self.t), 200)
        self.assertIsNone(cfg["tsig_key"])
        self.assertEqual(cfg["serial"], s0 + 1)
        self.assertStatus(d.delete(KEYS + "/xfr-key.", token=self.t), 204)
        self.assertError(d.get(KEYS + "/xfr-key.", token=self.t), 404, "not_found")
        self.assertEqual(self.stored(), [])

    def test_bad_key_name_in_config(self):
        d = self.d
        create_zone(d, "example.com", token=self.t)
        before = self.state()
        err = self.assertError(d.request("PUT", "/v1/zones/example.com/secondary_dns", body={
            "provider": "dyn", "tsig_key": "bad key"}, token=self.t), 422, "invalid_field",
            "tsig_key")
        self.assertTrue(err["message"].startswith("tsig_key"))
        self.assertEqual(self.state(), before)


if __name__ == "__main__":
    unittest.main()
