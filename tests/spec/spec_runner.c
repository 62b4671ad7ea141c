/* The core spec test runner for wast2json output: reads a JSON script (plus
 * its .wasm and .wat files; text modules go through weft's WAT parser) and
 * runs every command through the script engine (wasm/script.h), the same
 * semantics `weft wasm wast` applies to .wast files directly.
 *
 * usage: spec_runner [-v] FILE.json
 * Prints one line per failure and a summary "FILE: N passed, N failed,
 * N skipped"; exits 1 on any failure. */
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "wast/script.h"
#include "wasm/wasm.h"
#include "wat/wat.h"

#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct runner {
    const char *json_path;
    char *dir;
    wast_script *script;
    int passed, failed, skipped;
    bool verbose;
};

static int line_of(json_t *cmd)
{
    return (int)json_integer_value(json_object_get(cmd, "line"));
}

/* Count the command's outcome: rc 0 passed, else failed with err's message. */
static void outcome(struct runner *r, json_t *cmd, int rc, weft_error *err)
{
    if (rc == 0) {
        r->passed++;
        return;
    }
    printf("%s:%d: FAIL %s: %s\n", r->json_path, line_of(cmd),
           json_string_value(json_object_get(cmd, "type")), err ? err->msg : "?");
    werr_free(err);
    r->failed++;
}

static void skip(struct runner *r, json_t *cmd, const char *why)
{
    if (r->verbose)
        printf("%s:%d: skip: %s\n", r->json_path, line_of(cmd), why);
    r->skipped++;
}

