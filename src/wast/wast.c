/* The .wast script reader (see wast.h): walks the top-level forms of a
 * tokenised script and turns each into calls of the script engine.
 *
 * Every command is first delimited (its balanced parentheses), then parsed
 * inside those bounds, so a command that cannot be parsed is reported and
 * the script simply resumes after it. */
#include "wast/wast.h"

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"
#include "wast/script.h"
#include "wat/wat.h"
#include "wat/wat_num.h"

#include <stdlib.h>
#include <string.h>

struct wast {
    const wat_tokens *t;
    size_t pos, end; /* the current command's tokens: [pos, end) with end its ')' + 1 */
    wast_script *script;
    FILE *report;
    bool verbose;
    wast_counts *counts;
};

/* Parsing a command found something out of scope (v128): skip it. */
#define WAST_UNSUPPORTED (-2)

static const wat_token *tok(const struct wast *w)
{
    return &w->t->v[w->pos < w->end ? w->pos : w->end - 1];
}

static bool tok_is(const wat_token *k, const char *kw)
{
    return k->kind == WAT_KEYWORD && k->len == strlen(kw) && memcmp(k->s, kw, k->len) == 0;
}

/* '(' followed by keyword kw */
static bool at_form(const struct wast *w, const char *kw)
{
    return w->pos + 1 < w->end && w->t->v[w->pos].kind == WAT_LPAR &&
           tok_is(&w->t->v[w->pos + 1], kw);
}

static int fail_at(const struct wast *w, const wat_token *k, weft_error **err, const char *what)
{
    return wat_error_at(w->t, k, err, "%s", what);
}

/* Index just past the form starting at i ('(' or a single token); -1 if
 * its parentheses do not close. */
static long form_end(const wat_tokens *t, size_t i)
{
    if (t->v[i].kind != WAT_LPAR)
        return (long)i + 1;
    size_t depth = 0;
    for (; i < t->n && t->v[i].kind != WAT_EOF; i++) {
        if (t->v[i].kind == WAT_LPAR)
            depth++;
        if (t->v[i].kind == WAT_RPAR && --depth == 0)
            return (long)i + 1;
    }
    return -1;
}

static int expect(struct wast *w, wat_tok_kind kind, const char *what, weft_error **err)
{
    if (w->pos >= w->end || tok(w)->kind != kind)
        return fail_at(w, tok(w), err, what);
    w->pos++;
    return 0;
}

/* A string token as a name the engine understands: U+0000 is spelled C0 80
 * there (see decode.c), so the same is done here. */
static int take_name(struct wast *w, char **out, weft_error **err)
{
    if (w->pos >= w->end || tok(w)->kind != WAT_STRING)
        return fail_at(w, tok(w), err, "expected a string");
    cleanup_free char *raw = NULL;
    size_t n;
    if (wat_string_decode(w->t, tok(w), &raw, &n, err) < 0)
        return -1;
    w->pos++;
    char *o = xmalloc(2 * n + 1);
    *out = o;
    for (size_t i = 0; i < n; i++) {
        if (raw[i] == 0) {
            *o++ = (char)0xc0;
            *o++ = (char)0x80;
        } else {
            *o++ = raw[i];
        }
    }
    *o = 0;
    return 0;
}

/* An optional $module id (malloc'd, NULL when absent). */
static char *take_id(struct wast *w)
{
    if (w->pos >= w->end || tok(w)->kind != WAT_ID)
        return NULL;
    const wat_token *k = tok(w);
    w->pos++;
    return xstrndup(k->s, k->len);
}

/* ---- values ------------------------------------------------------------ */

static int number(struct wast *w, wast_script_expect *e, weft_error **err)
{
    const wat_token *k = tok(w);
    if (w->pos >= w->end || (k->kind != WAT_RESERVED && k->kind != WAT_KEYWORD))
        return fail_at(w, k, err, "expected a number");
    wf_valtype type = e->value.type;
    bool is_float = type == WF_F32 || type == WF_F64;
    if (is_float && tok_is(k, "nan:canonical")) {
        e->kind = WF_EXPECT_NAN_CANONICAL;
    } else if (is_float && tok_is(k, "nan:arithmetic")) {
        e->kind = WF_EXPECT_NAN_ARITHMETIC;
    } else {
        int r;
        if (type == WF_I32)
            r = wat_parse_i32(k->s, k->len, &e->value.of.i32);
        else if (type == WF_I64)
            r = wat_parse_i64(k->s, k->len, &e->value.of.i64);
        else if (type == WF_F32)
            r = wat_parse_f32(k->s, k->len, &e->value.of.f32);
        else
            r = wat_parse_f64(k->s, k->len, &e->value.of.f64);
        if (r < 0)
            return wat_error_at(w->t, k, err, "invalid %s literal", wf_valtype_name(type));
    }
    w->pos++;
    return 0;
}

