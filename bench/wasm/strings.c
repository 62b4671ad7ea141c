/* memcpy-heavy string work: build lines by concatenation, copy them around
 * with memcpy/memmove, reverse, search with memchr/memcmp, and checksum.
 * Arg: rounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *words[] = {"container", "wasm",  "runtime", "sandbox", "memory",
                              "linear",    "table", "export",  "import",  "module"};

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 40;
    size_t cap = 1 << 20;
    char *text = malloc(cap), *copy = malloc(cap);
    uint64_t h = 0;
    size_t found = 0;
    for (int r = 0; r < rounds; r++) {
        size_t len = 0;
        unsigned x = (unsigned)r * 2654435761u + 1;
        while (len + 32 < cap) {
            x = x * 1664525u + 1013904223u;
            const char *w = words[(x >> 16) % 10];
            size_t wl = strlen(w);
            memcpy(text + len, w, wl);
            len += wl;
            text[len++] = (x & 0x100) ? ' ' : '\n';
        }
        text[len] = '\0';
        /* Move blocks around: overlapping memmove, then a full copy. */
        for (size_t off = 0; off + 4096 < len; off += 8192)
            memmove(text + off + 7, text + off, 4000);
        memcpy(copy, text, len + 1);
        /* Reverse each line in place. */
        char *p = copy, *end = copy + len;
        while (p < end) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            char *e = nl ? nl : end;
            for (char *a = p, *b = e - 1; a < b; a++, b--) {
                char t = *a;
                *a = *b;
                *b = t;
            }
            p = e + 1;
        }
        /* Count a reversed word. */
        for (char *q = copy; (q = memchr(q, 'm', (size_t)(end - q))) != NULL; q++)
            if (end - q >= 4 && memcmp(q, "msaw", 4) == 0)
                found++;
        for (size_t i = 0; i < len; i += 61)
            h = h * 1099511628211ull + (unsigned char)copy[i];
    }
    printf("strings x%d: found %zu checksum %016llx\n", rounds, found, (unsigned long long)h);
    free(text), free(copy);
    return 0;
}
