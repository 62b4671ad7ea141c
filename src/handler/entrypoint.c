#include "handler/handler.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_path(const oci_process *p)
{
    for (size_t i = 0; i < p->n_env; i++)
        if (strncmp(p->env[i], "PATH=", 5) == 0)
            return p->env[i] + 5;
    return DEFAULT_PATH;
}

static int check_exec(const char *name, const char *path, weft_error **err)
{
    struct stat sb;
    if (stat(path, &sb) < 0) {
        werr_sys(err, "exec: %s", name);
        return werr_status(err, errno == ENOENT || errno == ENOTDIR ? 127 : 126);
    }
    if (S_ISDIR(sb.st_mode)) {
        werr_set(err, EISDIR, "exec: %s", name);
        return werr_status(err, 126);
    }
    return 0;
}

int handler_resolve_entrypoint(const oci_process *p, char **resolved, weft_error **err)
{
    *resolved = NULL;
    if (p->n_args == 0 || p->args[0][0] == '\0')
        return werr_set(err, 0, "process.args: must be a non-empty array");
    const char *name = p->args[0];
    /* A name with a slash is used as is (relative to the cwd), like execvp. */
    if (strchr(name, '/') != NULL) {
        if (check_exec(name, name, err) < 0)
            return -1;
        *resolved = xstrdup(name);
        return 0;
    }
    cleanup_free char *search = xstrdup(env_path(p));
    char *save = NULL;
    bool denied = false;
    for (char *dir = strtok_r(search, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        cleanup_free char *cand = xasprintf("%s/%s", *dir ? dir : ".", name);
        struct stat sb;
        if (stat(cand, &sb) < 0 || S_ISDIR(sb.st_mode))
            continue;
        if (access(cand, X_OK) < 0) {
            /* wasm modules need not be executable; remember and keep looking */
            denied = true;
            if (*resolved == NULL)
                *resolved = xstrdup(cand);
            continue;
        }
        free(*resolved);
        *resolved = steal_ptr(cand);
        return 0;
    }
    if (denied)
        return 0;
    werr_set(err, ENOENT, "exec: %s", name);
    return werr_status(err, 127);
}
