"""Accounts, tokens, authentication and isolation between accounts."""

import unittest

from harness import (DaemonTestCase, add_record, create_account, create_zone, get_zone,
                     list_all, records)


class TestAccounts(DaemonTestCase):

    def setUp(self):
        self.d = self.start_daemon()

    def admin_id(self):
        st, _, data = self.d.get("/v1/accounts")
        self.assertEqual(st, 200, data)
        return [a for a in data["data"] if a["name"] == "admin"][0]["id"]

    def test_admin_creates_account(self):
        d = self.d
        st, headers, acct = d.post("/v1/accounts", {"name": "alice"})
        self.assertEqual(st, 201, acct)
        self.assertIn("application/json", headers.get("content-type", ""))
        self.assertEqual(set(acct) >= {"id", "name", "admin", "created_at"}, True, acct)
        self.assertIsInstance(acct["id"], int)
        self.assertEqual(acct["name"], "alice")
        self.assertIs(acct["admin"], False)
        self.assertIsoTime(acct["created_at"])

        st, _, got = d.get("/v1/accounts/%d" % acct["id"])
        self.assertEqual(st, 200, got)
        self.assertEqual(got["id"], acct["id"])
        self.assertEqual(got["name"], "alice")
        self.assertIs(got["admin"], False)

        st, _, lst = d.get("/v1/accounts")
        self.assertEqual(st, 200, lst)
        self.assertEqual(set(lst), {"data", "pagination"})
        names = [a["name"] for a in lst["data"]]
        self.assertIn("admin", names)
        self.assertIn("alice", names)
        pg = lst["pagination"]
        self.assertEqual(pg["page"], 1)
        self.assertEqual(pg["per_page"], 30)
        self.assertEqual(pg["total_entries"], 2)
        self.assertEqual(pg["total_pages"], 1)
        admin = [a for a in lst["data"] if a["name"] == "admin"][0]
        self.assertIs(admin["admin"], True)

    def test_accounts_pagination(self):
        d = self.d
        for i in range(4):
            st, _, a = d.post("/v1/accounts", {"name": "user%d" % i})
            self.assertEqual(st, 201, a)
        st, _, p1 = d.get("/v1/accounts?page=1&per_page=2")
        self.assertEqual(st, 200, p1)
        self.assertEqual(len(p1["data"]), 2)
        self.assertEqual(p1["pagination"], {"page": 1, "per_page": 2, "total_entries": 5,
                                            "total_pages": 3})
        st, _, p3 = d.get("/v1/accounts?page=3&per_page=2")
        self.assertEqual(st, 200, p3)
        self.assertEqual(len(p3["data"]), 1)
        self.assertEqual(len(list_all(d, "/v1/accounts", per_page=2)), 5)

    def test_tokens_create_list_and_use(self):
        d = self.d
        st, _, acct = d.post("/v1/accounts", {"name": "bob"})
        self.assertEqual(st, 201, acct)
        st, _, tok = d.post("/v1/accounts/%d/tokens" % acct["id"])
        self.assertEqual(st, 201, tok)
        self.assertTrue(set(tok) >= {"id", "account_id", "token", "prefix", "created_at"}, tok)
        self.assertEqual(tok["account_id"], acct["id"])
        self.assertIsInstance(tok["token"], str)
        self.assertGreaterEqual(len(tok["token"]), 16)
        self.assertTrue(tok["prefix"] and tok["token"].startswith(tok["prefix"]), tok)
        self.assertLess(len(tok["prefix"]), len(tok["token"]))
        self.assertIsoTime(tok["created_at"])

        # The account can use it, sees itself, and makes its own tokens.
        st, _, me = d.get("/v1/accounts/%d" % acct["id"], token=tok["token"])
        self.assertEqual(st, 200, me)
        self.assertEqual(me["name"], "bob")
        st, _, tok2 = d.post("/v1/accounts/%d/tokens" % acct["id"], token=tok["token"])
        self.assertEqual(st, 201, tok2)
        self.assertNotEqual(tok2["token"], tok["token"])
        st, _, data = d.get("/v1/zones", token=tok2["token"])
        self.assertEqual(st, 200, data)

        for who in (d.admin_token, tok["token"]):
            st, _, lst = d.get("/v1/accounts/%d/tokens" % acct["id"], token=who)
            self.assertEqual(st, 200, lst)
            ids = sorted(t["id"] for t in lst["data"])
            self.assertEqual(ids, sorted([tok["id"], tok2["id"]]))
            for t in lst["data"]:
                self.assertTrue(set(t) >= {"id", "account_id", "prefix", "created_at"}, t)
                self.assertNotIn("token", t, "the token is shown again in the list")
                self.assertNotIn("hash", t)
                self.assertEqual(t["account_id"], acct["id"])

    def test_non_admin_forbidden_on_admin_routes(self):
        d = self.d
        acct, token = create_account(d, "carol")
        self.assertError(d.post("/v1/accounts", {"name": "mallory"}, token=token),
                         403, "forbidden")
        self.assertError(d.get("/v1/accounts", token=token), 403, "forbidden")
        # nothing was created
        st, _, lst = d.get("/v1/accounts")
        self.assertNotIn("mallory", [a["name"] for a in lst["data"]])

    def test_other_accounts_are_not_found(self):
        d = self.d
        a, ta = create_account(d, "acct-a")
        b, tb = create_account(d, "acct-b")
        admin = self.admin_id()
        self.assertError(d.get("/v1/accounts/%d" % b["id"], token=ta), 404, "not_found")
        self.assertError(d.get("/v1/accounts/%d" % admin, token=ta), 404, "not_found")
        self.assertError(d.post("/v1/accounts/%d/tokens" % b["id"], token=ta), 404, "not_found")
        self.assertError(d.get("/v1/accounts/%d/tokens" % b["id"], token=ta), 404, "not_found")
        st, _, lst = d.get("/v1/accounts/%d/tokens" % b["id"], token=tb)
        self.assertEqual(st, 200, lst)
        tid = lst["data"][0]["id"]
        self.assertError(d.delete("/v1/accounts/%d/tokens/%d" % (b["id"], tid), token=ta),
                         404, "not_found")
        # b's token still works
        st, _, data = d.get("/v1/zones", token=tb)
        self.assertEqual(st, 200, data)

    def test_unknown_account_and_token(self):
        d = self.d
        self.assertError(d.get("/v1/accounts/999999"), 404, "not_found")
        self.assertError(d.post("/v1/accounts/999999/tokens"), 404, "not_found")
        acct, _ = create_account(d, "dave")
        self.assertError(d.delete("/v1/accounts/%d/tokens/999999" % acct["id"]),
                         404, "not_found")


