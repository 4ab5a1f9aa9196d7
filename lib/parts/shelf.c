/* SPDX-License-Identifier: Apache-2.0
 *
 * The shelf: see lib/parts/shelf.h.
 */
#include "lib/parts/shelf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/context.h"
#include "lib/parts/protocol.h"
#include "lib/sys.h"

#define FC_SHELF_MAGIC   0x464c4853u /* "SHLF" */
#define FC_SHELF_VERSION 1u
/* A claim older than this is taken back even if its runtime lives. */
#define CLAIM_MAX_NS (10ULL * 1000000000ULL)

uint64_t fc_shelf_hash(const char *key)
{
        uint64_t h = 14695981039346656037ULL;
        for (const unsigned char *c = (const unsigned char *) key; *c; c++)
                h = (h ^ *c) * 1099511628211ULL;
        return h;
}

static uint32_t load_state(const struct fc_shelf_slot *slot)
{
        return __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE);
}

static bool swap_state(struct fc_shelf_slot *slot, uint32_t from, uint32_t to)
{
        return __atomic_compare_exchange_n(&slot->state, &from, to, false, __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE);
}

/* The pidfs inode of a pidfd: unique per process from Linux 6.9. */
static uint64_t pidfd_ino(int pidfd)
{
        struct stat sb;
        return fstat(pidfd, &sb) == 0 ? (uint64_t) sb.st_ino : 0;
}

/* ---- the cache's side ---- */

void fc_shelf_open(struct fc_shelf *s, const char *socket_path)
{
        *s = (struct fc_shelf){NULL, NULL};
        cleanup_free char *tmp = NULL;
        cleanup_close int self = fc_sys_pidfd_open(getpid(), 0);
        uint64_t ino = self < 0 ? 0 : pidfd_ino(self);
        if (ino == 0 || (s->path = fc_parts_sibling_path(socket_path, FC_SHELF_SUFFIX)) == NULL ||
            asprintf(&tmp, "%s.new", s->path) < 0) {
                free(s->path);
                s->path = NULL;
                return;
        }
        /* A new file replaces a dead cache's in one rename: a runtime that
         * still maps the old one sees a dead cache there, never a mix. */
        (void) unlink(tmp);
        cleanup_close int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        void *map = MAP_FAILED;
        if (fd < 0 || ftruncate(fd, sizeof(struct fc_shelf_header)) < 0 ||
            (map = mmap(NULL, sizeof(struct fc_shelf_header), PROT_READ | PROT_WRITE, MAP_SHARED,
                        fd, 0)) == MAP_FAILED) {
                if (fd >= 0)
                        unlink(tmp);
                free(s->path);
                s->path = NULL;
                return;
        }
        struct fc_shelf_header *h = map;
        h->version = FC_SHELF_VERSION;
        h->pid = getpid();
        h->n_slots = FC_SHELF_SLOTS;
        h->pidfs_ino = ino;
        __atomic_store_n(&h->magic, FC_SHELF_MAGIC, __ATOMIC_RELEASE);
        if (rename(tmp, s->path) < 0) {
                unlink(tmp);
                munmap(map, sizeof(*h));
                free(s->path);
                s->path = NULL;
                return;
        }
        s->h = h;
}

static void close_fds(const struct fc_shelf_slot *slot)
{
        for (int i = 0; i < 2; i++)
                if (slot->fds[i] >= 0)
                        close(slot->fds[i]);
}

void fc_shelf_close(struct fc_shelf *s)
{
        if (s->h != NULL) {
                /* Gone first: no runtime maps it after this. */
                unlink(s->path);
                for (unsigned i = 0; i < FC_SHELF_SLOTS; i++) {
                        struct fc_shelf_slot *slot = &s->h->slot[i];
                        /* A claimed slot's fds go too: its runtime's copy
                         * fails and it misses. */
                        if (load_state(slot) != FC_SHELF_EMPTY)
                                close_fds(slot);
                        __atomic_store_n(&slot->state, FC_SHELF_EMPTY, __ATOMIC_RELEASE);
                }
                munmap(s->h, sizeof(*s->h));
        }
        free(s->path);
        *s = (struct fc_shelf){NULL, NULL};
}

bool fc_shelf_put(struct fc_shelf *s, uint64_t key_hash, int fd0, int fd1)
{
        if (s->h == NULL)
                return false;
        for (unsigned i = 0; i < FC_SHELF_SLOTS; i++) {
                struct fc_shelf_slot *slot = &s->h->slot[i];
                /* Only we leave EMPTY. */
                if (load_state(slot) != FC_SHELF_EMPTY)
                        continue;
                slot->key_hash = key_hash;
                slot->fds[0] = fd0;
                slot->fds[1] = fd1;
                slot->claimer = 0;
                slot->claimed_ns = 0;
                __atomic_store_n(&slot->state, FC_SHELF_READY, __ATOMIC_RELEASE);
                return true;
        }
        return false;
}

