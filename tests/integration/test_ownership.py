"""One account cannot answer for another account's names (issue 17 point 2).

A zone inside, or around, another account's zone is a 409 (both
directions, by labels and case-insensitively, on the normalized names);
an account may delegate to itself; public suffixes and single labels are
422s (the Public Suffix List from public-suffix-list, read at start-up);
the admin can move a zone to another account and create a zone over other
accounts' zones, both recorded as zone events, and a moved zone's
secondary DNS (the old owner's ACL, NOTIFY targets and key) is cleared;
the check and the insert are one step, so two accounts racing for
brand.test and www.brand.test never both win."""

import os
import threading
import unittest

from dnsutil import NOERROR, REFUSED, TsigKey, wait_serial, xfr
from harness import (DaemonExited, DaemonTestCase, add_record, create_account, create_zone,
                     list_all, records, run_binary)


class Base(DaemonTestCase):

    def setUp(self):
        self.d = self.start_daemon()
        self.a, self.ta = create_account(self.d, "alice")
        self.b, self.tb = create_account(self.d, "bob")

    def zones_of(self, token):
        return sorted(z["name"] for z in list_all(self.d, "/v1/zones", token=token))

    def create(self, name, token, **fields):
        body = {"name": name}
        body.update(fields)
        return self.d.post("/v1/zones", body, token=token)


class TestOverlap(Base):

    def test_inside_another_accounts_zone_is_409(self):
        create_zone(self.d, "brand.test", token=self.ta)
        err = self.assertError(self.create("www.brand.test", self.tb), 409, "conflict",
                               field="name")
        self.assertIn("www.brand.test overlaps a zone of another account", err["message"])
        # deeper, too: the closest enclosing zone is another account's
        self.assertError(self.create("a.b.www.brand.test", self.tb), 409, "conflict")
        self.assertEqual(self.zones_of(self.tb), [])
        st, _, _ = self.d.get("/v1/zones/www.brand.test", token=self.tb)
        self.assertEqual(st, 404)
        self.assertEqual(self.zones_of(self.ta), ["brand.test"])

    def test_enclosing_another_accounts_zone_is_409(self):
        create_zone(self.d, "secret-project.brand2.test", token=self.tb)
        err = self.assertError(self.create("brand2.test", self.ta), 409, "conflict",
                               field="name")
        self.assertIn("brand2.test overlaps a zone of another account", err["message"])
        # the other tenant's zone is not named
        self.assertNotIn("secret-project", err["message"])
        self.assertEqual(self.zones_of(self.ta), [])
        self.assertEqual(self.zones_of(self.tb), ["secret-project.brand2.test"])

    def test_same_name_in_another_account_is_409(self):
        create_zone(self.d, "brand.test", token=self.ta)
        self.assertError(self.create("Brand.Test.", self.tb), 409, "conflict")
        self.assertEqual(self.zones_of(self.tb), [])

    def test_same_account_delegates_to_itself(self):
        create_zone(self.d, "own.test", token=self.ta)
        create_zone(self.d, "www.own.test", token=self.ta)
        create_zone(self.d, "a.www.own.test", token=self.ta)
        # the other order: child first, then the parent
        create_zone(self.d, "deep.parent.test", token=self.ta)
        create_zone(self.d, "parent.test", token=self.ta)
        self.assertEqual(self.zones_of(self.ta), ["a.www.own.test", "deep.parent.test",
                                                  "own.test", "parent.test", "www.own.test"])
        # and nobody else may come in between
        self.assertError(self.create("x.own.test", self.tb), 409, "conflict")
        self.assertError(self.create("b.a.www.own.test", self.tb), 409, "conflict")

    def test_label_boundaries(self):
        create_zone(self.d, "brand.test", token=self.ta)
        for name in ("notbrand.test", "brand.test2.test", "rand.test", "brand-test.test",
                     "xbrand.test"):
            self.assertEqual(self.create(name, self.tb)[0], 201, name)
        # and the other way round: bob's notbrand.test does not stop alice
        create_zone(self.d, "www.brand.test", token=self.ta)
        self.assertEqual(self.zones_of(self.tb), ["brand-test.test", "brand.test2.test",
                                                  "notbrand.test", "rand.test",
                                                  "xbrand.test"])

    def test_case_and_idn_insensitive(self):
        create_zone(self.d, "Brand.TEST", token=self.ta)
        self.assertError(self.create("WWW.bRaNd.test.", self.tb), 409, "conflict")
        create_zone(self.d, "b\u00fccher.test", token=self.ta)
        self.assertError(self.create("shop.B\u00dcCHER.test", self.tb), 409, "conflict")
        self.assertError(self.create("shop.xn--bcher-kva.test", self.tb), 409, "conflict")
        create_zone(self.d, "shop.xn--bcher-kva.test", token=self.ta)
        self.assertEqual(self.zones_of(self.tb), [])

    def test_admin_is_an_account_like_any_other(self):
        create_zone(self.d, "brand.test", token=self.ta)
        self.assertError(self.create("www.brand.test", self.d.admin_token), 409, "conflict")
        self.assertError(self.create("www.brand.test", self.d.admin_token, override=False),
                         409, "conflict")


