/* oci_spec_parse on invalid configs: one test per validation error, exact messages. */
#include "test_oci_util.h"

TEST(not_object)
{
    CHECK_OCI_ERR("[1]", "/b/config.json: must be a JSON object");
}

TEST(version_missing)
{
    CHECK_OCI_ERR("{'root':{'path':'r'}}", "/b/config.json: ociVersion: missing required field");
}

TEST(version_major)
{
    CHECK_OCI_ERR("{'ociVersion':'2.0.0','root':{'path':'r'}}",
                  "/b/config.json: ociVersion: unsupported version \"2.0.0\" (weft supports 1.x)");
}

TEST(version_garbage)
{
    CHECK_OCI_ERR("{'ociVersion':'1.x','root':{'path':'r'}}",
                  "/b/config.json: ociVersion: unsupported version \"1.x\" (weft supports 1.x)");
}

TEST(version_type)
{
    CHECK_OCI_ERR("{'ociVersion':1,'root':{'path':'r'}}",
                  "/b/config.json: ociVersion: must be a string");
}

TEST(root_missing)
{
    CHECK_OCI_ERR("{'ociVersion':'1.0.0'}", "/b/config.json: root: missing required field");
}

TEST(root_type)
{
    CHECK_OCI_ERR("{'ociVersion':'1.0.0','root':'rootfs'}",
                  "/b/config.json: root: must be an object");
}

TEST(root_path_missing)
{
    CHECK_OCI_ERR("{'ociVersion':'1.0.0','root':{}}",
                  "/b/config.json: root.path: missing required field");
}

TEST(root_path_empty)
{
    CHECK_OCI_ERR("{'ociVersion':'1.0.0','root':{'path':''}}",
                  "/b/config.json: root.path: must not be empty");
}

TEST(root_readonly_type)
{
    CHECK_OCI_ERR("{'ociVersion':'1.0.0','root':{'path':'r','readonly':'yes'}}",
                  "/b/config.json: root.readonly: must be a boolean");
}

TEST(process_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':[]}", "/b/config.json: process: must be an object");
}

TEST(args_missing)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'cwd':'/'}}",
                  "/b/config.json: process.args: must be a non-empty array");
}

TEST(args_empty)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':[],'cwd':'/'}}",
                  "/b/config.json: process.args: must be a non-empty array");
}

TEST(args_string)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':'sh','cwd':'/'}}",
                  "/b/config.json: process.args: must be a non-empty array");
}

TEST(args_elem_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh',1],'cwd':'/'}}",
                  "/b/config.json: process.args[1]: must be a string");
}

TEST(cwd_missing)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh']}}",
                  "/b/config.json: process.cwd: missing required field");
}

TEST(cwd_relative)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'work'}}",
                  "/b/config.json: process.cwd: must be an absolute path");
}

TEST(env_elem_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','env':['A=1',null]}}",
                  "/b/config.json: process.env[1]: must be a string");
}

TEST(terminal_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','terminal':1}}",
                  "/b/config.json: process.terminal: must be a boolean");
}

TEST(uid_string)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','user':{'uid':'0'}}}",
                  "/b/config.json: process.user.uid: must be an integer");
}

TEST(uid_float)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','user':{'uid':1.5}}}",
                  "/b/config.json: process.user.uid: must be an integer");
}

TEST(uid_negative)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','user':{'uid':-1}}}",
                  "/b/config.json: process.user.uid: must be between 0 and 4294967295");
}

TEST(gid_overflow)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','user':{'gid':4294967296}}}",
                  "/b/config.json: process.user.gid: must be between 0 and 4294967295");
}

TEST(additional_gid_negative)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','user':{'additionalGids':[1,-5]}}}",
        "/b/config.json: process.user.additionalGids[1]: must be between 0 and 4294967295");
}

TEST(umask_range)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','user':{'umask':4096}}}",
                  "/b/config.json: process.user.umask: must be between 0 and 4095");
}

TEST(console_size_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','consoleSize':{'height':'25'}}}",
                  "/b/config.json: process.consoleSize.height: must be an integer");
}

TEST(rlimit_unknown)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN
        ",'process':{'args':['sh'],'cwd':'/','rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]}}",
        "/b/config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
}

TEST(rlimit_soft_missing)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN
        ",'process':{'args':['sh'],'cwd':'/','rlimits':[{'type':'RLIMIT_CORE','hard':1}]}}",
        "/b/config.json: process.rlimits[0].soft: missing required field");
}

