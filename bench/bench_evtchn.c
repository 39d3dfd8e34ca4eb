/* SPDX-License-Identifier: MIT */
/*
 * Event channel benchmarks.  Each sends (or unmasks) on one channel with
 * the receiver's pending bit cleared before every op, as the guest would
 * after taking the event, so every op takes the full path:
 *   evtchn.send.2l          interdomain send, 2-level receiver
 *   evtchn.send.2l.flask    the same under FLASK (built-in policy)
 *   evtchn.send.3l          interdomain send, 3-level receiver
 *   evtchn.send.fifo        interdomain send, FIFO receiver (the event
 *                           word's PENDING and LINKED cleared before each
 *                           send, so each links a new head)
 *   evtchn.unmask.2l        unmask of a masked, pending 2-level port
 *   evtchn.send.hypercall   the whole hypercall path (entry, copy-in, send),
 *                           with a direct map (guest copies map nothing)
 *   evtchn.slots.send.hypercall  the same with map_domain_page slots
 * The calibration entries (calib.*) in the same run give the ratios.
 */
#include <stdlib.h>
#include <string.h>

#include <common/hypercall.h>
#include <common/init.h>
#include <hal_sim/sim.h>
#include <libevtchn/evtchn.h>
#include <libmm/mm.h>
#include <libxsm/xsm.h>
#include <public/arch-x86/xen.h>
#include <public/event_channel.h>

#include "bench.h"
#include "world.h"

#define ARG_GFN 0x10
#define RAM_GFN 0x20

struct evb {
    struct domain *a, *b;
    unsigned int aport, bport;
    volatile uint64_t *pending_word;  /* the receiver's word for bport */
    volatile uint64_t *mask_word;
    uint64_t bit;
    uint64_t args[HYPERCALL_NR_ARGS];
};

static long op(struct domain *d, unsigned int cmd, void *arg, size_t size)
{
    uint64_t args[HYPERCALL_NR_ARGS] = { cmd, ARG_GFN << 12 };
    p2m_type_t t;
    void *page = sim_machine_frame(mfn_x(p2m_lookup(d, _gfn(ARG_GFN), &t)));
    long rc;

    memcpy(page, arg, size);
    rc = hypercall_entry(d->vcpu[0], 32, args);
    memcpy(arg, page, size);
    return rc;
}

static int make(domid_t id, bool priv, struct domain **d)
{
    struct domain_config cfg;
    unsigned long done;

    domain_config_default(&cfg);
    cfg.privileged = priv;
    cfg.max_pages = 256;
    cfg.max_evtchn_port = 300000;
    if ( domain_create(id, &cfg, d) )
        return -1;
    return mm_populate_physmap(*d, _gfn(ARG_GFN), 1, 0, &done) ||
           mm_populate_physmap(*d, _gfn(RAM_GFN), 24, 0, &done) ? -1 : 0;
}

static void *gfn_view(struct domain *d, uint64_t gfn)
{
    p2m_type_t t;

    return sim_machine_frame(mfn_x(p2m_lookup(d, _gfn(gfn), &t)));
}

enum evb_abi { EVB_2L, EVB_3L, EVB_FIFO };

/* A world with domains A (sender) and B (receiver) and one channel. */
static int world(void **state, enum world_xsm xsm, enum evb_abi abi,
                 bool directmap)
{
    struct evb *x = calloc(1, sizeof(*x));
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 1 };
    struct evtchn_bind_interdomain bi = { .remote_dom = 2 };
    unsigned int i;

    if ( !x )
        return 1;
    mm_config_directmap(directmap);
    if ( world_start_xsm(64UL << 20, 1, xsm) )
        goto fail;
    if ( make(1, false, &x->a) || make(2, true, &x->b) )
        goto fail_core;
    if ( abi == EVB_FIFO )
    {
        struct evtchn_init_control c = { .control_gfn = RAM_GFN };
        struct evtchn_expand_array e = { .array_gfn = RAM_GFN + 1 };

        if ( op(x->b, EVTCHNOP_init_control, &c, sizeof(c)) ||
             op(x->b, EVTCHNOP_expand_array, &e, sizeof(e)) )
            goto fail_core;
    }
    if ( abi == EVB_3L )
    {
        struct evtchn_register_extended r = {
            .cmd = EVTCHN_EXTENDED_REGISTER_BITMAPS };
        struct evtchn_bind_ipi ipi = { .vcpu = 0 };

        r.u.bitmaps.nr_pages = 8;
        for ( i = 0; i < 8; i++ )
        {
            r.u.bitmaps.pending_gfn[i] = RAM_GFN + i;
            r.u.bitmaps.mask_gfn[i] = RAM_GFN + 8 + i;
        }
        if ( op(x->b, EVTCHNOP_register_extended, &r, sizeof(r)) )
            goto fail_core;
        r.cmd = EVTCHN_EXTENDED_REGISTER_L2;
        r.u.l2.vcpu = 0;
        r.u.l2.gfn = RAM_GFN + 16;
        r.u.l2.offset = 0;
        if ( op(x->b, EVTCHNOP_register_extended, &r, sizeof(r)) )
            goto fail_core;
        /* Put the receiver's port above the 2-level limit. */
        for ( i = 1; i < 5000; i++ )
            if ( op(x->b, EVTCHNOP_bind_ipi, &ipi, sizeof(ipi)) )
                goto fail_core;
    }
    if ( op(x->b, EVTCHNOP_alloc_unbound, &au, sizeof(au)) )
        goto fail_core;
    bi.remote_port = au.port;
    if ( op(x->a, EVTCHNOP_bind_interdomain, &bi, sizeof(bi)) )
        goto fail_core;
    x->aport = bi.local_port;
    x->bport = au.port;
    x->bit = 1ULL << (x->bport % 64);
    if ( abi == EVB_FIFO )
    {
        /* The 64-bit word holding the port's event word (ports < 1024). */
        uint64_t *array = gfn_view(x->b, RAM_GFN + 1);

        x->pending_word = array + x->bport / 2;
        x->mask_word = x->pending_word;
        x->bit = (uint64_t)((1U << EVTCHN_FIFO_PENDING) |
                            (1U << EVTCHN_FIFO_LINKED))
                 << (32 * (x->bport % 2));
    }
    else if ( abi == EVB_3L )
    {
        uint64_t *pend = gfn_view(x->b, RAM_GFN + x->bport / 32768);
        uint64_t *mask = gfn_view(x->b, RAM_GFN + 8 + x->bport / 32768);

        x->pending_word = pend + (x->bport % 32768) / 64;
        x->mask_word = mask + (x->bport % 32768) / 64;
    }
    else
    {
        struct shared_info *si =
            sim_machine_frame(mfn_x(evtchn_shared_info_mfn(x->b)));

        x->pending_word =
            (volatile uint64_t *)&si->evtchn_pending[x->bport / 64];
        x->mask_word = (volatile uint64_t *)&si->evtchn_mask[x->bport / 64];
    }
    /* The sender's hypercall argument, in place once. */
    {
        struct evtchn_send s = { .port = x->aport };

        memcpy(gfn_view(x->a, ARG_GFN), &s, sizeof(s));
        x->args[0] = EVTCHNOP_send;
        x->args[1] = ARG_GFN << 12;
    }
    /* One send first: the selector and upcall bits are set from now on,
     * as they are while a guest is busy taking events. */
    if ( evtchn_send(x->a, x->aport) || !(*x->pending_word & x->bit) )
        goto fail_core;
    *state = x;
    return 0;

 fail_core:
    world_stop();
 fail:
    free(x);
    return 1;
}

