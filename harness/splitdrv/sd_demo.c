/* SPDX-License-Identifier: MIT */
/*
 * The demo's toolstack and vCPU scheduler (sd_demo.h).  The toolstack part
 * uses hvcore's own interfaces (domain_create, mm_populate_physmap, the
 * libraries' statistics and checkers), as a domain builder would; the
 * guests' code is front.c and back.c, which see only the public ABI.
 *
 * vCPUs are not threads of their own: a pCPU runs its share of them in
 * turn, each time taking the vCPU's upcall if its flag is set, then
 * running that vCPU's queues.  A queue does ring work only after an event
 * (or at start), so a lost event stalls the demo instead of going unseen.
 */
#include <common/domain.h>
#include <common/errno.h>
#include <common/string.h>
#include <common/xmalloc.h>
#include <hal/cpu.h>
#include <hal/time.h>
#include <libevtchn/evtchn.h>
#include <libgnttab/gnttab.h>
#include <libmm/heap.h>
#include <libmm/mm.h>

#include "sd_demo.h"
#include "splitdrv.h"

struct sd_dom {
    struct domain *d;
    bool env_ready;
    struct sd_env env;
    struct sd_evtchn ev;
    grant_entry_v1_t *gnttab;     /* frontends only */
};

struct sd_demo {
    struct sd_demo_config cfg;
    unsigned int nr_doms;         /* the backend, then the guests */
    unsigned int nr_queues;
    struct sd_dom *dom;
    struct sd_front *front;       /* queue g * vcpus + q */
    struct sd_back *back;
    bool *front_up, *back_up, *front_counted;
    unsigned int fronts_done;
    bool stalled;
    uint64_t start_ns, end_ns;
    uint64_t pages_before, pages_peak;
    unsigned long ports_peak;
    long guest_3l_rc;
    unsigned long pending_at_start;   /* ports pending before the run */
};

/**
 * Heap pages in use, after the deferred-free queue has drained, less the
 * frames backing vmap's own metadata: that grows with the highest number of
 * pages ever vmapped at once and is kept until mm_fini by design, so it is
 * a high-water mark, not something the run holds.
 */
static uint64_t sd_pages_in_use(void)
{
    struct mm_stats st;

    mm_deferred_flush();
    mm_get_stats(&st);
    return st.total_pages - st.free_pages - st.vmap_meta_pages;
}

static unsigned long sd_ports_in_use(struct sd_demo *demo)
{
    struct evtchn_domain_stats st;
    unsigned long n = 0;
    unsigned int i;

    for ( i = 0; i < demo->nr_doms; i++ )
        if ( demo->dom[i].d )
        {
            evtchn_domain_get_stats(demo->dom[i].d, &st);
            n += st.active_evtchns;
        }
    return n;
}

/** Creates a domain and gives it the RAM its role needs. */
static int sd_dom_create(struct sd_demo *demo, unsigned int i)
{
    const struct sd_demo_config *cfg = &demo->cfg;
    struct sd_dom *sd = &demo->dom[i];
    struct domain_config dc;
    bool backend = i == 0;
    unsigned long done;
    uint64_t pages;
    int rc;

    domain_config_default(&dc);
    dc.max_vcpus = cfg->vcpus;
    dc.privileged = backend;
    pages = cfg->vcpus + SD_L3_FRAMES + 64 +
            (backend ? (uint64_t)demo->nr_queues * SD_SECTORS
                     : cfg->vcpus * (1 + SD_RING_SIZE));
    dc.max_pages = pages;
    rc = domain_create((domid_t)(SD_DEMO_BACKEND_ID + i), &dc, &sd->d);
    if ( rc )
        return rc;
    rc = mm_populate_physmap(sd->d, _gfn(SD_ENV_ARG_GFN), cfg->vcpus, 0,
                             &done);
    if ( !rc && cfg->abi == EVTCHN_ABI_3LEVEL )
        rc = mm_populate_physmap(sd->d, _gfn(SD_L3_PENDING_GFN),
                                 SD_L3_FRAMES, 0, &done);
    if ( !rc && cfg->abi == EVTCHN_ABI_FIFO )
        rc = mm_populate_physmap(sd->d, _gfn(SD_FIFO_CB_GFN), SD_FIFO_FRAMES,
                                 0, &done);
    if ( !rc && backend )
        rc = mm_populate_physmap(sd->d, _gfn(SD_BACK_STORE_GFN),
                                 demo->nr_queues * SD_SECTORS, 0, &done);
    if ( !rc && !backend )
        rc = mm_populate_physmap(sd->d, _gfn(SD_FRONT_RING_GFN), cfg->vcpus,
                                 0, &done);
    if ( !rc && !backend )
        rc = mm_populate_physmap(sd->d, _gfn(SD_FRONT_DATA_GFN),
                                 cfg->vcpus * SD_RING_SIZE, 0, &done);
    if ( rc )
        return rc;
    rc = sd_env_init(&sd->env, sd->d);
    if ( rc )
        return rc;
    sd->env_ready = true;
    sd_evtchn_init(&sd->ev, &sd->env,
                   backend ? sd_back_event : sd_front_event);
    if ( cfg->abi == EVTCHN_ABI_3LEVEL )
    {
        /* The backend must get 3 levels; a guest may be refused them. */
        long r = sd_evtchn_setup_3l(&sd->ev);

        if ( backend && r )
            return (int)r;
        if ( !backend )
            demo->guest_3l_rc = r;
    }
    if ( cfg->abi == EVTCHN_ABI_FIFO )
    {
        /* FIFO is every domain's to use (Xen has no XSM hook for it). */
        long r = sd_evtchn_setup_fifo(&sd->ev);

        if ( r )
            return (int)r;
    }
    if ( !backend )
    {
        sd->gnttab = sd_front_map_gnttab(&sd->env);
        if ( !sd->gnttab )
            return -ENOMEM;
    }
    return 0;
}

