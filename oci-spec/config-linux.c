/* SPDX-License-Identifier: Apache-2.0
 *
 * config.json's `linux` object: namespaces, id mappings, time offsets,
 * devices, resources, seccomp, paths, personality, intelRdt.
 */
#include "oci-spec/config.h"
#include "oci-spec/json.h"

#include <stdlib.h>
#include <string.h>

/* ---- free ---- */

static void resources_free(struct fc_resources *r)
{
        if (r == NULL)
                return;
        if (r->devices)
                for (size_t i = 0; i < r->n_devices; i++) {
                        free(r->devices[i].type);
                        free(r->devices[i].access);
                }
        free(r->devices);
        free(r->memory);
        if (r->cpu) {
                free(r->cpu->cpus);
                free(r->cpu->mems);
        }
        free(r->cpu);
        if (r->block_io) {
                free(r->block_io->weight_device);
                free(r->block_io->throttle_read_bps);
                free(r->block_io->throttle_write_bps);
                free(r->block_io->throttle_read_iops);
                free(r->block_io->throttle_write_iops);
        }
        free(r->block_io);
        if (r->hugepage_limits)
                for (size_t i = 0; i < r->n_hugepage_limits; i++)
                        free(r->hugepage_limits[i].page_size);
        free(r->hugepage_limits);
        if (r->network) {
                if (r->network->priorities)
                        for (size_t i = 0; i < r->network->n_priorities; i++)
                                free(r->network->priorities[i].name);
                free(r->network->priorities);
        }
        free(r->network);
        if (r->rdma)
                for (size_t i = 0; i < r->n_rdma; i++)
                        free(r->rdma[i].device);
        free(r->rdma);
        fc_kv_release(r->unified, r->n_unified);
        free(r);
}

static void seccomp_free(struct fc_seccomp *s)
{
        if (s == NULL)
                return;
        free(s->default_action);
        fc_strv_release(s->architectures, s->n_architectures);
        fc_strv_release(s->flags, s->n_flags);
        free(s->listener_path);
        free(s->listener_metadata);
        if (s->syscalls)
                for (size_t i = 0; i < s->n_syscalls; i++) {
                        struct fc_seccomp_syscall *sc = &s->syscalls[i];
                        fc_strv_release(sc->names, sc->n_names);
                        free(sc->action);
                        if (sc->args)
                                for (size_t j = 0; j < sc->n_args; j++)
                                        free(sc->args[j].op);
                        free(sc->args);
                }
        free(s->syscalls);
        free(s);
}

void fc_linux_free(struct fc_linux *l)
{
        if (l == NULL)
                return;
        if (l->namespaces)
                for (size_t i = 0; i < l->n_namespaces; i++)
                        free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        if (l->time_offsets)
                for (size_t i = 0; i < l->n_time_offsets; i++)
                        free(l->time_offsets[i].clock);
        free(l->time_offsets);
        if (l->devices)
                for (size_t i = 0; i < l->n_devices; i++) {
                        free(l->devices[i].type);
                        free(l->devices[i].path);
                }
        free(l->devices);
        free(l->cgroups_path);
        resources_free(l->resources);
        free(l->rootfs_propagation);
        seccomp_free(l->seccomp);
        fc_kv_release(l->sysctl, l->n_sysctl);
        fc_strv_release(l->masked_paths, l->n_masked_paths);
        fc_strv_release(l->readonly_paths, l->n_readonly_paths);
        free(l->mount_label);
        if (l->personality) {
                free(l->personality->domain);
                fc_strv_release(l->personality->flags, l->personality->n_flags);
        }
        free(l->personality);
        if (l->intel_rdt) {
                free(l->intel_rdt->clos_id);
                free(l->intel_rdt->l3_cache_schema);
                free(l->intel_rdt->mem_bw_schema);
        }
        free(l->intel_rdt);
        free(l);
}

/* ---- namespaces, time offsets, devices ---- */

static int namespace_elem(struct jp *p, yajl_val v, void *elem)
{
        struct fc_namespace *ns = elem;
        char *type = NULL;
        int r = j_str_req(p, v, "type", &type);
        if (r == 0) {
                int t = fc_ns_type_from_name(type);
                if (t < 0) {
                        size_t old = jp_key(p, "type");
                        r = jp_fail(p, "unknown namespace \"%s\"", type);
                        jp_pop(p, old);
                }
                ns->type = (enum fc_ns_type) t;
        }
        free(type);
        if (r == 0)
                r = j_str(p, v, "path", &ns->path);
        return r;
}

