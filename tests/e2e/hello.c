/* The wasm image's entrypoint (a WASI preview 1 module), compiled at test time:
 *   clang --target=wasm32-wasi --sysroot=/usr -O2 hello.c -o hello.wasm
 * It greets HELLO_WHO (default "world") and prints its arguments, so the tests
 * see that argv and env travel from the image and the pod spec into the module;
 * it then sleeps HELLO_SLEEP seconds (a long-running pod container) and exits
 * with status HELLO_EXIT (default 0). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *who = getenv("HELLO_WHO");
    const char *nap = getenv("HELLO_SLEEP");
    const char *code = getenv("HELLO_EXIT");

    printf("hello from wasm, %s\n", who ? who : "world");
    for (int i = 1; i < argc; i++)
        printf("arg%d=%s\n", i, argv[i]);
    fflush(stdout);
    if (nap)
        sleep((unsigned)atoi(nap));
    return code ? atoi(code) : 0;
}
