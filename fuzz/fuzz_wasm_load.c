/* libFuzzer target: wf_module_load (decode, validate) on any bytes, then the
 * translation of every function (which loading leaves to each first call).
 * Besides sanitizer findings it checks the error contract: a failure has a
 * message and a wasm error kind, success gives a module whose counted
 * footprint is within the load budget.
 *
 * And lazy function headers (wf_module_load_trusting, as the AOT cache
 * loads): a load its trust refuses reports what the eager load reports
 * (outcome, kind and message; budget errors aside, which may be met
 * elsewhere); a load it vouches for (bytes no weft validated: a forged
 * file) may fail only with a message, and so may each function's
 * translation, which decodes its header then. */
#include "wasm/module.h"
#include "wasm/wasm.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BUDGET (16u << 20)

static bool refuse(wf_module *m, void *arg)
{
    (void)m, (void)arg;
    return false;
}

static bool vouch(wf_module *m, void *arg)
{
    (void)m, (void)arg;
    return true;
}

static void check_error(const weft_error *err)
{
    if (err == NULL || err->msg == NULL || err->msg[0] == '\0')
        abort();
    if (err->kind != WF_ERR_MALFORMED && err->kind != WF_ERR_INVALID && err->kind != WF_ERR_LIMIT)
        abort();
}

static void lazy_loads(const uint8_t *data, size_t size, int eager_rc, const weft_error *eager)
{
    wf_module *m = NULL;
    weft_error *err = NULL;
    int rc = wf_module_load_trusting(data, size, "fuzz.wasm", BUDGET, refuse, NULL, NULL, &m, &err);
    bool limit = (eager && eager->kind == WF_ERR_LIMIT) || (err && err->kind == WF_ERR_LIMIT);
    if (!limit && (rc != eager_rc || (rc < 0 && strcmp(err->msg, eager->msg) != 0) ||
                   (rc < 0 && err->kind != eager->kind)))
        abort();
    wf_module_free(m);
    werr_free(err);
    m = NULL;
    err = NULL;
    if (wf_module_load_trusting(data, size, "fuzz.wasm", BUDGET, vouch, NULL, NULL, &m, &err) < 0) {
        check_error(err);
        werr_free(err);
        return;
    }
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++) {
        if (wf_translate_func(m, i, &err) < 0) {
            check_error(err);
            werr_free(err);
            err = NULL;
        }
    }
    wf_module_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wf_module *m = NULL;
    weft_error *err = NULL;
    int rc = wf_module_load_budget(data, size, "fuzz.wasm", BUDGET, &m, &err);
    lazy_loads(data, size, rc, err);
    if (rc == 0) {
        if (m == NULL || err != NULL || wf_module_footprint(m) > BUDGET)
            abort();
        /* a validated module translates (only the budget may refuse it) */
        if (wf_translate_all(m, &err) < 0) {
            if (err == NULL || err->kind != WF_ERR_LIMIT)
                abort();
            werr_free(err);
            err = NULL;
        }
        /* Walk the module's public view so decoded names are touched. */
        for (size_t i = 0; i < wf_module_import_count(m); i++) {
            wf_import_info im = wf_module_import(m, i);
            if (im.module == NULL || im.name == NULL)
                abort();
        }
        for (size_t i = 0; i < wf_module_export_count(m); i++)
            if (wf_module_export(m, i).name == NULL)
                abort();
        wf_module_free(m);
        return 0;
    }
    check_error(err);
    werr_free(err);
    return 0;
}
