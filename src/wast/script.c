/* Spec-script command semantics (see script.h): the spectest module, result
 * comparison with NaN patterns, and one function per command. */
#include "wast/script.h"

#include "util/xalloc.h"
#include "wasm/aot_cache.h"
#include "wast/value_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct named {
    char *name;
    wf_instance *inst;
};

struct wast_script {
    wf_store *store;
    wf_linker *linker;
    wf_instance *current;
    struct named *named;
    size_t n_named;
    wf_module **modules; /* kept alive until the end: instances refer to them */
    size_t n_modules;
};

static int spectest_print(wf_call *call, void *env, const wf_value *args, wf_value *results)
{
    (void)call, (void)env, (void)args, (void)results;
    return 0;
}

static int define_global(wast_script *s, const char *name, wf_value v, weft_error **err)
{
    return wf_linker_define_global(s->linker, s->store, "spectest", name, v, false, err);
}

/* The host module every spec script may import (see the testsuite's README). */
static int define_spectest(wast_script *s, weft_error **err)
{
    static const struct {
        const char *name, *params;
    } prints[] = {{"print", ""},          {"print_i32", "i"}, {"print_i64", "I"},
                  {"print_f32", "f"},     {"print_f64", "F"}, {"print_i32_f32", "if"},
                  {"print_f64_f64", "FF"}};
    for (size_t i = 0; i < sizeof prints / sizeof prints[0]; i++) {
        if (wf_linker_define_func(s->linker, "spectest", prints[i].name, prints[i].params, "",
                                  spectest_print, NULL, err) < 0)
            return -1;
    }
    float f32 = 666.6f;
    double f64 = 666.6;
    wf_value v32 = {.type = WF_F32}, v64 = {.type = WF_F64};
    memcpy(&v32.of.f32, &f32, 4);
    memcpy(&v64.of.f64, &f64, 8);
    if (define_global(s, "global_i32", (wf_value){.type = WF_I32, .of.i32 = 666}, err) < 0 ||
        define_global(s, "global_i64", (wf_value){.type = WF_I64, .of.i64 = 666}, err) < 0 ||
        define_global(s, "global_f32", v32, err) < 0 ||
        define_global(s, "global_f64", v64, err) < 0)
        return -1;
    if (wf_linker_define_table(s->linker, s->store, "spectest", "table", WF_FUNCREF, 10, 20, err) <
        0)
        return -1;
    return wf_linker_define_memory(s->linker, s->store, "spectest", "memory", 1, 2, err);
}

int wast_script_new(wast_script **out, weft_error **err)
{
    wast_script *s = xzalloc(sizeof *s);
    s->store = wf_store_new(NULL);
    s->linker = wf_linker_new();
    if (define_spectest(s, err) < 0) {
        wast_script_free(s);
        return werr_prefix(err, "spectest");
    }
    *out = s;
    return 0;
}

void wast_script_free(wast_script *s)
{
    if (s == NULL)
        return;
    /* the store first: its instances use the linker's host functions */
    wf_store_free(s->store);
    wf_linker_free(s->linker);
    for (size_t i = 0; i < s->n_modules; i++)
        wf_module_free(s->modules[i]);
    for (size_t i = 0; i < s->n_named; i++)
        free(s->named[i].name);
    free(s->named);
    free(s->modules);
    free(s);
}

void *wast_script_extern_ref(uint64_t n)
{
    return (void *)(uintptr_t)(n + 1);
}

/* ---- values ------------------------------------------------------------ */

static bool nan_matches(const wast_script_expect *e, const wf_value *got)
{
    if (got->type == WF_F32) {
        uint32_t b = got->of.f32;
        bool nan = (b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu);
        if (e->kind == WF_EXPECT_NAN_CANONICAL)
            return (b & 0x7fffffffu) == 0x7fc00000u;
        return nan && (b & 0x400000u);
    }
    if (got->type == WF_F64) {
        uint64_t b = got->of.f64;
        bool nan = (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull);
        if (e->kind == WF_EXPECT_NAN_CANONICAL)
            return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
        return nan && (b & 0x8000000000000ull);
    }
    return false;
}

