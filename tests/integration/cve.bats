#!/usr/bin/env bats
# Known container-runtime CVEs as regression tests: each test names the CVE (or the class) and
# checks that the attack it describes is refused or has no effect with flashcube.  Every check
# was seen to fail with the protection it covers taken out (see the comments).

load helpers

setup_file() {
        # The CVE-2019-5736 scanner runs inside the container: busybox cannot fstat an O_PATH fd.
        rm -f "$BATS_FILE_TMPDIR/exe-scan"
        gcc -static -O2 -o "$BATS_FILE_TMPDIR/exe-scan" "$BATS_TEST_DIRNAME/exe-scan.c" \
                >"$BATS_FILE_TMPDIR/exe-scan.log" 2>&1 || true
}

setup() {
        setup_common
        setup_bundle
}

# in_rootfs_check: a shell snippet that prints INSIDE when climbing ".." from the cwd ends at the
# container's root, ESCAPED when it ends elsewhere (a cwd outside the rootfs reaches the host's
# root that way).
in_rootfs_check='cd ../../../../../../../../../../../.. && if [ "$(stat -c %d:%i .)" = "$(stat -c %d:%i /)" ]; then echo INSIDE; else echo ESCAPED; fi'

# CVE-2019-5736: a container process opened the runtime binary through /proc/<pid>/exe of a
# runtime process that had entered the container (runc init, runc exec's setns child) and wrote
# to it once it had exited, replacing the host's runc.  flashcube's init and exec child are
# non-dumpable until their execve, so no container process can open their exe at all.  Here a
# scanner inside the container keeps opening /proc/*/exe (O_PATH, as the exploit does) while the
# host runs execs into the container; it must never get the runtime's binary.  (Without
# PR_SET_DUMPABLE in lib/exec.c's child it reached the binary within a few dozen execs.)
@test "CVE-2019-5736: no container process reaches the runtime binary through /proc/<pid>/exe during exec" {
        requires_flashcube
        [ -x "$BATS_FILE_TMPDIR/exe-scan" ] ||
                skip "cannot build the static scanner: $(head -n1 "$BATS_FILE_TMPDIR/exe-scan.log")"
        cp "$BATS_FILE_TMPDIR/exe-scan" "$FC_BUNDLE/rootfs/bin/exe-scan"
        local bin dev ino i
        bin=$(readlink -f "$FC_RUNTIME")
        dev=$(stat -L -c %d "$bin")
        ino=$(stat -L -c %i "$bin")
        set_cmd 'sleep 1000'
        run_detached
        fc exec "$FC_ID" /bin/exe-scan "$dev" "$ino" 12 >"$FC_TMP/scan.out" 2>&1 &
        local scan=$!
        sleep 0.5
        for ((i = 0; i < 150; i++)); do
                fc exec "$FC_ID" true || fail "exec $i failed"
                kill -0 "$scan" 2>/dev/null || break
        done
        wait "$scan" || true
        cat "$FC_TMP/scan.out"
        grep -q '^clean' "$FC_TMP/scan.out" || fail "scanner: $(cat "$FC_TMP/scan.out")"
}

# CVE-2019-5736, the entry point: the container's command was "#!/proc/self/exe" (or
# /proc/self/exe itself), so that the runtime process about to execve it ran its own binary
# inside the container instead.  The host binary must not be run, opened or written that way.
@test "CVE-2019-5736: /proc/self/exe as the command or as a #! interpreter does not run the runtime" {
        local bin sum
        bin=$(readlink -f "$FC_RUNTIME")
        sum=$(sha256sum "$bin")
        printf '#!/proc/self/exe\n' >"$FC_BUNDLE/rootfs/bin/evil"
        chmod 755 "$FC_BUNDLE/rootfs/bin/evil"
        set_args /proc/self/exe --version
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [[ "$output" != *flashcube* && "$output" != *runc* ]] || fail "the runtime ran: $output"
        fc delete -f "$FC_ID" >/dev/null 2>&1 || true
        set_args /bin/evil --version
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [[ "$output" != *flashcube* && "$output" != *runc* ]] || fail "the runtime ran: $output"
        fc delete -f "$FC_ID" >/dev/null 2>&1 || true
        # The same through exec.
        set_cmd 'sleep 1000'
        run_detached
        run --separate-stderr fc exec "$FC_ID" /proc/self/exe --version
        [[ "$output" != *flashcube* && "$output" != *runc* ]] || fail "exec ran the runtime: $output"
        run --separate-stderr fc exec "$FC_ID" /bin/evil --version
        [[ "$output" != *flashcube* && "$output" != *runc* ]] || fail "exec ran the runtime: $output"
        [ "$(sha256sum "$bin")" = "$sum" ]
}

