/* The wasm engines' memory cap: the container's memory limit, followed
 * live (see memcap.c). */
#ifndef WEFT_HANDLER_MEMCAP_H
#define WEFT_HANDLER_MEMCAP_H

#include "oci/spec.h"

#include <stdint.h>

struct memcap {
    uint64_t spec_limit;   /* linux.resources.memory.limit at create, 0 = none */
    uint64_t overhead;     /* the engine's own resident memory and slack */
    uint64_t logged_limit; /* the limit last named in the log */
};

/* Open the cgroup's memory limit file (v2 memory.max, v1
 * memory.limit_in_bytes) under `cgroup_dir`, on the host side, before the
 * container's process is made; it is inherited by that process. Quietly
 * does nothing where there is none (then the limit at create holds). */
void handler_pin_memory_limit(const char *cgroup_dir);

void memcap_init(struct memcap *mc, const oci_spec *spec);
/* The limit in force now, 0 = none. */
uint64_t memcap_limit(const struct memcap *mc);
/* The cap for the module's memory now (0 = none); for engines told once. */
uint64_t memcap_static(const struct memcap *mc);
/* wf_config.memory_cap: the cap now; logs once per limit when `want` is
 * refused, naming the limit. */
uint64_t memcap_now(void *arg, uint64_t want);

#endif
