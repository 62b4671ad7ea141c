#include "unit.h"
#include "util/path.h"

#include <stdlib.h>

TEST(clean)
{
    static const char *const cases[][2] = {
        {"", "/"},
        {"/", "/"},
        {"a", "/a"},
        {"a//b/../c/", "/a/c"},
        {"/../../etc", "/etc"},
        {"/a/./b/.", "/a/b"},
        {"..", "/"},
        {"/a/b/../../..", "/"},
        {"///x///y//", "/x/y"},
        {"/a/..b/c..", "/a/..b/c.."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *c = path_clean(cases[i][0]);
        CHECK_STR(c, cases[i][1]);
        free(c);
    }
}

TEST(has_dotdot)
{
    CHECK(path_has_dotdot(".."));
    CHECK(path_has_dotdot("a/../b"));
    CHECK(path_has_dotdot("/a/b/.."));
    CHECK(path_has_dotdot("//..//"));
    CHECK(!path_has_dotdot(""));
    CHECK(!path_has_dotdot("/"));
    CHECK(!path_has_dotdot("/a/..b/c../..."));
    CHECK(!path_has_dotdot("./a/."));
}

UNIT_MAIN()