# CVE-2024-21626: runc leaked a directory fd of the host (its cgroup dir) into the container
# init, so process.cwd "/proc/self/fd/N" (or exec --cwd) started the process in a host
# directory, outside the rootfs.  Every N must either be refused or leave the process inside
# the rootfs.  (Leaving a host directory fd open without CLOEXEC across the chdir makes this
# print ESCAPED.)
@test "CVE-2024-21626: process.cwd /proc/self/fd/N never starts the process outside the rootfs" {
        local n
        set_cmd "$in_rootfs_check"
        for n in 3 4 5 6 7 8 9 10; do
                update_config '.process.cwd = $c' --arg c "/proc/self/fd/$n"
                run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
                [[ "$output" != *ESCAPED* ]] || fail "cwd /proc/self/fd/$n escaped the rootfs"
                [ "$status" -ne 0 ] || [ "$output" = INSIDE ] || fail "fd $n: $output"
                fc delete -f "$FC_ID" >/dev/null 2>&1 || true
        done
}

@test "CVE-2024-21626: exec --cwd /proc/self/fd/N never starts the process outside the rootfs" {
        local n
        set_cmd 'sleep 1000'
        run_detached
        for n in 3 4 5 6 7 8 9 10; do
                run --separate-stderr fc exec --cwd "/proc/self/fd/$n" "$FC_ID" sh -c "$in_rootfs_check"
                [[ "$output" != *ESCAPED* ]] || fail "exec --cwd /proc/self/fd/$n escaped the rootfs"
                [ "$status" -ne 0 ] || [ "$output" = INSIDE ] || fail "fd $n: $output"
        done
}

# CVE-2024-21626, the fds themselves: nothing of the runtime's (cgroup dirs, sockets, the state
# dir, the cache's parts) reaches the container's processes but stdio and --preserve-fds.
@test "CVE-2024-21626: only stdio and preserved fds reach the init and exec'd processes" {
        local list='for f in /proc/self/fd/*; do n=${f##*/}; [ -e "$f" ] || continue; echo "$n $(readlink "$f")"; done'
        set_cmd "$list"
        run --separate-stderr bash -c "exec 3<'$FC_BUNDLE/config.json'; $FC_RUNTIME --root $FC_ROOT run --preserve-fds 1 --bundle $FC_BUNDLE $FC_ID"
        [ "$status" -eq 0 ]
        # fd 3 is the preserved one; the shell's own glob may show one more for /proc/self/fd.
        local n target
        while read -r n target; do
                case $n in
                0 | 1 | 2) ;;
                3) [[ "$target" == */config.json ]] || fail "fd 3 is $target" ;;
                *) [[ "$target" == /proc/*/fd ]] || fail "init got fd $n -> $target" ;;
                esac
        done <<<"$output"
        fc delete -f "$FC_ID" >/dev/null 2>&1 || true
        set_cmd 'sleep 1000'
        run_detached
        run --separate-stderr fc exec "$FC_ID" sh -c "$list"
        [ "$status" -eq 0 ]
        while read -r n target; do
                case $n in
                0 | 1 | 2) ;;
                *) [[ "$target" == /proc/*/fd ]] || fail "exec'd process got fd $n -> $target" ;;
                esac
        done <<<"$output"
}

# renameat2(RENAME_EXCHANGE) loop: swap $1 (a directory) and $2 (a symlink) for $3 seconds.
swap_loop() {
        python3 - "$1" "$2" "$3" <<'EOF' &
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
a, b, end = sys.argv[1].encode(), sys.argv[2].encode(), time.time() + float(sys.argv[3])
AT_FDCWD, RENAME_EXCHANGE = -100, 2
while time.time() < end:
    libc.syscall(316, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
EOF
        SWAP_PID=$!
        FC_HOLDERS+=("$SWAP_PID")
}

# CVE-2021-30465: a mount target inside the rootfs was swapped for a symlink to a host path
# between the runtime's check and its mount(2), so the mount landed on the host.  Here
# /race/a flips between a directory and a symlink to a host directory while containers with
# mounts below it are created; the host directory must never be mounted on or written to.
# (Resolving the target by path at mount time, instead of through the fd opened in the rootfs,
# lets the tmpfs land on the host directory within a few runs.)
@test "CVE-2021-30465: a mount target swapped for a symlink during create stays inside the rootfs" {
        local host=$FC_TMP/hostdir i
        mkdir -p "$host" "$FC_BUNDLE/rootfs/race/a"
        echo precious >"$host/keep"
        ln -s "$host" "$FC_BUNDLE/rootfs/race/b"
        for i in 1 2 3 4 5 6 7 8; do
                update_config '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}]' \
                        --arg d "/race/a/m$i"
        done
        update_config '.mounts += [{"destination": "/race/a", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}]'
        set_cmd 'for d in /race/a /race/a/m1; do touch $d/pwned 2>/dev/null; done; true'
        swap_loop "$FC_BUNDLE/rootfs/race/a" "$FC_BUNDLE/rootfs/race/b" 15
        for ((i = 0; i < 25; i++)); do
                fc run --bundle "$FC_BUNDLE" "$FC_ID" >/dev/null 2>&1 || true
                fc delete -f "$FC_ID" >/dev/null 2>&1 || true
                refute grep -qF " $host" /proc/self/mountinfo || break
        done
        kill "$SWAP_PID" 2>/dev/null || true
        wait "$SWAP_PID" 2>/dev/null || true
        refute grep -F " $host" /proc/self/mountinfo
        [ "$(ls -A "$host")" = keep ]
        [ "$(cat "$host/keep")" = precious ]
}

# CVE-2019-16884 / CVE-2019-19921: the rootfs's /proc was a symlink (or a volume mounted over
# it), so procfs and with it the AppArmor label writes and masked paths went elsewhere.  A
# symlinked /proc must be refused, as must a bind of anything but procfs on /proc.
@test "CVE-2019-16884: a rootfs whose /proc is a symlink is refused" {
        mkdir "$FC_BUNDLE/rootfs/fakeproc"
        rmdir "$FC_BUNDLE/rootfs/proc"
        ln -s /fakeproc "$FC_BUNDLE/rootfs/proc"
        set_cmd 'cat /proc/self/attr/current; true'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"ordinary directory"* ]]
        [ -z "$(ls -A "$FC_BUNDLE/rootfs/fakeproc")" ]
}

