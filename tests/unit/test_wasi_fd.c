/* WASI descriptor functions: I/O, seek, fdstat/filestat layouts (both ABI
 * versions), rights, renumber, prestat, readdir cookies and truncation. */
#include "test_wasi_util.h"

#define FOLLOW WASI_LOOKUP_SYMLINK_FOLLOW

static uint32_t write_str(wasi_ctx *ctx, uint32_t fd, const char *s)
{
    uint64_t n = tw_str(P_BUF, s);
    wasi_st32(&tw_m, P_IOV, P_BUF);
    wasi_st32(&tw_m, P_IOV + 4, (uint32_t)n);
    return CALL(wasi_fd_write, fd, P_IOV, 1, P_OUT);
}

TEST(write_seek_read_tell)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t fd;
    CHECK_INT(tw_open(ctx, "out.txt", 0, WASI_OFLAG_CREAT | WASI_OFLAG_TRUNC, RW, &fd),
              WASI_ESUCCESS);
    CHECK_INT(fd, 4);
    CHECK_INT(write_str(ctx, fd, "abcdef"), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 6);
    CHECK_INT(CALL(wasi_fd_tell, fd, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT), 6);
    CHECK_INT(CALL(wasi_fd_seek, fd, (uint64_t)-4, WASI_WHENCE_CUR, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT), 2);
    CHECK_STR(tw_read_all(ctx, fd), "cdef");
    CHECK_INT(CALL(wasi_fd_seek, fd, 1, WASI_WHENCE_SET, P_OUT), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "bcdef");
    CHECK_INT(CALL(wasi_fd_seek, fd, (uint64_t)-1, WASI_WHENCE_END, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT), 5);
    CHECK_INT(CALL(wasi_fd_seek, fd, 0, 3, P_OUT), WASI_EINVAL);
    CHECK_INT(CALL(wasi_fd_seek, fd, (uint64_t)-100, WASI_WHENCE_SET, P_OUT), WASI_EINVAL);
    /* snapshot_0 order: CUR=0, END=1, SET=2 */
    CHECK_INT(CALL(wasi0_fd_seek, fd, 0, WASI0_WHENCE_END, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT), 6);
    CHECK_INT(CALL(wasi0_fd_seek, fd, 3, WASI0_WHENCE_SET, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT), 3);
    /* positional I/O leaves the position alone */
    memcpy(tw_mem + P_BUF, "XY", 2);
    wasi_st32(&tw_m, P_IOV, P_BUF);
    wasi_st32(&tw_m, P_IOV + 4, 2);
    CHECK_INT(CALL(wasi_fd_pwrite, fd, P_IOV, 1, 0, P_OUT), WASI_ESUCCESS);
    wasi_st32(&tw_m, P_IOV + 4, 3);
    CHECK_INT(CALL(wasi_fd_pread, fd, P_IOV, 1, 1, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 3);
    CHECK(memcmp(tw_mem + P_BUF, "Ycd", 3) == 0);
    CHECK_INT(CALL(wasi_fd_tell, fd, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT), 3);
    CHECK_INT(CALL(wasi_fd_sync, fd), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_datasync, fd), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_advise, fd, 0, 0, WASI_ADVICE_SEQUENTIAL), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_advise, fd, 0, 0, 6), WASI_EINVAL);
    CHECK_INT(CALL(wasi_fd_allocate, fd, 0, 100), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_filestat_get, fd, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 32), 100);
    CHECK_INT(CALL(wasi_fd_filestat_set_size, fd, 2), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_filestat_get, fd, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 32), 2);
    /* FD_SEEK implies FD_TELL; without either, no tell */
    CHECK_INT(CALL(wasi_fd_fdstat_set_rights, fd, WASI_RIGHT_FD_SEEK, 0), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_tell, fd, P_OUT), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_fdstat_set_rights, fd, 0, 0), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_tell, fd, P_OUT), WASI_ENOTCAPABLE);
    CHECK_INT(CALL(wasi_fd_close, fd), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_close, fd), WASI_EBADF);
    tw_done(ctx);
}

