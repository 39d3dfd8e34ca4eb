/* SPDX-License-Identifier: MIT */
/*
 * evtchn.abi.*: the three event channel ABIs side by side (issue 12), on
 * the real library.  Each world is one privileged domain of one vCPU (on a
 * direct map, as x86 Xen), switched to its ABI through the hypercall entry
 * by the harness's guest driver (harness/evtchn/guest_evtchn.c), then filled with loopback interdomain
 * channels (EVTCHNOP_alloc_unbound, EVTCHNOP_bind_interdomain to itself)
 * on every port below the count, so a send on one port marks its pair.
 * Port counts: 2-level 1k and its 4k limit; 3-level 1k, 32k, 131k, 262k;
 * FIFO 1k, 32k, 131k (its limit).  Per ABI and count:
 *
 *   evtchn.abi.send.<abi>.<n>    evtchn_send on a random active port;
 *                                after each, the guest takes the event by
 *                                clearing the peer's pending bit (FIFO:
 *                                PENDING and LINKED), as one busy taking
 *                                events would: selectors, upcall flag and
 *                                READY stay set, so every send marks a
 *                                port and FIFO links a new head
 *   evtchn.abi.scan.<abi>.<n>    the guest's scan for the next event
 *                                (guest_evtchn_scan: find-first over
 *                                selector and bitmaps, or READY, HEAD and
 *                                the event word), after a send on a random
 *                                port; only the scan is timed, each one
 *                                between two clock reads, less a third
 *                                read's interval right after (the
 *                                clock's own cost, under the same load);
 *                                intervals over 2 us (preempted) are
 *                                left out
 *   evtchn.abi.unmask.<abi>.<n>  evtchn_unmask of a random port the guest
 *                                masked while it was pending (FIFO: masked,
 *                                pending, unlinked, as a scan leaves a
 *                                masked event), so unmask re-raises it;
 *                                the guest takes the event after each
 *
 * The scan entries check that each scan takes exactly the port the send
 * marked, and every entry that no op failed: a failure aborts hvbench.
 * Memory facts are params, the same for a count's three entries, read from
 * the library at set-up: channel buckets and groups
 * (evtchn_domain_get_stats), the hypervisor pages the ABI itself took
 * (heap pages in use, libmm's mm_get_stats, less the channel pages), and
 * the guest's pages (3-level bitmaps and L2, FIFO event array and control
 * block; 2-level: the bitmaps' bytes in shared_info).  3-level always
 * registers the bitmaps of all 262,144 ports (the ABI asks for 8 pages
 * each), FIFO one event array page per 1024 ports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <common/hypercall.h>
#include <hal_sim/sim.h>
#include <libevtchn/evtchn.h>
#include <libmm/heap.h>
#include <libmm/mm.h>
#include <libmm/p2m.h>
#include <public/arch-x86/xen.h>
#include <public/event_channel.h>

#include "bench.h"
#include "guest_evtchn.h"
#include "world.h"

#define AB_ARG_GFN 0x10
#define AB_RAM_GFN 0x20
#define AB_RAM_PAGES (1 + GUEST_EVTCHN_FIFO_PAGES)
#define AB_L3_PORTS_PER_PAGE (PAGE_SIZE * 8U)
#define AB_FIFO_WORDS_PER_PAGE (PAGE_SIZE / sizeof(event_word_t))
/* A timed scan this long was preempted (a scan takes well under 1 us). */
#define AB_PREEMPTED_NS 2000U

enum ab_abi { AB_2L, AB_3L, AB_FIFO };

static const char *const ab_abi_name[] = { "2l", "3l", "fifo" };

/** One world: a domain on one ABI with `top` ports bound in pairs. */
struct ab_world {
    enum ab_abi abi;
    unsigned int ports;           /* the count: ports 1..ports-1 are used */
    struct domain *d;
    struct guest_evtchn g;
    unsigned int top;             /* bound ports are 1..top */
    uint32_t *peer;               /* peer[p]: the port a send on p marks */
    uint64_t rng;
    unsigned int taken, nr_taken; /* the guest's handler: last port, count */
    uint64_t scan_ns;             /* the scans' time, clock reads included */
    uint64_t clock_ns;            /* as long again with nothing between */
    uint64_t scans, clocks;       /* the intervals kept */
    char *params;
};

