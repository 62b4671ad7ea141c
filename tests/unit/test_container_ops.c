/* The lifecycle operations that need no running container (container/
 * control.c, inspect.c, lifecycle.c's saved config): on a state root made in
 * a temporary directory, holding stopped and broken containers. */
#include "container/container.h"
#include "container/state.h"
#include "util/xalloc.h"
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/weft-unit-ops-XXXXXX";

/* A container that `create` recorded and whose init is gone: stopped. */
static void make_stopped(const char *id, const char *bundle)
{
    container_state *st = NULL;
    weft_error *e = NULL;
    CHECK_INT(state_create_dir(root, id, &st, &e), 0);
    if (st == NULL)
        return;
    st->bundle = xstrdup(bundle);
    st->created = xstrdup("2026-01-01T00:00:00Z");
    st->annotations = json_pack("{s:s}", "k", "v");
    CHECK_INT(state_save(st, &e), 0);
    state_free(st);
    werr_free(e);
}

static void write_file(const char *id, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/%s", root, id, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void setup(void)
{
    CHECK(mkdtemp(root) != NULL);
    make_stopped("b-stopped", "/bundle/b");
    make_stopped("a-stopped", "/bundle/a");
    /* broken: a state.json a crash can leave */
    char dir[256];
    snprintf(dir, sizeof dir, "%s/c-broken", root);
    CHECK_INT(mkdir(dir, 0700), 0);
    write_file("c-broken", "state.json", "{\"id\": \"c-bro");
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
}

/* The root is made on first use (whichever test runs first) and removed at exit. */
static const struct container_ctx *ctx(void)
{
    static struct container_ctx c;
    if (c.root == NULL) {
        setup();
        atexit(teardown);
    }
    c.root = root;
    c.cgroup_manager = "cgroupfs";
    return &c;
}

/* One error message, then err is clear again. */
static void check_err(weft_error **e, const char *want)
{
    CHECK(*e != NULL);
    if (*e != NULL)
        CHECK_STR((*e)->msg, want);
    werr_free(*e);
    *e = NULL;
}

TEST(list_is_sorted_and_reports_broken)
{
    struct container_info *list = NULL;
    size_t n = 0;
    weft_error *e = NULL;
    CHECK_INT(container_list(ctx(), &list, &n, &e), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(list[0].st->id, "a-stopped");
        CHECK_INT(list[0].status, STATUS_STOPPED);
        CHECK_STR(list[0].st->bundle, "/bundle/a");
        CHECK_STR(list[1].st->id, "b-stopped");
        CHECK_STR(list[2].st->id, "c-broken");
        CHECK_INT(list[2].status, STATUS_BROKEN);
    }
    container_list_free(list, n);
}

TEST(list_of_a_missing_root_is_empty)
{
    struct container_ctx c = {.root = "/nonexistent/weft-unit-root"};
    struct container_info *list = NULL;
    size_t n = 1;
    weft_error *e = NULL;
    CHECK_INT(container_list(&c, &list, &n, &e), 0);
    CHECK_INT(n, 0);
    container_list_free(list, n);
}

TEST(state_document)
{
    struct container_info ci;
    weft_error *e = NULL;
    CHECK_INT(container_info_open(ctx(), "a-stopped", &ci, &e), 0);
    json_t *o = container_info_json(&ci);
    CHECK_STR(json_string_value(json_object_get(o, "ociVersion")), OCI_SPEC_VERSION);
    CHECK_STR(json_string_value(json_object_get(o, "id")), "a-stopped");
    CHECK_STR(json_string_value(json_object_get(o, "status")), "stopped");
    CHECK_INT(json_integer_value(json_object_get(o, "pid")), 0);
    CHECK_STR(json_string_value(json_object_get(o, "bundle")), "/bundle/a");
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "annotations"), "k")), "v");
    CHECK_STR(json_string_value(json_object_get(o, "created")), "2026-01-01T00:00:00Z");
    json_decref(o);
    container_info_free(&ci);

    CHECK_INT(container_info_open(ctx(), "nope", &ci, &e), -1);
    check_err(&e, "container 'nope' does not exist");
}

/* The init's hook state and `weft state` come from one builder. */
TEST(state_oci_doc_required_fields)
{
    json_t *o = state_oci_doc("x", "creating", 7, NULL, NULL);
    char *text = json_dumps(o, JSON_COMPACT);
    CHECK_STR(text, "{\"ociVersion\":\"" OCI_SPEC_VERSION "\",\"id\":\"x\",\"status\":\"creating\","
                    "\"pid\":7,\"bundle\":\"\",\"annotations\":{}}");
    free(text);
    json_decref(o);
}

TEST(control_refuses_a_stopped_container)
{
    weft_error *e = NULL;
    CHECK_INT(container_pause(ctx(), "a-stopped", &e), -1);
    check_err(&e, "cannot pause container 'a-stopped': it is stopped, not running");
    CHECK_INT(container_resume(ctx(), "a-stopped", &e), -1);
    check_err(&e, "cannot resume container 'a-stopped': it is stopped, not paused");
    oci_resources r = {0};
    CHECK_INT(container_update(ctx(), "a-stopped", &r, &e), -1);
    check_err(&e, "update: container 'a-stopped' is stopped");
    CHECK_INT(container_pause(ctx(), "c-broken", &e), -1);
    CHECK(e != NULL && strstr(e->msg, "corrupt state") != NULL);
    werr_free(e);
}

TEST(pids_need_a_cgroup)
{
    pid_t *pids = NULL;
    size_t n = 0;
    weft_error *e = NULL;
    CHECK_INT(container_pids(ctx(), "b-stopped", &pids, &n, &e), -1);
    check_err(&e, "ps: container 'b-stopped' has no cgroup");
    CHECK(pids == NULL);
}

TEST(explain_gone)
{
    weft_error *e = NULL;
    werr_set(&e, 0, "some step failed");
    container_explain_gone(ctx(), "no-such", "exec", &e);
    check_err(&e, "container 'no-such' does not exist");
    werr_set(&e, 0, "some step failed");
    container_explain_gone(ctx(), "a-stopped", "exec", &e);
    check_err(&e, "cannot exec in container 'a-stopped': it is stopped");
    werr_set(&e, 0, "some step failed");
    container_explain_gone(ctx(), "../bad", "exec", &e); /* not an ID: left as is */
    check_err(&e, "some step failed");
}

TEST(saved_config)
{
    weft_error *e = NULL;
    oci_spec *spec = NULL;
    CHECK_INT(container_config(ctx(), "a-stopped", &spec, &e), -1); /* none saved */
    CHECK(e != NULL && strstr(e->msg, "config.json") != NULL);
    werr_free(e);
    e = NULL;

    write_file("a-stopped", "config.json",
               "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
               " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}}");
    CHECK_INT(container_config(ctx(), "a-stopped", &spec, &e), 0);
    if (spec != NULL) {
        /* a relative root.path is still relative to the bundle */
        CHECK_STR(spec->root_path, "/bundle/a/rootfs");
        CHECK(spec->has_process);
    }
    oci_spec_free(spec);
    spec = NULL;

    /* the saved copy has the bundle's size limit (a sparse file: nothing is read) */
    char path[256];
    snprintf(path, sizeof path, "%s/b-stopped/config.json", root);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    CHECK(fd >= 0 && ftruncate(fd, (off_t)OCI_MAX_CONFIG + 1) == 0);
    close(fd);
    CHECK_INT(container_config(ctx(), "b-stopped", &spec, &e), -1);
    CHECK(e != NULL && strstr(e->msg, "too large") != NULL);
    werr_free(e);
}

UNIT_MAIN()
