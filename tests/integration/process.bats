#!/usr/bin/env bats
# The container's process: identity, environment, limits, privileges, file descriptors.

load helpers

setup() {
        setup_common
        setup_bundle
}

run_cmd() {
        set_cmd "$1"
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID"
}

@test "process: hostname" {
        update_config '.hostname = "fct-host.example"'
        run_cmd 'hostname; cat /proc/sys/kernel/hostname'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = fct-host.example ]
        [ "${lines[1]}" = fct-host.example ]
        [ "$(hostname)" != fct-host.example ]
}

@test "process: a runtime started with stdin and stdout closed gives the container open ones" {
        bats_require_minimum_version 1.5.0
        if runtime_is_runc && "$FC_RUNTIME" --version | grep -q '^runc version 1\.1\.'; then
                skip "runc 1.1 (Go 1.19) gives a closed stdin as a pipe that never ends: cat waits"
        fi
        # Reads at EOF, writes that go nowhere: not EBADF.
        set_cmd 'cat; echo "read=$?" >&2; echo out; echo "write=$?" >&2'
        # (closed by sh right before the exec: bats' `run` puts a pipe on closed fds)
        run --separate-stderr timeout --kill-after=5 "$FC_TIMEOUT" sh -c 'exec "$@" <&- >&-' sh \
                "$FC_RUNTIME" --root "$FC_ROOT" run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "$status" -eq 0 ] || fail "status $status: $stderr"
        echo "$stderr" | grep -qx 'read=0' || fail "$stderr"
        echo "$stderr" | grep -qx 'write=0' || fail "$stderr"
}

@test "process: domainname" {
        unsupported_by_runc_1_1 domainname
        update_config '.domainname = "fct.example"'
        run_cmd 'cat /proc/sys/kernel/domainname'
        [ "$status" -eq 0 ]
        [ "$output" = fct.example ]
}

@test "process: the container gets the runtime's CPU affinity, whatever CPU its init set up on" {
        # The runtime may move itself off the CPU its init waits on
        # (lib/spawn.c: fc_spawn_step_aside); the init keeps the runtime's
        # affinity, and so does the process.
        local all pid
        all=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
        set_args sh -c 'grep Cpus_allowed_list /proc/self/status; sleep 100'
        create_container
        pid=$(container_pid)
        [ "$(awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$pid/status")" = "$all" ]
        fc delete -f "$FC_ID"
        set_cmd 'grep Cpus_allowed_list /proc/self/status'
        run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID"
        [[ "$output" =~ Cpus_allowed_list:[[:space:]]+$all$ ]] || fail "$output (runtime: $all)"
        # A runtime held to one CPU: the container too, never moved off it.
        if [ "$(nproc)" -lt 2 ]; then
                skip "needs two CPUs for the second half"
        fi
        run -0 taskset -c 1 "$FC_RUNTIME" --root "$FC_ROOT" run --bundle "$FC_BUNDLE" "$FC_ID"
        [[ "$output" =~ Cpus_allowed_list:[[:space:]]+1$ ]] || fail "$output"
}

@test "process: a runtime held to fewer CPUs by its own cpuset does not hold the container to them (v1)" {
        # The kernel gives a task that enters a v1 cpuset that cpuset's CPUs, unless the task's
        # affinity was ever set explicitly (then it stays within that "user mask"): the runtime
        # must never set its init's affinity, or the container would stay on the runtime's CPUs.
        local cs=/sys/fs/cgroup/cpuset all
        [ -f "$cs/cpuset.cpus" ] || skip "no cgroup v1 cpuset hierarchy (pure cgroup v2)"
        [ "$(nproc --all)" -ge 2 ] || skip "needs two CPUs"
        all=$(cat "$cs/cpuset.cpus")
        local held=$cs/$FC_PREFIX-held
        mkdir "$held"
        FC_CLEANUP_CMDS+=("rmdir '$held'")
        echo 0 >"$held/cpuset.cpus"
        cat "$cs/cpuset.mems" >"$held/cpuset.mems"
        update_config '.linux.cgroupsPath = "/'"$FC_PREFIX"'-wide"'
        set_cmd 'grep Cpus_allowed_list /proc/self/status'
        track_id "$FC_ID"
        run -0 sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" --root "$3" run --bundle "$4" "$5"' \
                sh "$held" "$FC_RUNTIME" "$FC_ROOT" "$FC_BUNDLE" "$FC_ID"
        [[ "$output" =~ Cpus_allowed_list:[[:space:]]+$all$ ]] || fail "$output (cpuset: $all)"
}

