#!/usr/bin/env bats
# linux.resources: each limit is read back from the kernel's files on the host (v1/hybrid here,
# pure v2 in the VM), with runc's conversions on v2; what a host or version cannot apply fails.

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

@test "resources: memory limit, swap and reservation" {
        requires_controller memory
        update_config '.linux.resources.memory = {"limit": 67108864, "swap": 134217728,
                                                  "reservation": 33554432}'
        if ! cg_is_v2 && [ ! -e "$(cg_mount memory)/memory.memsw.limit_in_bytes" ]; then
                update_config 'del(.linux.resources.memory.swap)'
        fi
        create_container
        if cg_is_v2; then
                [ "$(cg_read memory memory.max)" = 67108864 ]
                [ "$(cg_read memory memory.low)" = 33554432 ]
                if [ -e "$(cg_file memory memory.swap.max)" ]; then
                        # OCI swap is memory+swap; v2's swap.max is swap alone.
                        [ "$(cg_read memory memory.swap.max)" = 67108864 ]
                fi
        else
                [ "$(cg_read memory memory.limit_in_bytes)" = 67108864 ]
                [ "$(cg_read memory memory.soft_limit_in_bytes)" = 33554432 ]
                if [ -e "$(cg_file memory memory.memsw.limit_in_bytes)" ]; then
                        [ "$(cg_read memory memory.memsw.limit_in_bytes)" = 134217728 ]
                fi
        fi
}

@test "resources: memory swap below the limit fails and leaves no cgroup" {
        requires_controller memory
        cg_is_v2 || [ -e "$(cg_mount memory)/memory.memsw.limit_in_bytes" ] ||
                skip "host has no swap accounting"
        update_config '.linux.resources.memory = {"limit": 67108864, "swap": 33554432}'
        fc_detached create --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [ ! -d "$(cg_mount memory)$FC_CG_PATH" ]
}

@test "resources: memory swappiness (v1) or its refusal (v2)" {
        requires_controller memory
        update_config '.linux.resources.memory = {"swappiness": 10}'
        if cg_is_v2; then
                fc_detached create --bundle "$FC_BUNDLE" "$FC_ID"
                [ "$status" -ne 0 ]
                return 0
        fi
        create_container
        [ "$(cg_read memory memory.swappiness)" = 10 ]
}

@test "resources: memory kernel limits are accepted and ignored, as runc 1.1" {
        requires_controller memory
        update_config '.linux.resources.memory = {"limit": 67108864, "kernel": 16777216}'
        create_container
        [ "$(container_status)" = created ]
}

@test "resources: cpu shares, quota and period (v2: weight and cpu.max)" {
        requires_controller cpu
        update_config '.linux.resources.cpu = {"shares": 1024, "quota": 50000, "period": 100000}'
        create_container
        if cg_is_v2; then
                [ "$(cg_read cpu cpu.weight)" = 39 ]
                [ "$(cg_read cpu cpu.max)" = "50000 100000" ]
        else
                [ "$(cg_read cpu cpu.shares)" = 1024 ]
                [ "$(cg_read cpu cpu.cfs_quota_us)" = 50000 ]
                [ "$(cg_read cpu cpu.cfs_period_us)" = 100000 ]
        fi
}

@test "resources: cpu shares the kernel clamps are an error" {
        requires_controller cpu
        requires_v1
        update_config '.linux.resources.cpu = {"shares": 1}'
        fc_detached create --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$output" == *cpu.shares* || "$output" == *cpu-shares* ]]
}

@test "resources: cpu burst" {
        requires_controller cpu
        unsupported_by_runc_1_1 cpu.burst
        cg_is_v2 || [ -e "$(cg_mount cpu)/cpu.cfs_burst_us" ] || skip "kernel lacks cpu burst"
        update_config '.linux.resources.cpu = {"quota": 50000, "period": 100000, "burst": 10000}'
        create_container
        if cg_is_v2; then
                [ "$(cg_read cpu cpu.max.burst)" = 10000 ]
        else
                [ "$(cg_read cpu cpu.cfs_burst_us)" = 10000 ]
        fi
}

@test "resources: cpu idle" {
        requires_controller cpu
        unsupported_by_runc_1_1 cpu.idle
        update_config '.linux.resources.cpu = {"idle": 1}'
        fc_detached create --bundle "$FC_BUNDLE" "$FC_ID"
        track_id "$FC_ID"
        if [ "$status" -ne 0 ] && [[ "$output" == *"cpu.idle: No such file"* ]]; then
                skip "kernel lacks cpu.idle (5.15+): $output"
        fi
        [ "$status" -eq 0 ] || fail "create: $output"
        [ "$(cg_read cpu cpu.idle)" = 1 ]
}

@test "resources: cpu realtime runtime and period (v1), refused on v2" {
        requires_controller cpu
        update_config '.linux.resources.cpu = {"realtimeRuntime": 1000, "realtimePeriod": 1000000}'
        if cg_is_v2; then
                fc_detached create --bundle "$FC_BUNDLE" "$FC_ID"
                [ "$status" -ne 0 ]
                [[ "$output" == *realtime* ]]
                return 0
        fi
        [ -e "$(cg_mount cpu)/cpu.rt_runtime_us" ] || skip "kernel lacks RT group scheduling"
        # runc writes only the container's cgroup, and a fresh parent has no RT time to give.
        runtime_is_runc && update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT"
        runtime_is_runc && FC_CG_PATH=$FC_CG_PARENT
        create_container
        [ "$(cg_read cpu cpu.rt_runtime_us)" = 1000 ]
        [ "$(cg_read cpu cpu.rt_period_us)" = 1000000 ]
}

