#!/bin/bash
# make-bundle.sh DIR [ARGS...] - a busybox bundle from Debian's busybox-static
# with runc's default spec (`runc spec` output), terminal off, process.args
# set to ARGS (default: true).  Used by the benchmark and the quickstart.
set -euo pipefail
dir=$1
shift
[ $# -gt 0 ] || set -- true
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "make-bundle.sh: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir/rootfs/bin" "$dir/rootfs/etc" "$dir/rootfs/root" "$dir/rootfs/tmp"
cp "$busybox" "$dir/rootfs/bin/busybox"
for applet in $("$busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$dir/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$dir/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$dir/rootfs/etc/group"
args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
(cd "$dir" && runc spec && jq --argjson a "$args" '.process.terminal = false | .process.args = $a' config.json > config.json.new && mv config.json.new config.json)
