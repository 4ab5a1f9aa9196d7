#!/usr/bin/env bats
# linux.seccomp: actions, errno values, argument conditions, flags, a profile shaped like Docker's
# default, SCMP_ACT_NOTIFY with a seccomp agent (seccomp-agent.py), and refused profiles.
#
# busybox applets trigger the syscalls: mkdir(2) (busybox-static calls mkdir, not mkdirat, on
# x86_64; rules name both), personality(2) via linux32/linux64, openat(2) via touch, unshare(2).

load helpers

setup() {
        setup_common
        setup_bundle
        # So that a syscall the filter lets through visibly succeeds.
        update_config '.root.readonly = false'
}

# set_seccomp JSON: linux.seccomp = JSON.
set_seccomp() {
        update_config '.linux.seccomp = $s' --argjson s "$1"
}

# deny_mkdir ACTION [EXTRA-JSON]: a filter that allows everything but mkdir/mkdirat, which get
# ACTION (EXTRA-JSON is merged into the rule, e.g. '{"errnoRet": 28}').
deny_mkdir() {
        local extra=${2:-}
        [ -n "$extra" ] || extra='{}'
        set_seccomp "$(jq -cn --arg a "$1" --argjson x "$extra" \
                '{defaultAction: "SCMP_ACT_ALLOW",
                  syscalls: [{names: ["mkdir", "mkdirat"], action: $a} + $x]}')"
}

run_cmd() {
        set_cmd "$1"
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
}

# run_args ARG...: process.args = ARG... (no shell: the init itself makes the syscall).
run_args() {
        set_args "$@"
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
}

docker_like_profile() {
        python3 "$FC_INTEG_DIR/seccomp-profile.py" "$@"
}

@test "seccomp: SCMP_ACT_ERRNO returns errnoRet" {
        deny_mkdir SCMP_ACT_ERRNO '{"errnoRet": 28}'
        run_cmd 'mkdir /tmp/fct-denied; echo "rc=$?"'
        [ "$status" -eq 0 ]
        [ "$output" = rc=1 ]
        [ "$stderr" = "mkdir: can't create directory '/tmp/fct-denied': No space left on device" ]
        [ ! -e "$FC_BUNDLE/rootfs/tmp/fct-denied" ]
}

@test "seccomp: SCMP_ACT_ERRNO without errnoRet is EPERM" {
        deny_mkdir SCMP_ACT_ERRNO
        run_cmd 'mkdir /tmp/fct-denied; echo "rc=$?"; touch /tmp/fct-file && echo touched'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = rc=1 ]
        [ "$stderr" = "mkdir: can't create directory '/tmp/fct-denied': Operation not permitted" ]
        # Other syscalls are untouched.
        [ "${lines[1]}" = touched ]
        [ ! -e "$FC_BUNDLE/rootfs/tmp/fct-denied" ]
        [ -f "$FC_BUNDLE/rootfs/tmp/fct-file" ]
}

@test "seccomp: defaultErrnoRet applies to the default action" {
        # Docker-shaped allow list without mkdir: mkdir falls to the default action.
        set_seccomp "$(docker_like_profile --without mkdir --without mkdirat |
                jq -c '.defaultErrnoRet = 28')"
        run_cmd 'mkdir /tmp/fct-denied; echo "rc=$?"; echo still-running'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = rc=1 ]
        [ "${lines[1]}" = still-running ]
        [ "$stderr" = "mkdir: can't create directory '/tmp/fct-denied': No space left on device" ]
}

@test "seccomp: SCMP_ACT_KILL_PROCESS kills with SIGSYS (exit 159)" {
        deny_mkdir SCMP_ACT_KILL_PROCESS
        run_args mkdir /tmp/fct-denied
        [ "$status" -eq 159 ]
        [ ! -e "$FC_BUNDLE/rootfs/tmp/fct-denied" ]
        # From a shell: the child dies, the shell carries on.
        run_cmd 'mkdir /tmp/fct-denied; echo "rc=$?"'
        [ "$status" -eq 0 ]
        [ "$output" = rc=159 ]
}

@test "seccomp: SCMP_ACT_KILL_THREAD and SCMP_ACT_KILL kill with SIGSYS" {
        deny_mkdir SCMP_ACT_KILL_THREAD
        run_args mkdir /tmp/fct-denied
        [ "$status" -eq 159 ]
        deny_mkdir SCMP_ACT_KILL
        run_args mkdir /tmp/fct-denied
        [ "$status" -eq 159 ]
        [ ! -e "$FC_BUNDLE/rootfs/tmp/fct-denied" ]
}

