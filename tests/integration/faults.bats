#!/usr/bin/env bats
# Faults: flashcube killed (SIGKILL) at every traced phase of create, start, exec, delete and run;
# the kernel saying EMFILE, ENOSPC and EAGAIN; the parts cache killed, restarted or slow.
#
# The kills use failpoints: a runtime configured with --enable-failpoints dies by SIGKILL when
# FLASHCUBE_FAILPOINT names the phase it reaches (lib/context.h).  Other builds ignore the
# variable, and these tests skip visibly.  After each kill: `list` and `state` tell the truth (a
# container half made is stopped or absent, never running with a dead pid), `delete --force`
# removes it, and no state dir, cgroup, mount or process is left (leakcheck.sh).

load helpers

# Phases in the order a command reaches them (`--debug` prints them); init-* and exec-child-* are
# reached in the container's init or exec'd child before its execve.
CREATE_PHASES=(load-config reserve cgroup lease clone init-go init-mounted init-pivoted
        init-setup init-ready init-fifo create-done)
START_PHASES=(start-fifo start-claimed init-exec)
EXEC_PHASES=(exec-clone exec-child-joined exec-started)
DELETE_PHASES=(delete-kill destroy-cgroup destroy-state)
RUN_PHASES=(load-config reserve cgroup lease clone init-go init-mounted init-pivoted init-setup
        init-ready start-fifo start-claimed init-exec started exited destroy-cgroup destroy-state)

setup() {
        requires_flashcube
        setup_common
        setup_bundle
        set_args sleep 1000
        FC_LEAK_SNAP=$FC_TMP/leak.snap
        FC_LEAK_PREFIX=$FC_PREFIX "$FC_INTEG_DIR/leakcheck.sh" snapshot "$FC_LEAK_SNAP"
}

teardown() {
        teardown_common
}

# requires_failpoints: skip unless the runtime honours FLASHCUBE_FAILPOINT (a probe create that
# must die at its first phase).
requires_failpoints() {
        local probe=${FC_PREFIX}probe$$ rc=0
        FLASHCUBE_FAILPOINT=load-config timeout 20 "$FC_RUNTIME" --root "$FC_ROOT" create \
                --bundle "$FC_BUNDLE" "$probe" </dev/null >/dev/null 2>&1 || rc=$?
        if [ "$rc" -ne 137 ]; then
                timeout 20 "$FC_RUNTIME" --root "$FC_ROOT" delete -f "$probe" >/dev/null 2>&1
                skip "runtime built without --enable-failpoints (configure --enable-failpoints)"
        fi
}

# kill_at PHASE CMD ARGS...: the runtime command, with the failpoint set; $status is its exit.
kill_at() {
        local phase=$1
        shift
        status=0
        FLASHCUBE_FAILPOINT=$phase timeout --kill-after=5 "$FC_TIMEOUT" "$FC_RUNTIME" \
                --root "$FC_ROOT" "$@" </dev/null >"$FC_TMP/kill.out" 2>"$FC_TMP/kill.err" || status=$?
}

# alive PID: the process exists and is no zombie.
alive() {
        [ "$1" -gt 0 ] 2>/dev/null && [ -e "/proc/$1" ] &&
                ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# truthful ID WHAT: `list` and `state` agree, and a container shown as created, running or
# paused has a live init; one killed half way through create is stopped or absent.
truthful() {
        local id=$1 what=$2 line st pid sst
        line=$(fc list | awk -v id="$id" '$1 == id')
        [ -n "$line" ] || {
                refute fc state "$id" >/dev/null 2>&1 || fail "$what: state knows $id, list does not"
                return
        }
        pid=$(awk '{ print $2 }' <<<"$line")
        st=$(awk '{ print $3 }' <<<"$line")
        sst=$(container_status "$id")
        [ "$st" = "$sst" ] || fail "$what: list says $st, state says $sst" || return
        case $st in
        stopped) ;;
        created | running | paused)
                alive "$pid" || fail "$what: listed $st with dead pid $pid" || return
                ;;
        *) fail "$what: listed as '$st'" || return ;;
        esac
        if [ "${3:-}" = half ] && [ "$st" != stopped ]; then
                fail "$what: a half-created container is listed as $st"
        fi
}

# clean_after ID WHAT: `delete --force` succeeds and leaves nothing behind.
clean_after() {
        local id=$1 what=$2 out
        out=$(fc delete --force "$id" 2>&1) || fail "$what: delete --force: $out" || return
        refute fc state "$id" >/dev/null 2>&1 || fail "$what: state still shows $id" || return
        [ -z "$(fc list -q)" ] || fail "$what: list still shows $(fc list -q)" || return
        assert_state_root_empty || fail "$what: state root not empty" || return
        FC_LEAK_IGNORE=' cache serve ' FC_LEAK_PREFIX=$FC_PREFIX \
                "$FC_INTEG_DIR/leakcheck.sh" compare "$FC_LEAK_SNAP" ||
                fail "$what: leaked"
}