static int namespaces_parse(struct jp *p, yajl_val v, struct fc_linux *l)
{
        int r = j_objarr(p, v, "namespaces", sizeof(struct fc_namespace), (void **) &l->namespaces,
                         &l->n_namespaces, namespace_elem);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l->n_namespaces; i++)
                for (size_t j = 0; j < i; j++)
                        if (l->namespaces[i].type == l->namespaces[j].type) {
                                size_t old = jp_key(p, "namespaces");
                                jp_idx(p, i);
                                jp_key(p, "type");
                                r = jp_fail(p, "duplicate namespace \"%s\"",
                                            fc_ns_type_name(l->namespaces[i].type));
                                jp_pop(p, old);
                                return r;
                        }
        return 0;
}

static int time_offsets_parse(struct jp *p, yajl_val v, struct fc_linux *l)
{
        static const char *const clocks[] = {"monotonic", "boottime", NULL};
        yajl_val o = NULL;
        int r = j_obj(p, v, "timeOffsets", &o);
        if (r <= 0)
                return r;
        size_t n = o->u.object.len;
        l->time_offsets = calloc(n ? n : 1, sizeof(*l->time_offsets));
        if (l->time_offsets == NULL)
                return jp_nomem(p);
        size_t old = jp_key(p, "timeOffsets");
        r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                const char *clock = o->u.object.keys[i];
                yajl_val e = o->u.object.values[i];
                if (YAJL_IS_NULL(e))
                        continue;
                size_t o2 = jp_key(p, clock);
                struct fc_time_offset *t = NULL;
                for (size_t j = 0; j < l->n_time_offsets; j++)
                        if (strcmp(l->time_offsets[j].clock, clock) == 0)
                                t = &l->time_offsets[j];
                if (!fc_name_in(clock, clocks)) {
                        r = jp_fail(p, "unknown clock \"%s\"", clock);
                } else if (!YAJL_IS_OBJECT(e)) {
                        r = jp_fail(p, "expected an object");
                } else {
                        if (t == NULL) {
                                t = &l->time_offsets[l->n_time_offsets];
                                t->clock = strdup(clock);
                                if (t->clock == NULL)
                                        r = jp_nomem(p);
                                else
                                        l->n_time_offsets++;
                        }
                        if (r == 0)
                                r = j_i64(p, e, "secs", &t->secs, NULL);
                        if (r == 0)
                                r = j_u32(p, e, "nanosecs", &t->nanosecs, NULL);
                }
                jp_pop(p, o2);
        }
        jp_pop(p, old);
        return r;
}

static int absolute(struct jp *p, const char *key, const char *path)
{
        if (path == NULL || path[0] == '/')
                return 0;
        size_t old = jp_key(p, key);
        int r = jp_fail(p, "must be an absolute path, got \"%s\"", path);
        jp_pop(p, old);
        return r;
}

static int device_elem(struct jp *p, yajl_val v, void *elem)
{
        static const char *const types[] = {"c", "b", "u", "p", NULL};
        struct fc_device *d = elem;
        int r = j_str_req(p, v, "type", &d->type);
        if (r == 0)
                r = j_enum(p, "type", d->type, types, "device type");
        if (r == 0)
                r = j_str_req(p, v, "path", &d->path);
        if (r == 0)
                r = absolute(p, "path", d->path);
        if (r == 0)
                r = j_i64(p, v, "major", &d->major, NULL);
        if (r == 0)
                r = j_i64(p, v, "minor", &d->minor, NULL);
        if (r == 0)
                r = j_u32(p, v, "fileMode", &d->file_mode, &d->has_file_mode);
        if (r == 0)
                r = j_u32(p, v, "uid", &d->uid, &d->has_uid);
        if (r == 0)
                r = j_u32(p, v, "gid", &d->gid, &d->has_gid);
        return r;
}

/* ---- resources ---- */

