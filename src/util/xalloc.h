/* Allocation that cannot fail: running out of memory aborts in one place
 * (as crun does) instead of being half-handled in a thousand. */
#ifndef WEFT_UTIL_XALLOC_H
#define WEFT_UTIL_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

_Noreturn void xoom(void);
void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
/* xcalloc for a large block about to be filled whole: its pages are
 * populated with one system call (MADV_POPULATE_WRITE) instead of a page
 * fault each, where the kernel can (5.14+; elsewhere a fault a page as
 * with xcalloc). */
void *xcalloc_populated(size_t nmemb, size_t size);
/* The same for the whole pages inside [p, p+n) of a block of at least
 * 256 KiB (smaller ones: nothing): best effort, never fails. */
void xpopulate(void *p, size_t n);
void *xrealloc(void *p, size_t n);
/* realloc to nmemb*size with overflow check */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