static int read_file(const char *path, uint8_t **buf, size_t *len, weft_error **err)
{
    cleanup_fclose FILE *f = fopen(path, "rb");
    if (f == NULL)
        return werr_sys(err, "reading %s", path);
    size_t cap = 4096, n = 0, got;
    uint8_t *b = xmalloc(cap);
    while ((got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            b = xrealloc(b, cap *= 2);
    }
    *buf = b;
    *len = n;
    return 0;
}

/* The bytes of the command's module file. Text-form modules (.wat, from
 * assert_malformed/assert_invalid) go through weft's WAT parser, whose
 * failures are malformed-module errors. */
static int module_bytes(struct runner *r, json_t *cmd, uint8_t **buf, size_t *len, weft_error **err)
{
    const char *file = json_string_value(json_object_get(cmd, "filename"));
    if (file == NULL)
        return werr_set(err, 0, "command has no filename");
    cleanup_free char *path = xasprintf("%s/%s", r->dir, file);
    size_t n = strlen(file);
    if (n > 4 && strcmp(file + n - 4, ".wat") == 0)
        return wat_file_to_wasm(path, buf, len, err);
    return read_file(path, buf, len, err);
}

/* a JSON string as the engine spells names: U+0000 becomes C0 80 */
static char *name_of(json_t *j)
{
    if (j == NULL)
        return NULL;
    const char *s = json_string_value(j);
    size_t n = json_string_length(j);
    char *out = xmalloc(2 * n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 0) {
            *o++ = (char)0xc0;
            *o++ = (char)0x80;
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

/* A JSON value as an expectation (also used for arguments: kind VALUE).
 * Returns -1 for types out of scope (v128). */
static int parse_value(json_t *j, wast_script_expect *e)
{
    const char *type = json_string_value(json_object_get(j, "type"));
    const char *val = json_string_value(json_object_get(j, "value"));
    if (type == NULL)
        return -1;
    memset(e, 0, sizeof *e);
    wf_value *v = &e->value;
    bool is_float = type[0] == 'f' && type[1] != 'u';
    if (is_float && val && strncmp(val, "nan:", 4) == 0)
        e->kind =
            strcmp(val, "nan:canonical") == 0 ? WF_EXPECT_NAN_CANONICAL : WF_EXPECT_NAN_ARITHMETIC;
    if (strcmp(type, "i32") == 0 || strcmp(type, "f32") == 0) {
        v->type = type[0] == 'i' ? WF_I32 : WF_F32;
        v->of.i32 = e->kind ? 0 : (uint32_t)strtoull(val ? val : "0", NULL, 10);
    } else if (strcmp(type, "i64") == 0 || strcmp(type, "f64") == 0) {
        v->type = type[0] == 'i' ? WF_I64 : WF_F64;
        v->of.i64 = e->kind ? 0 : strtoull(val ? val : "0", NULL, 10);
    } else if (strcmp(type, "externref") == 0 || strcmp(type, "funcref") == 0) {
        v->type = type[0] == 'e' ? WF_EXTERNREF : WF_FUNCREF;
        if (val == NULL)
            e->kind = WF_EXPECT_REF_NONNULL; /* (ref.func): any function */
        else if (strcmp(val, "null") != 0)
            v->of.ref = wast_script_extern_ref(strtoull(val, NULL, 10));
    } else {
        return -1;
    }
    return 0;
}

/* The command's action; args (room for WAST_SCRIPT_MAX_VALS) receives the
 * arguments. Returns -1 if they cannot be expressed. The field is malloc'd. */
static int parse_action(json_t *act, wast_script_action *a, wf_value *args)
{
    const char *type = json_string_value(json_object_get(act, "type"));
    json_t *jargs = json_object_get(act, "args");
    *a = (wast_script_action){
        .get = type && strcmp(type, "get") == 0,
        .module = json_string_value(json_object_get(act, "module")),
        .args = args,
        .n_args = json_array_size(jargs),
    };
    if (a->n_args > WAST_SCRIPT_MAX_VALS)
        return -1;
    for (size_t i = 0; i < a->n_args; i++) {
        wast_script_expect e;
        if (parse_value(json_array_get(jargs, i), &e) < 0)
            return -1;
        args[i] = e.value;
    }
    a->field = name_of(json_object_get(act, "field"));
    return 0;
}

static void cmd_action(struct runner *r, json_t *cmd, const char *type)
{
    wf_value args[WAST_SCRIPT_MAX_VALS], res[WAST_SCRIPT_MAX_VALS];
    wast_script_expect exp[WAST_SCRIPT_MAX_VALS];
    wast_script_action a;
    weft_error *err = NULL;
    if (parse_action(json_object_get(cmd, "action"), &a, args) < 0)
        return skip(r, cmd, "unsupported argument type (v128)");
    /* owns a.field (parse_action allocated it) until the command is done */
    cleanup_free char *field = (char *)a.field;
    (void)field;
    const char *text = json_string_value(json_object_get(cmd, "text"));
    int rc;
    if (strcmp(type, "assert_return") == 0) {
        json_t *jexp = json_object_get(cmd, "expected");
        size_t n = json_array_size(jexp);
        if (n > WAST_SCRIPT_MAX_VALS)
            return skip(r, cmd, "too many results");
        for (size_t i = 0; i < n; i++) {
            if (parse_value(json_array_get(jexp, i), &exp[i]) < 0)
                return skip(r, cmd, "v128 values (SIMD) are out of scope");
        }
        rc = wast_script_assert_return(r->script, &a, exp, n, &err);
    } else if (strcmp(type, "assert_trap") == 0) {
        rc = wast_script_assert_action_fails(r->script, &a, WF_ERR_TRAP, text, &err);
    } else if (strcmp(type, "assert_exhaustion") == 0) {
        rc = wast_script_assert_action_fails(r->script, &a, WF_ERR_EXHAUSTED, text, &err);
    } else {
        size_t n;
        rc = wast_script_action_run(r->script, &a, res, &n, &err);
    }
    outcome(r, cmd, rc, err);
}

static void cmd_module(struct runner *r, json_t *cmd, const char *type)
{
    cleanup_free uint8_t *buf = NULL;
    size_t len = 0;
    weft_error *err = NULL;
    const char *file = json_string_value(json_object_get(cmd, "filename"));
    const char *text = json_string_value(json_object_get(cmd, "text"));
    int rc = module_bytes(r, cmd, &buf, &len, &err);
    if (strcmp(type, "module") == 0) {
        if (rc == 0)
            rc = wast_script_module(r->script, buf, len, file,
                                    json_string_value(json_object_get(cmd, "name")), &err);
    } else if (strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0) {
        int kind = type[7] == 'i' ? WF_ERR_INVALID : WF_ERR_MALFORMED;
        if (rc == 0)
            rc = wast_script_assert_bad_module(r->script, buf, len, file, kind, text, &err);
        else if (err->kind == kind) { /* a text module the WAT parser rejects */
            werr_free(err);
            err = NULL;
            rc = 0;
        }
    } else if (rc == 0) {
        int kind = strcmp(type, "assert_unlinkable") == 0 ? WF_ERR_UNLINKABLE : WF_ERR_TRAP;
        rc = wast_script_assert_bad_instance(r->script, buf, len, file, kind, text, &err);
    }
    outcome(r, cmd, rc, err);
}

static void run_command(struct runner *r, json_t *cmd)
{
    const char *type = json_string_value(json_object_get(cmd, "type"));
    weft_error *err = NULL;
    if (type == NULL) {
        outcome(r, cmd, werr_set(&err, 0, "command without type"), err);
    } else if (strcmp(type, "register") == 0) {
        int rc = wast_script_register(r->script, json_string_value(json_object_get(cmd, "as")),
                                      json_string_value(json_object_get(cmd, "name")), &err);
        outcome(r, cmd, rc, err);
    } else if (strcmp(type, "action") == 0 || strcmp(type, "assert_return") == 0 ||
               strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0) {
        cmd_action(r, cmd, type);
    } else if (strcmp(type, "module") == 0 || strncmp(type, "assert_", 7) == 0) {
        if (strcmp(type, "assert_invalid") && strcmp(type, "assert_malformed") &&
            strcmp(type, "assert_unlinkable") && strcmp(type, "assert_uninstantiable") &&
            strcmp(type, "module"))
            return skip(r, cmd, "unknown command");
        cmd_module(r, cmd, type);
    } else {
        skip(r, cmd, "unknown command");
    }
}

int main(int argc, char **argv)
{
    struct runner r = {0};
    int ai = 1;
    if (ai < argc && strcmp(argv[ai], "-v") == 0) {
        r.verbose = true;
        ai++;
    }
    if (ai >= argc) {
        fprintf(stderr, "usage: spec_runner [-v] FILE.json\n");
        return 2;
    }
    r.json_path = argv[ai];
    json_error_t jerr;
    json_t *root = json_load_file(r.json_path, JSON_ALLOW_NUL, &jerr);
    if (root == NULL) {
        fprintf(stderr, "%s:%d: %s\n", r.json_path, jerr.line, jerr.text);
        return 2;
    }
    cleanup_free char *copy = xstrdup(r.json_path);
    r.dir = dirname(copy);
    weft_error *err = NULL;
    if (wast_script_new(&r.script, &err) < 0) {
        fprintf(stderr, "%s\n", err->msg);
        return 2;
    }
    json_t *cmds = json_object_get(root, "commands");
    for (size_t i = 0; i < json_array_size(cmds); i++)
        run_command(&r, json_array_get(cmds, i));
    printf("%s: %d passed, %d failed, %d skipped\n", r.json_path, r.passed, r.failed, r.skipped);
    wast_script_free(r.script);
    json_decref(root);
    return r.failed ? 1 : 0;
}
