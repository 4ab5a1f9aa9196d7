#!/usr/bin/env bats
# `update`: runc's flags and -r FILE|-, read back from the kernel's files; errors.

load helpers
load cgroup-helpers

setup() {
        setup_common
        setup_bundle
        set_args sleep 100
        cg_setup
        update_config '.linux.resources.memory = {"limit": 104857600}
                       | .linux.resources.pids = {"limit": 100}'
}

teardown() {
        teardown_common
}

mem_limit() {
        if cg_is_v2; then cg_read memory memory.max; else cg_read memory memory.limit_in_bytes; fi
}

has_swap_files() {
        if cg_is_v2; then
                [ -e "$(cg_file memory memory.swap.max)" ]
        else
                [ -e "$(cg_file memory memory.memsw.limit_in_bytes)" ]
        fi
}

@test "update: --memory with a size suffix" {
        requires_controller memory
        run_detached
        run -0 fc update --memory 512m "$FC_ID"
        [ "$(mem_limit)" = 536870912 ]
        run -0 fc update --memory 1.5g "$FC_ID"
        [ "$(mem_limit)" = 1610612736 ]
}

@test "update: raising and lowering memory and swap together" {
        requires_controller memory
        run_detached
        has_swap_files || skip "host has no swap accounting"
        run -0 fc update --memory 300m --memory-swap 600m "$FC_ID"
        [ "$(mem_limit)" = 314572800 ]
        run -0 fc update --memory 100m --memory-swap 200m "$FC_ID"
        [ "$(mem_limit)" = 104857600 ]
        # Raising both past the current memory+swap needs memsw first on v1.
        run -0 fc update --memory 1000m --memory-swap 2000m "$FC_ID"
        [ "$(mem_limit)" = 1048576000 ]
        if cg_is_v2; then
                [ "$(cg_read memory memory.swap.max)" = 1048576000 ]
        else
                [ "$(cg_read memory memory.memsw.limit_in_bytes)" = 2097152000 ]
        fi
        # memory+swap below memory is refused.
        run fc update --memory 2000m --memory-swap 1000m "$FC_ID"
        [ "$status" -ne 0 ]
}

@test "update: --memory -1 lifts the limit" {
        requires_controller memory
        run_detached
        run -0 fc update --memory -1 "$FC_ID"
        if cg_is_v2; then
                [ "$(mem_limit)" = max ]
        else
                [ "$(mem_limit)" -gt 1000000000000 ]
        fi
}

@test "update: --memory -1 after a swap limit lifts both, as runc" {
        requires_controller memory
        run_detached
        has_swap_files || skip "host has no swap accounting"
        run -0 fc update --memory-swap 200m "$FC_ID"
        # Unlimited memory, swap not given: the swap limit goes too (v1 refuses a memory
        # limit above memory+swap).
        run -0 fc update --memory -1 "$FC_ID"
        if cg_is_v2; then
                [ "$(mem_limit)" = max ]
                [ "$(cg_read memory memory.swap.max)" = max ]
        else
                [ "$(mem_limit)" -gt 1000000000000 ]
                [ "$(cg_read memory memory.memsw.limit_in_bytes)" -gt 1000000000000 ]
        fi
}

@test "update: cpu shares, quota, period and pids limit" {
        requires_controller cpu
        requires_controller pids
        run_detached
        run -0 fc update --cpu-share 512 --cpu-quota 20000 --cpu-period 100000 \
                --pids-limit 50 "$FC_ID"
        if cg_is_v2; then
                [ "$(cg_read cpu cpu.weight)" = 20 ]
                [ "$(cg_read cpu cpu.max)" = "20000 100000" ]
        else
                [ "$(cg_read cpu cpu.shares)" = 512 ]
                [ "$(cg_read cpu cpu.cfs_quota_us)" = 20000 ]
                [ "$(cg_read cpu cpu.cfs_period_us)" = 100000 ]
        fi
        [ "$(cg_read pids pids.max)" = 50 ]
}

