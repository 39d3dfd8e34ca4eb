/* SPDX-License-Identifier: MIT */
/* Bitmap searches. */
#include <common/bitops.h>

/* Returns the first index ≥ start whose bit, XORed with `invert`, is set. */
static unsigned long find_next(const unsigned long *a, unsigned long size,
                               unsigned long start, unsigned long invert)
{
    unsigned long word, i;

    if ( start >= size )
        return size;
    i = BIT_WORD(start);
    word = (a[i] ^ invert) & (~0UL << (start % BITS_PER_LONG));
    for ( ;; )
    {
        if ( word )
        {
            unsigned long bit = i * BITS_PER_LONG + ffsl0(word);

            return bit < size ? bit : size;
        }
        if ( ++i >= BITS_TO_LONGS(size) )
            return size;
        word = a[i] ^ invert;
    }
}

/** Returns the first set bit at or after `start`, or `size`. */
unsigned long find_next_bit(const unsigned long *a, unsigned long size,
                            unsigned long start)
{
    return find_next(a, size, start, 0);
}

/** Returns the first clear bit at or after `start`, or `size`. */
unsigned long find_next_zero_bit(const unsigned long *a, unsigned long size,
                                 unsigned long start)
{
    return find_next(a, size, start, ~0UL);
}
