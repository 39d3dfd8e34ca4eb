/* SPDX-License-Identifier: MIT */
/* `hvsim layout [--json]`: the sizes that matter, from every area's list. */
#include <stdio.h>

#include "cli.h"
#include "hvsim.h"

static void usage(void)
{
    printf("usage: hvsim layout [--json]\n"
           "  Prints the sizes of hvcore's structures and the counts derived\n"
           "  from them, one per line.\n"
           "  --json   one JSON object instead\n");
}

int hvsim_cmd_layout(int argc, char **argv)
{
    const struct layout_entry *e;
    unsigned int i;
    bool first = true, json = false;
    const struct cli_opt opts[] = {
        { "json", CLI_FLAG, &json, 0, 0, 0, NULL },
        { 0 },
    };
    struct cli cli = { .prog = "hvsim layout", .usage = usage };
    int rc = cli_parse(&cli, opts, argc, argv, 0, NULL);

    if ( rc )
        return cli_exit_status(rc);
    if ( json )
        putchar('{');
    for ( i = 0; hvsim_layout_lists[i]; i++ )
        for ( e = hvsim_layout_lists[i]; e->name; e++ )
        {
            if ( json )
                printf("%s\"%s\":%llu", first ? "" : ",", e->name, e->value);
            else
                printf("%-40s %llu\n", e->name, e->value);
            first = false;
        }
    if ( json )
        printf("}\n");
    return 0;
}
