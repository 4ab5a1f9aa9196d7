#!/usr/bin/env bats
# Load: many containers created at once with distinct ids, and many creates racing for one id.
# (The long soak of `run`s in a row is tests/load/soak.sh.)

load helpers

setup() {
        setup_common
        setup_bundle
        set_args sleep 1000
        FC_LEAK_SNAP=$FC_TMP/leak.snap
        FC_LEAK_PREFIX=$FC_PREFIX "$FC_INTEG_DIR/leakcheck.sh" snapshot "$FC_LEAK_SNAP"
}

teardown() {
        teardown_common
}

# parallel JOBS CMD-TEMPLATE < ids: run CMD-TEMPLATE (a bash snippet where $1 is the id) for each id
# on stdin, JOBS at a time; each id's exit status goes to $FC_TMP/rc.<id>, its stderr to
# $FC_TMP/err.<id>.
parallel() {
        local jobs=$1 tmpl=$2
        xargs -P "$jobs" -I'{}' bash -c "$tmpl"' </dev/null >/dev/null 2>"$FC_TMP/err.$1"; echo $? >"$FC_TMP/rc.$1"' - '{}'
}

leak_free() {
        FC_LEAK_IGNORE=' cache serve ' FC_LEAK_PREFIX=$FC_PREFIX \
                "$FC_INTEG_DIR/leakcheck.sh" compare "$FC_LEAK_SNAP"
}

@test "load: 200 containers created concurrently (16 at a time) with distinct ids, then deleted" {
        local n=200 i base ids=() id
        base=$(fc_random_id)-
        for ((i = 0; i < n; i++)); do
                ids+=("$base$i")
                track_id "$base$i"
        done
        export FC_RUNTIME FC_ROOT FC_BUNDLE FC_TMP
        printf '%s\n' "${ids[@]}" |
                parallel 16 'timeout 120 "$FC_RUNTIME" --root "$FC_ROOT" create --bundle "$FC_BUNDLE" "$1"'
        local bad=0
        for id in "${ids[@]}"; do
                if [ "$(cat "$FC_TMP/rc.$id")" != 0 ]; then
                        echo "create $id: exit $(cat "$FC_TMP/rc.$id"): $(cat "$FC_TMP/err.$id")" >&2
                        bad=$((bad + 1))
                fi
        done
        [ "$bad" -eq 0 ]

        # State is consistent: list shows all 200, each created with its own live init, and
        # state agrees with list.
        local listed
        listed=$(fc list | awk 'NR > 1')
        [ "$(wc -l <<<"$listed")" -eq "$n" ]
        [ "$(awk '$3 != "created"' <<<"$listed" | wc -l)" -eq 0 ]
        [ "$(awk '{ print $2 }' <<<"$listed" | sort -u | wc -l)" -eq "$n" ]
        local pid
        for pid in $(awk '{ print $2 }' <<<"$listed"); do
                [ -d "/proc/$pid" ] || fail "init $pid of a created container is gone"
        done
        for id in "${ids[@]:0:20}"; do
                [ "$(container_status "$id")" = created ]
        done

        # Half are started, then all deleted concurrently as well.
        printf '%s\n' "${ids[@]:0:100}" | parallel 16 'timeout 60 "$FC_RUNTIME" --root "$FC_ROOT" start "$1"'
        for id in "${ids[@]:0:100}"; do
                [ "$(cat "$FC_TMP/rc.$id")" = 0 ] || fail "start $id: $(cat "$FC_TMP/err.$id")"
        done
        [ "$(fc list | awk '$3 == "running"' | wc -l)" -eq 100 ]
        printf '%s\n' "${ids[@]}" | parallel 16 'timeout 60 "$FC_RUNTIME" --root "$FC_ROOT" delete --force "$1"'
        for id in "${ids[@]}"; do
                [ "$(cat "$FC_TMP/rc.$id")" = 0 ] || fail "delete $id: $(cat "$FC_TMP/err.$id")"
        done
        [ -z "$(fc list -q)" ]
        assert_state_root_empty
        leak_free
}

@test "load: 20 concurrent creates with the same id: exactly one succeeds, the others fail cleanly" {
        local i winners=0 losers=0
        export FC_RUNTIME FC_ROOT FC_BUNDLE FC_TMP FC_ID
        # Each racer gets its own slot name; all create the same container id.
        seq 1 20 | parallel 20 'timeout 60 "$FC_RUNTIME" --root "$FC_ROOT" create --bundle "$FC_BUNDLE" "$FC_ID"'
        for i in $(seq 1 20); do
                if [ "$(cat "$FC_TMP/rc.$i")" = 0 ]; then
                        winners=$((winners + 1))
                else
                        losers=$((losers + 1))
                        # runc's message, alone on one line.
                        [ "$(cat "$FC_TMP/err.$i")" = "flashcube: container with given ID already exists" ] ||
                                fail "racer $i: $(cat "$FC_TMP/err.$i")"
                fi
        done
        [ "$winners" -eq 1 ]
        [ "$losers" -eq 19 ]
        [ "$(fc list -q)" = "$FC_ID" ]
        [ "$(container_status)" = created ]
        alive_pid=$(container_pid)
        [ -d "/proc/$alive_pid" ]
        fc delete "$FC_ID"
        assert_state_root_empty
        leak_free
}
