/* SPDX-License-Identifier: Apache-2.0
 *
 * State documents (runc's `state` and `list --format json` shapes, the
 * state.json round trip) and the generated spec/features documents.
 */
#include "lib/status.h"
#include "oci-spec/config.h"
#include "oci-spec/state.h"
#include "tests/unit/tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CORPUS_DIR
#error "CORPUS_DIR must be defined"
#endif

static struct fc_kv annotations[] = {{"a", "b"}, {"c", "d"}};

static struct fc_state sample = {
        .oci_version = "1.2.0",
        .id = "t2",
        .status = "created",
        .pid = 6233,
        .bundle = "/tmp/ocib",
        .rootfs = "/tmp/ocib/rootfs",
        .created = "2026-11-30T01:37:59.431639453Z",
        .owner = "",
        .start_time = 123456789,
        .cgroup = "v1:/sys/fs/cgroup/*/flashcube/t2",
        .config_path = "/run/flashcube/t2/config.json",
        .systemd_cgroup = true,
};

static void test_oci_state(void)
{
        fc_error_t err = FC_ERROR_INIT;
        char *s = fc_state_to_oci_json(&sample, true, &err);
        /* Exactly what `runc state` printed for a created container. */
        is_str(s,
               "{\n  \"ociVersion\": \"1.2.0\",\n  \"id\": \"t2\",\n  \"pid\": 6233,\n"
               "  \"status\": \"created\",\n  \"bundle\": \"/tmp/ocib\",\n"
               "  \"rootfs\": \"/tmp/ocib/rootfs\",\n"
               "  \"created\": \"2026-11-30T01:37:59.431639453Z\",\n  \"owner\": \"\"\n}",
               "state without annotations, pretty");
        free(s);
        struct fc_state a = sample;
        a.annotations = annotations;
        a.n_annotations = 2;
        s = fc_state_to_oci_json(&a, true, &err);
        ok(s && strstr(s, "\"created\": \"2026-11-30T01:37:59.431639453Z\",\n  \"annotations\": "
                          "{\n    \"a\": \"b\",\n    \"c\": \"d\"\n  },\n  \"owner\": \"\"\n}"),
           "annotations between created and owner");
        free(s);
        a.owner = "root";
        struct fc_state *list[] = {&a};
        s = fc_state_list_to_json(list, 1, &err);
        is_str(s,
               "[{\"ociVersion\":\"1.2.0\",\"id\":\"t2\",\"pid\":6233,\"status\":\"created\","
               "\"bundle\":\"/tmp/ocib\",\"rootfs\":\"/tmp/ocib/rootfs\","
               "\"created\":\"2026-11-30T01:37:59.431639453Z\",\"annotations\":{\"a\":\"b\","
               "\"c\":\"d\"},\"owner\":\"root\"}]",
               "list --format json");
        free(s);
        s = fc_state_list_to_json(NULL, 0, &err);
        is_str(s, "null", "empty list prints null as runc does");
        free(s);
        ok(err.status == 0, "no error set");
}

