/* SPDX-License-Identifier: Apache-2.0
 *
 * The size-class allocator of lib/heap.h.
 *
 * Every block starts with a 16-byte header: the block's usable size and a
 * tag saying what it is.  Small blocks (up to 64 KiB) belong to one of 24
 * classes (16-byte steps up to 256, then powers of two); a freed block goes
 * on its class's list and is the next one handed out for that class.  Large
 * blocks are mappings of their own.  A block aligned beyond 16 bytes sits
 * inside a larger block, its header pointing back at it.
 *
 * fc_heap_seal() (after a fork) leaves every block handed out before it
 * where it is: freeing one does nothing, and new blocks come from pages
 * the process has not touched.  Writing to a page shared with the other
 * side of a fork costs a copy-on-write fault, 3-4 µs on one machine here
 * and 25 µs on another (a VM with shadow page tables); a fresh page, 2.6
 * and 10 µs.  The runtime and the container's init seal their heaps after
 * the init is cloned: both live only a short while after it, and the
 * blocks they would have reused sit on the shared pages.
 */
#include "lib/heap.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HDR         16u
#define SMALL_STEPS 16u /* classes 0-15: 16, 32, ... 256 */
#define N_CLASSES   24u /* classes 16-23: 512 ... 65536 */
#define SMALL_MAX   ((size_t) 512 << (N_CLASSES - SMALL_STEPS - 1))
#define CHUNK       ((size_t) 256 << 10)

#define TAG_SMALL   0xfc5a11u /* | class << 24 */
#define TAG_FREE    0xfcf4eeu /* | class << 24: on a free list */
#define TAG_LARGE   0xfc1a26u
#define TAG_ALIGNED 0xfca119u

struct hdr {
        size_t size; /* usable bytes after the header; for TAG_ALIGNED, the
                      * distance back to the enclosing block's data */
        size_t tag;
};

_Static_assert(sizeof(struct hdr) <= HDR, "the header fits its 16 bytes");

struct free_block {
        struct free_block *next;
};

static struct free_block *free_lists[N_CLASSES];
static char *bump, *bump_end;

/* The chunk in use is populated ahead of the bump, WINDOW bytes at a time,
 * with one madvise(MADV_POPULATE_WRITE): a page faulted in that way costs
 * half what its first write's fault costs (5 against 10.5 us on a VM with
 * shadow page tables; 16 pages, measured), and a `run` writes some 16
 * pages of heap before the init's clone.  [bump, filled) is populated.
 * After a seal, a page at a time: the init writes one or two pages before
 * its execve, and a populated page never written costs as much as a
 * fault saves.  Kernels before 5.14 refuse the advice; then pages fault as
 * before. */
static size_t window = (size_t) 16 << 10;
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
static char *filled;
static bool no_populate;

static void populate_to(const char *end)
{
        if (no_populate)
                return;
        int saved = errno; /* malloc keeps errno on success */
        while (filled < end && filled < bump_end) {
                size_t len = window;
                if ((size_t) (bump_end - filled) < len)
                        len = (size_t) (bump_end - filled);
                if (madvise(filled, len, MADV_POPULATE_WRITE) < 0 && errno == EINVAL) {
                        no_populate = true;
                        break;
                }
                filled += len;
        }
        errno = saved;
}

/* Where the chunks are, for fc_heap_seal: spans of adjacent chunks (mmap
 * places each new one just below the last, as a rule).  A chunk that
 * fits no span once MAX_SPANS are taken is left out: its blocks are freed
 * as usual after a seal (a write to a shared page, but correct). */
#define MAX_SPANS 16u
static struct span {
        uintptr_t lo, hi;
} spans[MAX_SPANS], sealed[MAX_SPANS + 1];
static unsigned n_spans, n_sealed;

static void note_chunk(uintptr_t lo)
{
        uintptr_t hi = lo + CHUNK;
        for (unsigned i = 0; i < n_spans; i++) {
                if (spans[i].lo == hi) {
                        spans[i].lo = lo;
                        return;
                }
                if (spans[i].hi == lo) {
                        spans[i].hi = hi;
                        return;
                }
        }
        if (n_spans < MAX_SPANS)
                spans[n_spans++] = (struct span){lo, hi};
}

static unsigned class_of(size_t size)
{
        if (size <= SMALL_STEPS * 16)
                return size == 0 ? 0 : (unsigned) ((size - 1) / 16);
        unsigned c = SMALL_STEPS;
        for (size_t cap = 512; cap < size; cap <<= 1)
                c++;
        return c;
}