static int heap_type(struct wast *w, wf_valtype *out, weft_error **err)
{
    if (tok_is(tok(w), "func"))
        *out = WF_FUNCREF;
    else if (tok_is(tok(w), "extern"))
        *out = WF_EXTERNREF;
    else
        return fail_at(w, tok(w), err, "expected func or extern");
    w->pos++;
    return 0;
}

/* One `(TYPE.const X)` or reference value. Patterns (nan:canonical,
 * (ref.func)) are accepted only when `pattern`. */
static int value(struct wast *w, bool pattern, wast_script_expect *e, weft_error **err)
{
    *e = (wast_script_expect){0};
    const wat_token *open = tok(w);
    if (expect(w, WAT_LPAR, "expected a value such as (i32.const 0)", err) < 0)
        return -1;
    const wat_token *op = tok(w);
    static const struct {
        const char *op;
        wf_valtype type;
    } nums[] = {
        {"i32.const", WF_I32}, {"i64.const", WF_I64}, {"f32.const", WF_F32}, {"f64.const", WF_F64}};
    w->pos++;
    for (size_t i = 0; i < 4; i++) {
        if (!tok_is(op, nums[i].op))
            continue;
        e->value.type = nums[i].type;
        if (number(w, e, err) < 0)
            return -1;
        if (e->kind != WF_EXPECT_VALUE && !pattern)
            return fail_at(w, open, err, "a NaN pattern is not a value");
        return expect(w, WAT_RPAR, "expected ')'", err);
    }
    if (tok_is(op, "ref.null")) {
        if (heap_type(w, &e->value.type, err) < 0)
            return -1;
    } else if (tok_is(op, "ref.extern")) {
        uint64_t n;
        const wat_token *k = tok(w);
        if (w->pos >= w->end || wat_parse_nat(k->s, k->len, &n) < 0)
            return fail_at(w, k, err, "expected a number");
        w->pos++;
        e->value = (wf_value){.type = WF_EXTERNREF, .of.ref = wast_script_extern_ref(n)};
    } else if (tok_is(op, "ref.func") && pattern) {
        e->kind = WF_EXPECT_REF_NONNULL;
        e->value.type = WF_FUNCREF;
    } else if (tok_is(op, "v128.const")) {
        return WAST_UNSUPPORTED;
    } else {
        return fail_at(w, op, err, "unknown value");
    }
    return expect(w, WAT_RPAR, "expected ')'", err);
}

/* ---- actions ----------------------------------------------------------- */

struct action {
    wast_script_action a;
    char *module, *field;
    wf_value args[WAST_SCRIPT_MAX_VALS];
};

static void action_free(struct action *a)
{
    free(a->module);
    free(a->field);
}

/* (invoke $m? "name" value*) or (get $m? "name") */
static int action(struct wast *w, struct action *a, weft_error **err)
{
    *a = (struct action){0};
    bool get = at_form(w, "get");
    if (!get && !at_form(w, "invoke"))
        return fail_at(w, tok(w), err, "expected (invoke ...) or (get ...)");
    w->pos += 2;
    a->module = take_id(w);
    if (take_name(w, &a->field, err) < 0)
        return -1;
    size_t n = 0;
    while (!get && w->pos < w->end && tok(w)->kind == WAT_LPAR) {
        if (n == WAST_SCRIPT_MAX_VALS)
            return fail_at(w, tok(w), err, "too many arguments");
        wast_script_expect e;
        int r = value(w, false, &e, err);
        if (r < 0)
            return r;
        a->args[n++] = e.value;
    }
    a->a = (wast_script_action){
        .get = get, .module = a->module, .field = a->field, .args = a->args, .n_args = n};
    return expect(w, WAT_RPAR, "expected ')' after the action", err);
}

/* ---- modules ----------------------------------------------------------- */

struct module {
    wat_module_result m;
    char *name, *origin;
};

static void module_free(struct module *m)
{
    free(m->m.bytes);
    free(m->name);
    free(m->origin);
}

/* The (module ...) at pos, compiled to a binary. */
static int module(struct wast *w, struct module *m, weft_error **err)
{
    *m = (struct module){0};
    if (!at_form(w, "module"))
        return fail_at(w, tok(w), err, "expected (module ...)");
    const wat_token *at = tok(w);
    m->origin = xasprintf("%s:%u:%u", w->t->origin, at->line, at->col);
    if (wat_parse_module_at(w->t, &w->pos, &m->m, err) < 0)
        return -1;
    if (m->m.id)
        m->name = xstrndup(m->m.id->s, m->m.id->len);
    return 0;
}

