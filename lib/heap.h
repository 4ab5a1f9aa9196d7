/* SPDX-License-Identifier: Apache-2.0
 *
 * A small size-class allocator: the flashcube binary's malloc when it is
 * linked statically against musl (lib/heap-malloc.c; configure decides).
 *
 * Why: musl's own malloc hands freed memory back to the kernel at once, so
 * a short-lived runtime that parses a config and frees it pays for munmap
 * and fresh page faults (measured: ~0.25 ms of mmap/munmap on each `run`).
 * This one never returns small blocks: each size class keeps a free list,
 * and blocks come from 256 KiB chunks.  Blocks above 64 KiB are mappings
 * of their own and are unmapped on free.
 *
 * Not thread-safe: flashcube starts no threads.  Every function behaves
 * as its C library namesake (NULL and errno ENOMEM on failure); an invalid
 * pointer passed to fc_heap_free or fc_heap_realloc, or a freed block
 * written to, ends the process with SIGABRT.
 */
#ifndef FC_HEAP_H
#define FC_HEAP_H

#include <stddef.h>

void *fc_heap_malloc(size_t size);
void *fc_heap_calloc(size_t count, size_t size);
void *fc_heap_realloc(void *ptr, size_t size);
void fc_heap_free(void *ptr);
void *fc_heap_aligned_alloc(size_t alignment, size_t size);
size_t fc_heap_usable_size(const void *ptr);

/* After a fork: the blocks handed out so far stay where they are (freeing
 * one does nothing) and new ones come from untouched pages, so neither
 * process writes to the pages the fork left shared (a copy-on-write fault
 * each).  For a process that lives a short while after the fork: what it
 * frees of the old blocks is not reused, and an old block freed twice is
 * not caught (its header is not written to mark it free). */
void fc_heap_seal(void);

#endif
