#!/usr/bin/env bats
# Namespaces: new ones differ from the host's, joined ones (by path) are the holder's.

load helpers

setup() {
        setup_common
        setup_bundle
}

# ns_inside TYPE...: run the container, print readlink /proc/self/ns/TYPE for each TYPE.
ns_inside() {
        local cmd='' t
        for t in "$@"; do
                cmd+="readlink /proc/self/ns/$t; "
        done
        set_cmd "$cmd"
        run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID"
}

# add_ns TYPE [PATH]: add (or replace) a namespace entry.
add_ns() {
        if [ -n "${2:-}" ]; then
                update_config '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] + [{"type": $t, "path": $p}])' \
                        --arg t "$1" --arg p "$2"
        else
                update_config '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] + [{"type": $t}])' \
                        --arg t "$1"
        fi
}

remove_ns() {
        update_config '.linux.namespaces |= map(select(.type != $t))' --arg t "$1"
}

requires_time_ns() {
        requires_path "time namespaces" /proc/self/ns/time
        if runtime_is_runc; then
                skip "runc 1.1.5 does not support time namespaces (added in runc 1.2)"
        fi
}

@test "namespaces: pid net ipc uts mount cgroup are new" {
        add_ns cgroup
        ns_inside pid net ipc uts mnt cgroup
        local i=0 t
        for t in pid net ipc uts mnt cgroup; do
                [[ "${lines[i]}" == "$t:["* ]] || fail "bad ns line ${lines[i]}"
                [ "${lines[i]}" != "$(host_ns "$t")" ] || fail "$t namespace is the host's"
                i=$((i + 1))
        done
}

@test "namespaces: the init is pid 1 of a new pid namespace" {
        set_cmd 'echo $$; ps -o pid,comm | wc -l'
        run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "${lines[0]}" = 1 ]
}

@test "namespaces: a new network namespace has only lo" {
        set_cmd 'ls /sys/class/net'
        run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$output" = lo ]
}

@test "namespaces: without a namespace entry the host's namespace is kept" {
        local t
        for t in network ipc uts; do
                remove_ns "$t"
        done
        # A hostname needs a new uts namespace.
        update_config 'del(.hostname)'
        ns_inside net ipc uts
        [ "${lines[0]}" = "$(host_ns net)" ]
        [ "${lines[1]}" = "$(host_ns ipc)" ]
        [ "${lines[2]}" = "$(host_ns uts)" ]
}

@test "namespaces: cgroup namespace makes the container's cgroup its root" {
        add_ns cgroup
        set_cmd 'cat /proc/self/cgroup'
        run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID"
        # Every hierarchy (v1 controllers and the unified one) shows "/" as the path.
        local line
        for line in "${lines[@]}"; do
                [[ "$line" =~ ^[0-9]+:[^:]*:/$ ]] || fail "cgroup path not virtualised: $line"
        done
}

@test "namespaces: net ipc uts joined by path" {
        start_holder --net --ipc --uts
        local t
        add_ns network "/proc/$FC_HOLDER_PID/ns/net"
        add_ns ipc "/proc/$FC_HOLDER_PID/ns/ipc"
        add_ns uts "/proc/$FC_HOLDER_PID/ns/uts"
        ns_inside net ipc uts
        [ "${lines[0]}" = "$(readlink "/proc/$FC_HOLDER_PID/ns/net")" ]
        [ "${lines[1]}" = "$(readlink "/proc/$FC_HOLDER_PID/ns/ipc")" ]
        [ "${lines[2]}" = "$(readlink "/proc/$FC_HOLDER_PID/ns/uts")" ]
        [ "${lines[0]}" != "$(host_ns net)" ]
}

@test "namespaces: pid namespace joined by path" {
        start_holder --pid --mount-proc
        add_ns pid "/proc/$FC_HOLDER_PID/ns/pid"
        set_cmd 'readlink /proc/self/ns/pid; echo $$; ps -o pid,comm'
        run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "${lines[0]}" = "$(readlink "/proc/$FC_HOLDER_PID/ns/pid")" ]
        # The holder's sleep is pid 1 there, so the container's init is not.
        [ "${lines[1]}" != 1 ]
        grep -qE '^ +1 +sleep' <<<"$output"
}

@test "namespaces: cgroup namespace joined by path" {
        start_holder --cgroup
        add_ns cgroup "/proc/$FC_HOLDER_PID/ns/cgroup"
        ns_inside cgroup
        [ "${lines[0]}" = "$(readlink "/proc/$FC_HOLDER_PID/ns/cgroup")" ]
}

@test "namespaces: mount namespace joined by path" {
        start_holder --mount
        add_ns mount "/proc/$FC_HOLDER_PID/ns/mnt"
        ns_inside mnt
        [ "${lines[0]}" = "$(readlink "/proc/$FC_HOLDER_PID/ns/mnt")" ]
}

@test "namespaces: a namespace path that is not a namespace is refused" {
        add_ns network "$FC_TMP"
        set_args true
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_state_root_empty
}

@test "namespaces: a namespace path of the wrong type is refused" {
        start_holder --ipc
        add_ns network "/proc/$FC_HOLDER_PID/ns/ipc"
        set_args true
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_state_root_empty
}

@test "namespaces: time namespace is new" {
        requires_time_ns
        add_ns time
        ns_inside time
        [[ "${lines[0]}" == "time:["* ]]
        [ "${lines[0]}" != "$(host_ns time)" ]
}

@test "namespaces: time namespace offsets (linux.timeOffsets)" {
        requires_time_ns
        add_ns time
        update_config '.linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0},
                                             "boottime": {"secs": 172800, "nanosecs": 0}}'
        set_cmd 'cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime'
        run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID"
        grep -qE '^monotonic +86400 +0$' <<<"$output"
        grep -qE '^boottime +172800 +0$' <<<"$output"
        local host_up
        host_up=$(cut -d. -f1 /proc/uptime)
        [ "${lines[2]}" -ge $((host_up + 172800 - 5)) ]
        [ "${lines[2]}" -le $((host_up + 172800 + 60)) ]
}

@test "namespaces: time namespace joined by path" {
        requires_time_ns
        start_holder --time --boottime 100000
        add_ns time "/proc/$FC_HOLDER_PID/ns/time"
        set_cmd 'readlink /proc/self/ns/time; cut -d. -f1 /proc/uptime'
        run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "${lines[0]}" = "$(readlink "/proc/$FC_HOLDER_PID/ns/time")" ]
        local host_up
        host_up=$(cut -d. -f1 /proc/uptime)
        [ "${lines[1]}" -ge $((host_up + 100000 - 5)) ]
}

@test "namespaces: timeOffsets without a time namespace is refused" {
        requires_time_ns
        update_config '.linux.timeOffsets = {"monotonic": {"secs": 10, "nanosecs": 0}}'
        set_args true
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        assert_one_line_error
}

@test "namespaces: unknown namespace type is refused" {
        update_config '.linux.namespaces += [{"type": "bogus"}]'
        set_args true
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        assert_one_line_error
        assert_state_root_empty
}

@test "namespaces: duplicate namespace type is refused" {
        update_config '.linux.namespaces += [{"type": "ipc"}]'
        set_args true
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_state_root_empty
}
