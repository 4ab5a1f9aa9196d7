/* SPDX-License-Identifier: Apache-2.0
 *
 * cgroup v2 (unified hierarchy): controllers are enabled top-down through
 * cgroup.subtree_control, device rules are an eBPF program
 * (cgroup-devices-v2.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/cleanup.h"

/* Controllers enabled when the parent offers them, whether or not the
 * resources ask for them, so that later updates find their files. */
static const char *const default_controllers[] = {"cpu", "io", "memory", "pids"};

static bool word_in(const char *list, const char *word)
{
        size_t n = strlen(word);
        for (const char *p = list; *p;) {
                while (*p == ' ' || *p == '\n')
                        p++;
                const char *e = p;
                while (*e && *e != ' ' && *e != '\n')
                        e++;
                if ((size_t) (e - p) == n && n > 0 && strncmp(p, word, n) == 0)
                        return true;
                p = e;
        }
        return false;
}

static int enable_one(const char *dir, const char *avail, const char *ctrl, bool required,
                      fc_error_t *err)
{
        cleanup_free char *sc_path = NULL;
        if (asprintf(&sc_path, "%s/cgroup.subtree_control", dir) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        if (!word_in(avail, ctrl)) {
                if (!required)
                        return 0;
                return fc_error_set(err, -ENOENT, "cgroup controller %s is not available in %s",
                                    ctrl, dir);
        }
        char buf[32];
        snprintf(buf, sizeof(buf), "+%s", ctrl);
        fc_error_t e = FC_ERROR_INIT;
        if (fc_cgroup_write_file(sc_path, buf, &e) == 0)
                return 0;
        int status = e.status;
        fc_error_clear(&e);
        /* Best effort for the defaults, as runc: a container that asks for
         * no limit of that kind does not need the controller. */
        if (!required)
                return 0;
        if (status == -EBUSY)
                return fc_error_set(err, -EBUSY,
                                    "enable cgroup controller %s in %s: the cgroup has processes "
                                    "(cgroup v2 allows controllers only below cgroups without "
                                    "processes of their own)",
                                    ctrl, dir);
        return fc_error_set(err, status, "enable cgroup controller %s in %s: %s", ctrl, dir,
                            strerror(-status));
}

/* Enable controllers in every ancestor of the leaf, from the mount down,
 * so each level passes them on to the next. */
static int enable_controllers(const struct fc_cgroup_hier *h, const struct fc_cgroup_write *w,
                              size_t n_req, fc_error_t *err)
{
        cleanup_free char *leaf = fc_cgroup_hier_dir(h);
        if (leaf == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        size_t base = strlen(h->mount);
        size_t total = strlen(leaf);
        for (size_t cut = base; cut < total; cut++) {
                if (cut != base && leaf[cut] != '/')
                        continue;
                char saved = leaf[cut];
                leaf[cut] = '\0';
                cleanup_free char *cpath = NULL;
                if (asprintf(&cpath, "%s/cgroup.controllers", leaf) < 0) {
                        leaf[cut] = saved;
                        return fc_error_set(err, -ENOMEM, "out of memory");
                }
                cleanup_free char *avail = fc_cgroup_read_file(cpath, err);
                int r = avail ? 0 : err->status;
                /* cgroup.* files (unified keys) need no controller. */
                for (size_t i = 0; r == 0 && i < n_req; i++)
                        if (w[i].controller[0] != '\0')
                                r = enable_one(leaf, avail, w[i].controller, true, err);
                for (size_t i = 0; r == 0 && i < sizeof(default_controllers) / sizeof(char *); i++)
                        r = enable_one(leaf, avail, default_controllers[i], false, err);
                leaf[cut] = saved;
                if (r < 0)
                        return r;
        }
        return 0;
}

static int v2_setup(struct fc_cgroup *cg, const struct fc_resources *res,
                    const struct fc_cgroup_write *writes, size_t n_writes, fc_error_t *err)
{
        const struct fc_cgroup_hier *h = &cg->hier[0];
        /* Every controller a write needs must be enabled on the way down
         * (enabling one twice is harmless). */
        if (enable_controllers(h, writes, n_writes, err) < 0)
                return err->status;
        if (fc_cgroup_resources_apply(cg, writes, n_writes, err) < 0)
                return err->status;
        cleanup_free char *dir = fc_cgroup_hier_dir(h);
        if (dir == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        if (cg->v2_fd < 0) {
                cg->v2_fd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
                if (cg->v2_fd < 0)
                        return fc_error_setm(err, -errno, "open cgroup %s", dir);
        }
        cleanup_free struct fc_device_cgroup *rules = NULL;
        size_t n = 0;
        if (fc_cgroup_device_rules(res, &rules, &n, err) < 0)
                return err->status;
        if (fc_cgroup_devices_bpf_attach(cg->v2_fd, rules, n, err) < 0)
                return fc_error_wrap(err, "cgroup %s", dir);
        return 0;
}

#define MNT_ATTR_FLAGS                                                                             \
        (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_NOATIME |                 \
         MS_STRICTATIME | MS_NODIRATIME)

static int v2_mount(const struct fc_cgroup *cg, const char *dest, unsigned long flags,
                    bool cgroupns, fc_error_t *err)
{
        if (mkdir(dest, 0755) < 0 && errno != EEXIST)
                return fc_error_setm(err, -errno, "mkdir %s", dest);
        if (cgroupns) {
                /* Inside its own cgroup namespace a fresh mount shows the
                 * container's cgroup as the root. */
                if (mount("cgroup2", dest, "cgroup2", flags & MNT_ATTR_FLAGS, NULL) < 0)
                        return fc_error_setm(err, -errno, "mount cgroup2 on %s", dest);
                return 0;
        }
        cleanup_free char *src = fc_cgroup_hier_dir(&cg->hier[0]);
        if (src == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        if (mount(src, dest, NULL, MS_BIND | MS_REC, NULL) < 0)
                return fc_error_setm(err, -errno, "bind %s on %s", src, dest);
        if (mount(NULL, dest, NULL, MS_BIND | MS_REMOUNT | (flags & MNT_ATTR_FLAGS), NULL) < 0)
                return fc_error_setm(err, -errno, "remount %s", dest);
        return 0;
}

static int v2_update(struct fc_cgroup *cg, const struct fc_cgroup_write *w, size_t n,
                     fc_error_t *err)
{
        /* A controller the container did not ask for at create may be
         * off below the mount (only the defaults are enabled then). */
        if (enable_controllers(&cg->hier[0], w, n, err) < 0)
                return err->status;
        return fc_cgroup_resources_apply(cg, w, n, err);
}

static int v2_is_frozen(struct fc_cgroup *cg, bool *ret, fc_error_t *err)
{
        cleanup_free char *ev = fc_cgroup_read_at(&cg->hier[0], "cgroup.events", err);
        if (ev == NULL)
                return err->status;
        uint64_t v = 0;
        *ret = fc_cgroup_parse_keyed(ev, "frozen", &v) == 0 && v == 1;
        return 0;
}

static void sleep_us(long us)
{
        struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int v2_freeze(struct fc_cgroup *cg, bool frozen, fc_error_t *err)
{
        cleanup_free char *dir = fc_cgroup_hier_dir(&cg->hier[0]);
        if (dir == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        if (fc_cgroup_write_at(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
                return err->status;
        /* cgroup.freeze only asks; cgroup.events says "frozen 1" once every
         * task has stopped (a task in an uninterruptible sleep can take a
         * while).  Poll, bounded at about 5 s. */
        for (int i = 0; i < 5000; i++) {
                bool is = false;
                if (v2_is_frozen(cg, &is, err) < 0)
                        return err->status;
                if (is == frozen)
                        return 0;
                sleep_us(i < 100 ? 100 : 1000);
        }
        if (frozen) {
                fc_error_t e = FC_ERROR_INIT;
                (void) fc_cgroup_write_at(dir, "cgroup.freeze", "0", &e);
                fc_error_clear(&e);
        }
        return fc_error_set(err, -ETIMEDOUT, "%s cgroup %s: timed out", frozen ? "freeze" : "thaw",
                            dir);
}

const struct fc_cgroup_ops fc_cgroup_ops_v2 = {
        .name = "v2",
        .setup = v2_setup,
        .mount = v2_mount,
        .update = v2_update,
        .freeze = v2_freeze,
        .is_frozen = v2_is_frozen,
        .stats = fc_cgroup_v2_stats,
        .oom_open = fc_cgroup_v2_oom_open,
        .oom_read = fc_cgroup_v2_oom_read,
};
