#!/bin/bash
# cache-footprint.sh [FLASHCUBE]
#
# What the parts cache costs while it waits: a cache with the default pools
# on a socket private to the benchmark, measured once its pools are full.
#  - its memory: VmRSS (and Pss) of the cache process and of all its processes;
#  - the kernel memory the full pools pin: /proc/meminfo before the start and
#    once full (Slab, SUnreclaim, KernelStack, PageTables, Percpu,
#    MemAvailable), in total and per pooled part.  meminfo is machine-wide,
#    so the same fields' drift over an equal span with no cache is printed
#    beside it as the noise floor; and Slab grows by slab pages, not objects
#    (freed objects are reused first), so it understates.  The cache runs in
#    a memory cgroup of its own, so the kernel memory charged to it, per
#    object (accounted allocations only, but free of other people's noise),
#    is printed too;
#  - the CPU it uses idle over 10 s (utime+stime, its reaped helpers
#    included) and how often it woke up (context switches): once never used,
#    once right after a few warm `run`s (refills, the attach keeper's tail).
# Then `cache stop`, and a check that it left no process, file or mount.
#
# The cache runs in the foreground (`cache serve`, backgrounded here), not
# `--detach`: a detached cache moves itself into the host-wide
# "flashcube-cache" cgroups that every other cache on the machine shares, so
# its charges could not be told apart.  Serving is the same code either way.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
idle=10
fc=${1:-$here/../../flashcube}
fc=$(readlink -f "$fc")
for t in python3 jq runc; do
        command -v $t >/dev/null || { echo "cache-footprint.sh: $t missing" >&2; exit 1; }
done
work=$(mktemp -d /run/fc-bench.XXXXXX)
mkdir -m 0700 "$work/cache"
sock=$work/cache/cache.sock
memcg=

# The cache's pid is in cache.bgpid from its start until it is seen gone: an
# interrupted run stops it (by its socket, else by that pid, which is ours).
cleanup()
{
        local pid id
        for id in $("$fc" --no-cache --root "$work/fc-root" list -q 2>/dev/null); do
                "$fc" --no-cache --root "$work/fc-root" delete -f "$id" >/dev/null 2>&1 || true
        done
        if [ -f "$work/cache.bgpid" ]; then
                pid=$(cat "$work/cache.bgpid")
                "$fc" --cache-socket "$sock" cache stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
                for _ in $(seq 50); do
                        kill -0 "$pid" 2>/dev/null || break
                        sleep 0.1
                done
        fi
        if [ -n "$memcg" ]; then
                rmdir "$memcg" 2>/dev/null || true
        fi
        rm -rf "$work"
}
trap cleanup EXIT

