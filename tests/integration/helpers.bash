# Shared helpers for flashcube's integration tests (bats 1.8).
#
# The runtime under test comes from FC_RUNTIME (default: the flashcube binary at the top of the
# build tree, $FC_BUILDDIR/flashcube).  FC_RUNTIME=/usr/sbin/runc validates the suite itself:
# a test is trustworthy when it passes against the reference runtime.
#
# Every test gets its own temp dir ($FC_TMP, under the suite dir $FC_TEST_DIR so that
# leakcheck.sh can find stray processes), its own state root ($FC_ROOT), a unique container id
# ($FC_ID, "fct-" + suite tag + random) and a bundle ($FC_BUNDLE) when it calls setup_bundle.

bats_require_minimum_version 1.5.0

FC_INTEG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FC_SRCDIR=$(cd "$FC_INTEG_DIR/../.." && pwd)
FC_BUILDDIR=${FC_BUILDDIR:-$FC_SRCDIR}
FC_RUNTIME=${FC_RUNTIME:-$FC_BUILDDIR/flashcube}
RUNC=${RUNC:-/usr/sbin/runc}
# How long any single runtime command may take before we call it a hang.
FC_TIMEOUT=${FC_TIMEOUT:-30}

# Suite-wide temp dir and cached rootfs.  run.sh exports both; when a .bats file is run directly
# with bats, they are made once per bats invocation in BATS_RUN_TMPDIR.
FC_TEST_DIR=${FC_TEST_DIR:-$BATS_RUN_TMPDIR/fct-suite}
mkdir -p "$FC_TEST_DIR"
export FC_TEST_DIR
# Container ids and cgroup names start with "fct-" and a tag per suite run, so that leakcheck.sh
# tells this run's leftovers from those of another run on the same machine.
if [ -z "${FC_PREFIX:-}" ]; then
        [ -s "$FC_TEST_DIR/prefix" ] ||
                echo "fct-$(head -c 2 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$FC_TEST_DIR/prefix"
        FC_PREFIX=$(cat "$FC_TEST_DIR/prefix")
fi
export FC_PREFIX

# runtime_is_runc: true when the runtime under test is runc (used only to document and guard
# runc quirks, never to weaken a check for flashcube).
runtime_is_runc() {
        [[ "$("$FC_RUNTIME" --version 2>/dev/null | head -n1)" == runc* ]]
}

runtime_is_flashcube() {
        [[ "$("$FC_RUNTIME" --version 2>/dev/null | head -n1)" == flashcube* ]] ||
                [[ "$(basename "$FC_RUNTIME")" == flashcube ]]
}

# requires_flashcube: for checks on flashcube's own output shape (spec, features).
requires_flashcube() {
        if ! runtime_is_flashcube; then
                skip "flashcube-only check (runtime under test is $FC_RUNTIME)"
        fi
}

# unsupported_by_runc_1_1 WHAT: skip when the runtime under test is runc 1.1 (the reference on
# this machine), which silently ignores some newer OCI fields; flashcube must honour them.
unsupported_by_runc_1_1() {
        if runtime_is_runc && "$FC_RUNTIME" --version | grep -q '^runc version 1\.1\.'; then
                skip "runc 1.1 ignores $1 (supported from runc 1.2)"
        fi
}

