/* SPDX-License-Identifier: Apache-2.0
 *
 * Plain C model of the OCI runtime-spec 1.2 config.json (Linux parts).
 *
 * Conventions (STYLE.md §6): arrays are pointer + length (`x` + `n_x`), an
 * absent string or object is NULL, an optional scalar has a `has_x` flag.
 * Arrays of strings are also NULL-terminated (args/env go to execve as is).
 * JSON null is treated as absent, and with a repeated key the last one
 * wins, as in runc (Go's encoding/json).
 * Everything is owned by the enclosing struct and released by
 * fc_config_free().  No yajl type leaks out of oci-spec/.
 */
#ifndef FC_OCI_CONFIG_H
#define FC_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-spec/error.h"

struct fc_kv {
        char *key;
        char *value;
};

struct fc_id_mapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

struct fc_mount {
        char *destination;
        char *source; /* NULL when absent */
        char *type;   /* NULL when absent */
        char **options;
        size_t n_options;
        struct fc_id_mapping *uid_mappings;
        size_t n_uid_mappings;
        struct fc_id_mapping *gid_mappings;
        size_t n_gid_mappings;
};

struct fc_rlimit {
        char *type;   /* "RLIMIT_NOFILE" */
        int resource; /* RLIMIT_* value resolved at parse time */
        uint64_t hard;
        uint64_t soft;
};

struct fc_user {
        uint32_t uid;
        uint32_t gid;
        bool has_umask;
        uint32_t umask;
        uint32_t *additional_gids;
        size_t n_additional_gids;
        char *username; /* Windows only; parsed, ignored */
};

struct fc_capabilities {
        /* Each set is NULL when absent (which differs from an empty list). */
        char **bounding;
        size_t n_bounding;
        char **effective;
        size_t n_effective;
        char **inheritable;
        size_t n_inheritable;
        char **permitted;
        size_t n_permitted;
        char **ambient;
        size_t n_ambient;
        bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
};

struct fc_io_priority {
        char *klass; /* "IOPRIO_CLASS_RT" | "IOPRIO_CLASS_BE" | "IOPRIO_CLASS_IDLE" */
        int priority;
};

struct fc_scheduler {
        char *policy; /* "SCHED_OTHER", ... */
        bool has_nice;
        int32_t nice;
        bool has_priority;
        int32_t priority;
        char **flags;
        size_t n_flags;
        bool has_runtime, has_deadline, has_period;
        uint64_t runtime, deadline, period;
};

struct fc_exec_cpu_affinity {
        char *initial; /* NULL when absent */
        char *final;   /* NULL when absent */
};

struct fc_console_size {
        uint32_t height;
        uint32_t width;
};

struct fc_process {
        bool terminal;
        bool has_console_size;
        struct fc_console_size console_size;
        struct fc_user user;
        char **args;
        size_t n_args;
        char *command_line; /* Windows only */
        char **env;
        size_t n_env;
        char *cwd;
        struct fc_capabilities *capabilities; /* NULL when absent */
        struct fc_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        char *apparmor_profile;
        char *selinux_label;
        bool has_oom_score_adj;
        int oom_score_adj;
        struct fc_io_priority *io_priority;
        struct fc_scheduler *scheduler;
        struct fc_exec_cpu_affinity *exec_cpu_affinity;
};

struct fc_hook {
        char *path;
        char **args;
        size_t n_args;
        char **env;
        size_t n_env;
        bool has_timeout;
        int timeout; /* seconds, > 0 */
};

enum fc_hook_kind {
        FC_HOOK_PRESTART,
        FC_HOOK_CREATE_RUNTIME,
        FC_HOOK_CREATE_CONTAINER,
        FC_HOOK_START_CONTAINER,
        FC_HOOK_POSTSTART,
        FC_HOOK_POSTSTOP,
        FC_HOOK__MAX,
};

struct fc_hooks {
        struct fc_hook *hooks[FC_HOOK__MAX];
        size_t n_hooks[FC_HOOK__MAX];
};

enum fc_ns_type {
        FC_NS_PID,
        FC_NS_NETWORK,
        FC_NS_MOUNT,
        FC_NS_IPC,
        FC_NS_UTS,
        FC_NS_USER,
        FC_NS_CGROUP,
        FC_NS_TIME,
        FC_NS__MAX,
};

struct fc_namespace {
        enum fc_ns_type type;
        char *path; /* NULL: create a new one */
};

struct fc_time_offset {
        char *clock; /* "monotonic" | "boottime" */
        int64_t secs;
        uint32_t nanosecs;
};

struct fc_device {
        char *type; /* "c", "b", "u", "p" */
        char *path;
        int64_t major, minor;
        bool has_file_mode;
        uint32_t file_mode;
        bool has_uid, has_gid;
        uint32_t uid, gid;
};

struct fc_device_cgroup {
        bool allow;
        char *type; /* NULL: "a" */
        bool has_major, has_minor;
        int64_t major, minor; /* -1 wildcard when has_ false */
        char *access;         /* NULL: "rwm" */
};

