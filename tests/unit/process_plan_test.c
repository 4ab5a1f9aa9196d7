/* SPDX-License-Identifier: Apache-2.0
 * fc_process_plan_build() tables: capabilities, sysctls, hostname,
 * personality, ioprio, scheduler, CPU lists.  No privileges needed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "lib/process.h"
#include "tests/unit/tap.h"

static struct fc_namespace ns_buf[FC_NS__MAX];

/* A config with the namespaces named in `ns` ("pid,ipc,uts,network"),
 * everything else absent. */
static void make_config(struct fc_config *cfg, struct fc_linux *l, struct fc_process *p,
                        const char *ns)
{
        memset(cfg, 0, sizeof(*cfg));
        memset(l, 0, sizeof(*l));
        memset(p, 0, sizeof(*p));
        cfg->linux_ = l;
        cfg->process = p;
        l->namespaces = ns_buf;
        char buf[128];
        snprintf(buf, sizeof(buf), "%s", ns);
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                int type = -1;
                if (strcmp(t, "pid") == 0)
                        type = FC_NS_PID;
                else if (strcmp(t, "ipc") == 0)
                        type = FC_NS_IPC;
                else if (strcmp(t, "uts") == 0)
                        type = FC_NS_UTS;
                else if (strcmp(t, "network") == 0)
                        type = FC_NS_NETWORK;
                else if (strcmp(t, "mount") == 0)
                        type = FC_NS_MOUNT;
                ns_buf[l->n_namespaces].type = (enum fc_ns_type) type;
                ns_buf[l->n_namespaces].path = NULL;
                l->n_namespaces++;
        }
}

static void test_caps(void)
{
        struct fc_config cfg;
        struct fc_linux l;
        struct fc_process p;
        make_config(&cfg, &l, &p, "mount");

        char *bounding[] = {"CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_FOO", "cap_kill"};
        char *eff[] = {"CAP_NET_BIND_SERVICE", "CAP_FOO"};
        char *amb[] = {"CAP_KILL"};
        struct fc_capabilities caps = {
                .bounding = bounding,
                .n_bounding = 4,
                .effective = eff,
                .n_effective = 2,
                .ambient = amb,
                .n_ambient = 1,
        };
        p.capabilities = &caps;
        fc_error_t err = FC_ERROR_INIT;
        struct fc_process_plan plan;
        int r = fc_process_plan_build(&cfg, &plan, &err);
        ok(r == 0, "caps: plan builds despite unknown names (%s)", err.msg ? err.msg : "");
        ok(plan.has_caps, "caps: has_caps");
        ok(plan.caps[FC_PROCESS_CAP_BOUNDING] == ((1ULL << 0) | (1ULL << 10)),
           "caps: bounding = CHOWN|NET_BIND_SERVICE");
        ok(plan.caps[FC_PROCESS_CAP_EFFECTIVE] == (1ULL << 10), "caps: effective");
        ok(plan.caps[FC_PROCESS_CAP_PERMITTED] == 0 && plan.caps[FC_PROCESS_CAP_INHERITABLE] == 0,
           "caps: absent sets empty");
        ok(plan.caps[FC_PROCESS_CAP_AMBIENT] == (1ULL << 5), "caps: ambient = KILL");
        ok(plan.n_warnings == 1, "caps: one warning");
        is_str(plan.warnings ? plan.warnings[0] : NULL,
               "ignoring unknown or unavailable capabilities: [CAP_FOO cap_kill]",
               "caps: runc's warning, each name once");
        ok(plan.warnings && plan.warnings[1] == NULL, "caps: warnings NULL-terminated");
        fc_process_plan_clear(&plan);
        fc_process_plan_clear(&plan);

        p.capabilities = NULL;
        r = fc_process_plan_build(&cfg, &plan, &err);
        ok(r == 0 && !plan.has_caps && plan.warnings == NULL, "caps: absent object");
        ok(plan.caps[0] == 0 && plan.caps[1] == 0 && plan.caps[4] == 0,
           "caps: absent object gives no capabilities (as runc)");
        ok(plan.personality == -1 && !plan.has_ioprio && !plan.has_sched &&
                   plan.affinity_initial == NULL,
           "plan: defaults");
        fc_process_plan_clear(&plan);
        fc_error_clear(&err);
}

struct sysctl_case {
        const char *key;
        const char *ns;
        const char *netns_path;
        const char *error; /* NULL: allowed */
};