TEST(rlimit_soft_above_hard)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/"
                  "','rlimits':[{'type':'RLIMIT_CORE','soft':11,'hard':10}]}}",
                  "/b/config.json: process.rlimits[0].soft: must not exceed hard (10)");
}

TEST(rlimit_duplicate)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/"
                  "','rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':1},{'type':'"
                  "RLIMIT_CORE','soft':1,'hard':1}]}}",
                  "/b/config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_CORE\"");
}

TEST(rlimit_negative)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/"
        "','rlimits':[{'type':'RLIMIT_CORE','soft':-1,'hard':1}]}}",
        "/b/config.json: process.rlimits[0].soft: must be between 0 and 18446744073709551615");
}

TEST(rlimits_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','rlimits':{}}}",
                  "/b/config.json: process.rlimits: must be an array");
}

TEST(rlimit_elem_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','rlimits':['RLIMIT_CORE']}}",
                  "/b/config.json: process.rlimits[0]: must be an object");
}

TEST(cap_unknown)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN
        ",'process':{'args':['sh'],'cwd':'/','capabilities':{'bounding':['CAP_KILL','CAP_FOO']}}}",
        "/b/config.json: process.capabilities.bounding[1]: unknown capability \"CAP_FOO\"");
}

TEST(cap_lowercase)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','capabilities':{'ambient':['cap_kill']}}}",
        "/b/config.json: process.capabilities.ambient[0]: unknown capability \"cap_kill\"");
}

TEST(cap_number)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','capabilities':{'effective':['CAP_5']}}}",
        "/b/config.json: process.capabilities.effective[0]: unknown capability \"CAP_5\"");
}

TEST(cap_old_array)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','capabilities':['CAP_KILL']}}",
                  "/b/config.json: process.capabilities: must be an object");
}

TEST(oom_range)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','oomScoreAdj':1001}}",
                  "/b/config.json: process.oomScoreAdj: must be between -1000 and 1000");
}

TEST(nnp_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','noNewPrivileges':'true'}}",
                  "/b/config.json: process.noNewPrivileges: must be a boolean");
}

TEST(ioprio_class)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','ioPriority':{'class':'IOPRIO_CLASS_X'}}}",
        "/b/config.json: process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_X\"");
}

TEST(ioprio_level)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/"
                  "','ioPriority':{'class':'IOPRIO_CLASS_RT','priority':8}}}",
                  "/b/config.json: process.ioPriority.priority: must be between 0 and 7");
}

TEST(sched_policy)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/','scheduler':{'policy':'SCHED_FAST'}}}",
        "/b/config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\"");
}

TEST(sched_flag)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'process':{'args':['sh'],'cwd':'/"
        "','scheduler':{'policy':'SCHED_RR','flags':['SCHED_FLAG_X']}}}",
        "/b/config.json: process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_X\"");
}

TEST(sched_nice)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN
        ",'process':{'args':['sh'],'cwd':'/','scheduler':{'policy':'SCHED_OTHER','nice':20}}}",
        "/b/config.json: process.scheduler.nice: must be between -20 and 19");
}

TEST(affinity_type)
{
    CHECK_OCI_ERR("{" OCI_MIN
                  ",'process':{'args':['sh'],'cwd':'/','execCPUAffinity':{'initial':0}}}",
                  "/b/config.json: process.execCPUAffinity.initial: must be a string");
}

TEST(hostname_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'hostname':5}", "/b/config.json: hostname: must be a string");
}

TEST(mounts_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'mounts':{}}", "/b/config.json: mounts: must be an array");
}

TEST(mount_elem_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'mounts':['/proc']}",
                  "/b/config.json: mounts[0]: must be an object");
}

TEST(mount_dest_missing)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'mounts':[{'destination':'/a'},{'type':'tmpfs'}]}",
                  "/b/config.json: mounts[1].destination: missing required field");
}

TEST(mount_dest_empty)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'mounts':[{'destination':''}]}",
                  "/b/config.json: mounts[0].destination: must not be empty");
}

TEST(mount_option_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'mounts':[{'destination':'/a','options':['ro',5]}]}",
                  "/b/config.json: mounts[0].options[1]: must be a string");
}

TEST(mount_idmap_size)
{
    CHECK_OCI_ERR("{" OCI_MIN
                  ",'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1}]}]}",
                  "/b/config.json: mounts[0].uidMappings[0].size: missing required field");
}

