/* signal_parse (container/signals.c): the names and numbers `weft kill`
 * accepts, as runc and crun spell them. */
#include "container/container.h"
#include "unit.h"

#include <signal.h>
#include <string.h>

TEST(names_and_numbers)
{
    static const struct {
        const char *text;
        int sig;
    } ok[] = {
        {"KILL", SIGKILL}, {"SIGKILL", SIGKILL}, {"kill", SIGKILL},  {"sigterm", SIGTERM},
        {"9", SIGKILL},    {"15", SIGTERM},      {"CLD", SIGCHLD},   {"IOT", SIGIOT},
        {"RTMIN", 0},      {"RTMIN+3", 3},       {"SIGRTMAX-2", -2}, {"RTMAX", -100},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int want = ok[i].sig;
        if (strstr(ok[i].text, "RTMIN"))
            want = SIGRTMIN + ok[i].sig;
        else if (strstr(ok[i].text, "RTMAX"))
            want = want == -100 ? SIGRTMAX : SIGRTMAX + ok[i].sig;
        int sig = -1;
        weft_error *e = NULL;
        CHECK_INT(signal_parse(ok[i].text, &sig, &e), 0);
        CHECK_INT(sig, want);
        werr_free(e);
    }
}

TEST(bad_signals_are_named)
{
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"0", "invalid signal number '0'"},
        {"65", "invalid signal number '65'"},
        {"9x", "invalid signal number '9x'"},
        {"FOO", "unknown signal 'FOO'"},
        {"", "unknown signal ''"},
        {"SIG", "unknown signal 'SIG'"},
        {"RTMIN+100", "unknown signal 'RTMIN+100'"},
        {"RTMAX-100", "unknown signal 'RTMAX-100'"},
        {"RTMIN-1", "unknown signal 'RTMIN-1'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int sig = -1;
        weft_error *e = NULL;
        CHECK_INT(signal_parse(bad[i].text, &sig, &e), -1);
        CHECK(e != NULL);
        if (e != NULL)
            CHECK_STR(e->msg, bad[i].msg);
        werr_free(e);
    }
}

UNIT_MAIN()
