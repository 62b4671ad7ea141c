/* weft's WebAssembly engine: the public API.
 *
 * Flow: wf_module_load() decodes, validates and translates a binary module
 * once; a wf_store owns instances and the limits they run under; a wf_linker
 * maps (module, name) to the externs that satisfy imports (host functions,
 * other instances' exports, spectest objects); wf_instantiate() links, runs
 * segment initialisation and the start function; wf_invoke() calls an export.
 *
 * Errors follow util/error.h. `err->kind` classifies a failure with
 * enum wf_err_kind so embedders (the spec runner, WASI, the CLI) can tell a
 * malformed module from a trap or a proc_exit.
 */
#ifndef WEFT_WASM_WASM_H
#define WEFT_WASM_WASM_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wf_err_kind {
    WF_ERR_NONE = 0,
    WF_ERR_MALFORMED = 1,  /* binary decoding failed */
    WF_ERR_INVALID = 2,    /* validation failed */
    WF_ERR_UNLINKABLE = 3, /* an import is missing or has the wrong type */
    WF_ERR_TRAP = 4,       /* a trap (also during instantiation) */
    WF_ERR_EXHAUSTED = 5,  /* call stack exhausted (a trap the spec names apart) */
    WF_ERR_EXIT = 6,       /* a host function ended the run (WASI proc_exit);
                              err->status carries the exit status */
    WF_ERR_LIMIT = 7,      /* a host limit (module too large, ...) */
};

typedef enum wf_valtype {
    WF_I32 = 0x7f,
    WF_I64 = 0x7e,
    WF_F32 = 0x7d,
    WF_F64 = 0x7c,
    WF_V128 = 0x7b, /* decoded for error messages only; SIMD is not supported */
    WF_FUNCREF = 0x70,
    WF_EXTERNREF = 0x6f,
} wf_valtype;

/* A value. Floats are kept as bits so NaN payloads survive. A reference is a
 * pointer, NULL for ref.null; for externref the embedder chooses the pointer. */
typedef struct wf_value {
    wf_valtype type;
    union {
        uint32_t i32;
        uint64_t i64;
        uint32_t f32; /* IEEE-754 bits */
        uint64_t f64; /* IEEE-754 bits */
        void *ref;
    } of;
} wf_value;

/* "i32", "f64", "funcref", ...; "?" for anything else. */
const char *wf_valtype_name(wf_valtype t);

typedef struct wf_module wf_module;
typedef struct wf_store wf_store;
typedef struct wf_instance wf_instance;
typedef struct wf_linker wf_linker;
typedef struct wf_call wf_call;

/* ---- modules ---------------------------------------------------------- */

/* Decode + validate + translate. `name` is used in messages
 * ("hello.wasm: at offset 0x3a1: ..."). The bytes are not retained; the
 * module must outlive every instance made from it. */
int wf_module_load(const uint8_t *bytes, size_t len, const char *name, wf_module **out,
                   weft_error **err);
/* The same, counting the bytes being loaded and everything the loader keeps
 * against `budget` (0 = WF_DEFAULT_BUDGET): a module that needs more fails
 * with WF_ERR_LIMIT before the host runs short. wf_module_load uses the
 * default budget. */
int wf_module_load_budget(const uint8_t *bytes, size_t len, const char *name, uint64_t budget,
                          wf_module **out, weft_error **err);
/* Bytes the loaded module holds (charged again to each store that
 * instantiates it). */
uint64_t wf_module_footprint(const wf_module *m);
void wf_module_free(wf_module *m);
/* Compile every function now instead of on its first call (a no-op where
 * the interpreter runs m). For a module that will run under a seccomp
 * filter or LSM domain loaded after this point, which may refuse the
 * executable memory later compilation needs; where compiling fails, m is
 * handed to the interpreter (one log line). Call before instantiating. */
void wf_module_compile_all(wf_module *m);

enum wf_extern_kind {
    WF_EXTERN_FUNC = 0,
    WF_EXTERN_TABLE = 1,
    WF_EXTERN_MEMORY = 2,
    WF_EXTERN_GLOBAL = 3
};

typedef struct wf_import_info {
    const char *module, *name;
    enum wf_extern_kind kind;
} wf_import_info;
typedef struct wf_export_info {
    const char *name;
    enum wf_extern_kind kind;
} wf_export_info;

size_t wf_module_import_count(const wf_module *m);
wf_import_info wf_module_import(const wf_module *m, size_t i);
size_t wf_module_export_count(const wf_module *m);
wf_export_info wf_module_export(const wf_module *m, size_t i);

/* Types of import i (these return -1 when the import is of another kind).
 * A function's params/results: up to `cap` of each, and the counts. A table's
 * or memory's limits (*max = UINT32_MAX when absent; *elem for tables, may be
 * NULL). A global's value type and mutability. */
int wf_module_import_func_type(const wf_module *m, size_t i, wf_valtype *params, size_t *n_params,
                               wf_valtype *results, size_t *n_results, size_t cap,
                               weft_error **err);
int wf_module_import_limits(const wf_module *m, size_t i, uint32_t *min, uint32_t *max,
                            wf_valtype *elem, weft_error **err);
int wf_module_import_global_type(const wf_module *m, size_t i, wf_valtype *type, bool *mutable_,
                                 weft_error **err);

/* Contents of the first custom section called `name` (NULL if none); valid
 * while the module lives. */
const uint8_t *wf_module_custom_section(const wf_module *m, const char *name, size_t *len);
/* Name of function `idx` (imports first) from the name section, or NULL. */
const char *wf_module_func_name(const wf_module *m, uint32_t idx);

/* ---- stores and limits ------------------------------------------------- */