TEST(hooks_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'hooks':[]}", "/b/config.json: hooks: must be an object");
}

TEST(hooks_kind_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'hooks':{'createRuntime':{}}}",
                  "/b/config.json: hooks.createRuntime: must be an array");
}

TEST(hook_path_missing)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'hooks':{'poststart':[{'args':['x']}]}}",
                  "/b/config.json: hooks.poststart[0].path: missing required field");
}

TEST(hook_path_relative)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'hooks':{'prestart':[{'path':'bin/hook'}]}}",
                  "/b/config.json: hooks.prestart[0].path: must be an absolute path");
}

TEST(hook_timeout_zero)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'hooks':{'poststop':[{'path':'/a'},{'path':'/b','timeout':0}]}}",
                  "/b/config.json: hooks.poststop[1].timeout: must be greater than zero");
}

TEST(hook_timeout_negative)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'hooks':{'startContainer':[{'path':'/a','timeout':-3}]}}",
                  "/b/config.json: hooks.startContainer[0].timeout: must be greater than zero");
}

TEST(annotation_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'annotations':{'a':'x','k':1}}",
                  "/b/config.json: annotations.k: must be a string");
}

TEST(annotations_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'annotations':['k']}",
                  "/b/config.json: annotations: must be an object");
}

TEST(linux_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':true}", "/b/config.json: linux: must be an object");
}

TEST(ns_unknown)
{
    CHECK_OCI_ERR("{" OCI_MIN
                  ",'linux':{'namespaces':[{'type':'pid'},{'type':'ipc'},{'type':'foo'}]}}",
                  "/b/config.json: linux.namespaces[2].type: unknown namespace type \"foo\"");
}

TEST(ns_duplicate)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'namespaces':[{'type':'pid'},{'type':'pid'}]}}",
                  "/b/config.json: linux.namespaces[1].type: duplicate namespace type \"pid\"");
}

TEST(ns_type_missing)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'namespaces':[{'path':'/x'}]}}",
                  "/b/config.json: linux.namespaces[0].type: missing required field");
}

TEST(ns_path_relative)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'namespaces':[{'type':'network','path':'run/netns/x'}]}}",
                  "/b/config.json: linux.namespaces[0].path: must be an absolute path");
}

TEST(ns_elem_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'namespaces':['pid']}}",
                  "/b/config.json: linux.namespaces[0]: must be an object");
}

TEST(uidmap_negative)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'uidMappings':[{'containerID':0,'hostID':-1,'size':1}]}}",
                  "/b/config.json: linux.uidMappings[0].hostID: must be between 0 and 4294967295");
}

TEST(gidmap_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'gidMappings':[{'containerID':'0','hostID':1,'size':1}]}}",
                  "/b/config.json: linux.gidMappings[0].containerID: must be an integer");
}

TEST(time_clock)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'linux':{'timeOffsets':{'realtime':{'secs':1}}}}",
        "/b/config.json: linux.timeOffsets.realtime: unknown clock (monotonic or boottime)");
}

TEST(time_nanosecs)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'linux':{'timeOffsets':{'monotonic':{'nanosecs':1000000000}}}}",
        "/b/config.json: linux.timeOffsets.monotonic.nanosecs: must be between 0 and 999999999");
}

TEST(device_type)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'linux':{'devices':[{'path':'/dev/x','type':'x','major':1,'minor':1}]}}",
        "/b/config.json: linux.devices[0].type: unknown device type \"x\" (c, b, u or p)");
}

TEST(device_major_missing)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'devices':[{'path':'/dev/x','type':'c','minor':1}]}}",
                  "/b/config.json: linux.devices[0].major: missing required field");
}

TEST(device_minor_missing_block)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'devices':[{'path':'/dev/x','type':'b','major':8}]}}",
                  "/b/config.json: linux.devices[0].minor: missing required field");
}

TEST(device_path_relative)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'devices':[{'path':'dev/x','type':'p'}]}}",
                  "/b/config.json: linux.devices[0].path: must be an absolute path");
}

TEST(device_uid_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'devices':[{'path':'/dev/x','type':'p','uid':'root'}]}}",
                  "/b/config.json: linux.devices[0].uid: must be an integer");
}

TEST(cgroups_path_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'cgroupsPath':1}}",
                  "/b/config.json: linux.cgroupsPath: must be a string");
}

