/* SPDX-License-Identifier: MIT */
/*
 * The split driver guest's upcall (sd_evtchn.h).  64-bit guests: selector
 * and bitmap words are 64 bits; shared_info and vcpu_info offsets come from
 * public/arch-x86/xen.h.  FIFO is the harness's guest driver, given this
 * guest's hypercalls and handlers.
 */
#include <common/errno.h>
#include <common/string.h>
#include <common/types.h>
#include <hal/atomic.h>
#include <public/arch-x86/xen.h>
#include <public/xen.h>

#include "sd_evtchn.h"

#define SD_L3_BITS_PER_PAGE (PAGE_SIZE * 8U)
#define SD_L3_WORDS_PER_PAGE (PAGE_SIZE / 8U)

static_assert(SD_FIFO_PAGES >= 1 && SD_FIFO_PAGES <= GUEST_EVTCHN_FIFO_PAGES,
              "the FIFO event array holds the driver's ports");
static_assert(SD_FIFO_ARRAY_GFN >= SD_FIFO_CB_GFN + SD_ENV_MAX_VCPUS &&
              SD_FIFO_FRAMES <= SD_L3_FRAMES,
              "the FIFO frames fit where the 3-level ones go");

static struct vcpu_info *sd_vi(struct sd_evtchn *ev, unsigned int vcpu)
{
    return ev->env->vcpu_info[vcpu];
}

static struct shared_info *sd_si(struct sd_evtchn *ev)
{
    return ev->env->shared_info;
}

/** See sd_evtchn.h. */
void sd_evtchn_init(struct sd_evtchn *ev, struct sd_env *env,
                    void (*handler)(void *arg, unsigned int port))
{
    memset(ev, 0, sizeof(*ev));
    ev->env = env;
    ev->abi = EVTCHN_ABI_2LEVEL;
    ev->handler = handler;
    memset(ev->port_vcpu, SD_EVTCHN_NO_VCPU, sizeof(ev->port_vcpu));
}

/** Maps and zeroes the guest's frame `gfn` for good; NULL if absent. */
static uint64_t *sd_evtchn_page(struct sd_evtchn *ev, uint64_t gfn)
{
    uint64_t *p = sd_env_map_global(ev->env, gfn);

    if ( p )
        memset(p, 0, PAGE_SIZE);
    return p;
}

/** See sd_evtchn.h. */
long sd_evtchn_setup_3l(struct sd_evtchn *ev)
{
    struct evtchn_register_extended r;
    unsigned int i;
    long rc;

    memset(&r, 0, sizeof(r));
    r.cmd = EVTCHN_EXTENDED_REGISTER_BITMAPS;
    r.u.bitmaps.nr_pages = EVTCHN_3L_MAX_BITMAP_PAGES;
    for ( i = 0; i < EVTCHN_3L_MAX_BITMAP_PAGES; i++ )
    {
        r.u.bitmaps.pending_gfn[i] = SD_L3_PENDING_GFN + i;
        r.u.bitmaps.mask_gfn[i] = SD_L3_MASK_GFN + i;
        ev->l3_pending[i] = sd_evtchn_page(ev, SD_L3_PENDING_GFN + i);
        ev->l3_mask[i] = sd_evtchn_page(ev, SD_L3_MASK_GFN + i);
        if ( !ev->l3_pending[i] || !ev->l3_mask[i] )
        {
            rc = -ENOMEM;
            goto fail;
        }
    }
    for ( i = 0; i < ev->env->nr_vcpus; i++ )
    {
        ev->l2[i] = sd_evtchn_page(ev, SD_L3_L2_GFN + i);
        if ( !ev->l2[i] )
        {
            rc = -ENOMEM;
            goto fail;
        }
    }
    /*
     * From the registration on, events arrive in L3; the driver has no
     * port yet, so nothing is in flight across the switch.
     */
    rc = sd_env_hypercall(ev->env, 0, __HYPERVISOR_event_channel_op,
                          EVTCHNOP_register_extended, &r, sizeof(r), 0);
    if ( rc )
        goto fail;
    ev->abi = EVTCHN_ABI_3LEVEL;
    for ( i = 0; i < ev->env->nr_vcpus; i++ )
    {
        memset(&r, 0, sizeof(r));
        r.cmd = EVTCHN_EXTENDED_REGISTER_L2;
        r.u.l2.vcpu = i;
        r.u.l2.gfn = SD_L3_L2_GFN + i;
        rc = sd_env_hypercall(ev->env, i, __HYPERVISOR_event_channel_op,
                              EVTCHNOP_register_extended, &r, sizeof(r), 0);
        if ( rc )
            return rc; /* registered bitmaps stay: the domain is on 3 levels */
    }
    return 0;

 fail:
    sd_evtchn_fini(ev);
    return rc;
}

