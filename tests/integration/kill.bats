#!/usr/bin/env bats
# `kill`: signal names and numbers, --all, errors.

load helpers

setup() {
        setup_common
        setup_bundle
        mkdir "$FC_TMP/shared"
        update_config '.mounts += [{"destination": "/shared", "type": "bind",
                        "source": $src, "options": ["rbind", "rw"]}]' --arg src "$FC_TMP/shared"
}

# A container whose init records the signals it gets in /shared/signals.
start_trapper() {
        set_cmd 'for s in TERM HUP USR1 USR2 INT; do trap "echo $s >> /shared/signals" $s; done
                 echo ready > /shared/ready
                 while :; do sleep 0.05; done'
        run_detached
        wait_for_file "$FC_TMP/shared/ready"
}

# expect_signal NAME: the trapper logged NAME (and nothing else since the last call).
expect_signal() {
        local i
        for ((i = 0; i < 300; i++)); do
                [ -s "$FC_TMP/shared/signals" ] && break
                sleep 0.01
        done
        [ "$(cat "$FC_TMP/shared/signals" 2>/dev/null)" = "$1" ] ||
                fail "expected $1, got: $(cat "$FC_TMP/shared/signals" 2>/dev/null)"
        rm -f "$FC_TMP/shared/signals"
}

@test "kill: default signal is SIGTERM" {
        start_trapper
        run -0 fc kill "$FC_ID"
        expect_signal TERM
}

@test "kill: by name with and without the SIG prefix" {
        start_trapper
        run -0 fc kill "$FC_ID" HUP
        expect_signal HUP
        run -0 fc kill "$FC_ID" SIGUSR1
        expect_signal USR1
        run -0 fc kill "$FC_ID" SIGTERM
        expect_signal TERM
}

@test "kill: by number" {
        start_trapper
        run -0 fc kill "$FC_ID" 12
        expect_signal USR2
        run -0 fc kill "$FC_ID" 2
        expect_signal INT
}

@test "kill: KILL stops the container" {
        start_trapper
        run -0 fc kill "$FC_ID" KILL
        wait_for_status stopped
}

@test "kill: --all signals every process of the container" {
        # pid 1 without a handler ignores SIGTERM; its children do not.
        set_cmd 'sleep 1000 & sleep 1000 & echo ready > /shared/ready; wait; wait'
        run_detached
        wait_for_file "$FC_TMP/shared/ready"
        run -0 fc kill "$FC_ID" TERM
        sleep 0.3
        [ "$(container_status)" = running ]
        run -0 fc kill --all "$FC_ID" TERM
        wait_for_status stopped
}

@test "kill: -a is --all" {
        set_cmd 'sleep 1000 & echo ready > /shared/ready; wait'
        run_detached
        wait_for_file "$FC_TMP/shared/ready"
        run -0 fc kill -a "$FC_ID" KILL
        wait_for_status stopped
}

@test "kill: unknown signals are refused" {
        set_args sleep 100
        run_detached
        local sig
        # Not '': runc 1.1.5 takes an empty signal argument as "absent" and sends SIGTERM (quirk).
        for sig in SIGFOO FOO 0x10 -1 1000; do
                run --separate-stderr fc kill "$FC_ID" "$sig"
                assert_one_line_error || fail "signal '$sig' accepted"
        done
        [ "$(container_status)" = running ]
}

@test "kill: a stopped container cannot be signalled" {
        set_args true
        run_detached
        wait_for_status stopped
        run --separate-stderr fc kill "$FC_ID" KILL
        assert_one_line_error
        # runc's text: "container not running"
        [[ "$stderr" == *"not running"* ]]
}

@test "kill: --all reaches what a stopped container left in its cgroup" {
        # No pid namespace: the background sleep outlives the init, as in a pod sharing the
        # host's pids; containerd's shim then sends `kill --all ID KILL` and waits when it fails.
        update_config '.linux.namespaces |= map(select(.type != "pid"))'
        set_cmd 'sleep 1000 & echo $! > /shared/pid'
        run_detached
        wait_for_status stopped
        wait_for_file "$FC_TMP/shared/pid"
        pid=$(cat "$FC_TMP/shared/pid")
        run -0 fc kill --all "$FC_ID" KILL
        for ((n = 0; n < 200; n++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.01
        done
        ! kill -0 "$pid" 2>/dev/null || fail "process $pid left in the cgroup survived kill --all"
        run -0 fc kill --all "$FC_ID" KILL
}

@test "kill: a created container can be killed" {
        set_args sleep 100
        create_container
        run -0 fc kill "$FC_ID" KILL
        wait_for_status stopped
}
