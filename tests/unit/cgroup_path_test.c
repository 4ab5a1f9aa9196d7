/* SPDX-License-Identifier: Apache-2.0
 * lib/cgroup pure functions: path rules, mountinfo and /proc/self/cgroup
 * parsing, the state string, the v1 device lines, and a pooled cgroup
 * taken and retired in a fake hierarchy (plain directories).  No root
 * needed. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/cleanup.h"
#include "tests/unit/tap.h"

static const char proc_cgroup[] = "12:name=systemd:/user.slice\n"
                                  "11:cpu,cpuacct:/\n"
                                  "10:memory:/process_api/abc\n"
                                  "9:net_cls,net_prio:/a:b\n"
                                  "8:rdma:/\n"
                                  "0::/user.slice/x\n";

/* A second memory mount (a bind elsewhere) comes first: the one under
 * /sys/fs/cgroup must win.  rdma is not mounted at all. */
static const char mountinfo[] =
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        "99 22 0:30 /process_api /mnt/mem\\040copy rw - cgroup cgroup rw,memory\n"
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:10 master:3 - cgroup cgroup "
        "rw,cpu,cpuacct\n"
        "33 31 0:30 /process_api /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        "34 31 0:31 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n";

static void test_clean(void)
{
        static const char *const cases[][2] = {
                {"/", "/"},         {"", "/"},
                {"a/b", "/a/b"},    {"/a//b/", "/a/b"},
                {"/a/./b", "/a/b"}, {"/a/../b", "/b"},
                {"/../../x", "/x"}, {"/a/b/..", "/a"},
                {"/..", "/"},       {"/a/..b/c", "/a/..b/c"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cleanup_free char *c = fc_cgroup_clean_path(cases[i][0]);
                is_str(c, cases[i][1], "clean \"%s\"", cases[i][0]);
        }
}

static void test_join(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct {
                const char *own, *path, *id, *want;
        } cases[] = {
                {"/", NULL, "c1", "/c1"},
                {"/process_api/abc", NULL, "c1", "/process_api/abc/c1"},
                {"/process_api/abc", "/abs/p", "c1", "/abs/p"},
                {"/process_api/abc", "/abs/../p/", "c1", "/p"},
                {"/process_api/abc", "rel/p", "c1", "/process_api/abc/rel/p"},
                {"/own", "../../escape", "c1", "/own/escape"},
                {"/own", "", "c1", "/own/c1"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cleanup_free char *j =
                        fc_cgroup_join_path(cases[i].own, cases[i].path, cases[i].id, &err);
                is_str(j, cases[i].want, "join own=%s path=%s", cases[i].own,
                       cases[i].path ? cases[i].path : "(absent)");
        }
        char *bad = fc_cgroup_join_path("/", NULL, "..", &err);
        ok(bad == NULL && err.status == -EINVAL, "id \"..\" refused");
        fc_error_clear(&err);
}

static void test_mountinfo_line(void)
{
        char line[] = "36 31 0:33 /a\\040b /sys/fs/cgroup/dev\\011x rw,nosuid shared:7 - cgroup "
                      "cgroup rw,devices";
        struct fc_mountinfo_entry e;
        ok(fc_cgroup_parse_mountinfo_line(line, &e) == 0, "mountinfo line parses");
        is_str(e.root, "/a b", "root unescaped");
        is_str(e.mount_point, "/sys/fs/cgroup/dev\tx", "mount point unescaped");
        is_str(e.fstype, "cgroup", "fstype after separator");
        is_str(e.super_opts, "rw,devices", "super options");
        char bad[] = "1 2 3:4 / /x rw";
        ok(fc_cgroup_parse_mountinfo_line(bad, &e) < 0, "truncated line refused");
}

static void test_discover(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_cgroup_hier *h = NULL;
        size_t n = 0;
        ok(fc_cgroup_discover(FC_CGROUP_MODE_HYBRID, proc_cgroup, mountinfo, &h, &n, &err) == 0,
           "discover hybrid");
        ok(n == 5, "5 hierarchies (rdma unmounted), got %zu", n);
        if (n == 5) {
                /* in host mount order, not /proc/self/cgroup order */
                is_str(h[0].controllers, "cpu,cpuacct", "co-mounted controllers");
                is_str(h[0].mount, "/sys/fs/cgroup/cpu,cpuacct", "co-mounted mount");
                is_str(h[1].mount, "/sys/fs/cgroup/memory", "preferred memory mount");
                is_str(h[1].root, "/process_api", "memory mount root");
                is_str(h[1].own, "/abc", "own path relative to mount root");
                is_str(h[2].own, "/a:b", "path with ':'");
                is_str(h[3].controllers, "name=systemd", "named hierarchy");
                is_str(h[3].mount, "/sys/fs/cgroup/systemd", "named mount");
                is_str(h[3].own, "/user.slice", "named own");
                ok(h[4].v2, "unified last");
                is_str(h[4].mount, "/sys/fs/cgroup/unified", "unified mount");
                is_str(h[4].own, "/user.slice/x", "unified own");
        }
        struct fc_cgroup *cg = fc_cgroup_new(FC_CGROUP_MODE_HYBRID, h, n);
        for (size_t i = 0; i < n; i++)
                h[i].rel = fc_cgroup_join_path(h[i].own, NULL, "ctr", &err);
        if (n == 5) {
                cleanup_free char *d = fc_cgroup_hier_dir(&h[1]);
                is_str(d, "/sys/fs/cgroup/memory/abc/ctr", "memory dir of a default path");
        }
        fc_cgroup_free(cg);

        ok(fc_cgroup_discover(FC_CGROUP_MODE_V1, proc_cgroup, mountinfo, &h, &n, &err) == 0 &&
                   n == 4,
           "discover v1: no unified");
        cg = fc_cgroup_new(FC_CGROUP_MODE_V1, h, n);
        fc_cgroup_free(cg);

        ok(fc_cgroup_discover(FC_CGROUP_MODE_V2, proc_cgroup, mountinfo, &h, &n, &err) == 0 &&
                   n == 1 && h[0].v2,
           "discover v2: one hierarchy");
        cg = fc_cgroup_new(FC_CGROUP_MODE_V2, h, n);
        fc_cgroup_free(cg);

        ok(fc_cgroup_discover(FC_CGROUP_MODE_V2, "1:cpu:/\n", mountinfo, &h, &n, &err) < 0 &&
                   err.status == -ENOENT,
           "v2 without a 0:: line fails");
        fc_error_clear(&err);
}

static struct fc_cgroup *sample(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_cgroup_hier *h = NULL;
        size_t n = 0;
        if (fc_cgroup_discover(FC_CGROUP_MODE_HYBRID, proc_cgroup, mountinfo, &h, &n, &err) < 0)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                h[i].rel = fc_cgroup_join_path(h[i].own, "/with space/%and:colon", NULL, &err);
                h[i].n_created = (unsigned) i;
        }
        return fc_cgroup_new(FC_CGROUP_MODE_HYBRID, h, n);
}

static void test_serialize(void)
{
        fc_error_t err = FC_ERROR_INIT;
        cleanup_cgroup struct fc_cgroup *cg = sample();
        cleanup_free char *s = fc_cgroup_serialize(cg, &err);
        ok(s != NULL && strchr(s, '\n') == NULL && strchr(s, '"') == NULL,
           "serialized to one line");
        cleanup_cgroup struct fc_cgroup *back = fc_cgroup_deserialize(s, &err);
        ok(back != NULL, "deserialize");
        if (back == NULL)
                return;
        ok(back->mode == cg->mode && back->n_hier == cg->n_hier, "mode and count survive");
        bool same = true;
        for (size_t i = 0; i < cg->n_hier; i++) {
                const struct fc_cgroup_hier *a = &cg->hier[i], *b = &back->hier[i];
                same = same && a->v2 == b->v2 && a->n_created == b->n_created &&
                       strcmp(a->controllers, b->controllers) == 0 &&
                       strcmp(a->mount, b->mount) == 0 && strcmp(a->root, b->root) == 0 &&
                       strcmp(a->rel, b->rel) == 0;
        }
        ok(same, "every hierarchy survives the round trip");
        cleanup_free char *s2 = fc_cgroup_serialize(back, &err);
        is_str(s2, s, "second serialization identical");
        /* The format itself, byte for byte: state files outlive the binary
         * that wrote them. */
        static const char line[] =
                "fc-cgroup/1 hybrid 1:4095:cpu,cpuacct:/sys/fs/cgroup/cpu,cpuacct:/:"
                "/a%20b/%25c%3Ad%7F%01 2:0::/sys/fs/cgroup/unified:/:/x";
        cleanup_cgroup struct fc_cgroup *fixed = fc_cgroup_deserialize(line, &err);
        ok(fixed != NULL && fixed->n_hier == 2 && fixed->hier[0].n_created == 4095 &&
                   strcmp(fixed->hier[0].rel, "/a b/%c:d\x7f\x01") == 0,
           "a fixed line read");
        cleanup_free char *again = fixed ? fc_cgroup_serialize(fixed, &err) : NULL;
        is_str(again, line, "and written back the same");

        static const char *const bad[] = {
                "",
                "fc-cgroup/1 v3 1:0:cpu:/m:/:/r",
                "fc-cgroup/1 v2",
                "fc-cgroup/1 v1 1:0:cpu:/m:/",
                "fc-cgroup/1 v1 1:x:cpu:/m:/:/r",
                "fc-cgroup/1 v1 1:0:cpu:/m:/:/r%4",
                "fc-cgroup/1 v2 1:0:cpu:/m:/:/r",
                "fc-cgroup/1 v1 3:0:cpu:/m:/:/r",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct fc_cgroup *x = fc_cgroup_deserialize(bad[i], &err);
                ok(x == NULL && err.status == -EINVAL, "refuse state \"%s\"", bad[i]);
                fc_cgroup_free(x);
                fc_error_clear(&err);
        }
}

static void test_device_lines(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct {
                struct fc_device_cgroup r;
                const char *l0, *l1;
        } cases[] = {
                {{.allow = false}, "a", NULL},
                {{.allow = true, .type = "a", .access = "rwm"}, "a", NULL},
                {{.allow = true,
                  .type = "c",
                  .has_major = true,
                  .major = 1,
                  .has_minor = true,
                  .minor = 3,
                  .access = "rw"},
                 "c 1:3 rw",
                 NULL},
                {{.allow = true, .type = "c", .has_major = true, .major = 136, .access = "rwm"},
                 "c 136:* rwm",
                 NULL},
                {{.allow = false, .type = "a", .access = "w"}, "c *:* w", "b *:* w"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *l[2];
                int k = fc_cgroup_device_v1_lines(&cases[i].r, l, &err);
                ok(k == (cases[i].l1 ? 2 : 1), "v1 rule %zu: line count", i);
                if (k >= 1)
                        is_str(l[0], cases[i].l0, "v1 rule %zu: first line", i);
                if (k == 2)
                        is_str(l[1], cases[i].l1, "v1 rule %zu: second line", i);
                for (int j = 0; j < k; j++)
                        free(l[j]);
        }

        struct fc_device_cgroup user[] = {
                {.allow = false, .access = "rwm"},
                {.allow = true, .type = "c", .has_major = true, .major = 4, .access = "rw"},
        };
        struct fc_resources res = {.devices = user, .n_devices = 2};
        cleanup_free struct fc_device_cgroup *rules = NULL;
        size_t n = 0;
        ok(fc_cgroup_device_rules(&res, &rules, &n, &err) == 0 && n == 13,
           "user rules + 11 defaults");
        if (n == 13) {
                ok(!rules[0].allow && rules[0].major == -1, "user deny-all first");
                ok(rules[1].major == 4 && !rules[1].has_minor && rules[1].minor == -1,
                   "user rule second, wildcard minor");
                char *l[2];
                ok(fc_cgroup_device_v1_lines(&rules[2], l, &err) == 1, "first default");
                is_str(l[0], "b *:* m", "defaults start like runc's devices.list");
                free(l[0]);
                ok(fc_cgroup_device_v1_lines(&rules[12], l, &err) == 1, "last default");
                is_str(l[0], "c 136:* rwm", "defaults end with the pts");
                free(l[0]);
        }
        struct fc_device_cgroup badr = {.allow = true, .type = "x"};
        struct fc_resources res2 = {.devices = &badr, .n_devices = 1};
        cleanup_free struct fc_device_cgroup *r2 = NULL;
        ok(fc_cgroup_device_rules(&res2, &r2, &n, &err) < 0 && err.msg &&
                   strstr(err.msg, "linux.resources.devices[0].type") != NULL,
           "bad type names the JSON path");
        fc_error_clear(&err);
        badr.type = "c";
        badr.access = "rwx";
        ok(fc_cgroup_device_rules(&res2, &r2, &n, &err) < 0 && err.msg &&
                   strstr(err.msg, "devices[0].access") != NULL,
           "bad access names the JSON path");
        fc_error_clear(&err);
}

static void test_supported(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_device_cgroup deny = {.allow = false, .access = "rwm"};
        struct fc_resources res = {.devices = &deny, .n_devices = 1};
        ok(fc_cgroup_check_supported(&res, &err) == 0, "runc spec's default resources accepted");
        ok(fc_cgroup_check_supported(NULL, &err) == 0, "no resources accepted");
        struct fc_blkio bio = {.has_weight = true, .weight = 1001};
        res.block_io = &bio;
        ok(fc_cgroup_check_supported(&res, &err) < 0 && err.status == -EINVAL &&
                   strcmp(err.msg,
                          "linux.resources.blockIO.weight: invalid weight 1001 (1-1000)") == 0,
           "blockIO weight out of range refused with a clear error");
        fc_error_clear(&err);
        bio.weight = 5; /* BFQ's lowest are 1-9 */
        ok(fc_cgroup_check_supported(&res, &err) == 0, "blockIO weight accepted");
        res.block_io = NULL;
        struct fc_memory mem = {.has_kernel = true, .kernel = 1 << 20};
        res.memory = &mem;
        ok(fc_cgroup_check_supported(&res, &err) == 0, "memory.kernel accepted (ignored, as runc)");
        fc_error_clear(&err);
        res.memory = NULL;
        res.has_pids_limit = true;
        res.pids_limit = 10;
        ok(fc_cgroup_check_supported(&res, &err) == 0, "pids accepted");
}

static void test_systemd(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_cgroup *cg = fc_cgroup_create(NULL, "x", true, NULL, &err);
        ok(cg == NULL && err.msg != NULL &&
                   (strcmp(err.msg, "systemd cgroup driver requested but systemd is not running") ==
                            0 ||
                    strcmp(err.msg, "systemd cgroup driver is not supported yet") == 0),
           "--systemd-cgroup: clear error (%s)", err.msg ? err.msg : "none");
        fc_error_clear(&err);
}

/* The parts cache's key for pooled cgroups: one line per v1 hierarchy with
 * the leaf's parent; none on v2. */
static void test_pool_key(void)
{
        fc_error_t err = FC_ERROR_INIT;
        cleanup_cgroup struct fc_cgroup *h = fc_cgroup_deserialize(
                "fc-cgroup/1 hybrid 1:1:pids:/sys/fs/cgroup/pids:/:/c1 "
                "1:1:memory:/sys/fs/cgroup/memory:/:/a/b/c1 2:1::/sys/fs/cgroup/unified:/:/c1",
                &err);
        ok(h != NULL, "hybrid handle (%s)", err.msg ? err.msg : "ok");
        cleanup_free char *key = h ? fc_cgroup_pool_key(h) : NULL;
        ok(key && strcmp(key, "/sys/fs/cgroup/pids\t/\n/sys/fs/cgroup/memory\t/a/b\n") == 0,
           "hybrid key: v1 hierarchies only, each with the leaf's parent");
        cleanup_cgroup struct fc_cgroup *v2 =
                fc_cgroup_deserialize("fc-cgroup/1 v2 2:1::/sys/fs/cgroup:/:/c1", &err);
        ok(v2 != NULL && fc_cgroup_pool_key(v2) == NULL, "no key on cgroup v2");
        fc_error_clear(&err);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void) st;
        (void) ftw;
        return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* A pooled cgroup taken by make_from: its parent directory stays open, and
 * entering and retiring go through it (not by path from "/"), so they
 * still reach the leaf after the hierarchy's path has changed. */
static void test_pooled_parent(void)
{
        char top[] = "/tmp/fc-cgpool.XXXXXX";
        if (mkdtemp(top) == NULL) {
                ok(0, "mkdtemp: %s", strerror(errno));
                return;
        }
        char cpu[64], pooled[96], procs[128], moved[64], spec[160];
        snprintf(cpu, sizeof(cpu), "%s/cpu", top);
        snprintf(pooled, sizeof(pooled), "%s/.fc-pool-t-p1", cpu);
        snprintf(procs, sizeof(procs), "%s/cgroup.procs", pooled);
        snprintf(moved, sizeof(moved), "%s/moved", top);
        snprintf(spec, sizeof(spec), "fc-cgroup/1 v1 1:0:cpu:%s:/:/c1", cpu);
        int fd = -1;
        ok(mkdir(cpu, 0755) == 0 && mkdir(pooled, 0755) == 0 &&
                   (fd = open(procs, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) >= 0,
           "a fake hierarchy with a pooled cgroup");
        if (fd >= 0)
                close(fd);
        fc_error_t err = FC_ERROR_INIT;
        struct fc_cgroup *cg = fc_cgroup_deserialize(spec, &err);
        ok(cg != NULL && fc_cgroup_make_from(cg, NULL, ".fc-pool-t-p1", NULL, NULL, &err) == 0 &&
                   fc_cgroup_took_pooled(cg),
           "make_from takes the pooled cgroup (%s)", err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        ok(rename(cpu, moved) == 0, "the hierarchy's path changes");
        ok(cg != NULL && fc_cgroup_enter(cg, 4242, &err) == 0,
           "enter writes through the kept parent (%s)", err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        char buf[16] = "", file[128];
        snprintf(file, sizeof(file), "%s/c1/cgroup.procs", moved);
        fd = open(file, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (fd >= 0)
                close(fd);
        ok(n == 4 && strncmp(buf, "4242", 4) == 0, "the pid is in the leaf's cgroup.procs");
        char **paths = NULL;
        size_t np = 0;
        ok(cg != NULL && fc_cgroup_retire_leaves(cg, ".fc-pool-t-r", &paths, &np, &err) == 0 &&
                   np == 1,
           "retire renames the leaf through the kept parent (%zu)", np);
        fc_error_clear(&err);
        char leaf[96];
        snprintf(leaf, sizeof(leaf), "%s/c1", moved);
        struct stat st;
        ok(stat(leaf, &st) < 0 && errno == ENOENT, "and the leaf is gone from its place");
        for (size_t i = 0; i < np; i++) {
                /* Reported where it was (the cache is told the path). */
                const char *base = strrchr(paths[i], '/');
                char now_at[160];
                snprintf(now_at, sizeof(now_at), "%s%s", moved, base ? base : "/");
                ok(base && strncmp(base, "/.fc-pool-t-r", 13) == 0 && stat(now_at, &st) == 0,
                   "retired as %s", base ? base + 1 : "?");
        }
        fc_strv_free(paths);
        fc_cgroup_free(cg);
        nftw(top, rm_entry, 8, FTW_DEPTH | FTW_PHYS); /* whatever a failure left */
}

int main(void)
{
        test_pooled_parent();
        test_pool_key();
        test_clean();
        test_join();
        test_mountinfo_line();
        test_discover();
        test_serialize();
        test_device_lines();
        test_supported();
        test_systemd();
        return tap_done();
}
