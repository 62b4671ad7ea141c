/* libFuzzer target: state.json text → state_parse, then what the commands do
 * with a state they read: its status document, its cgroup handle. Any input
 * must either parse or mark the container broken with a message naming the
 * file, never crash, leak or read out of bounds. */
#include "cgroup/cgroup.h"
#include "container/state.h"
#include "util/xalloc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    container_state *st = xzalloc(sizeof *st);
    st->id = xstrdup("fuzz");
    st->dir = xstrdup("/nonexistent/fuzz");
    st->dir_fd = -1;
    state_parse(st, (const char *)data, size, "state.json");
    if (st->broken != NULL) {
        if (strncmp(st->broken, "state.json: corrupt state: ", 27) != 0 || st->cgroup != NULL)
            abort();
    } else if (st->cgroup != NULL) {
        cgroup *cg = NULL;
        weft_error *err = NULL;
        if (cgroup_load(st->cgroup, &cg, &err) == 0) {
            free(cgroup_serialize(cg));
            (void)cgroup_path(cg);
        } else if (err == NULL || err->msg == NULL) {
            abort();
        }
        cgroup_free(cg);
        werr_free(err);
    }
    /* Not state_status(): it looks at live processes and cgroups. */
    enum container_status s = st->broken ? STATUS_BROKEN : STATUS_STOPPED;
    json_t *o = state_to_oci_json(st, s);
    free(json_dumps(o, JSON_COMPACT));
    json_decref(o);
    state_free(st);
    return 0;
}
