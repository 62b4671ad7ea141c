/* The core spec test runner: reads a wast2json JSON script (plus its .wasm
 * and .wat files; text modules go through weft's WAT parser) and checks every
 * command against weft's wasm engine.
 *
 * usage: spec_runner [-v] FILE.json
 * Prints one line per failure and a summary "FILE: N passed, N failed,
 * N skipped"; exits 1 on any failure. */
#include "wasm/wasm.h"
#include "wasm/wat.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALS 64

struct named {
    char *name;
    wf_instance *inst;
};

struct runner {
    const char *json_path;
    char *dir;
    wf_store *store;
    wf_linker *linker;
    wf_instance *current;
    struct named *named;
    size_t n_named;
    wf_module **modules; /* kept alive until the end: instances refer to them */
    size_t n_modules;
    int passed, failed, skipped;
    bool verbose;
};

static int spectest_print(wf_call *call, void *env, const wf_value *args, wf_value *results)
{
    (void)call, (void)env, (void)args, (void)results;
    return 0;
}

static int define_spectest(struct runner *r, weft_error **err)
{
    static const struct {
        const char *name, *params;
    } prints[] = {{"print", ""},          {"print_i32", "i"}, {"print_i64", "I"},
                  {"print_f32", "f"},     {"print_f64", "F"}, {"print_i32_f32", "if"},
                  {"print_f64_f64", "FF"}};
    for (size_t i = 0; i < sizeof prints / sizeof prints[0]; i++) {
        if (wf_linker_define_func(r->linker, "spectest", prints[i].name, prints[i].params, "",
                                  spectest_print, NULL, err) < 0)
            return -1;
    }
    float f32 = 666.6f;
    double f64 = 666.6;
    wf_value v = {.type = WF_I32, .of.i32 = 666};
    if (wf_linker_define_global(r->linker, r->store, "spectest", "global_i32", v, false, err) < 0)
        return -1;
    v = (wf_value){.type = WF_I64, .of.i64 = 666};
    if (wf_linker_define_global(r->linker, r->store, "spectest", "global_i64", v, false, err) < 0)
        return -1;
    v = (wf_value){.type = WF_F32};
    memcpy(&v.of.f32, &f32, 4);
    if (wf_linker_define_global(r->linker, r->store, "spectest", "global_f32", v, false, err) < 0)
        return -1;
    v = (wf_value){.type = WF_F64};
    memcpy(&v.of.f64, &f64, 8);
    if (wf_linker_define_global(r->linker, r->store, "spectest", "global_f64", v, false, err) < 0)
        return -1;
    if (wf_linker_define_table(r->linker, r->store, "spectest", "table", WF_FUNCREF, 10, 20, err) <
        0)
        return -1;
    return wf_linker_define_memory(r->linker, r->store, "spectest", "memory", 1, 2, err);
}

static void fail(struct runner *r, json_t *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct runner *r, json_t *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stdout, "%s:%d: FAIL %s: ", r->json_path,
            (int)json_integer_value(json_object_get(cmd, "line")),
            json_string_value(json_object_get(cmd, "type")));
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    r->failed++;
}

