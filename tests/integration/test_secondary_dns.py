"""Secondary DNS configurations through the REST API: provider presets, name
server sets (the account's and the read-only system set), enabling from a
preset, a set or custom values, replacing, editing and deleting, the NS
records and transfer ACL that follow, one serial bump per change, the
DNSSEC rule, the event history, and every rejected input leaving the store
as it was."""

import sqlite3
import unittest

from harness import (DaemonTestCase, add_record, create_account, create_zone, get_zone,
                     list_all, q, records, snapshot)

ZONE = "example.com"
SD = "/v1/zones/%s/secondary_dns" % ZONE
USER_NS = {"ns1.example.net.", "ns2.example.net."}
DYN_NS = ["ns2.mydyndns.org.", "ns3.mydyndns.org.", "ns4.mydyndns.org.", "ns5.mydyndns.org."]
DYN_IPS = ["204.13.249.76", "208.78.69.76", "91.198.22.76", "203.62.195.76"]
EASY_NS = ["dns1.easydns.com.", "dns2.easydns.net.", "dns3.easydns.org.", "dns4.easydns.info."]
DME_NS = ["ns5.dnsmadeeasy.com.", "ns6.dnsmadeeasy.com.", "ns7.dnsmadeeasy.com."]


def apex_ns(d, zone=ZONE, token=None):
    kw = {} if token is None else {"token": token}
    return {r["content"] for r in records(d, zone, name="", type="NS", **kw)}


class SecondaryCase(DaemonTestCase):
    """A daemon with account alice (token self.t) owning ZONE (increment
    policy, so every bump is +1) and account bob (self.bob)."""

    daemon_args = ()

    def setUp(self):
        self.d = self.start_daemon(args=list(self.daemon_args))
        self.alice, self.t = create_account(self.d, "alice")
        self.bob_acct, self.bob = create_account(self.d, "bob")
        create_zone(self.d, ZONE, token=self.t, serial_policy="increment")

    # -- helpers --------------------------------------------------------

    def put(self, body, token=None, path=SD):
        return self.d.request("PUT", path, body=body, token=token or self.t)

    def patch(self, body, token=None, path=SD):
        return self.d.patch(path, body, token=token or self.t)

    def get(self, path=SD, token=None):
        return self.d.get(path, token=token or self.t)

    def serial(self, zone=ZONE):
        return get_zone(self.d, zone, token=self.t)["serial"]

    def events(self, zone=ZONE):
        return list_all(self.d, "/v1/zones/%s/secondary_dns/events" % q(zone), token=self.t)

    def journal_count(self):
        with self.d.db_ro() as c:
            return c.execute("SELECT count(*) FROM journal_changes j JOIN zones z ON "
                             "z.id = j.zone_id WHERE z.name = ?", (ZONE,)).fetchone()[0]

    def stored_acl(self):
        """allowed_ips and key of the stored configuration, or None."""
        with self.d.db_ro() as c:
            row = c.execute("SELECT s.allowed_ips, k.name FROM secondary_dns s JOIN zones z "
                            "ON z.id = s.zone_id LEFT JOIN tsig_keys k ON "
                            "k.id = s.tsig_key_id WHERE z.name = ?", (ZONE,)).fetchone()
        return None if row is None else (row[0].split(), row[1])

    def state(self):
        """Everything a rejected request must leave alone."""
        st, _, cfg = self.get()
        return (snapshot(self.d, token=self.t), st, cfg, len(self.events()),
                self.journal_count())

    def rejected(self, resp, status, code, field=None, msg=None, before=None):
        kw = {} if field is None else {"field": field}
        err = self.assertError(resp, status, code, msg=msg, **kw)
        if before is not None:
            self.assertEqual(self.state(), before, "a rejected request changed the store (%s)"
                             % (msg or err))
        return err

    def enable_dyn(self):
        return self.assertStatus(self.put({"provider": "dyn"}), 201)


