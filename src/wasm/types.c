/* Function-type interning: every distinct function type gets a small id, so
 * call_indirect and import matching compare integers, across modules and
 * stores. The table is process-wide and only grows (types are tiny). */
#include "wasm/module.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <string.h>

#define BUCKETS 1024

struct entry {
    wf_functype ft;
    struct entry *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *buckets[BUCKETS];
static wf_functype **by_id;
static uint32_t n_ids, cap_ids;

static uint32_t hash(const wf_valtype *types, uint32_t np, uint32_t nr)
{
    uint32_t h = 2166136261u ^ np * 31u ^ nr * 131u;
    for (uint32_t i = 0; i < np + nr; i++)
        h = (h ^ (uint32_t)types[i]) * 16777619u;
    return h;
}

uint32_t wf_intern_sig(const wf_valtype *types, uint32_t nparams, uint32_t nresults)
{
    uint32_t h = hash(types, nparams, nresults) % BUCKETS;
    size_t n = (size_t)nparams + nresults;
    pthread_mutex_lock(&lock);
    for (struct entry *e = buckets[h]; e; e = e->next) {
        if (e->ft.nparams == nparams && e->ft.nresults == nresults &&
            memcmp(e->ft.types, types, n * sizeof *types) == 0) {
            pthread_mutex_unlock(&lock);
            return e->ft.sig;
        }
    }
    struct entry *e = xzalloc(sizeof *e);
    e->ft.nparams = nparams;
    e->ft.nresults = nresults;
    e->ft.types = xcalloc(n + 1, sizeof *types);
    memcpy(e->ft.types, types, n * sizeof *types);
    e->ft.sig = n_ids;
    e->next = buckets[h];
    buckets[h] = e;
    if (n_ids == cap_ids) {
        cap_ids = cap_ids ? cap_ids * 2 : 64;
        by_id = xreallocarray(by_id, cap_ids, sizeof *by_id);
    }
    by_id[n_ids++] = &e->ft;
    uint32_t id = e->ft.sig;
    pthread_mutex_unlock(&lock);
    return id;
}

const wf_functype *wf_sig_type(uint32_t sig)
{
    pthread_mutex_lock(&lock);
    const wf_functype *ft = sig < n_ids ? by_id[sig] : NULL;
    pthread_mutex_unlock(&lock);
    return ft;
}

const char *wf_valtype_name(wf_valtype t)
{
    switch (t) {
    case WF_I32:
        return "i32";
    case WF_I64:
        return "i64";
    case WF_F32:
        return "f32";
    case WF_F64:
        return "f64";
    case WF_V128:
        return "v128";
    case WF_FUNCREF:
        return "funcref";
    case WF_EXTERNREF:
        return "externref";
    }
    return "?";
}
