/* SPDX-License-Identifier: MIT */
/*
 * The 3-level ABI (seeds 001 and 002; layout in public/event_channel.h):
 * L1 is the vCPU's selector in vcpu_info, L2 a per-vCPU selector in a page
 * the guest registers, L3 the pending and mask bitmaps shared by all vCPUs
 * in pages the guest registers.  Every registered page is a writable RAM
 * page of the domain, held with a general and a writable-type reference
 * and mapped once with map_domain_page_global.
 *
 * The word width is the guest's width at registration and is kept with the
 * registration: the mapped sizes depend on it, so a later change of width
 * cannot make us address memory that was not registered (XSA-342's lesson).
 *
 * Switching ABI while senders run: the new ops are published first, then
 * every channel's lock (and each interdomain peer's) is taken and dropped,
 * so no sender still uses the old ABI; only then are the 2-level bits
 * carried over (or, on teardown, the pages unmapped).
 */
#include <common/printk.h>
#include <common/string.h>
#include <common/xmalloc.h>
#include <libmm/p2m.h>
#include <libmm/page.h>

#include "private.h"

#define L3_BITS_PER_PAGE (PAGE_SIZE * 8)     /* 32768 ports per page */

struct evtchn_3l {
    bool compat;                        /* 32-bit words for L1 and L2 */
    unsigned int nr_pages;              /* per bitmap: 8, or 2 (compat) */
    void *pending[EVTCHN_3L_MAX_BITMAP_PAGES];
    void *mask[EVTCHN_3L_MAX_BITMAP_PAGES];
    mfn_t pending_mfn[EVTCHN_3L_MAX_BITMAP_PAGES];
    mfn_t mask_mfn[EVTCHN_3L_MAX_BITMAP_PAGES];
};

static inline struct evtchn_3l *l3_of(const struct domain *d)
{
    return hal_load_acquire(&d->evtchn->l3);
}

static inline unsigned int l3_sel_bits(const struct evtchn_3l *l3)
{
    return l3->compat ? 32 : 64;
}

static unsigned int evtchn_3l_max_ports(const struct domain *d)
{
    struct evtchn_3l *l3 = l3_of(d);

    return l3 ? l3->nr_pages * L3_BITS_PER_PAGE : 0;
}

/* Sets the L2 and L1 bits for L3 word `k` on `v`; marks events pending on
 * the L1 edge.  Nothing if `v` has no L2 yet (raised when it registers). */
static void l3_raise(struct vcpu *v, const struct evtchn_3l *l3,
                     unsigned int k)
{
    void *l2 = __atomic_load_n(&v->evtchn->l2, __ATOMIC_SEQ_CST);

    if ( l2 && evtchn_bit_edge(l2, k) &&
         evtchn_bit_edge(vcpu_pending_sel(v, l3->compat),
                         k / l3_sel_bits(l3)) )
        vcpu_mark_events_pending(v);
}

static void evtchn_3l_set_pending(struct vcpu *v, struct evtchn *chn,
                                  unsigned int port)
{
    struct evtchn_3l *l3 = l3_of(v->domain);
    unsigned int pg = port / L3_BITS_PER_PAGE, bit = port % L3_BITS_PER_PAGE;

    (void)chn;
    if ( !l3 || pg >= l3->nr_pages )
        return;
    if ( test_and_set_bit(bit, l3->pending[pg]) )
        return;
    if ( test_bit(bit, l3->mask[pg]) )
        return;
    l3_raise(v, l3, port / 64);
}

static void evtchn_3l_clear_pending(struct domain *d, struct evtchn *chn,
                                    unsigned int port)
{
    struct evtchn_3l *l3 = l3_of(d);
    unsigned int pg = port / L3_BITS_PER_PAGE;

    (void)chn;
    if ( l3 && pg < l3->nr_pages )
        test_and_clear_bit(port % L3_BITS_PER_PAGE, l3->pending[pg]);
}

static void evtchn_3l_unmask(struct domain *d, struct evtchn *chn,
                             unsigned int port)
{
    struct evtchn_3l *l3 = l3_of(d);
    unsigned int pg = port / L3_BITS_PER_PAGE, bit = port % L3_BITS_PER_PAGE;

    if ( !l3 || pg >= l3->nr_pages )
        return;
    if ( test_and_clear_bit(bit, l3->mask[pg]) &&
         test_bit(bit, l3->pending[pg]) )
        l3_raise(d->vcpu[hal_read_once(&chn->notify_vcpu_id)], l3, port / 64);
}

static bool evtchn_3l_is_pending(const struct domain *d, unsigned int port)
{
    struct evtchn_3l *l3 = l3_of(d);
    unsigned int pg = port / L3_BITS_PER_PAGE;

    return l3 && pg < l3->nr_pages &&
           test_bit(port % L3_BITS_PER_PAGE, l3->pending[pg]);
}

