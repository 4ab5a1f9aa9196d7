#!/bin/bash
# Run flashcube's integration suite.
#   tests/integration/run.sh [--filter REGEX] [FILE.bats...]   (the arguments go to bats)
# FC_RUNTIME selects the runtime (default: $FC_BUILDDIR/flashcube, FC_BUILDDIR defaulting to the
# source tree); FC_RUNTIME=/usr/sbin/runc validates the suite against the reference runtime.
# The runtime's environment passes through: FLASHCUBE_NO_CACHE=1 runs the cold path (no parts
# cache), so running the suite with and without it covers both paths.
# Prints a final line "N passed, N failed, N skipped" and exits non-zero on any failure, including
# resources the run leaked (see leakcheck.sh).
set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
export FC_BUILDDIR=${FC_BUILDDIR:-$srcdir}
export FC_RUNTIME=${FC_RUNTIME:-$FC_BUILDDIR/flashcube}

if ! command -v bats >/dev/null; then
        echo "run.sh: bats not found (apt-get install bats)" >&2
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
        echo "run.sh: the integration tests must run as root" >&2
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
fi

FC_TEST_DIR=$(mktemp -d /tmp/fct-suite.XXXXXX)
export FC_TEST_DIR
# Cgroups and container ids made by this run carry this prefix (see helpers.bash); the tag keeps
# concurrent runs on one machine from seeing each other's containers as leaks.
FC_PREFIX=fct-$(head -c 2 /dev/urandom | od -An -tx1 | tr -d ' \n')
export FC_PREFIX FC_LEAK_PREFIX=$FC_PREFIX
# The parts cache: FC_TEST_CACHE=warm (default) lets flashcube start its own cache (auto-start)
# on a socket private to this run, so every create after the first is assembled from pooled
# parts; FC_TEST_CACHE=off forces the cold path.  DESIGN.md: the suite runs both.
FC_TEST_CACHE=${FC_TEST_CACHE:-warm}
mkdir -m 0700 "$FC_TEST_DIR/cache"
export FLASHCUBE_CACHE_SOCKET=$FC_TEST_DIR/cache/cache.sock
case $FC_TEST_CACHE in
off) export FLASHCUBE_NO_CACHE=1 ;;
warm) unset FLASHCUBE_NO_CACHE ;;
*)
        echo "run.sh: FC_TEST_CACHE must be warm or off" >&2
        exit 2
        ;;
esac
echo "# parts cache: $FC_TEST_CACHE"
stop_cache() {
        [ -S "$FLASHCUBE_CACHE_SOCKET" ] || return 0
        case "$FC_RUNTIME" in
        *runc) return 0 ;;
        esac
        timeout 20 "$FC_RUNTIME" --cache-socket "$FLASHCUBE_CACHE_SOCKET" cache stop >/dev/null 2>&1 || true
}
cleanup() {
        stop_cache
        rm -rf "$FC_TEST_DIR"
}
trap cleanup EXIT

export FC_ROOTFS_CACHE=$FC_TEST_DIR/rootfs-cache
if ! "$here/make-rootfs.sh" "$FC_ROOTFS_CACHE"; then
        echo "run.sh: cannot build the test rootfs" >&2
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
fi

if [ $# -gt 0 ]; then
        files=("$@")
else
        # faults.bats kills the runtime at its failpoints: it needs a build configured with
        # --enable-failpoints (tests/run-all.sh runs it on its own with one), and would only
        # skip here.
        files=()
        for f in "$here"/*.bats; do
                [ "$(basename "$f")" = faults.bats ] || files+=("$f")
        done
fi

FC_LEAK_POOLED=1 "$here/leakcheck.sh" snapshot "$FC_TEST_DIR/leak.before"

tap=$FC_TEST_DIR/results.tap
bats --tap "${files[@]}" | tee "$tap"

passed=$(grep -E '^ok ' "$tap" | grep -vcE '^ok [0-9]+ .*# skip')
skipped=$(grep -cE '^ok [0-9]+ .*# skip' "$tap")
failed=$(grep -cE '^not ok ' "$tap")
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n1)
ran=$((passed + skipped + failed))
if [ -n "$planned" ] && [ "$ran" -lt "$planned" ]; then
        echo "# bats planned $planned tests but reported $ran" >&2
        failed=$((failed + planned - ran))
fi
if [ -z "$planned" ]; then
        echo "# bats produced no plan: it did not run" >&2
        failed=$((failed + 1))
fi

# The cache is ours too: stop it (which destroys its pools) before looking for leaks.
if [ "$FC_TEST_CACHE" = warm ] && [ "${FC_RUNTIME##*/}" != runc ]; then
        if [ -S "$FLASHCUBE_CACHE_SOCKET" ]; then
                "$FC_RUNTIME" --cache-socket "$FLASHCUBE_CACHE_SOCKET" cache status --format json |
                        sed 's/^/# cache status: /'
        fi
        stop_cache
fi

if FC_LEAK_POOLED=1 "$here/leakcheck.sh" compare "$FC_TEST_DIR/leak.before"; then
        echo "ok - leakcheck: nothing leaked"
        passed=$((passed + 1))
else
        echo "not ok - leakcheck: the run leaked resources (listed above)"
        failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