/* The memory budget: one figure per store (and per module load) that every
 * allocation a module can cause is counted against: its linear memories
 * (pages in use), its tables (8 bytes per element), the wasm call stack (as
 * it deepens, in 64 KiB steps), the instance's own objects and the module's
 * translated code. Reaching it makes memory.grow / table.grow return -1 (as
 * the spec asks), a call trap with "call stack exhausted", and a load or
 * instantiation fail with WF_ERR_LIMIT; the messages name the budget. */
#define WF_DEFAULT_BUDGET (4ull << 30)
/* What one wasm call frame costs at least (frame record + one slot): a
 * max_call_depth the budget cannot hold at this rate is refused. */
#define WF_MIN_FRAME_BYTES 32u

typedef struct wf_config {
    uint32_t max_call_depth;   /* frames; 0 = default (deep enough for compilers) */
    uint64_t max_memory_bytes; /* the memory budget (above); 0 = WF_DEFAULT_BUDGET */
    uint32_t max_table_elems;  /* per table; 0 = default (10,000,000) */
    uint64_t max_fuel;         /* taken branches + calls per wf_invoke (and per start
                                  function); 0 = unlimited. Running out fails
                                  with kind WF_ERR_LIMIT. */
    /* When set, asked at each memory.grow for the cap in force now (bytes),
     * with the size the grow asks for: a container's limit can change while
     * the module runs (`weft update`). max_memory_bytes still bounds it. */
    uint64_t (*memory_cap)(void *arg, uint64_t want_bytes);
    void *memory_cap_arg;
} wf_config;

/* Refuse limits that contradict each other (a call depth whose frames cannot
 * fit the memory budget), with a message naming both. */
int wf_config_check(const wf_config *cfg, weft_error **err);

/* Whether linear memories made from now on get an 8 GiB guarded reservation
 * where the address space allows (default: yes), so compiled code skips
 * bounds checks (docs/wasm-engine.md, "Memory"). Code compiled before any
 * instance exists (wf_module_compile_all) is the variant such a memory
 * needs: an embedder that will lower RLIMIT_AS between loading a module and
 * instantiating it turns this off before loading, so the code compiled
 * ahead is the checked code its memories will need. */
void wf_guard_regions(bool on);

/* cfg may be NULL for defaults. */
wf_store *wf_store_new(const wf_config *cfg);
/* Frees every instance made in the store. */
void wf_store_free(wf_store *s);

/* ---- host functions ---------------------------------------------------- */

/* A host function. Signatures are written as strings of type letters:
 * 'i' i32, 'I' i64, 'f' f32, 'F' f64, 'r' funcref, 'x' externref; e.g.
 * params "iiii", results "i". Return 0 to continue; to stop the call, return
 * what wf_call_trap() or wf_call_exit() returns. */
typedef int (*wf_host_fn)(wf_call *call, void *env, const wf_value *args, wf_value *results);

/* Memory 0 of the instance that called the host function (NULL if none).
 * *size receives its current size in bytes. Valid until the host returns. */
uint8_t *wf_call_memory(wf_call *call, uint64_t *size);
wf_instance *wf_call_instance(wf_call *call);
/* Trap with a message; return its result from the host function. */
int wf_call_trap(wf_call *call, const char *msg);
/* End the whole run with an exit status (WASI proc_exit); wf_invoke then
 * fails with kind WF_ERR_EXIT and status `status`. */
int wf_call_exit(wf_call *call, int status);

/* ---- linking ----------------------------------------------------------- */

/* A linker owns the host functions defined in it: free it only after the
 * stores whose instances imported them. Memories, tables and globals defined
 * through it belong to the store passed at definition. */
wf_linker *wf_linker_new(void);
void wf_linker_free(wf_linker *l);
int wf_linker_define_func(wf_linker *l, const char *module, const char *name, const char *params,
                          const char *results, wf_host_fn fn, void *env, weft_error **err);
/* Make every export of `inst` importable as `module_name` (spec `register`). */
int wf_linker_define_instance(wf_linker *l, const char *module_name, wf_instance *inst,
                              weft_error **err);
/* Host-created memory/table/global, as the spectest module needs. */
int wf_linker_define_memory(wf_linker *l, wf_store *s, const char *module, const char *name,
                            uint32_t min_pages, uint32_t max_pages /* UINT32_MAX: none */,
                            weft_error **err);
int wf_linker_define_table(wf_linker *l, wf_store *s, const char *module, const char *name,
                           wf_valtype elem, uint32_t min, uint32_t max /* UINT32_MAX: none */,
                           weft_error **err);
int wf_linker_define_global(wf_linker *l, wf_store *s, const char *module, const char *name,
                            wf_value value, bool mutable_, weft_error **err);

/* ---- instances --------------------------------------------------------- */

/* Link imports through `l` (may be NULL when there are none), allocate,
 * initialise segments, run the start function. */
int wf_instantiate(wf_store *s, const wf_module *m, wf_linker *l, wf_instance **out,
                   weft_error **err);

/* Call an exported function. `results` must have room for its result count;
 * *n_results receives it. Argument count and types are checked. */
int wf_invoke(wf_instance *inst, const char *name, const wf_value *args, size_t n_args,
              wf_value *results, size_t *n_results, weft_error **err);

/* Types of an exported function: fills up to `cap` entries of each array and
 * the counts. Returns -1 if there is no such function export. */
int wf_export_func_type(wf_instance *inst, const char *name, wf_valtype *params, size_t *n_params,
                        wf_valtype *results, size_t *n_results, size_t cap, weft_error **err);

/* Current value of an exported global. */
int wf_export_global(wf_instance *inst, const char *name, wf_value *out, weft_error **err);

/* Exported memory by name (NULL, 0 when absent). */
uint8_t *wf_export_memory(wf_instance *inst, const char *name, uint64_t *size);

#endif
