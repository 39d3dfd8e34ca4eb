/* SPDX-License-Identifier: MIT */
/*
 * The event channel core: channel states and the ops that change them,
 * independent of the ABI (which is reached only through the port-ops
 * table, seed 002).  Error codes and their order are Xen's
 * (reference/evtchn.md §1); the lock order is in private.h.
 */
#include <common/string.h>
#include <common/hypercall.h>
#include <hal/guest.h>

#include "private.h"

/** Takes the event locks of `d1` and `d2` (may be equal), lower address
 * first. */
void double_event_lock(struct domain *d1, struct domain *d2)
{
    if ( d1 == d2 )
    {
        hal_write_lock(&d1->evtchn->event_lock);
        return;
    }
    if ( (uintptr_t)d1 > (uintptr_t)d2 )
    {
        struct domain *t = d1;

        d1 = d2;
        d2 = t;
    }
    hal_write_lock(&d1->evtchn->event_lock);
    hal_write_lock(&d2->evtchn->event_lock);
}

/** Releases what double_event_lock took. */
void double_event_unlock(struct domain *d1, struct domain *d2)
{
    if ( d1 != d2 )
        hal_write_unlock(&d2->evtchn->event_lock);
    hal_write_unlock(&d1->evtchn->event_lock);
}

/* Write-locks two distinct channels, lower address first. */
static void double_evtchn_lock(struct evtchn *a, struct evtchn *b)
{
    ASSERT(a != b);
    if ( (uintptr_t)a > (uintptr_t)b )
    {
        struct evtchn *t = a;

        a = b;
        b = t;
    }
    evtchn_write_lock(a);
    evtchn_write_lock(b);
}

static void double_evtchn_unlock(struct evtchn *a, struct evtchn *b)
{
    evtchn_write_unlock(a);
    evtchn_write_unlock(b);
}

/** Sets `evtchn_upcall_pending` and raises the upcall on its 0 -> 1 edge. */
void vcpu_mark_events_pending(struct vcpu *v)
{
    uint8_t *pending = v->evtchn->vcpu_info; /* offset 0 in both layouts */

    if ( hal_fetch_or(pending, (uint8_t)1) & 1 )
        return;
    hal_guest_upcall(v->domain->domain_id, v->vcpu_id);
}

/** Frees a channel: see private.h.  Event lock and channel lock held. */
void evtchn_free(struct domain *d, struct evtchn *chn, unsigned int port)
{
    struct evtchn_domain *ed = d->evtchn;

    if ( evtchn_usable(chn) )
        evtchn_ops(d)->clear_pending(d, chn, port);
    hal_write_once(&ed->active_evtchns, ed->active_evtchns - 1);
    if ( chn->xen_consumer )
        hal_write_once(&ed->xen_evtchns, ed->xen_evtchns - 1);
    chn->state = ECS_FREE;
    chn->notify_vcpu_id = 0;
    chn->xen_consumer = 0;
    memset(&chn->u, 0, sizeof(chn->u));
    /* The guest-owned mask bit, priority and FIFO queue are left alone. */
    xsm_evtchn_close_post(&chn->ssid);
    if ( port < ed->free_hint )
        ed->free_hint = port;
}

/*
 * Takes each channel's write lock (and an interdomain peer's) and drops it
 * at once: a sender that read the ABI before has finished when it returns.
 */
void evtchn_quiesce_senders(struct domain *d)
{
    unsigned int port, valid = d->evtchn->valid_evtchns;

    ASSERT(hal_rw_is_write_locked(&d->evtchn->event_lock));
    for ( port = 1; port < valid; port++ )
    {
        struct evtchn *chn = evtchn_from_port(d, port);

        if ( chn->state == ECS_INTERDOMAIN )
        {
            struct domain *rd = chn->u.interdomain.remote_dom;
            struct evtchn *rchn =
                evtchn_from_port(rd, chn->u.interdomain.remote_port);

            double_evtchn_lock(chn, rchn);
            double_evtchn_unlock(chn, rchn);
        }
        else
        {
            evtchn_write_lock(chn);
            evtchn_write_unlock(chn);
        }
    }
}

