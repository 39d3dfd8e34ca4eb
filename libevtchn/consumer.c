/* SPDX-License-Identifier: MIT */
/*
 * Xen consumers: channels whose local end belongs to the hypervisor.  The
 * callback of each is kept in a table of EVTCHN_NR_XEN_CONSUMERS entries,
 * filled lock-free, and the channel stores index + 1 in its 3-bit
 * `xen_consumer` field.  The guest cannot close, send, bind_vcpu, unmask
 * or set the priority of such a channel.
 */
#include <common/string.h>
#include <hal/guest.h>

#include "private.h"

static xen_event_channel_notification_t xen_consumers[EVTCHN_NR_XEN_CONSUMERS];

/* A NULL callback: wake the vCPU (raise its upcall). */
static void default_xen_notification_fn(struct vcpu *v, unsigned int port)
{
    (void)port;
    hal_guest_upcall(v->domain->domain_id, v->vcpu_id);
}

/** Empties the table (a fresh world). */
void evtchn_consumer_reset(void)
{
    memset(xen_consumers, 0, sizeof(xen_consumers));
}

/* Returns the index + 1 of `fn`, adding it if new; BUG when full. */
static unsigned int get_xen_consumer(xen_event_channel_notification_t fn)
{
    unsigned int i;

    if ( !fn )
        fn = default_xen_notification_fn;
    for ( i = 0; i < EVTCHN_NR_XEN_CONSUMERS; i++ )
    {
        xen_event_channel_notification_t cur =
            hal_load_acquire(&xen_consumers[i]);

        if ( !cur )
        {
            xen_event_channel_notification_t expect = NULL;

            if ( hal_cmpxchg(&xen_consumers[i], &expect, fn) )
                return i + 1;
            cur = expect;
        }
        if ( cur == fn )
            return i + 1;
    }
    BUG();
}

/** The callback of consumer index `idx` (1-based). */
xen_event_channel_notification_t evtchn_consumer_fn(unsigned int idx)
{
    ASSERT(idx >= 1 && idx <= EVTCHN_NR_XEN_CONSUMERS);
    return hal_load_acquire(&xen_consumers[idx - 1]);
}

/** See evtchn.h. */
int alloc_unbound_xen_event_channel(struct domain *ld, unsigned int lvcpu,
                                    domid_t remote_domid,
                                    xen_event_channel_notification_t fn)
{
    struct evtchn *chn;
    int port, rc;

    if ( lvcpu >= ld->max_vcpus || !ld->vcpu[lvcpu] )
        return -ENOENT;

    hal_write_lock(&ld->evtchn->event_lock);
    port = get_free_port(ld);
    if ( port < 0 )
    {
        rc = port;
        goto out;
    }
    chn = evtchn_from_port(ld, port);
    rc = xsm_evtchn_unbound(XSM_TARGET, ld, ld, &chn->ssid, remote_domid);
    if ( rc )
    {
        evtchn_unget_port(ld, port);
        goto out;
    }
    evtchn_write_lock(chn);
    chn->state = ECS_UNBOUND;
    chn->xen_consumer = get_xen_consumer(fn) & 7;
    chn->notify_vcpu_id = (uint16_t)lvcpu;
    chn->u.unbound.remote_domid = remote_domid;
    evtchn_write_unlock(chn);
    hal_write_once(&ld->evtchn->xen_evtchns, ld->evtchn->xen_evtchns + 1);
    rc = port;

 out:
    hal_write_unlock(&ld->evtchn->event_lock);
    return rc;
}

/** See evtchn.h.  A port already closed by destroy is ignored. */
void free_xen_event_channel(struct domain *ld, unsigned int lport)
{
    evtchn_close_if_open(ld, lport, false);
}

/** See evtchn.h: only an interdomain (bound) channel delivers. */
void notify_via_xen_event_channel(struct domain *ld, unsigned int lport)
{
    struct evtchn *lchn;

    if ( !port_is_valid(ld, lport) )
        return;
    lchn = evtchn_from_port(ld, lport);
    if ( !evtchn_send_trylock(lchn) )
        return;
    if ( lchn->state == ECS_INTERDOMAIN && lchn->xen_consumer )
    {
        struct domain *rd = lchn->u.interdomain.remote_dom;
        unsigned int rport = lchn->u.interdomain.remote_port;
        struct evtchn *rchn = evtchn_from_port(rd, rport);

        evtchn_port_set_pending(rd, hal_read_once(&rchn->notify_vcpu_id),
                                rchn, rport);
    }
    evtchn_send_unlock(lchn);
}
