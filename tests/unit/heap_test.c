/* SPDX-License-Identifier: Apache-2.0
 * lib/heap.c, the musl build's malloc: sizes, reuse, alignment, zeroing,
 * large blocks, realloc, and a random workload checked byte by byte.
 * Run in every build (the functions are called by their own names), so
 * ASan and UBSan see it too. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/heap.h"
#include "lib/sys.h"
#include "tests/unit/tap.h"

static int aligned(const void *p, size_t a)
{
        return ((uintptr_t) p & (a - 1)) == 0;
}

/* Whether fn() ends the child with SIGABRT: a fork()ed one, or (raw) the
 * child of a raw clone3, as the init and the cache's helpers are, where
 * only the child may die (musl's abort() would signal the parent, whose
 * thread id the child inherits). */
static int aborts_in(void (*fn)(void), bool raw)
{
        struct fc_clone_args args = {.exit_signal = SIGCHLD};
        pid_t pid = raw ? fc_sys_clone3(&args) : fork();
        if (pid == 0) {
                fn();
                _exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static int aborts(void (*fn)(void))
{
        return aborts_in(fn, false);
}

static void double_free(void)
{
        void *p = fc_heap_malloc(40);
        fc_heap_free(p);
        fc_heap_free(p);
}

static void foreign_free(void)
{
        char buf[64] = {0};
        fc_heap_free(buf + 32);
}

static void write_after_free(void)
{
        size_t *p = fc_heap_malloc(100);
        fc_heap_free(p);
        p[-1] = 0; /* the header of a freed block */
        fc_heap_malloc(100);
}

static uintptr_t page_of(const void *p)
{
        return (uintptr_t) p & ~(uintptr_t) 4095;
}

/* Whether block p (n bytes) shares a page with any of the n_old blocks
 * old (each old_n bytes). */
static bool shares_page(const char *p, size_t n, char *const *old, int n_old, size_t old_n)
{
        for (int j = 0; j < n_old; j++)
                if (page_of(p) <= page_of(old[j] + old_n - 1) &&
                    page_of(old[j]) <= page_of(p + n - 1))
                        return true;
        return false;
}

/* In a process of its own (the seal is for good), with a heap that starts
 * empty: what fc_heap_seal promises, past the chunks it keeps a list of
 * (60 blocks of 60000 bytes take 20 of the 256 KiB chunks) and sealed
 * twice.  Returns a bit per broken promise. */
static int sealed_heap_checks(void)
{
        enum { N = 64, BIG = 60, BIGN = 60000 };
        char *old[N], *big[BIG];
        int bad = 0;
        for (int i = 0; i < BIG; i++) {
                big[i] = fc_heap_malloc(BIGN);
                memset(big[i], 'b', BIGN);
        }
        for (int i = 0; i < N; i++) {
                old[i] = fc_heap_malloc(40);
                memset(old[i], 'o', 40);
        }
        for (int i = 0; i < N; i += 2)
                fc_heap_free(old[i]); /* on the free lists */
        fc_heap_free(big[0]);
        fc_heap_seal();
        char *fresh[N];
        for (int i = 0; i < N; i++) {
                fresh[i] = fc_heap_malloc(40);
                memset(fresh[i], 'n', 40);
                if (shares_page(fresh[i], 40, old, N, 40) ||
                    shares_page(fresh[i], 40, big, BIG, BIGN))
                        bad |= 1; /* a new block on a page from before */
        }
        char *fresh_big = fc_heap_malloc(BIGN);
        if (fresh_big == big[0])
                bad |= 2;
        for (int i = 1; i < N; i += 2) {
                fc_heap_free(old[i]); /* does nothing */
                char *again = fc_heap_malloc(40);
                if (again == old[i])
                        bad |= 2; /* an old block handed out again */
                for (size_t k = 0; k < 40; k++)
                        bad |= old[i][k] != 'o' ? 4 : 0; /* and written to */
        }
        /* New blocks are reused as usual. */
        fc_heap_free(fresh[5]);
        if (fc_heap_malloc(40) != fresh[5])
                bad |= 8;
        /* A block from before grows into a new one, its bytes kept. */
        char *grown = fc_heap_realloc(old[3], 5000);
        if (grown == NULL || page_of(grown) == page_of(old[3]) || grown[0] != 'o' ||
            grown[39] != 'o')
                bad |= 16;
        fc_heap_free(grown);
        /* Sealed again: the blocks since the first seal are left too. */
        fc_heap_seal();
        char *after = fc_heap_malloc(40);
        if (shares_page(after, 40, fresh, N, 40))
                bad |= 32;
        fc_heap_free(fresh[7]);
        if (fc_heap_malloc(40) == fresh[7])
                bad |= 32;
        return bad;
}

/* Whether the kernel populates on advice (MADV_POPULATE_WRITE, 5.14). */
static bool kernel_populates(void)
{
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return false;
        bool yes = madvise(p, 4096, 23 /* MADV_POPULATE_WRITE */) == 0;
        munmap(p, 4096);
        return yes;
}

/* How many of the n pages from page `at` are resident, or -1. */
static int resident(uintptr_t at, size_t n)
{
        unsigned char vec[64];
        if (n > sizeof(vec) || mincore((void *) at, n * 4096, vec) < 0)
                return -1;
        int r = 0;
        for (size_t i = 0; i < n; i++)
                r += vec[i] & 1;
        return r;
}

/* In a process of its own, with a heap that starts empty: the pages ahead
 * of the bump are populated before anything writes them, 16 KiB at a
 * time, and a page at a time after a seal, whose new blocks come after
 * every populated page.  Returns a bit per broken promise. */
static int populated_heap_checks(void)
{
        char *p = fc_heap_malloc(40);
        uintptr_t first = page_of(p);
        if (resident(first, 4) != 4 || resident(first + 4 * 4096, 4) != 0)
                return 1; /* the first window, and no more */
        /* Blocks written up to into the second window: it is populated too. */
        for (int i = 0; i < 20; i++)
                memset(fc_heap_malloc(1000), 'x', 1000);
        int before = resident(first, 12);
        if (before != 8)
                return 2;
        fc_heap_seal();
        char *q = fc_heap_malloc(40);
        if (page_of(q) < first + 8 * 4096)
                return 4; /* a new block on a page populated before the seal */
        if (resident(page_of(q), 1) != 1 || resident(page_of(q) + 4096, 1) != 0)
                return 8; /* after the seal, one page at a time */
        return 0;
}

/* In a fresh program: the first chunk lies just past the program's data
 * (the linker's _end), where the program's own page tables map it.
 * 77: that room was taken before (glibc's brk heap, say). */
extern char _end[];
static int placed_heap_checks(void)
{
        uintptr_t page = (uintptr_t) sysconf(_SC_PAGESIZE);
        uintptr_t hint = ((uintptr_t) _end + page - 1) & ~(page - 1);
        unsigned char vec;
        if (mincore((void *) hint, page, &vec) == 0 || errno != ENOMEM)
                return 77; /* mapped already */
        char *p = fc_heap_malloc(40);
        if (p == NULL || (uintptr_t) p < hint || (uintptr_t) p >= hint + page)
                return 1;
        /* The next chunk follows it. */
        char *q = fc_heap_malloc(40000);
        for (int i = 0; i < 8 && q != NULL && (uintptr_t) q < hint + (256u << 10); i++)
                q = fc_heap_malloc(40000);
        if (q == NULL || (uintptr_t) q < hint + (256u << 10) ||
            (uintptr_t) q >= hint + (512u << 10))
                return 2;
        return 0;
}

struct slot {
        unsigned char *p;
        size_t n;
        unsigned char fill;
};

int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "--sealed-heap") == 0)
                return sealed_heap_checks();
        if (argc > 1 && strcmp(argv[1], "--populated-heap") == 0)
                return populated_heap_checks();
        if (argc > 1 && strcmp(argv[1], "--placed-heap") == 0)
                return placed_heap_checks();
        /* Every size up to past the largest class: usable, aligned, writable. */
        int bad = 0;
        for (size_t n = 0; n <= 70000; n += n < 600 ? 1 : 997) {
                unsigned char *p = fc_heap_malloc(n);
                if (p == NULL || !aligned(p, 16) || fc_heap_usable_size(p) < n) {
                        bad++;
                        continue;
                }
                memset(p, 0xa5, n);
                fc_heap_free(p);
        }
        ok(bad == 0, "every size from 0 to 70000 is 16-aligned with room for it");

        void *a = fc_heap_malloc(100);
        fc_heap_free(a);
        void *b = fc_heap_malloc(110);
        ok(a == b, "a freed block is reused for the same class");
        void *c = fc_heap_malloc(300);
        ok(c != b, "another class gets another block");
        fc_heap_free(b);
        fc_heap_free(c);

        unsigned char *z = fc_heap_malloc(64);
        memset(z, 0xff, 64);
        fc_heap_free(z);
        z = fc_heap_calloc(8, 8);
        int zero = 1;
        for (int i = 0; i < 64; i++)
                zero &= z[i] == 0;
        ok(zero, "calloc zeroes a reused block");
        fc_heap_free(z);
        errno = 0;
        ok(fc_heap_calloc(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM, "calloc overflow: ENOMEM");
        errno = 0;
        ok(fc_heap_malloc(SIZE_MAX - 8) == NULL && errno == ENOMEM, "a huge size: ENOMEM");

        unsigned char *big = fc_heap_calloc(1, 1 << 20);
        ok(big != NULL && big[12345] == 0 && fc_heap_usable_size(big) >= 1 << 20,
           "a 1 MiB block: zeroed, usable");
        big[(1 << 20) - 1] = 7;
        fc_heap_free(big);

        char *r = fc_heap_malloc(10);
        memcpy(r, "abcdefghi", 10);
        char *r2 = fc_heap_realloc(r, 12);
        ok(r2 == r, "realloc within the block's class keeps it");
        r2 = fc_heap_realloc(r2, 100000);
        ok(r2 != NULL && strcmp(r2, "abcdefghi") == 0, "realloc to a large block keeps the bytes");
        r2 = fc_heap_realloc(r2, 5);
        ok(r2 != NULL && memcmp(r2, "abcde", 5) == 0, "realloc down keeps the prefix");
        fc_heap_free(r2);
        r = fc_heap_realloc(NULL, 33);
        ok(r != NULL && fc_heap_usable_size(r) >= 33, "realloc(NULL) allocates");
        fc_heap_free(r);
        fc_heap_free(NULL);
        ok(fc_heap_usable_size(NULL) == 0, "free(NULL) and usable_size(NULL) are no-ops");

        int al_ok = 1;
        for (size_t al = 1; al <= 8192; al <<= 1) {
                unsigned char *p = fc_heap_aligned_alloc(al, 1000);
                if (p == NULL || !aligned(p, al) || fc_heap_usable_size(p) < 1000) {
                        al_ok = 0;
                        continue;
                }
                memset(p, 1, 1000);
                p = fc_heap_realloc(p, 5000);
                al_ok &= p != NULL && p[999] == 1;
                fc_heap_free(p);
        }
        ok(al_ok, "aligned_alloc: 1 to 8192, usable, realloc-able and freeable");
        errno = 0;
        ok(fc_heap_aligned_alloc(24, 10) == NULL && errno == EINVAL,
           "aligned_alloc with a non-power of two: EINVAL");

        /* A random workload: every live block keeps its own fill byte. */
        enum { SLOTS = 512, ROUNDS = 200000 };
        static struct slot s[SLOTS];
        unsigned seed = 12345;
        int corrupt = 0;
        for (int i = 0; i < ROUNDS && !corrupt; i++) {
                seed = seed * 1103515245u + 12345u;
                struct slot *sl = &s[(seed >> 8) % SLOTS];
                if (sl->p != NULL)
                        for (size_t k = 0; k < sl->n; k++)
                                corrupt |= sl->p[k] != sl->fill;
                size_t n = (seed >> 4) % 3 == 0 ? (seed >> 12) % 5000 : (seed >> 12) % 200;
                if ((seed >> 20) % 4 == 0 && sl->p != NULL) {
                        sl->p = fc_heap_realloc(sl->p, n);
                        if (n < sl->n)
                                sl->n = n;
                        memset(sl->p, sl->fill, sl->n);
                } else {
                        fc_heap_free(sl->p);
                        sl->p = (seed >> 24) % 8 == 0 ? fc_heap_calloc(1, n) : fc_heap_malloc(n);
                        sl->n = n;
                }
                sl->fill = (unsigned char) (seed >> 16);
                memset(sl->p, sl->fill, sl->n);
        }
        for (int i = 0; i < SLOTS; i++)
                fc_heap_free(s[i].p);
        ok(!corrupt, "200000 random mallocs, reallocs and frees: no block overlaps another");

#ifdef FC_OWN_MALLOC
        /* The binary's malloc is this one, and so is the C library's for the
         * memory it hands to us (musl keeps only its own internal blocks). */
        char *m = malloc(100), *d = strdup("x"), *f = NULL;
        ok(m != NULL && d != NULL && asprintf(&f, "%d", 42) > 0 && fc_heap_usable_size(m) == 112 &&
                   fc_heap_usable_size(d) == 16 && fc_heap_usable_size(f) == 16,
           "malloc, strdup and asprintf hand out lib/heap.c's blocks");
        fc_heap_free(m);
        fc_heap_free(d);
        free(f);
#else
        ok(1, "# SKIP malloc is the C library's in this build (glibc or dynamic)");
#endif

        /* A large block grown a page at a time (as yajl's tree grows an
         * object's keys) is moved by the kernel, not copied: copied, its
         * pages would be faulted in again at every step (~130000 faults
         * here instead of ~512). */
        struct rusage ru0, ru1;
        getrusage(RUSAGE_SELF, &ru0);
        unsigned char *g = NULL;
        int grown_bad = 0;
        for (size_t n = 1; n <= 512; n++) {
                unsigned char *ng = fc_heap_realloc(g, n * 4096);
                if (ng == NULL) {
                        grown_bad = 1;
                        break;
                }
                g = ng;
                memset(g + (n - 1) * 4096, (int) (n & 0xff), 4096);
        }
        for (size_t n = 1; g != NULL && n <= 512; n += 37)
                grown_bad |= g[(n - 1) * 4096 + 17] != (unsigned char) (n & 0xff);
        fc_heap_free(g);
        getrusage(RUSAGE_SELF, &ru1);
        long faults = ru1.ru_minflt - ru0.ru_minflt;
        ok(!grown_bad && faults < 2048,
           "a large block grown a page at a time to 2 MiB keeps its bytes and is not "
           "copied (%ld page faults)",
           faults);

        /* In a new program: its heap starts empty, so where the blocks land
         * does not depend on the tests above. */
        pid_t child = fork();
        if (child == 0) {
                execl("/proc/self/exe", argv[0], "--sealed-heap", (char *) NULL);
                _exit(127);
        }
        int st = -1;
        waitpid(child, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
           "after fc_heap_seal, past 16 chunks and twice: new blocks on new pages, blocks from "
           "before never reused or written, new ones reused, realloc keeps the bytes (status %#x)",
           (unsigned) st);
        if (kernel_populates()) {
                child = fork();
                if (child == 0) {
                        execl("/proc/self/exe", argv[0], "--populated-heap", (char *) NULL);
                        _exit(127);
                }
                st = -1;
                waitpid(child, &st, 0);
                ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                   "the heap's pages are populated ahead of the bump, 16 KiB at a time, then a "
                   "page at a time after a seal, whose blocks come after them (status %#x)",
                   (unsigned) st);
        } else {
                ok(1, "# SKIP the kernel has no MADV_POPULATE_WRITE (before 5.14)");
        }

        child = fork();
        if (child == 0) {
                execl("/proc/self/exe", argv[0], "--placed-heap", (char *) NULL);
                _exit(127);
        }
        st = -1;
        waitpid(child, &st, 0);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
                ok(1, "# SKIP the room past the program's data was mapped before the heap's first "
                      "chunk");
        else
                ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                   "the heap's chunks lie just past the program's data, one after the other "
                   "(status %#x)",
                   (unsigned) st);

        ok(aborts(double_free), "a double free aborts");
        ok(aborts_in(double_free, true), "in a raw clone3 child, it ends the child only");
        ok(aborts(foreign_free), "freeing a pointer that is not a block aborts");
        ok(aborts(write_after_free), "a freed block's header overwritten: the next malloc aborts");
        return tap_done();
}