/* The optional "failure text" closing an assertion. */
static int message(struct wast *w, char **text, weft_error **err)
{
    *text = NULL;
    if (w->pos < w->end && tok(w)->kind == WAT_STRING) {
        size_t n;
        if (wat_string_decode(w->t, tok(w), text, &n, err) < 0)
            return -1;
        w->pos++;
    }
    return 0;
}

/* ---- commands ---------------------------------------------------------- */

static int cmd_action(struct wast *w, const char *cmd, weft_error **err)
{
    struct action a;
    wast_script_expect exp[WAST_SCRIPT_MAX_VALS];
    cleanup_free char *text = NULL;
    bool is_cmd = strcmp(cmd, "invoke") == 0 || strcmp(cmd, "get") == 0;
    if (!is_cmd)
        w->pos += 2;
    int r = action(w, &a, err);
    size_t n = 0;
    if (r == 0 && strcmp(cmd, "assert_return") == 0) {
        while (r == 0 && w->pos < w->end && tok(w)->kind == WAT_LPAR) {
            if (n == WAST_SCRIPT_MAX_VALS)
                r = fail_at(w, tok(w), err, "too many results");
            else
                r = value(w, true, &exp[n++], err);
        }
    } else if (r == 0 && !is_cmd) {
        r = message(w, &text, err);
    }
    if (r == 0 && !is_cmd)
        r = expect(w, WAT_RPAR, "expected ')' closing the assertion", err);
    if (r == 0) {
        wf_value res[WAST_SCRIPT_MAX_VALS];
        if (is_cmd)
            r = wast_script_action_run(w->script, &a.a, res, &n, err);
        else if (strcmp(cmd, "assert_return") == 0)
            r = wast_script_assert_return(w->script, &a.a, exp, n, err);
        else
            r = wast_script_assert_action_fails(
                w->script, &a.a, cmd[7] == 't' ? WF_ERR_TRAP : WF_ERR_EXHAUSTED, text, err);
    }
    action_free(&a);
    return r;
}

static int cmd_module(struct wast *w, weft_error **err)
{
    struct module m;
    int r = module(w, &m, err);
    if (r == 0)
        r = wast_script_module(w->script, m.m.bytes, m.m.len, m.origin, m.name, err);
    module_free(&m);
    return r;
}

static int cmd_register(struct wast *w, weft_error **err)
{
    cleanup_free char *as = NULL, *name = NULL;
    w->pos += 2;
    if (take_name(w, &as, err) < 0)
        return -1;
    name = take_id(w);
    if (expect(w, WAT_RPAR, "expected ')' closing register", err) < 0)
        return -1;
    return wast_script_register(w->script, as, name, err);
}

/* assert_invalid/malformed/unlinkable/uninstantiable, and assert_trap on a
 * module. */
static int cmd_assert_module(struct wast *w, const char *cmd, weft_error **err)
{
    struct module m;
    cleanup_free char *text = NULL;
    w->pos += 2;
    int kind = strcmp(cmd, "assert_invalid") == 0      ? WF_ERR_INVALID
               : strcmp(cmd, "assert_malformed") == 0  ? WF_ERR_MALFORMED
               : strcmp(cmd, "assert_unlinkable") == 0 ? WF_ERR_UNLINKABLE
                                                       : WF_ERR_TRAP;
    int r = module(w, &m, err);
    if (r < 0) {
        module_free(&m);
        /* a text or quoted module the parser rejects is malformed: that is
         * what assert_malformed wants, any other assertion fails */
        if (kind != WF_ERR_MALFORMED || (*err)->kind != WF_ERR_MALFORMED || !at_form(w, "module"))
            return -1;
        werr_free(*err);
        *err = NULL;
        w->pos = (size_t)form_end(w->t, w->pos);
        if (message(w, &text, err) < 0)
            return -1;
        return expect(w, WAT_RPAR, "expected ')' closing the assertion", err);
    }
    if (message(w, &text, err) == 0 &&
        expect(w, WAT_RPAR, "expected ')' closing the assertion", err) == 0) {
        if (kind == WF_ERR_INVALID || kind == WF_ERR_MALFORMED)
            r = wast_script_assert_bad_module(w->script, m.m.bytes, m.m.len, m.origin, kind, text,
                                              err);
        else
            r = wast_script_assert_bad_instance(w->script, m.m.bytes, m.m.len, m.origin, kind, text,
                                                err);
    } else {
        r = -1;
    }
    module_free(&m);
    return r;
}

