/* SPDX-License-Identifier: MIT */
/*
 * The command lines of the harness programs (hvsim and its subcommands,
 * hvbench): options described by a table and read with glibc's
 * getopt_long, one number parser, and one-line errors.  The rules every
 * command follows:
 *   - `-h` and `--help` print the usage on stdout and exit 0;
 *   - a user error prints ONE line on stderr naming the option, the value
 *     and what is allowed (`hvsim world: --cpus 1000: must be 1..64`) and
 *     exits CLI_EXIT_USAGE;
 *   - hvcore's errors are printed by name (ENOMEM), never as numbers.
 */
#ifndef HARNESS_CLI_H
#define HARNESS_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* The exit status of a usage error (as every getopt-based tool). */
#define CLI_EXIT_USAGE 2

/* Where a parse stops early: cli_parse's and cli_command's returns. */
#define CLI_HELP (-2)   /* -h or --help: the usage was printed, exit 0 */
#define CLI_ERROR (-3)  /* a usage error, already reported */

/* The exit status for a parse that stopped at CLI_HELP or CLI_ERROR. */
static inline int cli_exit_status(int stop)
{
    return stop == CLI_HELP ? 0 : CLI_EXIT_USAGE;
}

/* What an option's value is, and where it goes (`cli_opt.value`). */
enum cli_kind {
    CLI_FLAG,    /* none: sets the bool */
    CLI_UINT,    /* a decimal number `min`..`max`: the unsigned integer
                  * of `size` bytes (4 or 8) */
    CLI_TEXT,    /* any text: the const char * */
    CLI_CHOICE,  /* one of `choices` (NULL-terminated): its index, an int */
};

/* One long option (`--name`); tables end with an entry whose name is NULL. */
struct cli_opt {
    const char *name;
    enum cli_kind kind;
    void *value;
    size_t size;
    unsigned long long min, max;
    const char *const *choices;
};

/* One command's command line. */
struct cli {
    const char *prog;                  /* "hvsim world": starts messages */
    void (*usage)(void);               /* prints --help's text on stdout */
    int operand;                       /* set by cli_parse, cli_command:
                                        * argv's first operand */
    const struct cli_opt *opts;        /* set by cli_parse */
    bool started;                      /* getopt was restarted for it */
};

/**
 * Reads `argv`'s options as `opts` describes them, storing each value as
 * it comes (a later one wins), then checks that exactly `operands`
 * operands follow (`names`, e.g. "SCONTEXT TCONTEXT CLASS", for the
 * message).  `-h` and `--help` need no entry: they print the usage.
 * Numbers are digits only: white space, a sign, trailing characters and
 * overflow are refused.
 * Returns 0, `c->operand` indexing the first operand; CLI_HELP; or
 * CLI_ERROR after printing one line.
 */
int cli_parse(struct cli *c, const struct cli_opt *opts, int argc,
              char **argv, int operands, const char *names);

/**
 * For a command with subcommands: reads the options before the
 * subcommand (only `-h` and `--help`, which print the usage) and looks
 * the subcommand up in the NULL-terminated `names`.  Returns its index,
 * `argv[c->operand]` being its name; or CLI_HELP; or CLI_ERROR after
 * printing one line.
 */
int cli_command(struct cli *c, int argc, char **argv,
                const char *const names[]);

/** Prints "PROG: MESSAGE" as one line on stderr. */
void cli_error(const struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * Prints "PROG: WHAT VALUE: MESSAGE" as one line on stderr, `what` being
 * an option ("--policy") or an operand ("SCONTEXT"); `value` is quoted
 * when it is empty or holds white space.
 */
void cli_bad_value(const struct cli *c, const char *what, const char *value,
                   const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/**
 * The name of an errno hvcore returns ("ENOMEM"), from `err` or `-err`;
 * "errno N" for a number it does not know (in a static buffer).
 */
const char *cli_errno_name(int err);

/**
 * Reads the whole file `path` into a buffer from malloc (`*size` bytes,
 * which may be 0; the caller frees `*data`).  Returns 0 or a negative
 * errno (the host's, which hvcore's coincide with); prints nothing.
 */
int cli_read_file(const char *path, void **data, size_t *size);

/**
 * Reads the FLASK binary policy in `path`, the value of option `opt`, and
 * checks that it loads (world_check_policy).  Returns 0, or CLI_ERROR
 * after printing one line naming the file and the errno.  The caller
 * frees `*data`.
 */
int cli_read_policy(const struct cli *c, const char *opt, const char *path,
                    void **data, size_t *size);

#endif /* HARNESS_CLI_H */
