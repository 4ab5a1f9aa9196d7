#!/bin/bash
# start-latency.sh [-n RUNS] [FLASHCUBE]
#
# `run` of a busybox `true` bundle made with `runc spec` (unchanged except
# terminal off and args), timed for flashcube, runc and crun side by side in
# one process, runs interleaved so machine noise hits all alike.  Then the
# same bundle through the split lifecycle a shim drives: `create` + `start`
# timed together (what containerd's shim waits for before it reports the
# task started), the wait for the exit not counted, `delete` timed alone.
# Prints medians, p99 and ratios; never a bare absolute time.
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
for t in runc crun python3 jq unshare; do
        command -v $t >/dev/null || { echo "start-latency.sh: $t missing" >&2; exit 1; }
done
if [ -z "${FC_BENCH_INNER:-}" ] && mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
        export FC_BENCH_INNER=1
        exec unshare -m -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"' "$0" -n "$runs" "$fc"
fi
# State roots in /run, where runtimes keep them.  On this machine /run is
# not a tmpfs (as it is in production) but the root ext4, mounted with
# -o discard: a runtime that removes a file or directory whose blocks were
# allocated waits for the disk.  Every runtime's state goes there alike.
work=$(mktemp -d /run/fc-bench.XXXXXX)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
trap 'bench_cleanup' EXIT
"$here/make-bundle.sh" "$work/bundle" true >/dev/null

# flashcube with its parts cache warm (started here, on a socket private to the benchmark) and
# with it off (the cold path).
bench_start_cache

python3 - "$runs" "$work" "$fc" "$sock" <<'PY'
import os, subprocess, sys, time, statistics, json
runs, work, fc, sock = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
bundle = os.path.join(work, "bundle")
# Container ids (and so the runtimes' cgroup paths) carry the work dir's
# random suffix: two benchmarks on one machine do not collide.
tag = os.path.basename(work).split(".")[-1]
rts = {
    "flashcube": [fc, "--cache-socket", sock, "--root", os.path.join(work, "fc-root")],
    "fc-cold": [fc, "--no-cache", "--root", os.path.join(work, "fc-cold-root")],
    "crun": ["crun", "--root", os.path.join(work, "crun-root")],
    "runc": ["runc", "--root", os.path.join(work, "runc-root")],
}
times = {k: [] for k in rts}
devnull = open(os.devnull, "w")
# stderr to a file, not a pipe: a created container's init inherits it and
# would hold a pipe open until it exits, so reading it would wait for start.
errlog = open(os.path.join(work, "stderr"), "w+")
def call(name, args, what):
    cmd = rts[name] + args
    errlog.seek(0)
    errlog.truncate()
    t0 = time.perf_counter_ns()
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=devnull, stderr=errlog)
    t1 = time.perf_counter_ns()
    if r.returncode != 0:
        errlog.seek(0)
        sys.exit(f"{name} {what} failed (exit {r.returncode}): {errlog.read().strip()}")
    return (t1 - t0) / 1e6
def once(name, i):
    return call(name, ["run", "-b", bundle, f"b{tag}-{name}-{i}"], "run")
def wait_stopped(name, cid):
    deadline = time.monotonic() + 10
    while True:
        r = subprocess.run(rts[name] + ["state", cid], stdin=subprocess.DEVNULL,
                           capture_output=True)
        if r.returncode != 0:
            sys.exit(f"{name} state {cid} failed (exit {r.returncode}): {r.stderr.decode().strip()}")
        if json.loads(r.stdout)["status"] == "stopped":
            return
        if time.monotonic() > deadline:
            sys.exit(f"{name}: {cid} did not stop within 10 s")
        time.sleep(0.001)
def lifecycle(name, i):
    cid = f"b{tag}-{name}-l{i}"
    # create detaches: its stdio goes to /dev/null so nothing holds a pipe open.
    cs = call(name, ["create", "-b", bundle, cid], "create")
    cs += call(name, ["start", cid], "start")
    wait_stopped(name, cid)
    return cs, call(name, ["delete", cid], "delete")
for name in rts:  # warm-up: page cache, first-use costs
    for i in range(5):
        once(name, f"w{i}")
        lifecycle(name, f"w{i}")
for i in range(runs):
    for name in rts:
        times[name].append(once(name, i))
cstart = {k: [] for k in rts}
delete = {k: [] for k in rts}
for i in range(runs):
    for name in rts:
        cs, d = lifecycle(name, i)
        cstart[name].append(cs)
        delete[name].append(d)
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
print()
mcs = {k: statistics.median(v) for k, v in cstart.items()}
mdel = {k: statistics.median(v) for k, v in delete.items()}
print(f"lifecycle: `create` + `start` timed together, the exit awaited (polling `state`, not")
print(f"counted), then `delete` timed alone; {runs} runs each, interleaved")
print("times in ms; c+s = create + start")
print(f"{'runtime':<10} {'c+s median':>10} {'c+s p99':>8} {'vs crun':>8} {'vs runc':>8}"
      f" {'del median':>10} {'del p99':>8} {'vs crun':>8} {'vs runc':>8}")
for k in rts:
    print(f"{k:<10} {mcs[k]:>10.2f} {pct(cstart[k], 99):>8.2f} {mcs[k] / mcs['crun']:>7.3f}x"
          f" {mcs[k] / mcs['runc']:>7.3f}x {mdel[k]:>10.2f} {pct(delete[k], 99):>8.2f}"
          f" {mdel[k] / mdel['crun']:>7.3f}x {mdel[k] / mdel['runc']:>7.3f}x")
print(f"p99/median flashcube create+start = {pct(cstart['flashcube'], 99) / mcs['flashcube']:.2f},"
      f" delete = {pct(delete['flashcube'], 99) / mdel['flashcube']:.2f}")
PY
