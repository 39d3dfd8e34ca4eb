/* SPDX-License-Identifier: MIT */
/*
 * The debug dump (Xen's key 'e'), from snapshots (seed 001 item 6): at most
 * EVTCHN_DUMP_BATCH ports are copied per hold of the domain's event lock,
 * and printing happens from the copy with no lock held, so a slow console
 * never holds up the domain's event channel ops.
 */
#include <common/printk.h>
#include <common/string.h>
#include <common/subsys.h>
#include <common/xmalloc.h>

#include "private.h"

struct evtchn_dump_entry {
    unsigned int port;
    struct evtchn_port_info info;
    char abi[16];
};

/* Fills `info` for a valid port; event lock held. */
static void port_info_locked(struct domain *d, unsigned int port,
                             struct evtchn_port_info *info)
{
    const struct evtchn_port_ops *ops = evtchn_ops(d);
    struct evtchn *chn = evtchn_from_port(d, port);

    memset(info, 0, sizeof(*info));
    info->state = chn->state;
    info->xen_consumer = chn->xen_consumer;
    info->pending = ops->is_pending(d, port);
    info->masked = ops->is_masked(d, port);
    info->vcpu = chn->notify_vcpu_id;
    info->sid = chn->ssid.flask_sid;
    switch ( chn->state )
    {
    case ECS_UNBOUND:
        info->remote_domid = chn->u.unbound.remote_domid;
        break;
    case ECS_INTERDOMAIN:
        info->remote_domid = chn->u.interdomain.remote_dom->domain_id;
        info->remote_port = chn->u.interdomain.remote_port;
        break;
    case ECS_PIRQ:
        info->irq = chn->u.pirq.irq;
        break;
    case ECS_VIRQ:
        info->irq = chn->u.virq;
        break;
    default:
        break;
    }
}

/** See evtchn.h. */
int evtchn_port_info(struct domain *d, unsigned int port,
                     struct evtchn_port_info *info)
{
    int rc = 0;

    hal_read_lock(&d->evtchn->event_lock);
    if ( port_is_valid(d, port) )
        port_info_locked(d, port, info);
    else
        rc = -EINVAL;
    hal_read_unlock(&d->evtchn->event_lock);
    return rc;
}

/**
 * See common/subsys.h.  Under `d`'s event lock the channel cannot be closed (a
 * close takes both ends' locks), so the peer it binds is alive: its own
 * teardown closes this channel first.
 */
struct domain *evtchn_interdomain_peer(struct domain *d, unsigned int port)
{
    struct domain *peer = NULL;
    struct evtchn *chn;

    hal_read_lock(&d->evtchn->event_lock);
    if ( port_is_valid(d, port) )
    {
        chn = evtchn_from_port(d, port);
        if ( chn->state == ECS_INTERDOMAIN )
        {
            peer = chn->u.interdomain.remote_dom;
            get_domain(peer);
        }
    }
    hal_read_unlock(&d->evtchn->event_lock);
    return peer;
}

/* Prints one snapshot entry, in the shape of Xen's 'e' lines. */
static void dump_entry(const struct evtchn_dump_entry *e)
{
    const struct evtchn_port_info *i = &e->info;
    char extra[48];

    switch ( i->state )
    {
    case ECS_UNBOUND:
        hv_snprintf(extra, sizeof(extra), " d=%u", i->remote_domid);
        break;
    case ECS_INTERDOMAIN:
        hv_snprintf(extra, sizeof(extra), " d=%u p=%u", i->remote_domid,
                    i->remote_port);
        break;
    case ECS_PIRQ:
        hv_snprintf(extra, sizeof(extra), " p=%u", i->irq);
        break;
    case ECS_VIRQ:
        hv_snprintf(extra, sizeof(extra), " v=%u", i->irq);
        break;
    default:
        extra[0] = '\0';
        break;
    }
    printk("    %4u [%d/%d/%s]: s=%u n=%u x=%u%s Z=%u\n", e->port, i->pending,
           i->masked, e->abi, i->state, i->vcpu, i->xen_consumer, extra,
           i->sid);
}

/*
 * A FIFO domain's queues that hold or held an event: per vCPU and
 * priority, the guest's HEAD, the hypervisor's tail and READY.
 */
static void dump_fifo_queues(struct domain *d)
{
    struct evtchn_fifo_queue_info qi[EVTCHN_FIFO_MAX_QUEUES];
    unsigned int v, q;
    bool ok;

    for ( v = 0; v < d->max_vcpus; v++ )
    {
        hal_read_lock(&d->evtchn->event_lock);
        ok = evtchn_fifo_queues_snapshot(d, v, qi);
        hal_read_unlock(&d->evtchn->event_lock);
        if ( !ok )
            continue;
        for ( q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++ )
            if ( qi[q].tail || qi[q].ready )
                printk("    v%u q%u: head %u tail %u%s\n", v, q, qi[q].head,
                       qi[q].tail, qi[q].ready ? " READY" : "");
    }
}

/** See evtchn.h. */
void evtchn_dump_domain(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    struct evtchn_dump_entry *snap;
    unsigned int port = 1, n, k;

    if ( !ed )
        return;
    snap = xmalloc_bytes(EVTCHN_DUMP_BATCH * sizeof(*snap),
                         _Alignof(struct evtchn_dump_entry));
    if ( !snap )
    {
        printk("d%u: no memory for the event channel snapshot\n",
               d->domain_id);
        return;
    }
    printk("Event channel information for domain %u (%s, %u ports valid):\n",
           d->domain_id,
           evtchn_ops(d)->abi == EVTCHN_ABI_FIFO     ? "FIFO"
           : evtchn_ops(d)->abi == EVTCHN_ABI_3LEVEL ? "3-level"
                                                     : "2-level",
           hal_load_acquire(&ed->valid_evtchns));
    for ( ;; )
    {
        n = 0;
        hal_read_lock(&ed->event_lock);
        while ( port < ed->valid_evtchns && n < EVTCHN_DUMP_BATCH )
        {
            struct evtchn *chn = evtchn_from_port(d, port);

            if ( chn->state != ECS_FREE )
            {
                snap[n].port = port;
                port_info_locked(d, port, &snap[n].info);
                evtchn_ops(d)->print_state(d, chn->notify_vcpu_id, port,
                                           snap[n].abi, sizeof(snap[n].abi));
                n++;
            }
            port++;
        }
        hal_read_unlock(&ed->event_lock);
        for ( k = 0; k < n; k++ )
            dump_entry(&snap[k]);
        if ( n < EVTCHN_DUMP_BATCH )
            break;
    }
    xfree(snap);
    dump_fifo_queues(d);
}

static void dump_one(struct domain *d, void *arg)
{
    (void)arg;
    evtchn_dump_domain(d);
}

/** See evtchn.h. */
void evtchn_dump(void)
{
    printk("'e' pressed -> dumping event-channel info\n");
    domain_for_each(dump_one, NULL);
}
