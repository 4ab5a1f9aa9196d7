#!/usr/bin/env bats
# The same bundles (from `runc spec`, args changed) under runc and under the runtime under test:
# same exit code, same output, same state keys.  Against runc itself this passes trivially.

load helpers

setup() {
        setup_common
        requires_runc
        setup_bundle runc
        # Both runtimes get identical copies of the bundle (a runtime may touch its rootfs).
        FC_BUNDLE_RUNC=$FC_TMP/bundle-runc
        cp -a "$FC_BUNDLE" "$FC_BUNDLE_RUNC"
}

# both JQ-FILTER [jq args...]: apply the edit to both bundles.
both() {
        update_config "$@"
        update_config_in "$FC_BUNDLE_RUNC" "$@"
}

both_args() {
        local json
        json=$(jq -cn '$ARGS.positional' --args -- "$@")
        both '.process.args = $a' --argjson a "$json"
}

# compare_run: run both bundles in the foreground; exit codes and stdout must be identical.
compare_run() {
        run --separate-stderr runc_ref run --bundle "$FC_BUNDLE_RUNC" "$FC_ID-runc"
        local ref_status=$status ref_out=$output
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        if [ "$status" -ne "$ref_status" ] || [ "$output" != "$ref_out" ]; then
                echo "runc: exit $ref_status" >&2
                printf '%s\n' "$ref_out" >&2
                echo "$FC_RUNTIME: exit $status (stderr: $stderr)" >&2
                printf '%s\n' "$output" >&2
                diff <(printf '%s\n' "$ref_out") <(printf '%s\n' "$output") >&2
                return 1
        fi
}

@test "differential: identity, hostname, capabilities, /dev, limits" {
        both_args sh -c 'id; hostname; grep -E "^(Cap|NoNewPrivs)" /proc/self/status; ls /dev;
                         ulimit -n; ulimit -Hn; umask; pwd; env | sort'
        compare_run
}

@test "differential: mounts seen inside, with their options" {
        both_args sh -c 'cut -d" " -f2-4 /proc/mounts'
        compare_run
}

@test "differential: exit codes" {
        local code
        for code in 0 1 42 255; do
                both_args sh -c "exit $code"
                compare_run
        done
}

@test "differential: non-root user with groups" {
        both '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [100]}
              | .process.env = ["PATH=/bin"]'
        both_args sh -c 'id; echo $HOME; grep -E "^Cap" /proc/self/status'
        compare_run
}

@test "differential: a failing executable" {
        both_args /no/such/binary
        run --separate-stderr runc_ref run --bundle "$FC_BUNDLE_RUNC" "$FC_ID-runc"
        local ref=$status
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq "$ref" ]
        assert_one_line_error
}

@test "differential: state keys and values" {
        both_args sleep 100
        runc_ref create --bundle "$FC_BUNDLE_RUNC" "$FC_ID-runc" </dev/null >/dev/null 2>&1
        create_container
        local ref mine
        ref=$(runc_ref state "$FC_ID-runc")
        mine=$(fc state "$FC_ID")
        [ "$(jq -c 'keys' <<<"$ref")" = "$(jq -c 'keys' <<<"$mine")" ]
        [ "$(jq -r .status <<<"$ref")" = "$(jq -r .status <<<"$mine")" ]
        [ "$(jq -r .ociVersion <<<"$ref" | cut -d. -f1)" = "$(jq -r .ociVersion <<<"$mine" | cut -d. -f1)" ]
        runc_ref start "$FC_ID-runc"
        fc start "$FC_ID"
        ref=$(runc_ref state "$FC_ID-runc")
        mine=$(fc state "$FC_ID")
        [ "$(jq -c 'keys' <<<"$ref")" = "$(jq -c 'keys' <<<"$mine")" ]
        [ "$(jq -r .status <<<"$ref")" = "$(jq -r .status <<<"$mine")" ]
}

@test "differential: list columns" {
        both_args sleep 100
        runc_ref create --bundle "$FC_BUNDLE_RUNC" "$FC_ID" </dev/null >/dev/null 2>&1
        create_container
        run -0 runc_ref list
        local ref=${lines[0]}
        run -0 fc list
        # Same header (column widths follow the content: the bundle paths differ in length).
        [ "$(tr -s ' ' <<<"${lines[0]}")" = "$(tr -s ' ' <<<"$ref")" ]
        run -0 runc_ref list --format json
        ref=$(jq -c '.[0] | keys' <<<"$output")
        run -0 fc list --format json
        [ "$(jq -c '.[0] | keys' <<<"$output")" = "$ref" ]
}

@test "differential: error text for an unknown container" {
        local c
        for c in state start kill delete; do
                run --separate-stderr runc_ref "$c" fct-none
                local ref_status=$status
                run --separate-stderr fc "$c" fct-none
                [ "$status" -eq "$ref_status" ]
                [[ "$stderr" == *"container does not exist"* ]]
        done
}
