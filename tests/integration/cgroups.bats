#!/usr/bin/env bats
# cgroups (this machine is hybrid: v1 controllers under /sys/fs/cgroup/<ctrl>, cgroup2 at
# /sys/fs/cgroup/unified): placement, default path, removal, device rules.

load helpers

setup() {
        setup_common
        setup_bundle
        set_args sleep 100
        # All cgroups made here carry the suite prefix so that leakcheck.sh can find them.
        FC_CG_PARENT="/${FC_ID}-cg"
        on_teardown "remove_cgroup_tree '$FC_CG_PARENT'"
}

# remove_cgroup_tree PATH: rmdir PATH (and below) in every hierarchy; the runtime removes only the
# container's own cgroup, not parents it created.
remove_cgroup_tree() {
        local h
        # Pure cgroup v2: one hierarchy at /sys/fs/cgroup itself.
        if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && [ -d "/sys/fs/cgroup$1" ]; then
                find "/sys/fs/cgroup$1" -depth -type d -exec rmdir {} \; 2>/dev/null
        fi
        for h in /sys/fs/cgroup/*/; do
                [ -d "$h${1#/}" ] || continue
                find "$h${1#/}" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
}

# hierarchies: the host's mounted cgroup hierarchies as "ID:CONTROLLERS" (as /proc/PID/cgroup).
hierarchies() {
        cut -d: -f1,2 /proc/self/cgroup
}

# cgroup_dir HIER-FIELD PATH: the directory of PATH in the hierarchy named by /proc/PID/cgroup's
# controller field ("" for cgroup2, "name=systemd", "cpu,cpuacct", "memory").
cgroup_dir() {
        local ctrl=$1 path=$2 mnt
        if [ -z "$ctrl" ]; then
                mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
        else
                local opt=${ctrl#name=}
                mnt=$(awk -v c="$opt" '$9 == "cgroup" {
                        n = split($NF, o, ","); for (i = 1; i <= n; i++) {
                                sub("^name=", "", o[i]); if (o[i] == c) { print $5; exit } } }' /proc/self/mountinfo)
                # Co-mounted controllers ("cpu,cpuacct") match on their first one.
                [ -n "$mnt" ] || mnt=$(awk -v c="${opt%%,*}" '$9 == "cgroup" && $NF ~ c { print $5; exit }' /proc/self/mountinfo)
        fi
        echo "$mnt$path"
}

@test "cgroups: init is in cgroupsPath in every hierarchy" {
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/c1"
        create_container
        local pid line n=0
        pid=$(container_pid)
        while IFS=: read -r id ctrl path; do
                [ "$path" = "$FC_CG_PARENT/c1" ] || fail "hierarchy $id:$ctrl: $path"
                [ -d "$(cgroup_dir "$ctrl" "$path")" ] || fail "no dir for $id:$ctrl"
                grep -qx "$pid" "$(cgroup_dir "$ctrl" "$path")/cgroup.procs"
                n=$((n + 1))
        done <"/proc/$pid/cgroup"
        [ "$n" -eq "$(hierarchies | wc -l)" ]
}

@test "cgroups: default cgroup is the runtime's own cgroup plus the id" {
        update_config 'del(.linux.cgroupsPath)'
        create_container
        on_teardown "remove_cgroup_tree '/$FC_ID'"
        local pid
        pid=$(container_pid)
        local id ctrl path mine
        while IFS=: read -r id ctrl path; do
                mine=$(awk -F: -v i="$id" '$1 == i { print $3 }' /proc/self/cgroup)
                [ "$path" = "${mine%/}/$FC_ID" ] || fail "hierarchy $id:$ctrl: $path, expected ${mine%/}/$FC_ID"
        done <"/proc/$pid/cgroup"
}

@test "cgroups: the cgroup is removed by delete" {
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/c1"
        run_detached
        local dirs=() id ctrl path
        while IFS=: read -r id ctrl path; do
                dirs+=("$(cgroup_dir "$ctrl" "$path")")
        done <"/proc/$(container_pid)/cgroup"
        [ "${#dirs[@]}" -gt 0 ]
        run -0 fc delete -f "$FC_ID"
        local d
        for d in "${dirs[@]}"; do
                [ ! -d "$d" ] || fail "$d left behind"
        done
}

@test "cgroups: the cgroup is removed when create fails" {
        update_config '.linux.cgroupsPath = $p | .process.args = ["/no/such/binary"]' \
                --arg p "$FC_CG_PARENT/c1"
        # A bad sysctl fails create after the cgroup exists.
        update_config '.linux.sysctl = {"vm.swappiness": "1"}'
        fc_detached create --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        local h
        for h in /sys/fs/cgroup/*/; do
                [ ! -d "$h${FC_CG_PARENT#/}/c1" ] || fail "$h${FC_CG_PARENT#/}/c1 left behind"
        done
}

