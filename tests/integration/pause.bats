#!/usr/bin/env bats
# `pause` / `resume`: the freezer (v1 freezer.state, v2 cgroup.freeze), the "paused" status,
# and kill/delete of a paused container.

load helpers
load cgroup-helpers

setup() {
        setup_common
        setup_bundle
        set_args sleep 100
        cg_setup
}

teardown() {
        teardown_common
}

frozen() {
        if cg_is_v2; then
                grep -qx "frozen 1" "$(cg_file "" cgroup.events)"
        else
                [ "$(cg_read freezer freezer.state)" = FROZEN ]
        fi
}

@test "pause: freezes the cgroup, state says paused; resume thaws" {
        cg_is_v2 || requires_controller freezer
        run_detached
        run -0 fc pause "$FC_ID"
        frozen
        [ "$(container_status)" = paused ]
        grep -q '^State:[[:space:]]*[DST]' "/proc/$(container_pid)/status"
        run -0 fc list
        [[ "$output" == *paused* ]]
        run -0 fc resume "$FC_ID"
        refute frozen
        [ "$(container_status)" = running ]
}

@test "pause: errors for a paused and a missing container" {
        cg_is_v2 || requires_controller freezer
        run_detached
        run -0 fc pause "$FC_ID"
        run --separate-stderr fc pause "$FC_ID"
        assert_one_line_error
        [[ "$stderr" == *"container not running"* ]]
        run -0 fc resume "$FC_ID"
        run --separate-stderr fc resume "$FC_ID"
        assert_one_line_error
        [[ "$stderr" == *"container not paused"* ]]
        run --separate-stderr fc pause nosuchcontainer
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"container does not exist"* ]]
}

@test "pause: a created container pauses too, start refuses it until resumed, as runc" {
        cg_is_v2 || requires_controller freezer
        create_container
        run -0 fc pause "$FC_ID"
        frozen
        [ "$(container_status)" = paused ]
        run --separate-stderr fc start "$FC_ID"
        assert_one_line_error
        [[ "$stderr" == *"cannot start a container in the paused state"* ]]
        run --separate-stderr fc delete "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"not stopped: paused"* ]]
        run -0 fc resume "$FC_ID"
        refute frozen
        [ "$(container_status)" = created ]
        run -0 fc start "$FC_ID"
        [ "$(container_status)" = running ]
        # A paused created one goes with kill KILL, as a running one.
        create_container "$FC_ID-b"
        run -0 fc pause "$FC_ID-b"
        run -0 fc kill "$FC_ID-b" KILL
        wait_for_status stopped "$FC_ID-b"
        run -0 fc delete "$FC_ID-b"
}

@test "pause: kill --all KILL of a paused container stops it" {
        cg_is_v2 || requires_controller freezer
        run_detached
        run -0 fc pause "$FC_ID"
        run -0 fc kill --all "$FC_ID" KILL
        wait_for_status stopped
}

@test "pause: kill KILL of a paused container stops it (as runc)" {
        cg_is_v2 || requires_controller freezer
        run_detached
        run -0 fc pause "$FC_ID"
        run -0 fc kill "$FC_ID" KILL
        wait_for_status stopped
}

@test "pause: delete -f of a paused container removes it and its cgroup" {
        cg_is_v2 || requires_controller freezer
        run_detached
        local pid
        pid=$(container_pid)
        run -0 fc pause "$FC_ID"
        run -0 fc delete -f "$FC_ID"
        process_gone "$pid"
        assert_state_root_empty
        [ ! -d "$(cg_mount pids)$FC_CG_PATH" ]
}
