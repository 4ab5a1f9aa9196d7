#!/usr/bin/env bats
# exec: a new process in a running container, its settings, exit codes, signals, terminals and
# refusals.

load helpers

setup() {
        setup_common
        setup_bundle
        set_args sleep 1000
}

# start_container: run -d with the bundle as configured, wait until it runs.
start_container() {
        run_detached
        wait_for_status running
}

# fc_exec_bg OUT ARGS...: `exec ARGS` in the background with the runtime as the direct child
# (no timeout wrapper), so that signals sent to $FC_EXEC_PID reach flashcube itself.
fc_exec_bg() {
        local out=$1
        shift
        "$FC_RUNTIME" --root "$FC_ROOT" exec "$@" </dev/null >"$out" 2>&1 &
        FC_EXEC_PID=$!
}

# start_receiver [INPUT]: a console-socket receiver (as containerd's shim is) writing what the
# process prints to $FC_TMP/tty.out after typing INPUT into the pty.
start_receiver() {
        FC_SOCK=$FC_TMP/console.sock
        python3 "$BATS_TEST_DIRNAME/console-recv.py" "$FC_SOCK" "$FC_TMP/tty.out" "${1:-}" \
                >"$FC_TMP/recv.log" 2>&1 &
        FC_RECV_PID=$!
        on_teardown "kill $FC_RECV_PID 2>/dev/null || true"
        wait_for_file "$FC_SOCK"
}

# wait_recv: the receiver saw the pty hang up (every process holding the slave exited).
wait_recv() {
        local i
        for ((i = 0; i < 500; i++)); do
                kill -0 "$FC_RECV_PID" 2>/dev/null || return 0
                sleep 0.01
        done
        fail "console receiver still running: $(cat "$FC_TMP/recv.log")"
}

# fc_exec_tty ARGS...: `exec ARGS` with a terminal of its own, as from an interactive shell:
# script(1) makes its stdin and stdout a pty, and the runtime runs in the terminal's foreground
# process group (timeout --foreground).  $status is exec's, $output what it relayed.  What
# the test sends to stdin is typed into that terminal.
fc_exec_tty() {
        local cmd a
        cmd="timeout --foreground 20 $(printf '%q' "$FC_RUNTIME") --root $(printf '%q' "$FC_ROOT") exec"
        for a in "$@"; do
                cmd+=" $(printf '%q' "$a")"
        done
        run script -qec "${FC_TTY_SETUP:-}$cmd" /dev/null
}

@test "exec: the process's exit code passes through" {
        start_container
        run --separate-stderr fc exec "$FC_ID" sh -c 'exit 3'
        [ "$status" -eq 3 ]
        run -0 fc exec "$FC_ID" echo hello-from-exec
        [ "$output" = hello-from-exec ]
        run --separate-stderr fc exec "$FC_ID" sh -c 'kill -KILL $$'
        [ "$status" -eq $((128 + 9)) ]
}

@test "exec: arguments after the command are the command's, not the runtime's" {
        start_container
        run -0 fc exec "$FC_ID" sh -c 'echo "$0 $1"' -d --cwd
        [ "$output" = "-d --cwd" ]
}

@test "exec: signals sent to the runtime are forwarded to the process" {
        update_config '.root.readonly = false'
        start_container
        rm -f "$FC_BUNDLE/rootfs/tmp/ready"
        fc_exec_bg "$FC_TMP/exec.out" "$FC_ID" sh -c 'trap "exit 7" TERM; touch /tmp/ready; sleep 100 & wait'
        wait_for_file "$FC_BUNDLE/rootfs/tmp/ready"
        kill -TERM "$FC_EXEC_PID"
        local rc=0
        wait "$FC_EXEC_PID" || rc=$?
        [ "$rc" -eq 7 ]
}

@test "exec: the process is killed by a forwarded signal it does not handle: 128+signal" {
        update_config '.root.readonly = false'
        start_container
        rm -f "$FC_BUNDLE/rootfs/tmp/ready"
        fc_exec_bg "$FC_TMP/exec.out" "$FC_ID" sh -c 'touch /tmp/ready; exec sleep 100'
        wait_for_file "$FC_BUNDLE/rootfs/tmp/ready"
        sleep 0.2
        kill -USR1 "$FC_EXEC_PID"
        local rc=0
        wait "$FC_EXEC_PID" || rc=$?
        [ "$rc" -eq $((128 + 10)) ]
}

