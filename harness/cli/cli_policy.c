/* SPDX-License-Identifier: MIT */
/*
 * cli_read_policy: a `--policy FILE` read and checked once, before any
 * work starts, so that a bad file is one line naming it, not a world that
 * fails to start later on.
 */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"
#include "world.h"

/** See cli.h. */
int cli_read_policy(const struct cli *c, const char *opt, const char *path,
                    void **data, size_t *size)
{
    int rc = cli_read_file(path, data, size);

    if ( rc )
    {
        cli_bad_value(c, opt, path, "cannot read: %s", cli_errno_name(rc));
        return CLI_ERROR;
    }
    rc = world_check_policy(*data, *size);
    if ( rc )
    {
        if ( rc == -EOPNOTSUPP )
            cli_bad_value(c, opt, path, "FLASK is not built in");
        else
            cli_bad_value(c, opt, path, "not a FLASK policy hvcore loads: %s",
                          cli_errno_name(rc));
        free(*data);
        *data = NULL;
        return CLI_ERROR;
    }
    return 0;
}
