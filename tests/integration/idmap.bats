#!/usr/bin/env bats
# Id-mapped bind mounts: mounts[].uidMappings/gidMappings and the "idmap"/"ridmap" options
# (mount_setattr(MOUNT_ATTR_IDMAP)), with and without a container user namespace, on ext4 and
# tmpfs, and the configurations that are refused.
#
# A mount mapping {containerID: F, hostID: K} shows a file whose owner on the filesystem is F
# as owned by host id K (then seen through the container's user namespace, if any), and a file
# created through the mount by host id K is stored as owned by F.

load helpers

setup() {
        setup_common
        setup_bundle
        update_config '.root.readonly = false'
        SRC=$FC_TMP/src
        mkdir -p "$SRC" "$FC_BUNDLE/rootfs/data"
        touch "$SRC/by-1000" "$SRC/by-1005" "$SRC/by-root"
        chown 1000:1000 "$SRC/by-1000" "$SRC"
        chown 1005:1006 "$SRC/by-1005"
}

teardown() {
        teardown_common
}

requires_idmap() {
        unsupported_by_runc_1_1 "mounts[].uidMappings"
}

# idmap_mount SRC OPTIONS-JSON [UID-MAPS-JSON GID-MAPS-JSON]: a bind mount of SRC on /data.
idmap_mount() {
        local src=$1 opts=$2 um=${3:-null} gm=${4:-null}
        update_config '.mounts += [{destination: "/data", type: "bind", source: $s, options: $o}
                        + (if $u == null then {} else {uidMappings: $u} end)
                        + (if $g == null then {} else {gidMappings: $g} end)]' \
                --arg s "$src" --argjson o "$opts" --argjson u "$um" --argjson g "$gm"
}

# map C H N: a one-range mapping array.
map() {
        jq -cn --argjson c "$1" --argjson h "$2" --argjson n "$3" \
                '[{containerID: $c, hostID: $h, size: $n}]'
}

with_userns() {
        chmod 755 "$FC_TEST_DIR" "$FC_TMP" "$FC_BUNDLE"
        update_config '.linux.namespaces += [{"type": "user"}]
                | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
                | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
}

# refused: `run` fails in one line containing $1, leaving no state behind.
refused() {
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        assert_one_line_error
        [[ "$stderr" == *"$1"* ]] || fail "error does not mention \"$1\": $stderr"
        assert_state_root_empty
}

@test "idmap: without a user namespace, host uid 1000 shows as root and root's files land as 1000" {
        requires_idmap
        idmap_mount "$SRC" '["bind", "idmap"]' "$(map 1000 0 10)" "$(map 1000 0 10)"
        set_cmd 'stat -c "%n %u:%g" /data/by-1000 /data/by-1005 /data/by-root /data; touch /data/made-inside && echo made'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "run: $stderr"
        [ "${lines[0]}" = "/data/by-1000 0:0" ]
        [ "${lines[1]}" = "/data/by-1005 5:6" ]
        # Not in the mapping: the overflow id.
        [ "${lines[2]}" = "/data/by-root 65534:65534" ]
        [ "${lines[3]}" = "/data 0:0" ]
        [ "${lines[4]}" = made ]
        [ "$(stat -c %u:%g "$SRC/made-inside")" = 1000:1000 ]
        # The host's view of the source is unchanged.
        [ "$(stat -c %u:%g "$SRC/by-1000")" = 1000:1000 ]
}

@test "idmap: mappings without an idmap option are applied too" {
        requires_idmap
        idmap_mount "$SRC" '["rbind"]' "$(map 1000 0 10)" "$(map 1000 0 10)"
        set_cmd 'stat -c %u:%g /data/by-1000'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "run: $stderr"
        [ "$output" = 0:0 ]
}