class TestPublicSuffixes(Base):

    def test_public_suffixes_and_tlds_are_422(self):
        for name in ("com", "co.uk", "CO.UK.", "test", "localhost", "foo.ck",
                     "\u516c\u53f8.cn", "in-addr.arpa", "github.io", "arpa"):
            err = self.assertError(self.create(name, self.ta), 422, "invalid_field",
                                   field="name", msg=name)
            self.assertRegex(err["message"], "top-level domain|public suffix", name)
        for name in ("example.com", "example.co.uk", "www.ck", "shop.\u516c\u53f8.cn",
                     "2.0.192.in-addr.arpa", "me.github.io"):
            self.assertEqual(self.create(name, self.ta)[0], 201, name)
        self.assertEqual(len(self.zones_of(self.ta)), 6)
        err = self.assertError(self.create("co.uk", self.ta), 422, "invalid_field")
        self.assertIn("co.uk is a public suffix", err["message"])
        err = self.assertError(self.create("test", self.ta), 422, "invalid_field")
        self.assertIn("test is a top-level domain", err["message"])

    def test_admin_override_does_not_make_a_suffix_a_zone(self):
        self.assertError(self.create("com", self.d.admin_token, override=True), 422,
                         "invalid_field")


class TestPublicSuffixList(DaemonTestCase):

    def test_configured_list_is_the_one_used(self):
        d = self.start_daemon(start=False)
        path = os.path.join(d.workdir, "psl.dat")
        with open(path, "w") as f:
            f.write("// a list of our own\ntest\nshared.test\n*.wild.test\n!ok.wild.test\n")
        d.args += ["--public-suffix-list", path]
        d.start()
        self.assertError(d.post("/v1/zones", {"name": "shared.test"}), 422, "invalid_field")
        self.assertError(d.post("/v1/zones", {"name": "x.wild.test"}), 422, "invalid_field")
        self.assertEqual(d.post("/v1/zones", {"name": "ok.wild.test"})[0], 201)
        self.assertEqual(d.post("/v1/zones", {"name": "mine.shared.test"})[0], 201)
        # not in this list, so allowed here
        self.assertEqual(d.post("/v1/zones", {"name": "co.uk"})[0], 201)

    def test_missing_list_is_a_startup_error(self):
        d = self.start_daemon(start=False)
        missing = os.path.join(d.workdir, "nope", "psl.dat")
        r = run_binary(["--db", d.db_path, "--public-suffix-list", missing, "--check-config"],
                       cwd=d.workdir)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("public-suffix-list: cannot read %s" % missing, r.stderr)
        d.args += ["--public-suffix-list", missing]
        with self.assertRaises(DaemonExited) as cm:
            d.start()
        self.assertEqual(cm.exception.returncode, 2)
        self.assertIn("public-suffix-list: cannot read %s" % missing, d.log_text())
        self.assertFalse(os.path.exists(d.db_path), "the store was created anyway")

    def test_list_without_rules_is_a_startup_error(self):
        d = self.start_daemon(start=False)
        path = os.path.join(d.workdir, "empty.dat")
        with open(path, "w") as f:
            f.write("// nothing here\n")
        r = run_binary(["--public-suffix-list", path, "--check-config"], cwd=d.workdir)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("holds no public suffix rule", r.stderr)

    def test_check_config_reports_the_list(self):
        r = run_binary(["--check-config"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"public suffix list: \d{4,} rules from "
                                   r"/usr/share/publicsuffix/public_suffix_list.dat")


class TestAdminMove(Base):

    def squat(self):
        """bob squats brand.test (with his secondaries, key and a sub-zone)."""
        d, tb = self.d, self.tb
        create_zone(d, "brand.test", token=tb)
        add_record(d, "brand.test", "www", "A", "192.0.2.66", token=tb)
        create_zone(d, "shop.brand.test", token=tb)
        st, _, k = d.post("/v1/tsig_keys", {"name": "bob-key"}, token=tb)
        self.assertEqual(st, 201, k)
        self.bob_key = TsigKey(k["name"], "hmac-sha256", k["secret"])
        st, _, sd = d.request("PUT", "/v1/zones/brand.test/secondary_dns", token=tb, body={
            "provider": "custom", "name_servers": ["ns1.bob-secondary.test"],
            "allowed_ips": ["127.0.0.1"], "tsig_key": k["name"]})
        self.assertEqual(st, 201, sd)
        serial = sd["serial"]
        wait_serial(d.dns_port, "brand.test", serial)
        m = xfr(d.dns_port, "brand.test", key=self.bob_key)
        self.assertEqual(m.rcode, NOERROR, "bob's secondary transfers before the move")
        return serial

    def test_move_clears_the_old_owners_secondaries(self):
        d = self.d
        old_serial = self.squat()
        # alice, the real owner, is stuck
        self.assertError(self.create("www.brand.test", self.ta), 409, "conflict")
        st, _, r = d.post("/v1/zones/brand.test/move", {"account_id": self.a["id"]})
        self.assertEqual(st, 200, r)
        self.assertEqual(r["name"], "brand.test")
        self.assertEqual(r["account_id"], self.a["id"])
        moved = {m["name"]: m for m in r["moved_zones"]}
        self.assertEqual(set(moved), {"brand.test", "shop.brand.test"})
        self.assertEqual(moved["brand.test"], {"name": "brand.test",
                                               "from_account_id": self.b["id"],
                                               "secondary_dns_cleared": True})
        self.assertFalse(moved["shop.brand.test"]["secondary_dns_cleared"])
        self.assertIsNone(r["enclosing_zone"])
        self.assertEqual(self.zones_of(self.ta), ["brand.test", "shop.brand.test"])
        self.assertEqual(self.zones_of(self.tb), [])
        # the records came along; bob's secondary DNS did not
        self.assertIn(("www", "A", "192.0.2.66"),
                      [(x["name"], x["type"], x["content"])
                       for x in records(d, "brand.test", token=self.ta)])
        st, _, _ = d.get("/v1/zones/brand.test/secondary_dns", token=self.ta)
        self.assertEqual(st, 404)
        st, _, ev = d.get("/v1/zones/brand.test/secondary_dns/events", token=self.ta)
        self.assertEqual((st, ev["data"]), (200, []), "bob's configuration history is gone")
        ns = [x["content"] for x in records(d, "brand.test", token=self.ta, type="NS")]
        self.assertNotIn("ns1.bob-secondary.test.", ns)
        # the serial moved on, and the DNS side refuses bob's secondary
        st, _, z = d.get("/v1/zones/brand.test", token=self.ta)
        serial = z["serial"]
        self.assertNotEqual(serial, old_serial)
        wait_serial(d.dns_port, "brand.test", serial)
        self.assertEqual(xfr(d.dns_port, "brand.test", key=self.bob_key).rcode, REFUSED)
        self.assertEqual(xfr(d.dns_port, "brand.test").rcode, REFUSED)
        # bob's key is no longer in use, so bob may delete it
        st, _, _ = d.delete("/v1/tsig_keys/bob-key.", token=self.tb)
        self.assertEqual(st, 204)
        # alice can now delegate under her domain
        self.assertEqual(self.create("www.brand.test", self.ta)[0], 201)

    def test_move_is_recorded_as_an_event(self):
        d = self.d
        self.squat()
        st, _, r = d.post("/v1/zones/brand.test/move", {"account_id": self.a["id"]})
        self.assertEqual(st, 200, r)
        st, _, ev = d.get("/v1/zones/brand.test/events")
        self.assertEqual(st, 200, ev)
        self.assertEqual(len(ev["data"]), 1, ev)
        e = ev["data"][0]
        admin_id = [x for x in list_all(d, "/v1/accounts") if x["admin"]][0]["id"]
        self.assertEqual({k: e[k] for k in ("account_id", "action", "from_account_id",
                                            "to_account_id", "secondary_dns_cleared",
                                            "cause", "moved_zones", "enclosing_zone")},
                         {"account_id": admin_id, "action": "move",
                          "from_account_id": self.b["id"], "to_account_id": self.a["id"],
                          "secondary_dns_cleared": True, "cause": None,
                          "moved_zones": ["shop.brand.test"], "enclosing_zone": None})
        self.assertIsoTime(e["time"])
        st, _, ev = d.get("/v1/zones/shop.brand.test/events")
        self.assertEqual(ev["data"][0]["cause"], "brand.test")
        # the new owner sees its zone's history without the old owner's id
        st, _, ev = d.get("/v1/zones/brand.test/events", token=self.ta)
        self.assertEqual(st, 200, ev)
        self.assertEqual(ev["data"][0]["action"], "move")
        self.assertIsNone(ev["data"][0]["from_account_id"])
        self.assertEqual(ev["data"][0]["to_account_id"], self.a["id"])
        # the old owner has no zone to ask about
        st, _, _ = d.get("/v1/zones/brand.test/events", token=self.tb)
        self.assertEqual(st, 404)
        self.assertIn("moved from account %d to %d" % (self.b["id"], self.a["id"]),
                      d.log_text())

    def test_events_hide_who_else_held_the_zone(self):
        d = self.d
        # bob's brand.test, with shop.brand.test, goes to alice and back to bob
        self.squat()
        st, _, r = d.post("/v1/zones/brand.test/move", {"account_id": self.a["id"]})
        self.assertEqual(st, 200, r)
        st, _, r = d.post("/v1/zones/brand.test/move", {"account_id": self.b["id"]})
        self.assertEqual(st, 200, r)
        st, _, ev = d.get("/v1/zones/brand.test/events")
        self.assertEqual([(e["from_account_id"], e["to_account_id"])
                          for e in sorted(ev["data"], key=lambda e: e["id"])],
                         [(self.b["id"], self.a["id"]), (self.a["id"], self.b["id"])])
        # bob reads his zone's history: alice's id is nowhere in it, nor
        # which zones went to her along with it
        st, _, ev = d.get("/v1/zones/brand.test/events", token=self.tb)
        self.assertEqual(st, 200, ev)
        by_id = sorted(ev["data"], key=lambda e: e["id"])
        self.assertEqual([(e["from_account_id"], e["to_account_id"]) for e in by_id],
                         [(self.b["id"], None), (None, self.b["id"])])
        self.assertEqual(by_id[0]["moved_zones"], [])
        self.assertEqual(by_id[1]["moved_zones"], ["shop.brand.test"])
        st, _, ev = d.get("/v1/zones/shop.brand.test/events", token=self.tb)
        by_id = sorted(ev["data"], key=lambda e: e["id"])
        self.assertEqual([(e["to_account_id"], e["cause"]) for e in by_id],
                         [(None, None), (self.b["id"], "brand.test")])

    def test_move_errors_change_nothing(self):
        d = self.d
        create_zone(d, "brand.test", token=self.tb)
        # not the admin
        self.assertError(d.post("/v1/zones/brand.test/move", {"account_id": self.a["id"]},
                                token=self.tb), 403, "forbidden")
        self.assertError(d.post("/v1/zones/brand.test/move", {"account_id": self.a["id"]},
                                token=self.ta), 403, "forbidden")
        self.assertError(d.post("/v1/zones/none.test/move", {"account_id": self.a["id"]}),
                         404, "not_found")
        self.assertError(d.post("/v1/zones/brand.test/move", {"account_id": 999999}),
                         422, "invalid_field", field="account_id")
        for bad in ({}, {"account_id": "2"}, {"account_id": 0}, {"account_id": -3}):
            self.assertError(d.post("/v1/zones/brand.test/move", bad), 422,
                             "invalid_field", field="account_id", msg=repr(bad))
        self.assertEqual(self.zones_of(self.tb), ["brand.test"])
        st, _, ev = d.get("/v1/zones/brand.test/events")
        self.assertEqual(ev["data"], [])
        # to its owner: nothing to do
        st, _, r = d.post("/v1/zones/brand.test/move", {"account_id": self.b["id"]})
        self.assertEqual(st, 200, r)
        self.assertEqual(r["moved_zones"], [])
        st, _, ev = d.get("/v1/zones/brand.test/events")
        self.assertEqual(ev["data"], [])


class TestAdminOverride(Base):

    def test_override_moves_the_squatters_zones_inside(self):
        d, tb = self.d, self.tb
        create_zone(d, "www.brand.test", token=tb)
        create_zone(d, "api.www.brand.test", token=tb)
        st, _, sd = d.request("PUT", "/v1/zones/www.brand.test/secondary_dns", token=tb,
                              body={"provider": "custom", "allowed_ips": ["127.0.0.1"],
                                    "name_servers": ["ns1.bob-secondary.test"]})
        self.assertEqual(st, 201, sd)
        self.assertError(self.create("brand.test", self.ta), 409, "conflict")
        st, _, r = d.post("/v1/zones", {"name": "brand.test", "override": True,
                                        "account_id": self.a["id"]})
        self.assertEqual(st, 201, r)
        self.assertEqual(r["account_id"], self.a["id"])
        self.assertEqual(sorted((m["name"], m["from_account_id"], m["secondary_dns_cleared"])
                                for m in r["moved_zones"]),
                         [("api.www.brand.test", self.b["id"], False),
                          ("www.brand.test", self.b["id"], True)])
        self.assertIsNone(r["enclosing_zone"])
        self.assertEqual(self.zones_of(self.ta), ["api.www.brand.test", "brand.test",
                                                  "www.brand.test"])
        self.assertEqual(self.zones_of(tb), [])
        st, _, _ = d.get("/v1/zones/www.brand.test/secondary_dns", token=self.ta)
        self.assertEqual(st, 404)
        st, _, z = d.get("/v1/zones/www.brand.test", token=self.ta)
        wait_serial(d.dns_port, "www.brand.test", z["serial"])
        self.assertEqual(xfr(d.dns_port, "www.brand.test").rcode, REFUSED)
        # events: the create over the others, and each move
        st, _, ev = d.get("/v1/zones/brand.test/events")
        self.assertEqual(len(ev["data"]), 1, ev)
        e = ev["data"][0]
        self.assertEqual(e["action"], "override_create")
        self.assertEqual(sorted(e["moved_zones"]), ["api.www.brand.test", "www.brand.test"])
        self.assertEqual(e["to_account_id"], self.a["id"])
        st, _, ev = d.get("/v1/zones/www.brand.test/events")
        e = ev["data"][0]
        self.assertEqual((e["action"], e["cause"], e["from_account_id"], e["to_account_id"],
                          e["secondary_dns_cleared"]),
                         ("move", "brand.test", self.b["id"], self.a["id"], True))

    def test_override_inside_another_zone_keeps_the_parent(self):
        d = self.d
        create_zone(d, "uni.test", token=self.tb)
        self.assertError(self.create("cs.uni.test", self.ta), 409, "conflict")
        st, _, r = d.post("/v1/zones", {"name": "cs.uni.test", "override": True,
                                        "account_id": self.a["id"]})
        self.assertEqual(st, 201, r)
        self.assertEqual(r["moved_zones"], [])
        self.assertEqual(r["enclosing_zone"], {"name": "uni.test", "account_id": self.b["id"]})
        self.assertEqual(self.zones_of(self.tb), ["uni.test"])
        self.assertEqual(self.zones_of(self.ta), ["cs.uni.test"])
        # alice delegates further under what she was given
        self.assertEqual(self.create("lab.cs.uni.test", self.ta)[0], 201)
        # the admin sees the parent in the event, alice does not
        st, _, ev = d.get("/v1/zones/cs.uni.test/events")
        self.assertEqual(ev["data"][0]["enclosing_zone"],
                         {"name": "uni.test", "account_id": self.b["id"]})
        st, _, ev = d.get("/v1/zones/cs.uni.test/events", token=self.ta)
        self.assertIsNone(ev["data"][0]["enclosing_zone"])

    def test_override_without_overlap_is_a_plain_create(self):
        st, _, r = self.d.post("/v1/zones", {"name": "free.test", "override": True})
        self.assertEqual(st, 201, r)
        self.assertEqual(r["moved_zones"], [])
        st, _, ev = self.d.get("/v1/zones/free.test/events")
        self.assertEqual(ev["data"], [])

    def test_override_by_a_tenant_is_403(self):
        d = self.d
        create_zone(d, "www.brand.test", token=self.tb)
        err = self.assertError(self.create("brand.test", self.ta, override=True), 403,
                               "forbidden", field="override")
        self.assertIn("only the operator", err["message"])
        self.assertError(self.create("other.test", self.ta, account_id=self.b["id"]), 403,
                         "forbidden", field="account_id")
        # its own id is no privilege
        self.assertEqual(self.create("mine.test", self.ta, account_id=self.a["id"])[0], 201)
        self.assertEqual(self.zones_of(self.ta), ["mine.test"])
        self.assertEqual(self.zones_of(self.tb), ["www.brand.test"])
        self.assertError(self.create("x.test", self.d.admin_token, override="yes"), 422,
                         "invalid_field", field="override")
        self.assertError(self.create("x.test", self.d.admin_token, account_id=999999), 422,
                         "invalid_field", field="account_id")


class TestRace(Base):

    ROUNDS = 40

    def test_concurrent_creates_never_both_win(self):
        d = self.d
        wins = {"parent": 0, "child": 0}
        for i in range(self.ROUNDS):
            parent, child = "brand%d.test" % i, "www.brand%d.test" % i
            barrier = threading.Barrier(2)
            out = {}

            def go(key, name, token):
                barrier.wait()
                out[key] = d.post("/v1/zones", {"name": name}, token=token)

            # alternate which account asks for which name
            ta, tb = (self.ta, self.tb) if i % 2 == 0 else (self.tb, self.ta)
            threads = [threading.Thread(target=go, args=("parent", parent, ta)),
                       threading.Thread(target=go, args=("child", child, tb))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            statuses = sorted((out["parent"][0], out["child"][0]))
            self.assertEqual(statuses, [201, 409], "round %d: %r" % (i, out))
            winner = "parent" if out["parent"][0] == 201 else "child"
            wins[winner] += 1
            loser = "child" if winner == "parent" else "parent"
            self.assertEqual(out[loser][2]["error"]["code"], "conflict")
        # the store agrees: one zone per round
        names = self.zones_of(self.ta) + self.zones_of(self.tb)
        self.assertEqual(len(names), self.ROUNDS, names)
        for i in range(self.ROUNDS):
            self.assertEqual(len([n for n in names if n.endswith("brand%d.test" % i)
                                  and n.split(".")[-2] == "brand%d" % i]), 1, names)


if __name__ == "__main__":
    unittest.main()