/* Sets up a newly bound channel's ABI state (FIFO: priority). */
static void evtchn_port_init(struct domain *d, struct evtchn *chn,
                             unsigned int port)
{
    const struct evtchn_port_ops *ops = evtchn_ops(d);

    chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    if ( ops->init )
        ops->init(d, chn, port);
}

/**
 * EVTCHNOP_alloc_unbound.  Errors, in order: -ESRCH (dom), -EINVAL (dying),
 * -ENOSPC, -ENOMEM, XSM (-EPERM).  DOMID_SELF as remote_dom stores the
 * caller's id.  On error nothing changes.
 */
int evtchn_alloc_unbound(struct domain *cur, struct evtchn_alloc_unbound *a)
{
    struct domain *d;
    struct evtchn *chn;
    int port, rc;

    rc = domain_resolve(cur, a->dom, &d);
    if ( rc )
        return rc;

    hal_write_lock(&d->evtchn->event_lock);
    port = get_free_port(d);
    if ( port < 0 )
    {
        rc = port;
        goto out;
    }
    chn = evtchn_from_port(d, port);
    rc = xsm_evtchn_unbound(XSM_TARGET, cur, d, &chn->ssid, a->remote_dom);
    if ( rc )
    {
        evtchn_unget_port(d, port);
        goto out;
    }

    evtchn_write_lock(chn);
    chn->state = ECS_UNBOUND;
    chn->u.unbound.remote_domid =
        a->remote_dom == DOMID_SELF ? cur->domain_id : a->remote_dom;
    chn->notify_vcpu_id = 0;
    evtchn_port_init(d, chn, port);
    evtchn_write_unlock(chn);
    a->port = port;

 out:
    hal_write_unlock(&d->evtchn->event_lock);
    put_domain(d);
    return rc;
}

/**
 * EVTCHNOP_bind_interdomain.  Errors, in order: -ESRCH (remote), the local
 * allocator's (-EINVAL dying, -ENOSPC, -ENOMEM), -EINVAL (remote port not
 * valid, not UNBOUND, or not offered to the caller), XSM.  On success both
 * ends are INTERDOMAIN and the local port is set pending (events sent
 * before the bind are not lost).  Loopback is allowed.
 */
int evtchn_bind_interdomain(struct domain *ld,
                            struct evtchn_bind_interdomain *b)
{
    struct domain *rd;
    struct evtchn *lchn, *rchn;
    unsigned int rport = b->remote_port;
    int lport, rc;

    rc = domain_resolve(ld, b->remote_dom, &rd);
    if ( rc )
        return rc;

    double_event_lock(ld, rd);
    lport = get_free_port(ld);
    if ( lport < 0 )
    {
        rc = lport;
        goto out;
    }
    lchn = evtchn_from_port(ld, lport);

    rc = -EINVAL;
    if ( !port_is_valid(rd, rport) )
        goto unget;
    rchn = evtchn_from_port(rd, rport);
    if ( rchn->state != ECS_UNBOUND ||
         rchn->u.unbound.remote_domid != ld->domain_id )
        goto unget;

    rc = xsm_evtchn_interdomain(XSM_HOOK, ld, &lchn->ssid, rd, &rchn->ssid);
    if ( rc )
        goto unget;

    double_evtchn_lock(lchn, rchn);
    lchn->state = ECS_INTERDOMAIN;
    lchn->u.interdomain.remote_chn = rchn;
    lchn->u.interdomain.remote_dom = rd;
    lchn->u.interdomain.remote_port = rport;
    lchn->notify_vcpu_id = 0;
    evtchn_port_init(ld, lchn, lport);
    rchn->state = ECS_INTERDOMAIN;
    rchn->u.interdomain.remote_chn = lchn;
    rchn->u.interdomain.remote_dom = ld;
    rchn->u.interdomain.remote_port = lport;
    /* Events sent to the unbound remote end were dropped: say so. */
    evtchn_port_set_pending(ld, lchn->notify_vcpu_id, lchn, lport);
    double_evtchn_unlock(lchn, rchn);
    b->local_port = lport;
    goto out;