class TestAuthentication(DaemonTestCase):

    def setUp(self):
        self.d = self.start_daemon()

    def test_missing_token(self):
        for method, path in (("GET", "/v1/zones"), ("GET", "/v1/accounts"),
                             ("POST", "/v1/accounts"), ("GET", "/v1/zones/example.com")):
            resp = self.d.request(method, path, token=None,
                                  body={"name": "x"} if method == "POST" else None)
            self.assertError(resp, 401, "unauthorized", msg="%s %s" % (method, path))

    def test_bad_tokens(self):
        d = self.d
        bad = [
            {"Authorization": "Bearer not-a-valid-token-at-all-000000"},
            {"Authorization": "Bearer " + d.admin_token + "0"},
            {"Authorization": "Bearer " + d.admin_token[:-1]},
            {"Authorization": "Bearer "},
            {"Authorization": "Bearer"},
            {"Authorization": "Basic YWRtaW46c2VjcmV0"},
            {"Authorization": d.admin_token},
        ]
        for h in bad:
            resp = d.request("GET", "/v1/zones", token=None, headers=h)
            self.assertError(resp, 401, "unauthorized", msg=repr(h))
        st, _, data = d.get("/v1/zones")
        self.assertEqual(st, 200, data)

    def test_token_revocation_is_immediate(self):
        d = self.d
        acct, t1 = create_account(d, "erin")
        st, _, tok2 = d.post("/v1/accounts/%d/tokens" % acct["id"], token=t1)
        self.assertEqual(st, 201, tok2)
        t2 = tok2["token"]
        create_zone(d, "erin.test", token=t2)
        st, _, data = d.get("/v1/zones/erin.test", token=t2)
        self.assertEqual(st, 200, data)

        st, _, body = d.delete("/v1/accounts/%d/tokens/%d" % (acct["id"], tok2["id"]), token=t1)
        self.assertEqual(st, 204, body)
        self.assertEqual(body, "")
        self.assertError(d.get("/v1/zones/erin.test", token=t2), 401, "unauthorized")
        self.assertError(d.get("/v1/zones", token=t2), 401, "unauthorized")
        st, _, data = d.get("/v1/zones/erin.test", token=t1)
        self.assertEqual(st, 200, data)
        st, _, lst = d.get("/v1/accounts/%d/tokens" % acct["id"], token=t1)
        self.assertNotIn(tok2["id"], [t["id"] for t in lst["data"]])
        self.assertError(d.delete("/v1/accounts/%d/tokens/%d" % (acct["id"], tok2["id"]),
                                  token=t1), 404, "not_found")

    def test_admin_revokes_a_token(self):
        d = self.d
        acct, t1 = create_account(d, "frank")
        st, _, lst = d.get("/v1/accounts/%d/tokens" % acct["id"])
        self.assertEqual(st, 200, lst)
        self.assertEqual(len(lst["data"]), 1)
        st, _, _ = d.delete("/v1/accounts/%d/tokens/%d" % (acct["id"], lst["data"][0]["id"]))
        self.assertEqual(st, 204)
        self.assertError(d.get("/v1/zones", token=t1), 401, "unauthorized")


