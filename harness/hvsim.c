/* SPDX-License-Identifier: MIT */
/*
 * hvsim: the simulator's command line.  Each subcommand is a function in
 * its own file; the table below is the whole list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvsim.h"
#include "hvsim_subcommands.h"

struct subcommand {
    const char *name;
    const char *summary;
    int (*fn)(int argc, char **argv);
};

static const struct subcommand subcommands[] = {
    { "world", "create a simulated host with pCPUs and domains, report it, tear it down",
      hvsim_cmd_world },
    { "layout", "print the sizes of hvcore's structures (--json for one JSON object)",
      hvsim_cmd_layout },
    HVSIM_EXTRA_SUBCOMMANDS
    { NULL, NULL, NULL },
};

int hvsim_parse_uint(const char *s, unsigned long long max,
                     unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if ( !s || !*s || *s == '-' )
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if ( errno || *end || v == 0 || v > max )
        return -1;
    *out = v;
    return 0;
}

static void usage(FILE *f)
{
    const struct subcommand *c;

    fprintf(f, "usage: hvsim <command> [options]   (hvsim <command> --help)\n\n"
               "commands:\n");
    for ( c = subcommands; c->name; c++ )
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
}

int main(int argc, char **argv)
{
    const struct subcommand *c;

    if ( argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") )
    {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for ( c = subcommands; c->name; c++ )
        if ( !strcmp(argv[1], c->name) )
            return c->fn(argc - 1, argv + 1);
    fprintf(stderr, "hvsim: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