static int dev_cgroup_elem(struct jp *p, yajl_val v, void *elem)
{
        static const char *const types[] = {"a", "c", "b", NULL};
        struct fc_device_cgroup *d = elem;
        d->major = d->minor = -1;
        int r = 0;
        if (j_get(v, "allow") == NULL) {
                size_t old = jp_key(p, "allow");
                r = jp_fail(p, "missing required field");
                jp_pop(p, old);
        }
        if (r == 0)
                r = j_bool(p, v, "allow", &d->allow, NULL);
        if (r == 0)
                r = j_str(p, v, "type", &d->type);
        if (r == 0)
                r = j_enum(p, "type", d->type, types, "device type");
        if (r == 0)
                r = j_i64(p, v, "major", &d->major, &d->has_major);
        if (r == 0)
                r = j_i64(p, v, "minor", &d->minor, &d->has_minor);
        if (r == 0)
                r = j_str(p, v, "access", &d->access);
        if (r == 0 && d->access && d->access[strspn(d->access, "rwm")] != '\0') {
                size_t old = jp_key(p, "access");
                r = jp_fail(p, "invalid access \"%s\" (want letters of \"rwm\")", d->access);
                jp_pop(p, old);
        }
        return r;
}

static int memory_parse(struct jp *p, yajl_val v, struct fc_memory *m)
{
        int r = j_i64(p, v, "limit", &m->limit, &m->has_limit);
        if (r == 0)
                r = j_i64(p, v, "reservation", &m->reservation, &m->has_reservation);
        if (r == 0)
                r = j_i64(p, v, "swap", &m->swap, &m->has_swap);
        if (r == 0)
                r = j_i64(p, v, "kernel", &m->kernel, &m->has_kernel);
        if (r == 0)
                r = j_i64(p, v, "kernelTCP", &m->kernel_tcp, &m->has_kernel_tcp);
        if (r == 0)
                r = j_u64(p, v, "swappiness", &m->swappiness, &m->has_swappiness);
        if (r == 0)
                r = j_bool(p, v, "disableOOMKiller", &m->disable_oom_killer,
                           &m->has_disable_oom_killer);
        if (r == 0)
                r = j_bool(p, v, "useHierarchy", &m->use_hierarchy, &m->has_use_hierarchy);
        if (r == 0)
                r = j_bool(p, v, "checkBeforeUpdate", &m->check_before_update,
                           &m->has_check_before_update);
        return r;
}

static int cpu_parse(struct jp *p, yajl_val v, struct fc_cpu *c)
{
        int r = j_u64(p, v, "shares", &c->shares, &c->has_shares);
        if (r == 0)
                r = j_i64(p, v, "quota", &c->quota, &c->has_quota);
        if (r == 0)
                r = j_u64(p, v, "burst", &c->burst, &c->has_burst);
        if (r == 0)
                r = j_u64(p, v, "period", &c->period, &c->has_period);
        if (r == 0)
                r = j_i64(p, v, "realtimeRuntime", &c->realtime_runtime, &c->has_realtime_runtime);
        if (r == 0)
                r = j_u64(p, v, "realtimePeriod", &c->realtime_period, &c->has_realtime_period);
        if (r == 0)
                r = j_str(p, v, "cpus", &c->cpus);
        if (r == 0)
                r = j_str(p, v, "mems", &c->mems);
        if (r == 0)
                r = j_i64(p, v, "idle", &c->idle, &c->has_idle);
        return r;
}

static int weight_dev_elem(struct jp *p, yajl_val v, void *elem)
{
        struct fc_weight_device *w = elem;
        int r = j_i64(p, v, "major", &w->major, NULL);
        if (r == 0)
                r = j_i64(p, v, "minor", &w->minor, NULL);
        if (r == 0)
                r = j_u16(p, v, "weight", &w->weight, &w->has_weight);
        if (r == 0)
                r = j_u16(p, v, "leafWeight", &w->leaf_weight, &w->has_leaf_weight);
        return r;
}

static int throttle_dev_elem(struct jp *p, yajl_val v, void *elem)
{
        struct fc_throttle_device *t = elem;
        int r = j_i64(p, v, "major", &t->major, NULL);
        if (r == 0)
                r = j_i64(p, v, "minor", &t->minor, NULL);
        if (r == 0)
                r = j_u64(p, v, "rate", &t->rate, NULL);
        return r;
}

