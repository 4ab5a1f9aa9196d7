#!/usr/bin/env python3
# old-cache.py SOCKET LOG: a parts cache as one from before the cgroup and /dev
# trees (lib/parts/protocol.h) would answer: LEASE and LEASE_CG for network, IPC
# and UTS namespaces only (its own, which it was started in: run it under
# `unshare --net --ipc --uts`), RETIRE and RETIRE_CG taken; a request it does
# not know (LEASE_DEV, LEASE_PROC, a tree bit, tree flags) drops the connection.  It logs one
# line per request to LOG ("lease 0x7", "drop op 7 want 0x37", ...), and stops on
# SIGTERM.  For cache.bats only.
import os
import signal
import socket
import struct
import sys

MAGIC, VERSION, REPLY = 0x43504346, 1, 0x8000
HEADER = struct.Struct("<IHHIi")
LEASE, STATUS, STOP, RETIRE, LEASE_CG, RETIRE_CG = 1, 2, 3, 4, 5, 6
KINDS = 0x7
NS = {1: "net", 2: "ipc", 4: "uts"}

sock_path, log_path = sys.argv[1], sys.argv[2]
log = open(log_path, "a", buffering=1)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
fds = {k: os.open("/proc/self/ns/" + n, os.O_RDONLY | os.O_CLOEXEC) for k, n in NS.items()}
srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind(sock_path)
os.chmod(sock_path, 0o600)
srv.listen(16)
log.write("ready\n")
lease_id = 0


def reply(conn, op, payload=b"", send_fds=()):
    data = HEADER.pack(MAGIC, VERSION, op | REPLY, len(payload), 0) + payload
    try:
        socket.send_fds(conn, [data], list(send_fds))
    except OSError:
        pass  # a runtime that does not wait for the reply (RETIRE) is gone


while True:
    conn, _ = srv.accept()
    with conn:
        msg = conn.recv(65536)
        if len(msg) < HEADER.size:
            continue
        magic, version, op, length, _ = HEADER.unpack_from(msg)
        want, flags = struct.unpack_from("<II", msg, HEADER.size) if length >= 8 else (0, 0)
        if magic != MAGIC or version != VERSION or op not in (LEASE, STATUS, STOP, RETIRE,
                                                              LEASE_CG, RETIRE_CG) or \
                (op in (LEASE, LEASE_CG) and (want & ~KINDS or flags)):
            log.write("drop op %d want 0x%x\n" % (op, want))
            continue
        if op in (LEASE, LEASE_CG):
            lease_id += 1
            granted = want & KINDS
            give = [fds[k] for k in (1, 2, 4) if granted & k]
            payload = struct.pack("<IIQ", granted, len(give), lease_id)
            if op == LEASE_CG:
                payload += b"\0" * 64  # no pooled cgroup
            log.write("lease op %d 0x%x\n" % (op, granted))
            reply(conn, op, payload, give)
        else:
            log.write("op %d\n" % op)
            reply(conn, op)
