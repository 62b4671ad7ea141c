/* config.json → oci_spec: loading, the top-level fields, mounts and hooks, accessors. */
#include "oci/parse_ctx.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A config bigger than this is not a config (seccomp profiles are ~30 KiB). */

static int parse_version(oci_pctx *c, json_t *top, oci_spec *s)
{
    if (oci_get_str(c, top, "ociVersion", true, &s->oci_version) < 0)
        return -1;
    /* The spec keeps compatibility within a major version: any 1.x is ours. */
    const char *v = s->oci_version;
    if (strncmp(v, "1.", 2) != 0 || !isdigit((unsigned char)v[2]))
        return pctx_fail_at(c, "ociVersion", "unsupported version \"%s\" (weft supports 1.x)", v);
    return 0;
}

static int parse_root(oci_pctx *c, json_t *top, oci_spec *s)
{
    json_t *root = NULL;
    if (oci_get_obj(c, top, "root", true, &root) < 0)
        return -1;
    size_t m = pctx_key(c, "root");
    cleanup_free char *p = NULL;
    if (oci_get_str(c, root, "path", true, &p) < 0)
        return -1;
    if (p[0] == '\0')
        return pctx_fail_at(c, "path", "must not be empty");
    if (p[0] == '/') {
        s->root_path = path_clean(p);
    } else {
        cleanup_free char *joined = xasprintf("%s/%s", s->bundle, p);
        s->root_path = path_clean(joined);
    }
    if (oci_get_bool(c, root, "readonly", false, &s->root_readonly) < 0)
        return -1;
    pctx_pop(c, m);
    return 0;
}

/* The kernel takes at most 64 bytes (HOST_NAME_MAX, the UTS name size);
 * checked here so a long value fails before anything is created, and is
 * not echoed whole. */
static int check_uts_name(oci_pctx *c, const char *key, const char *v)
{
    enum { UTS_NAME_MAX = 64 };
    size_t len = v ? strnlen(v, UTS_NAME_MAX + 1) : 0;
    if (len <= UTS_NAME_MAX)
        return 0;
    char q[WERR_CLIP_BUF];
    return pctx_fail_at(c, key, "'%s': longer than %d bytes", werr_clip(q, v), UTS_NAME_MAX);
}

static int parse_mount(oci_pctx *c, json_t *e, oci_mount *mnt)
{
    if (!json_is_object(e))
        return pctx_fail(c, "must be an object");
    cleanup_free char *dest = NULL;
    if (oci_get_str(c, e, "destination", true, &dest) < 0)
        return -1;
    if (dest[0] == '\0')
        return pctx_fail_at(c, "destination", "must not be empty");
    /* runtime-spec 1.2: SHOULD be absolute; a relative one MAY be given and
     * MUST be taken from "/" (deprecated: `create` warns). */
    if (dest[0] == '/') {
        mnt->destination = path_clean(dest);
    } else {
        cleanup_free char *abs = xasprintf("/%s", dest);
        mnt->destination = path_clean(abs);
        mnt->relative_destination = true;
    }
    if (oci_get_str(c, e, "type", false, &mnt->type) < 0 ||
        oci_get_str(c, e, "source", false, &mnt->source) < 0 ||
        oci_get_strv(c, e, "options", false, &mnt->options, &mnt->n_options) < 0 ||
        oci_get_idmaps(c, e, "uidMappings", &mnt->uid_mappings, &mnt->n_uid_mappings) < 0 ||
        oci_get_idmaps(c, e, "gidMappings", &mnt->gid_mappings, &mnt->n_gid_mappings) < 0)
        return -1;
    return 0;
}

static int parse_mounts(oci_pctx *c, json_t *top, oci_spec *s)
{
    json_t *arr = NULL;
    int r = oci_get_arr(c, top, "mounts", false, &arr);
    if (r <= 0)
        return r;
    size_t n = json_array_size(arr);
    s->mounts = xcalloc(n + 1, sizeof *s->mounts);
    s->n_mounts = n;
    size_t m = pctx_key(c, "mounts");
    for (size_t i = 0; i < n; i++) {
        size_t mi = pctx_idx(c, i);
        if (parse_mount(c, json_array_get(arr, i), &s->mounts[i]) < 0)
            return -1;
        pctx_pop(c, mi);
    }
    pctx_pop(c, m);
    return 0;
}

static int parse_hook(oci_pctx *c, json_t *e, oci_hook *h)
{
    if (!json_is_object(e))
        return pctx_fail(c, "must be an object");
    if (oci_get_str(c, e, "path", true, &h->path) < 0)
        return -1;
    if (h->path[0] != '/')
        return pctx_fail_at(c, "path", "must be an absolute path");
    int64_t t = 0;
    int r;
    if (oci_get_strv(c, e, "args", false, &h->args, &h->n_args) < 0 ||
        oci_get_strv(c, e, "env", false, &h->env, &h->n_env) < 0 ||
        (r = oci_get_i64(c, e, "timeout", false, INT64_MIN, INT64_MAX, &t)) < 0)
        return -1;
    if (r > 0 && (t <= 0 || t > INT_MAX))
        return pctx_fail_at(c, "timeout", "must be greater than zero");
    h->has_timeout = r > 0;
    h->timeout = (int)t;
    return 0;
}