class TestProviders(SecondaryCase):

    def test_list(self):
        data = self.assertStatus(self.d.get("/v1/providers", token=self.t), 200)
        self.assertEqual(data["pagination"]["total_entries"], 4)
        by_id = {p["id"]: p for p in data["data"]}
        self.assertEqual([p["id"] for p in data["data"]],
                         ["dyn", "easydns", "dnsmadeeasy", "custom"])
        dyn = by_id["dyn"]
        self.assertEqual(dyn["name_servers"], DYN_NS)
        self.assertEqual(dyn["transfer_addresses"], DYN_IPS)
        self.assertIs(dyn["requires_allowed_ips"], False)
        self.assertEqual(dyn["version"], 1)
        easy = by_id["easydns"]
        self.assertEqual(easy["name_servers"], EASY_NS)
        self.assertEqual(easy["transfer_addresses"], ["64.68.200.91"])
        self.assertEqual(easy["transfer_hosts"], ["xfr0.easydns.com."])
        dme = by_id["dnsmadeeasy"]
        self.assertEqual(dme["name_servers"], DME_NS)
        self.assertEqual(dme["transfer_addresses"], [])
        self.assertIs(dme["requires_allowed_ips"], True)
        custom = by_id["custom"]
        self.assertEqual((custom["name_servers"], custom["transfer_addresses"]), ([], []))
        self.assertIs(custom["requires_name_servers"], True)
        page = self.assertStatus(self.d.get("/v1/providers?page=2&per_page=3", token=self.t), 200)
        self.assertEqual([p["id"] for p in page["data"]], ["custom"])

    def test_needs_a_token(self):
        self.assertError(self.d.get("/v1/providers", token=None), 401, "unauthorized")


