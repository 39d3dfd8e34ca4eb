/* SPDX-License-Identifier: MIT */
/*
 * cli_errno_name: hvcore's errnos by name, for the harness programs'
 * messages.  The table is common/errno.h's list (Xen's values, which are
 * Linux's too, so a host errno from open or read has the same name).
 */
#include <stdio.h>

#include <common/errno.h>

#include "cli.h"

struct errno_name {
    int err;
    const char *name;
};

#define E(x) { x, #x }
static const struct errno_name errno_names[] = {
    E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
    E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
    E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(EISDIR),
    E(EINVAL), E(ENFILE), E(EMFILE), E(ENOSPC), E(ESPIPE), E(EROFS),
    E(EMLINK), E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK),
    E(ENOSYS), E(ENOTEMPTY), E(ENODATA), E(ETIME), E(EBADMSG), E(EOVERFLOW),
    E(EILSEQ), E(ERESTART), E(ENOTSOCK), E(EOPNOTSUPP), E(EADDRINUSE),
    E(EADDRNOTAVAIL), E(ENOBUFS), E(EISCONN), E(ENOTCONN), E(ETIMEDOUT),
    E(ECONNREFUSED),
};
#undef E

/** See cli.h. */
const char *cli_errno_name(int err)
{
    static char unknown[24];
    size_t i;

    if ( err < 0 )
        err = -err;
    for ( i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++ )
        if ( errno_names[i].err == err )
            return errno_names[i].name;
    snprintf(unknown, sizeof(unknown), "errno %d", err);
    return unknown;
}
