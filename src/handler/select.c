/* Which handler runs a container: annotations first, then content. */
#include "handler/handler.h"

#include <string.h>

#define ANN_HANDLER "run.oci.handler"
#define ANN_VARIANT "module.wasm.image/variant"

enum mode { MODE_NATIVE, MODE_WASM, MODE_SMART };

/* What the annotations ask for: a mode and, for wasm, the engine. */
struct request {
    enum mode mode;
    const handler *engine;
};

/* Kubernetes pod sandboxes: containerd copies pod annotations (and so the
 * wasm ones) into the pause container, which must stay native. */
bool handler_is_pod_sandbox(const oci_spec *spec)
{
    const char *cri = oci_spec_annotation(spec, "io.kubernetes.cri.container-type");
    const char *crio = oci_spec_annotation(spec, "io.kubernetes.cri-o.ContainerType");
    return (cri && strcmp(cri, "sandbox") == 0) || (crio && strcmp(crio, "sandbox") == 0);
}

static int engine_by_name(const char *h, struct request *rq, weft_error **err)
{
    const handler *e = handler_find(h);
    if (e != NULL && e->wasm) {
        rq->mode = MODE_WASM;
        rq->engine = e;
        return 0;
    }
    if (handler_is_external_engine(h)) /* host preparation did not load it */
        return werr_set(err, 0, "annotation %s: engine '%s' is not loaded", ANN_HANDLER, h);
    return werr_set(err, 0,
                    "annotation %s: unknown value '%s' (wasm, wasm-smart or an engine name: %s)",
                    ANN_HANDLER, h, handler_engine_names());
}

static int request_from_annotations(const oci_spec *spec, bool smart_default, struct request *rq,
                                    weft_error **err)
{
    const char *h = oci_spec_annotation(spec, ANN_HANDLER);
    const char *v = oci_spec_annotation(spec, ANN_VARIANT);
    rq->engine = handler_default_engine();
    if (h != NULL) {
        if (strcmp(h, "wasm") == 0)
            return rq->mode = MODE_WASM, 0;
        if (strcmp(h, "wasm-smart") == 0)
            return rq->mode = MODE_SMART, 0;
        return engine_by_name(h, rq, err);
    }
    if (v != NULL) {
        if (strcmp(v, "compat") == 0)
            return rq->mode = MODE_WASM, 0;
        if (strcmp(v, "compat-smart") == 0)
            return rq->mode = MODE_SMART, 0;
        return werr_set(err, 0, "annotation %s: unknown value '%s' (compat or compat-smart)",
                        ANN_VARIANT, v);
    }
    rq->mode = smart_default ? MODE_SMART : MODE_NATIVE;
    return 0;
}

/* Content decides: the first candidate that can handle the entrypoint. */
static int walk(const handler *const *candidates, size_t n, struct entrypoint *ep,
                const handler **out, weft_error **err)
{
    for (size_t i = 0; i < n; i++) {
        const handler *h = candidates[i];
        int r = h->can_handle ? h->can_handle(ep, err) : 1;
        if (r < 0)
            return -1;
        if (r > 0) {
            *out = h;
            return 0;
        }
    }
    return werr_set(err, 0, "%s: no handler can run it", ep->path);
}

int handler_select(const oci_spec *spec, const oci_process *p, bool wasm_smart_default,
                   enum handler_for who, struct entrypoint *ep, const handler **out,
                   weft_error **err)
{
    (void)p;
    *out = &handler_native;
    if (handler_is_pod_sandbox(spec))
        return 0;
    struct request rq = {MODE_NATIVE, &handler_builtin};
    if (request_from_annotations(spec, wasm_smart_default, &rq, err) < 0)
        return -1;
    if (who == HANDLER_FOR_EXEC)
        rq.mode = MODE_SMART;
    switch (rq.mode) {
    case MODE_NATIVE:
        return 0;
    case MODE_WASM:
        /* forced: the engine's prepare gives the precise error for anything else */
        *out = rq.engine;
        return 0;
    default: {
        const handler *const candidates[] = {rq.engine, &handler_native};
        return walk(candidates, 2, ep, out, err);
    }
    }
}
