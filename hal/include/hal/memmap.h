/* SPDX-License-Identifier: MIT */
/*
 * HAL service: the machine memory map.
 *
 * The backend reports the ranges of machine memory that libmm's heap may
 * manage.  Memory the backend keeps for itself (its image, boot page tables,
 * the simulator's reserved frames) is not in any range.  Ranges are
 * page-aligned, sorted by base and do not overlap.  Frame 0 is never reported.
 */
#ifndef HAL_MEMMAP_H
#define HAL_MEMMAP_H

#include <hal/types.h>

struct hal_mem_range {
    hal_paddr_t base; /* first byte, page-aligned */
    uint64_t size;    /* bytes, a multiple of HAL_PAGE_SIZE, never 0 */
};

/** Returns how many ranges the memory map has. */
unsigned int hal_memmap_count(void);

/**
 * Copies range `idx` (0 ≤ idx < hal_memmap_count()) to `*out`.
 * Returns false, leaving `*out` untouched, if `idx` is out of range.
 */
bool hal_memmap_get(unsigned int idx, struct hal_mem_range *out);

/** Returns one past the highest machine frame any range covers. */
hal_mfn_t hal_memmap_max_mfn(void);

#endif /* HAL_MEMMAP_H */
