/* The execution state both tiers share: the slot stack (frames' locals and
 * operands), the interpreter's frame array and the compiled tier's native
 * stack. One per store, another while a host function re-enters. */
#ifndef WEFT_WASM_EXEC_H
#define WEFT_WASM_EXEC_H

#include "wasm/module.h"

struct wf_exec {
    wf_slot *stack, *stack_end;
    size_t stack_slots;
    struct frame *frames;
    uint32_t max_frames;
    size_t frames_bytes;
    uint64_t fuel; /* per call from the embedder, 0 = unlimited */
    bool busy;
    uint8_t *native; /* the compiled tier's machine stack, mapped on first use */
    size_t native_bytes;
};

#endif
