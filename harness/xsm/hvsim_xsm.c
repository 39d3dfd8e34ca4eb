/* SPDX-License-Identifier: MIT */
/*
 * `hvsim xsm`: FLASK queries against a policy file, the way SELinux's
 * compute_av and compute_create print them, and the hvcore side of the
 * differential test against libsepol.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxsm/flask.h>
#include <libxsm/xsm.h>

#include "cli.h"
#include "hvsim_xsm.h"
#include "world.h"

/* The subcommands, in the order of `enum command`. */
static const char *const commands[] = {
    "compute-av", "compute-create", "diff", NULL,
};
enum command { CMD_AV, CMD_CREATE, CMD_DIFF };

static void usage(void)
{
    printf("usage: hvsim xsm compute-av [--policy FILE] SCONTEXT TCONTEXT CLASS\n"
           "       hvsim xsm compute-create [--policy FILE] SCONTEXT TCONTEXT CLASS\n"
           "       hvsim xsm diff [--policy FILE] EXPECTED\n"
           "  compute-av      the permissions SCONTEXT has on TCONTEXT in CLASS,\n"
           "                  one name per line\n"
           "  compute-create  the context of a CLASS object SCONTEXT creates\n"
           "                  with TCONTEXT\n"
           "  diff            compares libsepol's decisions (xsm_sepol_dump's\n"
           "                  lines in EXPECTED) with hvcore's\n"
           "  --policy FILE   a binary FLASK policy (checkpolicy -t xen);\n"
           "                  default: hvcore's built-in policy\n");
}

/** See hvsim_xsm.h. */
void *xsm_read_policy(const char *path, size_t *size)
{
    void *data = NULL;
    int rc = cli_read_file(path, &data, size);

    if ( rc || !*size )
    {
        fprintf(stderr, "hvsim xsm: cannot read %s: %s\n", path,
                rc ? cli_errno_name(rc) : "empty");
        free(data);
        return NULL;
    }
    return data;
}

/* The sids and class named; CLI_ERROR, after one line, if one is not. */
static int sids(const struct cli *c, const char *s, const char *t,
                const char *cls, uint32_t *ssid, uint32_t *tsid,
                uint16_t *tclass)
{
    if ( flask_context_to_sid(s, strlen(s), ssid) )
    {
        cli_bad_value(c, "SCONTEXT", s, "not a valid context of the policy");
        return CLI_ERROR;
    }
    if ( flask_context_to_sid(t, strlen(t), tsid) )
    {
        cli_bad_value(c, "TCONTEXT", t, "not a valid context of the policy");
        return CLI_ERROR;
    }
    *tclass = flask_class_by_name(cls);
    if ( !*tclass )
    {
        cli_bad_value(c, "CLASS", cls, "not a class of hvcore's");
        return CLI_ERROR;
    }
    return 0;
}

/* Reports that `what` failed with `rc`, by name; returns exit status 1. */
static int failed(const struct cli *c, const char *what, int rc)
{
    cli_error(c, "%s failed: %s", what, cli_errno_name(rc));
    return 1;
}

static int compute_av(const struct cli *c, const char *s, const char *t,
                      const char *cls)
{
    struct flask_av av;
    uint32_t ssid, tsid;
    uint16_t tclass;
    unsigned int bit;
    int rc;

    if ( sids(c, s, t, cls, &ssid, &tsid, &tclass) )
        return CLI_EXIT_USAGE;
    rc = flask_compute_av(ssid, tsid, tclass, &av);
    if ( rc )
        return failed(c, "compute_av", rc);
    for ( bit = 0; bit < 32; bit++ )
        if ( (av.allowed >> bit) & 1 )
        {
            const char *name = flask_perm_name(tclass, bit);

            if ( name )
                printf("%s\n", name);
        }
    return 0;
}

static int compute_create(const struct cli *c, const char *s, const char *t,
                          const char *cls)
{
    uint32_t ssid, tsid, nsid;
    uint16_t tclass;
    char buf[512];
    int rc;

    if ( sids(c, s, t, cls, &ssid, &tsid, &tclass) )
        return CLI_EXIT_USAGE;
    rc = flask_compute_create(ssid, tsid, tclass, &nsid);
    if ( !rc )
        rc = flask_sid_to_context(nsid, buf, sizeof(buf));
    if ( rc <= 0 || (size_t)rc > sizeof(buf) )
        return failed(c, "compute_create", rc < 0 ? rc : -ERANGE);
    printf("%s\n", buf);
    return 0;
}

/*
 * One computed label (`rc`, `nsid`) against libsepol's `want` ("-": not
 * compared); prints and returns 1 when they differ.
 */
