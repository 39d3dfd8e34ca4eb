/* SPDX-License-Identifier: MIT */
/*
 * HAL service: mapping machine frames into the hypervisor's address space.
 *
 * The backend owns one virtual region (`hal_va_region`) which core code
 * carves up itself (vmap, the map_domain_page slots, an optional direct map).
 * Mappings inside it are real: on bare metal they are x86-64 PTEs, in the
 * simulator they are host mappings of the memfd that backs machine memory, so
 * two mappings of one frame alias and touching an unmapped page faults.
 *
 * Page-table pages are machine frames obtained from a provider that libmm
 * registers with `hal_map_set_pt_provider`; until one is registered the
 * backend uses a small bootstrap pool of its own.  The backend reaches
 * page-table pages by itself; core code never touches them.
 *
 * Mapping does not flush TLBs: replacing or removing a mapping is followed by
 * the caller's choice of flush (hal/tlb.h).
 */
#ifndef HAL_MAP_H
#define HAL_MAP_H

#include <hal/types.h>

/* Mapping flags.  Absence of HAL_MAP_RW means read-only. */
#define HAL_MAP_RW (1U << 0)     /* writable */
#define HAL_MAP_GLOBAL (1U << 1) /* survives a non-global TLB flush */
#define HAL_MAP_NX (1U << 2)     /* not executable */

/**
 * Page-table page provider, served by libmm.  `alloc` returns 0 and a frame
 * (contents need not be zero: the backend clears it) or a negative errno;
 * `free` takes back a frame `alloc` returned.  Called with no HAL lock that
 * the provider could need.
 */
struct hal_pt_provider {
    int (*alloc)(hal_mfn_t *mfn);
    void (*free)(hal_mfn_t mfn);
};

/** Reports the virtual region core code may map into. */
void hal_va_region(uintptr_t *base, size_t *size);

/**
 * Registers the page-table page provider (NULL returns to the bootstrap
 * pool).  Page-table pages already in use keep their origin and are returned
 * to it when freed.
 */
void hal_map_set_pt_provider(const struct hal_pt_provider *provider);

/**
 * Maps `nr` consecutive machine frames starting at `mfn` at `va` (page
 * aligned, inside the region), with `flags`.  Existing mappings in the range
 * are replaced.  Returns 0, or -ENOMEM if a page-table page could not be
 * had, in which case no mapping in the range has changed.
 */
int __attribute__((warn_unused_result))
hal_map_frames(uintptr_t va, hal_mfn_t mfn, unsigned long nr,
               unsigned int flags);

/**
 * Removes the mappings of `nr` pages at `va`.  Unmapped pages in the range
 * are ignored.  Page-table pages left empty are freed to their origin.
 */
void hal_unmap_frames(uintptr_t va, unsigned long nr);

/**
 * Translates `va`.  Returns true and sets `*mfn` (and `*flags` if not NULL)
 * when a page is mapped there; returns false otherwise.
 */
bool hal_translate(uintptr_t va, hal_mfn_t *mfn, unsigned int *flags);

/**
 * Returns how many page-table pages the hypervisor's tables use now,
 * counting every level.  For tests and statistics.
 */
unsigned long hal_pt_pages_in_use(void);

#endif /* HAL_MAP_H */
