/* SPDX-License-Identifier: Apache-2.0
 *
 * A tree built by a child of the cache (FC_PART_CGTREE, FC_PART_DEVTREE).
 * On Linux 6.1 nothing mounts on a detached tree: so a child builds it in
 * a mount namespace of its own, sends a detached clone of it and exits
 * (its namespace, and nothing of the host's, goes with it).
 *
 * The cache does not wait for it: a build takes a millisecond or two on
 * an idle machine and far more on a busy one, and a lease that came
 * meanwhile would wait as long (its runtime gives up after 5 ms).  The
 * loop polls the job's socket (fc_tree_job_fd) with its clients' and
 * collects the tree when it comes (fc_tree_job_finish).  One job per pool
 * of trees at a time.
 */
#ifndef FC_PARTS_TREEJOB_H
#define FC_PARTS_TREEJOB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A builder that has not sent its tree, or failed, by then is killed. */
#define FC_TREE_JOB_TIMEOUT_NS (2000ULL * 1000000ULL)

struct fc_tree_job {
        pid_t pid; /* the builder in flight, 0 when none */
        int sock;  /* where its tree comes, -1 when none */
        uint64_t deadline_ns;
        /* Builders done with that had not exited yet (their exit tears
         * their mount namespace down, a grace period): reaped later. */
        pid_t exited[16];
        unsigned n_exited;
};

void fc_tree_job_init(struct fc_tree_job *j);

/* Start a builder: child(sock, arg) runs in a child of ours and sends
 * the tree's fd on sock (its exit status is otherwise unused).  `arg` is
 * only read by the child (fork copies it).  0, or -errno (nothing in
 * flight then).  Not while one is in flight. */
int fc_tree_job_start(struct fc_tree_job *j, int (*child)(int sock, const void *arg),
                      const void *arg, uint64_t now);

static inline bool fc_tree_job_busy(const struct fc_tree_job *j)
{
        return j->pid > 0;
}

/* The fd to poll for POLLIN while a job is in flight, else -1. */
static inline int fc_tree_job_fd(const struct fc_tree_job *j)
{
        return j->pid > 0 ? j->sock : -1;
}

/* Whether the job in flight is past its deadline. */
bool fc_tree_job_overdue(const struct fc_tree_job *j, uint64_t now);

/* Milliseconds until the deadline of the job in flight, -1 when none. */
int fc_tree_job_wake_ms(const struct fc_tree_job *j, uint64_t now);

/* End the job in flight: its tree (the caller owns it) when it sent one,
 * else -1 - it failed, or has not sent it yet and is killed.  With
 * `second`, the builder sends two fds (a /proc tree and its pid
 * namespace) and *second is the other one (-1 with the -1). */
int fc_tree_job_finish(struct fc_tree_job *j, int *second);

/* Reap the builders that exited; with `wait`, also kill the one in
 * flight and wait for them all (the cache stops). */
void fc_tree_job_reap(struct fc_tree_job *j, bool wait);

#endif
