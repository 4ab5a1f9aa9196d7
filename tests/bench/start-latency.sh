#!/bin/bash
# start-latency.sh [-n RUNS] [FLASHCUBE]
#
# `run` of a busybox `true` bundle made with `runc spec` (unchanged except
# terminal off and args), timed for flashcube, runc and crun side by side in
# one process, runs interleaved so machine noise hits all alike.  Prints
# medians, p99 and ratios; never a bare absolute time.
#
# crun refuses hybrid cgroups, so the whole benchmark runs in one private
# mount namespace with /sys/fs/cgroup/unified unmounted (for every runtime
# alike; per-call wrappers would add milliseconds to one of them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=200
while getopts n: o; do
        case $o in
        n) runs=$OPTARG ;;
        *) exit 2 ;;
        esac
done
shift $((OPTIND - 1))
fc=${1:-$here/../../flashcube}
fc=$(readlink -f "$fc")
for t in runc crun python3 jq; do
        command -v $t >/dev/null || { echo "start-latency.sh: $t missing" >&2; exit 1; }
done
if [ -z "${FC_BENCH_INNER:-}" ] && mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
        export FC_BENCH_INNER=1
        exec unshare -m -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"' "$0" -n "$runs" "$fc"
fi
# State roots on tmpfs, as /run is in production (a disk-backed /tmp would
# add filesystem journal work to every runtime alike).
work=$(mktemp -d /run/fc-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$here/make-bundle.sh" "$work/bundle" true >/dev/null


# flashcube with its parts cache warm (started here, on a socket private to the benchmark) and
# with it off (the cold path).
mkdir -m 0700 "$work/cache"
sock=$work/cache/cache.sock
"$fc" --cache-socket "$sock" cache serve --detach
trap '"$fc" --cache-socket "$sock" cache stop >/dev/null 2>&1; rm -rf "$work"' EXIT

python3 - "$runs" "$work" "$fc" "$sock" <<'PY'
import os, subprocess, sys, time, statistics
runs, work, fc, sock = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
bundle = os.path.join(work, "bundle")
rts = {
    "flashcube": [fc, "--cache-socket", sock, "--root", os.path.join(work, "fc-root")],
    "fc-cold": [fc, "--no-cache", "--root", os.path.join(work, "fc-cold-root")],
    "crun": ["crun", "--root", os.path.join(work, "crun-root")],
    "runc": ["runc", "--root", os.path.join(work, "runc-root")],
}
times = {k: [] for k in rts}
devnull = open(os.devnull, "w")
def once(name, i):
    cmd = rts[name] + ["run", "-b", bundle, f"bench-{name}-{i}"]
    t0 = time.perf_counter_ns()
    r = subprocess.run(cmd, stdout=devnull, stderr=subprocess.PIPE)
    t1 = time.perf_counter_ns()
    if r.returncode != 0:
        sys.exit(f"{name} run failed (exit {r.returncode}): {r.stderr.decode().strip()}")
    return (t1 - t0) / 1e6
for name in rts:  # warm-up: page cache, first-use costs
    for i in range(5):
        once(name, f"w{i}")
for i in range(runs):
    for name in rts:
        times[name].append(once(name, i))
def pct(v, p):
    v = sorted(v); k = min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))
    return v[k]
med = {k: statistics.median(v) for k, v in times.items()}
print(f"start latency: `run` of busybox true, runc spec bundle, {runs} runs each, interleaved;")
print("flashcube = parts cache warm, fc-cold = --no-cache")
print(f"{'runtime':<10} {'median ms':>10} {'p99 ms':>8} {'vs flashcube':>13}")
for k in rts:
    print(f"{k:<10} {med[k]:>10.2f} {pct(times[k], 99):>8.2f} {med[k] / med['flashcube']:>12.2f}x")
print(f"ratio flashcube/crun = {med['flashcube'] / med['crun']:.3f}, flashcube/runc = {med['flashcube'] / med['runc']:.3f}")
print(f"ratio fc-cold/crun = {med['fc-cold'] / med['crun']:.3f}, fc-cold/runc = {med['fc-cold'] / med['runc']:.3f}")
print(f"p99/median flashcube = {pct(times['flashcube'], 99) / med['flashcube']:.2f}")
PY
