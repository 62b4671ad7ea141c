#include "util/passwd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

/* "name:passwd:uid:..." → name when the uid field is exactly `uid`. */
static char *match_line(char *line, uid_t uid)
{
    char *name = line;
    char *colon = strchr(name, ':');
    if (colon == NULL)
        return NULL;
    *colon = '\0';
    char *field = strchr(colon + 1, ':');
    if (field == NULL || name[0] == '\0')
        return NULL;
    char *end;
    unsigned long v = strtoul(field + 1, &end, 10);
    if (end == field + 1 || *end != ':' || v != (unsigned long)uid)
        return NULL;
    return name;
}

char *passwd_user_name(const char *path, uid_t uid)
{
    FILE *f = fopen(path, "re");
    if (f != NULL) {
        cleanup_free char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
            char *name = match_line(line, uid);
            if (name != NULL) {
                fclose(f);
                return xstrdup(name);
            }
        }
        fclose(f);
    }
    return xasprintf("#%u", (unsigned)uid); /* as runc shows an unknown owner */
}
