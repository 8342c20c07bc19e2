#!/bin/sh
# Installs what is missing, builds axfrd twice (release, and with
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs the whole test
# suite (unit and integration) against each build.
set -eu
cd "$(dirname "$0")/.."
sh deploy/install-deps.sh --test

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
exit $status