# requires_cap CAP_NAME NUMBER: skip when the test process lacks a capability in its effective
# set (root here runs without CAP_SYS_RESOURCE).
requires_cap() {
        local name=$1 bit=$2 eff
        eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
        if ((((16#$eff >> bit) & 1) == 0)); then
                skip "root lacks $name on this machine"
        fi
}

requires_runc() {
        if [ ! -x "$RUNC" ]; then
                skip "reference runtime $RUNC is not installed"
        fi
}

# requires_kernel_feature NAME PATH: skip visibly when the host lacks PATH.
requires_path() {
        local what=$1 path=$2
        if [ ! -e "$path" ]; then
                skip "host lacks $what ($path missing)"
        fi
}

# The cached busybox rootfs, built at most once per suite run.
fc_rootfs_cache() {
        if [ -n "${FC_ROOTFS_CACHE:-}" ] && [ -x "$FC_ROOTFS_CACHE/bin/busybox" ]; then
                echo "$FC_ROOTFS_CACHE"
                return 0
        fi
        local cache=$FC_TEST_DIR/rootfs-cache
        (
                flock 9
                if [ ! -x "$cache/bin/busybox" ]; then
                        rm -rf "$cache.tmp"
                        "$FC_INTEG_DIR/make-rootfs.sh" "$cache.tmp" >&2 && mv "$cache.tmp" "$cache"
                fi
        ) 9>"$FC_TEST_DIR/rootfs.lock"
        echo "$cache"
}

fc_random_id() {
        echo "$FC_PREFIX$(head -c 5 /dev/urandom | od -An -tx1 | tr -d ' \n')"
}

# setup_common: per-test temp dir, state root, container id.  Called from every setup().
setup_common() {
        # A missing binary must fail every test, not pass the "fails with one line" ones.
        [ -x "$FC_RUNTIME" ] || fail "runtime $FC_RUNTIME is not an executable"
        FC_TMP=$(mktemp -d "$FC_TEST_DIR/t.XXXXXX")
        FC_ROOT=$FC_TMP/state
        FC_ID=$(fc_random_id)
        FC_IDS=("$FC_ID")
        FC_HOLDERS=()
        FC_CLEANUP_CMDS=()
        mkdir -p "$FC_ROOT"
        export FC_TMP FC_ROOT FC_ID
}

# setup_bundle [runc] [DIR]: a bundle made from `$FC_RUNTIME spec` (or `runc spec` when the first
# argument is "runc") with terminal false and a copy of the cached rootfs.
setup_bundle() {
        local generator=$FC_RUNTIME
        if [ "${1:-}" = runc ]; then
                generator=$RUNC
                shift
        fi
        local dir=${1:-$FC_TMP/bundle}
        mkdir -p "$dir"
        (cd "$dir" && timeout "$FC_TIMEOUT" "$generator" spec) ||
                fail "'$generator spec' failed in $dir"
        [ -s "$dir/config.json" ] || fail "'$generator spec' wrote no config.json"
        cp -a "$(fc_rootfs_cache)" "$dir/rootfs"
        FC_BUNDLE=$dir
        export FC_BUNDLE
        update_config '.process.terminal = false'
}

# refute CMD...: CMD must fail.  (bats does not fail a test on a `! cmd` line that is not last.)
refute() {
        if "$@"; then
                fail "unexpectedly succeeded: $*"
                return 1
        fi
        return 0
}

fail() {
        echo "FAIL: $*" >&2
        return 1
}

# update_config JQ-FILTER [jq args...]: edit $FC_BUNDLE/config.json in place
# (update_config_in BUNDLE JQ-FILTER [jq args...] for another bundle).
update_config() {
        update_config_in "$FC_BUNDLE" "$@"
}

update_config_in() {
        local bundle=$1 filter=$2
        shift 2
        local tmp
        tmp=$(mktemp "$FC_TMP/config.XXXXXX")
        if ! jq "$@" "$filter" "$bundle/config.json" >"$tmp"; then
                rm -f "$tmp"
                fail "jq filter failed: $filter"
                return 1
        fi
        mv "$tmp" "$bundle/config.json"
}

# set_args ARG...: process.args = the arguments.
set_args() {
        local json
        # "--" so that jq does not take arguments like "-c" as its own options.
        json=$(jq -cn '$ARGS.positional' --args -- "$@")
        update_config '.process.args = $a' --argjson a "$json"
}

# set_cmd 'shell command': process.args = ["sh", "-c", cmd].
set_cmd() {
        set_args sh -c "$1"
}

# fc ARGS...: the runtime with this test's state root, bounded in time.
fc() {
        timeout --kill-after=5 "$FC_TIMEOUT" "$FC_RUNTIME" --root "$FC_ROOT" "$@"
}

runc_ref() {
        timeout --kill-after=5 "$FC_TIMEOUT" "$RUNC" --root "$FC_TMP/runc-state" "$@"
}

# fc_detached ARGS...: run a runtime command whose container keeps running (create, run -d).
# The container inherits the runtime's stdio, so bats' `run` would wait for it; instead stdout and
# stderr go to files.  Sets $status, $output (stderr of the runtime + container) like `run`,
# $FC_OUT/$FC_ERR name the files (the container's stdout/stderr keep growing there).
fc_detached() {
        FC_OUT=$(mktemp "$FC_TMP/out.XXXXXX")
        FC_ERR=$(mktemp "$FC_TMP/err.XXXXXX")
        status=0
        fc "$@" </dev/null >"$FC_OUT" 2>"$FC_ERR" || status=$?
        output=$(cat "$FC_ERR")
        stderr=$output
}

# create_container [ID]: create from $FC_BUNDLE, asserting success.
create_container() {
        local id=${1:-$FC_ID}
        track_id "$id"
        fc_detached create --bundle "$FC_BUNDLE" "$id"
        if [ "$status" -ne 0 ]; then
                echo "create $id failed ($status): $output" >&2
                return 1
        fi
}

# run_detached [ID]: run -d from $FC_BUNDLE, asserting success.
run_detached() {
        local id=${1:-$FC_ID}
        track_id "$id"
        fc_detached run -d --bundle "$FC_BUNDLE" "$id"
        if [ "$status" -ne 0 ]; then
                echo "run -d $id failed ($status): $output" >&2
                return 1
        fi
}

track_id() {
        local id
        for id in "${FC_IDS[@]}"; do
                [ "$id" = "$1" ] && return 0
        done
        FC_IDS+=("$1")
}

# state_field ID JQ: one field of `state ID`.
state_field() {
        fc state "$1" | jq -r "$2"
}

container_status() {
        state_field "${1:-$FC_ID}" .status 2>/dev/null
}

container_pid() {
        state_field "${1:-$FC_ID}" .pid
}

# wait_for_status STATUS [ID] [TRIES]: poll (10 ms steps) until the container reaches STATUS.
wait_for_status() {
        local want=$1 id=${2:-$FC_ID} tries=${3:-500} i
        for ((i = 0; i < tries; i++)); do
                [ "$(container_status "$id")" = "$want" ] && return 0
                sleep 0.01
        done
        echo "container $id did not reach status $want (now: $(container_status "$id"))" >&2
        return 1
}

# wait_for_file FILE [TRIES]
wait_for_file() {
        local file=$1 tries=${2:-500} i
        for ((i = 0; i < tries; i++)); do
                [ -e "$file" ] && return 0
                sleep 0.01
        done
        echo "$file did not appear" >&2
        return 1
}

# start_holder UNSHARE-FLAGS...: a host process in new namespaces (for "join by path" tests).
# unshare --fork, so that a new pid namespace gets its init; FC_HOLDER_PID is that child (the
# process whose /proc/PID/ns/* to join).  Both are killed in teardown.
start_holder() {
        unshare --fork "$@" sleep 1000 </dev/null >/dev/null 2>&1 &
        local parent=$! i child
        FC_HOLDERS+=("$parent")
        for ((i = 0; i < 500; i++)); do
                child=$(pgrep -P "$parent" 2>/dev/null | head -n1)
                if [ -n "$child" ] && [ "$(readlink "/proc/$child/exe")" = "$(readlink -f "$(command -v sleep)")" ]; then
                        FC_HOLDER_PID=$child
                        FC_HOLDERS+=("$child")
                        return 0
                fi
                sleep 0.01
        done
        fail "holder process did not start"
}

# on_teardown 'shell command': extra cleanup, run even when the test fails.
on_teardown() {
        FC_CLEANUP_CMDS+=("$1")
}

# teardown_common: remove the containers, holders, extra resources and temp dirs.
teardown_common() {
        local id pid cmd
        for id in "${FC_IDS[@]}"; do
                timeout 20 "$FC_RUNTIME" --root "$FC_ROOT" delete -f "$id" >/dev/null 2>&1 || true
        done
        if [ -x "$RUNC" ] && [ -d "$FC_TMP/runc-state" ]; then
                local d
                for d in "$FC_TMP/runc-state"/*; do
                        [ -e "$d" ] || continue
                        timeout 20 "$RUNC" --root "$FC_TMP/runc-state" delete -f "${d##*/}" >/dev/null 2>&1 || true
                done
        fi
        for pid in "${FC_HOLDERS[@]}"; do
                kill -KILL "$pid" 2>/dev/null || true
                wait "$pid" 2>/dev/null || true
        done
        for cmd in "${FC_CLEANUP_CMDS[@]}"; do
                eval "$cmd" >/dev/null 2>&1 || true
        done
        # Anything a failed test left mounted under its temp dir must not survive rm -rf.
        if [ -n "${FC_TMP:-}" ] && [ -d "$FC_TMP" ]; then
                awk -v d="$FC_TMP" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo |
                        sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
                rm -rf "$FC_TMP"
        fi
}

setup() {
        setup_common
}

teardown() {
        teardown_common
}

# process_gone PID: the process has exited (a zombie waiting for its reaper counts as gone).
process_gone() {
        local i
        for ((i = 0; i < 200; i++)); do
                [ ! -e "/proc/$1" ] && return 0
                grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null && return 0
                sleep 0.01
        done
        return 1
}

# host_ns TYPE: the namespace of TYPE the runtime is started in, as readlink shows it
# ("net:[4026531840]").
host_ns() {
        readlink "/proc/self/ns/$1"
}

# one_line_error: the last `run` failed with exactly one non-empty line on stderr.
assert_one_line_error() {
        if [ "$status" -eq 0 ]; then
                echo "expected failure, got status 0; stdout: $output" >&2
                return 1
        fi
        local n
        n=$(printf '%s' "$stderr" | grep -c .)
        if [ "$n" -ne 1 ]; then
                echo "expected one line on stderr, got $n:" >&2
                printf '%s\n' "$stderr" >&2
                return 1
        fi
}

# state_root_empty: nothing left in this test's state root.
assert_state_root_empty() {
        local left
        # (Emptied state dirs kept for the next creates, and the cgroup mounts kept for them, do
        # not count.)
        left=$(ls -A "$FC_ROOT" 2>/dev/null | grep -v '^\.fc-spare@[0-9]*$' |
                grep -vx '\.fc-cgroup-mounts' || true)
        if [ -n "$left" ]; then
                echo "state root not empty: $left" >&2
                return 1
        fi
}