static void skip(struct runner *r, json_t *cmd, const char *why)
{
    if (r->verbose)
        printf("%s:%d: skip: %s\n", r->json_path,
               (int)json_integer_value(json_object_get(cmd, "line")), why);
    r->skipped++;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    cleanup_fclose FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t cap = 4096, n = 0;
    uint8_t *b = xmalloc(cap);
    size_t got;
    while ((got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            b = xrealloc(b, cap *= 2);
    }
    *buf = b;
    *len = n;
    return 0;
}

/* Load (decode+validate) the command's module file. */
static int load_module(struct runner *r, json_t *cmd, wf_module **out, weft_error **err)
{
    const char *file = json_string_value(json_object_get(cmd, "filename"));
    if (file == NULL)
        return werr_set(err, 0, "command has no filename");
    cleanup_free char *path = xasprintf("%s/%s", r->dir, file);
    cleanup_free uint8_t *buf = NULL;
    size_t len = 0;
    size_t n = strlen(file);
    if (n > 4 && strcmp(file + n - 4, ".wat") == 0) {
        /* text-form modules of assert_malformed/assert_invalid: weft's WAT
         * parser turns them into a binary first */
        if (wat_file_to_wasm(path, &buf, &len, err) < 0)
            return -1;
    } else if (read_file(path, &buf, &len) < 0) {
        return werr_sys(err, "reading %s", path);
    }
    if (wf_module_load(buf, len, file, out, err) < 0)
        return -1;
    r->modules = xreallocarray(r->modules, r->n_modules + 1, sizeof *r->modules);
    r->modules[r->n_modules++] = *out;
    return 0;
}

static wf_instance *find_instance(struct runner *r, const char *name)
{
    if (name == NULL)
        return r->current;
    for (size_t i = r->n_named; i-- > 0;) {
        if (strcmp(r->named[i].name, name) == 0)
            return r->named[i].inst;
    }
    return NULL;
}

static void *extern_ref(uint64_t n)
{
    return (void *)(uintptr_t)(n + 1); /* never NULL, never a real pointer we hand out */
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

static int parse_value(json_t *j, wf_value *v)
{
    const char *type = json_string_value(json_object_get(j, "type"));
    const char *val = json_string_value(json_object_get(j, "value"));
    if (type == NULL)
        return -1;
    memset(v, 0, sizeof *v);
    if (strcmp(type, "i32") == 0 || strcmp(type, "f32") == 0) {
        v->type = type[0] == 'i' ? WF_I32 : WF_F32;
        v->of.i32 = (uint32_t)strtoull(val ? val : "0", NULL, 10);
    } else if (strcmp(type, "i64") == 0 || strcmp(type, "f64") == 0) {
        v->type = type[0] == 'i' ? WF_I64 : WF_F64;
        v->of.i64 = strtoull(val ? val : "0", NULL, 10);
    } else if (strcmp(type, "externref") == 0 || strcmp(type, "funcref") == 0) {
        v->type = type[0] == 'e' ? WF_EXTERNREF : WF_FUNCREF;
        v->of.ref =
            (val == NULL || strcmp(val, "null") == 0) ? NULL : extern_ref(strtoull(val, NULL, 10));
    } else {
        return -1;
    }
    return 0;
}

/* Run an action; returns -1 with err set on failure (trap, ...), -2 when the
 * action cannot be expressed (unsupported value types). */
static int do_action(struct runner *r, json_t *act, wf_value *results, size_t *n, weft_error **err)
{
    const char *type = json_string_value(json_object_get(act, "type"));
    cleanup_free char *field = name_of(json_object_get(act, "field"));
    const char *mod = json_string_value(json_object_get(act, "module"));
    wf_instance *inst = find_instance(r, mod);
    if (inst == NULL)
        return werr_set(err, 0, "no instance %s", mod ? mod : "(current)");
    if (type && strcmp(type, "get") == 0) {
        *n = 1;
        return wf_export_global(inst, field, &results[0], err);
    }
    json_t *args = json_object_get(act, "args");
    wf_value av[MAX_VALS];
    size_t na = json_array_size(args);
    if (na > MAX_VALS)
        return -2;
    for (size_t i = 0; i < na; i++) {
        if (parse_value(json_array_get(args, i), &av[i]) < 0)
            return -2;
    }
    return wf_invoke(inst, field, av, na, results, n, err);
}

static bool is_nan_kind(const char *val, const char *kind)
{
    return val && strcmp(val, kind) == 0;
}

static bool check_value(json_t *exp, const wf_value *got)
{
    const char *type = json_string_value(json_object_get(exp, "type"));
    const char *val = json_string_value(json_object_get(exp, "value"));
    if (strcmp(type, "f32") == 0) {
        if (got->type != WF_F32)
            return false;
        uint32_t b = got->of.f32;
        bool nan = (b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu);
        if (is_nan_kind(val, "nan:canonical"))
            return (b & 0x7fffffffu) == 0x7fc00000u;
        if (is_nan_kind(val, "nan:arithmetic"))
            return nan && (b & 0x400000u);
        return b == (uint32_t)strtoull(val, NULL, 10);
    }
    if (strcmp(type, "f64") == 0) {
        if (got->type != WF_F64)
            return false;
        uint64_t b = got->of.f64;
        bool nan = (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull);
        if (is_nan_kind(val, "nan:canonical"))
            return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
        if (is_nan_kind(val, "nan:arithmetic"))
            return nan && (b & 0x8000000000000ull);
        return b == strtoull(val, NULL, 10);
    }
    if (strcmp(type, "i32") == 0)
        return got->type == WF_I32 && got->of.i32 == (uint32_t)strtoull(val, NULL, 10);
    if (strcmp(type, "i64") == 0)
        return got->type == WF_I64 && got->of.i64 == strtoull(val, NULL, 10);
    if (strcmp(type, "externref") == 0 || strcmp(type, "funcref") == 0) {
        wf_valtype t = type[0] == 'e' ? WF_EXTERNREF : WF_FUNCREF;
        if (got->type != t)
            return false;
        if (val == NULL)
            return got->of.ref != NULL;
        if (strcmp(val, "null") == 0)
            return got->of.ref == NULL;
        return t == WF_EXTERNREF && got->of.ref == extern_ref(strtoull(val, NULL, 10));
    }
    return false;
}

static void cmd_assert_return(struct runner *r, json_t *cmd)
{
    wf_value res[MAX_VALS];
    size_t n = 0;
    weft_error *err = NULL;
    json_t *exp = json_object_get(cmd, "expected");
    for (size_t i = 0; i < json_array_size(exp); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(exp, i), "type"));
        if (t && strcmp(t, "v128") == 0)
            return skip(r, cmd, "v128 values (SIMD) are out of scope");
    }
    int rc = do_action(r, json_object_get(cmd, "action"), res, &n, &err);
    if (rc == -2)
        return skip(r, cmd, "unsupported argument type");
    if (rc < 0) {
        fail(r, cmd, "%s", err ? err->msg : "?");
        werr_free(err);
        return;
    }
    if (n != json_array_size(exp))
        return fail(r, cmd, "got %zu results, expected %zu", n, json_array_size(exp));
    for (size_t i = 0; i < n; i++) {
        if (!check_value(json_array_get(exp, i), &res[i])) {
            char *s = json_dumps(json_array_get(exp, i), JSON_COMPACT);
            fail(r, cmd, "result %zu: got 0x%llx, expected %s", i,
                 (unsigned long long)res[i].of.i64, s);
            free(s);
            return;
        }
    }
    r->passed++;
}

