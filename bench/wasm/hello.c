/* Start-up cost: the smallest useful WASI program. */
#include <stdio.h>

int main(void)
{
    printf("hello\n");
    return 0;
}
