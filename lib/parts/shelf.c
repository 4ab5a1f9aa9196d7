/* SPDX-License-Identifier: Apache-2.0
 *
 * The shelf: see lib/parts/shelf.h.
 */
#include "lib/parts/shelf.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/context.h"
#include "lib/parts/devpool.h"
#include "lib/parts/protocol.h"
#include "lib/sys.h"

#define FC_SHELF_MAGIC   0x464c4853u /* "SHLF" */
#define FC_SHELF_VERSION 2u
/* A claim older than this is taken back even if its runtime lives. */
#define CLAIM_MAX_NS (10ULL * 1000000000ULL)

uint64_t fc_shelf_hash(const char *key)
{
        uint64_t h = 14695981039346656037ULL;
        for (const unsigned char *c = (const unsigned char *) key; *c; c++)
                h = (h ^ *c) * 1099511628211ULL;
        return h;
}

static uint64_t load_word(const struct fc_shelf_slot *slot)
{
        return __atomic_load_n(&slot->word, __ATOMIC_ACQUIRE);
}

static bool swap_word(struct fc_shelf_slot *slot, uint64_t from, uint64_t to)
{
        return __atomic_compare_exchange_n(&slot->word, &from, to, false, __ATOMIC_ACQ_REL,
                                           __ATOMIC_ACQUIRE);
}

