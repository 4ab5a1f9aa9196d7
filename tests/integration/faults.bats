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
CREATE_PHASES=(load-config validate process-plan reserve cgroup lease clone cgroup-make
        cgroup-made cgroup-enter init-go init-mounted init-pivoted init-setup init-ready init-fifo
        create-done)
START_PHASES=(start-fifo start-claimed init-exec)
EXEC_PHASES=(exec-clone exec-child-joined exec-started)
DELETE_PHASES=(delete-kill destroy-cgroup destroy-state)
# `run` has no exec.fifo (the init starts the process once ready): no start-fifo/start-claimed.
RUN_PHASES=(load-config validate process-plan reserve cgroup lease clone cgroup-make cgroup-enter
        init-go init-mounted init-pivoted init-setup init-ready init-exec
        started exited destroy-cgroup destroy-state destroyed)

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
                track_id "$id"
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

@test "faults: SIGKILL at the seccomp and hooks-createRuntime phases of create" {
        requires_failpoints
        # These phases exist only with a seccomp profile and with prestart/createRuntime hooks.
        update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": ["swapon"], "action": "SCMP_ACT_ERRNO"}]}
                | .hooks = {"createRuntime": [{"path": "/bin/true"}]}'
        local phase id failed=0
        for phase in seccomp hooks-createRuntime; do
                id=$(fc_random_id)
                track_id "$id"
                kill_at "$phase" create --bundle "$FC_BUNDLE" "$id"
                expect_killed "$phase" "create@$phase" &&
                        truthful "$id" "create@$phase" half &&
                        clean_after "$id" "create@$phase" || failed=$((failed + 1))
        done
        [ "$failed" -eq 0 ]
}

@test "faults: SIGKILL at every phase of start" {
        requires_failpoints
        local phase id failed=0
        for phase in "${START_PHASES[@]}"; do
                id=$(fc_random_id)
                track_id "$id"
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
                        track_id "$id"
                track_id "$id"
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
                                case $phase in exited | destroy*) continue ;; esac
                                args=(run -d --bundle "$FC_BUNDLE")
                                set_args sleep 1000
                        else
                                set_args true
                        fi
                        id=$(fc_random_id)
                        track_id "$id"
                track_id "$id"
                        kill_at "$phase" "${args[@]}" "$id"
                        expect_killed "$phase" "run-$mode@$phase" &&
                                truthful "$id" "run-$mode@$phase" &&
                                clean_after "$id" "run-$mode@$phase" || failed=$((failed + 1))
                done
        done
        [ "$failed" -eq 0 ]
}

# --- the kernel says no: EMFILE, ENOSPC, EAGAIN --------------------------------------------

# try_cmd WHAT CMD...: run CMD (stdin /dev/null, stdout and stderr to files: a container keeps
# them open); it must succeed, or fail with one `flashcube: ` line.  Sets $status.
try_cmd() {
        local what=$1
        shift
        status=0
        "$@" </dev/null >"$FC_TMP/try.out" 2>"$FC_TMP/try.err" || status=$?
        stderr=$(cat "$FC_TMP/try.err")
        [ "$status" -eq 0 ] && return 0
        assert_one_line_error || fail "$what" || return
        [[ "$stderr" == "flashcube: "* ]] || fail "$what: error does not start 'flashcube: ': $stderr"
}

# with_nofile N CMD...: CMD with a soft fd limit of N (the hard one stays, so the container's own
# RLIMIT_NOFILE can still be set).
with_nofile() {
        local n=$1
        shift
        (
                # Only stdio: bats' own fds would count against the limit.
                local fd
                for fd in /proc/$BASHPID/fd/*; do
                        fd=${fd##*/}
                        [ "$fd" -gt 2 ] && eval "exec $fd>&-"
                done
                ulimit -Sn "$n" || exit 99
                exec "$@"
        )
}

