#!/bin/bash
# tests/load/soak.sh N: N `flashcube run`s in a row with the parts cache warm, sampling at the
# start and at the end:
#   - the cache's RSS (kB) and fd count
#   - flashcube's fd count while it waits for a running container (foreground run)
#   - kernel slab (/proc/meminfo Slab, SUnreclaim, kB)
#   - cgroups (/proc/cgroups num_cgroups, summed over the hierarchies but memory, and memory's)
#   - namespaces: distinct ones held by processes, and those held as fds by the cache
# and failing on growth beyond noise (the machine is shared: other work moves the global
# figures a little; a leak of one object per run moves them by N).  Also fails if any run fails
# or anything of the soak's is left (state, cgroups, mounts).  Run it under `nice`.
#
# FC_RUNTIME (default: $FC_BUILDDIR/flashcube, FC_BUILDDIR defaulting to the source tree).
# FC_SOAK_CACHE=off runs without the cache (the cold path).  Prints "soak: ..." lines and ends
# with "soak: PASS" or "soak: FAIL".
set -uo pipefail

n=${1:?usage: soak.sh N}
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
FC_BUILDDIR=${FC_BUILDDIR:-$srcdir}
rt=${FC_RUNTIME:-$FC_BUILDDIR/flashcube}
[ -x "$rt" ] || { echo "soak: runtime $rt missing" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "soak: must run as root" >&2; exit 2; }

dir=$(mktemp -d /tmp/fc-soak.XXXXXX)
prefix=soak$$-
sock=$dir/cache/cache.sock
root=$dir/state
mkdir -m 0700 "$dir/cache"
export FLASHCUBE_CACHE_SOCKET=$sock
cache=${FC_SOAK_CACHE:-warm}
[ "$cache" = off ] && export FLASHCUBE_NO_CACHE=1

cleanup() {
        local id
        for id in $("$rt" --root "$root" list -q 2>/dev/null); do
                "$rt" --root "$root" delete -f "$id" >/dev/null 2>&1
        done
        [ "$cache" = off ] || timeout 20 "$rt" --cache-socket "$sock" cache stop >/dev/null 2>&1
        rm -rf "$dir"
}
trap cleanup EXIT

"$here/../integration/make-rootfs.sh" "$dir/rootfs-cache" >/dev/null || exit 2
bundle=$dir/bundle
mkdir -p "$bundle"
(cd "$bundle" && "$rt" spec) || exit 2
cp -a "$dir/rootfs-cache" "$bundle/rootfs"
jq '.process.terminal = false | .process.args = ["true"]' "$bundle/config.json" >"$dir/c.json" &&
        mv "$dir/c.json" "$bundle/config.json"
sbundle=$dir/sbundle
mkdir -p "$sbundle"
ln -s "$bundle/rootfs" "$sbundle/rootfs"
jq '.process.args = ["sleep", "1"]' "$bundle/config.json" >"$sbundle/config.json"

cache_pid() { [ -f "$dir/cache/cache.pid" ] && cat "$dir/cache/cache.pid" 2>/dev/null; }
wait_pools() { # until the cache is not refilling (its pools are full) nor removing used cgroups, at most 20 s
        local i j
        [ "$cache" = off ] && return 0
        for ((i = 0; i < 200; i++)); do
                j=$("$rt" --cache-socket "$sock" cache status --format json 2>/dev/null) || { sleep 0.1; continue; }
                [ "$(jq '[.pools[] | select(.ready < .target or .inflight > 0 or .removing > 0)] | length' <<<"$j")" = 0 ] && return 0
                sleep 0.1
        done
}
ns_count() { # distinct namespaces held by processes
        find /proc/[0-9]*/ns -type l -printf '%l\n' 2>/dev/null | sort -u | wc -l
}
sample() { # sample NAME: figures into $dir/NAME
        local p=$(cache_pid) rss=0 cfds=0 cns=0 rfds
        wait_pools
        # A removed memory cgroup lives on ("dying", still counted in num_cgroups, its
        # structures in SUnreclaim) while page cache is charged to it; dropping the page cache
        # lets the kernel free those.  FC_SOAK_DROP_CACHES=0 skips it.
        if [ "${FC_SOAK_DROP_CACHES:-1}" = 1 ]; then
                sync
                echo 3 >/proc/sys/vm/drop_caches
                sleep 2
        fi
        if [ -n "$p" ] && [ -d "/proc/$p" ]; then
                rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")
                cfds=$(ls "/proc/$p/fd" | wc -l)
                cns=$(find "/proc/$p/fd" -type l -lname '*:\[*' -printf '%l\n' 2>/dev/null | grep -cE '^(net|ipc|uts|mnt|pid|user|cgroup|time):')
        fi
        # flashcube's own fds while a foreground run waits for its container
        "$rt" --root "$root" run --bundle "$sbundle" "${prefix}fds$1" </dev/null >/dev/null 2>&1 &
        local rp=$! i
        rfds=0
        for ((i = 0; i < 100; i++)); do
                [ "$("$rt" --root "$root" state "${prefix}fds$1" 2>/dev/null | jq -r .status)" = running ] && break
                sleep 0.01
        done
        rfds=$(ls "/proc/$rp/fd" 2>/dev/null | wc -l)
        wait "$rp"
        {
                echo "cache_rss_kb $rss"
                echo "cache_fds $cfds"
                echo "cache_ns_fds $cns"
                echo "flashcube_fds $rfds"
                awk '/^Slab:/ { print "slab_kb", $2 } /^SUnreclaim:/ { print "sunreclaim_kb", $2 }' /proc/meminfo
                # Live cgroups per hierarchy (memory apart: dying ones inflate it).
                awk 'NR > 1 && $1 != "memory" { s += $3 } END { print "cgroups", s }' /proc/cgroups
                awk '$1 == "memory" { print "memory_cgroups", $3 }' /proc/cgroups
                echo "namespaces $(ns_count)"
        } >"$dir/$1"
}
val() { awk -v k="$2" '$1 == k { print $2 }' "$dir/$1"; }

