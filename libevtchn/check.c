/* SPDX-License-Identifier: MIT */
/*
 * evtchn_check: libevtchn's invariants, for tests and fuzzers.  Reads
 * without the locks' protection against concurrent changes: call it while
 * nothing else changes event channels.
 */
#include <common/printk.h>

#include "private.h"

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if ( !(cond) )                                                      \
        {                                                                   \
            printk("evtchn_check: " __VA_ARGS__);                           \
            (*bad)++;                                                       \
        }                                                                   \
    } while ( 0 )

/* Checks storage: groups and buckets exactly cover the valid ports. */
static void check_storage(struct domain *d, unsigned int *bad)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned int valid = ed->valid_evtchns, g, b;

    CHECK(valid % EVTCHNS_PER_BUCKET == 0, "d%u: valid %u not whole buckets\n",
          d->domain_id, valid);
    for ( g = 0; g < NR_EVTCHN_GROUPS; g++ )
    {
        unsigned int first = g * EVTCHNS_PER_GROUP;

        CHECK((ed->group[g] != NULL) == (valid > first),
              "d%u: group %u allocated %d for %u valid ports\n",
              d->domain_id, g, ed->group[g] != NULL, valid);
        if ( !ed->group[g] )
            continue;
        for ( b = 0; b < BUCKETS_PER_GROUP; b++ )
        {
            unsigned int port = first + b * EVTCHNS_PER_BUCKET;

            CHECK((ed->group[g][b] != NULL) == (port < valid),
                  "d%u: bucket at port %u allocated %d, valid %u\n",
                  d->domain_id, port, ed->group[g][b] != NULL, valid);
        }
    }
}

