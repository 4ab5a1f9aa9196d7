#!/bin/bash
# tests/bench/clients.sh [-n RUNS] [-c "docker containerd podman"] [FLASHCUBE]
#
# End-to-end latency of the smallest run through each client -- `docker run --rm IMG true`,
# `ctr run --rm IMG ID true`, `podman run --rm IMG true` -- with flashcube (parts cache warm),
# flashcube --no-cache, runc and crun side by side, runs interleaved so machine noise hits all
# alike.  Prints per client and runtime the median and p99 of the whole client command, the
# runtime's own share (the summed wall time of every runtime invocation the client made for
# that container: create, start, state, kill, delete...) and ratios to runc and crun.
#
# Every runtime is called through the same small bash wrapper (it times the real binary with
# $EPOCHREALTIME and appends one line to a log), so all four carry the same ~1 ms per call of
# wrapper cost in the end-to-end figure; the runtime share is measured inside the wrapper.
#
# crun refuses hybrid cgroups, so everything (daemons, clients, runtimes) runs in one private
# mount namespace with /sys/fs/cgroup/unified unmounted, as start-latency.sh does.
# Daemons are private to the run (own roots, unix sockets) and stopped by pid.  Needs root,
# docker.io, containerd, podman, runc, crun, busybox-static, python3.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=20
clients="docker containerd podman"
while getopts n:c: o; do
        case $o in
        n) runs=$OPTARG ;;
        c) clients=$OPTARG ;;
        *) exit 2 ;;
        esac
done
shift $((OPTIND - 1))
fc=$(readlink -f "${1:-$here/../../flashcube}")
[ -x "$fc" ] || { echo "clients.sh: $fc is not an executable" >&2; exit 1; }
for t in runc crun python3; do
        command -v $t >/dev/null || { echo "clients.sh: $t missing" >&2; exit 1; }
done
if [ -z "${FC_BENCH_INNER:-}" ] && mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
        export FC_BENCH_INNER=1
        exec unshare -m --propagation private -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"' \
                "$0" -n "$runs" -c "$clients" "$fc"
fi

FC_BASE=$(mktemp -d /tmp/fc-bench-clients.XXXXXX)
WORK=$FC_BASE
. "$here/../clients/lib.sh"
CG_PARENT=flashcube-bench-clients
FC_TIMEOUT=120
results=$WORK/results
rtlog=$WORK/runtime-calls.log
: >"$results"
PIDS=()
cleanup() {
        local p
        for p in "${PIDS[@]}"; do fc_stop_pid "$p" 30; done
        fc_kill_strays "$WORK"
        "$fc" --cache-socket "$WORK/cache/cache.sock" cache stop >/dev/null 2>&1
        fc_cgroup_cleanup "$CG_PARENT"
        fc_umount_under "$WORK"
        rm -rf "$WORK"
        fc_untrack_dirs
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -m 0700 "$WORK/cache"
# made outside $WORK whatever the configuration says; removed again if empty
fc_track_dirs /run/docker /run/containerd /run/flashcube /run/runc /run/crun /var/lib/containers

# ---- one timing wrapper per runtime, named like the runtime (podman keys on the name) ----
RTS=(fc fc-off runc crun)
declare -A REAL=([fc]=$fc [fc-off]=$fc [runc]=$(command -v runc) [crun]=$(command -v crun))
declare -A BASE=([fc]=flashcube [fc-off]=flashcube [runc]=runc [crun]=crun)
declare -A W
for r in "${RTS[@]}"; do
        mkdir -p "$WORK/w/$r"
        W[$r]=$WORK/w/$r/${BASE[$r]}
        envs="export FLASHCUBE_CACHE_SOCKET=$WORK/cache/cache.sock"
        [ "$r" = fc-off ] && envs="$envs FLASHCUBE_NO_CACHE=1"
        cat >"${W[$r]}" <<EOT
#!/bin/bash
$envs
t0=\$EPOCHREALTIME
"${REAL[$r]}" "\$@"
rc=\$?
t1=\$EPOCHREALTIME
cmd=other
for a in "\$@"; do
        case \$a in create | start | delete | kill | state) cmd=\$a; break ;; esac
