#include "unit.h"
#include "util/error.h"

#include <stdlib.h>

static int fails_with_context(weft_error **err)
{
    if (werr_set(err, ENOENT, "open %s", "config.json") < 0)
        return werr_prefix(err, "bundle /b");
    return 0;
}

TEST(set_and_prefix)
{
    weft_error *err = NULL;
    CHECK_INT(fails_with_context(&err), -1);
    CHECK(err != NULL);
    CHECK_STR(err->msg, "bundle /b: open config.json: No such file or directory");
    CHECK_INT(err->errnum, ENOENT);
    werr_free(err);
}

TEST(newest_error_wins)
{
    weft_error *err = NULL;
    werr_set(&err, 0, "first");
    werr_set(&err, 0, "second");
    werr_kind(&err, 7);
    werr_status(&err, 127);
    CHECK_STR(err->msg, "second");
    CHECK_INT(err->kind, 7);
    CHECK_INT(err->status, 127);
    werr_free(err);
}

UNIT_MAIN()
