/* SPDX-License-Identifier: MIT */
/*
 * Reading the policy image: a bounded little-endian reader, and ebitmaps
 * (the policydb's extensible bitmaps) kept as flat bitmaps.
 *
 * An ebitmap on disk is `mapsize` (64), `highbit` (a multiple of 64),
 * `count`, then `count` nodes of `startbit` (u32, a multiple of 64, strictly
 * increasing, below highbit) and a 64-bit map.
 */
#include <common/string.h>
#include <common/xmalloc.h>

#include "flask_private.h"

/** Reads a little-endian u32; -EINVAL past the end. */
int flask_read_u32(struct flask_reader *r, uint32_t *v)
{
    if ( r->left < 4 )
        return -EINVAL;
    *v = (uint32_t)r->p[0] | ((uint32_t)r->p[1] << 8) |
         ((uint32_t)r->p[2] << 16) | ((uint32_t)r->p[3] << 24);
    r->p += 4;
    r->left -= 4;
    return 0;
}

/** Reads a little-endian u64; -EINVAL past the end. */
int flask_read_u64(struct flask_reader *r, uint64_t *v)
{
    uint32_t lo, hi;
    int rc = flask_read_u32(r, &lo);

    if ( !rc )
        rc = flask_read_u32(r, &hi);
    if ( !rc )
        *v = ((uint64_t)hi << 32) | lo;
    return rc;
}

/** Copies `n` bytes out; -EINVAL past the end. */
int flask_read_bytes(struct flask_reader *r, void *dst, size_t n)
{
    if ( r->left < n )
        return -EINVAL;
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
    return 0;
}

/** Skips `n` bytes; -EINVAL past the end. */
int flask_skip(struct flask_reader *r, size_t n)
{
    if ( r->left < n )
        return -EINVAL;
    r->p += n;
    r->left -= n;
    return 0;
}

/** True if `bit` is set (bits past the end are clear). */
bool ebitmap_get(const struct ebitmap *e, uint32_t bit)
{
    if ( bit >= e->nbits )
        return false;
    return (e->w[bit / 64] >> (bit % 64)) & 1;
}

/** Frees the bitmap's words; it reads as empty afterwards. */
void ebitmap_free(struct ebitmap *e)
{
    xfree(e->w);
    e->w = NULL;
    e->nbits = 0;
}

/**
 * Reads one ebitmap.  -EINVAL if malformed, if it would hold more than
 * `max_bits` bits or the image ends; -ENOMEM.  Nothing stays allocated on
 * error.
 */
int ebitmap_read(struct ebitmap *e, struct flask_reader *r, uint32_t max_bits)
{
    uint32_t mapsize, highbit, count, i, start, last = 0;
    uint64_t map;
    int rc;

    e->nbits = 0;
    e->w = NULL;
    if ( (rc = flask_read_u32(r, &mapsize)) ||
         (rc = flask_read_u32(r, &highbit)) ||
         (rc = flask_read_u32(r, &count)) )
        return rc;
    if ( mapsize != 64 || highbit % 64 ||
         highbit > ((max_bits + 63) & ~63U) || count > highbit / 64 )
        return -EINVAL;
    if ( !highbit )
        return count ? -EINVAL : 0;
    /* Count nodes cannot exceed what the image still holds. */
    if ( (size_t)count * 12 > r->left )
        return -EINVAL;

    e->w = xzalloc_array(uint64_t, highbit / 64);
    if ( !e->w )
        return -ENOMEM;
    e->nbits = highbit;
    for ( i = 0; i < count; i++ )
    {
        if ( (rc = flask_read_u32(r, &start)) ||
             (rc = flask_read_u64(r, &map)) )
            goto bad;
        if ( start % 64 || start >= highbit || (i && start <= last) )
        {
            rc = -EINVAL;
            goto bad;
        }
        last = start;
        e->w[start / 64] = map;
    }
    /* Bits past `max_bits` are not allowed either. */
    for ( i = max_bits; i < highbit; i++ )
        if ( ebitmap_get(e, i) )
        {
            rc = -EINVAL;
            goto bad;
        }
    return 0;

 bad:
    ebitmap_free(e);
    return rc;
}
