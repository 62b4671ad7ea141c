/* The systemd driver's calls to the service manager over D-Bus:
 * StartTransientUnit, SetUnitProperties, StopUnit and the few properties the
 * driver reads. The system bus as root, the user's session bus when
 * rootless; systemd's own private socket when no bus daemon runs. libdbus-1
 * builds and parses the messages; cg_bus_socket.c carries them. */
#include "cgroup/cg_bus_socket.h"
#include "cgroup/cg_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <dbus/dbus.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define CALL_TIMEOUT_MS 25000

struct cg_bus {
    cg_bus_socket *sock;
};

static int bus_fail(weft_error **err, DBusError *e, const char *what)
{
    werr_set(err, 0, "systemd cgroup driver: %s: %s", what,
             dbus_error_is_set(e) ? e->message : "failed");
    dbus_error_free(e);
    return -1;
}

#define NO_SUCH_UNIT "org.freedesktop.systemd1.NoSuchUnit"

/* Send m (consumed) and wait for its reply: 0 with *reply (the caller's to
 * unref; NULL, no error, when the unit does not exist and missing_ok), or -1
 * with the bus's error, naming `what`. */
static int request(cg_bus *b, DBusMessage *m, const char *what, bool missing_ok,
                   DBusMessage **reply, weft_error **err)
{
    DBusError e;
    dbus_error_init(&e);
    *reply = cg_bus_socket_call(b->sock, m, CALL_TIMEOUT_MS, &e);
    dbus_message_unref(m);
    if (*reply != NULL)
        return 0;
    if (missing_ok && dbus_error_has_name(&e, NO_SUCH_UNIT)) {
        dbus_error_free(&e);
        return 0;
    }
    return bus_fail(err, &e, what);
}

/* request() for a call whose reply carries nothing we read */
static int request_done(cg_bus *b, DBusMessage *m, const char *what, bool missing_ok,
                        weft_error **err)
{
    DBusMessage *r;
    if (request(b, m, what, missing_ok, &r, err) < 0)
        return -1;
    if (r != NULL)
        dbus_message_unref(r);
    return 0;
}

/* A bus daemon wants Hello first (systemd's private socket is peer to peer). */
static int say_hello(cg_bus *b, weft_error **err)
{
    DBusMessage *m = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS,
                                                  DBUS_INTERFACE_DBUS, "Hello");
    if (m == NULL)
        xoom();
    return request_done(b, m, "Hello", false, err);
}

static int connect_to(const char *address, bool hello, cg_bus **out, weft_error **err)
{
    cg_bus *b = xzalloc(sizeof *b);
    if (cg_bus_socket_open(address, CALL_TIMEOUT_MS, &b->sock, err) < 0 ||
        (hello && say_hello(b, err) < 0)) {
        cg_bus_close(b);
        return -1;
    }
    *out = b;
    return 0;
}

int cg_bus_open(bool user, cg_bus **out, weft_error **err)
{
    cleanup_free char *bus = NULL, *private = NULL;
    if (user) {
        const char *env = getenv("DBUS_SESSION_BUS_ADDRESS");
        const char *rt = getenv("XDG_RUNTIME_DIR");
        if (env != NULL)
            bus = xstrdup(env);
        else if (rt != NULL)
            bus = xasprintf("unix:path=%s/bus", rt);
        if (rt != NULL)
        private = xasprintf("unix:path=%s/systemd/private", rt);
        if (bus == NULL && private == NULL)
            return werr_set(err, 0,
                            "systemd cgroup driver: no user bus (neither "
                            "DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set)");
    } else {
        const char *env = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        bus = xstrdup(env ? env : "unix:path=/run/dbus/system_bus_socket");
        private = xstrdup("unix:path=/run/systemd/private");
    }
    weft_error *first = NULL;
    if (bus != NULL && connect_to(bus, true, out, &first) == 0)
        return 0;
    /* no bus daemon: systemd's own socket, peer to peer (no Hello) */
    if (private != NULL && connect_to(private, false, out, err) == 0) {
        werr_free(first);
        return 0;
    }
    if (first != NULL) { /* the bus's reason is the one worth reading */
        werr_free(*err);
        *err = first;
    }
    return -1;
}

