/* Built without libdbus-1 (-Dsystemd=disabled): the systemd driver says so. */
#include "cgroup/cg_internal.h"

static int unavailable(weft_error **err)
{
    return werr_set(err, 0,
                    "systemd cgroup driver: this weft was built without D-Bus support "
                    "(-Dsystemd=disabled, or libdbus-1-dev missing)");
}

int cg_bus_open(bool user, cg_bus **out, weft_error **err)
{
    (void)user, (void)out;
    return unavailable(err);
}

void cg_bus_close(cg_bus *b)
{
    (void)b;
}

int cg_bus_manager_cgroup(cg_bus *b, char **out, weft_error **err)
{
    (void)b, (void)out;
    return unavailable(err);
}

int cg_bus_unit_state(cg_bus *b, const char *unit, char **out, weft_error **err)
{
    (void)b, (void)unit, (void)out;
    return unavailable(err);
}

int cg_bus_unit_prop(cg_bus *b, const char *unit, const char *prop, char **out, weft_error **err)
{
    (void)b, (void)unit, (void)prop, (void)out;
    return unavailable(err);
}

int cg_bus_start(cg_bus *b, const char *unit, const cg_props *p, weft_error **err)
{
    (void)b, (void)unit, (void)p;
    return unavailable(err);
}

int cg_bus_set(cg_bus *b, const char *unit, const cg_props *p, weft_error **err)
{
    (void)b, (void)unit, (void)p;
    return unavailable(err);
}

int cg_bus_stop(cg_bus *b, const char *unit, weft_error **err)
{
    (void)b, (void)unit;
    return unavailable(err);
}

bool cgroup_systemd_supported(void)
{
    return false;
}
