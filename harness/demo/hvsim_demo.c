/* SPDX-License-Identifier: MIT */
/*
 * `hvsim demo`: the split driver across domains on the simulator.  For each
 * ABI asked for, a fresh simulated host with N pCPU threads runs a
 * privileged backend and the guests' frontends (harness/splitdrv), then
 * tears them down, and a summary table says what happened, counted where
 * it happened.  Exits 0 only if every request completed with intact data
 * and every page and port came back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <common/errno.h>
#include <hal_sim/sim.h>
#include <libxsm/xsm.h>
#include <public/event_channel.h>

#include "hvsim.h"
#include "sd_demo.h"
#include "splitdrv.h"
#include "world.h"

int hvsim_demo_main(int argc, char **argv);

struct demo_opts {
    unsigned int abis[2], nr_abis;
    unsigned int guests, vcpus, cpus;
    unsigned long requests;
    uint64_t seed;
    enum world_xsm xsm;
    const char *policy;
    void *policy_data;
    size_t policy_size;
    bool json, progress;
};

struct demo_run {
    const char *abi_name;
    int rc;
    unsigned long upcalls_raised;
    struct sd_demo_summary sum;
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: hvsim demo [options]\n"
        "  A privileged backend (domain 0) serves one split-driver queue per\n"
        "  guest vCPU: rings and data pages granted by the guests, grant\n"
        "  maps and copies, event channels both ways, checksums end to end.\n"
        "  --abi 2l|3l|both    event channel ABI (default both, one run each)\n"
        "  --guests N          guest domains (default 3, at most %u)\n"
        "  --vcpus N           vCPUs (and queues) per domain (default 2, <= %u)\n"
        "  --cpus N            pCPU threads (default 4)\n"
        "  --requests N        requests per guest (default 2000)\n"
        "  --xsm dummy|flask   XSM provider (flask: the built-in policy)\n"
        "  --policy FILE       FLASK with this binary policy (checkpolicy -t xen)\n"
        "  --seed N            request and payload stream seed (default 1)\n"
        "  --json              one JSON summary line per run\n"
        "  --quiet             no progress line\n",
        SD_DEMO_MAX_GUESTS, SD_ENV_MAX_VCPUS);
}

static int parse_abi(const char *s, struct demo_opts *o)
{
    if ( !strcmp(s, "2l") )
    {
        o->abis[0] = EVTCHN_ABI_2LEVEL;
        o->nr_abis = 1;
    }
    else if ( !strcmp(s, "3l") )
    {
        o->abis[0] = EVTCHN_ABI_3LEVEL;
        o->nr_abis = 1;
    }
    else if ( !strcmp(s, "both") )
    {
        o->abis[0] = EVTCHN_ABI_2LEVEL;
        o->abis[1] = EVTCHN_ABI_3LEVEL;
        o->nr_abis = 2;
    }
    else
        return -1;
    return 0;
}

static int parse(int argc, char **argv, struct demo_opts *o)
{
    unsigned long long v;
    int i;

    for ( i = 1; i < argc; i++ )
    {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if ( !strcmp(a, "--json") )
            o->json = true;
        else if ( !strcmp(a, "--quiet") )
            o->progress = false;
        else if ( !strcmp(a, "--help") || !strcmp(a, "-h") )
        {
            usage(stdout);
            exit(0);
        }
        else if ( !val )
            goto bad;
        else
        {
            i++;
            if ( !strcmp(a, "--abi") )
            {
                if ( parse_abi(val, o) )
                    goto bad;
            }
            else if ( !strcmp(a, "--guests") )
            {
                if ( hvsim_parse_uint(val, SD_DEMO_MAX_GUESTS, &v) )
                    goto bad;
                o->guests = (unsigned int)v;
            }
            else if ( !strcmp(a, "--vcpus") )
            {
                if ( hvsim_parse_uint(val, SD_ENV_MAX_VCPUS, &v) )
                    goto bad;
                o->vcpus = (unsigned int)v;
            }
            else if ( !strcmp(a, "--cpus") )
            {
                if ( hvsim_parse_uint(val, 64, &v) )
                    goto bad;
                o->cpus = (unsigned int)v;
            }
            else if ( !strcmp(a, "--requests") )
            {
                if ( hvsim_parse_uint(val, 100000000ULL, &v) )
                    goto bad;
                o->requests = (unsigned long)v;
            }
            else if ( !strcmp(a, "--seed") )
            {
                if ( hvsim_parse_uint(val, ~0ULL, &v) )
                    goto bad;
                o->seed = v;
            }
            else if ( !strcmp(a, "--xsm") )
            {
                if ( !strcmp(val, "dummy") )
                    o->xsm = WORLD_XSM_DUMMY;
                else if ( !strcmp(val, "flask") )
                    o->xsm = WORLD_XSM_FLASK;
                else
                    goto bad;
            }
            else if ( !strcmp(a, "--policy") )
                o->policy = val;
            else
                goto bad;
        }
    }
    if ( o->policy )
        o->xsm = WORLD_XSM_FLASK;
    return 0;

 bad:
    fprintf(stderr, "hvsim demo: bad option '%s'\n\n", argv[i]);
    usage(stderr);
    return -1;
}

static int load_policy(struct demo_opts *o)
{
    FILE *f = fopen(o->policy, "rb");
    long n;

    if ( !f )
    {
        perror(o->policy);
        return -1;
    }
    if ( fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 ||
         fseek(f, 0, SEEK_SET) || !(o->policy_data = malloc((size_t)n)) ||
         fread(o->policy_data, 1, (size_t)n, f) != (size_t)n )
    {
        fprintf(stderr, "hvsim demo: cannot read %s\n", o->policy);
        fclose(f);
        return -1;
    }
    fclose(f);
    o->policy_size = (size_t)n;
    return 0;
}

/** Chooses the XSM provider before hvcore_init (world_start_with). */
static int configure(void *arg)
{
    const struct demo_opts *o = arg;

    if ( o->xsm == WORLD_XSM_DUMMY )
        return xsm_set_provider(XSM_PROVIDER_DUMMY);
#ifdef HVCORE_XSM_FLASK
    if ( o->policy_data )
        return xsm_set_provider(XSM_PROVIDER_FLASK) ||
               xsm_set_boot_policy(o->policy_data, o->policy_size);
    return xsm_set_provider(XSM_PROVIDER_FLASK) ||
           xsm_set_boot_policy(xsm_builtin_policy, xsm_builtin_policy_size);
#else
    fprintf(stderr, "hvsim demo: FLASK is not built in\n");
    return -1;
#endif
}

