/* The host functions of each WASI module name with their wasm signatures
 * ('i' i32, 'I' i64). Every function returns an errno as i32 except
 * proc_exit. wasi_unstable (snapshot_0) shares everything except where its
 * witx had other layouts or numbers: filestat (u32 nlink), whence order and
 * the clock subscription (extra identifier); it has no sock_accept. */
#include "wasi/internal.h"

/* The functions both module names share, with the same signature and layout. */
#define WASI_COMMON_FUNCS                                                                          \
    {"args_get", "ii", "i", wasi_args_get}, {"args_sizes_get", "ii", "i", wasi_args_sizes_get},    \
        {"clock_res_get", "ii", "i", wasi_clock_res_get},                                          \
        {"clock_time_get", "iIi", "i", wasi_clock_time_get},                                       \
        {"environ_get", "ii", "i", wasi_environ_get},                                              \
        {"environ_sizes_get", "ii", "i", wasi_environ_sizes_get},                                  \
        {"fd_advise", "iIIi", "i", wasi_fd_advise}, {"fd_allocate", "iII", "i", wasi_fd_allocate}, \
        {"fd_close", "i", "i", wasi_fd_close}, {"fd_datasync", "i", "i", wasi_fd_datasync},        \
        {"fd_fdstat_get", "ii", "i", wasi_fd_fdstat_get},                                          \
        {"fd_fdstat_set_flags", "ii", "i", wasi_fd_fdstat_set_flags},                              \
        {"fd_fdstat_set_rights", "iII", "i", wasi_fd_fdstat_set_rights},                           \
        {"fd_filestat_set_size", "iI", "i", wasi_fd_filestat_set_size},                            \
        {"fd_filestat_set_times", "iIIi", "i", wasi_fd_filestat_set_times},                        \
        {"fd_pread", "iiiIi", "i", wasi_fd_pread},                                                 \
        {"fd_prestat_dir_name", "iii", "i", wasi_fd_prestat_dir_name},                             \
        {"fd_prestat_get", "ii", "i", wasi_fd_prestat_get},                                        \
        {"fd_pwrite", "iiiIi", "i", wasi_fd_pwrite}, {"fd_read", "iiii", "i", wasi_fd_read},       \
        {"fd_readdir", "iiiIi", "i", wasi_fd_readdir},                                             \
        {"fd_renumber", "ii", "i", wasi_fd_renumber}, {"fd_sync", "i", "i", wasi_fd_sync},         \
        {"fd_tell", "ii", "i", wasi_fd_tell}, {"fd_write", "iiii", "i", wasi_fd_write},            \
        {"path_create_directory", "iii", "i", wasi_path_create_directory},                         \
        {"path_filestat_set_times", "iiiiIIi", "i", wasi_path_filestat_set_times},                 \
        {"path_link", "iiiiiii", "i", wasi_path_link},                                             \
        {"path_open", "iiiiiIIii", "i", wasi_path_open},                                           \
        {"path_readlink", "iiiiii", "i", wasi_path_readlink},                                      \
        {"path_remove_directory", "iii", "i", wasi_path_remove_directory},                         \
        {"path_rename", "iiiiii", "i", wasi_path_rename},                                          \
        {"path_symlink", "iiiii", "i", wasi_path_symlink},                                         \
        {"path_unlink_file", "iii", "i", wasi_path_unlink_file},                                   \
        {"proc_exit", "i", "", wasi_proc_exit}, {"proc_raise", "i", "i", wasi_proc_raise},         \
        {"random_get", "ii", "i", wasi_random_get}, {"sched_yield", "", "i", wasi_sched_yield},    \
        {"sock_recv", "iiiiii", "i", wasi_sock_recv}, {"sock_send", "iiiii", "i", wasi_sock_send}, \
        {"sock_shutdown", "ii", "i", wasi_sock_shutdown},

const wasi_func wasi_preview1_funcs[] = {
    WASI_COMMON_FUNCS{"fd_filestat_get", "ii", "i", wasi_fd_filestat_get},
    {"fd_seek", "iIii", "i", wasi_fd_seek},
    {"path_filestat_get", "iiiii", "i", wasi_path_filestat_get},
    {"poll_oneoff", "iiii", "i", wasi_poll_oneoff},
    {"sock_accept", "iii", "i", wasi_sock_accept},
    {0},
};

/* snapshot_0: its own filestat, whence and subscription layouts; no sock_accept. */
const wasi_func wasi_unstable_funcs[] = {
    WASI_COMMON_FUNCS{"fd_filestat_get", "ii", "i", wasi0_fd_filestat_get},
    {"fd_seek", "iIii", "i", wasi0_fd_seek},
    {"path_filestat_get", "iiiii", "i", wasi0_path_filestat_get},
    {"poll_oneoff", "iiii", "i", wasi0_poll_oneoff},
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
