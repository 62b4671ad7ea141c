/* state_parse(): a state.json either fills the state or marks the container
 * broken with a message naming the file; the entries of a state written by
 * state_save() come back. */
#include "container/state.h"
#include "util/xalloc.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

static container_state *parse(const char *text)
{
    container_state *st = xzalloc(sizeof *st);
    st->id = xstrdup("c");
    st->dir = xstrdup("/nonexistent");
    st->dir_fd = -1;
    state_parse(st, text, strlen(text), "ROOT/c/state.json");
    return st;
}

TEST(unreadable_states_are_broken)
{
    static const char *const bad[] = {
        "", "\x01garbage", "{\"id\":\"c\",\"pid\":12", "[1,2]", "{\"pid\":\"12\"}", "{}", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        container_state *st = parse(bad[i]);
        CHECK(st->broken != NULL &&
              strncmp(st->broken, "ROOT/c/state.json: corrupt state: ", 34) == 0);
        CHECK_INT(state_status(st), STATUS_BROKEN);
        CHECK_STR(container_status_name(state_status(st)), "broken");
        json_t *o = state_to_oci_json(st, STATUS_BROKEN);
        CHECK_STR(json_string_value(json_object_get(o, "status")), "broken");
        CHECK_INT(json_integer_value(json_object_get(o, "pid")), 0);
        json_decref(o);
        state_free(st);
    }
}

TEST(saved_state_round_trips)
{
    char dir[] = "/tmp/weft-unit-state-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    container_state *st = xzalloc(sizeof *st);
    st->id = xstrdup("c");
    st->dir = xstrdup(dir);
    st->dir_fd = -1;
    st->pid = 42;
    st->creating = true;
    st->cgroup = xstrdup("{\"manager\":\"disabled\"}");
    st->n_dev_made = 2;
    st->dev_made = xcalloc(2, sizeof *st->dev_made);
    st->dev_made[0] = xstrdup("null");
    st->dev_made[1] = xstrdup("fd");
    weft_error *e = NULL;
    CHECK_INT(state_save(st, &e), 0);
    state_free(st);
    char path[128];
    snprintf(path, sizeof path, "%s/state.json", dir);
    FILE *f = fopen(path, "r");
    char text[4096] = {0};
    CHECK(f != NULL && fread(text, 1, sizeof text - 1, f) > 0);
    if (f)
        fclose(f);
    st = parse(text);
    CHECK(st->broken == NULL);
    CHECK_INT(st->pid, 42);
    CHECK(st->creating);
    CHECK_STR(st->cgroup, "{\"manager\":\"disabled\"}");
    CHECK_INT(st->n_dev_made, 2);
    if (st->n_dev_made == 2) {
        CHECK_STR(st->dev_made[0], "null");
        CHECK_STR(st->dev_made[1], "fd");
    }
    state_free(st);
    unlink(path);
    rmdir(dir);
    werr_free(e);
}

UNIT_MAIN()