class TestEnable(SecondaryCase):

    def test_enable_from_dyn(self):
        d = self.d
        s0, j0 = self.serial(), self.journal_count()
        cfg = self.enable_dyn()
        self.assertEqual(cfg["source"], {"type": "provider", "id": "dyn", "name": "Dyn",
                                         "version": 1, "current_version": 1})
        self.assertEqual(cfg["provider"], "dyn")
        self.assertIsNone(cfg["name_server_set_id"])
        self.assertEqual(cfg["name_servers"], DYN_NS)
        self.assertEqual(cfg["allowed_ips"], DYN_IPS)
        self.assertEqual(cfg["notify_targets"], [ip + ":53" for ip in DYN_IPS])
        self.assertIs(cfg["notify_targets_default"], True)
        self.assertIsNone(cfg["tsig_key"])
        self.assertIs(cfg["preset_outdated"], False)
        self.assertEqual(cfg["zone"], ZONE)
        self.assertIsoTime(cfg["created_at"])
        # NS records at the apex, next to the provider's own; one serial bump
        self.assertEqual(apex_ns(d, token=self.t), USER_NS | set(DYN_NS))
        self.assertEqual({r["content"] for r in cfg["ns_records"]}, set(DYN_NS))
        self.assertTrue(all(r["ttl"] == 3600 and r["name"] == "" for r in cfg["ns_records"]))
        self.assertEqual(cfg["serial"], s0 + 1)
        self.assertEqual(self.serial(), s0 + 1)
        self.assertEqual(self.journal_count(), j0 + 1)
        # the transfer ACL is exactly the preset's addresses
        self.assertEqual(self.stored_acl(), (DYN_IPS, None))
        self.assertEqual(self.assertStatus(self.get(), 200), cfg)
        ev = self.events()
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["action"], "create")
        self.assertEqual(ev[0]["account_id"], self.alice["id"])
        self.assertIsNone(ev[0]["before"])
        self.assertEqual(ev[0]["after"]["name_servers"], DYN_NS)
        self.assertIsoTime(ev[0]["time"])

    def test_enable_from_easydns_with_extra_ips(self):
        cfg = self.assertStatus(self.put({"provider": "EasyDNS",
                                          "allowed_ips": ["2001:db8::/48", "64.68.200.91"]}), 201)
        self.assertEqual(cfg["source"]["id"], "easydns")
        self.assertEqual(cfg["allowed_ips"], ["64.68.200.91", "2001:db8::/48"])
        # a prefix names no host to notify
        self.assertEqual(cfg["notify_targets"], ["64.68.200.91:53"])
        self.assertEqual(apex_ns(self.d, token=self.t), USER_NS | set(EASY_NS))

    def test_dnsmadeeasy_requires_allowed_ips(self):
        before = self.state()
        err = self.rejected(self.put({"provider": "dnsmadeeasy"}), 422, "invalid_field",
                            "allowed_ips", before=before)
        self.assertIn("DNS Made Easy", err["message"])
        cfg = self.assertStatus(self.put({"provider": "dnsmadeeasy",
                                          "allowed_ips": ["198.51.100.7"]}), 201)
        self.assertEqual(cfg["allowed_ips"], ["198.51.100.7"])
        self.assertEqual(cfg["name_servers"], DME_NS)

    def test_custom(self):
        body = {"name_servers": ["NS1.Secondary.Example", "ns2.secondary.example."],
                "allowed_ips": ["192.0.2.1", "2001:db8::53"], "provider": "custom"}
        cfg = self.assertStatus(self.put(body), 201)
        self.assertEqual(cfg["source"], {"type": "custom"})
        self.assertEqual(cfg["provider"], "custom")
        self.assertEqual(cfg["name_servers"], ["ns1.secondary.example.", "ns2.secondary.example."])
        self.assertEqual(cfg["notify_targets"], ["192.0.2.1:53", "[2001:db8::53]:53"])
        # no source at all is custom too (here it replaces the same values)
        del body["provider"]
        st, _, again = self.put(body)
        self.assertEqual(st, 200, again)
        self.assertEqual(again["source"], {"type": "custom"})
        self.assertEqual(len(self.events()), 1, "an identical PUT records no event")

    def test_custom_needs_both_lists(self):
        before = self.state()
        self.rejected(self.put({"provider": "custom", "allowed_ips": ["192.0.2.1"]}), 422,
                      "invalid_field", "name_servers", before=before)
        self.rejected(self.put({"name_servers": ["ns.x.example"]}), 422, "invalid_field",
                      "allowed_ips", before=before)
        self.rejected(self.put({}), 422, "invalid_field", "name_servers", before=before)

    def test_replace_removes_old_ns_and_keeps_users(self):
        d = self.d
        self.enable_dyn()
        s1 = self.serial()
        cfg = self.assertStatus(self.put({"provider": "easydns"}), 200)
        self.assertEqual(apex_ns(d, token=self.t), USER_NS | set(EASY_NS))
        self.assertEqual(cfg["serial"], s1 + 1)
        self.assertEqual(self.stored_acl(), (["64.68.200.91"], None))
        ev = self.events()
        self.assertEqual([e["action"] for e in ev], ["update", "create"])
        self.assertEqual(ev[0]["before"]["provider"], "dyn")
        self.assertEqual(ev[0]["after"]["provider"], "easydns")

    def test_existing_identical_user_ns_is_left_alone(self):
        d = self.d
        mine = add_record(d, ZONE, "", "NS", "NS2.MyDynDNS.org.", token=self.t)
        cfg = self.enable_dyn()
        self.assertNotIn(mine["id"], [r["id"] for r in cfg["ns_records"]])
        self.assertEqual(len(cfg["ns_records"]), 3)
        ns = records(d, ZONE, token=self.t, name="", type="NS")
        self.assertEqual(len(ns), 6, "no duplicate NS record")
        self.assertEqual(self.assertStatus(self.d.delete(SD, token=self.t), 204), "")
        left = {r["id"]: r["content"] for r in records(d, ZONE, token=self.t, type="NS")}
        self.assertEqual(left.get(mine["id"]), "NS2.MyDynDNS.org.", "the user's NS was removed")
        self.assertEqual(set(left.values()), USER_NS | {"NS2.MyDynDNS.org."})

    def test_ns_ttl_follows_the_apex_rrset(self):
        d = self.d
        create_zone(d, "ttl.test", token=self.t, ttl=86400)
        st, _, cfg = self.put({"provider": "dyn"}, path="/v1/zones/ttl.test/secondary_dns")
        self.assertEqual(st, 201, cfg)
        self.assertEqual({r["ttl"] for r in records(d, "ttl.test", token=self.t, type="NS")},
                         {86400})

    def test_preset_outdated(self):
        self.enable_dyn()
        with sqlite3.connect(self.d.db_path, timeout=10) as c:
            c.execute("UPDATE secondary_presets SET version = 2 WHERE id = 'dyn'")
        c.close()
        cfg = self.assertStatus(self.get(), 200)
        self.assertIs(cfg["preset_outdated"], True)
        self.assertEqual(cfg["source"]["version"], 1)
        self.assertEqual(cfg["source"]["current_version"], 2)
        cfg = self.assertStatus(self.put({"provider": "dyn"}), 200)
        self.assertIs(cfg["preset_outdated"], False)
        self.assertEqual(cfg["source"]["version"], 2)