bool fc_shelf_unput(struct fc_shelf *s, uint64_t key_hash, int *fd0, int *fd1)
{
        if (s->h == NULL)
                return false;
        for (unsigned i = 0; i < FC_SHELF_SLOTS; i++) {
                struct fc_shelf_slot *slot = &s->h->slot[i];
                if (slot->key_hash != key_hash || !swap_state(slot, FC_SHELF_READY, FC_SHELF_EMPTY))
                        continue;
                *fd0 = slot->fds[0];
                *fd1 = slot->fds[1];
                return true;
        }
        return false;
}

unsigned fc_shelf_count(const struct fc_shelf *s, uint64_t key_hash)
{
        unsigned n = 0;
        for (unsigned i = 0; s->h != NULL && i < FC_SHELF_SLOTS; i++)
                n += load_state(&s->h->slot[i]) == FC_SHELF_READY &&
                     s->h->slot[i].key_hash == key_hash;
        return n;
}

unsigned fc_shelf_sweep(struct fc_shelf *s, uint64_t now,
                        void (*taken)(void *arg, uint64_t key_hash), void *arg)
{
        unsigned freed = 0;
        for (unsigned i = 0; s->h != NULL && i < FC_SHELF_SLOTS; i++) {
                struct fc_shelf_slot *slot = &s->h->slot[i];
                uint32_t st = load_state(slot);
                if (st == FC_SHELF_CLAIMED) {
                        /* Its runtime died between claim and copy, or is
                         * stuck: the part is lost to it (it misses). */
                        pid_t claimer = slot->claimer;
                        uint64_t at = slot->claimed_ns;
                        bool dead = claimer > 0 && kill(claimer, 0) < 0 && errno == ESRCH;
                        if (!dead && !(at != 0 && now > at + CLAIM_MAX_NS))
                                continue;
                        if (!swap_state(slot, FC_SHELF_CLAIMED, FC_SHELF_TAKEN))
                                continue;
                        st = FC_SHELF_TAKEN;
                }
                if (st != FC_SHELF_TAKEN)
                        continue;
                close_fds(slot);
                if (taken != NULL)
                        taken(arg, slot->key_hash);
                __atomic_store_n(&slot->state, FC_SHELF_EMPTY, __ATOMIC_RELEASE);
                freed++;
        }
        return freed;
}

/* ---- the runtime's side ---- */

/* Copy the claimed slot's fds out of the cache. */
static int copy_out(const struct fc_shelf_header *h, const struct fc_shelf_slot *slot, int *fd0,
                    int *fd1)
{
        cleanup_close int pidfd = fc_sys_pidfd_open(h->pid, 0);
        if (pidfd < 0)
                return -errno;
        /* Still the cache that wrote the shelf, not a process that got its
         * pid after it died. */
        if (pidfd_ino(pidfd) != h->pidfs_ino)
                return -ESRCH;
        cleanup_close int a = fc_sys_pidfd_getfd(pidfd, slot->fds[0]);
        if (a < 0)
                return -errno;
        cleanup_close int b = fc_sys_pidfd_getfd(pidfd, slot->fds[1]);
        if (b < 0)
                return -errno;
        struct statfs sf;
        if (fstatfs(a, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC ||
            ioctl(b, NS_GET_NSTYPE) != CLONE_NEWPID)
                return -EBADMSG;
        *fd0 = steal_fd(&a);
        *fd1 = steal_fd(&b);
        return 0;
}

int fc_shelf_take(const char *socket_path, const char *key, int *fd0, int *fd1)
{
        *fd0 = *fd1 = -1;
        cleanup_free char *path = fc_parts_sibling_path(socket_path, FC_SHELF_SUFFIX);
        if (path == NULL)
                return -ENOMEM;
        int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        struct stat sb;
        void *map = MAP_FAILED;
        /* Only a shelf root keeps: it names the fds we would use. */
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == 0 && !(sb.st_mode & 022) &&
            sb.st_size >= (off_t) sizeof(struct fc_shelf_header))
                map = mmap(NULL, sizeof(struct fc_shelf_header), PROT_READ | PROT_WRITE, MAP_SHARED,
                           fd, 0);
        close(fd);
        if (map == MAP_FAILED)
                return -EINVAL;
        struct fc_shelf_header *h = map;
        int r = -ENOENT;
        if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) == FC_SHELF_MAGIC &&
            h->version == FC_SHELF_VERSION && h->n_slots == FC_SHELF_SLOTS) {
                uint64_t hash = fc_shelf_hash(key);
                for (unsigned i = 0; i < FC_SHELF_SLOTS; i++) {
                        struct fc_shelf_slot *slot = &h->slot[i];
                        if (load_state(slot) != FC_SHELF_READY || slot->key_hash != hash ||
                            !swap_state(slot, FC_SHELF_READY, FC_SHELF_CLAIMED))
                                continue;
                        slot->claimer = getpid();
                        slot->claimed_ns = fc_now_ns();
                        r = copy_out(h, slot, fd0, fd1);
                        /* Whatever came of it: the cache closes its copies. */
                        __atomic_store_n(&slot->state, FC_SHELF_TAKEN, __ATOMIC_RELEASE);
                        break;
                }
        }
        munmap(map, sizeof(*h));
        return r;
}
