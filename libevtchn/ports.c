/* SPDX-License-Identifier: MIT */
/*
 * Port storage (seed 001 item 5): buckets of EVTCHNS_PER_BUCKET channels
 * allocated when the first port in them is needed, grouped in pages of
 * bucket pointers as Xen groups them, and the free-port search.
 *
 * `valid_evtchns` only grows while the domain lives.  A new bucket is fully
 * initialised (XSM labels included, XSA-47) and stored before
 * `valid_evtchns` is raised with release semantics (XSA-340), so a reader
 * that sees a port valid (acquire) sees its channel.
 */
#include <common/string.h>
#include <libmm/heap.h>

#include "private.h"

#define EVTCHN_INT_MAX 0x7fffffffU

/** The number of usable port numbers of `d` now (ports below it). */
unsigned int evtchn_port_limit(const struct domain *d)
{
    unsigned int abi_max = evtchn_ops(d)->max_ports(d);
    unsigned int cfg = d->evtchn->max_evtchn_port;

    /* max_evtchn_port is inclusive; clamp to INT_MAX as Xen does. */
    if ( cfg > EVTCHN_INT_MAX - 1 )
        cfg = EVTCHN_INT_MAX - 1;
    return abi_max < cfg + 1 ? abi_max : cfg + 1;
}

/* Initialises a fresh bucket's channels: FREE, vCPU 0, default priority. */
static void bucket_init(struct evtchn *bucket)
{
    unsigned int i;

    memset(bucket, 0, PAGE_SIZE);
    for ( i = 0; i < EVTCHNS_PER_BUCKET; i++ )
    {
        evtchn_lock_init(&bucket[i].lock);
        bucket[i].state = ECS_FREE;
        bucket[i].priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
        xsm_alloc_security_evtchn(&bucket[i].ssid);
    }
}

/*
 * Allocates the bucket holding port `valid_evtchns` (and its group if it
 * is the group's first) and publishes it.  Event lock held for writing.
 * Returns 0 or -ENOMEM, with nothing changed on error.
 */
static int evtchn_grow(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned int port = ed->valid_evtchns;
    unsigned int g = port / EVTCHNS_PER_GROUP;
    unsigned int b = (port % EVTCHNS_PER_GROUP) / EVTCHNS_PER_BUCKET;
    struct evtchn **grp = ed->group[g], **new_grp = NULL;
    struct evtchn *bucket;

    BUG_ON(g >= NR_EVTCHN_GROUPS);
    if ( !grp )
    {
        new_grp = alloc_xenheap_page();
        if ( !new_grp )
            return -ENOMEM;
        memset(new_grp, 0, PAGE_SIZE);
    }
    bucket = alloc_xenheap_page();
    if ( !bucket )
    {
        if ( new_grp )
            free_xenheap_page(new_grp);
        return -ENOMEM;
    }
    bucket_init(bucket);

    /* Commit: nothing below can fail. */
    if ( new_grp )
    {
        hal_store_release(&ed->group[g], new_grp);
        grp = new_grp;
    }
    hal_store_release(&grp[b], bucket);
    hal_smp_wmb();
    hal_store_release(&ed->valid_evtchns, port + EVTCHNS_PER_BUCKET);
    return 0;
}

/** Finds and takes the lowest FREE port; see private.h. */
int get_free_port(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    const struct evtchn_port_ops *ops = evtchn_ops(d);
    unsigned int limit = evtchn_port_limit(d);
    unsigned int port, first_free = ~0U;
    int rc;

    ASSERT(hal_rw_is_write_locked(&ed->event_lock));
    if ( domain_is_dying(d) )
        return -EINVAL;

    for ( port = ed->free_hint ? ed->free_hint : 1;
          port < ed->valid_evtchns && port < limit; port++ )
    {
        struct evtchn *chn = evtchn_from_port(d, port);

        if ( chn->state != ECS_FREE )
            continue;
        if ( first_free == ~0U )
            first_free = port;
        if ( ops->is_busy && ops->is_busy(d, port) )
            continue;
        goto found;
    }
    if ( port >= limit )
        return -ENOSPC;
    /* Every valid port below the limit is taken: grow by one bucket. */
    rc = evtchn_grow(d);
    if ( rc )
        return rc;

 found:
    if ( first_free == ~0U || first_free == port )
        ed->free_hint = port + 1;
    else
        ed->free_hint = first_free;
    hal_write_once(&ed->active_evtchns, ed->active_evtchns + 1);
    return (int)port;
}

/** Gives back a port that get_free_port took and that is still FREE. */
void evtchn_unget_port(struct domain *d, unsigned int port)
{
    struct evtchn_domain *ed = d->evtchn;

    ASSERT(evtchn_from_port(d, port)->state == ECS_FREE);
    hal_write_once(&ed->active_evtchns, ed->active_evtchns - 1);
    if ( port < ed->free_hint )
        ed->free_hint = port;
}

/** Frees every bucket and group page of `d`. */
void evtchn_free_storage(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned int g, b, i;

    for ( g = 0; g < NR_EVTCHN_GROUPS; g++ )
    {
        struct evtchn **grp = ed->group[g];

        if ( !grp )
            continue;
        for ( b = 0; b < BUCKETS_PER_GROUP; b++ )
        {
            if ( !grp[b] )
                continue;
            for ( i = 0; i < EVTCHNS_PER_BUCKET; i++ )
                xsm_free_security_evtchn(&grp[b][i].ssid);
            free_xenheap_page(grp[b]);
        }
        free_xenheap_page(grp);
        ed->group[g] = NULL;
    }
    ed->valid_evtchns = 0;
}
