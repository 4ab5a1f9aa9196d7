#!/usr/bin/env bats
# The container's filesystem: root, mounts, /dev, masked and read-only paths, propagation.

load helpers

setup() {
        setup_common
        setup_bundle
}

# add_mount JSON-OBJECT [jq args]: append a mount to config.json.
add_mount() {
        local m=$1
        shift
        update_config ".mounts += [$m]" "$@"
}

run_cmd() {
        set_cmd "$1"
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
}

@test "rootfs: the container sees the bundle's rootfs" {
        run_cmd 'cat /etc/fc-rootfs; ls /bin/busybox'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = flashcube-test-rootfs ]
}

@test "rootfs: mounts after a bind over / itself (directly or through a symlink) land on top of it" {
        # A config mount whose destination resolves to "/" covers the rootfs: every later mount
        # and device node must go on the new top, where the container sees it.
        local dest
        for dest in / /link; do
                setup_bundle "$FC_TMP/b${dest//\//_}"
                ln -s / "$FC_BUNDLE/rootfs/link"
                mkdir "$FC_BUNDLE/rootfs/after"
                add_mount '{"destination": $d, "type": "bind", "source": $s, "options": ["rbind"]}' \
                        --arg d "$dest" --arg s "$FC_BUNDLE/rootfs"
                add_mount '{"destination": "/after", "type": "tmpfs", "source": "tmpfs", "options": ["size=4k"]}'
                run_cmd 'grep -c " /after " /proc/self/mountinfo; ls -l /dev/null'
                [ "$status" -eq 0 ] || fail "$dest: $stderr"
                [ "${lines[0]}" = 1 ] || fail "$dest: /after is not mounted where the container sees it: $output"
                [[ "${lines[1]}" == c* ]] || fail "$dest: no /dev/null device: ${lines[1]}"
        done
}

@test "rootfs: root.readonly makes / read-only" {
        update_config '.root.readonly = true'
        run_cmd 'touch /x'
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"Read-only file system"* ]]
        [ ! -e "$FC_BUNDLE/rootfs/x" ]
        # Mounts on top stay writable.
        run_cmd 'touch /dev/shm/x && echo ok'
        [ "$output" = ok ]
}

@test "rootfs: root.readonly false makes / writable" {
        update_config '.root.readonly = false'
        run_cmd 'touch /x && echo ok'
        [ "$status" -eq 0 ]
        [ -e "$FC_BUNDLE/rootfs/x" ]
}

@test "rootfs: relative root.path is relative to the bundle, not the cwd" {
        mv "$FC_BUNDLE/rootfs" "$FC_BUNDLE/other-root"
        echo other >"$FC_BUNDLE/other-root/etc/fc-rootfs"
        update_config '.root.path = "other-root"'
        cd /
        run_cmd 'cat /etc/fc-rootfs'
        [ "$status" -eq 0 ]
        [ "$output" = other ]
}

@test "rootfs: absolute root.path" {
        mv "$FC_BUNDLE/rootfs" "$FC_TMP/abs-root"
        echo absolute >"$FC_TMP/abs-root/etc/fc-rootfs"
        update_config '.root.path = $p' --arg p "$FC_TMP/abs-root"
        run_cmd 'cat /etc/fc-rootfs'
        [ "$status" -eq 0 ]
        [ "$output" = absolute ]
}

@test "rootfs: --no-pivot runs in the rootfs" {
        set_cmd 'cat /etc/fc-rootfs; ls /'
        run --separate-stderr fc run --no-pivot --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = flashcube-test-rootfs ]
        # The host's root is not reachable by name.
        run_cmd 'ls /work /home/fc/.. >/dev/null 2>&1; test -e /work && echo leaked || echo ok'
        [ "$output" = ok ]
}

@test "rootfs: rbind mount of a directory" {
        mkdir -p "$FC_TMP/src/sub"
        echo hello >"$FC_TMP/src/sub/file"
        add_mount '{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind", "rw"]}' \
                --arg s "$FC_TMP/src"
        run_cmd 'cat /data/sub/file; echo written > /data/new'
        [ "$status" -eq 0 ]
        [ "$output" = hello ]
        [ "$(cat "$FC_TMP/src/new")" = written ]
}