@test "update: cpuset cpus and mems" {
        requires_controller cpuset
        run_detached
        run -0 fc update --cpuset-cpus 0 --cpuset-mems 0 "$FC_ID"
        [ "$(cg_read cpuset cpuset.cpus)" = 0 ]
        [ "$(cg_read cpuset cpuset.mems)" = 0 ]
}

@test "update: cpu realtime runtime (v1)" {
        requires_v1
        [ -e "$(cg_mount cpu)/cpu.rt_runtime_us" ] || skip "kernel lacks RT group scheduling"
        runtime_is_runc && update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT"
        runtime_is_runc && FC_CG_PATH=$FC_CG_PARENT
        run_detached
        run -0 fc update --cpu-rt-period 1000000 --cpu-rt-runtime 1000 "$FC_ID"
        [ "$(cg_read cpu cpu.rt_runtime_us)" = 1000 ]
}

@test "update: --blkio-weight" {
        if cg_is_v2; then requires_controller io; else requires_controller blkio; fi
        run_detached
        # BFQ takes 1-1000 (CFQ 10-1000): 5 is the kernel's to refuse, as with runc.
        run fc update --blkio-weight 5 "$FC_ID"
        [[ "$output" != *"invalid weight"* ]] || fail "weight 5 refused: $output"
        run fc update --blkio-weight 300 "$FC_ID"
        if [ "$status" -ne 0 ] && [[ "$output" == *"offers neither"* ]]; then
                skip "kernel offers no blkio weight file: $output"
        fi
        [ "$status" -eq 0 ]
        runtime_is_runc && skip "runc ignores a missing weight file"
        local f c=blkio
        cg_is_v2 && c=io
        for f in blkio.weight blkio.bfq.weight io.bfq.weight io.weight; do
                [ -e "$(cg_file $c $f)" ] || continue
                # io.weight gets runc's conversion: 1 + (300 - 10) * 9999 / 990 = 2930.
                case $f in
                io.weight) [[ "$(cat "$(cg_file $c $f)")" == *"default 2930"* ]] ;;
                *) [[ "$(cat "$(cg_file $c $f)")" == *300* ]] ;;
                esac
                return 0
        done
        fail "no weight file"
}

@test "update: -r with a file and with stdin" {
        requires_controller memory
        requires_controller pids
        run_detached
        echo '{"memory": {"limit": 52428800}, "pids": {"limit": 30}}' >"$FC_TMP/res.json"
        run -0 fc update -r "$FC_TMP/res.json" "$FC_ID"
        [ "$(mem_limit)" = 52428800 ]
        [ "$(cg_read pids pids.max)" = 30 ]
        run -0 fc update --resources - "$FC_ID" <<<'{"pids": {"limit": 31}}'
        [ "$(cg_read pids pids.max)" = 31 ]
}

@test "update: --kernel-memory is accepted with a warning" {
        run_detached
        run --separate-stderr fc update --kernel-memory 10m "$FC_ID"
        [ "$status" -eq 0 ]
        [[ "$stderr" == *"Kernel memory settings are ignored"* ]]
}

@test "update: invalid values fail with one error line" {
        run_detached
        run --separate-stderr fc update --memory abc "$FC_ID"
        assert_one_line_error
        [[ "$stderr" == *"invalid value for memory: invalid size: 'abc'"* ]]
        run --separate-stderr fc update --pids-limit abc "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$stderr" == *'for flag -pids-limit'* ]]
        run --separate-stderr fc update -r - "$FC_ID" <<<'{"memory": {"limit": "x"}}'
        [ "$status" -ne 0 ]
        # Nothing was applied.
        requires_controller pids
        [ "$(cg_read pids pids.max)" = 100 ]
}

@test "update: a missing container fails" {
        run --separate-stderr fc update --pids-limit 10 nosuchcontainer
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"container does not exist"* ]]
}
