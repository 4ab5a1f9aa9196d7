#!/usr/bin/env bats
# process.terminal: a pty from the container's devpts, /dev/console, consoleSize, the master
# sent over --console-socket (as containerd's shim and conmon receive it), and `run` relaying
# the caller's terminal when there is no socket.

load helpers

setup() {
        setup_common
        setup_bundle
        update_config '.process.terminal = true'
}

# start_receiver: a console-socket receiver writing what the container prints to $FC_TMP/tty.out.
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

@test "terminal: the master is sent over --console-socket and is the process's stdio" {
        start_receiver $'typed-line\n'
        set_cmd 'read x; echo "got $x"; tty; test -t 0 && test -t 1 && test -t 2 && echo all-tty'
        track_id "$FC_ID"
        fc_detached create --console-socket "$FC_SOCK" --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "create: $output"
        run -0 fc start "$FC_ID"
        wait_recv
        run cat "$FC_TMP/tty.out"
        [[ "$output" == *"name: /dev/ptmx"* ]] || fail "no pty name: $output"
        [[ "$output" == *"got typed-line"* ]] || fail "input not relayed: $output"
        [[ "$output" == *"/dev/pts/0"* ]] || fail "tty is not the container's pts 0: $output"
        [[ "$output" == *all-tty* ]] || fail "stdio is not the terminal: $output"
}

@test "terminal: /dev/console is the pty and consoleSize is applied" {
        start_receiver
        update_config '.process.consoleSize = {"height": 33, "width": 111}'
        set_cmd 'stat -c "%t:%T" /dev/console; stat -c "%t:%T" "$(tty)"; stty -a | head -1'
        run_detached_sock() {
                track_id "$FC_ID"
                fc_detached run -d --console-socket "$FC_SOCK" --bundle "$FC_BUNDLE" "$FC_ID"
        }
        run_detached_sock
        [ "$status" -eq 0 ] || fail "run -d: $output"
        wait_recv
        run cat "$FC_TMP/tty.out"
        local lines_=("${lines[@]}")
        # /dev/console has the same device numbers as the process's tty (pts major 136).
        [ "$(echo "${lines_[1]}" | tr -d '\r')" = "$(echo "${lines_[2]}" | tr -d '\r')" ] ||
                fail "console is not the tty: $output"
        [[ "${lines_[1]}" == 88:* ]] || fail "console is not a pts (major 0x88): $output"
        [[ "$output" == *"rows 33; columns 111"* ]] || fail "consoleSize not applied: $output"
}

@test "terminal: run in the foreground relays the caller's terminal" {
        set_cmd 'tty; echo out-from-container; exit 5'
        # script(1) gives `run` a terminal of its own, as an interactive shell would.
        run script -qec "timeout 20 $FC_RUNTIME --root $FC_ROOT run --bundle $FC_BUNDLE $FC_ID" /dev/null
        track_id "$FC_ID"
        [ "$status" -eq 5 ] || fail "exit status $status, output: $output"
        [[ "$output" == *"/dev/pts/0"* ]] || fail "no pty inside: $output"
        [[ "$output" == *out-from-container* ]] || fail "output not relayed: $output"
}

@test "terminal: create with a terminal but no console socket is refused like runc" {
        run fc create --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$output" == *"cannot allocate tty if runc will detach without setting console socket"* ]] ||
                fail "unexpected error: $output"
        assert_state_root_empty
}

@test "terminal: a console socket without a terminal is refused like runc" {
        update_config '.process.terminal = false'
        start_receiver
        run fc create --console-socket "$FC_SOCK" --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$output" == *"cannot use console socket if runc will not detach or allocate tty"* ]] ||
                fail "unexpected error: $output"
        assert_state_root_empty
}

@test "terminal: a console socket that does not exist fails create cleanly" {
        run fc create --console-socket "$FC_TMP/nope.sock" --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_state_root_empty
}
