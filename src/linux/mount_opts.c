/* Mount option strings -> mount(2) flags, propagation and fs data. */
#include "linux/mount_opts.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

/* A flag option: `set` true means the option turns `flag` on, false off. */
struct flag_opt {
    const char *name;
    bool set;
    unsigned long flag;
};

static const struct flag_opt flag_opts[] = {
    {"ro", true, MS_RDONLY},
    {"rw", false, MS_RDONLY},
    {"nosuid", true, MS_NOSUID},
    {"suid", false, MS_NOSUID},
    {"nodev", true, MS_NODEV},
    {"dev", false, MS_NODEV},
    {"noexec", true, MS_NOEXEC},
    {"exec", false, MS_NOEXEC},
    {"sync", true, MS_SYNCHRONOUS},
    {"async", false, MS_SYNCHRONOUS},
    {"dirsync", true, MS_DIRSYNC},
    {"mand", true, MS_MANDLOCK},
    {"nomand", false, MS_MANDLOCK},
    {"noatime", true, MS_NOATIME},
    {"atime", false, MS_NOATIME},
    {"nodiratime", true, MS_NODIRATIME},
    {"diratime", false, MS_NODIRATIME},
    {"relatime", true, MS_RELATIME},
    {"norelatime", false, MS_RELATIME},
    {"strictatime", true, MS_STRICTATIME},
    {"nostrictatime", false, MS_STRICTATIME},
    {"lazytime", true, MS_LAZYTIME},
    {"nolazytime", false, MS_LAZYTIME},
    {"iversion", true, MS_I_VERSION},
    {"noiversion", false, MS_I_VERSION},
    {"nosymfollow", true, MS_NOSYMFOLLOW},
    {"symfollow", false, MS_NOSYMFOLLOW},
    {"silent", true, MS_SILENT},
    {"loud", false, MS_SILENT},
    {"acl", true, MS_POSIXACL},
    {"noacl", false, MS_POSIXACL},
};

static const struct {
    const char *name;
    unsigned long flags;
} propagation_opts[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Recursive forms (runc 1.1+): applied to the whole mount tree with
 * mount_setattr(2). `set` false means the attribute is cleared. */
static const struct {
    const char *name;
    bool set;
    uint64_t attr;
} rec_attr_opts[] = {
    {"rro", true, MOUNT_ATTR_RDONLY},
    {"rrw", false, MOUNT_ATTR_RDONLY},
    {"rnosuid", true, MOUNT_ATTR_NOSUID},
    {"rsuid", false, MOUNT_ATTR_NOSUID},
    {"rnodev", true, MOUNT_ATTR_NODEV},
    {"rdev", false, MOUNT_ATTR_NODEV},
    {"rnoexec", true, MOUNT_ATTR_NOEXEC},
    {"rexec", false, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
};

unsigned long mount_propagation_flags(const char *name)
{
    for (size_t i = 0; i < sizeof(propagation_opts) / sizeof(propagation_opts[0]); i++)
        if (strcmp(name, propagation_opts[i].name) == 0)
            return propagation_opts[i].flags;
    return 0;
}

/* The atime options are one field with several values: setting one clears
 * the others, as the kernel and runc do. */
static void set_atime_attr(mount_opts *o, uint64_t value)
{
    o->rec_attr_clr |= MOUNT_ATTR__ATIME;
    o->rec_attr_set = (o->rec_attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | value;
}

static bool parse_rec_attr(mount_opts *o, const char *opt)
{
    if (strcmp(opt, "rrelatime") == 0 || strcmp(opt, "rnostrictatime") == 0 ||
        strcmp(opt, "ratime") == 0 || strcmp(opt, "rnorelatime") == 0) {
        /* "ratime"/"rnorelatime"/"rnostrictatime" all fall back to the
         * default (relatime), as mount(8) would. */
        set_atime_attr(o, MOUNT_ATTR_RELATIME);
        return true;
    }
    if (strcmp(opt, "rnoatime") == 0) {
        set_atime_attr(o, MOUNT_ATTR_NOATIME);
        return true;
    }
    if (strcmp(opt, "rstrictatime") == 0) {
        set_atime_attr(o, MOUNT_ATTR_STRICTATIME);
        return true;
    }
    for (size_t i = 0; i < sizeof(rec_attr_opts) / sizeof(rec_attr_opts[0]); i++) {
        if (strcmp(opt, rec_attr_opts[i].name) != 0)
            continue;
        if (rec_attr_opts[i].set) {
            o->rec_attr_set |= rec_attr_opts[i].attr;
            o->rec_attr_clr &= ~rec_attr_opts[i].attr;
        } else {
            o->rec_attr_clr |= rec_attr_opts[i].attr;
            o->rec_attr_set &= ~rec_attr_opts[i].attr;
        }
        return true;
    }
    return false;
}

static bool parse_flag(mount_opts *o, const char *opt)
{
    for (size_t i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]); i++) {
        if (strcmp(opt, flag_opts[i].name) != 0)
            continue;
        if (flag_opts[i].set) {
            o->flags |= flag_opts[i].flag;
            o->clear &= ~flag_opts[i].flag;
        } else {
            o->flags &= ~flag_opts[i].flag;
            o->clear |= flag_opts[i].flag;
        }
        return true;
    }
    return false;
}

static bool parse_special(mount_opts *o, const char *opt)
{
    if (strcmp(opt, "defaults") == 0)
        return true;
    if (strcmp(opt, "bind") == 0) {
        o->bind = true;
        return true;
    }
    if (strcmp(opt, "rbind") == 0) {
        o->bind = o->recursive = true;
        return true;
    }
    if (strcmp(opt, "remount") == 0) {
        o->remount = true;
        return true;
    }
    struct {
        const char *name;
        bool *field;
    } bools[] = {
        {"idmap", &o->idmap},
        {"ridmap", &o->ridmap},
        {"tmpcopyup", &o->tmpcopyup},
        {"copy-symlink", &o->copy_symlink},
        {"src-nofollow", &o->src_nofollow},
        /* crun's "dest-nofollow" is what we always do for the last component
         * anyway when it is a symlink pointing outside; accept it. */
        {"dest-nofollow", NULL},
    };
    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        if (strcmp(opt, bools[i].name) == 0) {
            if (bools[i].field != NULL)
                *bools[i].field = true;
            return true;
        }
    }
    return false;
}

static void append_data(mount_opts *o, const char *opt)
{
    if (o->data == NULL) {
        o->data = xstrdup(opt);
        return;
    }
    char *joined = xasprintf("%s,%s", o->data, opt);
    free(o->data);
    o->data = joined;
}

int mount_opts_parse(char *const *opts, size_t n, const char *where, mount_opts *out,
                     weft_error **err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        const char *opt = opts[i];
        if (opt == NULL || opt[0] == '\0') {
            mount_opts_free(out);
            return werr_set(err, 0, "%s: options[%zu]: empty mount option", where, i);
        }
        unsigned long prop = mount_propagation_flags(opt);
        if (prop != 0) {
            if (out->n_propagation == MOUNT_OPTS_MAX_PROPAGATION) {
                mount_opts_free(out);
                return werr_set(err, 0, "%s: too many propagation options", where);
            }
            out->propagation[out->n_propagation++] = prop;
            continue;
        }
        if (parse_flag(out, opt) || parse_rec_attr(out, opt) || parse_special(out, opt))
            continue;
        append_data(out, opt);
    }
    return 0;
}

void mount_opts_free(mount_opts *o)
{
    free(o->data);
    o->data = NULL;
}
