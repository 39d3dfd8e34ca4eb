/* SPDX-License-Identifier: MIT */
/*
 * EVTCHNOP_send, the hot path of the whole library: a guest notifying its
 * peer.  In its own file so its shape stays visible.
 *
 * The common case (a 2-level interdomain peer, the dummy XSM policy, an
 * uncontended channel) runs as one straight line with no call: the
 * argument is read through libmm's inline translation cache
 * (libmm/guest_read.h), the channel is taken with one compare-exchange and
 * released with a plain store (chn_lock.h), and the peer is marked pending
 * by the 2-level ABI's inline marking (event_2l.h) instead of through the
 * port-ops table.  Two locked operations in all: the lock and the pending
 * bit (the selector and the upcall flag are read first and need none while
 * they are set, as they are while a guest is busy taking events).
 *
 * Every other case leaves that line by a tail call to a function that
 * finishes the send and releases the lock: a contended lock, a provider
 * XSM policy, any state but INTERDOMAIN, a Xen consumer peer, another ABI,
 * the selector's edge (which raises the upcall).  So the straight line
 * keeps no register across a call and needs no stack frame.
 */
#include <common/guest_access.h>
#include <libmm/guest_read.h>

#include "event_2l.h"

/* vcpu_mark_events_pending on the selector's edge, then the release. */
static __noinline long send_upcall(struct evtchn *lchn, struct vcpu *v)
{
    vcpu_mark_events_pending(v);
    evtchn_send_unlock(lchn);
    return 0;
}

/*
 * A peer on an ABI other than 2-level, whose ops `ops` were read without
 * acquire: the fence gives the acquire (the ABI's state was published
 * before its ops).
 */
static __noinline long
send_via_ops(struct evtchn *lchn, struct vcpu *v, struct evtchn *rchn,
             unsigned int rport, const struct evtchn_port_ops *ops)
{
    hal_smp_rmb();
    ops->set_pending(v, rchn, rport);
    evtchn_send_unlock(lchn);
    return 0;
}

/*
 * A peer that is a Xen consumer: its callback runs after our channel's lock
 * is dropped, with a reference that keeps the peer alive.
 */
static __noinline long
send_to_consumer(struct evtchn *lchn, struct domain *rd, struct evtchn *rchn,
                 unsigned int rport)
{
    xen_event_channel_notification_t fn =
        evtchn_consumer_fn(rchn->xen_consumer);
    unsigned int rvcpu = hal_read_once(&rchn->notify_vcpu_id);

    get_domain(rd);
    evtchn_send_unlock(lchn);
    fn(rd->vcpu[rvcpu], rport);
    put_domain(rd);
    return 0;
}

/*
 * Delivers to the peer of `lchn`, an interdomain channel whose lock we
 * hold (so the peer is a bound INTERDOMAIN channel and its domain lives),
 * and releases the lock.
 */
static __always_inline long send_interdomain(struct evtchn *lchn)
{
    struct evtchn *rchn = lchn->u.interdomain.remote_chn;
    struct domain *rd = lchn->u.interdomain.remote_dom;
    unsigned int rport = lchn->u.interdomain.remote_port;
    const struct evtchn_port_ops *ops;
    struct vcpu *v;

    if ( unlikely(rchn->xen_consumer) )
        return send_to_consumer(lchn, rd, rchn, rport);
    v = rd->vcpu[hal_read_once(&rchn->notify_vcpu_id)];
    /*
     * No acquire (evtchn_ops) for the 2-level case: its state is set up
     * with the domain, and an ABI switch waits for our lock (quiesce)
     * before it moves the bits; send_via_ops adds the acquire.
     */
    ops = hal_read_once(&rd->evtchn->ops);
    if ( unlikely(ops != &evtchn_port_ops_2l) )
        return send_via_ops(lchn, v, rchn, rport, ops);
    if ( evtchn_2l_mark(rd, v, rport) )
        return send_upcall(lchn, v);
    evtchn_send_unlock(lchn);
    return 0;
}

