/* The host functions of each WASI module name with their wasm signatures
 * ('i' i32, 'I' i64). Every function returns an errno as i32 except
 * proc_exit. wasi_unstable (snapshot_0) shares everything except where its
 * witx had other layouts or numbers: filestat (u32 nlink), whence order and
 * the clock subscription (extra identifier); it has no sock_accept. */
#include "wasi/internal.h"

#define F(n, p, fn) {#n, p, "i", fn}

#define COMMON_FUNCS                                                                               \
    F(args_get, "ii", wasi_args_get), F(args_sizes_get, "ii", wasi_args_sizes_get),                \
        F(environ_get, "ii", wasi_environ_get),                                                    \
        F(environ_sizes_get, "ii", wasi_environ_sizes_get),                                        \
        F(clock_res_get, "ii", wasi_clock_res_get), F(clock_time_get, "iIi", wasi_clock_time_get), \
        F(fd_advise, "iIIi", wasi_fd_advise), F(fd_allocate, "iII", wasi_fd_allocate),             \
        F(fd_close, "i", wasi_fd_close), F(fd_datasync, "i", wasi_fd_datasync),                    \
        F(fd_fdstat_get, "ii", wasi_fd_fdstat_get),                                                \
        F(fd_fdstat_set_flags, "ii", wasi_fd_fdstat_set_flags),                                    \
        F(fd_fdstat_set_rights, "iII", wasi_fd_fdstat_set_rights),                                 \
        F(fd_filestat_set_size, "iI", wasi_fd_filestat_set_size),                                  \
        F(fd_filestat_set_times, "iIIi", wasi_fd_filestat_set_times),                              \
        F(fd_pread, "iiiIi", wasi_fd_pread), F(fd_prestat_get, "ii", wasi_fd_prestat_get),         \
        F(fd_prestat_dir_name, "iii", wasi_fd_prestat_dir_name),                                   \
        F(fd_pwrite, "iiiIi", wasi_fd_pwrite), F(fd_read, "iiii", wasi_fd_read),                   \
        F(fd_readdir, "iiiIi", wasi_fd_readdir), F(fd_renumber, "ii", wasi_fd_renumber),           \
        F(fd_sync, "i", wasi_fd_sync), F(fd_tell, "ii", wasi_fd_tell),                             \
        F(fd_write, "iiii", wasi_fd_write),                                                        \
        F(path_create_directory, "iii", wasi_path_create_directory),                               \
        F(path_filestat_set_times, "iiiiIIi", wasi_path_filestat_set_times),                       \
        F(path_link, "iiiiiii", wasi_path_link), F(path_open, "iiiiiIIii", wasi_path_open),        \
        F(path_readlink, "iiiiii", wasi_path_readlink),                                            \
        F(path_remove_directory, "iii", wasi_path_remove_directory),                               \
        F(path_rename, "iiiiii", wasi_path_rename), F(path_symlink, "iiiii", wasi_path_symlink),   \
        F(path_unlink_file, "iii", wasi_path_unlink_file), {"proc_exit", "i", "", wasi_proc_exit}, \
        F(proc_raise, "i", wasi_proc_raise), F(sched_yield, "", wasi_sched_yield),                 \
        F(random_get, "ii", wasi_random_get), F(sock_recv, "iiiiii", wasi_sock_recv),              \
        F(sock_send, "iiiii", wasi_sock_send), F(sock_shutdown, "ii", wasi_sock_shutdown)

const wasi_func wasi_preview1_funcs[] = {
    COMMON_FUNCS,
    F(fd_filestat_get, "ii", wasi_fd_filestat_get),
    F(fd_seek, "iIii", wasi_fd_seek),
    F(path_filestat_get, "iiiii", wasi_path_filestat_get),
    F(poll_oneoff, "iiii", wasi_poll_oneoff),
    F(sock_accept, "iii", wasi_sock_accept),
    {0},
};

const wasi_func wasi_unstable_funcs[] = {
    COMMON_FUNCS,
    F(fd_filestat_get, "ii", wasi0_fd_filestat_get),
    F(fd_seek, "iIii", wasi0_fd_seek),
    F(path_filestat_get, "iiiii", wasi0_path_filestat_get),
    F(poll_oneoff, "iiii", wasi0_poll_oneoff),
    {0},
};

const wasi_func *wasi_find_func(const wasi_func *table, const char *name)
{
    for (const wasi_func *f = table; f->name != NULL; f++) {
        if (strcmp(f->name, name) == 0)
            return f;
    }
    return NULL;
}
