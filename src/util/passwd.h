/* Host user names, read from /etc/passwd without NSS.
 *
 * weft is linked statically, and glibc's getpwuid() would then load NSS
 * modules at run time. runc reads /etc/passwd itself for the same reason;
 * a user known only to a directory service shows as its number. */
#ifndef WEFT_UTIL_PASSWD_H
#define WEFT_UTIL_PASSWD_H

#include <sys/types.h>

/* The name of uid in the passwd file at path, else "#UID" as runc shows it.
 * Never NULL; free() it. */
char *passwd_user_name(const char *path, uid_t uid);

#endif
