/* libFuzzer target: the AOT cache's file loader (jit/jit_aot.c) on any
 * bytes, offered as the cache file of one fixed module (calls, a table,
 * memory and the helpers, so every link fixup kind occurs).
 *
 * Each input goes through what a start with a cache file does: the load
 * checks (header, table checksum, extents), the load that spares
 * validating the bodies when the file is accepted (wf_module_load_trusting),
 * then wf_jit_take_all, which takes every function's code (its checksum
 * checked; compiled instead when that fails), and the translation
 * of every function (validated then, since the file vouched). Nothing is
 * run: a file whose checksums all match is trusted to hold code (the cache
 * is root's), so running it would only test the fuzzer's forgery. A
 * failure must name a reason; the sanitizers catch reads out of the file.
 *
 * Seeds: with WEFT_FUZZ_AOT_SEEDS=DIR, the module's real cache file, built
 * by this very binary (its weft version and ABI), is written into DIR at
 * start (fuzz/run.sh does this), so the fuzzer starts from a file that is
 * accepted and mutates it. */
#include "util/sha256.h"
#include "wasm/jit/jit.h"
#include "wasm/module.h"
#include "wasm/wasm.h"
#include "wat/wat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char mod_wat[] =
    "(module\n"
    "  (type $ii (func (param i32) (result i32)))\n"
    "  (memory 1 4)\n"
    "  (table $t 4 funcref)\n"
    "  (global $g (mut i32) (i32.const 7))\n"
    "  (elem (i32.const 0) $double $fib $sq)\n"
    "  (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))\n"
    "  (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))\n"
    "  (func $fib (export \"fib\") (type $ii)\n"
    "    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))\n"
    "      (then (local.get 0))\n"
    "      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))\n"
    "                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))\n"
    "  (func (export \"indirect\") (param i32 i32) (result i32)\n"
    "    (call_indirect (type $ii) (local.get 1) (local.get 0)))\n"
    "  (func (export \"mem\") (param i32) (result i32)\n"
    "    (drop (memory.grow (i32.const 1)))\n"
    "    (memory.fill (i32.const 100) (i32.const 3) (i32.const 50))\n"
    "    (global.set $g (i32.add (global.get $g) (i32.const 1)))\n"
    "    (table.set $t (i32.const 3) (table.get $t (i32.const 2)))\n"
    "    (i32.rem_s (local.get 0) (i32.const 7)))\n"
    ")\n";

static uint8_t *bin;
static size_t bin_len;
static uint8_t hash[SHA256_LEN];

static void need(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_aot: %s\n", what);
        abort();
    }
}

static void write_seed(const char *dir)
{
    wf_module *m = NULL;
    weft_error *err = NULL;
    uint8_t *file = NULL;
    size_t len = 0;
    need(wf_module_load(bin, bin_len, "fuzz.wasm", &m, &err) == 0, "the module does not load");
    need(wf_jit_aot_build(m, hash, &file, &len, &err) == 0, "cannot build its cache file");
    char path[4096];
    snprintf(path, sizeof path, "%s/module.aot", dir);
    FILE *f = fopen(path, "wb");
    need(f && fwrite(file, 1, len, f) == len && fclose(f) == 0, "cannot write the seed");
    free(file);
    wf_module_free(m);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("WEFT_WASM_TIER", "jit", 1); /* the cache is the compiled tier's */
    weft_error *err = NULL;
    need(wat_text_to_wasm(mod_wat, sizeof mod_wat - 1, "fuzz.wat", &bin, &bin_len, &err) == 0,
         "the module does not assemble");
    sha256(bin, bin_len, hash);
    const char *dir = getenv("WEFT_FUZZ_AOT_SEEDS");
    if (dir)
        write_seed(dir);
    return 0;
}

struct input {
    const uint8_t *data;
    size_t size;
    weft_error *why; /* the loader's reason when it refused the file */
};

static bool trust(wf_module *m, void *arg)
{
    struct input *in = arg;
    return wf_jit_aot_load(m, hash, in->data, in->size, -1, NULL, NULL, &in->why) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!wf_jit_enabled())
        return 0;
    struct input in = {data, size, NULL};
    wf_module *m = NULL;
    weft_error *err = NULL;
    need(wf_module_load_trusting(bin, bin_len, "fuzz.wasm", 0, trust, &in, NULL, &m, &err) == 0,
         "the module does not load");
    if (in.why) { /* refused: with a reason, and the module validated as usual */
        need(in.why->msg && in.why->msg[0], "a refusal without a reason");
        for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++)
            need(m->codes[i].checked, "a refused file spared validation");
        werr_free(in.why);
    }
    /* every function from the file, or (its checksum failing) compiled */
    if (m->jit && wf_jit_take_all(m, &err) < 0) {
        need(err && err->msg && err->msg[0], "take_all failed without a reason");
        werr_free(err);
        err = NULL;
    }
    need(wf_translate_all(m, &err) == 0, "a valid module's function does not translate");
    wf_module_free(m);
    return 0;
}
