#!/bin/sh
# Installs what is missing, builds axfrd twice (release, and with
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs the whole test
# suite (unit and integration) against each build, then runs every fuzz
# harness for 20 seconds (tests/fuzz/run.sh: clang, libFuzzer, ASan+UBSan).
set -eu
self="$(cd "$(dirname "$0")" && pwd)/run.sh"
cd "$(dirname "$0")/.."
sh deploy/install-deps.sh --test

# Everything after the install runs in a network namespace that has only
# loopback (tests/netns.sh): no test, and no daemon a test starts, can send
# a packet off this machine.
if [ "${AXFRD_IN_NETNS:-}" != 1 ]; then
	exec sh tests/netns.sh sh "$self" "$@"
fi

jobs=$(nproc)
status=0
for variant in release asan; do
	dir="build-test/$variant"
	if [ "$variant" = asan ]; then
		opts="-DCMAKE_BUILD_TYPE=Debug -DAXFRD_SANITIZE=ON"
	else
		opts="-DCMAKE_BUILD_TYPE=RelWithDebInfo"
	fi
	echo "== $variant build =="
	# shellcheck disable=SC2086
	cmake -S . -B "$dir" $opts >/dev/null
	cmake --build "$dir" -j"$jobs"
	echo "== $variant tests =="
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir "$dir" --output-on-failure -j"$jobs" || status=1
done
# Each harness about 20 s over its seed corpus and regressions; any crash,
# leak, timeout or property violation fails the run.
echo "== fuzz =="
sh tests/fuzz/run.sh 20 || status=1
exit $status