static bool evtchn_3l_is_masked(const struct domain *d, unsigned int port)
{
    struct evtchn_3l *l3 = l3_of(d);
    unsigned int pg = port / L3_BITS_PER_PAGE;

    return !l3 || pg >= l3->nr_pages ||
           test_bit(port % L3_BITS_PER_PAGE, l3->mask[pg]);
}

/* The dump's ABI column: the L2 bit and the L1 bit of the notified vCPU. */
static void evtchn_3l_print_state(struct domain *d, unsigned int vcpu_id,
                                  unsigned int port, char *buf, size_t size)
{
    struct evtchn_3l *l3 = l3_of(d);
    struct vcpu *v = d->vcpu[vcpu_id];
    void *l2 = hal_load_acquire(&v->evtchn->l2);
    unsigned int k = port / 64;

    if ( !l3 || !l2 )
    {
        hv_snprintf(buf, size, "-");
        return;
    }
    hv_snprintf(buf, size, "%d%d", test_bit(k, l2),
                test_bit(k / l3_sel_bits(l3), vcpu_pending_sel(v, l3->compat)));
}

const struct evtchn_port_ops evtchn_port_ops_3l = {
    .abi = EVTCHN_ABI_3LEVEL,
    .max_ports = evtchn_3l_max_ports,
    .set_pending = evtchn_3l_set_pending,
    .clear_pending = evtchn_3l_clear_pending,
    .unmask = evtchn_3l_unmask,
    .is_pending = evtchn_3l_is_pending,
    .is_masked = evtchn_3l_is_masked,
    .print_state = evtchn_3l_print_state,
    .destroy = evtchn_3l_teardown,
};

/* True if frame `mfn` is already registered by `d` (event lock held). */
static bool l3_page_registered(const struct domain *d, mfn_t mfn)
{
    const struct evtchn_3l *l3 = d->evtchn->l3;
    unsigned int i;

    if ( !l3 )
        return false;
    for ( i = 0; i < l3->nr_pages; i++ )
        if ( mfn_eq(l3->pending_mfn[i], mfn) || mfn_eq(l3->mask_mfn[i], mfn) )
            return true;
    for ( i = 0; i < d->max_vcpus; i++ )
        if ( d->vcpu[i]->evtchn->l2 && mfn_eq(d->vcpu[i]->evtchn->l2_mfn, mfn) )
            return true;
    return false;
}

static void l3_unmap_bitmaps(struct evtchn_3l *l3)
{
    unsigned int i;

    for ( i = 0; i < EVTCHN_3L_MAX_BITMAP_PAGES; i++ )
    {
        if ( l3->pending[i] )
            evtchn_unmap_guest_page(l3->pending[i], l3->pending_mfn[i]);
        if ( l3->mask[i] )
            evtchn_unmap_guest_page(l3->mask[i], l3->mask_mfn[i]);
    }
}

/*
 * EVTCHN_EXTENDED_REGISTER_BITMAPS.  Errors, in order: XSM (-EPERM),
 * -EINVAL (nr_pages not the guest's 8 or 2), -EBUSY (already 3-level or
 * FIFO),
 * -ENOMEM, -EINVAL (a gfn twice, or not a writable RAM page of the caller),
 * -ENOMEM (mapping).  On error nothing changed.
 */
