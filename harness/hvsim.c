/* SPDX-License-Identifier: MIT */
/*
 * hvsim: the simulator's command line.  Each subcommand is a function in
 * its own file; the table below is the whole list.  `hvsim help CMD ...`
 * is `hvsim CMD ... --help`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hvsim.h"
#include "hvsim_subcommands.h"

struct subcommand {
    const char *name;
    const char *summary;
    int (*fn)(int argc, char **argv); /* NULL: help */
};

static const struct subcommand subcommands[] = {
    { "world", "create a simulated host with pCPUs and domains, report it, tear it down",
      hvsim_cmd_world },
    { "layout", "print the sizes of hvcore's structures (--json for one JSON object)",
      hvsim_cmd_layout },
    HVSIM_EXTRA_SUBCOMMANDS
    { "help", "hvsim help COMMAND [SUBCOMMAND]: hvsim COMMAND [SUBCOMMAND] --help",
      NULL },
    { NULL, NULL, NULL },
};

#define NR_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

/* The subcommands' names, for cli_command. */
static const char *names[NR_SUBCOMMANDS];

static void usage(void)
{
    const struct subcommand *c;

    printf("usage: hvsim <command> [options]   (hvsim <command> --help)\n\n"
           "commands:\n");
    for ( c = subcommands; c->name; c++ )
        printf("  %-10s %s\n", c->name, c->summary);
}

/*
 * Runs the subcommand that `argv` (after its program name and options)
 * names, with the rest of `argv`; returns the exit status.
 */
static int run(struct cli *c, int argc, char **argv)
{
    int i = cli_command(c, argc, argv, names);

    if ( i < 0 )
        return cli_exit_status(i);
    if ( !subcommands[i].fn ) /* `hvsim help help` */
    {
        usage();
        return 0;
    }
    return subcommands[i].fn(argc - c->operand, argv + c->operand);
}

int main(int argc, char **argv)
{
    struct cli c = { .prog = "hvsim", .usage = usage };
    struct cli help = { .prog = "hvsim help", .usage = usage };
    unsigned int i;

    for ( i = 0; subcommands[i].name; i++ )
        names[i] = subcommands[i].name;
    names[i] = NULL;
    if ( argc < 2 || strcmp(argv[1], "help") )
        return run(&c, argc, argv);
    /* `hvsim help [CMD ARGS...]` is `hvsim [CMD ARGS...] --help`, in
     * argv's own slots ("help" moves to the end as "--help"). */
    memmove(argv + 1, argv + 2, (size_t)(argc - 2) * sizeof(*argv));
    argv[argc - 1] = (char *)"--help";
    return run(&help, argc, argv);
}
