/* SPDX-License-Identifier: Apache-2.0
 *
 * The C library's malloc family, served by lib/heap.c.  Linked into the
 * flashcube binary only when it is built statically against musl
 * (configure: FC_OWN_MALLOC); see lib/heap.h for why.  musl keeps its own
 * internal allocations (atexit, locales, posix_spawn file actions) apart,
 * so replacing these is supported there.
 */
#include "lib/heap.h"

#include <errno.h>
#include <stdlib.h>

void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
void *aligned_alloc(size_t alignment, size_t size);
int posix_memalign(void **out, size_t alignment, size_t size);
void *memalign(size_t alignment, size_t size);
size_t malloc_usable_size(void *ptr);

void *malloc(size_t size)
{
        return fc_heap_malloc(size);
}

void *calloc(size_t count, size_t size)
{
        return fc_heap_calloc(count, size);
}

void *realloc(void *ptr, size_t size)
{
        return fc_heap_realloc(ptr, size);
}

void free(void *ptr)
{
        fc_heap_free(ptr);
}

void *aligned_alloc(size_t alignment, size_t size)
{
        return fc_heap_aligned_alloc(alignment, size);
}

void *memalign(size_t alignment, size_t size)
{
        return fc_heap_aligned_alloc(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
        if (alignment < sizeof(void *))
                return EINVAL;
        int saved = errno;
        void *p = fc_heap_aligned_alloc(alignment, size);
        int rc = p == NULL ? errno : 0;
        errno = saved;
        if (p != NULL)
                *out = p;
        return rc;
}

size_t malloc_usable_size(void *ptr)
{
        return fc_heap_usable_size(ptr);
}
