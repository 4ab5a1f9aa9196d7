/* SPDX-License-Identifier: Apache-2.0 */
#include "oci-spec/events.h"
#include "oci-spec/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fc_stats_clear(struct fc_stats *s)
{
        if (s == NULL)
                return;
        free(s->cpu.percpu);
        free(s->cpu.percpu_kernel);
        free(s->cpu.percpu_user);
        for (size_t i = 0; i < s->memory.n_raw; i++)
                free(s->memory.raw[i].key);
        free(s->memory.raw);
        for (size_t i = 0; i < s->blkio.n_service_bytes; i++)
                free(s->blkio.service_bytes[i].op);
        free(s->blkio.service_bytes);
        for (size_t i = 0; i < s->blkio.n_serviced; i++)
                free(s->blkio.serviced[i].op);
        free(s->blkio.serviced);
        for (size_t i = 0; i < s->n_hugetlb; i++)
                free(s->hugetlb[i].page_size);
        free(s->hugetlb);
        free(s->cpuset.cpus);
        free(s->cpuset.mems);
        memset(s, 0, sizeof(*s));
}

int fc_stats_add_raw(struct fc_stats *s, const char *key, uint64_t value)
{
        struct fc_stats_kv *n = realloc(s->memory.raw, (s->memory.n_raw + 1) * sizeof(*n));
        if (n == NULL)
                return -ENOMEM;
        s->memory.raw = n;
        char *k = strdup(key);
        if (k == NULL)
                return -ENOMEM;
        n[s->memory.n_raw++] = (struct fc_stats_kv){k, value};
        return 0;
}

int fc_stats_add_blkio(struct fc_stats_blkio_entry **v, size_t *n, uint64_t major, uint64_t minor,
                       const char *op, uint64_t value)
{
        struct fc_stats_blkio_entry *nv = realloc(*v, (*n + 1) * sizeof(*nv));
        if (nv == NULL)
                return -ENOMEM;
        *v = nv;
        char *o = strdup(op);
        if (o == NULL)
                return -ENOMEM;
        nv[(*n)++] = (struct fc_stats_blkio_entry){major, minor, o, value};
        return 0;
}

int fc_stats_add_u64(uint64_t **v, size_t *n, uint64_t value)
{
        uint64_t *nv = realloc(*v, (*n + 1) * sizeof(*nv));
        if (nv == NULL)
                return -ENOMEM;
        *v = nv;
        nv[(*n)++] = value;
        return 0;
}

struct fc_stats_hugetlb *fc_stats_add_hugetlb(struct fc_stats *s, const char *page_size)
{
        struct fc_stats_hugetlb *n = realloc(s->hugetlb, (s->n_hugetlb + 1) * sizeof(*n));
        if (n == NULL)
                return NULL;
        s->hugetlb = n;
        struct fc_stats_hugetlb *h = &n[s->n_hugetlb];
        memset(h, 0, sizeof(*h));
        if ((h->page_size = strdup(page_size)) == NULL)
                return NULL;
        s->n_hugetlb++;
        return h;
}

/* uint64 beyond long long (v2's "max") needs the number-as-text form. */
static void gen_u64(yajl_gen g, uint64_t v)
{
        char buf[24];
        int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
        yajl_gen_number(g, buf, (size_t) n);
}

static void gen_ku64(yajl_gen g, const char *key, uint64_t v)
{
        gen_str(g, key);
        gen_u64(g, v);
}

/* omitempty: a zero value is left out. */
static void gen_ku64_opt(yajl_gen g, const char *key, uint64_t v)
{
        if (v != 0)
                gen_ku64(g, key, v);
}

static void gen_u64_array_opt(yajl_gen g, const char *key, const uint64_t *v, size_t n)
{
        if (n == 0)
                return;
        gen_str(g, key);
        yajl_gen_array_open(g);
        for (size_t i = 0; i < n; i++)
                gen_u64(g, v[i]);
        yajl_gen_array_close(g);
}

static void gen_cpu(yajl_gen g, const struct fc_stats *s)
{
        gen_str(g, "cpu");
        yajl_gen_map_open(g);
        gen_str(g, "usage");
        yajl_gen_map_open(g);
        gen_ku64_opt(g, "total", s->cpu.total);
        gen_u64_array_opt(g, "percpu", s->cpu.percpu, s->cpu.n_percpu);
        gen_u64_array_opt(g, "percpu_kernel", s->cpu.percpu_kernel, s->cpu.n_percpu_kernel);
        gen_u64_array_opt(g, "percpu_user", s->cpu.percpu_user, s->cpu.n_percpu_user);
        gen_ku64(g, "kernel", s->cpu.kernel);
        gen_ku64(g, "user", s->cpu.user);
        yajl_gen_map_close(g);
        gen_str(g, "throttling");
        yajl_gen_map_open(g);
        gen_ku64_opt(g, "periods", s->cpu.periods);
        gen_ku64_opt(g, "throttledPeriods", s->cpu.throttled_periods);
        gen_ku64_opt(g, "throttledTime", s->cpu.throttled_time);
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
}

static void gen_mem_entry(yajl_gen g, const char *key, const struct fc_stats_mem_entry *e)
{
        gen_str(g, key);
        yajl_gen_map_open(g);
        gen_ku64(g, "limit", e->limit);
        gen_ku64_opt(g, "usage", e->usage);
        gen_ku64_opt(g, "max", e->max);
        gen_ku64(g, "failcnt", e->failcnt);
        yajl_gen_map_close(g);
}

