#!/usr/bin/env bats
# `ps`: the host's ps filtered to the container's pids (table), or the pid list (json).

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

@test "ps: table has ps -ef's header and the container's processes only" {
        run_detached
        local pid
        pid=$(container_pid)
        run -0 fc ps "$FC_ID"
        [[ "${lines[0]}" == UID*PID*PPID*CMD* ]]
        [ "${#lines[@]}" -eq 2 ]
        [ "$(awk '{ print $2 }' <<<"${lines[1]}")" = "$pid" ]
        [[ "${lines[1]}" == *"sleep 100"* ]]
}

@test "ps: extra arguments go to ps" {
        run_detached
        local pid
        pid=$(container_pid)
        run -0 fc ps "$FC_ID" -o pid,comm
        [[ "${lines[0]}" == *PID*COMMAND* ]]
        [ "${#lines[@]}" -eq 2 ]
        [ "$(awk '{ print $1, $2 }' <<<"${lines[1]}")" = "$pid sleep" ]
}

@test "ps: --format json lists the pids, children included" {
        set_cmd 'sleep 100 & sleep 100 & wait'
        run_detached
        # (not "i": bats' `run` clobbers a caller's loop variable of that name)
        local try
        for ((try = 0; try < 200; try++)); do
                run -0 fc ps --format json "$FC_ID"
                [ "$(jq length <<<"$output")" -eq 3 ] && break
                sleep 0.01
        done
        [ "$(jq length <<<"$output")" -eq 3 ]
        jq -e --argjson p "$(container_pid)" 'index($p) != null' <<<"$output"
}

@test "ps: --format json of a container with no process left is null, as runc's" {
        set_args true
        run_detached
        wait_for_status stopped
        run -0 --separate-stderr fc ps --format json "$FC_ID"
        [ "$output" = null ]
}

@test "ps: errors" {
        run_detached
        run --separate-stderr fc ps --format yaml "$FC_ID"
        [ "$status" -ne 0 ]
        run --separate-stderr fc ps nosuchcontainer
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"container does not exist"* ]]
        # ps without a PID column cannot be filtered.
        run --separate-stderr fc ps "$FC_ID" -o comm
        [ "$status" -ne 0 ]
}
