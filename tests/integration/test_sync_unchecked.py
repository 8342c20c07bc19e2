"""The sync status says when it could not check (issue 17 point 8):
GET /v1/zones/{zone}/secondary_dns/status when the resolver, a secondary
or a parent zone's server does not answer, answers SERVFAIL or REFUSED,
or sends a reply that must not be taken (garbage, another id, another
question). Each such question is a warning naming the server, the
question and what happened; what could not be checked is never reported
as in sync or as nothing missing.

Layout (loopback only, fake servers from fakedns.py, no BIND or NSD):
  resolver (--resolver)   FakeResolver on 127.0.0.1:<port>:
                            ns1.sec.test. A 127.0.0.11, ns2.sec.test. A 127.0.0.12
                            test. NS pns1.test., pns2.test.
                            pns1.test. A 127.0.0.21, pns2.test. A 127.0.0.22
  secondaries             FakeAuthority on 127.0.0.11:P1 and 127.0.0.12:P2 (the
                          ports of their NOTIFY targets), serving the zone's SOA
  parent zone "test."     FakeAuthority on 127.0.0.21:CP and 127.0.0.22:CP
                          (CP = --check-port), referring the zone to ns1, ns2
Every test starts from all servers answering.
"""

import json
import os
import socket
import unittest

from dnsutil import class_daemon, zone_serial
from fakedns import FakeAuthority, FakeResolver
from harness import create_zone, q

ZONE = "example.test"
NS1, NS2 = "ns1.sec.test.", "ns2.sec.test."
S1, S2 = "127.0.0.11", "127.0.0.12"
PNS1, PNS2 = "pns1.test.", "pns2.test."
P1, P2 = "127.0.0.21", "127.0.0.22"
TIMEOUT_MS = 800

# fake server mode -> the reason the status gives, and words of its message
MODES = {
    "timeout": ("no-answer", "did not answer"),
    "servfail": ("servfail", "SERVFAIL"),
    "refused": ("refused", "REFUSED"),
    "garbage": ("malformed-reply", "malformed"),
    "junk": ("malformed-reply", "malformed"),
    "wrong_id": ("mismatched-reply", "another id or question"),
    "wrong_question": ("mismatched-reply", "another id or question"),
}

UNCHECKED = ("secondary_not_checked", "delegation_not_checked", "delegation_partly_checked")


