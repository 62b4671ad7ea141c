/* oci_spec_parse on valid configs: every modelled field lands in the struct. */
#include "test_oci_util.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

static const char full_config[] =
    "{'ociVersion': '1.2.0',"
    " 'root': {'path': 'rootfs', 'readonly': true},"
    " 'hostname': 'box', 'domainname': 'example.org',"
    " 'mounts': ["
    "   {'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
    "   {'destination': '/data', 'type': 'bind', 'source': '/srv/data',"
    "    'options': ['rbind', 'ro'],"
    "    'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
    "    'gidMappings': [{'containerID': 0, 'hostID': 200000, 'size': 1000}]}],"
    " 'process': {"
    "   'terminal': true, 'consoleSize': {'height': 25, 'width': 80},"
    "   'user': {'uid': 1000, 'gid': 1001, 'umask': 18, 'additionalGids': [5, 6],"
    "            'username': 'u'},"
    "   'args': ['/bin/app', '--flag'], 'env': ['A=1', 'B=2'], 'cwd': '/work',"
    "   'capabilities': {'bounding': ['CAP_KILL', 'CAP_CHOWN'], 'effective': ['CAP_KILL'],"
    "                    'inheritable': [], 'permitted': ['CAP_KILL'],"
    "                    'ambient': ['CAP_NET_BIND_SERVICE']},"
    "   'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1024, 'hard': 4096},"
    "               {'type': 'RLIMIT_CORE', 'soft': 18446744073709551615,"
    "                'hard': 18446744073709551615}],"
    "   'apparmorProfile': 'prof', 'selinuxLabel': 'system_u:system_r:t:s0',"
    "   'noNewPrivileges': true, 'oomScoreAdj': -500,"
    "   'scheduler': {'policy': 'SCHED_BATCH', 'nice': 5, 'flags': ['SCHED_FLAG_RECLAIM']},"
    "   'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 4},"
    "   'execCPUAffinity': {'initial': '0', 'final': '0-1'}},"
    " 'hooks': {"
    "   'prestart': [{'path': '/bin/pre'}],"
    "   'createRuntime': [{'path': '/bin/cr', 'args': ['cr', 'x'], 'env': ['E=1'],"
    "                      'timeout': 5}],"
    "   'createContainer': [{'path': '/bin/cc'}, {'path': '/bin/cc2'}],"
    "   'startContainer': [{'path': '/bin/sc'}],"
    "   'poststart': [{'path': '/bin/ps'}], 'poststop': [{'path': '/bin/pst'}]},"
    " 'annotations': {'run.oci.handler': 'wasm', 'k': 'v'},"
    " 'linux': {"
    "   'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/run/netns/x'},"
    "                  {'type': 'mount'}, {'type': 'ipc'}, {'type': 'uts'},"
    "                  {'type': 'user'}, {'type': 'cgroup'}, {'type': 'time'}],"
    "   'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],"
    "   'gidMappings': [{'containerID': 0, 'hostID': 1001, 'size': 2}],"
    "   'timeOffsets': {'monotonic': {'secs': -10, 'nanosecs': 5},"
    "                   'boottime': {'secs': 20}},"
    "   'devices': [{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229,"
    "                'fileMode': 438, 'uid': 0, 'gid': 0},"
    "               {'path': '/dev/fifo', 'type': 'p'}],"
    "   'cgroupsPath': '/weft/box',"
    "   'resources': {"
    "     'devices': [{'allow': false, 'access': 'rwm'},"
    "                 {'allow': true, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'rw'}],"
    "     'memory': {'limit': 536870912, 'reservation': 1, 'swap': -1, 'kernel': 0,"
    "                'kernelTCP': 0, 'swappiness': 60, 'disableOOMKiller': true,"
    "                'useHierarchy': false, 'checkBeforeUpdate': true},"
    "     'cpu': {'shares': 1024, 'quota': 100000, 'period': 50000, 'burst': 10,"
    "             'realtimeRuntime': 950000, 'realtimePeriod': 1000000, 'cpus': '0-1',"
    "             'mems': '0', 'idle': 1},"
    "     'pids': {'limit': 32771},"
    "     'blockIO': {'weight': 500, 'leafWeight': 300,"
    "                 'weightDevice': [{'major': 8, 'minor': 0, 'weight': 100}],"
    "                 'throttleReadBpsDevice': [{'major': 8, 'minor': 0, 'rate': 1000}],"
    "                 'throttleWriteIOPSDevice': [{'major': 8, 'minor': 16, 'rate': 7}]},"
    "     'hugepageLimits': [{'pageSize': '2MB', 'limit': 9223372036854772000}],"
    "     'network': {'classID': 1048577, 'priorities': [{'name': 'eth0', 'priority': 500}]},"
    "     'rdma': {'mlx5_1': {'hcaHandles': 3, 'hcaObjects': 10000}},"
    "     'unified': {'memory.high': '1G', 'io.weight': '50'}},"
    "   'sysctl': {'net.ipv4.ip_forward': '1'},"
    "   'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38,"
    "               'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],"
    "               'flags': ['SECCOMP_FILTER_FLAG_LOG'],"
    "               'listenerPath': '/run/notify.sock', 'listenerMetadata': 'meta',"
    "               'syscalls': ["
    "                 {'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
    "                 {'names': ['kill'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1,"
    "                  'args': [{'index': 1, 'value': 9, 'op': 'SCMP_CMP_EQ'},"
    "                           {'index': 0, 'value': 255, 'valueTwo': 18446744073709551615,"
    "                            'op': 'SCMP_CMP_MASKED_EQ'}]},"
    "                 {'names': ['ptrace'], 'action': 'SCMP_ACT_KILL_PROCESS'},"
    "                 {'names': ['mount'], 'action': 'SCMP_ACT_NOTIFY'},"
    "                 {'names': ['x'], 'action': 'SCMP_ACT_TRACE'}]},"
    "   'rootfsPropagation': 'rslave',"
    "   'maskedPaths': ['/proc/kcore'], 'readonlyPaths': ['/proc/sys', '/proc/bus'],"
    "   'mountLabel': 'system_u:object_r:t:s0',"
    "   'personality': {'domain': 'LINUX32'},"
    "   'intelRdt': {'closID': 'x'}}}";