static void test_roundtrip(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_state a = sample;
        a.annotations = annotations;
        a.n_annotations = 2;
        char *s = fc_state_to_json(&a, &err);
        ok(s != NULL, "state.json generated");
        struct fc_state *b = fc_state_parse(s, strlen(s), &err);
        ok(b != NULL, "state.json parsed");
        if (b) {
                is_str(b->id, "t2", "id");
                is_str(b->status, "created", "status");
                ok(b->pid == 6233, "pid");
                is_str(b->bundle, a.bundle, "bundle");
                is_str(b->rootfs, a.rootfs, "rootfs");
                is_str(b->created, a.created, "created");
                is_str(b->owner, "", "owner");
                is_str(b->oci_version, "1.2.0", "ociVersion");
                ok(b->n_annotations == 2 && strcmp(b->annotations[1].value, "d") == 0,
                   "annotations");
                ok(b->start_time == 123456789, "start_time");
                is_str(b->cgroup, a.cgroup, "cgroup");
                is_str(b->config_path, a.config_path, "config_path");
                ok(b->systemd_cgroup, "systemd_cgroup");
                char *t = fc_state_to_json(b, &err);
                is_str(t, s, "second round trip is identical");
                free(t);
        }
        fc_state_free(b);
        free(s);
        struct fc_state c = {.id = "x", .status = "stopped"};
        s = fc_state_to_json(&c, &err);
        b = fc_state_parse(s, strlen(s), &err);
        ok(b && b->cgroup == NULL && b->config_path == NULL && !b->systemd_cgroup && b->pid == 0,
           "absent private fields stay absent");
        fc_state_free(b);
        free(s);
        const char *neg = "{\"id\":\"x\",\"status\":\"running\",\"pid\":-1}";
        b = fc_state_parse(neg, strlen(neg), &err);
        ok(b == NULL && err.status == -EINVAL && strstr(err.msg, "pid: expected an integer"),
           "negative pid refused");
        fc_error_clear(&err);
        b = fc_state_parse("{\"status\":\"running\"", 19, &err);
        ok(b == NULL && err.status == -EINVAL, "truncated state.json refused");
        fc_error_clear(&err);
        fc_state_free(NULL);
}

/* The document runc sends a seccomp agent (runtime-spec config-linux.md,
 * "The Container Process State"): compact, fds first, metadata omitted
 * when empty, the inner state without runc's `state` extras. */