class TestNameServerSetSource(SecondaryCase):

    def test_from_set_copies_values(self):
        d = self.d
        body = {"name": "my secondaries", "name_servers": ["a.sec.example", "b.sec.example"],
                "addresses": ["192.0.2.10"]}
        s = self.assertStatus(d.post("/v1/name_server_sets", body, token=self.t), 201)
        cfg = self.assertStatus(self.put({"name_server_set_id": s["id"]}), 201)
        self.assertEqual(cfg["source"], {"type": "name_server_set", "id": s["id"],
                                         "name": "my secondaries"})
        self.assertEqual(cfg["name_server_set_id"], s["id"])
        self.assertIsNone(cfg["provider"])
        self.assertEqual(cfg["name_servers"], ["a.sec.example.", "b.sec.example."])
        self.assertEqual(cfg["allowed_ips"], ["192.0.2.10"])
        self.assertEqual(apex_ns(d, token=self.t), USER_NS | {"a.sec.example.", "b.sec.example."})
        # later edits of the set do not change the configuration
        self.assertStatus(d.patch("/v1/name_server_sets/%d" % s["id"],
                                  {"name_servers": ["c.sec.example"]}, token=self.t), 200)
        self.assertStatus(d.delete("/v1/name_server_sets/%d" % s["id"], token=self.t), 204)
        again = self.assertStatus(self.get(), 200)
        self.assertEqual(again["name_servers"], cfg["name_servers"])
        self.assertEqual(again["source"], cfg["source"])

    def test_set_without_addresses_needs_allowed_ips(self):
        s = self.assertStatus(self.d.post("/v1/name_server_sets",
                                          {"name": "bare", "name_servers": ["a.sec.example"]},
                                          token=self.t), 201)
        before = self.state()
        self.rejected(self.put({"name_server_set_id": s["id"]}), 422, "invalid_field",
                      "allowed_ips", before=before)
        cfg = self.assertStatus(self.put({"name_server_set_id": s["id"],
                                          "allowed_ips": ["192.0.2.0/28"]}), 201)
        self.assertEqual(cfg["allowed_ips"], ["192.0.2.0/28"])
        self.assertEqual(cfg["notify_targets"], [])