class TestIsolation(DaemonTestCase):

    def test_account_cannot_see_other_accounts_zone(self):
        d = self.start_daemon()
        _, ta = create_account(d, "owner-a")
        _, tb = create_account(d, "owner-b")
        za = create_zone(d, "zone-a.test", token=ta, serial_policy="increment")
        rec = add_record(d, "zone-a.test", "www", "A", "192.0.2.1", token=ta)
        create_zone(d, "zone-b.test", token=tb)

        self.assertError(d.get("/v1/zones/zone-a.test", token=tb), 404, "not_found")
        self.assertError(d.get("/v1/zones/ZONE-A.test.", token=tb), 404, "not_found")
        self.assertError(d.get("/v1/zones/zone-a.test/records", token=tb), 404, "not_found")
        self.assertError(d.get("/v1/zones/zone-a.test/records/%d" % rec["id"], token=tb),
                         404, "not_found")
        self.assertError(d.get("/v1/zones/zone-a.test/export", token=tb), 404, "not_found")
        self.assertError(d.post("/v1/zones/zone-a.test/records",
                                {"name": "evil", "type": "A", "content": "192.0.2.66"},
                                token=tb), 404, "not_found")
        self.assertError(d.patch("/v1/zones/zone-a.test/records/%d" % rec["id"],
                                 {"content": "192.0.2.66"}, token=tb), 404, "not_found")
        self.assertError(d.delete("/v1/zones/zone-a.test/records/%d" % rec["id"], token=tb),
                         404, "not_found")
        self.assertError(d.patch("/v1/zones/zone-a.test", {"serial_policy": "unixtime"},
                                 token=tb), 404, "not_found")
        self.assertError(d.delete("/v1/zones/zone-a.test", token=tb), 404, "not_found")
        self.assertError(d.request("POST", "/v1/zones/zone-a.test/import",
                                   raw="evil IN A 192.0.2.66\n", content_type="text/dns",
                                   token=tb), 404, "not_found")
        self.assertError(d.post("/v1/zones/zone-a.test/records/batch",
                                {"delete": [rec["id"]], "add": []}, token=tb),
                         404, "not_found")

        st, _, lst = d.get("/v1/zones", token=tb)
        self.assertEqual(st, 200, lst)
        self.assertEqual([z["name"] for z in lst["data"]], ["zone-b.test"])
        self.assertEqual(lst["pagination"]["total_entries"], 1)

        # A record id of A's zone is not reachable through B's zone either.
        self.assertError(d.get("/v1/zones/zone-b.test/records/%d" % rec["id"], token=tb),
                         404, "not_found")
        self.assertError(d.delete("/v1/zones/zone-b.test/records/%d" % rec["id"], token=tb),
                         404, "not_found")

        # B cannot take the name either (zone names are unique across accounts).
        self.assertError(d.post("/v1/zones", {"name": "zone-a.test"}, token=tb),
                         409, "conflict")

        # Nothing changed for A.
        z = get_zone(d, "zone-a.test", token=ta)
        self.assertEqual(z["serial"], za["serial"] + 1)
        self.assertEqual(z["serial_policy"], "increment")
        recs = records(d, "zone-a.test", token=ta)
        self.assertIn(("www", "A", "192.0.2.1"), {(r["name"], r["type"], r["content"])
                                                  for r in recs})
        self.assertNotIn("evil", [r["name"] for r in recs])
        st, _, lst = d.get("/v1/zones", token=ta)
        self.assertEqual([z["name"] for z in lst["data"]], ["zone-a.test"])


class TestAccountNames(DaemonTestCase):

    def test_name_validation(self):
        d = self.start_daemon()
        for name in ("", "a" * 65, "with space", "slash/name", "b\u00fccher", "semi;colon",
                     "at@sign"):
            self.assertError(d.post("/v1/accounts", {"name": name}), 422, "invalid_field",
                             field="name", msg=repr(name))
        for body in ({}, {"name": 123}, {"name": None}, {"name": ["x"]}):
            self.assertError(d.post("/v1/accounts", body), 422, "invalid_field", field="name",
                             msg=repr(body))
        for name in ("a", "a" * 64, "Mixed.Case_name-9"):
            st, _, acct = d.post("/v1/accounts", {"name": name})
            self.assertEqual(st, 201, (name, acct))
            self.assertEqual(acct["name"], name)
        st, _, lst = d.get("/v1/accounts")
        self.assertEqual(lst["pagination"]["total_entries"], 4)

    def test_duplicate_name(self):
        d = self.start_daemon()
        st, _, _ = d.post("/v1/accounts", {"name": "grace"})
        self.assertEqual(st, 201)
        self.assertError(d.post("/v1/accounts", {"name": "grace"}), 409, "conflict")
        self.assertError(d.post("/v1/accounts", {"name": "admin"}), 409, "conflict")
        st, _, lst = d.get("/v1/accounts")
        self.assertEqual(sorted(a["name"] for a in lst["data"]), ["admin", "grace"])


if __name__ == "__main__":
    unittest.main()
