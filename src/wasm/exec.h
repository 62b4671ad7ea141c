/* The execution state both tiers share: the slot stack (frames' locals and
 * operands), the interpreter's frame array and the compiled tier's machine
 * stack. One per store, another while a host function re-enters.
 *
 * The stacks are mapped once, at their largest (address space only), but
 * used up to soft ends that advance in steps, each charged to the store's
 * memory budget (wf_exec_extend): deep recursion stops at the budget or at
 * the call-depth limit, not at host memory, in either tier. */
#ifndef WEFT_WASM_EXEC_H
#define WEFT_WASM_EXEC_H

#include "wasm/module.h"

struct wf_exec {
    wf_slot *stack, *stack_end; /* stack_end: the soft end, charged so far */
    size_t stack_slots;         /* mapped */
    struct frame *frames;
    /* frames charged so far (the interpreter's frame records; in compiled
     * code, machine-stack frames counted at 16 bytes each) */
    uint32_t max_frames;
    uint32_t frames_cap; /* mapped: the call-depth limit */
    size_t frames_bytes;
    wf_store *store;
    uint64_t charged;
    bool stack_by_budget; /* the slot mapping was cut to the budget */
    char why[128];        /* the message of the last exhaustion */
    uint64_t fuel;        /* per call from the embedder, 0 = unlimited */
    bool busy;
    uint8_t *native; /* the compiled tier's machine stack, mapped on first use */
    size_t native_bytes;
};

/* Advance the soft ends until `frames` frames and slots up to `end` are
 * usable, charging each step to the store; false (ex->why says which limit:
 * the call depth, the mapping or the budget) when they cannot. */
bool wf_exec_extend(wf_exec *ex, uint64_t frames, const wf_slot *end);

#endif