@test "rootfs: type bind without a bind or rbind option is not a bind mount, as with runc" {
        # The spec: the type of a bind mount is a dummy, bind/rbind in options make it one.
        local s=$FC_TMP/typebind
        mkdir -p "$s"
        add_mount '{"destination": "/tb", "type": "bind", "source": $s}' --arg s "$s"
        set_cmd true
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -ne 0 ]
        runtime_is_runc || assert_one_line_error
}

@test "rootfs: rbind brings submounts, bind does not" {
        mkdir -p "$FC_TMP/src/sub"
        mount -t tmpfs fct-sub "$FC_TMP/src/sub"
        on_teardown "umount -l '$FC_TMP/src/sub'"
        echo in-submount >"$FC_TMP/src/sub/file"
        add_mount '{"destination": "/r", "type": "bind", "source": $s, "options": ["rbind"]}' \
                --arg s "$FC_TMP/src"
        add_mount '{"destination": "/b", "type": "bind", "source": $s, "options": ["bind"]}' \
                --arg s "$FC_TMP/src"
        run_cmd 'cat /r/sub/file; cat /b/sub/file || echo absent'
        [ "${lines[0]}" = in-submount ]
        [ "${lines[1]}" = absent ]
}

@test "rootfs: read-only bind mount" {
        mkdir "$FC_TMP/src"
        echo hello >"$FC_TMP/src/file"
        add_mount '{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind", "ro"]}' \
                --arg s "$FC_TMP/src"
        run_cmd 'cat /data/file; echo x > /data/file'
        [ "$status" -ne 0 ]
        [ "${lines[0]}" = hello ]
        [[ "$stderr" == *"Read-only file system"* ]]
        [ "$(cat "$FC_TMP/src/file")" = hello ]
}

@test "rootfs: bind mount of a single file" {
        echo "file-content" >"$FC_TMP/hostfile"
        add_mount '{"destination": "/etc/bound-file", "type": "bind", "source": $s, "options": ["bind", "ro"]}' \
                --arg s "$FC_TMP/hostfile"
        run_cmd 'cat /etc/bound-file; test -f /etc/bound-file && echo regular'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = file-content ]
        [ "${lines[1]}" = regular ]
}

@test "rootfs: tmpfs with size and mode" {
        add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
                    "options": ["size=2m", "mode=1770", "nodev", "nosuid"]}'
        run_cmd 'stat -c %a /scratch; grep " /scratch " /proc/mounts; dd if=/dev/zero of=/scratch/big bs=1k count=4096 2>&1'
        [ "${lines[0]}" = 1770 ]
        [[ "${lines[1]}" == "tmpfs /scratch tmpfs "* ]]
        [[ "${lines[1]}" == *size=2048k* ]]
        [[ "${lines[1]}" == *nosuid*nodev* ]]
        # 4 MiB does not fit in 2 MiB.
        [[ "$output" == *"No space left on device"* ]]
}

@test "rootfs: a tmpfs on an existing directory starts with its mode; mode= still wins" {
        # As runc 1.1.8 and later (runc #3911): the covered directory's mode goes before the
        # mount's own options.  runc up to 1.1.7 chmods over mode= instead.
        if runtime_is_runc && "$FC_RUNTIME" --version | grep -qE '^runc version 1\.(0|1\.[0-7])([^0-9]|$)'; then
                skip "runc before 1.1.8 gives such a tmpfs the directory's mode over mode="
        fi
        mkdir -p "$FC_BUNDLE/rootfs/fct-old" "$FC_BUNDLE/rootfs/fct-given"
        chmod 0750 "$FC_BUNDLE/rootfs/fct-old"
        chmod 0750 "$FC_BUNDLE/rootfs/fct-given"
        add_mount '{"destination": "/fct-old", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
        add_mount '{"destination": "/fct-given", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777"]}'
        add_mount '{"destination": "/fct-new", "type": "tmpfs", "source": "tmpfs", "options": ["mode=710"]}'
        add_mount '{"destination": "/fct-new-default", "type": "tmpfs", "source": "tmpfs"}'
        run_cmd 'stat -c "%a %n" /fct-old /fct-given /fct-new /fct-new-default'
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf '%s\n' '750 /fct-old' '1777 /fct-given' '710 /fct-new' '1777 /fct-new-default')" ] ||
                fail "$output"
}

