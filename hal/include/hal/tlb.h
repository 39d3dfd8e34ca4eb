/* SPDX-License-Identifier: MIT */
/*
 * HAL service: TLB maintenance.
 *
 * libmm's TLB-flush clock learns of every full flush through one hook: the
 * backend calls it after the TLBs of `cpus` have been completely flushed.
 * Range flushes do not call it (they do not make freed pages unreachable
 * from every mapping).
 */
#ifndef HAL_TLB_H
#define HAL_TLB_H

#include <hal/types.h>

typedef void (*hal_tlb_flush_hook_t)(hal_cpumask_t cpus);

/** Sets the hook called after each full flush (NULL removes it). */
void hal_tlb_set_flush_hook(hal_tlb_flush_hook_t hook);

/** Flushes the `nr` pages at `va` from the TLBs of `cpus`. */
void hal_tlb_flush_range(hal_cpumask_t cpus, uintptr_t va, unsigned long nr);

/** Flushes all non-global entries from the TLBs of `cpus`, then runs the hook. */
void hal_tlb_flush_all(hal_cpumask_t cpus);

/** Flushes only this CPU's entry for `va` (invlpg on bare metal). */
void hal_tlb_flush_local_va(uintptr_t va);

#endif /* HAL_TLB_H */