TEST(rule_access)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'devices':[{'allow':true,'access':'rwx'}]}}}",
                  "/b/config.json: linux.resources.devices[0].access: invalid access \"rwx\" (a "
                  "subset of \"rwm\")");
}

TEST(rule_access_repeat)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'devices':[{'allow':true,'access':'rr'}]}}}",
                  "/b/config.json: linux.resources.devices[0].access: invalid access \"rr\" (a "
                  "subset of \"rwm\")");
}

TEST(rule_allow_missing)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'devices':[{'access':'rwm'}]}}}",
                  "/b/config.json: linux.resources.devices[0].allow: missing required field");
}

TEST(rule_type)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'linux':{'resources':{'devices':[{'allow':false,'type':'u'}]}}}",
        "/b/config.json: linux.resources.devices[0].type: unknown device type \"u\" (a, c or b)");
}

TEST(rule_major_range)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'devices':[{'allow':false,'major':-2}]}}}",
                  "/b/config.json: linux.resources.devices[0].major: must be between -1 and "
                  "9223372036854775807");
}

TEST(memory_limit_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'memory':{'limit':'1G'}}}}",
                  "/b/config.json: linux.resources.memory.limit: must be an integer");
}

TEST(swappiness_range)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'memory':{'swappiness':101}}}}",
                  "/b/config.json: linux.resources.memory.swappiness: must be between 0 and 100");
}

TEST(oom_killer_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'memory':{'disableOOMKiller':0}}}}",
                  "/b/config.json: linux.resources.memory.disableOOMKiller: must be a boolean");
}

TEST(cpu_shares_negative)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'linux':{'resources':{'cpu':{'shares':-1}}}}",
        "/b/config.json: linux.resources.cpu.shares: must be between 0 and 18446744073709551615");
}

TEST(cpu_cpus_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'cpu':{'cpus':[0,1]}}}}",
                  "/b/config.json: linux.resources.cpu.cpus: must be a string");
}

TEST(pids_limit_missing)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'pids':{}}}}",
                  "/b/config.json: linux.resources.pids.limit: missing required field");
}

TEST(blkio_weight_range)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'blockIO':{'weight':70000}}}}",
                  "/b/config.json: linux.resources.blockIO.weight: must be between 0 and 65535");
}

TEST(blkio_throttle_rate)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN
        ",'linux':{'resources':{'blockIO':{'throttleWriteBpsDevice':[{'major':8,'minor':0}]}}}}",
        "/b/config.json: linux.resources.blockIO.throttleWriteBpsDevice[0].rate: missing required "
        "field");
}

TEST(blkio_weight_device_major)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN
        ",'linux':{'resources':{'blockIO':{'weightDevice':[{'minor':0,'weight':10}]}}}}",
        "/b/config.json: linux.resources.blockIO.weightDevice[0].major: missing required field");
}

TEST(hugepage_size_missing)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'linux':{'resources':{'hugepageLimits':[{'limit':1}]}}}",
        "/b/config.json: linux.resources.hugepageLimits[0].pageSize: missing required field");
}

TEST(net_priority_type)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN
        ",'linux':{'resources':{'network':{'priorities':[{'name':'eth0','priority':'high'}]}}}}",
        "/b/config.json: linux.resources.network.priorities[0].priority: must be an integer");
}

TEST(classid_negative)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'linux':{'resources':{'network':{'classID':-1}}}}",
        "/b/config.json: linux.resources.network.classID: must be between 0 and 4294967295");
}

TEST(rdma_type)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'linux':{'resources':{'rdma':{'mlx':{'hcaHandles':-1}}}}}",
        "/b/config.json: linux.resources.rdma.mlx.hcaHandles: must be between 0 and 4294967295");
}

TEST(unified_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'unified':{'memory.max':1024}}}}",
                  "/b/config.json: linux.resources.unified.memory.max: must be a string");
}

TEST(sysctl_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'sysctl':{'net.ipv4.ip_forward':1}}}",
                  "/b/config.json: linux.sysctl.net.ipv4.ip_forward: must be a string");
}

TEST(seccomp_default_missing)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'seccomp':{'syscalls':[]}}}",
                  "/b/config.json: linux.seccomp.defaultAction: missing required field");
}

TEST(seccomp_default_unknown)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_FOO'}}}",
        "/b/config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\"");
}

TEST(seccomp_default_errno_range)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN
        ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':65536}}}",
        "/b/config.json: linux.seccomp.defaultErrnoRet: must be between 0 and 65535");
}

