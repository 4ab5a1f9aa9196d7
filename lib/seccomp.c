/* SPDX-License-Identifier: Apache-2.0
 *
 * linux.seccomp -> libseccomp filter.  Unknown syscall names are skipped
 * (profiles list syscalls of newer kernels than libseccomp knows, and runc
 * skips them); every other unknown name is an error naming the JSON path,
 * with runc's wording after it.
 */
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/seccomp.h"

struct fc_seccomp_filter {
        scmp_filter_ctx ctx;
        bool has_notify;
};

struct name_u32 {
        const char *name;
        uint32_t value;
};

static const struct name_u32 compare_ops[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE},
        {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE},
        {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
        {NULL, 0},
};

/* errnoRet applies to ERRNO and TRACE; both default to EPERM as in runc. */
static int parse_action(const char *name, bool has_ret, uint32_t ret_value, uint32_t *ret)
{
        uint32_t e = has_ret ? ret_value : EPERM;
        if (name == NULL)
                return -EINVAL;
        if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
                *ret = SCMP_ACT_KILL_THREAD;
        else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
                *ret = SCMP_ACT_KILL_PROCESS;
        else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
                *ret = SCMP_ACT_TRAP;
        else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
                *ret = SCMP_ACT_ERRNO(e);
        else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
                *ret = SCMP_ACT_TRACE(e);
        else if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
                *ret = SCMP_ACT_ALLOW;
        else if (strcmp(name, "SCMP_ACT_LOG") == 0)
                *ret = SCMP_ACT_LOG;
        else if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
                *ret = SCMP_ACT_NOTIFY;
        else
                return -EINVAL;
        return 0;
}

static int add_arches(scmp_filter_ctx ctx, const struct fc_seccomp *s, fc_error_t *err)
{
        for (size_t i = 0; i < s->n_architectures; i++) {
                const char *name = s->architectures[i];
                /* libseccomp knows "x86_64" for the spec's "SCMP_ARCH_X86_64". */
                char lower[32];
                uint32_t arch = 0;
                if (name && strncmp(name, "SCMP_ARCH_", 10) == 0 &&
                    strlen(name + 10) < sizeof(lower)) {
                        size_t j = 0;
                        for (const char *c = name + 10; *c; c++)
                                lower[j++] = (char) tolower((unsigned char) *c);
                        lower[j] = '\0';
                        arch = seccomp_arch_resolve_name(lower);
                }
                if (arch == 0)
                        return fc_error_set(err, -EINVAL,
                                            "linux.seccomp.architectures[%zu]: string %s is not a "
                                            "valid arch for seccomp",
                                            i, name ? name : "");
                int r = seccomp_arch_add(ctx, arch);
                /* -EEXIST: listed twice, or the native arch (already there). */
                if (r < 0 && r != -EEXIST)
                        return fc_error_setm(err, r, "linux.seccomp.architectures[%zu]: add %s", i,
                                             name);
        }
        return 0;
}

