#!/usr/bin/env bats
# The parts cache: serve/status/stop, leases and refill, malformed messages, peer credentials,
# kill -9 and stale files, detaching into its own cgroup, autostart, the client's fallbacks.
# Every test runs its own cache on a socket in its temp dir and stops (or kills) it in teardown.

load helpers

setup() {
        requires_flashcube
        # These tests are about the cache itself, also in the suite's cold
        # pass (FC_TEST_CACHE=off exports FLASHCUBE_NO_CACHE=1).
        unset FLASHCUBE_NO_CACHE
        setup_common
        CACHE_DIR=$FC_TMP/cache
        CACHE_SOCK=$CACHE_DIR/cache.sock
        CACHE_PID=$CACHE_DIR/cache.pid
        export CACHE_SOCK
        # What is tested here is what the cache hands out, so a create waits up to 2 s for
        # its answer rather than 5 ms, which sanitizer builds and the v2 VM's emulation can
        # miss (a legitimate, but here useless, cold create).  The tests of the wait itself
        # unset it.
        export FLASHCUBE_CACHE_WAIT_MS=2000
}

teardown() {
        cache_kill_all
        teardown_common
}

# cache ARGS...: `flashcube cache ARGS` for this test's socket.
cache() {
        timeout --kill-after=5 "$FC_TIMEOUT" "$FC_RUNTIME" --cache-socket "$CACHE_SOCK" cache "$@"
}

# The cache processes serving this test's socket (its command line names the socket).
cache_pids() {
        local p cmd exe
        exe=$(readlink -f "$FC_RUNTIME")
        for p in /proc/[0-9]*; do
                [ "$(readlink "$p/exe" 2>/dev/null)" = "$exe" ] || continue
                cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
                case $cmd in
                *" cache serve "*"$CACHE_SOCK"* | *"$CACHE_SOCK cache serve "*) echo "${p#/proc/}" ;;
                esac
        done
}

# The serving processes only (its refill helpers are clones with the same command line).
cache_main_pids() {
        local all pid ppid
        all=" $(cache_pids | tr '\n' ' ') "
        for pid in $all; do
                ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
                [[ "$all" == *" $ppid "* ]] || echo "$pid"
        done
}

cache_kill_all() {
        [ -n "${CACHE_SOCK:-}" ] || return 0
        cache stop >/dev/null 2>&1 || true
        local pid
        for pid in $(cache_pids); do
                kill -KILL "$pid" 2>/dev/null || true
        done
}

# start_cache [ARGS...]: serve --detach with small pools, wait until every pool is full.
start_cache() {
        run -0 cache serve --detach --pool-net 2 --pool-ipc 2 --pool-uts 2 "$@"
        wait_pools_full
}

# lease_ok PREFIX [lease-test ARGS...]: a lease whose first output line starts with PREFIX.  A
# busy machine (sanitizer builds, parallel suites) can push a reply past the client's wait,
# which is a legitimate miss, so a few tries are allowed.
lease_ok() {
        # (not "i": bats' `run` clobbers a caller's loop variable of that name)
        local prefix=$1 try
        shift
        for ((try = 0; try < 5; try++)); do
                run -0 cache lease-test "$@"
                [[ "${lines[0]}" == "$prefix"* ]] && return 0
                sleep 0.2
        done
        fail "no lease like '$prefix': ${lines[0]}"
}

# wait_mntns_dropped PID TRIES: the cache PID holds no mount namespace within TRIES x 50 ms.
wait_mntns_dropped() {
        local try held
        for ((try = 0; try < $2; try++)); do
                held=$(find "/proc/$1/fd" -lname 'mnt:*' 2>/dev/null | wc -l)
                [ "$held" -eq 0 ] && return 0
                sleep 0.05
        done
        fail "the cache still holds $held mount namespaces"
}

status_json() {
        cache status --format json
}

wait_pools_full() {
        local i
        for ((i = 0; i < 500; i++)); do
                if status_json 2>/dev/null | jq -e '[.pools[] | .ready == .target] | all' >/dev/null; then
                        return 0
                fi
                sleep 0.01
        done
        fail "pools did not fill: $(status_json)"
}

# send_raw PYTHON-EXPR-FOR-BYTES [NFDS]: one datagram to the cache, optionally with fds.
send_raw() {
        python3 - "$CACHE_SOCK" "$1" "${2:-0}" <<'EOF'
import os, socket, struct, sys
path, expr, nfds = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = eval(expr, {"struct": struct})
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path)
fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(nfds)]
anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("%di" % nfds, *fds))] if nfds else []
s.sendmsg([data], anc)
s.settimeout(1)
try:
    s.recv(8192)
except Exception:
    pass
s.close()
EOF
}

@test "cache: serve --detach, status, stop" {
        start_cache
        [ -S "$CACHE_SOCK" ]
        [ "$(stat -c %a "$CACHE_SOCK")" = 600 ]
        [ "$(stat -c %a "$CACHE_DIR")" = 700 ]
        local pid
        pid=$(cat "$CACHE_PID")
        [ -d "/proc/$pid" ]
        # Background work: its wake-ups never preempt a runtime (policy 3, SCHED_BATCH).
        [ "$(awk '{ print $41 }' "/proc/$pid/stat")" = 3 ]
        run -0 cache status
        [[ "${lines[0]}" == "pid:"*"$pid" ]]
        [[ "$output" == *"pool net:  2 ready, target 2"* ]]
        run -0 cache stop
        process_gone "$pid"
        [ ! -e "$CACHE_SOCK" ]
        [ ! -e "$CACHE_PID" ]
        run -1 cache status
        [[ "$output" == *"connect to the parts cache"* ]]
}

@test "cache: a second instance on the same socket is refused" {
        start_cache
        run -1 cache serve --detach
        [[ "$output" == *"already running"* ]]
        [ "$(cache_main_pids | wc -l)" -eq 1 ]
}

@test "cache: status --format json has pid, pools, hits, misses, retired, errors" {
        start_cache
        run -0 status_json
        echo "$output" | jq -e '
                (.pid | type == "number") and
                (.pools.net.ready == 2 and .pools.net.target == 2) and
                (.pools.ipc.ready == 2 and .pools.uts.target == 2) and
                (.hits == 0 and .misses == 0 and .retired == 0 and .errors == 0)'
}

