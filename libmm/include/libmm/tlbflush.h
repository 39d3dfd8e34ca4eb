/* SPDX-License-Identifier: MIT */
/*
 * The TLB-flush clock (reference/mm.md §4, seed 003's deferred freeing).
 *
 * A global 32-bit clock and, per CPU, the clock value of its last full
 * flush.  A page that stops being reachable is stamped with the clock; when
 * it is needed again only the CPUs that have not flushed since that stamp
 * are flushed.  The clock starts at 1; when it would wrap to 0 every CPU is
 * flushed and it restarts at 1.  While it reads 0 every check says "flush".
 */
#ifndef LIBMM_TLBFLUSH_H
#define LIBMM_TLBFLUSH_H

#include <common/compiler.h>
#include <hal/types.h>

/** The clock's current value. */
uint32_t tlbflush_current_time(void);

/** The clock value of `cpu`'s last full flush. */
uint32_t tlbflush_cpu_time(unsigned int cpu);

/**
 * True if a CPU whose last flush was at `cpu_stamp` may still hold a
 * translation made before `page_stamp` (Xen's NEED_FLUSH).
 */
bool tlbflush_need_flush(uint32_t cpu_stamp, uint32_t page_stamp);

/** Removes from `mask` every CPU that has flushed since `page_stamp`. */
hal_cpumask_t tlbflush_filter_mask(hal_cpumask_t mask, uint32_t page_stamp);

/**
 * Fully flushes the TLBs of `mask`, ticking the clock before the flush so
 * that pages stamped before this call are known to be unreachable after it.
 * Every full flush core code wants counted goes through here.
 */
void flush_tlb_mask(hal_cpumask_t mask);

/** Flushes the CPUs that may still map pages stamped `page_stamp`. */
void filtered_flush_tlb_mask(uint32_t page_stamp);

/** Sets the clock (tests of the wrap only; no CPU may be flushing). */
void tlbflush_clock_set(uint32_t value);

#endif /* LIBMM_TLBFLUSH_H */
