#!/bin/sh
# Builds the libFuzzer harnesses (clang, ASan+UBSan) into build-fuzz/ and
# runs each for SECONDS (default 20) over its committed seed corpus and
# regression inputs. New coverage goes to a temporary directory, never
# into the tree. Fails on any crash, leak, timeout or property violation.
# Usage: tests/fuzz/run.sh [SECONDS] [HARNESS...]
set -eu
cd "$(dirname "$0")/../.."
secs="${1:-20}"
[ $# -gt 0 ] && shift
build=build-fuzz
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DAXFRD_TESTS=OFF \
	-DAXFRD_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
names="$*"
if [ -z "$names" ]; then
	for src in tests/fuzz/fuzz_*.c; do
		names="$names $(basename "$src" .c)"
	done
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
for name in $names; do
	mkdir -p "$tmp/$name"
	set -- "$tmp/$name" "tests/fuzz/corpus/$name"
	[ -d "tests/fuzz/regressions/$name" ] && set -- "$@" "tests/fuzz/regressions/$name"
	echo "== $name: ${secs}s =="
	if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	   "$build/tests/fuzz/$name" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$tmp/$name-" "$@" >"$tmp/$name.log" 2>&1; then
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov:' \
			"$tmp/$name.log" | tail -3
	else
		status=1
		tail -60 "$tmp/$name.log"
		echo "== $name FAILED (reproducer above; inputs in $tmp kept only for this run) =="
	fi
done
exit $status
