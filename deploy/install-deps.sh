#!/bin/sh
# Installs the Debian packages axfrd needs to build, run and test, when
# they are missing. Used by deploy/run.sh and tests/run.sh.
set -eu

PKGS="build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev
libsqlite3-dev libldns-dev libidn2-dev libcmocka-dev python3 sqlite3 curl"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing:$missing" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
