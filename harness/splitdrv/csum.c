/* SPDX-License-Identifier: MIT */
/* The split driver's payload checksum. */
#include "splitdrv.h"

/**
 * A 64-bit multiply-xorshift hash over 8-byte words (not cryptographic:
 * it catches lost, stale, torn and misplaced pages, which is its job).
 */
uint64_t sd_csum(const void *p, unsigned int len)
{
    const uint64_t *w = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
    unsigned int i;

    for ( i = 0; i < len / 8; i++ )
    {
        h ^= w[i] + i;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 31;
    }
    return h;
}
