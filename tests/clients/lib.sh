# tests/clients/lib.sh - helpers shared by the client tests (docker.sh, containerd.sh,
# podman.sh).  Source it; do not run it.
#
# Every check prints one line: `PASS <client>[<mode>]: <step>`, `FAIL <client>[<mode>]: <step>
# (why)` followed by the command's last output lines, or `SKIP <client>[<mode>]: <step>: <reason>`.
# fc_summary prints "N passed, N failed, N skipped" and sets the exit status.
#
# Knobs (environment):
#   FC_BASE=/tmp/flashcube-clients  parent of the work dirs
#   FC_TIMEOUT=60                   seconds before one client command is killed
#   FC_CLIENT_REPEAT=20             containers in the "many runs in a row" check
#   KEEP=1                          keep the work dir (daemon logs) after the run
#   VERBOSE=1                       echo every client command
#   NET=auto|none|bridge            auto: test the default bridge when this machine has iptables
#                                   and bridges, else skip those steps visibly

FC_BASE=${FC_BASE:-/tmp/flashcube-clients}
FC_TIMEOUT=${FC_TIMEOUT:-60}
FC_CLIENT_REPEAT=${FC_CLIENT_REPEAT:-20}
KEEP=${KEEP:-0}
VERBOSE=${VERBOSE:-0}
NET=${NET:-auto}
IMG_REF=localhost/flashcube-busybox:latest
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PTYRUN=("$HERE/ptyrun.py")

FC_PASS=0
FC_FAIL=0
FC_SKIP=0
FC_TAG=${FC_TAG:-client}

fc_log() { printf '# %s\n' "$*"; }
fc_pass() { FC_PASS=$((FC_PASS + 1)); printf 'PASS %s: %s\n' "$FC_TAG" "$*"; }
fc_fail() { FC_FAIL=$((FC_FAIL + 1)); printf 'FAIL %s: %s\n' "$FC_TAG" "$*"; }
fc_skip() { FC_SKIP=$((FC_SKIP + 1)); printf 'SKIP %s: %s\n' "$FC_TAG" "$*"; }
fc_die() {
        fc_fail "setup: $*"
        exit 1
}

# Every checked command runs under `timeout` (a hung client must not hang the run) with stdin from
# /dev/null and stdout/stderr in files, never a pipe: a container inheriting a pipe would keep a
# $(...) waiting forever.  So CMD must be a program, not a shell function.
FC_OUT=
FC_ERR=
fc_run() {
        if [ -z "$FC_OUT" ]; then
                FC_OUT=$(mktemp "$WORK/out.XXXXXX")
                FC_ERR=$(mktemp "$WORK/err.XXXXXX")
        fi
        [ "$VERBOSE" = 1 ] && fc_log "+ $*"
        timeout -k 5 "$FC_TIMEOUT" "$@" </dev/null >"$FC_OUT" 2>"$FC_ERR"
}
# trimmed stdout of the last fc_run (no CR/NUL/trailing blanks)
fc_stdout() { tr -d '\r\000' <"$FC_OUT" | sed -e 's/[[:space:]]*$//'; }
fc_show_output() { { tail -n 4 "$FC_ERR"; tail -n 3 "$FC_OUT"; } | tr -d '\r\000' | sed 's/^/    /'; }
fc_rcnote() {
        if [ "$1" = 124 ] || [ "$1" = 137 ]; then
                echo "rc=$1: timed out after ${FC_TIMEOUT}s?"
        else
                echo "rc=$1"
        fi
}

# fc_check STEP CMD... : PASS when CMD exits 0.
fc_check() {
        local name=$1 rc
        shift
        fc_run "$@"
        rc=$?
        if [ $rc -eq 0 ]; then
                fc_pass "$name"
        else
                fc_fail "$name ($(fc_rcnote $rc))"
                fc_show_output
        fi
        return $rc
}

# fc_expect STEP WANT CMD... : PASS when CMD's trimmed stdout equals WANT.
fc_expect() {
        local name=$1 want=$2 got rc
        shift 2
        fc_run "$@"
        rc=$?
        got=$(fc_stdout)
        if [ "$got" = "$want" ]; then
                fc_pass "$name"
        else
                fc_fail "$name (want '$want', got '$(printf '%s' "$got" | tail -n 3 | tr '\n' ' ')', $(fc_rcnote $rc))"
                tail -n 4 "$FC_ERR" | sed 's/^/    /'
                return 1
        fi
}

