/* SPDX-License-Identifier: Apache-2.0
 *
 * Typed, path-tracking access to a yajl tree, and yajl_gen helpers.
 */
#include "oci-spec/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jp_init(struct jp *p, fc_error_t *err)
{
        p->buf[0] = '\0';
        p->len = 0;
        p->err = err;
}

/* Appended by hand, not with snprintf: every field of every config is
 * visited with its path built (a tenth of a create's parse went to
 * vsnprintf). */
static size_t jp_append(struct jp *p, const char *a, const char *b)
{
        size_t old = p->len;
        for (const char *part[2] = {a, b}, **q = part; q < part + 2; q++)
                for (const char *c = *q; c && *c; c++) {
                        /* A path longer than the buffer is cut; the message
                         * stays readable. */
                        if (p->len + 1 >= sizeof(p->buf))
                                break;
                        p->buf[p->len++] = *c;
                }
        p->buf[p->len] = '\0';
        return old;
}

size_t jp_key(struct jp *p, const char *key)
{
        return jp_append(p, p->len ? "." : NULL, key);
}

size_t jp_idx(struct jp *p, size_t i)
{
        char num[24], *d = num + sizeof(num);
        *--d = '\0';
        *--d = ']';
        do
                *--d = (char) ('0' + i % 10);
        while ((i /= 10) != 0);
        *--d = '[';
        return jp_append(p, d, NULL);
}

int jp_fail(struct jp *p, const char *fmt, ...)
{
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (msg == NULL)
                return fc_error_set(p->err, -ENOMEM, "out of memory");
        int r = fc_error_set(p->err, -EINVAL, "%s: %s", p->len ? p->buf : "(top level)", msg);
        free(msg);
        return r;
}

