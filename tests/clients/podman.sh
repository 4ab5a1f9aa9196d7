#!/bin/bash
# tests/clients/podman.sh RUNTIME MODE - podman end to end on RUNTIME (`podman --runtime PATH`,
# --cgroup-manager cgroupfs), MODE warm (flashcube auto-starts its parts cache) or off.
#
# podman is daemonless (podman -> conmon -> runtime).  Its image store, state, tmpdir, events log
# and network configs live in $FC_BASE/podman-MODE; private containers.conf and storage.conf
# (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF) leave the system's configuration alone.  conmon
# starts the runtime's create with only containers.conf's conmon_env_vars, so that is where the
# cache's environment goes.
#
# The runtime is given both ways users do it: MODE=warm with `podman --runtime PATH`, MODE=off
# through containers.conf (engine.runtime = "flashcube" and an [engine.runtimes] entry).
#
# podman passes no --root: runtime state goes to the runtime's default (/run/flashcube).  As root
# podman asks for RLIMIT_NOFILE 1048576; raising a hard limit needs CAP_SYS_RESOURCE, which some
# machines (this one) lack, so default_ulimits stays within the inherited hard limits.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 RUNTIME warm|off" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "podman.sh: run as root" >&2; exit 2; }
FC_TAG="podman[$2]"
WORK=$FC_BASE/podman-$2
CG_PARENT=flashcube-clients-podman-$2
NEW_VLC=
export CONTAINERS_CONF=$WORK/containers.conf
export CONTAINERS_STORAGE_CONF=$WORK/storage.conf
export TMPDIR=$WORK/tmp

cleanup() {
        local rc=$?
        trap - EXIT INT TERM
        if [ -n "${PM:-}" ]; then
                "${PM[@]}" rm -a -f -t 0 >/dev/null 2>&1
                "${PM[@]}" rmi -a -f >/dev/null 2>&1
        fi
        fc_kill_strays "$WORK"
        fc_cache_kill
        fc_cgroup_cleanup "$CG_PARENT"
        fc_umount_under "$WORK"
        [ "$KEEP" = 1 ] || rm -rf "$WORK"
        rmdir "$FC_BASE" 2>/dev/null
        [ -n "$NEW_VLC" ] && rm -rf /var/lib/containers/cache
        fc_untrack_dirs
        exit $rc
}

command -v podman >/dev/null && command -v conmon >/dev/null ||
        { fc_skip "all steps: podman/conmon not installed (apt-get install podman)"; fc_summary; exit; }
mkdir -p "$FC_BASE"
if [ -d "$WORK" ]; then
        fc_log "removing leftovers of an earlier run in $WORK"
        fc_kill_strays "$WORK"
        fc_cgroup_cleanup "$CG_PARENT"
        fc_umount_under "$WORK"
        rm -rf "$WORK"
fi
mkdir -p "$WORK/tmp" "$WORK/net"
trap cleanup EXIT
trap 'exit 130' INT TERM
fc_runtime_setup "$1" "$2"
[ -e /var/lib/containers ] || NEW_VLC=1
fc_track_dirs "/run/$(basename "$RT")" /var/lib/containers /run/netns /run/containers /run/libpod

PM=(podman --root "$WORK/root" --runroot "$WORK/runroot" --tmpdir "$WORK/tmp"
        --cgroup-manager cgroupfs --events-backend file)
RTCFG=
if [ "$MODE" = warm ]; then
        PM+=(--runtime "$RT")
else
        RTCFG="runtime = \"flashcube\"
