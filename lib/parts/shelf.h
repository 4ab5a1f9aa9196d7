/* SPDX-License-Identifier: Apache-2.0
 *
 * The shelf: parts a runtime takes without the cache having to run.
 *
 * A lease over the socket costs the runtime a wait for the cache to be
 * scheduled (on a busy or a halted CPU, 0.1 ms and more).  That is hidden
 * where the init is cloned first and the parts follow it (PARTS,
 * lib/spawn.h), but a pid namespace must be entered before the clone.  So
 * the cache puts its ready /proc trees and their pid namespaces
 * (lib/parts/devpool.h) on a shelf: a small file beside its socket,
 * mapped shared, with a slot per part naming the cache's own fds.  A
 * runtime claims a slot with an atomic compare-and-swap and copies the
 * fds out of the cache with pidfd_getfd(2) (Linux 5.6; root may), then
 * marks the slot taken; the cache closes its copies later (the sweep).
 *
 * Crash safety: a runtime that dies holding a claim leaves a slot the
 * sweep takes back; a dead cache's shelf names a process that no longer
 * exists (its pidfs inode, Linux 6.9, is checked, so a reused pid is not
 * mistaken for it) and a new cache writes a new shelf.  Anything amiss is
 * a miss: the runtime asks over the socket or creates the part itself.
 */
#ifndef FC_PARTS_SHELF_H
#define FC_PARTS_SHELF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define FC_SHELF_SUFFIX ".shelf"
#define FC_SHELF_SLOTS  32u

enum fc_shelf_state {
        FC_SHELF_EMPTY = 0,
        FC_SHELF_READY = 1,   /* fds[] are the cache's, for the taking */
        FC_SHELF_CLAIMED = 2, /* a runtime (claimer) is copying them */
        FC_SHELF_TAKEN = 3,   /* copied: the cache closes its own */
};

struct fc_shelf_slot {
        uint32_t state;    /* enum fc_shelf_state, changed atomically */
        int32_t claimer;   /* the runtime's pid, with CLAIMED and TAKEN */
        uint64_t key_hash; /* the key of the set the part belongs to */
        int32_t fds[2];    /* in the cache: the /proc tree, its pid namespace */
        uint64_t claimed_ns;
};

struct fc_shelf_header {
        uint32_t magic; /* FC_SHELF_MAGIC, written last */
        uint32_t version;
        int32_t pid;        /* the cache */
        uint32_t n_slots;   /* FC_SHELF_SLOTS */
        uint64_t pidfs_ino; /* the cache's pidfd inode, unique per process */
        struct fc_shelf_slot slot[FC_SHELF_SLOTS];
};

/* The hash that names a set's key in the slots (64-bit FNV-1a). */
uint64_t fc_shelf_hash(const char *key);

/* ---- the cache's side ---- */

struct fc_shelf {
        struct fc_shelf_header *h; /* NULL: no shelf (a miss for every runtime) */
        char *path;
};

/* Make the shelf beside socket_path (replacing a dead cache's); no shelf
 * (h NULL) when it cannot be made, which is not an error. */
void fc_shelf_open(struct fc_shelf *s, const char *socket_path);
/* Close the fds of the parts still on it and remove it. */
void fc_shelf_close(struct fc_shelf *s);
/* Put a part (two fds, the shelf's now) on a free slot; false when none
 * is free (the caller keeps them). */
bool fc_shelf_put(struct fc_shelf *s, uint64_t key_hash, int fd0, int fd1);
/* Take a part of key_hash back off the shelf (for a lease over the socket,
 * or to drop it); false when none is ready. */
bool fc_shelf_unput(struct fc_shelf *s, uint64_t key_hash, int *fd0, int *fd1);
/* Parts of key_hash ready on the shelf. */
unsigned fc_shelf_count(const struct fc_shelf *s, uint64_t key_hash);
/* Free the slots runtimes took (and those claimed by a runtime that died
 * or took longer than a second): the cache's fds closed.  Calls taken(arg,
 * key_hash) for each part a runtime took.  Returns how many slots were
 * freed. */
unsigned fc_shelf_sweep(struct fc_shelf *s, uint64_t now,
                        void (*taken)(void *arg, uint64_t key_hash), void *arg);

/* ---- the runtime's side ---- */

/* Take a part of `key` from the shelf of the cache at socket_path: its two
 * fds (the runtime's, close-on-exec).  0, or a negative errno for a miss
 * (nothing there, no shelf, a dead cache, no pidfd_getfd). */
int fc_shelf_take(const char *socket_path, const char *key, int *fd0, int *fd1);

#endif