TEST(iovec_bounds_and_faults)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t fd;
    CHECK_INT(tw_open(ctx, "file.txt", 0, 0, RO, &fd), WASI_ESUCCESS);
    /* iovec array out of bounds, buffer out of bounds, length overflowing */
    CHECK_INT(CALL(wasi_fd_read, fd, MEM_SIZE - 4, 1, P_OUT), WASI_EFAULT);
    wasi_st32(&tw_m, P_IOV, MEM_SIZE - 2);
    wasi_st32(&tw_m, P_IOV + 4, 3);
    CHECK_INT(CALL(wasi_fd_read, fd, P_IOV, 1, P_OUT), WASI_EFAULT);
    wasi_st32(&tw_m, P_IOV, 0xfffffff0u);
    wasi_st32(&tw_m, P_IOV + 4, 0x20);
    CHECK_INT(CALL(wasi_fd_read, fd, P_IOV, 1, P_OUT), WASI_EFAULT);
    CHECK_INT(CALL(wasi_fd_read, fd, P_IOV, 0xffffffffu, P_OUT), WASI_EFAULT);
    wasi_st32(&tw_m, P_IOV, P_BUF);
    wasi_st32(&tw_m, P_IOV + 4, 4);
    CHECK_INT(CALL(wasi_fd_read, fd, P_IOV, 1, MEM_SIZE - 3), WASI_EFAULT);
    /* two iovecs, scatter */
    wasi_st32(&tw_m, P_IOV, P_BUF);
    wasi_st32(&tw_m, P_IOV + 4, 2);
    wasi_st32(&tw_m, P_IOV + 8, P_BUF + 100);
    wasi_st32(&tw_m, P_IOV + 12, 10);
    CHECK_INT(CALL(wasi_fd_read, fd, P_IOV, 2, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 5);
    CHECK(memcmp(tw_mem + P_BUF, "he", 2) == 0 && memcmp(tw_mem + P_BUF + 100, "llo", 3) == 0);
    tw_done(ctx);
}

TEST(rights_enforced)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t fd;
    CHECK_INT(tw_open(ctx, "file.txt", 0, 0, WASI_RIGHT_FD_READ, &fd), WASI_ESUCCESS);
    CHECK_INT(write_str(ctx, fd, "x"), WASI_ENOTCAPABLE);
    CHECK_INT(CALL(wasi_fd_seek, fd, 0, WASI_WHENCE_SET, P_OUT), WASI_ENOTCAPABLE);
    CHECK_INT(CALL(wasi_fd_filestat_get, fd, P_OUT), WASI_ENOTCAPABLE);
    /* a file never gets directory rights */
    CHECK_INT(CALL(wasi_fd_fdstat_get, fd, P_OUT), WASI_ESUCCESS);
    CHECK_INT(tw_mem[P_OUT], WASI_FILETYPE_REGULAR_FILE);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 8), WASI_RIGHT_FD_READ);
    /* rights only shrink */
    CHECK_INT(CALL(wasi_fd_fdstat_set_rights, fd, WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE, 0),
              WASI_ENOTCAPABLE);
    CHECK_INT(CALL(wasi_fd_fdstat_set_rights, fd, 0, 0), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "(read error)");
    /* a directory that may not open files */
    CHECK_INT(CALL(wasi_fd_fdstat_set_rights, 3, WASI_RIGHTS_DIRECTORY & ~WASI_RIGHT_PATH_OPEN,
                   WASI_RIGHTS_ALL),
              WASI_ESUCCESS);
    CHECK_INT(tw_open(ctx, "file.txt", 0, 0, RO, &fd), WASI_ENOTCAPABLE);
    CHECK_INT(CALL(wasi_fd_fdstat_set_rights, 3, WASI_RIGHTS_DIRECTORY & ~WASI_RIGHT_PATH_OPEN,
                   WASI_RIGHT_FD_READ),
              WASI_ESUCCESS);
    tw_done(ctx);
}