bool wast_script_expect_match(const wast_script_expect *e, const wf_value *got)
{
    if (got->type != e->value.type)
        return false;
    switch (e->kind) {
    case WF_EXPECT_NAN_CANONICAL:
    case WF_EXPECT_NAN_ARITHMETIC:
        return nan_matches(e, got);
    case WF_EXPECT_REF_NONNULL:
        return got->of.ref != NULL;
    case WF_EXPECT_VALUE:
        break;
    }
    switch (got->type) {
    case WF_I32:
    case WF_F32:
        return got->of.i32 == e->value.of.i32;
    case WF_I64:
    case WF_F64:
        return got->of.i64 == e->value.of.i64;
    case WF_FUNCREF:
    case WF_EXTERNREF:
        return got->of.ref == e->value.of.ref;
    default:
        return false;
    }
}

/* "i32:5", "f32:nan:canonical", "funcref:null", "externref:#3" */
static char *value_text(const wf_value *v, wast_script_expect_kind kind)
{
    const char *tn = wast_vt_type_name(v->type);
    if (kind == WF_EXPECT_NAN_CANONICAL)
        return xasprintf("%s:nan:canonical", tn);
    if (kind == WF_EXPECT_NAN_ARITHMETIC)
        return xasprintf("%s:nan:arithmetic", tn);
    if (kind == WF_EXPECT_REF_NONNULL)
        return xasprintf("%s:non-null", tn);
    if (v->type == WF_FUNCREF || v->type == WF_EXTERNREF) {
        if (v->of.ref == NULL)
            return xasprintf("%s:null", tn);
        return xasprintf("%s:%p", tn, v->of.ref);
    }
    char buf[WAST_VT_MAX];
    return xstrdup(wast_vt_format(v, buf));
}

/* ---- commands ---------------------------------------------------------- */

static wf_instance *find_instance(wast_script *s, const char *name)
{
    if (name == NULL)
        return s->current;
    for (size_t i = s->n_named; i-- > 0;) {
        if (strcmp(s->named[i].name, name) == 0)
            return s->named[i].inst;
    }
    return NULL;
}

static int load(wast_script *s, const uint8_t *bytes, size_t len, const char *origin,
                wf_module **out, weft_error **err)
{
    if (wf_module_load(bytes, len, origin, out, err) < 0)
        return -1;
    /* the suites' third tier: the compiled code goes through the AOT
     * cache's file format (written, checked, placed) before it runs */
    const char *tier = getenv("WEFT_WASM_TIER");
    if (tier && strcmp(tier, "aot") == 0 && wf_aot_roundtrip(*out, bytes, len, err) < 0) {
        wf_module_free(*out);
        return -1;
    }
    s->modules = xreallocarray(s->modules, s->n_modules + 1, sizeof *s->modules);
    s->modules[s->n_modules++] = *out;
    return 0;
}

int wast_script_module(wast_script *s, const uint8_t *bytes, size_t len, const char *origin,
                       const char *name, weft_error **err)
{
    wf_module *m;
    wf_instance *inst;
    s->current = NULL;
    if (load(s, bytes, len, origin, &m, err) < 0 ||
        wf_instantiate(s->store, m, s->linker, &inst, err) < 0)
        return -1;
    s->current = inst;
    if (name != NULL) {
        s->named = xreallocarray(s->named, s->n_named + 1, sizeof *s->named);
        s->named[s->n_named++] = (struct named){xstrdup(name), inst};
    }
    return 0;
}

int wast_script_register(wast_script *s, const char *as, const char *name, weft_error **err)
{
    wf_instance *inst = find_instance(s, name);
    if (inst == NULL)
        return werr_set(err, 0, "no module %s to register", name ? name : "(current)");
    return wf_linker_define_instance(s->linker, as, inst, err);
}

