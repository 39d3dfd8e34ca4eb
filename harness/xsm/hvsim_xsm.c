/* SPDX-License-Identifier: MIT */
/*
 * `hvsim xsm`: FLASK queries against a policy file, the way SELinux's
 * compute_av and compute_create print them, and the hvcore side of the
 * differential test against libsepol.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <common/init.h>
#include <hal_sim/sim.h>
#include <libxsm/flask.h>
#include <libxsm/xsm.h>

#include "hvsim_xsm.h"

static char *policy_data;

static void usage(void)
{
    fprintf(stderr,
            "usage: hvsim xsm compute-av [--policy FILE] SCONTEXT TCONTEXT CLASS\n"
            "       hvsim xsm compute-create [--policy FILE] SCONTEXT TCONTEXT CLASS\n"
            "       hvsim xsm diff --policy FILE EXPECTED\n");
}

/** See hvsim_xsm.h. */
void *xsm_read_policy(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    long len;

    if ( !f )
    {
        perror(path);
        return NULL;
    }
    if ( fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 )
    {
        rewind(f);
        data = malloc((size_t)len);
        if ( data && fread(data, 1, (size_t)len, f) != (size_t)len )
        {
            free(data);
            data = NULL;
        }
        *size = (size_t)len;
    }
    fclose(f);
    if ( !data )
        fprintf(stderr, "hvsim xsm: cannot read %s\n", path);
    return data;
}

/* Starts a world whose FLASK runs `path` (or the built-in policy). */
static int start(const char *path)
{
    struct sim_config cfg = { .mem_bytes = 16UL << 20, .cpus = 1 };
    const void *data = xsm_builtin_policy;
    size_t size = xsm_builtin_policy_size;
    int rc;

    if ( path )
    {
        policy_data = xsm_read_policy(path, &size);
        if ( !policy_data )
            return -1;
        data = policy_data;
    }
    if ( sim_init(&cfg) )
        return -1;
    if ( xsm_set_provider(XSM_PROVIDER_FLASK) ||
         xsm_set_boot_policy(data, size) || (rc = hvcore_init()) )
    {
        fprintf(stderr, "hvsim xsm: the policy does not load\n");
        sim_fini();
        return -1;
    }
    return 0;
}

static void stop(void)
{
    hvcore_fini();
    sim_fini();
    free(policy_data);
    policy_data = NULL;
}

static int sids(const char *s, const char *t, const char *cls,
                uint32_t *ssid, uint32_t *tsid, uint16_t *tclass)
{
    if ( flask_context_to_sid(s, strlen(s), ssid) )
    {
        fprintf(stderr, "hvsim xsm: invalid context %s\n", s);
        return -1;
    }
    if ( flask_context_to_sid(t, strlen(t), tsid) )
    {
        fprintf(stderr, "hvsim xsm: invalid context %s\n", t);
        return -1;
    }
    *tclass = flask_class_by_name(cls);
    if ( !*tclass )
    {
        fprintf(stderr, "hvsim xsm: unknown class %s\n", cls);
        return -1;
    }
    return 0;
}

static int compute_av(const char *s, const char *t, const char *cls)
{
    struct flask_av av;
    uint32_t ssid, tsid;
    uint16_t tclass;
    unsigned int bit;

    if ( sids(s, t, cls, &ssid, &tsid, &tclass) ||
         flask_compute_av(ssid, tsid, tclass, &av) )
        return 1;
    for ( bit = 0; bit < 32; bit++ )
        if ( (av.allowed >> bit) & 1 )
        {
            const char *name = flask_perm_name(tclass, bit);

            if ( name )
                printf("%s\n", name);
        }
    return 0;
}

static int compute_create(const char *s, const char *t, const char *cls)
{
    uint32_t ssid, tsid, nsid;
    uint16_t tclass;
    char buf[512];

    if ( sids(s, t, cls, &ssid, &tsid, &tclass) ||
         flask_compute_create(ssid, tsid, tclass, &nsid) ||
         flask_sid_to_context(nsid, buf, sizeof(buf)) <= 0 )
        return 1;
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
    printf("%s %s %s %s: hvcore %s (%d) libsepol %s\n", what, s, t, cls,
           mine, rc, want);
    return 1;
}

/*
 * Compares libsepol's decisions (xsm_sepol_dump lines) with hvcore's.
 * Allowed bits past the class's permissions are masked as libsepol does
 * not set them either.
 */
static int diff(const char *expected)
{
    char s[256], t[256], cls[64], nctx[3][256];
    unsigned int allowed, aa, ad, lines = 0, bad = 0;
    FILE *f = fopen(expected, "r");

    if ( !f )
    {
        perror(expected);
        return 1;
    }
    while ( fscanf(f, "%255s %255s %63s %x %x %x %255s %255s %255s", s, t,
                   cls, &allowed, &aa, &ad, nctx[0], nctx[1], nctx[2]) == 9 )
    {
        int rc;

        struct flask_av av;
        uint32_t ssid, tsid, nsid;
        uint16_t tclass;

        lines++;
        if ( sids(s, t, cls, &ssid, &tsid, &tclass) ||
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

/** The subcommand; see hvsim_xsm.h. */
int hvsim_xsm_main(int argc, char **argv)
{
    const char *policy = NULL, *cmd;
    int i = 1, rc;

    if ( argc < 2 )
    {
        usage();
        return 2;
    }
    cmd = argv[i++];
    if ( i + 1 < argc && !strcmp(argv[i], "--policy") )
    {
        policy = argv[i + 1];
        i += 2;
    }
    if ( (!strcmp(cmd, "compute-av") || !strcmp(cmd, "compute-create")) &&
         argc - i == 3 )
    {
        if ( start(policy) )
            return 1;
        rc = cmd[8] == 'a' ? compute_av(argv[i], argv[i + 1], argv[i + 2])
                           : compute_create(argv[i], argv[i + 1],
                                            argv[i + 2]);
        stop();
        return rc;
    }
    if ( !strcmp(cmd, "diff") && argc - i == 1 )
    {
        if ( start(policy) )
            return 1;
        rc = diff(argv[i]);
        stop();
        return rc;
    }
    usage();
    return 2;
}
