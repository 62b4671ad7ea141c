/* The systemd driver's names and unit properties, kept apart from the D-Bus
 * calls so that they are unit-tested: runc's "slice:prefix:name" cgroupsPath,
 * the cgroup path of a slice, and linux.resources as the properties systemd
 * has (MemoryMax=, CPUWeight=, AllowedCPUs= ...). What has no property is
 * written to the scope's files by the driver (cg_systemd.c). */
#include "cgroup/cg_internal.h"
#include "util/xalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void cg_props_add(cg_props *p, const char *name, char type, uint64_t t, const char *s)
{
    p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
    p->v[p->n++] = (cg_prop){.name = name, .type = type, .t = t, .s = s ? xstrdup(s) : NULL};
}

static void props_add_bytes(cg_props *p, const char *name, unsigned char *bytes, size_t n)
{
    cg_props_add(p, name, 'y', 0, NULL);
    p->v[p->n - 1].bytes = bytes;
    p->v[p->n - 1].n_bytes = n;
}

void cg_props_free(cg_props *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].s);
        free(p->v[i].bytes);
    }
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

/* systemd's unit-name rules, as far as they matter here: a non-empty name of
 * [A-Za-z0-9:_.\-] (the caller adds the suffix). */
static bool unit_chars_ok(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr(":_.-", *s) != NULL))
            return false;
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int cg_unit_names(const char *cgroups_path, const char *id, const char *default_slice, char **slice,
                  char **unit, weft_error **err)
{
    if (cgroups_path == NULL || cgroups_path[0] == '\0') {
        if (id == NULL || !unit_chars_ok(id))
            return werr_set(err, 0, "systemd cgroup driver: container id '%s' cannot name a unit",
                            id ? id : "");
        *slice = xstrdup(default_slice);
        *unit = xasprintf("weft-%s.scope", id);
        return 0;
    }
    const char *c1 = strchr(cgroups_path, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL || strchr(c2 + 1, ':') != NULL)
        return werr_set(err, 0,
                        "linux.cgroupsPath: '%s': the systemd driver wants 'slice:prefix:name'",
                        cgroups_path);
    char *s = xstrndup(cgroups_path, (size_t)(c1 - cgroups_path));
    char *prefix = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
    const char *name = c2 + 1;
    int r = 0;
    if (s[0] != '\0' && (!ends_with(s, ".slice") || !unit_chars_ok(s)))
        r = werr_set(err, 0, "linux.cgroupsPath: '%s': '%s' is not a slice name", cgroups_path, s);
    else if (ends_with(name, ".slice"))
        r = werr_set(err, 0, "linux.cgroupsPath: '%s': a container cannot be the slice '%s'",
                     cgroups_path, name);
    else if (!unit_chars_ok(name) || (prefix[0] != '\0' && !unit_chars_ok(prefix)))
        r = werr_set(err, 0, "linux.cgroupsPath: '%s': not a valid unit name", cgroups_path);
    if (r == 0) {
        *slice = s[0] ? xstrdup(s) : xstrdup(default_slice);
        if (ends_with(name, ".scope"))
            *unit = xstrdup(name);
        else if (prefix[0] != '\0')
            *unit = xasprintf("%s-%s.scope", prefix, name);
        else
            *unit = xasprintf("%s.scope", name);
    }
    free(s);
    free(prefix);
    return r;
}

char *cg_slice_path(const char *slice)
{
    if (strcmp(slice, "-.slice") == 0)
        return xstrdup("");
    /* "a-b-c.slice" lives in /a.slice/a-b.slice/a-b-c.slice */
    size_t len = strlen(slice) - strlen(".slice");
    char *out = xstrdup("");
    for (size_t i = 0; i <= len; i++) {
        if (i < len && slice[i] != '-')
            continue;
        char *next = xasprintf("%s/%.*s.slice", out, (int)i, slice);
        free(out);
        out = next;
    }
    return out;
}

