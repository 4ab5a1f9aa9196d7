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
 * The full key is compared, not only its hash: a config must not get a
 * /proc made for another.
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
/* As many as the proc pools hold by default (8 kinds x 8). */
#define FC_SHELF_SLOTS 64u
/* Room for a key (FC_PARTS_PROC_KEY_MAX, lib/parts/protocol.h) per slot. */
#define FC_SHELF_KEY_MAX 1024u
/* The keys, one per slot, after the header's page: a runtime reads the
 * slots' page and the page of the key it matches only. */
#define FC_SHELF_KEYS_AT 4096u
#define FC_SHELF_SIZE    (FC_SHELF_KEYS_AT + FC_SHELF_SLOTS * FC_SHELF_KEY_MAX)

enum fc_shelf_state {
        FC_SHELF_EMPTY = 0,
        FC_SHELF_READY = 1,   /* fds[] are the cache's, for the taking */
        FC_SHELF_CLAIMED = 2, /* a runtime (its pid in the word) is copying them */
        FC_SHELF_TAKEN = 3,   /* copied: the cache closes its own */
};

/* A slot's word, changed only by compare-and-swap (or, from EMPTY, by the
 * cache alone): the state in bits 0-7, a generation in bits 8-31 (new at
 * every put, so a claim made against one part never lands on the next one
 * put in the slot), the claiming runtime's pid in bits 32-63. */
#define FC_SHELF_WORD(state, gen, pid)                                                             \
        ((uint64_t) (state) | ((uint64_t) ((gen) &0xffffffu) << 8) |                               \
         ((uint64_t) (uint32_t) (pid) << 32))
#define FC_SHELF_STATE(w) ((unsigned) ((w) &0xffu))
#define FC_SHELF_GEN(w)   ((unsigned) (((w) >> 8) & 0xffffffu))
#define FC_SHELF_PID(w)   ((pid_t) (uint32_t) ((w) >> 32))

struct fc_shelf_slot {
        uint64_t word;
        uint64_t key_hash; /* of the key at FC_SHELF_KEYS_AT (a first, cheap test) */
        int32_t fds[2];    /* in the cache: the /proc tree, its pid namespace */
        uint64_t spare;
};

struct fc_shelf_header {
        uint32_t magic; /* FC_SHELF_MAGIC, written last */
        uint32_t version;
        int32_t pid;        /* the cache */
        uint32_t n_slots;   /* FC_SHELF_SLOTS */
        uint64_t pidfs_ino; /* the cache's pidfd inode, unique per process */
        struct fc_shelf_slot slot[FC_SHELF_SLOTS];
};

/* The hash that names a set's key in the slots (64-bit FNV-1a); the key
 * itself is compared too. */
uint64_t fc_shelf_hash(const char *key);

/* ---- the cache's side ---- */

struct fc_shelf {
        struct fc_shelf_header *h; /* NULL: no shelf (a miss for every runtime) */
        char *path;
        uint64_t claim_seen[FC_SHELF_SLOTS]; /* a claimed word first seen then ... */
        uint64_t claim_word[FC_SHELF_SLOTS]; /* ... this one */
};

/* Make the shelf beside socket_path (replacing a dead cache's); no shelf
 * (h NULL) when it cannot be made, which is not an error. */
void fc_shelf_open(struct fc_shelf *s, const char *socket_path);
/* Close the fds of the parts still on it and remove it. */
void fc_shelf_close(struct fc_shelf *s);
/* Put a part of `key` (two fds, the shelf's now) on a free slot; false
 * when none is free (the caller keeps them). */
bool fc_shelf_put(struct fc_shelf *s, const char *key, int fd0, int fd1);
/* Take a part of `key` back off the shelf (for a lease over the socket, or
 * to drop it); false when none is ready. */
bool fc_shelf_unput(struct fc_shelf *s, const char *key, int *fd0, int *fd1);
/* Parts of `key` ready on the shelf. */
unsigned fc_shelf_count(struct fc_shelf *s, const char *key);
/* Free the slots runtimes took, and take back those claimed by a runtime
 * that died or has held its claim for 10 s (its copy then fails: its
 * last compare-and-swap finds the slot changed): the cache's fds closed.
 * Calls gone(arg, key, taken) for each part that left the shelf (`taken`:
 * by a runtime).  Returns how many slots were freed. */
unsigned fc_shelf_sweep(struct fc_shelf *s, uint64_t now,
                        void (*gone)(void *arg, const char *key, bool taken), void *arg);

/* ---- the runtime's side ---- */

/* The shelf of the cache at socket_path, mapped; NULL when there is none
 * (no cache, or one whose kernel cannot build its parts: lib/parts/
 * devpool.h), or it is not root's alone or not one this build reads. */
struct fc_shelf_header *fc_shelf_map(const char *socket_path);
void fc_shelf_unmap(struct fc_shelf_header *h);
/* Take a part of `key` from a mapped shelf: its two fds (the runtime's,
 * close-on-exec).  0, or a negative errno for a miss (nothing there, a
 * dead cache, no pidfd_getfd). */
int fc_shelf_take(struct fc_shelf_header *h, const char *key, int *fd0, int *fd1);

#endif