static const struct sysctl_case sysctl_cases[] = {
        {"kernel.shmmax", "ipc", NULL, NULL},
        {"kernel/shmmax", "ipc", NULL, NULL},
        {"kernel.shm_rmid_forced", "ipc", NULL, NULL},
        {"fs.mqueue.msg_max", "ipc", NULL, NULL},
        {"kernel.shmmax", "uts,network", NULL,
         "sysctl \"kernel.shmmax\" is not allowed in the hosts ipc namespace"},
        {"fs.mqueue.msg_max", "pid", NULL,
         "sysctl \"fs.mqueue.msg_max\" is not allowed in the hosts ipc namespace"},
        {"net.ipv4.ip_forward", "network", NULL, NULL},
        {"net.ipv4.ip_forward", "ipc,uts", NULL,
         "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace"},
        {"net.ipv4.ip_forward", "network", "/proc/self/ns/net",
         "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace"},
        {"net.ipv4.ip_forward", "network", "/nonexistent/netns",
         "invalid netns path: stat /nonexistent/netns: No such file or directory"},
        {"kernel.domainname", "uts", NULL, NULL},
        {"kernel.domainname", "ipc", NULL,
         "sysctl \"kernel.domainname\" is not in a separate kernel namespace"},
        {"kernel.hostname", "uts", NULL,
         "sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" "
         "field"},
        {"kernel.hostname", "ipc", NULL,
         "sysctl \"kernel.hostname\" is not in a separate kernel namespace"},
        {"vm.swappiness", "ipc,uts,network", NULL,
         "sysctl \"vm.swappiness\" is not in a separate kernel namespace"},
        {"kernel.msgmaxx", "ipc", NULL,
         "sysctl \"kernel.msgmaxx\" is not in a separate kernel namespace"},
};

static void test_sysctls(void)
{
        for (size_t i = 0; i < sizeof(sysctl_cases) / sizeof(sysctl_cases[0]); i++) {
                const struct sysctl_case *c = &sysctl_cases[i];
                struct fc_config cfg;
                struct fc_linux l;
                struct fc_process p;
                make_config(&cfg, &l, &p, c->ns);
                for (size_t j = 0; j < l.n_namespaces; j++) {
                        if (l.namespaces[j].type == FC_NS_NETWORK)
                                l.namespaces[j].path = (char *) c->netns_path;
                }
                struct fc_kv kv = {(char *) c->key, "1"};
                l.sysctl = &kv;
                l.n_sysctl = 1;
                fc_error_t err = FC_ERROR_INIT;
                struct fc_process_plan plan;
                int r = fc_process_plan_build(&cfg, &plan, &err);
                if (c->error == NULL) {
                        ok(r == 0, "sysctl %s with [%s]%s allowed", c->key, c->ns,
                           c->netns_path ? " (joined)" : "");
                        if (r == 0)
                                fc_process_plan_clear(&plan);
                } else {
                        ok(r == -EINVAL || r == -ENOENT, "sysctl %s with [%s] refused", c->key,
                           c->ns);
                        is_str(err.msg, c->error, "sysctl %s with [%s]: message", c->key, c->ns);
                }
                fc_error_clear(&err);
        }
}

static void test_hostname(void)
{
        struct fc_config cfg;
        struct fc_linux l;
        struct fc_process p;
        fc_error_t err = FC_ERROR_INIT;
        struct fc_process_plan plan;

        make_config(&cfg, &l, &p, "pid,mount");
        cfg.hostname = "box";
        ok(fc_process_plan_build(&cfg, &plan, &err) < 0, "hostname without UTS ns refused");
        is_str(err.msg, "unable to set hostname without a private UTS namespace",
               "hostname: runc's message");
        fc_error_clear(&err);
        ok(fc_process_apply_hostname(&cfg, &err) < 0, "apply_hostname refuses too");
        fc_error_clear(&err);

        cfg.hostname = "";
        ok(fc_process_plan_build(&cfg, &plan, &err) == 0, "empty hostname without UTS ok");
        fc_process_plan_clear(&plan);

        cfg.hostname = NULL;
        cfg.domainname = "example";
        ok(fc_process_plan_build(&cfg, &plan, &err) < 0, "domainname without UTS ns refused");
        fc_error_clear(&err);

        make_config(&cfg, &l, &p, "uts");
        cfg.hostname = "box";
        ok(fc_process_plan_build(&cfg, &plan, &err) == 0, "hostname with UTS ns ok");
        fc_process_plan_clear(&plan);
}

struct pers_case {
        const char *domain;
        char *flags[2];
        size_t n_flags;
        int expect; /* -2: error */
        const char *error;
};

