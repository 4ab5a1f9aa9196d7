/* SPDX-License-Identifier: Apache-2.0
 * The pure parts of update/ps/events: size and duration parsing as runc's
 * flags take them, the ps output filter, and the stats JSON shape. */
#include <stdlib.h>
#include <string.h>

#include "lib/container-cgroup.h"
#include "oci-spec/events.h"
#include "oci-spec/resources.h"
#include "tests/unit/tap.h"

static int64_t size_of(const char *s)
{
        int64_t v = -99;
        return fc_parse_ram_size(s, &v) == 0 ? v : -99;
}

int main(void)
{
        ok(size_of("1024") == 1024, "plain bytes");
        ok(size_of("512m") == 512LL << 20, "512m");
        ok(size_of("512MB") == 512LL << 20, "512MB");
        ok(size_of("2GiB") == 2LL << 30, "2GiB");
        ok(size_of("1.5g") == 3LL << 29, "1.5g");
        ok(size_of("10k") == 10240, "10k");
        ok(size_of("-1") == -1, "-1 is unlimited");
        ok(size_of("abc") == -99 && size_of("") == -99 && size_of("5x") == -99 &&
                   size_of("-2") == -99,
           "garbage refused");

        uint64_t ms = 0;
        ok(fc_parse_duration_ms("5s", &ms) == 0 && ms == 5000, "5s");
        ok(fc_parse_duration_ms("500ms", &ms) == 0 && ms == 500, "500ms");
        ok(fc_parse_duration_ms("1m30s", &ms) == 0 && ms == 90000, "1m30s");
        ok(fc_parse_duration_ms("5", &ms) < 0 && fc_parse_duration_ms("s", &ms) < 0,
           "unit required, number required");

        fc_error_t err = FC_ERROR_INIT;
        pid_t pids[] = {42, 7};
        char *t = fc_ps_filter("UID PID PPID CMD\nroot 1 0 init\nroot 42 1 sleep\nroot 7 42 sh\n"
                               "root 420 1 x\n",
                               pids, 2, &err);
        is_str(t, "UID PID PPID CMD\nroot 42 1 sleep\nroot 7 42 sh\n", "ps filter by PID column");
        free(t);
        t = fc_ps_filter("  PID COMMAND\n   42 sleep\n    1 init\n", pids, 2, &err);
        is_str(t, "  PID COMMAND\n   42 sleep\n", "ps filter, PID first");
        free(t);
        ok(fc_ps_filter("USER COMMAND\nroot x\n", pids, 2, &err) == NULL && err.msg &&
                   strcmp(err.msg, "couldn't find PID field in ps output") == 0,
           "no PID column: runc's error");
        fc_error_clear(&err);

        struct fc_stats st = {0};
        st.cpu.total = 10;
        st.memory.usage.limit = UINT64_MAX;
        st.pids.current = 1;
        fc_stats_add_blkio(&st.blkio.service_bytes, &st.blkio.n_service_bytes, 8, 0, "Read", 5);
        struct fc_stats_hugetlb *h = fc_stats_add_hugetlb(&st, "2MB");
        ok(h != NULL, "hugetlb entry");
        fc_stats_add_u64(&st.cpuset.cpus, &st.cpuset.n_cpus, 0);
        fc_stats_add_u64(&st.cpuset.cpus, &st.cpuset.n_cpus, 1);
        st.cpuset.sched_load_balance = 1;
        st.cpuset.sched_relax_domain_level = -1;
        char *j = fc_events_stats_json("c1", &st, &err);
        is_str(j,
               "{\"type\":\"stats\",\"id\":\"c1\",\"data\":{\"cpu\":{\"usage\":{\"total\":10,"
               "\"kernel\":0,\"user\":0},\"throttling\":{}},\"cpuset\":{\"cpus\":[0,1],"
               "\"cpu_exclusive\":0,\"mem_hardwall\":0,\"mem_exclusive\":0,\"memory_migrate\":0,"
               "\"memory_spread_page\":0,\"memory_spread_slab\":0,\"memory_pressure\":0,"
               "\"sched_load_balance\":1,\"sched_relax_domain_level\":-1},\"memory\":{\"usage\":{"
               "\"limit\":"
               "18446744073709551615,\"failcnt\":0},\"swap\":{\"limit\":0,\"failcnt\":0}},"
               "\"pids\":{\"current\":1},\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,"
               "\"op\":\"Read\",\"value\":5}]},\"hugetlb\":{\"2MB\":{\"failcnt\":0}},"
               "\"intel_rdt\":{},\"network_interfaces\":null}}",
               "stats JSON in runc's shape (omitempty)");
        free(j);
        fc_stats_clear(&st);
        j = fc_events_oom_json("c1", &err);
        is_str(j, "{\"type\":\"oom\",\"id\":\"c1\"}", "oom event");
        free(j);

        const char *rj = "{\"memory\":{\"limit\":1048576},\"cpu\":{\"shares\":512}}";
        struct fc_resources *r = fc_resources_parse(rj, strlen(rj), &err);
        ok(r && r->memory && r->memory->has_limit && r->memory->limit == 1048576 && r->cpu &&
                   r->cpu->shares == 512,
           "update -r: LinuxResources parsed");
        fc_resources_free(r);
        rj = "{\"memory\":{\"limit\":\"x\"}}";
        r = fc_resources_parse(rj, strlen(rj), &err);
        ok(r == NULL && err.msg && strncmp(err.msg, "memory.limit: ", 14) == 0,
           "update -r: error names the path (%s)", err.msg ? err.msg : "");
        fc_error_clear(&err);
        return tap_done();
}