TEST(full_config_top_and_mounts)
{
    char *msg = NULL;
    oci_spec *s = oci_test_parse(full_config, &msg);
    CHECK(s != NULL);
    if (s == NULL) {
        fprintf(stderr, "parse: %s\n", msg);
        free(msg);
        return;
    }
    CHECK_STR(s->oci_version, "1.2.0");
    CHECK_STR(s->root_path, "/b/rootfs");
    CHECK(s->root_readonly);
    CHECK_STR(s->hostname, "box");
    CHECK_STR(s->domainname, "example.org");
    CHECK_STR(s->path, "/b/config.json");
    CHECK_STR(s->bundle, "/b");
    CHECK_INT(s->n_mounts, 2);
    CHECK_STR(s->mounts[0].destination, "/proc");
    CHECK_STR(s->mounts[0].type, "proc");
    CHECK(s->mounts[0].options == NULL);
    CHECK_STR(s->mounts[1].source, "/srv/data");
    CHECK_INT(s->mounts[1].n_options, 2);
    CHECK_STR(s->mounts[1].options[1], "ro");
    CHECK(s->mounts[1].options[2] == NULL);
    CHECK_INT(s->mounts[1].n_uid_mappings, 1);
    CHECK_INT(s->mounts[1].uid_mappings[0].host_id, 100000);
    CHECK_INT(s->mounts[1].uid_mappings[0].size, 65536);
    CHECK_INT(s->mounts[1].gid_mappings[0].host_id, 200000);
    CHECK_INT(s->n_annotations, 2);
    CHECK_STR(oci_spec_annotation(s, "run.oci.handler"), "wasm");
    CHECK_STR(oci_spec_annotation(s, "k"), "v");
    CHECK(oci_spec_annotation(s, "missing") == NULL);
    oci_spec_free(s);
}

