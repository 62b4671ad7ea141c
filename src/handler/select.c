/* Which handler runs a container: annotations first, then content. */
#include "handler/handler.h"
#include "util/cleanup.h"
#include "wasm/module_file.h"
#include "wasm/wat.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ANN_HANDLER "run.oci.handler"
#define ANN_VARIANT "module.wasm.image/variant"

enum mode { MODE_NATIVE, MODE_WASM, MODE_SMART };

/* Kubernetes pod sandboxes: containerd copies pod annotations (and so the
 * wasm ones) into the pause container, which must stay native. */
static bool is_pod_sandbox(const oci_spec *spec)
{
    const char *cri = oci_spec_annotation(spec, "io.kubernetes.cri.container-type");
    const char *crio = oci_spec_annotation(spec, "io.kubernetes.cri-o.ContainerType");
    return (cri && strcmp(cri, "sandbox") == 0) || (crio && strcmp(crio, "sandbox") == 0);
}

static int mode_from_annotations(const oci_spec *spec, bool smart_default, enum mode *mode,
                                 weft_error **err)
{
    static const char *const other_engines[] = {"wasmtime", "wasmer", "wamr", "wasmedge"};
    const char *h = oci_spec_annotation(spec, ANN_HANDLER);
    const char *v = oci_spec_annotation(spec, ANN_VARIANT);
    if (h != NULL) {
        if (strcmp(h, "wasm") == 0 || strcmp(h, "builtin") == 0)
            return *mode = MODE_WASM, 0;
        if (strcmp(h, "wasm-smart") == 0)
            return *mode = MODE_SMART, 0;
        for (size_t i = 0; i < sizeof other_engines / sizeof *other_engines; i++)
            if (strcmp(h, other_engines[i]) == 0)
                return werr_set(err, 0,
                                "annotation %s: engine '%s' is not available in this build "
                                "(builtin is)",
                                ANN_HANDLER, h);
        return werr_set(err, 0,
                        "annotation %s: unknown value '%s' (wasm, wasm-smart or an engine name: "
                        "builtin)",
                        ANN_HANDLER, h);
    }
    if (v != NULL) {
        if (strcmp(v, "compat") == 0)
            return *mode = MODE_WASM, 0;
        if (strcmp(v, "compat-smart") == 0)
            return *mode = MODE_SMART, 0;
        return werr_set(err, 0, "annotation %s: unknown value '%s' (compat or compat-smart)",
                        ANN_VARIANT, v);
    }
    *mode = smart_default ? MODE_SMART : MODE_NATIVE;
    return 0;
}

/* Content decides: a core module, or text that parses as a module. */
static int entrypoint_is_wasm(const char *path, bool *is_wasm, weft_error **err)
{
    cleanup_free uint8_t *bytes = NULL;
    size_t len = 0;
    if (wasm_read_file(path, &bytes, &len, err) < 0)
        return -1;
    switch (wasm_content_of(bytes, len)) {
    case WASM_CONTENT_MODULE:
        *is_wasm = true;
        return 0;
    case WASM_CONTENT_COMPONENT:
        return werr_set(err, 0, "%s: a WebAssembly component: components are not supported yet",
                        path);
    case WASM_CONTENT_NATIVE:
        *is_wasm = false;
        return 0;
    default:
        break;
    }
    cleanup_free uint8_t *bin = NULL;
    size_t bin_len;
    weft_error *parse_err = NULL;
    *is_wasm = wat_to_wasm((const char *)bytes, len, path, &bin, &bin_len, &parse_err) == 0;
    werr_free(parse_err);
    return 0;
}

int handler_select(const oci_spec *spec, const oci_process *p, bool wasm_smart_default,
                   const char *resolved, const handler **out, weft_error **err)
{
    (void)p;
    *out = &handler_native;
    if (is_pod_sandbox(spec))
        return 0;
    enum mode mode;
    if (mode_from_annotations(spec, wasm_smart_default, &mode, err) < 0)
        return -1;
    if (mode == MODE_NATIVE)
        return 0;
    if (mode == MODE_WASM) {
        /* forced: the wasm loader gives the precise error for anything else */
        *out = &handler_wasm;
        return 0;
    }
    bool is_wasm = false;
    if (entrypoint_is_wasm(resolved, &is_wasm, err) < 0)
        return -1;
    if (is_wasm)
        *out = &handler_wasm;
    return 0;
}
