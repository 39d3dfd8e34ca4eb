/* SPDX-License-Identifier: MIT */
/*
 * vmap: a virtual-range allocator in the hypervisor region, with an
 * unmapped guard page after every allocation (reference/mm.md §6).
 *
 * The in-use bitmap lives at the start of the range itself and grows a page
 * at a time as allocations reach further; beside it an array records the
 * frame behind each mapped page, so `vmap_to_mfn` needs no table walk.  The
 * xenheap is built on vmap (seed 004 item 3), so xenheap addresses stay
 * valid without a direct map.
 *
 * `vunmap`/`vfree` of an address that is not the start of a live area of the
 * right kind is refused (counted in `mm_stats.vmap_refused`), never acted on.
 */
#ifndef LIBMM_VMAP_H
#define LIBMM_VMAP_H

#include <common/compiler.h>
#include <common/types.h>

/** Maps `nr` frames, `mfn[0..nr)`, read-write.  NULL on failure. */
void *vmap(const mfn_t *mfn, unsigned int nr);

/** Maps `nr` consecutive frames from `mfn`.  NULL on failure. */
void *vmap_contig(mfn_t mfn, unsigned int nr);

/** Unmaps an area from vmap/vmap_contig, flushing every CPU's TLB. */
void vunmap(const void *va);

/** Allocates and maps `size` bytes of anonymous pages.  NULL on failure. */
void *vmalloc(size_t size);
/** As vmalloc, zeroed. */
void *vzalloc(size_t size);
/** Frees a vmalloc/vzalloc area and its pages.  NULL is ignored. */
void vfree(void *va);

/** Pages in the area starting at `va`, or 0 if none starts there. */
unsigned int vmap_size(const void *va);

/** The frame behind a mapped vmap address, or INVALID_MFN. */
mfn_t vmap_to_mfn(const void *va);

/** Virtual pages the allocator covers and how many its bitmap backs now. */
void vmap_extent(unsigned long *total_pages, unsigned long *backed_pages);

#endif /* LIBMM_VMAP_H */