# stat_ids: "pid pgrp session" from a /proc/PID/stat line on stdin (fields 1, 5, 6; the
# command contains no spaces here).
stat_ids() {
        awk '{ print $1, $5, $6 }'
}

@test "process: the container's process, and an exec'd one, lead a session and process group of their own" {
        # As runc: without a terminal too (a terminal's setup makes one anyway).
        run_cmd 'cat /proc/self/stat'
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | stat_ids)" = "1 1 1" ] || fail "run: $(echo "$output" | stat_ids)"
        set_cmd 'sleep 100'
        run_detached
        local pid
        pid=$(container_pid)
        [ "$(stat_ids </proc/"$pid"/stat)" = "$pid $pid $pid" ] ||
                fail "run -d: $(stat_ids </proc/"$pid"/stat), the caller's session $(stat_ids </proc/$$/stat)"
        run -0 fc exec "$FC_ID" sh -c 'cat /proc/self/stat'
        set -- $(echo "$output" | stat_ids)
        [ "$1" = "$2" ] && [ "$1" = "$3" ] || fail "exec: $*"
}

@test "process: env is exactly the configured environment" {
        update_config '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY=", "HOME=/root"]'
        run_cmd 'env | sort'
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf '%s\n' EMPTY= 'FOO=bar baz' HOME=/root PATH=/bin PWD=/ SHLVL=1 | sort)" ] ||
                [ "$output" = "$(printf '%s\n' EMPTY= 'FOO=bar baz' HOME=/root PATH=/bin PWD=/ | sort)" ]
}

@test "process: an execve that fails after start exits 1 with the reason, as runc's" {
        # 3 MB of environment passes every check and fails only in execve itself (E2BIG),
        # after the runtime reported the container started: the status is the container's.
        update_config '.process.env += [range(3000) | "W\(.)=\("y" * 1000)"]'
        run_cmd true
        [ "$status" -eq 1 ]
        [[ "$stderr" == *"exec /bin/"*"rgument list too long"* ]] || fail "$stderr"
}

@test "process: an env entry without a name or without = is refused, with runc's text" {
        update_config '.process.env += ["NOEQUALS"]'
        run_cmd true
        [ "$status" -eq 1 ]
        [[ "$stderr" == *'invalid environment variable: '*NOEQUALS* ]] || fail "$stderr"
        update_config '.process.env[-1] = "=value"'
        run_cmd true
        [ "$status" -eq 1 ]
        [[ "$stderr" == *"environment variable name can't be empty"* ]] || fail "$stderr"
}

@test "process: cwd" {
        update_config '.process.cwd = "/home/fc"'
        run_cmd 'pwd'
        [ "$output" = /home/fc ]
}

@test "process: a missing cwd is created" {
        update_config '.root.readonly = false | .process.cwd = "/fct/new/dir"'
        run_cmd 'pwd'
        [ "$status" -eq 0 ]
        [ "$output" = /fct/new/dir ]
}

@test "process: user uid, gid and additionalGids" {
        update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [100, 5]}'
        run_cmd 'id; grep -E "^(Uid|Gid|Groups):" /proc/self/status'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "uid=1000(fc) gid=1000(fc) groups=5(tty),100(users)" ]
        [[ "${lines[1]}" =~ ^Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$ ]]
        [[ "${lines[2]}" =~ ^Gid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$ ]]
        [[ "${lines[3]}" =~ ^Groups:[[:space:]]+5[[:space:]]100[[:space:]]*$ ]]
}

@test "process: root drops the host's supplementary groups" {
        update_config '.process.user = {"uid": 0, "gid": 0}'
        run_cmd 'grep ^Groups: /proc/self/status'
        [[ "$output" =~ ^Groups:[[:space:]]*$ ]]
}

@test "process: HOME comes from /etc/passwd when unset" {
        update_config '.process.env = ["PATH=/bin"] | .process.user = {"uid": 1000, "gid": 1000}'
        run_cmd 'echo "$HOME"'
        [ "$output" = /home/fc ]
        update_config '.process.user = {"uid": 0, "gid": 0}'
        run_cmd 'echo "$HOME"'
        [ "$output" = /root ]
}

