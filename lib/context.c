/* SPDX-License-Identifier: Apache-2.0 */
#include "lib/context.h"

#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/sys.h"

uint64_t fc_now_ns(void)
{
        struct timespec ts;
        fc_sys_clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

/* A yield that returns later than this ran another task. */
#define SPIN_YIELD_MAX_NS 20000ULL

bool fc_spin_step(uint64_t end_ns)
{
        uint64_t before = fc_now_ns();
        if (before >= end_ns)
                return false;
        sched_yield();
        return fc_now_ns() - before < SPIN_YIELD_MAX_NS;
}

void fc_log(const struct fc_context *ctx, enum fc_log_level level, const char *fmt, ...)
{
        if (ctx == NULL || ctx->log == NULL)
                return;
        if (level == FC_LOG_DEBUG && !ctx->debug)
                return;
        char buf[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        ctx->log(ctx->log_data, level, buf);
}

#ifdef FC_FAILPOINTS
void fc_failpoint(const char *phase)
{
        const char *want = getenv("FLASHCUBE_FAILPOINT");
        if (want == NULL || strcmp(want, phase) != 0)
                return;
        kill(getpid(), SIGKILL);
        /* The init of a new pid namespace ignores a SIGKILL it sends itself:
         * die the nearest way, without atexit handlers or stdio flushes. */
        _exit(128 + SIGKILL);
}
#endif

void fc_trace(const struct fc_context *ctx, const char *phase)
{
        fc_failpoint(phase);
        if (ctx == NULL || !ctx->debug)
                return;
        uint64_t us = (fc_now_ns() - ctx->t0_ns) / 1000;
        fc_log(ctx, FC_LOG_DEBUG, "phase %s at %llu us", phase, (unsigned long long) us);
}