static void tick(void *arg, unsigned long done, unsigned long total)
{
    const struct demo_run *r = arg;

    fprintf(stderr, "\r  [%s] %lu/%lu requests (%lu%%)  ", r->abi_name,
            done, total, total ? done * 100 / total : 0);
}

struct run_ctx {
    struct sd_demo *demo;
    unsigned int cpus;
};

static void run_cpu(unsigned int cpu, void *arg)
{
    struct run_ctx *c = arg;

    sd_demo_run_cpu(c->demo, cpu, c->cpus);
}

static int run_one(const struct demo_opts *o, unsigned int abi,
                   struct demo_run *r)
{
    struct sd_demo_config cfg = {
        .guests = o->guests, .vcpus = o->vcpus, .requests = o->requests,
        .abi = abi, .seed = o->seed, .stall_ns = 30ULL * 1000000000ULL,
        .tick = o->progress ? tick : NULL, .tick_arg = r,
        .tick_ns = 200ULL * 1000000ULL,
    };
    struct run_ctx ctx = { .cpus = o->cpus };
    uint64_t mem = 64ULL << 20;

    r->abi_name = abi == EVTCHN_ABI_3LEVEL ? "3l" : "2l";
    if ( world_start_with(mem, o->cpus, configure, (void *)o) )
    {
        fprintf(stderr, "hvsim demo: the simulated host did not start\n");
        r->rc = -1;
        return -1;
    }
    r->rc = sd_demo_setup(&cfg, &ctx.demo, &r->sum);
    if ( r->rc == 0 )
    {
        sim_run_cpus(o->cpus, run_cpu, &ctx);
        if ( o->progress )
            fprintf(stderr, "\r%60s\r", "");
        r->upcalls_raised = sim_upcall_count();
        r->rc = sd_demo_finish(ctx.demo, &r->sum);
    }
    world_stop();
    return r->rc;
}