 unget:
    evtchn_unget_port(ld, lport);
 out:
    double_event_unlock(ld, rd);
    put_domain(rd);
    return rc;
}

/**
 * EVTCHNOP_bind_ipi.  -ENOENT (no such vCPU), then the allocator's errors.
 */
int evtchn_bind_ipi(struct domain *d, struct evtchn_bind_ipi *b)
{
    struct evtchn *chn;
    int port, rc = 0;

    if ( b->vcpu >= d->max_vcpus || !d->vcpu[b->vcpu] )
        return -ENOENT;

    hal_write_lock(&d->evtchn->event_lock);
    port = get_free_port(d);
    if ( port < 0 )
    {
        rc = port;
        goto out;
    }
    chn = evtchn_from_port(d, port);
    evtchn_write_lock(chn);
    chn->state = ECS_IPI;
    chn->notify_vcpu_id = (uint16_t)b->vcpu;
    evtchn_port_init(d, chn, port);
    evtchn_write_unlock(chn);
    b->port = port;

 out:
    hal_write_unlock(&d->evtchn->event_lock);
    return rc;
}

/**
 * Closes a port (EVTCHNOP_close, reset, destroy).  Takes `d1`'s event
 * lock, and for an interdomain channel the peer's too, in address order:
 * if the peer sorts first, `d1`'s lock is dropped and both are retaken, and
 * the channel must still point at the same peer (else -EINVAL).  Closing
 * an interdomain end puts the peer back to UNBOUND, offered to `d1`, with
 * its pending bit and vCPU left as they are.  Errors: -EINVAL (invalid,
 * FREE or RESERVED port; a Xen consumer's port and `guest`; peer changed).
 */
int evtchn_close(struct domain *d1, unsigned int port1, bool guest)
{
    struct domain *d2 = NULL;
    struct evtchn *chn1, *chn2;
    int rc = 0;

 again:
    hal_write_lock(&d1->evtchn->event_lock);
    if ( !port_is_valid(d1, port1) )
    {
        rc = -EINVAL;
        goto out;
    }
    chn1 = evtchn_from_port(d1, port1);
    if ( chn1->xen_consumer && guest )
    {
        rc = -EINVAL;
        goto out;
    }

    switch ( chn1->state )
    {
    case ECS_FREE:
    case ECS_RESERVED:
        rc = -EINVAL;
        goto out;

    case ECS_UNBOUND:
    case ECS_IPI:
        break;

    case ECS_PIRQ:
        hal_write_once(&d1->evtchn->pirq_to_evtchn[chn1->u.pirq.irq], 0);
        break;

    case ECS_VIRQ:
    {
        unsigned int virq = chn1->u.virq;
        struct vcpu *v = d1->vcpu[evtchn_virq_type(virq) == VIRQ_TYPE_VCPU
                                  ? chn1->notify_vcpu_id : 0];

        hal_write_lock(&v->evtchn->virq_lock);
        if ( v->evtchn->virq_to_evtchn[virq] == port1 )
            v->evtchn->virq_to_evtchn[virq] = 0;
        hal_write_unlock(&v->evtchn->virq_lock);
        break;
    }

    case ECS_INTERDOMAIN:
        if ( !d2 )
        {
            d2 = chn1->u.interdomain.remote_dom;
            /* The peer cannot go while it is bound to us under our lock. */
            get_domain(d2);
            if ( (uintptr_t)d1 < (uintptr_t)d2 )
                hal_write_lock(&d2->evtchn->event_lock);
            else if ( d1 != d2 )
            {
                hal_write_unlock(&d1->evtchn->event_lock);
                hal_write_lock(&d2->evtchn->event_lock);
                goto again;
            }
        }
        else if ( d2 != chn1->u.interdomain.remote_dom )
        {
            rc = -EINVAL;
            goto out;
        }
        chn2 = evtchn_from_port(d2, chn1->u.interdomain.remote_port);
        BUG_ON(chn2->state != ECS_INTERDOMAIN ||
               chn2->u.interdomain.remote_dom != d1 ||
               chn2->u.interdomain.remote_port != port1);
        double_evtchn_lock(chn1, chn2);
        evtchn_free(d1, chn1, port1);
        chn2->state = ECS_UNBOUND;
        memset(&chn2->u, 0, sizeof(chn2->u));
        chn2->u.unbound.remote_domid = d1->domain_id;
        double_evtchn_unlock(chn1, chn2);
        goto out;

    default:
        BUG();
    }

    evtchn_write_lock(chn1);
    evtchn_free(d1, chn1, port1);
    evtchn_write_unlock(chn1);

 out:
    if ( d2 )
    {
        if ( d2 != d1 )
            hal_write_unlock(&d2->evtchn->event_lock);
        put_domain(d2);
    }
    hal_write_unlock(&d1->evtchn->event_lock);
    return rc;
}