static void test_personality(void)
{
        static const struct pers_case cases[] = {
                {"LINUX", {NULL}, 0, PER_LINUX, NULL},
                {"LINUX32", {NULL}, 0, PER_LINUX32, NULL},
                {"LINUX", {"ADDR_NO_RANDOMIZE"}, 1, PER_LINUX | ADDR_NO_RANDOMIZE, NULL},
                {"LINUX64", {NULL}, 0, -2, "linux.personality.domain: unknown domain \"LINUX64\""},
                {"LINUX",
                 {"ADDR_NO_RANDOMIZE", "BOGUS"},
                 2,
                 -2,
                 "linux.personality.flags[1]: unknown flag \"BOGUS\""},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct fc_config cfg;
                struct fc_linux l;
                struct fc_process p;
                make_config(&cfg, &l, &p, "");
                struct fc_personality pers = {(char *) cases[i].domain, (char **) cases[i].flags,
                                              cases[i].n_flags};
                l.personality = &pers;
                fc_error_t err = FC_ERROR_INIT;
                struct fc_process_plan plan;
                int r = fc_process_plan_build(&cfg, &plan, &err);
                if (cases[i].expect == -2) {
                        ok(r < 0, "personality case %zu refused", i);
                        is_str(err.msg, cases[i].error, "personality case %zu message", i);
                } else {
                        ok(r == 0 && plan.personality == cases[i].expect,
                           "personality case %zu = 0x%x", i, cases[i].expect);
                        fc_process_plan_clear(&plan);
                }
                fc_error_clear(&err);
        }
}

