/* SPDX-License-Identifier: Apache-2.0
 *
 * config.json parsing: every file under corpus/good must parse, every
 * corpus/bad/X.json must fail with -EINVAL and a message containing the
 * text of corpus/bad/X.expect; plus field-level checks on full-1.2.json
 * and the hostile inputs that are easier to generate than to store.
 */
#include "oci-spec/config.h"
#include "tests/unit/tap.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef CORPUS_DIR
#error "CORPUS_DIR must be defined"
#endif

static bool ends_with(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static char *read_expect(const char *path)
{
        FILE *f = fopen(path, "re");
        if (f == NULL)
                return NULL;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n = getline(&line, &cap, f);
        fclose(f);
        if (n < 0) {
                free(line);
                return NULL;
        }
        line[strcspn(line, "\n")] = '\0';
        return line;
}

static void test_good(void)
{
        struct dirent **ents = NULL;
        int n = scandir(CORPUS_DIR "/good", &ents, NULL, cmp_names);
        ok(n > 0, "corpus/good is readable");
        for (int i = 0; i < n; i++) {
                char path[4096];
                if (ends_with(ents[i]->d_name, ".json")) {
                        snprintf(path, sizeof(path), CORPUS_DIR "/good/%s", ents[i]->d_name);
                        fc_error_t err = FC_ERROR_INIT;
                        struct fc_config *c = fc_config_load(path, &err);
                        ok(c != NULL && err.status == 0, "good/%s parses", ents[i]->d_name);
                        if (c == NULL)
                                printf("#   error: %s\n", err.msg);
                        fc_config_free(c);
                        fc_error_clear(&err);
                }
                free(ents[i]);
        }
        free(ents);
}

static void test_bad(void)
{
        struct dirent **ents = NULL;
        int n = scandir(CORPUS_DIR "/bad", &ents, NULL, cmp_names);
        int count = 0;
        for (int i = 0; i < n; i++) {
                const char *name = ents[i]->d_name;
                if (ends_with(name, ".json")) {
                        char path[4096], epath[4096];
                        snprintf(path, sizeof(path), CORPUS_DIR "/bad/%s", name);
                        snprintf(epath, sizeof(epath), CORPUS_DIR "/bad/%.*s.expect",
                                 (int) (strlen(name) - 5), name);
                        char *expect = read_expect(epath);
                        fc_error_t err = FC_ERROR_INIT;
                        struct fc_config *c = fc_config_load(path, &err);
                        bool good = c == NULL && err.status == -EINVAL && err.msg && expect &&
                                    strstr(err.msg, expect) != NULL;
                        ok(good, "bad/%s fails as expected", name);
                        if (!good)
                                printf("#   got: %s\n#   expected: %s\n",
                                       err.msg ? err.msg : "(none)", expect ? expect : "(none)");
                        fc_config_free(c);
                        fc_error_clear(&err);
                        free(expect);
                        count++;
                }
                free(ents[i]);
        }
        free(ents);
        ok(count >= 100, "corpus/bad has %d cases", count);
}

static void test_full(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *c = fc_config_load(CORPUS_DIR "/good/full-1.2.json", &err);
        ok(c != NULL, "full-1.2.json loads");
        if (c == NULL)
                return;
        is_str(c->oci_version, "1.2.0", "ociVersion");
        ok(c->root && !c->root->readonly, "root.readonly false");
        ok(c->n_mounts == 2 && c->mounts[1].n_uid_mappings == 1 &&
                   c->mounts[1].uid_mappings[0].host_id == 100000 &&
                   c->mounts[1].uid_mappings[0].size == 65536,
           "mount id mappings");
        ok(c->mounts[0].options == NULL && c->mounts[1].options[2] == NULL,
           "absent options NULL, present NULL-terminated");
        struct fc_process *p = c->process;
        ok(p->has_console_size && p->console_size.width == 80, "consoleSize");
        ok(p->user.uid == 4294967295u && p->user.has_umask && p->user.umask == 18 &&
                   p->user.n_additional_gids == 3 && p->user.additional_gids[2] == 4294967295u,
           "user");
        is_str(p->args[2], "echo \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", "unicode escapes decoded");
        ok(p->args[3] == NULL && p->n_args == 3, "args NULL-terminated");
        ok(p->capabilities && p->capabilities->has_effective && p->capabilities->n_effective == 0 &&
                   p->capabilities->effective != NULL && p->capabilities->n_bounding == 1,
           "empty capability set differs from absent");
        ok(p->n_rlimits == 16, "16 rlimits");
        ok(p->rlimits[0].resource == RLIMIT_AS && p->rlimits[0].hard == UINT64_MAX,
           "RLIMIT_AS unlimited");
        ok(p->rlimits[9].resource == RLIMIT_NOFILE && p->rlimits[9].soft == 512, "RLIMIT_NOFILE");
        ok(p->has_oom_score_adj && p->oom_score_adj == -1000, "oomScoreAdj");
        ok(p->io_priority && p->io_priority->priority == 7, "ioPriority");
        ok(p->scheduler && p->scheduler->has_nice && p->scheduler->nice == -20 &&
                   p->scheduler->n_flags == 2 && p->scheduler->period == 3000,
           "scheduler");
        is_str(p->exec_cpu_affinity->final, "0-1", "execCPUAffinity.final");
        is_str(c->domainname, "example.org", "domainname");
        ok(c->hooks && c->hooks->n_hooks[FC_HOOK_CREATE_CONTAINER] == 2 &&
                   c->hooks->n_hooks[FC_HOOK_POSTSTART] == 0 &&
                   c->hooks->hooks[FC_HOOK_CREATE_RUNTIME][0].has_timeout &&
                   c->hooks->hooks[FC_HOOK_CREATE_RUNTIME][0].timeout == 5,
           "hooks");
        ok(c->n_annotations == 2, "duplicate annotation key collapsed");
        is_str(c->annotations[0].value, "2", "last duplicate wins");
        struct fc_linux *l = c->linux_;
        ok(l && l->n_namespaces == 8, "8 namespaces");
        const struct fc_namespace *ns = fc_config_namespace(c, FC_NS_NETWORK);
        ok(ns && ns->path && strcmp(ns->path, "/var/run/netns/x") == 0, "network ns path");
        ok(fc_config_namespace(c, FC_NS_TIME) != NULL, "time ns");
        ok(l->n_time_offsets == 2 && l->time_offsets[0].secs == INT64_MIN &&
                   l->time_offsets[0].nanosecs == 999999999,
           "timeOffsets");
        ok(l->n_devices == 2 && l->devices[0].major == 10 && l->devices[0].file_mode == 438 &&
                   !l->devices[1].has_uid,
           "devices");
        struct fc_resources *r = l->resources;
        ok(r && r->n_devices == 2 && !r->devices[0].has_major && r->devices[0].major == -1 &&
                   r->devices[1].has_minor && r->devices[1].minor == 229,
           "device cgroup rules");
        ok(r->memory && r->memory->has_limit && r->memory->limit == -1 &&
                   r->memory->swap == INT64_MAX && r->memory->check_before_update,
           "memory");
        ok(r->cpu && r->cpu->quota == -1 && r->cpu->has_idle && r->cpu->idle == 1 &&
                   strcmp(r->cpu->cpus, "0-1") == 0,
           "cpu");
        ok(r->has_pids_limit && r->pids_limit == -1, "pids");
        ok(r->block_io && r->block_io->weight == 500 && r->block_io->n_throttle_write_iops == 1 &&
                   r->block_io->throttle_write_iops[0].rate == 600,
           "blockIO");
        ok(r->n_hugepage_limits == 1 && r->hugepage_limits[0].limit == 209715200, "hugepages");
        ok(r->network && r->network->class_id == 1048577 && r->network->n_priorities == 1,
           "network");
        ok(r->n_rdma == 2 && strcmp(r->rdma[0].device, "mlx5_1") == 0 &&
                   r->rdma[0].hca_objects == 10000 && !r->rdma[1].has_hca_handles,
           "rdma");
        ok(r->n_unified == 2, "unified");
        struct fc_seccomp *s = l->seccomp;
        ok(s && s->has_default_errno_ret && s->n_architectures == 3 && s->n_syscalls == 4 &&
                   s->syscalls[1].args[0].value == UINT64_MAX && s->syscalls[3].has_errno_ret &&
                   s->syscalls[3].errno_ret == 38,
           "seccomp");
        ok(l->has_masked_paths && l->n_masked_paths == 0 && l->has_readonly_paths,
           "maskedPaths [] present");
        ok(l->personality && strcmp(l->personality->domain, "LINUX32") == 0, "personality");
        ok(l->intel_rdt && l->intel_rdt->has_enable_cmt && l->intel_rdt->enable_cmt &&
                   !l->intel_rdt->enable_mbm,
           "intelRdt");
        fc_config_free(c);

        c = fc_config_load(CORPUS_DIR "/good/runc-spec.json", &err);
        ok(c && c->linux_ && c->linux_->has_masked_paths && c->process->terminal, "runc spec");
        ok(c && fc_config_namespace(c, FC_NS_USER) == NULL, "no user ns in runc spec");
        fc_config_free(c);
        c = fc_config_load(CORPUS_DIR "/good/minimal.json", &err);
        ok(c && c->process == NULL && c->linux_ == NULL && c->root == NULL, "minimal config");
        ok(fc_config_namespace(c, FC_NS_PID) == NULL, "no linux: no namespaces");
        fc_config_free(c);
        fc_error_clear(&err);
}

static void expect_fail(const char *json, size_t len, const char *substr, const char *name)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *c = fc_config_parse(json, len, &err);
        bool good = c == NULL && err.status == -EINVAL && err.msg && strstr(err.msg, substr);
        ok(good, "%s", name);
        if (!good)
                printf("#   got: %s\n", err.msg ? err.msg : "(none)");
        fc_config_free(c);
        fc_error_clear(&err);
}

