/* Reading /etc/weft/weft.conf (format in config.h). Read only when a
 * container may run wasm, so native containers never open it. */
#include "handler/config.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int set_key(struct weft_config *c, const char *key, const char *val)
{
    if (strcmp(key, "aot_fill") == 0) {
        if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)
            return -2;
        c->aot_fill = strcmp(val, "yes") == 0;
        return 0;
    }
    char **slot = NULL;
    if (strcmp(key, "default_engine") == 0)
        slot = &c->default_engine;
    else if (strcmp(key, "engine_library_path") == 0)
        slot = &c->library_path;
    else if (strcmp(key, "companion") == 0)
        slot = &c->companion;
    else
        return -1;
    free(*slot);
    *slot = xstrdup(val);
    return 0;
}

static int parse_line(struct weft_config *c, const char *path, unsigned lineno, char *line,
                      weft_error **err)
{
    char *hash = strchr(line, '#');
    if (hash != NULL)
        *hash = '\0';
    char *s = trim(line);
    if (*s == '\0')
        return 0;
    char *eq = strchr(s, '=');
    if (eq == NULL)
        return werr_set(err, 0, "%s:%u: expected KEY = VALUE", path, lineno);
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    if (*val == '\0')
        return werr_set(err, 0, "%s:%u: %s: empty value", path, lineno, key);
    int r = set_key(c, key, val);
    if (r == -2)
        return werr_set(err, 0, "%s:%u: %s: expected yes or no, got '%s'", path, lineno, key, val);
    if (r < 0)
        return werr_set(err, 0,
                        "%s:%u: unknown key '%s' (default_engine, engine_library_path, "
                        "companion, aot_fill)",
                        path, lineno, key);
    return 0;
}

int weft_config_load(struct weft_config *c, weft_error **err)
{
    *c = (struct weft_config){0};
    const char *path = getenv("WEFT_CONFIG");
    if (path == NULL || *path == '\0')
        path = WEFT_CONFIG_PATH;
    cleanup_fclose FILE *f = fopen(path, "re");
    if (f == NULL)
        return errno == ENOENT ? 0 : werr_sys(err, "%s", path);
    cleanup_free char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    while (getline(&line, &cap, f) >= 0) {
        if (parse_line(c, path, ++lineno, line, err) < 0) {
            weft_config_free(c);
            return -1;
        }
    }
    return 0;
}

void weft_config_free(struct weft_config *c)
{
    free(c->default_engine);
    free(c->library_path);
    free(c->companion);
    *c = (struct weft_config){0};
}