def status_schema():
    """The 200 schema of the status route in api/openapi.json."""
    path = os.path.join(os.environ.get("AXFRD_SOURCE_DIR", "../.."), "api", "openapi.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    op = doc["paths"]["/v1/zones/{zone}/secondary_dns/status"]["get"]
    return doc, op["responses"]["200"]["content"]["application/json"]["schema"]


def schema_errors(doc, schema, value, where="$"):
    """What in value does not fit schema (the OpenAPI 3.0 subset the
    document uses: $ref, type, nullable, enum, required, properties,
    items)."""
    if "$ref" in schema:
        node = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return schema_errors(doc, node, value, where)
    if value is None:
        return [] if schema.get("nullable") else ["%s: null, not nullable" % where]
    types = {"object": dict, "array": list, "string": str, "boolean": bool,
             "integer": int, "number": (int, float)}
    t = schema.get("type")
    if t is not None and (not isinstance(value, types[t]) or
                          (t in ("integer", "number") and isinstance(value, bool))):
        return ["%s: %r is not %s" % (where, value, t)]
    if "enum" in schema and value not in schema["enum"]:
        return ["%s: %r not in %r" % (where, value, schema["enum"])]
    errs = []
    if isinstance(value, dict):
        errs += ["%s: %s missing" % (where, k) for k in schema.get("required", [])
                 if k not in value]
        for k, v in value.items():
            if k in schema.get("properties", {}):
                errs += schema_errors(doc, schema["properties"][k], v, "%s.%s" % (where, k))
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            errs += schema_errors(doc, schema["items"], v, "%s[%d]" % (where, i))
    return errs


def two_on_one_port(host_a, host_b):
    """A UDP port free on both addresses."""
    for _ in range(50):
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        a.bind((host_a, 0))
        port = a.getsockname()[1]
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            b.bind((host_b, port))
            return port
        except OSError:
            continue
        finally:
            a.close()
            b.close()
    raise AssertionError("no port free on both %s and %s" % (host_a, host_b))


class SyncUncheckedTest(unittest.TestCase):

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.fake = fake = FakeResolver().start()
        cls.addClassCleanup(fake.stop)
        cls.secs = {S1: FakeAuthority(S1).start(), S2: FakeAuthority(S2).start()}
        cport = two_on_one_port(P1, P2)
        cls.parents = {P1: FakeAuthority(P1, port=cport).start(),
                       P2: FakeAuthority(P2, port=cport).start()}
        for srv in list(cls.secs.values()) + list(cls.parents.values()):
            cls.addClassCleanup(srv.stop)
        for par in cls.parents.values():
            par.set_referral(ZONE, [NS1, NS2])
        cls.cport = cport
        cls.d = d = class_daemon(cls, args=["--resolver", fake.addr,
                                            "--check-port", str(cport),
                                            "--check-timeout", str(TIMEOUT_MS),
                                            "--notify-timeout", "300"])
        create_zone(d, ZONE)
        cls.targets = {S1: "%s:%d" % (S1, cls.secs[S1].port),
                       S2: "%s:%d" % (S2, cls.secs[S2].port)}
        st, _, data = d.request("PUT", "/v1/zones/%s/secondary_dns" % q(ZONE), body={
            "provider": "custom", "name_servers": [NS1, NS2], "allowed_ips": [S1, S2],
            "notify_targets": [cls.targets[S1], cls.targets[S2]]})
        if st != 201:
            raise AssertionError("PUT secondary_dns: HTTP %s %r" % (st, data))

    def setUp(self):
        """Every server answers; the secondaries serve the zone's serial."""
        f = self.fake
        f.set(NS1, a=[S1])
        f.set(NS2, a=[S2])
        f.set("test.", a=[])
        f.set_ns("test.", [PNS1, PNS2])
        f.set(PNS1, a=[P1])
        f.set(PNS2, a=[P2])
        serial = zone_serial(self.d, ZONE)
        for srv in self.secs.values():
            srv.server_mode = "answer"
            srv.set_soa(ZONE, serial)
        for srv in self.parents.values():
            srv.server_mode = "answer"

    # -- helpers ---------------------------------------------------------------------

    def status(self, zone=ZONE):
        st, _, data = self.d.get("/v1/zones/%s/secondary_dns/status" % q(zone))
        self.assertEqual(st, 200, "status: HTTP %s %r" % (st, data))
        doc, schema = status_schema()
        self.assertEqual(schema_errors(doc, schema, data), [], "status vs api/openapi.json")
        return data

    @staticmethod
    def secondary(st, name):
        for s in st["secondaries"]:
            if s["name"].lower() == name:
                return s
        raise AssertionError("no secondary %s in %r" % (name, st))

    @staticmethod
    def warnings(st, code):
        return [w for w in st["warnings"] if w["code"] == code]

    def assertWarning(self, w, server, question, reason, words, name_server=None):
        self.assertEqual(w["server"], server, w)
        self.assertEqual(w["question"].lower(), question, w)
        self.assertEqual(w["reason"], reason, w)
        self.assertIn(words, w["message"], w)
        self.assertIn(server, w["message"], w)
        self.assertIn(question, w["message"].lower(), w)
        if name_server is not None:
            self.assertEqual(w["name_server"].lower(), name_server, w)
            self.assertIn(name_server, w["message"].lower(), w)

    def assertCheckedInSync(self, st, name):
        s = self.secondary(st, name)
        self.assertIs(s["in_sync"], True, s)
        self.assertIs(s["checked"], True, s)
        for a in s["addresses"]:
            self.assertIs(a["checked"], True, a)
            self.assertIs(a["in_sync"], True, a)
            self.assertEqual(a["serial"], st["serial"], a)

    # -- tests -------------------------------------------------------------------------

    def test_0_everything_answers(self):
        """The control: all checked, both in sync, the delegation complete,
        no warning about a question that went unanswered."""
        st = self.status()
        self.assertIs(st["checked"], True, st)
        self.assertIs(st["out_of_sync"], False, st)
        self.assertIs(st["delegation_missing"], False, st)
        self.assertEqual([w for w in st["warnings"] if w["code"] in UNCHECKED], [], st)
        self.assertCheckedInSync(st, NS1)
        self.assertCheckedInSync(st, NS2)
        self.assertIs(st["delegation"]["checked"], True, st)
        self.assertEqual(sorted(st["delegation"]["name_servers"]), [NS1, NS2], st)
        self.assertEqual(st["delegation"]["missing"], [], st)

    def test_1_secondary_cannot_be_asked(self):
        """ns2 does not answer, answers SERVFAIL or REFUSED, or sends garbage
        or a reply to another id or question: ns2 is not checked and not in
        sync, with a warning naming it, its address, the question and what
        happened; ns1 is unaffected."""
        server = self.targets[S2]
        for mode, (reason, words) in MODES.items():
            with self.subTest(mode=mode):
                self.secs[S2].server_mode = mode
                st = self.status()
                s2 = self.secondary(st, NS2)
                self.assertIs(s2["in_sync"], False, s2)
                self.assertIs(s2["checked"], False, s2)
                self.assertEqual(s2["reason"], "address-not-checked", s2)
                a = s2["addresses"][0]
                self.assertEqual(a["address"], S2, a)
                self.assertIs(a["checked"], False, a)
                self.assertEqual(a["reason"], reason, a)
                self.assertIs(a["in_sync"], False, a)
                self.assertIsNone(a["serial"], a)
                self.assertTrue(a["error"].startswith("not checked: "), a)
                self.assertIn(words, a["error"], a)
                ws = self.warnings(st, "secondary_not_checked")
                self.assertEqual(len(ws), 1, st["warnings"])
                self.assertWarning(ws[0], server, ZONE + ". soa", reason, words, NS2)
                self.assertIs(st["checked"], False, st)
                self.assertIs(st["out_of_sync"], True, st)
                self.assertCheckedInSync(st, NS1)
                # the delegation was checked all the same
                self.assertIs(st["delegation_missing"], False, st)

    def test_2_answer_without_authority_is_a_finding(self):
        """An SOA without the AA bit is an answer (ns2 does not serve the
        zone), not a question left unanswered: checked, not in sync."""
        self.secs[S2].server_mode = "noaa"
        st = self.status()
        a = self.secondary(st, NS2)["addresses"][0]
        self.assertIs(a["checked"], True, a)
        self.assertIs(a["in_sync"], False, a)
        self.assertIsNone(a["serial"], a)
        self.assertIn("does not serve the zone", a["error"], a)
        self.assertEqual(self.warnings(st, "secondary_not_checked"), [], st)
        self.assertIs(st["out_of_sync"], True, st)

    def test_3_secondary_name_cannot_be_looked_up(self):
        """The resolver fails on ns2's addresses: ns2 is not checked (its
        addresses are unknown), with a warning for each lookup; a name that
        does not exist (NXDOMAIN) is a finding, not a warning."""
        resolver = self.fake.addr
        for mode in ("timeout", "servfail", "refused", "garbage", "wrong_id"):
            reason, words = MODES[mode]
            with self.subTest(mode=mode):
                self.fake.set(NS2, a=[S2], mode=mode)
                st = self.status()
                s2 = self.secondary(st, NS2)
                self.assertIs(s2["in_sync"], False, s2)
                self.assertIs(s2["checked"], False, s2)
                self.assertEqual(s2["reason"], "lookup-failed", s2)
                self.assertEqual(s2["addresses"], [], s2)
                self.assertIn("not checked", s2["error"], s2)
                self.assertIn("the resolver " + resolver, s2["error"], s2)
                ws = sorted(self.warnings(st, "secondary_not_checked"),
                            key=lambda w: w["question"])
                self.assertEqual([w["question"].lower() for w in ws],
                                 [NS2 + " a", NS2 + " aaaa"], st["warnings"])
                for w, qtype in zip(ws, ("a", "aaaa")):
                    self.assertWarning(w, resolver, NS2 + " " + qtype, reason, words, NS2)
                self.assertIs(st["checked"], False, st)
                self.assertIs(st["out_of_sync"], True, st)
                self.assertCheckedInSync(st, NS1)
        self.fake.set(NS2, a=[S2], mode="nxdomain")
        st = self.status()
        s2 = self.secondary(st, NS2)
        self.assertIs(s2["checked"], True, s2)
        self.assertIs(s2["in_sync"], False, s2)
        self.assertEqual(s2["error"], "name does not resolve", s2)
        self.assertEqual(self.warnings(st, "secondary_not_checked"), [], st)

    def test_3b_one_lookup_of_two_fails(self):
        """ns2's A lookup works, its AAAA lookup fails: its IPv4 address is
        checked and in sync, but ns2 is not (an IPv6 address may be
        missing), with a warning for the AAAA question."""
        self.fake.set_mode(NS2, "servfail", "AAAA")
        st = self.status()
        s2 = self.secondary(st, NS2)
        self.assertEqual([a["address"] for a in s2["addresses"]], [S2], s2)
        a = s2["addresses"][0]
        self.assertIs(a["checked"], True, a)
        self.assertIs(a["in_sync"], True, a)
        self.assertIs(s2["checked"], False, s2)
        self.assertIs(s2["in_sync"], False, s2)
        self.assertEqual(s2["reason"], "lookup-failed", s2)
        self.assertIn("may be incomplete", s2["error"], s2)
        ws = self.warnings(st, "secondary_not_checked")
        self.assertEqual(len(ws), 1, st["warnings"])
        self.assertWarning(ws[0], self.fake.addr, NS2 + " aaaa", "servfail", "SERVFAIL", NS2)
        self.assertIs(st["out_of_sync"], True, st)
        self.assertIs(st["checked"], False, st)

    def test_4_one_parent_server_fails(self):
        """One of the parent zone's two servers cannot be asked: the
        delegation is checked at the other, with a warning naming the one
        that failed."""
        server = "%s:%d" % (P2, self.cport)
        for mode in ("timeout", "servfail", "refused", "garbage", "wrong_question"):
            reason, words = MODES[mode]
            with self.subTest(mode=mode):
                self.parents[P2].server_mode = mode
                st = self.status()
                deleg = st["delegation"]
                self.assertIs(deleg["checked"], True, deleg)
                self.assertEqual(sorted(deleg["name_servers"]), [NS1, NS2], deleg)
                self.assertEqual(deleg["missing"], [], deleg)
                self.assertIs(st["delegation_missing"], False, st)
                ws = self.warnings(st, "delegation_partly_checked")
                self.assertEqual(len(ws), 1, st["warnings"])
                self.assertWarning(ws[0], server, ZONE + ". ns", reason, words, PNS2)
                self.assertEqual(self.warnings(st, "delegation_not_checked"), [], st)
                self.assertIs(st["checked"], False, st)
                # a delegation problem is not a sync problem
                self.assertIs(st["out_of_sync"], False, st)

    def test_5_no_parent_server_answers(self):
        """Neither parent server gives an answer (SERVFAIL used to count as
        "delegated to nobody"): the delegation is not checked, nothing is
        said to be missing or present, a warning per server."""
        for mode in ("servfail", "timeout", "refused", "junk"):
            reason, words = MODES[mode]
            with self.subTest(mode=mode):
                for par in self.parents.values():
                    par.server_mode = mode
                st = self.status()
                deleg = st["delegation"]
                self.assertIs(deleg["checked"], False, deleg)
                self.assertIsNone(deleg["missing"], deleg)
                self.assertEqual(deleg["name_servers"], [], deleg)
                self.assertTrue(deleg["error"].startswith("not checked"), deleg)
                self.assertIsNone(st["delegation_missing"], st)
                self.assertEqual(self.warnings(st, "delegation_missing"), [], st)
                for name in (NS1, NS2):
                    self.assertIsNone(self.secondary(st, name)["delegated"], st)
                ws = sorted(self.warnings(st, "delegation_not_checked"),
                            key=lambda w: w["server"])
                self.assertEqual(len(ws), 2, st["warnings"])
                for w, addr, ns in zip(ws, (P1, P2), (PNS1, PNS2)):
                    self.assertWarning(w, "%s:%d" % (addr, self.cport), ZONE + ". ns",
                                       reason, words, ns)
                self.assertIs(st["checked"], False, st)
                self.assertCheckedInSync(st, NS1)
                self.assertCheckedInSync(st, NS2)

    def test_6_parent_zone_cannot_be_found(self):
        """The resolver fails on the parent zone's NS, or on its servers'
        addresses: not checked, or checked at the server whose address
        came."""
        resolver = self.fake.addr
        self.fake.set("test.", a=[], mode="servfail")
        st = self.status()
        self.assertIs(st["delegation"]["checked"], False, st)
        self.assertIsNone(st["delegation_missing"], st)
        self.assertIsNone(st["delegation"]["missing"], st)
        self.assertIn("SERVFAIL", st["delegation"]["error"], st)
        ws = self.warnings(st, "delegation_not_checked")
        self.assertEqual(len(ws), 1, st["warnings"])
        self.assertWarning(ws[0], resolver, "test. ns", "servfail", "SERVFAIL")
        self.assertIs(st["checked"], False, st)

        self.fake.set("test.", a=[])
        self.fake.set(PNS1, a=[P1], mode="timeout")
        st = self.status()
        self.assertIs(st["delegation"]["checked"], True, st)
        self.assertIs(st["delegation_missing"], False, st)
        ws = self.warnings(st, "delegation_partly_checked")
        self.assertEqual(len(ws), 1, st["warnings"])
        self.assertWarning(ws[0], resolver, PNS1 + " a", "no-answer", "did not answer", PNS1)

        self.fake.set(PNS2, a=[P2], mode="refused")
        st = self.status()
        self.assertIs(st["delegation"]["checked"], False, st)
        self.assertIsNone(st["delegation_missing"], st)
        self.assertEqual(len(self.warnings(st, "delegation_not_checked")), 2, st["warnings"])

        # the resolver answers, but neither server name has an address
        self.fake.set(PNS1, a=[], mode="nxdomain")
        self.fake.set(PNS2, a=[])
        st = self.status()
        self.assertIs(st["delegation"]["checked"], False, st)
        self.assertIsNone(st["delegation_missing"], st)
        ws = self.warnings(st, "delegation_not_checked")
        self.assertEqual(len(ws), 1, st["warnings"])
        self.assertEqual(ws[0]["server"], resolver, ws)
        self.assertIn("have no address", ws[0]["message"], ws)

    def test_7_closer_ancestor_unknown(self):
        """For x.b.test the resolver fails on b.test.'s NS: b.test. may be
        the parent zone, so test.'s servers are not asked in its stead."""
        zone = "x.b.test"
        create_zone(self.d, zone)
        st, _, data = self.d.request("PUT", "/v1/zones/%s/secondary_dns" % q(zone), body={
            "provider": "custom", "name_servers": [NS1], "allowed_ips": [S1],
            "notify_targets": [self.targets[S1]]})
        self.assertEqual(st, 201, data)
        for par in self.parents.values():
            par.set_referral(zone, [NS1])
        self.fake.set("b.test.", a=[])      # no zone cut: NODATA
        st = self.status(zone)
        self.assertEqual(st["delegation"]["parent"], "test.", st)
        self.assertIs(st["delegation"]["checked"], True, st)
        self.fake.set("b.test.", a=[], mode="servfail")
        st = self.status(zone)
        self.assertIs(st["delegation"]["checked"], False, st)
        self.assertIsNone(st["delegation_missing"], st)
        ws = self.warnings(st, "delegation_not_checked")
        self.assertEqual(len(ws), 1, st["warnings"])
        self.assertWarning(ws[0], self.fake.addr, "b.test. ns", "servfail", "SERVFAIL")


if __name__ == "__main__":
    unittest.main()
