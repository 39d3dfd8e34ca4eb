/* SPDX-License-Identifier: MIT */
/* `hvsim layout [--json]`: the sizes that matter, from every area's list. */
#include <stdio.h>
#include <string.h>

#include "hvsim.h"

int hvsim_cmd_layout(int argc, char **argv)
{
    bool json = argc > 1 && !strcmp(argv[1], "--json");
    const struct layout_entry *e;
    unsigned int i;
    bool first = true;

    if ( argc > 2 || (argc == 2 && !json) )
    {
        fprintf(stderr, "usage: hvsim layout [--json]\n");
        return 2;
    }
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