struct fc_memory {
        bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness,
                has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
        int64_t limit, reservation, swap, kernel, kernel_tcp;
        uint64_t swappiness;
        bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct fc_cpu {
        bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
                has_realtime_period, has_idle;
        uint64_t shares, period, realtime_period, burst;
        int64_t quota, realtime_runtime, idle;
        char *cpus;
        char *mems;
};

struct fc_weight_device {
        int64_t major, minor;
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
};

struct fc_throttle_device {
        int64_t major, minor;
        uint64_t rate;
};

struct fc_blkio {
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
        struct fc_weight_device *weight_device;
        size_t n_weight_device;
        struct fc_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
                *throttle_write_iops;
        size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
                n_throttle_write_iops;
};

struct fc_hugepage_limit {
        char *page_size; /* "2MB" */
        uint64_t limit;
};

struct fc_net_priority {
        char *name;
        uint32_t priority;
};

struct fc_network_resources {
        bool has_class_id;
        uint32_t class_id;
        struct fc_net_priority *priorities;
        size_t n_priorities;
};

struct fc_rdma {
        char *device;
        bool has_hca_handles, has_hca_objects;
        uint32_t hca_handles, hca_objects;
};

struct fc_resources {
        struct fc_device_cgroup *devices;
        size_t n_devices;
        struct fc_memory *memory;
        struct fc_cpu *cpu;
        bool has_pids_limit;
        int64_t pids_limit;
        struct fc_blkio *block_io;
        struct fc_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;
        struct fc_network_resources *network;
        struct fc_rdma *rdma;
        size_t n_rdma;
        struct fc_kv *unified;
        size_t n_unified;
};

struct fc_seccomp_arg {
        uint32_t index;
        uint64_t value;
        uint64_t value_two;
        char *op; /* "SCMP_CMP_EQ", ... */
};

struct fc_seccomp_syscall {
        char **names;
        size_t n_names;
        char *action;
        bool has_errno_ret;
        uint32_t errno_ret;
        struct fc_seccomp_arg *args;
        size_t n_args;
};

struct fc_seccomp {
        char *default_action;
        bool has_default_errno_ret;
        uint32_t default_errno_ret;
        char **architectures;
        size_t n_architectures;
        char **flags;
        size_t n_flags;
        char *listener_path;
        char *listener_metadata;
        struct fc_seccomp_syscall *syscalls;
        size_t n_syscalls;
};

struct fc_personality {
        char *domain; /* "LINUX" | "LINUX32" */
        char **flags;
        size_t n_flags;
};

struct fc_intel_rdt {
        char *clos_id;
        char *l3_cache_schema;
        char *mem_bw_schema;
        bool has_enable_cmt, has_enable_mbm;
        bool enable_cmt, enable_mbm;
};

struct fc_linux {
        struct fc_namespace *namespaces;
        size_t n_namespaces;
        struct fc_id_mapping *uid_mappings;
        size_t n_uid_mappings;
        struct fc_id_mapping *gid_mappings;
        size_t n_gid_mappings;
        struct fc_time_offset *time_offsets;
        size_t n_time_offsets;
        struct fc_device *devices;
        size_t n_devices;
        char *cgroups_path;
        struct fc_resources *resources;
        char *rootfs_propagation;
        struct fc_seccomp *seccomp;
        struct fc_kv *sysctl;
        size_t n_sysctl;
        char **masked_paths;
        size_t n_masked_paths;
        bool has_masked_paths; /* absent differs from [] for runc's defaults */
        char **readonly_paths;
        size_t n_readonly_paths;
        bool has_readonly_paths;
        char *mount_label;
        struct fc_personality *personality;
        struct fc_intel_rdt *intel_rdt;
};

struct fc_root {
        char *path;
        bool readonly;
};

struct fc_config {
        char *oci_version;
        struct fc_root *root; /* NULL when absent */
        struct fc_mount *mounts;
        size_t n_mounts;
        struct fc_process *process; /* NULL when absent */
        char *hostname;
        char *domainname;
        struct fc_hooks *hooks; /* NULL when absent */
        struct fc_kv *annotations;
        size_t n_annotations;
        struct fc_linux *linux_; /* `linux` is a predefined macro with GNU C */
};

/* Parse config.json text.  Returns NULL and fills *err (status -EINVAL, a
 * message naming the JSON path) on any syntax, type or value error.  The
 * result must be released with fc_config_free(). */
struct fc_config *fc_config_parse(const char *json, size_t len, fc_error_t *err);

/* Read and parse a file.  Refuses anything but a regular file (a FIFO or
 * /dev/zero as config.json must not hang or exhaust memory). */
struct fc_config *fc_config_load(const char *path, fc_error_t *err);

void fc_config_free(struct fc_config *c);

static inline void fc_config_freep(struct fc_config **c)
{
        fc_config_free(*c);
}
#define cleanup_config __attribute__((cleanup(fc_config_freep)))

/* `exec --process process.json`: the same rules as config.json's `process`
 * (errors name paths relative to the process object, e.g. "cwd: ...").
 * Release with fc_process_free(), which accepts NULL. */
struct fc_process *fc_process_parse(const char *json, size_t len, fc_error_t *err);
void fc_process_free(struct fc_process *p);

/* Read a whole JSON file the way fc_config_load() does (regular files only,
 * at most 64 MiB).  Returns malloc'd NUL-terminated text and its length. */
char *fc_json_read_file(const char *path, size_t *ret_len, fc_error_t *err);

/* Name <-> value tables used by the parser and by lib/. */
const char *fc_ns_type_name(enum fc_ns_type t);     /* "pid", "network", ... */
int fc_ns_type_from_name(const char *name);         /* -1 if unknown */
const char *fc_hook_kind_name(enum fc_hook_kind k); /* "createRuntime", ... */
int fc_rlimit_from_name(const char *name);          /* RLIMIT_* or -1 */

/* The namespace entry of the given type, or NULL if the config does not
 * list it (meaning: share the runtime's). */
const struct fc_namespace *fc_config_namespace(const struct fc_config *c, enum fc_ns_type t);

#endif
