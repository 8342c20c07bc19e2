#!/bin/sh
# Installs the Debian packages axfrd needs to build and run, when they are
# missing (with curl, jq and dig, which the README's examples use); with
# --test also what the test suite needs (cmocka, Python, BIND and NSD as
# real secondaries, and clang with its sanitizer and libFuzzer runtimes
# for tests/fuzz). Used by deploy/run.sh and tests/run.sh.
set -eu

PKGS="build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev
libsqlite3-dev libldns-dev libidn2-dev libssl-dev curl jq bind9-dnsutils publicsuffix"
if [ "${1:-}" = "--test" ]; then
	PKGS="$PKGS libcmocka-dev python3 sqlite3 bind9 nsd
clang libclang-rt-dev"
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing:$missing" >&2
# bind9 and nsd are test peers only: their packages must not start system
# name servers. A policy-rc.d that says no stops that during the install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
