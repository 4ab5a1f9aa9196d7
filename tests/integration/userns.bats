#!/usr/bin/env bats
# User namespaces: uidMappings/gidMappings written for the init, the other new namespaces owned
# by the new user namespace, devices bind-mounted instead of created, and bad mappings refused.

load helpers

setup() {
        setup_common
        setup_bundle
        # The mapped root is an unprivileged host uid: it must be able to reach the bundle.
        chmod 755 "$FC_TEST_DIR" "$FC_TMP" "$FC_BUNDLE"
        update_config '.linux.namespaces += [{"type": "user"}]
                | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
                | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
}

@test "userns: the mappings are visible inside and the process is root there" {
        set_cmd 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "run: $stderr"
        [ "${lines[0]}" = 0 ]
        [ "${lines[1]}" = 0 ]
        [[ "${lines[2]}" =~ ^[[:space:]]*0[[:space:]]+100000[[:space:]]+65536$ ]] || fail "uid_map: ${lines[2]}"
        [[ "${lines[3]}" =~ ^[[:space:]]*0[[:space:]]+200000[[:space:]]+65536$ ]] || fail "gid_map: ${lines[3]}"
}

@test "userns: the init runs as the mapped host ids and its namespaces belong to the new user namespace" {
        set_cmd 'sleep 100'
        run_detached
        local pid
        pid=$(container_pid)
        [ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/1/ns/user)" ]
        grep -qE "^Uid:[[:space:]]+100000[[:space:]]" "/proc/$pid/status" || fail "$(grep Uid "/proc/$pid/status")"
        grep -qE "^Gid:[[:space:]]+200000[[:space:]]" "/proc/$pid/status" || fail "$(grep Gid "/proc/$pid/status")"
        # Owned by the container's user namespace: the container's root can change the
        # hostname and bring interfaces up, which needs CAP_SYS_ADMIN/CAP_NET_ADMIN over them.
        run -0 fc kill "$FC_ID" KILL
}

@test "userns: the container's root may change its own namespaces" {
        update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]
                | .process.capabilities.effective += ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]
                | .process.capabilities.permitted += ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]'
        set_cmd 'hostname changed-inside && hostname && ip link set lo mtu 1400 && ip link show lo | grep -o "mtu 1400"'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "run: $output $stderr"
        [ "${lines[0]}" = changed-inside ]
        [ "${lines[1]}" = "mtu 1400" ]
        [ "$(hostname)" != changed-inside ]
}

@test "userns: devices are bind-mounted from the host, not created" {
        set_cmd 'stat -c "%t:%T %u" /dev/null; echo x > /dev/null && echo writable'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "run: $stderr"
        # The host's node owned by (unmapped) host root shows as the overflow uid.
        [ "${lines[0]}" = "1:3 65534" ]
        [ "${lines[1]}" = writable ]
}

@test "userns: files the container's root creates belong to the mapped host ids" {
        mkdir "$FC_TMP/shared" "$FC_BUNDLE/rootfs/shared"
        chmod 777 "$FC_TMP/shared"
        update_config '.mounts += [{"destination": "/shared", "type": "bind", "source": $s,
                        "options": ["rbind", "rw"]}]' --arg s "$FC_TMP/shared"
        # (the target exists: the container's root may not create it in a host-root-owned rootfs)
        set_cmd 'touch /shared/made-inside'
        run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$(stat -c %u:%g "$FC_TMP/shared/made-inside")" = 100000:200000 ]
}

@test "userns: a user namespace without uid mappings is refused like runc" {
        update_config 'del(.linux.uidMappings)'
        run fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$output" == *"User namespaces enabled, but no uid mappings found."* ]] || fail "$output"
        assert_state_root_empty
}

@test "userns: mappings without a user namespace are refused" {
        requires_flashcube "runc 1.1.5 silently ignores mappings without a user namespace"
        update_config '.linux.namespaces |= map(select(.type != "user"))'
        run fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$output" == *"user namespace"* ]] || fail "$output"
        assert_state_root_empty
}

@test "userns: overlapping mappings are refused with the JSON path" {
        requires_flashcube "runc passes overlapping maps to the kernel and reports its EINVAL"
        update_config '.linux.uidMappings += [{"containerID": 100, "hostID": 300000, "size": 10}]'
        run fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$output" == *"linux.uidMappings[1]: overlaps linux.uidMappings[0]"* ]] || fail "$output"
        assert_state_root_empty
}

@test "userns: an unmapped container root is refused cleanly" {
        update_config '.linux.uidMappings = [{"containerID": 1000, "hostID": 100000, "size": 10}]'
        run fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [ "$(echo "$output" | wc -l)" -ge 1 ]
        assert_state_root_empty
}

@test "userns: a user namespace joined by path owns the container's new namespaces" {
        # A holder container with its own user namespace provides the path.
        set_cmd 'sleep 100'
        run_detached "$FC_ID-holder"
        local holder
        holder=$(container_pid "$FC_ID-holder")
        update_config '.linux.namespaces |= map(if .type == "user" then .path = $p else . end)
                | .process.capabilities.bounding += ["CAP_NET_ADMIN"]
                | .process.capabilities.effective += ["CAP_NET_ADMIN"]
                | .process.capabilities.permitted += ["CAP_NET_ADMIN"]' \
                --arg p "/proc/$holder/ns/user"
        set_cmd 'readlink /proc/self/ns/user; echo $$; cat /proc/self/uid_map; ip link set lo mtu 1400 && echo net-owned
                 cut -d" " -f1,5,6 /proc/self/stat'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "run: $stderr"
        # The init forked in the joined namespace leads its session, as runc's.
        [ "${lines[4]}" = "1 1 1" ] || fail "pid, pgrp, session: ${lines[4]}"
        [ "${lines[0]}" = "$(readlink "/proc/$holder/ns/user")" ] || fail "not joined: $output"
        [ "${lines[1]}" = 1 ] || fail "not pid 1 of a new pid namespace: $output"
        [[ "${lines[2]}" =~ ^[[:space:]]*0[[:space:]]+100000[[:space:]]+65536$ ]] || fail "$output"
        [ "${lines[3]}" = net-owned ] || fail "the new netns is not owned by the joined userns: $output"
}
