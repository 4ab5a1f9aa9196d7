#!/usr/bin/env bats
# Hostile bundles: images and configs built to make the runtime touch the host (symlinks to host
# paths as mount targets, /proc, /dev, masked and read-only paths; a target swapped for a
# symlink while the runtime mounts; ".." in paths), to exhaust it (huge numbers of mounts, env
# entries, rlimits) or to hang it (config.json a FIFO, /dev/zero, huge).  Each must be refused
# with one clear line or contained in the rootfs: the host paths checked here stay untouched.

load helpers

setup() {
        setup_common
        setup_bundle
        HOST=$FC_TMP/hostdir
        mkdir -p "$HOST"
        echo precious >"$HOST/keep"
}

add_mount() {
        local m=$1
        shift
        update_config ".mounts += [$m]" "$@"
}

# host_untouched: $HOST holds only its file, unchanged, writable, and nothing is mounted on or
# below it.
host_untouched() {
        [ "$(ls -A "$HOST")" = keep ] || fail "host dir changed: $(ls -A "$HOST")"
        [ "$(cat "$HOST/keep")" = precious ] || fail "host file changed"
        touch "$HOST/keep" || fail "host dir became read-only"
        if grep -F " $HOST" /proc/self/mountinfo; then
                fail "something is mounted on the host dir"
        fi
}

@test "hostile: mount targets that are absolute and relative symlinks to host paths stay in the rootfs" {
        ln -s "$HOST" "$FC_BUNDLE/rootfs/abs"
        ln -s "../../../../../../../../../..$HOST" "$FC_BUNDLE/rootfs/rel"
        ln -s "$HOST/keep" "$FC_BUNDLE/rootfs/file"
        echo bound >"$FC_TMP/src-file"
        add_mount '{"destination": "/abs", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}'
        add_mount '{"destination": "/rel/sub", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}'
        add_mount '{"destination": "/file", "type": "bind", "source": $s, "options": ["bind"]}' \
                --arg s "$FC_TMP/src-file"
        update_config '.root.readonly = false'
        set_cmd 'echo x >/abs/pwned; echo x >/rel/sub/pwned; cat /file; echo x >/file'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        echo "$output $stderr"
        host_untouched
}

@test "hostile: a rootfs /proc that is a symlink to a host directory is refused" {
        rmdir "$FC_BUNDLE/rootfs/proc"
        ln -s "$HOST" "$FC_BUNDLE/rootfs/proc"
        set_cmd 'true'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_one_line_error
        [[ "$stderr" == *"ordinary directory"* ]]
        host_untouched
}

@test "hostile: a rootfs /dev that is a symlink to a host directory is contained" {
        rm -rf "$FC_BUNDLE/rootfs/dev"
        ln -s "$HOST" "$FC_BUNDLE/rootfs/dev"
        set_cmd 'ls /dev/null /dev/zero >/dev/null && echo ok >/dev/null && echo DONE'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        echo "$output $stderr"
        [ "$status" -ne 0 ] || [ "$output" = DONE ]
        [ "$status" -eq 0 ] || assert_one_line_error
        host_untouched
}

@test "hostile: masked and read-only paths that are symlinks to host paths stay in the rootfs" {
        ln -s "$HOST/keep" "$FC_BUNDLE/rootfs/masked-file"
        ln -s "$HOST" "$FC_BUNDLE/rootfs/masked-dir"
        ln -s "../../../../../../../../..$HOST" "$FC_BUNDLE/rootfs/ro-dir"
        update_config '.linux.maskedPaths += ["/masked-file", "/masked-dir", "/../../..'"$HOST"'"]
                       | .linux.readonlyPaths += ["/ro-dir", "/../../..'"$HOST"'/keep"]'
        set_cmd 'true'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        echo "$output $stderr"
        [ "$status" -eq 0 ] || assert_one_line_error
        host_untouched
}

