/* SPDX-License-Identifier: MIT */
/*
 * Interrupt sources: virtual IRQs (per-vCPU, per-domain and global, with a
 * designated handler domain for each global virq) and physical IRQs, which
 * the toolstack permits and the simulator injects.
 *
 * Global virq handlers: `global_virq_handlers[virq]` names the domain that
 * may bind the virq; NULL means the hardware domain, which in hvcore is
 * domain 0.  No reference is held: a domain's entries are cleared when it
 * is destroyed (Xen's 4d8acc9c1c), under `global_virq_lock`, which also
 * covers the handler check of a bind so the handler cannot be stolen
 * while a bind is under way (980822c5ed).
 */
#include <common/string.h>
#include <hal/spinlock.h>

#include "private.h"

#define HARDWARE_DOMID 0

static hal_spinlock_t global_virq_lock = HAL_SPINLOCK_INIT;
static struct domain *global_virq_handlers[NR_VIRQS];

/** Forgets every handler (a fresh world). */
void evtchn_virq_init(void)
{
    hal_spin_init(&global_virq_lock);
    memset(global_virq_handlers, 0, sizeof(global_virq_handlers));
}

/** Xen's get_virq_type: per-vCPU, per-domain or global. */
enum virq_type evtchn_virq_type(unsigned int virq)
{
    switch ( virq )
    {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU:
        return VIRQ_TYPE_VCPU;
    case VIRQ_ARGO:
        return VIRQ_TYPE_DOMAIN;
    default:
        /* Including the unused numbers and ARCH_0..7 (global on x86). */
        return VIRQ_TYPE_GLOBAL;
    }
}

/* The handler of `virq`: explicit, or the hardware domain.  Global lock held;
 * returns a referenced domain or NULL. */
static struct domain *virq_handler_get(unsigned int virq)
{
    struct domain *d = global_virq_handlers[virq];

    if ( d )
    {
        get_domain(d);
        return d;
    }
    return get_domain_by_id(HARDWARE_DOMID);
}

/** True if `d` is the handler of global virq `virq`; global lock held. */
bool evtchn_is_virq_handler(unsigned int virq, const struct domain *d)
{
    struct domain *h = global_virq_handlers[virq];

    return h ? h == d : d->domain_id == HARDWARE_DOMID;
}

/** See evtchn.h. */
struct domain *evtchn_virq_handler(unsigned int virq)
{
    struct domain *d;

    if ( virq >= NR_VIRQS || evtchn_virq_type(virq) != VIRQ_TYPE_GLOBAL )
        return NULL;
    hal_spin_lock(&global_virq_lock);
    d = virq_handler_get(virq);
    hal_spin_unlock(&global_virq_lock);
    if ( d )
        put_domain(d);
    return d;
}

/**
 * Xen's domctl set_virq_handler.  -EINVAL (not a global virq; `d` dying),
 * -EBUSY (the current handler still has it bound: 980822c5ed).
 */
int evtchn_set_virq_handler(unsigned int virq, struct domain *d)
{
    struct domain *old;
    int rc = 0;

    if ( virq >= NR_VIRQS || evtchn_virq_type(virq) != VIRQ_TYPE_GLOBAL )
        return -EINVAL;
    if ( domain_is_dying(d) || !d->evtchn )
        return -EINVAL;

    hal_spin_lock(&global_virq_lock);
    old = virq_handler_get(virq);
    if ( old && old != d && old->evtchn )
    {
        struct evtchn_vcpu *ev = old->vcpu[0]->evtchn;

        hal_read_lock(&ev->virq_lock);
        if ( ev->virq_to_evtchn[virq] )
            rc = -EBUSY;
        hal_read_unlock(&ev->virq_lock);
    }
    if ( !rc )
        global_virq_handlers[virq] = d;
    hal_spin_unlock(&global_virq_lock);
    if ( old )
        put_domain(old);
    return rc;
}

/** Forgets `d` as a handler (destroy); its virqs fall back to domain 0. */
void evtchn_clear_virq_handlers(struct domain *d)
{
    unsigned int virq;

    hal_spin_lock(&global_virq_lock);
    for ( virq = 0; virq < NR_VIRQS; virq++ )
        if ( global_virq_handlers[virq] == d )
            global_virq_handlers[virq] = NULL;
    hal_spin_unlock(&global_virq_lock);
}

/**
 * EVTCHNOP_bind_virq.  Errors, in order: -EINVAL (virq >= NR_VIRQS;
 * vcpu != 0 for a virq that is not per-vCPU), -ENOENT (no such vCPU),
 * -EBUSY (a global virq and `d` is not its handler), -EEXIST (already
 * bound on that vCPU), then the allocator's.  Domain and global virqs are
 * kept in vCPU 0's table.  The table entry is published last.
 */
