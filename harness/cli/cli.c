/* SPDX-License-Identifier: MIT */
/* The harness programs' command lines (cli.h): options, numbers, errors. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Prints "PROG: " and the message `fmt`, `ap` on stderr, ending the line. */
static void vreport(const struct cli *c, const char *prefix, const char *fmt,
                    va_list ap)
{
    fprintf(stderr, "%s: %s", c->prog, prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

/** See cli.h. */
void cli_error(const struct cli *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(c, "", fmt, ap);
    va_end(ap);
}

/** See cli.h. */
void cli_bad_value(const struct cli *c, const char *what, const char *value,
                   const char *fmt, ...)
{
    char prefix[256];
    va_list ap;

    if ( !*value || value[strcspn(value, " \t\n\v\f\r")] )
        snprintf(prefix, sizeof(prefix), "%s '%s': ", what, value);
    else
        snprintf(prefix, sizeof(prefix), "%s %s: ", what, value);
    va_start(ap, fmt);
    vreport(c, prefix, fmt, ap);
    va_end(ap);
}

/* getopt_long's `val` for `opts[0]`: past every letter, so that no short
 * option (only -h is one) is read as a long one. */
#define OPT_FIRST 256
#define MAX_OPTS 16

/* The option of `c` whose getopt `val` is `val`, or NULL. */
static const struct cli_opt *opt_by_val(const struct cli *c, int val)
{
    int i;

    for ( i = 0; c->opts && c->opts[i].name; i++ )
        if ( OPT_FIRST + i == val )
            return &c->opts[i];
    return NULL;
}

/*
 * Reports what getopt_long refused, `bad` being the argument it stopped
 * at and `missing` whether an option lacked its value: `optopt` holds
 * the option's `val` for a known long option, the letter for a short
 * one, 0 for an unknown long option.
 */
static void refused(const struct cli *c, const char *bad, bool missing)
{
    const struct cli_opt *o = opt_by_val(c, optopt);

    if ( o )
        cli_error(c, "--%s: %s (see %s --help)", o->name,
                  missing ? "needs a value" : "takes no value", c->prog);
    else if ( optopt )
        cli_error(c, "-%c: unknown option (see %s --help)", optopt, c->prog);
    else
        cli_error(c, "%s: unknown option (see %s --help)", bad, c->prog);
}

/*
 * The next option of `argv` by getopt_long over `lopts`, stopping at the
 * first operand: its `val`, -1 after the last one, CLI_HELP after
 * printing the usage, or CLI_ERROR after one line.  The first call for
 * `c` restarts getopt.
 */
static int next(struct cli *c, const struct option *lopts, int argc,
                char **argv)
{
    int val;

    if ( !c->started )
    {
        /* 0 makes glibc start over, on this (a subcommand's) argv. */
        optind = 0;
        opterr = 0;
        c->started = true;
    }
    /* "+": stop at the first operand (a subcommand, a context string);
     * ":": a missing value is ':', not '?'. */
    val = getopt_long(argc, argv, "+:h", lopts, NULL);
    c->operand = optind;
    /* --help is in no table: getopt_long finds it unknown. */
    if ( val == 'h' ||
         (val == '?' && !optopt && !strcmp(argv[optind - 1], "--help")) )
    {
        c->usage();
        return CLI_HELP;
    }
    if ( val == '?' || val == ':' )
    {
        refused(c, argv[optind - 1], val == ':');
        return CLI_ERROR;
    }
    return val;
}

/*
 * The index of `value` in the NULL-terminated `names`; CLI_ERROR after
 * printing "PROG: WHAT VALUE: must be one of A, B, C" (or "PROG: missing
 * WHAT: ..." when `value` is NULL).
 */
static int choice(const struct cli *c, const char *what, const char *value,
                  const char *const names[])
{
    char list[256] = "";
    size_t len = 0;
    int i;

    for ( i = 0; value && names[i]; i++ )
        if ( !strcmp(value, names[i]) )
            return i;
    for ( i = 0; names[i] && len < sizeof(list); i++ )
        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
                                i ? ", " : "", names[i]);
    if ( value )
        cli_bad_value(c, what, value, "must be one of %s", list);
    else
        cli_error(c, "missing %s: must be one of %s", what, list);
    return CLI_ERROR;
}

/*
 * Parses `s` as a decimal number: digits only, at least one, no overflow
 * (strtoull would take white space, a sign and "0x").  0 or -1.
 */
static int parse_decimal(const char *s, unsigned long long *out)
{
    unsigned long long v = 0;

    if ( !*s )
        return -1;
    for ( ; *s; s++ )
    {
        unsigned int d = (unsigned int)(*s - '0');

        if ( d > 9 || v > (~0ULL - d) / 10 )
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Stores `v`, no larger than the option's `max`, in its integer `p`. */
static void store_uint(void *p, size_t size, unsigned long long v)
{
    uint32_t v32 = (uint32_t)v;
    uint64_t v64 = v;

    /* memcpy: the field is an unsigned int, long or uint64_t. */
    if ( size == sizeof(v32) )
        memcpy(p, &v32, size);
    else if ( size == sizeof(v64) )
        memcpy(p, &v64, size);
    else
        abort(); /* a table with a size that is neither */
}

/* Stores option `o`'s value `arg`: 0, or CLI_ERROR after one line. */
static int store(const struct cli *c, const struct cli_opt *o,
                 const char *arg)
{
    char what[64];
    unsigned long long v;
    int i;

    snprintf(what, sizeof(what), "--%s", o->name);
    switch ( o->kind )
    {
    case CLI_FLAG:
        *(bool *)o->value = true;
        return 0;
    case CLI_TEXT:
        *(const char **)o->value = arg;
        return 0;
    case CLI_CHOICE:
        i = choice(c, what, arg, o->choices);
        if ( i >= 0 )
            *(int *)o->value = i;
        return i < 0 ? i : 0;
    case CLI_UINT:
        if ( parse_decimal(arg, &v) || v < o->min || v > o->max )
        {
            cli_bad_value(c, what, arg, "must be %llu..%llu", o->min, o->max);
            return CLI_ERROR;
        }
        store_uint(o->value, o->size, v);
        return 0;
    }
    abort(); /* not a kind */
}

/** See cli.h. */
int cli_parse(struct cli *c, const struct cli_opt *opts, int argc,
              char **argv, int operands, const char *names)
{
    struct option lopts[MAX_OPTS + 1];
    int n, val, have;

    for ( n = 0; opts[n].name; n++ )
    {
        if ( n == MAX_OPTS )
            abort(); /* MAX_OPTS is too small for the table */
        lopts[n].name = opts[n].name;
        lopts[n].has_arg = opts[n].kind == CLI_FLAG ? no_argument
                                                    : required_argument;
        lopts[n].flag = NULL;
        lopts[n].val = OPT_FIRST + n;
    }
    memset(&lopts[n], 0, sizeof(lopts[n]));
    c->opts = opts;
    while ( (val = next(c, lopts, argc, argv)) >= OPT_FIRST )
        if ( store(c, &opts[val - OPT_FIRST], optarg) )
            return CLI_ERROR;
    if ( val != -1 )
        return val;
    have = argc - c->operand;
    if ( have > operands )
        cli_error(c, "%s: unexpected argument%s%s",
                  argv[c->operand + operands], operands ? "; takes " : "",
                  operands ? names : "");
    else if ( have < operands )
        cli_error(c, "needs %s (%d argument%s given)", names, have,
                  have == 1 ? "" : "s");
    return have == operands ? 0 : CLI_ERROR;
}

/** See cli.h. */
int cli_command(struct cli *c, int argc, char **argv,
                const char *const names[])
{
    static const struct option none[] = { { NULL, 0, NULL, 0 } };
    int rc = next(c, none, argc, argv);

    if ( rc == -1 )
        return choice(c, "command",
                      c->operand < argc ? argv[c->operand] : NULL, names);
    return rc == CLI_HELP ? CLI_HELP : CLI_ERROR;
}

/** See cli.h. */
int cli_read_file(const char *path, void **data, size_t *size)
{
    struct stat st;
    char *buf = NULL;
    size_t done = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

    if ( fd < 0 )
        return -errno;
    if ( fstat(fd, &st) )
        rc = -errno;
    else if ( S_ISDIR(st.st_mode) )
        rc = -EISDIR;
    else if ( !(buf = malloc((size_t)st.st_size + 1)) )
        rc = -ENOMEM;
    while ( !rc && done < (size_t)st.st_size )
    {
        ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

        if ( n < 0 && errno != EINTR )
            rc = -errno;
        else if ( n == 0 )
            rc = -EIO; /* the file shrank while read */
        else if ( n > 0 )
            done += (size_t)n;
    }
    close(fd);
    if ( rc )
    {
        free(buf);
        return rc;
    }
    *data = buf;
    *size = done;
    return 0;
}
