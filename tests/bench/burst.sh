#!/bin/bash
# burst.sh [-n CONTAINERS] [-j PARALLEL] [FLASHCUBE]
#
# A burst: CONTAINERS (64) `run`s of a busybox `true` bundle made with
# `runc spec`, PARALLEL (8) at a time (a pool of workers, each starting the
# next container as soon as its last one exited), as a node does when a
# deployment scales out.  Timed for flashcube with its parts cache warm, with
# --no-cache, crun and runc, one runtime after another, three rounds
# interleaved so machine noise hits all alike; per runtime the round with the
# median total time is reported: its total wall time and the p50/p99 of its
# containers' `run` times, with ratios.  Never a bare absolute time.
#
# Runs in a private mount namespace without /sys/fs/cgroup/unified, as
# start-latency.sh does (crun refuses hybrid cgroups).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
count=64
jobs=8
while getopts n:j: o; do
        case $o in
        n) count=$OPTARG ;;
        j) jobs=$OPTARG ;;
        *) exit 2 ;;
        esac
done
shift $((OPTIND - 1))
fc=${1:-$here/../../flashcube}
fc=$(readlink -f "$fc")
for t in runc crun python3 jq unshare; do
        command -v $t >/dev/null || { echo "burst.sh: $t missing" >&2; exit 1; }
done
if [ -z "${FC_BENCH_INNER:-}" ] && mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
        export FC_BENCH_INNER=1
        exec unshare -m -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"' "$0" -n "$count" -j "$jobs" "$fc"
fi
work=$(mktemp -d /run/fc-bench.XXXXXX)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
trap 'bench_cleanup' EXIT
"$here/make-bundle.sh" "$work/bundle" true >/dev/null
bench_start_cache

python3 - "$count" "$jobs" "$work" "$fc" "$sock" <<'PY'
import os, subprocess, sys, time, statistics, json
from concurrent.futures import ThreadPoolExecutor
count, jobs, work, fc, sock = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
rounds = 3
bundle = os.path.join(work, "bundle")
tag = os.path.basename(work).split(".")[-1]
rts = {
    "flashcube": [fc, "--cache-socket", sock, "--root", os.path.join(work, "fc-root")],
    "fc-cold": [fc, "--no-cache", "--root", os.path.join(work, "fc-cold-root")],
    "crun": ["crun", "--root", os.path.join(work, "crun-root")],
    "runc": ["runc", "--root", os.path.join(work, "runc-root")],
}
def cache_status():
    r = subprocess.run([fc, "--cache-socket", sock, "cache", "status", "--format", "json"],
                       capture_output=True, check=True)
    return json.loads(r.stdout)
def wait_pools_full():
    # A burst meets a cache at rest: each warm round starts with full pools
    # (the wait is not timed).  What the burst drains beyond them shows as
    # misses, i.e. cold creates.
    deadline = time.monotonic() + 30
    while True:
        st = cache_status()
        if all(p["ready"] >= p["target"] for p in st["pools"].values()):
            return st
        if time.monotonic() > deadline:
            sys.exit(f"the parts cache did not fill its pools within 30 s: {st['pools']}")
        time.sleep(0.05)
def one(name, cid):
    # stderr to a file per container, read only on failure.
    with open(os.path.join(work, f"err-{cid}"), "w+") as err:
        t0 = time.perf_counter_ns()
        r = subprocess.run(rts[name] + ["run", "-b", bundle, cid], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=err)
        t1 = time.perf_counter_ns()
        if r.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{name} run {cid} failed (exit {r.returncode}): {err.read().strip()}")
    os.unlink(os.path.join(work, f"err-{cid}"))
    return (t1 - t0) / 1e6
def burst(name, rnd):
    ids = [f"b{tag}-{name}-r{rnd}-{i}" for i in range(count)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        t0 = time.perf_counter_ns()
        lat = list(pool.map(lambda cid: one(name, cid), ids))
        t1 = time.perf_counter_ns()
    return (t1 - t0) / 1e6, lat
def pct(v, p):
    v = sorted(v); k = min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))
    return v[k]
for name in rts:  # warm-up: page cache, first-use costs
    for i in range(3):
        one(name, f"b{tag}-{name}-w{i}")
results = {k: [] for k in rts}
cache = []
try:
    for rnd in range(rounds):
        for name in rts:
            if name == "flashcube":
                before = wait_pools_full()
            results[name].append(burst(name, rnd))
            if name == "flashcube":
                after = cache_status()
                cache.append((after["hits"] - before["hits"], after["misses"] - before["misses"]))
except RuntimeError as e:
    sys.exit(str(e))
chosen = {}
for k, rs in results.items():
    order = sorted(range(rounds), key=lambda i: rs[i][0])
    chosen[k] = order[rounds // 2]
tot = {k: results[k][chosen[k]][0] for k in rts}
p50 = {k: statistics.median(results[k][chosen[k]][1]) for k in rts}
p99 = {k: pct(results[k][chosen[k]][1], 99) for k in rts}
print(f"burst: {count} x `run` of busybox true (runc spec bundle), {jobs} at a time; {rounds} rounds,")
print(f"runtimes interleaved; per runtime the round with the median total time ({count} containers")
print("each, so its p99 is about its slowest); flashcube = parts cache warm (pools full at the start")
print("of each round), fc-cold = --no-cache; times in ms")
print(f"{'runtime':<10} {'total':>9} {'vs crun':>8} {'vs runc':>8} {'run p50':>8} {'run p99':>8}"
      f" {'p50 vs crun':>12} {'p50 vs runc':>12}  {'totals of all rounds':<s}")
for k in rts:
    alls = " ".join(f"{r[0]:.0f}" for r in results[k])
    print(f"{k:<10} {tot[k]:>9.1f} {tot[k] / tot['crun']:>7.3f}x {tot[k] / tot['runc']:>7.3f}x"
          f" {p50[k]:>8.2f} {p99[k]:>8.2f} {p50[k] / p50['crun']:>11.3f}x {p50[k] / p50['runc']:>11.3f}x  {alls}")
print(f"ratio total flashcube/crun = {tot['flashcube'] / tot['crun']:.3f}, flashcube/runc = {tot['flashcube'] / tot['runc']:.3f}")
print(f"ratio total fc-cold/crun = {tot['fc-cold'] / tot['crun']:.3f}, fc-cold/runc = {tot['fc-cold'] / tot['runc']:.3f}")
print(f"p99/p50 flashcube = {p99['flashcube'] / p50['flashcube']:.2f}")
print("parts cache per warm round (hits/misses over all pools): "
      + ", ".join(f"{h}/{m}" for h, m in cache))
PY
