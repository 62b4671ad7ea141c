/* handler_select (handler/select.c): annotations first, then content. Each
 * case is a config's annotations and an entrypoint file's bytes; no
 * container is made. */
#include "handler/handler.h"
#include "test_oci_util.h"

#include <stdio.h>
#include <unistd.h>

struct blob {
    const void *bytes;
    size_t len;
};

static const char native_bytes[] = "\177ELF\2\1\1\0rest-of-an-elf";
static const char wasm_bytes[] = "\0asm\1\0\0\0";
static const char wat_text[] = "(module (func (export \"_start\")))";
#define NATIVE ((struct blob){native_bytes, sizeof native_bytes})
#define WASM ((struct blob){wasm_bytes, sizeof wasm_bytes - 1})
#define WAT ((struct blob){wat_text, sizeof wat_text - 1})

struct pick {
    const handler *h; /* NULL when handler_select failed */
    char *msg;        /* its error, if it failed */
};

/* handler_select for a config with `annotations` (single-quoted JSON
 * members, may be "") and an entrypoint holding `bytes`. */
static struct pick pick(const char *annotations, struct blob b, bool smart_default,
                        enum handler_for who)
{
    char path[] = "/tmp/weft-select-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, b.bytes, b.len) == (ssize_t)b.len);
    close(fd);
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{" OCI_MIN ",'process':{'args':['%s'],'cwd':'/'},'annotations':{%s}}", path,
             annotations);
    oci_spec *spec = oci_test_parse(cfg, NULL);
    CHECK(spec != NULL);
    struct pick r = {0};
    if (spec == NULL)
        return r;
    struct entrypoint ep = {.path = strdup(path)};
    weft_error *err = NULL;
    const handler *h = NULL;
    if (handler_select(spec, &spec->process, smart_default, who, &ep, &h, &err) == 0)
        r.h = h;
    else
        r.msg = strdup(err->msg);
    werr_free(err);
    entrypoint_release(&ep);
    oci_spec_free(spec);
    unlink(path);
    return r;
}

static const char *name_of(struct pick p)
{
    return p.h ? p.h->name : "(error)";
}

#define CHECK_PICK(ann, blob, smart, who, want)                                                    \
    do {                                                                                           \
        struct pick p_ = pick(ann, blob, smart, who);                                              \
        CHECK_STR(name_of(p_), want);                                                              \
        free(p_.msg);                                                                              \
    } while (0)

TEST(no_annotation_is_native_unless_weft_wasm)
{
    CHECK_PICK("", WASM, false, HANDLER_FOR_INIT, "native");
    CHECK_PICK("", WASM, true, HANDLER_FOR_INIT, "builtin");
    CHECK_PICK("", NATIVE, true, HANDLER_FOR_INIT, "native");
}

TEST(forced_wasm_takes_the_engine_whatever_the_content)
{
    CHECK_PICK("'run.oci.handler':'wasm'", NATIVE, false, HANDLER_FOR_INIT, "builtin");
    CHECK_PICK("'module.wasm.image/variant':'compat'", WAT, false, HANDLER_FOR_INIT, "builtin");
    CHECK_PICK("'run.oci.handler':'builtin'", WASM, false, HANDLER_FOR_INIT, "builtin");
}

TEST(smart_decides_by_content)
{
    CHECK_PICK("'run.oci.handler':'wasm-smart'", WASM, false, HANDLER_FOR_INIT, "builtin");
    CHECK_PICK("'run.oci.handler':'wasm-smart'", WAT, false, HANDLER_FOR_INIT, "builtin");
    CHECK_PICK("'run.oci.handler':'wasm-smart'", NATIVE, false, HANDLER_FOR_INIT, "native");
    CHECK_PICK("'module.wasm.image/variant':'compat-smart'", NATIVE, false, HANDLER_FOR_INIT,
               "native");
    /* run.oci.handler wins over the variant */
    CHECK_PICK("'run.oci.handler':'wasm-smart','module.wasm.image/variant':'compat'", NATIVE, false,
               HANDLER_FOR_INIT, "native");
}

TEST(exec_always_decides_by_content)
{
    CHECK_PICK("'run.oci.handler':'wasm'", NATIVE, false, HANDLER_FOR_EXEC, "native");
    CHECK_PICK("", WASM, false, HANDLER_FOR_EXEC, "builtin");
}

TEST(pod_sandbox_is_always_native)
{
    CHECK_PICK("'run.oci.handler':'wasm','io.kubernetes.cri.container-type':'sandbox'", WASM, false,
               HANDLER_FOR_INIT, "native");
    CHECK_PICK("'module.wasm.image/variant':'compat','io.kubernetes.cri-o.ContainerType':'sandbox'",
               WASM, true, HANDLER_FOR_INIT, "native");
}

TEST(unknown_values_and_unloaded_engines_name_the_annotation)
{
    struct pick p = pick("'run.oci.handler':'wasmx'", WASM, false, HANDLER_FOR_INIT);
    CHECK(p.h == NULL && p.msg &&
          strstr(p.msg, "annotation run.oci.handler: unknown value "
                        "'wasmx'") != NULL);
    free(p.msg);
    p = pick("'module.wasm.image/variant':'compatible'", WASM, false, HANDLER_FOR_INIT);
    CHECK(p.h == NULL && p.msg &&
          strstr(p.msg, "annotation module.wasm.image/variant: unknown value 'compatible'") !=
              NULL);
    free(p.msg);
    /* the static weft has no external engine loaded: the companion does that */
    p = pick("'run.oci.handler':'wamr'", WASM, false, HANDLER_FOR_INIT);
    CHECK(p.h == NULL && p.msg && strstr(p.msg, "engine 'wamr' is not loaded") != NULL);
    free(p.msg);
}

UNIT_MAIN()
