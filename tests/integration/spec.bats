#!/usr/bin/env bats
# `spec`: writes a default config.json in the cwd or --bundle, never overwrites one.

load helpers

@test "spec: writes config.json in the current directory" {
        mkdir "$FC_TMP/b"
        cd "$FC_TMP/b"
        run -0 "$FC_RUNTIME" spec
        [ -s config.json ]
        jq -e . config.json >/dev/null
}

@test "spec: --bundle and -b write into the bundle directory, not the cwd" {
        mkdir "$FC_TMP/b1" "$FC_TMP/b2" "$FC_TMP/cwd"
        cd "$FC_TMP/cwd"
        run -0 "$FC_RUNTIME" spec --bundle "$FC_TMP/b1"
        run -0 "$FC_RUNTIME" spec -b "$FC_TMP/b2"
        [ -s "$FC_TMP/b1/config.json" ]
        [ -s "$FC_TMP/b2/config.json" ]
        [ ! -e "$FC_TMP/cwd/config.json" ]
}

@test "spec: refuses to overwrite an existing config.json" {
        mkdir "$FC_TMP/b"
        echo '{"sentinel": true}' >"$FC_TMP/b/config.json"
        cd "$FC_TMP/b"
        run --separate-stderr "$FC_RUNTIME" spec
        assert_one_line_error
        # runc's text: "File config.json exists. Remove it first"
        [[ "$stderr" == *"config.json exists"* ]]
        [ "$(jq -c . config.json)" = '{"sentinel":true}' ]
        run --separate-stderr "$FC_RUNTIME" spec --bundle "$FC_TMP/b"
        assert_one_line_error
        [ "$(jq -c . config.json)" = '{"sentinel":true}' ]
}

@test "spec: the generated config has the expected fields" {
        mkdir "$FC_TMP/b"
        cd "$FC_TMP/b"
        run -0 "$FC_RUNTIME" spec
        jq -e '.ociVersion | test("^1\\.[0-9]+\\.[0-9]+")' config.json
        jq -e '.root.path == "rootfs"' config.json
        jq -e '.process.args | type == "array" and length > 0' config.json
        jq -e '.process.cwd == "/"' config.json
        jq -e '.process.user.uid == 0 and .process.user.gid == 0' config.json
        jq -e '.process.env | any(startswith("PATH="))' config.json
        jq -e '.process.capabilities.bounding | type == "array" and length > 0' config.json
        jq -e '[.mounts[].destination] | index("/proc") and index("/dev") and index("/sys")' config.json
        jq -e '[.linux.namespaces[].type] | index("pid") and index("mount") and index("network")
               and index("ipc") and index("uts")' config.json
        jq -e '.linux.namespaces | all(.type != "user")' config.json
        jq -e '.linux.maskedPaths | index("/proc/kcore")' config.json
        jq -e '.linux.readonlyPaths | index("/proc/sys")' config.json
        jq -e '.hostname | type == "string"' config.json
}

@test "spec: --rootless adds a user namespace with mappings" {
        mkdir "$FC_TMP/b"
        run -0 "$FC_RUNTIME" spec --rootless --bundle "$FC_TMP/b"
        cd "$FC_TMP/b"
        jq -e '[.linux.namespaces[].type] | index("user")' config.json
        jq -e '.linux.uidMappings | length > 0' config.json
        jq -e '.linux.gidMappings | length > 0' config.json
        jq -e '.linux.uidMappings[0].hostID == 0 and .linux.uidMappings[0].size >= 1' config.json
        # A rootless container cannot create a network namespace with working networking nor
        # set up cgroups: runc drops them.
        jq -e '.linux.namespaces | all(.type != "network")' config.json
}

@test "spec: the default config runs as generated (args aside)" {
        setup_bundle
        set_args true
        run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID"
}

@test "spec: flashcube's default config matches runc's shape" {
        requires_flashcube
        requires_runc
        mkdir "$FC_TMP/fc" "$FC_TMP/runc"
        (cd "$FC_TMP/fc" && "$FC_RUNTIME" spec)
        (cd "$FC_TMP/runc" && "$RUNC" spec)
        local f
        for f in '.process.args' '.root' '[.mounts[].destination]' '[.linux.namespaces[].type]' \
                '.linux.maskedPaths' '.linux.readonlyPaths' '.process.capabilities' \
                '.process.rlimits' '.process.noNewPrivileges' '.process.terminal'; do
                [ "$(jq -cS "$f" "$FC_TMP/fc/config.json")" = "$(jq -cS "$f" "$FC_TMP/runc/config.json")" ] ||
                        fail "spec differs from runc at $f"
        done
}