@test "rootfs: a read-only tmpfs is a read-only mount made late: mounts and the cwd below it work" {
        # As runc's: the tmpfs is mounted writable and its mount (not the filesystem) made
        # read-only after the mounts below it and the cwd are in place.
        add_mount '{"destination": "/fct-ro", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "size=1m"]}'
        add_mount '{"destination": "/fct-ro/sub", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
        update_config '.process.cwd = "/fct-ro/work"'
        run_cmd 'pwd; awk '\''$5 == "/fct-ro" { o = $6; sub(/.* - /, ""); print o " - " $0 }'\'' /proc/self/mountinfo; touch /fct-ro/sub/x && echo sub-ok;
                 mkdir /fct-ro/y 2>&1 || echo refused'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = /fct-ro/work ]
        [[ "${lines[1]}" == "ro,"*" - tmpfs tmpfs rw,"* ]] || fail "$output"
        [ "${lines[2]}" = sub-ok ]
        [[ "$output" == *"Read-only file system"*refused* ]] || fail "$output"
}

@test "rootfs: a read-only tmpfs below a masked directory does not stop the start" {
        # runc makes tmpfs mounts read-only before it applies the masks: the mask hides it.
        update_config '.linux.maskedPaths += ["/fct-hidden"]'
        add_mount '{"destination": "/fct-hidden/sub", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "size=1m"]}'
        run_cmd 'ls -A /fct-hidden | wc -l'
        [ "$status" -eq 0 ] || fail "$stderr"
        [ "$output" = 0 ]
}

@test "rootfs: a missing cwd is created on a read-only root, as runc's" {
        update_config '.root.readonly = true | .process.cwd = "/fct-cwd/a/b"'
        run_cmd 'pwd; touch x 2>&1 || echo refused'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = /fct-cwd/a/b ]
        [[ "$output" == *"Read-only file system"*refused* ]] || fail "$output"
        [ -d "$FC_BUNDLE/rootfs/fct-cwd/a/b" ]
}

@test "rootfs: a relative mount destination is taken from the rootfs, with runc's warning" {
        add_mount '{"destination": "fct-rel/dir", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
        run_cmd 'grep -c " /fct-rel/dir " /proc/self/mountinfo'
        [ "$status" -eq 0 ]
        [ "$output" = 1 ]
        [[ "$stderr" == *"mount destination fct-rel/dir is not absolute"* ]] || fail "$stderr"
}

@test "rootfs: a mount target that is a symlink out of the rootfs stays inside" {
        mkdir "$FC_TMP/hostdir"
        echo precious >"$FC_TMP/hostdir/keep"
        # The image's /evil points at a host path; the runtime must resolve it inside the rootfs.
        ln -s "$FC_TMP/hostdir" "$FC_BUNDLE/rootfs/evil"
        ln -s ../../../../../../../../.. "$FC_BUNDLE/rootfs/up"
        add_mount '{"destination": "/evil", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
        add_mount '{"destination": "/up/fct-escape", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
        update_config '.root.readonly = false'
        run_cmd 'echo pwned > /evil/pwned; ls /evil; echo pwned > /up/fct-escape/pwned'
        [ "$(ls "$FC_TMP/hostdir")" = keep ]
        [ "$(cat "$FC_TMP/hostdir/keep")" = precious ]
        [ ! -e /fct-escape ]
        refute grep -qF "$FC_TMP/hostdir" /proc/self/mountinfo
}