static char *slot_key(struct fc_shelf_header *h, unsigned i)
{
        return (char *) h + FC_SHELF_KEYS_AT + (size_t) i * FC_SHELF_KEY_MAX;
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
        memset(s, 0, sizeof(*s));
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
        if (fd < 0 || ftruncate(fd, FC_SHELF_SIZE) < 0 ||
            (map = mmap(NULL, FC_SHELF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ==
                    MAP_FAILED) {
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
                munmap(map, FC_SHELF_SIZE);
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
                        /* A claimed slot's fds go too: its runtime's last
                         * compare-and-swap fails, and it misses. */
                        uint64_t w = __atomic_exchange_n(
                                &slot->word, FC_SHELF_WORD(FC_SHELF_EMPTY, 0, 0), __ATOMIC_ACQ_REL);
                        if (FC_SHELF_STATE(w) != FC_SHELF_EMPTY)
                                close_fds(slot);
                }
                munmap(s->h, FC_SHELF_SIZE);
        }
        free(s->path);
        memset(s, 0, sizeof(*s));
}

/* Whether slot i holds a part of `key` (hash `hash`). */
static bool slot_of(struct fc_shelf_header *h, unsigned i, const char *key, uint64_t hash)
{
        return h->slot[i].key_hash == hash && strncmp(slot_key(h, i), key, FC_SHELF_KEY_MAX) == 0;
}

bool fc_shelf_put(struct fc_shelf *s, const char *key, int fd0, int fd1)
{
        size_t len = strlen(key);
        if (s->h == NULL || len >= FC_SHELF_KEY_MAX)
                return false;
        for (unsigned i = 0; i < FC_SHELF_SLOTS; i++) {
                struct fc_shelf_slot *slot = &s->h->slot[i];
                /* Only we leave EMPTY. */
                uint64_t w = load_word(slot);
                if (FC_SHELF_STATE(w) != FC_SHELF_EMPTY)
                        continue;
                memcpy(slot_key(s->h, i), key, len + 1);
                slot->key_hash = fc_shelf_hash(key);
                slot->fds[0] = fd0;
                slot->fds[1] = fd1;
                __atomic_store_n(&slot->word, FC_SHELF_WORD(FC_SHELF_READY, FC_SHELF_GEN(w) + 1, 0),
                                 __ATOMIC_RELEASE);
                return true;
        }
        return false;
}

bool fc_shelf_unput(struct fc_shelf *s, const char *key, int *fd0, int *fd1)
{
        if (s->h == NULL)
                return false;
        uint64_t hash = fc_shelf_hash(key);
        for (unsigned i = 0; i < FC_SHELF_SLOTS; i++) {
                struct fc_shelf_slot *slot = &s->h->slot[i];
                uint64_t w = load_word(slot);
                if (FC_SHELF_STATE(w) != FC_SHELF_READY || !slot_of(s->h, i, key, hash) ||
                    !swap_word(slot, w, FC_SHELF_WORD(FC_SHELF_EMPTY, FC_SHELF_GEN(w), 0)))
                        continue;
                *fd0 = slot->fds[0];
                *fd1 = slot->fds[1];
                return true;
        }
        return false;
}

unsigned fc_shelf_count(struct fc_shelf *s, const char *key)
{
        unsigned n = 0;
        uint64_t hash = fc_shelf_hash(key);
        for (unsigned i = 0; s->h != NULL && i < FC_SHELF_SLOTS; i++)
                n += FC_SHELF_STATE(load_word(&s->h->slot[i])) == FC_SHELF_READY &&
                     slot_of(s->h, i, key, hash);
        return n;
}

unsigned fc_shelf_sweep(struct fc_shelf *s, uint64_t now,
                        void (*gone)(void *arg, const char *key, bool taken), void *arg)
{
        unsigned freed = 0;
        for (unsigned i = 0; s->h != NULL && i < FC_SHELF_SLOTS; i++) {
                struct fc_shelf_slot *slot = &s->h->slot[i];
                uint64_t w = load_word(slot);
                unsigned st = FC_SHELF_STATE(w);
                uint64_t empty = FC_SHELF_WORD(FC_SHELF_EMPTY, FC_SHELF_GEN(w), 0);
                bool taken = st == FC_SHELF_TAKEN;
                if (st == FC_SHELF_CLAIMED) {
                        /* Its runtime died between its claim and its copy,
                         * or is stuck: the part is lost to it. */
                        if (s->claim_word[i] != w) {
                                s->claim_word[i] = w;
                                s->claim_seen[i] = now;
                        }
                        pid_t claimer = FC_SHELF_PID(w);
                        bool dead = claimer > 0 && kill(claimer, 0) < 0 && errno == ESRCH;
                        if (!dead && now < s->claim_seen[i] + CLAIM_MAX_NS)
                                continue;
                        if (!swap_word(slot, w, empty))
                                continue;
                } else if (st != FC_SHELF_TAKEN || !swap_word(slot, w, empty)) {
                        continue;
                }
                close_fds(slot);
                if (gone != NULL)
                        gone(arg, slot_key(s->h, i), taken);
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
        if (!fc_proctree_part_ok(a, b))
                return -EBADMSG;
        *fd0 = steal_fd(&a);
        *fd1 = steal_fd(&b);
        return 0;
}

/* A claim of slot i of the mapped shelf h for `key`: its fds, or a miss. */
static int take_slot(struct fc_shelf_header *h, unsigned i, uint64_t w, int *fd0, int *fd1)
{
        struct fc_shelf_slot *slot = &h->slot[i];
        uint64_t claimed = FC_SHELF_WORD(FC_SHELF_CLAIMED, FC_SHELF_GEN(w), getpid());
        if (!swap_word(slot, w, claimed))
                return -EAGAIN;
        int r = copy_out(h, slot, fd0, fd1);
        if (r == -EBADMSG || r == 0) {
                /* Ours (or broken): the cache closes its copies.  If it took
                 * the slot back meanwhile (a claim held too long), what we
                 * copied may be another part's: dropped. */
                if (swap_word(slot, claimed,
                              FC_SHELF_WORD(FC_SHELF_TAKEN, FC_SHELF_GEN(w), getpid())) ||
                    r < 0)
                        return r;
                close(*fd0);
                close(*fd1);
                *fd0 = *fd1 = -1;
                return -ESTALE;
        }
        /* Not copied (no pidfd_getfd here, a cache that is gone): the part
         * stays for the cache to hand over the socket. */
        (void) swap_word(slot, claimed, w);
        return r;
}

struct fc_shelf_header *fc_shelf_map(const char *socket_path)
{
        cleanup_free char *path = fc_parts_sibling_path(socket_path, FC_SHELF_SUFFIX);
        int fd = path == NULL ? -1 : open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return NULL;
        struct stat sb;
        void *map = MAP_FAILED;
        /* Only a shelf root keeps: it names the fds we would use. */
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == 0 && !(sb.st_mode & 022) &&
            sb.st_size >= (off_t) FC_SHELF_SIZE)
                map = mmap(NULL, FC_SHELF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        struct fc_shelf_header *h = map == MAP_FAILED ? NULL : map;
        if (h != NULL && (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != FC_SHELF_MAGIC ||
                          h->version != FC_SHELF_VERSION || h->n_slots != FC_SHELF_SLOTS)) {
                munmap(map, FC_SHELF_SIZE);
                h = NULL;
        }
        return h;
}

void fc_shelf_unmap(struct fc_shelf_header *h)
{
        if (h != NULL)
                munmap(h, FC_SHELF_SIZE);
}

int fc_shelf_take(struct fc_shelf_header *h, const char *key, int *fd0, int *fd1)
{
        *fd0 = *fd1 = -1;
        uint64_t hash = fc_shelf_hash(key);
        int r = -ENOENT;
        for (unsigned i = 0; i < FC_SHELF_SLOTS && r == -ENOENT; i++) {
                uint64_t w = load_word(&h->slot[i]);
                /* The key read after the word: what was put with it (if the
                 * slot changes meanwhile, the claim fails). */
                if (FC_SHELF_STATE(w) != FC_SHELF_READY || !slot_of(h, i, key, hash))
                        continue;
                r = take_slot(h, i, w, fd0, fd1);
                if (r == -EAGAIN)
                        r = -ENOENT; /* lost the race: the next slot */
        }
        return r;
}
