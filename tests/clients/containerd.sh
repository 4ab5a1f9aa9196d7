#!/bin/bash
# tests/clients/containerd.sh RUNTIME MODE - containerd end to end on RUNTIME, MODE warm (flashcube
# auto-starts its parts cache) or off (cold path).
#
# Starts a private containerd (root, state, sockets, fifos under $FC_BASE/containerd-MODE; unix
# sockets only) and stops it by pid at the end.  Two ways of pointing the io.containerd.runc.v2
# shim at the runtime are exercised:
#   - `ctr run --runtime io.containerd.runc.v2 --runc-binary RUNTIME` (the shim's BinaryName);
#   - a config.toml runtime entry ([plugins."io.containerd.grpc.v1.cri".containerd.runtimes.
#     flashcube] with options.BinaryName), used by a pod and a container made through the CRI
#     API (cri.py, python3-grpcio), the way the kubelet does with a RuntimeClass.
set -u
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 RUNTIME warm|off" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "containerd.sh: run as root" >&2; exit 2; }
FC_TAG="containerd[$2]"
WORK=$FC_BASE/containerd-$2
SOCK=$WORK/containerd.sock
NS=flashcube
CG_PARENT=flashcube-clients-containerd-$2
CPID=
C=(ctr --address "$SOCK" --namespace "$NS")

cleanup() {
        local rc=$? id ns
        trap - EXIT INT TERM
        if [ -n "$CPID" ] && kill -0 "$CPID" 2>/dev/null; then
                [ -f "$WORK/cri" ] && timeout 60 /usr/bin/python3 "$HERE/cri.py" "$SOCK" cleanup >/dev/null 2>&1
                for ns in "$NS" k8s.io; do
                        for id in $(ctr --address "$SOCK" -n $ns task ls -q 2>/dev/null); do
                                ctr --address "$SOCK" -n $ns task kill -s SIGKILL "$id" >/dev/null 2>&1
                        done
                        sleep 0.3
                        for id in $(ctr --address "$SOCK" -n $ns task ls -q 2>/dev/null); do
                                ctr --address "$SOCK" -n $ns task delete -f "$id" >/dev/null 2>&1
                        done
                        for id in $(ctr --address "$SOCK" -n $ns container ls -q 2>/dev/null); do
                                ctr --address "$SOCK" -n $ns container delete "$id" >/dev/null 2>&1
                        done
                done
                fc_stop_pid "$CPID" 20
        fi
        fc_kill_strays "$WORK"
        fc_cache_kill
        fc_cgroup_cleanup "$CG_PARENT"
        fc_umount_under "$WORK"
        [ "$KEEP" = 1 ] || rm -rf "$WORK"
        rmdir "$FC_BASE" 2>/dev/null
        fc_untrack_dirs
        exit $rc
}

command -v containerd >/dev/null && command -v ctr >/dev/null ||
        { fc_skip "all steps: containerd/ctr not installed (apt-get install containerd)"; fc_summary; exit; }
mkdir -p "$FC_BASE"
if [ -d "$WORK" ]; then
        fc_log "removing leftovers of an earlier run in $WORK"
        fc_kill_strays "$WORK"
        fc_cgroup_cleanup "$CG_PARENT"
        fc_umount_under "$WORK"
        rm -rf "$WORK"
fi
mkdir -p "$WORK/fifo"
trap cleanup EXIT
trap 'exit 130' INT TERM
fc_runtime_setup "$1" "$2"
# shim sockets go to /run/containerd/s whatever the config says (containerd 1.6)
fc_track_dirs /run/containerd /var/lib/cni /etc/cni /opt/cni

RUN_OPTS=(--runtime io.containerd.runc.v2 --runc-binary "$RT" --runc-root "$WORK/runc" --fifo-dir "$WORK/fifo")
CRI=1
/usr/bin/python3 -c 'import grpc' 2>/dev/null || CRI=0
cat >"$WORK/config.toml" <<EOT
version = 2
root = "$WORK/root"
state = "$WORK/state"
$([ $CRI = 1 ] || echo 'disabled_plugins = ["io.containerd.grpc.v1.cri"]')

