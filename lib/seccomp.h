/* SPDX-License-Identifier: Apache-2.0
 *
 * linux.seccomp compiled with libseccomp.  Building (name resolution,
 * argument conditions) happens before privileges are dropped; loading is
 * the last step before execve() (or before dropping capabilities when
 * noNewPrivileges is false, as runc does, since loading then needs
 * CAP_SYS_ADMIN).  Nothing here prints or exits.
 */
#ifndef FC_SECCOMP_H
#define FC_SECCOMP_H

#include "lib/error.h"
#include "oci-spec/config.h"

struct fc_seccomp_filter;

/* Build the filter; syscall names unknown to libseccomp are skipped, as
 * runc skips them.  An unknown action, operator, architecture or flag is
 * an error naming the JSON path.  `s` must not be NULL. */
struct fc_seccomp_filter *fc_seccomp_build(const struct fc_seccomp *s, fc_error_t *err);

/* Load into the calling thread (TSYNC etc. per flags).  If the profile has
 * a SCMP_ACT_NOTIFY rule, *ret_notify_fd receives the listener fd (else -1). */
int fc_seccomp_load(struct fc_seccomp_filter *f, int *ret_notify_fd, fc_error_t *err);

void fc_seccomp_free(struct fc_seccomp_filter *f);

#endif
