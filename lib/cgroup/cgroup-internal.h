/* SPDX-License-Identifier: Apache-2.0
 *
 * Internals of lib/cgroup shared by the mode-specific files and the unit
 * tests.  The pure functions (parsing, path computation, program
 * generation) are here so they can be tested as an ordinary user.
 */
#ifndef FC_CGROUP_INTERNAL_H
#define FC_CGROUP_INTERNAL_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/cgroup/cgroup.h"
#include "oci-spec/events.h"

/* One hierarchy the container is placed in.  On v1/hybrid there is one per
 * mounted v1 hierarchy (plus the unified one on hybrid hosts), on v2 just
 * one. */
struct fc_cgroup_hier {
        bool v2;            /* a cgroup2 hierarchy */
        char *controllers;  /* v1: "cpu,cpuacct", "name=systemd"; v2: "" */
        char *mount;        /* host mount point, "/sys/fs/cgroup/cpu" */
        char *root;         /* mountinfo root of that mount, usually "/" */
        char *own;          /* our own cgroup relative to `mount` (create only) */
        char *rel;          /* the container's cgroup relative to `mount`, "/x/y" */
        unsigned n_created; /* trailing components of `rel` that we created */
        unsigned order;     /* line of the mount in mountinfo (discovery only) */
};

/* One planned write of a resource value: `value` to `file` in the
 * container's cgroup of the hierarchy that has `controller`. */
struct fc_cgroup_write {
        const char *controller; /* "memory", "cpu", "cpuset", "pids"; "" for cgroup.* (v2) */
        char *file;             /* "memory.limit_in_bytes" (owned) */
        char *value;            /* owned */
        /* Where the kernel offers one of two files (blkio.weight or, with
         * BFQ, blkio.bfq.weight; v2 io.bfq.weight or io.weight), the
         * other file and its value, tried when `file` does not exist. */
        char *alt_file;  /* owned, may be NULL */
        char *alt_value; /* owned, may be NULL */
        /* Read the file back and fail unless it holds `value`: the kernel
         * clamps some values silently (cpu.shares), and runc reports that. */
        bool check;
        /* A file the kernel may not offer (memory.memsw.* without swap
         * accounting): skipped when it does not exist. */
        bool optional;
};

struct fc_cgroup_ops {
        const char *name;
        /* After the directories exist: controllers, cpuset, resource
         * writes (in order), device rules. */
        int (*setup)(struct fc_cgroup *cg, const struct fc_resources *res,
                     const struct fc_cgroup_write *writes, size_t n_writes, fc_error_t *err);
        int (*mount)(const struct fc_cgroup *cg, const char *dest, unsigned long flags,
                     bool cgroupns, fc_error_t *err);
        /* Apply planned writes to an existing cgroup (update). */
        int (*update)(struct fc_cgroup *cg, const struct fc_cgroup_write *writes, size_t n,
                      fc_error_t *err);
        /* Freeze or thaw, returning once the kernel reports it done. */
        int (*freeze)(struct fc_cgroup *cg, bool frozen, fc_error_t *err);
        int (*is_frozen)(struct fc_cgroup *cg, bool *ret, fc_error_t *err);
        int (*stats)(struct fc_cgroup *cg, struct fc_stats *ret, fc_error_t *err);
        /* OOM notification: a pollable fd, and the number of OOM kills
         * since the last read once it is readable. */
        int (*oom_open)(struct fc_cgroup *cg, fc_error_t *err);
        int (*oom_read)(struct fc_cgroup *cg, int fd, uint64_t *ret_count, fc_error_t *err);
};

struct fc_cgroup {
        enum fc_cgroup_mode mode;
        const struct fc_cgroup_ops *ops;
        struct fc_cgroup_hier *hier;
        size_t n_hier;
        int v2_fd;         /* lazily opened on v2, -1 otherwise */
        int oom_ctl_fd;    /* v1 memory.oom_control kept open for the eventfd, -1 */
        uint64_t oom_last; /* v2 memory.events oom_kill seen so far */
        bool took_pooled;  /* make_from renamed the pooled cgroup in every v1 hierarchy */
        /* Per hierarchy, the leaf's parent directory (O_PATH) where make_from
         * took a pooled cgroup, else -1; NULL when none was taken.  The
         * retire renames the leaf through it: two one-component lookups
         * instead of two walks from "/" (5 against 9 us a hierarchy). */
        int *parent_fd;
};

extern const struct fc_cgroup_ops fc_cgroup_ops_v1;
extern const struct fc_cgroup_ops fc_cgroup_ops_v2;