static int blkio_parse(struct jp *p, yajl_val v, struct fc_blkio *b)
{
        int r = j_u16(p, v, "weight", &b->weight, &b->has_weight);
        if (r == 0)
                r = j_u16(p, v, "leafWeight", &b->leaf_weight, &b->has_leaf_weight);
        if (r == 0)
                r = j_objarr(p, v, "weightDevice", sizeof(*b->weight_device),
                             (void **) &b->weight_device, &b->n_weight_device, weight_dev_elem);
        const size_t ts = sizeof(struct fc_throttle_device);
        if (r == 0)
                r = j_objarr(p, v, "throttleReadBpsDevice", ts, (void **) &b->throttle_read_bps,
                             &b->n_throttle_read_bps, throttle_dev_elem);
        if (r == 0)
                r = j_objarr(p, v, "throttleWriteBpsDevice", ts, (void **) &b->throttle_write_bps,
                             &b->n_throttle_write_bps, throttle_dev_elem);
        if (r == 0)
                r = j_objarr(p, v, "throttleReadIOPSDevice", ts, (void **) &b->throttle_read_iops,
                             &b->n_throttle_read_iops, throttle_dev_elem);
        if (r == 0)
                r = j_objarr(p, v, "throttleWriteIOPSDevice", ts, (void **) &b->throttle_write_iops,
                             &b->n_throttle_write_iops, throttle_dev_elem);
        return r;
}

static int hugepage_elem(struct jp *p, yajl_val v, void *elem)
{
        struct fc_hugepage_limit *h = elem;
        int r = j_str_req(p, v, "pageSize", &h->page_size);
        if (r == 0)
                r = j_u64(p, v, "limit", &h->limit, NULL);
        return r;
}

static int net_prio_elem(struct jp *p, yajl_val v, void *elem)
{
        struct fc_net_priority *n = elem;
        int r = j_str_req(p, v, "name", &n->name);
        if (r == 0)
                r = j_u32(p, v, "priority", &n->priority, NULL);
        return r;
}

static int network_parse(struct jp *p, yajl_val v, struct fc_network_resources *n)
{
        int r = j_u32(p, v, "classID", &n->class_id, &n->has_class_id);
        if (r == 0)
                r = j_objarr(p, v, "priorities", sizeof(*n->priorities), (void **) &n->priorities,
                             &n->n_priorities, net_prio_elem);
        return r;
}

static int rdma_parse(struct jp *p, yajl_val v, struct fc_resources *res)
{
        yajl_val o = NULL;
        int r = j_obj(p, v, "rdma", &o);
        if (r <= 0)
                return r;
        size_t n = o->u.object.len;
        res->rdma = calloc(n ? n : 1, sizeof(*res->rdma));
        if (res->rdma == NULL)
                return jp_nomem(p);
        size_t old = jp_key(p, "rdma");
        r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                yajl_val e = o->u.object.values[i];
                if (YAJL_IS_NULL(e))
                        continue;
                size_t o2 = jp_key(p, o->u.object.keys[i]);
                struct fc_rdma *d = &res->rdma[res->n_rdma];
                if (!YAJL_IS_OBJECT(e)) {
                        r = jp_fail(p, "expected an object");
                } else if ((d->device = strdup(o->u.object.keys[i])) == NULL) {
                        r = jp_nomem(p);
                } else {
                        res->n_rdma++;
                        r = j_u32(p, e, "hcaHandles", &d->hca_handles, &d->has_hca_handles);
                        if (r == 0)
                                r = j_u32(p, e, "hcaObjects", &d->hca_objects, &d->has_hca_objects);
                }
                jp_pop(p, o2);
        }
        jp_pop(p, old);
        return r;
}

static int pids_parse(struct jp *p, yajl_val v, struct fc_resources *res)
{
        yajl_val o = NULL;
        int r = j_obj(p, v, "pids", &o);
        if (r <= 0)
                return r;
        size_t old = jp_key(p, "pids");
        r = j_i64(p, o, "limit", &res->pids_limit, &res->has_pids_limit);
        jp_pop(p, old);
        return r;
}

static int resources_parse(struct jp *p, yajl_val v, struct fc_resources *res)
{
        int r = j_objarr(p, v, "devices", sizeof(*res->devices), (void **) &res->devices,
                         &res->n_devices, dev_cgroup_elem);
        if (r == 0)
                r = J_SUBOBJ(p, v, "memory", res->memory, memory_parse);
        if (r == 0)
                r = J_SUBOBJ(p, v, "cpu", res->cpu, cpu_parse);
        if (r == 0)
                r = pids_parse(p, v, res);
        if (r == 0)
                r = J_SUBOBJ(p, v, "blockIO", res->block_io, blkio_parse);
        if (r == 0)
                r = j_objarr(p, v, "hugepageLimits", sizeof(*res->hugepage_limits),
                             (void **) &res->hugepage_limits, &res->n_hugepage_limits,
                             hugepage_elem);
        if (r == 0)
                r = J_SUBOBJ(p, v, "network", res->network, network_parse);
        if (r == 0)
                r = rdma_parse(p, v, res);
        if (r == 0)
                r = j_kv(p, v, "unified", &res->unified, &res->n_unified);
        return r;
}

