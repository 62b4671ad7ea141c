/* Directory listing through fd_readdir: many entries with long names so
 * wasi-libc's buffer fills and is refilled by cookie, rewinddir, and
 * seekdir/telldir. Prints counts and a checksum of the sorted names. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N 300

static int count(DIR *d, unsigned *sum)
{
    int n = 0;
    struct dirent *de;
    *sum = 0;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        for (const char *p = de->d_name; *p; p++)
            *sum = *sum * 31 + (unsigned char)*p;
        if (de->d_type != DT_REG)
            printf("bad d_type %d for %s\n", de->d_type, de->d_name);
        n++;
    }
    return n;
}

int main(void)
{
    if (mkdir("/rd", 0755) < 0 && errno != EEXIST) {
        printf("mkdir: %s\n", strerror(errno));
        return 1;
    }
    unsigned expect = 0;
    for (int i = 0; i < N; i++) {
        char name[200];
        snprintf(name, sizeof(name), "/rd/entry-%04d-%0120d", i, i);
        close(open(name, O_CREAT | O_WRONLY, 0644));
    }
    DIR *d = opendir("/rd");
    unsigned s1, s2;
    int n1 = count(d, &s1);
    rewinddir(d);
    int n2 = count(d, &s2);
    printf("entries=%d again=%d same-order=%d\n", n1, n2, s1 == s2);
    /* telldir/seekdir: the 100th entry again */
    rewinddir(d);
    long pos = 0;
    char at[256] = "";
    for (int i = 0; i < 102; i++) {
        if (i == 100)
            pos = telldir(d);
        struct dirent *de = readdir(d);
        if (i == 100)
            snprintf(at, sizeof(at), "%s", de->d_name);
    }
    seekdir(d, pos);
    struct dirent *de = readdir(d);
    printf("seekdir back: %d\n", de != NULL && strcmp(de->d_name, at) == 0);
    closedir(d);
    for (int i = 0; i < N; i++) {
        char name[200];
        snprintf(name, sizeof(name), "/rd/entry-%04d-%0120d", i, i);
        expect += unlink(name) == 0;
    }
    printf("unlinked=%u rmdir=%d\n", expect, rmdir("/rd"));
    return 0;
}
