/* SPDX-License-Identifier: Apache-2.0
 *
 * The device rule list applied on both cgroup versions: the container's
 * linux.resources.devices followed by the devices runc always allows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/cleanup.h"

/* runc 1.1 appends these after the container's rules; this order is the
 * order devices.list shows for a runc container on a v1 host, which we
 * reproduce exactly. */
static const struct {
        const char *type;
        int64_t major, minor; /* -1: wildcard */
        const char *access;
} default_allow[] = {
        {"b", -1, -1, "m"},    /* mknod of any block device */
        {"c", -1, -1, "m"},    /* mknod of any char device */
        {"c", 1, 3, "rwm"},    /* /dev/null */
        {"c", 1, 5, "rwm"},    /* /dev/zero */
        {"c", 1, 7, "rwm"},    /* /dev/full */
        {"c", 1, 8, "rwm"},    /* /dev/random */
        {"c", 1, 9, "rwm"},    /* /dev/urandom */
        {"c", 5, 0, "rwm"},    /* /dev/tty */
        {"c", 5, 2, "rwm"},    /* /dev/ptmx */
        {"c", 10, 200, "rwm"}, /* /dev/net/tun */
        {"c", 136, -1, "rwm"}, /* /dev/pts/N */
};

int fc_cgroup_device_access_mask(const char *access)
{
        int mask = 0;
        if (access == NULL)
                return BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
        for (const char *p = access; *p; p++) {
                switch (*p) {
                case 'r':
                        mask |= BPF_DEVCG_ACC_READ;
                        break;
                case 'w':
                        mask |= BPF_DEVCG_ACC_WRITE;
                        break;
                case 'm':
                        mask |= BPF_DEVCG_ACC_MKNOD;
                        break;
                default:
                        return -1;
                }
        }
        return mask;
}

static int validate_rule(const struct fc_device_cgroup *r, size_t i, fc_error_t *err)
{
        if (r->type != NULL && strcmp(r->type, "a") != 0 && strcmp(r->type, "c") != 0 &&
            strcmp(r->type, "b") != 0)
                return fc_error_set(err, -EINVAL,
                                    "linux.resources.devices[%zu].type: invalid device type \"%s\"",
                                    i, r->type);
        if (fc_cgroup_device_access_mask(r->access) < 0)
                return fc_error_set(err, -EINVAL,
                                    "linux.resources.devices[%zu].access: invalid access \"%s\"", i,
                                    r->access);
        if ((r->has_major && (r->major < 0 || r->major > UINT32_MAX)) ||
            (r->has_minor && (r->minor < 0 || r->minor > UINT32_MAX)))
                return fc_error_set(err, -EINVAL,
                                    "linux.resources.devices[%zu]: major/minor out of range", i);
        return 0;
}

int fc_cgroup_device_rules(const struct fc_resources *res, struct fc_device_cgroup **ret_rules,
                           size_t *ret_n, fc_error_t *err)
{
        size_t n_user = res ? res->n_devices : 0;
        size_t n_def = sizeof(default_allow) / sizeof(default_allow[0]);
        struct fc_device_cgroup *rules = calloc(n_user + n_def, sizeof(*rules));
        if (rules == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n_user; i++) {
                if (validate_rule(&res->devices[i], i, err) < 0) {
                        free(rules);
                        return err->status;
                }
                rules[i] = res->devices[i];
                if (!rules[i].has_major)
                        rules[i].major = -1;
                if (!rules[i].has_minor)
                        rules[i].minor = -1;
        }
        for (size_t i = 0; i < n_def; i++) {
                struct fc_device_cgroup *r = &rules[n_user + i];
                r->allow = true;
                /* The strings are static; the struct's `char *` is only read. */
                r->type = (char *) default_allow[i].type;
                r->access = (char *) default_allow[i].access;
                r->has_major = default_allow[i].major >= 0;
                r->has_minor = default_allow[i].minor >= 0;
                r->major = default_allow[i].major;
                r->minor = default_allow[i].minor;
        }
        *ret_rules = rules;
        *ret_n = n_user + n_def;
        return 0;
}

static void fmt_num(char *buf, size_t len, bool has, int64_t v)
{
        if (has)
                snprintf(buf, len, "%lld", (long long) v);
        else
                snprintf(buf, len, "*");
}

int fc_cgroup_device_v1_lines(const struct fc_device_cgroup *r, char *ret[2], fc_error_t *err)
{
        const char *type = r->type ? r->type : "a";
        const char *access = r->access ? r->access : "rwm";
        int mask = fc_cgroup_device_access_mask(access);
        const int all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
        ret[0] = ret[1] = NULL;
        if (mask < 0)
                return fc_error_set(err, -EINVAL, "invalid device access \"%s\"", access);
        if (strcmp(type, "a") == 0 && !r->has_major && !r->has_minor && mask == all) {
                /* The kernel reads "a" as "reset to allow/deny everything". */
                ret[0] = strdup("a");
                if (ret[0] == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                return 1;
        }
        char maj[24], min[24];
        fmt_num(maj, sizeof(maj), r->has_major, r->major);
        fmt_num(min, sizeof(min), r->has_minor, r->minor);
        /* A partial "a" rule would be taken by the kernel as the whole
         * "a" reset, so spell it out as its char and block halves. */
        const char *types[2] = {type, NULL};
        if (strcmp(type, "a") == 0) {
                types[0] = "c";
                types[1] = "b";
        }
        int n = 0;
        for (int i = 0; i < 2 && types[i]; i++) {
                if (asprintf(&ret[i], "%s %s:%s %s", types[i], maj, min, access) < 0) {
                        free(ret[0]);
                        ret[0] = NULL;
                        return fc_error_set(err, -ENOMEM, "out of memory");
                }
                n++;
        }
        return n;
}