done
printf '%s %s %s %s\n' "$r" "\${t0/./}" "\${t1/./}" "\$cmd" >>"$rtlog"
exit \$rc
EOT
        chmod 755 "${W[$r]}"
done

fc_make_image "$WORK/image.tar"

# once CLIENT RT I CMD... : one timed run; appends "client rt e2e_us runtime_us" to results
once() {
        local client=$1 r=$2 i=$3 t0 t1 rt
        shift 3
        : >"$rtlog"
        t0=$EPOCHREALTIME
        if ! timeout -k 5 "$FC_TIMEOUT" "$@" </dev/null >"$WORK/out" 2>&1; then
                echo "clients.sh: $client/$r run $i failed: $(tail -n 3 "$WORK/out")" >&2
                return 1
        fi
        t1=$EPOCHREALTIME
        rt=$(awk '{ s += $3 - $2; c[$4] += $3 - $2 }
                  END { printf "%d %d %d %d %d", s, c["create"], c["start"], c["delete"],
                        s - c["create"] - c["start"] - c["delete"] }' "$rtlog")
        echo "$client $r $((${t1/./} - ${t0/./})) $rt" >>"$results"
}

# bench CLIENT : warm-up, then $runs interleaved rounds; cmd_CLIENT RT I prints the argv
bench() {
        local client=$1 i r
        for i in 1 2 3; do
                for r in "${RTS[@]}"; do once "$client" "$r" "w$i" $(cmd_"$client" "$r" "w$i") || return 1; done
        done
        sed -i "/^$client /d" "$results"
        for i in $(seq 1 "$runs"); do
                for r in "${RTS[@]}"; do once "$client" "$r" "$i" $(cmd_"$client" "$r" "$i") || return 1; done
        done
}

wait_up() { # wait_up PID CMD... : until CMD succeeds, or fail if PID died
        local pid=$1 k
        shift
        for k in $(seq 1 150); do
                "$@" >/dev/null 2>&1 && return 0
                kill -0 "$pid" 2>/dev/null || return 1
                sleep 0.2
        done
        return 1
}

# ---- docker ----
cmd_docker() { echo "${DK[*]} run --rm --runtime $1 --network none $IMG_REF true"; }
if [[ " $clients " == *" docker "* ]]; then
        d=$WORK/docker
        mkdir -p "$d"
        DK=(/usr/bin/docker -H "unix://$d/docker.sock")
        [ -x /usr/bin/docker ] || DK[0]=docker
        cat >"$d/daemon.json" <<EOT
{ "hosts": ["unix://$d/docker.sock"], "pidfile": "$d/dockerd.pid", "data-root": "$d/data",
  "exec-root": "$d/exec", "storage-driver": "overlay2", "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "cgroup-parent": "/$CG_PARENT", "bridge": "none", "iptables": false, "ip-forward": false, "ip-masq": false,
  "runtimes": { "fc": {"path": "${W[fc]}"}, "fc-off": {"path": "${W[fc-off]}"},
                "runc-w": {"path": "${W[runc]}"}, "crun": {"path": "${W[crun]}"} } }
EOT
        dockerd --config-file "$d/daemon.json" >"$d/dockerd.log" 2>&1 &
        PIDS+=($!)
        wait_up $! "${DK[@]}" version || { tail -5 "$d/dockerd.log"; exit 1; }
        "${DK[@]}" load -i "$WORK/image.tar" >/dev/null
        cmd_docker() {
                local n=$1
                [ "$n" = runc ] && n=runc-w
                echo "${DK[*]} run --rm --runtime $n --network none $IMG_REF true"
        }
        echo "# docker: $runs rounds" >&2
        bench docker
        fc_stop_pid "${PIDS[-1]}" 30
fi

# ---- containerd ----
if [[ " $clients " == *" containerd "* ]]; then
        d=$WORK/containerd
        mkdir -p "$d/fifo"
        cat >"$d/config.toml" <<EOT
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/c.sock"
[ttrpc]
  address = "$d/c.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
EOT
        containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 &
        PIDS+=($!)
        C=(ctr --address "$d/c.sock" -n bench)
        wait_up $! "${C[@]}" version || { tail -5 "$d/containerd.log"; exit 1; }
        "${C[@]}" images import "$WORK/image.tar" >/dev/null
        cmd_containerd() {
                echo "${C[*]} run --rm --runtime io.containerd.runc.v2 --runc-binary ${W[$1]}" \
                        "--runc-root $d/runc-$1 --fifo-dir $d/fifo --cgroup /$CG_PARENT/$1-$2 $IMG_REF $1-$2 true"
        }
        echo "# containerd: $runs rounds" >&2
        bench containerd
        fc_stop_pid "${PIDS[-1]}" 30
fi

# ---- podman ----
if [[ " $clients " == *" podman "* ]]; then
        d=$WORK/podman
        mkdir -p "$d/tmp"
        export CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf TMPDIR=$d/tmp
        nofile=$(ulimit -Hn)
        [ "$nofile" = unlimited ] && nofile=1048576
        cat >"$d/containers.conf" <<EOT
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$d/events.log"
static_dir = "$d/root/libpod"
tmp_dir = "$d/tmp"
[network]
network_config_dir = "$d/net"
EOT
        printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' "$d/root" "$d/runroot" >"$d/storage.conf"
        PM=(podman --root "$d/root" --runroot "$d/runroot" --tmpdir "$d/tmp" --cgroup-manager cgroupfs --events-backend file)
        "${PM[@]}" load -i "$WORK/image.tar" >/dev/null
        cmd_podman() { echo "${PM[*]} --runtime ${W[$1]} run --rm --network none --cgroup-parent /$CG_PARENT $IMG_REF true"; }
        echo "# podman: $runs rounds" >&2
        bench podman
        "${PM[@]}" rmi -a -f >/dev/null 2>&1
fi

python3 - "$results" "$runs" <<'PY'
import sys, statistics
from collections import defaultdict
res, runs = sys.argv[1], int(sys.argv[2])
e2e, own, parts = defaultdict(list), defaultdict(list), defaultdict(list)
order = []
for line in open(res):
    c, r, t, o, *ph = line.split()
    if c not in order:
        order.append(c)
    e2e[c, r].append(int(t) / 1000)
    own[c, r].append(int(o) / 1000)
    parts[c, r].append([int(x) / 1000 for x in ph])
def pct(v, p):
    v = sorted(v); return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
rts = ["fc", "fc-off", "runc", "crun"]
print(f"client end-to-end latency of the smallest run, {runs} interleaved rounds; fc = flashcube, parts cache warm;")
print("fc-off = flashcube --no-cache; 'runtime' = summed wall time of the client's runtime calls for that container")
print("(Docker's create includes its libnetwork-setkey prestart hook, a re-exec of dockerd, run by the runtime)")
print(f"{'client':<11}{'runtime':<8}{'e2e med':>9}{'e2e p99':>9}{'rt med':>8}{'rt p99':>8}{'rt share':>9}{'/runc':>7}{'/crun':>7}{'rt/runc':>8}{'rt/crun':>8}")
for c in order:
    m = {r: statistics.median(e2e[c, r]) for r in rts if e2e[c, r]}
    mo = {r: statistics.median(own[c, r]) for r in rts if own[c, r]}
    for r in rts:
        if (c, r) not in e2e:
            continue
        print(f"{c:<11}{r:<8}{m[r]:>9.1f}{pct(e2e[c, r], 99):>9.1f}{mo[r]:>8.1f}{pct(own[c, r], 99):>8.1f}"
              f"{100 * mo[r] / m[r]:>8.0f}%{m[r] / m['runc']:>7.2f}{m[r] / m['crun']:>7.2f}"
              f"{mo[r] / mo['runc']:>8.2f}{mo[r] / mo['crun']:>8.2f}")
print()
print("runtime calls per container, medians in ms (other = state, kill, ...)")
print(f"{'client':<11}{'runtime':<8}{'create':>8}{'start':>8}{'delete':>8}{'other':>8}")
for c in order:
    for r in rts:
        if (c, r) in parts:
            med = [statistics.median(col) for col in zip(*parts[c, r])]
            print(f"{c:<11}{r:<8}" + "".join(f"{x:>8.1f}" for x in med))
PY
