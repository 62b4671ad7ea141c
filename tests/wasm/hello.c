/* WASI smoke test: args, environment, cwd, listing "/", a file written and
 * read back, exit status from argv[1]. Output is deterministic (sorted). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    for (char **e = environ; *e; e++)
        printf("env %s\n", *e);
    char cwd[256];
    printf("cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : strerror(errno));

    DIR *d = opendir("/");
    if (d == NULL) {
        printf("opendir /: %s\n", strerror(errno));
    } else {
        char *names[256];
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL && n < 256) {
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                names[n++] = strdup(de->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof(names[0]), cmp);
        for (int i = 0; i < n; i++)
            printf("ls / %s\n", names[i]);
    }

    FILE *f = fopen("/hello-out.txt", "w");
    if (f == NULL) {
        printf("fopen w: %s\n", strerror(errno));
    } else {
        fprintf(f, "written by hello.wasm\n");
        fclose(f);
    }
    char line[128] = "";
    f = fopen("/hello-out.txt", "r");
    if (f != NULL && fgets(line, sizeof(line), f) != NULL)
        printf("read back: %s", line);
    if (f != NULL)
        fclose(f);
    unlink("/hello-out.txt");
    fprintf(stderr, "to stderr\n");
    fflush(stdout);
    return argc > 1 ? atoi(argv[1]) : 0;
}
