#!/bin/bash
# Snapshot / compare what an integration run can leak on the host:
#   - entries under the state roots: the suite's test dir (holding every test's --root), and
#     entries named with the run's prefix in the default roots /run/flashcube and /run/runc
#   - cgroups whose name starts with the run's prefix, under every /sys/fs/cgroup hierarchy
#   - mounts (mount point, fs type, source) in /proc/self/mountinfo that mention the test dir or
#     the prefix; FC_LEAK_ALL_MOUNTS=1 compares every mount (only safe when nothing else runs)
#   - processes whose command line mentions the suite's test dir, and processes in a cgroup named
#     with the prefix (a container's processes: their command line and root name nothing of ours)
#
# FC_LEAK_IGNORE: an extended regex of lines not to count (a test that may autostart the suite's
# parts cache ignores "cache serve").
#
#   leakcheck.sh snapshot FILE
#   leakcheck.sh compare FILE     exit 1 and list what is new since the snapshot
set -u

prefix=${FC_LEAK_PREFIX:-${FC_PREFIX:-fct-}}
testdir=${FC_TEST_DIR:?FC_TEST_DIR must name the suite test dir}
state_roots=${FC_LEAK_STATE_ROOTS:-/run/flashcube /run/runc}

collect() {
        local r
        # The suite dir itself holds the cached rootfs and bookkeeping, not per-test entries.
        find "$testdir" -mindepth 1 -maxdepth 1 \
                ! -name rootfs-cache ! -name cache ! -name 'rootfs.lock' ! -name prefix ! -name 'leak.*' ! -name 'results.tap' \
                -printf 'state %p\n' 2>/dev/null
        for r in $state_roots; do
                [ -d "$r" ] && find "$r" -mindepth 1 -maxdepth 1 -name "${prefix}*" -printf 'state %p\n' 2>/dev/null
        done
        find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name "${prefix}*" \
                -printf 'cgroup %p\n' 2>/dev/null
        # Pooled cgroups (.fc-pool-*) of every parts cache: the suite's and the tests' private
        # ones, whose stop (or a new instance on a dead one's socket) removes them.  Only with
        # FC_LEAK_POOLED=1, at the start and the end of a run: while caches run they come and go.
        if [ "${FC_LEAK_POOLED:-0}" = 1 ]; then
                find /sys/fs/cgroup -mindepth 1 -maxdepth 7 -type d -name ".fc-pool-*" \
                        -printf 'cgroup %p\n' 2>/dev/null
        fi
        awk -v all="${FC_LEAK_ALL_MOUNTS:-0}" -v d="$testdir" -v p="$prefix" '{
                sep = 0; for (i = 7; i <= NF; i++) if ($i == "-") { sep = i; break }
                line = "mount " $5 " " $(sep + 1) " " $(sep + 2)
                if (all == 1 || index($0, d) || index($0, p)) print line }' /proc/self/mountinfo
        local p cmd
        for p in /proc/[0-9]*; do
                [ "${p#/proc/}" = "$$" ] && continue
                cmd=$( { tr "\\0" " " <"$p/cmdline"; } 2>/dev/null) || continue
                case $cmd in
                *leakcheck.sh*) ;;
                *"$testdir"*) echo "process ${p#/proc/} $cmd" ;;
                *)
                        # A zombie holds nothing but its pid; one whose parent died is the
                        # reaper's business (pid 1 of this sandbox does not reap).
                        grep -q '^State:[[:space:]]*Z' "$p/status" 2>/dev/null && continue
                        grep -qF "/$prefix" "$p/cgroup" 2>/dev/null &&
                                echo "process ${p#/proc/} in a cgroup of ours: $cmd"
                        ;;
                esac
        done
}

case ${1:-} in
snapshot)
        collect | sort -u >"${2:?file}"
        ;;
compare)
        before=${2:?file}
        after=$(mktemp)
        trap 'rm -f "$after"' EXIT
        collect | sort -u >"$after"
        leaked=$(comm -13 "$before" "$after")
        if [ -n "${FC_LEAK_IGNORE:-}" ]; then
                leaked=$(printf '%s\n' "$leaked" | grep -vE "$FC_LEAK_IGNORE")
        fi
        if [ -n "$leaked" ]; then
                echo "leakcheck: leaked since the snapshot:" >&2
                printf '%s\n' "$leaked" | sed 's/^/  /' >&2
                exit 1
        fi
        ;;
*)
        echo "usage: leakcheck.sh snapshot|compare FILE" >&2
        exit 2
        ;;
esac