# expect_killed PHASE WHAT: the killed command died by SIGKILL (the runtime itself) or, for a phase
# of the init or exec'd child, failed or left a container whose init is gone.
expect_killed() {
        local phase=$1 what=$2
        case $phase in
        init-* | exec-child-*) return 0 ;;
        esac
        [ "$status" -eq 137 ] ||
                fail "$what: exit $status, not 137: the failpoint was not reached ($(cat "$FC_TMP/kill.err"))"
}

@test "faults: SIGKILL at every phase of create" {
        requires_failpoints
        local phase id failed=0 n=0
        for phase in "${CREATE_PHASES[@]}"; do
                id=$(fc_random_id)
                kill_at "$phase" create --bundle "$FC_BUNDLE" "$id"
                n=$((n + 1))
                # Up to init-ready the container is half made; create-done is
                # traced after create has finished.
                local half=half
                [ "$status" -eq 0 ] || [ "$phase" = create-done ] && half=
                expect_killed "$phase" "create@$phase" &&
                        truthful "$id" "create@$phase" $half &&
                        clean_after "$id" "create@$phase" || failed=$((failed + 1))
        done
        echo "# $n create phases killed" >&3
        [ "$failed" -eq 0 ]
}

@test "faults: SIGKILL at every phase of start" {
        requires_failpoints
        local phase id failed=0
        for phase in "${START_PHASES[@]}"; do
                id=$(fc_random_id)
                fc create --bundle "$FC_BUNDLE" "$id" </dev/null >/dev/null 2>&1 ||
                        fail "create $id failed"
                kill_at "$phase" start "$id"
                expect_killed "$phase" "start@$phase" &&
                        truthful "$id" "start@$phase" &&
                        clean_after "$id" "start@$phase" || failed=$((failed + 1))
        done
        [ "$failed" -eq 0 ]
}

@test "faults: SIGKILL at every phase of exec" {
        requires_failpoints
        local phase failed=0 mode
        run_detached
        for mode in foreground detach; do
                for phase in "${EXEC_PHASES[@]}"; do
                        local d=()
                        [ "$mode" = detach ] && d=(-d)
                        kill_at "$phase" exec "${d[@]}" "$FC_ID" sleep 1000
                        expect_killed "$phase" "exec$mode@$phase" || failed=$((failed + 1))
                        [ "$(container_status)" = running ] ||
                                fail "exec@$phase: container now $(container_status)" || failed=$((failed + 1))
                done
        done
        # Processes an exec left in the container die with it.
        clean_after "$FC_ID" "exec" || failed=$((failed + 1))
        [ "$failed" -eq 0 ]
}

@test "faults: SIGKILL at every phase of delete" {
        requires_failpoints
        local phase id failed=0 how
        for how in created running; do
                for phase in "${DELETE_PHASES[@]}"; do
                        id=$(fc_random_id)
                        if [ "$how" = running ]; then
                                fc run -d --bundle "$FC_BUNDLE" "$id" </dev/null >/dev/null 2>&1
                        else
                                fc create --bundle "$FC_BUNDLE" "$id" </dev/null >/dev/null 2>&1
                        fi || fail "$how $id failed"
                        kill_at "$phase" delete --force "$id"
                        expect_killed "$phase" "delete($how)@$phase" &&
                                truthful "$id" "delete($how)@$phase" &&
                                clean_after "$id" "delete($how)@$phase" || failed=$((failed + 1))
                done
        done
        [ "$failed" -eq 0 ]
}

@test "faults: SIGKILL at every phase of run (detached and foreground)" {
        requires_failpoints
        local phase id failed=0 mode
        for mode in detach foreground; do
                for phase in "${RUN_PHASES[@]}"; do
                        local args=(run --bundle "$FC_BUNDLE")
                        if [ "$mode" = detach ]; then
                                case $phase in exited | destroy-*) continue ;; esac
                                args=(run -d --bundle "$FC_BUNDLE")
                                set_args sleep 1000
                        else
                                set_args true
                        fi
                        id=$(fc_random_id)
                        kill_at "$phase" "${args[@]}" "$id"
                        expect_killed "$phase" "run-$mode@$phase" &&
                                truthful "$id" "run-$mode@$phase" &&
                                clean_after "$id" "run-$mode@$phase" || failed=$((failed + 1))
                done
        done
        [ "$failed" -eq 0 ]
}
