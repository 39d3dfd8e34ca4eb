/* SPDX-License-Identifier: MIT */
/*
 * Bit operations.  The atomic forms work on bit strings in shared memory
 * (hal/bitstring.h): bit `nr` is bit nr % 8 of byte nr / 8, the layout of
 * Xen's shared event bitmaps whatever their word width, so a 32-bit
 * guest's bitmap and a 64-bit guest's take the same calls.  The `__` forms
 * are not atomic and work on arrays of unsigned long, bit 0 being the
 * least significant bit of word 0.
 */
#ifndef COMMON_BITOPS_H
#define COMMON_BITOPS_H

#include <hal/bitstring.h>
#include <hal/types.h>

#define BITS_PER_LONG 64
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BIT_MASK(nr) (1UL << ((nr) % BITS_PER_LONG))
#define BITS_TO_LONGS(n) (((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)

static inline bool test_bit(unsigned int nr, const volatile void *a)
{
    return hal_bit_test(a, nr);
}

static inline void set_bit(unsigned int nr, volatile void *a)
{
    (void)hal_bit_test_and_set(a, nr);
}

static inline void clear_bit(unsigned int nr, volatile void *a)
{
    (void)hal_bit_test_and_clear(a, nr);
}

static inline bool test_and_set_bit(unsigned int nr, volatile void *a)
{
    return hal_bit_test_and_set(a, nr);
}

static inline bool test_and_clear_bit(unsigned int nr, volatile void *a)
{
    return hal_bit_test_and_clear(a, nr);
}

static inline void __set_bit(unsigned long nr, unsigned long *a)
{
    a[BIT_WORD(nr)] |= BIT_MASK(nr);
}

static inline void __clear_bit(unsigned long nr, unsigned long *a)
{
    a[BIT_WORD(nr)] &= ~BIT_MASK(nr);
}

/* Index of the lowest set bit of `x`, which must not be 0. */
static inline unsigned int ffsl0(unsigned long x)
{
    return (unsigned int)__builtin_ctzl(x);
}

/* 1-based index of the highest set bit of `x`, 0 for 0 (Xen's flsl). */
static inline unsigned int flsl(unsigned long x)
{
    return x ? BITS_PER_LONG - (unsigned int)__builtin_clzl(x) : 0;
}

static inline unsigned int hweight_long(unsigned long x)
{
    return (unsigned int)__builtin_popcountl(x);
}

/**
 * Returns the index of the first set bit at or after `start` in the `size`
 * bits of `a`, or `size` if there is none.
 */
unsigned long find_next_bit(const unsigned long *a, unsigned long size,
                            unsigned long start);

/** As find_next_bit, for clear bits. */
unsigned long find_next_zero_bit(const unsigned long *a, unsigned long size,
                                 unsigned long start);

#define find_first_bit(a, size) find_next_bit((a), (size), 0)
#define find_first_zero_bit(a, size) find_next_zero_bit((a), (size), 0)

#endif /* COMMON_BITOPS_H */
