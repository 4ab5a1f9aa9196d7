#!/bin/bash
# contrib/quickstart.sh - on a fresh Debian 12 machine, as root: install what
# flashcube needs, build it, make a busybox bundle with `runc spec`, run a
# container, and print its start latency beside runc's and crun's.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
pkgs=(build-essential autoconf automake libtool pkg-config libseccomp-dev libyajl-dev libcap-dev
      busybox-static runc crun jq python3 util-linux musl-tools cmake gperf dpkg-dev)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
fi
./autogen.sh >/dev/null 2>&1
mkdir -p build/release
# The static musl binary starts ~0.35 ms sooner than the static glibc one
# (contrib/musl-deps.sh); without Debian's source packages, glibc it is.
musl=()
if contrib/musl-deps.sh "$top/build/musl-deps"; then
        musl=(--with-musl="$top/build/musl-deps")
else
        echo "(musl libraries could not be built: building against glibc)"
fi
(cd build/release && ../../configure -q "${musl[@]}" && make -s -j"$(nproc)")
fc=$top/build/release/flashcube
bundle=$(mktemp -d /tmp/flashcube-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
tests/bench/make-bundle.sh "$bundle" sh -c 'echo "hello from a flashcube container: $(uname -n), pid $$"' >/dev/null
echo "== the parts cache (pre-created namespaces, handed out once each)"
"$fc" cache status >/dev/null 2>&1 || "$fc" cache serve --detach
"$fc" cache status
echo
echo "== flashcube run (busybox, runc's default spec)"
"$fc" --root /run/flashcube run -b "$bundle" "demo-$$"
"$fc" --debug --root /run/flashcube run -b "$bundle" "demo-$$" 2>&1 | sed -n 's/.*msg="phase /  phase /p'
echo "(stop the cache with: $fc cache stop)"
echo
echo "== start latency, side by side"
tests/bench/start-latency.sh -n "${RUNS:-100}" "$fc"