/* ---- seccomp ---- */

static const char *const seccomp_actions[] = {
        "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
        "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
        "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
        "SCMP_ACT_NOTIFY",      NULL,
};

static const char *const seccomp_ops[] = {
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
        "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static const char *const seccomp_archs[] = {
        "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
        "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
};

static const char *const seccomp_flags[] = {
        "SECCOMP_FILTER_FLAG_TSYNC",
        "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_NEW_LISTENER",
        "SECCOMP_FILTER_FLAG_TSYNC_ESRCH",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
        NULL,
};

static int strv_enum(struct jp *p, const char *key, char **v, size_t n, const char *const *names,
                     const char *what)
{
        for (size_t i = 0; i < n; i++)
                if (!fc_name_in(v[i], names)) {
                        size_t old = jp_key(p, key);
                        jp_idx(p, i);
                        int r = jp_fail(p, "unknown %s \"%s\"", what, v[i]);
                        jp_pop(p, old);
                        return r;
                }
        return 0;
}

static int seccomp_arg_elem(struct jp *p, yajl_val v, void *elem)
{
        struct fc_seccomp_arg *a = elem;
        int r = 0;
        const char *const req[] = {"index", "value", "op", NULL};
        for (size_t i = 0; req[i] && r == 0; i++)
                if (j_get(v, req[i]) == NULL) {
                        size_t old = jp_key(p, req[i]);
                        r = jp_fail(p, "missing required field");
                        jp_pop(p, old);
                }
        if (r == 0)
                r = j_u32(p, v, "index", &a->index, NULL);
        if (r == 0)
                r = j_u64(p, v, "value", &a->value, NULL);
        if (r == 0)
                r = j_u64(p, v, "valueTwo", &a->value_two, NULL);
        if (r == 0)
                r = j_str(p, v, "op", &a->op);
        if (r == 0)
                r = j_enum(p, "op", a->op, seccomp_ops, "seccomp operator");
        return r;
}

static int seccomp_syscall_elem(struct jp *p, yajl_val v, void *elem)
{
        struct fc_seccomp_syscall *s = elem;
        int r = j_strv(p, v, "names", &s->names, &s->n_names, NULL);
        if (r == 0 && s->n_names == 0) {
                size_t old = jp_key(p, "names");
                r = jp_fail(p, "must be a non-empty array");
                jp_pop(p, old);
        }
        if (r == 0)
                r = j_str_req(p, v, "action", &s->action);
        if (r == 0)
                r = j_enum(p, "action", s->action, seccomp_actions, "seccomp action");
        if (r == 0)
                r = j_u32(p, v, "errnoRet", &s->errno_ret, &s->has_errno_ret);
        if (r == 0)
                r = j_objarr(p, v, "args", sizeof(*s->args), (void **) &s->args, &s->n_args,
                             seccomp_arg_elem);
        return r;
}

static int seccomp_parse(struct jp *p, yajl_val v, struct fc_seccomp *s)
{
        int r = j_str_req(p, v, "defaultAction", &s->default_action);
        if (r == 0)
                r = j_enum(p, "defaultAction", s->default_action, seccomp_actions,
                           "seccomp action");
        if (r == 0)
                r = j_u32(p, v, "defaultErrnoRet", &s->default_errno_ret,
                          &s->has_default_errno_ret);
        if (r == 0)
                r = j_strv(p, v, "architectures", &s->architectures, &s->n_architectures, NULL);
        if (r == 0)
                r = strv_enum(p, "architectures", s->architectures, s->n_architectures,
                              seccomp_archs, "seccomp architecture");
        if (r == 0)
                r = j_strv(p, v, "flags", &s->flags, &s->n_flags, NULL);
        if (r == 0)
                r = strv_enum(p, "flags", s->flags, s->n_flags, seccomp_flags, "seccomp flag");
        if (r == 0)
                r = j_str(p, v, "listenerPath", &s->listener_path);
        if (r == 0)
                r = j_str(p, v, "listenerMetadata", &s->listener_metadata);
        if (r == 0)
                r = j_objarr(p, v, "syscalls", sizeof(*s->syscalls), (void **) &s->syscalls,
                             &s->n_syscalls, seccomp_syscall_elem);
        return r;
}

