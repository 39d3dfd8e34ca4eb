/* SPDX-License-Identifier: MIT */
/*
 * TLB maintenance.
 *
 * There is no modelling of TLBs: host mappings change at once for every
 * thread (the host kernel does its own shootdowns), so a stale translation
 * can never be observed and a missing flush goes unnoticed here.  Flushes are
 * counted, and a full flush runs libmm's hook as the contract says, so
 * libmm's TLB-flush clock sees the same sequence as on bare metal.
 */
#include "sim_private.h"

static hal_tlb_flush_hook_t sim_tlb_hook;
static unsigned long sim_tlb_flushes;
static unsigned long sim_tlb_full_flushes;

/** Clears the counters and the hook (machine start). */
void sim_tlb_reset(void)
{
    hal_write_once(&sim_tlb_hook, NULL);
    hal_write_once(&sim_tlb_flushes, 0);
    hal_write_once(&sim_tlb_full_flushes, 0);
}

/** Sets the full-flush hook. */
void hal_tlb_set_flush_hook(hal_tlb_flush_hook_t hook)
{
    hal_write_once(&sim_tlb_hook, hook);
}

/** Counts a range flush. */
void hal_tlb_flush_range(hal_cpumask_t cpus, uintptr_t va, unsigned long nr)
{
    hal_fetch_add(&sim_tlb_flushes, 1);
}

/** Counts a full flush and runs the hook with `cpus`. */
void hal_tlb_flush_all(hal_cpumask_t cpus)
{
    hal_tlb_flush_hook_t hook = hal_read_once(&sim_tlb_hook);

    hal_fetch_add(&sim_tlb_flushes, 1);
    hal_fetch_add(&sim_tlb_full_flushes, 1);
    if ( hook )
        hook(cpus);
}

/** Counts a local single-page flush. */
void hal_tlb_flush_local_va(uintptr_t va)
{
    hal_fetch_add(&sim_tlb_flushes, 1);
}

/** Returns the number of flushes of any kind since sim_init. */
unsigned long sim_tlb_flush_count(void)
{
    return hal_read_once(&sim_tlb_flushes);
}

/** Returns the number of full flushes since sim_init. */
unsigned long sim_tlb_flush_all_count(void)
{
    return hal_read_once(&sim_tlb_full_flushes);
}