@test "exec: env, cwd and rlimits come from the config, HOME from the container's passwd" {
        update_config '.process.env = ["PATH=/bin:/usr/bin", "FROM_CONFIG=1"] | .process.cwd = "/tmp"'
        update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 777, "soft": 555}]'
        start_container
        run -0 fc exec "$FC_ID" sh -c 'echo "$FROM_CONFIG $HOME $(pwd) $(ulimit -n) $(ulimit -Hn)"'
        [ "$output" = "1 /root /tmp 555 777" ]
}

@test "exec: --env adds and replaces variables in place, --cwd overrides" {
        update_config '.process.env = ["PATH=/bin:/usr/bin", "A=1", "B=2"]'
        start_container
        # The environment as execve got it, in order (a shell would reorder it).
        local environ
        environ=$(fc exec -e A=x -e C=3 "$FC_ID" cat /proc/self/environ | tr '\0' ' ')
        [ "$environ" = "PATH=/bin:/usr/bin A=x B=2 C=3 HOME=/root " ]
        run -0 fc exec --cwd /etc "$FC_ID" pwd
        [ "$output" = /etc ]
}

@test "exec: --user and --additional-gids" {
        start_container
        run -0 fc exec --user 1234:1235 -g 7 -g 8 "$FC_ID" id
        [ "$output" = "uid=1234 gid=1235 groups=7,8" ]
        run -0 fc exec -u 5 "$FC_ID" id -u
        [ "$output" = 5 ]
        # Without -u the config's user (root here), no supplementary groups.
        run -0 fc exec "$FC_ID" id
        [ "$output" = "uid=0(root) gid=0(root)" ]
}

@test "exec: capabilities of the config, --cap adds to them" {
        update_config '.process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}'
        start_container
        run -0 fc exec "$FC_ID" grep -E '^Cap(Eff|Bnd|Prm):' /proc/self/status
        [ "$(echo "$output" | awk '{print $2}' | sort -u)" = 0000000000000020 ]
        run -0 fc exec --cap CAP_SYS_ADMIN --cap CAP_NET_RAW "$FC_ID" grep -E '^Cap(Eff|Bnd|Prm):' /proc/self/status
        # CAP_KILL (5) | CAP_NET_RAW (13) | CAP_SYS_ADMIN (21)
        [ "$(echo "$output" | awk '{print $2}' | sort -u)" = 0000000000202020 ]
}

@test "exec: noNewPrivileges of the config, and --no-new-privs" {
        update_config '.process.noNewPrivileges = false'
        start_container
        run -0 fc exec "$FC_ID" grep '^NoNewPrivs:' /proc/self/status
        [ "$(echo "$output" | awk '{print $2}')" = 0 ]
        run -0 fc exec --no-new-privs "$FC_ID" grep '^NoNewPrivs:' /proc/self/status
        [ "$(echo "$output" | awk '{print $2}')" = 1 ]
}

@test "exec: the process joins every namespace of the container's init" {
        start_container
        local init ns mine theirs
        init=$(container_pid)
        for ns in cgroup ipc mnt net pid time user uts; do
                [ -e "/proc/$init/ns/$ns" ] || continue
                mine=$(fc exec "$FC_ID" readlink "/proc/self/ns/$ns")
                theirs=$(readlink "/proc/$init/ns/$ns")
                [ "$mine" = "$theirs" ] || fail "$ns: exec has $mine, init has $theirs"
        done
        # Its own pid namespace: the exec'd process is not pid 1 and sees the init as 1.
        run -0 fc exec "$FC_ID" sh -c 'echo $$; cat /proc/1/comm'
        [ "${lines[0]}" -ne 1 ]
        [ "${lines[1]}" = sleep ]
        # The container's root filesystem.
        touch "$FC_BUNDLE/rootfs/marker-$FC_ID"
        run -0 fc exec "$FC_ID" ls "/marker-$FC_ID"
}

