/* SPDX-License-Identifier: MIT */
/*
 * HAL service: atomics and memory barriers.
 *
 * Written once on the compiler's `__atomic` builtins, which both backends'
 * compilers provide; nothing here depends on the backend.  All read-modify-
 * write operations are sequentially consistent unless the name says otherwise.
 */
#ifndef HAL_ATOMIC_H
#define HAL_ATOMIC_H

#include <hal/types.h>

#define hal_read_once(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define hal_write_once(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define hal_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define hal_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

#define hal_fetch_add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define hal_fetch_sub(p, v) __atomic_fetch_sub((p), (v), __ATOMIC_SEQ_CST)
#define hal_fetch_or(p, v) __atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define hal_fetch_and(p, v) __atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)
#define hal_xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)

/*
 * Compare-and-exchange: returns true if `*p` held `*expected` and now holds
 * `desired`; otherwise stores the value seen in `*expected`.
 */
#define hal_cmpxchg(p, expected, desired)                                  \
    __atomic_compare_exchange_n((p), (expected), (desired), false,          \
                                __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

static inline void hal_smp_mb(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void hal_smp_rmb(void)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
}

static inline void hal_smp_wmb(void)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Stops the compiler from moving memory accesses across it. */
static inline void hal_barrier(void)
{
    __asm__ __volatile__("" ::: "memory");
}

#endif /* HAL_ATOMIC_H */
