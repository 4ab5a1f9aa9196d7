#!/usr/bin/python3
"""ptyrun.py - run a client command on a pseudo-terminal, as a user at a keyboard would.

    ptyrun.py [--rows R] [--cols C] [--prompt REGEX] [--send TEXT]... [--timeout S] -- CMD...

CMD gets a new pty as its controlling terminal and stdin/stdout/stderr, sized R x C before it
starts.  Each --send TEXT is typed (with a newline) once the output since the previous send
matches --prompt (default: a shell prompt ending in '# ' or '$ ').  Everything CMD prints goes
to our stdout; we exit with CMD's exit status (124 on timeout, after killing it).
`docker run -it`, `docker exec -it`, `ctr run -t` and `podman run -it` refuse to run without a
terminal on stdin, so this is how the tests drive them.
"""
import argparse
import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time


# Escape sequences a shell prints after its prompt (busybox asks for the cursor position).
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--prompt", default=r"[#$] $")
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", a.rows, a.cols, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    os.close(slave)
    deadline = time.monotonic() + a.timeout
    pending = list(a.send)
    since = b""
    prompt = re.compile(a.prompt.encode())
    out = sys.stdout.buffer
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            out.write(b"\nptyrun: timed out\n")
            return 124
        r, _, _ = select.select([master], [], [], min(left, 0.5))
        if not r:
            continue
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        if not data:
            break
        out.write(data)
        out.flush()
        since += data
        if pending and prompt.search(ANSI.sub(b"", since)):
            os.write(master, pending.pop(0).encode() + b"\n")
            since = b""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


if __name__ == "__main__":
    sys.exit(main())
