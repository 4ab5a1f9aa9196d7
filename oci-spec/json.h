/* SPDX-License-Identifier: Apache-2.0
 *
 * Internal to oci-spec/: the only header that exposes yajl types.  Helpers
 * that read typed values out of a yajl tree while tracking the JSON path, so
 * every validation error can start with where it happened
 * (`linux.namespaces[2].type: ...`), and helpers around yajl_gen.
 */
#ifndef FC_OCI_JSON_H
#define FC_OCI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "oci-spec/config.h"
#include "oci-spec/error.h"

/* Deeper documents are refused before yajl sees them: yajl_tree_free()
 * recurses once per level, so 100000 nested arrays would exhaust the stack. */
#define FC_JSON_MAX_DEPTH 64

/* The JSON path of the value being looked at, built in place: pushing a key
 * or index returns the old length, popping restores it. */
struct jp {
        char buf[512];
        size_t len;
        fc_error_t *err;
};

void jp_init(struct jp *p, fc_error_t *err);
size_t jp_key(struct jp *p, const char *key);
size_t jp_idx(struct jp *p, size_t i);
static inline void jp_pop(struct jp *p, size_t old)
{
        p->len = old;
        p->buf[old] = '\0';
}
/* Fill p->err with "<path>: <message>" (status -EINVAL) and return it. */
int jp_fail(struct jp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int jp_nomem(struct jp *p);

/* Depth and "\u0000" check, then yajl_tree_parse().  Returns NULL and fills
 * err on a syntax error.  Free with yajl_tree_free(). */
yajl_val fc_json_parse_tree(const char *json, size_t len, fc_error_t *err);

/* Member lookup.  JSON null counts as absent (as Go's encoding/json, which
 * runc uses, treats it); with duplicate keys the last one wins (likewise). */
yajl_val j_get(yajl_val obj, const char *key);

/* Conversions of a value at the current path. */
int v_str(struct jp *p, yajl_val v, char **ret);
int v_bool(struct jp *p, yajl_val v, bool *ret);
int v_int(struct jp *p, yajl_val v, int64_t min, int64_t max, int64_t *ret);
int v_uint(struct jp *p, yajl_val v, uint64_t max, uint64_t *ret);

/* Member getters: absent members leave *ret alone and return 0; `has` may
 * be NULL.  Each pushes/pops the key itself. */
int j_str(struct jp *p, yajl_val obj, const char *key, char **ret);
int j_str_req(struct jp *p, yajl_val obj, const char *key, char **ret);
int j_bool(struct jp *p, yajl_val obj, const char *key, bool *ret, bool *has);
int j_i64(struct jp *p, yajl_val obj, const char *key, int64_t *ret, bool *has);
int j_u64(struct jp *p, yajl_val obj, const char *key, uint64_t *ret, bool *has);
int j_u32(struct jp *p, yajl_val obj, const char *key, uint32_t *ret, bool *has);
int j_u16(struct jp *p, yajl_val obj, const char *key, uint16_t *ret, bool *has);
int j_int(struct jp *p, yajl_val obj, const char *key, int64_t min, int64_t max, int *ret,
          bool *has);
/* An array of strings, stored NULL-terminated as well (execve-ready). */
int j_strv(struct jp *p, yajl_val obj, const char *key, char ***ret, size_t *n, bool *has);
/* An object whose members are all strings. */
int j_kv(struct jp *p, yajl_val obj, const char *key, struct fc_kv **ret, size_t *n);
int j_idmaps(struct jp *p, yajl_val obj, const char *key, struct fc_id_mapping **ret, size_t *n);
/* 1 and *ret set when the member is an object / array, 0 when absent. */
int j_obj(struct jp *p, yajl_val obj, const char *key, yajl_val *ret);
int j_arr(struct jp *p, yajl_val obj, const char *key, yajl_val *ret);

/* An array of objects parsed by fn into a calloc'd array of esize-byte
 * elements.  *ret and *n are set before the elements are parsed so the
 * caller's free function releases a half-parsed array. */
typedef int (*j_elem_fn)(struct jp *p, yajl_val v, void *elem);
int j_objarr(struct jp *p, yajl_val obj, const char *key, size_t esize, void **ret, size_t *n,
             j_elem_fn fn);

/* Parses an optional sub-object of `v` into a freshly calloc'd struct. */
#define J_SUBOBJ(p, v, key, field, fn)                                                             \
        ({                                                                                         \
                yajl_val _o = NULL;                                                                \
                int _r = j_obj(p, v, key, &_o);                                                    \
                if (_r > 0) {                                                                      \
                        (field) = calloc(1, sizeof(*(field)));                                     \
                        if ((field) == NULL) {                                                     \
                                _r = jp_nomem(p);                                                  \
                        } else {                                                                   \
                                size_t _old = jp_key(p, key);                                      \
                                _r = fn(p, _o, field);                                             \
                                jp_pop(p, _old);                                                   \
                        }                                                                          \
                }                                                                                  \
                _r < 0 ? _r : 0;                                                                   \
        })

/* Fails with "unknown <what> \"<val>\"" at <path>.<key> unless val is NULL or
 * one of the NULL-terminated names. */
int j_enum(struct jp *p, const char *key, const char *val, const char *const *names,
           const char *what);

/* Is s one of the NULL-terminated names? */
bool fc_name_in(const char *s, const char *const *names);

void fc_strv_release(char **v, size_t n);
void fc_kv_release(struct fc_kv *kv, size_t n);

/* yajl_gen helpers.  gen_begin() makes a generator (pretty with `indent`
 * when not NULL); gen_end() returns the text without yajl's final newline
 * (runc prints none either) or NULL with err filled. */
yajl_gen gen_begin(const char *indent);
char *gen_end(yajl_gen g, fc_error_t *err);
void gen_str(yajl_gen g, const char *s);
void gen_kstr(yajl_gen g, const char *key, const char *val);
void gen_kint(yajl_gen g, const char *key, long long val);
void gen_kbool(yajl_gen g, const char *key, bool val);
void gen_kstrv(yajl_gen g, const char *key, const char *const *v);

/* Not part of the public API: used by fc_config_free(). */
void fc_linux_free(struct fc_linux *l);
int fc_linux_parse(struct jp *p, yajl_val v, struct fc_linux **ret);
/* Used by oci-spec/resources.c (update --resources). */
int fc_linux_resources_parse(struct jp *p, yajl_val v, struct fc_resources *res);
void fc_linux_resources_free(struct fc_resources *r);

#endif