static void gen_memory(yajl_gen g, const struct fc_stats *s)
{
        gen_str(g, "memory");
        yajl_gen_map_open(g);
        gen_ku64_opt(g, "cache", s->memory.cache);
        gen_mem_entry(g, "usage", &s->memory.usage);
        gen_mem_entry(g, "swap", &s->memory.swap);
        if (s->memory.has_kernel) {
                gen_mem_entry(g, "kernel", &s->memory.kernel);
                gen_mem_entry(g, "kernelTCP", &s->memory.kernel_tcp);
        }
        if (s->memory.n_raw > 0) {
                gen_str(g, "raw");
                yajl_gen_map_open(g);
                for (size_t i = 0; i < s->memory.n_raw; i++)
                        gen_ku64(g, s->memory.raw[i].key, s->memory.raw[i].value);
                yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
}

static void gen_blkio_list(yajl_gen g, const char *key, const struct fc_stats_blkio_entry *v,
                           size_t n)
{
        if (n == 0)
                return;
        gen_str(g, key);
        yajl_gen_array_open(g);
        for (size_t i = 0; i < n; i++) {
                yajl_gen_map_open(g);
                gen_ku64_opt(g, "major", v[i].major);
                gen_ku64_opt(g, "minor", v[i].minor);
                if (v[i].op && v[i].op[0])
                        gen_kstr(g, "op", v[i].op);
                gen_ku64_opt(g, "value", v[i].value);
                yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
}

static void gen_cpuset(yajl_gen g, const struct fc_stats *s)
{
        char buf[32];
        gen_str(g, "cpuset");
        yajl_gen_map_open(g);
        gen_u64_array_opt(g, "cpus", s->cpuset.cpus, s->cpuset.n_cpus);
        gen_ku64(g, "cpu_exclusive", s->cpuset.cpu_exclusive);
        gen_u64_array_opt(g, "mems", s->cpuset.mems, s->cpuset.n_mems);
        gen_ku64(g, "mem_hardwall", s->cpuset.mem_hardwall);
        gen_ku64(g, "mem_exclusive", s->cpuset.mem_exclusive);
        gen_ku64(g, "memory_migrate", s->cpuset.memory_migrate);
        gen_ku64(g, "memory_spread_page", s->cpuset.memory_spread_page);
        gen_ku64(g, "memory_spread_slab", s->cpuset.memory_spread_slab);
        gen_ku64(g, "memory_pressure", s->cpuset.memory_pressure);
        gen_ku64(g, "sched_load_balance", s->cpuset.sched_load_balance);
        gen_str(g, "sched_relax_domain_level");
        int n = snprintf(buf, sizeof(buf), "%" PRId64, s->cpuset.sched_relax_domain_level);
        yajl_gen_number(g, buf, (size_t) n);
        yajl_gen_map_close(g);
}

static void gen_data(yajl_gen g, const struct fc_stats *s)
{
        yajl_gen_map_open(g);
        gen_cpu(g, s);
        gen_cpuset(g, s);
        gen_memory(g, s);
        gen_str(g, "pids");
        yajl_gen_map_open(g);
        gen_ku64_opt(g, "current", s->pids.current);
        gen_ku64_opt(g, "limit", s->pids.limit);
        yajl_gen_map_close(g);
        gen_str(g, "blkio");
        yajl_gen_map_open(g);
        gen_blkio_list(g, "ioServiceBytesRecursive", s->blkio.service_bytes,
                       s->blkio.n_service_bytes);
        gen_blkio_list(g, "ioServicedRecursive", s->blkio.serviced, s->blkio.n_serviced);
        yajl_gen_map_close(g);
        gen_str(g, "hugetlb");
        yajl_gen_map_open(g);
        for (size_t i = 0; i < s->n_hugetlb; i++) {
                gen_str(g, s->hugetlb[i].page_size);
                yajl_gen_map_open(g);
                gen_ku64_opt(g, "usage", s->hugetlb[i].usage);
                gen_ku64_opt(g, "max", s->hugetlb[i].max);
                gen_ku64(g, "failcnt", s->hugetlb[i].failcnt);
                yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
        /* Always present in runc's output, empty without Intel RDT and
         * network statistics. */
        gen_str(g, "intel_rdt");
        yajl_gen_map_open(g);
        yajl_gen_map_close(g);
        gen_str(g, "network_interfaces");
        yajl_gen_null(g);
        yajl_gen_map_close(g);
}

char *fc_events_stats_json(const char *id, const struct fc_stats *s, fc_error_t *err)
{
        yajl_gen g = gen_begin(NULL);
        if (g != NULL) {
                yajl_gen_map_open(g);
                gen_kstr(g, "type", "stats");
                gen_kstr(g, "id", id);
                gen_str(g, "data");
                gen_data(g, s);
                yajl_gen_map_close(g);
        }
        return gen_end(g, err);
}

char *fc_events_oom_json(const char *id, fc_error_t *err)
{
        yajl_gen g = gen_begin(NULL);
        if (g != NULL) {
                yajl_gen_map_open(g);
                gen_kstr(g, "type", "oom");
                gen_kstr(g, "id", id);
                yajl_gen_map_close(g);
        }
        return gen_end(g, err);
}
