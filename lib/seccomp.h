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

#include <stdbool.h>

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

/* Where compiled filters are kept (created 0700; refused unless owned by
 * us and not group/world-writable). */
#define FC_SECCOMP_CACHE_DIR "/run/flashcube/seccomp-cache"

/* fc_seccomp_build() with a cache of compiled BPF keyed by the profile's
 * content (plus libseccomp version and native arch) in `cache_dir` (NULL:
 * FC_SECCOMP_CACHE_DIR).  A hit skips libseccomp entirely and the filter
 * is then loaded with seccomp(2); a miss builds and stores.  Problems with
 * the cache are never errors, only misses.  Call it where cache_dir is
 * reachable, i.e. before pivot_root; errors are those of fc_seccomp_build()
 * (a hit implies the same profile built without error before). */
struct fc_seccomp_filter *fc_seccomp_build_cached(const struct fc_seccomp *s, const char *cache_dir,
                                                  fc_error_t *err);

/* Whether `f` was loaded from the cache (tests, debug output). */
bool fc_seccomp_from_cache(const struct fc_seccomp_filter *f);

#endif
