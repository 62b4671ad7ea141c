/* The semantics of WebAssembly spec-test scripts, apart from their syntax.
 *
 * A wast_script holds what a .wast script builds up while it runs: a store, a
 * linker with the `spectest` host module, the current instance and the named
 * ones. Each command of the script maps to one call here; both front ends —
 * the wast2json JSON runner (tests/spec/spec_runner.c) and weft's own .wast
 * parser (wasm/wast.h) — call these, so a command means the same in both.
 *
 * Every wast_script_* command returns 0 when the command passed and -1 when it
 * failed, with `err` saying why ("result 0: got i32:1, expected i32:2").
 */
#ifndef WEFT_WAST_SCRIPT_H
#define WEFT_WAST_SCRIPT_H

#include "util/error.h"
#include "wasm/wasm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most arguments or results a script action may have. */
#define WAST_SCRIPT_MAX_VALS 64

typedef struct wast_script wast_script;

/* A new script state with the spectest module defined. */
int wast_script_new(wast_script **out, weft_error **err);
void wast_script_free(wast_script *s);

/* The externref value a script writes `ref.extern N`: an opaque, non-NULL
 * pointer that is never a real address. */
void *wast_script_extern_ref(uint64_t n);

/* An invoke or get. `module` is the instance's script name ("$M"), NULL for
 * the most recent module. Names are as the engine spells them. */
typedef struct wast_script_action {
    bool get; /* (get ...) of a global, else (invoke ...) */
    const char *module;
    const char *field;
    const wf_value *args;
    size_t n_args;
} wast_script_action;

/* What assert_return expects of one result. */
typedef enum wast_script_expect_kind {
    WF_EXPECT_VALUE = 0,      /* exactly `value` (floats bit for bit, refs by pointer) */
    WF_EXPECT_NAN_CANONICAL,  /* f32/f64 canonical NaN of either sign */
    WF_EXPECT_NAN_ARITHMETIC, /* f32/f64 NaN with the quiet bit set */
    WF_EXPECT_REF_NONNULL,    /* any non-null reference of value.type (ref.func) */
} wast_script_expect_kind;

typedef struct wast_script_expect {
    wast_script_expect_kind kind;
    wf_value value; /* value.type is always set */
} wast_script_expect;

bool wast_script_expect_match(const wast_script_expect *e, const wf_value *got);

/* (module $name? ...): load, instantiate, make it the current instance and
 * bind `name` (may be NULL). On failure the current instance becomes none. */
int wast_script_module(wast_script *s, const uint8_t *bytes, size_t len, const char *origin,
                       const char *name, weft_error **err);
/* (register "as" $name?) */
int wast_script_register(wast_script *s, const char *as, const char *name, weft_error **err);
/* Run an action; results has room for WAST_SCRIPT_MAX_VALS. Fails as the call
 * fails (trap, exhaustion: see err->kind). */
int wast_script_action_run(wast_script *s, const wast_script_action *act, wf_value *results,
                           size_t *n_results, weft_error **err);
/* (assert_return action expected...) */
int wast_script_assert_return(wast_script *s, const wast_script_action *act,
                              const wast_script_expect *expected, size_t n_expected,
                              weft_error **err);
/* (assert_trap action "text") with kind WF_ERR_TRAP, or assert_exhaustion with
 * WF_ERR_EXHAUSTED: the action must fail with that kind and a message that
 * contains `text` (NULL: any message). */
int wast_script_assert_action_fails(wast_script *s, const wast_script_action *act, int kind,
                                    const char *text, weft_error **err);
/* assert_invalid (WF_ERR_INVALID) / assert_malformed (WF_ERR_MALFORMED):
 * loading the module must fail with that kind. */
int wast_script_assert_bad_module(wast_script *s, const uint8_t *bytes, size_t len,
                                  const char *origin, int kind, const char *text, weft_error **err);
/* assert_unlinkable (WF_ERR_UNLINKABLE) / assert_uninstantiable and
 * assert_trap on a module (WF_ERR_TRAP): the module loads, instantiating it
 * fails with that kind. */
int wast_script_assert_bad_instance(wast_script *s, const uint8_t *bytes, size_t len,
                                    const char *origin, int kind, const char *text,
                                    weft_error **err);

#endif
