#!/bin/bash
# tests/clients/docker.sh RUNTIME MODE - Docker end to end on RUNTIME (flashcube; runc or crun to
# validate the tests), MODE warm (flashcube auto-starts its parts cache) or off (cold path).
#
# Starts a private dockerd (own data-root, exec-root, socket, pid file and containerd, all under
# $FC_BASE/docker-MODE; unix socket only, no TCP) and stops it by pid at the end, trap or not.
# The runtime is registered both ways users do it: MODE=warm with `--add-runtime flashcube=PATH`
# on the command line and `--runtime flashcube` on every run; MODE=off through daemon.json
# "runtimes" with "default-runtime": "flashcube" and no --runtime flag at all.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 RUNTIME warm|off" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "docker.sh: run as root" >&2; exit 2; }
FC_TAG="docker[$2]"
WORK=$FC_BASE/docker-$2
SOCK=$WORK/docker.sock
CG_PARENT=flashcube-clients-docker-$2
RTNAME=flashcube
DPID=
DOCKER_CLI=${DOCKER_CLI:-$(command -v /usr/bin/docker || command -v docker)}
DK=("$DOCKER_CLI" -H "unix://$SOCK")

cleanup() {
        local rc=$?
        trap - EXIT INT TERM
        if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
                "${DK[@]}" ps -aq 2>/dev/null | xargs -r "${DK[@]}" rm -f >/dev/null 2>&1
                fc_stop_pid "$DPID" 30 # dockerd stops the containerd it spawned
        fi
        fc_kill_strays "$WORK"
        fc_cache_kill
        fc_cgroup_cleanup "$CG_PARENT"
        fc_umount_under "$WORK"
        fc_net_restore "$WORK.net"
        [ "$KEEP" = 1 ] || rm -rf "$WORK"
        rmdir "$FC_BASE" 2>/dev/null
        fc_untrack_dirs
        exit $rc
}

command -v dockerd >/dev/null || { fc_skip "all steps: dockerd not installed (apt-get install docker.io)"; fc_summary; exit; }
[ -n "$DOCKER_CLI" ] || { fc_skip "all steps: docker CLI not installed"; fc_summary; exit; }
mkdir -p "$FC_BASE"
if [ -d "$WORK" ]; then # an interrupted earlier run
        fc_log "removing leftovers of an earlier run in $WORK"
        fc_kill_strays "$WORK"
        fc_cgroup_cleanup "$CG_PARENT"
        fc_umount_under "$WORK"
        fc_net_restore "$WORK.net"
        rm -rf "$WORK"
fi
mkdir -p "$WORK"
trap cleanup EXIT
trap 'exit 130' INT TERM
fc_runtime_setup "$1" "$2"
fc_track_dirs /run/docker /run/containerd /etc/docker

BRIDGE=0
if [ "$NET" != none ]; then
        if why=$(fc_bridge_usable); then
                BRIDGE=1
        elif [ "$NET" = bridge ]; then
                fc_die "NET=bridge but $why"
        else
                NO_BRIDGE_WHY=$why
        fi
fi
if [ "$BRIDGE" = 1 ]; then
        fc_net_save "$WORK.net"
        NETCFG='"iptables": true, "ip-forward": true'
else
        NETCFG='"bridge": "none", "iptables": false, "ip-forward": false, "ip-masq": false'
fi

DARGS=(--config-file "$WORK/daemon.json")
R=()
if [ "$MODE" = warm ]; then
        RTCFG=
        DARGS+=(--add-runtime "$RTNAME=$RT")
        R=(--runtime "$RTNAME")
else
        RTCFG="\"runtimes\": { \"$RTNAME\": { \"path\": \"$RT\" } }, \"default-runtime\": \"$RTNAME\","
fi
cat >"$WORK/daemon.json" <<EOT
{
  "hosts": ["unix://$SOCK"],
  "pidfile": "$WORK/dockerd.pid",
  "data-root": "$WORK/data",
  "exec-root": "$WORK/exec",
  "storage-driver": "overlay2",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "cgroup-parent": "/$CG_PARENT",
  $RTCFG
  $NETCFG
}
EOT

fc_log "runtime: $RT, parts cache: $MODE, dockerd log: $WORK/dockerd.log"
dockerd "${DARGS[@]}" >"$WORK/dockerd.log" 2>&1 &
DPID=$!
for _ in $(seq 1 150); do
        "${DK[@]}" version >/dev/null 2>&1 && break
        kill -0 "$DPID" 2>/dev/null || break
        sleep 0.2
