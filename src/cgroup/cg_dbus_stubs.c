/* libdbus-1.a refers to two libsystemd functions from its server side
 * (socket activation of a bus daemon), which weft never uses and for which
 * Debian ships no static libsystemd: they say "no socket passed". */
int sd_listen_fds(int unset_environment);
int sd_is_socket(int fd, int family, int type, int listening);

int sd_listen_fds(int unset_environment)
{
    (void)unset_environment;
    return 0;
}

int sd_is_socket(int fd, int family, int type, int listening)
{
    (void)fd, (void)family, (void)type, (void)listening;
    return 0;
}
