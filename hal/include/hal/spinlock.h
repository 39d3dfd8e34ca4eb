/* SPDX-License-Identifier: MIT */
/*
 * HAL service: spinlocks.
 *
 * A ticket lock written once on hal/atomic.h; both backends share it.
 * Debug builds (no NDEBUG) record the holder and panic on a double lock by
 * the same CPU or an unlock of a lock the CPU does not hold, as Xen's
 * `tools/tests/domid` harness locks abort.  The size is 8 bytes in every
 * build so structure layouts do not change with the build type.
 */
#ifndef HAL_SPINLOCK_H
#define HAL_SPINLOCK_H

#include <hal/atomic.h>
#include <hal/cpu.h>
#include <hal/panic.h>
#include <hal/types.h>

typedef struct hal_spinlock {
    uint16_t next;    /* next ticket to hand out */
    uint16_t owner;   /* ticket now being served */
    uint16_t holder;  /* debug: holding CPU + 1, 0 when free */
    uint16_t pad;
} hal_spinlock_t;

static_assert(sizeof(hal_spinlock_t) == 8, "hal_spinlock_t is 8 bytes");

#define HAL_SPINLOCK_INIT { 0, 0, 0, 0 }

static inline void hal_spin_init(hal_spinlock_t *l)
{
    l->next = 0;
    l->owner = 0;
    l->holder = 0;
    l->pad = 0;
}

static inline bool hal_spin_is_locked(const hal_spinlock_t *l)
{
    return hal_read_once(&l->next) != hal_read_once(&l->owner);
}

/** True if the calling CPU holds `l` (debug builds; always true otherwise). */
static inline bool hal_spin_is_mine(const hal_spinlock_t *l)
{
#ifndef NDEBUG
    return hal_read_once(&l->holder) == hal_cpu_id() + 1;
#else
    return hal_spin_is_locked(l);
#endif
}

static inline void hal_spin_lock(hal_spinlock_t *l)
{
    uint16_t ticket;

#ifndef NDEBUG
    if ( hal_read_once(&l->holder) == hal_cpu_id() + 1 )
        hal_panic("spinlock: double lock by the same CPU");
#endif
    ticket = hal_fetch_add(&l->next, 1);
    while ( hal_load_acquire(&l->owner) != ticket )
        hal_cpu_relax();
#ifndef NDEBUG
    hal_write_once(&l->holder, (uint16_t)(hal_cpu_id() + 1));
#endif
}

static inline bool hal_spin_trylock(hal_spinlock_t *l)
{
    uint16_t cur = hal_read_once(&l->owner);
    uint16_t expected = cur;

    if ( !hal_cmpxchg(&l->next, &expected, (uint16_t)(cur + 1)) )
        return false;
#ifndef NDEBUG
    hal_write_once(&l->holder, (uint16_t)(hal_cpu_id() + 1));
#endif
    return true;
}

static inline void hal_spin_unlock(hal_spinlock_t *l)
{
#ifndef NDEBUG
    if ( hal_read_once(&l->holder) != hal_cpu_id() + 1 )
        hal_panic("spinlock: unlock of a lock this CPU does not hold");
    hal_write_once(&l->holder, 0);
#endif
    hal_store_release(&l->owner, (uint16_t)(l->owner + 1));
}

#endif /* HAL_SPINLOCK_H */
