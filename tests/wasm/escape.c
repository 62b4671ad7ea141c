/* Tries every way out of the preopen and prints what happened to each, one
 * line per attempt: "<op> <path>: <result>". Run with a preopen "/" over a
 * directory planted with: escape -> /, up -> ../../.., abs -> /etc/passwd,
 * loop1 <-> loop2, sub/out -> ../.., and a file ../secret.txt outside. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *result(int r)
{
    return r < 0 ? strerror(errno) : "OK";
}

static void try_open(const char *path, int flags)
{
    int fd = open(path, flags, 0644);
    char buf[16] = "";
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        close(fd);
        printf("open %s: OK [%s]\n", path, strchr(buf, '\n') ? "..." : buf);
    } else {
        printf("open %s: %s\n", path, strerror(errno));
    }
}

int main(void)
{
    const char *reads[] = {"/../secret.txt",
                           "../secret.txt",
                           "/escape/etc/passwd",
                           "/up/etc/passwd",
                           "/abs",
                           "/sub/out/secret.txt",
                           "/sub/../../secret.txt",
                           "/loop1",
                           "/escape",
                           "//../secret.txt",
                           "/./../../secret.txt",
                           "/sub/dotdot/../secret.txt",
                           "/file.txt"};
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
        try_open(reads[i], O_RDONLY);
    try_open("/escape/tmp/planted.txt", O_WRONLY | O_CREAT);
    try_open("/dangle", O_WRONLY | O_CREAT);

    struct stat st;
    printf("stat /..: %s\n", result(stat("/..", &st)));
    printf("stat /escape/: %s\n", result(stat("/escape/", &st)));
    printf("lstat /escape: %s\n", result(lstat("/escape", &st)));
    printf("mkdir /escape/tmp/evil: %s\n", result(mkdir("/escape/tmp/evil", 0755)));
    printf("mkdir /sub/out/evil: %s\n", result(mkdir("/sub/out/evil", 0755)));
    printf("unlink /sub/out/secret.txt: %s\n", result(unlink("/sub/out/secret.txt")));
    printf("rename /file.txt /up/stolen: %s\n", result(rename("/file.txt", "/up/stolen")));
    printf("symlink /etc/passwd /newabs: %s\n", result(symlink("/etc/passwd", "/newabs")));
    printf("link /sub/out/secret.txt /hard: %s\n", result(link("/sub/out/secret.txt", "/hard")));
    printf("chdir /sub then open ../../secret.txt: ");
    if (chdir("/sub") == 0)
        try_open("../../secret.txt", O_RDONLY);
    else
        printf("%s\n", strerror(errno));
    char target[64] = "";
    ssize_t n = readlink("/escape", target, sizeof(target) - 1);
    printf("readlink /escape: %s\n", n >= 0 ? target : strerror(errno));
    return 0;
}