@test "faults: EMFILE (ulimit -n) in create, run and exec: one clear line, nothing leaked" {
        local n id failed=0 errors=0
        for n in 4 5 6 7 8 10 12 16; do
                for cmd in create run; do
                        id=$(fc_random_id)
                        track_id "$id"
                track_id "$id"
                        track_id "$id"
                        local args=(create --bundle "$FC_BUNDLE")
                        [ "$cmd" = run ] && args=(run -d --bundle "$FC_BUNDLE")
                        try_cmd "$cmd with nofile $n" with_nofile "$n" "$FC_RUNTIME" --root "$FC_ROOT" \
                                "${args[@]}" "$id" || failed=$((failed + 1))
                        [ "$status" -ne 0 ] && errors=$((errors + 1))
                        truthful "$id" "$cmd@nofile=$n" && clean_after "$id" "$cmd@nofile=$n" ||
                                failed=$((failed + 1))
                done
        done
        run_detached
        for n in 4 5 6 7 8 10 12 16; do
                try_cmd "exec with nofile $n" with_nofile "$n" "$FC_RUNTIME" --root "$FC_ROOT" \
                        exec "$FC_ID" true || failed=$((failed + 1))
                [ "$status" -ne 0 ] && errors=$((errors + 1))
                [ "$(container_status)" = running ] || fail "exec@nofile=$n: container stopped" ||
                        failed=$((failed + 1))
        done
        clean_after "$FC_ID" "exec@nofile" || failed=$((failed + 1))
        echo "# $errors commands failed with EMFILE, cleanly" >&3
        [ "$errors" -gt 0 ] || fail "no limit made flashcube fail: the test tests nothing"
        [ "$failed" -eq 0 ]
}

@test "faults: ENOSPC on the state root (a full tmpfs): one clear line, nothing leaked" {
        local full=$FC_TMP/full i failed=0 errors=0 id
        mkdir -p "$full"
        mount -t tmpfs -o size=256k tmpfs "$full" || skip "cannot mount tmpfs"
        on_teardown "for i in \$('$FC_RUNTIME' --root '$full' list -q); do '$FC_RUNTIME' --root '$full' delete -f \$i; done"
        on_teardown "umount -l '$full'"
        # From completely full to a few KiB free, so each step of create meets the wall.
        local kib
        for kib in 256 252 248 244 240 236; do
                rm -f "$full/fill"
                dd if=/dev/zero of="$full/fill" bs=1k count="$kib" 2>/dev/null
                for i in 1 2 3; do
                        id=$(fc_random_id)
                        track_id "$id"
                track_id "$id"
                        try_cmd "create with $kib KiB used" \
                                timeout 20 "$FC_RUNTIME" --root "$full" create --bundle "$FC_BUNDLE" "$id" ||
                                failed=$((failed + 1))
                        [ "$status" -ne 0 ] && errors=$((errors + 1))
                done
        done
        # Everything created is listed truthfully and deleted; nothing else is left.
        local listed
        listed=$("$FC_RUNTIME" --root "$full" list -q)
        for id in $listed; do
                [ "$("$FC_RUNTIME" --root "$full" state "$id" | jq -r .status)" = created ] ||
                        fail "ENOSPC: $id is not created" || failed=$((failed + 1))
                "$FC_RUNTIME" --root "$full" delete -f "$id" || failed=$((failed + 1))
        done
        [ -z "$(ls -A "$full" | grep -v '^fill$' | grep -v '^\.fc-spare@[0-9]*$' |
                grep -vx '\.fc-cgroup-mounts')" ] || fail "left in the state root: $(ls -A "$full")" ||
                failed=$((failed + 1))
        FC_LEAK_IGNORE=' cache serve |mount .*/full tmpfs' FC_LEAK_PREFIX=$FC_PREFIX \
                "$FC_INTEG_DIR/leakcheck.sh" compare "$FC_LEAK_SNAP" || failed=$((failed + 1))
        echo "# $errors creates failed with ENOSPC, cleanly; $(wc -w <<<"$listed") succeeded" >&3
        [ "$errors" -gt 0 ] || fail "the full tmpfs made nothing fail"
        [ "$failed" -eq 0 ]
}

# rm_cgroup_tree DIR: a cgroup and those left below it, once empty.  A deleted container's cgroup
# goes back to the parts cache, which removes it a moment later: until then DIR is not empty.
rm_cgroup_tree() {
        local i
        for ((i = 0; i < 100; i++)); do
                find "$1" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
                rmdir "$1" 2>/dev/null && return 0
                [ -d "$1" ] || return 0
                sleep 0.1
        done
        return 1
}