class TestPatchDelete(SecondaryCase):

    def test_patch_and_delete_need_a_configuration(self):
        before = self.state()
        self.rejected(self.patch({"allowed_ips": ["192.0.2.1"]}), 404, "not_found",
                      before=before)
        self.rejected(self.d.delete(SD, token=self.t), 404, "not_found", before=before)
        self.rejected(self.get(), 404, "not_found", before=before)

    def test_patch_allowed_ips_only(self):
        d = self.d
        self.enable_dyn()
        s1, ns1 = self.serial(), apex_ns(d, token=self.t)
        cfg = self.assertStatus(self.patch({"allowed_ips": ["127.0.0.1", "::1"]}), 200)
        self.assertEqual(cfg["allowed_ips"], ["127.0.0.1", "::1"])
        self.assertEqual(cfg["notify_targets"], ["127.0.0.1:53", "[::1]:53"])
        self.assertEqual(cfg["name_servers"], DYN_NS)
        self.assertEqual(cfg["source"]["id"], "dyn", "the source is kept")
        # only the ACL changed: the serial is still bumped once
        self.assertEqual(self.serial(), s1 + 1)
        self.assertEqual(apex_ns(d, token=self.t), ns1)
        self.assertEqual(self.stored_acl(), (["127.0.0.1", "::1"], None))
        ev = self.events()[0]
        self.assertEqual(ev["action"], "update")
        self.assertEqual(ev["before"]["allowed_ips"], DYN_IPS)
        self.assertEqual(ev["after"]["allowed_ips"], ["127.0.0.1", "::1"])

    def test_patch_name_servers(self):
        d = self.d
        self.enable_dyn()
        cfg = self.assertStatus(self.patch({"name_servers": ["ns2.mydyndns.org", "x.sec.example"]}),
                                200)
        self.assertEqual(cfg["name_servers"], ["ns2.mydyndns.org.", "x.sec.example."])
        self.assertEqual(apex_ns(d, token=self.t),
                         USER_NS | {"ns2.mydyndns.org.", "x.sec.example."})

    def test_patch_notify_targets(self):
        self.enable_dyn()
        # Loopback targets: the tests' outbound policy allows nothing else
        # (a documentation address as an explicit target is a 422 now).
        self.rejected(self.patch({"notify_targets": ["192.0.2.1"]}), 422, "invalid_field",
                      field="notify_targets[0]")
        cfg = self.assertStatus(self.patch({"notify_targets": [
            "127.0.0.1", "127.0.0.2:5300", "[::1]:5301", "::1"]}), 200)
        self.assertEqual(cfg["notify_targets"], ["127.0.0.1:53", "127.0.0.2:5300",
                                                 "[::1]:5301", "[::1]:53"])
        self.assertIs(cfg["notify_targets_default"], False)
        # explicit targets do not follow allowed_ips
        cfg = self.assertStatus(self.patch({"allowed_ips": ["198.51.100.1"]}), 200)
        self.assertEqual(len(cfg["notify_targets"]), 4)
        # null: back to the default
        cfg = self.assertStatus(self.patch({"notify_targets": None}), 200)
        self.assertEqual(cfg["notify_targets"], ["198.51.100.1:53"])
        self.assertIs(cfg["notify_targets_default"], True)

    def test_patch_that_changes_nothing(self):
        cfg = self.enable_dyn()
        s1, j1 = self.serial(), self.journal_count()
        again = self.assertStatus(self.patch({"allowed_ips": DYN_IPS, "provider": "dyn"}), 200)
        self.assertEqual(again, cfg)
        self.assertEqual((self.serial(), self.journal_count(), len(self.events())), (s1, j1, 1))

    def test_patch_cannot_change_the_source(self):
        self.enable_dyn()
        before = self.state()
        self.rejected(self.patch({"provider": "easydns"}), 422, "invalid_field", "provider",
                      before=before)
        self.rejected(self.patch({"name_server_set_id": 1}), 422, "invalid_field",
                      "name_server_set_id", before=before)
        self.rejected(self.patch({"name_servers": []}), 422, "invalid_field", "name_servers",
                      before=before)
        self.rejected(self.patch({"allowed_ips": None}), 422, "invalid_field", "allowed_ips",
                      before=before)

    def test_delete(self):
        d = self.d
        self.enable_dyn()
        s1 = self.serial()
        self.assertStatus(d.delete(SD, token=self.t), 204)
        self.assertEqual(apex_ns(d, token=self.t), USER_NS)
        self.assertEqual(self.serial(), s1 + 1)
        self.assertIsNone(self.stored_acl())
        self.assertError(self.get(), 404, "not_found")
        ev = self.events()
        self.assertEqual([e["action"] for e in ev], ["delete", "create"])
        self.assertEqual(ev[0]["before"]["provider"], "dyn")
        self.assertIsNone(ev[0]["after"])
        # enabled again after a delete: a create
        self.enable_dyn()
        self.assertEqual(self.events()[0]["action"], "create")

    def test_events_paginated_newest_first(self):
        self.enable_dyn()
        for i in range(4):
            self.assertStatus(self.patch({"allowed_ips": ["192.0.2.%d" % (i + 1)]}), 200)
        path = "/v1/zones/%s/secondary_dns/events?per_page=2" % ZONE
        page1 = self.assertStatus(self.d.get(path, token=self.t), 200)
        self.assertEqual(page1["pagination"]["total_entries"], 5)
        self.assertEqual(page1["pagination"]["total_pages"], 3)
        self.assertEqual(page1["data"][0]["after"]["allowed_ips"], ["192.0.2.4"])
        self.assertEqual(page1["data"][1]["after"]["allowed_ips"], ["192.0.2.3"])
        page3 = self.assertStatus(self.d.get(path + "&page=3", token=self.t), 200)
        self.assertEqual([e["action"] for e in page3["data"]], ["create"])
        ids = [e["id"] for e in self.events()]
        self.assertEqual(ids, sorted(ids, reverse=True))