int wast_script_action_run(wast_script *s, const wast_script_action *act, wf_value *results,
                           size_t *n_results, weft_error **err)
{
    wf_instance *inst = find_instance(s, act->module);
    if (inst == NULL)
        return werr_set(err, 0, "no module %s", act->module ? act->module : "(current)");
    if (act->get) {
        *n_results = 1;
        return wf_export_global(inst, act->field, &results[0], err);
    }
    return wf_invoke(inst, act->field, act->args, act->n_args, results, n_results, err);
}

int wast_script_assert_return(wast_script *s, const wast_script_action *act,
                              const wast_script_expect *expected, size_t n_expected,
                              weft_error **err)
{
    wf_value res[WAST_SCRIPT_MAX_VALS];
    size_t n = 0;
    if (wast_script_action_run(s, act, res, &n, err) < 0)
        return -1;
    if (n != n_expected)
        return werr_set(err, 0, "got %zu results, expected %zu", n, n_expected);
    for (size_t i = 0; i < n; i++) {
        if (wast_script_expect_match(&expected[i], &res[i]))
            continue;
        char *got = value_text(&res[i], WF_EXPECT_VALUE);
        char *want = value_text(&expected[i].value, expected[i].kind);
        werr_set(err, 0, "result %zu: got %s, expected %s", i, got, want);
        free(got);
        free(want);
        return -1;
    }
    return 0;
}

static const char *kind_name(int kind)
{
    static const char *const names[] = {"success", "malformed",  "invalid", "unlinkable",
                                        "trap",    "exhaustion", "exit",    "limit"};
    return kind >= 0 && kind < (int)(sizeof names / sizeof names[0]) ? names[kind] : "?";
}

/* The failure `got` must be of `kind` and mention `text`; replaces *err. */
static int check_failure(weft_error **err, weft_error *got, int kind, const char *text,
                         bool match_text)
{
    int r = 0;
    if (got->kind != kind)
        r = werr_set(err, 0, "failed as %s (\"%s\"), expected %s \"%s\"", kind_name(got->kind),
                     got->msg, kind_name(kind), text ? text : "");
    else if (match_text && text != NULL && strstr(got->msg, text) == NULL)
        r = werr_set(err, 0, "got \"%s\", expected \"%s\"", got->msg, text);
    werr_free(got);
    return r;
}

int wast_script_assert_action_fails(wast_script *s, const wast_script_action *act, int kind,
                                    const char *text, weft_error **err)
{
    wf_value res[WAST_SCRIPT_MAX_VALS];
    size_t n = 0;
    weft_error *got = NULL;
    if (wast_script_action_run(s, act, res, &n, &got) == 0)
        return werr_set(err, 0, "succeeded, expected %s \"%s\"", kind_name(kind), text ? text : "");
    return check_failure(err, got, kind, text, true);
}

/* Message texts of invalid/malformed/unlinkable modules are the reference
 * interpreter's wording; only the kind of failure is checked. */
int wast_script_assert_bad_module(wast_script *s, const uint8_t *bytes, size_t len,
                                  const char *origin, int kind, const char *text, weft_error **err)
{
    wf_module *m;
    weft_error *got = NULL;
    if (load(s, bytes, len, origin, &m, &got) == 0)
        return werr_set(err, 0, "module loaded, expected %s \"%s\"", kind_name(kind),
                        text ? text : "");
    return check_failure(err, got, kind, text, false);
}

int wast_script_assert_bad_instance(wast_script *s, const uint8_t *bytes, size_t len,
                                    const char *origin, int kind, const char *text,
                                    weft_error **err)
{
    wf_module *m;
    wf_instance *inst;
    weft_error *got = NULL;
    if (load(s, bytes, len, origin, &m, err) < 0)
        return -1;
    if (wf_instantiate(s->store, m, s->linker, &inst, &got) == 0)
        return werr_set(err, 0, "instantiated, expected %s \"%s\"", kind_name(kind),
                        text ? text : "");
    return check_failure(err, got, kind, text, false);
}