/** The FIFO driver's hypercalls: event_channel_op as vCPU `vcpu`. */
static long sd_fifo_hypercall(void *ctx, unsigned int vcpu, unsigned int cmd,
                              void *arg, size_t size)
{
    struct sd_evtchn *ev = ctx;

    return sd_env_hypercall(ev->env, vcpu, __HYPERVISOR_event_channel_op,
                            cmd, arg, (unsigned int)size, 0);
}

/**
 * The FIFO driver took `port` off `vcpu`'s queue (unlinked, PENDING
 * cleared).  A port's event stays on the queue it was linked on when
 * EVTCHNOP_bind_vcpu moves the port (Xen's last-queue rule), so the
 * backend's bind-time event may turn up on vCPU 0 for a port of another
 * vCPU.  Only the owner runs a port's handler (the queues have no locks),
 * so such an event is raised again, now on the owner's queue.
 */
static void sd_fifo_event(void *arg, unsigned int vcpu, unsigned int port)
{
    struct sd_evtchn *ev = arg;
    unsigned int owner = port < SD_EVTCHN_MAX_PORTS
                             ? hal_load_acquire(&ev->port_vcpu[port])
                             : SD_EVTCHN_NO_VCPU;

    if ( owner == vcpu )
    {
        ev->handler(ev->port_arg[port], port);
        ev->delivered[vcpu]++;
    }
    else if ( owner != SD_EVTCHN_NO_VCPU &&
              !guest_evtchn_retrigger(&ev->fifo, vcpu, port) )
        ev->retriggered[vcpu]++;
}

/** See sd_evtchn.h. */
long sd_evtchn_setup_fifo(struct sd_evtchn *ev)
{
    struct guest_evtchn *g = &ev->fifo;
    uint64_t cb_gfn[SD_ENV_MAX_VCPUS], array_gfn[SD_FIFO_PAGES];
    void *cb[SD_ENV_MAX_VCPUS], *array[SD_FIFO_PAGES];
    unsigned int i;
    long rc;

    g->nr_vcpus = ev->env->nr_vcpus;
    g->abi = ev->abi;
    g->shared_info = ev->env->shared_info;
    g->hypercall = sd_fifo_hypercall;
    g->ctx = ev;
    g->handler = sd_fifo_event;
    g->handler_arg = ev;
    /* The views are recorded as they are made, for sd_evtchn_fini. */
    for ( i = 0; i < g->nr_vcpus; i++ )
    {
        g->vcpu_info[i] = ev->env->vcpu_info[i];
        cb_gfn[i] = SD_FIFO_CB_GFN + i;
        cb[i] = g->fifo_cb[i] = sd_env_map_global(ev->env, cb_gfn[i]);
        if ( !cb[i] )
            return -ENOMEM;
    }
    for ( i = 0; i < SD_FIFO_PAGES; i++ )
    {
        array_gfn[i] = SD_FIFO_ARRAY_GFN + i;
        array[i] = g->fifo_array[i] = sd_env_map_global(ev->env,
                                                        array_gfn[i]);
        if ( !array[i] )
            return -ENOMEM;
    }
    /* The driver has no port yet: nothing is in flight across the switch. */
    rc = guest_evtchn_setup_fifo(g, cb_gfn, cb, SD_FIFO_PAGES, array_gfn,
                                 array);
    ev->abi = g->abi;
    return rc;
}

