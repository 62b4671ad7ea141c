/* handler/: weft.conf parsing, the memory cap read live from the cgroup
 * file, and the entrypoint read once (content.c). */
#include "handler/config.h"
#include "handler/handler.h"
#include "handler/memcap.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

TEST(config_keys_comments_and_errors)
{
    char path[] = "/tmp/weft-conf-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    setenv("WEFT_CONFIG", path, 1);
    write_file(path, "# engines\n  default_engine =  wasmedge  # inline\n\n"
                     "engine_library_path = /opt/a:/opt/b\ncompanion=/x/weft-engines\n");
    struct weft_config c;
    weft_error *err = NULL;
    CHECK_INT(weft_config_load(&c, &err), 0);
    CHECK_STR(c.default_engine, "wasmedge");
    CHECK_STR(c.library_path, "/opt/a:/opt/b");
    CHECK_STR(c.companion, "/x/weft-engines");
    weft_config_free(&c);

    write_file(path, "default_engine = builtin\ncolour = blue\n");
    CHECK_INT(weft_config_load(&c, &err), -1);
    CHECK(err != NULL && strstr(err->msg, ":2: unknown key 'colour'") != NULL);
    werr_free(err);
    err = NULL;
    CHECK(c.default_engine == NULL); /* nothing half-read is kept */

    unlink(path);
    CHECK_INT(weft_config_load(&c, &err), 0); /* no file: the defaults */
    CHECK(c.default_engine == NULL && c.library_path == NULL && c.companion == NULL);
    unsetenv("WEFT_CONFIG");
}

TEST(memory_cap_follows_the_cgroup_file)
{
    char dir[] = "/tmp/weft-cg-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char file[64];
    snprintf(file, sizeof file, "%s/memory.max", dir);
    write_file(file, "max\n");
    handler_pin_memory_limit(dir);
    oci_spec spec;
    memset(&spec, 0, sizeof spec);
    struct memcap mc;
    memcap_init(&mc, &spec);
    CHECK_INT(memcap_limit(&mc), 0);
    CHECK(memcap_now(&mc, 1u << 30) == UINT64_MAX); /* no limit: no cap */
    write_file(file, "1073741824\n");
    CHECK_INT(memcap_limit(&mc), 1073741824);
    CHECK(memcap_now(&mc, 4096) == 1073741824 - mc.overhead);
    CHECK(mc.logged_limit == 0); /* under the cap: nothing logged */
    CHECK(memcap_now(&mc, 2ull << 30) == 1073741824 - mc.overhead);
    CHECK(mc.logged_limit == 1073741824);      /* refused: logged once for this limit */
    write_file(file, "9223372036854771712\n"); /* cgroup v1's "unlimited" */
    CHECK_INT(memcap_limit(&mc), 0);
    write_file(file, "65536\n"); /* below what the engine itself uses */
    CHECK(memcap_now(&mc, 4096) == 65536);
    unlink(file);
    rmdir(dir);
}

static void entry(struct entrypoint *ep, const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    fwrite(bytes, 1, len, f);
    fclose(f);
    memset(ep, 0, sizeof *ep);
    ep->path = strdup(path);
}

TEST(entrypoint_read_once_and_text_converted_once)
{
    const char *path = "/tmp/weft-ep-test";
    struct entrypoint ep;
    weft_error *err = NULL;

    entry(&ep, path, "\177ELF\2\1\1\0rest", 12);
    CHECK_INT(entrypoint_is_wasm(&ep, &err), 0);
    CHECK(ep.bytes == NULL); /* a native program is told by its first bytes */
    CHECK_INT(entrypoint_wasm(&ep, &err), -1);
    CHECK(err != NULL && strstr(err->msg, "a native executable") != NULL);
    werr_free(err);
    err = NULL;
    entrypoint_release(&ep);

    const char *wat = "(module (func (export \"_start\")))";
    entry(&ep, path, wat, strlen(wat));
    CHECK_INT(entrypoint_is_wasm(&ep, &err), 1);
    CHECK(ep.is_binary && ep.len >= 8 && memcmp(ep.bytes, "\0asm", 4) == 0);
    uint8_t *converted = ep.bytes;
    CHECK_INT(entrypoint_wasm(&ep, &err), 0);
    CHECK(ep.bytes == converted); /* not read nor converted again */
    entrypoint_release(&ep);

    entry(&ep, path, "(not a module", 13);
    CHECK_INT(entrypoint_is_wasm(&ep, &err), 0);
    CHECK(err == NULL);
    entrypoint_release(&ep);

    entry(&ep, path, "\0asm\x0d\0\x01\0", 8);
    CHECK_INT(entrypoint_is_wasm(&ep, &err), -1);
    CHECK(err != NULL && strstr(err->msg, "components are not supported") != NULL);
    werr_free(err);
    entrypoint_release(&ep);
    unlink(path);
}

UNIT_MAIN()
