/* The parse context (JSON path for errors) and typed getters over jansson values. */
#include "oci/parse_ctx.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jansson stores integers as long long and rejects larger literals. Go writes uint64
 * fields such as RLIM_INFINITY (18446744073709551615) as plain numbers, so before a
 * second parse such literals are turned into strings carrying this marker, which only
 * the integer getters understand. */
#define BIG_MARK "\001u64:"
#define BIG_MARK_JSON "\\u0001u64:"

size_t pctx_key(oci_pctx *c, const char *key)
{
    size_t old = c->len;
    int n = snprintf(c->path + c->len, sizeof c->path - c->len, "%s%s", c->len ? "." : "", key);
    if (n > 0)
        c->len += (size_t)n < sizeof c->path - c->len ? (size_t)n : sizeof c->path - 1 - c->len;
    return old;
}

size_t pctx_idx(oci_pctx *c, size_t i)
{
    size_t old = c->len;
    int n = snprintf(c->path + c->len, sizeof c->path - c->len, "[%zu]", i);
    if (n > 0)
        c->len += (size_t)n < sizeof c->path - c->len ? (size_t)n : sizeof c->path - 1 - c->len;
    return old;
}

void pctx_pop(oci_pctx *c, size_t len)
{
    c->len = len;
    c->path[len] = '\0';
}

static int pctx_vfail(oci_pctx *c, const char *fmt, va_list ap)
{
    cleanup_free char *msg = NULL;
    msg = xvasprintf(fmt, ap);
    if (c->len)
        return werr_set(c->err, 0, "%s: %s: %s", c->origin, c->path, msg);
    return werr_set(c->err, 0, "%s: %s", c->origin, msg);
}

int pctx_fail(oci_pctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pctx_vfail(c, fmt, ap);
    va_end(ap);
    return -1;
}

int pctx_fail_at(oci_pctx *c, const char *key, const char *fmt, ...)
{
    va_list ap;
    pctx_key(c, key);
    va_start(ap, fmt);
    pctx_vfail(c, fmt, ap);
    va_end(ap);
    return -1;
}

json_t *jfield(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

/* An integer as sign + magnitude; false if `v` is not an integer. */
static bool json_int_parts(json_t *v, bool *neg, uint64_t *mag)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        *neg = i < 0;
        *mag = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
        return true;
    }
    if (json_is_string(v) && strncmp(json_string_value(v), BIG_MARK, strlen(BIG_MARK)) == 0) {
        *neg = false;
        *mag = strtoull(json_string_value(v) + strlen(BIG_MARK), NULL, 10);
        return true;
    }
    return false;
}

int oci_num_u64(oci_pctx *c, json_t *v, uint64_t max, uint64_t *out)
{
    bool neg;
    uint64_t mag;
    if (!json_int_parts(v, &neg, &mag))
        return pctx_fail(c, "must be an integer");
    if ((neg && mag != 0) || mag > max)
        return pctx_fail(c, "must be between 0 and %" PRIu64, max);
    *out = mag;
    return 0;
}

int oci_num_i64(oci_pctx *c, json_t *v, int64_t min, int64_t max, int64_t *out)
{
    bool neg;
    uint64_t mag;
    if (!json_int_parts(v, &neg, &mag))
        return pctx_fail(c, "must be an integer");
    bool ok = mag <= (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX);
    int64_t val = 0;
    if (ok)
        val = !neg ? (int64_t)mag : mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    if (!ok || val < min || val > max)
        return pctx_fail(c, "must be between %" PRId64 " and %" PRId64, min, max);
    *out = val;
    return 0;
}

int oci_val_str(oci_pctx *c, json_t *v, char **out)
{
    if (!json_is_string(v))
        return pctx_fail(c, "must be a string");
    free(*out);
    *out = xstrdup(json_string_value(v));
    return 0;
}

int oci_get_str(oci_pctx *c, json_t *obj, const char *key, bool req, char **out)
{
    json_t *v = jfield(obj, key);
    if (v == NULL)
        return req ? pctx_fail_at(c, key, "missing required field") : 0;
    size_t m = pctx_key(c, key);
    if (oci_val_str(c, v, out) < 0)
        return -1;
    pctx_pop(c, m);
    return 1;
}