/** See sd_evtchn.h. */
void sd_evtchn_fini(struct sd_evtchn *ev)
{
    unsigned int i;

    for ( i = 0; i < SD_ENV_MAX_VCPUS; i++ )
    {
        if ( ev->fifo.fifo_cb[i] )
            sd_env_unmap_global(ev->env, ev->fifo.fifo_cb[i]);
        ev->fifo.fifo_cb[i] = NULL;
    }
    for ( i = 0; i < SD_FIFO_PAGES; i++ )
    {
        if ( ev->fifo.fifo_array[i] )
            sd_env_unmap_global(ev->env, ev->fifo.fifo_array[i]);
        ev->fifo.fifo_array[i] = NULL;
    }
    ev->fifo.fifo_pages = 0;

    for ( i = 0; i < EVTCHN_3L_MAX_BITMAP_PAGES; i++ )
    {
        if ( ev->l3_pending[i] )
            sd_env_unmap_global(ev->env, ev->l3_pending[i]);
        if ( ev->l3_mask[i] )
            sd_env_unmap_global(ev->env, ev->l3_mask[i]);
        ev->l3_pending[i] = ev->l3_mask[i] = NULL;
    }
    for ( i = 0; i < SD_ENV_MAX_VCPUS; i++ )
    {
        if ( ev->l2[i] )
            sd_env_unmap_global(ev->env, ev->l2[i]);
        ev->l2[i] = NULL;
    }
}

/** Sets `port`'s mask bit in the ABI in use. */
static void sd_evtchn_mask(struct sd_evtchn *ev, unsigned int port)
{
    if ( ev->abi == EVTCHN_ABI_FIFO )
        guest_evtchn_mask(&ev->fifo, port);
    else if ( ev->abi == EVTCHN_ABI_3LEVEL )
        hal_fetch_or(&ev->l3_mask[port / SD_L3_BITS_PER_PAGE]
                                 [(port % SD_L3_BITS_PER_PAGE) / 64],
                     1ULL << (port % 64));
    else
        hal_fetch_or(&sd_si(ev)->evtchn_mask[port / 64], 1ULL << (port % 64));
}

/**
 * See sd_evtchn.h.  As Linux's rebind_evtchn_to_cpu: mask the port, move
 * it, then EVTCHNOP_unmask, which raises it on the new vCPU if it became
 * pending meanwhile (bind_interdomain marks a new port pending on vCPU 0,
 * whose scan would otherwise leave it for a vCPU never told of it).
 */
long sd_evtchn_bind(struct sd_evtchn *ev, unsigned int port,
                    unsigned int vcpu, void *arg)
{
    struct evtchn_bind_vcpu b = { .port = port, .vcpu = vcpu };
    struct evtchn_unmask u = { .port = port };
    long rc;

    if ( port >= SD_EVTCHN_MAX_PORTS || vcpu >= ev->env->nr_vcpus )
        return -E2BIG;
    sd_evtchn_mask(ev, port);
    ev->port_arg[port] = arg;
    hal_store_release(&ev->port_vcpu[port], (uint8_t)vcpu);
    rc = sd_env_hypercall(ev->env, 0, __HYPERVISOR_event_channel_op,
                          EVTCHNOP_bind_vcpu, &b, sizeof(b), 0);
    if ( !rc )
        rc = sd_env_hypercall(ev->env, 0, __HYPERVISOR_event_channel_op,
                              EVTCHNOP_unmask, &u, sizeof(u), 0);
    if ( rc )
        hal_write_once(&ev->port_vcpu[port], SD_EVTCHN_NO_VCPU);
    return rc;
}

/** See sd_evtchn.h. */
void sd_evtchn_unbind(struct sd_evtchn *ev, unsigned int port)
{
    if ( port < SD_EVTCHN_MAX_PORTS )
        hal_write_once(&ev->port_vcpu[port], SD_EVTCHN_NO_VCPU);
}

/** See sd_evtchn.h. */
long sd_evtchn_close(struct sd_evtchn *ev, unsigned int vcpu,
                     unsigned int port)
{
    struct evtchn_close cl = { .port = port };

    sd_evtchn_unbind(ev, port);
    return sd_env_hypercall(ev->env, vcpu, __HYPERVISOR_event_channel_op,
                            EVTCHNOP_close, &cl, sizeof(cl), 0);
}

/** Takes port `port` if it is `vcpu`'s and still pending in `*word`. */
static unsigned int sd_evtchn_take(struct sd_evtchn *ev, unsigned int vcpu,
                                   uint64_t *word, unsigned int port)
{
    uint64_t m = 1ULL << (port % 64);

    if ( port >= SD_EVTCHN_MAX_PORTS ||
         hal_load_acquire(&ev->port_vcpu[port]) != vcpu )
        return 0;
    if ( !(hal_fetch_and(word, ~m) & m) )
        return 0;
    ev->handler(ev->port_arg[port], port);
    ev->delivered[vcpu]++;
    return 1;
}