static void test_container_process_state(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_state a = sample;
        a.status = "creating";
        char *s = fc_container_process_state_json(&a, 0, "k=v;\"q\"", &err);
        is_str(s,
               "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":6233,"
               "\"metadata\":\"k=v;\\\"q\\\"\",\"state\":{\"ociVersion\":\"1.2.0\","
               "\"id\":\"t2\",\"status\":\"creating\",\"pid\":6233,"
               "\"bundle\":\"/tmp/ocib\"}}",
               "container process state with metadata");
        free(s);

        a.annotations = annotations;
        a.n_annotations = 2;
        a.oci_version = "1.0.2";
        s = fc_container_process_state_json(&a, 0, "", &err);
        is_str(s,
               "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":6233,"
               "\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"t2\",\"status\":\"creating\","
               "\"pid\":6233,\"bundle\":\"/tmp/ocib\",\"annotations\":{\"a\":\"b\","
               "\"c\":\"d\"}}}",
               "empty metadata omitted, annotations kept, config's ociVersion inside");
        free(s);

        struct fc_state b = {.id = "x", .status = "creating", .bundle = "/b"};
        s = fc_container_process_state_json(&b, 0, NULL, &err);
        is_str(s,
               "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":0,"
               "\"state\":{\"ociVersion\":\"1.2.0\",\"id\":\"x\",\"status\":\"creating\","
               "\"bundle\":\"/b\"}}",
               "no pid: omitted from the state, 0 outside; no ociVersion: ours");
        free(s);

        a.status = "running";
        a.annotations = NULL;
        a.n_annotations = 0;
        s = fc_container_process_state_json(&a, 7001, NULL, &err);
        is_str(s,
               "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":7001,"
               "\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"t2\",\"status\":\"running\","
               "\"pid\":6233,\"bundle\":\"/tmp/ocib\"}}",
               "an exec'd process: its pid outside, the init's in the state");
        free(s);
        ok(err.status == 0, "no error set");
}

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "re");
        if (f == NULL)
                return NULL;
        char *buf = NULL;
        size_t cap = 0;
        ssize_t n = getdelim(&buf, &cap, '\0', f);
        fclose(f);
        if (n < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* runc's files say "1.0.2-dev"; ours say "1.2.0".  Everything else,
 * including the tab indentation, must be byte-identical. */
static void expect_same_as_runc(const char *ours, const char *file, const char *name)
{
        char *theirs = slurp(file);
        char *p = theirs ? strstr(theirs, "\"1.0.2-dev\"") : NULL;
        char *fixed = NULL;
        if (p && asprintf(&fixed, "%.*s\"1.2.0\"%s", (int) (p - theirs), theirs, p + 11) < 0)
                fixed = NULL;
        is_str(ours, fixed, "%s matches runc's output", name);
        free(fixed);
        free(theirs);
}

static void test_spec(void)
{
        fc_error_t err = FC_ERROR_INIT;
        char *s = fc_spec_default_json(false, &err);
        ok(s != NULL, "default spec generated");
        expect_same_as_runc(s, CORPUS_DIR "/good/runc-spec.json", "spec");
        struct fc_config *c = s ? fc_config_parse(s, strlen(s), &err) : NULL;
        ok(c && c->n_mounts == 7 && c->linux_->n_namespaces == 5 && c->process->n_rlimits == 1,
           "default spec parses");
        fc_config_free(c);
        free(s);

        s = fc_spec_default_json(true, &err);
        ok(s != NULL, "rootless spec generated");
        /* The corpus file was generated as root: host ids 0. */
        if (geteuid() == 0 && getegid() == 0)
                expect_same_as_runc(s, CORPUS_DIR "/good/runc-spec-rootless.json",
                                    "spec --rootless");
        c = s ? fc_config_parse(s, strlen(s), &err) : NULL;
        ok(c && fc_config_namespace(c, FC_NS_USER) && !fc_config_namespace(c, FC_NS_NETWORK) &&
                   c->linux_->n_uid_mappings == 1 &&
                   c->linux_->uid_mappings[0].host_id == geteuid() && c->linux_->resources == NULL,
           "rootless spec parses");
        fc_config_free(c);
        free(s);

        s = fc_features_json(&err);
        ok(s && strncmp(s,
                        "{\n    \"ociVersionMin\": \"1.0.0\",\n    \"ociVersionMax\": \"1.2.0\",",
                        61) == 0,
           "features header");
        ok(s && strstr(s, "\"time\"") && strstr(s, "\"SCMP_ACT_NOTIFY\"") &&
                   strstr(s, "\"createRuntime\"") && strstr(s, "\"CAP_CHECKPOINT_RESTORE\""),
           "features content");
        free(s);
        ok(err.status == 0, "no error set");
}

/* Whether the file's data has disk blocks yet (ext4 delays allocation
 * until writeback; a delayed extent has no blocks).  -1: cannot tell. */
static int has_blocks(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        struct {
                struct fiemap fm;
                struct fiemap_extent ext[4];
        } q;
        memset(&q, 0, sizeof(q));
        q.fm.fm_length = FIEMAP_MAX_OFFSET;
        q.fm.fm_extent_count = 4;
        int r = ioctl(fd, FS_IOC_FIEMAP, &q.fm);
        close(fd);
        if (r < 0 || q.fm.fm_mapped_extents == 0)
                return -1;
        return !(q.fm.fm_extents[0].fe_flags &
                 (FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_DATA_INLINE));
}

/* A rewrite of state.json replaces it whole (readers never see a part)
 * and leaves nothing else in the dir.  On ext4 it must not force the new
 * file's blocks to be allocated, as a rename over the old file does: a
 * short-lived container's state would then cost a discard at delete. */
static void test_status_rewrite(void)
{
        char dir[] = "/tmp/fc-status-test.XXXXXX";
        ok(mkdtemp(dir) != NULL, "temp state dir");
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        fc_error_t err = FC_ERROR_INIT;
        struct fc_state s = sample;
        struct stat a = {0}, b = {0};
        ok(fc_status_write(dfd, &s, &err) == 0 && fstatat(dfd, "state.json", &a, 0) == 0,
           "state written");
        s.pid = 4242;
        ok(fc_status_write(dfd, &s, &err) == 0 && fstatat(dfd, "state.json", &b, 0) == 0,
           "state rewritten");
        ok(a.st_ino != b.st_ino, "the rewrite is another file, swapped in whole");
        struct fc_state *r = fc_status_read(dfd, "t2", &err);
        ok(r != NULL && r->pid == 4242, "the rewrite is read back");
        fc_state_free(r);
        int n = 0;
        DIR *d = opendir(dir);
        for (struct dirent *e; d && (e = readdir(d)) != NULL;)
                if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")))
                        n++;
        if (d)
                closedir(d);
        ok(n == 2, "state.json and the next write's file are left (%d entries)", n);
        /* The third write fills the first file again (overwritten and cut
         * to a shorter length): no new file, nothing of the old text. */
        struct stat c = {0};
        s.pid = 7;
        ok(fc_status_write(dfd, &s, &err) == 0 && fstatat(dfd, "state.json", &c, 0) == 0,
           "state rewritten again");
        ok(c.st_ino == a.st_ino, "the third write reuses the first file");
        r = fc_status_read(dfd, "t2", &err);
        ok(r != NULL && r->pid == 7, "the shorter rewrite is read back whole");
        fc_state_free(r);
        struct statfs fs;
        if (fstatfs(dfd, &fs) == 0 && fs.f_type == EXT4_SUPER_MAGIC &&
            has_blocks(dfd, "state.json") >= 0)
                ok(has_blocks(dfd, "state.json") == 0,
                   "the rewrite's blocks are not allocated yet");
        else
                ok(1, "# SKIP %s is not on ext4 with delayed allocation", dir);
        unlinkat(dfd, "state.json", 0);
        unlinkat(dfd, ".state.json.tmp", 0);
        close(dfd);
        rmdir(dir);
        fc_error_clear(&err);
}

/* The created timestamp, formatted without the C library's time zone
 * code, agrees with gmtime over leap years, centuries and the epoch. */
static void test_timestamp(void)
{
        static const long long secs[] = {0,          59,         86399,      86400,
                                         951782400,  951868799,  978307200,  1709164800,
                                         1709251199, 4107542399, 4102444800, 1798761599};
        int bad = 0;
        for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]) + 2000; i++) {
                long long v = i < sizeof(secs) / sizeof(secs[0])
                                      ? secs[i]
                                      : (long long) (i * 2654435761ULL % 4102444800ULL);
                struct timespec ts = {.tv_sec = (time_t) v, .tv_nsec = 123456789};
                char *got = fc_status_format_time(&ts);
                struct tm tm;
                time_t tt = (time_t) v;
                gmtime_r(&tt, &tm);
                char want[64];
                snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.123456789Z",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                         tm.tm_sec);
                if (got == NULL || strcmp(got, want) != 0) {
                        if (bad++ < 3)
                                printf("#   %lld: got %s, want %s\n", v, got ? got : "(null)",
                                       want);
                }
                free(got);
        }
        ok(bad == 0, "timestamps agree with gmtime (%d differ)", bad);
        /* Go's RFC3339Nano: no trailing zeros in the fraction, no fraction
         * for a whole second. */
        static const struct {
                long nsec;
                const char *want;
        } fr[] = {{0, "2001-01-01T00:00:00Z"},
                  {100000000, "2001-01-01T00:00:00.1Z"},
                  {567784110, "2001-01-01T00:00:00.56778411Z"},
                  {1, "2001-01-01T00:00:00.000000001Z"}};
        bad = 0;
        for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
                struct timespec ts = {.tv_sec = 978307200, .tv_nsec = fr[i].nsec};
                char *got = fc_status_format_time(&ts);
                if (got == NULL || strcmp(got, fr[i].want) != 0) {
                        printf("#   %ld ns: got %s, want %s\n", fr[i].nsec, got ? got : "(null)",
                               fr[i].want);
                        bad++;
                }
                free(got);
        }
        ok(bad == 0, "fractions as Go's RFC3339Nano");
}