@test "cache: leases are namespaces of their kind with lo up, single-use, and pools refill" {
        start_cache
        # Two leases held at once (a closed namespace's inode may be reused by the next one).
        lease_ok "granted net ipc uts lease " --count 2 --hold
        local first=${lines[0]#* lease [0-9]* }
        local second=${lines[1]#* lease [0-9]* }
        # Different namespaces each time (net, ipc and uts inodes all differ).
        local a b c x y z
        read -r _ a _ b _ c <<<"$first"
        read -r _ x _ y _ z <<<"$second"
        [ -n "$a" ] && [ -n "$x" ] || fail "unexpected lease-test output: $output"
        [ "$a" != "$x" ] && [ "$b" != "$y" ] && [ "$c" != "$z" ]
        wait_pools_full
        run -0 status_json
        echo "$output" | jq -e '.hits >= 6 and .leases >= 2'
        # More leases than the pool holds: misses, never errors.
        run -0 cache lease-test --count 20
        [[ "$output" == "leases 20 "* ]]
        wait_pools_full
        run -0 status_json
        echo "$output" | jq -e '.errors == 0 and .hits >= 6'
}

@test "cache: a lease of one kind takes only that kind" {
        start_cache
        lease_ok "granted uts lease " --want uts
        [[ "${lines[0]}" == *" net 0 ipc 0 uts "* ]]
        run -0 status_json
        echo "$output" | jq -e '.pools.net.ready == 2 and .pools.uts.hits >= 1'
}

@test "cache: pool size 0 means that kind is never granted" {
        run -0 cache serve --detach --pool-net 0 --pool-ipc 1 --pool-uts 1
        wait_pools_full
        lease_ok "granted ipc uts lease "
}

@test "cache: a UTS part made under an old hostname is discarded, not handed out" {
        # The cache runs in a UTS namespace of its own, so renaming "its host" touches no one else.
        run -0 unshare --uts timeout --kill-after=5 "$FC_TIMEOUT" "$FC_RUNTIME" \
                --cache-socket "$CACHE_SOCK" cache serve --detach --pool-net 2 --pool-ipc 2 --pool-uts 2
        wait_pools_full
        nsenter --uts --target "$(cat "$CACHE_PID")" hostname "fct-renamed-$$"
        run -0 cache lease-test --want uts
        [[ "${lines[0]}" == "granted none "* ]]
        run -0 status_json
        echo "$output" | jq -e '.pools.uts.discarded == 2 and .pools.uts.misses == 1'
        # Refilled under the new name, the parts are good again.
        wait_pools_full
        lease_ok "granted uts " --want uts
}

@test "cache: malformed messages are rejected and the cache keeps serving" {
        start_cache
        local pid
        pid=$(cat "$CACHE_PID")
        local before
        before=$(ls /proc/"$pid"/fd | wc -l)
        send_raw 'b"garbage"'
        send_raw 'b"\x00" * 100000'
        send_raw 'struct.pack("<IHHIi", 0x43504346, 2, 1, 8, 0) + bytes(8)'
        send_raw 'struct.pack("<IHHIi", 0x43504346, 1, 1, 8, 0) + bytes(4)'
        send_raw 'struct.pack("<IHHIi", 0x43504346, 1, 1, 9999, 0) + bytes(8)'
        send_raw 'struct.pack("<IHHIi", 0x43504346, 1, 77, 0, 0)'
        send_raw 'struct.pack("<IHHIi", 0x43504346, 1, 1, 8, 0) + struct.pack("<II", 0xff, 0)'
        # A well-formed lease request, but carrying fds: rejected, the fds closed.
        send_raw 'struct.pack("<IHHIi", 0x43504346, 1, 1, 8, 0) + struct.pack("<II", 1, 0)' 3
        send_raw 'b""' 2
        run -0 status_json
        echo "$output" | jq -e '.rejected >= 8 and .hits == 0'
        [ "$(cat "$CACHE_PID")" = "$pid" ]
        # No fd kept from the hostile messages.
        [ "$(ls /proc/"$pid"/fd | wc -l)" -le "$before" ]
        lease_ok "granted net ipc uts "
}

@test "cache: a non-root peer cannot connect, and is refused even if the socket were open" {
        # A python3 that nobody can run (not a shim under root's home).
        local py=/usr/bin/python3
        [ -x "$py" ] || skip "no system python3"
        # A directory nobody can traverse to, outside the (0700) suite dir.
        CACHE_DIR=$(mktemp -d /tmp/fct-cache.XXXXXX)
        on_teardown "rm -rf '$CACHE_DIR'"
        chmod 755 "$CACHE_DIR"
        CACHE_SOCK=$CACHE_DIR/cache.sock
        CACHE_PID=$CACHE_DIR/cache.pid
        start_cache
        run -1 setpriv --reuid 65534 --regid 65534 --clear-groups "$py" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])' "$CACHE_SOCK"
        [[ "$output" == *"Permission denied"* ]]
        # Defense in depth: with the socket's mode opened up, the peer check still refuses.
        chmod 666 "$CACHE_SOCK"
        run -0 setpriv --reuid 65534 --regid 65534 --clear-groups "$py" -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.settimeout(1)
try:
    s.send(struct.pack("<IHHIi", 0x43504346, 1, 1, 8, 0) + struct.pack("<II", 7, 0))
    r = s.recvmsg(4096, 64)
    print("got", len(r[0]), "bytes", len(r[1]), "fds")
except Exception as e:
    print("refused", e)' "$CACHE_SOCK"
        [[ "$output" == "got 0 bytes 0 fds" || "$output" == refused* ]]
        run -0 status_json
        echo "$output" | jq -e '.rejected >= 1 and .hits == 0'
}

@test "cache: kill -9 loses nothing; the next lease misses; a new instance cleans up" {
        start_cache
        local pid
        pid=$(cat "$CACHE_PID")
        kill -KILL "$pid"
        process_gone "$pid"
        [ -S "$CACHE_SOCK" ] && [ -e "$CACHE_PID" ]
        run -0 cache lease-test
        [[ "${lines[0]}" == "granted none "* ]]
        start_cache
        local pid2
        pid2=$(cat "$CACHE_PID")
        [ "$pid2" != "$pid" ]
        lease_ok "granted net ipc uts "
}

