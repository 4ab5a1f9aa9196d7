#!/bin/bash
# phases.sh [-n RUNS] [-s] [-g GAP_MS] FLASHCUBE [FLASHCUBE...]
#
# Where a warm `flashcube run` of a busybox `true` bundle spends its time,
# from the scheduler's own events (a tracefs instance of this script's own:
# fork, exec and exit of each process, and the container init's recvmsg
# calls), which cost about a microsecond each, unlike strace or --debug.
# Several builds are compared side by side: their runs are interleaved, each
# build with its own private parts cache, so noise hits all alike.  Per build
# it prints the median and p90 of:
#   start      exec of flashcube .......... clone of the container init
#   init       clone of the init .......... exec of the container's process
#   container  exec of the process ........ its exit (busybox `true`)
#   tail       exit of the process ........ exit of flashcube
#   total      exec of flashcube .......... exit of flashcube
#   init waits the init's recvmsg calls before its exec, summed: how long it
#              waited for the runtime (PARTS, MADE and GO, see lib/spawn.h;
#              lib/container-create.c)
# With -s every syscall is traced (about a microsecond more each, so the
# phases grow) and, per build, it also prints the syscalls that take most
# time in the runtime and in the init (median per run of their summed
# durations; waits such as poll and recvmsg included), and how long the runtime and the container's process run
# from their exec to their first syscall: a static glibc program's start-up
# (its CPU-feature probing with cpuid, which traps to the hypervisor on a
# VM, and its first page faults).
# Runs are GAP_MS apart (default 10).  The cache refills its cgroups and
# /dev and /proc trees only after 50 ms without a lease, so at the default
# spacing those miss after the first few runs: -g 60 measures the path
# where they hit.
# This is a diagnostic for comparing builds, not a benchmark against other
# runtimes (that is start-latency.sh): times are shown because the phases
# have no counterpart elsewhere.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=60
all_syscalls=0
gap_ms=10
while [ $# -gt 0 ]; do
        case $1 in
        -n)
                [ $# -ge 2 ] || break
                runs=$2
                shift 2
                ;;
        -s)
                all_syscalls=1
                shift
                ;;
        -g)
                [ $# -ge 2 ] || break
                gap_ms=$2
                shift 2
                ;;
        *) break ;;
        esac
done
[ $# -ge 1 ] || { echo "usage: phases.sh [-n RUNS] [-s] [-g GAP_MS] FLASHCUBE [FLASHCUBE...]" >&2; exit 2; }
case $gap_ms in '' | *[!0-9]*) echo "phases.sh: -g wants milliseconds" >&2; exit 2 ;; esac
fcs=()
for f in "$@"; do
        fcs+=("$(readlink -f "$f")")
done
command -v python3 >/dev/null || { echo "phases.sh: python3 missing" >&2; exit 1; }
tracing=/sys/kernel/tracing
[ -d "$tracing/instances" ] || mount -t tracefs nodev "$tracing" 2>/dev/null || true
[ -d "$tracing/instances" ] || { echo "phases.sh: no tracefs at $tracing" >&2; exit 1; }
inst=$tracing/instances/fc-phases.$$
work=$(mktemp -d /run/fc-phases.XXXXXX)
cleanup()
{
        local i
        for i in "${!fcs[@]}"; do
                [ -S "$work/c$i/cache.sock" ] &&
                        "${fcs[$i]}" --cache-socket "$work/c$i/cache.sock" cache stop >/dev/null 2>&1
        done
        for i in "${!fcs[@]}"; do
                for id in $("${fcs[$i]}" --no-cache --root "$work/root$i" list -q 2>/dev/null); do
                        "${fcs[$i]}" --no-cache --root "$work/root$i" delete -f "$id" >/dev/null 2>&1
                done
        done
        [ -d "$inst" ] && { echo 0 >"$inst/tracing_on"; rmdir "$inst"; }
        rm -rf "$work"
        return 0
}
trap cleanup EXIT
"$here/make-bundle.sh" "$work/bundle" true >/dev/null
for i in "${!fcs[@]}"; do
        mkdir -m 0700 "$work/c$i"
        "${fcs[$i]}" --cache-socket "$work/c$i/cache.sock" cache serve --detach
done
mkdir "$inst"
echo 16384 >"$inst/buffer_size_kb"
if [ "$all_syscalls" = 0 ]; then
        echo 'id == 47' >"$inst/events/raw_syscalls/sys_enter/filter" # recvmsg
        echo 'id == 47' >"$inst/events/raw_syscalls/sys_exit/filter"
fi
for e in sched/sched_process_fork sched/sched_process_exec sched/sched_process_exit \
        raw_syscalls/sys_enter raw_syscalls/sys_exit; do
        echo 1 >"$inst/events/$e/enable"
done
run_one() { # build index, run number
        "${fcs[$1]}" --cache-socket "$work/c$1/cache.sock" --root "$work/root$1" \
                run --bundle "$work/bundle" "p$2" >/dev/null
}
# Warm-up (pools full, caches hot), untraced.
for ((r = 0; r < 5; r++)); do
        for i in "${!fcs[@]}"; do run_one "$i" "w$r"; done
