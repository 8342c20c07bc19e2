#!/bin/sh
# Runs a command inside a new network namespace that has only loopback, so
# that nothing it (or a daemon it starts) sends can leave the machine: a
# packet to any address but 127.0.0.0/8 or ::1 fails at once with
# "network unreachable". Needs root (CI runs as root). When the namespace
# cannot be made, says so and stops with status 3: a run that might send
# packets off the machine is not a run we make.
#
#   sh tests/netns.sh COMMAND [ARG]...
set -eu
if [ "${AXFRD_IN_NETNS:-}" = 1 ]; then
	exec "$@"
fi
if ! unshare --net true 2>/dev/null; then
	echo "tests/netns.sh: cannot create a network namespace (unshare --net" \
	     "needs root or CAP_SYS_ADMIN); refusing to run tests that could" \
	     "send packets off this machine" >&2
	exit 3
fi
exec unshare --net sh -c '
	set -e
	ip link set lo up
	# Only lo is here, and it is up: anything else would be a leak.
	if ip -o link show | grep -v " lo:" | grep -q .; then
		echo "tests/netns.sh: unexpected interfaces in the namespace" >&2
		exit 3
	fi
	AXFRD_IN_NETNS=1 exec "$@"
' netns "$@"