TEST(inherited_rights_limit_open)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t fd;
    CHECK_INT(CALL(wasi_fd_fdstat_set_rights, 3, WASI_RIGHTS_DIRECTORY, WASI_RIGHT_FD_READ),
              WASI_ESUCCESS);
    uint64_t n = tw_str(P_PATH, "file.txt");
    CHECK_INT(CALL(wasi_path_open, 3, 0, P_PATH, n, 0, WASI_RIGHT_FD_WRITE, 0, 0, P_OUT),
              WASI_ENOTCAPABLE);
    CHECK_INT(CALL(wasi_path_open, 3, 0, P_PATH, n, 0, WASI_RIGHT_FD_READ, 0, 0, P_OUT),
              WASI_ESUCCESS);
    (void)fd;
    tw_done(ctx);
}

TEST(fdstat_flags_and_stdio)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t fd;
    uint64_t n = tw_str(P_PATH, "app.txt");
    CHECK_INT(
        CALL(wasi_path_open, 3, 0, P_PATH, n, WASI_OFLAG_CREAT, RW, 0, WASI_FDFLAG_APPEND, P_OUT),
        WASI_ESUCCESS);
    fd = wasi_ld32(&tw_m, P_OUT);
    CHECK_INT(CALL(wasi_fd_fdstat_get, fd, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld16(&tw_m, P_OUT + 2), WASI_FDFLAG_APPEND);
    CHECK_INT(CALL(wasi_fd_fdstat_set_flags, fd, WASI_FDFLAG_NONBLOCK), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_fdstat_get, fd, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld16(&tw_m, P_OUT + 2), WASI_FDFLAG_NONBLOCK);
    CHECK_INT(CALL(wasi_fd_fdstat_set_flags, fd, 0x40), WASI_EINVAL);
    /* the preopen is a directory with all directory rights */
    CHECK_INT(CALL(wasi_fd_fdstat_get, 3, P_OUT), WASI_ESUCCESS);
    CHECK_INT(tw_mem[P_OUT], WASI_FILETYPE_DIRECTORY);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 8), WASI_RIGHTS_DIRECTORY);
    CHECK_INT(CALL(wasi_fd_fdstat_get, 0, P_OUT), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_fdstat_get, 5, P_OUT), WASI_EBADF);
    CHECK_INT(CALL(wasi_fd_fdstat_get, 3, MEM_SIZE - 8), WASI_EFAULT);
    tw_done(ctx);
}

TEST(filestat_layouts)
{
    wasi_ctx *ctx = tw_ctx();
    char p[256];
    struct stat st;
    snprintf(p, sizeof(p), "%s/file.txt", tw_root);
    stat(p, &st);
    uint64_t n = tw_str(P_PATH, "file.txt");
    memset(tw_mem + P_OUT, 0xaa, 80);
    CHECK_INT(CALL(wasi_path_filestat_get, 3, 0, P_PATH, n, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT), st.st_dev);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 8), st.st_ino);
    CHECK_INT(tw_mem[P_OUT + 16], WASI_FILETYPE_REGULAR_FILE);
    CHECK_INT(tw_mem[P_OUT + 17], 0); /* padding zeroed */
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 24), 1);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 32), 5);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 48),
              (uint64_t)st.st_mtim.tv_sec * 1000000000u + st.st_mtim.tv_nsec);
    CHECK_INT(tw_mem[P_OUT + 64], 0xaa); /* nothing written past 64 bytes */
    /* snapshot_0: nlink is a u32 at 20, size at 24, 56 bytes in all */
    memset(tw_mem + P_OUT, 0xaa, 80);
    CHECK_INT(CALL(wasi0_path_filestat_get, 3, 0, P_PATH, n, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT + 20), 1);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 24), 5);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 40),
              (uint64_t)st.st_mtim.tv_sec * 1000000000u + st.st_mtim.tv_nsec);
    CHECK_INT(tw_mem[P_OUT + 56], 0xaa);
    CHECK_INT(CALL(wasi0_fd_filestat_get, 3, P_OUT), WASI_ESUCCESS);
    CHECK_INT(tw_mem[P_OUT + 16], WASI_FILETYPE_DIRECTORY);
    /* set_times flag validation */
    CHECK_INT(CALL(wasi_fd_filestat_set_times, 3, 0, 0, WASI_FSTFLAG_ATIM | WASI_FSTFLAG_ATIM_NOW),
              WASI_EINVAL);
    CHECK_INT(CALL(wasi_fd_filestat_set_times, 3, 0, 0, WASI_FSTFLAG_MTIM | WASI_FSTFLAG_MTIM_NOW),
              WASI_EINVAL);
    CHECK_INT(CALL(wasi_fd_filestat_set_times, 3, 0, 7000000000ull, WASI_FSTFLAG_MTIM),
              WASI_ESUCCESS);
    stat(tw_root, &st);
    CHECK_INT(st.st_mtime, 7);
    tw_done(ctx);
}

