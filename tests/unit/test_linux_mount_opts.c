#include "unit.h"
#include "linux/mount_opts.h"

#include <stdlib.h>
#include <sys/mount.h>

static const struct {
    const char *opt;
    unsigned long set, clear;
} table[] = {
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC, 0},
    {"mand", MS_MANDLOCK, 0},
    {"nomand", 0, MS_MANDLOCK},
    {"noatime", MS_NOATIME, 0},
    {"atime", 0, MS_NOATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
    {"relatime", MS_RELATIME, 0},
    {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, 0},
    {"nostrictatime", 0, MS_STRICTATIME},
    {"lazytime", MS_LAZYTIME, 0},
    {"nolazytime", 0, MS_LAZYTIME},
    {"silent", MS_SILENT, 0},
    {"loud", 0, MS_SILENT},
    {"iversion", MS_I_VERSION, 0},
    {"noiversion", 0, MS_I_VERSION},
    {"nosymfollow", MS_NOSYMFOLLOW, 0},
    {"acl", MS_POSIXACL, 0},
    {"noacl", 0, MS_POSIXACL},
    {"symfollow", 0, MS_NOSYMFOLLOW},
};

static int parse(const char **opts, size_t n, mount_opts *o, weft_error **err)
{
    return mount_opts_parse((char *const *)opts, n, "mounts[0]", o, err);
}

TEST(every_flag_option)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        mount_opts o;
        weft_error *err = NULL;
        const char *opts[] = {table[i].opt};
        CHECK_INT(parse(opts, 1, &o, &err), 0);
        if (o.flags != table[i].set || o.clear != table[i].clear || o.data != NULL)
            fprintf(stderr, "option %s\n", table[i].opt);
        CHECK_INT(o.flags, table[i].set);
        CHECK_INT(o.clear, table[i].clear);
        CHECK(o.data == NULL);
        CHECK(!o.bind && !o.remount && o.n_propagation == 0);
        mount_opts_free(&o);
    }
}

TEST(later_option_wins)
{
    mount_opts o;
    weft_error *err = NULL;
    const char *opts[] = {"ro", "nosuid", "rw"};
    CHECK_INT(parse(opts, 3, &o, &err), 0);
    CHECK_INT(o.flags, MS_NOSUID);
    CHECK_INT(o.clear, MS_RDONLY);
    mount_opts_free(&o);
}

TEST(bind_rbind_remount)
{
    mount_opts o;
    weft_error *err = NULL;
    const char *a[] = {"bind", "ro"};
    CHECK_INT(parse(a, 2, &o, &err), 0);
    CHECK(o.bind && !o.recursive);
    CHECK_INT(o.flags, MS_RDONLY);
    mount_opts_free(&o);
    const char *b[] = {"rbind", "remount", "defaults"};
    CHECK_INT(parse(b, 3, &o, &err), 0);
    CHECK(o.bind && o.recursive && o.remount);
    CHECK_INT(o.flags, 0);
    CHECK(o.data == NULL);
    mount_opts_free(&o);
}

