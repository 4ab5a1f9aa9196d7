# shellcheck shell=bash disable=SC2154
# lib.sh - sourced by the benchmarks: the private parts cache and the cleanup.
# Expects $fc (the flashcube binary) and $work (the work dir on /run); sets $sock.

# A parts cache private to the benchmark, on a socket in its work dir, so
# the numbers are never those of (nor disturb) a cache someone else runs.
bench_start_cache()
{
        mkdir -m 0700 "$work/cache"
        sock=$work/cache/cache.sock
        "$fc" --cache-socket "$sock" cache serve --detach "$@"
}

# Whatever an interrupted run left: containers in the state roots (a
# created container holds a process and cgroups), the cache, the work dir.
# --no-cache on the flashcube calls: an error path must not start a cache.
bench_cleanup()
{
        local root id
        local -a rt
        for root in "$work"/*-root; do
                [ -d "$root" ] || continue
                case ${root##*/} in
                fc-root | fc-cold-root) rt=("$fc" --no-cache) ;;
                crun-root) rt=(crun) ;;
                runc-root) rt=(runc) ;;
                *) continue ;;
                esac
                for id in $("${rt[@]}" --root "$root" list -q 2>/dev/null); do
                        "${rt[@]}" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
                done
        done
        if [ -n "${sock:-}" ]; then
                "$fc" --cache-socket "$sock" cache stop >/dev/null 2>&1 || true
        fi
        rm -rf "$work"
}
