/* The AOT cache on disk: where cached machine code lives, its content
 * address, writing a file atomically (0644, rename) and opening one for
 * reading only. The file format is jit/jit_aot.c's; docs/wasm-engine.md
 * ("The AOT cache") describes both. */
#ifndef WEFT_WASM_AOT_CACHE_H
#define WEFT_WASM_AOT_CACHE_H

#include "util/error.h"
#include "wasm/wasm.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* The cache directory (malloc'd): $WEFT_WASM_CACHE if set (a directory, or
 * "off": NULL, no cache), else /var/cache/weft/aot for root, else
 * $XDG_CACHE_HOME/weft/aot, else $HOME/.cache/weft/aot; NULL where none
 * applies. */
char *wf_aot_cache_dir(void);

/* The file a module's code is cached in: DIR/KEY.aot, KEY the hex SHA-256
 * of the module's bytes, this weft's version and build, and the CPU
 * features the code uses (malloc'd). */
char *wf_aot_cache_path(const char *dir, const uint8_t *bytes, size_t len);

/* The index from a module file's identity to its cache file, so that the
 * host side finds a container's file without reading or hashing the
 * module: DIR/stat-HASH.idx, HASH over the module file's device, inode,
 * size, modification and change times, holding the cache file's name. An
 * entry is written only by the host side after it read and hashed a file
 * whose identity held still during the read and that had been left alone
 * for WF_AOT_SETTLED_SEC (wf_aot_settled): any later change to the file
 * gives it another change time (the kernel sets it; no one can set it
 * back), so the entry then names the file's content. A container whose
 * entrypoint has exactly that identity before and after it reads it is
 * spared hashing it (wf_aot_load_module, vouched). */
char *wf_aot_index_path(const char *dir, const struct stat *st);
/* The cache file the index entry at idx names (malloc'd), or NULL when
 * there is no such entry (or it is not root's or ours, or malformed). */
char *wf_aot_index_lookup(const char *dir, const char *idx);
/* Record that the module file of idx has the cache file at path. */
int wf_aot_index_add(const char *idx, const char *path, weft_error **err);
/* A file's times are coarse (the kernel's clock tick): a change within the
 * tick of the previous one may leave them as they were. A file neither
 * modified nor changed for this long is past that, and the index may name
 * its content. */
#define WF_AOT_SETTLED_SEC 2
bool wf_aot_settled(const struct stat *st);
/* whether a and b are the same file with the same size and times */
bool wf_aot_same_file(const struct stat *a, const struct stat *b);
/* whether the file at fd, seen as *before and then read whole (len
 * bytes), held still meanwhile: the same identity after, nothing cut */
bool wf_aot_held_still(int fd, const struct stat *before, size_t len);

/* Compile all of m (loaded from bytes) into a cache file's bytes. */
int wf_aot_build(const wf_module *m, const uint8_t *bytes, size_t len, uint8_t **out,
                 size_t *outlen, weft_error **err);

/* Write data to path atomically: a temporary file in the same directory,
 * mode 0644, fsync'd, renamed over path; the directory is created (0755)
 * when missing. */
int wf_aot_write(const char *path, const uint8_t *data, size_t len, weft_error **err);

/* Open path read-only (O_NOFOLLOW): a regular file owned by root or by us,
 * writable by no one else. -1 (errno ENOENT when there is none). */
int wf_aot_open(const char *path, weft_error **err);

/* Use the cached code read from fd for m (loaded from bytes): 0 when the
 * module now runs it; -1 with the reason when the file is rejected (m is
 * unchanged and compiles on first call as usual). fd is not closed. */
int wf_aot_use(wf_module *m, const uint8_t *bytes, size_t len, int fd, weft_error **err);

/* Build m's cache file in memory and load it back into m (the test suites'
 * WEFT_WASM_TIER=aot: every module runs its code from the file format). A no-op
 * where m is interpreted. */
int wf_aot_roundtrip(wf_module *m, const uint8_t *bytes, size_t len, weft_error **err);

/* The whole lookup, for a module m loaded from bytes and about to run:
 * path (NULL: the cache directory's file for bytes) opened with
 * wf_aot_open and used. Never fails: a missing or rejected file leaves m
 * compiling on first call, with one debug line saying why; true when the
 * cached code is used. Nothing is done where m is interpreted. */
bool wf_aot_try(wf_module *m, const uint8_t *bytes, size_t len, const char *path);
/* The same with an fd opened by wf_aot_open (path names it in the log). */
bool wf_aot_try_fd(wf_module *m, const uint8_t *bytes, size_t len, int fd, const char *path);

/* wf_module_load_budget followed by wf_aot_try_fd (fd >= 0) or wf_aot_try
 * (fd < 0), except that the file is tried before the function bodies are
 * validated: a file accepted for these bytes was written by this weft after
 * it validated them, so the bodies are validated only as they are first
 * translated (docs/wasm-engine.md, "Validation with a warm cache"). bytes
 * (malloc'd) become the module's on success, which keeps them instead of a
 * copy of its code section; on failure they are still the caller's.
 * vouched (with fd >= 0): the index vouched for bytes as the content the
 * file was compiled from (the caller read them from a file with the
 * identity the index names, unchanged while read: aot_cache.h's index), so
 * the file's module hash is taken as theirs instead of hashing them. */
int wf_aot_load_module(uint8_t *bytes, size_t len, const char *name, uint64_t budget, int fd,
                       const char *path, bool vouched, wf_module **out, weft_error **err);

#endif