static void test_generated(void)
{
        /* 100000 nested arrays: would overflow the stack in yajl_tree_free(). */
        size_t depth = 100000;
        size_t len = 2 * depth + 32;
        char *s = malloc(len);
        size_t k = (size_t) snprintf(s, len, "{\"ociVersion\":\"1.0.0\",\"x\":");
        memset(s + k, '[', depth);
        memset(s + k + depth, ']', depth);
        s[k + 2 * depth] = '}';
        expect_fail(s, k + 2 * depth + 1, "nested deeper than 64 levels", "100000 nested arrays");
        memset(s, '{', depth);
        expect_fail(s, depth, "nested deeper", "100000 open braces");
        free(s);

        const char nul[] = "{\"ociVersion\":\"1.0.0\"}\0{}";
        expect_fail(nul, sizeof(nul) - 1, "NUL byte", "raw NUL byte refused");
        /* The top-level object plus 63 arrays: exactly at the limit. */
        char ok64[256];
        k = (size_t) snprintf(ok64, sizeof(ok64), "{\"ociVersion\":\"1.0.0\",\"x\":");
        memset(ok64 + k, '[', 63);
        memset(ok64 + k + 63, ']', 63);
        ok64[k + 126] = '}';
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *c = fc_config_parse(ok64, k + 127, &err);
        ok(c != NULL, "64 levels accepted");
        fc_config_free(c);
        fc_error_clear(&err);
        memset(ok64 + k, '[', 64);
        memset(ok64 + k + 64, ']', 64);
        ok64[k + 128] = '}';
        expect_fail(ok64, k + 129, "nested deeper", "65 levels refused");
        const char str[] = "{\"ociVersion\":\"1.0.0\",\"hostname\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                           "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\""
                           "[[[[\"}";
        c = fc_config_parse(str, sizeof(str) - 1, &err);
        ok(c != NULL && c->hostname[0] == '[', "brackets inside strings do not count as nesting");
        fc_config_free(c);
        fc_error_clear(&err);
}

