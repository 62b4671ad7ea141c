/* The parent <-> init channel (container/sync.c) over a real socketpair:
 * messages, an attached fd, an error carried across with its status, and a
 * peer that went away. */
#include "container/sync.h"
#include "unit.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(message_with_an_fd)
{
    int sv[2];
    weft_error *e = NULL;
    CHECK_INT(sync_pair(sv, &e), 0);
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(devnull >= 0);
    CHECK_INT(sync_send(sv[0], SYNC_PTY, 0, NULL, devnull, &e), 0);
    CHECK_INT(sync_send(sv[0], SYNC_READY, 0, NULL, -1, &e), 0);
    int fd = -1;
    CHECK_INT(sync_expect(sv[1], SYNC_PTY, &fd, &e), 0);
    CHECK(fd >= 0 && fd != devnull);
    struct stat a, b;
    CHECK(fstat(fd, &a) == 0 && fstat(devnull, &b) == 0 && a.st_rdev == b.st_rdev);
    close(fd);
    struct sync_msg m;
    CHECK_INT(sync_recv(sv[1], &m, &fd, &e), 0);
    CHECK_INT(m.type, SYNC_READY);
    CHECK_INT(fd, -1);
    close(devnull);
    close(sv[0]);
    close(sv[1]);
    werr_free(e);
}

TEST(error_travels_with_its_status)
{
    int sv[2];
    weft_error *e = NULL;
    CHECK_INT(sync_pair(sv, &e), 0);
    weft_error *sent = NULL;
    werr_set(&sent, 0, "process.args[0]: 'nope' not found");
    werr_status(&sent, 127);
    sync_send_error(sv[0], sent);
    werr_free(sent);
    CHECK_INT(sync_expect(sv[1], SYNC_READY, NULL, &e), -1);
    CHECK(e != NULL);
    if (e != NULL) {
        CHECK_STR(e->msg, "process.args[0]: 'nope' not found");
        CHECK_INT(e->status, 127);
    }
    werr_free(e);
    close(sv[0]);
    close(sv[1]);
}

TEST(unexpected_type_and_closed_peer)
{
    int sv[2];
    weft_error *e = NULL;
    CHECK_INT(sync_pair(sv, &e), 0);
    CHECK_INT(sync_send(sv[0], SYNC_RUN_HOOKS, 0, NULL, -1, &e), 0);
    CHECK_INT(sync_expect(sv[1], SYNC_READY, NULL, &e), -1);
    CHECK(e != NULL);
    werr_free(e);
    e = NULL;
    close(sv[0]);
    CHECK_INT(sync_expect(sv[1], SYNC_READY, NULL, &e), -1);
    CHECK(e != NULL && strstr(e->msg, "container init exited during setup") != NULL);
    werr_free(e);
    close(sv[1]);
}

UNIT_MAIN()
