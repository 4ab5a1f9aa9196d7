/* SPDX-License-Identifier: Apache-2.0
 * lib/spawn.c's fc_spawn_clone: the child starts without the stack pages
 * below the clone that deeper calls had left mapped, so that neither side
 * copies them on a write (drop_stack_below).  The child reads
 * /proc/self/pagemap, which does not touch the pages. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/spawn.h"
#include "tests/unit/tap.h"

enum { PAGE = 4096 };

/* How many of the n pages from `first` are mapped in this process, or -1. */
static int mapped(uintptr_t first, int n_pages)
{
        int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        int n = 0;
        for (int i = 0; i < n_pages; i++) {
                uint64_t e = 0;
                off_t at = (off_t) ((first + (uintptr_t) i * PAGE) / PAGE * sizeof(e));
                if (pread(fd, &e, sizeof(e), at) != (ssize_t) sizeof(e)) {
                        close(fd);
                        return -1;
                }
                n += (e >> 63) & 1;
        }
        close(fd);
        return n;
}

/* Writes a page of stack in each of n frames. */
static __attribute__((noinline)) int deep(int n)
{
        volatile char buf[PAGE];
        buf[0] = (char) n;
        buf[PAGE - 1] = (char) n;
        return n > 0 ? deep(n - 1) + buf[0] : buf[PAGE - 1];
}

/* Stack pages mapped from 8 to 72 KiB below this frame. */
static __attribute__((noinline)) int stack_below(void)
{
        uintptr_t sp = (uintptr_t) __builtin_frame_address(0) & ~(uintptr_t) (PAGE - 1);
        return mapped(sp - 18 * PAGE, 16);
}

int main(void)
{
        (void) deep(24);
        int below = stack_below();
        ok(below == 16, "calls 96 KiB deep left the stack below mapped (%d of 16 pages)", below);

        int pidfd = -1;
        bool into = false;
        fc_error_t err = FC_ERROR_INIT;
        pid_t pid = fc_spawn_clone(0, -1, &pidfd, &into, &err);
        if (pid == 0) {
                _exit(stack_below() == 0 ? 0 : 2);
        }
        int st = -1;
        if (pid > 0) {
                waitpid(pid, &st, 0);
                close(pidfd);
        }
        ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
           "the child of fc_spawn_clone has not the stack pages below the clone (status %#x)",
           (unsigned) st);
        ok(stack_below() == 0, "nor has the parent (%d)", stack_below());
        fc_error_clear(&err);
        return tap_done();
}
