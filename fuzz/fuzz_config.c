/* libFuzzer target: config.json text → oci_spec_parse (and back to free). Any input must
 * either parse or fail with an error message, never crash, leak or read out of bounds. */
#include "oci/spec.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    oci_spec *spec = NULL;
    weft_error *err = NULL;
    if (oci_spec_parse((const char *)data, size, "fuzz.json", "/bundle", &spec, &err) == 0) {
        /* Exercise the accessors over whatever was parsed. */
        for (int t = 0; t < OCI_NS_COUNT; t++)
            (void)oci_spec_namespace(spec, (enum oci_ns_type)t);
        (void)oci_spec_annotation(spec, "run.oci.handler");
        if (spec->root_path == NULL || spec->root_path[0] != '/')
            abort();
        for (size_t i = 0; i < spec->n_mounts; i++)
            if (spec->mounts[i].destination[0] != '/')
                abort();
        oci_spec_free(spec);
    } else if (err == NULL || err->msg == NULL || strncmp(err->msg, "fuzz.json: ", 11) != 0) {
        abort(); /* every failure names the origin */
    }
    werr_free(err);
    return 0;
}