/* Readers racing a writer that rewrites state.json in place (the next
 * write's file is the one a reader may still hold) and alternates a long
 * and a short state: every read gets one whole state, never a mix.  And a
 * state dir that another container took over reads as gone. */
static void test_status_read_races(void)
{
        char dir[] = "/tmp/fc-status-race.XXXXXX";
        ok(mkdtemp(dir) != NULL, "temp state dir");
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        fc_error_t err = FC_ERROR_INIT;
        struct fc_state s = sample;
        ok(fc_status_write(dfd, &s, &err) == 0, "first state written");
        pid_t writer = fork();
        if (writer == 0) {
                struct fc_state w = sample;
                for (unsigned long i = 0;; i++) {
                        w.pid = (i & 1) ? 1 : 1234567;
                        w.bundle = (i & 1) ? "/b" : "/a/much/longer/bundle/path/than/the/other/one";
                        if (fc_status_write(dfd, &w, &err) < 0)
                                _exit(1);
                }
        }
        unsigned bad = 0, reads = 0;
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do {
                fc_error_t e = FC_ERROR_INIT;
                struct fc_state *r = fc_status_read(dfd, "t2", &e);
                if (r == NULL ||
                    !((r->pid == 1 && strcmp(r->bundle, "/b") == 0) ||
                      (r->pid == 1234567 && r->bundle[1] == 'a') || r->pid == sample.pid)) {
                        if (bad++ == 0)
                                printf("# bad read: %s\n", r ? r->bundle : e.msg);
                }
                fc_state_free(r);
                fc_error_clear(&e);
                reads++;
                clock_gettime(CLOCK_MONOTONIC, &t);
        } while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 1500000000L);
        kill(writer, SIGKILL);
        waitpid(writer, NULL, 0);
        ok(bad == 0, "%u reads racing rewrites, %u bad", reads, bad);

        s.id = "someone-else";
        ok(fc_status_write(dfd, &s, &err) == 0, "the dir now holds another container");
        fc_error_t e = FC_ERROR_INIT;
        struct fc_state *r = fc_status_read(dfd, "t2", &e);
        ok(r == NULL && e.status == -ENOENT, "read under the old id: gone (%s)",
           e.msg ? e.msg : "");
        fc_state_free(r);
        fc_error_clear(&e);
        unlinkat(dfd, "state.json", 0);
        unlinkat(dfd, ".state.json.tmp", 0);
        close(dfd);
        rmdir(dir);
        fc_error_clear(&err);
}

