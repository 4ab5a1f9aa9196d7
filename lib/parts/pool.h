/* SPDX-License-Identifier: Apache-2.0
 *
 * The cache's pools (internal to lib/parts): one per kind of part, filled
 * by short-lived helper processes and emptied by leases.
 */
#ifndef FC_PARTS_POOL_H
#define FC_PARTS_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/utsname.h>

#include "lib/error.h"
#include "lib/parts/cache.h"

#define FC_PARTS_N_KINDS 3

struct fc_parts_part {
        int fd;
        /* UTS parts: the names the namespace was created with, compared
         * with the host's at hand-out. */
        char nodename[sizeof(((struct utsname *) 0)->nodename)];
        char domainname[sizeof(((struct utsname *) 0)->domainname)];
};

struct fc_parts_pool {
        uint32_t kind;     /* one FC_PART_* bit */
        unsigned target;   /* high water mark: refill up to this in idle time */
        unsigned low;      /* low water mark: below it, refill at once */
        unsigned ready;    /* parts[0..ready) */
        unsigned inflight; /* being created by helpers */
        struct fc_parts_part *parts;
        uint64_t hits, misses, discarded;
};

/* A helper process creating one part of each kind in `kinds`. */
struct fc_parts_job {
        pid_t pid;
        int sock; /* our end of the socketpair the helper sends its fds on */
        uint32_t kinds;
        uint64_t started_ns;
};

struct fc_parts_pools {
        struct fc_parts_pool pool[FC_PARTS_N_KINDS]; /* net, ipc, uts */
        struct fc_parts_job *jobs;
        unsigned n_jobs, max_jobs;
        uint64_t errors; /* helpers that failed or sent something wrong */
};

int fc_parts_pools_init(struct fc_parts_pools *p, const struct fc_parts_config *cfg,
                        fc_error_t *err);

/* Close every pooled fd and kill and reap running helpers. */
void fc_parts_pools_free(struct fc_parts_pools *p);

/* The kinds one new helper should create now: those below their low water
 * mark, or (when `idle`) below their target.  0 when nothing is wanted or
 * the helper limit is reached. */
uint32_t fc_parts_pools_need(const struct fc_parts_pools *p, bool idle);

/* Start a helper for `kinds` (clone3 with the CLONE_NEW* flags). */
int fc_parts_pools_spawn(struct fc_parts_pools *p, uint32_t kinds, fc_error_t *err);

/* Job `i` has something on its socket (its parts or its death): collect
 * the parts, reap the helper, drop the job.  Failures count as errors. */
void fc_parts_pools_job_done(struct fc_parts_pools *p, unsigned i);

/* Kill helpers running longer than `timeout_ns` (counted as errors). */
void fc_parts_pools_reap_stuck(struct fc_parts_pools *p, uint64_t now_ns, uint64_t timeout_ns);

/* Take one pristine part of each kind in `want`; fds[] in bit order, the
 * caller owns them.  Returns the granted bits. */
uint32_t fc_parts_pools_take(struct fc_parts_pools *p, uint32_t want, int *fds);

#endif
