/* SPDX-License-Identifier: MIT */
/*
 * libevtchn's part of the domain lifecycle: the per-domain and per-vCPU
 * state, the shared_info page (public/arch-x86/xen.h says how the guest
 * reaches it), port 0, and teardown.
 *
 * Destroy closes every port from the top down, checking for preemption
 * every 64 ports (XSA-344); closing an interdomain port puts the peer back
 * to UNBOUND.  The channel memory stays until the final destroy hook, so a
 * late sender that still holds a pointer reads valid memory (a753f0e53f).
 */
#include <common/bitops.h>
#include <common/hypercall.h>
#include <common/string.h>
#include <common/subsys.h>
#include <common/xmalloc.h>
#include <libmm/heap.h>
#include <libmm/page.h>

#include "private.h"

/** Global start-up: an empty consumer table and virq handler table. */
int evtchn_init(void)
{
    evtchn_consumer_reset();
    evtchn_virq_init();
    return 0;
}

/** Global tear-down, for a fresh world. */
void evtchn_fini(void)
{
    evtchn_consumer_reset();
    evtchn_virq_init();
}

/* Frees whatever part of `d`'s state exists; nothing may use it. */
static void evtchn_domain_free(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned int i;

    if ( !ed )
        return;
    if ( ed->ops->destroy )
    {
        hal_write_lock(&ed->event_lock);
        evtchn_abi_teardown(d);
        hal_write_unlock(&ed->event_lock);
    }
    evtchn_free_storage(d);
    for ( i = 0; i < d->max_vcpus; i++ )
    {
        if ( d->vcpu[i] )
        {
            xfree(d->vcpu[i]->evtchn);
            d->vcpu[i]->evtchn = NULL;
        }
    }
    if ( ed->shared_info )
        free_xenheap_page(ed->shared_info);
    if ( ed->vcpu_info_extra )
        free_xenheap_page(ed->vcpu_info_extra);
    xfree(ed->pirq_to_evtchn);
    xfree(ed->pirq_access);
    xfree(ed);
    d->evtchn = NULL;
}

/* Allocates the first bucket and reserves port 0. */
static int evtchn_reserve_port0(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    int port;

    /* get_free_port starts at 1; an empty domain grows its first bucket. */
    hal_write_lock(&ed->event_lock);
    port = get_free_port(d);
    if ( port >= 0 )
    {
        evtchn_unget_port(d, (unsigned int)port);
        evtchn_from_port(d, 0)->state = ECS_RESERVED;
    }
    hal_write_unlock(&ed->event_lock);
    return port < 0 ? port : 0;
}

/**
 * Sets up `d`'s event channels: 2-level ABI, a zeroed shared_info page,
 * one vcpu_info per vCPU, the first bucket with port 0 reserved, the pirq
 * tables.  -ENOMEM with nothing left behind.
 */
int evtchn_domain_init(struct domain *d, const struct domain_config *cfg)
{
    struct evtchn_domain *ed;
    unsigned int i;
    int rc = -ENOMEM;

    ed = xzalloc(struct evtchn_domain);
    if ( !ed )
        return -ENOMEM;
    hal_rwlock_init(&ed->event_lock);
    ed->ops = &evtchn_port_ops_2l;
    ed->max_evtchn_port = cfg->max_evtchn_port;
    ed->free_hint = 1;
    d->evtchn = ed;

    ed->shared_info = alloc_xenheap_page();
    if ( !ed->shared_info )
        goto fail;
    memset(ed->shared_info, 0, PAGE_SIZE);
    if ( d->max_vcpus > XEN_LEGACY_MAX_VCPUS )
    {
        ed->vcpu_info_extra = alloc_xenheap_page();
        if ( !ed->vcpu_info_extra )
            goto fail;
        memset(ed->vcpu_info_extra, 0, PAGE_SIZE);
    }
    ed->pirq_to_evtchn = xzalloc_array(uint32_t, EVTCHN_NR_PIRQS);
    ed->pirq_access = xzalloc_array(unsigned long,
                                    BITS_TO_LONGS(EVTCHN_NR_PIRQS));
    if ( !ed->pirq_to_evtchn || !ed->pirq_access )
        goto fail;

    for ( i = 0; i < d->max_vcpus; i++ )
    {
        struct evtchn_vcpu *ev = xzalloc(struct evtchn_vcpu);

        if ( !ev )
            goto fail;
        hal_rwlock_init(&ev->virq_lock);
        ev->l2_mfn = INVALID_MFN;
        /* 64 bytes per vcpu_info in both layouts. */
        ev->vcpu_info = i < XEN_LEGACY_MAX_VCPUS
            ? (char *)ed->shared_info + i * sizeof(struct vcpu_info)
            : (char *)ed->vcpu_info_extra +
              (i - XEN_LEGACY_MAX_VCPUS) * sizeof(struct vcpu_info);
        d->vcpu[i]->evtchn = ev;
    }

    rc = evtchn_reserve_port0(d);
    if ( rc )
        goto fail;
    return 0;

 fail:
    evtchn_domain_free(d);
    return rc;
}

