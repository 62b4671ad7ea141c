/* Sieve of Eratosthenes over a byte array, repeated. Arg: limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    unsigned limit = argc > 1 ? (unsigned)atoi(argv[1]) : 8000000;
    unsigned char *composite = malloc(limit + 1);
    unsigned count = 0, last = 0;
    for (int round = 0; round < 3; round++) {
        memset(composite, 0, limit + 1);
        count = 0;
        for (unsigned i = 2; i <= limit; i++) {
            if (composite[i])
                continue;
            count++;
            last = i;
            for (unsigned long long j = (unsigned long long)i * i; j <= limit; j += i)
                composite[j] = 1;
        }
    }
    printf("primes <= %u: %u, largest %u\n", limit, count, last);
    free(composite);
    return 0;
}
