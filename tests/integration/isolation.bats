#!/usr/bin/env bats
# Isolation of pooled parts (DESIGN.md "Parts are single-use"; issue 5, "Isolation"): a container
# never sees anything a previous container did to its network, IPC or UTS namespace.
#
# A "dirty" container, given the capabilities to do it, changes every kind of state those
# namespaces keep (addresses, routes, rules, links, netns and ipc sysctls, SysV shm/sem/msg,
# POSIX mqueues, hostname, domainname) and proves to itself that each change took.  The check
# containers after it are assembled from leased parts of a small pool (2 per kind, so parts cycle
# quickly) and must see every kind exactly as a container with freshly created namespaces
# (--no-cache, recorded before any dirt) sees it.
#
# Namespaces are told apart by inode.  The kernel gives a dead namespace's inode number to the
# next new one, so every namespace a test records is kept alive by a holder process (pin_ns)
# until teardown: an inode seen twice then really is one namespace handed out twice.
#
# Every test runs its own cache on a socket in its temp dir, even when the suite runs cold
# (FC_TEST_CACHE=off): these tests are about the cache.

load helpers

POOL=2

setup_file() {
        # Busybox has no ipcmk: a static helper leaves SysV and POSIX IPC objects behind.
        rm -f "$BATS_FILE_TMPDIR/ipc-dirty"
        gcc -static -O2 -o "$BATS_FILE_TMPDIR/ipc-dirty" "$BATS_TEST_DIRNAME/ipc-dirty.c" \
                >"$BATS_FILE_TMPDIR/ipc-dirty.log" 2>&1 || true
}

setup() {
        requires_flashcube
        setup_common
        [ -x "$BATS_FILE_TMPDIR/ipc-dirty" ] ||
                skip "cannot build the static IPC helper: $(head -n1 "$BATS_FILE_TMPDIR/ipc-dirty.log")"
        unset FLASHCUBE_NO_CACHE
        CACHE_DIR=$FC_TMP/cache
        CACHE_SOCK=$CACHE_DIR/cache.sock
        CACHE_PID=$CACHE_DIR/cache.pid
        export FLASHCUBE_CACHE_SOCKET=$CACHE_SOCK
        HOST_NAME=$(uname -n)
        HOST_DOMAIN=$(cat /proc/sys/kernel/domainname)
        # Namespaces recorded in this test ("net:[N] ipc:[N] uts:[N]" per container), all pinned.
        SEEN=()
        DIRTY_NS=()
        make_bundles
}

teardown() {
        if [ -n "${CACHE_SOCK:-}" ]; then
                cache stop >/dev/null 2>&1 || true
                [ -s "$CACHE_PID" ] && kill -KILL "$(cat "$CACHE_PID")" 2>/dev/null
        fi
        teardown_common
}

