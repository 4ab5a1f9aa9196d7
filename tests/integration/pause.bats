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

@test "pause: errors for a paused, a created and a missing container" {
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
        # runc 1.1 also pauses a created container; flashcube refuses (its status of a
        # created container does not look at the freezer).
        if ! runtime_is_runc; then
                create_container "$FC_ID-b"
                run --separate-stderr fc pause "$FC_ID-b"
                [ "$status" -ne 0 ]
                [[ "$stderr" == *"container not running"* ]]
        fi
        run --separate-stderr fc pause nosuchcontainer
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"container does not exist"* ]]
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
