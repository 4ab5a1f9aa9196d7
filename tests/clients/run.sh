#!/bin/bash
# tests/clients/run.sh [CLIENT...] - Docker, containerd and podman end to end on flashcube.
#
# Runs each client's test (docker.sh, containerd.sh, podman.sh; default: all three) once with
# the parts cache warm (flashcube starts it itself) and once with it off, one after the other.
# Every daemon is private to the run (own data roots and unix sockets, no TCP) and stopped by
# pid at the end.  Prints every PASS/FAIL/SKIP line, then "N passed, N failed, N skipped";
# exits non-zero on any failure.
#
#   FC_RUNTIME=/path/to/flashcube   default: $FC_BUILDDIR/flashcube, FC_BUILDDIR defaulting to
#                                   the source tree; FC_RUNTIME=/usr/sbin/runc validates the tests
#   FC_CLIENT_CACHE="warm off"      the cache modes to run
#   FC_CLIENT_REPEAT=20             containers in each "many runs in a row" check
#   NET=auto|none|bridge            see lib.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
FC_BUILDDIR=${FC_BUILDDIR:-$srcdir}
FC_RUNTIME=${FC_RUNTIME:-$FC_BUILDDIR/flashcube}
modes=${FC_CLIENT_CACHE:-warm off}
clients=("$@")
[ ${#clients[@]} -gt 0 ] || clients=(docker containerd podman)

if [ "$(id -u)" -ne 0 ]; then
        echo "run.sh: the client tests must run as root" >&2
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
fi
passed=0 failed=0 skipped=0
log=$(mktemp /tmp/fc-clients.XXXXXX)
trap 'rm -f "$log"' EXIT
for c in "${clients[@]}"; do
        for m in $modes; do
                echo "# ---- $c, parts cache $m ($(date +%T))"
                t0=$(date +%s)
                bash "$here/$c.sh" "$FC_RUNTIME" "$m" 2>&1 | tee "$log"
                rc=${PIPESTATUS[0]}
                line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1)
                if [ -z "$line" ]; then
                        echo "FAIL $c[$m]: the test script ended early (rc=$rc) without a summary"
                        failed=$((failed + 1))
                        continue
                fi
                read -r p _ f _ s _ <<<"$(echo "$line" | tr -d ',')"
                passed=$((passed + p))
                failed=$((failed + f))
                skipped=$((skipped + s))
                if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
                        echo "FAIL $c[$m]: the test script exited $rc"
                        failed=$((failed + 1))
                fi
                echo "# $c[$m]: $line in $(($(date +%s) - t0)) s"
        done
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
