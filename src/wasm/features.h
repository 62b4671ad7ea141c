/* Names for WebAssembly features weft does not support (features.c). */
#ifndef WEFT_WASM_FEATURES_H
#define WEFT_WASM_FEATURES_H

#include <stdint.h>

/* `p` points at an instruction's first byte: "uses SIMD (v128.const)", or
 * NULL when it belongs to no known proposal. Static strings. */
const char *wf_feature_of_opcode(const uint8_t *p, const uint8_t *end);
/* a section id past 12 */
const char *wf_feature_of_section(uint8_t id);
/* a limits flag past 1 */
const char *wf_feature_of_limits(uint8_t flag);

#endif
