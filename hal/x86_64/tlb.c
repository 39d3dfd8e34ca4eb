/* SPDX-License-Identifier: MIT */
/*
 * TLB maintenance.  Only CPU 0 runs (cpu.c), so a flush for a set of CPUs
 * is a local flush when the set holds CPU 0 and nothing otherwise.
 *
 * Range flushes use invlpg per page, which also drops the paging-structure
 * cache entries for those addresses (Intel SDM vol. 3, 4.10.4.1); above
 * X86_FLUSH_RANGE_MAX pages a range flush flushes everything, global entries
 * included (toggling CR4.PGE), since a range may hold global mappings.  A
 * full flush reloads CR3, which keeps global entries, as hal/tlb.h says,
 * and then runs the hook.
 */
#include "x86_private.h"

#define X86_FLUSH_RANGE_MAX 64

static hal_tlb_flush_hook_t x86_tlb_hook;

/** Flushes every TLB entry of this CPU, global ones included. */
static void x86_flush_all_global(void)
{
    unsigned long cr4 = x86_read_cr4();

    x86_write_cr4(cr4 & ~X86_CR4_PGE);
    x86_write_cr4(cr4);
}

/** Flushes this CPU's entries for the `nr` pages at `va`. */
void x86_flush_local_range(uintptr_t va, unsigned long nr)
{
    unsigned long i;

    if ( nr > X86_FLUSH_RANGE_MAX )
    {
        x86_flush_all_global();
        return;
    }
    for ( i = 0; i < nr; i++ )
        x86_invlpg(va + i * HAL_PAGE_SIZE);
}

/** Sets the hook run after each full flush. */
void hal_tlb_set_flush_hook(hal_tlb_flush_hook_t hook)
{
    hal_write_once(&x86_tlb_hook, hook);
}

/** Flushes the `nr` pages at `va` from the TLBs of `cpus`. */
void hal_tlb_flush_range(hal_cpumask_t cpus, uintptr_t va, unsigned long nr)
{
    if ( cpus & 1 )
        x86_flush_local_range(va, nr);
}

/** Flushes all non-global entries from the TLBs of `cpus`, then the hook. */
void hal_tlb_flush_all(hal_cpumask_t cpus)
{
    hal_tlb_flush_hook_t hook = hal_read_once(&x86_tlb_hook);

    if ( cpus & 1 )
        x86_write_cr3(x86_read_cr3());
    if ( hook )
        hook(cpus);
}

/** Flushes this CPU's entry for `va`. */
void hal_tlb_flush_local_va(uintptr_t va)
{
    x86_invlpg(va);
}
