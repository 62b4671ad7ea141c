/* oci_spec_load / oci_process_parse_file from files, JSON syntax errors, and the documents
 * of `weft spec` and `weft features`. */
#include "test_oci_util.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[PATH_MAX];

static const char *scratch(void)
{
    if (tmpdir[0] == '\0') {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/weft-oci-test-XXXXXX");
        if (mkdtemp(tmpdir) == NULL)
            perror("mkdtemp");
    }
    return tmpdir;
}

static void write_text(const char *path, const char *single_quoted)
{
    char *text = oci_test_json(single_quoted);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
    free(text);
}

static void check_syntax(const char *text, const char *expect)
{
    oci_spec *s = NULL;
    weft_error *err = NULL;
    CHECK_INT(oci_spec_parse(text, strlen(text), "/b/config.json", "/b", &s, &err), -1);
    CHECK(s == NULL);
    CHECK(err != NULL);
    if (err != NULL)
        CHECK_STR(err->msg, expect);
    werr_free(err);
}

TEST(syntax_errors_name_line_and_column)
{
    check_syntax("{\n  \"ociVersion\": \"1.0.0\",\n  x\n}",
                 "/b/config.json: line 3, column 3: string or '}' expected near 'x'");
    check_syntax("", "/b/config.json: line 1, column 0: '[' or '{' expected near end of file");
    check_syntax("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}} x",
                 "/b/config.json: line 1, column 44: end of file expected near 'x'");
    check_syntax("{\"hostname\":\"a\\u0000b\"}",
                 "/b/config.json: line 1, column 22: \\u0000 is not allowed without "
                 "JSON_ALLOW_NUL near '\"a\\u0000b\"'");
}

TEST(integer_beyond_uint64_is_a_syntax_error)
{
    check_syntax(
        "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\n\"x\": 18446744073709551616}",
        "/b/config.json: line 2, column 25: too big integer near "
        "'18446744073709551616'");
}

