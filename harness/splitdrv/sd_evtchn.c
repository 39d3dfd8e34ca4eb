/* SPDX-License-Identifier: MIT */
/*
 * The split driver guest's upcall (sd_evtchn.h).  64-bit guests: selector
 * and bitmap words are 64 bits; shared_info and vcpu_info offsets come from
 * public/arch-x86/xen.h.
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

/** See sd_evtchn.h. */
void sd_evtchn_fini(struct sd_evtchn *ev)
{
    unsigned int i;

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

/** The word holding `port`'s mask bit in the ABI in use. */
static uint64_t *sd_mask_word(struct sd_evtchn *ev, unsigned int port)
{
    if ( ev->abi == EVTCHN_ABI_3LEVEL )
        return &ev->l3_mask[port / SD_L3_BITS_PER_PAGE]
                           [(port % SD_L3_BITS_PER_PAGE) / 64];
    return &sd_si(ev)->evtchn_mask[port / 64];
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
    hal_fetch_or(sd_mask_word(ev, port), 1ULL << (port % 64));
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
