#!/usr/bin/env bats
# `list`: runc's table, --format json, -q.

load helpers

setup() {
        setup_common
        setup_bundle
        set_args sleep 100
}

@test "list: empty root prints just runc's header" {
        run -0 fc list
        [ "${#lines[@]}" -eq 1 ]
        # runc: tabwriter columns, min width 12, padding 3 (exact header when there are no rows).
        [ "${lines[0]}" = "ID          PID         STATUS      BUNDLE      CREATED     OWNER" ]
}

@test "list: one row per container, aligned under the header" {
        create_container
        create_container "$FC_ID-b"
        fc start "$FC_ID-b"
        run -0 fc list
        [ "${#lines[@]}" -eq 3 ]
        [[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
        local header=${lines[0]}
        # Each column of a row starts where the header's column starts.
        local col pos
        for col in PID STATUS BUNDLE CREATED OWNER; do
                pos=${header%%"$col"*}
                pos=${#pos}
                local row
                for row in "${lines[1]}" "${lines[2]}"; do
                        [ "${row:pos-1:1}" = " " ] || fail "column $col misaligned in: $row"
                        [ "${row:pos:1}" != " " ] || fail "column $col empty in: $row"
                done
        done
        local pid_a pid_b
        pid_a=$(container_pid "$FC_ID")
        pid_b=$(container_pid "$FC_ID-b")
        grep -qE "^$FC_ID +$pid_a +created +$FC_BUNDLE +[0-9T:.Z-]+ +root$" <<<"$output"
        grep -qE "^$FC_ID-b +$pid_b +running +$FC_BUNDLE +[0-9T:.Z-]+ +root$" <<<"$output"
}

@test "list: --format json" {
        update_config '.annotations = {"k": "v"}'
        create_container
        run -0 fc list --format json
        jq -e 'type == "array" and length == 1' <<<"$output"
        jq -e --arg id "$FC_ID" --arg b "$FC_BUNDLE" '.[0] | .id == $id and .status == "created"
                and .pid > 0 and .bundle == $b and (.created | type == "string")
                and .owner == "root" and .ociVersion' <<<"$output"
        run -0 fc list -f json
        jq -e 'length == 1' <<<"$output"
}

@test "list: --format json with no containers" {
        run -0 fc list --format json
        # runc 1.1.5 prints "null" (a Go nil slice); an empty array is the sane equivalent.
        [ "$output" = null ] || [ "$(jq -c . <<<"$output")" = "[]" ]
}

@test "list: -q prints ids only, sorted" {
        create_container "$FC_ID-b"
        create_container "$FC_ID-a"
        run -0 fc list -q
        [ "${#lines[@]}" -eq 2 ]
        [ "${lines[0]}" = "$FC_ID-a" ]
        [ "${lines[1]}" = "$FC_ID-b" ]
        run -0 fc list --quiet
        [ "${#lines[@]}" -eq 2 ]
}

@test "list: a stopped container is listed as stopped with pid 0" {
        create_container
        fc start "$FC_ID"
        fc kill "$FC_ID" KILL
        wait_for_status stopped
        run -0 fc list
        grep -qE "^$FC_ID +0 +stopped " <<<"$output"
}

@test "list: unknown format is refused" {
        run --separate-stderr fc list --format yaml
        assert_one_line_error
}
