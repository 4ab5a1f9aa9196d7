#!/bin/bash
# tests/fuzz/make-seeds.sh FLASHCUBE - write the seed inputs of every harness into
# tests/fuzz/corpus/<target>/ (named after their origin; the committed corpus is these seeds
# plus what the fuzzer found, minimized with -merge=1: see tests/fuzz/run.sh).
# Sources: the unit tests' config corpus, `runc spec` and `flashcube spec` (plain and
# rootless), the docker-like seccomp profile of the integration tests, state.json and
# update -r samples, and one datagram of every parts-cache message.
set -euo pipefail
fc=${1:?usage: make-seeds.sh FLASHCUBE}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
c=$here/corpus
mkdir -p "$c"/{config,process,state,resources,parts-decode,parts-recv}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in "$top"/tests/unit/corpus/good/*.json "$top"/tests/unit/corpus/bad/*.json; do
        kind=$(basename "$(dirname "$f")")
        cp "$f" "$c/config/unit-$kind-$(basename "$f")"
done
(cd "$tmp" && "$fc" spec && mv config.json fc-spec.json && "$fc" spec --rootless &&
        mv config.json fc-spec-rootless.json)
if command -v runc >/dev/null; then
        (cd "$tmp" && runc spec && mv config.json runc-spec.json)
fi
python3 "$top/tests/integration/seccomp-profile.py" >"$tmp/seccomp.json"
jq --slurpfile s "$tmp/seccomp.json" '.linux.seccomp = $s[0]' "$tmp/fc-spec.json" \
        >"$tmp/docker-seccomp.json"
for f in "$tmp"/*.json; do
        [ "$(basename "$f")" = seccomp.json ] && continue
        cp "$f" "$c/config/"
        jq '.process' "$f" >"$c/process/$(basename "$f")"
        jq '.linux.resources // {}' "$f" >"$c/resources/$(basename "$f")"
done
for f in "$top"/tests/unit/corpus/good/*.json; do
        jq -e '.process' "$f" >"$c/process/unit-$(basename "$f")" 2>/dev/null ||
                rm -f "$c/process/unit-$(basename "$f")"
        jq -e '.linux.resources' "$f" >"$c/resources/unit-$(basename "$f")" 2>/dev/null ||
                rm -f "$c/resources/unit-$(basename "$f")"
done
cat >"$c/process/exec-process.json" <<'J'
{"terminal":false,"user":{"uid":0,"gid":0,"additionalGids":[1,2]},"args":["/bin/sh","-c","id"],
 "env":["PATH=/bin","TERM=xterm"],"cwd":"/","capabilities":{"bounding":["CAP_KILL"],
 "effective":["CAP_KILL"],"permitted":["CAP_KILL"]},"noNewPrivileges":true,
 "rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"apparmorProfile":"p",
 "oomScoreAdj":10,"consoleSize":{"height":24,"width":80},
 "scheduler":{"policy":"SCHED_OTHER","nice":1,"flags":["SCHED_FLAG_RESET_ON_FORK"]},
 "ioPriority":{"class":"IOPRIO_CLASS_BE","priority":4},"execCPUAffinity":{"initial":"0"}}
J
cat >"$c/resources/update-r.json" <<'J'
{"memory":{"limit":104857600,"reservation":1,"swap":-1,"checkBeforeUpdate":true},
 "cpu":{"shares":512,"quota":50000,"period":100000,"cpus":"0-1","mems":"0","idle":0,"burst":1},
 "pids":{"limit":31},"blockIO":{"weight":100,"weightDevice":[{"major":8,"minor":0,"weight":10}],
 "throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1048576}]},
 "hugepageLimits":[{"pageSize":"2MB","limit":0}],"network":{"classID":1,
 "priorities":[{"name":"eth0","priority":1}]},"rdma":{"mlx":{"hcaHandles":1,"hcaObjects":2}},
 "unified":{"memory.high":"max"},"devices":[{"allow":false,"access":"rwm"}]}
J
echo '{"pids": {"limit": 31}}' >"$c/resources/pids.json"
cat >"$c/state/created.json" <<'J'
{"ociVersion":"1.2.0","id":"fct-1","pid":4242,"status":"created","bundle":"/tmp/b","rootfs":"/tmp/b/rootfs","created":"2026-11-30T04:00:00.123456789Z","owner":"","startTime":123456,"cgroup":"/sys/fs/cgroup/unified/fct-1","configPath":"/run/flashcube/fct-1/config.json","systemdCgroup":false}
J
cat >"$c/state/annotated.json" <<'J'
{"ociVersion":"1.0.2","id":"a b\u00e9","pid":1,"status":"running","bundle":"/b","rootfs":"/b/r","created":"x","annotations":{"k":"v","org.opencontainers.x":""},"owner":"root","startTime":9223372036854775807,"systemdCgroup":true}
J
echo '{"id":"x","status":"stopped"}' >"$c/state/minimal.json"
python3 - "$c" <<'PY'
import struct, sys
c = sys.argv[1]
MAGIC, VER, REPLY = 0x43504346, 1, 0x8000
def msg(op, status=0, payload=b""):
    return struct.pack("=IHHIi", MAGIC, VER, op, len(payload), status) + payload
msgs = {
    "lease-req": msg(1, 0, struct.pack("=II", 7, 0)),
    "lease-reply": msg(1 | REPLY, 0, struct.pack("=IIQ", 5, 2, 42)),
    "lease-refused": msg(1 | REPLY, -11),
    "status-req": msg(2),
    "status-reply": msg(2 | REPLY, 0, b'{"pid":1,"version":1,"pools":{"net":{"ready":3}}}'),
    "stop-req": msg(3),
    "stop-reply": msg(3 | REPLY),
    "retire-req": msg(4, 0, struct.pack("=Q", 42)),
    "retire-reply": msg(4 | REPLY),
}
for name, b in msgs.items():
    open(f"{c}/parts-decode/{name}", "wb").write(b)
    # parts-recv: first byte = fd count (0-7) | 8 when a reply is expected.
    fds = {"lease-reply": 2, "retire-req": 3}.get(name, 0)
    flag = fds | (8 if "reply" in name or "refused" in name else 0)
    open(f"{c}/parts-recv/{name}", "wb").write(bytes([flag]) + b)
open(f"{c}/parts-recv/too-many-fds", "wb").write(bytes([7]) + msgs["retire-req"])
PY
