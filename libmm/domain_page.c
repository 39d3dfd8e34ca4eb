/* SPDX-License-Identifier: MIT */
/*
 * map_domain_page on per-CPU slots (seed 004 option 1.2; see domain_page.h
 * for the contract and the choice).
 *
 * The slot area is a few 2 MiB blocks.  The first page of each block is an
 * "anchor": permanently mapped read-only to one zeroed frame, so the block's
 * last-level page table is never empty, is never freed, and a slot mapping
 * never needs a page-table page.  That keeps map_domain_page free of
 * allocation, hence usable by the heap itself (scrubbing) and unable to fail
 * for want of memory.  Slot k of CPU c is the (c * MAPCACHE_CPU_SLOTS + k)th
 * non-anchor page.
 *
 * Per-CPU state is touched only by its own CPU, so there is no lock.  A
 * mapping call the HAL fails (only an injected fault can: no table page is
 * needed) is retried, and the fault reported absorbed (hal/fault.h); a
 * second failure is a bug.
 */
#include "mm_private.h"

#define MC_BLOCK_PAGES 512UL
#define MC_SLOTS_PER_BLOCK (MC_BLOCK_PAGES - 1)
#define MC_TOTAL_SLOTS (HAL_MAX_CPUS * MAPCACHE_CPU_SLOTS)
#define MC_BLOCKS                                                           \
    ((MC_TOTAL_SLOTS + MC_SLOTS_PER_BLOCK - 1) / MC_SLOTS_PER_BLOCK)
#define MC_ALL_SLOTS ((1U << MAPCACHE_CPU_SLOTS) - 1)

static_assert(MAPCACHE_CPU_SLOTS <= 32, "slot masks are 32 bits");

static struct mapcache_cpu {
    uint32_t inuse;                       /* slots holding a live mapping */
    uint32_t garbage;                     /* unmapped, TLB not yet flushed */
    uint64_t mfn[MAPCACHE_CPU_SLOTS];
    uint16_t refcnt[MAPCACHE_CPU_SLOTS];
} __aligned(64) mapcache[HAL_MAX_CPUS];

static uintptr_t mc_base;
static struct page_info *mc_anchor;
static bool mc_lazy = true;

/** Size in bytes of the slot area (layout). */
size_t mapcache_area_size(void)
{
    return MC_BLOCKS * MC_BLOCK_PAGES * PAGE_SIZE;
}

static uintptr_t mc_slot_va(unsigned int cpu, unsigned int k)
{
    unsigned long idx = (unsigned long)cpu * MAPCACHE_CPU_SLOTS + k;

    return mc_base + (idx / MC_SLOTS_PER_BLOCK) * MC_BLOCK_PAGES * PAGE_SIZE +
           (idx % MC_SLOTS_PER_BLOCK + 1) * PAGE_SIZE;
}

/** See domain_page.h. */
uintptr_t mapcache_slot_va(unsigned int cpu, unsigned int slot)
{
    return mc_slot_va(cpu, slot);
}

/** Slot of `va` for `cpu`, or -1 if `va` is not one of its slots. */
static int mc_slot_of(unsigned int cpu, uintptr_t va)
{
    unsigned long page, idx;

    if ( va < mc_base || va >= mc_base + mapcache_area_size() )
        return -1;
    page = (va - mc_base) >> PAGE_SHIFT;
    if ( page % MC_BLOCK_PAGES == 0 )
        return -1;
    idx = (page / MC_BLOCK_PAGES) * MC_SLOTS_PER_BLOCK +
          page % MC_BLOCK_PAGES - 1;
    if ( idx / MAPCACHE_CPU_SLOTS != cpu )
        return -1;
    return (int)(idx % MAPCACHE_CPU_SLOTS);
}

/**
 * Sets up the slot area at `base` (2 MiB aligned): a zeroed anchor frame
 * mapped read-only at each block's first page.  Returns 0 or -ENOMEM.
 */
int mapcache_init(uintptr_t base)
{
    unsigned long b;
    unsigned int cpu;
    int rc;

    mc_base = base;
    for ( cpu = 0; cpu < HAL_MAX_CPUS; cpu++ )
    {
        mapcache[cpu].inuse = 0;
        mapcache[cpu].garbage = 0;
    }
    mc_anchor = alloc_domheap_page(NULL, MEMF_no_scrub);
    if ( !mc_anchor )
        return -ENOMEM;
    for ( b = 0; b < MC_BLOCKS; b++ )
    {
        rc = hal_map_frames(base + b * MC_BLOCK_PAGES * PAGE_SIZE,
                            mfn_x(page_to_mfn(mc_anchor)), 1,
                            HAL_MAP_GLOBAL | HAL_MAP_NX);
        if ( rc )
        {
            while ( b-- )
                hal_unmap_frames(base + b * MC_BLOCK_PAGES * PAGE_SIZE, 1);
            free_domheap_page(mc_anchor);
            mc_anchor = NULL;
            return rc;
        }
    }
    return 0;
}