/** 2 levels: selector bit i names pending word i. */
static unsigned int sd_scan_2l(struct sd_evtchn *ev, unsigned int vcpu)
{
    struct shared_info *si = sd_si(ev);
    uint64_t sel = hal_xchg(&sd_vi(ev, vcpu)->evtchn_pending_sel, 0);
    unsigned int n = 0;

    while ( sel )
    {
        unsigned int i = (unsigned int)__builtin_ctzll(sel);
        uint64_t bits = hal_read_once(&si->evtchn_pending[i]) &
                        ~hal_read_once(&si->evtchn_mask[i]);

        sel &= sel - 1;
        while ( bits )
        {
            unsigned int b = (unsigned int)__builtin_ctzll(bits);

            bits &= bits - 1;
            n += sd_evtchn_take(ev, vcpu, &si->evtchn_pending[i], i * 64 + b);
        }
    }
    return n;
}

/** 3 levels: L1 bit i names L2 word i, L2 bit j names L3 word i*64+j. */
static unsigned int sd_scan_3l(struct sd_evtchn *ev, unsigned int vcpu)
{
    uint64_t l1 = hal_xchg(&sd_vi(ev, vcpu)->evtchn_pending_sel, 0);
    unsigned int n = 0;

    while ( l1 )
    {
        unsigned int i = (unsigned int)__builtin_ctzll(l1);
        uint64_t l2 = hal_xchg(&ev->l2[vcpu][i], 0);

        l1 &= l1 - 1;
        while ( l2 )
        {
            unsigned int k = i * 64 + (unsigned int)__builtin_ctzll(l2);
            unsigned int pg = k / SD_L3_WORDS_PER_PAGE;
            unsigned int w = k % SD_L3_WORDS_PER_PAGE;
            uint64_t bits = hal_read_once(&ev->l3_pending[pg][w]) &
                            ~hal_read_once(&ev->l3_mask[pg][w]);

            l2 &= l2 - 1;
            while ( bits )
            {
                unsigned int b = (unsigned int)__builtin_ctzll(bits);

                bits &= bits - 1;
                n += sd_evtchn_take(ev, vcpu, &ev->l3_pending[pg][w],
                                    k * 64 + b);
            }
        }
    }
    return n;
}

/** See sd_evtchn.h. */
bool sd_evtchn_is_pending(struct sd_evtchn *ev, unsigned int port)
{
    const uint64_t *w;

    if ( ev->abi == EVTCHN_ABI_FIFO )
        return guest_evtchn_is_pending(&ev->fifo, port);
    if ( ev->abi == EVTCHN_ABI_3LEVEL )
        w = &ev->l3_pending[port / SD_L3_BITS_PER_PAGE]
                           [(port % SD_L3_BITS_PER_PAGE) / 64];
    else
        w = &sd_si(ev)->evtchn_pending[port / 64];
    return (hal_read_once(w) >> (port % 64)) & 1;
}

/** See sd_evtchn.h. */
bool sd_evtchn_upcall_pending(struct sd_evtchn *ev, unsigned int vcpu)
{
    return hal_read_once(&sd_vi(ev, vcpu)->evtchn_upcall_pending) != 0;
}

/** See sd_evtchn.h. */
unsigned int sd_evtchn_upcall(struct sd_evtchn *ev, unsigned int vcpu)
{
    unsigned int n = 0;

    while ( hal_xchg(&sd_vi(ev, vcpu)->evtchn_upcall_pending, 0) )
    {
        ev->upcalls[vcpu]++;
        if ( ev->abi == EVTCHN_ABI_FIFO )
            n += guest_evtchn_scan(&ev->fifo, vcpu);
        else
            n += ev->abi == EVTCHN_ABI_3LEVEL ? sd_scan_3l(ev, vcpu)
                                              : sd_scan_2l(ev, vcpu);
    }
    return n;
}

/** See sd_evtchn.h. */
long sd_evtchn_notify(struct sd_evtchn *ev, unsigned int vcpu,
                      unsigned int port)
{
    struct evtchn_send s = { .port = port };

    return sd_env_hypercall(ev->env, vcpu, __HYPERVISOR_event_channel_op,
                            EVTCHNOP_send, &s, sizeof(s), 0);
}
