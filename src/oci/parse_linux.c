/* The `linux` object, except resources (parse_resources.c) and seccomp (parse_seccomp.c). */
#include "oci/parse_ctx.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Run fn over each element of obj[key] (an array) with the path extended. */
typedef int (*elem_fn)(oci_pctx *c, json_t *e, size_t i, void *arg);
static int each(oci_pctx *c, json_t *obj, const char *key, size_t *n_out, void **list,
                size_t elem_size, elem_fn fn, void *arg)
{
    json_t *arr = NULL;
    int r = oci_get_arr(c, obj, key, false, &arr);
    if (r <= 0)
        return r;
    size_t n = json_array_size(arr);
    *list = xcalloc(n + 1, elem_size);
    *n_out = n;
    size_t m = pctx_key(c, key);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        size_t mi = pctx_idx(c, i);
        if (!json_is_object(e))
            return pctx_fail(c, "must be an object");
        if (fn(c, e, i, arg) < 0)
            return -1;
        pctx_pop(c, mi);
    }
    pctx_pop(c, m);
    return 1;
}

static int parse_namespace(oci_pctx *c, json_t *e, size_t i, void *arg)
{
    oci_linux *l = arg;
    oci_namespace *ns = &l->namespaces[i];
    cleanup_free char *type = NULL;
    if (oci_get_str(c, e, "type", true, &type) < 0)
        return -1;
    int t = oci_ns_from_name(type);
    if (t < 0)
        return pctx_fail_at(c, "type", "unknown namespace type \"%s\"", type);
    ns->type = (enum oci_ns_type)t;
    for (size_t j = 0; j < i; j++)
        if (l->namespaces[j].type == ns->type)
            return pctx_fail_at(c, "type", "duplicate namespace type \"%s\"", type);
    if (oci_get_str(c, e, "path", false, &ns->path) < 0)
        return -1;
    if (ns->path != NULL && ns->path[0] == '\0') {
        /* "" is how Go's omitempty spells "absent". */
        free(ns->path);
        ns->path = NULL;
    }
    if (ns->path != NULL && ns->path[0] != '/')
        return pctx_fail_at(c, "path", "must be an absolute path");
    return 0;
}

static int parse_device(oci_pctx *c, json_t *e, size_t i, void *arg)
{
    oci_device *d = &((oci_linux *)arg)->devices[i];
    cleanup_free char *type = NULL;
    if (oci_get_str(c, e, "path", true, &d->path) < 0)
        return -1;
    if (d->path[0] != '/')
        return pctx_fail_at(c, "path", "must be an absolute path");
    if (oci_get_str(c, e, "type", true, &type) < 0)
        return -1;
    if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
        return pctx_fail_at(c, "type", "unknown device type \"%s\" (c, b, u or p)", type);
    d->type = type[0];
    bool need_nums = d->type != 'p';
    if (oci_get_i64(c, e, "major", need_nums, 0, UINT32_MAX, &d->major) < 0 ||
        oci_get_i64(c, e, "minor", need_nums, 0, UINT32_MAX, &d->minor) < 0)
        return -1;
    uint32_t v = 0;
    int r;
    /* Go's os.FileMode may carry type bits above 07777; the device code masks them. */
    if ((r = oci_get_u32(c, e, "fileMode", false, &v)) < 0)
        return -1;
    d->has_file_mode = r > 0;
    d->file_mode = (mode_t)v;
    if ((r = oci_get_u32(c, e, "uid", false, &v)) < 0)
        return -1;
    d->has_uid = r > 0;
    d->uid = (uid_t)v;
    if ((r = oci_get_u32(c, e, "gid", false, &v)) < 0)
        return -1;
    d->has_gid = r > 0;
    d->gid = (gid_t)v;
    return 0;
}

static int parse_offset(oci_pctx *c, json_t *o, oci_time_offset *t)
{
    uint64_t ns = 0;
    if (oci_get_i64(c, o, "secs", false, INT64_MIN, INT64_MAX, &t->secs) < 0 ||
        oci_get_u64(c, o, "nanosecs", false, 999999999, &ns) < 0)
        return -1;
    t->nanosecs = (uint32_t)ns;
    return 0;
}

