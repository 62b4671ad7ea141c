/* Freeing an oci_spec. Everything tolerates half-built structs (parsing stops at the first
 * error and frees what it had). */
#include "oci/parse_ctx.h"
#include "oci/spec.h"

#include <stdlib.h>
#include <string.h>

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

static void kv_free(oci_kv *kv, size_t n)
{
    for (size_t i = 0; kv != NULL && i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

void oci_process_clear(oci_process *p)
{
    free(p->cwd);
    strv_free(p->env, p->n_env);
    strv_free(p->args, p->n_args);
    for (size_t i = 0; p->rlimits != NULL && i < p->n_rlimits; i++)
        free(p->rlimits[i].type);
    free(p->rlimits);
    free(p->apparmor_profile);
    free(p->selinux_label);
    oci_capabilities *c = &p->capabilities;
    strv_free(c->bounding, c->n_bounding);
    strv_free(c->effective, c->n_effective);
    strv_free(c->inheritable, c->n_inheritable);
    strv_free(c->permitted, c->n_permitted);
    strv_free(c->ambient, c->n_ambient);
    free(p->user.additional_gids);
    free(p->user.username);
}

void oci_process_free(oci_process *p)
{
    if (p == NULL)
        return;
    oci_process_clear(p);
    free(p);
}

static void resources_free(oci_resources *r)
{
    free(r->devices);
    free(r->cpu.cpus);
    free(r->cpu.mems);
    free(r->blkio.weight_device);
    for (int k = 0; k < 4; k++)
        free(r->blkio.throttle[k]);
    for (size_t i = 0; r->hugepage_limits != NULL && i < r->n_hugepage_limits; i++)
        free(r->hugepage_limits[i].page_size);
    free(r->hugepage_limits);
    for (size_t i = 0; r->rdma != NULL && i < r->n_rdma; i++)
        free(r->rdma[i].device);
    free(r->rdma);
    for (size_t i = 0; r->net_priorities != NULL && i < r->n_net_priorities; i++)
        free(r->net_priorities[i].name);
    free(r->net_priorities);
    kv_free(r->unified, r->n_unified);
}

static void seccomp_free(oci_seccomp *s)
{
    strv_free(s->architectures, s->n_architectures);
    strv_free(s->flags, s->n_flags);
    free(s->listener_path);
    free(s->listener_metadata);
    for (size_t i = 0; s->syscalls != NULL && i < s->n_syscalls; i++) {
        strv_free(s->syscalls[i].names, s->syscalls[i].n_names);
        free(s->syscalls[i].args);
    }
    free(s->syscalls);
}

static void linux_free(oci_linux *l)
{
    for (size_t i = 0; l->namespaces != NULL && i < l->n_namespaces; i++)
        free(l->namespaces[i].path);
    free(l->namespaces);
    free(l->uid_mappings);
    free(l->gid_mappings);
    for (size_t i = 0; l->devices != NULL && i < l->n_devices; i++)
        free(l->devices[i].path);
    free(l->devices);
    free(l->cgroups_path);
    resources_free(&l->resources);
    kv_free(l->sysctl, l->n_sysctl);
    seccomp_free(&l->seccomp);
    free(l->rootfs_propagation);
    strv_free(l->masked_paths, l->n_masked_paths);
    strv_free(l->readonly_paths, l->n_readonly_paths);
    free(l->mount_label);
    free(l->personality.domain);
}

void oci_resources_free(oci_resources *r)
{
    if (r == NULL)
        return;
    resources_free(r);
    memset(r, 0, sizeof *r);
}

void oci_spec_free(oci_spec *spec)
{
    if (spec == NULL)
        return;
    free(spec->oci_version);
    free(spec->root_path);
    for (size_t i = 0; spec->mounts != NULL && i < spec->n_mounts; i++) {
        oci_mount *m = &spec->mounts[i];
        free(m->destination);
        free(m->type);
        free(m->source);
        strv_free(m->options, m->n_options);
        free(m->uid_mappings);
        free(m->gid_mappings);
    }
    free(spec->mounts);
    oci_process_clear(&spec->process);
    free(spec->hostname);
    free(spec->domainname);
    for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++) {
        for (size_t i = 0; spec->hooks.list[k] != NULL && i < spec->hooks.n[k]; i++) {
            oci_hook *h = &spec->hooks.list[k][i];
            free(h->path);
            strv_free(h->args, h->n_args);
            strv_free(h->env, h->n_env);
        }
        free(spec->hooks.list[k]);
    }
    kv_free(spec->annotations, spec->n_annotations);
    linux_free(&spec->linux_);
    free(spec->path);
    free(spec->bundle);
    free(spec);
}
