#!/usr/bin/env bats
# Regressions from review: fd hygiene of the init, cgroup sweeps that could hit other processes,
# SIGPIPE from hooks, racing starts, config changes after create, relative --root, and runc's
# answers to `delete -f` of a missing container and `kill ID 0`.

load helpers

setup() {
        setup_common
        setup_bundle
}

@test "hardening: a created init holds no runtime fd but the exec fifo" {
        requires_flashcube "runc 1.1.5's init keeps an epoll fd of its own while created"
        set_cmd 'true'
        create_container
        local pid fd target
        pid=$(container_pid)
        for fd in /proc/"$pid"/fd/*; do
                case ${fd##*/} in 0 | 1 | 2) continue ;; esac
                target=$(readlink "$fd")
                [[ "$target" == */exec.fifo ]] || fail "init holds fd ${fd##*/} -> $target"
        done
}

@test "hardening: --preserve-fds with a hole in the range is refused" {
        requires_flashcube "runc hands over whatever sits at those numbers, its own fds included"
        set_cmd 'true'
        run bash -c "exec 3</dev/null; exec 4<&- 5<&-; $FC_RUNTIME --root $FC_ROOT run --preserve-fds 3 --bundle $FC_BUNDLE $FC_ID"
        [ "$status" -ne 0 ]
        [[ "$output" == *"file descriptor 4 is not open"* ]] || fail "$output"
        assert_state_root_empty
}

@test "hardening: delete -f leaves other processes in a shared cgroupsPath alone" {
        local name=${FC_ID}-shared dir pids_dir
        pids_dir=/sys/fs/cgroup/pids
        [ -d "$pids_dir" ] || pids_dir=/sys/fs/cgroup
        mkdir "$pids_dir/$name"
        on_teardown "rmdir '$pids_dir/$name' 2>/dev/null || true"
        sleep 300 &
        local bystander=$!
        on_teardown "kill $bystander 2>/dev/null || true"
        echo "$bystander" >"$pids_dir/$name/cgroup.procs"
        update_config '.linux.cgroupsPath = $p' --arg p "/$name"
        set_cmd 'sleep 100'
        run_detached
        run -0 fc delete -f "$FC_ID"
        kill -0 "$bystander" || fail "delete -f killed a process that is not the container's"
        echo "$bystander" >"$(dirname "$pids_dir/$name")/cgroup.procs"
}

@test "hardening: a hook that does not read its stdin does not kill the runtime" {
        head -c 300000 /dev/zero | tr '\0' x >"$FC_TMP/big"
        update_config '.annotations = {"big": $b} | .hooks.prestart = [{"path": "/bin/true"}]' \
                --rawfile b "$FC_TMP/big"
        set_cmd 'true'
        create_container
        [ "$(container_status)" = created ]
}

@test "hardening: concurrent starts run poststart hooks once" {
        cat >"$FC_TMP/poststart.sh" <<HOOK
#!/bin/sh
echo ran >> "$FC_TMP/poststart.log"
HOOK
        chmod +x "$FC_TMP/poststart.sh"
        update_config '.hooks.poststart = [{"path": $p}]' --arg p "$FC_TMP/poststart.sh"
        set_cmd 'sleep 100'
        create_container
        local i
        for i in 1 2 3 4; do fc start "$FC_ID" >/dev/null 2>&1 & done
        wait
        [ "$(wc -l <"$FC_TMP/poststart.log")" -eq 1 ] || fail "poststart ran $(wc -l <"$FC_TMP/poststart.log") times"
}

@test "hardening: start uses the hooks of the config that was created" {
        cat >"$FC_TMP/poststart.sh" <<HOOK
#!/bin/sh
echo ran >> "$FC_TMP/poststart.log"
HOOK
        chmod +x "$FC_TMP/poststart.sh"
        update_config '.hooks.poststart = [{"path": $p}]' --arg p "$FC_TMP/poststart.sh"
        set_cmd 'sleep 100'
        create_container
        mv "$FC_BUNDLE/config.json" "$FC_BUNDLE/config.json.moved"
        run -0 fc start "$FC_ID"
        [ "$(cat "$FC_TMP/poststart.log")" = ran ]
}

@test "hardening: a relative --root is relative to the caller, not the bundle" {
        set_cmd 'sleep 100'
        cd "$FC_TMP"
        track_id "$FC_ID"
        timeout 20 "$FC_RUNTIME" --root rel-root create --bundle "$FC_BUNDLE" "$FC_ID" </dev/null >/dev/null 2>&1
        on_teardown "cd '$FC_TMP' && '$FC_RUNTIME' --root rel-root delete -f '$FC_ID' >/dev/null 2>&1 || true"
        [ -d "$FC_TMP/rel-root/$FC_ID" ] || fail "state not under the caller's directory"
        [ ! -e "$FC_BUNDLE/rel-root" ]
        run -0 timeout 20 "$FC_RUNTIME" --root rel-root state "$FC_ID"
        run -0 timeout 20 "$FC_RUNTIME" --root rel-root delete -f "$FC_ID"
}

@test "hardening: delete -f of a container that does not exist succeeds, plain delete fails" {
        run -0 fc delete -f "$FC_ID-nope"
        run fc delete "$FC_ID-nope"
        [ "$status" -ne 0 ]
        [[ "$output" == *"does not exist"* ]]
}

@test "hardening: kill with signal 0 and lower-case names, as runc accepts them" {
        set_cmd 'trap "" USR1; sleep 100'
        run_detached
        run -0 fc kill "$FC_ID" 0
        run -0 fc kill "$FC_ID" sigusr1
        run -0 fc kill "$FC_ID" usr1
        [ "$(container_status)" = running ]
}

@test "hardening: a process in a created container cannot open the runtime binary through the init" {
        requires_flashcube "runc's created init runs from a sealed memfd copy instead (CVE-2019-5736)"
        set_cmd 'true'
        create_container
        run fc exec "$FC_ID" sh -c 'cat /proc/1/exe >/dev/null && echo OPENED'
        [[ "$output" != *OPENED* ]] || fail "the runtime binary was readable through /proc/1/exe"
        [[ "$output" == *"Permission denied"* ]] || fail "unexpected: $output"
}