TEST(full_config_process)
{
    oci_spec *s = oci_test_parse(full_config, NULL);
    CHECK(s != NULL && s->has_process);
    if (s == NULL)
        return;
    oci_process *p = &s->process;
    CHECK(p->terminal);
    CHECK(p->has_console_size);
    CHECK_INT(p->console_size.height, 25);
    CHECK_INT(p->console_size.width, 80);
    CHECK_INT(p->user.uid, 1000);
    CHECK_INT(p->user.gid, 1001);
    CHECK(p->user.has_umask);
    CHECK_INT(p->user.umask, 022);
    CHECK_INT(p->user.n_additional_gids, 2);
    CHECK_INT(p->user.additional_gids[1], 6);
    CHECK_STR(p->user.username, "u");
    CHECK_INT(p->n_args, 2);
    CHECK_STR(p->args[0], "/bin/app");
    CHECK(p->args[2] == NULL);
    CHECK_INT(p->n_env, 2);
    CHECK_STR(p->env[1], "B=2");
    CHECK_STR(p->cwd, "/work");
    CHECK(p->has_capabilities);
    CHECK_INT(p->capabilities.n_bounding, 2);
    CHECK_STR(p->capabilities.bounding[1], "CAP_CHOWN");
    CHECK(p->capabilities.inheritable != NULL);
    CHECK_INT(p->capabilities.n_inheritable, 0);
    CHECK_STR(p->capabilities.ambient[0], "CAP_NET_BIND_SERVICE");
    CHECK_INT(p->n_rlimits, 2);
    CHECK_INT(p->rlimits[0].resource, RLIMIT_NOFILE);
    CHECK_INT(p->rlimits[0].soft, 1024);
    CHECK_INT(p->rlimits[0].hard, 4096);
    CHECK_INT(p->rlimits[1].resource, RLIMIT_CORE);
    CHECK(p->rlimits[1].hard == UINT64_MAX);
    CHECK(p->rlimits[1].soft == UINT64_MAX);
    CHECK_STR(p->apparmor_profile, "prof");
    CHECK_STR(p->selinux_label, "system_u:system_r:t:s0");
    CHECK(p->no_new_privileges);
    CHECK(p->has_oom_score_adj);
    CHECK_INT(p->oom_score_adj, -500);
    CHECK(p->has_io_priority);
    CHECK_INT(p->io_priority_class, 2);
    CHECK_INT(p->io_priority, 4);
    oci_spec_free(s);
}

TEST(full_config_hooks)
{
    oci_spec *s = oci_test_parse(full_config, NULL);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    CHECK_INT(s->hooks.n[OCI_HOOK_PRESTART], 1);
    CHECK_STR(s->hooks.list[OCI_HOOK_PRESTART][0].path, "/bin/pre");
    CHECK(!s->hooks.list[OCI_HOOK_PRESTART][0].has_timeout);
    oci_hook *cr = &s->hooks.list[OCI_HOOK_CREATE_RUNTIME][0];
    CHECK_INT(cr->n_args, 2);
    CHECK_STR(cr->args[1], "x");
    CHECK_STR(cr->env[0], "E=1");
    CHECK(cr->has_timeout);
    CHECK_INT(cr->timeout, 5);
    CHECK_INT(s->hooks.n[OCI_HOOK_CREATE_CONTAINER], 2);
    CHECK_STR(s->hooks.list[OCI_HOOK_CREATE_CONTAINER][1].path, "/bin/cc2");
    CHECK_STR(s->hooks.list[OCI_HOOK_START_CONTAINER][0].path, "/bin/sc");
    CHECK_STR(s->hooks.list[OCI_HOOK_POSTSTART][0].path, "/bin/ps");
    CHECK_STR(s->hooks.list[OCI_HOOK_POSTSTOP][0].path, "/bin/pst");
    oci_spec_free(s);
}