int evtchn_bind_virq(struct domain *d, struct evtchn_bind_virq *b)
{
    unsigned int virq = b->virq, vcpu = b->vcpu;
    enum virq_type type;
    struct evtchn_vcpu *ev;
    struct evtchn *chn;
    bool global;
    int port, rc = 0;

    if ( virq >= NR_VIRQS )
        return -EINVAL;
    type = evtchn_virq_type(virq);
    if ( type != VIRQ_TYPE_VCPU && vcpu != 0 )
        return -EINVAL;
    if ( vcpu >= d->max_vcpus || !d->vcpu[vcpu] )
        return -ENOENT;

    global = type == VIRQ_TYPE_GLOBAL;
    if ( global )
    {
        hal_spin_lock(&global_virq_lock);
        if ( !evtchn_is_virq_handler(virq, d) )
        {
            hal_spin_unlock(&global_virq_lock);
            return -EBUSY;
        }
    }

    ev = d->vcpu[vcpu]->evtchn;
    hal_write_lock(&d->evtchn->event_lock);
    if ( ev->virq_to_evtchn[virq] )
    {
        rc = -EEXIST;
        goto out;
    }
    port = get_free_port(d);
    if ( port < 0 )
    {
        rc = port;
        goto out;
    }
    chn = evtchn_from_port(d, port);
    evtchn_write_lock(chn);
    chn->state = ECS_VIRQ;
    chn->notify_vcpu_id = (uint16_t)vcpu;
    chn->u.virq = virq;
    chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    evtchn_write_unlock(chn);

    hal_write_lock(&ev->virq_lock);
    ev->virq_to_evtchn[virq] = port;
    hal_write_unlock(&ev->virq_lock);
    b->port = port;

 out:
    hal_write_unlock(&d->evtchn->event_lock);
    if ( global )
        hal_spin_unlock(&global_virq_lock);
    return rc;
}

/* Delivers the virq bound in vCPU `v`'s table, if any, dropping it if its
 * channel is being changed (a writer means FREE or UNBOUND). */
static void send_virq_from_table(struct vcpu *v, unsigned int virq)
{
    struct evtchn_vcpu *ev = v->evtchn;
    struct domain *d = v->domain;
    unsigned int port;

    hal_read_lock(&ev->virq_lock);
    port = ev->virq_to_evtchn[virq];
    if ( port && port_is_valid(d, port) )
    {
        struct evtchn *chn = evtchn_from_port(d, port);

        if ( evtchn_send_trylock(chn) )
        {
            if ( chn->state == ECS_VIRQ )
                evtchn_port_set_pending(d, chn->notify_vcpu_id, chn, port);
            evtchn_send_unlock(chn);
        }
    }
    hal_read_unlock(&ev->virq_lock);
}

/** Raises per-vCPU virq `virq` on `v`. */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    if ( virq >= NR_VIRQS || !v->evtchn ||
         evtchn_virq_type(virq) != VIRQ_TYPE_VCPU )
        return;
    send_virq_from_table(v, virq);
}

/** Raises per-domain or global virq `virq` in `d`. */
void send_guest_domain_virq(struct domain *d, unsigned int virq)
{
    if ( virq >= NR_VIRQS || !d->evtchn ||
         evtchn_virq_type(virq) == VIRQ_TYPE_VCPU )
        return;
    send_virq_from_table(d->vcpu[0], virq);
}

/** Raises global virq `virq` in its handler domain. */
void send_global_virq(unsigned int virq)
{
    struct domain *d;

    if ( virq >= NR_VIRQS || evtchn_virq_type(virq) != VIRQ_TYPE_GLOBAL )
        return;
    hal_spin_lock(&global_virq_lock);
    d = virq_handler_get(virq);
    hal_spin_unlock(&global_virq_lock);
    if ( !d )
        return;
    send_guest_domain_virq(d, virq);
    put_domain(d);
}

/** See evtchn.h. */
int evtchn_pirq_permit(struct domain *d, unsigned int pirq, bool allow)
{
    unsigned long *map = d->evtchn->pirq_access;

    if ( pirq >= EVTCHN_NR_PIRQS )
        return -EINVAL;
    if ( allow )
        hal_fetch_or(&map[pirq / 64], 1UL << (pirq % 64));
    else
        hal_fetch_and(&map[pirq / 64], ~(1UL << (pirq % 64)));
    return 0;
}

/**
 * EVTCHNOP_bind_pirq.  -EINVAL (pirq out of range), -EPERM (no access),
 * -EEXIST (already bound), then the allocator's.  The channel notifies
 * vCPU 0.  BIND_PIRQ__WILL_SHARE is accepted and has no effect: the
 * simulated IRQ source is never shared.
 */
int evtchn_bind_pirq(struct domain *d, struct evtchn_bind_pirq *b)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned int pirq = b->pirq;
    struct evtchn *chn;
    int port, rc = 0;

    if ( pirq >= EVTCHN_NR_PIRQS )
        return -EINVAL;
    if ( !((hal_read_once(&ed->pirq_access[pirq / 64]) >> (pirq % 64)) & 1) )
        return -EPERM;

    hal_write_lock(&ed->event_lock);
    if ( ed->pirq_to_evtchn[pirq] )
    {
        rc = -EEXIST;
        goto out;
    }
    port = get_free_port(d);
    if ( port < 0 )
    {
        rc = port;
        goto out;
    }
    chn = evtchn_from_port(d, port);
    evtchn_write_lock(chn);
    chn->state = ECS_PIRQ;
    chn->notify_vcpu_id = 0;
    chn->u.pirq.irq = pirq;
    chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    evtchn_write_unlock(chn);
    hal_write_once(&ed->pirq_to_evtchn[pirq], (uint32_t)port);
    b->port = port;

 out:
    hal_write_unlock(&ed->event_lock);
    return rc;
}

/** See evtchn.h: a physical IRQ fired. */
void evtchn_pirq_inject(struct domain *d, unsigned int pirq)
{
    unsigned int port;
    struct evtchn *chn;

    if ( pirq >= EVTCHN_NR_PIRQS || !d->evtchn )
        return;
    port = hal_read_once(&d->evtchn->pirq_to_evtchn[pirq]);
    if ( !port || !port_is_valid(d, port) )
        return;
    chn = evtchn_from_port(d, port);
    if ( !evtchn_send_trylock(chn) )
        return;
    if ( chn->state == ECS_PIRQ && chn->u.pirq.irq == pirq )
        evtchn_port_set_pending(d, chn->notify_vcpu_id, chn, port);
    evtchn_send_unlock(chn);
}