cache() {
        timeout --kill-after=5 "$FC_TIMEOUT" "$FC_RUNTIME" --cache-socket "$CACHE_SOCK" cache "$@"
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

start_cache() {
        run -0 cache serve --detach --pool-net "$POOL" --pool-ipc "$POOL" --pool-uts "$POOL"
        wait_pools_full
}

# hits KIND: how many parts of KIND the cache has handed out.
hits() {
        status_json | jq -r ".pools.$1.hits"
}

# cache_parts: the namespaces the cache holds right now ("net:[N]" lines), from its fd table.
cache_parts() {
        local f
        for f in /proc/"$(cat "$CACHE_PID")"/fd/*; do
                readlink "$f" 2>/dev/null
        done | grep -E '^(net|ipc|uts):\[' || true
}

# The sysctls of the network and IPC namespaces the check script reports and the dirty one changes.
SYSCTLS="net/ipv4/ip_forward net/ipv4/conf/lo/accept_local net/ipv4/ping_group_range
net/ipv4/ip_nonlocal_bind net/ipv4/ip_local_port_range net/ipv4/tcp_syncookies net/core/somaxconn
net/ipv6/conf/all/forwarding net/ipv6/conf/lo/hop_limit net/unix/max_dgram_qlen
kernel/shmmax kernel/shmall kernel/shmmni kernel/msgmax kernel/msgmnb kernel/msgmni kernel/sem
fs/mqueue/msg_max fs/mqueue/msgsize_max fs/mqueue/queues_max"

write_check_script() {
        cat >"$1/fct-check.sh" <<EOF
#!/bin/sh
# What a container sees of its network, IPC and UTS namespaces.
echo "ns \$(readlink /proc/self/ns/net) \$(readlink /proc/self/ns/ipc) \$(readlink /proc/self/ns/uts)"
echo "uts \$(hostname) \$(cat /proc/sys/kernel/domainname)"
echo "== links"
ip -o link show
echo "== addresses"
ip -o addr show
echo "== routes"
ip route show table all
ip -6 route show table all
echo "== rules"
ip rule show
ip -6 rule show
echo "== sysctls"
for f in $(echo $SYSCTLS); do
        if [ -e "/proc/sys/\$f" ]; then echo "\$f = \$(cat "/proc/sys/\$f")"; else echo "\$f missing"; fi
done
echo "== sysvipc"
cat /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg
echo "== mqueue"
ls -A /dev/mqueue
echo "== end"
EOF
        chmod 755 "$1/fct-check.sh"
}

write_dirty_script() {
        cat >"$1/fct-dirty.sh" <<'EOF'
#!/bin/sh
# Change every kind of state the network, IPC and UTS namespaces keep; any failure fails the test,
# except links, which depend on what the kernel was built with (reported by name).
set -e
ip addr add 192.0.2.77/32 dev lo
ip addr add 2001:db8::77/128 dev lo
ip route add 198.51.100.0/24 dev lo
ip route add 203.0.113.0/24 dev lo table 77
ip rule add from 192.0.2.77 table 77 priority 777
ip link set lo mtu 1500
for kind in dummy veth; do
        if [ $kind = veth ]; then peer="peer name fctpeer0"; else peer=; fi
        if ip link add name fct$kind type $kind $peer 2>/dev/null; then
                echo "link $kind: added"
        else
                echo "link $kind: refused by the kernel"
        fi
done
# IPC objects before the limits below shrink (mq_open's defaults must still fit).
/ipc-dirty
w() { echo "$2" >"/proc/sys/$1"; }
# A new network namespace takes IPv4 forwarding from the host's (1 where dockerd ran): flipped.
w net/ipv4/ip_forward $((1 - $(cat /proc/sys/net/ipv4/ip_forward)))
w net/ipv4/conf/lo/accept_local 1
w net/ipv4/ping_group_range "0 2147483647"
w net/ipv4/ip_nonlocal_bind 1
w net/ipv4/ip_local_port_range "40000 40100"
w net/core/somaxconn 77
w net/ipv6/conf/all/forwarding 1
w net/ipv6/conf/lo/hop_limit 7
w net/unix/max_dgram_qlen 77
w kernel/shmmax 77777
w kernel/shmall 7777
w kernel/shmmni 77
w kernel/msgmax 7777
w kernel/msgmni 77
w kernel/sem "77 777 7 77"
w fs/mqueue/msg_max 7
w fs/mqueue/msgsize_max 777
w fs/mqueue/queues_max 77
# net/ipv4/tcp_syncookies and kernel/msgmnb come from the config's linux.sysctl (the runtime
# writes them); hostname and domainname from the config, then changed again here.
hostname fct-dirty-proc
echo fct-dirty-proc.example >/proc/sys/kernel/domainname
echo "== dirty done"
/fct-check.sh
exec sleep 1000
EOF
        chmod 755 "$1/fct-dirty.sh"
}

# Three bundles sharing one rootfs copy each: check (hostname unset: the host's name), check-named
# (hostname in the config), dirty (capabilities, writable /proc/sys, config sysctls and names).
make_bundles() {
        setup_bundle "$FC_TMP/check"
        write_check_script "$FC_TMP/check/rootfs"
        update_config '.process.args = ["/fct-check.sh"] | del(.hostname)'
        CHECK=$FC_TMP/check

        setup_bundle "$FC_TMP/check-named"
        write_check_script "$FC_TMP/check-named/rootfs"
        update_config '.process.args = ["/fct-check.sh"] | .hostname = "fct-check"'
        CHECK_NAMED=$FC_TMP/check-named

        setup_bundle "$FC_TMP/dirty"
        write_check_script "$FC_TMP/dirty/rootfs"
        write_dirty_script "$FC_TMP/dirty/rootfs"
        cp "$BATS_FILE_TMPDIR/ipc-dirty" "$FC_TMP/dirty/rootfs/ipc-dirty"
        update_config '.process.args = ["/fct-dirty.sh"]
                | .hostname = "fct-dirty-config" | .domainname = "fct-dirty-config.example"
                | .linux.readonlyPaths -= ["/proc/sys"]
                | .linux.sysctl = {"net.ipv4.tcp_syncookies": "0", "kernel.msgmnb": "4242"}
                | .process.capabilities |= with_entries(
                        if .key == "ambient" then . else .value += $caps | .value |= unique end)' \
                --argjson caps '["CAP_NET_ADMIN","CAP_NET_RAW","CAP_SYS_ADMIN","CAP_IPC_OWNER","CAP_IPC_LOCK"]'
        DIRTY=$FC_TMP/dirty
}

# pin_ns PID: keep PID's network, IPC and UTS namespaces alive until teardown.
pin_ns() {
        local pid=$1 h i
        sleep 1000 3<"/proc/$pid/ns/net" 4<"/proc/$pid/ns/ipc" 5<"/proc/$pid/ns/uts" \
                </dev/null >/dev/null 2>&1 &
        h=$!
        FC_HOLDERS+=("$h")
        for ((i = 0; i < 500; i++)); do
                [[ "$(readlink "/proc/$h/fd/5" 2>/dev/null)" == uts:* ]] && return 0
                sleep 0.01
        done
        fail "holder for the namespaces of $pid did not start"
}

# ns_of PID: "net:[N] ipc:[N] uts:[N]" as the host sees it.
ns_of() {
        echo "$(readlink "/proc/$1/ns/net") $(readlink "/proc/$1/ns/ipc") $(readlink "/proc/$1/ns/uts")"
}

# section FILE: the part of a check script's output compared with the reference.
section() {
        sed -n '/^== links$/,/^== end$/p' "$1"
}

# wait_output FILE LINE: until the container printed LINE.
wait_output() {
        local i
        for ((i = 0; i < 1000; i++)); do
                grep -Fqx -- "$2" "$1" 2>/dev/null && return 0
                sleep 0.01
        done
        fail "no '$2' in $1: $(cat "$1")"
}

# record NS: remember a container's namespaces; none may have been seen before in this test.
record() {
        local ns=$1 kind seen
        for kind in $ns; do
                for seen in "${SEEN[@]}"; do
                        [[ " $seen " != *" $kind "* ]] ||
                                fail "$kind handed out twice (had: $seen, now: $ns)" || return 1
                done
        done
        SEEN+=("$ns")
}

# held_recorded_part: the first namespace a container has had that the cache holds, if any.
held_recorded_part() {
        local part seen
        for part in $(cache_parts); do
                for seen in "${SEEN[@]}"; do
                        if [[ " $seen " == *" $part "* ]]; then
                                echo "$part ($seen)"
                                return 0
                        fi
                done
        done
}

# no_recorded_part_in_cache: the cache holds none of the namespaces a container has had - once
# the ones handed back for teardown (a container's mount namespace and leased network and IPC
# namespaces, held at most 2 s after the last lease) are dropped.  That they are never handed
# out again, record checks.
no_recorded_part_in_cache() {
        local held try
        for ((try = 0; try < 40; try++)); do
                held=$(held_recorded_part)
                [ -z "$held" ] && return 0
                sleep 0.1
        done
        fail "the cache still holds $held, handed out to a container"
}

# reference: a container with freshly created namespaces (no cache), before any dirt.  Sets REF
# (its output file); checks the basics absolutely, so a dirty reference cannot pass for clean.
reference() {
        local id
        id=$(fc_random_id)
        track_id "$id"
        REF=$FC_TMP/reference.out
        FLASHCUBE_NO_CACHE=1 fc run --bundle "$CHECK" "$id" >"$REF" 2>"$FC_TMP/reference.err" ||
                fail "reference container failed: $(cat "$FC_TMP/reference.err")"
        grep -Fqx "uts $HOST_NAME $HOST_DOMAIN" "$REF" || fail "reference uts: $(cat "$REF")"
        # lo is the only link with an address, and has only the loopback ones.
        local addrs
        addrs=$(sed -n '/^== addresses$/,/^== routes$/p' "$REF" | grep -oE 'inet6? [^ ]+' | tr '\n' ' ')
        [ "$addrs" = "inet 127.0.0.1/8 inet6 ::1/128 " ] || fail "reference addresses: $addrs"
        [ "$(sed -n '/^== sysvipc$/,/^== mqueue$/p' "$REF" | grep -c .)" -eq 5 ] ||
                fail "reference sysvipc not empty: $(cat "$REF")"
        [ "$(sed -n '/^== mqueue$/,/^== end$/p' "$REF" | grep -c .)" -eq 2 ] ||
                fail "reference mqueue not empty: $(cat "$REF")"
        ! grep -q missing "$REF" || fail "reference lacks sysctls: $(grep missing "$REF")"
}

# start_dirty [cold]: create the dirty container (from leased parts, or with --no-cache), pin its
# namespaces, start it and wait until it has dirtied everything.  Sets DIRTY_ID, DIRTY_NS, DIRTY_OUT
# and POOLED_AT_DIRTY (the parts the cache held just after its create).
start_dirty() {
        local mode=${1:-warm} before pid try
        for ((try = 0; try < 5; try++)); do
                wait_pools_full
                before=$(cache_parts | tr '\n' ' ')
                DIRTY_ID=$(fc_random_id)
                track_id "$DIRTY_ID"
                if [ "$mode" = cold ]; then
                        FLASHCUBE_NO_CACHE=1 fc_detached create --bundle "$DIRTY" "$DIRTY_ID"
                else
                        fc_detached create --bundle "$DIRTY" "$DIRTY_ID"
                fi
                [ "$status" -eq 0 ] || fail "create dirty: $output" || return 1
                DIRTY_OUT=$FC_OUT
                pid=$(container_pid "$DIRTY_ID")
                pin_ns "$pid"
                DIRTY_NS=$(ns_of "$pid")
                local kind leased=0
                for kind in $DIRTY_NS; do
                        [[ " $before " == *" $kind "* ]] && leased=$((leased + 1))
                done
                if [ "$mode" = cold ]; then
                        [ "$leased" -eq 0 ] || fail "a --no-cache container got pooled parts" || return 1
                        break
                fi
                # A busy machine can push the cache's reply past the client's wait (a miss):
                # then this one is cold, and we try again for a dirty container on leased parts.
                [ "$leased" -eq 3 ] && break
                echo "# dirty container $try was not assembled from pooled parts ($leased of 3)" >&3
                fc delete -f "$DIRTY_ID"
        done
        [ "$mode" = cold ] || [ "$leased" -eq 3 ] ||
                fail "no dirty container got leased parts in 5 tries" || return 1
        record "$DIRTY_NS"
        POOLED_AT_DIRTY=$(cache_parts | tr '\n' ' ')
        run -0 fc start "$DIRTY_ID"
        wait_output "$DIRTY_OUT" "== end"
        dirt_took
}

# dirt_took: the dirty container saw each of its changes (so the checks are not vacuous).
dirt_took() {
        grep -Fqx "ns $DIRTY_NS" "$DIRTY_OUT" || fail "dirty ns: $(cat "$DIRTY_OUT")" || return 1
        grep -Fqx "uts fct-dirty-proc fct-dirty-proc.example" "$DIRTY_OUT" ||
                fail "dirty uts: $(cat "$DIRTY_OUT")" || return 1
        local s ref dirty
        for s in links addresses routes rules sysvipc mqueue; do
                ref=$(sed -n "/^== $s\$/,/^== /p" "$REF")
                dirty=$(sed -n "/^== $s\$/,/^== /p" "$DIRTY_OUT")
                [ "$ref" != "$dirty" ] || fail "the dirty container did not change $s" || return 1
        done
        # Every sysctl changed.
        local f
        for f in $SYSCTLS; do
                ref=$(grep "^$f = " "$REF")
                dirty=$(grep "^$f = " "$DIRTY_OUT")
                [ -n "$dirty" ] && [ "$ref" != "$dirty" ] ||
                        fail "the dirty container did not change $f ($dirty)" || return 1
        done
        grep -q '^/fct-dirty$\|^fct-dirty$' "$DIRTY_OUT" || fail "no mqueue in the dirty container" ||
                return 1
        [ "$(sed -n '/^== sysvipc$/,/^== mqueue$/p' "$DIRTY_OUT" | grep -c .)" -eq 8 ] ||
                fail "dirty sysvipc: $(cat "$DIRTY_OUT")" || return 1
        grep -q "^link veth: added" "$DIRTY_OUT" ||
                echo "# veth links not covered: $(grep '^link veth' "$DIRTY_OUT")" >&3
        grep -q "^link dummy: added" "$DIRTY_OUT" ||
                echo "# dummy links not covered: $(grep '^link dummy' "$DIRTY_OUT")" >&3
}

# stop_dirty: remove the dirty container (its namespaces stay pinned).
stop_dirty() {
        run -0 fc delete -f "$DIRTY_ID"
}

# pristine OUT WANT_HOSTNAME: a check container's output shows nothing of the dirty container.
pristine() {
        local out=$1 want_host=$2
        grep -Fqx "uts $want_host $HOST_DOMAIN" "$out" ||
                fail "uts not pristine (want '$want_host $HOST_DOMAIN'): $(grep ^uts "$out")" || return 1
        if ! diff -u <(section "$REF") <(section "$out") >"$FC_TMP/diff"; then
                fail "not pristine (diff against a container with fresh namespaces): $(cat "$FC_TMP/diff")"
                return 1
        fi
        # The dirty container's marks, by name, in case the reference itself was wrong.
        ! grep -E '192\.0\.2\.77|2001:db8::77|198\.51\.100|203\.0\.113|lookup 77|fct(dummy|veth|peer)|fct-dirty|mtu 1500 qdisc noqueue' \
                "$out" || fail "dirty marks in $out" || return 1
}

# check_round N: N check containers created at once (so that the pool drains, older parts
# included), then started one by one; each must be pristine and have namespaces never seen before.
# Adds to LEASED the number whose three namespaces all came from the pool.
check_round() {
        local n=$1 c before pid ns kind got
        local ids=() outs=() bundles=() hosts=() nss=() jobs=()
        before=$(cache_parts | tr '\n' ' ')
        for ((c = 0; c < n; c++)); do
                ids[c]=$(fc_random_id)
                outs[c]=$FC_TMP/check.${ids[c]}.out
                track_id "${ids[c]}"
                if (((${#SEEN[@]} + c) % 2)); then
                        bundles[c]=$CHECK_NAMED hosts[c]=fct-check
                else
                        bundles[c]=$CHECK hosts[c]=$HOST_NAME
                fi
                fc create --bundle "${bundles[c]}" "${ids[c]}" </dev/null >"${outs[c]}" 2>"${outs[c]}.err" &
                jobs+=($!)
        done
        # Only these: `wait` alone would also wait for the holders.
        wait "${jobs[@]}" || true
        for ((c = 0; c < n; c++)); do
                pid=$(container_pid "${ids[c]}") || fail "create ${ids[c]}: $(cat "${outs[c]}.err")" || return 1
                pin_ns "$pid"
                ns=$(ns_of "$pid")
                nss[c]=$ns
                record "$ns" || return 1
                got=0
                for kind in $ns; do
                        [[ " $before " == *" $kind "* ]] && got=$((got + 1))
                        HANDED+=("$kind")
                done
                [ "$got" -eq 3 ] && LEASED=$((LEASED + 1))
        done
        no_recorded_part_in_cache || return 1
        for ((c = 0; c < n; c++)); do
                run -0 fc start "${ids[c]}"
                wait_for_status stopped "${ids[c]}"
                wait_output "${outs[c]}" "== end"
                run -0 fc delete "${ids[c]}"
                grep -Fqx "ns ${nss[c]}" "${outs[c]}" ||
                        fail "container ${ids[c]} saw other namespaces than its init: $(head -n1 "${outs[c]}")" ||
                        return 1
                pristine "${outs[c]}" "${hosts[c]}" || return 1
        done
}

# checks_until_cycled: rounds of check containers until at least 2 x POOL of them were assembled
# entirely from leased parts and every part the cache held when the dirty container was made has
# been handed out to one of them (at most 6 rounds).  The pools are stacks refilled after 1 ms
# without a request, so the oldest part can stay at the bottom for good: that is reported, not
# failed, since no container ever had such a part.
checks_until_cycled() {
        local round part left
        for ((round = 0; round < 6; round++)); do
                wait_pools_full
                check_round $((2 * POOL + 1)) || return 1
                left=
                for part in $POOLED_AT_DIRTY; do
                        [[ " ${HANDED[*]} " == *" $part "* ]] || left="$left $part"
                done
                [ "$LEASED" -ge $((2 * POOL)) ] && [ -z "$left" ] && return 0
        done
        [ "$LEASED" -ge $((2 * POOL)) ] ||
                fail "only $LEASED check containers were assembled from leased parts" || return 1
        # A part can also die unused: a reply later than the client's wait closes it with the
        # connection.  Either way no container ever had it.
        echo "# pooled when the dirty container was made, not handed to a check container:$left" >&3
}

# The lease counters moved by at least N per kind since hits_before.
hits_before() {
        HITS0=("$(hits net)" "$(hits ipc)" "$(hits uts)")
}

hits_grew() {
        local n=$1 k i=0
        for k in net ipc uts; do
                [ "$(hits $k)" -ge $((HITS0[i] + n)) ] ||
                        fail "$k hits $(hits $k), were ${HITS0[i]}: fewer than $n leases" || return 1
                i=$((i + 1))
        done
}

@test "isolation: a dirty container on leased parts leaves nothing for the containers after it" {
        start_cache
        reference
        HANDED=() LEASED=0
        start_dirty warm
        hits_before
        # While the dirty container still runs...
        check_round $((POOL + 1))
        # ...and after it is gone.
        stop_dirty
        no_recorded_part_in_cache
        checks_until_cycled
        hits_grew $((2 * POOL))
        run -0 status_json
        echo "$output" | jq -e '.errors == 0'
}

@test "isolation: a dirty container with cold namespaces leaves nothing for leased ones" {
        start_cache
        reference
        HANDED=() LEASED=0
        hits_before
        start_dirty cold
        # The cold create took nothing from the cache.
        hits_grew 0
        [ "$(hits net)" -eq "${HITS0[0]}" ]
        check_round $((POOL + 1))
        stop_dirty
        no_recorded_part_in_cache
        checks_until_cycled
        hits_grew $((2 * POOL))
}

@test "isolation: a leased part is never handed out twice, not even to containers running together" {
        start_cache
        setup_bundle "$FC_TMP/pair"
        set_cmd 'readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts; exec sleep 1000'
        local round c pid ns ids outs jobs n
        hits_before
        for ((round = 0; round < 2 * POOL + 1; round++)); do
                wait_pools_full
                ids=("$(fc_random_id)" "$(fc_random_id)")
                outs=() jobs=()
                for c in 0 1; do
                        outs[c]=$FC_TMP/pair.${ids[c]}.out
                        track_id "${ids[c]}"
                        fc run -d --bundle "$FC_BUNDLE" "${ids[c]}" </dev/null >"${outs[c]}" 2>&1 &
                        jobs+=($!)
                done
                wait "${jobs[@]}"
                for c in 0 1; do
                        pid=$(container_pid "${ids[c]}")
                        wait_output "${outs[c]}" "$(readlink "/proc/$pid/ns/uts")"
                        pin_ns "$pid"
                        ns=$(ns_of "$pid")
                        # What the container sees is what the host sees of its init.
                        [ "$(tr '\n' ' ' <"${outs[c]}")" = "$ns " ] || fail "${outs[c]}: $(cat "${outs[c]}")"
                        record "$ns"
                done
                # Both run at once: different namespaces of every kind.
                [ "$(container_status "${ids[0]}")" = running ] && [ "$(container_status "${ids[1]}")" = running ]
                no_recorded_part_in_cache
                # The pair stops before the next one starts; its namespaces stay pinned.
                for c in 0 1; do
                        run -0 fc delete -f "${ids[c]}"
                done
        done
        n=$((2 * (2 * POOL + 1)))
        [ "${#SEEN[@]}" -eq "$n" ]
        # Most containers were assembled from the pool (pools were full before each pair).
        hits_grew $((2 * POOL))
}

@test "isolation: nft/iptables rules a container adds are never seen by the next" {
        local tool
        for tool in nft iptables-nft iptables; do
                command -v "$tool" >/dev/null && break
                tool=
        done
        # Busybox has no netfilter tool, so the rule is added from the host inside the container's
        # network namespace (what a container with CAP_NET_ADMIN and the tool could do).
        [ -n "$tool" ] || skip "no nft or iptables binary (busybox has none, nor does the host)"
        start_cache
        setup_bundle "$FC_TMP/nf"
        set_cmd 'exec sleep 1000'
        local id pid round list
        HANDED=() LEASED=0
        for ((round = 0; round < 2 * POOL + 1; round++)); do
                wait_pools_full
                id=$(fc_random_id)
                run_detached "$id"
                pid=$(container_pid "$id")
                pin_ns "$pid"
                record "$(ns_of "$pid")"
                if [ "$tool" = nft ]; then
                        list=$(nsenter --net="/proc/$pid/ns/net" nft list ruleset)
                        [ -z "$list" ] || fail "rules in a new container: $list"
                        nsenter --net="/proc/$pid/ns/net" nft add table inet fct_dirty
                        nsenter --net="/proc/$pid/ns/net" nft add chain inet fct_dirty in '{ type filter hook input priority 0; }'
                else
                        list=$(nsenter --net="/proc/$pid/ns/net" "$tool" -S | grep -v '^-P ' || true)
                        [ -z "$list" ] || fail "rules in a new container: $list"
                        nsenter --net="/proc/$pid/ns/net" "$tool" -A INPUT -s 192.0.2.77 -j DROP
                fi
                run -0 fc delete -f "$id"
        done
        no_recorded_part_in_cache
}

# cgroup_report: what a container sees of its own v1 cgroup (mounted at /sys/fs/cgroup/<ctrl>).
CG_REPORT='for f in memory/memory.limit_in_bytes memory/memory.max_usage_in_bytes memory/memory.failcnt pids/pids.max pids/pids.current; do
        echo "$f $(cat /sys/fs/cgroup/$f 2>/dev/null || echo missing)"
done'

@test "isolation: cgroup v1: counters and limits of a container's cgroup never reach the next (pooled cgroups)" {
        load cgroup-helpers
        cg_is_v2 && skip "pure cgroup v2: cgroups cannot be renamed, so none are pooled"
        [ -n "$(cg_mount memory)" ] && [ -n "$(cg_mount pids)" ] ||
                skip "no memory or pids cgroup v1 hierarchy"
        run -0 cache serve --detach --pool-cgroup 2
        setup_bundle "$FC_TMP/cg"
        cg_setup
        # One place for all the containers, there before and after each (as /docker is): a
        # parent a container's create makes, its delete removes.
        local h
        for h in $(awk '$9 == "cgroup" { print $5 }' /proc/self/mountinfo); do
                mkdir -p "$h$FC_CG_PARENT"
        done
        # The reference: a cgroup made by mkdir (--no-cache).
        local ref
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/ref"
        set_cmd "$CG_REPORT"
        ref=$(FLASHCUBE_NO_CACHE=1 fc run --bundle "$FC_BUNDLE" "$(fc_random_id)")
        [[ "$ref" == *"pids/pids.max max"* ]] || fail "reference: $ref"
        # The dirty container: limits, processes, 16 MiB charged to its memory cgroup.
        update_config '.linux.cgroupsPath = $p | .linux.resources.memory.limit = 67108864
                | .linux.resources.pids.limit = 40' --arg p "$FC_CG_PARENT/dirty"
        set_cmd 'for n in 1 2 3 4 5 6 7 8; do sleep 0.05 & done; dd if=/dev/zero of=/dev/shm/fill bs=1M count=16 2>/dev/null; wait; '"$CG_REPORT"
        local dirty
        dirty=$(fc run --bundle "$FC_BUNDLE" "$(fc_random_id)")
        [[ "$dirty" == *"memory/memory.limit_in_bytes 67108864"* && "$dirty" == *"pids/pids.max 40"* ]] ||
                fail "dirty container: $dirty"
        local used
        used=$(echo "$dirty" | awk '$1 == "memory/memory.max_usage_in_bytes" { print $2 }')
        [ "$used" -ge $((16 << 20)) ] || fail "dirty container used only $used bytes"
        # Check containers, most on pooled cgroups: every limit as in the reference, no counter near
        # the dirty one's.
        local round out hits0
        hits0=$(cache status --format json | jq .pools.cgroup.hits)
        update_config 'del(.linux.resources.memory) | del(.linux.resources.pids)'
        set_cmd "$CG_REPORT"
        for ((round = 0; round < 4; round++)); do
                wait_pools_full
                update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PARENT/check$round"
                out=$(fc run --bundle "$FC_BUNDLE" "$(fc_random_id)")
                [ "$(echo "$out" | grep -v max_usage | grep -v pids.current)" = \
                        "$(echo "$ref" | grep -v max_usage | grep -v pids.current)" ] ||
                        fail "check $round: $out (reference: $ref)"
                used=$(echo "$out" | awk '$1 == "memory/memory.max_usage_in_bytes" { print $2 }')
                [ "$used" -lt $((8 << 20)) ] || fail "check $round starts with $used bytes used"
        done
        [ "$(cache status --format json | jq .pools.cgroup.hits)" -ge $((hits0 + 2)) ] ||
                fail "fewer than 2 pooled cgroups used: $(cache status --format json)"
}
