/* A connection to a D-Bus bus or to systemd's private socket, with our own
 * handshake (cg_bus_socket.c says why) and libdbus's messages. */
#ifndef WEFT_CGROUP_CG_BUS_SOCKET_H
#define WEFT_CGROUP_CG_BUS_SOCKET_H

#include "util/error.h"

#include <dbus/dbus.h>

typedef struct cg_bus_socket cg_bus_socket;

/* Connect to a D-Bus address ("unix:path=...", entries separated by ';')
 * and authenticate with the socket's credentials. */
int cg_bus_socket_open(const char *address, int timeout_ms, cg_bus_socket **out, weft_error **err);
void cg_bus_socket_close(cg_bus_socket *s);
/* Send m (its serial is set here) and wait for its reply, skipping signals.
 * NULL with *e set on the bus's error reply or a failure of the transport. */
DBusMessage *cg_bus_socket_call(cg_bus_socket *s, DBusMessage *m, int timeout_ms, DBusError *e);

#endif