/**
 * Closes every port of a dying `d` (preemptibly: -ERESTART to be called
 * again), forgets it as a global virq handler and releases 3-level and
 * FIFO pages.
 * Accepts a domain whose init never ran.
 */
int evtchn_domain_relinquish(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned int i;

    if ( !ed )
        return 0;

    /* A barrier: from here get_free_port sees the domain dying. */
    hal_write_lock(&ed->event_lock);
    if ( !ed->relinquish_started )
    {
        ed->relinquish_started = true;
        ed->relinquish_next = ed->valid_evtchns;
    }
    i = ed->relinquish_next;
    hal_write_unlock(&ed->event_lock);

    while ( i > 1 )
    {
        i--;
        if ( evtchn_from_port(d, i)->state > ECS_RESERVED )
            evtchn_close_if_open(d, i, false);
        if ( i % 64 == 0 && i > 1 && hypercall_preempt_check() )
        {
            ed->relinquish_next = i;
            return -ERESTART;
        }
    }
    ed->relinquish_next = 1;

    evtchn_clear_virq_handlers(d);
    hal_write_lock(&ed->event_lock);
    evtchn_abi_teardown(d);
    ASSERT(ed->active_evtchns == 0);
    hal_write_unlock(&ed->event_lock);
    return 0;
}

/**
 * See common/subsys.h: raises VIRQ_DOM_EXC in its handler domain (the
 * control domain's tools learn of the death that way).  Xen raises it on
 * shutdown too; hvcore has no shutdown operation.
 */
void evtchn_domain_dead(struct domain *d)
{
    (void)d;
    send_global_virq(VIRQ_DOM_EXC);
}

/** Frees everything (after the last reference); accepts a partial init. */
void evtchn_domain_destroy(struct domain *d)
{
    evtchn_domain_free(d);
}

/** See evtchn.h. */
mfn_t evtchn_shared_info_mfn(const struct domain *d)
{
    if ( !d->evtchn )
        return INVALID_MFN;
    return page_to_mfn(virt_to_page(d->evtchn->shared_info));
}

/** See evtchn.h. */
int evtchn_vcpu_info_location(const struct domain *d, unsigned int vcpu_id,
                              mfn_t *mfn, unsigned int *offset)
{
    const struct evtchn_domain *ed = d->evtchn;

    if ( !ed || vcpu_id >= d->max_vcpus )
        return -ENOENT;
    if ( vcpu_id < XEN_LEGACY_MAX_VCPUS )
    {
        *mfn = page_to_mfn(virt_to_page(ed->shared_info));
        *offset = vcpu_id * sizeof(struct vcpu_info);
    }
    else
    {
        *mfn = page_to_mfn(virt_to_page(ed->vcpu_info_extra));
        *offset = (vcpu_id - XEN_LEGACY_MAX_VCPUS) * sizeof(struct vcpu_info);
    }
    return 0;
}

/** See evtchn.h. */
void evtchn_domain_get_stats(struct domain *d, struct evtchn_domain_stats *st)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned int g;

    memset(st, 0, sizeof(*st));
    if ( !ed )
        return;
    hal_read_lock(&ed->event_lock);
    st->valid_evtchns = ed->valid_evtchns;
    st->active_evtchns = ed->active_evtchns;
    st->xen_evtchns = ed->xen_evtchns;
    st->max_ports = evtchn_port_limit(d);
    st->buckets = ed->valid_evtchns / EVTCHNS_PER_BUCKET;
    for ( g = 0; g < NR_EVTCHN_GROUPS; g++ )
        st->groups += ed->group[g] != NULL;
    st->abi = evtchn_ops(d)->abi;
    st->l3_pages = evtchn_3l_pages(d);
    st->fifo_pages = evtchn_fifo_pages(d);
    hal_read_unlock(&ed->event_lock);
}
