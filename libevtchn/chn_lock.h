/* SPDX-License-Identifier: MIT */
/*
 * The per-channel lock (one byte, `struct evtchn`'s `lock`).
 *
 * Senders (EVTCHNOP_send, unmask, virq and pirq delivery, consumer
 * notification) and state changes (bind, close, bind_vcpu, reset, destroy)
 * both hold it exclusively.  A sender holds it for a few dozen instructions,
 * so exclusion between senders of one channel costs little; what it buys is
 * a release that is a plain store.  A reader count (Xen's per-channel
 * rwlock since 4.15, and hvcore's before) needs a locked decrement to
 * release, which made it a third of the locked operations of a send
 * (pending bit, acquire, release).  Xen before 4.15 also used a spinlock.
 *
 * Hypervisor senders (virq, pirq, consumers) only try the lock: they wait
 * out another sender but give up if a state change holds it or waits for
 * it, as Xen's read_trylock does; the channel is changing and the event may
 * be dropped.  A state change that finds the lock held sets WAITING, which
 * keeps new senders out until it has taken the lock; a holder's release
 * clears WAITING and the waiter sets it again on its next spin.
 *
 * What this costs an embedder: a hypervisor sender waits for a guest
 * sender, so it must not run in a context that can interrupt a guest
 * sender (send, unmask) on the same CPU, such as an interrupt handler
 * raising a pirq or virq: it would spin on a holder that cannot go on.
 * hvcore has no such context (the HAL has no interrupts; the simulator's
 * pirq source is a thread), and an embedder that has one raises those
 * events from a deferred context (Xen's softirq or tasklet).  Xen's rwlock
 * lets such a sender share the lock with guest senders instead, at the
 * price of the locked release above.
 */
#ifndef LIBEVTCHN_CHN_LOCK_H
#define LIBEVTCHN_CHN_LOCK_H

#include <hal/atomic.h>
#include <hal/cpu.h>
#include <hal/panic.h>
#include <libevtchn/channel.h>

#define EVTCHN_LOCK_SENDER ((uint8_t)1)   /* held by a sender */
#define EVTCHN_LOCK_WRITER ((uint8_t)2)   /* held by a state change */
#define EVTCHN_LOCK_WAITING ((uint8_t)4)  /* a state change waits for it */

static inline void evtchn_lock_init(evtchn_lock_t *l)
{
    l->v = 0;
}

/* Releases the lock, held in either mode. */
static inline void evtchn_lock_release(evtchn_lock_t *l, uint8_t mode)
{
#ifndef NDEBUG
    if ( !(hal_read_once(&l->v) & mode) )
        hal_panic("evtchn lock: release of a lock not held");
#else
    (void)mode;
#endif
    hal_store_release(&l->v, (uint8_t)0);
}

/** One attempt to take the lock to send: false if it is not free. */
static inline bool evtchn_send_trylock_once(struct evtchn *chn)
{
    uint8_t v = 0;

    return hal_cmpxchg(&chn->lock.v, &v, EVTCHN_LOCK_SENDER);
}

/** Takes the lock to send (guest senders: waits for a state change). */
static inline void evtchn_send_lock(struct evtchn *chn)
{
    while ( !evtchn_send_trylock_once(chn) )
        do
            hal_cpu_relax();
        while ( hal_read_once(&chn->lock.v) );
}

/** Hypervisor senders: false if a state change holds or waits for it. */
static inline bool evtchn_send_trylock(struct evtchn *chn)
{
    uint8_t v = 0;

    while ( !hal_cmpxchg(&chn->lock.v, &v, EVTCHN_LOCK_SENDER) )
    {
        if ( v != EVTCHN_LOCK_SENDER )
            return false;
        hal_cpu_relax();
        v = 0;
    }
    return true;
}

static inline void evtchn_send_unlock(struct evtchn *chn)
{
    evtchn_lock_release(&chn->lock, EVTCHN_LOCK_SENDER);
}

/** Takes the lock to change the channel's state. */
static inline void evtchn_write_lock(struct evtchn *chn)
{
    uint8_t v = hal_read_once(&chn->lock.v);

    for ( ;; )
    {
        if ( !(v & (EVTCHN_LOCK_SENDER | EVTCHN_LOCK_WRITER)) )
        {
            if ( hal_cmpxchg(&chn->lock.v, &v, EVTCHN_LOCK_WRITER) )
                return;
            continue;   /* v was reloaded by the failed compare */
        }
        if ( !(v & EVTCHN_LOCK_WAITING) )
            hal_fetch_or(&chn->lock.v, EVTCHN_LOCK_WAITING);
        hal_cpu_relax();
        v = hal_read_once(&chn->lock.v);
    }
}

static inline void evtchn_write_unlock(struct evtchn *chn)
{
    evtchn_lock_release(&chn->lock, EVTCHN_LOCK_WRITER);
}

/** True if the lock is held in either mode (the invariant checker). */
static inline bool evtchn_is_locked(const struct evtchn *chn)
{
    return hal_read_once(&chn->lock.v) &
           (EVTCHN_LOCK_SENDER | EVTCHN_LOCK_WRITER);
}

#endif /* LIBEVTCHN_CHN_LOCK_H */