@test "exec: -d returns at once, prints nothing, --pid-file names the process in the container's cgroup" {
        start_container
        local t0 t1
        t0=$(date +%s)
        # The process inherits stdio: files, so that nothing waits for it to close them.
        fc exec -d --pid-file "$FC_TMP/exec.pid" "$FC_ID" sleep 60 </dev/null >"$FC_TMP/d.out" 2>&1
        t1=$(date +%s)
        [ ! -s "$FC_TMP/d.out" ]
        [ $((t1 - t0)) -lt 10 ]
        local pid init
        pid=$(cat "$FC_TMP/exec.pid")
        [ "$(cat "/proc/$pid/comm")" = sleep ]
        init=$(container_pid)
        [ "$pid" != "$init" ]
        diff "/proc/$init/cgroup" "/proc/$pid/cgroup"
        # Processes exec'd later are part of the container: kill --all reaches them.
        fc kill --all "$FC_ID" KILL
        process_gone "$pid"
}

@test "exec: a relative --pid-file is relative to the caller's directory" {
        start_container
        cd "$FC_TMP"
        fc exec -d --pid-file rel.pid "$FC_ID" sleep 60 </dev/null >/dev/null 2>&1
        [ -s "$FC_TMP/rel.pid" ]
}

@test "exec: -d still reports a missing executable, with runc's message" {
        start_container
        run --separate-stderr fc exec -d "$FC_ID" no-such-binary
        [ "$status" -ne 0 ]
        # runc's log line escapes the quotes: match around them.
        [[ "$stderr" == *'exec: '*'no-such-binary'*': executable file not found in $PATH'* ]]
        assert_one_line_error
}

@test "exec: an execve that fails after the checks is the process's failure, as runc's" {
        # 3 MB of environment passes every check and fails only in execve itself (E2BIG): runc
        # has taken the process as started then, so its status is 1 (0 for -d) and the reason
        # is on its stderr.
        start_container
        jq '.process + {args: ["/bin/true"], env: (.process.env + [range(3000) | "W\(.)=\("y" * 1000)"])}' \
                "$FC_BUNDLE/config.json" >"$FC_TMP/process.json"
        run --separate-stderr fc exec -p "$FC_TMP/process.json" "$FC_ID"
        [ "$status" -eq 1 ]
        [[ "$stderr" == *"exec /bin/true: "*"rgument list too long"* ]] || fail "$stderr"
        run --separate-stderr fc exec -d -p "$FC_TMP/process.json" "$FC_ID"
        [ "$status" -eq 0 ]
}

@test "exec: only stdio and --preserve-fds reach the process" {
        start_container
        echo preserved-content >"$FC_TMP/in"
        # ls reads /proc/self/fd through one descriptor of its own, the next free one.
        run -0 fc exec "$FC_ID" ls /proc/self/fd
        [ "$(echo $output)" = "0 1 2 3" ]
        run -0 fc exec --preserve-fds 2 "$FC_ID" ls /proc/self/fd 3<"$FC_TMP/in" 4<"$FC_TMP/in"
        [ "$(echo $output)" = "0 1 2 3 4 5" ]
        run -0 fc exec --preserve-fds 1 "$FC_ID" sh -c 'cat <&3' 3<"$FC_TMP/in"
        [ "$output" = preserved-content ]
}

@test "exec: stdio is the caller's" {
        start_container
        run -0 fc exec "$FC_ID" sh -c 'read line; echo "got $line"; echo to-stderr >&2' <<<"some-input"
        [[ "$output" == *"got some-input"* ]]
        [[ "$output" == *"to-stderr"* ]]
}

@test "exec: the config's seccomp filter applies to exec'd processes" {
        update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
        start_container
        run --separate-stderr fc exec "$FC_ID" mkdir /tmp/denied
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"Operation not permitted"* ]]
        [ ! -e "$FC_BUNDLE/rootfs/tmp/denied" ]
        run -0 fc exec "$FC_ID" grep '^Seccomp:' /proc/self/status
        [ "$(echo "$output" | awk '{print $2}')" = 2 ]
}

