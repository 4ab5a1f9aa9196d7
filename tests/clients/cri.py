#!/usr/bin/python3
"""cri.py - a pod and a container through containerd's CRI plugin, offline.

crictl (cri-tools) is not packaged in Debian 12 and cannot be built offline,
so this speaks the CRI gRPC API (runtime.v1.RuntimeService) directly with
python3-grpcio (apt-get install python3-grpcio; use /usr/bin/python3, not a
pyenv python) and a hand-rolled protobuf encoder for the handful of messages
needed.  No .proto files or generated stubs are required.

    /usr/bin/python3 cri.py SOCKET HANDLER   # pod + container + exec, then remove
    /usr/bin/python3 cri.py SOCKET cleanup   # stop and remove every pod

HANDLER is a runtime handler configured in containerd's CRI section, e.g.
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.fctest]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.fctest.options]
      BinaryName = "/path/to/runtime"
and the CRI section also needs:
  sandbox_image = "localhost/flashcube-pause:latest"  # imported into namespace k8s.io
  restrict_oom_score_adj = true   # this VM lacks CAP_SYS_RESOURCE; pods ask for -998
The pod uses the host network namespace, so no CNI config is needed.
Container image: $IMAGE (default localhost/flashcube-busybox:latest), also
imported into containerd namespace k8s.io.
"""
import os
import sys
import time

import grpc

SVC = 'runtime.v1.RuntimeService'
IMAGE = os.environ.get('IMAGE', 'localhost/flashcube-busybox:latest')
# cgroup parent of the pod (LinuxPodSandboxConfig.cgroup_parent), so the test can clean up
CGROUP_PARENT = os.environ.get('CGROUP_PARENT', '')


# --- minimal protobuf wire format -------------------------------------------
def _varint(n):
    out = bytearray()
    while True:
        c, n = n & 0x7f, n >> 7
        out.append(c | 0x80 if n else c)
        if not n:
            return bytes(out)


def fld(num, value):
    """length-delimited field: string, bytes or an already encoded message"""
    if isinstance(value, str):
        value = value.encode()
    return _varint(num << 3 | 2) + _varint(len(value)) + value


def fint(num, value):
    """varint field: integers, enums, bools"""
    return _varint(num << 3) + _varint(value)


def _read_varint(buf, i):
    result = shift = 0
    while True:
        c = buf[i]
        i += 1
        result |= (c & 0x7f) << shift
        shift += 7
        if not c & 0x80:
            return result, i


def decode(buf):
    """best-effort decode into [(field, value)]; nested messages become lists"""
    out, i = [], 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            val, i = _read_varint(buf, i)
        elif wire == 2:
            n, i = _read_varint(buf, i)
            raw, i = bytes(buf[i:i + n]), i + n
            try:
                val = raw.decode()
                assert val.isprintable()
            except (UnicodeDecodeError, AssertionError):
                try:
                    val = decode(raw)
                except (IndexError, ValueError):
                    val = raw
        elif wire == 1:
            val, i = buf[i:i + 8], i + 8
        elif wire == 5:
            val, i = buf[i:i + 4], i + 4
        else:
            raise ValueError('unsupported wire type %d' % wire)
        out.append((num, val))
    return out


# --- CRI calls ---------------------------------------------------------------
def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sock, handler = sys.argv[1], sys.argv[2]
    chan = grpc.insecure_channel('unix://' + sock)

    def call(method, req=b''):
        t0 = time.time()
        resp = chan.unary_unary('/%s/%s' % (SVC, method))(req, timeout=60)
        return decode(resp), (time.time() - t0) * 1000

    if handler == 'cleanup':
        pods, _ = call('ListPodSandbox')
        for _, pod in pods:
            pod_id = dict(pod)[1]
            print('# removing pod', pod_id)
            call('StopPodSandbox', fld(1, pod_id))
            call('RemovePodSandbox', fld(1, pod_id))
        return 0

    ver, _ = call('Version')
    print('# Version', ver)
    status, _ = call('Status')
    print('# Status', status)

    metadata = fld(1, 'fc-pod') + fld(2, 'fc-pod-uid') + fld(3, 'default')
    ns_options = fint(1, 2)                        # network = NODE (host netns)
    linux = fld(2, fld(1, ns_options))             # security_context.namespace_options
    if CGROUP_PARENT:
        linux = fld(1, CGROUP_PARENT) + linux
    pod_config = fld(1, metadata) + fld(8, linux)  # no hostname: host UTS ns
    fails = 0

    def step(name, method, req):
        nonlocal fails
        try:
            resp, ms = call(method, req)
            print('PASS %s (%.0f ms)' % (name, ms))
            return resp
        except grpc.RpcError as err:
            fails += 1
            print('FAIL %s: %s' % (name, err.details()))
            return None

    resp = step('RunPodSandbox', 'RunPodSandbox', fld(1, pod_config) + fld(2, handler))
    if resp is None:
        return 1
    pod_id = resp[0][1]
    ctr_config = (fld(1, fld(1, 'c1')) + fld(2, fld(1, IMAGE))
                  + fld(3, 'sh') + fld(4, '-c') + fld(4, 'trap "exit 0" TERM; sleep 1000 & wait'))
    resp = step('CreateContainer', 'CreateContainer', fld(1, pod_id) + fld(2, ctr_config) + fld(3, pod_config))
    if resp is not None:
        ctr_id = resp[0][1]
        step('StartContainer', 'StartContainer', fld(1, ctr_id))
        resp = step('ExecSync', 'ExecSync', fld(1, ctr_id) + fld(2, 'echo') + fld(2, 'exec-ok') + fint(3, 10))
        if resp is not None and dict(resp).get(1) != b'exec-ok\n':
            fails += 1
            print('FAIL ExecSync output', resp)
        step('StopContainer', 'StopContainer', fld(1, ctr_id) + fint(2, 10))
        step('RemoveContainer', 'RemoveContainer', fld(1, ctr_id))
    step('StopPodSandbox', 'StopPodSandbox', fld(1, pod_id))
    step('RemovePodSandbox', 'RemovePodSandbox', fld(1, pod_id))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
