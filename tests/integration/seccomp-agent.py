#!/usr/bin/env python3
"""seccomp-agent.py SOCKET OUTDIR MODE

A minimal seccomp agent, as the runtime spec's listenerPath describes one:
listen on SOCKET, accept one connection per process given a notify fd (the
container's init, then each exec'd process), receive the container process
state (JSON) with the notify fd (SCM_RIGHTS), write the JSON to
OUTDIR/state.json (OUTDIR/state.N.json for the Nth connection, N >= 2),
then answer every notification on the fd until the filter has no users
left.  MODE is how to answer:

  errno:N   the syscall fails with errno N
  fake      the syscall "succeeds" (returns 0) without being run
  continue  the kernel runs the syscall (SECCOMP_USER_NOTIF_FLAG_CONTINUE)

Each notification is appended to OUTDIR/notifications as
"pid=<pid> nr=<syscall number> arch=<audit arch>"; OUTDIR/done (done.N)
appears when the agent is finished with a connection's fd.  "ready" on
stdout once listening.
"""
import array
import errno
import fcntl
import json
import os
import select
import socket
import struct
import sys
import threading

path, outdir, mode = sys.argv[1], sys.argv[2], sys.argv[3]


def iowr(nr, size):
    # _IOWR('!', nr, size) from <linux/seccomp.h> (asm-generic ioctl encoding)
    return (3 << 30) | (size << 16) | (ord("!") << 8) | nr


# struct seccomp_notif { __u64 id; __u32 pid; __u32 flags;
#   struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; } }
NOTIF = struct.Struct("=QIIiIQ6Q")
# struct seccomp_notif_resp { __u64 id; __s64 val; __s32 error; __u32 flags; }
RESP = struct.Struct("=QqiI")
NOTIF_RECV = iowr(0, NOTIF.size)
NOTIF_SEND = iowr(1, RESP.size)
USER_NOTIF_FLAG_CONTINUE = 1


def answer(notif_id):
    if mode == "continue":
        return RESP.pack(notif_id, 0, 0, USER_NOTIF_FLAG_CONTINUE)
    if mode == "fake":
        return RESP.pack(notif_id, 0, 0, 0)
    if mode.startswith("errno:"):
        return RESP.pack(notif_id, 0, -int(mode[6:]), 0)
    sys.exit("seccomp-agent: unknown mode " + mode)


def receive(conn):
    """The document and the fds.  The spec has the runtime close the
    connection after sending, but runc 1.1 keeps it open while the
    container starts (and its init waits for us), so stop at the end of
    the JSON document rather than at EOF."""
    fds = array.array("i")
    data = b""
    while True:
        msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(8 * fds.itemsize))
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
        data += msg
        try:
            return json.loads(data), data, list(fds)
        except ValueError:
            if not msg:
                return None, data, list(fds)


def write_atomic(name, text):
    tmp = os.path.join(outdir, "." + name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(outdir, name))


def serve(fd):
    log = open(os.path.join(outdir, "notifications"), "a")
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while True:
        events = poller.poll()
        if not any(ev & select.POLLIN for _, ev in events):
            return  # POLLHUP: every process under the filter is gone
        buf = bytearray(NOTIF.size)  # the kernel wants it zeroed
        try:
            fcntl.ioctl(fd, NOTIF_RECV, buf, True)
        except OSError as e:
            if e.errno in (errno.EINTR, errno.ENOENT):
                continue  # the caller was interrupted or died first
            raise
        notif_id, pid, _, nr, arch, _, *_args = NOTIF.unpack(buf)
        with log_lock:
            log.write("pid=%d nr=%d arch=0x%x\n" % (pid, nr, arch))
            log.flush()
        try:
            fcntl.ioctl(fd, NOTIF_SEND, bytearray(answer(notif_id)), True)
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise


def handle(conn, n):
    suffix = "" if n == 1 else ".%d" % n
    state, doc, fds = receive(conn)
    conn.close()
    write_atomic("raw" + suffix, doc.decode(errors="replace"))
    if state is None or not fds:
        write_atomic("done" + suffix, "bad message\n")
        sys.stderr.write("seccomp-agent: expected a JSON document and an fd\n")
        return
    write_atomic("state%s.json" % suffix, json.dumps(state))
    names = state.get("fds", [])
    seccomp_fd = fds[names.index("seccompFd")] if "seccompFd" in names else fds[0]
    serve(seccomp_fd)
    write_atomic("done" + suffix, "ok\n")


log_lock = threading.Lock()
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(4)
print("ready", flush=True)
n = 0
while True:
    conn, _ = srv.accept()
    n += 1
    threading.Thread(target=handle, args=(conn, n), daemon=True).start()
