#!/bin/bash
# tests/fuzz/run.sh BUILDDIR SECONDS [TARGET...] - run each libFuzzer harness (built by
# `make fuzz` in BUILDDIR) for SECONDS over its corpus in tests/fuzz/corpus/<target>, one at a
# time, with a 5 s per-input timeout (a hang is a failure) and a 2 GiB RSS limit.  New inputs
# go to a scratch directory; FUZZ_MERGE=1 merges them, minimized, into the committed corpus.
# Prints one line per target (runs, coverage, corpus) and exits non-zero on any crash, leak,
# timeout or out-of-memory.
set -uo pipefail
build=${1:?usage: run.sh BUILDDIR SECONDS [TARGET...]}
secs=${2:?usage: run.sh BUILDDIR SECONDS [TARGET...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config process state resources parts-decode parts-recv)
work=$(mktemp -d /tmp/fc-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
for t in "${targets[@]}"; do
        bin=$build/tests/fuzz/fuzz-$t
        if [ ! -x "$bin" ]; then
                echo "fuzz $t: $bin not built (make fuzz)" >&2
                status=1
                continue
        fi
        mkdir -p "$work/$t" "$work/art-$t"
        log=$work/$t.log
        ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
                "$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -max_len=65536 \
                -print_final_stats=1 -artifact_prefix="$work/art-$t/" \
                "$work/$t" "$here/corpus/$t" >"$log" 2>&1
        rc=$?
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
        echo "fuzz $t: rc=$rc runs=${runs:-?} ${cov:-cov: ?} new=$(ls "$work/$t" | wc -l)"
        if [ "$rc" -ne 0 ]; then
                status=1
                grep -E 'ERROR|SUMMARY|fuzz:|Test unit written' "$log" | head -20
                for a in "$work/art-$t"/*; do
                        [ -e "$a" ] || continue
                        mkdir -p "$here/crashes/$t" && cp "$a" "$here/crashes/$t/"
                        echo "  kept $here/crashes/$t/$(basename "$a")"
                done
        fi
        if [ "${FUZZ_MERGE:-0}" = 1 ]; then
                mkdir -p "$work/merged-$t"
                "$bin" -merge=1 -timeout=5 -rss_limit_mb=2048 -max_len=65536 "$work/merged-$t" \
                        "$here/corpus/$t" "$work/$t" >"$work/merge-$t.log" 2>&1 &&
                        rm -rf "${here:?}/corpus/$t" && mv "$work/merged-$t" "$here/corpus/$t"
                echo "  corpus $t: $(ls "$here/corpus/$t" | wc -l) files"
        fi
done
exit $status