static size_t class_size(unsigned c)
{
        return c < SMALL_STEPS ? (size_t) (c + 1) * 16 : (size_t) 512 << (c - SMALL_STEPS);
}

static struct hdr *hdr_of(const void *ptr)
{
        return (struct hdr *) ((uintptr_t) ptr - HDR);
}

static void *data_of(struct hdr *h)
{
        return (char *) h + HDR;
}

/* A corrupt heap ends the process with SIGABRT.  Not by abort(): musl
 * signals the thread id it cached at start, which the child of a raw
 * clone3 (the init, the cache's helpers) shares with its parent. */
static _Noreturn void corrupt(void)
{
        static const char msg[] = "flashcube: heap corruption\n";
        (void) !write(STDERR_FILENO, msg, sizeof(msg) - 1);
        signal(SIGABRT, SIG_DFL);
        sigset_t abrt;
        sigemptyset(&abrt);
        sigaddset(&abrt, SIGABRT);
        sigprocmask(SIG_UNBLOCK, &abrt, NULL);
        kill(getpid(), SIGABRT);
        __builtin_trap();
}

/* Where the next chunk is asked for: just past the program's own data
 * (the linker's _end), where the page tables that map the program have
 * room for it.  Placed as mmap places it, next to the vDSO, it needs page
 * tables of its own (the vDSO, never read, has none: fc_sys_clock_gettime
 * in lib/sys.h): two more pages that the kernel allocates at the first
 * fault, copies into the container init at its clone and frees in the
 * init's execve and in our exit, at a cost each time on a VM with shadow
 * page tables, where every write to a page table traps (0.3-0.4 ms a
 * `run` with both, phases.sh).  A hint only: the kernel maps elsewhere
 * when the room is taken. */
extern char _end[];
static char *chunk_hint;

static void *map_chunk(void)
{
        if (chunk_hint == NULL) {
                uintptr_t page = (uintptr_t) sysconf(_SC_PAGESIZE);
                chunk_hint = (char *) (((uintptr_t) _end + page - 1) & ~(page - 1));
        }
        char *p =
                mmap(chunk_hint, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                errno = ENOMEM;
                return NULL;
        }
        chunk_hint = p + CHUNK;
        return p;
}

static void *map(size_t len)
{
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                errno = ENOMEM;
                return NULL;
        }
        return p;
}

/* The length of the mapping of a large block of `size` usable bytes, its
 * header included, or 0 (errno ENOMEM) when that overflows. */
static size_t large_len(size_t size)
{
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        if (size > SIZE_MAX - HDR - page) {
                errno = ENOMEM;
                return 0;
        }
        return (size + HDR + page - 1) & ~(page - 1);
}

static void *alloc_large(size_t size)
{
        size_t len = large_len(size);
        struct hdr *h = len == 0 ? NULL : map(len);
        if (h == NULL)
                return NULL;
        h->size = len - HDR;
        h->tag = TAG_LARGE;
        return data_of(h);
}

void *fc_heap_malloc(size_t size)
{
        if (size > SMALL_MAX)
                return alloc_large(size);
        unsigned c = class_of(size);
        struct hdr *h;
        if (free_lists[c] != NULL) {
                struct free_block *b = free_lists[c];
                free_lists[c] = b->next;
                h = hdr_of(b);
                if (h->tag != (TAG_FREE | (size_t) c << 24))
                        corrupt(); /* written to after it was freed */
        } else {
                size_t need = HDR + class_size(c);
                if (bump == NULL || (size_t) (bump_end - bump) < need) {
                        /* The rest of the old chunk is left unused. */
                        char *chunk = map_chunk();
                        if (chunk == NULL)
                                return NULL;
                        bump = filled = chunk;
                        bump_end = chunk + CHUNK;
                        note_chunk((uintptr_t) chunk);
                }
                h = (struct hdr *) bump;
                bump += need;
                if (bump > filled)
                        populate_to(bump);
                h->size = class_size(c);
        }
        h->tag = TAG_SMALL | (size_t) c << 24;
        return data_of(h);
}

void *fc_heap_calloc(size_t count, size_t size)
{
        size_t n;
        if (__builtin_mul_overflow(count, size, &n)) {
                errno = ENOMEM;
                return NULL;
        }
        void *p = fc_heap_malloc(n);
        /* A new mapping is zero already. */
        if (p != NULL && hdr_of(p)->tag != TAG_LARGE)
                memset(p, 0, n);
        return p;
}

static bool is_sealed(const struct hdr *h)
{
        for (unsigned i = 0; i < n_sealed; i++)
                if ((uintptr_t) h >= sealed[i].lo && (uintptr_t) h < sealed[i].hi)
                        return true;
        return false;
}