@test "seccomp: SCMP_ACT_TRAP sends SIGSYS" {
        deny_mkdir SCMP_ACT_TRAP
        run_args mkdir /tmp/fct-denied
        [ "$status" -eq 159 ]
        run_cmd 'mkdir /tmp/fct-denied; echo "rc=$?"'
        [ "$output" = rc=159 ]
        [ "$stderr" = "Bad system call" ]
        [ ! -e "$FC_BUNDLE/rootfs/tmp/fct-denied" ]
}

@test "seccomp: SCMP_ACT_LOG lets the syscall run" {
        deny_mkdir SCMP_ACT_LOG
        run_args mkdir /tmp/fct-logged
        [ "$status" -eq 0 ]
        [ -d "$FC_BUNDLE/rootfs/tmp/fct-logged" ]
}

@test "seccomp: SCMP_ACT_ALLOW rules under a denying default" {
        set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
                      "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW"},
                                   {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO"}]}'
        run_cmd 'mkdir /tmp/fct-a && echo made; rmdir /tmp/fct-a || echo kept'
        [ "$output" = "$(printf 'made\nkept')" ]
        [ -d "$FC_BUNDLE/rootfs/tmp/fct-a" ]
}

# personality(2) gets PER_LINUX32 (8) from linux32 and PER_LINUX (0) from linux64.
# check_personality_op OP VALUE [VALUE-TWO] EXPECT: EXPECT is "l32 l64", each 0 (allowed) or 1
# (denied with EPERM) under a rule "personality: SCMP_ACT_ERRNO when arg0 OP VALUE".
check_personality_op() {
        local op=$1 value=$2 two=$3 expect=$4
        set_seccomp "$(jq -cn --arg op "$op" --argjson v "$value" --argjson t "$two" \
                '{defaultAction: "SCMP_ACT_ALLOW",
                  syscalls: [{names: ["personality"], action: "SCMP_ACT_ERRNO",
                              args: [{index: 0, value: $v, valueTwo: $t, op: $op}]}]}')"
        run_cmd 'linux32 true 2>/dev/null; a=$?; linux64 true 2>/dev/null; echo "$a $?"'
        if [ "$status" -ne 0 ] || [ "$output" != "$expect" ]; then
                echo "$op $value $two: expected '$expect', got '$output' (status $status, $stderr)" >&2
                return 1
        fi
}

@test "seccomp: argument conditions, every operator" {
        check_personality_op SCMP_CMP_EQ 8 0 "1 0"
        check_personality_op SCMP_CMP_NE 8 0 "0 1"
        check_personality_op SCMP_CMP_LT 8 0 "0 1"
        check_personality_op SCMP_CMP_LE 8 0 "1 1"
        check_personality_op SCMP_CMP_GT 0 0 "1 0"
        check_personality_op SCMP_CMP_GE 8 0 "1 0"
        # (arg & 0xff) == 0x08
        check_personality_op SCMP_CMP_MASKED_EQ 255 8 "1 0"
        check_personality_op SCMP_CMP_MASKED_EQ 255 0 "0 1"
}

@test "seccomp: the busybox message for a denied personality" {
        set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
                      "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO",
                                    "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}'
        run_cmd 'linux32 true; linux64 uname -m'
        [ "$stderr" = "linux32: personality(0x8): Operation not permitted" ]
        [ "$output" = "$(uname -m)" ]
}

@test "seccomp: MASKED_EQ on open flags denies creating files only" {
        # openat(2) with O_CREAT (0100) in its flags (argument 2) fails with EACCES.
        set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
                      "syscalls": [{"names": ["openat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
                                    "args": [{"index": 2, "value": 64, "valueTwo": 64,
                                              "op": "SCMP_CMP_MASKED_EQ"}]}]}'
        run_cmd 'touch /tmp/fct-new; echo "touch=$?"; cat /etc/group | grep -c "^root:"'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = touch=1 ]
        [ "${lines[1]}" = 1 ]
        [ "$stderr" = "touch: /tmp/fct-new: Permission denied" ]
        [ ! -e "$FC_BUNDLE/rootfs/tmp/fct-new" ]
}

