#!/usr/bin/env python3
"""lint.py - the checks STYLE.md section 10 asks of CI.

Banned calls (sprintf, strcpy, atoi, system, ...), fds opened without
CLOEXEC, exit() or printing in lib/, yajl outside oci-spec/, and
clang-format.  Prints one line per finding; exits 1 if there is any.
"""
import os
import re
import shutil
import subprocess
import sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(top)
try:
    files = subprocess.run(["git", "ls-files", "cmd", "lib", "oci-spec"], capture_output=True,
                           text=True, check=True).stdout.split()
except (OSError, subprocess.CalledProcessError):
    files = [os.path.join(d, f) for d in ("cmd", "lib", "oci-spec") for d, _, fs in os.walk(d) for f in fs]
files = sorted(f for f in files if f.endswith((".c", ".h")))
findings = []

def strip(text):
    """Blank comments and string/char literals, keeping line structure."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c); i = j + 1
        else:
            out.append(c); i += 1
    return "".join(out)

def call_args(body, start):
    """Text of the argument list whose '(' is at start."""
    depth, j = 0, start
    while j < len(body):
        if body[j] == "(":
            depth += 1
        elif body[j] == ")":
            depth -= 1
            if depth == 0:
                return body[start:j + 1]
        j += 1
    return body[start:]

BANNED = ["sprintf", "vsprintf", "strcpy", "strcat", "atoi", "atol", "atoll", "system", "gets"]
FD_CALLS = ["open", "openat", "socket", "socketpair", "pipe", "pipe2", "accept", "accept4",
            "epoll_create1", "signalfd", "eventfd", "memfd_create", "inotify_init1", "dup",
            "fcntl"]
for f in files:
    raw = open(f, encoding="utf-8", errors="replace").read()
    body = strip(raw)
    line_of = lambda pos: body.count("\n", 0, pos) + 1
    for name in BANNED:
        for m in re.finditer(r"(?<![A-Za-z0-9_.>])%s\s*\(" % name, body):
            findings.append("%s:%d: banned call %s()" % (f, line_of(m.start()), name))
    for name in FD_CALLS:
        for m in re.finditer(r"(?<![A-Za-z0-9_.>])%s\s*\(" % name, body):
            # skip declarations/definitions of our own wrappers
            pre = body[max(0, m.start() - 40):m.start()]
            if re.search(r"(int|static|bool|void)\s+$", pre):
                continue
            args = call_args(raw, m.end() - 1) if False else call_args(body, m.end() - 1)
            if name == "fcntl":
                if "F_DUPFD" in args and "CLOEXEC" not in args:
                    findings.append("%s:%d: F_DUPFD without CLOEXEC" % (f, line_of(m.start())))
                continue
            if name == "dup":
                findings.append("%s:%d: dup() without CLOEXEC (use fcntl F_DUPFD_CLOEXEC)" % (f, line_of(m.start())))
                continue
            if name == "pipe":
                findings.append("%s:%d: pipe() without CLOEXEC (use pipe2 O_CLOEXEC)" % (f, line_of(m.start())))
                continue
            if name == "accept":
                findings.append("%s:%d: accept() without CLOEXEC (use accept4)" % (f, line_of(m.start())))
                continue
            if "CLOEXEC" not in args:
                findings.append("%s:%d: %s() without CLOEXEC" % (f, line_of(m.start()), name))
    if f.startswith("lib/"):
        for m in re.finditer(r"(?<![A-Za-z0-9_])exit\s*\(", body):
            findings.append("%s:%d: exit() in library code" % (f, line_of(m.start())))
        for m in re.finditer(r"(?<![A-Za-z0-9_])(printf|puts|putchar|perror)\s*\(|fprintf\s*\(\s*std(out|err)", body):
            findings.append("%s:%d: library code prints" % (f, line_of(m.start())))
    if not f.startswith("oci-spec/") and re.search(r"#include\s*<yajl", raw):
        findings.append("%s: includes yajl outside oci-spec/" % f)

fmt = shutil.which("clang-format")
if fmt:
    for f in files:
        r = subprocess.run([fmt, "--dry-run", "--Werror", f], capture_output=True)
        if r.returncode != 0:
            findings.append("%s: not clang-formatted (run clang-format -i %s)" % (f, f))
else:
    print("lint: SKIP clang-format check: clang-format not installed")

for x in findings:
    print("lint: " + x)
print("lint: %s" % ("clean" if not findings else "%d finding(s)" % len(findings)))
sys.exit(1 if findings else 0)