static void teardown(void *state)
{
    struct evb *x = state;

    put_domain(x->a);
    put_domain(x->b);
    world_stop();
    free(x);
}

static int setup_2l(void **state, uint64_t iterations)
{
    (void)iterations;
    return world(state, WORLD_XSM_DUMMY, EVB_2L, false);
}

static int setup_2l_flask(void **state, uint64_t iterations)
{
    (void)iterations;
    return world(state, WORLD_XSM_FLASK, EVB_2L, false);
}

static int setup_3l(void **state, uint64_t iterations)
{
    (void)iterations;
    return world(state, WORLD_XSM_DUMMY, EVB_3L, false);
}

static int setup_fifo(void **state, uint64_t iterations)
{
    (void)iterations;
    return world(state, WORLD_XSM_DUMMY, EVB_FIFO, false);
}

/* The hypercall path with a direct map: guest copies map nothing, as on
 * x86 Xen. */
static int setup_2l_directmap(void **state, uint64_t iterations)
{
    (void)iterations;
    return world(state, WORLD_XSM_DUMMY, EVB_2L, true);
}

static uint64_t run_send(void *state, uint64_t iterations)
{
    struct evb *x = state;
    uint64_t i;

    for ( i = 0; i < iterations; i++ )
    {
        *x->pending_word &= ~x->bit;
        bench_keep(evtchn_send(x->a, x->aport));
    }
    return iterations;
}

static uint64_t run_unmask(void *state, uint64_t iterations)
{
    struct evb *x = state;
    uint64_t i;

    for ( i = 0; i < iterations; i++ )
    {
        *x->mask_word |= x->bit;
        bench_keep(evtchn_unmask(x->b, x->bport));
    }
    return iterations;
}

static uint64_t run_hypercall(void *state, uint64_t iterations)
{
    struct evb *x = state;
    struct vcpu *v = x->a->vcpu[0];
    volatile uint64_t *pending = x->pending_word;
    uint64_t *args = x->args, clear = ~x->bit, i;

    /* Loop-invariant loads hoisted: callgrind's count per send is the
     * hypercall's, plus the pending bit's clearing and the loop.  The
     * arguments stay in args[] (hypercall_entry does not rewrite them). */
    for ( i = 0; i < iterations; i++ )
    {
        *pending &= clear;
        bench_keep(hypercall_entry(v, 32, args));
    }
    return iterations;
}

const struct bench bench_evtchn_list[] = {
    { .name = "evtchn.send.2l", .params = "{\"xsm\":\"dummy\"}",
      .setup = setup_2l, .run = run_send, .teardown = teardown },
    { .name = "evtchn.send.2l.flask", .params = "{\"xsm\":\"flask\"}",
      .setup = setup_2l_flask, .run = run_send, .teardown = teardown },
    { .name = "evtchn.send.3l", .params = "{\"xsm\":\"dummy\",\"port\":5000}",
      .setup = setup_3l, .run = run_send, .teardown = teardown },
    { .name = "evtchn.send.fifo", .params = "{\"xsm\":\"dummy\"}",
      .setup = setup_fifo, .run = run_send, .teardown = teardown },
    { .name = "evtchn.unmask.2l", .params = "{\"xsm\":\"dummy\"}",
      .setup = setup_2l, .run = run_unmask, .teardown = teardown },
    { .name = "evtchn.send.hypercall",
      .params = "{\"xsm\":\"dummy\",\"directmap\":true}",
      .setup = setup_2l_directmap, .run = run_hypercall,
      .teardown = teardown },
    { .name = "evtchn.slots.send.hypercall",
      .params = "{\"xsm\":\"dummy\",\"directmap\":false}",
      .setup = setup_2l, .run = run_hypercall, .teardown = teardown },
    { .name = NULL },
};
