/* SPDX-License-Identifier: MIT */
/*
 * The host allocator, for HVCORE_XMALLOC_HOST builds: every xmalloc block is
 * a libc block, so ASan and Valgrind see each one.
 */
#include <stdlib.h>

#include <hal/hostalloc.h>

#include "sim_private.h"

/** Allocates `size` bytes aligned to `align` (a power of two ≤ a page). */
void *hal_host_alloc(size_t size, size_t align)
{
    if ( align < sizeof(void *) )
        align = sizeof(void *);
    if ( !size )
        size = 1;
    /* aligned_alloc wants the size to be a multiple of the alignment. */
    size = (size + align - 1) & ~(align - 1);
    return aligned_alloc(align, size);
}

/** Frees a block from hal_host_alloc. */
void hal_host_free(void *p)
{
    free(p);
}
