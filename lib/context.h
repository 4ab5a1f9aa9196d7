/* SPDX-License-Identifier: Apache-2.0
 *
 * What every library entry point gets from the CLI: global flags and a
 * logging callback.  The library never prints (STYLE.md §1): debug traces
 * and warnings go through ctx->log, which cmd/ implements.
 */
#ifndef FC_CONTEXT_H
#define FC_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

enum fc_log_level {
        FC_LOG_ERROR,
        FC_LOG_WARN,
        FC_LOG_INFO,
        FC_LOG_DEBUG,
};

struct fc_context {
        const char *root; /* state root, default /run/flashcube */
        bool debug;
        bool systemd_cgroup;
        bool rootless;
        const char *cache_socket; /* parts cache socket (--cache-socket, FLASHCUBE_CACHE_SOCKET) */
        bool no_cache;            /* --no-cache / FLASHCUBE_NO_CACHE=1: always the cold path */
        /* FLASHCUBE_CACHE_WAIT_MS: how long a create waits for the cache's
         * answer (0: the default, 5 ms) */
        uint64_t cache_wait_ns;
        void (*log)(void *data, enum fc_log_level level, const char *msg);
        void *log_data;
        uint64_t t0_ns; /* CLOCK_MONOTONIC at process start, for --debug phase times */
};

#define FC_DEFAULT_ROOT "/run/flashcube"

void fc_log(const struct fc_context *ctx, enum fc_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* --debug: "phase <name> at <µs since start>" so create/start/delete can be
 * profiled phase by phase without a profiler. Cheap no-op without --debug. */
void fc_trace(const struct fc_context *ctx, const char *phase);

/* Fault injection (configure --enable-failpoints only): when the
 * environment has FLASHCUBE_FAILPOINT=<phase>, the process dies by SIGKILL on
 * reaching that phase, as if `kill -9` had hit it there.  fc_trace() checks
 * its phase; code without a context (the container's init before execve)
 * calls fc_failpoint() directly.  A no-op in production builds. */
#ifdef FC_FAILPOINTS
void fc_failpoint(const char *phase);
#else
static inline void fc_failpoint(const char *phase)
{
        (void) phase;
}
#endif

uint64_t fc_now_ns(void);

/* Busy waiting, for the short waits of a create (the init for the
 * runtime's next message, the runtime for READY and for a short-lived
 * container's exit): on a VM, a task that blocks leaves its vCPU idle, and
 * waking an idle vCPU costs the host's wake-up, sometimes hundreds of
 * microseconds.  One step yields the CPU and says whether to poll again:
 * until `end_ns`, and only while nothing else wants this CPU (a yield that
 * let another task run means the CPU is needed: block instead). */
bool fc_spin_step(uint64_t end_ns);

/* How long the waits above poll before they block. */
#define FC_SPIN_NS 2000000ULL

#endif