static void test_load_errors(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *c = fc_config_load("/nonexistent/config.json", &err);
        ok(c == NULL && err.status == -ENOENT && strstr(err.msg, "/nonexistent/config.json"),
           "missing file: ENOENT");
        fc_error_clear(&err);
        c = fc_config_load("/dev/zero", &err);
        ok(c == NULL && err.msg && strstr(err.msg, "not a regular file"), "/dev/zero refused");
        fc_error_clear(&err);
        c = fc_config_load(CORPUS_DIR, &err);
        ok(c == NULL && err.msg && strstr(err.msg, "not a regular file"), "directory refused");
        fc_error_clear(&err);
        char fifo[] = "/tmp/fc-oci-fifo-XXXXXX";
        char *dir = mkdtemp(fifo);
        if (dir) {
                char path[256];
                snprintf(path, sizeof(path), "%s/config.json", dir);
                if (mkfifo(path, 0600) == 0) {
                        c = fc_config_load(path, &err);
                        ok(c == NULL && err.msg && strstr(err.msg, "not a regular file"),
                           "FIFO refused without blocking");
                        fc_error_clear(&err);
                        unlink(path);
                }
                /* A sparse 65 MiB file: refused before anything is read. */
                snprintf(path, sizeof(path), "%s/big.json", dir);
                FILE *f = fopen(path, "we");
                if (f && ftruncate(fileno(f), 65 << 20) == 0) {
                        fclose(f);
                        f = NULL;
                        c = fc_config_load(path, &err);
                        ok(c == NULL && err.status == -EFBIG && strstr(err.msg, "larger than"),
                           "file over 64 MiB refused");
                        fc_error_clear(&err);
                }
                if (f)
                        fclose(f);
                unlink(path);
                rmdir(dir);
        }
}