static void test_ioprio(void)
{
        static const struct {
                const char *klass;
                int prio;
                int expect; /* -1: error */
                const char *error;
        } cases[] = {
                {"IOPRIO_CLASS_RT", 0, (1 << 13), NULL},
                {"IOPRIO_CLASS_BE", 4, (2 << 13) | 4, NULL},
                {"IOPRIO_CLASS_IDLE", 7, (3 << 13) | 7, NULL},
                {"IOPRIO_CLASS_NONE", 0, -1,
                 "process.ioPriority.class: unknown class \"IOPRIO_CLASS_NONE\""},
                {"IOPRIO_CLASS_BE", 8, -1, "process.ioPriority.priority: 8 out of range 0..7"},
                {"IOPRIO_CLASS_BE", -1, -1, "process.ioPriority.priority: -1 out of range 0..7"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct fc_config cfg;
                struct fc_linux l;
                struct fc_process p;
                make_config(&cfg, &l, &p, "");
                struct fc_io_priority io = {(char *) cases[i].klass, cases[i].prio};
                p.io_priority = &io;
                fc_error_t err = FC_ERROR_INIT;
                struct fc_process_plan plan;
                int r = fc_process_plan_build(&cfg, &plan, &err);
                if (cases[i].expect < 0) {
                        ok(r < 0, "ioprio %s/%d refused", cases[i].klass, cases[i].prio);
                        is_str(err.msg, cases[i].error, "ioprio %s/%d message", cases[i].klass,
                               cases[i].prio);
                } else {
                        ok(r == 0 && plan.has_ioprio && plan.ioprio == cases[i].expect,
                           "ioprio %s/%d", cases[i].klass, cases[i].prio);
                        fc_process_plan_clear(&plan);
                }
                fc_error_clear(&err);
        }
}

static void test_sched(void)
{
        struct fc_config cfg;
        struct fc_linux l;
        struct fc_process p;
        fc_error_t err = FC_ERROR_INIT;
        struct fc_process_plan plan;
        make_config(&cfg, &l, &p, "");

        char *flags[] = {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_KEEP_PARAMS"};
        struct fc_scheduler s = {.policy = "SCHED_FIFO",
                                 .has_priority = true,
                                 .priority = 10,
                                 .flags = flags,
                                 .n_flags = 2};
        p.scheduler = &s;
        ok(fc_process_plan_build(&cfg, &plan, &err) == 0 && plan.has_sched &&
                   plan.sched_policy == 1 && plan.sched_priority == 10 &&
                   plan.sched_flags == (0x01 | 0x10),
           "sched: FIFO prio 10 with flags");
        fc_process_plan_clear(&plan);

        s.has_priority = false;
        ok(fc_process_plan_build(&cfg, &plan, &err) < 0, "sched: FIFO without priority refused");
        is_str(err.msg, "process.scheduler.priority: SCHED_FIFO needs a priority in 1..99",
               "sched: message");
        fc_error_clear(&err);

        struct fc_scheduler s2 = {.policy = "SCHED_BATCH", .has_nice = true, .nice = 5};
        p.scheduler = &s2;
        ok(fc_process_plan_build(&cfg, &plan, &err) == 0 && plan.sched_policy == 3 &&
                   plan.sched_nice == 5,
           "sched: BATCH nice 5");
        fc_process_plan_clear(&plan);
        s2.nice = 20;
        ok(fc_process_plan_build(&cfg, &plan, &err) < 0, "sched: nice 20 refused");
        is_str(err.msg, "process.scheduler.nice: 20 out of range -20..19", "sched: nice message");
        fc_error_clear(&err);

        struct fc_scheduler s3 = {.policy = "SCHED_FOO"};
        p.scheduler = &s3;
        ok(fc_process_plan_build(&cfg, &plan, &err) < 0, "sched: unknown policy refused");
        is_str(err.msg, "process.scheduler.policy: unknown policy \"SCHED_FOO\"",
               "sched: policy message");
        fc_error_clear(&err);

        char *badflags[] = {"SCHED_FLAG_NOPE"};
        struct fc_scheduler s4 = {.policy = "SCHED_OTHER", .flags = badflags, .n_flags = 1};
        p.scheduler = &s4;
        ok(fc_process_plan_build(&cfg, &plan, &err) < 0, "sched: unknown flag refused");
        is_str(err.msg, "process.scheduler.flags[0]: unknown flag \"SCHED_FLAG_NOPE\"",
               "sched: flag message");
        fc_error_clear(&err);

        struct fc_scheduler s5 = {.policy = "SCHED_DEADLINE",
                                  .has_runtime = true,
                                  .runtime = 1000000,
                                  .has_deadline = true,
                                  .deadline = 2000000,
                                  .has_period = true,
                                  .period = 3000000};
        p.scheduler = &s5;
        ok(fc_process_plan_build(&cfg, &plan, &err) == 0 && plan.sched_policy == 6 &&
                   plan.sched_runtime == 1000000 && plan.sched_period == 3000000,
           "sched: DEADLINE");
        fc_process_plan_clear(&plan);
}

static void test_cpu_list(void)
{
        fc_error_t err = FC_ERROR_INIT;
        cpu_set_t *set = NULL;
        size_t size = 0;
        ok(fc_process_parse_cpu_list("0-3,7", &set, &size, &err) == 0, "cpu list 0-3,7");
        ok(set && CPU_COUNT_S(size, set) == 5 && CPU_ISSET_S(0, size, set) &&
                   CPU_ISSET_S(3, size, set) && !CPU_ISSET_S(4, size, set) &&
                   CPU_ISSET_S(7, size, set),
           "cpu list 0-3,7: members");
        CPU_FREE(set);
        ok(fc_process_parse_cpu_list(" 1 , 200-201", &set, &size, &err) == 0 &&
                   CPU_COUNT_S(size, set) == 3 && CPU_ISSET_S(201, size, set),
           "cpu list with spaces and a high cpu");
        CPU_FREE(set);
        static const char *bad[] = {"", "a", "3-1", "1,", "1-", "-1", "1;2", "99999999", "1-2-3"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                ok(fc_process_parse_cpu_list(bad[i], &set, &size, &err) == -EINVAL,
                   "cpu list \"%s\" refused", bad[i]);
                fc_error_clear(&err);
        }

        struct fc_config cfg;
        struct fc_linux l;
        struct fc_process p;
        struct fc_process_plan plan;
        make_config(&cfg, &l, &p, "");
        struct fc_exec_cpu_affinity a = {"0", "0-1,x"};
        p.exec_cpu_affinity = &a;
        ok(fc_process_plan_build(&cfg, &plan, &err) < 0, "plan: bad final affinity refused");
        is_str(err.msg, "process.execCPUAffinity.final: invalid CPU list \"0-1,x\"",
               "plan: affinity message names the path");
        fc_error_clear(&err);
        a.final = "1";
        ok(fc_process_plan_build(&cfg, &plan, &err) == 0 && plan.affinity_initial &&
                   plan.affinity_final &&
                   CPU_ISSET_S(1, plan.affinity_final_size, plan.affinity_final),
           "plan: affinity resolved");
        fc_process_plan_clear(&plan);
        ok(plan.affinity_initial == NULL, "plan_clear resets");
}

int main(void)
{
        test_caps();
        test_sysctls();
        test_hostname();
        test_personality();
        test_ioprio();
        test_sched();
        test_cpu_list();
        return tap_done();
}