class TestManagedRecords(SecondaryCase):

    def test_records_api_cannot_touch_managed_ns(self):
        d = self.d
        cfg = self.enable_dyn()
        rid = cfg["ns_records"][0]["id"]
        base = "/v1/zones/%s/records" % ZONE
        before = self.state()
        err = self.rejected(d.delete("%s/%d" % (base, rid), token=self.t), 409, "conflict",
                            before=before)
        self.assertIn("secondary_dns", err["message"])
        self.rejected(d.patch("%s/%d" % (base, rid), {"ttl": 60}, token=self.t), 409,
                      "conflict", before=before)
        self.rejected(d.post(base + "/batch", {"delete": [rid], "add": []}, token=self.t),
                      409, "conflict", before=before)
        # the user's own NS records stay editable
        mine = [r for r in records(d, ZONE, token=self.t, type="NS")
                if r["content"] == "ns1.example.net."][0]
        self.assertStatus(d.delete("%s/%d" % (base, mine["id"]), token=self.t), 204)

    def test_import_replace_keeps_managed_ns(self):
        d = self.d
        self.enable_dyn()
        text = "$ORIGIN example.com.\n@ 3600 IN NS ns1.example.net.\nwww 300 IN A 192.0.2.1\n"
        st, _, res = d.request("POST", "/v1/zones/%s/import?replace=true" % ZONE, raw=text,
                               content_type="text/dns", token=self.t)
        self.assertEqual(st, 200, res)
        self.assertEqual(apex_ns(d, token=self.t), {"ns1.example.net."} | set(DYN_NS))


class TestDnssec(SecondaryCase):

    def test_dnssec_zone_cannot_enable(self):
        d = self.d
        z = self.assertStatus(d.patch("/v1/zones/" + ZONE, {"dnssec": True}, token=self.t), 200)
        self.assertIs(z["dnssec"], True)
        before = self.state()
        err = self.rejected(self.put({"provider": "dyn"}), 409, "conflict", before=before)
        self.assertIn("DNSSEC", err["message"])
        self.assertIn("signatures", err["message"])
        z = self.assertStatus(d.patch("/v1/zones/" + ZONE, {"dnssec": False}, token=self.t), 200)
        self.assertIs(z["dnssec"], False)
        self.enable_dyn()

    def test_dnssec_cannot_be_enabled_while_secondary(self):
        d = self.d
        self.enable_dyn()
        before = self.state()
        err = self.rejected(d.patch("/v1/zones/" + ZONE, {"dnssec": True}, token=self.t),
                            409, "conflict", "dnssec", before=before)
        self.assertIn("secondary DNS", err["message"])
        self.assertIs(get_zone(d, ZONE, token=self.t)["dnssec"], False)
        self.assertStatus(d.delete(SD, token=self.t), 204)
        z = self.assertStatus(d.patch("/v1/zones/" + ZONE, {"dnssec": True}, token=self.t), 200)
        self.assertIs(z["dnssec"], True)

    def test_dnssec_flag_alone_does_not_bump(self):
        s0 = self.serial()
        self.assertStatus(self.d.patch("/v1/zones/" + ZONE, {"dnssec": True}, token=self.t), 200)
        self.assertEqual(self.serial(), s0)
        before = self.state()
        self.rejected(self.d.patch("/v1/zones/" + ZONE, {"dnssec": "yes"}, token=self.t), 422,
                      "invalid_field", "dnssec", before=before)