@test "seccomp: conditions on two arguments must all hold" {
        # chmod(path, mode): denied only when path is not NULL AND mode == 0700.
        set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
                      "syscalls": [{"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO",
                                    "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_NE"},
                                             {"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}]}]}'
        run_cmd 'touch /tmp/fct-f; chmod 700 /tmp/fct-f; echo "a=$?"; chmod 750 /tmp/fct-f; echo "b=$?"'
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf 'a=1\nb=0')" ]
        [ "$stderr" = "chmod: /tmp/fct-f: Operation not permitted" ]
        [ "$(stat -c %a "$FC_BUNDLE/rootfs/tmp/fct-f")" = 750 ]
}

@test "seccomp: a Docker-shaped default profile runs a busybox shell normally" {
        set_seccomp "$(docker_like_profile)"
        run_cmd 'echo hello | tr a-z A-Z; ls / | grep -c bin; id -u; sleep 0.1; ps >/dev/null && echo ps-ok;
                 mkdir /tmp/fct-d && rmdir /tmp/fct-d && echo dirs-ok;
                 linux32 uname -m; wc -l </etc/passwd >/dev/null && echo redirect-ok;
                 (exit 3); echo "sub=$?"; seq 1 200 | sort -rn | head -n1'
        [ "$status" -eq 0 ]
        [ "$stderr" = "" ]
        [ "${lines[0]}" = HELLO ]
        [ "${lines[1]}" = 1 ]
        [ "${lines[2]}" = 0 ]
        [ "${lines[3]}" = ps-ok ]
        [ "${lines[4]}" = dirs-ok ]
        [[ "${lines[5]}" =~ ^i[3-6]86$ ]] || [ "$(uname -m)" != x86_64 ]
        [ "${lines[6]}" = redirect-ok ]
        [ "${lines[7]}" = sub=3 ]
        [ "${lines[8]}" = 200 ]
}

@test "seccomp: the Docker-shaped profile denies what it leaves out with EPERM" {
        # With CAP_SYS_ADMIN, unshare(CLONE_NEWNS) works: the filter is what stops it.
        update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]
                     | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
                     | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
        run_cmd 'unshare -m true && echo unshared'
        [ "$status" -eq 0 ]
        [ "$output" = unshared ]

        set_seccomp "$(docker_like_profile)"
        run_cmd 'unshare -m true; echo "rc=$?"; personality_ok=$(linux64 uname -m); echo "$personality_ok"'
        [ "$status" -eq 0 ]
        [ "$stderr" = "unshare: unshare(0x20000): Operation not permitted" ]
        [ "${lines[0]}" = rc=1 ]
        [ "${lines[1]}" = "$(uname -m)" ]
}

@test "seccomp: the same large profile twice (compiled-filter cache) behaves the same" {
        set_seccomp "$(docker_like_profile --without rmdir)"
        local i
        for i in 1 2; do
                run_cmd 'mkdir -p /tmp/fct-c; rmdir /tmp/fct-c; echo "rc=$?"'
                [ "$status" -eq 0 ]
                [ "$output" = rc=1 ]
                [ "$stderr" = "rmdir: '/tmp/fct-c': Operation not permitted" ]
                FC_ID=$(fc_random_id)
                track_id "$FC_ID"
        done
}

@test "seccomp: flags SECCOMP_FILTER_FLAG_LOG, SPEC_ALLOW and TSYNC are accepted" {
        unsupported_by_runc_1_1 "linux.seccomp.flags"
        set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
                      "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                "SECCOMP_FILTER_FLAG_TSYNC"],
                      "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
        run_cmd 'mkdir /tmp/fct-denied; echo "rc=$?"; grep -c "^Seccomp:.*2" /proc/self/status'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = rc=1 ]
        [ "${lines[1]}" = 1 ]
}

@test "seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV works or is refused in one line" {
        requires_flashcube "libseccomp-dependent flag (runc 1.1 refuses every flag)"
        set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
                      "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
                      "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
        run_cmd 'mkdir /tmp/fct-denied; echo "rc=$?"'
        if [ "$status" -eq 0 ]; then
                [ "$output" = rc=1 ]
        else
                assert_one_line_error
                [[ "$stderr" == *SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV* ]]
                assert_state_root_empty
        fi
}

# ---- SCMP_ACT_NOTIFY and the seccomp agent ----

# start_agent MODE: seccomp-agent.py on $FC_AGENT/sock (killed in teardown).
start_agent() {
        FC_AGENT=$FC_TMP/agent
        mkdir -p "$FC_AGENT"
        python3 "$FC_INTEG_DIR/seccomp-agent.py" "$FC_AGENT/sock" "$FC_AGENT" "$1" \
                </dev/null >"$FC_AGENT/stdout" 2>"$FC_AGENT/stderr" 3>&- &
        FC_HOLDERS+=("$!")
        local n
        for ((n = 0; n < 500; n++)); do
                [ -S "$FC_AGENT/sock" ] && return 0
                sleep 0.01
        done
        fail "seccomp agent did not start: $(cat "$FC_AGENT/stderr")"
}

