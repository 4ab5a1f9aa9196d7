#!/bin/bash
# contrib/musl-deps.sh PREFIX - build static musl copies of flashcube's
# libraries (libseccomp, yajl, libcap) from Debian 12's own source packages
# into PREFIX, for the musl build of flashcube (README, "Building by hand"):
#     contrib/musl-deps.sh PREFIX && ./configure --with-musl=PREFIX
#
# Why: a static glibc program spends about 0.35 ms of every exec probing the
# CPU (glibc's start-up runs some 45 cpuid instructions, which trap to the
# hypervisor on a VM); a static musl one starts in a few microseconds.
# Debian ships musl (musl-tools) but no musl builds of these libraries, so
# they are compiled here from `apt-get source`.  The machine's apt sources
# are left alone: a private apt configuration with a deb-src line is used.
#
# Needs: musl-tools cmake gperf dpkg-dev (tests/run-all.sh and
# contrib/quickstart.sh install them).  Nothing is done if PREFIX already
# holds a finished build of the same versions.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: musl-deps.sh PREFIX" >&2; exit 2; }
prefix=$(realpath -m "$1")
mirror=${FC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${FC_DEBIAN_SUITE:-bookworm}
pkgs=(libseccomp yajl libcap2)
for tool in musl-gcc cmake gperf dpkg-source; do
        command -v "$tool" >/dev/null || { echo "musl-deps.sh: $tool missing (apt-get install musl-tools cmake gperf dpkg-dev)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/fc-musl-deps.XXXXXX)
trap 'rm -rf "$work"' EXIT
quiet() { # the build's chatter goes to a log, shown only when a step fails
        "$@" >>"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; echo "musl-deps.sh: failed: $*" >&2; exit 1; }
}
mkdir -p "$work/lists/partial" "$work/parts" "$work/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/parts"
          -o "Dir::State::Lists=$work/lists" -o "APT::Sandbox::User=root" -q)
quiet apt-get "${apt_opts[@]}" update
stamp=""
declare -A upstream # upstream version of each package, for the .pc files
for p in "${pkgs[@]}"; do
        v=$(apt-get "${apt_opts[@]}" source --print-uris "$p" | sed -n "s/.* ${p}_\([^ ]*\)\.dsc .*/\1/p" | head -1)
        [ -n "$v" ] || { echo "musl-deps.sh: no source package $p in $mirror $suite" >&2; exit 1; }
        stamp="$stamp$p=$v "
        v=${v#*:}
        upstream[$p]=${v%%-*}
done
if [ -f "$prefix/.versions" ] && [ "$(cat "$prefix/.versions")" = "$stamp" ]; then
        exit 0
fi
rm -rf "$prefix"
mkdir -p "$prefix/include/sys" "$prefix/lib/pkgconfig"
(cd "$work/src" && quiet apt-get "${apt_opts[@]}" source "${pkgs[@]}")
jobs=$(nproc)
pcfile() { # pcfile NAME VERSION LIB: what configure's PKG_CHECK_MODULES reads
        printf 'Name: %s\nDescription: %s for musl, static\nVersion: %s\nCflags: -I%s/include\nLibs: -L%s/lib %s\n' \
                "$1" "$1" "$2" "$prefix" "$prefix" "$3" >"$prefix/lib/pkgconfig/$1.pc"
}
export CC=musl-gcc

# musl-gcc sees only musl's headers; the kernel's are needed by all three.
for d in linux asm-generic; do ln -s "/usr/include/$d" "$prefix/include/$d"; done
ln -s "/usr/include/$(gcc -print-multiarch)/asm" "$prefix/include/asm"

# yajl: the static library only.
(
        cd "$work/src"/yajl-*/
        mkdir build && cd build
        quiet cmake -DCMAKE_C_COMPILER=musl-gcc -DCMAKE_BUILD_TYPE=Release ..
        quiet make -j"$jobs" yajl_s
        cp yajl-*/lib/libyajl_s.a "$prefix/lib/libyajl.a"
        cp -r yajl-*/include/yajl "$prefix/include/"
        pcfile yajl "${upstream[yajl]}" -lyajl
)

# libcap: libcap.a; its name table is made by a helper built with the host compiler.
(
        cd "$work/src"/libcap2-*/libcap
        quiet make -j"$jobs" CC=musl-gcc BUILD_CC=gcc SHARED=no PAM_CAP=no GOLANG=no libcap.a
        cp libcap.a "$prefix/lib/"
        cp include/sys/capability.h "$prefix/include/sys/"
        pcfile libcap "${upstream[libcap2]}" -lcap
)

# libseccomp: the static library only, no tools or python.
(
        cd "$work/src"/libseccomp-*/
        quiet ./configure --prefix="$prefix" --enable-static --disable-shared --disable-python \
                CPPFLAGS="-I$prefix/include"
        quiet make -j"$jobs" -C src
        quiet make -C src install
        quiet make -C include install
        rm -f "$prefix/lib/libseccomp.la"
        pcfile libseccomp "${upstream[libseccomp]}" -lseccomp
)
echo "$stamp" >"$prefix/.versions"