# fc_expect_match STEP REGEX CMD... : PASS when a line of CMD's stdout matches REGEX (ERE).
fc_expect_match() {
        local name=$1 re=$2 rc
        shift 2
        fc_run "$@"
        rc=$?
        if fc_stdout | grep -Eq -- "$re"; then
                fc_pass "$name"
        else
                fc_fail "$name (no line matching '$re', $(fc_rcnote $rc))"
                fc_show_output
                return 1
        fi
}

# fc_expect_rc STEP WANT_RC CMD... : PASS when CMD exits with WANT_RC.
fc_expect_rc() {
        local name=$1 want=$2 rc
        shift 2
        fc_run "$@"
        rc=$?
        if [ "$rc" = "$want" ]; then
                fc_pass "$name"
        else
                fc_fail "$name (want rc=$want, got $(fc_rcnote $rc))"
                fc_show_output
                return 1
        fi
}

# fc_pty_expect STEP REGEX WANT_RC [ptyrun options] -- CMD... : drive CMD on a pty (ptyrun.py);
# PASS when its output has a line matching REGEX and it exits WANT_RC.
fc_pty_expect() {
        local name=$1 re=$2 want=$3 rc
        shift 3
        fc_run "${PTYRUN[@]}" --timeout $((FC_TIMEOUT - 5)) "$@"
        rc=$?
        if [ "$rc" = "$want" ] && fc_stdout | grep -Eq -- "$re"; then
                fc_pass "$name"
        else
                fc_fail "$name (want a line matching '$re' and rc=$want, got $(fc_rcnote $rc))"
                fc_show_output
                return 1
        fi
}

# fc_wait_for SECONDS WANT CMD... : poll CMD until its trimmed stdout is WANT.
fc_wait_for() {
        local secs=$1 want=$2 i
        shift 2
        for i in $(seq 1 $((secs * 10))); do
                fc_run "$@"
                [ "$(fc_stdout)" = "$want" ] && return 0
                sleep 0.1
        done
        return 1
}

fc_now_ms() { echo $(($(date +%s%N) / 1000000)); }

fc_summary() {
        echo "$FC_PASS passed, $FC_FAIL failed, $FC_SKIP skipped"
        [ "$FC_FAIL" -eq 0 ]
}

# ---- the runtime and its parts cache ----

