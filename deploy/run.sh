#!/bin/sh
# Installs what is missing, builds axfrd and starts it in the foreground
# on loopback with its embedded defaults (database under ./var/).
# Extra arguments are passed to axfrd. After the build it prints the admin
# token (kept in ./var/admin-token, see deploy/admin-token.sh).
set -eu
cd "$(dirname "$0")/.."
sh deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAXFRD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"
. deploy/admin-token.sh
exec ./build/axfrd "$@"