/** Undoes everything built so far; returns the first error it saw. */
static int sd_demo_teardown(struct sd_demo *demo)
{
    unsigned int i;
    int rc = 0, r;

    for ( i = 0; i < demo->nr_queues; i++ )
    {
        if ( demo->back_up[i] && (r = sd_back_disconnect(&demo->back[i])) &&
             !rc )
            rc = r;
        demo->back_up[i] = false;
    }
    for ( i = 0; i < demo->nr_queues; i++ )
    {
        if ( demo->front_up[i] &&
             (r = sd_front_disconnect(&demo->front[i])) && !rc )
            rc = r;
        demo->front_up[i] = false;
    }
    return rc;
}

static void sd_demo_destroy_doms(struct sd_demo *demo)
{
    unsigned int i;

    for ( i = 0; i < demo->nr_doms; i++ )
    {
        struct sd_dom *sd = &demo->dom[i];

        if ( sd->env_ready )
        {
            sd_evtchn_fini(&sd->ev);
            if ( sd->gnttab )
                sd_env_unmap_global(&sd->env, sd->gnttab);
            sd_env_fini(&sd->env);
        }
        if ( sd->d )
        {
            while ( domain_destroy(sd->d) == -ERESTART )
                ;
            put_domain(sd->d);
        }
        memset(sd, 0, sizeof(*sd));
    }
}

static void sd_demo_free(struct sd_demo *demo)
{
    xfree(demo->front_counted);
    xfree(demo->back_up);
    xfree(demo->front_up);
    xfree(demo->back);
    xfree(demo->front);
    xfree(demo->dom);
    xfree(demo);
}

/** See sd_demo.h. */
int sd_demo_setup(const struct sd_demo_config *cfg, struct sd_demo **out,
                  struct sd_demo_summary *sum)
{
    struct sd_demo *demo;
    uint64_t before;
    unsigned int g, q;
    int rc;

    memset(sum, 0, sizeof(*sum));
    if ( !cfg->guests || cfg->guests > SD_DEMO_MAX_GUESTS || !cfg->vcpus ||
         cfg->vcpus > SD_ENV_MAX_VCPUS || !cfg->requests ||
         (cfg->abi != EVTCHN_ABI_2LEVEL && cfg->abi != EVTCHN_ABI_3LEVEL &&
          cfg->abi != EVTCHN_ABI_FIFO) )
    {
        sum->failure = "bad configuration";
        return -EINVAL;
    }
    before = sd_pages_in_use();
    demo = xzalloc(struct sd_demo);
    if ( !demo )
    {
        sum->failure = "out of memory";
        return -ENOMEM;
    }
    demo->cfg = *cfg;
    demo->pages_before = before;
    demo->nr_doms = 1 + cfg->guests;
    demo->nr_queues = cfg->guests * cfg->vcpus;
    demo->dom = xzalloc_array(struct sd_dom, demo->nr_doms);
    demo->front = xzalloc_array(struct sd_front, demo->nr_queues);
    demo->back = xzalloc_array(struct sd_back, demo->nr_queues);
    demo->front_up = xzalloc_array(bool, demo->nr_queues);
    demo->back_up = xzalloc_array(bool, demo->nr_queues);
    demo->front_counted = xzalloc_array(bool, demo->nr_queues);
    if ( !demo->dom || !demo->front || !demo->back || !demo->front_up ||
         !demo->back_up || !demo->front_counted )
    {
        rc = -ENOMEM;
        sum->failure = "out of memory";
        goto fail;
    }