# notify_mkdir: mkdir/mkdirat go to the agent.
notify_mkdir() {
        set_seccomp "$(jq -cn --arg p "$FC_AGENT/sock" \
                '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p, listenerMetadata: "fct-meta=1",
                  syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}')"
}

@test "seccomp notify: the agent gets the container process state and answers with an errno" {
        start_agent errno:28
        notify_mkdir
        update_config '.annotations = {"fct.key": "fct-value"}'
        set_args mkdir /tmp/fct-notified
        create_container
        local pid
        pid=$(container_pid)
        wait_for_file "$FC_AGENT/state.json"
        local doc=$FC_AGENT/state.json
        [ "$(jq -r .pid "$doc")" = "$pid" ]
        [ "$(jq -c .fds "$doc")" = '["seccompFd"]' ]
        [ "$(jq -r .metadata "$doc")" = fct-meta=1 ]
        [ -n "$(jq -r .ociVersion "$doc")" ]
        [ "$(jq -r .state.id "$doc")" = "$FC_ID" ]
        [ "$(jq -r .state.pid "$doc")" = "$pid" ]
        [ "$(jq -r .state.status "$doc")" = creating ]
        [ "$(jq -r .state.bundle "$doc")" = "$FC_BUNDLE" ]
        [ "$(jq -c .state.annotations "$doc")" = '{"fct.key":"fct-value"}' ]

        fc start "$FC_ID"
        wait_for_status stopped
        wait_for_file "$FC_AGENT/done"
        [ "$(cat "$FC_ERR")" = "mkdir: can't create directory '/tmp/fct-notified': No space left on device" ]
        grep -q "^pid=$pid " "$FC_AGENT/notifications"
        [ ! -e "$FC_BUNDLE/rootfs/tmp/fct-notified" ]
}

@test "seccomp notify: the agent's return value stands in for the syscall" {
        start_agent fake
        notify_mkdir
        run_cmd 'mkdir /tmp/fct-notified && echo made'
        [ "$status" -eq 0 ]
        [ "$output" = made ]
        # The agent said "done" without making it.
        [ ! -e "$FC_BUNDLE/rootfs/tmp/fct-notified" ]
        [ "$(wc -l <"$FC_AGENT/notifications")" -ge 1 ]
}

@test "seccomp notify: SECCOMP_USER_NOTIF_FLAG_CONTINUE runs the syscall" {
        start_agent continue
        notify_mkdir
        run_cmd 'mkdir /tmp/fct-notified && echo made'
        [ "$status" -eq 0 ]
        [ "$output" = made ]
        [ -d "$FC_BUNDLE/rootfs/tmp/fct-notified" ]
}

@test "seccomp notify: no metadata, no metadata field" {
        start_agent continue
        set_seccomp "$(jq -cn --arg p "$FC_AGENT/sock" \
                '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
                  syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}')"
        run_args true
        [ "$status" -eq 0 ]
        wait_for_file "$FC_AGENT/state.json"
        [ "$(jq -r 'has("metadata")' "$FC_AGENT/state.json")" = false ]
}

@test "seccomp notify: no agent listening fails the container in one line" {
        set_seccomp "$(jq -cn --arg p "$FC_TMP/nobody.sock" \
                '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
                  syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}')"
        run_args true
        assert_one_line_error
        [[ "$stderr" == *"$FC_TMP/nobody.sock"* ]]
        assert_state_root_empty
}

# exec_notified MODE CMD...: a container whose init sleeps under the notify_mkdir filter (its fd
# is the agent's first connection), then `exec ${FC_EXEC_OPTS[@]} ID CMD...` into it (the second).
FC_EXEC_OPTS=()
exec_notified() {
        start_agent "$1"
        shift
        notify_mkdir
        set_args sleep 100
        run_detached
        wait_for_file "$FC_AGENT/state.json"
        run --separate-stderr fc exec "${FC_EXEC_OPTS[@]}" "$FC_ID" "$@"
}