@test "cache: --detach leaves the caller's cgroups for flashcube-cache ones" {
        start_cache
        local pid line
        pid=$(cat "$CACHE_PID")
        # Every hierarchy (v1 controllers, the unified one) we could move in.
        while IFS= read -r line; do
                [[ "$line" == *:/flashcube-cache ]] || fail "cache left in $line"
        done <"/proc/$pid/cgroup"
        # Its own session, no controlling terminal, stdio on /dev/null.
        [ "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
        [ "$(readlink "/proc/$pid/fd/0")" = /dev/null ]
        [ "$(readlink "/proc/$pid/cwd")" = / ]
}

@test "cache: pools fill to their target while a client keeps asking for the status" {
        run -0 cache serve --detach --pool-net 4 --pool-ipc 4 --pool-uts 4
        # Above their low mark pools refill in idle time, no lease for 50 ms: status
        # requests do not count, however often they come.
        (while :; do cache status >/dev/null 2>&1; done) &
        STATUS_LOOP=$!
        on_teardown "kill $STATUS_LOOP 2>/dev/null || true"
        local try full=0
        for ((try = 0; try < 100; try++)); do
                if status_json | jq -e '[.pools[] | .ready == .target] | all' >/dev/null; then
                        full=1
                        break
                fi
                sleep 0.1
        done
        kill "$STATUS_LOOP"
        wait "$STATUS_LOOP" 2>/dev/null || true
        [ "$full" = 1 ] || fail "pools did not fill: $(status_json)"
}

@test "cache: --no-cache and FLASHCUBE_NO_CACHE=1 never lease" {
        start_cache
        run -0 "$FC_RUNTIME" --no-cache --cache-socket "$CACHE_SOCK" cache lease-test
        [[ "${lines[0]}" == "granted none "* ]]
        FLASHCUBE_NO_CACHE=1 run -0 "$FC_RUNTIME" --cache-socket "$CACHE_SOCK" cache lease-test
        [[ "${lines[0]}" == "granted none "* ]]
        run -0 status_json
        echo "$output" | jq -e '.leases == 0'
}

@test "cache: a slow cache is a miss within a few milliseconds" {
        bats_require_minimum_version 1.5.0
        unset FLASHCUBE_CACHE_WAIT_MS
        start_cache --test-reply-delay-us 200000
        run -0 cache lease-test --count 3
        [[ "$output" == "leases 3 hits 0 partial 0 misses 3 "* ]]
        # The parts it sent too late died with the connection.
        run -0 status_json
        echo "$output" | jq -e '.errors == 0'
        # FLASHCUBE_CACHE_WAIT_MS lengthens the wait: the same answers are hits (once the
        # pools have refilled from the leases above).
        wait_pools_full
        FLASHCUBE_CACHE_WAIT_MS=1000 run -0 cache lease-test --count 2
        [[ "$output" == "leases 2 hits 2 partial 0 misses 0 "* ]]
        # A bad value is a warning, and the usual wait: a miss again.
        wait_pools_full
        FLASHCUBE_CACHE_WAIT_MS=5ms run -0 --separate-stderr "$FC_RUNTIME" --log "$FC_TMP/log.json" \
                --log-format json --cache-socket "$CACHE_SOCK" cache lease-test
        [[ "$output" == "granted none "* ]]
        jq -e 'select(.level == "warning") | .msg | test("ignoring FLASHCUBE_CACHE_WAIT_MS=5ms")' \
                "$FC_TMP/log.json"
        FLASHCUBE_CACHE_WAIT_MS=0 run -0 --separate-stderr cache status
        [[ "$stderr" == *"ignoring FLASHCUBE_CACHE_WAIT_MS=0"* ]]
}

@test "cache: a config file sets the pools; flags override it" {
        printf '# test\npool_net = 1\npool_ipc = 3\npool_uts = 0\n' >"$FC_TMP/cache.conf"
        run -0 cache serve --detach --config "$FC_TMP/cache.conf" --pool-ipc 2
        wait_pools_full
        run -0 status_json
        echo "$output" | jq -e '.pools.net.target == 1 and .pools.ipc.target == 2 and .pools.uts.target == 0'
        cache stop
        printf 'pool_nett = 1\n' >"$FC_TMP/bad.conf"
        run -1 cache serve --detach --config "$FC_TMP/bad.conf"
        [[ "$output" == *'bad.conf:1: unknown key "pool_nett"'* ]]
}

@test "cache: autostart starts exactly one cache in the background" {
        local i
        for i in 1 2 3 4 5 6; do
                "$FC_RUNTIME" --cache-socket "$CACHE_SOCK" cache lease-test --autostart >"$FC_TMP/as.$i" &
        done
        wait
        # The creates that found no cache proceeded on the cold path.
        grep -q "granted none" "$FC_TMP/as.1"
        wait_for_file "$CACHE_PID"
        wait_pools_full
        [ "$(cache_main_pids | wc -l)" -eq 1 ]
        lease_ok "granted net ipc uts "
}

@test "cache: the init of a v1 create is cloned before the lease is read; it joins what the cache had and makes what it lacked" {
        load cgroup-helpers
        # No network namespaces pooled: that one the init makes itself.
        run -0 cache serve --detach --pool-net 0 --pool-ipc 2 --pool-uts 2
        wait_pools_full
        setup_bundle
        set_cmd 'for n in net ipc uts; do readlink /proc/self/ns/$n; done; cat /sys/class/net/lo/flags; hostname'
        track_id "$FC_ID"
        run -0 fc --cache-socket "$CACHE_SOCK" --debug --log "$FC_TMP/log" run --bundle "$FC_BUNDLE" "$FC_ID"
        [ "${#lines[@]}" -eq 5 ] || fail "output: $output"
        [ "${lines[0]}" != "$(readlink /proc/self/ns/net)" ]
        [ "${lines[1]}" != "$(readlink /proc/self/ns/ipc)" ]
        [ "${lines[2]}" != "$(readlink /proc/self/ns/uts)" ]
        # Its own loopback, up (IFF_UP), and the config's hostname.
        (( ${lines[3]} & 1 )) || fail "lo is down: ${lines[3]}"
        [ "${lines[4]}" = "$(jq -r .hostname "$FC_BUNDLE/config.json")" ]
        # On v1 (the cgroup made after the clone) the id is reserved after the clone too, while the
        # init sets up; on v2 the init is cloned into its cgroup, after everything.
        local phases
        phases=" $(grep -o 'phase [a-z-]*' "$FC_TMP/log" | awk '{ print $2 }' | tr '\n' ' ')"
        if cg_is_v2; then
                [[ "$phases" == *" reserve "*" clone "* ]] || fail "phases:$phases"
        else
                [[ "$phases" == *" clone reserve "* ]] || fail "phases:$phases"
        fi
        # The id is checked all the same, and a failed create leaves the running one alone.
        export FLASHCUBE_CACHE_SOCKET=$CACHE_SOCK
        set_cmd 'exec sleep 1000'
        create_container "$FC_ID-2"
        run fc create --bundle "$FC_BUNDLE" "$FC_ID-2"
        [ "$status" -ne 0 ]
        [[ "$output" == *"container with given ID already exists"* ]]
        [ "$(container_status "$FC_ID-2")" = created ]
        run -0 fc delete -f "$FC_ID-2"
}

@test "cache: a container's mount namespace (and leased network and IPC ones) is retired to the cache, which drops it soon after" {
        start_cache
        setup_bundle
        set_args true
        # A lease can miss on a busy machine (past the client's wait); a container whose lease
        # missed retires nothing, or only its mount namespace, so a few are allowed.  One whose
        # lease was granted whole retires three: mount, network and IPC namespaces.
        local try n=0 before id
        for ((try = 0; try < 5; try++)); do
                id=$FC_ID-$try
                track_id "$id"
                before=$n
                run -0 fc --cache-socket "$CACHE_SOCK" run --bundle "$FC_BUNDLE" "$id"
                n=$(status_json | jq .retired)
                [ "$((n - before))" -eq 3 ] && break
        done
        [ "$((n - before))" -eq 3 ] || fail "no run retired 3 namespaces: $(status_json)"
        # Held a moment (so the init's exit does not tear the mounts down), then dropped: the
        # cache keeps no mount namespace.
        wait_mntns_dropped "$(cache_main_pids)" 100
        # With --no-cache nothing is retired.
        run -0 fc --no-cache --cache-socket "$CACHE_SOCK" run --bundle "$FC_BUNDLE" "$FC_ID-off"
        [ "$(status_json | jq .retired)" -eq "$n" ]
}

@test "cache: on cgroup v1 a lease starts the attach keeper, which stops a second after the last" {
        [ -d /sys/fs/cgroup/pids ] || [ -d /sys/fs/cgroup/memory ] ||
                skip "pure cgroup v2: the init is cloned into its cgroup, no keeper is needed"
        start_cache
        [ "$(status_json | jq .attach_keeper)" -eq 0 ] || fail "a keeper runs before any lease"
        lease_ok "granted "
        local keeper
        keeper=$(status_json | jq .attach_keeper)
        [ "$keeper" -gt 0 ] || fail "no keeper after a lease: $(status_json)"
        # It holds one cgroup.procs file of the cache's own cgroup and nothing of the cache's.
        run -0 bash -c "ls -l /proc/$keeper/fd | grep -c cgroup.procs"
        [ "$output" -eq 1 ]
        run bash -c "ls -l /proc/$keeper/fd | grep -c 'socket:\|mnt:\|net:\|ipc:\|uts:\|cache.lock'"
        [ "$output" -eq 1 ] || fail "the keeper holds more than its socket: $(ls -l /proc/$keeper/fd)"
        # About a second after the last lease it is gone (and reaped).
        local try
        for ((try = 0; try < 60; try++)); do
                [ "$(status_json | jq .attach_keeper)" -eq 0 ] && break
                sleep 0.1
        done
        [ "$(status_json | jq .attach_keeper)" -eq 0 ] || fail "the keeper did not stop"
        [ ! -e "/proc/$keeper" ] || fail "keeper $keeper left behind"
        # stop ends a running keeper too.
        lease_ok "granted "
        keeper=$(status_json | jq .attach_keeper)
        [ "$keeper" -gt 0 ]
        run -0 cache stop
        for ((try = 0; try < 50; try++)); do
                [ -e "/proc/$keeper" ] || break
                sleep 0.1
        done
        [ ! -e "/proc/$keeper" ] || fail "keeper $keeper outlived the cache"
}

# ---- pooled cgroups (cgroup v1: a cgroup renames within its parent) ----

# v1_mounts: the mount point of every cgroup v1 hierarchy.
v1_mounts() {
        awk '$9 == "cgroup" { print $5 }' /proc/self/mountinfo
}

# pooled_names DIR: the pooled cgroups (.fc-pool-*) in DIR of every v1 hierarchy, one
# "hierarchy name" line each, sorted.
pooled_names() {
        local h
        for h in $(v1_mounts); do
                ls -A "$h$1" 2>/dev/null | grep '^\.fc-pool-' | sed "s|^|$h |"
        done | sort
}

# wait_status JQ WHAT: until `cache status`'s JSON satisfies JQ (5 s at most).
wait_status() {
        local i
        for ((i = 0; i < 500; i++)); do
                status_json 2>/dev/null | jq -e "$1" >/dev/null && return 0
                sleep 0.01
        done
        fail "$2: $(status_json)"
}

# mi_run NAME [cold]: run the bundle's command as container NAME, warm with a --debug log in
# $FC_TMP/NAME.log or cold (--no-cache); what it prints on stderr (its mountinfo) goes to
# $FC_TMP/NAME.mi, the rest is in $output.
mi_run() {
        if [ "${2:-}" = cold ]; then
                run -0 --separate-stderr fc --no-cache run --bundle "$FC_BUNDLE" "$1"
        else
                run -0 --separate-stderr fc --debug --log "$FC_TMP/$1.log" run --bundle "$FC_BUNDLE" "$1"
        fi
        echo "$stderr" >"$FC_TMP/$1.mi"
}

wait_cgroup_pool() {
        wait_status ".pools.cgroup.ready >= $1" "cgroup pool did not reach $1"
}

# A bundle whose containers sleep, their cgroups in a per-test parent (removed in teardown).
pooled_cgroup_bundle() {
        cg_is_v2 && skip "pure cgroup v2: cgroups cannot be renamed, so none are pooled"
        setup_bundle
        cg_setup
        set_cmd 'exec sleep 1000'
        export FLASHCUBE_CACHE_SOCKET=$CACHE_SOCK
}

# cgroup_of PID: its cgroup in every v1 hierarchy but the ones it shares with its parent.
in_cgroup() {
        local pid=$1 want=$2 line n=0
        while IFS= read -r line; do
                [[ "$line" == 0::* ]] && continue
                [[ "$line" == *":$want" ]] || fail "$pid is in $line, not $want"
                n=$((n + 1))
        done <"/proc/$pid/cgroup"
        [ "$n" -gt 0 ]
}

@test "cache: cgroup v1: creates take pooled cgroups, renamed into place; stop removes the pool" {
        load cgroup-helpers
        pooled_cgroup_bundle
        start_cache --pool-cgroup 3
        # The first create in a place misses and teaches the cache the place.
        create_container c1
        run -0 status_json
        echo "$output" | jq -e '.pools.cgroup.places == 1 and .pools.cgroup.misses == 1 and
                .pools.cgroup.hits == 0 and .pools.cgroup.per_place == 3'
        wait_cgroup_pool 3
        # Three fresh cgroups beside c1, in every v1 hierarchy, cpuset filled.
        local h n
        n=$(v1_mounts | wc -l)
        [ "$(pooled_names "$FC_CG_PARENT" | wc -l)" -eq $((3 * n)) ]
        local before
        before=$(pooled_names "$FC_CG_PARENT")
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/c2"
        create_container c2
        run -0 status_json
        echo "$output" | jq -e '.pools.cgroup.hits == 1'
        local pid
        pid=$(container_pid c2)
        in_cgroup "$pid" "$FC_CG_PARENT/c2"
        # The name it took is gone from every hierarchy: renamed, not copied.
        local taken
        taken=$(comm -23 <(echo "$before") <(pooled_names "$FC_CG_PARENT") | awk '{ print $2 }' | sort -u)
        [ "$(echo "$taken" | wc -l)" -eq 1 ] || fail "taken: $taken"
        [ "$(comm -23 <(echo "$before") <(pooled_names "$FC_CG_PARENT") | wc -l)" -eq "$n" ]
        h=$(cg_mount cpuset)
        if [ -n "$h" ]; then
                [ -n "$(cat "$h$FC_CG_PARENT/c2/cpuset.cpus")" ]
                [ -n "$(cat "$h$FC_CG_PARENT/c2/cpuset.mems")" ]
        fi
        # Device rules and delete work as on a cgroup made by mkdir.
        h=$(cg_mount devices)
        [ -z "$h" ] || ! grep -q '^a \*:\* rwm' "$h$FC_CG_PARENT/c2/devices.list"
        run -0 fc delete -f c2
        for h in $(v1_mounts); do
                [ ! -e "$h$FC_CG_PARENT/c2" ] || fail "c2 left in $h"
        done
        run -0 fc delete -f c1
        [ -e "$CACHE_DIR/cache.cgroups" ]
        run -0 cache stop
        [ -z "$(pooled_names "$FC_CG_PARENT")" ] || fail "left: $(pooled_names "$FC_CG_PARENT")"
        [ ! -e "$CACHE_DIR/cache.cgroups" ]
}

@test "cache: cgroup v1: a pooled cgroup whose name is taken in one hierarchy: that one is joined and kept" {
        load cgroup-helpers
        pooled_cgroup_bundle
        local h other
        h=$(cg_mount pids)
        [ -n "$h" ] || skip "no v1 pids hierarchy on this machine"
        other=$(v1_mounts | grep -vx "$h" | head -1)
        [ -n "$other" ] || skip "a single v1 hierarchy on this machine"
        start_cache --pool-cgroup 2
        create_container c1
        # Someone else's cgroup by c2's name, in the pids hierarchy only.
        mkdir "$h$FC_CG_PARENT/c2"
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/c2"
        # A lease answered after the client's wait is a legitimate miss (the create goes
        # cold, the record is right from the start): tried again.
        local try before
        for ((try = 0; try < 5; try++)); do
                wait_cgroup_pool 2
                before=$(pooled_names "$FC_CG_PARENT")
                create_container c2
                jq -e '.cgroupPool | test("^\\.fc-pool-")' "$FC_ROOT/c2/state.json" >/dev/null && break
                run -0 fc delete -f c2
        done
        [ "$try" -lt 5 ] || fail "no create got a pooled cgroup"
        in_cgroup "$(container_pid c2)" "$FC_CG_PARENT/c2"
        # One pooled name gone from every hierarchy: renamed into place, or (pids) removed
        # when the rename found the name taken.
        [ "$(comm -23 <(echo "$before") <(pooled_names "$FC_CG_PARENT") | wc -l)" -eq \
                "$(v1_mounts | wc -l)" ]
        # The record says the pids directory is not ours (delete leaves it, and kills
        # nothing in it), the others are.
        local rec
        rec=$(jq -r .cgroup "$FC_ROOT/c2/state.json")
        echo "$rec" | grep -q " 1:0:[^:]*:$h:" || fail "pids claimed: $rec"
        echo "$rec" | grep -q " 1:1:[^:]*:$other:" || fail "$other not claimed: $rec"
        run -0 fc delete -f c2
        [ -d "$h$FC_CG_PARENT/c2" ] || fail "the pids cgroup that was not ours was removed"
        [ ! -e "$other$FC_CG_PARENT/c2" ] || fail "the cgroup c2 made in $other was left"
        rmdir "$h$FC_CG_PARENT/c2"
}

# mounts_view FILE NAME: the mountinfo lines in FILE as a set: no ids or device
# numbers, a mount's parent by its mount point, the container's name NAME as X.
mounts_view() {
        awk -v name="$2" '{
                id[$1] = $5; parent[$1] = $2
                line = ""
                for (f = 4; f <= NF; f++) line = line " " $f
                rest[$1] = line
        } END {
                for (m in rest) {
                        l = rest[m] " parent=" id[parent[m]]
                        gsub("/" name "( |$)", "/X ", l)
                        print l
                }
        }' "$1" | sort
}