/**
 * EVTCHNOP_status.  -ESRCH (dom), -EINVAL (port not valid), XSM (-EPERM).
 * FREE and RESERVED both read as closed; Xen-bound channels are reported.
 */
int evtchn_status(struct domain *cur, struct evtchn_status *s)
{
    struct domain *d;
    struct evtchn *chn;
    int rc;

    rc = domain_resolve(cur, s->dom, &d);
    if ( rc )
        return rc;

    hal_read_lock(&d->evtchn->event_lock);
    if ( !port_is_valid(d, s->port) )
    {
        rc = -EINVAL;
        goto out;
    }
    chn = evtchn_from_port(d, s->port);
    rc = xsm_evtchn_status(XSM_TARGET, cur, d, &chn->ssid);
    if ( rc )
        goto out;

    memset(&s->u, 0, sizeof(s->u));
    switch ( chn->state )
    {
    case ECS_FREE:
    case ECS_RESERVED:
        s->status = EVTCHNSTAT_closed;
        break;
    case ECS_UNBOUND:
        s->status = EVTCHNSTAT_unbound;
        s->u.unbound.dom = chn->u.unbound.remote_domid;
        break;
    case ECS_INTERDOMAIN:
        s->status = EVTCHNSTAT_interdomain;
        s->u.interdomain.dom = chn->u.interdomain.remote_dom->domain_id;
        s->u.interdomain.port = chn->u.interdomain.remote_port;
        break;
    case ECS_PIRQ:
        s->status = EVTCHNSTAT_pirq;
        s->u.pirq = chn->u.pirq.irq;
        break;
    case ECS_VIRQ:
        s->status = EVTCHNSTAT_virq;
        s->u.virq = chn->u.virq;
        break;
    case ECS_IPI:
        s->status = EVTCHNSTAT_ipi;
        break;
    default:
        BUG();
    }
    s->vcpu = chn->notify_vcpu_id;

 out:
    hal_read_unlock(&d->evtchn->event_lock);
    put_domain(d);
    return rc;
}

/**
 * EVTCHNOP_bind_vcpu.  -ENOENT (no such vCPU, checked first), -EINVAL
 * (invalid port, Xen consumer, IPI, per-vCPU VIRQ, FREE, RESERVED).  Only
 * future deliveries move; nothing already pending is moved.
 */
int evtchn_bind_vcpu(struct domain *d, unsigned int port,
                     unsigned int vcpu_id)
{
    struct evtchn *chn;
    int rc = 0;

    if ( vcpu_id >= d->max_vcpus || !d->vcpu[vcpu_id] )
        return -ENOENT;

    hal_write_lock(&d->evtchn->event_lock);
    if ( !port_is_valid(d, port) )
    {
        rc = -EINVAL;
        goto out;
    }
    chn = evtchn_from_port(d, port);
    if ( chn->xen_consumer )
    {
        rc = -EINVAL;
        goto out;
    }
    switch ( chn->state )
    {
    case ECS_VIRQ:
        if ( evtchn_virq_type(chn->u.virq) == VIRQ_TYPE_VCPU )
        {
            rc = -EINVAL;
            break;
        }
        /* fall through */
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
    case ECS_PIRQ: /* no physical affinity to move in hvcore */
        hal_write_once(&chn->notify_vcpu_id, (uint16_t)vcpu_id);
        break;
    default:
        rc = -EINVAL;
        break;
    }

 out:
    hal_write_unlock(&d->evtchn->event_lock);
    return rc;
}