# renameat2(RENAME_EXCHANGE) loop: swap $1 and $2 for $3 seconds.
swap_loop() {
        python3 - "$1" "$2" "$3" <<'EOF' &
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
a, b, end = sys.argv[1].encode(), sys.argv[2].encode(), time.time() + float(sys.argv[3])
while time.time() < end:
    libc.syscall(316, -100, a, -100, b, 2)  # renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
EOF
        SWAP_PID=$!
        FC_HOLDERS+=("$SWAP_PID")
}

@test "hostile: directories swapped for symlinks to the host while flashcube mounts and masks" {
        mkdir -p "$FC_BUNDLE/rootfs/swap/d/sub" "$FC_BUNDLE/rootfs/swap/f"
        touch "$FC_BUNDLE/rootfs/swap/d/file"
        ln -s "$HOST" "$FC_BUNDLE/rootfs/swap/l"
        echo bound >"$FC_TMP/src-file"
        add_mount '{"destination": "/swap/d/sub", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}'
        add_mount '{"destination": "/swap/d/file", "type": "bind", "source": $s, "options": ["bind"]}' \
                --arg s "$FC_TMP/src-file"
        update_config '.linux.maskedPaths += ["/swap/d/file", "/swap/d"] | .linux.readonlyPaths += ["/swap/d/sub"]'
        set_cmd 'true'
        swap_loop "$FC_BUNDLE/rootfs/swap/d" "$FC_BUNDLE/rootfs/swap/l" 12
        local i
        for ((i = 0; i < 25; i++)); do
                fc run --bundle "$FC_BUNDLE" "$FC_ID" >/dev/null 2>&1 || true
                fc delete -f "$FC_ID" >/dev/null 2>&1 || true
                grep -qF " $HOST" /proc/self/mountinfo && break
        done
        kill "$SWAP_PID" 2>/dev/null || true
        wait "$SWAP_PID" 2>/dev/null || true
        host_untouched
}

@test "hostile: paths with .. stay in the rootfs (mounts, cwd, masked, read-only, devices)" {
        local name
        name=fct-dotdot-$FC_ID
        add_mount '{"destination": $d, "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}' \
                --arg d "/../../../../../tmp/$name"
        update_config '.process.cwd = "/../../../.."
                       | .linux.maskedPaths += ["/../../../etc/hostname"]
                       | .linux.readonlyPaths += ["/../../../tmp"]
                       | .linux.devices += [{"path": $p, "type": "c", "major": 1, "minor": 3}]' \
                --arg p "/dev/../../../../tmp/$name-null"
        set_cmd 'pwd; echo x >/tmp/'"$name"'/f; ls /tmp'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        echo "$output $stderr"
        [ "$status" -eq 0 ] || assert_one_line_error
        [ ! -e "/tmp/$name" ] && [ ! -e "/tmp/$name-null" ] || fail "created on the host"
        [ ! -e "/$name" ] || fail "created at the host's /"
        refute grep -qF "/tmp/$name" /proc/self/mountinfo
        if [ "$status" -eq 0 ]; then
                [ "${lines[0]}" = / ]
        fi
}

# bounded_run ARGS...: the runtime must answer within 60 s, however big the input.
bounded_run() {
        local start end
        start=$(date +%s)
        run --separate-stderr timeout --kill-after=5 60 "$FC_RUNTIME" --root "$FC_ROOT" "$@"
        end=$(date +%s)
        [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "no answer within 60 s"
        echo "took $((end - start)) s: status $status; ${stderr:0:300}"
}

@test "hostile: 2000 mounts, 20000 env entries, 5000 rlimits: refused or run, in bounded time" {
        local i
        python3 - "$FC_BUNDLE/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["mounts"] += [{"destination": "/m/%d" % i, "type": "tmpfs", "source": "tmpfs",
                 "options": ["size=4k"]} for i in range(2000)]