static int parse_hooks(oci_pctx *c, json_t *top, oci_hooks *hooks)
{
    json_t *obj = NULL;
    int r = oci_get_obj(c, top, "hooks", false, &obj);
    if (r <= 0)
        return r;
    size_t m = pctx_key(c, "hooks");
    for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++) {
        json_t *arr = NULL;
        if ((r = oci_get_arr(c, obj, oci_hook_names[k], false, &arr)) < 0)
            return -1;
        if (r == 0)
            continue;
        size_t n = json_array_size(arr);
        hooks->list[k] = xcalloc(n + 1, sizeof *hooks->list[k]);
        hooks->n[k] = n;
        size_t mk = pctx_key(c, oci_hook_names[k]);
        for (size_t i = 0; i < n; i++) {
            size_t mi = pctx_idx(c, i);
            if (parse_hook(c, json_array_get(arr, i), &hooks->list[k][i]) < 0)
                return -1;
            pctx_pop(c, mi);
        }
        pctx_pop(c, mk);
    }
    pctx_pop(c, m);
    return 0;
}

static int parse_top(oci_pctx *c, json_t *top, oci_spec *s)
{
    json_t *obj = NULL;
    int r;
    if (parse_version(c, top, s) < 0 || parse_root(c, top, s) < 0 || parse_mounts(c, top, s) < 0)
        return -1;
    if ((r = oci_get_obj(c, top, "process", false, &obj)) < 0)
        return -1;
    if (r > 0) {
        size_t m = pctx_key(c, "process");
        if (oci_parse_process(c, obj, &s->process) < 0)
            return -1;
        pctx_pop(c, m);
        s->has_process = true;
    }
    if (oci_get_str(c, top, "hostname", false, &s->hostname) < 0 ||
        oci_get_str(c, top, "domainname", false, &s->domainname) < 0 ||
        check_uts_name(c, "hostname", s->hostname) < 0 ||
        check_uts_name(c, "domainname", s->domainname) < 0 || parse_hooks(c, top, &s->hooks) < 0 ||
        oci_get_kv(c, top, "annotations", &s->annotations, &s->n_annotations) < 0)
        return -1;
    if ((r = oci_get_obj(c, top, "linux", false, &obj)) < 0)
        return -1;
    if (r > 0) {
        size_t m = pctx_key(c, "linux");
        if (oci_parse_linux(c, obj, &s->linux_) < 0)
            return -1;
        pctx_pop(c, m);
        s->has_linux = true;
    }
    /* windows, solaris, vm, zos and unknown fields are ignored, as the spec says. */
    return 0;
}

static char *absolute_dir(const char *dir)
{
    if (dir == NULL || dir[0] == '\0')
        dir = ".";
    if (dir[0] == '/')
        return path_clean(dir);
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL)
        return path_clean(dir[0] == '/' ? dir : "/");
    cleanup_free char *joined = xasprintf("%s/%s", cwd, dir);
    return path_clean(joined);
}

int oci_spec_parse(const char *json, size_t len, const char *origin, const char *bundle,
                   oci_spec **out, weft_error **err)
{
    *out = NULL;
    json_t *top = oci_json_load(json, len, origin, err);
    if (top == NULL)
        return -1;
    oci_pctx c = {.origin = origin, .err = err};
    oci_spec *s = xzalloc(sizeof *s);
    s->path = xstrdup(origin);
    s->bundle = absolute_dir(bundle);
    int r = json_is_object(top) ? parse_top(&c, top, s) : pctx_fail(&c, "must be a JSON object");
    json_decref(top);
    if (r < 0) {
        oci_spec_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

int oci_spec_load(const char *bundle, oci_spec **out, weft_error **err)
{
    *out = NULL;
    cleanup_free char *dir = absolute_dir(bundle);
    cleanup_free char *path = xasprintf("%s/config.json", strcmp(dir, "/") == 0 ? "" : dir);
    cleanup_free char *text = NULL;
    size_t len = 0;
    if (read_file(path, OCI_MAX_CONFIG, &text, &len, err) < 0)
        return -1;
    return oci_spec_parse(text, len, path, dir, out, err);
}

int oci_process_parse_file(const char *path, oci_process **out, weft_error **err)
{
    *out = NULL;
    cleanup_free char *text = NULL;
    size_t len = 0;
    if (read_file(path, OCI_MAX_CONFIG, &text, &len, err) < 0)
        return -1;
    json_t *top = oci_json_load(text, len, path, err);
    if (top == NULL)
        return -1;
    oci_pctx c = {.origin = path, .err = err};
    oci_process *p = xzalloc(sizeof *p);
    int r = json_is_object(top) ? oci_parse_process(&c, top, p)
                                : pctx_fail(&c, "must be a JSON object");
    json_decref(top);
    if (r < 0) {
        oci_process_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

int oci_resources_parse(const char *json, size_t len, const char *origin, oci_resources *out,
                        weft_error **err)
{
    memset(out, 0, sizeof *out);
    json_t *top = oci_json_load(json, len, origin, err);
    if (top == NULL)
        return -1;
    oci_pctx c = {.origin = origin, .err = err};
    int r = json_is_object(top) ? oci_parse_resources(&c, top, out)
                                : pctx_fail(&c, "must be a JSON object");
    json_decref(top);
    if (r < 0)
        oci_resources_free(out);
    return r < 0 ? -1 : 0;
}

const char *oci_spec_annotation(const oci_spec *spec, const char *key)
{
    /* Duplicate keys cannot survive jansson, so the first match is the only one. */
    for (size_t i = 0; spec != NULL && i < spec->n_annotations; i++)
        if (strcmp(spec->annotations[i].key, key) == 0)
            return spec->annotations[i].value;
    return NULL;
}

const oci_namespace *oci_spec_namespace(const oci_spec *spec, enum oci_ns_type type)
{
    if (spec == NULL || !spec->has_linux)
        return NULL;
    for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
        if (spec->linux_.namespaces[i].type == type)
            return &spec->linux_.namespaces[i];
    return NULL;
}