/* ---- cgroup.c: discovery, paths, files ---- */

const char *fc_cgroup_mode_name(enum fc_cgroup_mode mode);

/* Build the hierarchy list from the text of /proc/self/cgroup and
 * /proc/self/mountinfo.  v1 hierarchies are included for V1 and HYBRID, the
 * cgroup2 one for V2 and HYBRID.  `own` of each entry is filled. */
int fc_cgroup_discover(enum fc_cgroup_mode mode, const char *proc_cgroup, const char *mountinfo,
                       struct fc_cgroup_hier **ret_hier, size_t *ret_n, fc_error_t *err);

/* The container's cgroup relative to a hierarchy's mount, as runc places
 * it: absolute `cgroups_path` as is, relative under `own`, NULL as
 * "<own>/<id>".  Cleaned: no "." / ".." / empty components. */
char *fc_cgroup_join_path(const char *own, const char *cgroups_path, const char *id,
                          fc_error_t *err);

/* Lexically clean an absolute path ("/a/./b//../c" -> "/a/c"); ".." never
 * climbs above "/". */
char *fc_cgroup_clean_path(const char *path);

/* Unescape the octal escapes (\040) of a mountinfo field in place. */
void fc_cgroup_unescape_mountinfo(char *s);

/* Parse one mountinfo line into pointers into `line` (modified). */
struct fc_mountinfo_entry {
        char *root;
        char *mount_point;
        char *fstype;
        char *source;
        char *super_opts;
};
int fc_cgroup_parse_mountinfo_line(char *line, struct fc_mountinfo_entry *ret);

/* The cgroup mounts of a mountinfo text, parsed once: entries point into
 * `text` (a copy), `index` is the line number (the host's mount order). */
struct fc_cgroup_mounts {
        char *text;
        struct fc_mountinfo_entry *e;
        unsigned *index;
        size_t n;
};

void fc_cgroup_mounts_clear(struct fc_cgroup_mounts *m);
int fc_cgroup_mounts_parse(const char *mountinfo, struct fc_cgroup_mounts *ret);

/* Kept cgroup mounts (cgroup-mounts.c).  fc_cgroup_mount_ids: the unique
 * ids of all mounts below our root (listmount, Linux 6.8), how many, or -1
 * (none to be had, or more than FC_CGROUP_MOUNTS_MAX).
 * fc_cgroup_mounts_kept: the cgroup lines of mountinfo kept in `path`, if
 * still true, else NULL and *ret_keep whether to keep them afresh (not
 * when the file is a few seconds old).  fc_cgroup_mounts_keep: keep those of
 * `mountinfo`, read after fc_cgroup_mount_ids gave `ids` (best effort). */
#define FC_CGROUP_MOUNTS_MAX 512
long fc_cgroup_mount_ids(uint64_t *ids);
char *fc_cgroup_mounts_kept(const char *path, bool *ret_keep);
void fc_cgroup_mounts_keep(const char *path, const char *mountinfo, const uint64_t *ids, long n);

/* "<mount><rel>" (malloc'd) */
char *fc_cgroup_hier_dir(const struct fc_cgroup_hier *h);

/* Build a handle without touching the kernel (tests, deserialize). */
struct fc_cgroup *fc_cgroup_new(enum fc_cgroup_mode mode, struct fc_cgroup_hier *hier, size_t n);

/* fc_cgroup_create() with the mode and the two /proc texts given: lets the
 * root tests exercise the v2 code on a hybrid host's unified mount. */
struct fc_cgroup *fc_cgroup_create_in(enum fc_cgroup_mode mode, const char *proc_cgroup,
                                      const char *mountinfo, const char *cgroups_path,
                                      const char *id, const struct fc_resources *res,
                                      fc_error_t *err);

void fc_cgroup_hier_clear(struct fc_cgroup_hier *h);

/* Small file helpers: whole-file read (NUL-terminated) and one write(2). */
char *fc_cgroup_read_file(const char *path, fc_error_t *err);
int fc_cgroup_write_file(const char *path, const char *content, fc_error_t *err);
int fc_cgroup_write_at(const char *dir, const char *file, const char *content, fc_error_t *err);

/* The hierarchy that holds `controller`'s files (v2: the unified one),
 * or NULL. */
const struct fc_cgroup_hier *fc_cgroup_hier_for(const struct fc_cgroup *cg, const char *controller);

/* A file of the container's cgroup in a hierarchy, read whole (NULL and
 * *err on failure). */
char *fc_cgroup_read_at(const struct fc_cgroup_hier *h, const char *file, fc_error_t *err);