TEST(seccomp_errno_with_allow)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'"
                  "names':['a'],'action':'SCMP_ACT_KILL','errnoRet':1}]}}}",
                  "/b/config.json: linux.seccomp.syscalls[0].errnoRet: only valid with "
                  "SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
}

TEST(seccomp_names_empty)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'"
                  "names':[],'action':'SCMP_ACT_KILL'}]}}}",
                  "/b/config.json: linux.seccomp.syscalls[0].names: must be a non-empty array");
}

TEST(seccomp_action_missing)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN
        ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a']}]}}}",
        "/b/config.json: linux.seccomp.syscalls[0].action: missing required field");
}

TEST(seccomp_op_unknown)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'"
                  "names':['a'],'action':'SCMP_ACT_LOG'},{'names':['b'],'action':'SCMP_"
                  "ACT_LOG','args':[{'index':0,'value':1,'op':'SCMP_CMP_FOO'}]}]}}}",
                  "/b/config.json: linux.seccomp.syscalls[1].args[0].op: unknown seccomp operator "
                  "\"SCMP_CMP_FOO\"");
}

TEST(seccomp_arg_index)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN
        ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':"
        "'SCMP_ACT_LOG','args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]}}}",
        "/b/config.json: linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5");
}

TEST(seccomp_arg_value_missing)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['"
        "a'],'action':'SCMP_ACT_LOG','args':[{'index':0,'op':'SCMP_CMP_EQ'}]}]}}}",
        "/b/config.json: linux.seccomp.syscalls[0].args[0].value: missing required field");
}

TEST(seccomp_arch_unknown)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','"
                  "architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_Z80']}}}",
                  "/b/config.json: linux.seccomp.architectures[1]: unknown seccomp architecture "
                  "\"SCMP_ARCH_Z80\"");
}

TEST(seccomp_flag_unknown)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','flags':['"
                  "SECCOMP_FILTER_FLAG_FAST']}}}",
                  "/b/config.json: linux.seccomp.flags[0]: unknown seccomp flag "
                  "\"SECCOMP_FILTER_FLAG_FAST\"");
}

TEST(seccomp_notify_no_listener)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['"
        "mount'],'action':'SCMP_ACT_NOTIFY'}]}}}",
        "/b/config.json: linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
}

TEST(seccomp_listener_relative)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN
        ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'x.sock'}}}",
        "/b/config.json: linux.seccomp.listenerPath: must be an absolute path");
}

TEST(propagation_unknown)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'rootfsPropagation':'weird'}}",
                  "/b/config.json: linux.rootfsPropagation: unknown propagation \"weird\"");
}

TEST(masked_type)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'maskedPaths':'/proc/kcore'}}",
                  "/b/config.json: linux.maskedPaths: must be an array");
}

TEST(personality_domain)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'personality':{'domain':'LINUX64'}}}",
                  "/b/config.json: linux.personality.domain: unknown personality domain "
                  "\"LINUX64\" (LINUX or LINUX32)");
}

TEST(personality_missing)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'personality':{}}}",
                  "/b/config.json: linux.personality.domain: missing required field");
}

TEST(first_error_wins)
{
    CHECK_OCI_ERR("{" OCI_MIN
                  ",'process':{'args':[],'cwd':'x'},'linux':{'namespaces':[{'type':'foo'}]}}",
                  "/b/config.json: process.args: must be a non-empty array");
}

TEST(cpu_period_outside_the_kernel_range)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'cpu':{'period':0}}}}",
                  "/b/config.json: linux.resources.cpu.period: must be 1000 to 1000000 "
                  "(microseconds), got 0");
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'cpu':{'period':1000001}}}}",
                  "/b/config.json: linux.resources.cpu.period: must be 1000 to 1000000 "
                  "(microseconds), got 1000001");
}

TEST(pids_limit_below_minus_one)
{
    CHECK_OCI_ERR("{" OCI_MIN ",'linux':{'resources':{'pids':{'limit':-2}}}}",
                  "/b/config.json: linux.resources.pids.limit: must be -1 (unlimited) or at "
                  "least 0, got -2");
}

TEST(hostname_longer_than_the_kernel_takes)
{
    CHECK_OCI_ERR(
        "{" OCI_MIN ",'hostname':'"
        "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh'}",
        "/b/config.json: hostname: "
        "'hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh...': longer "
        "than 64 bytes");
}

UNIT_MAIN()