static int parse_time_offsets(oci_pctx *c, json_t *l, oci_linux *out)
{
    json_t *o = NULL;
    int r = oci_get_obj(c, l, "timeOffsets", false, &o);
    if (r <= 0)
        return r;
    size_t m = pctx_key(c, "timeOffsets");
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        oci_time_offset *t = strcmp(k, "monotonic") == 0  ? &out->monotonic
                             : strcmp(k, "boottime") == 0 ? &out->boottime
                                                          : NULL;
        if (t == NULL)
            return pctx_fail_at(c, k, "unknown clock (monotonic or boottime)");
        if (json_is_null(v))
            continue;
        if (!json_is_object(v))
            return pctx_fail_at(c, k, "must be an object");
        size_t mk = pctx_key(c, k);
        if (parse_offset(c, v, t) < 0)
            return -1;
        pctx_pop(c, mk);
    }
    pctx_pop(c, m);
    out->has_time_offsets = true;
    return 0;
}

static int parse_personality(oci_pctx *c, json_t *l, oci_linux *out)
{
    json_t *o = NULL;
    int r = oci_get_obj(c, l, "personality", false, &o);
    if (r <= 0)
        return r;
    size_t m = pctx_key(c, "personality");
    if (oci_get_str(c, o, "domain", true, &out->personality.domain) < 0)
        return -1;
    const char *d = out->personality.domain;
    if (strcmp(d, "LINUX") != 0 && strcmp(d, "LINUX32") != 0)
        return pctx_fail_at(c, "domain", "unknown personality domain \"%s\" (LINUX or LINUX32)", d);
    cleanup_strv char **flags = NULL;
    size_t nflags = 0;
    if (oci_get_strv(c, o, "flags", false, &flags, &nflags) < 0)
        return -1;
    pctx_pop(c, m);
    out->has_personality = true;
    return 0;
}

static int parse_propagation(oci_pctx *c, json_t *l, oci_linux *out)
{
    static const char *const modes[] = {"shared",  "slave",  "private",  "unbindable",
                                        "rshared", "rslave", "rprivate", "runbindable"};
    int r = oci_get_str(c, l, "rootfsPropagation", false, &out->rootfs_propagation);
    if (r <= 0)
        return r;
    if (out->rootfs_propagation[0] == '\0') {
        free(out->rootfs_propagation);
        out->rootfs_propagation = NULL;
        return 0;
    }
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(modes[i], out->rootfs_propagation) == 0)
            return 0;
    return pctx_fail_at(c, "rootfsPropagation", "unknown propagation \"%s\"",
                        out->rootfs_propagation);
}

static int sub_resources(oci_pctx *c, json_t *o, void *arg)
{
    return oci_parse_resources(c, o, arg);
}
static int sub_seccomp(oci_pctx *c, json_t *o, void *arg)
{
    return oci_parse_seccomp(c, o, arg);
}
static int sub_ignore(oci_pctx *c, json_t *o, void *arg)
{
    (void)c;
    (void)o;
    (void)arg;
    return 0;
}

int oci_parse_linux(oci_pctx *c, json_t *l, oci_linux *out)
{
    if (each(c, l, "namespaces", &out->n_namespaces, (void **)&out->namespaces,
             sizeof *out->namespaces, parse_namespace, out) < 0 ||
        oci_get_idmaps(c, l, "uidMappings", &out->uid_mappings, &out->n_uid_mappings) < 0 ||
        oci_get_idmaps(c, l, "gidMappings", &out->gid_mappings, &out->n_gid_mappings) < 0 ||
        parse_time_offsets(c, l, out) < 0 ||
        each(c, l, "devices", &out->n_devices, (void **)&out->devices, sizeof *out->devices,
             parse_device, out) < 0 ||
        oci_get_str(c, l, "cgroupsPath", false, &out->cgroups_path) < 0 ||
        oci_get_obj_with(c, l, "resources", &out->has_resources, sub_resources, &out->resources) <
            0 ||
        oci_get_kv(c, l, "sysctl", &out->sysctl, &out->n_sysctl) < 0 ||
        oci_get_obj_with(c, l, "seccomp", &out->has_seccomp, sub_seccomp, &out->seccomp) < 0 ||
        parse_propagation(c, l, out) < 0 ||
        oci_get_strv(c, l, "maskedPaths", false, &out->masked_paths, &out->n_masked_paths) < 0 ||
        oci_get_strv(c, l, "readonlyPaths", false, &out->readonly_paths, &out->n_readonly_paths) <
            0 ||
        oci_get_str(c, l, "mountLabel", false, &out->mount_label) < 0 ||
        parse_personality(c, l, out) < 0 ||
        oci_get_obj_with(c, l, "intelRdt", &out->has_intel_rdt, sub_ignore, NULL) < 0)
        return -1;
    return 0;
}