static int register_bitmaps(struct domain *d,
                            const struct evtchn_register_3level_bitmaps *b)
{
    struct evtchn_domain *ed = d->evtchn;
    bool compat = hal_read_once(&d->is_32bit);
    unsigned int need = compat ? EVTCHN_3L_NR_CHANNELS_COMPAT / L3_BITS_PER_PAGE
                               : EVTCHN_3L_NR_CHANNELS / L3_BITS_PER_PAGE;
    struct evtchn_3l *l3;
    unsigned int i, j, port, limit;
    int rc;

    rc = xsm_evtchn_extended(XSM_DM_PRIV, d);
    if ( rc )
        return rc;
    if ( b->nr_pages != need )
        return -EINVAL;

    hal_write_lock(&ed->event_lock);
    if ( ed->l3 || ed->fifo )
    {
        rc = -EBUSY;
        goto out;
    }
    l3 = xzalloc(struct evtchn_3l);
    if ( !l3 )
    {
        rc = -ENOMEM;
        goto out;
    }
    l3->compat = compat;
    l3->nr_pages = need;

    /* Every gfn distinct: each page mapped once. */
    for ( i = 0; i < 2 * need; i++ )
    {
        uint64_t gi = i < need ? b->pending_gfn[i] : b->mask_gfn[i - need];

        for ( j = i + 1; j < 2 * need; j++ )
        {
            uint64_t gj = j < need ? b->pending_gfn[j] : b->mask_gfn[j - need];

            if ( gi == gj )
            {
                rc = -EINVAL;
                goto fail;
            }
        }
    }
    for ( i = 0; i < need; i++ )
    {
        rc = evtchn_map_guest_page(d, b->pending_gfn[i], &l3->pending[i],
                            &l3->pending_mfn[i]);
        if ( rc )
            goto fail;
        rc = evtchn_map_guest_page(d, b->mask_gfn[i], &l3->mask[i],
                                   &l3->mask_mfn[i]);
        if ( rc )
            goto fail;
    }

    /* Commit: nothing below fails. */
    hal_store_release(&ed->l3, l3);
    hal_store_release(&ed->ops, &evtchn_port_ops_3l);
    evtchn_quiesce_senders(d);

    /* Carry the 2-level mask and pending bits over (ports below W * W). */
    limit = evtchn_port_ops_2l.max_ports(d);
    if ( limit > ed->valid_evtchns )
        limit = ed->valid_evtchns;
    for ( port = 1; port < limit; port++ )
    {
        unsigned int pg = port / L3_BITS_PER_PAGE;
        unsigned int bit = port % L3_BITS_PER_PAGE;

        if ( evtchn_port_ops_2l.is_masked(d, port) )
            test_and_set_bit(bit, l3->mask[pg]);
        if ( evtchn_port_ops_2l.is_pending(d, port) )
            test_and_set_bit(bit, l3->pending[pg]);
    }
    rc = 0;
    goto out;

 fail:
    l3_unmap_bitmaps(l3);
    xfree(l3);
 out:
    hal_write_unlock(&ed->event_lock);
    return rc;
}

/*
 * EVTCHN_EXTENDED_REGISTER_L2.  Errors, in order: -ENOENT (no such vCPU),
 * -EINVAL (offset not 8-aligned or the selector crosses the page),
 * -EINVAL (bitmaps not registered yet), -EBUSY (this vCPU has one),
 * -EINVAL (page already registered, or not a writable RAM page of the
 * caller), -ENOMEM.  Then raises every pending, unmasked port bound to the
 * vCPU.  On error nothing changed.
 */
static int register_l2(struct domain *d,
                       const struct evtchn_register_3level_l2 *r)
{
    struct evtchn_domain *ed = d->evtchn;
    struct evtchn_3l *l3;
    struct evtchn_vcpu *ev;
    struct vcpu *v;
    unsigned int size, pg, wi;
    void *va;
    mfn_t mfn;
    int rc;

    if ( r->vcpu >= d->max_vcpus || !d->vcpu[r->vcpu] )
        return -ENOENT;
    v = d->vcpu[r->vcpu];
    ev = v->evtchn;

    hal_write_lock(&ed->event_lock);
    l3 = ed->l3;
    size = (l3 ? l3->compat : hal_read_once(&d->is_32bit)) ? 32 * 4 : 64 * 8;
    if ( (r->offset & 7) || r->offset > PAGE_SIZE - size )
    {
        rc = -EINVAL;
        goto out;
    }
    if ( !l3 )
    {
        rc = -EINVAL;
        goto out;
    }
    if ( ev->l2 )
    {
        rc = -EBUSY;
        goto out;
    }
    if ( r->gfn <= P2M_MAX_GFN )
    {
        p2m_type_t t;

        mfn = p2m_lookup(d, _gfn(r->gfn), &t);
        if ( mfn_valid(mfn) && l3_page_registered(d, mfn) )
        {
            rc = -EINVAL;
            goto out;
        }
    }
    rc = evtchn_map_guest_page(d, r->gfn, &va, &mfn);
    if ( rc )
        goto out;

    ev->l2_page = va;
    ev->l2_mfn = mfn;
    __atomic_store_n(&ev->l2, (char *)va + r->offset, __ATOMIC_SEQ_CST);

    /* Raise what arrived for this vCPU before its L2 existed. */
    for ( pg = 0; pg < l3->nr_pages; pg++ )
    {
        const uint64_t *pend = l3->pending[pg], *mask = l3->mask[pg];

        for ( wi = 0; wi < PAGE_SIZE / 8; wi++ )
        {
            uint64_t bits = __atomic_load_n(&pend[wi], __ATOMIC_SEQ_CST) &
                            ~hal_read_once(&mask[wi]);

            while ( bits )
            {
                unsigned int b = (unsigned int)__builtin_ctzll(bits);
                unsigned int port = pg * L3_BITS_PER_PAGE + wi * 64 + b;

                bits &= bits - 1;
                if ( port < ed->valid_evtchns &&
                     evtchn_usable(evtchn_from_port(d, port)) &&
                     evtchn_from_port(d, port)->notify_vcpu_id == r->vcpu )
                    l3_raise(v, l3, port / 64);
            }
        }
    }
    rc = 0;

 out:
    hal_write_unlock(&ed->event_lock);
    return rc;
}