TEST(full_config_linux)
{
    oci_spec *s = oci_test_parse(full_config, NULL);
    CHECK(s != NULL && s->has_linux);
    if (s == NULL)
        return;
    oci_linux *l = &s->linux_;
    CHECK_INT(l->n_namespaces, 8);
    CHECK_INT(l->namespaces[1].type, OCI_NS_NETWORK);
    CHECK_STR(l->namespaces[1].path, "/run/netns/x");
    CHECK(l->namespaces[0].path == NULL);
    CHECK_INT(l->namespaces[7].type, OCI_NS_TIME);
    CHECK(oci_spec_namespace(s, OCI_NS_CGROUP) == &l->namespaces[6]);
    CHECK_INT(l->uid_mappings[0].host_id, 1000);
    CHECK_INT(l->gid_mappings[0].size, 2);
    CHECK(l->has_time_offsets);
    CHECK_INT(l->monotonic.secs, -10);
    CHECK_INT(l->monotonic.nanosecs, 5);
    CHECK_INT(l->boottime.secs, 20);
    CHECK_INT(l->n_devices, 2);
    CHECK_INT(l->devices[0].type, 'c');
    CHECK_INT(l->devices[0].major, 10);
    CHECK_INT(l->devices[0].minor, 229);
    CHECK(l->devices[0].has_file_mode && l->devices[0].has_uid && l->devices[0].has_gid);
    CHECK_INT(l->devices[0].file_mode, 0666);
    CHECK_INT(l->devices[1].type, 'p');
    CHECK(!l->devices[1].has_file_mode);
    CHECK_STR(l->cgroups_path, "/weft/box");
    CHECK_INT(l->n_sysctl, 1);
    CHECK_STR(l->sysctl[0].key, "net.ipv4.ip_forward");
    CHECK_STR(l->sysctl[0].value, "1");
    CHECK_STR(l->rootfs_propagation, "rslave");
    CHECK_INT(l->n_masked_paths, 1);
    CHECK_STR(l->readonly_paths[1], "/proc/bus");
    CHECK_STR(l->mount_label, "system_u:object_r:t:s0");
    CHECK(l->has_personality);
    CHECK_STR(l->personality.domain, "LINUX32");
    CHECK(l->has_intel_rdt);
    oci_spec_free(s);
}