@test "CVE-2019-19921: a bind of a non-procfs directory on /proc, directly or through a symlink, is refused" {
        mkdir -p "$FC_TMP/fakeproc/self/attr" "$FC_BUNDLE/rootfs/vol"
        update_config '.mounts += [{"destination": "/proc", "type": "bind", "source": $s, "options": ["rbind"]}]' \
                --arg s "$FC_TMP/fakeproc"
        set_cmd 'true'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"not of type proc"* ]]
        fc delete -f "$FC_ID" >/dev/null 2>&1 || true
        # The same target reached through a symlink in the image.
        update_config '.mounts |= map(select(.source != $s))' --arg s "$FC_TMP/fakeproc"
        rmdir "$FC_BUNDLE/rootfs/vol"
        ln -s /proc "$FC_BUNDLE/rootfs/vol"
        update_config '.mounts += [{"destination": "/vol/self/attr", "type": "bind", "source": $s, "options": ["rbind"]}]' \
                --arg s "$FC_TMP/fakeproc/self/attr"
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"inside /proc"* ]]
}

# CVE-2025-31133: with a /dev from the image, /dev/null was a symlink to a procfs file
# (/proc/sys/kernel/core_pattern), and masking "bind /dev/null over /proc/keys" bound that file
# instead: the masked path exposed a writable host knob.  Masking must use the null device
# itself or refuse.  (Binding the path "/dev/null" as before shows core_pattern in /proc/keys.)
@test "CVE-2025-31133: masked paths are not bound from a /dev/null that is a symlink" {
        local masked
        for masked in /proc/keys /proc/timer_list /proc/sched_debug; do
                [ -e "$masked" ] && break
        done
        [ -e "$masked" ] || skip "host has none of the usual masked /proc files"
        update_config '.mounts |= map(select(.destination != "/dev"))'
        rm -f "$FC_BUNDLE/rootfs/dev/null"
        ln -s /proc/sys/kernel/core_pattern "$FC_BUNDLE/rootfs/dev/null"
        local before
        before=$(cat /proc/sys/kernel/core_pattern)
        set_cmd "head -c 200 $masked; echo; grep ' $masked ' /proc/self/mountinfo"
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [[ "$output" != *"$before"* || -z "$before" ]] || fail "$masked shows core_pattern: $output"
        [[ "$output" != *core_pattern* ]] || fail "$masked is bound from core_pattern: $output"
        if [ "$status" -eq 0 ]; then
                # Still masked: empty.
                [ -z "$(printf '%s' "${lines[0]:-}" | tr -d '[:space:]')" ] || fail "$masked not masked: $output"
        else
                [[ "$stderr" == *"/dev/null"* ]]
        fi
        [ "$(cat /proc/sys/kernel/core_pattern)" = "$before" ]
}

