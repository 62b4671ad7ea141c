#include "container/container.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    int sig;
} signal_names[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},   {"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},     {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"POLL", SIGPOLL},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

static int parse_number(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v > 1000)
        return -1;
    *out = (int)v;
    return 0;
}

int signal_parse(const char *s, int *sig, weft_error **err)
{
    const char *name = s;
    if (isdigit((unsigned char)*name)) {
        if (parse_number(name, sig) == 0 && *sig >= 1 && *sig < NSIG)
            return 0;
        return werr_set(err, 0, "invalid signal number '%s'", s);
    }
    if (strncasecmp(name, "SIG", 3) == 0)
        name += 3;
    for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++) {
        if (strcasecmp(name, signal_names[i].name) == 0) {
            *sig = signal_names[i].sig;
            return 0;
        }
    }
    /* RTMIN, RTMIN+N, RTMAX, RTMAX-N */
    int off = 0;
    if (strncasecmp(name, "RTMIN", 5) == 0) {
        if (name[5] == '\0' || (name[5] == '+' && parse_number(name + 6, &off) == 0)) {
            *sig = SIGRTMIN + off;
            if (*sig <= SIGRTMAX)
                return 0;
        }
    } else if (strncasecmp(name, "RTMAX", 5) == 0) {
        if (name[5] == '\0' || (name[5] == '-' && parse_number(name + 6, &off) == 0)) {
            *sig = SIGRTMAX - off;
            if (*sig >= SIGRTMIN)
                return 0;
        }
    }
    return werr_set(err, 0, "unknown signal '%s'", s);
}