TEST(full_config_resources)
{
    oci_spec *s = oci_test_parse(full_config, NULL);
    CHECK(s != NULL && s->linux_.has_resources);
    if (s == NULL)
        return;
    oci_resources *r = &s->linux_.resources;
    CHECK_INT(r->n_devices, 2);
    CHECK(!r->devices[0].allow);
    CHECK_INT(r->devices[0].type, 'a');
    CHECK_INT(r->devices[0].major, -1);
    CHECK_INT(r->devices[0].minor, -1);
    CHECK_STR(r->devices[0].access, "rwm");
    CHECK(r->devices[1].allow);
    CHECK_INT(r->devices[1].type, 'c');
    CHECK_INT(r->devices[1].minor, 229);
    CHECK_STR(r->devices[1].access, "rw");
    CHECK(r->has_memory);
    CHECK(r->memory.limit.set);
    CHECK_INT(r->memory.limit.v, 536870912);
    CHECK_INT(r->memory.swap.v, -1);
    CHECK_INT(r->memory.swappiness.v, 60);
    CHECK(r->memory.has_disable_oom_killer && r->memory.disable_oom_killer);
    CHECK(r->memory.has_use_hierarchy && !r->memory.use_hierarchy);
    CHECK(r->memory.check_before_update);
    CHECK(r->has_cpu);
    CHECK_INT(r->cpu.shares.v, 1024);
    CHECK_INT(r->cpu.quota.v, 100000);
    CHECK_INT(r->cpu.period.v, 50000);
    CHECK_INT(r->cpu.burst.v, 10);
    CHECK_INT(r->cpu.realtime_runtime.v, 950000);
    CHECK_INT(r->cpu.realtime_period.v, 1000000);
    CHECK_INT(r->cpu.idle.v, 1);
    CHECK_STR(r->cpu.cpus, "0-1");
    CHECK_STR(r->cpu.mems, "0");
    CHECK(r->has_pids);
    CHECK_INT(r->pids_limit, 32771);
    CHECK(r->has_blkio);
    CHECK(r->blkio.has_weight && r->blkio.has_leaf_weight);
    CHECK_INT(r->blkio.weight, 500);
    CHECK_INT(r->blkio.leaf_weight, 300);
    CHECK_INT(r->blkio.n_weight_device, 1);
    CHECK_INT(r->blkio.weight_device[0].weight, 100);
    CHECK(!r->blkio.weight_device[0].has_leaf_weight);
    CHECK_INT(r->blkio.n_throttle[0], 1);
    CHECK_INT(r->blkio.throttle[0][0].rate, 1000);
    CHECK_INT(r->blkio.n_throttle[1], 0);
    CHECK_INT(r->blkio.n_throttle[3], 1);
    CHECK_INT(r->blkio.throttle[3][0].minor, 16);
    CHECK_INT(r->n_hugepage_limits, 1);
    CHECK_STR(r->hugepage_limits[0].page_size, "2MB");
    CHECK(r->hugepage_limits[0].limit == 9223372036854772000ull);
    CHECK(r->has_network && r->has_class_id);
    CHECK_INT(r->class_id, 1048577);
    CHECK_STR(r->net_priorities[0].name, "eth0");
    CHECK_INT(r->net_priorities[0].priority, 500);
    CHECK_INT(r->n_rdma, 1);
    CHECK_STR(r->rdma[0].device, "mlx5_1");
    CHECK(r->rdma[0].has_handles && r->rdma[0].has_objects);
    CHECK_INT(r->rdma[0].handles, 3);
    CHECK_INT(r->rdma[0].objects, 10000);
    CHECK_INT(r->n_unified, 2);
    CHECK_STR(r->unified[1].key, "io.weight");
    oci_spec_free(s);
}