[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = "$WORK/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$WORK/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/flashcube-pause:latest"
  # root here lacks CAP_SYS_RESOURCE; pod sandboxes would ask for oom_score_adj -998
  restrict_oom_score_adj = true
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$WORK/cni/bin"
    conf_dir = "$WORK/cni/conf"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.flashcube]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.flashcube.options]
        BinaryName = "$RT"
        Root = "$WORK/cri-runtime-root"
EOT

fc_log "runtime: $RT, parts cache: $MODE, containerd log: $WORK/containerd.log"
containerd --config "$WORK/config.toml" >"$WORK/containerd.log" 2>&1 &
CPID=$!
for _ in $(seq 1 100); do
        "${C[@]}" version >/dev/null 2>&1 && break
        kill -0 "$CPID" 2>/dev/null || break
        sleep 0.1
done
if "${C[@]}" version >/dev/null 2>&1; then
        fc_pass "containerd up (pid $CPID)"
else
        tail -n 5 "$WORK/containerd.log" | sed 's/^/    /'
        fc_die "containerd did not come up"
fi

fc_make_image "$WORK/image.tar"
fc_check "ctr images import" "${C[@]}" images import "$WORK/image.tar" || fc_die "no image"
IMG=$IMG_REF
run() { # run ID ARGS... : the argv of a one-shot `ctr run --rm` in cgroup /$CG_PARENT/ID
        local id=$1
        shift
        echo "${C[@]}" run --rm "${RUN_OPTS[@]}" --cgroup "/$CG_PARENT/$id" "$@"
}
# ---- one-shot containers (ctr run exits with the task's exit status) ----
fc_check "ctr run --rm true" $(run t1) "$IMG" t1 true
fc_cache_check_started
fc_expect "ctr run --rm: stdout" hello $(run t2) "$IMG" t2 echo hello
fc_expect_rc "ctr run --rm: exit code 7" 7 $(run t3) "$IMG" t3 sh -c 'exit 7'
fc_pty_expect "ctr run -t: interactive shell on a pty (input, exit code)" '^42$' 3 \
        --send 'echo $((6*7)); exit 3' -- $(run t4) -t "$IMG" t4 sh
fc_expect "ctr run --rm: container removed" "" sh -c '"$@" container ls -q | grep -x "t[1-4]"' sh "${C[@]}"

# ---- a long-running task ----
CTR=svc
TASK_STATUS=(sh -c '"$@" task ls | awk -v id='$CTR' '"'"'$1 == id { print $3 }'"'" sh "${C[@]}")
EX=(task exec --fifo-dir "$WORK/fifo")
fc_check "ctr run -d" "${C[@]}" run -d "${RUN_OPTS[@]}" --cgroup "/$CG_PARENT/$CTR" "$IMG" $CTR \
        sh -c 'trap "exit 0" TERM; sleep 1000 & wait'
fc_wait_for 10 RUNNING "${TASK_STATUS[@]}"
fc_expect "ctr task ls: RUNNING" RUNNING "${TASK_STATUS[@]}"
fc_expect "ctr task exec" exec-ok "${C[@]}" "${EX[@]}" --exec-id e1 $CTR echo exec-ok
fc_expect_rc "ctr task exec: exit code 5" 5 "${C[@]}" "${EX[@]}" --exec-id e2 $CTR sh -c 'exit 5'
fc_expect "ctr task exec --user 1000" 1000 "${C[@]}" "${EX[@]}" --exec-id e3 --user 1000 $CTR id -u
fc_pty_expect "ctr task exec --tty: interactive shell on a pty" '^42$' 4 \
        --send 'echo $((6*7)); exit 4' -- "${C[@]}" "${EX[@]}" --exec-id e4 --tty $CTR sh
