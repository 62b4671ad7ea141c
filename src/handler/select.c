/* Which handler runs a container. The wasm handler (issue: wasm workloads)
 * plugs in here; until then every container is native. */
#include "handler/handler.h"

int handler_select(const oci_spec *spec, const oci_process *p, bool wasm_smart_default,
                   const char *resolved, const handler **out, weft_error **err)
{
    (void)spec;
    (void)p;
    (void)wasm_smart_default;
    (void)resolved;
    (void)err;
    *out = &handler_native;
    return 0;
}