/*
 * The send with `lchn` locked, in any state and under any XSM policy:
 * -EINVAL for a Xen consumer's port, then XSM, then -EINVAL for FREE,
 * RESERVED, PIRQ and VIRQ; UNBOUND drops the event and returns 0.  The
 * consumer test is made under the lock, as Xen makes it: a port closed and
 * given to a consumer meanwhile is seen as the consumer's.  Releases the
 * lock.
 */
static __noinline long
send_locked(struct domain *ld, unsigned int lport, struct evtchn *lchn)
{
    long rc = -EINVAL;

    if ( lchn->xen_consumer )
        goto out;
    rc = xsm_evtchn_send(XSM_HOOK, ld, &lchn->ssid,
                         (enum xsm_evtchn_state)lchn->state);
    if ( rc )
        goto out;
    switch ( lchn->state )
    {
    case ECS_INTERDOMAIN:
        return send_interdomain(lchn);
    case ECS_IPI:
        evtchn_port_set_pending(ld, hal_read_once(&lchn->notify_vcpu_id),
                                lchn, lport);
        break;
    case ECS_UNBOUND:
        /* Nobody listens yet: dropped silently, as Xen does. */
        break;
    default:
        rc = -EINVAL;
        break;
    }
 out:
    evtchn_send_unlock(lchn);
    return rc;
}

/* The lock was busy: wait for it, then the send with it held. */
static __noinline long
send_contended(struct domain *ld, unsigned int lport, struct evtchn *lchn)
{
    evtchn_send_lock(lchn);
    return send_locked(ld, lport, lchn);
}

/*
 * EVTCHNOP_send.  -EINVAL for an invalid port, then as send_locked.  Takes
 * only the local channel's lock, as a sender.
 */
static __always_inline long send_port(struct domain *ld, unsigned int lport)
{
    struct evtchn_domain *ed = ld->evtchn;
    struct evtchn *lchn;

    if ( unlikely(!evtchn_port_valid(ed, lport)) )
        return -EINVAL;
    lchn = evtchn_port_chn(ed, lport);
    if ( unlikely(!evtchn_send_trylock_once(lchn)) )
        return send_contended(ld, lport, lchn);
    /*
     * Under the dummy the hook is inline and allows an XSM_HOOK check;
     * any other policy's decision is a call, made in send_locked, as is
     * every other case it decides.  The state is read on its own: a load
     * the compiler widened over it and the consumer byte would also cover
     * the lock byte the locked compare-exchange has just written, and wait
     * for that store (about 4 ns a send here).
     */
    if ( unlikely(!xsm_dummy_in_force() ||
                  hal_read_once(&lchn->state) != ECS_INTERDOMAIN ||
                  lchn->xen_consumer ||
                  xsm_evtchn_send(XSM_HOOK, ld, &lchn->ssid,
                                  XSM_ECS_INTERDOMAIN)) )
        return send_locked(ld, lport, lchn);
    return send_interdomain(lchn);
}

/** See evtchn.h. */
int evtchn_send(struct domain *ld, unsigned int lport)
{
    return (int)send_port(ld, lport);
}

/* The argument's translation is not remembered: the general copy. */
static __noinline long send_copy_in(struct domain *ld, uint64_t arg)
{
    struct evtchn_send s;

    if ( copy_from_guest(ld, &s, arg) )
        return -EFAULT;
    return evtchn_send(ld, s.port);
}

/** EVTCHNOP_send from hypercall 32 (hypercall.c): -EFAULT, or the send's. */
long evtchn_send_hypercall(struct vcpu *v, uint64_t arg)
{
    struct domain *ld = v->domain;
    struct evtchn_send s;

    if ( unlikely(!guest_read_cached(ld, &s, arg, sizeof(s))) )
        return send_copy_in(ld, arg);
    return send_port(ld, s.port);
}
