/* Helpers shared by the test_oci_*.c programs: JSON written with single quotes (turned
 * into double quotes here) so the configs stay readable in C. */
#ifndef WEFT_TESTS_TEST_OCI_UTIL_H
#define WEFT_TESTS_TEST_OCI_UTIL_H

#include "oci/spec.h"
#include "unit.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

static inline char *oci_test_json(const char *single_quoted)
{
    char *s = strdup(single_quoted);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    return s;
}

/* Parse as "/b/config.json" of bundle "/b"; NULL on error (the message in *msg). */
static inline oci_spec *oci_test_parse(const char *single_quoted, char **msg)
{
    char *json = oci_test_json(single_quoted);
    oci_spec *spec = NULL;
    weft_error *err = NULL;
    int r = oci_spec_parse(json, strlen(json), "/b/config.json", "/b", &spec, &err);
    free(json);
    if (msg != NULL)
        *msg = NULL;
    if (r < 0) {
        if (msg != NULL)
            *msg = strdup(err->msg);
        werr_free(err);
        return NULL;
    }
    return spec;
}

/* The message of a config that must fail (or "(parsed)" if it did not). */
static inline char *oci_test_error(const char *single_quoted)
{
    char *msg = NULL;
    oci_spec *spec = oci_test_parse(single_quoted, &msg);
    if (spec != NULL) {
        oci_spec_free(spec);
        return strdup("(parsed)");
    }
    return msg;
}

#define OCI_MIN "'ociVersion':'1.0.2','root':{'path':'rootfs'}"

/* CHECK that `cfg` fails with exactly `expect`. */
#define CHECK_OCI_ERR(cfg, expect)                                                                 \
    do {                                                                                           \
        char *m_ = oci_test_error(cfg);                                                            \
        CHECK_STR(m_, expect);                                                                     \
        free(m_);                                                                                  \
    } while (0)

#endif
