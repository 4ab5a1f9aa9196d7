#!/bin/bash
# valgrind.sh FLASHCUBE - every command under valgrind memcheck (the runtime
# process; the container's init execs away and is not traced).  Fails on any
# memory error or definite leak.  The runtime talks to a parts cache of its
# own (not under valgrind), so that the lease's client side is checked and
# the system's cache is never started.
set -euo pipefail
fc=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/fc-valgrind.XXXXXX)
root=$work/root
id=fcvg-$$
export FLASHCUBE_CACHE_SOCKET=$work/cache.sock
cleanup() {
        "$fc" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
        "$fc" --root "$root" delete -f "$id-run" >/dev/null 2>&1 || true
        "$fc" --root "$root" delete -f "$id-cold" >/dev/null 2>&1 || true
        "$fc" cache stop >/dev/null 2>&1 ||
                { [ -s "$work/cache.pid" ] && kill -9 "$(cat "$work/cache.pid")" 2>/dev/null; } || true
        rm -rf "$work"
}
trap cleanup EXIT
"$fc" cache serve --detach
"$here/bench/make-bundle.sh" "$work/bundle" sleep 30 >/dev/null
# valgrind virtualises RLIMIT_NOFILE (it keeps fds for itself) and refuses
# setting it: drop the rlimits, everything else is as `runc spec` makes it.
jq 'del(.process.rlimits)' "$work/bundle/config.json" > "$work/c" && mv "$work/c" "$work/bundle/config.json"
vg() {
        valgrind -q --error-exitcode=99 --suppressions="$here/valgrind.supp" --leak-check=full --errors-for-leak-kinds=definite \
                --trace-children=no "$fc" --root "$root" "$@"
}
rc=0
check() { # check EXPECTED_RC CMD...
        local want=$1
        shift
        local got=0
        vg "$@" >/dev/null 2>"$work/err" || got=$?
        if [ "$got" -ne "$want" ]; then
                echo "valgrind: flashcube $* exited $got (want $want):"
                cat "$work/err"
                rc=1
        fi
}
check 0 --version
check 0 --help
check 0 create --help
check 0 features
(cd "$work" && mkdir specdir && cd specdir && vg spec >/dev/null) || { echo "valgrind: spec failed"; rc=1; }
check 0 create -b "$work/bundle" "$id"
check 0 state "$id"
check 0 list
check 0 list --format json
check 0 start "$id"
check 0 kill "$id" TERM
check 1 kill "$id" NOSUCHSIGNAL
check 1 state nosuchid
check 0 delete -f "$id"
jq '.process.args = ["true"]' "$work/bundle/config.json" > "$work/c" && mv "$work/c" "$work/bundle/config.json"
check 0 run -b "$work/bundle" "$id-run"
check 0 --no-cache run -b "$work/bundle" "$id-cold"
echo '{"ociVersion": "1.0.0", "process": ' > "$work/bundle/config.json"
check 1 create -b "$work/bundle" "$id"
exit $rc
