/* Module-level validation rules (everything outside function bodies, which
 * validate.c checks and translates) and the C.refs set of declared functions. */
#include "wasm/module.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- module-level rules ---- */

static int invalid(wf_module *m, weft_error **err, const char *fmt, const char *what, uint32_t n)
{
    werr_set(err, 0, "%s: %s %u: %s", m->name, what, n, fmt);
    return werr_kind(err, WF_ERR_INVALID);
}

static const char *check_limits(const wf_limits *l, uint64_t bound, const char *too_big)
{
    if (l->min > bound || (l->has_max && l->max > bound))
        return too_big;
    if (l->has_max && l->min > l->max)
        return "size minimum must not be greater than maximum";
    return NULL;
}

static const char *check_const(const wf_module *m, const wf_constexpr *c, wf_valtype want)
{
    if (c->ninstr != 1)
        return "type mismatch";
    wf_valtype t = c->type;
    switch (c->kind) {
    case WF_CONST_GLOBAL:
        if (c->val >= m->n_global_imports)
            return "unknown global";
        if (m->globals[c->val].type.mut)
            return "constant expression required";
        t = m->globals[c->val].type.type;
        break;
    case WF_CONST_FUNC:
        if (c->val >= m->n_funcs)
            return "unknown function";
        break;
    default:
        break;
    }
    return t == want ? NULL : "type mismatch";
}

static void mark_declared(wf_module *m, const wf_constexpr *c)
{
    if (c->kind == WF_CONST_FUNC && c->val < m->n_funcs)
        m->func_declared[c->val] = true;
}

static int validate_imports(wf_module *m, weft_error **err)
{
    for (uint32_t i = 0; i < m->n_imports; i++) {
        const wf_import *im = &m->imports[i];
        const char *e = NULL;
        if (im->kind == WF_EXTERN_FUNC && im->type_idx >= m->n_types)
            e = "unknown type";
        else if (im->kind == WF_EXTERN_MEMORY)
            e = check_limits(&im->mem, 65536, "memory size must be at most 65536 pages (4GiB)");
        else if (im->kind == WF_EXTERN_TABLE)
            e = check_limits(&im->table.lim, UINT32_MAX, "table size");
        if (e)
            return invalid(m, err, e, "import", i);
    }
    return 0;
}

static int validate_defs(wf_module *m, weft_error **err)
{
    for (uint32_t f = m->n_func_imports; f < m->n_funcs; f++) {
        if (m->func_type[f] >= m->n_types)
            return invalid(m, err, "unknown type", "function", f);
    }
    for (uint32_t t = m->n_table_imports; t < m->n_tables; t++) {
        const char *e = check_limits(&m->tables[t].lim, UINT32_MAX, "table size");
        if (e)
            return invalid(m, err, e, "table", t);
    }
    if (m->n_mems > 1)
        return invalid(m, err, "multiple memories", "memory", 1);
    for (uint32_t i = m->n_mem_imports; i < m->n_mems; i++) {
        const char *e =
            check_limits(&m->mems[i], 65536, "memory size must be at most 65536 pages (4GiB)");
        if (e)
            return invalid(m, err, e, "memory", i);
    }
    for (uint32_t g = m->n_global_imports; g < m->n_globals; g++) {
        const char *e = check_const(m, &m->globals[g].init, m->globals[g].type.type);
        if (e)
            return invalid(m, err, e, "global", g);
    }
    return 0;
}

static int validate_exports(wf_module *m, weft_error **err)
{
    static const char *const unknown[] = {"unknown function", "unknown table", "unknown memory",
                                          "unknown global"};
    for (uint32_t i = 0; i < m->n_exports; i++) {
        const wf_export *e = &m->exports[i];
        uint32_t n[] = {m->n_funcs, m->n_tables, m->n_mems, m->n_globals};
        if (e->idx >= n[e->kind])
            return invalid(m, err, unknown[e->kind], "export", i);
        for (uint32_t k = 0; k < i; k++) {
            if (strcmp(m->exports[k].name, e->name) == 0)
                return invalid(m, err, "duplicate export name", "export", i);
        }
    }
    if (m->start >= 0) {
        if ((uint64_t)m->start >= m->n_funcs)
            return invalid(m, err, "unknown function", "start function", (uint32_t)m->start);
        const wf_functype *ft = &m->types[m->func_type[m->start]];
        if (ft->nparams || ft->nresults)
            return invalid(m, err, "start function", "start function", (uint32_t)m->start);
    }
    return 0;
}

static int validate_segments(wf_module *m, weft_error **err)
{
    for (uint32_t i = 0; i < m->n_elems; i++) {
        const wf_elem *e = &m->elems[i];
        if (e->mode == WF_SEG_ACTIVE) {
            if (e->table >= m->n_tables)
                return invalid(m, err, "unknown table", "elem segment", i);
            const char *x = check_const(m, &e->offset, WF_I32);
            if (x)
                return invalid(m, err, x, "elem segment", i);
            if (m->tables[e->table].elem != e->type)
                return invalid(m, err, "type mismatch", "elem segment", i);
        }
        for (uint32_t k = 0; k < e->n; k++) {
            const char *x = check_const(m, &e->init[k], e->type);
            if (x)
                return invalid(m, err, x, "elem segment", i);
        }
    }
    for (uint32_t i = 0; i < m->n_datas; i++) {
        const wf_data *d = &m->datas[i];
        if (d->mode != WF_SEG_ACTIVE)
            continue;
        if (d->mem >= m->n_mems)
            return invalid(m, err, "unknown memory", "data segment", i);
        const char *x = check_const(m, &d->offset, WF_I32);
        if (x)
            return invalid(m, err, x, "data segment", i);
    }
    return 0;
}

int wf_validate(wf_module *m, weft_error **err)
{
    if (validate_imports(m, err) < 0 || validate_defs(m, err) < 0 || validate_exports(m, err) < 0 ||
        validate_segments(m, err) < 0)
        return -1;
    if (!wf_module_charge(m, (uint64_t)m->n_funcs + 1)) {
        werr_set(err, 0, "%s: the module needs more than the memory budget of %llu bytes", m->name,
                 (unsigned long long)m->budget);
        return werr_kind(err, WF_ERR_LIMIT);
    }
    m->func_declared = xcalloc(m->n_funcs + 1, sizeof(bool));
    for (uint32_t i = 0; i < m->n_exports; i++) {
        if (m->exports[i].kind == WF_EXTERN_FUNC)
            m->func_declared[m->exports[i].idx] = true;
    }
    for (uint32_t g = m->n_global_imports; g < m->n_globals; g++)
        mark_declared(m, &m->globals[g].init);
    for (uint32_t i = 0; i < m->n_elems; i++) {
        for (uint32_t k = 0; k < m->elems[i].n; k++)
            mark_declared(m, &m->elems[i].init[k]);
    }
    return 0;
}