@test "seccomp notify: exec hands its notify fd to the agent before the program runs" {
        exec_notified errno:28 mkdir /tmp/fct-exec
        [ "$status" -eq 1 ] || fail "exec: $status $output $stderr"
        [ "$stderr" = "mkdir: can't create directory '/tmp/fct-exec': No space left on device" ]
        [ ! -e "$FC_BUNDLE/rootfs/tmp/fct-exec" ]
        local init doc=$FC_AGENT/state.2.json expid
        init=$(container_pid)
        wait_for_file "$doc"
        # runc's document for an exec'd process: its own pid, the container's state.
        expid=$(jq -r .pid "$doc")
        [ "$expid" -gt 0 ] && [ "$expid" != "$init" ] || fail "pid $expid (init $init)"
        [ "$(jq -c .fds "$doc")" = '["seccompFd"]' ]
        [ "$(jq -r .metadata "$doc")" = fct-meta=1 ]
        [ "$(jq -r .state.id "$doc")" = "$FC_ID" ]
        [ "$(jq -r .state.pid "$doc")" = "$init" ]
        [ "$(jq -r .state.status "$doc")" = running ]
        [ "$(jq -r .state.bundle "$doc")" = "$FC_BUNDLE" ]
        grep -q "^pid=$expid " "$FC_AGENT/notifications"
        # The init's filter was not touched.
        ! grep -q "^pid=$init " "$FC_AGENT/notifications"
}

@test "seccomp notify: exec without no_new_privs loads the filter early and still reaches the agent" {
        update_config '.process.noNewPrivileges = false'
        exec_notified fake sh -c 'mkdir /tmp/fct-exec && echo made'
        [ "$status" -eq 0 ] || fail "exec: $status $output $stderr"
        [ "$output" = made ]
        [ ! -e "$FC_BUNDLE/rootfs/tmp/fct-exec" ]
        wait_for_file "$FC_AGENT/state.2.json"
}

@test "seccomp notify: exec --no-new-privs and SECCOMP_USER_NOTIF_FLAG_CONTINUE" {
        update_config '.process.noNewPrivileges = false'
        FC_EXEC_OPTS=(--no-new-privs)
        exec_notified continue mkdir /tmp/fct-exec
        [ "$status" -eq 0 ] || fail "exec: $status $output $stderr"
        [ -d "$FC_BUNDLE/rootfs/tmp/fct-exec" ]
        wait_for_file "$FC_AGENT/state.2.json"
        [ "$(wc -l <"$FC_AGENT/notifications")" -ge 1 ]
}

@test "seccomp notify: exec with the agent gone fails in one line, the container runs on" {
        requires_flashcube
        exec_notified errno:28 true
        [ "$status" -eq 0 ] || fail "first exec: $stderr"
        # The agent goes away (its fds with it: notified syscalls now fail with ENOSYS).
        kill "${FC_HOLDERS[-1]}"
        wait "${FC_HOLDERS[-1]}" 2>/dev/null || true
        rm -f "$FC_AGENT/sock"
        run --separate-stderr fc exec "$FC_ID" mkdir /tmp/fct-exec
        assert_one_line_error
        [[ "$stderr" == *"$FC_AGENT/sock"* ]] || fail "$stderr"
        [ ! -e "$FC_BUNDLE/rootfs/tmp/fct-exec" ]
        [ "$(container_status)" = running ]
}

# ---- refused profiles ----

# refused JSON WORD: the profile is refused in one line mentioning WORD, leaving nothing behind.
refused() {
        set_seccomp "$1"
        run_args true
        assert_one_line_error
        if [[ "$stderr" != *"$2"* ]]; then
                echo "error does not mention $2: $stderr" >&2
                return 1
        fi
        assert_state_root_empty
}

@test "seccomp: an unknown action is refused" {
        refused '{"defaultAction": "SCMP_ACT_ALLOW",
                  "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]}' SCMP_ACT_BOGUS
        refused '{"defaultAction": "SCMP_ACT_BOGUS"}' SCMP_ACT_BOGUS
}

@test "seccomp: an unknown architecture is refused" {
        refused '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_BOGUS"],
                  "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}' SCMP_ARCH_BOGUS
}

@test "seccomp: an unknown operator or argument index is refused" {
        refused '{"defaultAction": "SCMP_ACT_ALLOW",
                  "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
                                "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_BOGUS"}]}]}' \
                SCMP_CMP_BOGUS
        refused '{"defaultAction": "SCMP_ACT_ALLOW",
                  "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
                                "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}' \
                "up to 6 arguments"
}

@test "seccomp: SCMP_ACT_NOTIFY without listenerPath is refused" {
        refused '{"defaultAction": "SCMP_ACT_ALLOW",
                  "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}' listenerPath
}

@test "seccomp: an unknown flag is refused" {
        refused '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}' \
                "flag"
}