/* "\\u" escapes of UTF-16 surrogates that are not a pair (what Go writes
 * for no string, but a config's annotation may hold): each becomes U+FFFD,
 * as Go decodes them, so what we write of them reads back; a pair stays the
 * character it encodes. */
static void test_lone_surrogates(void)
{
        fc_error_t err = FC_ERROR_INIT;
        const char *in = "{\"id\":\"x\",\"status\":\"created\",\"annotations\":{"
                         "\"low\":\"a\\udc00b\",\"high\":\"a\\ud800\\u0041\",\"end\":\"\\uDBFF\","
                         "\"pair\":\"\\ud83d\\ude00\",\"\\udfff\":\"key\"}}";
        struct fc_state *s = fc_state_parse(in, strlen(in), &err);
        ok(s != NULL && s->n_annotations == 5, "state with lone surrogates parsed (%s)",
           err.msg ? err.msg : "");
        if (s != NULL && s->n_annotations == 5) {
                is_str(s->annotations[0].value,
                       "a\xef\xbf\xbd"
                       "b",
                       "lone low half: U+FFFD");
                is_str(s->annotations[1].value,
                       "a\xef\xbf\xbd"
                       "A",
                       "high half before a non-surrogate: U+FFFD, then that");
                is_str(s->annotations[2].value, "\xef\xbf\xbd", "high half at the end: U+FFFD");
                is_str(s->annotations[3].value, "\xf0\x9f\x98\x80", "a pair: its character");
                is_str(s->annotations[4].key, "\xef\xbf\xbd", "in a key too");
                char *json = fc_state_to_json(s, &err);
                struct fc_state *back = json ? fc_state_parse(json, strlen(json), &err) : NULL;
                ok(back != NULL && back->n_annotations == 5 &&
                           strcmp(back->annotations[0].value, s->annotations[0].value) == 0,
                   "what is written of it reads back (%s)", err.msg ? err.msg : "");
                fc_state_free(back);
                free(json);
        }
        fc_state_free(s);
        fc_error_clear(&err);
}

int main(void)
{
        test_oci_state();
        test_roundtrip();
        test_lone_surrogates();
        test_container_process_state();
        test_spec();
        test_status_rewrite();
        test_status_read_races();
        test_timestamp();
        return tap_done();
}