TEST(prestat)
{
    wasi_ctx *ctx = tw_ctx();
    memset(tw_mem + P_OUT, 0xaa, 8);
    CHECK_INT(CALL(wasi_fd_prestat_get, 3, P_OUT), WASI_ESUCCESS);
    CHECK_INT(tw_mem[P_OUT], WASI_PREOPENTYPE_DIR);
    CHECK_INT(tw_mem[P_OUT + 1], 0);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT + 4), 8);
    CHECK_INT(CALL(wasi_fd_prestat_dir_name, 3, P_BUF, 8), WASI_ESUCCESS);
    CHECK(memcmp(tw_mem + P_BUF, "/sandbox", 8) == 0);
    CHECK_INT(CALL(wasi_fd_prestat_dir_name, 3, P_BUF, 7), WASI_ENAMETOOLONG);
    CHECK_INT(CALL(wasi_fd_prestat_get, 4, P_OUT), WASI_EBADF);
    CHECK_INT(CALL(wasi_fd_prestat_get, 1, P_OUT), WASI_EBADF);
    tw_done(ctx);
}

TEST(renumber)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t a, b;
    CHECK_INT(tw_open(ctx, "file.txt", 0, 0, RO, &a), WASI_ESUCCESS);
    CHECK_INT(tw_open(ctx, "sub/inner.txt", 0, 0, RO, &b), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_renumber, a, b), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, b), "hello");
    CHECK_INT(CALL(wasi_fd_close, a), WASI_EBADF);
    CHECK_INT(CALL(wasi_fd_renumber, b, 77), WASI_EBADF);
    CHECK_INT(CALL(wasi_fd_renumber, 77, b), WASI_EBADF);
    /* the lowest free slot is reused */
    CHECK_INT(tw_open(ctx, "file.txt", 0, 0, RO, &a), WASI_ESUCCESS);
    CHECK_INT(a, 4);
    tw_done(ctx);
}

/* Parse the dirents in buf[0..used) into "name/type," pairs; *last_cookie is
 * the d_next of the last complete entry. */
static void parse_dirents(uint32_t used, char *out, size_t cap, uint64_t *last_cookie, int *count)
{
    uint32_t off = 0;
    *count = 0;
    out[0] = '\0';
    while (off + WASI_DIRENT_SIZE <= used) {
        uint32_t namlen = wasi_ld32(&tw_m, P_BUF + off + 16);
        if (off + WASI_DIRENT_SIZE + namlen > used)
            break;
        *last_cookie = wasi_ld64(&tw_m, P_BUF + off);
        char name[64] = {0};
        memcpy(name, tw_mem + P_BUF + off + WASI_DIRENT_SIZE, namlen < 63 ? namlen : 63);
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
            size_t l = strlen(out);
            snprintf(out + l, cap - l, "%s/%d,", name, tw_mem[P_BUF + off + 20]);
        }
        (*count)++;
        off += WASI_DIRENT_SIZE + namlen;
    }
}