@test "rootfs: /dev has the standard devices, links and mounts" {
        run_cmd 'for d in null zero full random urandom tty; do
                         stat -c "%n %F %t:%T %a" /dev/$d; done
                 for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done
                 for m in /dev/pts /dev/shm /dev/mqueue; do
                         awk -v m=$m "\$2 == m { print m, \$3 }" /proc/mounts; done
                 echo x > /dev/null && head -c 3 /dev/zero | od -An -tx1 && echo x > /dev/full'
        local expect=(
                "/dev/null character special file 1:3 666"
                "/dev/zero character special file 1:5 666"
                "/dev/full character special file 1:7 666"
                "/dev/random character special file 1:8 666"
                "/dev/urandom character special file 1:9 666"
                "/dev/tty character special file 5:0 666"
                "fd -> /proc/self/fd"
                "stdin -> /proc/self/fd/0"
                "stdout -> /proc/self/fd/1"
                "stderr -> /proc/self/fd/2"
                "ptmx -> pts/ptmx"
                "/dev/pts devpts"
                "/dev/shm tmpfs"
                "/dev/mqueue mqueue"
                " 00 00 00"
        )
        local i
        for i in "${!expect[@]}"; do
                [ "${lines[i]}" = "${expect[i]}" ] || fail "line $i: '${lines[i]}' != '${expect[i]}'"
        done
        [[ "$stderr" == *"No space left on device"* ]]
}

@test "rootfs: /dev holds no host devices" {
        run_cmd 'ls /dev'
        [ "$status" -eq 0 ]
        refute grep -qxE 'sda|vda|kmsg|mem|kvm|loop0' <<<"$output"
}

@test "rootfs: linux.devices creates nodes with type, numbers, mode, uid and gid" {
        update_config '.linux.devices = [
                {"path": "/dev/fct-char", "type": "c", "major": 1, "minor": 3,
                 "fileMode": 416, "uid": 1000, "gid": 100},
                {"path": "/dev/sub/fct-block", "type": "b", "major": 7, "minor": 200,
                 "fileMode": 384, "uid": 0, "gid": 0},
                {"path": "/dev/fct-fifo", "type": "p", "fileMode": 420}]'
        run_cmd 'stat -c "%n %F %t:%T %a %u %g" /dev/fct-char /dev/sub/fct-block /dev/fct-fifo'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "/dev/fct-char character special file 1:3 640 1000 100" ]
        # stat prints major and minor in hex: 7:200 is 7:c8.
        [ "${lines[1]}" = "/dev/sub/fct-block block special file 7:c8 600 0 0" ]
        [ "${lines[2]}" = "/dev/fct-fifo fifo 0:0 644 0 0" ]
}

@test "rootfs: a linux.devices entry at a default device's path replaces that device" {
        update_config '.linux.devices = [{"path": "/dev/zero", "type": "c", "major": 1, "minor": 5,
                                          "fileMode": 384, "uid": 1000, "gid": 100}]'
        run_cmd 'stat -c "%n %t:%T %a %u %g" /dev/zero /dev/null'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "/dev/zero 1:5 600 1000 100" ] || fail "$output"
        [ "${lines[1]}" = "/dev/null 1:3 666 0 0" ] || fail "$output"
}

@test "rootfs: maskedPaths hide files and directories" {
        echo secret >"$FC_BUNDLE/rootfs/etc/fct-secret"
        mkdir "$FC_BUNDLE/rootfs/fct-secret-dir"
        echo secret >"$FC_BUNDLE/rootfs/fct-secret-dir/f"
        update_config '.linux.maskedPaths += ["/etc/fct-secret", "/fct-secret-dir", "/proc/timer_list", "/no/such/path"]'
        run_cmd 'wc -c < /etc/fct-secret; ls /fct-secret-dir | wc -l; wc -c < /proc/timer_list; echo x > /fct-secret-dir/y'
        [ "${lines[0]}" = 0 ]
        [ "${lines[1]}" = 0 ]
        [ "${lines[2]}" = 0 ]
        [ "$status" -ne 0 ]
        [ "$(cat "$FC_BUNDLE/rootfs/etc/fct-secret")" = secret ]
}

@test "rootfs: /proc/kcore is masked when the host has one" {
        requires_path "/proc/kcore (kernel built without CONFIG_PROC_KCORE)" /proc/kcore
        run_cmd 'head -c 16 /proc/kcore | wc -c'
        [ "$output" = 0 ] || [ "$status" -ne 0 ]
}