int oci_get_bool(oci_pctx *c, json_t *obj, const char *key, bool req, bool *out)
{
    json_t *v = jfield(obj, key);
    if (v == NULL)
        return req ? pctx_fail_at(c, key, "missing required field") : 0;
    if (!json_is_boolean(v))
        return pctx_fail_at(c, key, "must be a boolean");
    *out = json_is_true(v);
    return 1;
}

int oci_get_u64(oci_pctx *c, json_t *obj, const char *key, bool req, uint64_t max, uint64_t *out)
{
    json_t *v = jfield(obj, key);
    if (v == NULL)
        return req ? pctx_fail_at(c, key, "missing required field") : 0;
    size_t m = pctx_key(c, key);
    if (oci_num_u64(c, v, max, out) < 0)
        return -1;
    pctx_pop(c, m);
    return 1;
}

int oci_get_u32(oci_pctx *c, json_t *obj, const char *key, bool req, uint32_t *out)
{
    uint64_t v = 0;
    int r = oci_get_u64(c, obj, key, req, UINT32_MAX, &v);
    if (r > 0)
        *out = (uint32_t)v;
    return r;
}

int oci_get_i64(oci_pctx *c, json_t *obj, const char *key, bool req, int64_t min, int64_t max,
                int64_t *out)
{
    json_t *v = jfield(obj, key);
    if (v == NULL)
        return req ? pctx_fail_at(c, key, "missing required field") : 0;
    size_t m = pctx_key(c, key);
    if (oci_num_i64(c, v, min, max, out) < 0)
        return -1;
    pctx_pop(c, m);
    return 1;
}

int oci_get_obj(oci_pctx *c, json_t *obj, const char *key, bool req, json_t **out)
{
    json_t *v = jfield(obj, key);
    if (v == NULL)
        return req ? pctx_fail_at(c, key, "missing required field") : 0;
    if (!json_is_object(v))
        return pctx_fail_at(c, key, "must be an object");
    *out = v;
    return 1;
}

int oci_get_arr(oci_pctx *c, json_t *obj, const char *key, bool req, json_t **out)
{
    json_t *v = jfield(obj, key);
    if (v == NULL)
        return req ? pctx_fail_at(c, key, "missing required field") : 0;
    if (!json_is_array(v))
        return pctx_fail_at(c, key, "must be an array");
    *out = v;
    return 1;
}

int oci_get_strv(oci_pctx *c, json_t *obj, const char *key, bool req, char ***out, size_t *n)
{
    json_t *arr = NULL;
    int r = oci_get_arr(c, obj, key, req, &arr);
    if (r <= 0)
        return r;
    size_t len = json_array_size(arr);
    /* Owned by the caller's struct from here on, so a failure mid-way frees cleanly. */
    *out = xcalloc(len + 1, sizeof **out);
    *n = 0;
    size_t m = pctx_key(c, key);
    for (size_t i = 0; i < len; i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_string(v)) {
            pctx_idx(c, i);
            return pctx_fail(c, "must be a string");
        }
        (*out)[i] = xstrdup(json_string_value(v));
        *n = i + 1;
    }
    pctx_pop(c, m);
    return 1;
}

int oci_get_kv(oci_pctx *c, json_t *obj, const char *key, oci_kv **out, size_t *n)
{
    json_t *o = NULL;
    int r = oci_get_obj(c, obj, key, false, &o);
    if (r <= 0)
        return r;
    *out = xcalloc(json_object_size(o) + 1, sizeof **out);
    *n = 0;
    size_t m = pctx_key(c, key);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (!json_is_string(v))
            return pctx_fail_at(c, k, "must be a string");
        (*out)[*n].key = xstrdup(k);
        (*out)[*n].value = xstrdup(json_string_value(v));
        (*n)++;
    }
    pctx_pop(c, m);
    return 1;
}

