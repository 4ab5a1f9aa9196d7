/* SPDX-License-Identifier: Apache-2.0
 *
 * Scope-bound release helpers (STYLE.md §3).  Destructors accept NULL/-1.
 * Ownership moves are explicit with steal_fd()/steal_ptr() so they can be
 * grepped.
 */
#ifndef FC_CLEANUP_H
#define FC_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void fc_freep(void *p)
{
        free(*(void **) p);
}

static inline void fc_closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void fc_fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

static inline void fc_closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

static inline void fc_strv_free(char **v)
{
        if (v == NULL)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static inline void fc_strv_freep(char ***v)
{
        fc_strv_free(*v);
}

#define cleanup_free     __attribute__((cleanup(fc_freep)))
#define cleanup_close    __attribute__((cleanup(fc_closep)))
#define cleanup_fclose   __attribute__((cleanup(fc_fclosep)))
#define cleanup_closedir __attribute__((cleanup(fc_closedirp)))
#define cleanup_strv     __attribute__((cleanup(fc_strv_freep)))

static inline int steal_fd(int *fd)
{
        int r = *fd;
        *fd = -1;
        return r;
}

#define steal_ptr(pp)                                                                              \
        ({                                                                                         \
                __typeof__(*(pp)) _p = *(pp);                                                      \
                *(pp) = NULL;                                                                      \
                _p;                                                                                \
        })

#endif
