/* hostname and domainname of the container's UTS namespace. */
#include "linux/fs.h"

#include <string.h>
#include <unistd.h>

static bool has_uts(const oci_spec *spec)
{
    for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
        if (spec->linux_.namespaces[i].type == OCI_NS_UTS)
            return true;
    return false;
}

int linux_set_hostname(const oci_spec *spec, weft_error **err)
{
    const char *host = spec->hostname, *domain = spec->domainname;
    char q[WERR_CLIP_BUF];
    if ((host == NULL || host[0] == '\0') && (domain == NULL || domain[0] == '\0'))
        return 0;
    /* Without its own UTS namespace this would rename the host. */
    if (!has_uts(spec))
        return werr_set(err, 0, "%s needs a UTS namespace (linux.namespaces has no \"uts\")",
                        host && host[0] ? "hostname" : "domainname");
    if (host != NULL && host[0] != '\0' && sethostname(host, strlen(host)) < 0)
        return werr_sys(err, "hostname \"%s\"", werr_clip(q, host));
    if (domain != NULL && domain[0] != '\0' && setdomainname(domain, strlen(domain)) < 0)
        return werr_sys(err, "domainname \"%s\"", werr_clip(q, domain));
    return 0;
}