# cgtree_run NAME [cold]: run a container NAME in the pooled place, which prints its
# mountinfo into $FC_TMP/NAME.mi (what else it prints is in $output).
cgtree_run() {
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/$1"
        set_cmd 'cat /proc/self/mountinfo >&2; ls /sys/fs/cgroup; cat /sys/fs/cgroup/pids/cgroup.procs;
                mkdir /sys/fs/cgroup/dirty; ! touch /sys/fs/cgroup/pids/x 2>/dev/null || echo WRITABLE'
        mi_run "$@"
}

# wait_cgroup_trees N: until N pooled cgroups are ready with their tree (so
# that the next lease finds one, and no tree is being built).
wait_cgroup_trees() {
        wait_status ".pools.cgroup.ready_trees >= $1" "cgroup trees did not reach $1"
}

@test "cache: cgroup v1: a pooled cgroup comes with its /sys/fs/cgroup made, the mounts a cold create makes" {
        load cgroup-helpers
        pooled_cgroup_bundle
        bats_require_minimum_version 1.5.0
        start_cache --pool-cgroup 2
        # The first create teaches the place, and that it mounts /sys/fs/cgroup (and
        # stays: the place's parent stays with it).
        create_container c0
        wait_cgroup_trees 2
        cgtree_run w0
        wait_cgroup_trees 2
        cgtree_run w1
        run -0 status_json
        echo "$output" | jq -e '.pools.cgroup.tree_hits == 2'
        grep -q 'init: /sys/fs/cgroup from the cache' "$FC_TMP/w1.log"
        cgtree_run k1 cold
        # The same mounts (the same sources, options and parents), only the order of
        # mountinfo may differ (kernels from 6.8 list the cache's mounts first).
        diff <(mounts_view "$FC_TMP/w1.mi" w1) <(mounts_view "$FC_TMP/k1.mi" k1)
        grep -q ' /sys/fs/cgroup/pids ro,' "$FC_TMP/w1.mi"
        # Its own cgroup, read-only, in a tree of its own: w0's mkdir is not there.
        wait_cgroup_trees 2
        cgtree_run w2
        [ "${lines[0]}" = "$(cgtree_ls)" ]
        [ "$(echo "$output" | grep -cx 1)" -eq 1 ]
        ! echo "$output" | grep -q 'dirty\|WRITABLE' || fail "dirty or writable: $output"
        # A cgroup mount with other flags: trees are built with those from then on.
        update_config '(.mounts[] | select(.type == "cgroup") | .options) |= map(select(. != "ro"))'
        wait_cgroup_trees 2
        local hits
        hits=$(status_json | jq .pools.cgroup.tree_hits)
        cgtree_run w3
        ! grep -q 'init: /sys/fs/cgroup from the cache' "$FC_TMP/w3.log" || fail "w3 used a tree of other flags"
        # The cgroup made in w3's place comes with a tree of its flags (the one left
        # keeps its read-only tree, for creates that ask for that), and w4 takes it.
        wait_cgroup_trees 2
        cgtree_run w4
        grep -q ' /sys/fs/cgroup/pids rw,' "$FC_TMP/w4.mi"
        grep -q 'init: /sys/fs/cgroup from the cache' "$FC_TMP/w4.log"
        run -0 status_json
        echo "$output" | jq -e ".pools.cgroup.tree_hits == $hits + 1 and .pools.cgroup.errors == 0"
        cgtree_run k4 cold
        diff <(mounts_view "$FC_TMP/w4.mi" w4) <(mounts_view "$FC_TMP/k4.mi" k4)
        # A shared root would carry the tree the init parks outside the rootfs over to
        # the host: none is asked for then.
        update_config '.linux.rootfsPropagation = "rshared"'
        local cg_hits
        hits=$(status_json | jq .pools.cgroup.tree_hits)
        cg_hits=$(status_json | jq .pools.cgroup.hits)
        cgtree_run w5
        run -0 status_json
        echo "$output" | jq -e ".pools.cgroup.tree_hits == $hits and .pools.cgroup.hits == $cg_hits + 1"
        ! grep -q 'init: /sys/fs/cgroup from the cache' "$FC_TMP/w5.log" || fail "a tree with a shared root"
        ! grep -qF "$CACHE_SOCK.trees" /proc/self/mountinfo || fail "a parked tree left on the host"
        run -0 cache stop
        [ -z "$(pooled_names "$FC_CG_PARENT")" ] || fail "left: $(pooled_names "$FC_CG_PARENT")"
}