static long ab_op(struct domain *d, unsigned int vcpu, unsigned int cmd,
                  void *arg, size_t size)
{
    uint64_t args[HYPERCALL_NR_ARGS] = { cmd, AB_ARG_GFN << 12 };
    p2m_type_t t;
    void *page = sim_machine_frame(mfn_x(p2m_lookup(d, _gfn(AB_ARG_GFN), &t)));
    long rc;

    memcpy(page, arg, size);
    rc = hypercall_entry(d->vcpu[vcpu], __HYPERVISOR_event_channel_op, args);
    memcpy(arg, page, size);
    return rc;
}

/* The guest driver's hypercalls. */
static long ab_hypercall(void *ctx, unsigned int vcpu, unsigned int cmd,
                         void *arg, size_t size)
{
    struct ab_world *w = ctx;

    return ab_op(w->d, vcpu, cmd, arg, size);
}

/* The guest driver's handler: remembers what the scan took. */
static void ab_handler(void *arg, unsigned int vcpu, unsigned int port)
{
    struct ab_world *w = arg;

    (void)vcpu;
    w->taken = port;
    w->nr_taken++;
}

static void *ab_view(struct domain *d, uint64_t gfn)
{
    p2m_type_t t;

    return sim_machine_frame(mfn_x(p2m_lookup(d, _gfn(gfn), &t)));
}

/*
 * The guest switches to 3 levels.  The registration takes bitmaps for all
 * 262,144 ports whatever the guest uses (nr_pages must be 8).
 */
static long ab_setup_3l(struct ab_world *w)
{
    unsigned int i, nr = EVTCHN_3L_MAX_BITMAP_PAGES;
    uint64_t pend[EVTCHN_3L_MAX_BITMAP_PAGES], mask[EVTCHN_3L_MAX_BITMAP_PAGES];
    uint64_t l2 = AB_RAM_GFN + 2 * nr;
    void *pv[EVTCHN_3L_MAX_BITMAP_PAGES], *mv[EVTCHN_3L_MAX_BITMAP_PAGES];
    void *l2v = ab_view(w->d, l2);

    for ( i = 0; i < nr; i++ )
    {
        pend[i] = AB_RAM_GFN + i;
        mask[i] = AB_RAM_GFN + nr + i;
        pv[i] = memset(ab_view(w->d, pend[i]), 0, PAGE_SIZE);
        mv[i] = memset(ab_view(w->d, mask[i]), 0, PAGE_SIZE);
    }
    memset(l2v, 0, PAGE_SIZE);
    return guest_evtchn_setup_3l(&w->g, nr, pend, mask, &l2, pv, mv, &l2v);
}

/* The guest switches to FIFO with an event array for `ports` ports. */
static long ab_setup_fifo(struct ab_world *w)
{
    unsigned int i, nr = (w->ports + AB_FIFO_WORDS_PER_PAGE - 1) /
                         AB_FIFO_WORDS_PER_PAGE;
    uint64_t cb = AB_RAM_GFN, array[GUEST_EVTCHN_FIFO_PAGES];
    void *cbv = ab_view(w->d, cb), *av[GUEST_EVTCHN_FIFO_PAGES];

    for ( i = 0; i < nr; i++ )
    {
        array[i] = AB_RAM_GFN + 1 + i;
        av[i] = ab_view(w->d, array[i]);
    }
    return guest_evtchn_setup_fifo(&w->g, &cb, &cbv, nr, array, av);
}

/* Pages in use by the hypervisor itself: neither free nor a domain's. */
static uint64_t ab_hv_pages(void)
{
    struct mm_stats st;

    mm_get_stats(&st);
    return st.total_pages - st.free_pages - st.domain_pages;
}