/* True if the hierarchy's controller list has `ctrl`. */
bool fc_cgroup_hier_has(const struct fc_cgroup_hier *h, const char *ctrl);

/* ---- cgroup-resources.c: resources as planned writes ---- */

/* The writes for linux.resources in `mode`, with runc's conversions
 * (v2: cpu.weight from shares, cpu.max, memory.swap.max = swap - limit,
 * "max" for -1).  Fields not implemented yet fail with -EOPNOTSUPP and
 * "linux.resources.<field>: not supported yet". */
int fc_cgroup_resources_plan(enum fc_cgroup_mode mode, const struct fc_resources *res,
                             struct fc_cgroup_write **ret_writes, size_t *ret_n, fc_error_t *err);
void fc_cgroup_writes_free(struct fc_cgroup_write *w, size_t n);
int fc_cgroup_resources_apply(struct fc_cgroup *cg, const struct fc_cgroup_write *w, size_t n,
                              fc_error_t *err);

/* runc's conversions, exposed for the unit tests. */
uint64_t fc_cgroup_shares_to_weight(uint64_t shares);
uint64_t fc_cgroup_blkio_weight_to_io_weight(uint64_t weight);

/* ---- cgroup-stats.c: statistics and OOM events per version ---- */

int fc_cgroup_v1_stats(struct fc_cgroup *cg, struct fc_stats *ret, fc_error_t *err);
int fc_cgroup_v2_stats(struct fc_cgroup *cg, struct fc_stats *ret, fc_error_t *err);
int fc_cgroup_v1_oom_open(struct fc_cgroup *cg, fc_error_t *err);
int fc_cgroup_v1_oom_read(struct fc_cgroup *cg, int fd, uint64_t *ret_count, fc_error_t *err);
int fc_cgroup_v2_oom_open(struct fc_cgroup *cg, fc_error_t *err);
int fc_cgroup_v2_oom_read(struct fc_cgroup *cg, int fd, uint64_t *ret_count, fc_error_t *err);

/* Parsers of the kernel's stat formats (pure, unit-tested). */
/* "key value" lines: the value of `key`, or -ENOENT. */
int fc_cgroup_parse_keyed(const char *text, const char *key, uint64_t *ret);
/* A single number, or "max" as FC_STATS_UNLIMITED. */
int fc_cgroup_parse_u64(const char *text, uint64_t *ret);
/* A cpuset list ("0-3,6\n") appended to *v as its members, up to what does
 * not parse (members above 65535 included); -ENOMEM, else 0. */
int fc_cgroup_parse_cpuset_list(const char *s, uint64_t **v, size_t *n);

/* Resources the code cannot apply in any mode: -EOPNOTSUPP naming the
 * field (the mode-independent part of the plan). */
int fc_cgroup_check_supported(const struct fc_resources *res, fc_error_t *err);

/* ---- cgroup-devices.c: the rule list both versions apply ---- */

/* The container's rules followed by runc's default allow list (order
 * matters: the last matching rule wins).  Validated. *ret_rules is
 * malloc'd; the strings point to static storage or into `res`. */
int fc_cgroup_device_rules(const struct fc_resources *res, struct fc_device_cgroup **ret_rules,
                           size_t *ret_n, fc_error_t *err);

/* Access mask (BPF_DEVCG_ACC_*) of an access string; -1 if invalid. */
int fc_cgroup_device_access_mask(const char *access);

/* v1 text for one rule: "a" for an all-matching rule with all access,
 * else "c 1:3 rwm" ("*" for wildcards).  A type "a" rule that is not
 * all-matching yields two lines ("c ..." and "b ...") in ret[0], ret[1];
 * returns the number of lines (1 or 2) or < 0. */
int fc_cgroup_device_v1_lines(const struct fc_device_cgroup *r, char *ret[2], fc_error_t *err);

/* ---- cgroup-devices-v2.c: eBPF device program ---- */

/* Generate the BPF_PROG_TYPE_CGROUP_DEVICE program for `rules` (last
 * match wins, default deny).  *ret_insns is malloc'd. */
int fc_cgroup_devices_bpf_build(const struct fc_device_cgroup *rules, size_t n,
                                struct bpf_insn **ret_insns, size_t *ret_n, fc_error_t *err);

/* Load the program and attach it to the cgroup directory fd with
 * BPF_F_ALLOW_MULTI.  The program stays attached until the cgroup goes. */
int fc_cgroup_devices_bpf_attach(int cgroup_fd, const struct fc_device_cgroup *rules, size_t n,
                                 fc_error_t *err);

#endif
