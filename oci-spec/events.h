/* SPDX-License-Identifier: Apache-2.0
 *
 * `events`: the container statistics as plain data (filled by lib/cgroup
 * from the kernel's files) and their JSON lines in the shape `runc events`
 * prints: {"type":"stats","id":ID,"data":{...}} and {"type":"oom","id":ID}.
 * Zero values are left out where runc leaves them out (Go's omitempty).
 */
#ifndef FC_OCI_EVENTS_H
#define FC_OCI_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci-spec/error.h"

/* "unlimited" as the stats report it (runc reports the kernel's v1 value,
 * or the largest uint64 for v2's "max"). */
#define FC_STATS_UNLIMITED UINT64_MAX

struct fc_stats_kv {
        char *key;
        uint64_t value;
};

struct fc_stats_mem_entry {
        uint64_t limit, usage, max, failcnt;
};

struct fc_stats_blkio_entry {
        uint64_t major, minor;
        char *op; /* "Read", "Write", "Sync", "Async", "Discard", "Total" */
        uint64_t value;
};

struct fc_stats_hugetlb {
        char *page_size; /* "2MB" */
        uint64_t usage, max, failcnt;
};

struct fc_stats {
        struct {
                uint64_t total, kernel, user; /* ns */
                uint64_t *percpu, *percpu_kernel, *percpu_user;
                size_t n_percpu, n_percpu_kernel, n_percpu_user;
                uint64_t periods, throttled_periods, throttled_time;
        } cpu;
        struct {
                uint64_t cache;
                struct fc_stats_mem_entry usage, swap, kernel, kernel_tcp;
                bool has_kernel; /* v1 only */
                struct fc_stats_kv *raw;
                size_t n_raw;
        } memory;
        struct {
                uint64_t current, limit; /* limit 0: unlimited, as runc */
        } pids;
        struct {
                struct fc_stats_blkio_entry *service_bytes, *serviced;
                size_t n_service_bytes, n_serviced;
        } blkio;
        struct fc_stats_hugetlb *hugetlb;
        size_t n_hugetlb;
        /* v1's cpuset files, as runc reports them (zero on v2, as runc). */
        struct {
                uint64_t *cpus, *mems; /* each CPU and memory node of the lists */
                size_t n_cpus, n_mems;
                uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate,
                        memory_spread_page, memory_spread_slab, memory_pressure, sched_load_balance;
                int64_t sched_relax_domain_level;
        } cpuset;
};

/* Release everything the struct owns and zero it.  Accepts NULL. */
void fc_stats_clear(struct fc_stats *s);

/* Append helpers for the fillers in lib/ (return -ENOMEM on failure). */
int fc_stats_add_raw(struct fc_stats *s, const char *key, uint64_t value);
int fc_stats_add_blkio(struct fc_stats_blkio_entry **v, size_t *n, uint64_t major, uint64_t minor,
                       const char *op, uint64_t value);
int fc_stats_add_u64(uint64_t **v, size_t *n, uint64_t value);
struct fc_stats_hugetlb *fc_stats_add_hugetlb(struct fc_stats *s, const char *page_size);

/* One line, no trailing newline; malloc'd. */
char *fc_events_stats_json(const char *id, const struct fc_stats *s, fc_error_t *err);
char *fc_events_oom_json(const char *id, fc_error_t *err);

#endif
