/* A minimal unit-test harness: TEST(name) { ... CHECK(cond); ... } and one
 * UNIT_MAIN() at the end of the file. Each file is one meson test. It prints
 * a line per failed check and ends with "N passed, N failed". */
#ifndef WEFT_TESTS_UNIT_H
#define WEFT_TESTS_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(void);
struct unit_case {
    const char *name;
    unit_fn fn;
};
extern struct unit_case unit_cases[512];
extern int unit_ncases, unit_failed_checks;

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void register_##name(void)                                 \
    {                                                                                              \
        unit_cases[unit_ncases++] = (struct unit_case){#name, test_##name};                        \
    }                                                                                              \
    static void test_##name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            unit_failed_checks++;                                                                  \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                                     \
            fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__,     \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                       \
            unit_failed_checks++;                                                                  \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %lld, expected %lld\n", __FILE__,      \
                    __LINE__, #a, a_, b_);                                                         \
            unit_failed_checks++;                                                                  \
        }                                                                                          \
    } while (0)

#define UNIT_MAIN()                                                                                \
    struct unit_case unit_cases[512];                                                              \
    int unit_ncases, unit_failed_checks;                                                           \
    int main(void)                                                                                 \
    {                                                                                              \
        int passed = 0, failed = 0;                                                                \
        for (int i = 0; i < unit_ncases; i++) {                                                    \
            int before = unit_failed_checks;                                                       \
            unit_cases[i].fn();                                                                    \
            if (unit_failed_checks == before) {                                                    \
                passed++;                                                                          \
            } else {                                                                               \
                failed++;                                                                          \
                fprintf(stderr, "FAIL %s\n", unit_cases[i].name);                                  \
            }                                                                                      \
        }                                                                                          \
        printf("%d passed, %d failed\n", passed, failed);                                          \
        return failed ? 1 : 0;                                                                     \
    }

#endif