@test "rootfs: readonlyPaths are read-only" {
        update_config '.root.readonly = false | .linux.readonlyPaths += ["/etc"]'
        run_cmd 'echo 1 > /proc/sys/net/ipv4/ip_forward; touch /etc/x'
        [ "$status" -ne 0 ]
        [ "$(grep -c "Read-only file system" <<<"$stderr")" -eq 2 ]
        [ ! -e "$FC_BUNDLE/rootfs/etc/x" ]
}

@test "rootfs: /proc/sys is writable without readonlyPaths (namespaced sysctl)" {
        update_config '.linux.readonlyPaths = [] | .process.capabilities |= map_values(. + ["CAP_NET_ADMIN"])'
        run_cmd 'echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward'
        [ "$status" -eq 0 ]
        [ "$output" = 1 ]
}

# propagation_sees_host_mount: whether a mount made on the host under the (shared) rootfs after
# the container started shows up inside.
propagation_sees_host_mount() {
        mkdir -p "$FC_BUNDLE/rootfs/mnt/p"
        mount --bind "$FC_BUNDLE/rootfs" "$FC_BUNDLE/rootfs"
        on_teardown "umount -l '$FC_BUNDLE/rootfs'"
        mount --make-shared "$FC_BUNDLE/rootfs"
        set_cmd 'while [ ! -e /tmp/go ]; do sleep 0.05; done
                 for i in $(seq 40); do grep -q " /mnt/p " /proc/self/mountinfo && { echo seen; exit 0; }
                 sleep 0.05; done; echo notseen'
        update_config '.root.readonly = false'
        run_detached
        mount -t tmpfs fct-prop "$FC_BUNDLE/rootfs/mnt/p"
        on_teardown "umount -l '$FC_BUNDLE/rootfs/mnt/p'"
        touch "$FC_BUNDLE/rootfs/tmp/go"
        wait_for_status stopped
        umount "$FC_BUNDLE/rootfs/mnt/p"
        cat "$FC_OUT"
}

@test "rootfs: rootfsPropagation rslave receives the host's mounts" {
        update_config '.linux.rootfsPropagation = "rslave"'
        [ "$(propagation_sees_host_mount)" = seen ]
}

@test "rootfs: rootfsPropagation private does not receive the host's mounts" {
        update_config '.linux.rootfsPropagation = "private"'
        [ "$(propagation_sees_host_mount)" = notseen ]
}

@test "rootfs: default propagation is rslave like runc's" {
        update_config 'del(.linux.rootfsPropagation)'
        [ "$(propagation_sees_host_mount)" = seen ]
}

@test "rootfs: a mount's own shared propagation survives the pivot" {
        # The old root is made a slave before it is detached; the container's mounts keep the
        # propagation their options asked for (runc's mountinfo: shared:N on both).
        mkdir -p "$FC_TMP/shsrc"
        add_mount '{"destination": "/mnt/fct-sh", "type": "bind", "source": $s, "options": ["rbind", "rshared"]}' \
                --arg s "$FC_TMP/shsrc"
        add_mount '{"destination": "/mnt/fct-tsh", "type": "tmpfs", "source": "tmpfs", "options": ["shared"]}'
        add_mount '{"destination": "/mnt/fct-tpr", "type": "tmpfs", "source": "tmpfs", "options": ["private"]}'
        run_cmd 'for m in /mnt/fct-sh /mnt/fct-tsh /mnt/fct-tpr; do
                         awk -v m="$m" '\''$5 == m { s = "none"; for (i = 7; $i != "-"; i++) if ($i ~ /^shared:/) s = "shared"; print m, s }'\'' /proc/self/mountinfo
                 done'
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf '%s\n' '/mnt/fct-sh shared' '/mnt/fct-tsh shared' '/mnt/fct-tpr none')" ] || fail "$output"
}

@test "rootfs: container mounts do not appear on the host" {
        add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "fct-tmpfs-marker"}'
        set_args sleep 100
        run_detached
        refute grep -q fct-tmpfs-marker /proc/self/mountinfo
        refute grep -qF "$FC_BUNDLE/rootfs/" /proc/self/mountinfo
}