# in_pids_cgroup MAX CMD...: CMD as the only process of a pids cgroup whose pids.max is MAX.  The
# containers flashcube creates from there nest below it (no cgroupsPath), so it is removed in
# teardown; its name lacks the run's prefix so that leakcheck looks only at theirs.
in_pids_cgroup() {
        local max=$1
        shift
        local cg=/sys/fs/cgroup/pids/fcfaults-$$
        [ -d /sys/fs/cgroup/pids ] || cg=/sys/fs/cgroup/fcfaults-$$
        if [ ! -d "$cg" ]; then
                mkdir "$cg" || return 98
                on_teardown "rm_cgroup_tree '$cg'"
        fi
        echo "$max" >"$cg/pids.max" || return 98
        # A sanitizer build's leak check clones a tracer at exit, which pids.max forbids too: it
        # is not what is tested here.
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
                bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' - "$cg" "$@"
}

@test "faults: EAGAIN (pids.max on flashcube itself) in create, run and exec: one clear line" {
        [ -f /sys/fs/cgroup/pids/pids.max ] || [ -d /sys/fs/cgroup/pids ] ||
                [ -f /sys/fs/cgroup/cgroup.subtree_control ] || skip "no pids controller"
        local max id failed=0 errors=0 cmd
        for max in 1 2 3; do
                for cmd in create run; do
                        id=$(fc_random_id)
                        track_id "$id"
                track_id "$id"
                        track_id "$id"
                        local args=(create --bundle "$FC_BUNDLE")
                        [ "$cmd" = run ] && args=(run -d --bundle "$FC_BUNDLE")
                        try_cmd "$cmd with pids.max $max" in_pids_cgroup "$max" "$FC_RUNTIME" \
                                --root "$FC_ROOT" "${args[@]}" "$id" || failed=$((failed + 1))
                        [ "$status" -ne 0 ] && errors=$((errors + 1))
                        truthful "$id" "$cmd@pids=$max" && clean_after "$id" "$cmd@pids=$max" ||
                                failed=$((failed + 1))
                done
        done
        run_detached
        for max in 1 2; do
                try_cmd "exec with pids.max $max" in_pids_cgroup "$max" "$FC_RUNTIME" --root "$FC_ROOT" \
                        exec "$FC_ID" true || failed=$((failed + 1))
                [ "$status" -ne 0 ] && errors=$((errors + 1))
        done
        clean_after "$FC_ID" "exec@pids" || failed=$((failed + 1))
        echo "# $errors commands failed with EAGAIN, cleanly" >&3
        [ "$errors" -gt 0 ] || fail "pids.max made nothing fail"
        [ "$failed" -eq 0 ]
}

# --- the parts cache killed, restarted or slow during a burst of creates -------------------

# A private cache on a socket in the test's dir (also in the suite's cold pass).
private_cache() {
        unset FLASHCUBE_NO_CACHE
        mkdir -m 0700 "$FC_TMP/cache"
        export FLASHCUBE_CACHE_SOCKET=$FC_TMP/cache/cache.sock
        on_teardown "kill_private_caches"
}

cache_cmd() {
        timeout --kill-after=5 "$FC_TIMEOUT" "$FC_RUNTIME" --cache-socket "$FLASHCUBE_CACHE_SOCKET" cache "$@"
}

# Every cache process serving our socket (the main one, refill helpers, autostarted ones).
private_cache_pids() {
        local p cmd
        for p in /proc/[0-9]*; do
                cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
                case $cmd in
                *" cache serve "*"$FLASHCUBE_CACHE_SOCKET"* | *"$FLASHCUBE_CACHE_SOCKET cache serve"*)
                        echo "${p#/proc/}"
                        ;;
                esac
        done
}

kill_private_caches() {
        cache_cmd stop >/dev/null 2>&1 || true
        local p
        for p in $(private_cache_pids); do kill -KILL "$p" 2>/dev/null; done
        # A killed cache leaves its pooled cgroups to the next instance on its socket: one
        # started and stopped here removes them (the socket dies with the test).
        if [ -e "${FLASHCUBE_CACHE_SOCKET%.sock}.cgroups" ]; then
                cache_cmd serve --detach >/dev/null 2>&1 && cache_cmd stop >/dev/null 2>&1
        fi
        return 0
}