fails=0
# Warm up: the cache starts (autostart) and fills, allocators reach their working size.
for ((i = 0; i < 20; i++)); do "$rt" --root "$root" run --bundle "$bundle" "${prefix}w$i" </dev/null >/dev/null 2>&1; done
sample start
t0=$(date +%s.%N)
for ((i = 0; i < n; i++)); do
        if ! "$rt" --root "$root" run --bundle "$bundle" "${prefix}$i" </dev/null >/dev/null 2>"$dir/err"; then
                fails=$((fails + 1))
                [ "$fails" -le 5 ] && echo "soak: run $i failed: $(cat "$dir/err")"
        fi
done
t1=$(date +%s.%N)
sample end

status=PASS
check() { # check KEY ALLOWED_GROWTH
        local a b
        a=$(val start "$1")
        b=$(val end "$1")
        printf 'soak: %-14s start %10s  end %10s  growth %8s  (allowed %s)\n' "$1" "$a" "$b" $((b - a)) "$2"
        if [ $((b - a)) -gt "$2" ]; then
                echo "soak: FAIL: $1 grew by $((b - a))"
                status=FAIL
        fi
}
echo "soak: $n runs (cache $cache) in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, $fails failed"
# Allowances: a leak of one object per 100 runs exceeds each of them at N=10,000; the fixed
# part covers what the rest of a shared machine does meanwhile.
check cache_rss_kb $((1024 + n / 10))
check cache_fds 0
check cache_ns_fds 0
check flashcube_fds 0
echo "soak: slab_kb        start $(val start slab_kb)  end $(val end slab_kb) (reclaimable caches: reported, not checked)"
check sunreclaim_kb $((8192 + n / 5))
# A removed cgroup stays counted until the kernel frees it, which a busy machine (CI, right
# after the fault injection step) can hold up for seconds; a leaked one stays.  So a count over
# the allowance is read again once the kernel had time, and that one is checked.
for k in cgroups memory_cgroups; do
        if [ $(($(val end $k) - $(val start $k))) -gt $((20 + n / 200)) ]; then
                echo "soak: $k grew by $(($(val end $k) - $(val start $k))); read again in 10 s"
                sleep 10
                c=$(awk 'NR > 1 && $1 != "memory" { s += $3 } END { print s }' /proc/cgroups)
                [ $k = memory_cgroups ] && c=$(awk '$1 == "memory" { print $3 }' /proc/cgroups)
                sed -i "s/^$k .*/$k $c/" "$dir/end"
        fi
done
check cgroups $((20 + n / 200))
check memory_cgroups $((20 + n / 200))
check namespaces $((20 + n / 200))
[ "$fails" -eq 0 ] || status=FAIL
# (Emptied state dirs kept for the next creates, .fc-spare@N, and the cgroup mounts kept for
# them, .fc-cgroup-mounts, do not count.)
left=$(ls -A "$root" 2>/dev/null | grep -v '^\.fc-spare@[0-9]*$' | grep -vx '\.fc-cgroup-mounts' || true)
[ -z "$left" ] || { echo "soak: FAIL: left in the state root: $left"; status=FAIL; }
left=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "${prefix}*" 2>/dev/null)
[ -z "$left" ] || { echo "soak: FAIL: cgroups left: $left"; status=FAIL; }
left=$(grep -F "$dir" /proc/self/mountinfo)
[ -z "$left" ] || { echo "soak: FAIL: mounts left: $left"; status=FAIL; }
echo "soak: $status"
[ "$status" = PASS ]