# CVE-2025-52565: /dev/console was a symlink (or swapped for one) to a procfs file, so that
# binding the pty on it covered that file instead.  flashcube creates /dev/console without
# following a symlink and refuses one.  (Following it binds the pty on core_pattern.)
@test "CVE-2025-52565: a /dev/console that is a symlink is not followed by the console bind" {
        requires_flashcube
        update_config '.mounts |= map(select(.destination != "/dev"))'
        ln -sf /proc/sys/kernel/core_pattern "$FC_BUNDLE/rootfs/dev/console"
        update_config '.process.terminal = true'
        set_cmd 'sleep 1000'
        local sock=$FC_TMP/console.sock
        python3 "$BATS_TEST_DIRNAME/console-recv.py" "$sock" "$FC_TMP/tty.out" >/dev/null 2>&1 &
        FC_HOLDERS+=("$!")
        wait_for_file "$sock"
        track_id "$FC_ID"
        fc_detached run -d --console-socket "$sock" --bundle "$FC_BUNDLE" "$FC_ID"
        if [ "$status" -eq 0 ]; then
                run -0 fc exec "$FC_ID" cat /proc/1/mountinfo
                [[ "$output" != *core_pattern* ]] || fail "the pty was bound through the symlink: $output"
        else
                [[ "$output" == *"/dev/console"* ]] || fail "unexpected error: $output"
        fi
}

# CVE-2025-52881 class: the runtime's writes to procfs (LSM labels in /proc/self/attr, sysctls
# in /proc/sys) were redirected by mounting something else over those files.  Binds below /proc
# other than the allow-listed files are refused, also when the target is reached through a
# symlink, so no config mount can redirect a procfs write.
@test "CVE-2025-52881: binds over procfs files the runtime writes are refused" {
        echo fake >"$FC_TMP/fake"
        update_config '.mounts += [{"destination": "/proc/sys/kernel/domainname", "type": "bind", "source": $s, "options": ["bind"]}]
                       | .linux.sysctl = {"kernel.domainname": "fct"}' --arg s "$FC_TMP/fake"
        set_cmd 'true'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"inside /proc"* ]]
        [ "$(cat "$FC_TMP/fake")" = fake ]
        fc delete -f "$FC_ID" >/dev/null 2>&1 || true
        update_config '.mounts |= map(select(.source != $s)) | del(.linux.sysctl)' --arg s "$FC_TMP/fake"
        ln -s /proc/self/attr "$FC_BUNDLE/rootfs/attr"
        update_config '.mounts += [{"destination": "/attr/exec", "type": "bind", "source": $s, "options": ["bind"]}]' \
                --arg s "$FC_TMP/fake"
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        [ "$(cat "$FC_TMP/fake")" = fake ]
}

# Exec into a container whose init died and whose pid now belongs to another process: the
# runtime must notice (start time, pidfd) and refuse, not join the foreign process's
# namespaces.  The pid is recycled on purpose through /proc/sys/kernel/ns_last_pid.
@test "exec into a container whose init pid was reused is refused" {
        set_cmd 'sleep 1000'
        run_detached
        local pid i got=
        pid=$(container_pid)
        kill -KILL "$pid"
        # Recyclable only once reaped (by whoever inherited the orphaned init).
        for ((i = 0; i < 500; i++)); do
                [ -e "/proc/$pid" ] || break
                sleep 0.01
        done
        [ ! -e "/proc/$pid" ] || skip "pid $pid was not reaped in time"
        for ((i = 0; i < 50; i++)); do
                echo $((pid - 1)) >/proc/sys/kernel/ns_last_pid
                unshare --mount sleep 1000 </dev/null >/dev/null 2>&1 &
                if [ "$!" = "$pid" ]; then
                        got=$!
                        break
                fi
                kill "$!" 2>/dev/null
                wait "$!" 2>/dev/null || true
        done
        [ -n "$got" ] || skip "could not recycle pid $pid"
        FC_HOLDERS+=("$got")
        run --separate-stderr fc exec "$FC_ID" sh -c 'echo ENTERED'
        [ "$status" -ne 0 ]
        [[ "$output" != *ENTERED* ]]
        [ "$(container_status)" = stopped ]
        kill -0 "$got"
}

# Capabilities and no_new_privs leaking through exec: the runtime runs as root with every
# capability and without no_new_privs; an exec'd process must get the container's sets (and
# its noNewPrivileges), exactly as the init has them.
@test "exec: the process has the container's capabilities and no_new_privs, not the runtime's" {
        update_config '.process.noNewPrivileges = true'
        set_cmd 'sleep 1000'
        run_detached
        local fields='^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):'
        local init_status exec_status
        init_status=$(grep -E "$fields" "/proc/$(container_pid)/status")
        run --separate-stderr fc exec "$FC_ID" grep -E "$fields" /proc/self/status
        [ "$status" -eq 0 ]
        exec_status=$output
        echo "init: $init_status"
        echo "exec: $exec_status"
        [ "$exec_status" = "$init_status" ]
        [[ "$exec_status" == *"NoNewPrivs:"*1* ]]
        # The runtime's own full set must not show.
        local full
        full=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
        [[ "$exec_status" != *"CapEff:	$full"* ]]
        [[ "$exec_status" != *"CapBnd:	$full"* ]]
}
