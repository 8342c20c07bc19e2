"""The README's "Use" section works as written (issue 17 point 10).

The shell blocks of README.md's "Use" section are extracted and run, in
order and in one bash process (they share variables, as they do in the
reader's terminal), against a daemon the harness starts on random loopback
ports with its default outbound policy. The only rewriting is of the
addresses the README names, 127.0.0.1:8053 (API) and port 5353 (DNS), to the
ports the daemon got; the blocks run in a directory that holds what a fresh
clone holds after `sh deploy/run.sh`: var/admin-token (the daemon's admin
token) and deploy/example.com.zone (copied from the tree). Each block must
succeed, and afterwards the store must hold what the README says it does."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import SOURCE_DIR, DaemonTestCase, record_set, records

README = os.path.join(SOURCE_DIR, "README.md")
ZONE_FILE = os.path.join(SOURCE_DIR, "deploy", "example.com.zone")
MARK = "@@README-BLOCK-DONE"


def use_blocks(text):
    """The ```sh blocks of the "## Use" section, in order."""
    m = re.search(r"^## Use\n(.*?)(?=^## )", text, re.S | re.M)
    if m is None:
        raise AssertionError("README.md has no '## Use' section")
    return m.group(1), re.findall(r"^```sh\n(.*?)^```\n", m.group(1), re.S | re.M)


class TestReadmeUse(DaemonTestCase):

    def setUp(self):
        with open(README, encoding="utf-8") as f:
            self.readme = f.read()
        self.section, self.blocks = use_blocks(self.readme)

    def test_no_reference_outside_the_clone(self):
        self.assertNotIn("../shared", self.readme)
        self.assertNotIn("SPEC.md", self.readme)

    def test_set_up_has_two_commands(self):
        m = re.search(r"^## Set up\n.*?^```sh\n(.*?)^```\n", self.readme, re.S | re.M)
        self.assertIsNotNone(m)
        cmds = [l for l in m.group(1).splitlines() if l.strip() and not l.startswith("#")]
        self.assertEqual(cmds, ["sh deploy/run.sh", "sh tests/run.sh"])

    def test_section_names_what_a_new_user_needs(self):
        self.assertIn("var/admin-token", self.section)
        self.assertIn("127.0.0.1:5353", self.section)
        self.assertIn("deploy/example.com.zone", self.section)
        self.assertTrue(os.path.isfile(ZONE_FILE), ZONE_FILE)
        self.assertGreaterEqual(len(self.blocks), 4, self.blocks)

    def _script(self, api_port, dns_port):
        """The blocks with the README's addresses replaced by the daemon's,
        each followed by a marker line."""
        out = []
        for i, block in enumerate(self.blocks):
            self.assertNotIn("localhost", block, "block %d: use 127.0.0.1 as the rest" % i)
            text = block.replace("127.0.0.1:8053", "127.0.0.1:%d" % api_port)
            text = re.sub(r"(@127\.0\.0\.1 -p )5353\b", r"\g<1>%d" % dns_port, text)
            out.append(text + "\necho %s %d\n" % (MARK, i))
        out.append('printf "@@STATE %s %s\\n" "$ACCOUNT" "${CUSTOMER#Authorization: Bearer }"\n')
        return "".join(out)

    def test_use_section_runs_in_bash(self):
        self._run_use_section(["bash", "-euo", "pipefail", "-c"])

    def test_use_section_runs_in_sh(self):
        self._run_use_section(["sh", "-eu", "-c"])

    def _run_use_section(self, shell):
        self.assertIn("127.0.0.1:8053", self.section)
        self.assertRegex(self.section, r"@127\.0\.0\.1 -p 5353\b")
        d = self.start_daemon(outbound_allow=None)
        clone = tempfile.mkdtemp(prefix="axfrd-it-readme-")
        self.addCleanup(shutil.rmtree, clone, True)
        os.makedirs(os.path.join(clone, "var"))
        os.makedirs(os.path.join(clone, "deploy"))
        with open(os.path.join(clone, "var", "admin-token"), "w") as f:
            f.write(d.admin_token + "\n")
        shutil.copy(ZONE_FILE, os.path.join(clone, "deploy"))

        script = self._script(d.port, d.dns_port)
        res = subprocess.run(shell + [script], cwd=clone,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=120)
        done = [int(n) for n in re.findall(r"^%s (\d+)$" % MARK, res.stdout, re.M)]
        if res.returncode != 0 or len(done) != len(self.blocks):
            failed = len(done)
            self.fail("README Use block %d failed (exit %d):\n%s\n-- output:\n%s"
                      % (failed, res.returncode,
                         self.blocks[failed] if failed < len(self.blocks) else "",
                         res.stdout))
        outputs = re.split(r"^%s \d+\n" % MARK, res.stdout, flags=re.M)
        m = re.search(r"^@@STATE (\d+) (\S+)$", res.stdout, re.M)
        self.assertIsNotNone(m, res.stdout)
        account, token = int(m.group(1)), m.group(2)

        # The customer's token is a customer's, not the admin's.
        st, _, data = d.get("/v1/accounts", token=token)
        self.assertEqual(st, 403, data)
        st, _, acct = d.get("/v1/accounts/%d" % account)
        self.assertEqual(st, 200, acct)
        self.assertEqual(acct["name"], "example-customer")
        self.assertFalse(acct["admin"])

        # Its zone, with the record added and the file imported.
        st, _, zone = d.get("/v1/zones/example.com", token=token)
        self.assertEqual(st, 200, zone)
        got = record_set(records(d, "example.com", token=token), with_ttl=False)
        want = {
            ("www", "A", "192.0.2.10"),
            ("www", "AAAA", "2001:db8::10"),
            ("mail", "A", "192.0.2.25"),
            ("mail", "AAAA", "2001:db8::25"),
            ("", "MX", "10 mail.example.com."),
            ("", "TXT", '"v=spf1 mx -all"'),
            ("ftp", "CNAME", "www.example.com."),
            ("_sip._tcp", "SRV", "10 60 5060 sip.example.com."),
            ("sip", "A", "192.0.2.30"),
            ("", "NS", "ns1.secondary.example."),
            ("", "NS", "ns2.secondary.example."),
        }
        self.assertLessEqual(want, got, "missing: %r" % (want - got))

        # Secondary DNS as configured, its NOTIFY to loopback skipped.
        st, _, sec = d.get("/v1/zones/example.com/secondary_dns", token=token)
        self.assertEqual(st, 200, sec)
        self.assertEqual(sec["allowed_ips"], ["127.0.0.1"])
        self.assertEqual(sorted(sec["name_servers"]),
                         ["ns1.secondary.example.", "ns2.secondary.example."])
        self.assertTrue(sec.get("notify_skipped"), sec)

        # The last block asked DNS: dig answered the A and the transfer.
        last = outputs[len(self.blocks) - 1]
        self.assertRegex(last, r"(?m)^192\.0\.2\.10$", last)
        self.assertRegex(last, r"(?m)^mail\.example\.com\.\s+3600\s+IN\s+A\s+192\.0\.2\.25$",
                         last)
        self.assertRegex(last, r"(?m)^example\.com\.\s+\d+\s+IN\s+SOA\s", last)
        self.assertNotIn("Transfer failed", last)


class TestAdminTokenShown(DaemonTestCase):
    """How the README's reader gets the admin token."""

    def _source(self, cwd, env=None):
        e = dict(os.environ)
        e.pop("AXFRD_ADMIN_TOKEN", None)
        e.update(env or {})
        return subprocess.run(
            ["sh", "-eu", "-c", '. "$1"; echo "@@ENV ${AXFRD_ADMIN_TOKEN:-}"', "sh",
             os.path.join(SOURCE_DIR, "deploy", "admin-token.sh")],
            cwd=cwd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            timeout=30)

    def test_run_sh_uses_admin_token_sh(self):
        with open(os.path.join(SOURCE_DIR, "deploy", "run.sh")) as f:
            lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        self.assertIn(". deploy/admin-token.sh", lines)
        self.assertLess(lines.index(". deploy/admin-token.sh"),
                        [i for i, l in enumerate(lines) if l.startswith("exec ")][0])
        self.assertGreater(lines.index(". deploy/admin-token.sh"),
                           [i for i, l in enumerate(lines) if "cmake --build" in l][0],
                           "the token must come after the build output")

    def test_first_start_keeps_and_prints_the_token(self):
        clone = tempfile.mkdtemp(prefix="axfrd-it-token-")
        self.addCleanup(shutil.rmtree, clone, True)
        res = self._source(clone)
        self.assertEqual(res.returncode, 0, res.stderr)
        path = os.path.join(clone, "var", "admin-token")
        with open(path) as f:
            token = f.read().strip()
        self.assertRegex(token, r"^axfrd_[0-9a-f]{40}$")
        self.assertEqual(os.stat(path).st_mode & 0o077, 0, "var/admin-token is readable by others")
        self.assertIn("@@ENV " + token, res.stdout)
        self.assertIn("admin token: %s (kept in var/admin-token)" % token, res.stdout)
        self.assertIn("127.0.0.1:8053", res.stdout)
        self.assertIn("127.0.0.1:5353", res.stdout)

        # The daemon takes it as the admin's token, as deploy/run.sh starts it.
        d = self.start_daemon(workdir=clone, db=None, admin_token=token)
        st, _, data = d.get("/v1/accounts", token=token)
        self.assertEqual(st, 200, data)
        self.assertEqual(d.stop(), 0)
        self.assertTrue(os.path.isfile(os.path.join(clone, "var", "axfrd.db")))

        # Later starts print the same token again.
        again = self._source(clone)
        self.assertIn("@@ENV " + token, again.stdout)
        self.assertIn("admin token: %s" % token, again.stdout)

    def test_database_without_token_file_says_so(self):
        clone = tempfile.mkdtemp(prefix="axfrd-it-token-")
        self.addCleanup(shutil.rmtree, clone, True)
        os.makedirs(os.path.join(clone, "var"))
        open(os.path.join(clone, "var", "axfrd.db"), "w").close()
        res = self._source(clone)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertFalse(os.path.exists(os.path.join(clone, "var", "admin-token")))
        self.assertIn("@@ENV \n", res.stdout + "\n")
        self.assertIn("printed by axfrd when var/axfrd.db was created", res.stdout)

    def test_chosen_token_is_left_alone(self):
        clone = tempfile.mkdtemp(prefix="axfrd-it-token-")
        self.addCleanup(shutil.rmtree, clone, True)
        res = self._source(clone, {"AXFRD_ADMIN_TOKEN": "chosen-token-0123456789"})
        self.assertIn("@@ENV chosen-token-0123456789", res.stdout)
        self.assertFalse(os.path.exists(os.path.join(clone, "var", "admin-token")))
        banner = [l for l in res.stdout.splitlines() if not l.startswith("@@ENV ")]
        self.assertIn("admin token: the one in AXFRD_ADMIN_TOKEN", banner)
        self.assertNotIn("chosen-token-0123456789", "\n".join(banner))

    def test_generated_token_printed_after_the_start_up_log(self):
        """axfrd's own token (no AXFRD_ADMIN_TOKEN) comes after the log lines
        that say where it listens, on a line of its own, set apart."""
        d = self.start_daemon(start=False, admin_token=None)
        proc = subprocess.Popen(d.argv(), cwd=d.workdir, env=d.environ(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        self.addCleanup(proc.kill)
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("admin token: "):
                break
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        token_at = [i for i, l in enumerate(lines) if l.startswith("admin token: ")]
        self.assertEqual(len(token_at), 1, lines)
        listening = [i for i, l in enumerate(lines) if "listening on" in l]
        self.assertTrue(listening, lines)
        self.assertGreater(token_at[0], max(listening), lines)
        self.assertEqual(lines[token_at[0] - 1], "", "the token line is not set apart")


if __name__ == "__main__":
    unittest.main()
