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

TEST(clip_quotes_user_values_short_and_on_one_line)
{
    char q[WERR_CLIP_BUF];
    CHECK_STR(werr_clip(q, "abc"), "abc");
    CHECK_STR(werr_clip(q, ""), "");
    CHECK_STR(werr_clip(q, "a\nb\tc\x7f"), "a?b?c?");
    char exact[WERR_CLIP_MAX + 1];
    memset(exact, 'x', WERR_CLIP_MAX);
    exact[WERR_CLIP_MAX] = '\0';
    CHECK_STR(werr_clip(q, exact), exact);
    char big[5000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    werr_clip(q, big);
    CHECK_INT(strlen(q), WERR_CLIP_MAX + 3);
    CHECK(strncmp(q, big, WERR_CLIP_MAX) == 0);
    CHECK_STR(q + WERR_CLIP_MAX, "...");
}

TEST(huge_messages_keep_head_and_tail)
{
    static char big[100000];
    memset(big, 'z', sizeof big - 1);
    weft_error *err = NULL;
    werr_set(&err, ENOENT, "config.json: hostname: '%s': end", big);
    CHECK(strlen(err->msg) < WERR_MSG_MAX + 64);
    CHECK(strncmp(err->msg, "config.json: hostname: 'zzz", 27) == 0);
    CHECK(strstr(err->msg, "zzz ... zzz") != NULL);
    CHECK(strstr(err->msg, "': end: No such file or directory") != NULL);
    werr_free(err);
}

UNIT_MAIN()