@test "exec: --process takes the whole process from process.json; the flags are ignored" {
        start_container
        cat >"$FC_TMP/process.json" <<'EOF'
{"args": ["sh", "-c", "echo \"$FOO $(pwd) $(id -u)\""], "env": ["PATH=/bin", "FOO=from-json"], "cwd": "/etc", "user": {"uid": 3, "gid": 3}}
EOF
        run -0 fc exec --process "$FC_TMP/process.json" -e FOO=flag --cwd /tmp "$FC_ID"
        [ "$output" = "from-json /etc 3" ]
        run -0 fc exec -p "$FC_TMP/process.json" "$FC_ID" ignored args
        [ "$output" = "from-json /etc 3" ]
}

@test "exec: a process.json without capabilities gets the config's, its noNewPrivileges is its own" {
        update_config '.process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]} | .process.noNewPrivileges = true'
        start_container
        echo '{"args": ["/bin/grep", "-E", "^(CapEff|NoNewPrivs):", "/proc/self/status"], "cwd": "/"}' >"$FC_TMP/p.json"
        run -0 fc exec -p "$FC_TMP/p.json" "$FC_ID"
        [ "$(echo "${lines[0]}" | awk '{print $2}')" = 0000000000000020 ]
        [ "$(echo "${lines[1]}" | awk '{print $2}')" = 0 ]
}

@test "exec: into a created (not yet started) container" {
        create_container
        run -0 fc exec "$FC_ID" echo in-created
        [ "$output" = in-created ]
        [ "$(container_status)" = created ]
}

@test "exec: refused in a stopped container" {
        set_args true
        run_detached
        wait_for_status stopped
        run --separate-stderr fc exec "$FC_ID" true
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"cannot exec in a stopped container"* ]]
        assert_one_line_error
}

@test "exec: refused in a paused container unless --ignore-paused" {
        start_container
        if ! fc pause "$FC_ID" 2>/dev/null; then
                skip "the runtime under test cannot pause"
        fi
        on_teardown "\"$FC_RUNTIME\" --root \"$FC_ROOT\" resume $FC_ID"
        run --separate-stderr fc exec "$FC_ID" true
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"cannot exec in a paused container"* ]]
        assert_one_line_error
        # Accepted with --ignore-paused; the process runs once the container is resumed.
        fc_exec_bg "$FC_TMP/paused.out" --ignore-paused "$FC_ID" echo ran-after-resume
        sleep 0.3
        fc resume "$FC_ID"
        local rc=0
        wait "$FC_EXEC_PID" || rc=$?
        [ "$rc" -eq 0 ]
        grep -q ran-after-resume "$FC_TMP/paused.out"
}

@test "exec: bad input is refused with one line and a non-zero status" {
        start_container
        run --separate-stderr fc exec nonexistent-container true
        assert_one_line_error
        [[ "$stderr" == *"container does not exist"* ]]
        run --separate-stderr fc exec "$FC_ID"
        assert_one_line_error
        [[ "$stderr" == *"process args cannot be empty"* ]]
        echo '{"args": ["true"' >"$FC_TMP/bad.json"
        run --separate-stderr fc exec -p "$FC_TMP/bad.json" "$FC_ID"
        assert_one_line_error
        echo '{"args": ["true"], "cwd": "relative"}' >"$FC_TMP/rel.json"
        run --separate-stderr fc exec -p "$FC_TMP/rel.json" "$FC_ID"
        assert_one_line_error
        run --separate-stderr fc exec -p "$FC_TMP/does-not-exist.json" "$FC_ID"
        assert_one_line_error
        run --separate-stderr fc exec --cwd /does-not-exist "$FC_ID" true
        assert_one_line_error
        [[ "$stderr" == *'chdir to cwd ('*'/does-not-exist'*')'* ]]
        run --separate-stderr fc exec -u notanumber "$FC_ID" true
        assert_one_line_error
        run --separate-stderr fc exec -e NOEQUALS "$FC_ID" true
        assert_one_line_error
        [[ "$stderr" == *'invalid environment variable: '*NOEQUALS* ]]
        run --separate-stderr fc exec "$FC_ID" /etc
        assert_one_line_error
        [[ "$stderr" == *'exec: '*'/etc'*': permission denied'* ]]
        run --separate-stderr fc exec --console-socket "$FC_TMP/sock" "$FC_ID" true
        assert_one_line_error
        # The container is unharmed.
        [ "$(container_status)" = running ]
}

