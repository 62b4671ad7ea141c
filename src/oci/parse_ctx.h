/* Internal to src/oci/: the parse context and typed JSON getters.
 *
 * The context carries the JSON path of the value being read ("linux.namespaces[2].type")
 * so every error names the file and the field. Parsing stops at the first error: callers
 * just `return -1` and the whole spec is freed, so the path needs no unwinding on errors.
 *
 * Getters taking (obj, key) return 1 when the field is present, 0 when it is absent
 * (a JSON null counts as absent, as in the reference Go bindings) and -1 on error.
 */
#ifndef WEFT_OCI_PARSE_CTX_H
#define WEFT_OCI_PARSE_CTX_H

#include "oci/spec.h"
#include "util/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct oci_pctx {
    const char *origin; /* file name for messages */
    char path[1024];
    size_t len;
    weft_error **err;
} oci_pctx;

/* Append ".key" / "[i]" to the path; return the previous length for pctx_pop(). */
size_t pctx_key(oci_pctx *c, const char *key);
size_t pctx_idx(oci_pctx *c, size_t i);
void pctx_pop(oci_pctx *c, size_t len);

/* "ORIGIN: PATH: message"; returns -1. */
int pctx_fail(oci_pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for the child `key` of the current path. */
int pctx_fail_at(oci_pctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* obj[key], NULL when absent or null. */
json_t *jfield(json_t *obj, const char *key);

/* Value-level conversions, errors at the current path. */
int oci_num_u64(oci_pctx *c, json_t *v, uint64_t max, uint64_t *out);
int oci_num_i64(oci_pctx *c, json_t *v, int64_t min, int64_t max, int64_t *out);
int oci_val_str(oci_pctx *c, json_t *v, char **out);

int oci_get_str(oci_pctx *c, json_t *obj, const char *key, bool req, char **out);
int oci_get_bool(oci_pctx *c, json_t *obj, const char *key, bool req, bool *out);
int oci_get_u64(oci_pctx *c, json_t *obj, const char *key, bool req, uint64_t max, uint64_t *out);
int oci_get_u32(oci_pctx *c, json_t *obj, const char *key, bool req, uint32_t *out);
int oci_get_i64(oci_pctx *c, json_t *obj, const char *key, bool req, int64_t min, int64_t max,
                int64_t *out);
int oci_get_obj(oci_pctx *c, json_t *obj, const char *key, bool req, json_t **out);
/* obj[key], when present, handed to fn with the path extended by key; *has
 * set. Returns 1 when present, 0 when absent, -1 on error. */
int oci_get_obj_with(oci_pctx *c, json_t *obj, const char *key, bool *has,
                     int (*fn)(oci_pctx *, json_t *, void *), void *arg);
int oci_get_arr(oci_pctx *c, json_t *obj, const char *key, bool req, json_t **out);
/* A NULL-terminated string array (allocated even when empty). */
int oci_get_strv(oci_pctx *c, json_t *obj, const char *key, bool req, char ***out, size_t *n);
/* An object of string values, as key/value pairs in document order. */
int oci_get_kv(oci_pctx *c, json_t *obj, const char *key, oci_kv **out, size_t *n);
int oci_get_idmaps(oci_pctx *c, json_t *obj, const char *key, oci_id_mapping **out, size_t *n);

/* Parse JSON text; syntax errors are "ORIGIN: line L, column C: ...". Integers beyond
 * int64 (up to UINT64_MAX, e.g. RLIM_INFINITY written by Go) are kept: see parse_ctx.c. */
json_t *oci_json_load(const char *text, size_t len, const char *origin, weft_error **err);

/* Sections (parse_process.c, parse_linux.c, parse_resources.c, parse_seccomp.c). */
int oci_parse_process(oci_pctx *c, json_t *obj, oci_process *p);
int oci_parse_linux(oci_pctx *c, json_t *obj, oci_linux *l);
int oci_parse_resources(oci_pctx *c, json_t *obj, oci_resources *r);
int oci_parse_seccomp(oci_pctx *c, json_t *obj, oci_seccomp *s);

/* Contents only (free.c). */
void oci_process_clear(oci_process *p);

/* Name tables (names.c); -1 when unknown. */
int oci_ioprio_class_from_name(const char *name);
int oci_sched_policy_from_name(const char *name);
bool oci_sched_flag_known(const char *name);
bool oci_cap_known(const char *name);
int oci_seccomp_action_from_name(const char *name, uint32_t *base);
int oci_seccomp_op_from_name(const char *name);
bool oci_seccomp_arch_known(const char *name);
bool oci_seccomp_flag_known(const char *name);

/* For the features document. */
extern const char *const oci_seccomp_action_names[];
extern const char *const oci_seccomp_op_names[];
extern const char *const oci_seccomp_arch_names[];
extern const char *const oci_seccomp_flag_names[];
extern const char *const oci_seccomp_supported_flag_names[];
extern const char *const oci_hook_names[OCI_HOOK_KIND_COUNT];

#endif
