/* File operations inside the preopen, printing results and errno names so
 * the output can be compared line by line with another WASI implementation:
 * create/write/read/seek/truncate, pread/pwrite, stat fields, rename,
 * symlink/readlink, hard links, utimes, mkdir/rmdir/unlink errors, O_EXCL,
 * O_APPEND, O_DIRECTORY, fcntl flags, isatty, dup-free fd reuse. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static void res(const char *what, int r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, strerror(errno));
    else
        printf("%s: %d\n", what, r);
}

static void show_stat(const char *path, int follow)
{
    struct stat st;
    int r = follow ? stat(path, &st) : lstat(path, &st);
    if (r < 0) {
        printf("%sstat %s: %s\n", follow ? "" : "l", path, strerror(errno));
        return;
    }
    const char *type = S_ISREG(st.st_mode)   ? "file"
                       : S_ISDIR(st.st_mode) ? "dir"
                       : S_ISLNK(st.st_mode) ? "link"
                                             : "other";
    printf("%sstat %s: %s size=%lld nlink=%llu\n", follow ? "" : "l", path, type,
           S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size, (unsigned long long)st.st_nlink);
}

int main(void)
{
    int fd = open("/w/a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    res("open a.txt", fd >= 0 ? 0 : -1);
    res("write", (int)write(fd, "hello world", 11));
    res("lseek end", (int)lseek(fd, 0, SEEK_END));
    res("lseek set 6", (int)lseek(fd, 6, SEEK_SET));
    char buf[64] = {0};
    res("read", (int)read(fd, buf, sizeof(buf) - 1));
    printf("data: %s\n", buf);
    res("pwrite at 0", (int)pwrite(fd, "HELLO", 5, 0));
    memset(buf, 0, sizeof(buf));
    res("pread", (int)pread(fd, buf, 8, 3));
    printf("data: %s\n", buf);
    res("tell after pread", (int)lseek(fd, 0, SEEK_CUR));
    res("lseek negative", (int)lseek(fd, -100, SEEK_SET));
    res("ftruncate 4", ftruncate(fd, 4));
    show_stat("/w/a.txt", 1);
    res("fsync", fsync(fd));
    res("isatty file", isatty(fd));
    res("close", close(fd));
    res("close again", close(fd));

    res("open excl existing", open("/w/a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
    res("open missing", open("/w/missing", O_RDONLY));
    res("open dir O_WRONLY", open("/w", O_WRONLY));
    res("open file O_DIRECTORY", open("/w/a.txt", O_RDONLY | O_DIRECTORY));
    res("open a.txt/x", open("/w/a.txt/x", O_RDONLY));
    fd = open("/w/a.txt", O_WRONLY | O_APPEND);
    res("append write", (int)write(fd, "++", 2));
    res("fcntl append", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    close(fd);
    show_stat("/w/a.txt", 1);

    res("mkdir d", mkdir("/w/d", 0755));
    res("mkdir d again", mkdir("/w/d", 0755));
    res("mkdir missing/x", mkdir("/w/missing/x", 0755));
    res("rmdir missing", rmdir("/w/missing"));
    res("rmdir file", rmdir("/w/a.txt"));
    res("unlink dir", unlink("/w/d"));
    res("rename a->d/b", rename("/w/a.txt", "/w/d/b.txt"));
    res("rename missing", rename("/w/nope", "/w/x"));
    res("rmdir nonempty", rmdir("/w/d"));
    res("symlink", symlink("d/b.txt", "/w/l"));
    res("symlink exists", symlink("x", "/w/l"));
    char target[64] = {0};
    res("readlink", (int)readlink("/w/l", target, sizeof(target) - 1));
    printf("target: %s\n", target);
    res("readlink file", (int)readlink("/w/d/b.txt", target, sizeof(target)));
    show_stat("/w/l", 1);
    show_stat("/w/l", 0);
    res("link", link("/w/d/b.txt", "/w/hard"));
    show_stat("/w/hard", 1);
    struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
    res("utimes", utimes("/w/hard", tv));
    struct stat st;
    stat("/w/d/b.txt", &st);
    printf("mtime: %lld\n", (long long)st.st_mtime);
    res("unlink link", unlink("/w/l"));
    res("unlink hard", unlink("/w/hard"));
    res("unlink b", unlink("/w/d/b.txt"));
    res("unlink b again", unlink("/w/d/b.txt"));
    res("rmdir d", rmdir("/w/d"));
    res("chdir /w", chdir("/w"));
    res("open relative", (fd = open("rel.txt", O_CREAT | O_WRONLY, 0600)) >= 0 ? 0 : -1);
    close(fd);
    show_stat("/w/rel.txt", 1);
    res("unlink relative", unlink("rel.txt"));
    res("access /w", access("/w", R_OK | W_OK));
    res("access missing", access("/w/nothing", F_OK));
    return 0;
}
