/* passwd_user_name(): the host's /etc/passwd read without NSS. */
#include "unit.h"
#include "util/passwd.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char path[] = "/tmp/weft-passwd-XXXXXX";

static void write_passwd(const char *text)
{
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
}

static void check_name(uid_t uid, const char *want)
{
    char *got = passwd_user_name(path, uid);
    CHECK_STR(got, want);
    free(got);
}

TEST(names_and_numbers)
{
    write_passwd("root:x:0:0:root:/root:/bin/bash\n"
                 "# a comment line\n"
                 "broken line without fields\n"
                 ":x:7:7::/:/bin/false\n"       /* empty name: skipped */
                 "svc:x:10a:10::/:/bin/false\n" /* uid not a number: skipped */
                 "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                 "bob:x:1001:1001::/home/bob:/bin/sh"); /* no final newline */
    check_name(0, "root");
    check_name(1000, "alice");
    check_name(1001, "bob");
    check_name(7, "#7");
    check_name(10, "#10");
    check_name(4242, "#4242");
    unlink(path);
}

TEST(missing_file)
{
    char *got = passwd_user_name("/nonexistent/passwd", 5);
    CHECK_STR(got, "#5");
    free(got);
}

UNIT_MAIN()
