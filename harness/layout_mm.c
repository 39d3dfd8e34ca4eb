/* SPDX-License-Identifier: MIT */
/* Layout facts of libmm (seed 004): the frame table entry and the heap's limits. */
#include <libmm/domain_page.h>
#include <libmm/heap.h>
#include <libmm/layout.h>
#include <libmm/p2m.h>
#include <libmm/page.h>
#include <public/memory.h>

#include "hvsim.h"

const struct layout_entry hvsim_layout_mm[] = {
    { "struct page_info", sizeof(struct page_info) },
    /* The page→address relation lives beside the frame table (seed 004). */
    { "frame_virt_bytes_per_frame", 4 },
    { "frame_table_bytes_per_gib", (1ULL << 30) / PAGE_SIZE * sizeof(struct page_info) },
    { "heap_max_order", MAX_ORDER },
    { "mapcache_slots_per_cpu", MAPCACHE_CPU_SLOTS },
    { "p2m_max_gfn", P2M_MAX_GFN },
    { "struct xen_memory_reservation", sizeof(struct xen_memory_reservation) },
    { NULL, 0 },
};