/* Binds loopback pairs on every port below the count. */
static int ab_bind_all(struct ab_world *w)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF,
                                       .remote_dom = DOMID_SELF };
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };

    while ( w->top + 2 < w->ports )
    {
        if ( ab_op(w->d, 0, EVTCHNOP_alloc_unbound, &au, sizeof(au)) )
            return -1;
        bi.remote_port = au.port;
        if ( ab_op(w->d, 0, EVTCHNOP_bind_interdomain, &bi, sizeof(bi)) )
            return -1;
        if ( au.port != w->top + 1 || bi.local_port != w->top + 2 )
            return -1;
        w->peer[au.port] = bi.local_port;
        w->peer[bi.local_port] = au.port;
        w->top += 2;
    }
    return 0;
}

/*
 * The memory facts as params: channel storage from the library's
 * statistics, the ABI's own hypervisor pages (`hv_pages` taken over the
 * switch and the binds, less the channel pages they added), the guest's
 * pages.
 */
static void ab_format(struct ab_world *w, uint64_t hv_pages,
                      const struct evtchn_domain_stats *before)
{
    struct evtchn_domain_stats st;
    const struct shared_info *si = NULL;
    unsigned int chn_pages, guest_pages;
    uint64_t abi_pages, guest_bytes;

    evtchn_domain_get_stats(w->d, &st);
    chn_pages = st.buckets + st.groups;
    abi_pages = hv_pages - (chn_pages - before->buckets - before->groups);
    guest_pages = w->abi == AB_3L ? st.l3_pages
                  : w->abi == AB_FIFO ? st.fifo_pages : 0;
    /* 2-level: the bitmaps are in shared_info, a hypervisor page. */
    guest_bytes = w->abi == AB_2L ? sizeof(si->evtchn_pending) +
                                        sizeof(si->evtchn_mask)
                                  : (uint64_t)guest_pages * PAGE_SIZE;
    snprintf(w->params, 512,
             "{\"abi\":\"%s\",\"ports\":%u,\"active_ports\":%u,\"vcpus\":1,"
             "\"buckets\":%u,\"groups\":%u,\"chn_bytes_per_port\":%.3f,"
             "\"abi_hv_pages\":%llu,\"hv_bytes_per_port\":%.3f,"
             "\"guest_pages\":%u,\"guest_bytes_per_port\":%.3f}",
             ab_abi_name[w->abi], w->ports, st.active_evtchns, st.buckets,
             st.groups, (double)chn_pages * PAGE_SIZE / st.active_evtchns,
             (unsigned long long)abi_pages,
             (double)(chn_pages + abi_pages) * PAGE_SIZE / st.active_evtchns,
             guest_pages, (double)guest_bytes / st.active_evtchns);
}

/* A random bound port (xorshift, then a multiply for the range). */
static inline unsigned int ab_random_port(struct ab_world *w)
{
    uint64_t x = w->rng;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    w->rng = x;
    return 1 + (unsigned int)(((x >> 32) * w->top) >> 32);
}

/*
 * The guest takes `port`'s event without a scan: clears PENDING (and, for
 * FIFO, LINKED and LINK, as its consumer unlinks).  Returns whether it was
 * pending.
 */