# burst N JOBS: N creates, JOBS at a time, in the background ($BURST_PID); ids in $BURST_IDS.
burst() {
        local n=$1 jobs=$2 base i
        base=$(fc_random_id)-
        BURST_IDS=()
        for ((i = 0; i < n; i++)); do
                BURST_IDS+=("$base$i")
                track_id "$base$i"
        done
        export FC_RUNTIME FC_ROOT FC_BUNDLE FC_TMP FLASHCUBE_CACHE_SOCKET
        printf '%s\n' "${BURST_IDS[@]}" | xargs -P "$jobs" -I'{}' bash -c \
                'timeout 60 "$FC_RUNTIME" --root "$FC_ROOT" create --bundle "$FC_BUNDLE" "$1" </dev/null >/dev/null 2>"$FC_TMP/err.$1"; echo $? >"$FC_TMP/rc.$1"' - '{}' &
        BURST_PID=$!
}

# burst_ok WHAT: every create of the burst succeeded, all are created; then all are deleted.
burst_ok() {
        local what=$1 id bad=0
        wait "$BURST_PID"
        for id in "${BURST_IDS[@]}"; do
                if [ "$(cat "$FC_TMP/rc.$id" 2>/dev/null)" != 0 ]; then
                        echo "$what: create $id: $(cat "$FC_TMP/err.$id" 2>/dev/null)" >&2
                        bad=$((bad + 1))
                elif [ "$(container_status "$id")" != created ]; then
                        echo "$what: $id is $(container_status "$id")" >&2
                        bad=$((bad + 1))
                fi
                fc delete --force "$id" >/dev/null 2>&1 || bad=$((bad + 1))
        done
        [ "$bad" -eq 0 ] || fail "$what: $bad of ${#BURST_IDS[@]} creates failed"
}

cache_main_pid() {
        cat "$FC_TMP/cache/cache.pid" 2>/dev/null
}

@test "faults: the parts cache killed (SIGKILL) during bursts of creates: none fails" {
        requires_flashcube
        private_cache
        local round pid kills=0
        for round in 1 2 3; do
                cache_cmd serve --detach >/dev/null 2>&1 ||
                        [ -n "$(private_cache_pids)" ] || fail "cache did not start"
                burst 48 8
                sleep 0."$round"
                # Kill every cache process serving us, helpers included, twice during the burst
                # (the second time the one a create autostarted).
                for pid in $(private_cache_pids); do kill -KILL "$pid" && kills=$((kills + 1)); done
                sleep 0.3
                for pid in $(private_cache_pids); do kill -KILL "$pid" && kills=$((kills + 1)); done
                burst_ok "kill round $round"
        done
        echo "# $kills cache processes killed under 3 bursts of 48 creates" >&3
        kill_private_caches
        clean_after nonexistent "cache kill"
}

@test "faults: the parts cache stopped and restarted during a burst: none fails" {
        requires_flashcube
        private_cache
        cache_cmd serve --detach >/dev/null
        burst 48 8
        sleep 0.2
        cache_cmd stop >/dev/null 2>&1 || true
        cache_cmd serve --detach >/dev/null 2>&1 || true
        sleep 0.2
        cache_cmd stop >/dev/null 2>&1 || true
        burst_ok "restart"
        kill_private_caches
        clean_after nonexistent "cache restart"
}

@test "faults: a slow parts cache (200 ms replies) during a burst: none fails" {
        requires_flashcube
        private_cache
        cache_cmd serve --detach --test-reply-delay-us 200000 >/dev/null
        burst 32 8
        burst_ok "slow"
        # The cache counted no errors (its status reply is delayed too: a few tries).
        local try json=
        for ((try = 0; try < 5; try++)); do
                json=$(cache_cmd status --format json 2>&1) && break
                echo "cache status: $json" >&2
                sleep 0.5
        done
        echo "$json" | jq -e '.errors == 0'
        kill_private_caches
        clean_after nonexistent "slow cache"
}