@test "exec: --apparmor and --process-label values are refused without LSM support" {
        requires_flashcube
        start_container
        run --separate-stderr fc exec --apparmor some-profile "$FC_ID" true
        assert_one_line_error
        run --separate-stderr fc exec --process-label some_label "$FC_ID" true
        assert_one_line_error
        run -0 fc exec --apparmor "" --process-label "" "$FC_ID" true
}

@test "exec: --preserve-fds of a descriptor that is not open is refused" {
        requires_flashcube
        start_container
        run --separate-stderr fc exec --preserve-fds 5 "$FC_ID" true
        assert_one_line_error
}

@test "exec: -t --console-socket -d sends the master; typed input reaches the process" {
        start_container
        start_receiver $'typed-line\n'
        run -0 fc exec -d -t --console-socket "$FC_SOCK" "$FC_ID" \
                sh -c 'read x; echo "got $x"; tty; test -t 0 && test -t 1 && test -t 2 && echo all-tty'
        wait_recv
        run cat "$FC_TMP/tty.out"
        [[ "${lines[0]}" == "name: /dev/ptmx" ]] || fail "pty name: $output"
        [[ "$output" == *"got typed-line"* ]] || fail "input not relayed: $output"
        [[ "$output" == *"/dev/pts/"[0-9]* ]] || fail "tty is not a pts: $output"
        [[ "$output" == *all-tty* ]] || fail "stdio is not the terminal: $output"
}

@test "exec: the pty comes from the container's devpts and leaves /dev/console alone" {
        start_container
        start_receiver
        run -0 fc exec -d -t --console-socket "$FC_SOCK" "$FC_ID" \
                sh -c 'ls /dev/pts; test -e /dev/console && echo has-console; echo done'
        wait_recv
        run cat "$FC_TMP/tty.out"
        # The container's own devpts instance: its first pty is 0, whatever the host has open.
        [[ "${lines[1]}" == 0* ]] || fail "not the container's devpts: $output"
        [[ "$output" != *has-console* ]] || fail "/dev/console was bound: $output"
        [[ "$output" == *done* ]] || fail "no output: $output"
}

@test "exec: process.json's terminal and consoleSize" {
        start_container
        start_receiver
        cat >"$FC_TMP/process.json" <<'EOF'
{"args": ["sh", "-c", "stty -a | head -1; tty"], "env": ["PATH=/bin"], "cwd": "/", "terminal": true, "consoleSize": {"height": 33, "width": 111}}
EOF
        run -0 fc exec -d -p "$FC_TMP/process.json" --console-socket "$FC_SOCK" "$FC_ID"
        wait_recv
        run cat "$FC_TMP/tty.out"
        [[ "$output" == *"rows 33; columns 111"* ]] || fail "consoleSize not applied: $output"
        [[ "$output" == *"/dev/pts/"* ]] || fail "no pty: $output"
        # Without a console socket, -d with process.json's terminal is refused as -d -t is.
        run --separate-stderr fc exec -d -p "$FC_TMP/process.json" "$FC_ID"
        assert_one_line_error
        [[ "$stderr" == *"cannot allocate tty if runc will detach without setting console socket"* ]]
}

@test "exec: -t in the foreground relays the caller's terminal and passes the exit code" {
        start_container
        fc_exec_tty -t "$FC_ID" sh -c 'tty; test -t 0 && test -t 1 && echo all-tty; echo out-from-exec; exit 5'
        [ "$status" -eq 5 ] || fail "exit status $status, output: $output"
        [[ "$output" == *"/dev/pts/"[0-9]* ]] || fail "no pty inside: $output"
        [[ "$output" == *all-tty* ]] || fail "stdio is not the terminal: $output"
        [[ "$output" == *out-from-exec* ]] || fail "output not relayed: $output"
        fc_exec_tty -t "$FC_ID" sh -c 'kill -KILL $$'
        [ "$status" -eq $((128 + 9)) ] || fail "exit status $status, output: $output"
        [ "$(container_status)" = running ]
}

