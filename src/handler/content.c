/* The entrypoint's bytes: read once, text turned into binary once, and
 * handed on to whichever handler runs it. */
#include "handler/handler.h"
#include "util/cleanup.h"
#include "wat/module_file.h"
#include "wat/wat.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int entrypoint_bytes(struct entrypoint *ep, weft_error **err)
{
    if (ep->bytes != NULL)
        return 0;
    return wat_read_module_seen(ep->path, &ep->bytes, &ep->len, &ep->seen, &ep->held_still, err);
}

/* Text to binary, in place: every later step sees only the binary. */
static int convert_text(struct entrypoint *ep, weft_error **err)
{
    uint8_t *bin = NULL;
    size_t bin_len = 0;
    if (wat_text_to_wasm((const char *)ep->bytes, ep->len, ep->path, &bin, &bin_len, err) < 0)
        return -1;
    free(ep->bytes);
    ep->bytes = bin;
    ep->len = bin_len;
    ep->is_binary = true;
    return 0;
}

/* Read the entrypoint and tell what it is; a binary module is marked so,
 * a component is refused (both callers refuse it the same way). */
static int read_kind(struct entrypoint *ep, enum wat_content *kind, weft_error **err)
{
    if (entrypoint_bytes(ep, err) < 0)
        return -1;
    *kind = wat_content_of(ep->bytes, ep->len);
    if (*kind == WAT_CONTENT_MODULE)
        ep->is_binary = true;
    if (*kind == WAT_CONTENT_COMPONENT)
        return werr_set(err, 0, "%s: a WebAssembly component: components are not supported yet",
                        ep->path);
    return 0;
}

int entrypoint_wasm(struct entrypoint *ep, weft_error **err)
{
    enum wat_content kind;
    if (ep->is_binary)
        return 0;
    if (read_kind(ep, &kind, err) < 0)
        return -1;
    if (kind == WAT_CONTENT_MODULE)
        return 0;
    if (kind == WAT_CONTENT_NATIVE)
        return werr_set(err, 0, "%s: a native executable, not a WebAssembly module", ep->path);
    return convert_text(ep, err);
}

/* The first bytes, without reading the whole file: enough to tell an ELF
 * or a script, which is what most `exec`s run. */
static bool peek_native(const char *path)
{
    uint8_t head[8];
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, head, sizeof head);
    return n > 0 && wat_content_of(head, (size_t)n) == WAT_CONTENT_NATIVE;
}

int entrypoint_is_wasm(struct entrypoint *ep, weft_error **err)
{
    enum wat_content kind;
    if (ep->is_binary)
        return 1;
    if (ep->bytes == NULL && peek_native(ep->path))
        return 0;
    if (read_kind(ep, &kind, err) < 0)
        return -1;
    if (kind == WAT_CONTENT_MODULE)
        return 1;
    if (kind == WAT_CONTENT_NATIVE)
        return 0;
    /* text: wasm if it parses as a module (then converted once, here) */
    weft_error *parse_err = NULL;
    int r = convert_text(ep, &parse_err);
    werr_free(parse_err);
    return r == 0;
}

void entrypoint_release(struct entrypoint *ep)
{
    free(ep->path);
    free(ep->bytes);
    *ep = (struct entrypoint){0};
}