static inline bool ab_take(struct ab_world *w, unsigned int port)
{
    volatile uint64_t *word;
    uint64_t bit = 1ULL << (port % 64), old;

    if ( w->abi == AB_FIFO )
    {
        volatile event_word_t *ew =
            &w->g.fifo_array[port / AB_FIFO_WORDS_PER_PAGE]
                            [port % AB_FIFO_WORDS_PER_PAGE];
        event_word_t o = *ew;

        *ew = o & ~((1U << EVTCHN_FIFO_PENDING) |
                    (1U << EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK);
        return o & (1U << EVTCHN_FIFO_PENDING);
    }
    if ( w->abi == AB_3L )
        word = &w->g.l3_pending[port / AB_L3_PORTS_PER_PAGE]
                               [(port % AB_L3_PORTS_PER_PAGE) / 64];
    else
        word = (volatile uint64_t *)&((struct shared_info *)w->g.shared_info)
                   ->evtchn_pending[port / 64];
    old = *word;
    *word = old & ~bit;
    return old & bit;
}

/*
 * The guest masks `port` while it is pending: MASKED and PENDING set
 * (FIFO: unlinked, as a scan leaves a masked event it skipped).
 */
static inline void ab_mask_pending(struct ab_world *w, unsigned int port)
{
    uint64_t bit = 1ULL << (port % 64);

    if ( w->abi == AB_FIFO )
    {
        volatile event_word_t *ew =
            &w->g.fifo_array[port / AB_FIFO_WORDS_PER_PAGE]
                            [port % AB_FIFO_WORDS_PER_PAGE];

        *ew = (1U << EVTCHN_FIFO_PENDING) | (1U << EVTCHN_FIFO_MASKED);
    }
    else if ( w->abi == AB_3L )
    {
        unsigned int pg = port / AB_L3_PORTS_PER_PAGE;
        unsigned int i = (port % AB_L3_PORTS_PER_PAGE) / 64;

        ((volatile uint64_t *)w->g.l3_mask[pg])[i] |= bit;
        ((volatile uint64_t *)w->g.l3_pending[pg])[i] |= bit;
    }
    else
    {
        struct shared_info *si = w->g.shared_info;

        ((volatile uint64_t *)si->evtchn_mask)[port / 64] |= bit;
        ((volatile uint64_t *)si->evtchn_pending)[port / 64] |= bit;
    }
}

/*
 * After an unmask of a masked pending port: unmasked and still pending,
 * and for FIFO linked again.
 */
static inline bool ab_raised(struct ab_world *w, unsigned int port)
{
    uint64_t bit = 1ULL << (port % 64), pend, mask;

    if ( w->abi == AB_FIFO )
    {
        event_word_t ew = ((volatile event_word_t *)
                           w->g.fifo_array[port / AB_FIFO_WORDS_PER_PAGE])
            [port % AB_FIFO_WORDS_PER_PAGE];

        return (ew & ((1U << EVTCHN_FIFO_PENDING) |
                      (1U << EVTCHN_FIFO_MASKED) |
                      (1U << EVTCHN_FIFO_LINKED))) ==
               ((1U << EVTCHN_FIFO_PENDING) | (1U << EVTCHN_FIFO_LINKED));
    }
    if ( w->abi == AB_3L )
    {
        unsigned int pg = port / AB_L3_PORTS_PER_PAGE;
        unsigned int i = (port % AB_L3_PORTS_PER_PAGE) / 64;

        pend = ((volatile uint64_t *)w->g.l3_pending[pg])[i];
        mask = ((volatile uint64_t *)w->g.l3_mask[pg])[i];
    }
    else
    {
        struct shared_info *si = w->g.shared_info;

        pend = ((volatile uint64_t *)si->evtchn_pending)[port / 64];
        mask = ((volatile uint64_t *)si->evtchn_mask)[port / 64];
    }
    return (pend & ~mask & bit) != 0;
}

/* A failed self-check: says what and stops hvbench. */
static void ab_fail(struct ab_world *w, const char *what, unsigned int a,
                    unsigned int b)
{
    fprintf(stderr, "evtchn.abi: %s %u ports: %s (%u, %u)\n",
            ab_abi_name[w->abi], w->ports, what, a, b);
    abort();
}

/*
 * The world for `abi` and `ports`: the domain, its ABI, the channels, the
 * memory facts into `params`; then every event the binds raised is taken
 * by the guest's scans (which leave the selectors clear), and if `busy`
 * each port is sent on once and taken (selector and L2 bits, the upcall
 * flag and READY set, as while the guest is busy taking events).
 */
static int ab_setup(void **state, enum ab_abi abi, unsigned int ports,
                    char *params, bool busy)
{
    struct ab_world *w = calloc(1, sizeof(*w));
    struct domain_config cfg;
    struct evtchn_domain_stats before;
    unsigned long done;
    uint64_t hv0;
    mfn_t vi_mfn;
    unsigned int vi_off, p;
    long rc = 0;

    if ( !w || !(w->peer = calloc(ports, sizeof(*w->peer))) )
        goto fail;
    w->abi = abi;
    w->ports = ports;
    w->params = params;
    w->rng = 0x9e3779b97f4a7c15ULL;
    /*
     * A direct map, as x86 Xen has: the set-up's half a million hypercall
     * copies then map nothing (with mapping slots, 262k ports take
     * seconds), and the guest pages the ABIs map are direct-map addresses.
     */
    mm_config_directmap(true);
    if ( world_start_xsm(64ULL << 20, 1, WORLD_XSM_DUMMY) )
        goto fail;
    domain_config_default(&cfg);
    cfg.max_vcpus = 1;
    /* 3-level is for privileged guests (XSM_DM_PRIV); all ABIs get one. */
    cfg.privileged = true;
    cfg.max_pages = 256;
    cfg.max_evtchn_port = EVTCHN_MAX_PORTS;
    if ( domain_create(1, &cfg, &w->d) ||
         mm_populate_physmap(w->d, _gfn(AB_ARG_GFN), 1, 0, &done) ||
         mm_populate_physmap(w->d, _gfn(AB_RAM_GFN), AB_RAM_PAGES, 0, &done) ||
         evtchn_vcpu_info_location(w->d, 0, &vi_mfn, &vi_off) )
        goto fail_world;
    w->g.nr_vcpus = 1;
    w->g.abi = EVTCHN_ABI_2LEVEL;
    w->g.shared_info = sim_machine_frame(mfn_x(evtchn_shared_info_mfn(w->d)));
    w->g.vcpu_info[0] = (char *)sim_machine_frame(mfn_x(vi_mfn)) + vi_off;
    w->g.hypercall = ab_hypercall;
    w->g.ctx = w;
    w->g.handler = ab_handler;
    w->g.handler_arg = w;

    evtchn_domain_get_stats(w->d, &before);
    hv0 = ab_hv_pages();
    if ( abi == AB_3L )
        rc = ab_setup_3l(w);
    else if ( abi == AB_FIFO )
        rc = ab_setup_fifo(w);
    if ( rc || ab_bind_all(w) )
    {
        fprintf(stderr, "evtchn.abi: %s %u ports: set-up failed (%ld)\n",
                ab_abi_name[abi], ports, rc);
        goto fail_world;
    }
    ab_format(w, ab_hv_pages() - hv0, &before);

    while ( guest_evtchn_scan(&w->g, 0) )
        continue;
    for ( p = 1; busy && p <= w->top; p++ )
        if ( evtchn_send(w->d, p) || !ab_take(w, w->peer[p]) )
            ab_fail(w, "warm-up send not marked", p, w->peer[p]);
    *state = w;
    return 0;

 fail_world:
    if ( w->d )
        put_domain(w->d);
    world_stop();
 fail:
    if ( w )
        free(w->peer);
    free(w);
    return 1;
}

static void ab_teardown(void *state)
{
    struct ab_world *w = state;

    put_domain(w->d);
    world_stop();
    free(w->peer);
    free(w);
}

/*
 * The send and unmask loops, one body: inlined into each with `unmask`
 * constant, so each loop holds only its own op.
 */
static inline __attribute__((always_inline)) uint64_t
ab_run_op(struct ab_world *w, uint64_t iterations, bool unmask)
{
    uint64_t i, missed = 0;
    int rc = 0;

    for ( i = 0; i < iterations; i++ )
    {
        unsigned int p = ab_random_port(w);

        if ( unmask )
        {
            ab_mask_pending(w, p);
            rc |= evtchn_unmask(w->d, p);
            missed += !ab_raised(w, p);
            ab_take(w, p);
        }
        else
        {
            rc |= evtchn_send(w->d, p);
            missed += !ab_take(w, w->peer[p]);
        }
    }
    if ( rc || missed )
        ab_fail(w, unmask ? "unmask failed or raised nothing (-rc, misses)"
                          : "send failed or marked nothing (-rc, misses)",
                (unsigned int)-rc, (unsigned int)missed);
    return iterations;
}

static uint64_t ab_run_send(void *state, uint64_t iterations)
{
    return ab_run_op(state, iterations, false);
}

static uint64_t ab_run_scan(void *state, uint64_t iterations)
{
    struct ab_world *w = state;
    uint64_t i;

    for ( i = 0; i < iterations; i++ )
    {
        unsigned int p = ab_random_port(w), n;
        uint64_t t0, t1, t2;

        if ( evtchn_send(w->d, p) )
            ab_fail(w, "send failed", p, 0);
        w->nr_taken = 0;
        t0 = bench_now_ns();
        n = guest_evtchn_scan(&w->g, 0);
        t1 = bench_now_ns();
        t2 = bench_now_ns();
        /* An interval the host preempted says nothing: left out. */
        if ( t1 - t0 < AB_PREEMPTED_NS )
        {
            w->scan_ns += t1 - t0;
            w->scans++;
        }
        if ( t2 - t1 < AB_PREEMPTED_NS )
        {
            w->clock_ns += t2 - t1;
            w->clocks++;
        }
        if ( n != 1 || w->nr_taken != 1 || w->taken != w->peer[p] )
            ab_fail(w, "the scan did not take exactly the port sent to",
                    w->peer[p], w->nr_taken ? w->taken : 0);
    }
    return iterations;
}

/*
 * The scans' own time: the mean scan interval less the mean interval of the
 * back-to-back clock reads that follow each scan (the clock's own cost,
 * measured under the same load).
 */
static double ab_scan_ns(void *state, double measured_ns_per_op)
{
    struct ab_world *w = state;
    double ns = (double)w->scan_ns / (double)w->scans -
                (double)w->clock_ns / (double)w->clocks;

    (void)measured_ns_per_op;
    return ns > 0 ? ns : 0;
}

static uint64_t ab_run_unmask(void *state, uint64_t iterations)
{
    return ab_run_op(state, iterations, true);
}

/* Each count's memory facts, shared by its three entries. */
#define AB_NR_WORLDS 9
static char ab_params[AB_NR_WORLDS][512];

#define AB_SETUPS(a, ABI, n, N, i)                                          \
    static int ab_setup_##a##_##n(void **st, uint64_t iterations)           \
    {                                                                       \
        (void)iterations;                                                   \
        return ab_setup(st, ABI, N, ab_params[i], true);                    \
    }                                                                       \
    static int ab_setup_##a##_##n##_idle(void **st, uint64_t iterations)    \
    {                                                                       \
        (void)iterations;                                                   \
        return ab_setup(st, ABI, N, ab_params[i], false);                   \
    }
AB_SETUPS(2l, AB_2L, 1k, 1024, 0)
AB_SETUPS(2l, AB_2L, 4k, 4096, 1)
AB_SETUPS(3l, AB_3L, 1k, 1024, 2)
AB_SETUPS(3l, AB_3L, 32k, 32768, 3)
AB_SETUPS(3l, AB_3L, 131k, 131072, 4)
AB_SETUPS(3l, AB_3L, 262k, 262144, 5)
AB_SETUPS(fifo, AB_FIFO, 1k, 1024, 6)
AB_SETUPS(fifo, AB_FIFO, 32k, 32768, 7)
AB_SETUPS(fifo, AB_FIFO, 131k, 131072, 8)

#define AB_ENTRIES(a, n, i)                                                 \
    { .name = "evtchn.abi.send." #a "." #n, .params = ab_params[i],         \
      .setup = ab_setup_##a##_##n, .run = ab_run_send,                      \
      .teardown = ab_teardown, .default_iterations = 500000 },              \
    { .name = "evtchn.abi.scan." #a "." #n, .params = ab_params[i],         \
      .setup = ab_setup_##a##_##n##_idle, .run = ab_run_scan,               \
      .adjust_ns = ab_scan_ns, .teardown = ab_teardown,                     \
      .default_iterations = 200000 },                                       \
    { .name = "evtchn.abi.unmask." #a "." #n, .params = ab_params[i],       \
      .setup = ab_setup_##a##_##n, .run = ab_run_unmask,                    \
      .teardown = ab_teardown, .default_iterations = 500000 }

const struct bench bench_evtchn_abi_list[] = {
    AB_ENTRIES(2l, 1k, 0),
    AB_ENTRIES(2l, 4k, 1),
    AB_ENTRIES(3l, 1k, 2),
    AB_ENTRIES(3l, 32k, 3),
    AB_ENTRIES(3l, 131k, 4),
    AB_ENTRIES(3l, 262k, 5),
    AB_ENTRIES(fifo, 1k, 6),
    AB_ENTRIES(fifo, 32k, 7),
    AB_ENTRIES(fifo, 131k, 8),
    { .name = NULL },
};