static int set_flags(scmp_filter_ctx ctx, const struct fc_seccomp *s, fc_error_t *err)
{
        /* libseccomp sets no_new_privs on load by default; the config's
         * noNewPrivileges decides that, not the filter. */
        int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return fc_error_setm(err, r, "seccomp: clear no_new_privs attribute");
        for (size_t i = 0; i < s->n_flags; i++) {
                const char *f = s->flags[i] ? s->flags[i] : "";
                enum scmp_filter_attr attr;
                if (strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
                        attr = SCMP_FLTATR_CTL_TSYNC;
                else if (strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0)
                        attr = SCMP_FLTATR_CTL_LOG;
                else if (strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
                        attr = SCMP_FLTATR_CTL_SSB;
#ifdef SCMP_FLTATR_CTL_WAITKILL
                else if (strcmp(f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
                        attr = SCMP_FLTATR_CTL_WAITKILL;
#else
                else if (strcmp(f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
                        return fc_error_set(err, -EOPNOTSUPP,
                                            "linux.seccomp.flags[%zu]: %s is not supported by "
                                            "this libseccomp",
                                            i, f);
#endif
                else
                        return fc_error_set(err, -EINVAL,
                                            "linux.seccomp.flags[%zu]: unknown seccomp flag \"%s\"",
                                            i, f);
                r = seccomp_attr_set(ctx, attr, 1);
                if (r < 0)
                        return fc_error_setm(err, r, "linux.seccomp.flags[%zu]: set %s", i, f);
        }
        return 0;
}

static int build_conditions(const struct fc_seccomp_syscall *sc, size_t idx,
                            struct scmp_arg_cmp *conds, bool *ret_same_index, fc_error_t *err)
{
        unsigned seen = 0;
        *ret_same_index = false;
        for (size_t j = 0; j < sc->n_args; j++) {
                const struct fc_seccomp_arg *a = &sc->args[j];
                if (a->index > 5)
                        return fc_error_set(err, -EINVAL,
                                            "linux.seccomp.syscalls[%zu].args[%zu].index: syscalls "
                                            "only have up to 6 arguments (%u given)",
                                            idx, j, a->index);
                const struct name_u32 *op = compare_ops;
                while (op->name && (a->op == NULL || strcmp(op->name, a->op) != 0))
                        op++;
                if (op->name == NULL)
                        return fc_error_set(err, -EINVAL,
                                            "linux.seccomp.syscalls[%zu].args[%zu].op: string %s "
                                            "is not a valid operator for seccomp",
                                            idx, j, a->op ? a->op : "");
                if (seen & (1u << a->index))
                        *ret_same_index = true;
                seen |= 1u << a->index;
                conds[j] = (struct scmp_arg_cmp){
                        .arg = a->index,
                        .op = (enum scmp_compare) op->value,
                        .datum_a = a->value,
                        .datum_b = a->value_two,
                };
        }
        return 0;
}

/* Conditions on distinct arguments are one rule (all must hold).  When an
 * argument index repeats (e.g. two allowed values of the same flag word),
 * ANDing would never match, so each condition becomes its own rule, which
 * is how runc reads such profiles. */
static int add_syscall_rules(scmp_filter_ctx ctx, uint32_t default_action,
                             const struct fc_seccomp_syscall *sc, size_t idx, bool *has_notify,
                             fc_error_t *err)
{
        uint32_t action;
        if (parse_action(sc->action, sc->has_errno_ret, sc->errno_ret, &action) < 0)
                return fc_error_set(err, -EINVAL,
                                    "linux.seccomp.syscalls[%zu].action: string %s is not a valid "
                                    "action for seccomp",
                                    idx, sc->action ? sc->action : "");
        if (sc->n_args > 6 * 8)
                return fc_error_set(err, -EINVAL, "linux.seccomp.syscalls[%zu].args: too many",
                                    idx);
        struct scmp_arg_cmp conds[6 * 8];
        bool same_index;
        if (build_conditions(sc, idx, conds, &same_index, err) < 0)
                return err->status;
        /* libseccomp refuses rules that repeat the default action. */
        if (action == default_action)
                return 0;

        for (size_t k = 0; k < sc->n_names; k++) {
                const char *name = sc->names[k];
                if (name == NULL)
                        continue;
                int nr = seccomp_syscall_resolve_name(name);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                if (action == SCMP_ACT_NOTIFY) {
                        /* The init writes to its sync socket after loading
                         * the filter; a notified write() would deadlock. */
                        if (strcmp(name, "write") == 0)
                                return fc_error_set(err, -EINVAL,
                                                    "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY "
                                                    "cannot be used for the write syscall",
                                                    idx);
                        *has_notify = true;
                }
                int r;
                if (!same_index) {
                        r = seccomp_rule_add_array(ctx, action, nr, (unsigned) sc->n_args, conds);
                } else {
                        r = 0;
                        for (size_t j = 0; j < sc->n_args && r == 0; j++)
                                r = seccomp_rule_add_array(ctx, action, nr, 1, &conds[j]);
                }
                if (r < 0)
                        return fc_error_setm(err, r, "linux.seccomp.syscalls[%zu]: add rule for %s",
                                             idx, name);
        }
        return 0;
}

struct fc_seccomp_filter *fc_seccomp_build(const struct fc_seccomp *s, fc_error_t *err)
{
        uint32_t def;
        if (parse_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret, &def) <
            0) {
                fc_error_set(err, -EINVAL,
                             "linux.seccomp.defaultAction: string %s is not a valid action for "
                             "seccomp",
                             s->default_action ? s->default_action : "");
                return NULL;
        }
        if (def == SCMP_ACT_NOTIFY) {
                fc_error_set(err, -EINVAL,
                             "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as "
                             "default action");
                return NULL;
        }
        struct fc_seccomp_filter *f = calloc(1, sizeof(*f));
        if (f == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        f->ctx = seccomp_init(def);
        if (f->ctx == NULL) {
                fc_error_set(err, -EINVAL, "seccomp_init failed");
                goto fail;
        }
        if (add_arches(f->ctx, s, err) < 0 || set_flags(f->ctx, s, err) < 0)
                goto fail;
        for (size_t i = 0; i < s->n_syscalls; i++) {
                if (add_syscall_rules(f->ctx, def, &s->syscalls[i], i, &f->has_notify, err) < 0)
                        goto fail;
        }
        /* The runtime passes the listener fd to this socket; without it
         * notified syscalls would hang forever (runc refuses too). */
        if (f->has_notify && (s->listener_path == NULL || s->listener_path[0] == '\0')) {
                fc_error_set(err, -EINVAL, "linux.seccomp.listenerPath is not set");
                goto fail;
        }
        return f;
fail:
        fc_seccomp_free(f);
        return NULL;
}

int fc_seccomp_load(struct fc_seccomp_filter *f, int *ret_notify_fd, fc_error_t *err)
{
        if (ret_notify_fd)
                *ret_notify_fd = -1;
        int r = seccomp_load(f->ctx);
        if (r < 0)
                return fc_error_setm(err, r, "load seccomp filter");
        if (f->has_notify) {
                /* The kernel creates the listener O_CLOEXEC. */
                int fd = seccomp_notify_fd(f->ctx);
                if (fd < 0)
                        return fc_error_setm(err, fd, "get seccomp listener fd");
                if (ret_notify_fd)
                        *ret_notify_fd = fd;
        }
        return 0;
}

void fc_seccomp_free(struct fc_seccomp_filter *f)
{
        if (f == NULL)
                return;
        if (f->ctx)
                seccomp_release(f->ctx);
        free(f);
}