@test "exec: -t in the foreground: what the caller types reaches the process" {
        start_container
        fc_exec_tty -t "$FC_ID" sh -c 'read x; echo "got-$x"' <<<typed-in
        [ "$status" -eq 0 ] || fail "exit status $status, output: $output"
        [[ "$output" == *"got-typed-in"* ]] || fail "input not relayed: $output"
}

@test "exec: -t in the foreground: the pty has the caller's window size and follows it" {
        start_container
        FC_TTY_SETUP="stty rows 21 cols 77; (sleep 0.5; stty -F /dev/tty rows 30 cols 90) & " \
                fc_exec_tty -t "$FC_ID" sh -c 'stty -a | head -1; sleep 2; stty -a | head -1'
        [ "$status" -eq 0 ] || fail "exit status $status, output: $output"
        # runc sizes the pty only after the process started: its first look may see 0x0.
        if ! runtime_is_runc; then
                [[ "${lines[0]}" == *"rows 21; columns 77"* ]] || fail "initial size: $output"
        fi
        [[ "$output" == *"rows 30; columns 90"* ]] || fail "resize not passed on: $output"
}

@test "exec: -t returns when the process exits, even if its children keep the terminal" {
        start_container
        local t0=$SECONDS
        fc_exec_tty -t "$FC_ID" sh -c 'sleep 60 & echo parent-done; exit 2'
        [ "$status" -eq 2 ] || fail "exit status $status, output: $output"
        [[ "$output" == *parent-done* ]] || fail "output lost: $output"
        [ $((SECONDS - t0)) -lt 15 ] || fail "waited for the background child"
}

@test "exec: the terminal belongs to the process's user" {
        start_container
        fc_exec_tty -t -u 1000:1000 "$FC_ID" sh -c 'ls -ln "$(tty)"; echo by-name >"$(tty)"'
        [ "$status" -eq 0 ] || fail "exit status $status, output: $output"
        [[ "$output" == *" 1000 "*" 5 "*"/dev/pts/"* ]] || fail "owner or group: $output"
        [[ "$output" == *by-name* ]] || fail "the user cannot open its tty: $output"
}

@test "exec: terminal and console socket refusals, with runc's messages" {
        start_container
        run --separate-stderr fc exec -d -t "$FC_ID" true
        assert_one_line_error
        [[ "$stderr" == *"cannot allocate tty if runc will detach without setting console socket"* ]]
        start_receiver
        run --separate-stderr fc exec --console-socket "$FC_SOCK" "$FC_ID" true
        assert_one_line_error
        [[ "$stderr" == *"cannot use console socket if runc will not detach or allocate tty"* ]]
        run --separate-stderr fc exec -d --console-socket "$FC_SOCK" "$FC_ID" true
        assert_one_line_error
        [[ "$stderr" == *"cannot use console socket if runc will not detach or allocate tty"* ]]
        run --separate-stderr fc exec -d -t --console-socket "$FC_TMP/no-such.sock" "$FC_ID" true
        assert_one_line_error
        [ "$(container_status)" = running ]
}

@test "exec: a missing executable under -t is reported with runc's status" {
        start_container
        fc_exec_tty -t "$FC_ID" no-such-binary
        [ "$status" -eq 255 ] || fail "exit status $status, output: $output"
        [[ "$output" == *'no-such-binary'*'executable file not found'* ]] || fail "$output"
}

@test "exec: -t --console-socket without -d waits for the process and passes its exit code" {
        requires_flashcube "runc 1.1 refuses a console socket unless it detaches"
        start_container
        start_receiver $'typed-line\n'
        run fc exec -t --console-socket "$FC_SOCK" "$FC_ID" sh -c 'read x; echo "got $x"; exit 4'
        [ "$status" -eq 4 ] || fail "exit status $status, output: $output"
        wait_recv
        run cat "$FC_TMP/tty.out"
        [[ "$output" == *"got typed-line"* ]] || fail "input not relayed: $output"
}
