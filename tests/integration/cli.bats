#!/usr/bin/env bats
# Command line: version, help, unknown commands and flags, runc's error text for unknown ids.

load helpers

COMMANDS=(create start run state kill delete list spec features)

@test "cli: --version and -v print the version" {
        run -0 "$FC_RUNTIME" --version
        [[ "${lines[0]}" =~ ^[a-z]+\ version\ [0-9] ]]
        # runc and flashcube both report the OCI spec version they implement.
        [[ "$output" =~ spec:\ 1\. ]]
        local long=$output
        run -0 "$FC_RUNTIME" -v
        [ "$output" = "$long" ]
}

@test "cli: --help and -h describe the program and list every command" {
        local flag c
        for flag in --help -h; do
                run -0 "$FC_RUNTIME" "$flag"
                [[ "$output" =~ [Uu][Ss][Aa][Gg][Ee] ]]
                for c in "${COMMANDS[@]}"; do
                        echo "$output" | grep -qE "^ +$c([ ,]|$)" || fail "$flag does not list $c"
                done
        done
}

@test "cli: --help and -h for every command" {
        local flag c
        for c in "${COMMANDS[@]}"; do
                for flag in --help -h; do
                        run --separate-stderr "$FC_RUNTIME" "$c" "$flag"
                        [ "$status" -eq 0 ] || fail "$c $flag exited $status: $stderr"
                        [[ "$output" =~ [Uu][Ss][Aa][Gg][Ee] ]] || fail "$c $flag: no usage: $output"
                        [[ "$output" == *" $c"* ]] || fail "$c $flag does not name the command"
                done
        done
}

@test "cli: unknown command fails with one line on stderr" {
        run --separate-stderr "$FC_RUNTIME" --root "$FC_ROOT" no-such-command
        assert_one_line_error
        [[ "$stderr" == *no-such-command* ]]
        # runc's (urfave/cli's) status for it.
        [ "$status" -eq 3 ]
}

@test "cli: unknown global flag fails with one line on stderr" {
        run --separate-stderr "$FC_RUNTIME" --root "$FC_ROOT" --no-such-flag list
        assert_one_line_error
        [[ "$stderr" == *no-such-flag* ]]
}

@test "cli: unknown command flag fails with one line on stderr" {
        local c
        for c in "${COMMANDS[@]}"; do
                run --separate-stderr "$FC_RUNTIME" --root "$FC_ROOT" "$c" --no-such-flag x
                assert_one_line_error || fail "$c --no-such-flag"
                [[ "$stderr" == *no-such-flag* ]] || fail "$c: error does not name the flag: $stderr"
        done
}

@test "cli: commands that need an id refuse to run without one" {
        local c
        for c in create start run state kill delete; do
                run --separate-stderr "$FC_RUNTIME" --root "$FC_ROOT" "$c"
                assert_one_line_error || fail "$c without an id"
        done
}

@test "cli: unknown id -> 'container does not exist'" {
        local c
        for c in start state kill delete; do
                run --separate-stderr fc "$c" fct-no-such-container
                assert_one_line_error || fail "$c of an unknown id"
                [[ "$stderr" == *"container does not exist"* ]] || fail "$c: $stderr"
        done
}

@test "cli: a command's flags may follow the container id, as runc's (not exec's and ps's)" {
        setup_bundle
        set_cmd 'sleep 100'
        track_id "$FC_ID"
        fc_detached create "$FC_ID" --bundle "$FC_BUNDLE"
        [ "$status" -eq 0 ] || fail "create ID --bundle B: $output"
        run -0 fc start "$FC_ID"
        run -0 fc update "$FC_ID" --pids-limit 42
        # The value after a flag may start with "-".
        run -0 fc update "$FC_ID" -r - <<<'{"pids": {"limit": 43}}'
        # A flag without "=" takes the next argument not starting with "-" along as its
        # value, a boolean flag's too: here the signal, so "KILL" becomes the id.
        run fc kill "$FC_ID" --all KILL
        [ "$status" -ne 0 ]
        [ "$(container_status)" = running ]
        # What follows exec's id is the process's, options or not; the same for ps's.
        run -0 fc exec "$FC_ID" echo --env X=1
        [ "$output" = "--env X=1" ]
        run -0 fc kill "$FC_ID" 9 --all
        wait_for_status stopped
        run -0 fc delete "$FC_ID" --force
        run fc state "$FC_ID"
        [ "$status" -ne 0 ]
        # Nothing moves past "--".
        run fc delete -- --force
        [ "$status" -ne 0 ]
        [[ "$output" == *"does not exist"* ]]
}

@test "cli: boolean flags take a value after \"=\", as Go's flags do" {
        setup_bundle
        set_cmd 'sleep 100'
        run_detached
        run fc delete --force=false "$FC_ID"
        [ "$status" -ne 0 ]
        [ "$(container_status)" = running ]
        run --separate-stderr fc delete --force=maybe "$FC_ID"
        assert_one_line_error
        [[ "$stderr" == *maybe* ]]
        run -0 fc list --quiet=0
        [[ "${lines[0]}" == ID* ]]
        run -0 fc delete -force=true "$FC_ID"
        run fc state "$FC_ID"
        [ "$status" -ne 0 ]
}

@test "cli: list with an empty or missing root succeeds" {
        run -0 fc list -q
        [ -z "$output" ]
        run -0 "$FC_RUNTIME" --root "$FC_TMP/never-created" list -q
        [ -z "$output" ]
}

@test "cli: features prints JSON naming the hooks and OCI versions" {
        run --separate-stderr "$FC_RUNTIME" features
        [ "$status" -eq 0 ]
        echo "$output" | jq -e '.ociVersionMin and .ociVersionMax' >/dev/null
        echo "$output" | jq -e '.hooks | index("prestart") and index("poststop") and index("createRuntime")' >/dev/null
        echo "$output" | jq -e '.linux.namespaces | index("pid") and index("network") and index("mount")' >/dev/null
}

@test "cli: features lists flashcube's supported namespaces including time and cgroup" {
        requires_flashcube
        run -0 "$FC_RUNTIME" features
        echo "$output" | jq -e '.linux.namespaces | index("time") and index("cgroup") and index("user")' >/dev/null
        echo "$output" | jq -e '.ociVersionMax | startswith("1.")' >/dev/null
}