done
if "${DK[@]}" version >/dev/null 2>&1; then
        fc_pass "dockerd up (pid $DPID)"
else
        tail -n 5 "$WORK/dockerd.log" | sed 's/^/    /'
        fc_die "dockerd did not come up"
fi
fc_expect_match "runtime '$RTNAME' registered (docker info)" "\"$RTNAME\"" "${DK[@]}" info --format '{{json .Runtimes}}'
[ "$MODE" = off ] && fc_expect "'$RTNAME' is the default runtime (docker info)" "$RTNAME" \
        "${DK[@]}" info --format '{{.DefaultRuntime}}'

fc_make_image "$WORK/image.tar"
fc_check "docker load" "${DK[@]}" load -i "$WORK/image.tar" || fc_die "no image"

NONE=(--network none)
RUN=("${DK[@]}" run --rm "${R[@]}" "${NONE[@]}")
IMG=$IMG_REF

# ---- one-shot containers ----
fc_check "docker run --rm true" "${RUN[@]}" "$IMG" true
fc_cache_check_started
fc_expect "docker run --rm: stdout" hello "${RUN[@]}" "$IMG" echo hello
fc_expect_rc "docker run --rm: exit code 7" 7 "${RUN[@]}" "$IMG" sh -c 'exit 7'
fc_expect "docker run (foreground, no --rm): stdout" fg-out "${DK[@]}" run --name fg "${R[@]}" "${NONE[@]}" "$IMG" echo fg-out
fc_expect "docker logs of the exited container" fg-out "${DK[@]}" logs fg
fc_expect "container ran on $RTNAME (inspect)" "$RTNAME exited 0" "${DK[@]}" inspect -f '{{.HostConfig.Runtime}} {{.State.Status}} {{.State.ExitCode}}' fg
fc_check "docker rm (exited container)" "${DK[@]}" rm fg
fc_expect_rc "docker run --rm removed its container" 1 "${DK[@]}" inspect fg
fc_expect "docker run -t: a pty" /dev/pts/0 "${RUN[@]}" -t "$IMG" tty
fc_pty_expect "docker run -it: interactive shell on a pty (input, window size, exit code)" '^42 40 100$' 3 \
        --send 'echo $((6*7)) $(stty size); exit 3' -- "${RUN[@]}" -it "$IMG" sh
fc_expect "docker run --read-only: / is read-only" "ro-ok" "${RUN[@]}" --read-only "$IMG" \
        sh -c 'touch /x 2>/dev/null && echo writable || echo ro-ok'
fc_expect "docker run --read-only --tmpfs /tmp: /tmp writable" "tmp-ok" "${RUN[@]}" --read-only --tmpfs /tmp "$IMG" \
        sh -c 'touch /tmp/x && echo tmp-ok'
fc_expect "docker run --user 1000:1000" "1000 1000" "${RUN[@]}" --user 1000:1000 "$IMG" sh -c 'echo $(id -u) $(id -g)'
fc_expect "docker run --user nobody (name from /etc/passwd)" "65534 65534" "${RUN[@]}" --user nobody "$IMG" \
        sh -c 'echo $(id -u) $(id -g)'
# bit 12 = CAP_NET_ADMIN, bit 0 = CAP_CHOWN
CAPS='eff=$(awk "/^CapEff/ { print \$2 }" /proc/self/status); echo $(( 0x$eff >> 12 & 1 )) $(( 0x$eff & 1 ))'
fc_expect "docker run default capabilities: no NET_ADMIN, CHOWN" "0 1" "${RUN[@]}" "$IMG" sh -c "$CAPS"
fc_expect "docker run --cap-add NET_ADMIN: in CapEff and usable" "1 1 lo-down" "${RUN[@]}" --cap-add NET_ADMIN "$IMG" \
        sh -c "$CAPS"' | tr "\n" " "; ip link set lo down && echo lo-down'
fc_expect "docker run --cap-drop CHOWN: chown refused" "0 0 chown-refused" "${RUN[@]}" --cap-drop CHOWN "$IMG" \
        sh -c "$CAPS"' | tr "\n" " "; touch /tmp/f; chown 1 /tmp/f 2>/dev/null || echo chown-refused'
fc_expect "docker run --cap-drop ALL: empty bounding set" "0000000000000000 0000000000000000" \
        "${RUN[@]}" --cap-drop ALL "$IMG" sh -c 'echo $(awk "/^CapEff|^CapBnd/ { print \$2 }" /proc/self/status)'