# fc_runtime_setup RUNTIME MODE : validate the runtime, set RT (absolute path), MODE and
# CACHE_SOCK and export the environment the daemons pass down to every runtime call:
#   warm  flashcube starts its parts cache itself on CACHE_SOCK (private to this run) at the
#         first create; nothing here starts it
#   off   FLASHCUBE_NO_CACHE=1: the cold path, and no cache may appear
# For runc/crun (validating the tests themselves) the mode only names the run.
fc_runtime_setup() {
        RT=$1
        MODE=$2
        case "$RT" in
        /*) ;;
        *) RT=$(command -v "$RT") || fc_die "runtime '$1' not found" ;;
        esac
        [ -x "$RT" ] || fc_die "runtime '$RT' is not an executable"
        case "$MODE" in
        warm | off) ;;
        *) fc_die "mode must be warm or off, not '$MODE'" ;;
        esac
        IS_FC=0
        "$RT" --help 2>&1 | grep -q -- --no-cache && IS_FC=1
        mkdir -m 0700 -p "$WORK/cache"
        CACHE_SOCK=$WORK/cache/cache.sock
        export FLASHCUBE_CACHE_SOCKET=$CACHE_SOCK
        if [ "$MODE" = off ]; then export FLASHCUBE_NO_CACHE=1; else unset FLASHCUBE_NO_CACHE; fi
        CACHE_STATUS=()
        [ "$IS_FC" = 1 ] && CACHE_STATUS=("$RT" --cache-socket "$CACHE_SOCK" cache status --format json)
}

# fc_cache_check_started : after the first container, warm mode: the cache flashcube auto-started
# answers; off mode: nothing listens on the socket.
fc_cache_check_started() {
        [ "$IS_FC" = 1 ] || return 0
        if [ "$MODE" = warm ]; then
                if fc_wait_for 5 ok sh -c '"$@" >/dev/null 2>&1 && echo ok' sh "${CACHE_STATUS[@]}"; then
                        fc_pass "parts cache auto-started by flashcube (cache status answers)"
                else
                        fc_fail "parts cache auto-start: 'flashcube cache status' on $CACHE_SOCK does not answer"
                fi
        elif [ -e "$CACHE_SOCK" ]; then
                fc_fail "cache off: a parts cache socket appeared at $CACHE_SOCK"
        else
                fc_pass "cache off: no parts cache started"
        fi
}

# fc_cache_finish : warm: containers were built from pooled parts (hits > 0, errors 0), then
# `flashcube cache stop`; off: still no cache.
fc_cache_finish() {
        local st hits errors
        [ "$IS_FC" = 1 ] || return 0
        if [ "$MODE" = off ]; then
                if [ -e "$CACHE_SOCK" ]; then fc_fail "cache off: a parts cache socket appeared at $CACHE_SOCK"; else
                        fc_pass "cache off: no parts cache was started during the run"; fi
                return 0
        fi
        st=$("${CACHE_STATUS[@]}" 2>&1)
        # top-level counters of `cache status --format json` (the pools have no such keys)
        hits=$(printf '%s' "$st" | sed -n 's/.*"leases":\([0-9]*\)[,}].*/\1/p')
        errors=$(printf '%s' "$st" | sed -n 's/.*"errors":\([0-9]*\)[,}].*/\1/p')
        fc_log "cache status: $st"
        if [ "${hits:-0}" -gt 0 ] && [ "${errors:-1}" = 0 ]; then
                fc_pass "containers used pooled parts (leases=$hits, errors=0)"
        else
                fc_fail "cache status after the run: want leases > 0 and errors 0, got: $st"
        fi
        if fc_check "flashcube cache stop" "$RT" --cache-socket "$CACHE_SOCK" cache stop; then
                fc_wait_for 10 gone sh -c '[ -e "$1" ] || echo gone' sh "$CACHE_SOCK" ||
                        fc_fail "cache stop: socket $CACHE_SOCK still there after 10 s"
                local pooled
                pooled=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -name '.fc-pool-*' \
                        -path "*/$CG_PARENT/*" 2>/dev/null)
                if [ -z "$pooled" ]; then
                        fc_pass "cache stop removed its pooled cgroups"
                else
                        fc_fail "cache stop left pooled cgroups: $(echo "$pooled" | head -n 3)"
                fi
        fi
}

# fc_cache_kill : cleanup path: stop a cache this run's flashcube started, whatever happened.
fc_cache_kill() {
        [ "${IS_FC:-0}" = 1 ] && [ -S "${CACHE_SOCK:-}" ] || return 0
        timeout 20 "$RT" --cache-socket "$CACHE_SOCK" cache stop >/dev/null 2>&1
}

# ---- processes, cgroups, mounts ----

fc_stop_pid() {
        local pid=$1 secs=${2:-20} i
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 1 $((secs * 10))); do
                kill -0 "$pid" 2>/dev/null || return 0
                sleep 0.1
        done
        fc_log "pid $pid ignored SIGTERM for ${secs}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        sleep 0.2
}

# fc_stray_pids DIR : pids of container-stack processes (dockerd, containerd, shims, conmon,
# podman) whose command line mentions DIR: every daemon, shim and conmon the tests start carries
# its work dir in argv, so this finds this run's leftovers and nothing else.
fc_stray_pids() {
        local p a c
        for p in /proc/[0-9]*; do
                p=${p#/proc/}
                [ "$p" = $$ ] && continue
                c=$(cat "/proc/$p/comm" 2>/dev/null) || continue
                case "$c" in
                dockerd | containerd | containerd-shim* | conmon | podman) ;;
                *) continue ;;
                esac
                a=$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null) || continue
                case "$a" in *"$1"*) echo "$p" ;; esac
        done
}