void cg_bus_close(cg_bus *b)
{
    if (b == NULL)
        return;
    cg_bus_socket_close(b->sock);
    free(b);
}

static DBusMessage *manager_call(const char *method)
{
    DBusMessage *m = dbus_message_new_method_call(SD_DEST, SD_PATH, SD_MANAGER, method);
    if (m == NULL)
        xoom();
    return m;
}

/* Properties.Get of a string property; *out "" if it is not a string. */
static int get_string(cg_bus *b, const char *path, const char *iface, const char *prop, char **out,
                      weft_error **err)
{
    DBusMessage *m =
        dbus_message_new_method_call(SD_DEST, path, "org.freedesktop.DBus.Properties", "Get");
    if (m == NULL)
        xoom();
    dbus_message_append_args(m, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
                             DBUS_TYPE_INVALID);
    DBusMessage *r;
    if (request(b, m, prop, false, &r, err) < 0)
        return -1;
    DBusMessageIter it, var;
    const char *s = "";
    if (dbus_message_iter_init(r, &it) &&
        dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_VARIANT) {
        dbus_message_iter_recurse(&it, &var);
        if (dbus_message_iter_get_arg_type(&var) == DBUS_TYPE_STRING)
            dbus_message_iter_get_basic(&var, &s);
    }
    *out = xstrdup(s);
    dbus_message_unref(r);
    return 0;
}

int cg_bus_manager_cgroup(cg_bus *b, char **out, weft_error **err)
{
    if (get_string(b, SD_PATH, SD_MANAGER, "ControlGroup", out, err) < 0)
        return -1;
    if (strcmp(*out, "/") == 0)
        (*out)[0] = '\0';
    return 0;
}

/* The object path of a loaded unit; NULL (no error) when there is none. */
static int unit_path(cg_bus *b, const char *unit, char **out, weft_error **err)
{
    DBusMessage *m = manager_call("GetUnit");
    dbus_message_append_args(m, DBUS_TYPE_STRING, &unit, DBUS_TYPE_INVALID);
    DBusMessage *r;
    *out = NULL;
    if (request(b, m, unit, true, &r, err) < 0)
        return -1;
    if (r == NULL) /* no such unit */
        return 0;
    DBusError e;
    dbus_error_init(&e);
    const char *path = NULL;
    if (!dbus_message_get_args(r, &e, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID)) {
        dbus_message_unref(r);
        return bus_fail(err, &e, unit);
    }
    *out = xstrdup(path);
    dbus_message_unref(r);
    return 0;
}

int cg_bus_unit_prop(cg_bus *b, const char *unit, const char *prop, char **out, weft_error **err)
{
    cleanup_free char *path = NULL;
    if (unit_path(b, unit, &path, err) < 0)
        return -1;
    if (path == NULL) {
        *out = xstrdup("");
        return 0;
    }
    return get_string(b, path, "org.freedesktop.systemd1.Unit", prop, out, err);
}

int cg_bus_unit_state(cg_bus *b, const char *unit, char **out, weft_error **err)
{
    return cg_bus_unit_prop(b, unit, "ActiveState", out, err);
}

static void append_prop(DBusMessageIter *arr, const cg_prop *p)
{
    DBusMessageIter st, var, sub;
    static const char *const sigs[] = {"t", "b", "s", "ay", "au"};
    const char *sig = p->type == 't'   ? sigs[0]
                      : p->type == 'b' ? sigs[1]
                      : p->type == 's' ? sigs[2]
                      : p->type == 'y' ? sigs[3]
                                       : sigs[4];
    dbus_message_iter_open_container(arr, DBUS_TYPE_STRUCT, NULL, &st);
    dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &p->name);
    dbus_message_iter_open_container(&st, DBUS_TYPE_VARIANT, sig, &var);
    if (p->type == 't') {
        dbus_uint64_t v = p->t;
        dbus_message_iter_append_basic(&var, DBUS_TYPE_UINT64, &v);
    } else if (p->type == 'b') {
        dbus_bool_t v = p->t != 0;
        dbus_message_iter_append_basic(&var, DBUS_TYPE_BOOLEAN, &v);
    } else if (p->type == 's') {
        dbus_message_iter_append_basic(&var, DBUS_TYPE_STRING, &p->s);
    } else if (p->type == 'y') {
        const unsigned char *bytes = p->bytes;
        dbus_message_iter_open_container(&var, DBUS_TYPE_ARRAY, "y", &sub);
        dbus_message_iter_append_fixed_array(&sub, DBUS_TYPE_BYTE, &bytes, (int)p->n_bytes);
        dbus_message_iter_close_container(&var, &sub);
    } else {
        dbus_uint32_t pid = (dbus_uint32_t)p->t;
        dbus_message_iter_open_container(&var, DBUS_TYPE_ARRAY, "u", &sub);
        dbus_message_iter_append_basic(&sub, DBUS_TYPE_UINT32, &pid);
        dbus_message_iter_close_container(&var, &sub);
    }
    dbus_message_iter_close_container(&st, &var);
    dbus_message_iter_close_container(arr, &st);
}

