/* cgroup_plan() on this machine's real hierarchies (needs root): the handle
 * it computes without creating anything is the one cgroup_create() returns
 * for the same arguments, so `create` can record the directories before it
 * makes them. Every directory made here is destroyed again. */
#include "cgroup/cgroup.h"
#include "util/error.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

static bool usable(void)
{
    if (getuid() != 0) {
        fprintf(stderr, "skipped: cgroup tests need root\n");
        return false;
    }
    return access("/sys/fs/cgroup", F_OK) == 0;
}

/* plan, then create, with the same arguments: the same serialized handle.
 * Returns the leaf's path (to free). */
static char *plan_matches_create(const char *path, const char *id)
{
    char *leaf = NULL;
    cgroup *plan = NULL, *cg = NULL;
    weft_error *e = NULL;
    CHECK_INT(cgroup_plan(NULL, path, id, &plan, &e), 0);
    CHECK(plan != NULL);
    if (plan == NULL)
        return NULL;
    char *planned = cgroup_serialize(plan);
    CHECK(access(cgroup_path(plan), F_OK) < 0); /* nothing made */
    if (cgroup_create(NULL, path, id, NULL, &cg, &e) < 0) {
        fprintf(stderr, "create: %s\n", e->msg);
        CHECK(0);
    } else {
        char *made = cgroup_serialize(cg);
        CHECK_STR(planned, made);
        free(made);
        /* the planned handle removes what create made, parents included */
        CHECK_INT(cgroup_destroy(plan, &e), 0);
        CHECK(access(cgroup_path(cg), F_OK) < 0);
        leaf = strdup(cgroup_path(cg));
        cgroup_free(cg);
    }
    free(planned);
    cgroup_free(plan);
    werr_free(e);
    return leaf;
}

TEST(default_path)
{
    if (!usable())
        return;
    char id[64];
    snprintf(id, sizeof id, "weft-plan-%d", (int)getpid());
    free(plan_matches_create(NULL, id));
}

TEST(absolute_path_with_new_parents)
{
    if (!usable())
        return;
    char path[64];
    snprintf(path, sizeof path, "/weft-plan-%d/a//b/", (int)getpid());
    char *leaf = plan_matches_create(path, "ignored");
    CHECK(leaf != NULL && strlen(leaf) > 4 && strcmp(leaf + strlen(leaf) - 4, "/a/b") == 0);
    if (leaf != NULL && strlen(leaf) > 4) {
        leaf[strlen(leaf) - 4] = '\0'; /* the parents plan found missing went too */
        CHECK(access(leaf, F_OK) < 0);
    }
    free(leaf);
}

TEST(what_create_refuses_fails_the_plan_the_same_way)
{
    static const char *const bad[] = {"/a/../b", "/"};
    for (size_t i = 0; i < 2; i++) {
        cgroup *cg = (cgroup *)1;
        weft_error *e = NULL, *ce = NULL;
        CHECK_INT(cgroup_plan(NULL, bad[i], "x", &cg, &e), -1);
        CHECK(cg == NULL);
        CHECK_INT(cgroup_create(NULL, bad[i], "x", NULL, &cg, &ce), -1);
        if (e != NULL && ce != NULL)
            CHECK_STR(e->msg, ce->msg);
        werr_free(e);
        werr_free(ce);
    }
}

TEST(disabled_manager)
{
    cgroup *cg = NULL;
    weft_error *e = NULL;
    CHECK_INT(cgroup_plan("disabled", NULL, "x", &cg, &e), 0);
    CHECK(cg != NULL);
    if (cg != NULL) {
        CHECK_STR(cgroup_path(cg), "");
        char *s = cgroup_serialize(cg);
        CHECK_STR(s, "{\"manager\":\"disabled\"}");
        free(s);
    }
    cgroup_free(cg);
}

UNIT_MAIN()