fc_kill_strays() {
        local p
        for p in $(fc_stray_pids "$1"); do
                fc_log "stray pid $p: $({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | cut -c1-120)"
                fc_stop_pid "$p" 5
        done
}

# fc_cgroup_cleanup NAME : kill what is left in the cgroup subtree /NAME (the cgroup parent the
# tests give their containers) and remove it, in every hierarchy.
fc_cgroup_cleanup() {
        local name=$1 c p
        [ -n "$name" ] || return 0
        for c in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
                [ -d "$c$name" ] || continue
                [ -f "$c$name/freezer.state" ] &&
                        find "$c$name" -name freezer.state -exec sh -c 'echo THAWED > "$1"' _ {} \; 2>/dev/null
                find "$c$name" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r p; do
                        fc_log "killing leftover container pid $p (cgroup $name)"
                        kill -KILL "$p" 2>/dev/null
                done
        done
        sleep 0.2
        for c in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
                [ -d "$c$name" ] && find "$c$name" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
        return 0
}

# fc_untrack: remove system dirs the clients created outside the work dir (fc_track_dirs
# records the ones missing before the run) once they are empty again.
FC_NEW_DIRS=()
fc_track_dirs() {
        local d
        for d in "$@"; do [ -e "$d" ] || FC_NEW_DIRS+=("$d"); done
}
fc_untrack_dirs() {
        local d
        for d in "${FC_NEW_DIRS[@]}"; do
                [ -d "$d" ] || continue
                if mountpoint -q "$d" && [ -z "$(ls -A "$d")" ]; then umount "$d" 2>/dev/null; fi
                find "$d" -depth -type d -empty -delete 2>/dev/null
        done
        return 0
}

fc_umount_under() {
        local m
        awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r m; do umount -l "$m" 2>/dev/null; done
}

# fc_leak_snapshot : what containers can leave behind, as comparable lines: cgroups below the
# tests' cgroup parent (every hierarchy), mounts under the work dir or naming the cgroup parent,
# runtime state entries below STATE_ROOTS, and the processes (by name) whose command line
# mentions the work dir.  Pids and ids differ between runs, so only names and counts are kept.
fc_leak_snapshot() {
        local r p c a
        # The parts cache's pooled cgroups (.fc-pool-*) come and go while it runs; its stop
        # removes them (fc_cache_finish checks).
        find /sys/fs/cgroup -mindepth 2 -maxdepth 5 -type d -path "*/$CG_PARENT/*" \
                ! -name '.fc-pool-*' 2>/dev/null | sed 's/^/cgroup /'
        awk -v d="$WORK" -v p="$CG_PARENT" 'index($5, d) == 1 || index($4, p) { print "mount " $5 }' \
                /proc/self/mountinfo
        for r in "${STATE_ROOTS[@]}"; do
                [ -d "$r" ] && find "$r" -name state.json -printf 'state %p\n' 2>/dev/null
        done
        for p in /proc/[0-9]*; do
                [ "${p#/proc/}" = $$ ] && continue
                a=$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
                case "$a" in
                *"$WORK"*) c=$(cat "$p/comm" 2>/dev/null) && echo "process $c" ;;
                esac
        done
}

# fc_leak_check STEP BEFORE_FILE : compare a snapshot with now; list what is new.
fc_leak_check() {
        local name=$1 before=$2 i new
        # Shims and cgroups go away a little after the client returns.
        for i in $(seq 1 30); do
                fc_leak_snapshot | sort >"$before.now"
                new=$(comm -13 "$before" "$before.now")
                [ -z "$new" ] && break
                sleep 0.2
        done
        if [ -z "$new" ]; then
                fc_pass "$name"
        else
                fc_fail "$name: left behind:"
                printf '%s\n' "$new" | head -n 15 | sed 's/^/    /'
        fi
}

# ---- image ----

fc_make_rootfs() {
        local r=$1 app bb
        bb=$(command -v busybox) || fc_die "busybox missing (apt-get install busybox-static)"
        mkdir -p "$r/bin" "$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/root" || return 1
        cp "$bb" "$r/bin/busybox"
        for app in $("$r/bin/busybox" --list); do
                [ "$app" = busybox ] || ln -sf busybox "$r/bin/$app"
        done
        echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
        echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$r/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
}

