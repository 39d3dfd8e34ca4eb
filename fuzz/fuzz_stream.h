/* SPDX-License-Identifier: MIT */
/*
 * A fuzz input read as a byte stream (after Xen's tools/fuzz fuzz-emul.c):
 * each step takes the bytes it needs; past the end every read is 0, so any
 * input is a complete run.
 */
#ifndef FUZZ_STREAM_H
#define FUZZ_STREAM_H

#include <stddef.h>
#include <stdint.h>

struct stream {
    const uint8_t *p;
    size_t left;
};

static inline uint8_t get8(struct stream *s)
{
    if ( !s->left )
        return 0;
    s->left--;
    return *s->p++;
}

/* `bytes` (at most 8) little-endian bytes. */
static inline uint64_t getn(struct stream *s, unsigned int bytes)
{
    uint64_t v = 0;
    unsigned int i;

    for ( i = 0; i < bytes; i++ )
        v |= (uint64_t)get8(s) << (8 * i);
    return v;
}

static inline uint32_t get32(struct stream *s)
{
    return (uint32_t)getn(s, 4);
}

#endif /* FUZZ_STREAM_H */