int jp_nomem(struct jp *p)
{
        return fc_error_set(p->err, -ENOMEM, "%s: out of memory", p->buf);
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 if there is none.  yajl
 * only checks the shape of multi-byte sequences and lets overlong ones
 * ("\xc0\xaf" for '/') through. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
        unsigned char c = s[0];
        size_t n;
        unsigned lo = 0x80, hi = 0xbf;
        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                n = 2;
        else if (c >= 0xe0 && c <= 0xef)
                n = 3;
        else if (c >= 0xf0 && c <= 0xf4)
                n = 4;
        else
                return 0;
        if (c == 0xe0)
                lo = 0xa0;
        else if (c == 0xed)
                hi = 0x9f;
        else if (c == 0xf0)
                lo = 0x90;
        else if (c == 0xf4)
                hi = 0x8f;
        if (avail < n || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        return n;
}

/* The value of the 4 hex digits at s (a "\\u" escape's), or -1. */
static int hex4(const char *s, size_t avail)
{
        int v = 0;
        if (avail < 4)
                return -1;
        for (int k = 0; k < 4; k++) {
                char c = s[k];
                int d = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
                if (d < 0)
                        return -1;
                v = v * 16 + d;
        }
        return v;
}

/* A "\\u" escape at s[i] (the backslash) in a string: how many characters
 * after the backslash it takes (a surrogate pair: both escapes).  An escape
 * of a UTF-16 surrogate that is not half of a pair is rewritten in place as
 * "\\uFFFD" (the same length): yajl would decode it into bytes that are not
 * UTF-8 (a lone low half) or pair it with whatever escape follows (a lone
 * high half), and what we write back of it (state.json's annotations) would
 * be refused by every later reader.  Go, and so runc, decode it as U+FFFD. */
static size_t unicode_escape(char *s, size_t i, size_t len)
{
        int cp = hex4(s + i + 2, len - (i + 2));
        if (cp < 0)
                return 1; /* not an escape: yajl refuses it */
        if (cp < 0xd800 || cp > 0xdfff)
                return 5;
        if (cp <= 0xdbff && i + 11 < len && s[i + 6] == '\\' && s[i + 7] == 'u') {
                int low = hex4(s + i + 8, len - (i + 8));
                if (low >= 0xdc00 && low <= 0xdfff)
                        return 11;
        }
        memcpy(s + i + 2, "FFFD", 4);
        return 5;
}

/* What the scan below stops at; everything else is skipped a byte at a
 * time by one table lookup (a config is mostly string bytes). */
enum { JS_PLAIN, JS_QUOTE, JS_ESCAPE, JS_NUL, JS_HIGH, JS_SLASH, JS_OPEN, JS_CLOSE };
static const unsigned char js_class[256] = {
        [0] = JS_NUL,     ['"'] = JS_QUOTE, ['\\'] = JS_ESCAPE,
        ['/'] = JS_SLASH, ['['] = JS_OPEN,  ['{'] = JS_OPEN,
        [']'] = JS_CLOSE, ['}'] = JS_CLOSE, [0x80 ... 0xff] = JS_HIGH,
};

/* yajl builds the tree iteratively but frees it recursively, and a hostile
 * config.json is untrusted input: bound the nesting first.  The same pass
 * refuses malformed UTF-8 and "\u0000", which yajl would decode into a C string and thereby
 * silently truncate (a path "/a\u0000/../x" must not become "/a").
 * yajl_tree_parse() also accepts comments: a comment holding a '"' would
 * make this scan take everything after it for a string and miss any depth of
 * nesting there.  JSON has no comments (Go, and so runc, refuse them), so a
 * '/' outside a string is refused. */
static int json_prescan(char *s, size_t len, fc_error_t *err)
{
        bool in_str = false;
        int depth = 0;
        for (size_t i = 0; i < len; i++) {
                unsigned cls = js_class[(unsigned char) s[i]];
                if (in_str) {
                        /* Inside a string only these matter. */
                        while (cls == JS_PLAIN || cls >= JS_SLASH) {
                                if (++i == len)
                                        return 0;
                                cls = js_class[(unsigned char) s[i]];
                        }
                } else {
                        while (cls == JS_PLAIN || cls == JS_ESCAPE) {
                                if (++i == len)
                                        return 0;
                                cls = js_class[(unsigned char) s[i]];
                        }
                }
                if (cls == JS_NUL)
                        return fc_error_set(err, -EINVAL, "invalid JSON: NUL byte at offset %zu",
                                            i);
                if (cls == JS_HIGH) {
                        size_t n = utf8_len((const unsigned char *) s + i, len - i);
                        if (n == 0)
                                return fc_error_set(err, -EINVAL,
                                                    "invalid JSON: invalid UTF-8 at offset %zu", i);
                        i += n - 1;
                        continue;
                }
                if (in_str) {
                        if (cls == JS_ESCAPE) {
                                if (i + 5 < len && memcmp(s + i + 1, "u0000", 5) == 0)
                                        return fc_error_set(
                                                err, -EINVAL,
                                                "invalid JSON: \\u0000 in a string at offset %zu",
                                                i);
                                if (i + 1 < len && s[i + 1] == 'u')
                                        i += unicode_escape(s, i, len);
                                else
                                        i++;
                        } else { /* JS_QUOTE */
                                in_str = false;
                        }
                        continue;
                }
                if (cls == JS_QUOTE) {
                        in_str = true;
                } else if (cls == JS_SLASH) {
                        return fc_error_set(err, -EINVAL,
                                            "invalid JSON: invalid character '/' at offset %zu", i);
                } else if (cls == JS_OPEN) {
                        if (++depth > FC_JSON_MAX_DEPTH)
                                return fc_error_set(err, -EINVAL,
                                                    "invalid JSON: nested deeper than %d levels",
                                                    FC_JSON_MAX_DEPTH);
                } else {
                        depth--;
                }
        }
        return 0;
}

yajl_val fc_json_parse_tree(const char *json, size_t len, fc_error_t *err)
{
        /* yajl_tree_parse() wants a NUL-terminated string, and the scan
         * may rewrite escapes in place. */
        char *copy = malloc(len + 1);
        if (copy == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        memcpy(copy, json, len);
        copy[len] = '\0';
        if (json_prescan(copy, len, err) < 0) {
                free(copy);
                return NULL;
        }
        char ebuf[256] = "";
        yajl_val tree = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
        free(copy);
        if (tree == NULL) {
                /* yajl's message continues with a multi-line excerpt; one line is enough. */
                ebuf[strcspn(ebuf, "\n")] = '\0';
                fc_error_set(err, -EINVAL, "invalid JSON: %s", ebuf[0] ? ebuf : "parse error");
        }
        return tree;
}

yajl_val j_get(yajl_val obj, const char *key)
{
        if (!YAJL_IS_OBJECT(obj))
                return NULL;
        yajl_val found = NULL;
        for (size_t i = 0; i < obj->u.object.len; i++)
                if (strcmp(obj->u.object.keys[i], key) == 0)
                        found = obj->u.object.values[i];
        if (YAJL_IS_NULL(found))
                return NULL;
        return found;
}

int v_str(struct jp *p, yajl_val v, char **ret)
{
        if (!YAJL_IS_STRING(v))
                return jp_fail(p, "expected a string");
        char *s = strdup(v->u.string);
        if (s == NULL)
                return jp_nomem(p);
        free(*ret);
        *ret = s;
        return 0;
}

int v_bool(struct jp *p, yajl_val v, bool *ret)
{
        if (YAJL_IS_TRUE(v))
                *ret = true;
        else if (YAJL_IS_FALSE(v))
                *ret = false;
        else
                return jp_fail(p, "expected a boolean");
        return 0;
}

/* JSON integers only: "1.0" and "1e3" are refused as Go refuses them for
 * integer fields; the raw text is parsed so no precision goes through a
 * double. */
static bool raw_is_integer(const char *r)
{
        if (*r == '-')
                r++;
        if (*r == '\0')
                return false;
        for (; *r; r++)
                if (*r < '0' || *r > '9')
                        return false;
        return true;
}

int v_int(struct jp *p, yajl_val v, int64_t min, int64_t max, int64_t *ret)
{
        if (YAJL_IS_NUMBER(v) && raw_is_integer(v->u.number.r)) {
                errno = 0;
                char *end = NULL;
                long long x = strtoll(v->u.number.r, &end, 10);
                if (errno == 0 && *end == '\0' && x >= min && x <= max) {
                        *ret = x;
                        return 0;
                }
        }
        return jp_fail(p, "expected an integer in [%" PRId64 ", %" PRId64 "]", min, max);
}

int v_uint(struct jp *p, yajl_val v, uint64_t max, uint64_t *ret)
{
        if (YAJL_IS_NUMBER(v) && raw_is_integer(v->u.number.r) && v->u.number.r[0] != '-') {
                errno = 0;
                char *end = NULL;
                unsigned long long x = strtoull(v->u.number.r, &end, 10);
                if (errno == 0 && *end == '\0' && x <= max) {
                        *ret = x;
                        return 0;
                }
        }
        return jp_fail(p, "expected an integer in [0, %" PRIu64 "]", max);
}

int j_str(struct jp *p, yajl_val obj, const char *key, char **ret)
{
        yajl_val v = j_get(obj, key);
        if (v == NULL)
                return 0;
        size_t old = jp_key(p, key);
        int r = v_str(p, v, ret);
        jp_pop(p, old);
        return r;
}

int j_str_req(struct jp *p, yajl_val obj, const char *key, char **ret)
{
        if (j_get(obj, key) == NULL) {
                size_t old = jp_key(p, key);
                int r = jp_fail(p, "missing required field");
                jp_pop(p, old);
                return r;
        }
        return j_str(p, obj, key, ret);
}

int j_bool(struct jp *p, yajl_val obj, const char *key, bool *ret, bool *has)
{
        yajl_val v = j_get(obj, key);
        if (v == NULL)
                return 0;
        size_t old = jp_key(p, key);
        int r = v_bool(p, v, ret);
        jp_pop(p, old);
        if (r == 0 && has)
                *has = true;
        return r;
}

static int j_signed(struct jp *p, yajl_val obj, const char *key, int64_t min, int64_t max,
                    int64_t *ret, bool *has)
{
        yajl_val v = j_get(obj, key);
        if (v == NULL)
                return 0;
        size_t old = jp_key(p, key);
        int r = v_int(p, v, min, max, ret);
        jp_pop(p, old);
        if (r == 0 && has)
                *has = true;
        return r;
}

static int j_unsigned(struct jp *p, yajl_val obj, const char *key, uint64_t max, uint64_t *ret,
                      bool *has)
{
        yajl_val v = j_get(obj, key);
        if (v == NULL)
                return 0;
        size_t old = jp_key(p, key);
        int r = v_uint(p, v, max, ret);
        jp_pop(p, old);
        if (r == 0 && has)
                *has = true;
        return r;
}

int j_i64(struct jp *p, yajl_val obj, const char *key, int64_t *ret, bool *has)
{
        return j_signed(p, obj, key, INT64_MIN, INT64_MAX, ret, has);
}

int j_u64(struct jp *p, yajl_val obj, const char *key, uint64_t *ret, bool *has)
{
        return j_unsigned(p, obj, key, UINT64_MAX, ret, has);
}

int j_u32(struct jp *p, yajl_val obj, const char *key, uint32_t *ret, bool *has)
{
        uint64_t x = 0;
        bool h = false;
        int r = j_unsigned(p, obj, key, UINT32_MAX, &x, &h);
        if (r == 0 && h) {
                *ret = (uint32_t) x;
                if (has)
                        *has = true;
        }
        return r;
}

int j_u16(struct jp *p, yajl_val obj, const char *key, uint16_t *ret, bool *has)
{
        uint64_t x = 0;
        bool h = false;
        int r = j_unsigned(p, obj, key, UINT16_MAX, &x, &h);
        if (r == 0 && h) {
                *ret = (uint16_t) x;
                if (has)
                        *has = true;
        }
        return r;
}

int j_int(struct jp *p, yajl_val obj, const char *key, int64_t min, int64_t max, int *ret,
          bool *has)
{
        int64_t x = 0;
        bool h = false;
        int r = j_signed(p, obj, key, min, max, &x, &h);
        if (r == 0 && h) {
                *ret = (int) x;
                if (has)
                        *has = true;
        }
        return r;
}

int j_obj(struct jp *p, yajl_val obj, const char *key, yajl_val *ret)
{
        yajl_val v = j_get(obj, key);
        if (v == NULL)
                return 0;
        if (!YAJL_IS_OBJECT(v)) {
                size_t old = jp_key(p, key);
                int r = jp_fail(p, "expected an object");
                jp_pop(p, old);
                return r;
        }
        *ret = v;
        return 1;
}

int j_arr(struct jp *p, yajl_val obj, const char *key, yajl_val *ret)
{
        yajl_val v = j_get(obj, key);
        if (v == NULL)
                return 0;
        if (!YAJL_IS_ARRAY(v)) {
                size_t old = jp_key(p, key);
                int r = jp_fail(p, "expected an array");
                jp_pop(p, old);
                return r;
        }
        *ret = v;
        return 1;
}

int j_strv(struct jp *p, yajl_val obj, const char *key, char ***ret, size_t *n, bool *has)
{
        yajl_val a = NULL;
        int r = j_arr(p, obj, key, &a);
        if (r <= 0)
                return r;
        r = 0;
        size_t len = a->u.array.len;
        char **v = calloc(len + 1, sizeof(char *));
        if (v == NULL)
                return jp_nomem(p);
        fc_strv_release(*ret, *n);
        *ret = v;
        *n = len;
        if (has)
                *has = true;
        size_t old = jp_key(p, key);
        for (size_t i = 0; i < len && r == 0; i++) {
                size_t o2 = jp_idx(p, i);
                r = v_str(p, a->u.array.values[i], &v[i]);
                jp_pop(p, o2);
        }
        jp_pop(p, old);
        return r;
}

struct kv_ref {
        const char *key;
        size_t i;
};

static int kv_ref_cmp(const void *a, const void *b)
{
        const struct kv_ref *x = a, *y = b;
        int c = strcmp(x->key, y->key);
        if (c != 0)
                return c;
        return x->i < y->i ? -1 : x->i > y->i;
}

/* A repeated key replaces the earlier value, as in Go, and keeps the place
 * of its first occurrence.  Duplicates are found by sorting, not by
 * comparing every pair: a hostile config with 100000 annotations took half
 * a minute that way. */
static int kv_dedup(struct fc_kv *kv, size_t *n)
{
        if (*n < 2)
                return 0;
        struct kv_ref *refs = calloc(*n, sizeof(*refs));
        if (refs == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < *n; i++)
                refs[i] = (struct kv_ref){kv[i].key, i};
        qsort(refs, *n, sizeof(*refs), kv_ref_cmp);
        bool dropped = false;
        for (size_t a = 0, b; a < *n; a = b) {
                for (b = a + 1; b < *n && strcmp(refs[b].key, refs[a].key) == 0; b++)
                        ;
                if (b - a == 1)
                        continue;
                struct fc_kv *first = &kv[refs[a].i], *last = &kv[refs[b - 1].i];
                free(first->value);
                first->value = last->value;
                last->value = NULL;
                for (size_t k = a + 1; k < b; k++) {
                        struct fc_kv *e = &kv[refs[k].i];
                        free(e->key);
                        free(e->value);
                        e->key = e->value = NULL;
                }
                dropped = true;
        }
        free(refs);
        if (dropped) {
                size_t w = 0;
                for (size_t i = 0; i < *n; i++)
                        if (kv[i].key != NULL)
                                kv[w++] = kv[i];
                *n = w;
        }
        return 0;
}

int j_kv(struct jp *p, yajl_val obj, const char *key, struct fc_kv **ret, size_t *n)
{
        yajl_val o = NULL;
        int r = j_obj(p, obj, key, &o);
        if (r <= 0)
                return r;
        r = 0;
        size_t len = o->u.object.len;
        struct fc_kv *kv = calloc(len ? len : 1, sizeof(*kv));
        if (kv == NULL)
                return jp_nomem(p);
        fc_kv_release(*ret, *n);
        *ret = kv;
        *n = 0;
        size_t old = jp_key(p, key);
        for (size_t i = 0; i < len && r == 0; i++) {
                const char *k = o->u.object.keys[i];
                size_t o2 = jp_key(p, k);
                kv[i].key = strdup(k);
                if (kv[i].key == NULL) {
                        r = jp_nomem(p);
                } else {
                        (*n)++;
                        r = v_str(p, o->u.object.values[i], &kv[i].value);
                }
                jp_pop(p, o2);
        }
        if (r == 0 && kv_dedup(kv, n) < 0)
                r = jp_nomem(p);
        jp_pop(p, old);
        return r;
}

static int idmap_elem(struct jp *p, yajl_val v, void *elem)
{
        struct fc_id_mapping *m = elem;
        int r = j_u32(p, v, "containerID", &m->container_id, NULL);
        if (r == 0)
                r = j_u32(p, v, "hostID", &m->host_id, NULL);
        if (r == 0)
                r = j_u32(p, v, "size", &m->size, NULL);
        return r;
}

int j_idmaps(struct jp *p, yajl_val obj, const char *key, struct fc_id_mapping **ret, size_t *n)
{
        return j_objarr(p, obj, key, sizeof(**ret), (void **) ret, n, idmap_elem);
}

int j_objarr(struct jp *p, yajl_val obj, const char *key, size_t esize, void **ret, size_t *n,
             j_elem_fn fn)
{
        yajl_val a = NULL;
        int r = j_arr(p, obj, key, &a);
        if (r <= 0)
                return r;
        r = 0;
        size_t len = a->u.array.len;
        void *arr = calloc(len ? len : 1, esize);
        if (arr == NULL)
                return jp_nomem(p);
        *ret = arr;
        *n = len;
        size_t old = jp_key(p, key);
        for (size_t i = 0; i < len && r == 0; i++) {
                size_t o2 = jp_idx(p, i);
                yajl_val v = a->u.array.values[i];
                if (!YAJL_IS_OBJECT(v))
                        r = jp_fail(p, "expected an object");
                else
                        r = fn(p, v, (char *) arr + i * esize);
                jp_pop(p, o2);
        }
        jp_pop(p, old);
        return r;
}

int j_enum(struct jp *p, const char *key, const char *val, const char *const *names,
           const char *what)
{
        if (val == NULL || fc_name_in(val, names))
                return 0;
        size_t old = jp_key(p, key);
        int r = jp_fail(p, "unknown %s \"%s\"", what, val);
        jp_pop(p, old);
        return r;
}

bool fc_name_in(const char *s, const char *const *names)
{
        for (; *names; names++)
                if (strcmp(s, *names) == 0)
                        return true;
        return false;
}

void fc_strv_release(char **v, size_t n)
{
        if (v == NULL)
                return;
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

void fc_kv_release(struct fc_kv *kv, size_t n)
{
        if (kv == NULL)
                return;
        for (size_t i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

yajl_gen gen_begin(const char *indent)
{
        yajl_gen g = yajl_gen_alloc(NULL);
        if (g == NULL)
                return NULL;
        if (indent) {
                yajl_gen_config(g, yajl_gen_beautify, 1);
                yajl_gen_config(g, yajl_gen_indent_string, indent);
        }
        return g;
}

char *gen_end(yajl_gen g, fc_error_t *err)
{
        if (g == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        const unsigned char *buf = NULL;
        size_t len = 0;
        char *s = NULL;
        if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
                fc_error_set(err, -EINVAL, "generating JSON failed");
        } else {
                while (len > 0 && buf[len - 1] == '\n')
                        len--;
                s = strndup((const char *) buf, len);
                if (s == NULL)
                        fc_error_set(err, -ENOMEM, "out of memory");
        }
        yajl_gen_free(g);
        return s;
}

void gen_str(yajl_gen g, const char *s)
{
        yajl_gen_string(g, (const unsigned char *) s, strlen(s));
}

void gen_kstr(yajl_gen g, const char *key, const char *val)
{
        gen_str(g, key);
        gen_str(g, val ? val : "");
}

void gen_kint(yajl_gen g, const char *key, long long val)
{
        gen_str(g, key);
        yajl_gen_integer(g, val);
}

void gen_kbool(yajl_gen g, const char *key, bool val)
{
        gen_str(g, key);
        yajl_gen_bool(g, val);
}

void gen_kstrv(yajl_gen g, const char *key, const char *const *v)
{
        gen_str(g, key);
        yajl_gen_array_open(g);
        for (; *v; v++)
                gen_str(g, *v);
        yajl_gen_array_close(g);
}