@test "idmap: with a user namespace, the mount's mapping and the container's compose" {
        requires_idmap
        with_userns
        # fs 1000 -> host 100000 -> container 0; fs gid 1000 -> host 200000 -> container 0.
        idmap_mount "$SRC" '["bind", "idmap"]' "$(map 1000 100000 10)" "$(map 1000 200000 10)"
        set_cmd 'id -u; stat -c "%n %u:%g" /data/by-1000 /data/by-1005; touch /data/made-inside && echo made'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "run: $stderr"
        [ "${lines[0]}" = 0 ]
        [ "${lines[1]}" = "/data/by-1000 0:0" ]
        [ "${lines[2]}" = "/data/by-1005 5:6" ]
        [ "${lines[3]}" = made ]
        [ "$(stat -c %u:%g "$SRC/made-inside")" = 1000:1000 ]
}

@test "idmap: the idmap option alone takes the container's user namespace mappings" {
        requires_idmap
        with_userns
        chown 0:0 "$SRC"
        chown 7:8 "$SRC/by-1005"
        idmap_mount "$SRC" '["bind", "idmap"]'
        # Host-side owners show unchanged inside, as if there were no user namespace.
        set_cmd 'stat -c "%n %u:%g" /data/by-root /data/by-1005; touch /data/made-inside && echo made'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "run: $stderr"
        [ "${lines[0]}" = "/data/by-root 0:0" ]
        [ "${lines[1]}" = "/data/by-1005 7:8" ]
        [ "${lines[2]}" = made ]
        # The container's root writes as the filesystem's root, not as host uid 100000.
        [ "$(stat -c %u:%g "$SRC/made-inside")" = 0:0 ]
}

@test "idmap: the idmap option alone takes a joined user namespace" {
        requires_idmap
        with_userns
        set_cmd 'sleep 100'
        run_detached "$FC_ID-holder"
        local holder
        holder=$(container_pid "$FC_ID-holder")
        update_config '.linux.namespaces |= map(if .type == "user" then .path = $p else . end)
                | del(.linux.uidMappings) | del(.linux.gidMappings)' --arg p "/proc/$holder/ns/user"
        chown 0:0 "$SRC"
        idmap_mount "$SRC" '["bind", "idmap"]'
        set_cmd 'stat -c "%n %u:%g" /data/by-root /data/by-1000'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "run: $stderr"
        [ "${lines[0]}" = "/data/by-root 0:0" ]
        [ "${lines[1]}" = "/data/by-1000 1000:1000" ]
}

@test "idmap: a tmpfs source is id-mapped too" {
        requires_idmap
        local t=$FC_TMP/tmpfs-src
        mkdir "$t"
        mount -t tmpfs -o mode=755 fct-idmap "$t"
        on_teardown "umount -l '$t'"
        touch "$t/by-1000"
        chown 1000:1000 "$t/by-1000"
        idmap_mount "$t" '["bind", "idmap"]' "$(map 1000 0 1)" "$(map 1000 0 1)"
        set_cmd 'stat -c %u:%g /data/by-1000'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        if [ "$status" -ne 0 ] && [[ "$stderr" == *"does not support id-mapped mounts"* ]]; then
                skip "tmpfs cannot be id-mapped on this kernel ($(uname -r))"
        fi
        [ "$status" -eq 0 ] || fail "run: $stderr"
        [ "$output" = 0:0 ]
}

@test "idmap: ridmap maps the submounts of an rbind, idmap only its top" {
        requires_idmap
        mkdir "$SRC/sub"
        mount -t tmpfs -o mode=755 fct-idmap-sub "$SRC/sub"
        on_teardown "umount -l '$SRC/sub'"
        touch "$SRC/sub/by-1000"
        chown 1000:1000 "$SRC/sub/by-1000"
        idmap_mount "$SRC" '["rbind", "ridmap"]' "$(map 1000 0 1)" "$(map 1000 0 1)"
        set_cmd 'stat -c %u:%g /data/by-1000 /data/sub/by-1000'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        if [ "$status" -ne 0 ] && [[ "$stderr" == *"does not support id-mapped mounts"* ]]; then
                skip "tmpfs cannot be id-mapped on this kernel ($(uname -r))"
        fi
        [ "$status" -eq 0 ] || fail "ridmap: $stderr"
        [ "${lines[0]}" = 0:0 ]
        [ "${lines[1]}" = 0:0 ]

        update_config '.mounts[-1].options = ["rbind", "idmap"]'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "idmap: $stderr"
        [ "${lines[0]}" = 0:0 ]
        # The submount is there but not mapped: uid 1000 is outside the mapping's host range,
        # and a mount that is not id-mapped shows it as it is.
        [ "${lines[1]}" = 1000:1000 ]
}