int cg_cpuset_mask(const char *list, unsigned char **mask, size_t *n, weft_error **err)
{
    *mask = NULL;
    *n = 0;
    const char *p = list;
    while (*p != '\0') {
        char *end;
        unsigned long a = strtoul(p, &end, 10), b = a;
        if (end == p)
            goto bad;
        if (*end == '-') {
            p = end + 1;
            b = strtoul(p, &end, 10);
            if (end == p || b < a)
                goto bad;
        }
        if (b >= 8192)
            goto bad;
        if (b / 8 + 1 > *n) {
            *mask = xrealloc(*mask, b / 8 + 1);
            memset(*mask + *n, 0, b / 8 + 1 - *n);
            *n = b / 8 + 1;
        }
        for (unsigned long i = a; i <= b; i++)
            (*mask)[i / 8] |= (unsigned char)(1u << (i % 8));
        p = end;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            goto bad;
    }
    return 0;
bad:
    free(*mask);
    *mask = NULL;
    *n = 0;
    return werr_set(err, 0, "'%s' is not a cpu/node list", list);
}

static uint64_t limit_or_infinity(int64_t v)
{
    return v < 0 ? UINT64_MAX : (uint64_t)v;
}

static int memory_props(const oci_memory *m, cg_props *p, weft_error **err)
{
    if (m->limit.set)
        cg_props_add(p, "MemoryMax", 't', limit_or_infinity(m->limit.v), NULL);
    if (m->reservation.set)
        cg_props_add(p, "MemoryLow", 't', limit_or_infinity(m->reservation.v), NULL);
    if (m->swap.set) {
        int64_t swap;
        if (cg_v2_swap(m->swap.v, m->limit.set ? m->limit.v : 0, &swap, err) < 0)
            return -1;
        if (swap != 0)
            cg_props_add(p, "MemorySwapMax", 't', limit_or_infinity(swap), NULL);
    }
    return 0;
}

static int cpu_props(const oci_cpu *c, cg_props *p, weft_error **err)
{
    if (c->shares.set && c->shares.v != 0)
        cg_props_add(p, "CPUWeight", 't', cg_v2_cpu_weight(c->shares.v), NULL);
    if (c->quota.set || c->period.set) {
        uint64_t period = c->period.set && c->period.v ? c->period.v : 100000;
        uint64_t per_sec = UINT64_MAX;
        if (c->quota.set && c->quota.v > 0)
            per_sec = (uint64_t)c->quota.v * 1000000 / period;
        cg_props_add(p, "CPUQuotaPerSecUSec", 't', per_sec, NULL);
        if (c->period.set && c->period.v)
            cg_props_add(p, "CPUQuotaPeriodUSec", 't', c->period.v, NULL);
    }
    const char *lists[2] = {c->cpus, c->mems};
    const char *names[2] = {"AllowedCPUs", "AllowedMemoryNodes"};
    for (int i = 0; i < 2; i++) {
        if (lists[i] == NULL)
            continue;
        unsigned char *mask;
        size_t n;
        if (cg_cpuset_mask(lists[i], &mask, &n, err) < 0)
            return werr_prefix(err, "linux.resources.cpu.%s", i ? "mems" : "cpus");
        props_add_bytes(p, names[i], mask, n);
    }
    return 0;
}

int cg_unit_resource_props(const oci_resources *res, cg_props *p, weft_error **err)
{
    if (res == NULL)
        return 0;
    if (res->has_memory && memory_props(&res->memory, p, err) < 0)
        return -1;
    if (res->has_cpu && cpu_props(&res->cpu, p, err) < 0)
        return -1;
    if (res->has_pids)
        cg_props_add(p, "TasksMax", 't',
                     res->pids_limit <= 0 ? UINT64_MAX : (uint64_t)res->pids_limit, NULL);
    if (res->has_blkio && res->blkio.has_weight && res->blkio.weight != 0)
        cg_props_add(p, "IOWeight", 't', cg_v2_io_weight(res->blkio.weight), NULL);
    return 0;
}
