/* libFuzzer target: wf_module_load (decode, validate) on any bytes, then the
 * translation of every function (which loading leaves to each first call).
 * Besides sanitizer findings it checks the error contract: a failure has a
 * message and a wasm error kind, success gives a module whose counted
 * footprint is within the load budget. */
#include "wasm/module.h"
#include "wasm/wasm.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wf_module *m = NULL;
    weft_error *err = NULL;
    if (wf_module_load_budget(data, size, "fuzz.wasm", 16u << 20, &m, &err) == 0) {
        if (m == NULL || err != NULL || wf_module_footprint(m) > (16u << 20))
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
    if (err == NULL || err->msg == NULL || err->msg[0] == '\0')
        abort();
    if (err->kind != WF_ERR_MALFORMED && err->kind != WF_ERR_INVALID && err->kind != WF_ERR_LIMIT)
        abort();
    werr_free(err);
    return 0;
}