TEST(readdir_cookies_and_truncation)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t fd;
    CHECK_INT(tw_open(ctx, "sub", 0, WASI_OFLAG_DIRECTORY, RO, &fd), WASI_ESUCCESS);
    char list[512];
    uint64_t cookie = 0;
    int count;
    CHECK_INT(CALL(wasi_fd_readdir, fd, P_BUF, 4096, 0, P_OUT), WASI_ESUCCESS);
    uint32_t used = wasi_ld32(&tw_m, P_OUT);
    parse_dirents(used, list, sizeof(list), &cookie, &count);
    CHECK_INT(count, 5); /* . .. inner.txt dotdot out */
    CHECK(used < 4096);
    CHECK(strstr(list, "inner.txt/4,") != NULL);
    CHECK(strstr(list, "dotdot/7,") != NULL);
    CHECK(strstr(list, "out/7,") != NULL);
    /* a reading from the last cookie gives nothing more */
    CHECK_INT(CALL(wasi_fd_readdir, fd, P_BUF, 4096, cookie, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 0);
    /* a buffer that fits one header and part of a name: truncated, bufused == len */
    CHECK_INT(CALL(wasi_fd_readdir, fd, P_BUF, 30, 0, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 30);
    /* walk one entry at a time via cookies: the same five entries */
    char walk[512] = "";
    cookie = 0;
    int total = 0;
    for (int i = 0; i < 10; i++) {
        /* 24 + namlen fits exactly one entry when the buffer is small; use 40 */
        CHECK_INT(CALL(wasi_fd_readdir, fd, P_BUF, 40, cookie, P_OUT), WASI_ESUCCESS);
        used = wasi_ld32(&tw_m, P_OUT);
        if (used == 0)
            break;
        char part[128];
        uint64_t c = cookie;
        parse_dirents(used, part, sizeof(part), &c, &count);
        CHECK(count >= 1);
        cookie = c;
        total += count;
        strncat(walk, part, sizeof(walk) - strlen(walk) - 1);
    }
    CHECK_INT(total, 5);
    CHECK(strstr(walk, "inner.txt/4,") != NULL);
    /* the preopen (an O_PATH fd) can be listed too */
    CHECK_INT(CALL(wasi_fd_readdir, 3, P_BUF, 4096, 0, P_OUT), WASI_ESUCCESS);
    parse_dirents(wasi_ld32(&tw_m, P_OUT), list, sizeof(list), &cookie, &count);
    CHECK(strstr(list, "file.txt/4,") != NULL && strstr(list, "sub/3,") != NULL);
    /* a file never holds FD_READDIR */
    uint32_t f;
    CHECK_INT(tw_open(ctx, "file.txt", 0, 0, RO, &f), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_readdir, f, P_BUF, 4096, 0, P_OUT), WASI_ENOTCAPABLE);
    CHECK_INT(CALL(wasi_fd_readdir, fd, MEM_SIZE - 10, 4096, 0, P_OUT), WASI_EFAULT);
    tw_done(ctx);
}