@test "cgroups: two containers in distinct cgroups" {
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/a"
        run_detached "$FC_ID-a"
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/b"
        run_detached "$FC_ID-b"
        grep -q ":$FC_CG_PARENT/a\$" "/proc/$(container_pid "$FC_ID-a")/cgroup"
        grep -q ":$FC_CG_PARENT/b\$" "/proc/$(container_pid "$FC_ID-b")/cgroup"
        refute grep -q ":$FC_CG_PARENT/a\$" "/proc/$(container_pid "$FC_ID-b")/cgroup"
}

@test "cgroups: device access is denied by default" {
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/c1"
        update_config '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]
                       | .process.capabilities |= map_values(. + ["CAP_MKNOD"])'
        set_cmd 'echo x > /dev/null && echo null-ok
                 mknod /tmp/sda b 8 0 && head -c1 /tmp/sda'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [ "$output" = null-ok ]
        [[ "$stderr" == *"Operation not permitted"* ]]
}

@test "cgroups: an allowed device rule lets the device be used" {
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/c1"
        update_config '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]
                       | .process.capabilities |= map_values(. + ["CAP_MKNOD"])
                       | .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
        set_cmd 'mknod /tmp/mynull c 1 3 && echo x > /tmp/mynull && echo ok'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ]
        [ "$output" = ok ]
}

@test "cgroups: pids limit is applied" {
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/c1"
        update_config '.linux.resources.pids = {"limit": 42}'
        create_container
        local pid
        pid=$(container_pid)
        local path
        path=$(awk -F: '$2 == "pids" { print $3 }' "/proc/$pid/cgroup")
        if [ -n "$path" ]; then
                [ "$(cat "$(cgroup_dir pids "$path")/pids.max")" = 42 ]
        else
                path=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
                [ "$(cat "$(cgroup_dir "" "$path")/pids.max")" = 42 ]
        fi
}

@test "cgroups: the cgroup mounts kept from mountinfo are read again once a mount changes" {
        mountpoint -q /sys/fs/cgroup/unified ||
                skip "needs the hybrid layout's cgroup2 mount at /sys/fs/cgroup/unified"
        [ "$(stat -f -c %T /sys/fs/cgroup/unified)" = cgroup2fs ] || skip "unified is not cgroup2"
        set_args true
        track_id "$FC_ID-a"
        track_id "$FC_ID-b"
        track_id "$FC_ID-c"
        # In a mount namespace of its own: without the cgroup2 mount a create keeps the mounts
        # it found (no cgroup2); mounted again, the next create must see it (the kept lines are
        # all still true, but the namespace's set of mounts changed) and put its init there.
        run -0 unshare -m sh -c '
                rt=$1 root=$2 bundle=$3 id=$4
                umount /sys/fs/cgroup/unified || exit 10
                "$rt" --no-cache --root "$root" run --bundle "$bundle" "$id-a" || exit 11
                grep -q unified "$root/.fc-cgroup-mounts" && exit 12
                mount -t cgroup2 none /sys/fs/cgroup/unified || exit 13
                "$rt" --no-cache --root "$root" create --bundle "$bundle" "$id-b" \
                        </dev/null >/dev/null 2>&1 || exit 14
                pid=$("$rt" --root "$root" state "$id-b" | jq -r .pid)
                grep "^0::" "/proc/$pid/cgroup"
                "$rt" --root "$root" delete -f "$id-b"
                # Written less than 10 s ago: not written again (mounts that change with every
                # container would cost a new file each create); once older, it is.
                grep -q unified "$root/.fc-cgroup-mounts" && exit 15
                sed -i "1s/ [0-9]*\$/ 0/" "$root/.fc-cgroup-mounts"
                "$rt" --no-cache --root "$root" run --bundle "$bundle" "$id-c" || exit 16
                grep -q unified "$root/.fc-cgroup-mounts" || exit 17
        ' sh "$FC_RUNTIME" "$FC_ROOT" "$FC_BUNDLE" "$FC_ID"
        [[ "$output" == "0::"*"/$FC_ID-b" ]] || fail "not in its cgroup2 cgroup: $output"
}

@test "cgroups: kept cgroup mounts that do not parse are read again from mountinfo" {
        set_args true
        run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID-a"
        track_id "$FC_ID-a"
        [ -f "$FC_ROOT/.fc-cgroup-mounts" ] || skip "no listmount(2) here (Linux 6.8): nothing is kept"
        head -c 100 /dev/urandom >"$FC_ROOT/.fc-cgroup-mounts"
        create_container
        local pid
        pid=$(container_pid)
        grep -qE "(^0::|:memory:).*/$FC_ID\$" "/proc/$pid/cgroup" ||
                fail "not in its cgroup: $(cat "/proc/$pid/cgroup")"
        head -1 "$FC_ROOT/.fc-cgroup-mounts" | grep -qx 'fc-cgroup-mounts 1 [0-9]*' ||
                fail "not written again"
}