TEST(full_config_seccomp)
{
    oci_spec *s = oci_test_parse(full_config, NULL);
    CHECK(s != NULL && s->linux_.has_seccomp);
    if (s == NULL)
        return;
    oci_seccomp *sc = &s->linux_.seccomp;
    CHECK(sc->default_action == SCMP_ACT_ERRNO(38));
    CHECK_INT(sc->n_architectures, 2);
    CHECK_STR(sc->architectures[1], "SCMP_ARCH_AARCH64");
    CHECK_STR(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG");
    CHECK_STR(sc->listener_path, "/run/notify.sock");
    CHECK_STR(sc->listener_metadata, "meta");
    CHECK_INT(sc->n_syscalls, 5);
    CHECK_INT(sc->syscalls[0].n_names, 2);
    CHECK_STR(sc->syscalls[0].names[1], "write");
    CHECK(sc->syscalls[0].action == SCMP_ACT_ALLOW);
    CHECK(sc->syscalls[1].action == SCMP_ACT_ERRNO(1));
    CHECK_INT(sc->syscalls[1].n_args, 2);
    CHECK_INT(sc->syscalls[1].args[0].index, 1);
    CHECK_INT(sc->syscalls[1].args[0].value, 9);
    CHECK_INT(sc->syscalls[1].args[0].op, SCMP_CMP_EQ);
    CHECK_INT(sc->syscalls[1].args[1].op, SCMP_CMP_MASKED_EQ);
    CHECK(sc->syscalls[1].args[1].value_two == UINT64_MAX);
    CHECK(sc->syscalls[2].action == SCMP_ACT_KILL_PROCESS);
    CHECK(sc->syscalls[3].action == SCMP_ACT_NOTIFY);
    /* SCMP_ACT_TRACE without errnoRet: EPERM, as runc. */
    CHECK(sc->syscalls[4].action == SCMP_ACT_TRACE(EPERM));
    oci_spec_free(s);
}

TEST(minimal_config_defaults)
{
    oci_spec *s = oci_test_parse("{" OCI_MIN "}", NULL);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    CHECK(!s->has_process);
    CHECK(!s->has_linux);
    CHECK(!s->root_readonly);
    CHECK(s->hostname == NULL);
    CHECK_INT(s->n_mounts, 0);
    CHECK_INT(s->n_annotations, 0);
    CHECK(oci_spec_namespace(s, OCI_NS_PID) == NULL);
    CHECK_INT(s->hooks.n[OCI_HOOK_POSTSTOP], 0);
    oci_spec_free(s);
}

TEST(process_defaults)
{
    oci_spec *s = oci_test_parse("{" OCI_MIN ",'process':{'args':['a'],'cwd':'/'}}", NULL);
    CHECK(s != NULL && s->has_process);
    if (s == NULL)
        return;
    CHECK(!s->process.terminal);
    CHECK(!s->process.has_capabilities);
    CHECK(s->process.capabilities.bounding == NULL);
    CHECK_INT(s->process.user.uid, 0);
    CHECK(!s->process.user.has_umask);
    CHECK(!s->process.has_oom_score_adj);
    CHECK(!s->process.has_console_size);
    CHECK(!s->process.has_io_priority);
    CHECK(s->process.env == NULL);
    oci_spec_free(s);
}

TEST(unknown_fields_and_other_platforms_ignored)
{
    oci_spec *s = oci_test_parse(
        "{" OCI_MIN ",'futureField':{'x':[1,2]},'windows':{'layerFolders':'not-an-array'},"
        "'solaris':5,'vm':{'hypervisor':7},'zos':[],"
        "'process':{'args':['a'],'cwd':'/','commandLine':'x','newThing':true},"
        "'linux':{'newLinuxThing':{},'resources':{'newController':1}}}",
        NULL);
    CHECK(s != NULL);
    oci_spec_free(s);
}

TEST(null_means_absent)
{
    oci_spec *s = oci_test_parse("{" OCI_MIN ",'process':null,'hostname':null,'linux':"
                                 "{'namespaces':null,'seccomp':null}}",
                                 NULL);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    CHECK(!s->has_process);
    CHECK(s->hostname == NULL);
    CHECK(s->has_linux);
    CHECK(!s->linux_.has_seccomp);
    oci_spec_free(s);
}

TEST(duplicate_keys_last_wins)
{
    oci_spec *s = oci_test_parse("{" OCI_MIN ",'hostname':'a','hostname':'b'}", NULL);
    CHECK(s != NULL);
    if (s != NULL)
        CHECK_STR(s->hostname, "b");
    oci_spec_free(s);
}

TEST(root_path_resolution)
{
    const char *cases[][2] = {
        {"rootfs", "/b/rootfs"},
        {"./rootfs/", "/b/rootfs"},
        {"../other/rootfs", "/other/rootfs"},
        {"/abs//root/.", "/abs/root"},
        {"a/../../../x", "/x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cfg[256];
        snprintf(cfg, sizeof cfg, "{'ociVersion':'1.0.0','root':{'path':'%s'}}", cases[i][0]);
        oci_spec *s = oci_test_parse(cfg, NULL);
        CHECK(s != NULL);
        if (s != NULL)
            CHECK_STR(s->root_path, cases[i][1]);
        oci_spec_free(s);
    }
}

TEST(relative_bundle_made_absolute)
{
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    const char *json = "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\"}}";
    oci_spec *s = NULL;
    weft_error *err = NULL;
    CHECK_INT(oci_spec_parse(json, strlen(json), "x.json", "bundles/one", &s, &err), 0);
    char want[4200];
    snprintf(want, sizeof want, "%s/bundles/one/rootfs", strcmp(cwd, "/") ? cwd : "");
    if (s != NULL)
        CHECK_STR(s->root_path, want);
    oci_spec_free(s);
    werr_free(err);
}

TEST(relative_mount_destination_made_absolute)
{
    oci_spec *s = oci_test_parse(
        "{" OCI_MIN
        ",'mounts':[{'destination':'tmp/x/','type':'tmpfs'},{'destination':'/a/../b'}]}",
        NULL);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    CHECK_STR(s->mounts[0].destination, "/tmp/x");
    CHECK(s->mounts[0].source == NULL);
    CHECK(s->mounts[0].relative_destination); /* `create` warns: deprecated */
    CHECK_STR(s->mounts[1].destination, "/b");
    CHECK(s->mounts[1].type == NULL);
    CHECK(!s->mounts[1].relative_destination);
    oci_spec_free(s);
}

TEST(seccomp_errno_default_is_eperm)
{
    oci_spec *s = oci_test_parse(
        "{" OCI_MIN ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','syscalls':["
        "{'names':['a'],'action':'SCMP_ACT_KILL'},{'names':['b'],'action':'SCMP_ACT_KILL_THREAD'},"
        "{'names':['c'],'action':'SCMP_ACT_TRAP'},{'names':['d'],'action':'SCMP_ACT_LOG'},"
        "{'names':['e'],'action':'SCMP_ACT_TRACE','errnoRet':7}]}}}",
        NULL);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    oci_seccomp *sc = &s->linux_.seccomp;
    CHECK(sc->default_action == SCMP_ACT_ERRNO(EPERM));
    CHECK(sc->syscalls[0].action == SCMP_ACT_KILL);
    CHECK(sc->syscalls[1].action == SCMP_ACT_KILL_THREAD);
    CHECK(sc->syscalls[2].action == SCMP_ACT_TRAP);
    CHECK(sc->syscalls[3].action == SCMP_ACT_LOG);
    CHECK(sc->syscalls[4].action == SCMP_ACT_TRACE(7));
    oci_spec_free(s);
}

TEST(big_integers_outside_strings_only)
{
    /* A string that looks like a big number stays a string. */
    oci_spec *s = oci_test_parse("{" OCI_MIN ",'hostname':'18446744073709551615',"
                                 "'process':{'args':['a'],'cwd':'/','rlimits':[{'type':"
                                 "'RLIMIT_AS','soft':9223372036854775808,'hard':"
                                 "18446744073709551615}]}}",
                                 NULL);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    CHECK_STR(s->hostname, "18446744073709551615");
    CHECK(s->process.rlimits[0].soft == 9223372036854775808ull);
    oci_spec_free(s);
}

TEST(namespace_names_round_trip)
{
    for (int t = 0; t < OCI_NS_COUNT; t++)
        CHECK_INT(oci_ns_from_name(oci_ns_name((enum oci_ns_type)t)), t);
    CHECK_STR(oci_ns_name(OCI_NS_NETWORK), "network");
    CHECK_INT(oci_ns_from_name("net"), -1);
    CHECK_INT(oci_ns_from_name(NULL), -1);
    CHECK(oci_ns_name(OCI_NS_COUNT) == NULL);
}

TEST(big_integer_rewrite_respects_escapes)
{
    const char *json = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},"
                       "\"hostname\":\"a\\\" 18446744073709551615\","
                       "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":"
                       "\"RLIMIT_AS\",\"soft\":1,\"hard\":18446744073709551615}]}}";
    oci_spec *s = NULL;
    weft_error *err = NULL;
    CHECK_INT(oci_spec_parse(json, strlen(json), "x.json", "/b", &s, &err), 0);
    if (s != NULL) {
        CHECK_STR(s->hostname, "a\" 18446744073709551615");
        CHECK(s->process.rlimits[0].hard == UINT64_MAX);
    }
    oci_spec_free(s);
    werr_free(err);
}

TEST(long_key_in_error_path_is_truncated_safely)
{
    size_t n = 5000;
    char *cfg = malloc(n + 128);
    int off = sprintf(cfg, "{" OCI_MIN ",'annotations':{'");
    memset(cfg + off, 'k', n);
    strcpy(cfg + off + n, "':1}}");
    char *msg = oci_test_error(cfg);
    CHECK(strncmp(msg, "/b/config.json: annotations.kkkk", 32) == 0);
    CHECK(strlen(msg) < 1200);
    free(msg);
    free(cfg);
}

UNIT_MAIN()
