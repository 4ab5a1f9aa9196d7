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
# holds a finished build of the same versions, or holds one and Debian's
# sources cannot be reached.  PREFIX is replaced only by a finished build,
# and a PREFIX that is not empty and was not made here is refused.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: musl-deps.sh PREFIX" >&2; exit 2; }
prefix=$(realpath -m "$1")
mirror=${FC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${FC_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
suite=${FC_DEBIAN_SUITE:-bookworm}
pkgs=(libseccomp yajl libcap2)
for tool in musl-gcc cmake gperf dpkg-source; do
        command -v "$tool" >/dev/null || { echo "musl-deps.sh: $tool missing (apt-get install musl-tools cmake gperf dpkg-dev)" >&2; exit 1; }
done

if [ -d "$prefix" ] && [ ! -f "$prefix/.versions" ] && [ -n "$(ls -A "$prefix")" ]; then
        echo "musl-deps.sh: $prefix is not empty and was not made by musl-deps.sh" >&2
        exit 1
fi
work=$(mktemp -d /tmp/fc-musl-deps.XXXXXX)
chmod 755 "$work" # apt fetches as its own user, _apt
trap 'rm -rf "$work"' EXIT
quiet() { # the build's chatter goes to a log, shown only when a step fails
        "$@" >>"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; echo "musl-deps.sh: failed: $*" >&2; exit 1; }
}
# A private apt: its own sources, lists and caches, none of the host's
# update hooks; the host's apt state is not touched.
mkdir -p "$work/lists/partial" "$work/parts" "$work/cache/archives/partial" "$work/src" "$work/out"
key=/usr/share/keyrings/debian-archive-keyring.gpg
{
        echo "deb-src [signed-by=$key] $mirror $suite main"
        echo "deb-src [signed-by=$key] $mirror $suite-updates main"
        echo "deb-src [signed-by=$key] $security $suite-security main"
} >"$work/sources.list"
printf '#clear APT::Update::Pre-Invoke;\n#clear APT::Update::Post-Invoke;\n#clear APT::Update::Post-Invoke-Success;\n' \
        >"$work/apt.conf"
apt_opts=(-c "$work/apt.conf" -o "Dir::Etc::SourceList=$work/sources.list"
          -o "Dir::Etc::SourceParts=$work/parts" -o "Dir::State::Lists=$work/lists"
          -o "Dir::Cache=$work/cache" -q)
if id _apt >/dev/null 2>&1; then
        chown -R _apt "$work/lists" "$work/src"
else
        apt_opts+=(-o "APT::Sandbox::User=root")
fi
stamp=""
declare -A upstream # upstream version of each package, for the .pc files
if apt-get "${apt_opts[@]}" update >>"$work/build.log" 2>&1; then
        for p in "${pkgs[@]}"; do
                v=$(apt-get "${apt_opts[@]}" source --print-uris "$p" 2>>"$work/build.log" |
                        sed -n "s/.* ${p}_\([^ ]*\)\.dsc .*/\1/p" | head -1) || true
                [ -n "$v" ] || { stamp=""; break; }
                stamp="$stamp$p=$v "
                v=${v#*:}
                upstream[$p]=${v%%-*}
        done
fi
if [ -z "$stamp" ]; then
        if [ -f "$prefix/.versions" ]; then
                echo "musl-deps.sh: Debian's source packages cannot be reached; $prefix kept as it is" >&2
                exit 0
        fi
        tail -20 "$work/build.log" >&2
        echo "musl-deps.sh: no source packages ${pkgs[*]} from $mirror $suite" >&2
        exit 1
fi
if [ -f "$prefix/.versions" ] && [ "$(cat "$prefix/.versions")" = "$stamp" ]; then
        exit 0
fi
# Built into $out; PREFIX is replaced only when everything is there.  The
# .pc files name PREFIX, where the files will be.
out=$work/out
mkdir -p "$out/include/sys" "$out/lib/pkgconfig"
(cd "$work/src" && quiet apt-get "${apt_opts[@]}" source "${pkgs[@]}")
jobs=$(nproc)
pcfile() { # pcfile NAME VERSION LIB: what configure's PKG_CHECK_MODULES reads
        # -isystem: the kernel's headers here come after the C library's.
        printf 'Name: %s\nDescription: %s for musl, static\nVersion: %s\nCflags: -isystem %s/include\nLibs: -L%s/lib %s\n' \
                "$1" "$1" "$2" "$prefix" "$prefix" "$3" >"$out/lib/pkgconfig/$1.pc"
}
export CC=musl-gcc

# musl-gcc sees only musl's headers; the kernel's are needed by all three.
for d in linux asm-generic; do ln -s "/usr/include/$d" "$out/include/$d"; done
ln -s "/usr/include/$(gcc -print-multiarch)/asm" "$out/include/asm"

# yajl: the static library only.
(
        cd "$work/src"/yajl-*/
        mkdir build && cd build
        quiet cmake -DCMAKE_C_COMPILER=musl-gcc -DCMAKE_BUILD_TYPE=Release ..
        quiet make -j"$jobs" yajl_s
        cp yajl-*/lib/libyajl_s.a "$out/lib/libyajl.a"
        cp -r yajl-*/include/yajl "$out/include/"
        pcfile yajl "${upstream[yajl]}" -lyajl
)

# libcap: libcap.a; its name table is made by a helper built with the host compiler.
(
        cd "$work/src"/libcap2-*/libcap
        quiet make -j"$jobs" CC=musl-gcc BUILD_CC=gcc SHARED=no PAM_CAP=no GOLANG=no libcap.a
        cp libcap.a "$out/lib/"
        cp include/sys/capability.h "$out/include/sys/"
        pcfile libcap "${upstream[libcap2]}" -lcap
)

# libseccomp: the static library only, no tools or python.
(
        cd "$work/src"/libseccomp-*/
        quiet ./configure --prefix="$out" --enable-static --disable-shared --disable-python \
                CPPFLAGS="-isystem $out/include"
        quiet make -j"$jobs" -C src
        quiet make -C src install
        quiet make -C include install
        rm -f "$out/lib/libseccomp.la"
        pcfile libseccomp "${upstream[libseccomp]}" -lseccomp
)
echo "$stamp" >"$out/.versions"
rm -rf "$prefix"
mkdir -p "$(dirname "$prefix")"
cp -a "$out" "$prefix"