void fc_heap_free(void *ptr)
{
        if (ptr == NULL)
                return;
        struct hdr *h = hdr_of(ptr);
        if (h->tag == TAG_ALIGNED) {
                fc_heap_free((char *) ptr - h->size);
                return;
        }
        if (h->tag == TAG_LARGE) {
                munmap(h, h->size + HDR);
                return;
        }
        unsigned c = (unsigned) (h->tag >> 24);
        if ((h->tag & 0xffffffu) != TAG_SMALL || c >= N_CLASSES || h->size != class_size(c))
                corrupt(); /* not a block of ours, or freed twice */
        if (n_sealed > 0 && is_sealed(h))
                return; /* left as it is: its page is shared */
        h->tag = TAG_FREE | (size_t) c << 24;
        struct free_block *b = ptr;
        b->next = free_lists[c];
        free_lists[c] = b;
}

size_t fc_heap_usable_size(const void *ptr)
{
        if (ptr == NULL)
                return 0;
        const struct hdr *h = hdr_of(ptr);
        if (h->tag == TAG_ALIGNED)
                return fc_heap_usable_size((const char *) ptr - h->size) - h->size;
        return h->size;
}

void *fc_heap_realloc(void *ptr, size_t size)
{
        if (ptr == NULL)
                return fc_heap_malloc(size);
        size_t have = fc_heap_usable_size(ptr);
        if (size <= have && hdr_of(ptr)->tag != TAG_ALIGNED)
                return ptr;
        struct hdr *h = hdr_of(ptr);
        if (h->tag == TAG_LARGE) {
                /* Moved by the kernel, not copied: an array grown one
                 * element at a time (yajl's tree does that with an
                 * object's keys) would otherwise be copied, and its new
                 * pages faulted in, at every page it grows by. */
                size_t len = large_len(size);
                if (len == 0)
                        return NULL;
                void *m = mremap(h, h->size + HDR, len, MREMAP_MAYMOVE);
                if (m == MAP_FAILED) {
                        errno = ENOMEM;
                        return NULL;
                }
                h = m;
                h->size = len - HDR;
                return data_of(h);
        }
        void *p = fc_heap_malloc(size);
        if (p == NULL)
                return NULL;
        memcpy(p, ptr, have < size ? have : size);
        fc_heap_free(ptr);
        return p;
}

void *fc_heap_aligned_alloc(size_t alignment, size_t size)
{
        if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
                errno = EINVAL;
                return NULL;
        }
        if (alignment <= HDR)
                return fc_heap_malloc(size);
        if (size > SIZE_MAX - alignment - HDR) {
                errno = ENOMEM;
                return NULL;
        }
        char *raw = fc_heap_malloc(size + alignment + HDR);
        if (raw == NULL)
                return NULL;
        uintptr_t at = ((uintptr_t) raw + HDR + alignment - 1) & ~(uintptr_t) (alignment - 1);
        struct hdr *h = hdr_of((void *) at);
        h->size = at - (uintptr_t) raw;
        h->tag = TAG_ALIGNED;
        return (void *) at;
}

void fc_heap_seal(void)
{
        if (bump == NULL)
                return; /* nothing handed out (or malloc is the C library's) */
        uintptr_t page = (uintptr_t) sysconf(_SC_PAGESIZE);
        /* The chunk in use, [cur, bump_end): only its pages touched so far
         * are shared.  The rest was never touched, so new blocks come from
         * there, from the next page, and stay out of the sealed ranges. */
        uintptr_t cur = (uintptr_t) bump_end - CHUNK;
        uintptr_t cur_hi = ((uintptr_t) bump + page - 1) & ~(page - 1);
        /* Populated pages are touched ones too. */
        if ((uintptr_t) filled > cur_hi)
                cur_hi = (uintptr_t) filled;
        bump = filled = (char *) cur_hi;
        window = page;
        n_sealed = 0;
        bool cur_in_span = false;
        for (unsigned i = 0; i < n_spans; i++) {
                struct span sp = spans[i];
                if (cur >= sp.lo && cur < sp.hi) {
                        cur_in_span = true;
                        sealed[n_sealed++] = (struct span){sp.lo, cur_hi};
                        sp.lo = (uintptr_t) bump_end;
                }
                if (sp.lo < sp.hi)
                        sealed[n_sealed++] = sp;
        }
        if (!cur_in_span)
                sealed[n_sealed++] = (struct span){cur, cur_hi};
        /* The free blocks are on shared pages too. */
        memset(free_lists, 0, sizeof(free_lists));
}
