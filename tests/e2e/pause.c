/* The e2e suite's pod sandbox ("pause") program. No registry is reachable, so the
 * sandbox image is built from this file at test time: it holds the pod's
 * namespaces open, reaps the orphans it inherits as PID 1, and exits cleanly on
 * SIGINT/SIGTERM so that StopPodSandbox needs no SIGKILL. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig)
{
    (void)sig;
    _exit(0);
}

static void on_child(int sig)
{
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

int main(void)
{
    struct sigaction stop = {.sa_handler = on_stop};
    struct sigaction child = {.sa_handler = on_child, .sa_flags = SA_NOCLDSTOP};

    if (getpid() != 1)
        return 1; /* like the real pause: only meaningful as a namespace's init */
    sigaction(SIGINT, &stop, NULL);
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGCHLD, &child, NULL);
    for (;;)
        pause();
}
