/* SPDX-License-Identifier: Apache-2.0
 *
 * The commands that act on a container's cgroup after create: update,
 * pause, resume, ps and events.  Each finds the container through its
 * state dir and the cgroup handle serialized in state.json.  Library
 * rules: nothing here prints; output goes back as values or through the
 * caller's callback.
 */
#ifndef FC_CONTAINER_CGROUP_H
#define FC_CONTAINER_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/context.h"
#include "lib/error.h"
#include "oci-spec/config.h"

/* Apply `res` to a created, running or paused container's cgroup (only
 * the fields set in it).  A stopped container fails with "container not
 * running". */
int fc_container_update(const struct fc_context *ctx, const char *id,
                        const struct fc_resources *res, fc_error_t *err);

/* Freeze every process of a running container ("container not running"
 * otherwise); resume thaws a paused one ("container not paused"). */
int fc_container_pause(const struct fc_context *ctx, const char *id, fc_error_t *err);
int fc_container_resume(const struct fc_context *ctx, const char *id, fc_error_t *err);

/* The pids in the container's cgroup (and the cgroups below it).
 * *ret_pids is malloc'd (NULL when there are none). */
int fc_container_ps(const struct fc_context *ctx, const char *id, pid_t **ret_pids, size_t *ret_n,
                    fc_error_t *err);

/* `ps` as runc does it: run the host's ps with `ps_args` (NULL/0: "-ef")
 * and keep the header plus the lines whose PID column is one of the
 * container's pids.  *ret_text is malloc'd. */
int fc_container_ps_table(const struct fc_context *ctx, const char *id, char *const *ps_args,
                          size_t n_args, char **ret_text, fc_error_t *err);

/* Keep the header and the lines of `ps_output` whose PID column is in
 * `pids` (pure, for the unit tests). */
char *fc_ps_filter(const char *ps_output, const pid_t *pids, size_t n, fc_error_t *err);

/* One JSON line (no newline) per event; a non-zero return stops the
 * stream and is returned by fc_container_events(). */
typedef int (*fc_event_fn)(void *data, const char *json_line);

/* `events`: with `stats_once` one stats line and return; otherwise a
 * stats line every `interval_ms` and an {"type":"oom"} line per OOM kill,
 * until the container is deleted (returns 0) or `emit` returns non-zero. */
int fc_container_events(const struct fc_context *ctx, const char *id, bool stats_once,
                        unsigned interval_ms, fc_event_fn emit, void *data, fc_error_t *err);

/* Byte sizes as runc's update flags take them (Docker's RAMInBytes):
 * "1024", "512m", "1.5g", "10MB", "2GiB"; binary multiples; "-1" is -1
 * (unlimited).  -EINVAL on anything else. */
int fc_parse_ram_size(const char *s, int64_t *ret);

/* Go durations as runc's --interval takes them: "5s", "500ms", "1m30s",
 * "1h"; units ns, us (µs), ms, s, m, h.  Rounded down to milliseconds. */
int fc_parse_duration_ms(const char *s, uint64_t *ret_ms);

#endif