# A memory cgroup for the cache alone: v1 (hybrid hosts) reports kernel
# memory in memory.kmem.usage_in_bytes, v2 in memory.stat's "kernel".
name=${work##*/}
if [ -e /sys/fs/cgroup/memory/memory.kmem.usage_in_bytes ]; then
        memcg=/sys/fs/cgroup/memory/$name
elif grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
        memcg=/sys/fs/cgroup/$name
fi
if [ -n "$memcg" ]; then
        mkdir "$memcg" || memcg=
fi

"$here/make-bundle.sh" "$work/bundle" true >/dev/null

python3 - "$work" "$fc" "$sock" "$idle" "$memcg" <<'PY'
import os, subprocess, sys, time, json, statistics
work, fc, sock, idle, memcg = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
bundle = os.path.join(work, "bundle")
tag = os.path.basename(work).split(".")[-1]
hz = os.sysconf("SC_CLK_TCK")
cycles = 5
fills = []
FIELDS = ["Slab", "SUnreclaim", "KernelStack", "PageTables", "Percpu", "MemAvailable"]

def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            if k in FIELDS:
                out[k] = int(v.split()[0])
    return out
def kmem():
    if not memcg:
        return None
    p = os.path.join(memcg, "memory.kmem.usage_in_bytes")
    if os.path.exists(p):
        return int(open(p).read()) // 1024
    for line in open(os.path.join(memcg, "memory.stat")):
        k, v = line.split()
        if k == "kernel":
            return int(v) // 1024
    return None
def status():
    r = subprocess.run([fc, "--cache-socket", sock, "cache", "status", "--format", "json"],
                       capture_output=True)
    return json.loads(r.stdout) if r.returncode == 0 else None
def proc_field(pid, fname, key):
    try:
        for line in open(f"/proc/{pid}/{fname}"):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except FileNotFoundError:
        return 0
    return 0
def descendants(pid):
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            st = open(f"/proc/{d}/stat").read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out
def cpu_ms(pid):
    st = open(f"/proc/{pid}/stat").read()
    f = st[st.rindex(")") + 2:].split()
    # utime stime cutime cstime: fields 14-17; the children's share covers
    # the refill helpers the cache forked and reaped meanwhile.
    return sum(int(x) for x in f[11:15]) * 1000 / hz
def switches(pid):
    v = n = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        v += proc_field(f"{pid}/task/{t}", "status", "voluntary_ctxt_switches")
        n += proc_field(f"{pid}/task/{t}", "status", "nonvoluntary_ctxt_switches")
    return v, n

log = open(os.path.join(work, "cache.log"), "w")
def enter_memcg():
    if memcg:
        with open(os.path.join(memcg, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
def start():
    t0 = time.monotonic()
    srv = subprocess.Popen([fc, "--cache-socket", sock, "cache", "serve"],
                           stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                           preexec_fn=enter_memcg)
    open(os.path.join(work, "cache.bgpid"), "w").write(str(srv.pid))
    while True:
        st = status()
        if st and all(p["ready"] >= p["target"] for p in st["pools"].values()):
            break
        if srv.poll() is not None:
            sys.exit(f"the cache exited ({srv.returncode}): "
                     + open(os.path.join(work, "cache.log")).read())
        if time.monotonic() - t0 > 60:
            sys.exit(f"the pools did not fill within 60 s: {st and st['pools']}")
        time.sleep(0.05)
    if st["pid"] != srv.pid:
        sys.exit(f"status reports pid {st['pid']}, we started {srv.pid}")
    return srv, st, time.monotonic() - t0
def stop(srv):
    r = subprocess.run([fc, "--cache-socket", sock, "cache", "stop"], capture_output=True)
    if r.returncode != 0:
        sys.exit(f"cache stop failed: {r.stderr.decode().strip()}")
    try:
        srv.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sys.exit(f"the cache {srv.pid} is still running 10 s after `cache stop`")
    os.unlink(os.path.join(work, "cache.bgpid"))

# meminfo is machine-wide and others are busy on this machine: the
# before/full comparison is made over several start-fill-stop cycles, each
# beside a span of the same length with no cache (the noise floor), and the
# medians are reported.  The last cycle's cache stays for the rest.
settle = 0.5  # after full: the last helper exits and is reaped
deltas, noise, kdeltas = {k: [] for k in FIELDS}, {k: [] for k in FIELDS}, []
m_first, k_first = meminfo(), kmem()
for c in range(cycles):
    n0 = meminfo()
    time.sleep(fills[-1] + settle if c else 1.0)
    m1, k1 = meminfo(), kmem()
    srv, st, fill = start()
    time.sleep(settle)
    m2, k2 = meminfo(), kmem()
    for k in FIELDS:
        noise[k].append(m1[k] - n0[k])
        deltas[k].append(m2[k] - m1[k])
    if k1 is not None:
        kdeltas.append(k2 - k1)
    fills.append(fill)
    if c < cycles - 1:
        stop(srv)
        time.sleep(1)  # the kernel frees namespaces asynchronously
parts = sum(p["ready"] for p in st["pools"].values())
pids = descendants(srv.pid)
rss_main = proc_field(srv.pid, "status", "VmRSS")
rss_all = sum(proc_field(p, "status", "VmRSS") for p in pids)
pss_all = sum(proc_field(p, "smaps_rollup", "Pss") for p in pids)

def idle_window():
    c0, s0 = cpu_ms(srv.pid), switches(srv.pid)
    time.sleep(idle)
    c1, s1 = cpu_ms(srv.pid), switches(srv.pid)
    st = status()
    return (c1 - c0, s1[0] - s0[0], s1[1] - s0[1],
            all(p["ready"] >= p["target"] for p in st["pools"].values()))
idle_fresh = idle_window()
# After use, the cache has work of its own for a while: refilling, dropping
# retired parts, its attach keeper (cgroup v1) running for a second after the
# last lease.  So a second window starts right after a few warm runs.
used = 16
for i in range(used):
    r = subprocess.run([fc, "--cache-socket", sock, "--root", os.path.join(work, "fc-root"),
                        "run", "-b", bundle, f"fp{tag}-{i}"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit(f"flashcube run failed (exit {r.returncode}): {r.stderr.decode().strip()}")
idle_used = idle_window()
pids_end = descendants(srv.pid)

stop(srv)
time.sleep(2)  # the kernel frees namespaces asynchronously
m3, k3 = meminfo(), kmem()

def med(v):
    return statistics.median(v)
pools = ", ".join(f"{k} {p['ready']}/{p['target']}" for k, p in st["pools"].items())
print(f"parts cache footprint: default pools ({pools} ready/target = {parts} parts);")
print(f"private socket, own memory cgroup; {cycles} start-fill-stop cycles, pools full"
      f" {med(fills):.2f} s (median) after the start; sizes in kB")
print(f"cache RSS: main process {rss_main} kB; all its processes ({len(pids)}) {rss_all} kB"
      f" (Pss {pss_all} kB)")
print(f"kernel memory, full pools - before the start, median of {cycles} cycles [min..max];")
print("noise = the same over an equal span with no cache; after stop = last cycle, 2 s after")
print(f"{'':<13} {'full - before':>13} {'[min..max]':>16} {'per part':>9} {'noise':>7}"
      f" {'[min..max]':>16} {'after stop':>11}")
for k in FIELDS:
    d, n = deltas[k], noise[k]
    print(f"{k:<13} {med(d):>13.0f} {f'[{min(d)}..{max(d)}]':>16} {med(d) / parts:>9.1f}"
          f" {med(n):>7.0f} {f'[{min(n)}..{max(n)}]':>16} {m3[k] - m1[k]:>11}")
if kdeltas:
    d = kdeltas
    print(f"{'memcg kmem':<13} {med(d):>13.0f} {f'[{min(d)}..{max(d)}]':>16} {med(d) / parts:>9.1f}"
          f" {'-':>7} {'':>16} {k3 - k1:>11}")
    print("(memcg kmem: kernel memory charged to the cache's own cgroup, counted per object,")
    print(" accounted allocations only; meminfo's Slab counts slab pages, and objects freed by")
    print(" an earlier cycle or anyone else are reused without growing it: it understates)")
print("(MemAvailable: negative = memory taken)")
print(f"CPU over {idle} s (utime+stime, reaped helpers included; tick {1000 / hz:.0f} ms) and the"
      " cache process's wakeups (context switches, voluntary + involuntary):")
for what, (dc, dv, dn, full) in (("idle, never used", idle_fresh),
                                     (f"right after {used} warm runs", idle_used)):
    print(f"  {what:<26} CPU {dc:>5.0f} ms, wakeups {dv} + {dn};"
          f" pools full at the end: {full}")

left = []
alive = [p for p in set(pids + pids_end) if os.path.exists(f"/proc/{p}")]
if alive:
    left.append(f"processes {alive}")
if memcg:
    procs = open(os.path.join(memcg, "cgroup.procs")).read().split()
    if procs:
        left.append(f"processes in its cgroup {procs}")
files = sorted(os.listdir(os.path.join(work, "cache")))
mounts = [l.split()[4] for l in open("/proc/self/mountinfo") if work in l]
if mounts:
    left.append(f"mounts {mounts}")
print(f"after `cache stop`: files left in its socket dir: {files or 'none'}")
print("leftovers: " + ("; ".join(left) if left else "none (processes, cgroup members, mounts)"))
sys.exit(1 if left else 0)
PY