@test "process: HOME from the config wins" {
        update_config '.process.env = ["PATH=/bin", "HOME=/elsewhere"] | .process.user = {"uid": 1000, "gid": 1000}'
        run_cmd 'echo "$HOME"'
        [ "$output" = /elsewhere ]
}

@test "process: HOME is / for a uid not in /etc/passwd" {
        update_config '.process.env = ["PATH=/bin"] | .process.user = {"uid": 4242, "gid": 4242}'
        run_cmd 'echo "$HOME"; id -u'
        [ "${lines[0]}" = / ]
        [ "${lines[1]}" = 4242 ]
}

@test "process: umask" {
        update_config '.process.user.umask = 63'
        run_cmd 'umask'
        [ "$output" = 0077 ]
        update_config '.process.user.umask = 2'
        run_cmd 'umask'
        [ "$output" = 0002 ]
}

@test "process: rlimits lower RLIMIT_NOFILE soft and hard" {
        update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
                                          {"type": "RLIMIT_NPROC", "soft": 4000, "hard": 5000}]'
        run_cmd 'ulimit -n; ulimit -Hn; ulimit -u; ulimit -Hu'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = 100 ]
        [ "${lines[1]}" = 200 ]
        [ "${lines[2]}" = 4000 ]
        [ "${lines[3]}" = 5000 ]
}

@test "process: rlimits raise a hard limit above the runtime's" {
        requires_cap CAP_SYS_RESOURCE 24
        local hard
        hard=$(ulimit -Hn)
        update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": $h}]' \
                --argjson h $((hard + 1000))
        run_cmd 'ulimit -Hn'
        [ "$output" = $((hard + 1000)) ]
}

@test "process: raising a hard rlimit without CAP_SYS_RESOURCE fails cleanly" {
        local eff
        eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
        if (((16#$eff >> 24) & 1)); then
                skip "root has CAP_SYS_RESOURCE here, so raising the hard limit succeeds"
        fi
        update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": $h}]' \
                --argjson h $(($(ulimit -Hn) + 1000))
        run_cmd 'true'
        [ "$status" -ne 0 ]
        assert_state_root_empty
}

@test "process: oomScoreAdj (positive)" {
        update_config '.process.oomScoreAdj = 500'
        run_cmd 'cat /proc/self/oom_score_adj'
        [ "$output" = 500 ]
}

@test "process: oomScoreAdj (negative)" {
        requires_cap CAP_SYS_RESOURCE 24
        update_config '.process.oomScoreAdj = -500'
        run_cmd 'cat /proc/self/oom_score_adj'
        [ "$output" = -500 ]
}

@test "process: capabilities sets" {
        # CAP_CHOWN (0) and CAP_KILL (5) -> 0x21; CAP_NET_RAW (13) bounding only.
        update_config '.process.capabilities = {
                "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
                "effective": ["CAP_CHOWN", "CAP_KILL"],
                "permitted": ["CAP_CHOWN", "CAP_KILL"],
                "inheritable": ["CAP_KILL"],
                "ambient": ["CAP_KILL"]}'
        run_cmd 'grep ^Cap /proc/self/status'
        [ "${lines[0]}" = "CapInh:	0000000000000020" ]
        [ "${lines[1]}" = "CapPrm:	0000000000000021" ]
        [ "${lines[2]}" = "CapEff:	0000000000000021" ]
        [ "${lines[3]}" = "CapBnd:	0000000000002021" ]
        [ "${lines[4]}" = "CapAmb:	0000000000000020" ]
}

@test "process: capabilities are enforced" {
        update_config '.root.readonly = false | .process.capabilities = {
                "bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}'
        run_cmd 'chown 1000 /tmp'
        [ "$status" -ne 0 ]
        [[ "$stderr" == *"Operation not permitted"* ]]
}

@test "process: the default spec's capabilities" {
        run_cmd 'grep ^Cap /proc/self/status'
        # CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29) from `spec`.
        [ "${lines[2]}" = "CapEff:	0000000020000420" ]
        [ "${lines[3]}" = "CapBnd:	0000000020000420" ]
}

@test "process: noNewPrivileges" {
        update_config '.process.noNewPrivileges = true'
        run_cmd 'grep ^NoNewPrivs: /proc/self/status'
        [ "$output" = "NoNewPrivs:	1" ]
        update_config '.process.noNewPrivileges = false'
        run_cmd 'grep ^NoNewPrivs: /proc/self/status'
        [ "$output" = "NoNewPrivs:	0" ]
}

@test "process: namespaced sysctl with a network namespace" {
        update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "net.ipv4.ping_group_range": "0 1000"}'
        run_cmd 'cat /proc/sys/net/ipv4/ip_forward; cat /proc/sys/net/ipv4/ping_group_range'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = 1 ]
        [[ "${lines[1]}" =~ ^0[[:space:]]+1000$ ]]
        # The host is untouched.
        [ "$(cat /proc/sys/net/ipv4/ping_group_range)" != "${lines[1]}" ] ||
                [[ "$(cat /proc/sys/net/ipv4/ping_group_range)" =~ ^0[[:space:]]+1000$ ]]
}