done
sleep 0.5
echo 1 >"$inst/tracing_on"
for ((r = 0; r < runs; r++)); do
        for i in "${!fcs[@]}"; do
                echo "fc-phases build=$i" >"$inst/trace_marker"
                run_one "$i" "$r"
                sleep "$((gap_ms / 1000)).$(printf '%03d' $((gap_ms % 1000)))"
        done
done
echo 0 >"$inst/tracing_on"
cat "$inst/trace" >"$work/trace.txt"
python3 - "$work/trace.txt" "$all_syscalls" "${fcs[@]}" <<'PY'
import collections, re, statistics, sys
path, all_syscalls, builds = sys.argv[1], sys.argv[2] == '1', sys.argv[3:]
names = {}
try:
    for line in open('/usr/include/x86_64-linux-gnu/asm/unistd_64.h'):
        m = re.match(r'#define __NR_(\w+) (\d+)$', line.strip())
        if m:
            names[int(m.group(2))] = m.group(1)
except OSError:
    pass
ev_re = re.compile(r'-(\d+)\s+\[\d+\]\s+\S+\s+([\d.]+):\s+(\w+):\s+(.*)$')
runs = {i: [] for i in range(len(builds))}
cur = None
enter = {}
for line in open(path):
    m = ev_re.search(line)
    if not m:
        continue
    pid, t, ev, rest = m.group(1), float(m.group(2)) * 1e6, m.group(3), m.group(4)
    if ev == 'tracing_mark_write':
        b = int(re.search(r'build=(\d+)', rest).group(1))
        cur = {'build': b}
        runs[b].append(cur)
        continue
    if cur is None:
        continue
    if ev == 'sched_process_exec':
        fname = re.search(r'filename=(\S+)', rest).group(1)
        if 'rt' not in cur and fname == builds[cur['build']]:
            cur['rt'], cur['exec'] = pid, t
        elif pid == cur.get('init'):
            cur['iexec'] = t
    elif ev == 'sched_process_fork' and pid == cur.get('rt') and 'init' not in cur:
        cur['init'], cur['fork'] = re.search(r'child_pid=(\d+)', rest).group(1), t
    elif ev == 'sched_process_exit':
        epid = re.search(r'\bpid=(\d+)', rest).group(1)
        if epid == cur.get('init'):
            cur['iexit'] = t
        elif epid == cur.get('rt'):
            cur['end'] = t
    elif ev == 'sys_enter':
        enter[pid] = (t, int(re.search(r'NR (-?\d+)', rest).group(1)))
        # The first syscall after an exec ends the program's start-up.
        if pid == cur.get('rt') and 'rt1' not in cur:
            cur['rt1'] = t
        elif pid == cur.get('init') and 'iexec' in cur and 'i1' not in cur:
            cur['i1'] = t
    elif ev == 'sys_exit' and pid in enter:
        t0, nr = enter.pop(pid)
        if pid == cur.get('init') and nr == 47 and 'iexec' not in cur:
            cur['waits'] = cur.get('waits', 0) + t - t0
        who = 'runtime' if pid == cur.get('rt') else \
            'init' if pid == cur.get('init') and 'iexec' not in cur else None
        if who:
            cur.setdefault('sc', collections.Counter())[(who, names.get(nr, str(nr)))] += t - t0
phases = [('start', 'exec', 'fork'), ('init', 'fork', 'iexec'), ('container', 'iexec', 'iexit'),
          ('tail', 'iexit', 'end'), ('total', 'exec', 'end')]
def stat(v):
    v = sorted(v)
    return '%6.0f %6.0f' % (statistics.median(v), v[int(len(v) * 0.9)]) if v else '     ?      ?'
print('microseconds, median and p90 over %d runs per build' % len(runs[0]))
print('%-8s' % 'build' + ''.join('%14s' % p[0] for p in phases) + '%14s' % 'init waits')
for b, name in enumerate(builds):
    rs = runs[b]
    cols = [stat([r[z] - r[a] for r in rs if a in r and z in r]) for _, a, z in phases]
    cols.append(stat([r.get('waits', 0) for r in rs if 'iexec' in r]))
    print('%-8s' % b + ''.join('%14s' % c for c in cols))
if all_syscalls:
    for b, name in enumerate(builds):
        rs = runs[b]
        print('\nbuild %d: start-up, exec to first syscall: runtime %s, container process %s'
              % (b, stat([r['rt1'] - r['exec'] for r in rs if 'rt1' in r]),
                 stat([r['i1'] - r['iexec'] for r in rs if 'i1' in r])))
        keys = set(k for r in rs for k in r.get('sc', {}))
        rows = sorted(((statistics.median([r.get('sc', {}).get(k, 0) for r in rs]), k)
                       for k in keys), reverse=True)
        for who in ('runtime', 'init'):
            total = sum(v for v, k in rows if k[0] == who)
            top = ', '.join('%s %.0f' % (k[1], v) for v, k in rows if k[0] == who and v >= 10)
            print('  %-7s syscalls %5.0f us: %s' % (who, total, top))
for b, name in enumerate(builds):
    print('build %d: %s' % (b, name))
PY