TEST(mkdir_rmdir_unlink_semantics)
{
    wasi_ctx *ctx = tw_ctx();
    uint64_t n = tw_str(P_PATH, "d/");
    CHECK_INT(CALL(wasi_path_create_directory, 3, P_PATH, n), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_path_create_directory, 3, P_PATH, n), WASI_EEXIST);
    n = tw_str(P_PATH, "d");
    CHECK_INT(CALL(wasi_path_unlink_file, 3, P_PATH, n), WASI_EISDIR);
    n = tw_str(P_PATH, "file.txt/");
    CHECK_INT(CALL(wasi_path_unlink_file, 3, P_PATH, n), WASI_ENOTDIR);
    n = tw_str(P_PATH, "file.txt");
    CHECK_INT(CALL(wasi_path_remove_directory, 3, P_PATH, n), WASI_ENOTDIR);
    n = tw_str(P_PATH, "sub");
    CHECK_INT(CALL(wasi_path_remove_directory, 3, P_PATH, n), WASI_ENOTEMPTY);
    n = tw_str(P_PATH, "d/");
    CHECK_INT(CALL(wasi_path_remove_directory, 3, P_PATH, n), WASI_ESUCCESS);
    n = tw_str(P_PATH, "file.txt");
    CHECK_INT(CALL(wasi_path_unlink_file, 3, P_PATH, n), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_path_unlink_file, 3, P_PATH, n), WASI_ENOENT);
    tw_done(ctx);
}

TEST(open_flags_trunc_append_link_follow)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t fd;
    CHECK_INT(tw_open(ctx, "file.txt", 0, WASI_OFLAG_TRUNC, RW, &fd), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_filestat_get, fd, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 32), 0);
    CHECK_INT(write_str(ctx, fd, "0123456789"), WASI_ESUCCESS);
    uint64_t n = tw_str(P_PATH, "file.txt");
    CHECK_INT(CALL(wasi_path_open, 3, 0, P_PATH, n, 0, RW, 0, WASI_FDFLAG_APPEND, P_OUT),
              WASI_ESUCCESS);
    uint32_t app = wasi_ld32(&tw_m, P_OUT);
    CHECK_INT(write_str(ctx, app, "AB"), WASI_ESUCCESS);
    wasi_st32(&tw_m, P_IOV + 4, 100);
    CHECK_INT(CALL(wasi_fd_pread, app, P_IOV, 1, 0, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 12);
    /* O_DIRECTORY on a file, CREAT|DIRECTORY, unknown flags */
    CHECK_INT(tw_open(ctx, "file.txt", 0, WASI_OFLAG_DIRECTORY, RO, &fd), WASI_ENOTDIR);
    CHECK_INT(tw_open(ctx, "x", 0, WASI_OFLAG_DIRECTORY | WASI_OFLAG_CREAT, RO, &fd), WASI_EINVAL);
    CHECK_INT(tw_open(ctx, "x", 0, 0x10, RO, &fd), WASI_EINVAL);
    /* opening a directory for writing */
    CHECK_INT(tw_open(ctx, "sub", 0, 0, RW, &fd), WASI_EISDIR);
    /* a hard link through a confined symlink, following it */
    uint64_t n1 = tw_str(P_PATH, "inlink"), n2 = tw_str(P_PATH2, "hard");
    CHECK_INT(CALL(wasi_path_link, 3, WASI_LOOKUP_SYMLINK_FOLLOW, P_PATH, n1, 3, P_PATH2, n2),
              WASI_ESUCCESS);
    n = tw_str(P_PATH, "hard");
    CHECK_INT(CALL(wasi_path_filestat_get, 3, 0, P_PATH, n, P_OUT), WASI_ESUCCESS);
    CHECK_INT(tw_mem[P_OUT + 16], WASI_FILETYPE_REGULAR_FILE);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 24), 2); /* nlink: inner.txt and hard */
    CHECK_INT(CALL(wasi_path_link, 3, 0, P_PATH, n, 3, P_PATH, n), WASI_EEXIST);
    /* set_times "now" touches the file */
    CHECK_INT(CALL(wasi_path_filestat_set_times, 3, 0, P_PATH, n, 0, 0,
                   WASI_FSTFLAG_ATIM_NOW | WASI_FSTFLAG_MTIM_NOW),
              WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_path_filestat_get, 3, 0, P_PATH, n, P_OUT), WASI_ESUCCESS);
    CHECK(wasi_ld64(&tw_m, P_OUT + 48) > 1600000000ull * 1000000000ull);
    tw_done(ctx);
}

UNIT_MAIN()
