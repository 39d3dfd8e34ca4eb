/* SPDX-License-Identifier: MIT */
/*
 * map_domain_page: short-lived mappings of any frame, without a direct map.
 *
 * Design (seed 004 option 1.2): each CPU owns MAPCACHE_CPU_SLOTS pages of
 * virtual address space at a fixed place in the hypervisor region.  Mapping
 * takes a free slot of the calling CPU and writes its entry; nothing is
 * shared between CPUs, so no lock and no cross-CPU flush is ever needed.  We
 * chose 1.2 over a per-CPU area switched at context switch (1.1) because the
 * slots must not depend on which vCPU runs: the hypervisor maps on behalf of
 * the idle context and of other domains as often as of the current one.
 *
 * Contract (Xen's): the mapping is valid only on the CPU that made it, must
 * not be stored, and is unmapped in LIFO or any order; `unmap_domain_page`
 * of NULL is a no-op.  Nesting is limited to MAPCACHE_CPU_SLOTS live
 * mappings per CPU; exceeding it is a hypervisor bug (BUG).  Mapping the same
 * frame twice on one CPU returns the same slot with a count.
 *
 * Stale translations: an unmapped slot's entry is removed at once (so a
 * touch faults in the simulator); the TLB entry is flushed either at unmap
 * (`eager`, an invlpg) or lazily: freed slots collect as garbage and one
 * local flush recycles them all when the CPU runs out of clean slots.
 *
 * With the direct map configured (`HVCORE_DIRECTMAP=full`, or
 * `mm_config_directmap(true)`) mapping returns the direct-map alias instead.
 */
#ifndef LIBMM_DOMAIN_PAGE_H
#define LIBMM_DOMAIN_PAGE_H

#include <common/compiler.h>
#include <common/types.h>

#define MAPCACHE_CPU_SLOTS 16

void *map_domain_page(mfn_t mfn);
void unmap_domain_page(const void *va);

/** The frame behind a mapping from map_domain_page. */
mfn_t domain_page_map_to_mfn(const void *va);

/** A long-lived mapping valid on every CPU: a one-page vmap. */
void *map_domain_page_global(mfn_t mfn);
void unmap_domain_page_global(const void *va);

/** Chooses lazy (default) or eager flushing of freed slots. */
void mapcache_set_lazy(bool lazy);

/** The address of slot `slot` of `cpu` (layout facts, benchmarks). */
uintptr_t mapcache_slot_va(unsigned int cpu, unsigned int slot);

/** Live mappings of the calling CPU (tests). */
unsigned int mapcache_cpu_in_use(void);

#endif /* LIBMM_DOMAIN_PAGE_H */