@test "idmap: options of the bind mount still apply (ro)" {
        requires_idmap
        idmap_mount "$SRC" '["bind", "idmap", "ro"]' "$(map 1000 0 10)" "$(map 1000 0 10)"
        set_cmd 'stat -c %u:%g /data/by-1000; touch /data/x 2>/dev/null && echo writable || echo read-only'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "run: $stderr"
        [ "${lines[0]}" = 0:0 ]
        [ "${lines[1]}" = read-only ]
}

@test "idmap: a filesystem without id-mapping support is refused naming the mount" {
        requires_idmap
        idmap_mount /sys/kernel '["rbind", "idmap"]' "$(map 0 1000 1)" "$(map 0 1000 1)"
        set_args true
        refused "mount /data: the filesystem of /sys/kernel does not support id-mapped mounts"
}

@test "idmap: mappings on a mount that is not a bind mount are refused" {
        requires_idmap
        update_config '.mounts += [{destination: "/data", type: "tmpfs", source: "tmpfs",
                        options: ["idmap"], uidMappings: $m, gidMappings: $m}]' \
                --argjson m "$(map 0 1000 1)"
        set_args true
        refused "mount /data: id-mapped mounts are only supported for bind mounts"
}

@test "idmap: uidMappings without gidMappings are refused" {
        requires_idmap
        idmap_mount "$SRC" '["bind", "idmap"]' "$(map 0 1000 1)"
        set_args true
        refused "mount /data: uidMappings and gidMappings must be specified together"
}

@test "idmap: the idmap option without mappings or a user namespace is refused" {
        requires_idmap
        idmap_mount "$SRC" '["bind", "ridmap"]'
        set_args true
        refused "mount /data: \"ridmap\" without uidMappings and gidMappings needs a container with a user namespace"
}

@test "idmap: overlapping, empty and oversized mappings are refused with the JSON path" {
        requires_idmap
        local n
        n=$(jq '.mounts | length' "$FC_BUNDLE/config.json")
        idmap_mount "$SRC" '["bind", "idmap"]' \
                '[{"containerID": 0, "hostID": 1000, "size": 10}, {"containerID": 5, "hostID": 5000, "size": 10}]' \
                "$(map 0 1000 10)"
        set_args true
        refused "mounts[$n].uidMappings[1]: overlaps mounts[$n].uidMappings[0]"

        update_config '.mounts[-1].uidMappings = [{"containerID": 0, "hostID": 1000, "size": 10}]
                | .mounts[-1].gidMappings = [{"containerID": 0, "hostID": 1000, "size": 10},
                                             {"containerID": 100, "hostID": 1005, "size": 1}]'
        refused "mounts[$n].gidMappings[1]: overlaps mounts[$n].gidMappings[0]"

        update_config '.mounts[-1].gidMappings = [{"containerID": 0, "hostID": 1000, "size": 0}]'
        refused "mounts[$n].gidMappings[0].size: must be positive"

        update_config '.mounts[-1].gidMappings = [{"containerID": 4294967295, "hostID": 1000, "size": 2}]'
        refused "mounts[$n].gidMappings[0]: range exceeds 2^32"

        update_config '.mounts[-1].gidMappings = [range(341) | {containerID: ., hostID: (1000 + .), size: 1}]'
        refused "mounts[$n].gidMappings: at most 340 mappings are allowed"
}

@test "idmap: features advertises id-mapped mounts" {
        requires_flashcube
        run -0 fc features
        [ "$(jq -r .linux.mountExtensions.idmap.enabled <<<"$output")" = true ]
        jq -e '.mountOptions | index("idmap") and index("ridmap")' <<<"$output" >/dev/null
}