@test "process: ipc and uts sysctls" {
        update_config '.linux.sysctl = {"kernel.msgmax": "4242", "kernel.domainname": "fct-sysctl"}'
        run_cmd 'cat /proc/sys/kernel/msgmax /proc/sys/kernel/domainname'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = 4242 ]
        [ "${lines[1]}" = fct-sysctl ]
}

@test "process: a non-namespaced sysctl is refused" {
        local before
        before=$(cat /proc/sys/vm/swappiness)
        update_config '.linux.sysctl = {"vm.swappiness": "17"}'
        run_cmd 'true'
        [ "$status" -ne 0 ]
        [ "$(cat /proc/sys/vm/swappiness)" = "$before" ]
        assert_state_root_empty
}

@test "process: a net sysctl without a network namespace is refused" {
        update_config '.linux.namespaces |= map(select(.type != "network"))
                       | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
        local before
        before=$(cat /proc/sys/net/ipv4/ip_forward)
        run_cmd 'true'
        [ "$status" -ne 0 ]
        [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$before" ]
}

@test "process: only stdio is open in the container" {
        # bats itself holds fd 3 and more; none of them may reach the container.
        run_cmd 'ls /proc/self/fd | tr "\n" " "'
        [ "$status" -eq 0 ]
        # 3 is ls's own handle on /proc/self/fd.
        [ "$output" = "0 1 2 3 " ]
}

@test "process: --preserve-fds passes extra fds" {
        echo fd-three >"$FC_TMP/f3"
        echo fd-four >"$FC_TMP/f4"
        set_cmd 'ls /proc/self/fd | tr "\n" " "; echo; cat <&3; cat <&4'
        run --separate-stderr fc run --preserve-fds 2 --bundle "$FC_BUNDLE" "$FC_ID" \
                3<"$FC_TMP/f3" 4<"$FC_TMP/f4" 7<"$FC_TMP/f3"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "0 1 2 3 4 5 " ]
        [ "${lines[1]}" = fd-three ]
        [ "${lines[2]}" = fd-four ]
}

@test "process: --preserve-fds with create" {
        echo fd-three >"$FC_TMP/f3"
        set_cmd 'ls /proc/self/fd | tr "\n" " "; echo; cat <&3'
        track_id "$FC_ID"
        fc create --preserve-fds 1 --bundle "$FC_BUNDLE" "$FC_ID" \
                3<"$FC_TMP/f3" </dev/null >"$FC_TMP/out" 2>"$FC_TMP/err"
        fc start "$FC_ID"
        wait_for_status stopped
        [ "$(head -n1 "$FC_TMP/out")" = "0 1 2 3 4 " ]
        [ "$(sed -n 2p "$FC_TMP/out")" = fd-three ]
}

@test "process: personality LINUX32" {
        unsupported_by_runc_1_1 linux.personality
        update_config '.linux.personality = {"domain": "LINUX32"}'
        run_cmd 'uname -m'
        [ "$status" -eq 0 ]
        [ "$output" = i686 ]
}

@test "process: stdio is the runtime's" {
        set_cmd 'cat; echo to-stderr >&2'
        run --separate-stderr fc run --bundle "$FC_BUNDLE" "$FC_ID" <<<"from-stdin"
        [ "$status" -eq 0 ]
        [ "$output" = from-stdin ]
        [ "$stderr" = to-stderr ]
}
