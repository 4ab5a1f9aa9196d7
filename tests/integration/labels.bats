#!/usr/bin/env bats
# Settings this host cannot honour are refused with a clear error, never silently dropped:
# AppArmor/SELinux labels without the LSM, Intel RDT; and process.execCPUAffinity applies.

load helpers

setup() {
        setup_common
        setup_bundle
}

@test "labels: an AppArmor profile without AppArmor is refused" {
        if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
                skip "AppArmor is enabled on this host"
        fi
        requires_flashcube "runc 1.1.5 silently ignores the profile when AppArmor is off"
        update_config '.process.apparmorProfile = "docker-default"'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_one_line_error
        [[ "$stderr" == *"AppArmor is not enabled"* ]] || fail "$stderr"
        assert_state_root_empty
}

@test "labels: an SELinux label or mount label without SELinux is refused" {
        if [ -e /sys/fs/selinux/enforce ]; then
                skip "SELinux is enabled on this host"
        fi
        requires_flashcube "runc 1.1.5 silently ignores labels when SELinux is off"
        update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
        run fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$output" == *"SELinux is not enabled"* ]] || fail "$output"
        update_config 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
        run fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$output" == *"linux.mountLabel"* ]] || fail "$output"
        assert_state_root_empty
}

@test "labels: linux.intelRdt is refused" {
        requires_flashcube "runc supports Intel RDT where the hardware has it"
        update_config '.linux.intelRdt = {"closID": "fct"}'
        run fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$output" == *"linux.intelRdt"* ]] || fail "$output"
        assert_state_root_empty
}

@test "labels: process.execCPUAffinity.final is the affinity the process starts with" {
        requires_flashcube "runc 1.1.5 predates execCPUAffinity"
        update_config '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
        set_cmd 'grep Cpus_allowed_list /proc/self/status'
        if [ "$(nproc --all)" -lt 2 ]; then
                skip "needs two CPUs"
        fi
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "$stderr"
        [[ "$output" =~ Cpus_allowed_list:[[:space:]]+1$ ]] || fail "$output"
}