TEST(propagation_in_order)
{
    static const struct {
        const char *name;
        unsigned long flags;
    } props[] = {
        {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
        {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    const char *opts[8];
    for (size_t i = 0; i < 8; i++)
        opts[i] = props[i].name;
    mount_opts o;
    weft_error *err = NULL;
    CHECK_INT(parse(opts, 8, &o, &err), 0);
    CHECK_INT(o.n_propagation, 8);
    for (size_t i = 0; i < 8; i++) {
        CHECK_INT(o.propagation[i], props[i].flags);
        CHECK_INT(mount_propagation_flags(props[i].name), props[i].flags);
    }
    CHECK_INT(o.flags, 0);
    mount_opts_free(&o);
    CHECK_INT(mount_propagation_flags("bogus"), 0);
}

TEST(unknown_options_are_data_in_order)
{
    mount_opts o;
    weft_error *err = NULL;
    const char *opts[] = {"nosuid", "mode=755", "strictatime", "size=65536k", "ro=1"};
    CHECK_INT(parse(opts, 5, &o, &err), 0);
    CHECK_STR(o.data, "mode=755,size=65536k,ro=1");
    CHECK_INT(o.flags, MS_NOSUID | MS_STRICTATIME);
    mount_opts_free(&o);
    CHECK(o.data == NULL);
}

TEST(recursive_attributes)
{
    mount_opts o;
    weft_error *err = NULL;
    const char *opts[] = {"rro", "rnosuid", "rnoexec", "rdev", "rnoatime", "rstrictatime"};
    CHECK_INT(parse(opts, 6, &o, &err), 0);
    CHECK_INT(o.rec_attr_set,
              MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_STRICTATIME);
    CHECK_INT(o.rec_attr_clr, MOUNT_ATTR_NODEV | MOUNT_ATTR__ATIME);
    CHECK_INT(o.flags, 0);
    CHECK(o.data == NULL);
    mount_opts_free(&o);
    const char *b[] = {"rro", "rrw"};
    CHECK_INT(parse(b, 2, &o, &err), 0);
    CHECK_INT(o.rec_attr_set, 0);
    CHECK_INT(o.rec_attr_clr, MOUNT_ATTR_RDONLY);
    mount_opts_free(&o);
}

TEST(special_options_recognised)
{
    mount_opts o;
    weft_error *err = NULL;
    const char *opts[] = {"idmap", "ridmap", "tmpcopyup", "copy-symlink", "src-nofollow"};
    CHECK_INT(parse(opts, 5, &o, &err), 0);
    CHECK(o.idmap && o.ridmap && o.tmpcopyup && o.copy_symlink && o.src_nofollow);
    CHECK(o.data == NULL);
    mount_opts_free(&o);
}

TEST(empty_option_rejected)
{
    mount_opts o;
    weft_error *err = NULL;
    const char *opts[] = {"ro", ""};
    CHECK_INT(parse(opts, 2, &o, &err), -1);
    CHECK(err != NULL);
    if (err != NULL)
        CHECK_STR(err->msg, "mounts[0]: options[1]: empty mount option");
    werr_free(err);
}

/* Every option `weft features` advertises is understood (never passed on as
 * filesystem data), plus the crun extensions. */
TEST(advertised_options_all_known)
{
    static const char *const known[] = {
        "acl",          "async",        "atime",          "bind",
        "defaults",     "dev",          "diratime",       "dirsync",
        "exec",         "iversion",     "lazytime",       "loud",
        "mand",         "noacl",        "noatime",        "nodev",
        "nodiratime",   "noexec",       "noiversion",     "nolazytime",
        "nomand",       "norelatime",   "nostrictatime",  "nosuid",
        "nosymfollow",  "private",      "ratime",         "rbind",
        "rdev",         "rdiratime",    "relatime",       "remount",
        "rexec",        "rnoatime",     "rnodev",         "rnodiratime",
        "rnoexec",      "rnorelatime",  "rnostrictatime", "rnosuid",
        "rnosymfollow", "ro",           "rprivate",       "rrelatime",
        "rro",          "rrw",          "rshared",        "rslave",
        "rstrictatime", "rsuid",        "rsymfollow",     "runbindable",
        "rw",           "shared",       "silent",         "slave",
        "strictatime",  "suid",         "symfollow",      "sync",
        "tmpcopyup",    "unbindable",   "idmap",          "ridmap",
        "copy-symlink", "src-nofollow", "dest-nofollow",
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        mount_opts o;
        weft_error *err = NULL;
        const char *opts[] = {known[i]};
        CHECK_INT(parse(opts, 1, &o, &err), 0);
        if (o.data != NULL)
            fprintf(stderr, "  %s became data\n", known[i]);
        CHECK(o.data == NULL);
        mount_opts_free(&o);
    }
}

UNIT_MAIN()
