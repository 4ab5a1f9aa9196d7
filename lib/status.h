/* SPDX-License-Identifier: Apache-2.0
 *
 * The state directory <root>/<id>: reservation, state.json, exec.fifo, and
 * the container's current status derived from its init's liveness.
 */
#ifndef FC_STATUS_H
#define FC_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "lib/error.h"
#include "oci-spec/state.h"

#define FC_STATE_FILE "state.json"
#define FC_EXEC_FIFO  "exec.fifo"

/* runc's id rule: [A-Za-z0-9_+.-]+, not "." or "..", at most 1024 bytes. */
int fc_status_validate_id(const char *id, fc_error_t *err);

/* Create the root (0700, parents as needed) and <root>/<id> (0711)
 * atomically; an existing id fails with "container with given ID already
 * exists" (-EEXIST).  Returns an O_DIRECTORY fd of the state dir, holding
 * an exclusive flock on it: the create is alive while that fd is open. */
int fc_status_reserve(const char *root, const char *id, fc_error_t *err);

/* Open <root>/<id>; a missing one fails with "container does not exist"
 * (-ENOENT), like runc. */
int fc_status_open(const char *root, const char *id, fc_error_t *err);

/* Write state.json atomically (temp file + rename) in the state dir. */
int fc_status_write(int dirfd, const struct fc_state *s, fc_error_t *err);

/* Read state.json.  A state dir without one (a create that crashed before
 * writing it) yields a state with status "creating" and pid 0. */
struct fc_state *fc_status_read(int dirfd, const char *id, fc_error_t *err);

/* Remove the state dir and everything in it.  Missing is success. */
int fc_status_remove(const char *root, const char *id, fc_error_t *err);

/* Ids of every state dir under root, sorted (missing root: none). */
int fc_status_list_ids(const char *root, char ***ret_ids, size_t *ret_n, fc_error_t *err);

/* /proc/<pid>/stat field 22 (start time in clock ticks), or 0 if the pid
 * does not exist or is a zombie (a zombie init is a stopped container). */
uint64_t fc_proc_start_time(pid_t pid);
/* The same, and field 39 (the CPU it last ran on or is queued on) in
 * *ret_cpu, -1 when unknown. */
uint64_t fc_proc_start_time_cpu(pid_t pid, int *ret_cpu);

/* True when the recorded init still runs: same pid and same start time, so
 * a reused pid is not mistaken for the container. */
bool fc_status_init_alive(const struct fc_state *s);

/* Derive the current status ("creating", "created", "running", "paused",
 * "stopped") from liveness, exec.fifo and the freezer, and store it into
 * s->status.  "creating" whose creator has died is "stopped". */
int fc_status_refresh(int dirfd, struct fc_state *s, fc_error_t *err);

/* RFC 3339 UTC timestamp with nanoseconds, as runc's `created`. */
char *fc_status_timestamp(void);
/* The same format for a given time (UTC). */
char *fc_status_format_time(const struct timespec *ts);

#endif