class TestRejected(SecondaryCase):
    """Every bad input is a 422 (or 400/404/409) naming the field, and
    changes nothing, with and without a configuration in place."""

    def bad_bodies(self, other_set, system_key_owner):
        long_list = ["192.0.2.%d" % i for i in range(1, 66)]
        return [
            ({"provider": "nope"}, "provider"),
            ({"provider": ""}, "provider"),
            ({"provider": 5}, "provider"),
            ({"provider": "dyn", "name_server_set_id": 1}, "name_server_set_id"),
            ({"name_server_set_id": 999999}, "name_server_set_id"),
            ({"name_server_set_id": other_set}, "name_server_set_id"),
            ({"name_server_set_id": "system"}, "name_server_set_id"),
            ({"name_server_set_id": "7"}, "name_server_set_id"),
            ({"name_server_set_id": 0}, "name_server_set_id"),
            ({"provider": "dyn", "name_servers": ["ok.example", "bad name!"]}, "name_servers[1]"),
            ({"provider": "dyn", "name_servers": [""]}, "name_servers[0]"),
            ({"provider": "dyn", "name_servers": "ns.example"}, "name_servers"),
            ({"provider": "dyn", "name_servers": [5]}, "name_servers[0]"),
            ({"provider": "dyn", "allowed_ips": ["192.0.2.1", "192.0.2.300"]}, "allowed_ips[1]"),
            ({"provider": "dyn", "allowed_ips": ["192.0.2.1/24"]}, "allowed_ips[0]"),
            ({"provider": "dyn", "allowed_ips": ["192.0.2.0/33"]}, "allowed_ips[0]"),
            ({"provider": "dyn", "allowed_ips": ["2001:db8::/129"]}, "allowed_ips[0]"),
            ({"provider": "dyn", "allowed_ips": ["host.example"]}, "allowed_ips[0]"),
            ({"provider": "dyn", "allowed_ips": long_list}, "allowed_ips"),
            ({"provider": "dyn", "notify_targets": ["192.0.2.1:0"]}, "notify_targets[0]"),
            ({"provider": "dyn", "notify_targets": ["192.0.2.1:65536"]}, "notify_targets[0]"),
            ({"provider": "dyn", "notify_targets": ["2001:db8::1:53:x"]}, "notify_targets[0]"),
            ({"provider": "dyn", "notify_targets": ["ns.example:53"]}, "notify_targets[0]"),
            ({"provider": "dyn", "tsig_key": "no-such-key."}, "tsig_key"),
            ({"provider": "dyn", "tsig_key": system_key_owner}, "tsig_key"),
            ({"provider": "dyn", "tsig_key": 5}, "tsig_key"),
            ({"provider": "custom", "name_servers": ["a.example"], "allowed_ips": []},
             "allowed_ips"),
        ]

    def check_all(self):
        d = self.d
        other_set = self.assertStatus(d.post("/v1/name_server_sets", {
            "name": "bob's", "name_servers": ["b.example"], "addresses": ["192.0.2.9"]},
            token=self.bob), 201)["id"]
        self.assertStatus(d.post("/v1/tsig_keys", {"name": "bobs-key"}, token=self.bob), 201)
        before = self.state()
        for body, field in self.bad_bodies(other_set, "bobs-key."):
            self.rejected(self.put(body), 422, "invalid_field", field, msg=repr(body),
                          before=before)
        for raw in (b"{", b"[]", b"null"):
            self.rejected(d.request("PUT", SD, raw=raw, content_type="application/json",
                                    token=self.t), 400, "invalid_json", before=before)
        self.rejected(d.request("PUT", SD, raw=b"{}", content_type="text/plain", token=self.t),
                      415, "unsupported_media_type", before=before)
        # another account's zone, an unknown zone
        self.rejected(self.put({"provider": "dyn"}, token=self.bob), 404, "not_found",
                      before=before)
        self.rejected(self.put({"provider": "dyn"}, path="/v1/zones/nope.test/secondary_dns"),
                      404, "not_found", before=before)
        self.rejected(self.get(token=self.bob), 404, "not_found", before=before)
        self.rejected(self.d.get(SD + "/events", token=self.bob), 404, "not_found",
                      before=before)
        self.rejected(self.d.delete(SD, token=self.bob), 404, "not_found", before=before)

    def test_without_configuration(self):
        self.check_all()

    def test_with_configuration(self):
        d = self.d
        self.enable_dyn()
        self.check_all()
        self.assertEqual(self.stored_acl(), (DYN_IPS, None))
        # the same mistakes in a PATCH
        before = self.state()
        for body, field in self.bad_bodies(999999, "bobs-key."):
            if body.get("provider") == "dyn" and "name_server_set_id" not in body:
                self.rejected(self.patch(body), 422, "invalid_field", field,
                              msg="PATCH " + repr(body), before=before)
        self.rejected(d.request("PATCH", SD, raw=b"{", content_type="application/json",
                                token=self.t), 400, "invalid_json", before=before)
        self.rejected(self.patch({"allowed_ips": ["192.0.2.1"]}, token=self.bob), 404,
                      "not_found", before=before)
        self.rejected(d.get(SD + "/events?per_page=0", token=self.t), 422, "invalid_field",
                      "per_page", before=before)
        self.assertEqual(self.stored_acl(), (DYN_IPS, None))


