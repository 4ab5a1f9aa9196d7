/* SPDX-License-Identifier: Apache-2.0
 *
 * The parts cache process (`flashcube cache serve|status|stop`), as
 * cmd/cache.c drives it.  The runtime side is lib/parts/parts.h.
 */
#ifndef FC_PARTS_CACHE_H
#define FC_PARTS_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/context.h"
#include "lib/error.h"
#include "lib/parts/parts.h"

#define FC_PARTS_DEFAULT_CONFIG "/etc/flashcube/cache.conf"

/* Pool sizes (0: that kind is not pooled) and how hard to refill. */
struct fc_parts_config {
        unsigned pool_net;
        unsigned pool_ipc;
        unsigned pool_uts;
        unsigned pool_cgroup; /* pooled cgroups per parent (cgroup v1) */
        unsigned pool_dev;    /* ready /dev trees per kind of /dev */
        unsigned pool_proc;   /* ready /proc trees (and pid namespaces) per kind of /proc */
        unsigned refill_jobs; /* helper processes creating parts at once */
        /* How long a refill below the low water mark waits for the
         * creates holding a lease to end (0: not at all). */
        unsigned refill_defer_ms;
        /* Test hook: delay each lease reply by this many microseconds (to
         * exercise the client's timeout).  0 in production. */
        unsigned reply_delay_us;
        /* Test hook: /proc trees are kept off the shelf (handed out over
         * the socket only). */
        bool test_no_shelf;
};

void fc_parts_config_defaults(struct fc_parts_config *cfg);

/* Read key=value lines ("pool_net = 8", '#' comments) into *cfg.  With
 * `optional`, a missing file is not an error (the default path). */
int fc_parts_config_load(const char *path, bool optional, struct fc_parts_config *cfg,
                         fc_error_t *err);

/* Parse the text of a config file (unit-testable). */
int fc_parts_config_parse(const char *text, const char *path, struct fc_parts_config *cfg,
                          fc_error_t *err);

struct fc_parts_serve_opts {
        const char *socket_path;
        bool detach;
        /* An fd that already holds the instance lock (the client's
         * autostart passes it down so no second cache starts meanwhile);
         * -1 to take the lock here. */
        int lock_fd;
};

/* Run the cache until STOP or SIGTERM/SIGINT.  Refuses to start when
 * another instance holds the lock; removes a dead instance's socket and
 * pid file.  With `detach`, returns in the caller once the daemon listens
 * (0) or failed (< 0 with its error); the daemon itself never returns
 * (it _exit()s).  Without, returns 0 after a clean stop. */
int fc_parts_serve(const struct fc_context *ctx, const struct fc_parts_config *cfg,
                   const struct fc_parts_serve_opts *opts, fc_error_t *err);

/* STATUS: the JSON text (malloc'd in *ret_json). */
int fc_parts_status(const char *socket_path, char **ret_json, fc_error_t *err);

/* STOP, then wait (bounded, ~5 s) until the process has exited. */
int fc_parts_stop(const char *socket_path, fc_error_t *err);

/* For tests (`flashcube cache lease-test`): check that every fd of a lease
 * is a namespace of its kind and that a leased network namespace has `lo`
 * up (looked at from a short-lived child, so the caller's namespaces stay
 * as they are).  ret_ino[3]: the namespace inode per kind (net, ipc, uts),
 * 0 when not granted. */
int fc_parts_lease_check(const struct fc_parts_lease *l, uint64_t *ret_ino, fc_error_t *err);

#endif