static const char *abi_label(unsigned int abi)
{
    return abi == EVTCHN_ABI_3LEVEL ? "3-level" : "2-level";
}

static unsigned long long per_sec(unsigned long n, uint64_t ns)
{
    return ns ? (unsigned long long)((double)n * 1e9 / (double)ns) : 0;
}

static void print_table(const struct demo_opts *o, const struct demo_run *r,
                        unsigned int n)
{
    unsigned int i;

#define ROW(label, fmt, expr)                                               \
    do {                                                                    \
        printf("  %-34s", label);                                           \
        for ( i = 0; i < n; i++ )                                           \
            printf(" %14" fmt, expr);                                       \
        printf("\n");                                                       \
    } while ( 0 )

    printf("\nhvsim demo: %u guest(s) x %u vCPU(s) on %u pCPU(s), "
           "%lu requests per guest, XSM %s%s%s\n",
           o->guests, o->vcpus, o->cpus, o->requests,
           o->xsm == WORLD_XSM_FLASK ? "flask" : "dummy",
           o->policy ? " " : "", o->policy ? o->policy : "");
    ROW("", "s", r[i].abi_name);
    ROW("backend ABI (domain 0)", "s", abi_label(r[i].sum.backend_abi));
    ROW("guest ABI", "s", abi_label(r[i].sum.guest_abi));
    ROW("queues (rings, ports per side)", "u", r[i].sum.queues);
    ROW("requests served", "lu", r[i].sum.completed);
    ROW("  writes / reads checked", "s", ({
        static char b[2][32];
        snprintf(b[i], sizeof(b[i]), "%lu/%lu", r[i].sum.writes,
                 r[i].sum.reads);
        b[i]; }));
    ROW("events sent (EVTCHNOP_send)", "lu", r[i].sum.sent);
    ROW("  pending from the binds", "lu", r[i].sum.pending_at_start);
    ROW("events delivered (guest upcall)", "lu", r[i].sum.delivered);
    ROW("events coalesced", "ld",
        (long)(r[i].sum.sent + r[i].sum.pending_at_start) -
        (long)r[i].sum.delivered);
    ROW("upcalls raised / taken", "s", ({
        static char b[2][32];
        snprintf(b[i], sizeof(b[i]), "%lu/%lu", r[i].upcalls_raised,
                 r[i].sum.upcalls);
        b[i]; }));
    ROW("grants mapped (map_grant_ref)", "lu", r[i].sum.grant_maps);
    ROW("grants copied (GNTTABOP_copy)", "lu", r[i].sum.grant_copies);
    ROW("bytes moved", "llu", r[i].sum.bytes);
    ROW("ports in use: peak / after close", "s", ({
        static char b[2][32];
        snprintf(b[i], sizeof(b[i]), "%lu/%lu", r[i].sum.ports_peak,
                 r[i].sum.ports_after);
        b[i]; }));
    ROW("heap pages in use: before", "llu",
        (unsigned long long)r[i].sum.pages_before);
    ROW("  during (peak seen)", "llu",
        (unsigned long long)r[i].sum.pages_peak);
    ROW("  after destroy", "llu", (unsigned long long)r[i].sum.pages_after);
    ROW("checksum or data errors", "lu", r[i].sum.errors);
    ROW("time (ms)", "llu",
        (unsigned long long)(r[i].sum.run_ns / 1000000));
    ROW("requests/s", "llu", per_sec(r[i].sum.completed, r[i].sum.run_ns));
    ROW("result", "s", r[i].rc ? "FAILED" : "ok");
#undef ROW
}