fc_expect_match "ctr task ps: the init and the sleep" '^[0-9]+ ' "${C[@]}" task ps $CTR
fc_expect_match "ctr task metrics" 'memory|pids|cpu' "${C[@]}" task metrics $CTR
fc_check "ctr task pause" "${C[@]}" task pause $CTR
fc_expect "ctr task ls: PAUSED" PAUSED "${TASK_STATUS[@]}"
fc_check "ctr task resume" "${C[@]}" task resume $CTR
fc_expect "ctr task ls: RUNNING again" RUNNING "${TASK_STATUS[@]}"
fc_expect "ctr task exec after resume" exec-ok "${C[@]}" "${EX[@]}" --exec-id e5 $CTR echo exec-ok
fc_check "ctr task kill -s SIGTERM" "${C[@]}" task kill -s SIGTERM $CTR
fc_wait_for 10 STOPPED "${TASK_STATUS[@]}"
fc_expect "ctr task ls: STOPPED" STOPPED "${TASK_STATUS[@]}"
# ctr task delete warns "exit with non-zero exit code N" unless the task exited 0
fc_run "${C[@]}" task delete $CTR
rc=$?
if [ $rc -eq 0 ] && ! grep -q 'non-zero exit code' "$FC_ERR"; then
        fc_pass "ctr task delete (exit 0 after SIGTERM)"
else
        fc_fail "ctr task delete ($(fc_rcnote $rc))"
        fc_show_output
fi
fc_check "ctr task start -d (a new task in the same container)" "${C[@]}" task start -d $CTR
fc_wait_for 10 RUNNING "${TASK_STATUS[@]}"
fc_check "ctr task kill -s SIGKILL" "${C[@]}" task kill -s SIGKILL $CTR
fc_wait_for 10 STOPPED "${TASK_STATUS[@]}"
fc_run "${C[@]}" task delete $CTR
if grep -q 'non-zero exit code 137' "$FC_ERR"; then
        fc_pass "ctr task delete (exit 137 after SIGKILL)"
else
        fc_fail "ctr task delete after SIGKILL: want exit code 137 reported"
        fc_show_output
fi
fc_check "ctr container rm" "${C[@]}" container rm $CTR
fc_expect "ctr container ls: empty" "" "${C[@]}" container ls -q

# ---- many runs in a row ----
STATE_ROOTS=("$WORK/runc")
fc_leak_snapshot | sort >"$WORK/leak.before"
bad=0
for i in $(seq 1 "$FC_CLIENT_REPEAT"); do
        fc_run $(run "r$i") "$IMG" "r$i" true || {
                bad=$((bad + 1))
                [ $bad = 1 ] && { fc_log "run $i failed:"; fc_show_output; }
        }
done
if [ $bad = 0 ]; then fc_pass "ctr run --rm $FC_CLIENT_REPEAT times in a row"; else
        fc_fail "ctr run --rm $FC_CLIENT_REPEAT times in a row: $bad failed"; fi
fc_expect "no containers left (ctr container ls)" "" "${C[@]}" container ls -q
fc_leak_check "no cgroups, mounts, runtime state or processes left after $FC_CLIENT_REPEAT runs" "$WORK/leak.before"

# ---- config.toml runtime entry, through the CRI plugin ----
if [ $CRI = 0 ]; then
        fc_skip "CRI pod with runtime handler 'flashcube' (config.toml entry): python3-grpcio not installed"
else
        touch "$WORK/cri"
        fc_make_image "$WORK/pause.tar" localhost/flashcube-pause:latest '["sleep","2147483647"]'
        fc_check "ctr -n k8s.io images import (CRI images)" sh -c 'ctr --address "$1" -n k8s.io images import "$2" && ctr --address "$1" -n k8s.io images import "$3"' \
                sh "$SOCK" "$WORK/image.tar" "$WORK/pause.tar"
        fc_run env CGROUP_PARENT="/$CG_PARENT/pod" /usr/bin/python3 "$HERE/cri.py" "$SOCK" flashcube
        crirc=$?
        while read -r word rest; do
                case $word in
                PASS) fc_pass "CRI (runtime handler flashcube from config.toml): $rest" ;;
                FAIL) fc_fail "CRI (runtime handler flashcube from config.toml): $rest" ;;
                esac
        done < <(fc_stdout)
        if [ $crirc != 0 ] && ! fc_stdout | grep -q '^FAIL'; then
                fc_fail "CRI: cri.py failed (rc=$crirc)"
                fc_show_output
        fi
        fc_expect_match "CRI: the pod ran on flashcube's state root (config.toml Root)" 'ok' \
                sh -c '[ -d "$1" ] && echo ok' sh "$WORK/cri-runtime-root"
fi

fc_cache_finish
fc_summary
