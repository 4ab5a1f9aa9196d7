/* SPDX-License-Identifier: Apache-2.0
 * The shelf (lib/parts/shelf.h): parts put on by the cache, taken by a
 * runtime with a compare-and-swap and pidfd_getfd, swept back; a dead
 * cache's or a foreign shelf is a miss. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/parts/shelf.h"
#include "tests/unit/tap.h"

static unsigned n_taken;
static uint64_t last_taken;

static void taken(void *arg, uint64_t hash)
{
        (void) arg;
        n_taken++;
        last_taken = hash;
}

/* A part as the cache shelves one: a procfs fd and a pid namespace fd. */
static void make_part(int *tree, int *ns)
{
        *tree = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        *ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
}

static pid_t dead_pid(void)
{
        pid_t p = fork();
        if (p == 0)
                _exit(0);
        waitpid(p, NULL, 0);
        return p;
}

int main(void)
{
        char dir[] = "/tmp/fc-shelf-test.XXXXXX";
        ok(mkdtemp(dir) != NULL, "a scratch directory");
        char sock[sizeof(dir) + 16], path[sizeof(dir) + 16];
        snprintf(sock, sizeof(sock), "%s/cache.sock", dir);
        snprintf(path, sizeof(path), "%s/cache.shelf", dir);

        struct fc_shelf s;
        fc_shelf_open(&s, sock);
        struct stat sb;
        ok(s.h != NULL && stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
           "the shelf is a file beside the socket, 0600");
        uint64_t key = fc_shelf_hash("M\t/proc\tproc\tn\t\n"), other = fc_shelf_hash("x");
        ok(key != other, "keys hash apart");
        int tree, ns, a = -1, b = -1;
        make_part(&tree, &ns);
        ok(fc_shelf_put(&s, key, tree, ns) && fc_shelf_count(&s, key) == 1 &&
                   fc_shelf_count(&s, other) == 0,
           "a part on the shelf");
        ok(fc_shelf_take(sock, "x", &a, &b) == -ENOENT && a == -1 && b == -1,
           "none for another key");
        int r = fc_shelf_take(sock, "M\t/proc\tproc\tn\t\n", &a, &b);
        struct statfs sf;
        ok(r == 0 && a >= 0 && b >= 0 && a != tree && b != ns && fstatfs(a, &sf) == 0 &&
                   sf.f_type == PROC_SUPER_MAGIC && ioctl(b, NS_GET_NSTYPE) == CLONE_NEWPID,
           "taken: copies of the cache's fds");
        ok((fcntl(a, F_GETFD) & FD_CLOEXEC) && (fcntl(b, F_GETFD) & FD_CLOEXEC), "close-on-exec");
        close(a);
        close(b);
        ok(fc_shelf_count(&s, key) == 0 &&
                   fc_shelf_take(sock, "M\t/proc\tproc\tn\t\n", &a, &b) == -ENOENT,
           "taken once only");
        ok(fc_shelf_sweep(&s, 1, taken, NULL) == 1 && n_taken == 1 && last_taken == key &&
                   fcntl(tree, F_GETFD) < 0 && fcntl(ns, F_GETFD) < 0,
           "the sweep closes the cache's copies and tells");

        /* Taken back by the cache for a lease over the socket. */
        make_part(&tree, &ns);
        ok(fc_shelf_put(&s, key, tree, ns) && fc_shelf_unput(&s, key, &a, &b) && a == tree &&
                   b == ns && fc_shelf_count(&s, key) == 0,
           "unput gives the cache its fds back");
        close(a);
        close(b);

        /* A runtime that died between its claim and its copy. */
        make_part(&tree, &ns);
        ok(fc_shelf_put(&s, key, tree, ns), "one more part");
        struct fc_shelf_slot *slot = NULL;
        for (unsigned i = 0; i < FC_SHELF_SLOTS && slot == NULL; i++)
                if (s.h->slot[i].state == FC_SHELF_READY)
                        slot = &s.h->slot[i];
        slot->state = FC_SHELF_CLAIMED;
        slot->claimer = getpid();
        slot->claimed_ns = 1;
        ok(fc_shelf_sweep(&s, 2, taken, NULL) == 0, "a live claimer keeps its slot");
        slot->claimer = dead_pid();
        ok(fc_shelf_sweep(&s, 3, taken, NULL) == 1 && slot->state == FC_SHELF_EMPTY &&
                   fcntl(tree, F_GETFD) < 0,
           "a dead claimer's slot is taken back");

        /* A shelf others may write is not used. */
        make_part(&tree, &ns);
        ok(fc_shelf_put(&s, key, tree, ns), "a part");
        chmod(path, 0666);
        ok(fc_shelf_take(sock, "M\t/proc\tproc\tn\t\n", &a, &b) == -EINVAL,
           "a shelf writable by others: a miss");
        chmod(path, 0600);
        /* A shelf whose cache is gone (its pid dead, or another process's). */
        pid_t real = s.h->pid;
        s.h->pid = dead_pid();
        ok(fc_shelf_take(sock, "M\t/proc\tproc\tn\t\n", &a, &b) < 0 && a == -1,
           "a dead cache's shelf: a miss");
        s.h->pid = real;
        s.h->pidfs_ino++;
        make_part(&tree, &ns);
        ok(fc_shelf_put(&s, key, tree, ns), "another part");
        ok(fc_shelf_take(sock, "M\t/proc\tproc\tn\t\n", &a, &b) == -ESRCH,
           "a process that is not the one that wrote it: a miss");
        s.h->pidfs_ino--;
        fc_shelf_sweep(&s, 4, NULL, NULL);

        fc_shelf_close(&s);
        ok(s.h == NULL && stat(path, &sb) < 0 && errno == ENOENT, "closing removes it");
        ok(fc_shelf_take(sock, "M\t/proc\tproc\tn\t\n", &a, &b) == -ENOENT, "no shelf: a miss");
        rmdir(dir);
        return tap_done();
}