static void cmd_assert_fails(struct runner *r, json_t *cmd, int kind)
{
    wf_value res[MAX_VALS];
    size_t n = 0;
    weft_error *err = NULL;
    const char *text = json_string_value(json_object_get(cmd, "text"));
    int rc = do_action(r, json_object_get(cmd, "action"), res, &n, &err);
    if (rc == -2)
        return skip(r, cmd, "unsupported argument type");
    if (rc == 0)
        return fail(r, cmd, "succeeded, expected \"%s\"", text);
    if (err->kind != kind || (text && strstr(err->msg, text) == NULL))
        fail(r, cmd, "got \"%s\" (kind %d), expected \"%s\"", err->msg, err->kind, text);
    else
        r->passed++;
    werr_free(err);
}

static void cmd_module(struct runner *r, json_t *cmd)
{
    weft_error *err = NULL;
    wf_module *m;
    wf_instance *inst;
    if (load_module(r, cmd, &m, &err) < 0 ||
        wf_instantiate(r->store, m, r->linker, &inst, &err) < 0) {
        r->current = NULL;
        fail(r, cmd, "%s", err->msg);
        werr_free(err);
        return;
    }
    r->current = inst;
    const char *name = json_string_value(json_object_get(cmd, "name"));
    if (name) {
        r->named = xreallocarray(r->named, r->n_named + 1, sizeof *r->named);
        r->named[r->n_named++] = (struct named){xstrdup(name), inst};
    }
    r->passed++;
}

static void cmd_register(struct runner *r, json_t *cmd)
{
    weft_error *err = NULL;
    const char *name = json_string_value(json_object_get(cmd, "name"));
    const char *as = json_string_value(json_object_get(cmd, "as"));
    wf_instance *inst = find_instance(r, name);
    if (inst == NULL)
        return fail(r, cmd, "no instance to register");
    if (wf_linker_define_instance(r->linker, as, inst, &err) < 0) {
        fail(r, cmd, "%s", err->msg);
        werr_free(err);
        return;
    }
    r->passed++;
}