[engine.runtimes]
flashcube = [\"$RT\"]"
fi
NOFILE=$(ulimit -Hn)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
ENVS="\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"FLASHCUBE_CACHE_SOCKET=$CACHE_SOCK\""
[ "$MODE" = off ] && ENVS="$ENVS, \"FLASHCUBE_NO_CACHE=1\""
cat >"$WORK/containers.conf" <<EOT
[containers]
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=4096:4096"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$WORK/events.log"
static_dir = "$WORK/root/libpod"
volume_path = "$WORK/volumes"
tmp_dir = "$WORK/tmp"
image_copy_tmp_dir = "$WORK/tmp"
conmon_env_vars = [$ENVS]
$RTCFG

[network]
network_config_dir = "$WORK/net"
EOT
cat >"$WORK/storage.conf" <<EOT
[storage]
driver = "overlay"
graphroot = "$WORK/root"
runroot = "$WORK/runroot"
EOT

fc_log "runtime: $RT, parts cache: $MODE"
fc_check "podman info" "${PM[@]}" info || fc_die "podman info failed"
fc_expect "podman info: OCI runtime path" "$RT" "${PM[@]}" info --format '{{.Host.OCIRuntime.Path}}'
fc_make_image "$WORK/image.tar"
fc_check "podman load" "${PM[@]}" load -i "$WORK/image.tar" || fc_die "no image"
IMG=$IMG_REF
R=(--network none --cgroup-parent "/$CG_PARENT")
RUN=("${PM[@]}" run --rm "${R[@]}")

# ---- one-shot containers ----
fc_check "podman run --rm true" "${RUN[@]}" "$IMG" true
fc_cache_check_started
fc_expect "podman run --rm: stdout" hello "${RUN[@]}" "$IMG" echo hello
fc_expect_rc "podman run --rm: exit code 7" 7 "${RUN[@]}" "$IMG" sh -c 'exit 7'
fc_expect "podman run --rm: container removed" "" "${PM[@]}" ps -aq
fc_expect "podman run -t: a pty" /dev/pts/0 "${RUN[@]}" -t "$IMG" tty
fc_pty_expect "podman run -it: interactive shell on a pty (input, window size, exit code)" '^42 40 100$' 3 \
        --send 'echo $((6*7)) $(stty size); exit 3' -- "${RUN[@]}" -it "$IMG" sh
fc_expect "podman run --user 1000:1000" "1000 1000" "${RUN[@]}" --user 1000:1000 "$IMG" sh -c 'echo $(id -u) $(id -g)'
fc_expect "podman run: rlimits applied" 4096 "${RUN[@]}" "$IMG" sh -c 'ulimit -Hu'
fc_expect "podman run --memory 64m: cgroup limit" 67108864 "${RUN[@]}" --memory 64m "$IMG" \
        sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
fc_expect "podman run --read-only: / is read-only" ro-ok "${RUN[@]}" --read-only --read-only-tmpfs=false "$IMG" \
        sh -c 'touch /x 2>/dev/null && echo writable || echo ro-ok'

# ---- a long-running container ----
CTR=svc
fc_check "podman run -d" "${PM[@]}" run -d --name $CTR "${R[@]}" "$IMG" \
        sh -c 'trap "echo got-term; exit 0" TERM; echo started; while :; do sleep 100 & wait; done'
fc_expect "podman run -d: running" true "${PM[@]}" inspect -f '{{.State.Running}}' $CTR
fc_expect "podman exec" exec-ok "${PM[@]}" exec $CTR echo exec-ok
fc_expect_rc "podman exec: exit code 5" 5 "${PM[@]}" exec $CTR sh -c 'exit 5'
fc_expect "podman exec -u 1000 -e FOO=bar -w /tmp" "1000 bar /tmp" "${PM[@]}" exec -u 1000 -e FOO=bar -w /tmp $CTR \
        sh -c 'echo $(id -u) $FOO $(pwd)'
fc_expect "podman exec -t: a pty" tty-ok "${PM[@]}" exec -t $CTR sh -c 'tty >/dev/null && echo tty-ok'
fc_pty_expect "podman exec -it: interactive shell on a pty" '^42 40 100$' 4 \
        --send 'echo $((6*7)) $(stty size); exit 4' -- "${PM[@]}" exec -it $CTR sh
fc_expect_match "podman top" 'sleep 100' "${PM[@]}" top $CTR
fc_wait_for 10 started "${PM[@]}" logs $CTR
fc_expect "podman logs" started "${PM[@]}" logs $CTR
fc_check "podman pause" "${PM[@]}" pause $CTR
fc_expect "podman pause: paused" paused "${PM[@]}" inspect -f '{{.State.Status}}' $CTR
fc_check "podman unpause" "${PM[@]}" unpause $CTR
fc_expect "podman unpause: running, exec works" exec-ok "${PM[@]}" exec $CTR echo exec-ok
t0=$(fc_now_ms)
fc_check "podman stop" "${PM[@]}" stop -t 10 $CTR
fc_log "podman stop took $(($(fc_now_ms) - t0)) ms"
fc_expect "podman stop: exited 0 by SIGTERM" "exited 0" "${PM[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' $CTR
fc_check "podman start" "${PM[@]}" start $CTR
fc_check "podman kill" "${PM[@]}" kill $CTR
fc_wait_for 10 "exited 137" "${PM[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' $CTR
fc_expect "podman kill: exited 137 (SIGKILL)" "exited 137" "${PM[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' $CTR
fc_check "podman rm" "${PM[@]}" rm $CTR
fc_check "podman run -d (for rm -f)" "${PM[@]}" run -d --name $CTR-2 "${R[@]}" "$IMG" sleep 1000
fc_check "podman rm -f (running container)" "${PM[@]}" rm -f -t 0 $CTR-2
fc_expect "no containers left (podman ps -a)" "" "${PM[@]}" ps -aq

# ---- many runs in a row ----
STATE_ROOTS=("/run/$(basename "$RT")")
fc_leak_snapshot | sort >"$WORK/leak.before"
bad=0
for i in $(seq 1 "$FC_CLIENT_REPEAT"); do
        fc_run "${RUN[@]}" "$IMG" true || {
                bad=$((bad + 1))
                [ $bad = 1 ] && { fc_log "run $i failed:"; fc_show_output; }
        }
done
if [ $bad = 0 ]; then fc_pass "podman run --rm $FC_CLIENT_REPEAT times in a row"; else
        fc_fail "podman run --rm $FC_CLIENT_REPEAT times in a row: $bad failed"; fi
fc_expect "no containers left (podman ps -a)" "" "${PM[@]}" ps -aq
fc_leak_check "no cgroups, mounts, runtime state or processes left after $FC_CLIENT_REPEAT runs" "$WORK/leak.before"

fc_cache_finish
fc_summary