@test "resources: cpuset cpus and mems" {
        requires_controller cpuset
        update_config '.linux.resources.cpu = {"cpus": "0", "mems": "0"}'
        create_container
        [ "$(cg_read cpuset cpuset.cpus)" = 0 ]
        [ "$(cg_read cpuset cpuset.mems)" = 0 ]
}

@test "resources: blockIO weight (blkio.weight / BFQ, v2 io.bfq.weight / io.weight)" {
        if cg_is_v2; then requires_controller io; else requires_controller blkio; fi
        update_config '.linux.resources.blockIO = {"weight": 500}'
        fc_detached create --bundle "$FC_BUNDLE" "$FC_ID"
        track_id "$FC_ID"
        if [ "$status" -ne 0 ] && [[ "$output" == *"offers neither"* ]]; then
                skip "kernel offers no blkio weight file (no CFQ/BFQ): $output"
        fi
        [ "$status" -eq 0 ] || fail "create: $output"
        runtime_is_runc && cg_is_v2 && skip "runc's v2 weight file depends on its version"
        local c=blkio f
        cg_is_v2 && c=io
        for f in blkio.weight blkio.bfq.weight io.bfq.weight io.weight; do
                [ -e "$(cg_file $c $f)" ] || continue
                case $f in
                io.weight) [[ "$(cat "$(cg_file $c $f)")" == *"default 4950"* ]] ;;
                *) [[ "$(cat "$(cg_file $c $f)")" == *500* ]] ;;
                esac
                return 0
        done
        fail "no weight file in the container's cgroup"
}

@test "resources: blockIO throttling (v1 blkio.throttle.*, v2 io.max)" {
        if cg_is_v2; then requires_controller io; else requires_controller blkio; fi
        local dev maj min
        dev=$(cg_block_dev) || skip "no block device"
        maj=${dev%:*} min=${dev#*:}
        update_config '.linux.resources.blockIO = {
                "throttleReadBpsDevice": [{"major": $maj, "minor": $min, "rate": 1048576}],
                "throttleWriteIOPSDevice": [{"major": $maj, "minor": $min, "rate": 100}]}' \
                --argjson maj "$maj" --argjson min "$min"
        create_container
        if cg_is_v2; then
                grep -q "^$dev rbps=1048576 wbps=max riops=max wiops=100" "$(cg_file io io.max)" ||
                        fail "io.max: $(cat "$(cg_file io io.max)")"
        else
                [ "$(cg_read blkio blkio.throttle.read_bps_device)" = "$dev 1048576" ]
                [ "$(cg_read blkio blkio.throttle.write_iops_device)" = "$dev 100" ]
        fi
}

@test "resources: hugepage limits" {
        requires_controller hugetlb
        local size
        size=$(ls /sys/kernel/mm/hugepages 2>/dev/null | head -n1)
        [ -n "$size" ] || skip "host has no huge page sizes"
        size=${size#hugepages-}
        size=$((${size%kB} / 1024))MB
        update_config '.linux.resources.hugepageLimits = [{"pageSize": $s, "limit": 0}]' --arg s "$size"
        create_container
        if cg_is_v2; then
                [ "$(cg_read hugetlb "hugetlb.$size.max")" = 0 ]
        else
                [ "$(cg_read hugetlb "hugetlb.$size.limit_in_bytes")" = 0 ]
        fi
}

@test "resources: hugepage limit with an invalid page size fails" {
        update_config '.linux.resources.hugepageLimits = [{"pageSize": "2XB", "limit": 0}]'
        fc_detached create --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
}

@test "resources: network classID (v1 net_cls), refused on v2" {
        update_config '.linux.resources.network = {"classID": 1048577}'
        if cg_is_v2; then
                requires_flashcube
                fc_detached create --bundle "$FC_BUNDLE" "$FC_ID"
                [ "$status" -ne 0 ]
                [[ "$output" == *"not supported on cgroup v2"* ]]
                return 0
        fi
        requires_controller net_cls
        create_container
        [ "$(cg_read net_cls net_cls.classid)" = 1048577 ]
}

@test "resources: rdma limits" {
        requires_controller rdma
        local dev
        dev=$(cat "$(cg_mount rdma)"/*/rdma.max "$(cg_mount rdma)/rdma.max" 2>/dev/null |
                awk '{ print $1; exit }')
        [ -n "$dev" ] || skip "host has no RDMA device"
        update_config '.linux.resources.rdma = {($d): {"hcaHandles": 3}}' --arg d "$dev"
        create_container
        grep -q "^$dev hca_handle=3" "$(cg_file rdma rdma.max)"
}

@test "resources: unified (v2 files), refused on v1" {
        update_config '.linux.resources.unified = {"memory.high": "67108864"}'
        if ! cg_is_v2; then
                requires_flashcube
                fc_detached create --bundle "$FC_BUNDLE" "$FC_ID"
                [ "$status" -ne 0 ]
                [[ "$output" == *"unified: not supported on cgroup v1"* ]]
                return 0
        fi
        requires_controller memory
        create_container
        [ "$(cg_read memory memory.high)" = 67108864 ]
}

@test "resources: a cgroup that cannot be created fails create and leaves nothing" {
        requires_controller pids
        # A cgroup below a control file: mkdir fails with ENOTDIR.
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/cgroup.procs/c1"
        fc_detached create --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_state_root_empty
}
