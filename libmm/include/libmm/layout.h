/* SPDX-License-Identifier: MIT */
/*
 * libmm's layout facts, reported by `hvsim layout --json`.
 *
 * The hypervisor region (hal/map.h) is carved, in this order, into the
 * frame table, the page→address side array, the per-CPU mapping slots, the
 * direct map (when configured) and the vmap range, each area starting on a
 * 2 MiB boundary after an unmapped gap.
 */
#ifndef LIBMM_LAYOUT_H
#define LIBMM_LAYOUT_H

#include <hal/types.h>

#define MM_PAGE_INFO_SIZE 32

struct mm_layout {
    size_t page_info_size;       /* sizeof(struct page_info) */
    uintptr_t region_base;       /* the HAL region */
    size_t region_size;
    uintptr_t frametable_base;   /* one page_info per frame */
    size_t frametable_size;
    uintptr_t frame_virt_base;   /* page→address side array, 4 B/frame */
    size_t frame_virt_size;
    uintptr_t mapcache_base;     /* per-CPU map_domain_page slots */
    size_t mapcache_size;
    unsigned int mapcache_slots_per_cpu;
    uintptr_t directmap_base;    /* 0 without a direct map */
    size_t directmap_size;
    uintptr_t vmap_base;
    size_t vmap_size;
    uint64_t max_mfn;            /* frames the frame table covers */
    unsigned int max_order;
};

/** Fills `l` for the running world (zeroes before mm_init). */
void mm_get_layout(struct mm_layout *l);

#endif /* LIBMM_LAYOUT_H */