static int run_command(struct wast *w, const char *cmd, weft_error **err)
{
    if (strcmp(cmd, "module") == 0)
        return cmd_module(w, err);
    if (strcmp(cmd, "register") == 0)
        return cmd_register(w, err);
    if (strcmp(cmd, "invoke") == 0 || strcmp(cmd, "get") == 0 ||
        strcmp(cmd, "assert_return") == 0 || strcmp(cmd, "assert_exhaustion") == 0)
        return cmd_action(w, cmd, err);
    if (strcmp(cmd, "assert_trap") == 0) {
        /* on an action: the call traps; on a module: instantiation does */
        if (w->pos + 2 < w->end && w->t->v[w->pos + 2].kind == WAT_LPAR &&
            tok_is(&w->t->v[w->pos + 3], "module"))
            return cmd_assert_module(w, cmd, err);
        return cmd_action(w, cmd, err);
    }
    if (strcmp(cmd, "assert_invalid") == 0 || strcmp(cmd, "assert_malformed") == 0 ||
        strcmp(cmd, "assert_unlinkable") == 0 || strcmp(cmd, "assert_uninstantiable") == 0)
        return cmd_assert_module(w, cmd, err);
    return fail_at(w, &w->t->v[w->pos + 1], err, "unknown command");
}

/* Run the command at w->pos, whose tokens end before `end`. */
static void command(struct wast *w, size_t end)
{
    w->end = end;
    const wat_token *at = tok(w);
    const wat_token *kw = &w->t->v[w->pos + 1];
    cleanup_free char *cmd = kw->kind == WAT_KEYWORD ? xstrndup(kw->s, kw->len) : xstrdup("?");
    weft_error *err = NULL;
    int r = run_command(w, cmd, &err);
    if (r == 0 && w->pos != end)
        r = fail_at(w, tok(w), &err, "unexpected token in the command");
    if (r == 0) {
        w->counts->passed++;
    } else if (r == WAST_UNSUPPORTED) {
        w->counts->skipped++;
        if (w->verbose)
            fprintf(w->report, "%s:%u:%u: skip %s: out of scope (SIMD)\n", w->t->origin, at->line,
                    at->col, cmd);
    } else {
        w->counts->failed++;
        fprintf(w->report, "%s:%u:%u: FAIL %s: %s\n", w->t->origin, at->line, at->col, cmd,
                err ? err->msg : "?");
    }
    werr_free(err);
    w->pos = end;
}

/* A script made only of module fields is one module (the spec's inline
 * module abbreviation). */
static bool is_inline_module(const wat_tokens *t)
{
    static const char *const fields[] = {"type",   "import", "func",  "table", "memory",
                                         "global", "export", "start", "elem",  "data"};
    if (t->n < 2 || t->v[0].kind != WAT_LPAR)
        return false;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (tok_is(&t->v[1], fields[i]))
            return true;
    return false;
}

static void run_inline_module(struct wast *w, const char *text, size_t len)
{
    cleanup_free uint8_t *bytes = NULL;
    size_t n = 0;
    weft_error *err = NULL;
    const wat_token *at = &w->t->v[0];
    if (wat_to_wasm(text, len, w->t->origin, &bytes, &n, &err) == 0 &&
        wast_script_module(w->script, bytes, n, w->t->origin, NULL, &err) == 0) {
        w->counts->passed++;
        return;
    }
    w->counts->failed++;
    fprintf(w->report, "%s:%u:%u: FAIL module: %s\n", w->t->origin, at->line, at->col, err->msg);
    werr_free(err);
}

int wast_run(const char *text, size_t len, const char *origin, FILE *report, bool verbose,
             wast_counts *counts, weft_error **err)
{
    wat_tokens t;
    *counts = (wast_counts){0};
    if (wat_lex(text, len, origin, &t, err) < 0)
        return -1;
    struct wast w = {.t = &t, .report = report, .verbose = verbose, .counts = counts};
    int r = wast_script_new(&w.script, err);
    if (r == 0 && is_inline_module(&t)) {
        run_inline_module(&w, text, len);
        w.pos = t.n - 1;
    }
    while (r == 0 && t.v[w.pos].kind != WAT_EOF) {
        long end = form_end(&t, w.pos);
        if (t.v[w.pos].kind != WAT_LPAR || t.v[w.pos + 1].kind == WAT_EOF)
            r = wat_error_at(&t, &t.v[w.pos], err, "expected a command such as (module ...)");
        else if (end < 0)
            r = wat_error_at(&t, &t.v[w.pos], err, "unclosed '('");
        else
            command(&w, (size_t)end);
    }
    wast_script_free(w.script);
    wat_tokens_free(&t);
    return r;
}

int wast_run_file(const char *path, FILE *report, bool verbose, wast_counts *counts,
                  weft_error **err)
{
    *counts = (wast_counts){0};
    cleanup_free char *buf = NULL;
    size_t n = 0;
    if (read_file(path, WAT_MAX_FILE, &buf, &n, err) < 0)
        return -1;
    return wast_run(buf, n, path, report, verbose, counts, err);
}