/** Removes every slot mapping and the anchors. */
void mapcache_fini(void)
{
    unsigned long b;

    if ( !mc_anchor )
        return;
    for ( b = 0; b < MC_BLOCKS; b++ )
        hal_unmap_frames(mc_base + b * MC_BLOCK_PAGES * PAGE_SIZE,
                         MC_BLOCK_PAGES);
    free_domheap_page(mc_anchor);
    mc_anchor = NULL;
}

/** See domain_page.h. */
void mapcache_set_lazy(bool lazy)
{
    hal_write_once(&mc_lazy, lazy);
}

/** See domain_page.h. */
unsigned int mapcache_cpu_in_use(void)
{
    return (unsigned int)__builtin_popcount(mapcache[hal_cpu_id()].inuse);
}

/** See domain_page.h. */
void *map_domain_page(mfn_t mfn)
{
    unsigned int cpu, k;
    struct mapcache_cpu *c;
    uint32_t live, avail;
    uintptr_t va;

    /* The direct map first: it needs no per-CPU state (nor the CPU id). */
    if ( mm_directmap )
        return (void *)(mm_directmap_base + (mfn_x(mfn) << PAGE_SHIFT));
    cpu = hal_cpu_id();
    c = &mapcache[cpu];

    /* The same frame already mapped here: share the slot. */
    for ( live = c->inuse; live; live &= live - 1 )
    {
        k = (unsigned int)__builtin_ctz(live);
        if ( c->mfn[k] == mfn_x(mfn) )
        {
            c->refcnt[k]++;
            return (void *)mc_slot_va(cpu, k);
        }
    }

    avail = MC_ALL_SLOTS & ~(c->inuse | c->garbage);
    if ( !avail )
    {
        /* Out of clean slots: one local flush recycles the garbage. */
        BUG_ON(!c->garbage); /* more than MAPCACHE_CPU_SLOTS nested maps */
        flush_tlb_mask((hal_cpumask_t)1 << cpu);
        c->garbage = 0;
        avail = MC_ALL_SLOTS & ~c->inuse;
    }
    k = (unsigned int)__builtin_ctz(avail);
    va = mc_slot_va(cpu, k);
    if ( hal_map_frames(va, mfn_x(mfn), 1, HAL_MAP_RW | HAL_MAP_NX) )
    {
        BUG_ON(hal_map_frames(va, mfn_x(mfn), 1, HAL_MAP_RW | HAL_MAP_NX));
        hal_fault_absorbed(HAL_FAULT_MAP);
    }
    c->inuse |= 1U << k;
    c->mfn[k] = mfn_x(mfn);
    c->refcnt[k] = 1;
    return (void *)va;
}

/** See domain_page.h. */
void unmap_domain_page(const void *ptr)
{
    unsigned int cpu;
    struct mapcache_cpu *c;
    uintptr_t va = (uintptr_t)ptr & PAGE_MASK;
    int k;

    if ( !ptr || mm_directmap )
        return;
    cpu = hal_cpu_id();
    c = &mapcache[cpu];
    k = mc_slot_of(cpu, va);
    BUG_ON(k < 0 || !(c->inuse & (1U << k)));
    if ( --c->refcnt[k] )
        return;
    c->inuse &= ~(1U << k);
    hal_unmap_frames(va, 1);
    if ( hal_read_once(&mc_lazy) )
        c->garbage |= 1U << k;
    else
        hal_tlb_flush_local_va(va);
}

/** See domain_page.h. */
mfn_t domain_page_map_to_mfn(const void *ptr)
{
    uintptr_t va = (uintptr_t)ptr & PAGE_MASK;
    unsigned int cpu = hal_cpu_id();
    int k;

    if ( mm_directmap && va >= mm_directmap_base &&
         va < mm_directmap_base + (mm_max_mfn << PAGE_SHIFT) )
        return _mfn((va - mm_directmap_base) >> PAGE_SHIFT);
    k = mc_slot_of(cpu, va);
    if ( k >= 0 )
        return (mapcache[cpu].inuse & (1U << k)) ? _mfn(mapcache[cpu].mfn[k])
                                                 : INVALID_MFN;
    return vmap_to_mfn(ptr);
}

/** See domain_page.h. */
void *map_domain_page_global(mfn_t mfn)
{
    return vmap(&mfn, 1);
}

/** See domain_page.h. */
void unmap_domain_page_global(const void *va)
{
    vunmap((const void *)((uintptr_t)va & PAGE_MASK));
}