static void print_json(const struct demo_opts *o, const struct demo_run *r)
{
    const struct sd_demo_summary *s = &r->sum;

    printf("{\"demo\":\"summary\",\"abi\":\"%s\",\"xsm\":\"%s\","
           "\"guests\":%u,\"vcpus\":%u,\"cpus\":%u,\"queues\":%u,"
           "\"backend_abi\":\"%s\",\"guest_abi\":\"%s\",\"guest_3l_rc\":%ld,"
           "\"requests\":%lu,\"completed\":%lu,\"writes\":%lu,\"reads\":%lu,"
           "\"errors\":%lu,\"events_sent\":%lu,\"events_pending_at_start\":%lu,"
           "\"events_delivered\":%lu,"
           "\"upcalls_raised\":%lu,\"upcalls_taken\":%lu,"
           "\"grant_maps\":%lu,\"grant_copies\":%lu,\"bytes\":%llu,"
           "\"ports_peak\":%lu,\"ports_after\":%lu,\"maptrack_after\":%lu,"
           "\"pages_before\":%llu,\"pages_peak\":%llu,\"pages_after\":%llu,"
           "\"checks_ok\":%s,\"run_ns\":%llu,\"requests_per_s\":%llu,"
           "\"result\":\"%s\"}\n",
           r->abi_name, o->xsm == WORLD_XSM_FLASK ? "flask" : "dummy",
           o->guests, o->vcpus, o->cpus, s->queues,
           r->abi_name[0] == '3' && s->backend_abi == EVTCHN_ABI_3LEVEL
               ? "3l" : "2l",
           s->guest_abi == EVTCHN_ABI_3LEVEL ? "3l" : "2l", s->guest_3l_rc,
           s->requests, s->completed, s->writes, s->reads, s->errors,
           s->sent, s->pending_at_start, s->delivered, r->upcalls_raised, s->upcalls,
           s->grant_maps, s->grant_copies, s->bytes, s->ports_peak,
           s->ports_after, s->maptrack_after,
           (unsigned long long)s->pages_before,
           (unsigned long long)s->pages_peak,
           (unsigned long long)s->pages_after, s->checks_ok ? "true" : "false",
           (unsigned long long)s->run_ns, per_sec(s->completed, s->run_ns),
           r->rc ? "failed" : "ok");
}

/** See harness/CMakeLists.txt: `hvsim demo`. */
int hvsim_demo_main(int argc, char **argv)
{
    struct demo_opts o = {
        .abis = { EVTCHN_ABI_2LEVEL, EVTCHN_ABI_3LEVEL }, .nr_abis = 2,
        .guests = 3, .vcpus = 2, .cpus = 4, .requests = 2000, .seed = 1,
        .xsm = WORLD_XSM_DUMMY, .progress = true,
    };
    struct demo_run runs[2];
    unsigned int i, failed = 0;

    if ( parse(argc, argv, &o) )
        return 2;
    if ( !isatty(STDERR_FILENO) )
        o.progress = false;
    if ( o.policy && load_policy(&o) )
        return 2;
    memset(runs, 0, sizeof(runs));
    for ( i = 0; i < o.nr_abis; i++ )
    {
        if ( run_one(&o, o.abis[i], &runs[i]) )
            failed++;
        if ( o.json )
            print_json(&o, &runs[i]);
    }
    if ( !o.json )
        print_table(&o, runs, o.nr_abis);
    for ( i = 0; i < o.nr_abis; i++ )
        if ( runs[i].rc )
            fprintf(stderr, "hvsim demo: %s run FAILED: %s\n",
                    runs[i].abi_name,
                    runs[i].sum.failure ? runs[i].sum.failure
                                        : "the host did not start");
    for ( i = 0; i < o.nr_abis && !o.json; i++ )
        if ( o.abis[i] == EVTCHN_ABI_3LEVEL &&
             runs[i].sum.guest_abi != EVTCHN_ABI_3LEVEL )
            printf("  note (%s): guests stay on 2 levels; their 3-level "
                   "registration returned %ld%s:\n"
                   "  3 levels are for privileged and device-model domains "
                   "(seed 002, XSM_DM_PRIV)\n", runs[i].abi_name,
                   runs[i].sum.guest_3l_rc,
                   runs[i].sum.guest_3l_rc == -EPERM ? " (-EPERM)" : "");
    free(o.policy_data);
    printf("hvsim demo: %s\n", failed ? "FAILED" : "ok");
    return failed ? 1 : 0;
}