class TestNameServerSets(SecondaryCase):

    daemon_args = ("--default-name-servers", "NS1.Provider.test, ns2.provider.test.")

    def test_system_set(self):
        d = self.d
        data = self.assertStatus(d.get("/v1/name_server_sets", token=self.t), 200)
        system = data["data"][0]
        self.assertEqual(system, {"id": "system", "name": "system", "system": True,
                                  "name_servers": ["ns1.provider.test.", "ns2.provider.test."],
                                  "addresses": []})
        self.assertEqual(self.assertStatus(d.get("/v1/name_server_sets/system", token=self.t),
                                           200), system)
        before = self.state()
        self.rejected(d.patch("/v1/name_server_sets/system", {"name": "x"}, token=self.t), 409,
                      "conflict", before=before)
        self.rejected(d.delete("/v1/name_server_sets/system", token=self.t), 409, "conflict",
                      before=before)

    def test_crud(self):
        d = self.d
        body = {"name": "Mine", "name_servers": ["A.Sec.Example", "b.sec.example."],
                "addresses": ["192.0.2.1", "2001:DB8::/32", "192.0.2.1"]}
        s = self.assertStatus(d.post("/v1/name_server_sets", body, token=self.t), 201)
        self.assertIsInstance(s["id"], int)
        self.assertIs(s["system"], False)
        self.assertEqual(s["name_servers"], ["a.sec.example.", "b.sec.example."])
        self.assertEqual(s["addresses"], ["192.0.2.1", "2001:db8::/32"])
        path = "/v1/name_server_sets/%d" % s["id"]
        self.assertEqual(self.assertStatus(d.get(path, token=self.t), 200), s)
        s2 = self.assertStatus(d.patch(path, {"name": "Renamed", "addresses": None},
                                       token=self.t), 200)
        self.assertEqual((s2["name"], s2["addresses"], s2["name_servers"]),
                         ("Renamed", [], s["name_servers"]))
        # another account sees nothing
        self.assertError(d.get(path, token=self.bob), 404, "not_found")
        self.assertError(d.patch(path, {"name": "x"}, token=self.bob), 404, "not_found")
        self.assertError(d.delete(path, token=self.bob), 404, "not_found")
        bob_list = self.assertStatus(d.get("/v1/name_server_sets", token=self.bob), 200)
        self.assertEqual([x["id"] for x in bob_list["data"]], ["system"])
        self.assertStatus(d.delete(path, token=self.t), 204)
        self.assertError(d.get(path, token=self.t), 404, "not_found")
        self.assertError(d.delete(path, token=self.t), 404, "not_found")
        self.assertError(d.get("/v1/name_server_sets/abc", token=self.t), 404, "not_found")

    def test_rejected(self):
        d = self.d
        self.assertStatus(d.post("/v1/name_server_sets", {"name": "taken",
                                                          "name_servers": ["a.example"]},
                                 token=self.t), 201)
        before = self.state()
        for body, status, field in [
                ({"name_servers": ["a.example"]}, 422, "name"),
                ({"name": "", "name_servers": ["a.example"]}, 422, "name"),
                ({"name": "x" * 101, "name_servers": ["a.example"]}, 422, "name"),
                ({"name": "n"}, 422, "name_servers"),
                ({"name": "n", "name_servers": []}, 422, "name_servers"),
                ({"name": "n", "name_servers": ["ok.example", "a..b"]}, 422, "name_servers[1]"),
                ({"name": "n", "name_servers": ["a.example"], "addresses": ["1.2.3"]}, 422,
                 "addresses[0]"),
                ({"name": "taken", "name_servers": ["b.example"]}, 409, "name")]:
            code = "conflict" if status == 409 else "invalid_field"
            self.rejected(d.post("/v1/name_server_sets", body, token=self.t), status, code,
                          field, msg=repr(body), before=before)
        sid = list_all(d, "/v1/name_server_sets", token=self.t)[1]["id"]
        self.rejected(d.patch("/v1/name_server_sets/%d" % sid, {"name_servers": []},
                              token=self.t), 422, "invalid_field", "name_servers", before=before)
        self.assertEqual(len(list_all(d, "/v1/name_server_sets", token=self.t)), 2)

    def test_pagination_counts_the_system_set(self):
        d = self.d
        ids = [self.assertStatus(d.post("/v1/name_server_sets", {
            "name": "s%d" % i, "name_servers": ["a.example"]}, token=self.t), 201)["id"]
            for i in range(3)]
        p1 = self.assertStatus(d.get("/v1/name_server_sets?per_page=2", token=self.t), 200)
        p2 = self.assertStatus(d.get("/v1/name_server_sets?per_page=2&page=2", token=self.t),
                               200)
        self.assertEqual([x["id"] for x in p1["data"]], ["system", ids[0]])
        self.assertEqual([x["id"] for x in p2["data"]], ids[1:])
        self.assertEqual(p1["pagination"]["total_entries"], 4)
        self.assertEqual(p1["pagination"]["total_pages"], 2)


if __name__ == "__main__":
    unittest.main()
