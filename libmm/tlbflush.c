/* SPDX-License-Identifier: MIT */
/*
 * The TLB-flush clock (reference/mm.md §4; seed 003's "free now, flush
 * later").
 *
 * Xen ticks the clock before each full flush and records the new value as
 * the CPU's flush time after it, so any page stamped before the tick is
 * known to be out of that CPU's TLB.  The HAL tells us of a flush only after
 * it happened (hal/tlb.h), so `flush_tlb_mask` ticks first and leaves the
 * ticked value for the hook to record.  A full flush started elsewhere gets
 * no credit: its hook cannot know when the flush began, and recording the
 * clock read afterwards could cover a page freed after the flush.  That is
 * safe (it only costs extra flushes later) where the opposite is not.
 *
 * Wrap: the tick that would make the clock 0 leaves it at 0 (every check
 * then says "flush"), flushes every CPU and restarts the clock at 1.  A
 * stamp above the current time therefore predates a wrap, and the wrap's
 * flush covered it.
 */
#include "mm_private.h"

static uint32_t tlbflush_clock = 1;
static uint32_t tlbflush_time[HAL_MAX_CPUS];

/* Per calling CPU: the value ticked for the flush it is doing. */
static struct {
    uint32_t stamp;
    bool valid;
} __aligned(64) tlbflush_pending[HAL_MAX_CPUS];

/**
 * Records a completed full flush of `cpus`.  Called by the HAL on the CPU
 * that requested the flush.
 */
static void tlbflush_hook(hal_cpumask_t cpus)
{
    unsigned int me = hal_cpu_id();
    unsigned int cpu;
    uint32_t t;

    if ( !tlbflush_pending[me].valid )
        return;
    t = tlbflush_pending[me].stamp;
    for ( cpu = 0; cpu < HAL_MAX_CPUS; cpu++ )
        if ( cpus & ((hal_cpumask_t)1 << cpu) )
            hal_write_once(&tlbflush_time[cpu], t);
}

/** Starts the clock at 1 and registers the HAL hook.  Single-threaded. */
void tlbflush_init(void)
{
    unsigned int i;

    hal_write_once(&tlbflush_clock, 1);
    for ( i = 0; i < HAL_MAX_CPUS; i++ )
    {
        tlbflush_time[i] = 0;
        tlbflush_pending[i].valid = false;
    }
    hal_tlb_set_flush_hook(tlbflush_hook);
}

/** Unregisters the hook. */
void tlbflush_fini(void)
{
    hal_tlb_set_flush_hook(NULL);
}

/** Returns the clock. */
uint32_t tlbflush_current_time(void)
{
    return hal_read_once(&tlbflush_clock);
}

/** Returns `cpu`'s last flush time. */
uint32_t tlbflush_cpu_time(unsigned int cpu)
{
    return hal_read_once(&tlbflush_time[cpu]);
}

/** Sets the clock, for tests of the wrap. */
void tlbflush_clock_set(uint32_t value)
{
    hal_write_once(&tlbflush_clock, value);
}

/** Xen's NEED_FLUSH: see tlbflush.h. */
bool tlbflush_need_flush(uint32_t cpu_stamp, uint32_t page_stamp)
{
    uint32_t now = tlbflush_current_time();

    return now == 0 || (cpu_stamp <= page_stamp && page_stamp <= now);
}

/** Orders two stamps by age, treating stamps above now as pre-wrap. */
uint32_t tlbflush_newer(uint32_t a, uint32_t b)
{
    uint32_t now = tlbflush_current_time();
    uint64_t ka = a <= now ? (uint64_t)a + (1ULL << 32) : a;
    uint64_t kb = b <= now ? (uint64_t)b + (1ULL << 32) : b;

    return ka >= kb ? a : b;
}

/** Filters `mask` down to the CPUs that may map pages stamped `stamp`. */
hal_cpumask_t tlbflush_filter_mask(hal_cpumask_t mask, uint32_t stamp)
{
    unsigned int cpu;

    for ( cpu = 0; cpu < HAL_MAX_CPUS; cpu++ )
        if ( (mask & ((hal_cpumask_t)1 << cpu)) &&
             !tlbflush_need_flush(tlbflush_cpu_time(cpu), stamp) )
            mask &= ~((hal_cpumask_t)1 << cpu);
    return mask;
}

/**
 * Ticks the clock ahead of a flush.  Returns the new value, or 0 if a wrap
 * is in progress; sets `*wrapped` if this tick is the one that wrapped.
 */
static uint32_t tlbflush_tick(bool *wrapped)
{
    uint32_t c = hal_read_once(&tlbflush_clock);

    *wrapped = false;
    for ( ;; )
    {
        if ( c == 0 )
            return 0;
        if ( hal_cmpxchg(&tlbflush_clock, &c, c + 1) )
            break;
    }
    if ( c + 1 == 0 )
        *wrapped = true;
    return c + 1;
}

/** Flushes `mask` fully; see tlbflush.h. */
void flush_tlb_mask(hal_cpumask_t mask)
{
    unsigned int me = hal_cpu_id();
    bool wrapped;
    uint32_t t;

    t = tlbflush_tick(&wrapped);
    if ( wrapped )
        mask = hal_cpu_all_mask();
    if ( !mask )
        return;
    tlbflush_pending[me].stamp = t;
    tlbflush_pending[me].valid = true;
    hal_tlb_flush_all(mask);
    tlbflush_pending[me].valid = false;
    if ( wrapped )
        hal_store_release(&tlbflush_clock, 1);
}

/** Flushes the CPUs that have not flushed since `stamp`. */
void filtered_flush_tlb_mask(uint32_t stamp)
{
    hal_cpumask_t mask = tlbflush_filter_mask(hal_cpu_all_mask(), stamp);

    if ( mask )
        flush_tlb_mask(mask);
}
