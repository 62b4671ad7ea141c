/* util/fileio.c: read_all() of files and pipes, NUL-terminated, with a size limit; read_file();
 * write_text(). */
#include "unit.h"
#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TEST(file_pipe_and_limit)
{
    char path[] = "/tmp/weft-readall-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello, world", 12) == 12);
    lseek(fd, 0, SEEK_SET);
    char *buf = NULL;
    size_t len = 0;
    weft_error *err = NULL;
    CHECK_INT(read_all(fd, path, 12, 100, &buf, &len, &err), 0);
    CHECK_INT((int)len, 12);
    CHECK_STR(buf, "hello, world");
    free(buf);
    lseek(fd, 0, SEEK_SET);
    CHECK_INT(read_all(fd, path, 12, 11, &buf, &len, &err), -1); /* over the limit */
    CHECK(err != NULL && err->errnum == EFBIG);
    werr_free(err);
    err = NULL;
    close(fd);
    unlink(path);

    int p[2];
    CHECK(pipe(p) == 0);
    static char big[10000];
    memset(big, 'x', sizeof big);
    CHECK(write(p[1], big, sizeof big) == (ssize_t)sizeof big);
    close(p[1]);
    CHECK_INT(read_all(p[0], "pipe", 0, 20000, &buf, &len, &err), 0); /* grows past 4096 */
    CHECK_INT((int)len, 10000);
    CHECK(buf[9999] == 'x' && buf[10000] == '\0');
    free(buf);
    close(p[0]);
}

/* read_file: the whole regular file, named in every error. */
TEST(read_file_regular_only_and_limited)
{
    char path[] = "/tmp/weft-readfile-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, "{\"a\": 1}", 8) == 8);
    close(fd);
    char *buf = NULL;
    size_t len = 0;
    weft_error *err = NULL;
    CHECK_INT(read_file(path, 100, &buf, &len, &err), 0);
    CHECK_INT((int)len, 8);
    CHECK_STR(buf, "{\"a\": 1}");
    free(buf);
    buf = NULL;

    CHECK_INT(read_file(path, 7, &buf, &len, &err), -1);
    CHECK(err != NULL && strstr(err->msg, "too large (8 bytes, limit 7)") != NULL);
    CHECK(err != NULL && strstr(err->msg, path) != NULL);
    werr_free(err);
    err = NULL;

    CHECK_INT(read_file("/tmp", 100, &buf, &len, &err), -1);
    CHECK(err != NULL && strcmp(err->msg, "/tmp: not a regular file") == 0);
    werr_free(err);
    err = NULL;

    unlink(path);
    CHECK_INT(read_file(path, 100, &buf, &len, &err), -1);
    CHECK(err != NULL && err->errnum == ENOENT && strstr(err->msg, path) != NULL);
    werr_free(err);
    CHECK(buf == NULL);
}

TEST(write_text_writes_and_names_the_file)
{
    char path[] = "/tmp/weft-writetext-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    weft_error *err = NULL;
    CHECK_INT(write_text(path, "0 100000 65536\n", &err), 0);
    char buf[32] = {0};
    CHECK(read(fd, buf, sizeof buf - 1) == 15);
    CHECK_STR(buf, "0 100000 65536\n");
    close(fd);
    unlink(path);
    CHECK_INT(write_text("/nonexistent/uid_map", "x", &err), -1);
    CHECK(err != NULL);
    if (err)
        CHECK_STR(err->msg, "open /nonexistent/uid_map: No such file or directory");
    werr_free(err);
}

UNIT_MAIN()