/* Checks every channel of `d` and the counters. */
static void check_channels(struct domain *d, unsigned int *bad)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned int port, count[ECS_NR] = { 0 }, xen = 0, v, in_use;

    if ( ed->valid_evtchns )
        CHECK(evtchn_from_port(d, 0)->state == ECS_RESERVED,
              "d%u: port 0 not reserved\n", d->domain_id);
    for ( port = 1; port < ed->valid_evtchns; port++ )
    {
        struct evtchn *chn = evtchn_from_port(d, port);

        if ( chn->state >= ECS_NR )
        {
            CHECK(0, "d%u p%u: bad state %u\n", d->domain_id, port,
                  chn->state);
            continue;
        }
        count[chn->state]++;
        CHECK(!evtchn_is_locked(chn), "d%u p%u: lock held\n",
              d->domain_id, port);
        if ( chn->xen_consumer )
        {
            xen++;
            CHECK(chn->state == ECS_UNBOUND || chn->state == ECS_INTERDOMAIN,
                  "d%u p%u: consumer in state %u\n", d->domain_id, port,
                  chn->state);
        }
        if ( chn->state != ECS_FREE )
            CHECK(chn->notify_vcpu_id < d->max_vcpus,
                  "d%u p%u: notify vCPU %u\n", d->domain_id, port,
                  chn->notify_vcpu_id);
        switch ( chn->state )
        {
        case ECS_RESERVED:
            CHECK(0, "d%u p%u: reserved\n", d->domain_id, port);
            break;
        case ECS_INTERDOMAIN:
        {
            struct domain *rd = chn->u.interdomain.remote_dom;
            unsigned int rport = chn->u.interdomain.remote_port;
            struct evtchn *rchn;

            if ( !rd || !rd->evtchn || rport >= rd->evtchn->valid_evtchns )
            {
                CHECK(0, "d%u p%u: peer missing\n", d->domain_id, port);
                break;
            }
            rchn = evtchn_from_port(rd, rport);
            CHECK(rchn->state == ECS_INTERDOMAIN &&
                  rchn->u.interdomain.remote_dom == d &&
                  rchn->u.interdomain.remote_port == port,
                  "d%u p%u: peer d%u p%u does not point back\n",
                  d->domain_id, port, rd->domain_id, rport);
            CHECK(rchn != chn, "d%u p%u: bound to itself\n", d->domain_id,
                  port);
            CHECK(chn->u.interdomain.remote_chn == rchn,
                  "d%u p%u: remembered peer channel is not d%u p%u's\n",
                  d->domain_id, port, rd->domain_id, rport);
            break;
        }
        case ECS_VIRQ:
        {
            unsigned int virq = chn->u.virq;
            unsigned int vid;

            if ( virq >= NR_VIRQS )
            {
                CHECK(0, "d%u p%u: virq %u\n", d->domain_id, port, virq);
                break;
            }
            vid = evtchn_virq_type(virq) == VIRQ_TYPE_VCPU
                  ? chn->notify_vcpu_id : 0;
            CHECK(d->vcpu[vid]->evtchn->virq_to_evtchn[virq] == port,
                  "d%u p%u: virq %u not in v%u's table\n", d->domain_id,
                  port, virq, vid);
            break;
        }
        case ECS_PIRQ:
            CHECK(chn->u.pirq.irq < EVTCHN_NR_PIRQS &&
                  ed->pirq_to_evtchn[chn->u.pirq.irq] == port,
                  "d%u p%u: pirq %u not in the table\n", d->domain_id, port,
                  chn->u.pirq.irq);
            break;
        default:
            break;
        }
    }
    in_use = count[ECS_UNBOUND] + count[ECS_INTERDOMAIN] + count[ECS_PIRQ] +
             count[ECS_VIRQ] + count[ECS_IPI];
    CHECK(ed->active_evtchns == in_use, "d%u: active %u, channels in use %u\n",
          d->domain_id, ed->active_evtchns, in_use);
    CHECK(ed->xen_evtchns == xen, "d%u: xen_evtchns %u, consumers %u\n",
          d->domain_id, ed->xen_evtchns, xen);
    CHECK(ed->free_hint >= 1, "d%u: free hint 0\n", d->domain_id);
    for ( port = 1; port < ed->free_hint && port < ed->valid_evtchns; port++ )
        CHECK(evtchn_from_port(d, port)->state != ECS_FREE ||
              port >= evtchn_port_limit(d),
              "d%u: FREE port %u below the hint %u\n", d->domain_id, port,
              ed->free_hint);

    /* Tables point at channels of the right kind. */
    for ( v = 0; v < d->max_vcpus; v++ )
    {
        unsigned int virq;

        for ( virq = 0; virq < NR_VIRQS; virq++ )
        {
            unsigned int p = d->vcpu[v]->evtchn->virq_to_evtchn[virq];

            if ( !p )
                continue;
            CHECK(p < ed->valid_evtchns &&
                  evtchn_from_port(d, p)->state == ECS_VIRQ &&
                  evtchn_from_port(d, p)->u.virq == virq,
                  "d%u v%u: virq %u -> port %u not that virq\n",
                  d->domain_id, v, virq, p);
        }
    }
    for ( v = 0; v < EVTCHN_NR_PIRQS; v++ )
    {
        unsigned int p = ed->pirq_to_evtchn[v];

        if ( !p )
            continue;
        CHECK(p < ed->valid_evtchns &&
              evtchn_from_port(d, p)->state == ECS_PIRQ &&
              evtchn_from_port(d, p)->u.pirq.irq == v,
              "d%u: pirq %u -> port %u not that pirq\n", d->domain_id, v, p);
    }
}

static void check_one(struct domain *d, void *arg)
{
    unsigned int *bad = arg;

    if ( !d->evtchn )
        return;
    CHECK(!hal_rw_is_locked(&d->evtchn->event_lock), "d%u: event lock held\n",
          d->domain_id);
    check_storage(d, bad);
    check_channels(d, bad);
    *bad += evtchn_3l_check(d);
    *bad += evtchn_fifo_check(d);
}

/** See evtchn.h. */
int evtchn_check(void)
{
    unsigned int bad = 0;

    domain_for_each(check_one, &bad);
    return bad ? -EINVAL : 0;
}