    for ( g = 0; g < demo->nr_doms; g++ )
    {
        rc = sd_dom_create(demo, g);
        if ( rc )
        {
            sum->failure = "building a domain failed";
            goto fail;
        }
    }

    for ( g = 0; g < cfg->guests; g++ )
        for ( q = 0; q < cfg->vcpus; q++ )
        {
            unsigned int i = g * cfg->vcpus + q;
            struct sd_dom *fd = &demo->dom[1 + g], *bd = &demo->dom[0];
            /* Requests spread over the guest's queues, the rest to q 0. */
            unsigned long n = cfg->requests / cfg->vcpus +
                              (q ? 0 : cfg->requests % cfg->vcpus);
            struct sd_xs xs;

            rc = sd_front_connect(&demo->front[i], &fd->env, &fd->ev,
                                  fd->gnttab, SD_DEMO_BACKEND_ID, q, q, n,
                                  cfg->seed * 1000003ULL + i * 7919ULL + 1,
                                  &xs);
            if ( rc )
            {
                sum->failure = "frontend connect failed";
                goto fail;
            }
            demo->front_up[i] = true;
            rc = sd_back_connect(&demo->back[i], &bd->env, &bd->ev,
                                 fd->d->domain_id, i, q, &xs);
            if ( rc )
            {
                sum->failure = "backend connect failed";
                goto fail;
            }
            demo->back_up[i] = true;
        }
    demo->ports_peak = sd_ports_in_use(demo);
    for ( q = 0; q < demo->nr_queues; q++ )
        demo->pending_at_start +=
            sd_evtchn_is_pending(&demo->dom[0].ev, demo->back[q].port) +
            sd_evtchn_is_pending(
                &demo->dom[1 + q / cfg->vcpus].ev, demo->front[q].port);
    demo->pages_peak = sd_pages_in_use();
    demo->start_ns = hal_time_ns();
    *out = demo;
    return 0;

 fail:
    if ( demo->dom )
    {
        if ( demo->front_up && demo->back_up )
            (void)sd_demo_teardown(demo);
        sd_demo_destroy_doms(demo);
    }
    sd_demo_free(demo);
    return rc;
}

/** See sd_demo.h. */
unsigned long sd_demo_progress(const struct sd_demo *demo)
{
    unsigned long n = 0;
    unsigned int i;

    for ( i = 0; i < demo->nr_queues; i++ )
        n += hal_read_once(&demo->front[i].completed);
    return n;
}

/** Runs vCPU `v` of domain `di` once; true if anything moved. */
static bool sd_demo_run_vcpu(struct sd_demo *demo, unsigned int di,
                             unsigned int v)
{
    struct sd_dom *sd = &demo->dom[di];
    unsigned int vcpus = demo->cfg.vcpus, i;
    bool progress = false;

    if ( sd_evtchn_upcall_pending(&sd->ev, v) )
        progress = sd_evtchn_upcall(&sd->ev, v) != 0;
    if ( di == 0 )
    {
        for ( i = v; i < demo->nr_queues; i += vcpus )
            progress |= sd_back_run(&demo->back[i]);
        return progress;
    }
    i = (di - 1) * vcpus + v;
    progress |= sd_front_run(&demo->front[i]);
    if ( !demo->front_counted[i] && sd_front_done(&demo->front[i]) )
    {
        demo->front_counted[i] = true;
        hal_fetch_add(&demo->fronts_done, 1);
    }
    return progress;
}