json.dump(c, open(p, "w"))
EOF
        set_cmd 'grep -c " /m/" /proc/self/mountinfo'
        bounded_run run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ] || [ "$output" = 2000 ]
        [ "$status" -eq 0 ] || assert_one_line_error
        fc delete -f "$FC_ID" >/dev/null 2>&1 || true

        update_config '.mounts |= map(select(.destination | startswith("/m/") | not))
                       | .process.env += [range(20000) | "V\(.)=\("x" * 50)"]'
        set_cmd 'env | grep -c ^V'
        bounded_run run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ] || [ "$output" = 20000 ]
        [ "$status" -eq 0 ] || assert_one_line_error
        fc delete -f "$FC_ID" >/dev/null 2>&1 || true

        update_config '.process.env |= map(select(startswith("V") | not))
                       | .process.rlimits = [range(5000) | {"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]'
        bounded_run run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_one_line_error
        [[ "$stderr" == *"duplicate rlimit"* ]]
        # 10^6 environment bytes past the kernel's limit: a clear E2BIG, not a hang.
        update_config 'del(.process.rlimits) | .process.env += [range(3000) | "W\(.)=\("y" * 1000)"]'
        bounded_run run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || assert_one_line_error
}

@test "hostile: config.json that is a FIFO, /dev/zero, a directory or 100 MB is refused at once" {
        cp "$FC_BUNDLE/config.json" "$FC_TMP/config.good"
        rm "$FC_BUNDLE/config.json"
        mkfifo "$FC_BUNDLE/config.json"
        bounded_run create --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_one_line_error
        [[ "$stderr" == *"not a regular file"* ]]

        rm "$FC_BUNDLE/config.json"
        ln -s /dev/zero "$FC_BUNDLE/config.json"
        bounded_run create --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_one_line_error
        [[ "$stderr" == *"not a regular file"* ]]

        rm "$FC_BUNDLE/config.json"
        mkdir "$FC_BUNDLE/config.json"
        bounded_run create --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_one_line_error

        rmdir "$FC_BUNDLE/config.json"
        truncate -s 100M "$FC_BUNDLE/config.json"
        bounded_run create --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_one_line_error
        [[ "$stderr" == *"larger than"* ]]

        # Just under the size limit, valid JSON: 60 MB of annotations parse in bounded time, as
        # 10^6 keys (the parser once compared every pair) or, under ASan, where yajl's tree is
        # quadratic in the keys of one object (see oci_config_test), as 1000 long values.
        local keys=1000000 len=40
        if grep -q __asan_init "$FC_RUNTIME"; then
                keys=1000 len=60000
        fi
        python3 - "$FC_TMP/config.good" "$FC_BUNDLE/config.json" "$keys" "$len" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["annotations"] = {"k%07d" % i: "v" * int(sys.argv[4]) for i in range(int(sys.argv[3]))}
c["process"]["args"] = ["true"]
json.dump(c, open(sys.argv[2], "w"))
EOF
        bounded_run run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || assert_one_line_error
        assert_state_root_empty || true
}

@test "hostile: exec --process and update -r from a FIFO or /dev/zero are refused at once" {
        set_cmd 'sleep 1000'
        run_detached
        mkfifo "$FC_TMP/process.json"
        bounded_run exec --process "$FC_TMP/process.json" "$FC_ID"
        [ "$status" -ne 0 ]
        assert_one_line_error
        bounded_run exec --process /dev/zero "$FC_ID"
        [ "$status" -ne 0 ]
        assert_one_line_error
        bounded_run update -r /dev/zero "$FC_ID"
        [ "$status" -ne 0 ]
        assert_one_line_error
        # stdin is read up to a bound as well.
        run --separate-stderr timeout --kill-after=5 60 "$FC_RUNTIME" --root "$FC_ROOT" update -r - "$FC_ID" </dev/zero
        [ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -ne 137 ]
        assert_one_line_error
}