# fc_make_image OUT.tar [REF] [CMD_JSON] : a docker-archive ("docker save" format) of a one-layer
# busybox-static image tagged REF (default $IMG_REF) running CMD_JSON (default ["/bin/sh"]);
# docker load, podman load and ctr images import all read it.  No registry is needed.
fc_make_image() {
        local out=$1 ref=${2:-$IMG_REF} cmdjson=${3:-'["/bin/sh"]'} d diff cfg arch
        d=$(mktemp -d "$WORK/image.XXXXXX") || return 1
        mkdir -p "$d/arch"
        fc_make_rootfs "$d/rootfs" || return 1
        tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$d/rootfs" -cf "$d/layer.tar" .
        diff=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
        mkdir "$d/arch/$diff" && mv "$d/layer.tar" "$d/arch/$diff/layer.tar"
        arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
        cat >"$d/config.json" <<EOT
{"architecture":"$arch","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":$cmdjson,"WorkingDir":"/"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"flashcube client tests: busybox-static"}]}
EOT
        cfg=$(sha256sum "$d/config.json" | cut -d' ' -f1)
        mv "$d/config.json" "$d/arch/$cfg.json"
        printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' "$cfg" "$ref" "$diff" \
                >"$d/arch/manifest.json"
        tar -C "$d/arch" -cf "$out" manifest.json "$cfg.json" "$diff"
        rm -rf "$d"
}

# ---- host network (only touched when the default bridge is tested) ----

# fc_bridge_usable : can this machine give a daemon a bridge with NAT?  Prints the reason if not.
fc_bridge_usable() {
        command -v iptables >/dev/null || { echo "iptables not installed"; return 1; }
        iptables -t nat -S >/dev/null 2>&1 || { echo "iptables cannot read the nat table here"; return 1; }
        ip link add fccl-probe0 type bridge 2>/dev/null || { echo "cannot create a bridge link"; return 1; }
        ip link delete fccl-probe0 2>/dev/null
        ip link show docker0 >/dev/null 2>&1 && { echo "docker0 already exists (another dockerd?)"; return 1; }
        return 0
}

fc_net_save() {
        local t f
        { for t in filter nat; do iptables -t $t -S 2>/dev/null | sed "s/^/$t /"; done; } >"$1.ipt"
        {
                for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/bridge/bridge-nf-call-iptables \
                        /proc/sys/net/bridge/bridge-nf-call-ip6tables; do
                        [ -w "$f" ] && echo "$f $(cat "$f")"
                done
        } >"$1.sysctl"
        ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' >"$1.links"
}

# fc_net_restore FILE : undo what a daemon added since fc_net_save FILE: added rules and chains,
# policies, sysctls, and docker/CNI bridge and veth links.
fc_net_restore() {
        local f=$1 t rest chain v l
        [ -f "$f.ipt" ] || return 0
        { for t in filter nat; do iptables -t $t -S 2>/dev/null | sed "s/^/$t /"; done; } >"$f.ipt.after"
        grep -vxFf "$f.ipt" "$f.ipt.after" | grep -- ' -A ' | tac | while read -r t rest; do
                eval "iptables -t $t -D ${rest#-A }" 2>/dev/null
        done
        grep -vxFf "$f.ipt" "$f.ipt.after" | grep -- ' -N ' | while read -r t _ chain; do
                iptables -t "$t" -F "$chain" 2>/dev/null
        done
        grep -vxFf "$f.ipt" "$f.ipt.after" | grep -- ' -N ' | while read -r t _ chain; do
                iptables -t "$t" -X "$chain" 2>/dev/null
        done
        grep -- ' -P ' "$f.ipt" | while read -r t rest; do eval "iptables -t $t $rest" 2>/dev/null; done
        while read -r t v; do echo "$v" >"$t"; done <"$f.sysctl"
        ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -vxFf "$f.links" |
                grep -E '^(docker0|veth|cni|podman|br-)' | while read -r l; do ip link delete "$l" 2>/dev/null; done
        rm -f "$f".*
}
