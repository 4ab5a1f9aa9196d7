/* SPDX-License-Identifier: Apache-2.0
 * The shelf (lib/parts/shelf.h): parts put on by the cache, taken by a
 * runtime with a compare-and-swap and pidfd_getfd, swept back; a dead
 * cache's or a foreign shelf, another key with the same hash, a part put
 * in the slot after the runtime read it: all misses. */
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

static unsigned n_taken, n_lost;
static char last_gone[64];

static void gone(void *arg, const char *key, bool taken)
{
        (void) arg;
        if (taken)
                n_taken++;
        else
                n_lost++;
        snprintf(last_gone, sizeof(last_gone), "%s", key);
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

static struct fc_shelf_slot *slot_in(struct fc_shelf *s, unsigned state)
{
        for (unsigned i = 0; i < FC_SHELF_SLOTS; i++)
                if (FC_SHELF_STATE(s->h->slot[i].word) == state)
                        return &s->h->slot[i];
        return NULL;
}

static const char KEY[] = "M\t/proc\tproc\tn\t\n";

/* What a runtime does: map the shelf beside `sock`, take, unmap. */
static int take(const char *sock, const char *key, int *a, int *b)
{
        struct fc_shelf_header *h = fc_shelf_map(sock);
        *a = *b = -1;
        if (h == NULL)
                return -EINVAL;
        int r = fc_shelf_take(h, key, a, b);
        fc_shelf_unmap(h);
        return r;
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
        int tree, ns, a = -1, b = -1;
        make_part(&tree, &ns);
        ok(fc_shelf_put(&s, KEY, tree, ns) && fc_shelf_count(&s, KEY) == 1 &&
                   fc_shelf_count(&s, "x") == 0,
           "a part on the shelf");
        ok(take(sock, "x", &a, &b) == -ENOENT && a == -1 && b == -1, "none for another key");
        int r = take(sock, KEY, &a, &b);
        struct statfs sf;
        ok(r == 0 && a >= 0 && b >= 0 && a != tree && b != ns && fstatfs(a, &sf) == 0 &&
                   sf.f_type == PROC_SUPER_MAGIC && ioctl(b, NS_GET_NSTYPE) == CLONE_NEWPID,
           "taken: copies of the cache's fds");
        ok((fcntl(a, F_GETFD) & FD_CLOEXEC) && (fcntl(b, F_GETFD) & FD_CLOEXEC), "close-on-exec");
        close(a);
        close(b);
        ok(fc_shelf_count(&s, KEY) == 0 && take(sock, KEY, &a, &b) == -ENOENT, "taken once only");
        ok(fc_shelf_sweep(&s, 1, gone, NULL) == 1 && n_taken == 1 && strcmp(last_gone, KEY) == 0 &&
                   fcntl(tree, F_GETFD) < 0 && fcntl(ns, F_GETFD) < 0,
           "the sweep closes the cache's copies and tells");

        /* Taken back by the cache for a lease over the socket. */
        make_part(&tree, &ns);
        ok(fc_shelf_put(&s, KEY, tree, ns) && fc_shelf_unput(&s, KEY, &a, &b) && a == tree &&
                   b == ns && fc_shelf_count(&s, KEY) == 0,
           "unput gives the cache its fds back");
        close(a);
        close(b);

        /* The same hash, another key: not this config's /proc. */
        static const char OTHER[] = "M\t/proc\tproc\tn\t\nK\t/proc/kcore\n";
        make_part(&tree, &ns);
        ok(fc_shelf_put(&s, OTHER, tree, ns), "a part of another key");
        slot_in(&s, FC_SHELF_READY)->key_hash = fc_shelf_hash(KEY); /* a collision */
        ok(take(sock, KEY, &a, &b) == -ENOENT && fc_shelf_count(&s, KEY) == 0 &&
                   !fc_shelf_unput(&s, KEY, &a, &b),
           "the same hash: neither taken nor handed back for the other key");
        ok(fc_shelf_unput(&s, OTHER, &a, &b) == false,
           "(nor for its own: its hash is not its key's)");
        slot_in(&s, FC_SHELF_READY)->key_hash = fc_shelf_hash(OTHER);
        ok(fc_shelf_unput(&s, OTHER, &a, &b), "taken back");
        close(a);
        close(b);

        /* A part put in the slot after the runtime read its word: the claim
         * (a compare-and-swap of the word it read) fails. */
        make_part(&tree, &ns);
        ok(fc_shelf_put(&s, KEY, tree, ns), "a part");
        struct fc_shelf_slot *slot = slot_in(&s, FC_SHELF_READY);
        uint64_t seen = slot->word;
        ok(fc_shelf_unput(&s, KEY, &a, &b) && fc_shelf_put(&s, KEY, a, b) && slot->word != seen &&
                   FC_SHELF_STATE(slot->word) == FC_SHELF_READY,
           "taken back and put again: a new generation");
        ok(!__atomic_compare_exchange_n(&slot->word, &seen,
                                        FC_SHELF_WORD(FC_SHELF_CLAIMED, FC_SHELF_GEN(seen), 1),
                                        false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE),
           "a claim on the old word fails");

        /* A runtime that died between its claim and its copy. */
        uint64_t ready = slot->word;
        slot->word = FC_SHELF_WORD(FC_SHELF_CLAIMED, FC_SHELF_GEN(ready), getpid());
        ok(fc_shelf_sweep(&s, 2, gone, NULL) == 0, "a live claimer keeps its slot");
        ok(fc_shelf_sweep(&s, 2 + 9000000000ULL, gone, NULL) == 0, "... for up to 10 s");
        slot->word = FC_SHELF_WORD(FC_SHELF_CLAIMED, FC_SHELF_GEN(ready), dead_pid());
        unsigned lost = n_lost;
        ok(fc_shelf_sweep(&s, 3, gone, NULL) == 1 && FC_SHELF_STATE(slot->word) == FC_SHELF_EMPTY &&
                   n_lost == lost + 1 && fcntl(a, F_GETFD) < 0,
           "a dead claimer's slot is taken back, the part counted lost");
        make_part(&tree, &ns);
        ok(fc_shelf_put(&s, KEY, tree, ns), "a part");
        slot = slot_in(&s, FC_SHELF_READY);
        ready = slot->word;
        slot->word = FC_SHELF_WORD(FC_SHELF_CLAIMED, FC_SHELF_GEN(ready), getpid());
        fc_shelf_sweep(&s, 100, gone, NULL);
        ok(fc_shelf_sweep(&s, 100 + 10000000001ULL, gone, NULL) == 1,
           "a claim held more than 10 s is taken back");

        /* A shelf others may write is not used. */
        make_part(&tree, &ns);
        ok(fc_shelf_put(&s, KEY, tree, ns), "a part");
        chmod(path, 0666);
        ok(take(sock, KEY, &a, &b) == -EINVAL, "a shelf writable by others: a miss");
        chmod(path, 0600);
        /* A shelf whose cache is gone (its pid dead, or another process's):
         * a miss that leaves the part. */
        pid_t real = s.h->pid;
        s.h->pid = dead_pid();
        ok(take(sock, KEY, &a, &b) < 0 && a == -1 && fc_shelf_count(&s, KEY) == 1,
           "a dead cache's shelf: a miss, the part stays");
        s.h->pid = real;
        s.h->pidfs_ino++;
        ok(take(sock, KEY, &a, &b) == -ESRCH && fc_shelf_count(&s, KEY) == 1,
           "a process that is not the one that wrote it: a miss");
        s.h->pidfs_ino--;
        ok(take(sock, KEY, &a, &b) == 0, "the cache itself again: taken");
        close(a);
        close(b);
        fc_shelf_sweep(&s, 4, NULL, NULL);

        fc_shelf_close(&s);
        ok(s.h == NULL && stat(path, &sb) < 0 && errno == ENOENT, "closing removes it");
        ok(fc_shelf_map(sock) == NULL, "no shelf: nothing to map");
        rmdir(dir);
        return tap_done();
}