static void append_props(DBusMessageIter *it, const cg_props *p)
{
    DBusMessageIter arr;
    dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, "(sv)", &arr);
    for (size_t i = 0; i < p->n; i++)
        append_prop(&arr, &p->v[i]);
    dbus_message_iter_close_container(it, &arr);
}

static void sleep_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Poll ActiveState until it is one of `want` (comma list; "" = gone). */
static int wait_state(cg_bus *b, const char *unit, const char *want, weft_error **err)
{
    cleanup_free char *last = NULL;
    for (int i = 0; i < 500; i++) {
        free(last);
        last = NULL;
        if (cg_bus_unit_state(b, unit, &last, err) < 0)
            return -1;
        if (cg_list_has(want, last) || (last[0] == '\0' && strstr(want, ",,") != NULL))
            return 0;
        if (strcmp(last, "failed") == 0)
            break;
        sleep_ms(i < 20 ? 2 : 10);
    }
    return werr_set(err, 0, "systemd cgroup driver: %s is %s", unit,
                    last && last[0] ? last : "gone");
}

int cg_bus_start(cg_bus *b, const char *unit, const cg_props *p, weft_error **err)
{
    DBusMessage *m = manager_call("StartTransientUnit");
    DBusMessageIter it, aux;
    const char *mode = "fail";
    dbus_message_iter_init_append(m, &it);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &unit);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &mode);
    append_props(&it, p);
    dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sa(sv))", &aux);
    dbus_message_iter_close_container(&it, &aux);
    if (request_done(b, m, unit, false, err) < 0)
        return -1;
    return wait_state(b, unit, "active", err);
}

int cg_bus_set(cg_bus *b, const char *unit, const cg_props *p, weft_error **err)
{
    DBusMessage *m = manager_call("SetUnitProperties");
    DBusMessageIter it;
    dbus_bool_t runtime = TRUE;
    dbus_message_iter_init_append(m, &it);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &unit);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_BOOLEAN, &runtime);
    append_props(&it, p);
    return request_done(b, m, unit, false, err);
}

int cg_bus_stop(cg_bus *b, const char *unit, weft_error **err)
{
    DBusMessage *m = manager_call("StopUnit");
    const char *mode = "replace";
    dbus_message_append_args(m, DBUS_TYPE_STRING, &unit, DBUS_TYPE_STRING, &mode,
                             DBUS_TYPE_INVALID);
    DBusMessage *r;
    if (request(b, m, unit, true, &r, err) < 0)
        return -1;
    if (r == NULL) /* no such unit: nothing to stop */
        return 0;
    dbus_message_unref(r);
    if (wait_state(b, unit, "inactive,failed,,", err) < 0)
        return -1;
    /* a failed unit stays loaded until reset: leave nothing (an error here
     * means there was nothing to reset) */
    m = manager_call("ResetFailedUnit");
    dbus_message_append_args(m, DBUS_TYPE_STRING, &unit, DBUS_TYPE_INVALID);
    weft_error *ignored = NULL;
    request_done(b, m, unit, true, &ignored);
    werr_free(ignored);
    return 0;
}

bool cgroup_systemd_supported(void)
{
    return true;
}