fc_expect "docker run --security-opt no-new-privileges" "1" "${RUN[@]}" --security-opt no-new-privileges "$IMG" \
        sh -c 'awk "/^NoNewPrivs/ { print \$2 }" /proc/self/status'
fc_expect "docker run without no-new-privileges: NoNewPrivs 0" "0" "${RUN[@]}" "$IMG" \
        sh -c 'awk "/^NoNewPrivs/ { print \$2 }" /proc/self/status'
fc_expect "docker run: Docker's default seccomp profile is loaded and blocks unshare" "2 blocked" "${RUN[@]}" "$IMG" \
        sh -c 'echo $(awk "/^Seccomp:/ { print \$2 }" /proc/self/status) $(unshare -U true 2>/dev/null && echo allowed || echo blocked)'
fc_expect "docker run --security-opt seccomp=unconfined: no filter" "0" "${RUN[@]}" --security-opt seccomp=unconfined "$IMG" \
        sh -c 'awk "/^Seccomp:/ { print \$2 }" /proc/self/status'
CG='f() { if [ -f /sys/fs/cgroup/$2 ]; then cat /sys/fs/cgroup/$2; else cat /sys/fs/cgroup/$1; fi; }'
fc_expect "docker run --memory 64m: cgroup limit" 67108864 "${RUN[@]}" --memory 64m "$IMG" \
        sh -c "$CG; f memory/memory.limit_in_bytes memory.max"
fc_expect "docker run --cpus 0.5: CFS quota/period" "50000 100000" "${RUN[@]}" --cpus 0.5 "$IMG" \
        sh -c "$CG"'; if [ -f /sys/fs/cgroup/cpu.max ]; then cat /sys/fs/cgroup/cpu.max; else echo $(f cpu/cpu.cfs_quota_us x) $(f cpu/cpu.cfs_period_us x); fi'
# 30 background sleeps under a limit of 20: the shell reports that fork failed
fc_run "${RUN[@]}" --pids-limit 20 "$IMG" sh -c "$CG"'; f pids/pids.max pids.max; for i in $(seq 1 30); do sleep 5 & done'
if [ "$(fc_stdout)" = 20 ] && grep -q "can't fork" "$FC_ERR"; then
        fc_pass "docker run --pids-limit 20: pids.max is 20 and forks beyond it fail"
else
        fc_fail "docker run --pids-limit 20: want pids.max 20 and a failed fork, got '$(fc_stdout)'"
        fc_show_output
fi
fc_expect "docker run --network none: only lo" "lo" "${RUN[@]}" "$IMG" ls /sys/class/net
if [ "$BRIDGE" = 1 ]; then
        fc_expect_match "docker run (default bridge): eth0 has an IPv4 address" 'inet [0-9.]+/' \
                "${DK[@]}" run --rm "${R[@]}" "$IMG" ip -4 addr show eth0
        fc_check "docker run (default bridge): ping the gateway" "${DK[@]}" run --rm "${R[@]}" "$IMG" \
                sh -c 'ping -c 1 -W 2 $(ip route | awk "/^default/ { print \$3 }")'
else
        fc_skip "docker run (default bridge): ${NO_BRIDGE_WHY:-NET=none}"
fi

# ---- more run options ----
ns() { readlink "/proc/$$/ns/$1"; }
fc_expect "docker run --network host --pid host --ipc host --uts host: the host's namespaces" \
        "$(ns net) $(ns pid) $(ns ipc) $(ns uts)" "${DK[@]}" run --rm "${R[@]}" --network host --pid host --ipc host --uts host \
        "$IMG" sh -c 'echo $(readlink /proc/self/ns/net) $(readlink /proc/self/ns/pid) $(readlink /proc/self/ns/ipc) $(readlink /proc/self/ns/uts)'
mkdir -p "$WORK/vol"
fc_check "docker run -v HOSTDIR:/vol: writes reach the host" "${RUN[@]}" -v "$WORK/vol:/vol" "$IMG" sh -c 'echo from-ctr > /vol/f'
fc_expect "docker run -v: the host sees the file" from-ctr cat "$WORK/vol/f"
fc_expect "docker run -v ...:ro: read-only bind" ro-ok "${RUN[@]}" -v "$WORK/vol:/vol:ro" "$IMG" \
        sh -c 'echo x > /vol/g 2>/dev/null && echo writable || echo ro-ok'
