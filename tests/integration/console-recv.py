#!/usr/bin/env python3
"""console-recv.py SOCKET OUTFILE [INPUT]

A console-socket receiver, as containerd's shim or conmon is: listen on
SOCKET, accept one connection, receive the pty master (SCM_RIGHTS) and the
pty name, write INPUT (if given) to the master, and copy everything the
container writes to OUTFILE until the pty hangs up.  The first line of
OUTFILE is "name: <pty name>".
"""
import array
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
data_in = sys.argv[3].encode() if len(sys.argv) > 3 else b""
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print("ready", flush=True)
conn, _ = srv.accept()
fds = array.array("i")
msg, anc, _, _ = conn.recvmsg(1024, socket.CMSG_LEN(4 * fds.itemsize))
for level, kind, payload in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
if not fds:
    sys.exit("console-recv: no fd received")
master = fds[0]
with open(out, "wb") as f:
    f.write(b"name: " + msg + b"\n")
    f.flush()
    if data_in:
        os.write(master, data_in)
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        f.write(chunk)
        f.flush()
