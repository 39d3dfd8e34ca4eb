/* SPDX-License-Identifier: MIT */
/*
 * HAL service: atomic operations on bit strings in shared memory.
 *
 * Bit `nr` of the string at `base` is bit nr % 8 of byte nr / 8, which on a
 * little-endian machine is also bit nr % W of word nr / W for any word width
 * W: a guest's bitmap of 32-bit words and one of 64-bit words are the same
 * string.  So callers index by bit, never by word, and one operation serves
 * every guest width.
 *
 * x86 addresses a whole string with one instruction (`bt`/`bts`/`btr` with
 * a register bit offset and a memory operand), as Xen's bitops do; other
 * compilers' targets get the same semantics from the `__atomic` builtins on
 * the 32-bit word that holds the bit.  The test-and-modify operations are
 * sequentially consistent; `hal_bit_test` is a load that is not moved
 * across them (on x86 every locked operation is a full barrier).
 */
#ifndef HAL_BITSTRING_H
#define HAL_BITSTRING_H

#include <hal/types.h>

#if defined(__x86_64__)

static inline bool hal_bit_test(const volatile void *base, unsigned int nr)
{
    bool set;

    asm volatile("btl %2, %1"
                 : "=@ccc"(set)
                 : "m"(*(const volatile uint32_t *)base), "r"(nr)
                 : "memory");
    return set;
}

/* A locked bit-string instruction (`bts`, `btr`); returns the old bit. */
#define HAL_BIT_RMW(insn, base, nr)                                         \
    ({                                                                      \
        bool was_;                                                          \
        asm volatile("lock " insn " %2, %1"                                 \
                     : "=@ccc"(was_), "+m"(*(volatile uint32_t *)(base))    \
                     : "r"(nr)                                              \
                     : "memory");                                           \
        was_;                                                               \
    })

static inline bool hal_bit_test_and_set(volatile void *base, unsigned int nr)
{
    return HAL_BIT_RMW("btsl", base, nr);
}

static inline bool hal_bit_test_and_clear(volatile void *base,
                                          unsigned int nr)
{
    return HAL_BIT_RMW("btrl", base, nr);
}

#else /* the same on the 32-bit word that holds the bit */

static inline bool hal_bit_test(const volatile void *base, unsigned int nr)
{
    const volatile uint32_t *w = (const volatile uint32_t *)base + nr / 32;

    return (__atomic_load_n(w, __ATOMIC_SEQ_CST) >> (nr % 32)) & 1;
}

static inline bool hal_bit_test_and_set(volatile void *base, unsigned int nr)
{
    volatile uint32_t *w = (volatile uint32_t *)base + nr / 32;
    uint32_t m = 1U << (nr % 32);

    return (__atomic_fetch_or(w, m, __ATOMIC_SEQ_CST) & m) != 0;
}

static inline bool hal_bit_test_and_clear(volatile void *base,
                                          unsigned int nr)
{
    volatile uint32_t *w = (volatile uint32_t *)base + nr / 32;
    uint32_t m = 1U << (nr % 32);

    return (__atomic_fetch_and(w, ~m, __ATOMIC_SEQ_CST) & m) != 0;
}

#endif

#endif /* HAL_BITSTRING_H */