fc_expect "docker run --hostname" fc-host "${RUN[@]}" --hostname fc-host "$IMG" hostname
fc_expect "docker run --sysctl net.ipv4.ip_forward=1" 1 "${RUN[@]}" --sysctl net.ipv4.ip_forward=1 "$IMG" \
        cat /proc/sys/net/ipv4/ip_forward
fc_expect "docker run --ulimit nofile=1024:2048" "1024 2048" "${RUN[@]}" --ulimit nofile=1024:2048 "$IMG" \
        sh -c 'echo $(ulimit -n) $(ulimit -Hn)'
fc_expect "docker run -e and -w" "bar /tmp" "${RUN[@]}" -e FOO=bar -w /tmp "$IMG" sh -c 'echo $FOO $(pwd)'
if command -v docker-init >/dev/null || [ -x /usr/libexec/docker/docker-init ]; then
        fc_expect_match "docker run --init: docker-init is pid 1" 'docker-init' "${RUN[@]}" --init "$IMG" cat /proc/1/cmdline
else
        fc_skip "docker run --init: docker-init not installed"
fi
fc_expect "docker run --device /dev/null:/dev/xnull (char 1:3)" "c 1 3" "${RUN[@]}" --device /dev/null:/dev/xnull "$IMG" \
        sh -c 'echo $(stat -c %F /dev/xnull | cut -c1) $(stat -c "%t %T" /dev/xnull)'