static void test_tables(void)
{
        static const char *const ns[] = {"pid", "network", "mount",  "ipc",
                                         "uts", "user",    "cgroup", "time"};
        for (int i = 0; i < FC_NS__MAX; i++) {
                is_str(fc_ns_type_name((enum fc_ns_type) i), ns[i], "ns name %d", i);
                ok(fc_ns_type_from_name(ns[i]) == i, "ns from name %s", ns[i]);
        }
        ok(fc_ns_type_from_name("net") == -1, "\"net\" is not a namespace type");
        ok(fc_ns_type_name(FC_NS__MAX) == NULL, "out of range ns name");
        is_str(fc_hook_kind_name(FC_HOOK_CREATE_RUNTIME), "createRuntime", "hook name");
        is_str(fc_hook_kind_name(FC_HOOK_POSTSTOP), "poststop", "hook name poststop");
        ok(fc_rlimit_from_name("RLIMIT_NOFILE") == RLIMIT_NOFILE, "RLIMIT_NOFILE");
        ok(fc_rlimit_from_name("RLIMIT_RTTIME") == RLIMIT_RTTIME, "RLIMIT_RTTIME");
        ok(fc_rlimit_from_name("NOFILE") == -1, "rlimit needs prefix");
}

static void test_process(void)
{
        const char good[] = "{\"args\":[\"ls\"],\"cwd\":\"/tmp\",\"env\":[\"A=1\"],"
                            "\"user\":{\"uid\":1000,\"gid\":1000}}";
        fc_error_t err = FC_ERROR_INIT;
        struct fc_process *p = fc_process_parse(good, sizeof(good) - 1, &err);
        ok(p && p->user.uid == 1000 && strcmp(p->cwd, "/tmp") == 0, "process.json parses");
        fc_process_free(p);
        const char bad[] = "{\"args\":[\"ls\"],\"cwd\":\"tmp\"}";
        p = fc_process_parse(bad, sizeof(bad) - 1, &err);
        ok(p == NULL && err.msg && strncmp(err.msg, "cwd: must be an absolute path", 29) == 0,
           "process.json error path is relative to the process");
        fc_error_clear(&err);
        fc_process_free(NULL);
        fc_config_free(NULL);
}

/* Repeated keys in annotations/sysctl/unified: the last value wins at the
 * place of the first, and an object of 200000 keys (a hostile config)
 * parses in well under a second instead of comparing every pair.  Under
 * ASan only 5000: yajl's tree grows an object's arrays one element per
 * key, which glibc's realloc does in place (mremap) but ASan's copies (and
 * quarantines), so there the size alone makes yajl quadratic: 20000 keys
 * took 3-10 s, depending on the machine; 5000 take a sixteenth of that. */
#if defined(__SANITIZE_ADDRESS__)
#define MANY_KEYS 5000
#else
#define MANY_KEYS 200000
#endif
static void test_many_keys(void)
{
        const char dups[] = "{\"ociVersion\":\"1.0.2\",\"annotations\":{\"b\":\"1\",\"a\":\"x\","
                            "\"b\":\"2\",\"c\":\"y\",\"a\":\"z\",\"b\":\"3\"}}";
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *c = fc_config_parse(dups, sizeof(dups) - 1, &err);
        ok(c && c->n_annotations == 3, "three distinct annotation keys");
        if (c && c->n_annotations == 3) {
                is_str(c->annotations[0].key, "b", "first key keeps its place");
                is_str(c->annotations[0].value, "3", "last of three values wins");
                is_str(c->annotations[1].key, "a", "second key");
                is_str(c->annotations[1].value, "z", "last value of the second key");
                is_str(c->annotations[2].key, "c", "third key");
        }
        fc_config_free(c);

        const size_t n = MANY_KEYS;
        size_t cap = n * 24 + 64, len = 0;
        char *big = malloc(cap);
        len += (size_t) snprintf(big, cap, "{\"ociVersion\":\"1.0.2\",\"annotations\":{");
        for (size_t i = 0; i < n; i++)
                len += (size_t) snprintf(big + len, cap - len, "%s\"k%zu\":\"v\"", i ? "," : "", i);
        len += (size_t) snprintf(big + len, cap - len, "}}");
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        c = fc_config_parse(big, len, &err);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double secs = (double) (b.tv_sec - a.tv_sec) + (double) (b.tv_nsec - a.tv_nsec) / 1e9;
        ok(c && c->n_annotations == n, "%zu annotations parse", n);
        ok(secs < 5.0, "%zu annotations parse in %.2f s (< 5 s)", n, secs);
        fc_config_free(c);
        fc_error_clear(&err);
        free(big);
}

int main(void)
{
        test_good();
        test_bad();
        test_full();
        test_generated();
        test_load_errors();
        test_tables();
        test_process();
        test_many_keys();
        return tap_done();
}