int oci_get_idmaps(oci_pctx *c, json_t *obj, const char *key, oci_id_mapping **out, size_t *n)
{
    json_t *arr = NULL;
    int r = oci_get_arr(c, obj, key, false, &arr);
    if (r <= 0)
        return r;
    size_t len = json_array_size(arr);
    *out = xcalloc(len + 1, sizeof **out);
    *n = len;
    size_t m = pctx_key(c, key);
    for (size_t i = 0; i < len; i++) {
        json_t *e = json_array_get(arr, i);
        size_t mi = pctx_idx(c, i);
        if (!json_is_object(e))
            return pctx_fail(c, "must be an object");
        if (oci_get_u32(c, e, "containerID", true, &(*out)[i].container_id) < 0 ||
            oci_get_u32(c, e, "hostID", true, &(*out)[i].host_id) < 0 ||
            oci_get_u32(c, e, "size", true, &(*out)[i].size) < 0)
            return -1;
        pctx_pop(c, mi);
    }
    pctx_pop(c, m);
    return 1;
}

/* Copy `text`, quoting integer literals above INT64_MAX (and at most UINT64_MAX) with
 * BIG_MARK. Strings are skipped so their contents are never touched. */
static char *quote_big_ints(const char *text, size_t len, size_t *out_len)
{
    size_t cap = len * 2 + 16, o = 0;
    char *out = xmalloc(cap);
    bool in_str = false;
    for (size_t i = 0; i < len;) {
        char ch = text[i];
        /* A number token starts with a digit or '-' (negative ones are never quoted). */
        if (in_str || (!isdigit((unsigned char)ch) && ch != '-')) {
            if (in_str && ch == '\\' && i + 1 < len) {
                out[o++] = text[i++];
            } else if (ch == '"') {
                in_str = !in_str;
            }
            out[o++] = text[i++];
            continue;
        }
        size_t j = i;
        while (j < len && (isdigit((unsigned char)text[j]) || strchr(".eE+-", text[j])))
            j++;
        size_t tok = j - i;
        bool plain = true;
        for (size_t k = i; k < j; k++)
            plain = plain && isdigit((unsigned char)text[k]);
        bool big = false;
        if (plain && tok >= 19 && tok <= 20) {
            char buf[24];
            memcpy(buf, text + i, tok);
            buf[tok] = '\0';
            errno = 0;
            unsigned long long v = strtoull(buf, NULL, 10);
            big = errno == 0 && v > (unsigned long long)INT64_MAX;
        }
        if (o + tok + sizeof BIG_MARK_JSON + 2 >= cap) {
            cap = (cap + tok + sizeof BIG_MARK_JSON + 2) * 2;
            out = xrealloc(out, cap);
        }
        if (big)
            o += (size_t)sprintf(out + o, "\"%s", BIG_MARK_JSON);
        memcpy(out + o, text + i, tok);
        o += tok;
        if (big)
            out[o++] = '"';
        i = j;
        if (o + 8 >= cap) {
            cap *= 2;
            out = xrealloc(out, cap);
        }
    }
    *out_len = o;
    return out;
}

json_t *oci_json_load(const char *text, size_t len, const char *origin, weft_error **err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (root == NULL && strncmp(je.text, "too big integer", 15) == 0) {
        size_t qlen = 0;
        cleanup_free char *quoted = quote_big_ints(text, len, &qlen);
        root = json_loadb(quoted, qlen, 0, &je);
    }
    if (root == NULL) {
        werr_set(err, 0, "%s: line %d, column %d: %s", origin, je.line, je.column, je.text);
        return NULL;
    }
    return root;
}

int oci_get_obj_with(oci_pctx *c, json_t *obj, const char *key, bool *has,
                     int (*fn)(oci_pctx *, json_t *, void *), void *arg)
{
    json_t *v = NULL;
    int r = oci_get_obj(c, obj, key, false, &v);
    if (r <= 0)
        return r;
    size_t m = pctx_key(c, key);
    if (fn(c, v, arg) < 0)
        return -1;
    pctx_pop(c, m);
    *has = true;
    return 1;
}