# --privileged asks for every capability: a root without some of them in its bounding set (this
# machine lacks CAP_SYS_RESOURCE) cannot start it with runc either
bnd=$(awk '/^CapBnd/ { print $2 }' /proc/self/status)
full=$(printf '%016x' $(((1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1)))
if [ "$bnd" = "$full" ]; then
        fc_expect "docker run --privileged: every device, /sys writable" "ok rw" "${RUN[@]}" --privileged "$IMG" \
                sh -c 'ls /dev | grep -q "^loop" && echo ok; awk "\$2 == \"/sys\" { split(\$4, o, \",\"); print o[1] }" /proc/mounts'
else
        fc_skip "docker run --privileged: root here lacks capabilities (CapBnd $bnd, all is $full), which fails every runtime"
fi
fc_expect "docker run --cgroupns private: the container's cgroup is the root" "/" "${RUN[@]}" --cgroupns private "$IMG" \
        sh -c 'cut -d: -f3 /proc/self/cgroup | sort -u'
fc_expect_rc "docker run --memory 16m, allocating 64 MB: OOM-killed (137)" 137 "${DK[@]}" run --name oom "${R[@]}" "${NONE[@]}" \
        --memory 16m --memory-swap 16m "$IMG" sh -c 'x=$(head -c 67108864 /dev/zero | tr "\\000" a); echo survived'
fc_expect "docker inspect: OOMKilled" true "${DK[@]}" inspect -f '{{.State.OOMKilled}}' oom
fc_check "docker rm (OOM-killed container)" "${DK[@]}" rm oom

# ---- a long-running container ----
SVC=svc
fc_check "docker run -d" "${DK[@]}" run -d --name $SVC "${R[@]}" "${NONE[@]}" "$IMG" \
        sh -c 'trap "echo got-term; exit 0" TERM; echo started; while :; do sleep 100 & wait; done'
fc_wait_for 10 "true" "${DK[@]}" inspect -f '{{.State.Running}}' $SVC
fc_expect "docker run -d: running" "true" "${DK[@]}" inspect -f '{{.State.Running}}' $SVC
fc_wait_for 10 started "${DK[@]}" logs $SVC
fc_expect "docker logs (running container)" started "${DK[@]}" logs $SVC
fc_expect "docker exec" exec-ok "${DK[@]}" exec $SVC echo exec-ok
fc_expect_rc "docker exec: exit code 5" 5 "${DK[@]}" exec $SVC sh -c 'exit 5'
fc_expect "docker exec -u 1000:1000" "1000 1000" "${DK[@]}" exec -u 1000:1000 $SVC sh -c 'echo $(id -u) $(id -g)'
fc_expect "docker exec -e FOO=bar" bar "${DK[@]}" exec -e FOO=bar $SVC sh -c 'echo $FOO'
fc_expect "docker exec -w /tmp" /tmp "${DK[@]}" exec -w /tmp $SVC pwd
fc_expect "docker exec -t: a pty" tty-ok "${DK[@]}" exec -t $SVC sh -c 'tty >/dev/null && echo tty-ok'
fc_pty_expect "docker exec -it: interactive shell on a pty" '^42 40 100$' 4 \
        --send 'echo $((6*7)) $(stty size); exit 4' -- "${DK[@]}" exec -it $SVC sh
fc_expect_match "docker top" 'sleep 100' "${DK[@]}" top $SVC
fc_expect_match "docker stats --no-stream" "^$SVC [1-9][0-9]* [0-9.]+[KMG]i?B " \
        "${DK[@]}" stats --no-stream --format '{{.Name}} {{.PIDs}} {{.MemUsage}}' $SVC
fc_check "docker update --memory 128m" "${DK[@]}" update --memory 128m --memory-swap 256m $SVC
fc_expect "docker update: new limit seen in the container" 134217728 "${DK[@]}" exec $SVC \
        sh -c "$CG; f memory/memory.limit_in_bytes memory.max"
fc_check "docker pause" "${DK[@]}" pause $SVC
fc_expect "docker pause: paused" paused "${DK[@]}" inspect -f '{{.State.Status}}' $SVC
fc_check "docker unpause" "${DK[@]}" unpause $SVC
fc_expect "docker unpause: running, exec works" exec-ok "${DK[@]}" exec $SVC echo exec-ok
fc_run "${DK[@]}" inspect -f '{{.State.Pid}}' $SVC
pid1=$(fc_stdout)
fc_check "docker restart" "${DK[@]}" restart -t 10 $SVC
fc_run "${DK[@]}" inspect -f '{{.State.Running}} {{.State.Pid}}' $SVC
if [ "$(fc_stdout)" != "true $pid1" ] && fc_stdout | grep -q '^true [1-9]'; then
        fc_pass "docker restart: running again with a new init"
else
        fc_fail "docker restart: want running with a pid other than $pid1, got '$(fc_stdout)'"
fi
fc_wait_for 10 "started got-term started" sh -c '"$@" 2>&1 | tr "\n" " " | sed "s/ *$//"' sh "${DK[@]}" logs $SVC
fc_expect "docker restart: SIGTERM reached the first init, logs kept" "started got-term started" \
        sh -c '"$@" 2>&1 | tr "\n" " " | sed "s/ *$//"' sh "${DK[@]}" logs $SVC
t0=$(fc_now_ms)
fc_check "docker stop" "${DK[@]}" stop -t 10 $SVC
fc_log "docker stop took $(($(fc_now_ms) - t0)) ms"
fc_expect "docker stop: exited 0 by SIGTERM" "exited 0" "${DK[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' $SVC
fc_check "docker start" "${DK[@]}" start $SVC
fc_check "docker kill" "${DK[@]}" kill $SVC
fc_wait_for 10 "exited 137" "${DK[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' $SVC
fc_expect "docker kill: exited 137 (SIGKILL)" "exited 137" "${DK[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' $SVC
fc_check "docker start (after kill)" "${DK[@]}" start $SVC
fc_check "docker rm -f (running container)" "${DK[@]}" rm -f $SVC
fc_expect "docker rm -f: gone" "" "${DK[@]}" ps -aq --filter name=^$SVC\$

# ---- a restart policy ----
fc_check "docker run -d --restart on-failure:2" "${DK[@]}" run -d --name rp --restart on-failure:2 "${R[@]}" "${NONE[@]}" \
        "$IMG" sh -c 'echo run; exit 3'
if fc_wait_for 30 "2 exited 3" "${DK[@]}" inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' rp; then
        fc_pass "restart policy on-failure:2: restarted twice, then stopped with exit code 3"
else
        fc_fail "restart policy on-failure:2: want '2 exited 3', got '$(fc_stdout)'"
fi
fc_check "docker rm (restart-policy container)" "${DK[@]}" rm -f rp

# ---- many runs in a row: nothing may be left behind ----
STATE_ROOTS=("$WORK/exec")
fc_leak_snapshot | sort >"$WORK/leak.before"
bad=0
for i in $(seq 1 "$FC_CLIENT_REPEAT"); do
        fc_run "${RUN[@]}" "$IMG" true || {
                bad=$((bad + 1))
                [ $bad = 1 ] && { fc_log "run $i failed:"; fc_show_output; }
        }
done
if [ $bad = 0 ]; then fc_pass "docker run --rm $FC_CLIENT_REPEAT times in a row"; else
        fc_fail "docker run --rm $FC_CLIENT_REPEAT times in a row: $bad failed"; fi
fc_expect "no containers left (docker ps -a)" "" "${DK[@]}" ps -aq
fc_leak_check "no cgroups, mounts, runtime state or processes left after $FC_CLIENT_REPEAT runs" "$WORK/leak.before"

fc_cache_finish
fc_summary
