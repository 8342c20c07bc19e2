"""--check-config and start-up agree (issue 17 point 5).

Every configuration the daemon refuses at start is refused by --check-config
with the same message, and start-up refuses it before it creates the
database or prints a token. Each bad configuration in the table is run both
ways against a database path under a fresh temporary directory; the good
ones must pass --check-config (and create nothing either)."""

import os
import shutil
import socket
import subprocess
import tempfile
import unittest

from harness import ADMIN_TOKEN_RE, Daemon, DaemonExited, DaemonTestCase, run_binary

START_TIMEOUT = 10

# (what, config-file text, extra environment, text the message must hold).
# Listen ports are fixed here on purpose: none of these configurations
# gets as far as binding one.
BAD = [
    ("url-redirect-ipv4 holds an IPv6 address",
     "url-redirect-ipv4 = 192.0.2.80, 2001:db8::80\n", None,
     "url-redirect-ipv4: '2001:db8::80' is not an IPv4 address"),
    ("url-redirect-ipv6 holds an IPv4 address",
     "url-redirect-ipv6 = 192.0.2.80\n", None,
     "url-redirect-ipv6: '192.0.2.80' is not an IPv6 address"),
    ("url-redirect-ipv4 with too many addresses",
     "url-redirect-ipv4 = " + ",".join("192.0.2.%d" % i for i in range(1, 10)) + "\n", None,
     "url-redirect-ipv4: at most 8 addresses"),
    ("two dns-listen-also entries that are the same",
     "dns-listen = 127.0.0.1:15353\ndns-listen-also = 127.0.0.2:0, 127.0.0.2:0\n", None,
     "dns-listen-also: '127.0.0.2:0' collides with '127.0.0.2:0'"),
    ("two dns-listen-also entries on one port, one a wildcard",
     "dns-listen = 127.0.0.1:15353\ndns-listen-also = 127.0.0.2:15400, 0.0.0.0:15400\n", None,
     "dns-listen-also: '0.0.0.0:15400' collides with '127.0.0.2:15400'"),
    ("dns-listen-also port 0 on the dns-listen address",
     "dns-listen = 127.0.0.1:15353\ndns-listen-also = 127.0.0.1:0\n", None,
     "dns-listen-also: '127.0.0.1:0' collides with dns-listen '127.0.0.1:15353'"),
    ("dns-listen-also the wildcard on the dns-listen port",
     "dns-listen = 127.0.0.1:15353\ndns-listen-also = 0.0.0.0:15353\n", None,
     "dns-listen-also: '0.0.0.0:15353' collides with dns-listen '127.0.0.1:15353'"),
    ("dns-listen-also port 0 next to a dns-listen wildcard with port 0",
     "dns-listen = 0.0.0.0:0\ndns-listen-also = 127.0.0.3:0\n", None,
     "dns-listen-also: '127.0.0.3:0' collides with dns-listen '0.0.0.0:0'"),
    ("api-listen on the dns-listen TCP port",
     "dns-listen = 127.0.0.1:15353\napi-listen = 127.0.0.1:15353\n", None,
     "api-listen: '127.0.0.1:15353' collides with dns-listen '127.0.0.1:15353'"),
    ("api-listen on a dns-listen-also TCP port",
     "dns-listen = 127.0.0.1:15353\ndns-listen-also = 127.0.0.4:0\n"
     "api-listen = 0.0.0.0:15353\n", None,
     "api-listen: '0.0.0.0:15353' collides with dns-listen '127.0.0.1:15353'"),
    ("dns-listen-also with more than 8 addresses",
     "dns-listen-also = " + ",".join("127.0.0.%d:0" % i for i in range(2, 11)) + "\n", None,
     "dns-listen-also: at most 8 addresses"),
    ("dns-listen-also that is not an address",
     "dns-listen-also = [::1]:0, nowhere\n", None,
     "dns-listen-also: 'nowhere' is not ADDR:PORT"),
    ("api-listen that is not an address",
     "api-listen = not-an-address\n", None,
     "api-listen: 'not-an-address' is not ADDR:PORT"),
    ("dns-listen with a port over 65535",
     "dns-listen = 127.0.0.1:99999\n", None,
     "dns-listen: '127.0.0.1:99999' is not ADDR:PORT"),
    ("an IPv6 dns-listen without brackets",
     "dns-listen = ::1:53\n", None,
     "dns-listen: '::1:53' is not ADDR:PORT"),
    ("dns-listen on an address this host does not have",
     "dns-listen = 192.0.2.1:15353\n", None,
     "dns-listen: cannot listen on 192.0.2.1:15353"),
    ("api-listen on an address this host does not have",
     "api-listen = 198.51.100.7:18053\n", None,
     "api-listen: cannot listen on 198.51.100.7:18053"),
    ("dns-listen-also on an address this host does not have",
     "dns-listen = 127.0.0.1:15353\ndns-listen-also = 203.0.113.9:0\n", None,
     "dns-listen-also: cannot listen on 203.0.113.9:0"),
    ("notify-source this host does not have",
     "notify-source = 192.0.2.1\n", None,
     "notify-source: cannot bind to 192.0.2.1"),
    ("notify-source a wildcard",
     "notify-source = 0.0.0.0\n", None,
     "notify-source: '0.0.0.0' is a wildcard"),
    ("notify-source with two IPv4 addresses",
     "notify-source = 127.0.0.1, 127.0.0.2\n", None,
     "notify-source: at most one IPv4 and one IPv6 address"),
    ("a number that is not one",
     "api-max-body = lots\n", None,
     "api-max-body: 'lots' is not an integer from 1024 to 1073741824"),
    ("a number below its range",
     "rrl-table-size = 10\n", None,
     "rrl-table-size: '10' is not an integer from 1024 to 16777216"),
    ("a number above its range",
     "xfr-message-size = 70000\n", None,
     "xfr-message-size: '70000' is not an integer from 1024 to 65535"),
    ("a negative TTL",
     "default-ttl = -1\n", None,
     "default-ttl: '-1' is not an integer from 0 to 2147483647"),
    ("a prefix length out of range",
     "rrl-ipv4-prefix = 33\n", None,
     "rrl-ipv4-prefix: '33' is not an integer from 8 to 32"),
    ("an unknown log level",
     "log-level = loud\n", None,
     "log-level: 'loud' is not error, warn, info or debug"),
    ("an unknown serial policy",
     "serial-policy = weird\n", None,
     "serial-policy: 'weird' is not increment, unixtime or dateserial"),
    ("a bad name server",
     "default-name-servers = ns1.example.net, bad name!.example.net\n", None,
     "default-name-servers: 'bad name!.example.net' is not a valid host name"),
    ("a mailbox too long",
     "soa-rname = " + "a" * 200 + "@" + "b" * 200 + ".example\n", None,
     "soa-rname:"),
    ("an outbound prefix too long",
     "outbound-allow = global, 10.0.0.0/33\n", None,
     "outbound-allow:"),
    ("an empty database path",
     "db =\n", None,
     "db: must not be empty"),
    ("an unknown key",
     "frobnicate-level = 3\n", None,
     "unknown setting 'frobnicate-level'"),
    ("a line without '='",
     "log-level info\n", None,
     "expected 'key = value'"),
    ("AXFRD_ADMIN_TOKEN too short",
     "", {"AXFRD_ADMIN_TOKEN": "short"},
     "AXFRD_ADMIN_TOKEN must be at least 16 characters"),
]

