#!/bin/sh
# Build the integration-test rootfs from Debian's busybox-static:
# /bin/busybox, one symlink per applet in /bin, a minimal /etc/passwd and /etc/group.
#   make-rootfs.sh DIR     (DIR must not exist or be empty)
set -eu

dest=${1:?usage: make-rootfs.sh DIR}
busybox=${FC_BUSYBOX:-/bin/busybox}

if [ ! -x "$busybox" ]; then
        echo "make-rootfs.sh: $busybox not found (apt-get install busybox-static)" >&2
        exit 1
fi
# The dynamic busybox would need the host's libc inside the rootfs.
if ! "$busybox" --list >/dev/null 2>&1; then
        echo "make-rootfs.sh: $busybox does not support --list" >&2
        exit 1
fi
if command -v file >/dev/null 2>&1 && ! file -L "$busybox" | grep -q 'statically linked'; then
        echo "make-rootfs.sh: $busybox is not statically linked" >&2
        exit 1
fi

mkdir -p "$dest"
cd "$dest"
mkdir -p bin dev etc proc sys tmp root home/fc run var/tmp
chmod 1777 tmp var/tmp
chmod 700 root
cp "$busybox" bin/busybox
chmod 755 bin/busybox
for applet in $("$busybox" --list); do
        case $applet in
        busybox | */*) continue ;;
        esac
        ln -sf busybox "bin/$applet"
done

cat >etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
fc:x:1000:1000:flashcube test user:/home/fc:/bin/sh
PASSWD
cat >etc/group <<'GROUP'
root:x:0:
tty:x:5:
users:x:100:fc
nogroup:x:65534:
fc:x:1000:
GROUP
chown 1000:1000 home/fc
echo "flashcube-test-rootfs" >etc/fc-rootfs
