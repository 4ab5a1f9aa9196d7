/* SPDX-License-Identifier: Apache-2.0
 *
 * The container's /dev: runc's default nodes, linux.devices, the /dev/ptmx
 * and /proc/self/fd symlinks.  Runs in the init before pivot_root; paths
 * are resolved inside the rootfs with fc_rootfs_open_target().
 */
#ifndef FC_DEVICES_H
#define FC_DEVICES_H

#include <stdbool.h>

#include "lib/error.h"
#include "oci-spec/config.h"

/* Create the nodes in `rootfs`: with `defaults`, runc's six default devices
 * (null, zero, full, random, urandom, tty), the fd/stdio/core symlinks and
 * /dev/ptmx -> pts/ptmx; then every linux.devices entry.  mknod(2) is
 * replaced by a bind mount of the host's node when `bind` (a new user
 * namespace) or when mknod fails with EPERM, as runc does.  An existing
 * node is left alone.  Stops at the first failure, with *err naming the
 * device. */
int fc_devices_setup(const char *rootfs, const struct fc_config *cfg, bool defaults, bool bind,
                     fc_error_t *err);

#endif
