#!/usr/bin/env bats
# `events`: --stats once in runc's JSON shape, the stream with --interval, OOM notifications.

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

@test "events --stats: one line with runc's keys" {
        requires_controller memory
        update_config '.linux.resources.memory = {"limit": 104857600}
                       | .linux.resources.pids = {"limit": 100}'
        run_detached
        run -0 --separate-stderr fc events --stats "$FC_ID"
        [ "${#lines[@]}" -eq 1 ]
        jq -e --arg id "$FC_ID" '.type == "stats" and .id == $id' <<<"$output"
        jq -e '.data | has("cpu") and has("memory") and has("pids") and has("blkio")
                       and has("hugetlb")' <<<"$output"
        jq -e '.data.cpu.usage | has("kernel") and has("user")' <<<"$output"
        jq -e '.data.memory.usage.limit == 104857600' <<<"$output"
        jq -e '.data.memory.usage.usage > 0' <<<"$output"
        jq -e '.data.pids.current >= 1' <<<"$output"
        requires_controller pids
        jq -e '.data.pids.limit == 100' <<<"$output"
}

@test "events --stats: block IO the container did, where the disk scheduler accounts none too" {
        if cg_is_v2; then requires_controller io; else requires_controller blkio; fi
        local src
        src=$(findmnt -no SOURCE -T "$FC_BUNDLE/rootfs/bin")
        [[ "$src" == /dev/* ]] || skip "the bundle is on $src, not a block device: no block IO"
        run_detached
        # Direct reads go to the disk, charged to the container's cgroup.
        run -0 fc exec "$FC_ID" dd if=/bin/busybox of=/dev/null bs=4096 count=4 iflag=direct
        run -0 --separate-stderr fc events --stats "$FC_ID"
        jq -e '[.data.blkio.ioServiceBytesRecursive[] | select(.op == "Read") | .value] | add
               >= 16384' <<<"$output" || fail "no reads: $(jq -c .data.blkio <<<"$output")"
}

@test "events --stats: cpuset as runc reports it (v1's files; zeros on v2)" {
        run_detached
        run -0 --separate-stderr fc events --stats "$FC_ID"
        jq -e '.data.cpuset | has("cpu_exclusive") and has("mem_hardwall") and has("mem_exclusive")
               and has("memory_migrate") and has("memory_spread_page") and has("memory_spread_slab")
               and has("memory_pressure") and has("sched_load_balance")
               and has("sched_relax_domain_level")' <<<"$output"
        if ! cg_is_v2; then
                requires_controller cpuset
                # "0-1" in cpuset.cpus is [0, 1].
                local want
                want=$(cg_read cpuset cpuset.cpus | awk -F, '{ for (i = 1; i <= NF; i++) {
                        n = split($i, r, "-"); for (c = r[1]; c <= r[n]; c++) printf "%s%d", s++ ? "," : "", c } }')
                [ "$(jq -c '.data.cpuset.cpus' <<<"$output")" = "[$want]" ] ||
                        fail "cpus $(jq -c .data.cpuset <<<"$output"), cpuset.cpus $(cg_read cpuset cpuset.cpus)"
        fi
}

@test "events: a stats line every interval" {
        run_detached
        run -124 --separate-stderr timeout 2.5 "$FC_RUNTIME" --root "$FC_ROOT" events \
                --interval 500ms "$FC_ID"
        [ "${#lines[@]}" -ge 3 ]
        local l
        for l in "${lines[@]}"; do
                jq -e '.type == "stats"' <<<"$l" >/dev/null
        done
}

@test "events: an OOM kill is reported" {
        requires_controller memory
        update_config '.linux.resources.memory = {"limit": 20971520}'
        # tail keeps the whole newline-free input in memory: 100 MB against a 20 MB limit.
        set_cmd 'sleep 1; dd if=/dev/zero bs=1M count=100 2>/dev/null | tail >/dev/null; sleep 100'
        cg_is_v2 || [ -e "$(cg_mount memory)/memory.memsw.limit_in_bytes" ] &&
                update_config '.linux.resources.memory.swap = 20971520'
        cg_is_v2 && [ -e /sys/fs/cgroup/memory.swap.max ] &&
                update_config '.linux.resources.memory.swap = 20971520'
        run_detached
        run --separate-stderr timeout 8 "$FC_RUNTIME" --root "$FC_ROOT" events \
                --interval 10s "$FC_ID"
        [[ "$output" == *'{"type":"oom","id":"'"$FC_ID"'"}'* ]] || fail "no oom event: $output"
}

@test "events: errors" {
        run --separate-stderr fc events --stats nosuchcontainer
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"container does not exist"* ]]
        run_detached
        run --separate-stderr fc events --interval bogus "$FC_ID"
        [ "$status" -ne 0 ]
}
