/* OCI mount option strings ("ro", "nosuid", "rbind", "mode=755", ...) turned
 * into what mount(2), a propagation change and mount_setattr(2) need.
 *
 * The vocabulary is the union of what runc and crun accept, so a config.json
 * written for either behaves the same here. Anything not recognised is a
 * filesystem-specific option and is passed through as mount data, in order. */
#ifndef WEFT_LINUX_MOUNT_OPTS_H
#define WEFT_LINUX_MOUNT_OPTS_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MOUNT_OPTS_MAX_PROPAGATION 8

typedef struct mount_opts {
    unsigned long flags; /* MS_* to set (no MS_BIND/MS_REC/MS_REMOUNT/propagation) */
    unsigned long clear; /* MS_* an option explicitly turned off ("rw", "suid", ...) */
    bool bind;           /* "bind" or "rbind" */
    bool recursive;      /* "rbind" */
    bool remount;        /* "remount" */
    /* Propagation changes in the order written: MS_SHARED|MS_REC, MS_PRIVATE ... */
    unsigned long propagation[MOUNT_OPTS_MAX_PROPAGATION];
    size_t n_propagation;
    /* Recursive attributes ("rro", "rnosuid", ...) for mount_setattr(2). */
    uint64_t rec_attr_set, rec_attr_clr;
    bool idmap, ridmap; /* idmapped bind mount (ridmap: also every submount) */
    bool tmpcopyup;     /* tmpfs starts with a copy of what was under it */
    bool copy_symlink;  /* crun "copy-symlink": copy a symlink source instead of mounting */
    bool src_nofollow;  /* crun "src-nofollow": do not follow a symlink source */
    char *data;         /* unrecognised options joined by ',', NULL if none */
} mount_opts;

/* Parse n option strings. `where` names the mount in errors ("mounts[3]").
 * Empty strings are rejected; an option "a=b" with a known flag name on the
 * left is still data (e.g. "mode=755"). */
int mount_opts_parse(char *const *opts, size_t n, const char *where, mount_opts *out,
                     weft_error **err);
void mount_opts_free(mount_opts *o);

/* "shared", "rslave", ... -> MS_* propagation flags (with MS_REC for the r-forms);
 * 0 if the name is not a propagation name. */
unsigned long mount_propagation_flags(const char *name);

#endif
