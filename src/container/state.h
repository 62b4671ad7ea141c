/* The container's persistent state under --root: ROOT/ID/ holds
 *   state.json   what `create` recorded (pid, its start time, bundle, cgroup, ...)
 *   config.json  a copy of the bundle's config as it was at create time
 *   exec.fifo    while created: `start` opens it to release the waiting init
 * Every command that changes a container holds an exclusive flock on the
 * ROOT/ID directory, so concurrent commands on one container serialise and
 * commands on different containers never contend.
 *
 * `create` holds that lock from mkdir to its final state.json, and writes a
 * provisional state.json ("creating": true) as soon as it has made a cgroup
 * and cloned the init. So whoever gets the lock of a container still marked
 * creating knows its creator died (OOM, SIGKILL): the container is
 * abandoned, reported as stopped, and `delete` removes its init, cgroup and
 * directory like any other's.
 *
 * A state.json that cannot be read (empty, garbage, truncated: what a crash
 * or a full disk can leave) makes the container "broken": `state` and
 * `list` report it so, `delete --force` removes what it can find from the
 * copy of the config (the cgroup, processes holding exec.fifo) and the
 * directory; other commands refuse it. */
#ifndef WEFT_CONTAINER_STATE_H
#define WEFT_CONTAINER_STATE_H

#include "util/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum container_status {
    STATUS_CREATING,
    STATUS_CREATED,
    STATUS_RUNNING,
    STATUS_PAUSED,
    STATUS_STOPPED,
    STATUS_BROKEN, /* state.json is unreadable: see container_state.broken */
};

typedef struct container_state {
    char *id;
    char *dir;          /* ROOT/ID */
    int dir_fd;         /* O_DIRECTORY, holds the lock; -1 when closed */
    pid_t pid;          /* init process on the host, 0 if never started */
    uint64_t pid_start; /* its start time (/proc/PID/stat field 22): guards against pid reuse */
    char *bundle;
    char *rootfs;
    char *created;    /* RFC 3339 */
    bool started;     /* `start` released the init */
    bool has_process; /* the config has a process (else `start` must refuse) */
    char *cgroup;     /* cgroup_serialize() text, NULL when none */
    char *owner;
    char *handler;       /* "native" or the wasm engine's name */
    json_t *annotations; /* object, owned */
    bool creating;       /* provisional state: `create` has not finished */
    char *broken;        /* why state.json cannot be read; NULL when it can */
    /* No mount namespace of its own: the rootfs mounts live in weft's and
     * `delete` detaches those not in kept_mounts (see shared_mnt_ids()). */
    bool shared_mntns;
    unsigned *kept_mounts;
    size_t n_kept_mounts;
    /* Entries the init makes in the rootfs's own /dev (see dev_made.h). */
    char **dev_made;
    size_t n_dev_made;
} container_state;

const char *container_status_name(enum container_status s);

/* "abc-1.2_x": letters, digits, '_', '-', '+', '.', not starting with '.' or
 * '-' (it would read as an option), at most CONTAINER_ID_MAX bytes: the ID
 * names the state directory and the cgroup, and a file name has at most
 * NAME_MAX (255) bytes. */
#define CONTAINER_ID_MAX 255
int container_id_check(const char *id, weft_error **err);

/* mkdir ROOT/ID (fails with "container ID already exists"), lock it. */
int state_create_dir(const char *root, const char *id, container_state **out, weft_error **err);
/* Open and lock an existing container ("container ID does not exist"), read state.json. */
int state_open(const char *root, const char *id, bool lock, container_state **out,
               weft_error **err);
/* state_open(), except that an unreadable state.json is no error: the
 * state comes back with only id, dir and `broken` set. */
int state_open_any(const char *root, const char *id, bool lock, container_state **out,
                   weft_error **err);
/* Fill st from the text of a state.json (origin names it in messages); text
 * that is not one sets st->broken instead. For state_open and the fuzzer. */
void state_parse(container_state *st, const char *text, size_t len, const char *origin);
/* Whether ROOT/ID exists (being created, or created). */
bool state_exists(const char *root, const char *id);
/* Write state.json atomically (tmp + rename). */
int state_save(const container_state *st, weft_error **err);
/* Remove ROOT/ID and everything in it; closes the lock. */
int state_remove(container_state *st, weft_error **err);
void state_free(container_state *st);

/* Live status: looks at the init process and the freezer; an abandoned
 * creation (see above) is stopped. */
enum container_status state_status(const container_state *st);

/* The state document of the runtime-spec (what `weft state` prints and hooks
 * read on stdin): its required fields, for every place that writes one (the
 * init writes it for its hooks before any state.json exists). Takes the
 * reference to annotations (an object; NULL for none). New reference. */
json_t *state_oci_doc(const char *id, const char *status, pid_t pid, const char *bundle,
                      json_t *annotations);
/* state_oci_doc of a recorded container, with what runc adds. */
json_t *state_to_oci_json(const container_state *st, enum container_status status);

/* IDs of every container under root (sorted). */
int state_list_ids(const char *root, char ***ids, size_t *n, weft_error **err);

/* /proc/PID/stat start time, 0 if the process is gone or a zombie. */
uint64_t proc_start_time(pid_t pid);

#endif