TEST(load_from_bundle)
{
    char dir[PATH_MAX + 16], cfg[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/bundle", scratch());
    mkdir(dir, 0755);
    snprintf(cfg, sizeof cfg, "%s/config.json", dir);
    write_text(cfg, "{'ociVersion':'1.0.2-dev','root':{'path':'rootfs'},"
                    "'process':{'args':['sh'],'cwd':'/'}}");
    oci_spec *s = NULL;
    weft_error *err = NULL;
    CHECK_INT(oci_spec_load(dir, &s, &err), 0);
    CHECK(s != NULL);
    if (s != NULL) {
        char root[PATH_MAX + 32];
        snprintf(root, sizeof root, "%s/rootfs", dir);
        CHECK_STR(s->root_path, root);
        CHECK_STR(s->path, cfg);
        CHECK_STR(s->bundle, dir);
        CHECK_STR(s->process.args[0], "sh");
    }
    oci_spec_free(s);
    werr_free(err);
}

TEST(load_errors_name_the_file)
{
    char dir[PATH_MAX + 16], cfg[PATH_MAX + 32], want[PATH_MAX + 128];
    snprintf(dir, sizeof dir, "%s/bad", scratch());
    mkdir(dir, 0755);
    snprintf(cfg, sizeof cfg, "%s/config.json", dir);
    oci_spec *s = NULL;
    weft_error *err = NULL;
    CHECK_INT(oci_spec_load(dir, &s, &err), -1);
    snprintf(want, sizeof want, "open %s: No such file or directory", cfg);
    CHECK(err != NULL);
    if (err != NULL) {
        CHECK_STR(err->msg, want);
        CHECK_INT(err->errnum, ENOENT);
    }
    werr_free(err);
    err = NULL;
    write_text(cfg, "{'ociVersion':'1.0.0','root':{'path':'r'},"
                    "'linux':{'namespaces':[{'type':'pid'},{'type':'uts'},{'type':'foo'}]}}");
    CHECK_INT(oci_spec_load(dir, &s, &err), -1);
    snprintf(want, sizeof want, "%s: linux.namespaces[2].type: unknown namespace type \"foo\"",
             cfg);
    if (err != NULL)
        CHECK_STR(err->msg, want);
    werr_free(err);
}

TEST(process_file)
{
    char path[PATH_MAX + 32], want[PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/process.json", scratch());
    write_text(path, "{'args':['ls','-l'],'cwd':'/tmp','env':['A=B'],'user':{'uid':5},"
                     "'capabilities':{'bounding':['CAP_KILL']},'terminal':true}");
    oci_process *p = NULL;
    weft_error *err = NULL;
    CHECK_INT(oci_process_parse_file(path, &p, &err), 0);
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_INT(p->n_args, 2);
        CHECK_STR(p->args[1], "-l");
        CHECK_STR(p->cwd, "/tmp");
        CHECK_INT(p->user.uid, 5);
        CHECK(p->terminal);
        CHECK(p->has_capabilities);
    }
    oci_process_free(p);

    write_text(path, "{'args':[],'cwd':'/'}");
    CHECK_INT(oci_process_parse_file(path, &p, &err), -1);
    CHECK(p == NULL);
    snprintf(want, sizeof want, "%s: args: must be a non-empty array", path);
    if (err != NULL)
        CHECK_STR(err->msg, want);
    werr_free(err);
    err = NULL;

    write_text(path,
               "{'args':['a'],'cwd':'/','rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]}");
    CHECK_INT(oci_process_parse_file(path, &p, &err), -1);
    snprintf(want, sizeof want, "%s: rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"", path);
    if (err != NULL)
        CHECK_STR(err->msg, want);
    werr_free(err);
    err = NULL;

    write_text(path, "['args']");
    CHECK_INT(oci_process_parse_file(path, &p, &err), -1);
    snprintf(want, sizeof want, "%s: must be a JSON object", path);
    if (err != NULL)
        CHECK_STR(err->msg, want);
    werr_free(err);
    err = NULL;

    CHECK_INT(oci_process_parse_file("/nonexistent/p.json", &p, &err), -1);
    if (err != NULL)
        CHECK_STR(err->msg, "open /nonexistent/p.json: No such file or directory");
    werr_free(err);
}

static oci_spec *parse_text(const char *text)
{
    oci_spec *s = NULL;
    weft_error *err = NULL;
    if (oci_spec_parse(text, strlen(text), "default.json", "/b", &s, &err) < 0) {
        fprintf(stderr, "%s\n", err->msg);
        werr_free(err);
    }
    return s;
}

TEST(default_spec_parses)
{
    char *text = oci_spec_default_json(false);
    oci_spec *s = parse_text(text);
    CHECK(s != NULL);
    if (s != NULL) {
        CHECK_STR(s->root_path, "/b/rootfs");
        CHECK(s->root_readonly);
        CHECK_STR(s->process.args[0], "sh");
        CHECK_STR(s->process.cwd, "/");
        CHECK_INT(s->process.capabilities.n_bounding, 3);
        CHECK_INT(s->process.n_rlimits, 1);
        CHECK_INT(s->process.rlimits[0].hard, 1024);
        CHECK(s->process.no_new_privileges);
        CHECK_INT(s->n_mounts, 7);
        CHECK_STR(s->mounts[5].type, "sysfs");
        CHECK_STR(s->mounts[6].destination, "/sys/fs/cgroup");
        CHECK(oci_spec_namespace(s, OCI_NS_NETWORK) != NULL);
        CHECK(oci_spec_namespace(s, OCI_NS_CGROUP) != NULL);
        CHECK(oci_spec_namespace(s, OCI_NS_USER) == NULL);
        CHECK_INT(s->linux_.n_namespaces, 6);
        CHECK_INT(s->linux_.resources.n_devices, 1);
        CHECK(!s->linux_.resources.devices[0].allow);
        CHECK_INT(s->linux_.n_masked_paths, 10);
        CHECK_INT(s->linux_.n_readonly_paths, 5);
    }
    oci_spec_free(s);
    free(text);
}

TEST(default_rootless_spec)
{
    char *text = oci_spec_default_json(true);
    oci_spec *s = parse_text(text);
    CHECK(s != NULL);
    if (s != NULL) {
        CHECK(oci_spec_namespace(s, OCI_NS_USER) != NULL);
        CHECK(oci_spec_namespace(s, OCI_NS_NETWORK) == NULL);
        CHECK_INT(s->linux_.n_uid_mappings, 1);
        CHECK_INT(s->linux_.uid_mappings[0].host_id, getuid());
        CHECK_INT(s->linux_.uid_mappings[0].container_id, 0);
        CHECK_INT(s->linux_.uid_mappings[0].size, 1);
        CHECK_INT(s->linux_.gid_mappings[0].host_id, getgid());
        CHECK(!s->linux_.has_resources);
        CHECK_STR(s->mounts[5].source, "/sys");
        CHECK_STR(s->mounts[5].options[0], "rbind");
        for (size_t i = 0; i < s->mounts[2].n_options; i++)
            CHECK(strcmp(s->mounts[2].options[i], "gid=5") != 0);
    }
    oci_spec_free(s);
    free(text);
}

static bool array_has(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_is_string(v) &&
                                      strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

TEST(features_document)
{
    char *text = oci_features_json(true);
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    CHECK(doc != NULL);
    if (doc != NULL) {
        CHECK_STR(json_string_value(json_object_get(doc, "ociVersionMin")), "1.0.0");
        CHECK_STR(json_string_value(json_object_get(doc, "ociVersionMax")), "1.2.0");
        CHECK_INT(json_array_size(json_object_get(doc, "hooks")), 6);
        CHECK(array_has(json_object_get(doc, "mountOptions"), "rbind"));
        json_t *l = json_object_get(doc, "linux");
        CHECK(array_has(json_object_get(l, "namespaces"), "cgroup"));
        json_t *caps = json_object_get(l, "capabilities");
        CHECK(array_has(caps, "CAP_SYS_ADMIN"));
        CHECK(array_has(caps, "CAP_CHECKPOINT_RESTORE"));
        CHECK(json_array_size(caps) >= 41);
        json_t *cg = json_object_get(l, "cgroup");
        CHECK(json_is_true(json_object_get(cg, "v1")));
        CHECK(json_is_true(json_object_get(cg, "v2")));
        CHECK(json_is_boolean(json_object_get(cg, "systemd")));
        CHECK(json_is_true(json_object_get(cg, "systemd"))); /* as asked */
        CHECK(json_is_true(json_object_get(cg, "rdma")));
        json_t *sc = json_object_get(l, "seccomp");
        CHECK(json_is_true(json_object_get(sc, "enabled")));
        CHECK_INT(json_array_size(json_object_get(sc, "actions")), 9);
        CHECK_INT(json_array_size(json_object_get(sc, "operators")), 7);
        CHECK(array_has(json_object_get(sc, "archs"), "SCMP_ARCH_X86_64"));
        CHECK(array_has(json_object_get(sc, "knownFlags"), "SECCOMP_FILTER_FLAG_LOG"));
        CHECK(json_is_true(json_object_get(json_object_get(l, "apparmor"), "enabled")));
        CHECK(json_is_true(json_object_get(json_object_get(l, "selinux"), "enabled")));
        CHECK(json_is_false(json_object_get(json_object_get(l, "intelRdt"), "enabled")));
        CHECK(json_is_true(json_object_get(
            json_object_get(json_object_get(l, "mountExtensions"), "idmap"), "enabled")));
        CHECK_STR(json_string_value(
                      json_object_get(json_object_get(doc, "annotations"), "run.oci.handler")),
                  "wasm");
    }
    json_decref(doc);
    free(text);
}

/* Every capability the features document claims is accepted by the parser, and every
 * arch: the two lists cannot drift apart. */
TEST(features_agree_with_parser)
{
    char *text = oci_features_json(true);
    json_t *doc = json_loads(text, 0, NULL);
    json_t *l = json_object_get(doc, "linux");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(l, "capabilities"), i, v)
    {
        char cfg[256];
        snprintf(cfg, sizeof cfg,
                 "{" OCI_MIN ",'process':{'args':['a'],'cwd':'/','capabilities':"
                 "{'bounding':['%s']}}}",
                 json_string_value(v));
        oci_spec *s = oci_test_parse(cfg, NULL);
        CHECK(s != NULL);
        oci_spec_free(s);
    }
    json_array_foreach(json_object_get(json_object_get(l, "seccomp"), "archs"), i, v)
    {
        char cfg[256];
        snprintf(cfg, sizeof cfg,
                 "{" OCI_MIN ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW',"
                 "'architectures':['%s']}}}",
                 json_string_value(v));
        oci_spec *s = oci_test_parse(cfg, NULL);
        CHECK(s != NULL);
        oci_spec_free(s);
    }
    json_decref(doc);
    free(text);
}

TEST(cleanup_scratch)
{
    char cmd[PATH_MAX + 16];
    if (tmpdir[0] != '\0') {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        CHECK_INT(system(cmd), 0);
    }
}

UNIT_MAIN()