static void cmd_action(struct runner *r, json_t *cmd)
{
    wf_value res[MAX_VALS];
    size_t n;
    weft_error *err = NULL;
    int rc = do_action(r, json_object_get(cmd, "action"), res, &n, &err);
    if (rc == -2)
        return skip(r, cmd, "unsupported argument type");
    if (rc < 0) {
        fail(r, cmd, "%s", err->msg);
        werr_free(err);
        return;
    }
    r->passed++;
}

/* assert_invalid / assert_malformed: loading must fail with `kind` */
static void cmd_bad_module(struct runner *r, json_t *cmd, int kind)
{
    weft_error *err = NULL;
    wf_module *m;
    if (load_module(r, cmd, &m, &err) == 0)
        return fail(r, cmd, "module loaded, expected \"%s\"",
                    json_string_value(json_object_get(cmd, "text")));
    if (err->kind != kind)
        fail(r, cmd, "got \"%s\" (kind %d), expected \"%s\"", err->msg, err->kind,
             json_string_value(json_object_get(cmd, "text")));
    else
        r->passed++;
    werr_free(err);
}

/* assert_unlinkable / assert_uninstantiable: loads, instantiation fails */
static void cmd_bad_instance(struct runner *r, json_t *cmd, int kind)
{
    weft_error *err = NULL;
    wf_module *m;
    wf_instance *inst;
    if (load_module(r, cmd, &m, &err) < 0) {
        fail(r, cmd, "%s", err->msg);
        werr_free(err);
        return;
    }
    if (wf_instantiate(r->store, m, r->linker, &inst, &err) == 0)
        return fail(r, cmd, "instantiated, expected \"%s\"",
                    json_string_value(json_object_get(cmd, "text")));
    if (err->kind != kind)
        fail(r, cmd, "got \"%s\" (kind %d)", err->msg, err->kind);
    else
        r->passed++;
    werr_free(err);
}

static void run_command(struct runner *r, json_t *cmd)
{
    const char *type = json_string_value(json_object_get(cmd, "type"));
    if (type == NULL)
        return fail(r, cmd, "command without type");
    if (strcmp(type, "module") == 0)
        cmd_module(r, cmd);
    else if (strcmp(type, "register") == 0)
        cmd_register(r, cmd);
    else if (strcmp(type, "action") == 0)
        cmd_action(r, cmd);
    else if (strcmp(type, "assert_return") == 0)
        cmd_assert_return(r, cmd);
    else if (strcmp(type, "assert_trap") == 0)
        cmd_assert_fails(r, cmd, 4 /* WF_ERR_TRAP */);
    else if (strcmp(type, "assert_exhaustion") == 0)
        cmd_assert_fails(r, cmd, 5 /* WF_ERR_EXHAUSTED */);
    else if (strcmp(type, "assert_invalid") == 0)
        cmd_bad_module(r, cmd, 2 /* WF_ERR_INVALID */);
    else if (strcmp(type, "assert_malformed") == 0)
        cmd_bad_module(r, cmd, 1 /* WF_ERR_MALFORMED */);
    else if (strcmp(type, "assert_unlinkable") == 0)
        cmd_bad_instance(r, cmd, 3 /* WF_ERR_UNLINKABLE */);
    else if (strcmp(type, "assert_uninstantiable") == 0)
        cmd_bad_instance(r, cmd, 4 /* WF_ERR_TRAP */);
    else
        skip(r, cmd, "unknown command");
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
    r.store = wf_store_new(NULL);
    r.linker = wf_linker_new();
    weft_error *err = NULL;
    if (define_spectest(&r, &err) < 0) {
        fprintf(stderr, "spectest: %s\n", err->msg);
        return 2;
    }
    json_t *cmds = json_object_get(root, "commands");
    for (size_t i = 0; i < json_array_size(cmds); i++)
        run_command(&r, json_array_get(cmds, i));
    printf("%s: %d passed, %d failed, %d skipped\n", r.json_path, r.passed, r.failed, r.skipped);
    wf_store_free(r.store);
    wf_linker_free(r.linker);
    for (size_t i = 0; i < r.n_modules; i++)
        wf_module_free(r.modules[i]);
    for (size_t i = 0; i < r.n_named; i++)
        free(r.named[i].name);
    free(r.named);
    free(r.modules);
    json_decref(root);
    return r.failed ? 1 : 0;
}
