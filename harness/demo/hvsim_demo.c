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

#include <hal/cpu.h>
#include <hal_sim/sim.h>
#include <public/event_channel.h>

#include "cli.h"
#include "sd_demo.h"
#include "splitdrv.h"
#include "world.h"

int hvsim_demo_main(int argc, char **argv);

#define MAX_REQUESTS 100000000U

struct demo_opts {
    unsigned int abis[3], nr_abis;
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

/* The XSM providers this build has, by their --xsm names; the first is
 * the default. */
static const char *const xsm_names[] = {
#ifdef HVCORE_XSM_DUMMY
    "dummy",
#endif
#ifdef HVCORE_XSM_FLASK
    "flask",
#endif
    NULL,
};

/* --abi's values: 2-level, 3-level, FIFO, one run of each. */
static const char *const abi_names[] = { "2l", "3l", "fifo", "all", NULL };
static const unsigned int abi_values[] = {
    EVTCHN_ABI_2LEVEL, EVTCHN_ABI_3LEVEL, EVTCHN_ABI_FIFO,
};
#define ABI_ALL 3 /* the index of "all", and the number of ABIs */

/* An ABI's --abi name, as the JSON summary and the table's head say it. */
static const char *abi_short(unsigned int abi)
{
    unsigned int i;

    for ( i = 0; i < ABI_ALL; i++ )
        if ( abi_values[i] == abi )
            return abi_names[i];
    return "?";
}

static enum world_xsm xsm_by_name(const char *name)
{
    return strcmp(name, "flask") ? WORLD_XSM_DUMMY : WORLD_XSM_FLASK;
}

static void usage(void)
{
    printf("usage: hvsim demo [options]\n"
           "  A privileged backend (domain 0) serves one split-driver queue per\n"
           "  guest vCPU: rings and data pages granted by the guests, grant\n"
           "  maps and copies, event channels both ways, checksums end to end.\n"
           "  --abi 2l|3l|fifo|all\n"
           "                      event channel ABI of every domain (default\n"
           "                      all, one run each; 3l: the guests may be\n"
           "                      refused it and stay on 2l)\n"
           "  --guests N          guest domains (default 3, 1..%u)\n"
           "  --vcpus N           vCPUs (and queues) per domain (default 2, 1..%u)\n"
           "  --cpus N            pCPU threads (default 4, 1..%u)\n"
           "  --requests N        requests per guest (default 2000, 1..%u)\n"
           "  --xsm dummy|flask   XSM provider, of those built in (default %s;\n"
           "                      flask: the built-in policy)\n"
           "  --policy FILE       FLASK with this binary policy (checkpolicy -t xen),\n"
           "                      checked before the runs; implies --xsm flask,\n"
           "                      and --xsm dummy with it is an error\n"
           "  --seed N            request and payload stream seed (default 1,\n"
           "                      0..2^64-1)\n"
           "  --json              one JSON summary line per run\n"
           "  --quiet             no progress line\n",
           SD_DEMO_MAX_GUESTS, SD_ENV_MAX_VCPUS, HAL_MAX_CPUS, MAX_REQUESTS,
           xsm_names[0]);
}

/* Fills `o` from the options and reads the policy: 0, CLI_HELP or
 * CLI_ERROR. */
static int parse(int argc, char **argv, struct demo_opts *o)
{
    int abi = ABI_ALL, xsm = -1; /* -1: --xsm not given */
    bool quiet = false;
    const struct cli_opt opts[] = {
        { "abi", CLI_CHOICE, &abi, 0, 0, 0, abi_names },
        { "guests", CLI_UINT, &o->guests, sizeof(o->guests), 1,
          SD_DEMO_MAX_GUESTS, NULL },
        { "vcpus", CLI_UINT, &o->vcpus, sizeof(o->vcpus), 1,
          SD_ENV_MAX_VCPUS, NULL },
        { "cpus", CLI_UINT, &o->cpus, sizeof(o->cpus), 1, HAL_MAX_CPUS,
          NULL },
        { "requests", CLI_UINT, &o->requests, sizeof(o->requests), 1,
          MAX_REQUESTS, NULL },
        { "xsm", CLI_CHOICE, &xsm, 0, 0, 0, xsm_names },
        { "policy", CLI_TEXT, &o->policy, 0, 0, 0, NULL },
        { "seed", CLI_UINT, &o->seed, sizeof(o->seed), 0, UINT64_MAX, NULL },
        { "json", CLI_FLAG, &o->json, 0, 0, 0, NULL },
        { "quiet", CLI_FLAG, &quiet, 0, 0, 0, NULL },
        { 0 },
    };
    struct cli c = { .prog = "hvsim demo", .usage = usage };
    int rc = cli_parse(&c, opts, argc, argv, 0, NULL);

    if ( rc )
        return rc;
    if ( abi == ABI_ALL )
    {
        memcpy(o->abis, abi_values, sizeof(abi_values));
        o->nr_abis = ABI_ALL;
    }
    else
    {
        o->abis[0] = abi_values[abi];
        o->nr_abis = 1;
    }
    o->progress = !quiet && isatty(STDERR_FILENO);
    o->xsm = xsm_by_name(xsm_names[xsm < 0 ? 0 : xsm]);
    if ( !o->policy )
        return 0;
    /* A policy is FLASK's: it picks FLASK, and contradicts --xsm dummy. */
    if ( xsm >= 0 && o->xsm != WORLD_XSM_FLASK )
    {
        cli_bad_value(&c, "--policy", o->policy,
                      "needs --xsm flask, not --xsm %s", xsm_names[xsm]);
        return CLI_ERROR;
    }
    o->xsm = WORLD_XSM_FLASK;
    return cli_read_policy(&c, "--policy", o->policy, &o->policy_data,
                           &o->policy_size);
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

    r->abi_name = abi_short(abi);
    r->rc = world_start_xsm_policy(mem, o->cpus, o->xsm, o->policy_data,
                                   o->policy_size);
    if ( r->rc )
        return r->rc;
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
    if ( abi == EVTCHN_ABI_FIFO )
        return "FIFO";
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
        static char b[3][32];
        snprintf(b[i], sizeof(b[i]), "%lu/%lu", r[i].sum.writes,
                 r[i].sum.reads);
        b[i]; }));
    ROW("events sent (EVTCHNOP_send)", "lu", r[i].sum.sent);
    ROW("  pending from the binds", "lu", r[i].sum.pending_at_start);
    ROW("events delivered (guest upcall)", "lu", r[i].sum.delivered);
    ROW("  found on another vCPU, re-raised", "lu", r[i].sum.retriggered);
    ROW("events coalesced", "ld",
        (long)(r[i].sum.sent + r[i].sum.pending_at_start) -
        (long)r[i].sum.delivered);
    ROW("upcalls raised / taken", "s", ({
        static char b[3][32];
        snprintf(b[i], sizeof(b[i]), "%lu/%lu", r[i].upcalls_raised,
                 r[i].sum.upcalls);
        b[i]; }));
    ROW("grants mapped (map_grant_ref)", "lu", r[i].sum.grant_maps);
    ROW("grants copied (GNTTABOP_copy)", "lu", r[i].sum.grant_copies);
    ROW("bytes moved", "llu", r[i].sum.bytes);
    ROW("ports in use: peak / after close", "s", ({
        static char b[3][32];
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
           "\"events_delivered\":%lu,\"events_retriggered\":%lu,"
           "\"upcalls_raised\":%lu,\"upcalls_taken\":%lu,"
           "\"grant_maps\":%lu,\"grant_copies\":%lu,\"bytes\":%llu,"
           "\"ports_peak\":%lu,\"ports_after\":%lu,\"maptrack_after\":%lu,"
           "\"pages_before\":%llu,\"pages_peak\":%llu,\"pages_after\":%llu,"
           "\"checks_ok\":%s,\"run_ns\":%llu,\"requests_per_s\":%llu,"
           "\"result\":\"%s\"}\n",
           r->abi_name, o->xsm == WORLD_XSM_FLASK ? "flask" : "dummy",
           o->guests, o->vcpus, o->cpus, s->queues,
           abi_short(s->backend_abi), abi_short(s->guest_abi), s->guest_3l_rc,
           s->requests, s->completed, s->writes, s->reads, s->errors,
           s->sent, s->pending_at_start, s->delivered, s->retriggered,
           r->upcalls_raised, s->upcalls,
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
        .guests = 3, .vcpus = 2, .cpus = 4, .requests = 2000, .seed = 1,
    };
    struct demo_run runs[ABI_ALL];
    unsigned int i, failed = 0;
    int rc = parse(argc, argv, &o);

    if ( rc )
        return cli_exit_status(rc);
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
            fprintf(stderr, "hvsim demo: %s run FAILED: %s (%s)\n",
                    runs[i].abi_name,
                    runs[i].sum.failure ? runs[i].sum.failure
                                        : "the host did not start",
                    cli_errno_name(runs[i].rc));
    for ( i = 0; i < o.nr_abis && !o.json; i++ )
        if ( o.abis[i] == EVTCHN_ABI_3LEVEL &&
             runs[i].sum.guest_abi != EVTCHN_ABI_3LEVEL &&
             runs[i].sum.guest_3l_rc < 0 )
            printf("  note (%s): guests stay on 2 levels; their 3-level "
                   "registration returned -%s:\n"
                   "  3 levels are for privileged and device-model domains "
                   "(seed 002, XSM_DM_PRIV)\n", runs[i].abi_name,
                   cli_errno_name((int)runs[i].sum.guest_3l_rc));
    free(o.policy_data);
    printf("hvsim demo: %s\n", failed ? "FAILED" : "ok");
    return failed ? 1 : 0;
}