GOOD = [
    ("the defaults", ""),
    ("everything on port 0", "api-listen = 127.0.0.1:0\ndns-listen = 127.0.0.1:0\n"),
    ("dns-listen-also on other addresses",
     "dns-listen = 127.0.0.1:15353\ndns-listen-also = 127.0.0.2:0, 127.0.0.3:15353, "
     "127.0.0.1:15354\n"),
    ("api and DNS on one address, other ports",
     "dns-listen = 127.0.0.1:15353\napi-listen = 127.0.0.1:15354\n"),
    ("a wildcard DNS with port 0 and an explicit other port",
     "dns-listen = 0.0.0.0:0\ndns-listen-also = 127.0.0.2:15355\n"),
    ("URL redirector addresses of both families",
     "url-redirect-ipv4 = 192.0.2.80, 192.0.2.81\nurl-redirect-ipv6 = 2001:db8::80\n"),
    ("a notify-source this host has", "notify-source = 127.0.0.1\n"),
    ("numbers at the edges of their ranges",
     "api-max-body = 1024\nxfr-message-size = 65535\nrrl-table-size = 16777216\n"
     "default-ttl = 0\n"),
]


class TestCheckConfigAgreesWithStartup(DaemonTestCase):

    def _dir(self):
        tmp = tempfile.mkdtemp(prefix="axfrd-it-cc-")
        self.addCleanup(shutil.rmtree, tmp, True)
        return tmp

    def _args(self, tmp, text):
        path = os.path.join(tmp, "axfrd.conf")
        with open(path, "w") as f:
            f.write(text)
        db = os.path.join(tmp, "store", "axfrd.db")
        return ["--config", path, "--db", db], db

    def _start(self, args, tmp, env):
        """Starts the daemon for real; a bad configuration must make it exit."""
        try:
            return run_binary(args, cwd=tmp, env=env, timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail("axfrd started with a configuration --check-config refuses: %r" % args)

    def _message(self, res):
        lines = [l for l in res.stderr.splitlines() if l.startswith("axfrd: ")]
        self.assertEqual(len(lines), 1, "expected one 'axfrd: ' error line:\n" + res.stderr)
        return lines[0]

    def test_bad_configurations(self):
        for what, text, env, expected in BAD:
            with self.subTest(what):
                tmp = self._dir()
                args, db = self._args(tmp, text)
                checked = run_binary(args + ["--check-config"], cwd=tmp, env=env)
                self.assertEqual(checked.returncode, 2, "--check-config accepted it:\n%s%s"
                                 % (checked.stdout, checked.stderr))
                self.assertNotIn("configuration ok", checked.stdout)
                msg = self._message(checked)
                self.assertIn(expected, msg)

                started = self._start(args, tmp, env)
                self.assertEqual(started.returncode, 2, "start-up:\n%s%s"
                                 % (started.stdout, started.stderr))
                self.assertEqual(self._message(started), msg,
                                 "start-up and --check-config give different messages")
                self.assertFalse(os.path.exists(db), "start-up created the database")
                self.assertFalse(os.path.exists(os.path.dirname(db)),
                                 "start-up created the database's directory")
                self.assertNotIn("token", started.stdout.lower(), started.stdout)
                self.assertNotIn("token", started.stderr.replace("AXFRD_ADMIN_TOKEN", ""),
                                 started.stderr)

    def test_good_configurations(self):
        for what, text in GOOD:
            with self.subTest(what):
                tmp = self._dir()
                args, db = self._args(tmp, text)
                res = run_binary(args + ["--check-config"], cwd=tmp)
                self.assertEqual(res.returncode, 0, "stdout:\n%s\nstderr:\n%s"
                                 % (res.stdout, res.stderr))
                self.assertIn("configuration ok", res.stdout)
                self.assertFalse(os.path.exists(os.path.dirname(db)),
                                 "--check-config created the database's directory")

    def test_good_configuration_starts(self):
        """What --check-config accepts, start-up accepts too (the listen
        addresses below pass the collision rules)."""
        d = self.start_daemon(args=["--dns-listen-also", "127.0.0.2:0,127.0.0.3:0",
                                    "--url-redirect-ipv4", "192.0.2.80",
                                    "--url-redirect-ipv6", "2001:db8::80"])
        st, _, data = d.get("/healthz", token=None)
        self.assertEqual(st, 200, data)

    def test_check_config_passes_while_the_daemon_holds_its_ports(self):
        """A port in use is start-up's business, not the configuration's:
        --check-config before a restart must not fail on the running daemon."""
        d = self.start_daemon()
        tmp = self._dir()
        res = run_binary(["--check-config", "--api-listen", "127.0.0.1:%d" % d.port,
                          "--dns-listen", "127.0.0.1:%d" % d.dns_port,
                          "--db", os.path.join(tmp, "x.db")], cwd=tmp)
        self.assertEqual(res.returncode, 0, res.stderr)


class TestAdminTokenNotLost(DaemonTestCase):

    def test_token_printed_when_a_later_step_fails(self):
        """Start-up that fails after it created the admin (here: the API port
        is taken) still prints the generated token, or it would be lost."""
        busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        d = Daemon(args=["--api-listen", "127.0.0.1:%d" % port], admin_token=None)
        self.addCleanup(d.cleanup)
        with self.assertRaises(DaemonExited):
            d.start()
        printed = [ADMIN_TOKEN_RE.match(l) for l in d.stdout_lines + d.all_stdout]
        tokens = {m.group(1) for m in printed if m}
        self.assertEqual(len(tokens), 1, "no admin token printed: %r" % d.stdout_lines)
        busy.close()
        d.args = []
        d.start()
        st, _, data = d.get("/v1/accounts", token=tokens.pop())
        self.assertEqual(st, 200, data)
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    unittest.main()