/** EVTCHNOP_register_extended: dispatches on `cmd` (-EINVAL if unknown). */
int evtchn_register_extended(struct domain *d,
                             struct evtchn_register_extended *r)
{
    switch ( r->cmd )
    {
    case EVTCHN_EXTENDED_REGISTER_BITMAPS:
        return register_bitmaps(d, &r->u.bitmaps);
    case EVTCHN_EXTENDED_REGISTER_L2:
        return register_l2(d, &r->u.l2);
    default:
        return -EINVAL;
    }
}

/** EVTCHNOP_query_extended: the ABIs `d` may register (FIFO for every
 * domain), and the one in use. */
int evtchn_query_extended(struct domain *d, struct evtchn_query_extended *q)
{
    q->abis = EVTCHN_ABI_2LEVEL | EVTCHN_ABI_FIFO;
    if ( !xsm_evtchn_extended(XSM_DM_PRIV, d) )
        q->abis |= EVTCHN_ABI_3LEVEL;
    q->current_abi = evtchn_ops(d)->abi;
    return 0;
}

/** Back to 2 levels; releases every 3-level page.  Event lock held. */
void evtchn_3l_teardown(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    struct evtchn_3l *l3 = ed->l3;
    unsigned int i;

    if ( !l3 )
        return;
    hal_store_release(&ed->ops, &evtchn_port_ops_2l);
    evtchn_quiesce_senders(d);
    for ( i = 0; i < d->max_vcpus; i++ )
    {
        struct evtchn_vcpu *ev = d->vcpu[i]->evtchn;

        if ( !ev || !ev->l2 )
            continue;
        hal_write_once(&ev->l2, NULL);
        evtchn_unmap_guest_page(ev->l2_page, ev->l2_mfn);
        ev->l2_page = NULL;
        ev->l2_mfn = INVALID_MFN;
    }
    hal_write_once(&ed->l3, NULL);
    l3_unmap_bitmaps(l3);
    xfree(l3);
}

/** Registered 3-level pages of `d`. */
unsigned int evtchn_3l_pages(const struct domain *d)
{
    const struct evtchn_3l *l3 = d->evtchn->l3;
    unsigned int i, n = 0;

    if ( !l3 )
        return 0;
    n = 2 * l3->nr_pages;
    for ( i = 0; i < d->max_vcpus; i++ )
        if ( d->vcpu[i]->evtchn && d->vcpu[i]->evtchn->l2 )
            n++;
    return n;
}

/** See private.h: pages held and each registered (mapped) once. */
unsigned int evtchn_3l_check(struct domain *d)
{
    const struct evtchn_3l *l3 = d->evtchn->l3;
    mfn_t seen[2 * EVTCHN_3L_MAX_BITMAP_PAGES + HVCORE_MAX_VCPUS];
    unsigned int i, j, n = 0, bad = 0;

    if ( (l3 != NULL) != (d->evtchn->ops == &evtchn_port_ops_3l) )
    {
        printk("evtchn_check: d%u: ABI and 3-level registration disagree\n",
               d->domain_id);
        bad++;
    }
    if ( l3 )
    {
        for ( i = 0; i < l3->nr_pages; i++ )
        {
            bad += evtchn_check_guest_page(d, l3->pending_mfn[i],
                                           l3->pending[i], "3-level");
            bad += evtchn_check_guest_page(d, l3->mask_mfn[i], l3->mask[i],
                                           "3-level");
            seen[n++] = l3->pending_mfn[i];
            seen[n++] = l3->mask_mfn[i];
        }
    }
    for ( i = 0; i < d->max_vcpus; i++ )
    {
        const struct evtchn_vcpu *ev = d->vcpu[i]->evtchn;

        if ( !ev->l2 )
            continue;
        if ( !l3 )
        {
            printk("evtchn_check: d%u v%u: L2 without bitmaps\n",
                   d->domain_id, i);
            bad++;
        }
        bad += evtchn_check_guest_page(d, ev->l2_mfn, ev->l2_page,
                                       "3-level");
        seen[n++] = ev->l2_mfn;
    }
    for ( i = 0; i < n; i++ )
        for ( j = i + 1; j < n; j++ )
            if ( mfn_eq(seen[i], seen[j]) )
            {
                printk("evtchn_check: d%u: page %llx registered twice\n",
                       d->domain_id, (unsigned long long)mfn_x(seen[i]));
                bad++;
            }
    return bad;
}
