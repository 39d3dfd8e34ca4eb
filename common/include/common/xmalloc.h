/* SPDX-License-Identifier: MIT */
/*
 * Small-object allocation for core code.
 *
 * Declared here so every library (common/ included) can allocate; implemented
 * by libmm (libmm/xmalloc.c) on vmap-backed xenheap pages, or passed through
 * to the host allocator in simulator builds with HVCORE_XMALLOC_HOST.
 * Returned memory is aligned to at least 16 bytes.  Every allocation point
 * honours fault injection (hal/fault.h, HAL_FAULT_XMALLOC).
 */
#ifndef COMMON_XMALLOC_H
#define COMMON_XMALLOC_H

#include <common/compiler.h>
#include <hal/types.h>

void *xmalloc_bytes(size_t size, size_t align);
void *xzalloc_bytes(size_t size, size_t align);
/** Frees memory from xmalloc_bytes/xzalloc_bytes; NULL is ignored. */
void xfree(void *p);

#define xmalloc(type) ((type *)xmalloc_bytes(sizeof(type), _Alignof(type)))
#define xzalloc(type) ((type *)xzalloc_bytes(sizeof(type), _Alignof(type)))
/** Zeroed array of `n` elements of `size` bytes; NULL if the size overflows. */
static inline void *xzalloc_array_bytes(size_t n, size_t size, size_t align)
{
    if ( size && n > (size_t)-1 / size )
        return NULL;
    return xzalloc_bytes(n * size, align);
}

#define xzalloc_array(type, n)                                              \
    ((type *)xzalloc_array_bytes((n), sizeof(type), _Alignof(type)))

#endif /* COMMON_XMALLOC_H */
