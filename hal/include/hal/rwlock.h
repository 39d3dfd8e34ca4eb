/* SPDX-License-Identifier: MIT */
/*
 * HAL service: a compact reader/writer lock in 4 bytes.
 *
 * Small enough to sit inside a 32-byte `struct evtchn`.  Bit 31 is the
 * writer, bit 30 says a writer waits (new readers then hold back, so writers
 * are not starved), bits 0..29 count readers.  Debug builds panic on an
 * unlock of a lock not held in that mode; a 4-byte lock has no room to name
 * its holder, so a recursive write lock deadlocks rather than panics.
 */
#ifndef HAL_RWLOCK_H
#define HAL_RWLOCK_H

#include <hal/atomic.h>
#include <hal/cpu.h>
#include <hal/panic.h>
#include <hal/types.h>

typedef struct hal_rwlock {
    uint32_t cnt;
} hal_rwlock_t;

static_assert(sizeof(hal_rwlock_t) == 4, "hal_rwlock_t fits in 4 bytes");

#define HAL_RWLOCK_INIT { 0 }
#define HAL_RW_WRITER 0x80000000U
#define HAL_RW_WAITING 0x40000000U
#define HAL_RW_READERS 0x3fffffffU

static inline void hal_rwlock_init(hal_rwlock_t *l)
{
    l->cnt = 0;
}

static inline bool hal_read_trylock(hal_rwlock_t *l)
{
    uint32_t v = hal_read_once(&l->cnt);

    if ( v & (HAL_RW_WRITER | HAL_RW_WAITING) )
        return false;
    return hal_cmpxchg(&l->cnt, &v, v + 1);
}

static inline void hal_read_lock(hal_rwlock_t *l)
{
    while ( !hal_read_trylock(l) )
        hal_cpu_relax();
}

static inline void hal_read_unlock(hal_rwlock_t *l)
{
    uint32_t old = hal_fetch_sub(&l->cnt, 1);

#ifndef NDEBUG
    if ( (old & HAL_RW_READERS) == 0 )
        hal_panic("rwlock: read unlock of a lock not read-held");
#else
    (void)old;
#endif
}

static inline bool hal_write_trylock(hal_rwlock_t *l)
{
    uint32_t v = hal_read_once(&l->cnt);

    if ( v & (HAL_RW_WRITER | HAL_RW_READERS) )
        return false;
    /* Taking the lock also clears our (or another writer's) waiting bit;
     * a writer still waiting sets it again on its next spin. */
    return hal_cmpxchg(&l->cnt, &v, HAL_RW_WRITER);
}

static inline void hal_write_lock(hal_rwlock_t *l)
{
    while ( !hal_write_trylock(l) )
    {
        uint32_t v = hal_read_once(&l->cnt);

        if ( !(v & HAL_RW_WAITING) )
            hal_cmpxchg(&l->cnt, &v, v | HAL_RW_WAITING);
        hal_cpu_relax();
    }
}

static inline void hal_write_unlock(hal_rwlock_t *l)
{
    uint32_t old = hal_fetch_and(&l->cnt, ~HAL_RW_WRITER);

#ifndef NDEBUG
    if ( !(old & HAL_RW_WRITER) )
        hal_panic("rwlock: write unlock of a lock not write-held");
#else
    (void)old;
#endif
}

static inline bool hal_rw_is_write_locked(const hal_rwlock_t *l)
{
    return hal_read_once(&l->cnt) & HAL_RW_WRITER;
}

static inline bool hal_rw_is_locked(const hal_rwlock_t *l)
{
    return hal_read_once(&l->cnt) & (HAL_RW_WRITER | HAL_RW_READERS);
}

#endif /* HAL_RWLOCK_H */