/* ---- the rest ---- */

static int personality_parse(struct jp *p, yajl_val v, struct fc_personality *pers)
{
        static const char *const domains[] = {"LINUX", "LINUX32", NULL};
        int r = j_str_req(p, v, "domain", &pers->domain);
        if (r == 0)
                r = j_enum(p, "domain", pers->domain, domains, "personality domain");
        if (r == 0)
                r = j_strv(p, v, "flags", &pers->flags, &pers->n_flags, NULL);
        return r;
}

static int intel_rdt_parse(struct jp *p, yajl_val v, struct fc_intel_rdt *rdt)
{
        int r = j_str(p, v, "closID", &rdt->clos_id);
        if (r == 0)
                r = j_str(p, v, "l3CacheSchema", &rdt->l3_cache_schema);
        if (r == 0)
                r = j_str(p, v, "memBwSchema", &rdt->mem_bw_schema);
        if (r == 0)
                r = j_bool(p, v, "enableCMT", &rdt->enable_cmt, &rdt->has_enable_cmt);
        if (r == 0)
                r = j_bool(p, v, "enableMBM", &rdt->enable_mbm, &rdt->has_enable_mbm);
        return r;
}

static int linux_parse(struct jp *p, yajl_val v, struct fc_linux *l)
{
        /* The values runc accepts; "" means "leave it to the runtime". */
        static const char *const propagations[] = {
                "",       "private", "rprivate",   "slave",       "rslave",
                "shared", "rshared", "unbindable", "runbindable", NULL};
        int r = namespaces_parse(p, v, l);
        if (r == 0)
                r = j_idmaps(p, v, "uidMappings", &l->uid_mappings, &l->n_uid_mappings);
        if (r == 0)
                r = j_idmaps(p, v, "gidMappings", &l->gid_mappings, &l->n_gid_mappings);
        if (r == 0)
                r = time_offsets_parse(p, v, l);
        if (r == 0)
                r = j_objarr(p, v, "devices", sizeof(*l->devices), (void **) &l->devices,
                             &l->n_devices, device_elem);
        if (r == 0)
                r = j_str(p, v, "cgroupsPath", &l->cgroups_path);
        if (r == 0)
                r = J_SUBOBJ(p, v, "resources", l->resources, resources_parse);
        if (r == 0)
                r = j_str(p, v, "rootfsPropagation", &l->rootfs_propagation);
        if (r == 0)
                r = j_enum(p, "rootfsPropagation", l->rootfs_propagation, propagations,
                           "rootfs propagation");
        if (r == 0)
                r = J_SUBOBJ(p, v, "seccomp", l->seccomp, seccomp_parse);
        if (r == 0)
                r = j_kv(p, v, "sysctl", &l->sysctl, &l->n_sysctl);
        if (r == 0)
                r = j_strv(p, v, "maskedPaths", &l->masked_paths, &l->n_masked_paths,
                           &l->has_masked_paths);
        if (r == 0)
                r = j_strv(p, v, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths,
                           &l->has_readonly_paths);
        if (r == 0)
                r = j_str(p, v, "mountLabel", &l->mount_label);
        if (r == 0)
                r = J_SUBOBJ(p, v, "personality", l->personality, personality_parse);
        if (r == 0)
                r = J_SUBOBJ(p, v, "intelRdt", l->intel_rdt, intel_rdt_parse);
        return r;
}

int fc_linux_parse(struct jp *p, yajl_val v, struct fc_linux **ret)
{
        struct fc_linux *l = calloc(1, sizeof(*l));
        if (l == NULL)
                return jp_nomem(p);
        *ret = l;
        return linux_parse(p, v, l);
}

/* `update --resources`: the same rules as config.json's linux.resources,
 * for oci-spec/resources.c. */
int fc_linux_resources_parse(struct jp *p, yajl_val v, struct fc_resources *res)
{
        return resources_parse(p, v, res);
}

void fc_linux_resources_free(struct fc_resources *r)
{
        resources_free(r);
}
