/* SPDX-License-Identifier: MIT */
/*
 * The xenheap on the one heap (seed 004 item 3): xenheap pages are heap
 * pages flagged PGC_xen_heap and kept mapped by vmap, so their addresses stay
 * valid without a direct map and may be stored anywhere.  With a direct map
 * they use its alias instead, as Xen does.
 *
 * The page → address relation is the side array `frame_virt` (seed 004:
 * kept out of `struct page_info` so it stays 32 bytes); address → page is a
 * lookup in vmap's frame array or direct-map arithmetic.  With a direct map
 * the address is arithmetic too, and the side array records each
 * allocation's order at its first page (tails marked), so a free with the
 * wrong order is refused as vmap's size check refuses it without one.
 *
 * The vmap of a new xenheap area may need page-table pages; those come from
 * the heap through the HAL's provider (mm.c) and are never xenheap pages, so
 * alloc_xenheap_pages → vmap → page tables → heap does not loop back
 * (seed 004 option 3.2).
 */
#include "mm_private.h"

/* frame_virt with a direct map: order + 1 at the first page, this after. */
#define XH_DM_TAIL 0xffffffffU

/** See heap.h. */
void *alloc_xenheap_pages(unsigned int order, unsigned int memflags)
{
    struct page_info *pg;
    unsigned long i, n = 1UL << order;
    void *va;

    pg = alloc_domheap_pages(NULL, order, memflags);
    if ( !pg )
        return NULL;
    if ( mm_directmap )
        va = (void *)(mm_directmap_base +
                      (mfn_x(page_to_mfn(pg)) << PAGE_SHIFT));
    else
    {
        va = vmap_xenheap(page_to_mfn(pg), (unsigned int)n);
        if ( !va )
        {
            free_domheap_pages(pg, order);
            return NULL;
        }
    }
    for ( i = 0; i < n; i++ )
    {
        pg[i].count_info |= PGC_xen_heap;
        if ( mm_directmap )
            frame_virt[mfn_x(page_to_mfn(pg + i))] = i ? XH_DM_TAIL
                                                       : order + 1;
        else
            frame_virt_set(page_to_mfn(pg + i), (char *)va + i * PAGE_SIZE);
    }
    return va;
}

/** See heap.h. */
struct page_info *virt_to_page(const void *va)
{
    uintptr_t a = (uintptr_t)va;
    mfn_t mfn;

    if ( mm_directmap && a >= mm_directmap_base &&
         a < mm_directmap_base + (mm_max_mfn << PAGE_SHIFT) )
        mfn = _mfn((a - mm_directmap_base) >> PAGE_SHIFT);
    else
        mfn = vmap_to_mfn(va);
    if ( mfn_eq(mfn, INVALID_MFN) || !mfn_valid(mfn) )
        return NULL;
    return mfn_to_page(mfn);
}

/** See heap.h. */
void *page_to_virt(const struct page_info *pg)
{
    mfn_t mfn = page_to_mfn(pg);

    if ( !mm_directmap )
        return frame_virt_get(mfn);
    if ( !(pg->count_info & PGC_xen_heap) )
        return NULL;
    return (void *)(mm_directmap_base + (mfn_x(mfn) << PAGE_SHIFT));
}

/** See heap.h.  A bad address or order is refused and counted. */
void free_xenheap_pages(void *va, unsigned int order)
{
    struct page_info *pg;
    unsigned long i, n = 1UL << order;

    if ( !va )
        return;
    pg = virt_to_page(va);
    if ( !pg || order > MAX_ORDER || !(pg->count_info & PGC_xen_heap) ||
         page_to_virt(pg) != va ||
         (mm_directmap ? frame_virt[mfn_x(page_to_mfn(pg))] != order + 1
                       : vmap_size(va) != n) )
    {
        vmap_refused_inc();
        return;
    }
    if ( !mm_directmap && vunmap_xenheap(va) != n )
        return;
    for ( i = 0; i < n; i++ )
    {
        pg[i].count_info &= ~PGC_xen_heap;
        frame_virt[mfn_x(page_to_mfn(pg + i))] = 0;
    }
    free_domheap_pages(pg, order);
}