static unsigned int diff_label(const char *what, int rc, uint32_t nsid,
                               const char *s, const char *t, const char *cls,
                               const char *want)
{
    char mine[256] = "?";

    if ( !strcmp(want, "-") )
        return 0;
    if ( !rc && flask_sid_to_context(nsid, mine, sizeof(mine)) > 0 &&
         !strcmp(mine, want) )
        return 0;
    printf("%s %s %s %s: hvcore %s (%s) libsepol %s\n", what, s, t, cls,
           mine, rc ? cli_errno_name(rc) : "ok", want);
    return 1;
}

/*
 * Compares libsepol's decisions (xsm_sepol_dump lines) with hvcore's.
 * Allowed bits past the class's permissions are masked as libsepol does
 * not set them either.
 */
static int diff(const struct cli *c, const char *expected)
{
    char s[256], t[256], cls[64], nctx[3][256];
    unsigned int allowed, aa, ad, lines = 0, bad = 0;
    FILE *f = fopen(expected, "r");

    if ( !f )
    {
        cli_bad_value(c, "EXPECTED", expected, "cannot read: %s",
                      cli_errno_name(errno));
        return CLI_EXIT_USAGE;
    }
    while ( fscanf(f, "%255s %255s %63s %x %x %x %255s %255s %255s", s, t,
                   cls, &allowed, &aa, &ad, nctx[0], nctx[1], nctx[2]) == 9 )
    {
        int rc;

        struct flask_av av;
        uint32_t ssid, tsid, nsid;
        uint16_t tclass;

        lines++;
        if ( sids(c, s, t, cls, &ssid, &tsid, &tclass) ||
             flask_compute_av(ssid, tsid, tclass, &av) )
        {
            bad++;
            continue;
        }
        if ( av.allowed != allowed || av.auditallow != aa ||
             av.auditdeny != ad )
        {
            printf("av %s %s %s: hvcore %08x %08x %08x libsepol %08x %08x "
                   "%08x\n", s, t, cls, av.allowed, av.auditallow,
                   av.auditdeny, allowed, aa, ad);
            bad++;
        }
        rc = flask_compute_create(ssid, tsid, tclass, &nsid);
        bad += diff_label("create", rc, nsid, s, t, cls, nctx[0]);
        rc = flask_compute_member(ssid, tsid, tclass, &nsid);
        bad += diff_label("member", rc, nsid, s, t, cls, nctx[1]);
        rc = flask_compute_relabel(ssid, tsid, tclass, &nsid);
        bad += diff_label("relabel", rc, nsid, s, t, cls, nctx[2]);
    }
    fclose(f);
    printf("hvsim xsm diff: %u decisions, %u differ\n", lines, bad);
    return bad || !lines;
}

/* Runs subcommand `cmd` with its arguments (`argv[0]` is its name). */
static int run(enum command cmd, int argc, char **argv)
{
    const char *policy = NULL;
    const struct cli_opt opts[] = {
        { "policy", CLI_TEXT, &policy, 0, 0, 0, NULL },
        { 0 },
    };
    char prog[32];
    struct cli c = { .prog = prog, .usage = usage };
    void *data = NULL;
    size_t size = 0;
    int rc;

    snprintf(prog, sizeof(prog), "hvsim xsm %s", commands[cmd]);
    rc = cli_parse(&c, opts, argc, argv, cmd == CMD_DIFF ? 1 : 3,
                   cmd == CMD_DIFF ? "EXPECTED" : "SCONTEXT TCONTEXT CLASS");
    if ( !rc && policy )
        rc = cli_read_policy(&c, "--policy", policy, &data, &size);
    if ( rc )
        return cli_exit_status(rc);
    rc = world_start_xsm_policy(16ULL << 20, 1, WORLD_XSM_FLASK, data, size);
    if ( rc )
    {
        free(data);
        return failed(&c, "starting the simulated world", rc);
    }
    argv += c.operand;
    if ( cmd == CMD_DIFF )
        rc = diff(&c, argv[0]);
    else if ( cmd == CMD_AV )
        rc = compute_av(&c, argv[0], argv[1], argv[2]);
    else
        rc = compute_create(&c, argv[0], argv[1], argv[2]);
    world_stop();
    free(data);
    return rc;
}

/** The subcommand; see hvsim_xsm.h. */
int hvsim_xsm_main(int argc, char **argv)
{
    struct cli c = { .prog = "hvsim xsm", .usage = usage };
    int cmd = cli_command(&c, argc, argv, commands);

    if ( cmd < 0 )
        return cli_exit_status(cmd);
    return run((enum command)cmd, argc - c.operand, argv + c.operand);
}
