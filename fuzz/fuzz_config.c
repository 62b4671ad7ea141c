/* libFuzzer target: the OCI config.json parser (oci_spec_parse) on any
 * bytes. Checks the error contract too: failure means a message. */
#include "oci/spec.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    oci_spec *spec = NULL;
    weft_error *err = NULL;
    if (oci_spec_parse((const char *)data, size, "fuzz/config.json", "/fuzz-bundle", &spec,
                       &err) == 0) {
        if (spec == NULL)
            abort();
        oci_spec_free(spec);
        return 0;
    }
    if (err == NULL || err->msg == NULL || err->msg[0] == '\0')
        abort();
    werr_free(err);
    return 0;
}