/**
 * EVTCHNOP_unmask.  -EINVAL only for an invalid port; otherwise 0, doing
 * nothing for a channel that is not usable.
 */
int evtchn_unmask(struct domain *d, unsigned int port)
{
    struct evtchn *chn;

    if ( !port_is_valid(d, port) )
        return -EINVAL;
    chn = evtchn_from_port(d, port);
    evtchn_send_lock(chn);
    if ( evtchn_usable(chn) )
        evtchn_ops(d)->unmask(d, chn, port);
    evtchn_send_unlock(chn);
    return 0;
}

/**
 * EVTCHNOP_set_priority.  -EINVAL (invalid port), -ENOSYS (the ABI has no
 * priorities: 2- and 3-level), -EACCES (not usable), -EINVAL (> 15).
 */
int evtchn_set_priority(struct domain *d, const struct evtchn_set_priority *s)
{
    const struct evtchn_port_ops *ops;
    struct evtchn *chn;
    int rc;

    if ( !port_is_valid(d, s->port) )
        return -EINVAL;
    ops = evtchn_ops(d);
    if ( !ops->set_priority )
        return -ENOSYS;
    chn = evtchn_from_port(d, s->port);
    evtchn_send_lock(chn);
    if ( !evtchn_usable(chn) )
        rc = -EACCES;
    else if ( s->priority > 15 )
        rc = -EINVAL;
    else
        rc = ops->set_priority(d, chn, s->port, s->priority);
    evtchn_send_unlock(chn);
    return rc;
}

/* Ports closed between preemption checks in reset and destroy. */
#define EVTCHN_PREEMPT_PORTS 64

/**
 * EVTCHNOP_reset / reset_cont.  Errors, in order: -ESRCH, XSM (-EPERM),
 * -EINVAL (another domain that its controller has not paused), -EBUSY (a
 * reset already running, or a continuation with none running).  Closes
 * every port that is not a Xen consumer's from 1 up, checking for
 * preemption every 64 ports (-ERESTART: continue with `resuming`).  Ends
 * with -EAGAIN if ports were opened meanwhile; on success a 3-level or FIFO
 * domain goes back to 2 levels and its pages are released.
 */
int evtchn_reset(struct domain *cur, domid_t dom, bool resuming)
{
    struct domain *d;
    struct evtchn_domain *ed;
    unsigned int i;
    int rc;

    rc = domain_resolve(cur, dom, &d);
    if ( rc )
        return rc;
    rc = xsm_evtchn_reset(XSM_TARGET, cur, d);
    if ( rc )
        goto out_put;
    if ( d != cur && hal_read_once(&d->pause_count) == 0 )
    {
        rc = -EINVAL;
        goto out_put;
    }

    ed = d->evtchn;
    hal_write_lock(&ed->event_lock);
    if ( resuming ? ed->next_reset == 0 : ed->next_reset != 0 )
    {
        hal_write_unlock(&ed->event_lock);
        rc = -EBUSY;
        goto out_put;
    }
    if ( !resuming )
        ed->next_reset = 1;
    i = ed->next_reset;
    hal_write_unlock(&ed->event_lock);

    while ( i < hal_load_acquire(&ed->valid_evtchns) &&
            hal_read_once(&ed->active_evtchns) >
            hal_read_once(&ed->xen_evtchns) )
    {
        if ( !evtchn_from_port(d, i)->xen_consumer )
            evtchn_close_if_open(d, i, true);
        i++;
        if ( i % EVTCHN_PREEMPT_PORTS == 0 && hypercall_preempt_check() )
        {
            hal_write_lock(&ed->event_lock);
            ed->next_reset = i;
            hal_write_unlock(&ed->event_lock);
            rc = -ERESTART;
            goto out_put;
        }
    }

    hal_write_lock(&ed->event_lock);
    ed->next_reset = 0;
    if ( ed->active_evtchns > ed->xen_evtchns )
        rc = -EAGAIN;
    else
        evtchn_abi_teardown(d);
    hal_write_unlock(&ed->event_lock);

 out_put:
    put_domain(d);
    return rc;
}