/** See sd_demo.h. */
void sd_demo_run_cpu(struct sd_demo *demo, unsigned int cpu,
                     unsigned int ncpus)
{
    unsigned int nr_vcpus = demo->nr_doms * demo->cfg.vcpus, k;
    unsigned long seen = sd_demo_progress(demo), idle = 0;
    uint64_t since = hal_time_ns(), next_tick = since;
    unsigned long total = demo->cfg.requests * demo->cfg.guests;

    while ( hal_read_once(&demo->fronts_done) < demo->nr_queues &&
            !hal_read_once(&demo->stalled) )
    {
        bool progress = false;

        if ( cpu == 0 && demo->cfg.tick && hal_time_ns() >= next_tick )
        {
            demo->cfg.tick(demo->cfg.tick_arg, sd_demo_progress(demo),
                           total);
            next_tick = hal_time_ns() + demo->cfg.tick_ns;
        }
        for ( k = cpu; k < nr_vcpus; k += ncpus )
            progress |= sd_demo_run_vcpu(demo, k / demo->cfg.vcpus,
                                         k % demo->cfg.vcpus);
        if ( progress )
            continue;
        hal_cpu_relax();
        if ( ++idle % 256 )
            continue;
        if ( sd_demo_progress(demo) != seen )
        {
            seen = sd_demo_progress(demo);
            since = hal_time_ns();
        }
        else if ( hal_time_ns() - since > demo->cfg.stall_ns )
            hal_write_once(&demo->stalled, true);
    }
    if ( cpu == 0 )
        demo->end_ns = hal_time_ns();
}

/** Adds one side's counters to the summary. */
static void sd_demo_add(struct sd_demo_summary *sum,
                        const struct sd_counts *c)
{
    sum->sent += c->sent;
    sum->writes += c->writes;
    sum->reads += c->reads;
    sum->grant_maps += c->grant_maps;
    sum->grant_copies += c->grant_copies;
    sum->bytes += c->bytes;
    sum->errors += c->errors;
}

/** See sd_demo.h. */
int sd_demo_finish(struct sd_demo *demo, struct sd_demo_summary *sum)
{
    struct gnttab_info gi;
    unsigned int i, v;
    int rc;

    memset(sum, 0, sizeof(*sum));
    sum->backend_abi = demo->dom[0].ev.abi;
    sum->guest_abi = demo->dom[1].ev.abi;
    sum->guest_3l_rc = demo->guest_3l_rc;
    sum->queues = demo->nr_queues;
    sum->requests = demo->cfg.requests * demo->cfg.guests;
    sum->completed = sd_demo_progress(demo);
    sum->run_ns = (demo->end_ns ? demo->end_ns : hal_time_ns()) -
                  demo->start_ns;
    sum->ports_peak = demo->ports_peak;
    sum->pending_at_start = demo->pending_at_start;
    for ( i = 0; i < demo->nr_queues; i++ )
    {
        sd_demo_add(sum, &demo->front[i].c);
        sd_demo_add(sum, &demo->back[i].c);
        if ( !sum->failure && demo->front[i].error )
            sum->failure = demo->front[i].error;
        if ( !sum->failure && demo->back[i].error )
            sum->failure = demo->back[i].error;
    }
    for ( i = 0; i < demo->nr_doms; i++ )
        for ( v = 0; v < demo->cfg.vcpus; v++ )
        {
            sum->delivered += demo->dom[i].ev.delivered[v];
            sum->retriggered += demo->dom[i].ev.retriggered[v];
            sum->upcalls += demo->dom[i].ev.upcalls[v];
        }
    sum->pages_peak = sd_pages_in_use();
    if ( sum->pages_peak < demo->pages_peak )
        sum->pages_peak = demo->pages_peak;

    rc = sd_demo_teardown(demo);
    if ( rc && !sum->failure )
        sum->failure = "disconnect failed (a grant or port still in use)";
    sum->ports_after = sd_ports_in_use(demo);
    if ( gnttab_get_info(demo->dom[0].d, &gi) == 0 )
        sum->maptrack_after = gi.maptrack_in_use;
    sum->checks_ok = evtchn_check() == 0 && gnttab_check() == 0 &&
                     mm_check() == 0;

    sd_demo_destroy_doms(demo);
    sum->pages_before = demo->pages_before;
    if ( demo->stalled && !sum->failure )
        sum->failure = "stalled: no request completed (an event was lost?)";
    sd_demo_free(demo);
    sum->pages_after = sd_pages_in_use();

    if ( !sum->failure && sum->completed != sum->requests )
        sum->failure = "not every request completed";
    if ( !sum->failure && sum->errors )
        sum->failure = "errors were counted";
    if ( !sum->failure && (sum->ports_after || sum->maptrack_after) )
        sum->failure = "ports or grant mappings left after disconnect";
    if ( !sum->failure && !sum->checks_ok )
        sum->failure = "a library invariant checker failed";
    if ( !sum->failure && sum->pages_after != sum->pages_before )
        sum->failure = "pages in use after differ from before";
    return sum->failure ? -EIO : 0;
}