# cgtree_ls: what ls /sys/fs/cgroup prints in a container (its first line) on this host.
cgtree_ls() {
        v1_mounts | sed 's|.*/||' | sort | head -1
}

# devtree_run NAME [cold]: run a container NAME that lists its /dev (names, modes, owners,
# device numbers, links) into $output, its mountinfo into $FC_TMP/NAME.mi, and then
# leaves dirt in /dev and /dev/shm.
devtree_run() {
        set_cmd 'cat /proc/self/mountinfo >&2; cd /dev
                for f in * pts/* shm/*; do stat -c "%n %f %u %g %t %T" "$f"; done
                readlink fd ptmx stdin stdout stderr; echo "shm: $(ls -A shm)"
                echo x >shm/dirty; mkdir dirtydir'
        mi_run "$@"
}

wait_dev_pool() {
        wait_status ".pools.dev.ready >= $1" "the /dev pool did not reach $1"
}

# devtree_warm ID: devtree_run ID until its init reports the leased /dev tree.  A busy or
# emulated machine can push the cache's answer past the client's wait, which is a
# legitimate miss (the cache counts the hit, the create goes cold), so a few tries are allowed;
# dev_hits counts the hits spent.
dev_hits=0
devtree_warm() {
        local try
        for ((try = 0; try < 5; try++)); do
                wait_dev_pool 1
                rm -f "$FC_TMP/$1.log" # (--log appends)
                devtree_run "$1"
                dev_hits=$((dev_hits + 1))
                grep -q 'init: /dev from the cache' "$FC_TMP/$1.log" && return 0
                grep -q 'parts cache miss: parts cache did not answer in time' "$FC_TMP/$1.log" ||
                        fail "$1 did not use a /dev tree: $(cat "$FC_TMP/$1.log")"
                fc delete -f "$1" 2>/dev/null || true
        done
        fail "$1: the cache never answered in time"
}

@test "cache: /dev comes ready made, the same as a cold create's, and fresh for each container" {
        bats_require_minimum_version 1.5.0
        setup_bundle
        export FLASHCUBE_CACHE_SOCKET=$CACHE_SOCK
        start_cache --pool-dev 2
        update_config '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10,
                "minor": 229, "fileMode": 384, "uid": 7, "gid": 8}]'
        # The first create teaches the cache this /dev.
        devtree_run d0
        wait_dev_pool 2
        devtree_warm d1
        run -0 status_json
        echo "$output" | jq -e --argjson h $dev_hits '.pools.dev.hits == $h and
                .pools.dev.misses == 1 and .pools.dev.kinds == 1'
        ! grep -q 'init: /dev from the cache' "$FC_TMP/d0.log" || fail "d0 used a /dev tree"
        devtree_warm d1b
        local warm=$output
        devtree_run k1 cold
        # The same nodes, modes, owners, numbers and links; nothing of d0's or d1's.
        [ "$output" = "$warm" ] || fail "warm: $warm, cold: $output"
        echo "$output" | grep -qx 'fuse 2180 7 8 a e5'
        echo "$output" | grep -qx 'shm: '
        diff <(mounts_view "$FC_TMP/d1b.mi" d1b) <(mounts_view "$FC_TMP/k1.mi" k1)
        run -0 status_json
        echo "$output" | jq -e --argjson h $dev_hits '.pools.dev.hits == $h and
                .pools.dev.errors == 0'
        run -0 cache stop
        ! grep -qF "$CACHE_SOCK.trees" /proc/self/mountinfo || fail "a parked tree left on the host"
}

# proctree_run NAME [cold]: run a container NAME that prints its pid, what pid 1 is, the pids
# it sees, its pid namespace, what its masked and read-only /proc paths give; its mountinfo
# goes to $FC_TMP/NAME.mi.
proctree_run() {
        set_cmd 'cat /proc/self/mountinfo >&2; echo "pid $$"; tr "\0" " " </proc/1/cmdline; echo
                [ -e /proc/'"$$"' ] && echo "host""pid seen"; readlink /proc/self/ns/pid
                echo "keys $(wc -c </proc/keys) acpi $(ls -A /proc/acpi | wc -l)"
                echo x 2>/dev/null >/proc/sys/kernel/domainname && echo "sys writable"
                echo x 2>/dev/null >/proc/sysrq-trigger && echo "sysrq writable"; true'
        mi_run "$@"
}

# proc_cache N [SERVE-ARGS...]: a cache with 2 /proc trees per kind, taught the bundle's /proc by a first
# create, p0 (which finds none), and N trees ready; skips where the kernel cannot build them
# (the cache then pools none: its per-kind target is 0).
proc_cache() {
        start_cache --pool-proc 2 "${@:2}"
        if status_json | jq -e '.pools.proc.per_kind == 0' >/dev/null; then
                local v
                v=$(uname -r)
                v=${v%%-*}
                [ "$v" != 6.17 ] && [ "$(printf '%s\n6.17\n' "$v" | sort -V | head -1)" = "$v" ] &&
                        skip "Linux $(uname -r): procfs takes no pidns= option (6.17)"
                fail "the cache pools no /proc on Linux $(uname -r), which has procfs's pidns="
        fi
        proctree_run p0
        ! grep -q 'init: /proc from the cache' "$FC_TMP/p0.log" || fail "p0 used a /proc tree"
        wait_status ".pools.proc.ready >= $1" "no /proc tree"
}

@test "cache: /proc comes ready made for a pid namespace made ahead, the same as a cold create's" {
        bats_require_minimum_version 1.5.0
        setup_bundle
        export FLASHCUBE_CACHE_SOCKET=$CACHE_SOCK
        proc_cache 2
        run -0 status_json
        echo "$output" | jq -e '.pools.proc.ready == 2 and .pools.proc.misses == 1 and
                .pools.proc.kinds == 1'
        # Taken off the shelf without a word to the cache (lib/parts/shelf.h).
        proctree_run p1
        local warm1=$output
        grep -q 'init: /proc from the cache' "$FC_TMP/p1.log" || fail "p1 used no /proc tree"
        proctree_run p2
        local warm2=$output
        grep -q 'init: /proc from the cache' "$FC_TMP/p2.log" || fail "p2 used no /proc tree"
        proctree_run k1 cold
        local cold=$output
        # The container's process is pid 1 of a pid namespace of its own, fresh each time.
        echo "$warm1" | grep -qx 'pid 1'
        echo "$warm1" | grep -q "^sh -c cat /proc/self/mountinfo"
        ! echo "$warm1" | grep -q "hostpid seen" || fail "p1 sees the host's pids"
        [ "$(echo "$warm1" | grep '^pid:')" != "$(echo "$warm2" | grep '^pid:')" ] ||
                fail "p1 and p2 share a pid namespace"
        [ "$(echo "$warm1" | grep '^pid:')" != "$(readlink /proc/self/ns/pid)" ]
        # Masked and read-only as a cold create's, and the same mounts.
        [ "$(echo "$warm1" | grep -v '^pid:')" = "$(echo "$cold" | grep -v '^pid:')" ] ||
                fail "warm: $warm1, cold: $cold"
        echo "$cold" | grep -qx 'keys 0 acpi 0'
        ! echo "$cold" | grep -q writable
        diff <(mounts_view "$FC_TMP/p1.mi" p1) <(mounts_view "$FC_TMP/k1.mi" k1)
        run -0 status_json
        echo "$output" | jq -e '.pools.proc.hits == 2 and .pools.proc.errors == 0'
        # A config the tree cannot stand for (a sysctl, written before /proc/sys is made
        # read-only) goes cold.
        update_config '.linux.sysctl = {"kernel.domainname": "fc"}'
        proctree_run p3
        ! grep -q 'init: /proc from the cache' "$FC_TMP/p3.log" || fail "p3 used a /proc tree"
        run -0 cache stop
        [ ! -e "$CACHE_DIR/cache.shelf" ] || fail "the shelf outlived the cache"
}

@test "cache: where the lease comes before the clone (cgroup v2), a /proc not on the shelf comes over the socket" {
        bats_require_minimum_version 1.5.0
        load cgroup-helpers
        setup_bundle
        export FLASHCUBE_CACHE_SOCKET=$CACHE_SOCK
        # The trees kept off the shelf (a test hook): the runtime finds none there and asks
        # the cache, and only a create whose lease comes before its clone can use the
        # answer: a pure cgroup v2 one (here a private mount namespace whose
        # /sys/fs/cgroup is the cgroup2 hierarchy alone).
        proc_cache 2 --test-no-shelf
        local v2='umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$@"'
        cg_is_v2 && v2='exec "$@"'
        set_cmd 'echo "pid $$"; readlink /proc/self/ns/pid; cat /proc/keys | wc -c'
        track_id p1
        run -0 --separate-stderr timeout --kill-after=5 "$FC_TIMEOUT" unshare -m sh -c "$v2" sh \
                "$FC_RUNTIME" --root "$FC_ROOT" --debug --log "$FC_TMP/p1.log" \
                run --bundle "$FC_BUNDLE" p1
        [ "${lines[0]}" = "pid 1" ]
        [ "${lines[1]}" != "$(readlink /proc/self/ns/pid)" ]
        [ "${lines[2]}" = 0 ]
        grep -q 'init: /proc from the cache' "$FC_TMP/p1.log" || fail "p1 used no /proc tree"
        run -0 status_json
        echo "$output" | jq -e '.pools.proc.hits == 1 and .pools.proc.errors == 0'
}

@test "cache: a shelf left by a killed cache is a miss, and the next cache replaces it" {
        bats_require_minimum_version 1.5.0
        setup_bundle
        export FLASHCUBE_CACHE_SOCKET=$CACHE_SOCK
        proc_cache 1
        local pid
        pid=$(status_json | jq .pid)
        [ -s "$CACHE_DIR/cache.shelf" ]
        kill -KILL "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
        # Its parts went with it: the shelf names a dead process.
        proctree_run p1
        ! grep -q 'init: /proc from the cache' "$FC_TMP/p1.log" || fail "p1 used a dead cache's tree"
        echo "$output" | grep -qx 'pid 1'
        # (p1 started one in the background: replaced by one of this test's.)
        cache_kill_all
        start_cache --pool-proc 2
        proctree_run p2
        wait_status '.pools.proc.ready >= 1' "no /proc tree from the new cache"
        proctree_run p3
        grep -q 'init: /proc from the cache' "$FC_TMP/p3.log" || fail "p3 used no /proc tree"
}

# retired_names DIR: cgroups handed to the cache for removal (.fc-pool-<tag>-r*) in DIR.
retired_names() {
        pooled_names "$1" | awk '$2 ~ /^\.fc-pool-[0-9a-f]+-r/'
}

# from_pool ID: a container whose cgroup comes from the pool (a cache with 2 per place,
# taught the place by a first container, c1).  A lease answered after the client's
# wait (a slow build, a busy machine) is a legitimate miss that the cache counts as a hit:
# such a create is deleted and tried again; pool_hits counts the hits spent.
pool_hits=0
from_pool() {
        start_cache --pool-cgroup 2
        create_container c1
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/$1"
        local try
        for ((try = 0; try < 5; try++)); do
                wait_cgroup_pool 2
                create_container "$1"
                pool_hits=$((pool_hits + 1))
                jq -e '.cgroupPool | test("^\\.fc-pool-")' "$FC_ROOT/$1/state.json" >/dev/null &&
                        return 0
                fc delete -f "$1" || return 1
        done
        fail "$1: no create got a pooled cgroup"
}

@test "cache: cgroup v1: a deleted container's cgroup is handed to the cache, which removes it" {
        load cgroup-helpers
        pooled_cgroup_bundle
        from_pool c2
        run -0 status_json
        echo "$output" | jq -e --argjson h $pool_hits '.pools.cgroup.hits == $h and
                .pools.cgroup.removed == 0'
        # The state records where it came from.
        jq -e '.cgroupPool | test("^\\.fc-pool-[0-9a-f]{8}-$")' "$FC_ROOT/c2/state.json"
        run -0 fc delete -f c2
        local h n i
        # Gone from its place when delete returns, in every hierarchy.
        for h in $(v1_mounts); do
                [ ! -e "$h$FC_CG_PARENT/c2" ] || fail "c2 left in $h"
        done
        [ ! -e "$(cg_mount unified)$FC_CG_PARENT/c2" ]
        # Renamed out of the way and removed by the cache, one per v1 hierarchy.
        n=$(v1_mounts | wc -l)
        for ((i = 0; i < 200; i++)); do
                status_json | jq -e ".pools.cgroup.removed == $n and .pools.cgroup.removing == 0" \
                        >/dev/null && break
                sleep 0.01
        done
        run -0 status_json
        echo "$output" | jq -e ".pools.cgroup.removed == $n and .pools.cgroup.errors == 0"
        [ -z "$(retired_names "$FC_CG_PARENT")" ] || fail "left: $(retired_names "$FC_CG_PARENT")"
        # A run (stopped, removed by itself) goes the same way.
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/r1"
        set_cmd true
        run -0 fc run --bundle "$FC_BUNDLE" r1
        for ((i = 0; i < 200; i++)); do
                status_json | jq -e ".pools.cgroup.removed == $((2 * n))" >/dev/null && break
                sleep 0.01
        done
        run -0 status_json
        echo "$output" | jq -e ".pools.cgroup.removed == $((2 * n))"
        [ -z "$(retired_names "$FC_CG_PARENT")" ] || fail "left: $(retired_names "$FC_CG_PARENT")"
}

@test "cache: cgroup v1: a cgroup that still holds processes is not handed over: they are killed, it is removed" {
        load cgroup-helpers
        pooled_cgroup_bundle
        start_cache --pool-cgroup 2
        create_container c1
        wait_cgroup_pool 2
        # No pid namespace of its own: a child outlives the init.
        update_config '.linux.cgroupsPath = $p | .linux.namespaces |= map(select(.type != "pid"))' \
                --arg p "$FC_CG_PARENT/c2"
        set_cmd 'sleep 1000 & exec sleep 1000'
        create_container c2
        run -0 fc start c2
        local pid h left
        pid=$(container_pid c2)
        sleep 0.2
        left=$(cat "$(cg_mount pids)$FC_CG_PARENT/c2/cgroup.procs" | grep -vx "$pid")
        [ -n "$left" ]
        kill -KILL "$pid"
        wait_for_status stopped c2
        run -0 fc delete c2
        for h in $(v1_mounts); do
                [ ! -e "$h$FC_CG_PARENT/c2" ] || fail "c2 left in $h"
        done
        for pid in $left; do
                process_gone "$pid"
        done
        run -0 status_json
        echo "$output" | jq -e '.pools.cgroup.removed == 0'
        [ -z "$(retired_names "$FC_CG_PARENT")" ] || fail "left: $(retired_names "$FC_CG_PARENT")"
}

@test "cache: cgroup v1: with its cache gone, delete removes the cgroup itself" {
        load cgroup-helpers
        pooled_cgroup_bundle
        from_pool c2
        local pid h
        pid=$(cat "$CACHE_PID")
        kill -KILL "$pid"
        process_gone "$pid"
        run -0 fc delete -f c2
        for h in $(v1_mounts); do
                [ ! -e "$h$FC_CG_PARENT/c2" ] || fail "c2 left in $h"
        done
        [ -z "$(retired_names "$FC_CG_PARENT")" ] || fail "left: $(retired_names "$FC_CG_PARENT")"
        # (The next instance removes the pool the killed one left.)
        run -0 cache serve --detach --pool-cgroup 2
        run -0 cache stop
        [ -z "$(pooled_names "$FC_CG_PARENT")" ] || fail "left: $(pooled_names "$FC_CG_PARENT")"
}

@test "cache: cgroup v1: a cgroup handed over that is not the cache's is refused, untouched" {
        load cgroup-helpers
        pooled_cgroup_bundle
        start_cache --pool-cgroup 2
        local h tag
        h=$(v1_mounts | head -n1)
        tag=$(python3 -c 'import sys
h = 2166136261
for c in sys.argv[1].encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print("%08x" % h)' "$CACHE_SOCK")
        # Not ours (another name), ours but outside /sys/fs/cgroup, not one string.
        mkdir -p "$h$FC_CG_PARENT/foreign" "$h$FC_CG_PARENT/.fc-pool-$tag-rX" "$FC_TMP/.fc-pool-$tag-rY"
        local msg
        for msg in "$h$FC_CG_PARENT/foreign" "$FC_TMP/.fc-pool-$tag-rY" "$h$FC_CG_PARENT/../$(basename "$FC_CG_PARENT")/.fc-pool-$tag-rX"; do
                send_raw "struct.pack('<IHHIi', 0x43504346, 1, 6, len(b'$msg') + 1, 0) + b'$msg\\0'"
        done
        send_raw "struct.pack('<IHHIi', 0x43504346, 1, 6, 4, 0) + b'/a\\0b'"
        sleep 0.2
        run -0 status_json
        echo "$output" | jq -e '.pools.cgroup.refused == 3 and .pools.cgroup.removed == 0 and .rejected >= 1'
        [ -d "$h$FC_CG_PARENT/foreign" ] && [ -d "$FC_TMP/.fc-pool-$tag-rY" ]
        rmdir "$h$FC_CG_PARENT/foreign" "$FC_TMP/.fc-pool-$tag-rY"
        # Its own kind of name in its place is taken.
        send_raw "struct.pack('<IHHIi', 0x43504346, 1, 6, len(b'$h$FC_CG_PARENT/.fc-pool-$tag-rX') + 1, 0) + b'$h$FC_CG_PARENT/.fc-pool-$tag-rX\\0'"
        local i
        for ((i = 0; i < 200; i++)); do
                [ -e "$h$FC_CG_PARENT/.fc-pool-$tag-rX" ] || break
                sleep 0.01
        done
        [ ! -e "$h$FC_CG_PARENT/.fc-pool-$tag-rX" ]
        run -0 status_json
        echo "$output" | jq -e '.pools.cgroup.removed == 1'
}

@test "cache: cgroup v1: pooled cgroups a kill -9 leaves are removed by the next instance" {
        load cgroup-helpers
        pooled_cgroup_bundle
        start_cache --pool-cgroup 2
        create_container c1
        wait_cgroup_pool 2
        [ -n "$(pooled_names "$FC_CG_PARENT")" ]
        local pid
        pid=$(cat "$CACHE_PID")
        kill -KILL "$pid"
        process_gone "$pid"
        # Nothing is lost: the container runs, its cgroup is there, the pool too.
        [ "$(container_status c1)" = created ]
        [ -n "$(pooled_names "$FC_CG_PARENT")" ]
        run -0 cache serve --detach --pool-cgroup 2
        [ -z "$(pooled_names "$FC_CG_PARENT")" ] || fail "left: $(pooled_names "$FC_CG_PARENT")"
        in_cgroup "$(container_pid c1)" "$FC_CG_PARENT/c1"
}

@test "cache: cgroup v1: a pooled cgroup removed behind the cache's back is a miss, not a failure" {
        load cgroup-helpers
        pooled_cgroup_bundle
        start_cache --pool-cgroup 2
        create_container c1
        wait_cgroup_pool 2
        # Gone from one hierarchy: that one is made by mkdir, the others renamed.
        local pids_h name
        pids_h=$(v1_mounts | head -n1)
        for name in $(ls -A "$pids_h$FC_CG_PARENT" | grep '^\.fc-pool-'); do
                rmdir "$pids_h$FC_CG_PARENT/$name"
        done
        local before
        before=$(pooled_names "$FC_CG_PARENT")
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/c2"
        create_container c2
        in_cgroup "$(container_pid c2)" "$FC_CG_PARENT/c2"
        run -0 fc delete -f c2
        # Nothing of the name it was given stays anywhere.
        local gone
        gone=$(comm -23 <(echo "$before") <(pooled_names "$FC_CG_PARENT") | awk '{ print $2 }' | sort -u)
        [ "$(echo "$gone" | wc -l)" -eq 1 ]
        ! pooled_names "$FC_CG_PARENT" | grep -qF " $gone"
}

@test "cache: cgroup v1: a create that fails after its lease removes the pooled cgroup it got" {
        load cgroup-helpers
        pooled_cgroup_bundle
        start_cache --pool-cgroup 2
        create_container c1
        wait_cgroup_pool 2
        local before after
        before=$(pooled_names "$FC_CG_PARENT")
        # Fails after the lease (opening the namespace to join), before the cgroup is made.
        update_config '.linux.cgroupsPath = $p | (.linux.namespaces[] | select(.type == "network")) += {path: "/dev/null"}' \
                --arg p "$FC_CG_PARENT/c2"
        fc_detached create --bundle "$FC_BUNDLE" c2
        [ "$status" -ne 0 ]
        [[ "$output" == *"not a namespace file"* ]]
        after=$(pooled_names "$FC_CG_PARENT")
        run -0 status_json
        echo "$output" | jq -e '.pools.cgroup.hits == 1'
        # One name gone from every hierarchy at once (not 10 s later by the cache's sweep).
        [ "$(comm -23 <(echo "$before") <(echo "$after") | wc -l)" -eq "$(v1_mounts | wc -l)" ]
        for h in $(v1_mounts); do
                [ ! -e "$h$FC_CG_PARENT/c2" ] || fail "c2 left in $h"
        done
}

# hold_leases SECONDS N: N leases of every namespace kind on one connection, which stays open
# SECONDS (as a create's does until its end), in the background; "$FC_TMP/leased" appears once
# all are answered.
hold_leases() {
        rm -f "$FC_TMP/leased"
        python3 - "$CACHE_SOCK" "$FC_TMP/leased" "$1" "$2" <<'EOF' &
import socket, struct, sys, time
lease = struct.pack("=IHHIi", 0x43504346, 1, 1, 8, 0) + struct.pack("=II", 7, 0)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
for _ in range(int(sys.argv[4])):
    s.send(lease)
    s.recvmsg(256, 256)
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))
s.close()
EOF
        HOLDER=$!
        on_teardown "kill $HOLDER 2>/dev/null || true"
        wait_for_file "$FC_TMP/leased"
}

@test "cache: a pool emptied by a create is refilled once the create ends, not while it runs" {
        # A helper making namespaces holds its CPU in the kernel for milliseconds: the refill
        # below the low water mark waits for the creates holding a lease (their connection's
        # end), here up to 5 s.
        start_cache --refill-defer-ms 5000 --pool-net 8 --pool-ipc 8 --pool-uts 8
        # 5 of 8: below the low water mark (4), not down to half of it (2).
        hold_leases 30 5
        sleep 0.5
        run -0 status_json
        echo "$output" | jq -e '.pools.net.ready == 3 and .pools.ipc.ready == 3' ||
                fail "refilled while the create held its lease: $output"
        kill "$HOLDER"
        wait_pools_full
}

@test "cache: a pool running dry is refilled at once, creates holding leases or not" {
        start_cache --refill-defer-ms 5000
        hold_leases 30 2
        wait_pools_full
        kill -0 "$HOLDER" || fail "the holder ended first"
        kill "$HOLDER"
}

@test "cache: a create that holds its lease long delays the refill only by refill_defer_ms" {
        start_cache --refill-defer-ms 100 --pool-net 8 --pool-ipc 8 --pool-uts 8
        # Full again while the connection is still open (the holder sleeps 30 s).
        hold_leases 30 5
        wait_pools_full
        kill -0 "$HOLDER" || fail "the holder ended first"
        kill "$HOLDER"
        # 0 turns the deferral off.
        run -0 cache stop
        start_cache --refill-defer-ms 0 --pool-net 8 --pool-ipc 8 --pool-uts 8
        hold_leases 30 5
        wait_pools_full
        kill -0 "$HOLDER" || fail "the holder ended first"
        kill "$HOLDER"
}

@test "cache: a retired mount namespace is dropped only when leases stop coming, and within 2 s" {
        start_cache
        setup_bundle
        set_args true
        local pid
        pid=$(cache_main_pids)
        # Leases every 5 ms (the cache waits for 50 ms without one before it drops what it
        # holds, so that the teardown does not compete with the creates), a container run among
        # them, and 0.4 s later (past the 200 ms hold) its mount namespace still held.  A stall
        # of the leaser longer than 50 ms (a busy machine) lets the cache drop it, so a few tries.
        local try held=0 leaser
        for ((try = 0; try < 3 && held == 0; try++)); do
                rm -f "$FC_TMP/leasing"
                python3 - "$CACHE_SOCK" "$FC_TMP/leasing" <<'EOF' &
import socket, struct, sys, time
lease = struct.pack("=IHHIi", 0x43504346, 1, 1, 8, 0) + struct.pack("=II", 0, 0)
t0 = time.monotonic()
while time.monotonic() - t0 < 1.5:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    s.send(lease)
    s.recv(256)
    s.close()
    open(sys.argv[2], "w").close()
    time.sleep(0.005)
EOF
                leaser=$!
                on_teardown "kill $leaser 2>/dev/null || true"
                # Python's own start can take longer than the cache's 50 ms (0.4 s on one
                # machine here): the container runs once the leases come.
                wait_for_file "$FC_TMP/leasing"
                track_id "$FC_ID-$try"
                run -0 fc --cache-socket "$CACHE_SOCK" run --bundle "$FC_BUNDLE" "$FC_ID-$try"
                sleep 0.4
                held=$(find "/proc/$pid/fd" -lname 'mnt:*' 2>/dev/null | wc -l)
                wait "$leaser"
        done
        [ "$held" -ge 1 ] || fail "dropped while leases kept coming, $try times: $(status_json)"
        # Quiet: dropped soon.
        wait_mntns_dropped "$pid" 60
}

@test "cache: a cache from before the trees drops their request: the runtime asks again without them" {
        bats_require_minimum_version 1.5.0
        setup_bundle
        export FLASHCUBE_CACHE_SOCKET=$CACHE_SOCK
        mkdir -m 0700 "$CACHE_DIR"
        # A cache as one from before this version would answer (still running after an
        # upgrade), leasing the network, IPC and UTS namespaces it runs in.
        unshare --net --ipc --uts /usr/bin/python3 "$BATS_TEST_DIRNAME/old-cache.py" \
                "$CACHE_SOCK" "$FC_TMP/old-cache.log" 3>&- &
        local old=$!
        on_teardown "kill $old"
        local i
        for ((i = 0; i < 500; i++)); do
                grep -qx ready "$FC_TMP/old-cache.log" 2>/dev/null && break
                sleep 0.01
        done
        grep -qx ready "$FC_TMP/old-cache.log" || fail "the older cache did not start"
        local net ipc
        net=$(readlink "/proc/$old/ns/net")
        ipc=$(readlink "/proc/$old/ns/ipc")
        [ "$net" != "$(readlink /proc/self/ns/net)" ]
        set_cmd 'readlink /proc/self/ns/net; readlink /proc/self/ns/ipc'
        # Its lease: the older cache's namespaces, asked again for without the trees.  Both
        # requests share the create's wait, which a busy machine (sanitizer builds) can
        # push this slow cache past: a few tries.
        local try
        for try in 1 2 3; do
                track_id "$FC_ID-o$try"
                run -0 --separate-stderr fc --debug --log "$FC_TMP/o$try.log" run --bundle "$FC_BUNDLE" "$FC_ID-o$try"
                grep -q 'asking again without trees' "$FC_TMP/o$try.log"
                grep -q 'parts cache miss' "$FC_TMP/o$try.log" || break
        done
        [ "${lines[0]}" = "$net" ] || fail "net: $output (the older cache's: $net): $(cat "$FC_TMP/o$try.log")"
        [ "${lines[1]}" = "$ipc" ] || fail "ipc: $output (the older cache's: $ipc)"
        # What the older cache saw: the request with trees (dropped), then the plain one.
        grep -q '^drop op [578] want 0x[23]' "$FC_TMP/old-cache.log"
        grep -q '^lease op [15] 0x7$' "$FC_TMP/old-cache.log"
}
