/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's page tables on bare metal, built and changed with
 * pagetable.c and live in CR3.
 *
 * Layout (one set of tables, one root):
 *   - an identity map of machine memory from frame 1 up to the top of RAM
 *     (at most 4 GiB), global, with 2 MiB entries where alignment allows:
 *     the image's .text read-only and executable, everything else
 *     read-write and NX.  Frame 0 stays unmapped so a NULL access faults.
 *     Two more identity pages serve smp.c: the APs' trampoline at 0x8000
 *     (read-write and executable, used once at start-up) and the local
 *     APIC's registers at 0xfee00000.
 *   - the HAL region `hal_va_region`: X86_VA_SIZE bytes at X86_VA_BASE, the
 *     first 64 GiB of the upper canonical half (L4 slot 256), nothing mapped
 *     until core code maps it; 4 KiB entries only.
 *
 * Page-table pages are reached through the identity map (`x86_pt_access`
 * is a shift), not through a mapping slot: every frame a provider can hand
 * us is RAM below the identity map's top, the map costs a handful of table
 * pages with 2 MiB entries, and a slot would need its own TLB flush per
 * access.  A provider frame outside the identity map is a bug (panic).
 *
 * Page-table pages come from the provider libmm registers, or until then
 * from a bootstrap pool in the image's .bss; each goes back to its origin.
 * Providers are kept by value in a small table, as the simulator does, so
 * a page outlives a change of provider.  Pages pagetable.c frees are not
 * returned at once: they wait on a deferred list until the TLB flush that
 * follows the change, so no stale paging-structure cache entry can point
 * into a page the heap has handed out again.
 *
 * hal_map_frames and hal_unmap_frames flush this CPU's entries for the range
 * before returning, so the calling CPU sees the change at once, exactly as
 * in the simulator (whose host mappings change immediately).  Since only
 * CPU 0 runs, that is every CPU.
 *
 * Locking: `x86_map_lock` covers the tables, the pool, the provider table,
 * the origin bytes and the deferred list.  A provider's alloc is called
 * with it held (as in the simulator); its free is called after it is
 * dropped.
 */
#include <common/errno.h>

#include "pagetable.h"
#include "x86_private.h"

#define X86_VA_BASE 0xffff800000000000UL
#define X86_VA_SIZE (64UL << 30)
#define X86_PT_POOL_PAGES 64
#define X86_PROVIDERS_MAX 16

static uint8_t x86_pt_pool[X86_PT_POOL_PAGES][HAL_PAGE_SIZE]
    __attribute__((aligned(HAL_PAGE_SIZE)));
static uint64_t x86_pool_used;          /* bit i: pool page i in use */

static struct hal_pt_provider x86_providers[X86_PROVIDERS_MAX];
static unsigned int x86_provider_count;
static int x86_provider_cur = -1;       /* -1: the bootstrap pool */
/* For each frame: the provider (index + 1) of a page-table page, else 0. */
static uint8_t x86_pt_origin[X86_MAX_FRAMES];

static hal_spinlock_t x86_map_lock = HAL_SPINLOCK_INIT;
static struct pt x86_pt;
static hal_mfn_t x86_ident_frames;      /* frames [1, this) identity-mapped */
static bool x86_nx;

/* Freed page-table pages waiting for the flush (entry 0 links them). */
static hal_mfn_t x86_deferred_head;
static unsigned long x86_deferred_count;

/* Provider pages to give back once the lock is dropped. */
struct x86_release {
    hal_mfn_t head;          /* entry 0: next, entry 1: provider index */
    unsigned long count;
};

/** The frame of the first bootstrap pool page (identity-mapped). */
static inline hal_mfn_t x86_pool_mfn0(void)
{
    return (uintptr_t)x86_pt_pool >> HAL_PAGE_SHIFT;
}

/** True if `mfn` is a bootstrap pool page. */
static inline bool x86_is_pool_frame(hal_mfn_t mfn)
{
    return mfn >= x86_pool_mfn0() && mfn < x86_pool_mfn0() + X86_PT_POOL_PAGES;
}

/** Page-table page `mfn` through the identity map.  Map lock held. */
static uint64_t *x86_pt_access(void *ctx, hal_mfn_t mfn)
{
    (void)ctx;
    if ( !mfn || mfn >= x86_ident_frames )
        hal_panic("x86: page-table page outside the identity map");
    return (uint64_t *)(uintptr_t)(mfn << HAL_PAGE_SHIFT);
}

/**
 * A page for a table, from the provider or the pool.  Map lock held.
 * Returns 0 or -ENOMEM (empty pool, or the provider's error).
 */
static int x86_pt_alloc(void *ctx, hal_mfn_t *mfn)
{
    hal_mfn_t m;
    unsigned int i;
    int rc;

    (void)ctx;
    if ( hal_fault_hit(HAL_FAULT_PT_ALLOC) )
        return -ENOMEM;

    if ( x86_provider_cur >= 0 )
    {
        rc = x86_providers[x86_provider_cur].alloc(&m);
        if ( rc )
            return rc;
        if ( !m || m >= x86_ident_frames || x86_pt_origin[m] ||
             x86_is_pool_frame(m) )
            hal_panic("x86: PT provider returned a bad frame");
        x86_pt_origin[m] = (uint8_t)(x86_provider_cur + 1);
    }
    else
    {
        for ( i = 0; i < X86_PT_POOL_PAGES; i++ )
            if ( !(x86_pool_used & (1ULL << i)) )
                break;
        if ( i == X86_PT_POOL_PAGES )
            return -ENOMEM;
        x86_pool_used |= 1ULL << i;
        m = x86_pool_mfn0() + i;
    }
    *mfn = m;
    return 0;
}

/** Puts a page pagetable.c freed on the deferred list.  Map lock held. */
static void x86_pt_free(void *ctx, hal_mfn_t mfn)
{
    x86_pt_access(ctx, mfn)[0] = x86_deferred_head;
    x86_deferred_head = mfn;
    x86_deferred_count++;
}

static const struct pt_ops x86_pt_ops = {
    .alloc = x86_pt_alloc,
    .free = x86_pt_free,
    .access = x86_pt_access,
    .ctx = NULL,
};

/**
 * Returns the deferred pages to their origins: pool pages at once, provider
 * pages onto `rel` for `x86_release_all`.  Map lock held, after the flush.
 */
static void x86_deferred_drain(struct x86_release *rel)
{
    rel->head = 0;
    rel->count = 0;
    while ( x86_deferred_count )
    {
        hal_mfn_t m = x86_deferred_head;
        uint64_t *p = x86_pt_access(NULL, m);
        unsigned int origin;

        x86_deferred_head = p[0];
        x86_deferred_count--;
        if ( x86_is_pool_frame(m) )
        {
            unsigned int i = (unsigned int)(m - x86_pool_mfn0());

            if ( !(x86_pool_used & (1ULL << i)) )
                hal_panic("x86: freeing a free bootstrap page-table page");
            x86_pool_used &= ~(1ULL << i);
            continue;
        }
        origin = x86_pt_origin[m];
        if ( !origin )
            hal_panic("x86: freeing a frame that is not a page-table page");
        x86_pt_origin[m] = 0;
        p[0] = rel->head;
        p[1] = origin - 1;
        rel->head = m;
        rel->count++;
    }
}

/** Gives provider pages back.  Map lock not held. */
static void x86_release_all(struct x86_release *rel)
{
    while ( rel->count )
    {
        hal_mfn_t m = rel->head;
        const uint64_t *p = (const uint64_t *)(uintptr_t)(m << HAL_PAGE_SHIFT);
        unsigned int idx = (unsigned int)p[1];

        rel->head = p[0];
        rel->count--;
        x86_providers[idx].free(m);
    }
}

/** Misuse of the mapping calls is a bug in core code, not an error. */
static void x86_check_range(uintptr_t va, unsigned long nr)
{
    if ( va & (HAL_PAGE_SIZE - 1) )
        hal_panic("x86: unaligned virtual address");
    if ( va < X86_VA_BASE || va - X86_VA_BASE >= X86_VA_SIZE ||
         nr > (X86_VA_SIZE - (va - X86_VA_BASE)) / HAL_PAGE_SIZE )
        hal_panic("x86: mapping outside the region");
}

/** Maps one piece of the identity map at start-up. */
static void x86_map_ident(uint64_t start, uint64_t end, unsigned int flags)
{
    start &= ~(HAL_PAGE_SIZE - 1);
    end = (end + HAL_PAGE_SIZE - 1) & ~(HAL_PAGE_SIZE - 1);
    if ( end <= start )
        return;
    if ( pt_map(&x86_pt, start, start >> HAL_PAGE_SHIFT,
                (end - start) >> HAL_PAGE_SHIFT,
                flags | HAL_MAP_GLOBAL | PT_MAP_LARGE) )
        hal_panic("x86: cannot build the identity map");
}

/**
 * Builds the hypervisor's tables (identity map, empty region) from the
 * bootstrap pool and switches CR3 to them.  Boot CPU, on the boot tables.
 */
void x86_map_init(void)
{
    uint64_t text_start = (uintptr_t)_text_start;
    uint64_t text_end = (uintptr_t)_text_end;
    uint64_t top;
    unsigned int nx;

    x86_nx = x86_rdmsr(X86_MSR_EFER) & X86_EFER_NXE;
    nx = x86_nx ? HAL_MAP_NX : 0;
    x86_ident_frames = x86_memmap_frames();
    top = (uint64_t)x86_ident_frames << HAL_PAGE_SHIFT;
    if ( top < (uintptr_t)_kernel_end )
        hal_panic("x86: RAM ends inside the image");

    if ( pt_init(&x86_pt, &x86_pt_ops) )
        hal_panic("x86: no page for the root table");
    x86_map_ident(HAL_PAGE_SIZE, text_start, HAL_MAP_RW | nx);
    x86_map_ident(text_start, text_end, 0);
    x86_map_ident(text_end, top, HAL_MAP_RW | nx);
    /* The APs' trampoline runs from low memory (smp.c); the local APIC's
     * registers sit above RAM. */
    x86_map_ident(X86_TRAMPOLINE_BASE, X86_TRAMPOLINE_BASE + HAL_PAGE_SIZE,
                  HAL_MAP_RW);
    x86_map_ident(X86_APIC_BASE, X86_APIC_BASE + HAL_PAGE_SIZE,
                  HAL_MAP_RW | nx);
    x86_write_cr3((unsigned long)(x86_pt.root << HAL_PAGE_SHIFT));
}

/** Reports the region core code may map into. */
void hal_va_region(uintptr_t *base, size_t *size)
{
    *base = X86_VA_BASE;
    *size = X86_VA_SIZE;
}

/**
 * Registers the page-table page provider (copied), or returns to the pool
 * with NULL.  Pages in use keep their origin.
 */
void hal_map_set_pt_provider(const struct hal_pt_provider *provider)
{
    unsigned int i;

    hal_spin_lock(&x86_map_lock);
    if ( !provider )
    {
        x86_provider_cur = -1;
        goto out;
    }
    if ( !provider->alloc || !provider->free )
        hal_panic("x86: PT provider without alloc or free");
    for ( i = 0; i < x86_provider_count; i++ )
        if ( x86_providers[i].alloc == provider->alloc &&
             x86_providers[i].free == provider->free )
            break;
    if ( i == x86_provider_count )
    {
        if ( i == X86_PROVIDERS_MAX )
            hal_panic("x86: too many distinct PT providers");
        x86_providers[i] = *provider;
        x86_provider_count++;
    }
    x86_provider_cur = (int)i;
 out:
    hal_spin_unlock(&x86_map_lock);
}

/**
 * Maps `nr` frames from `mfn` at `va` with `flags` and flushes this CPU's
 * entries for the range.  Returns 0 or -ENOMEM (a page-table page could not
 * be had; nothing changed).  Misuse (outside the region, unknown flags,
 * frames past the top of RAM) panics, as in the simulator.
 */
int hal_map_frames(uintptr_t va, hal_mfn_t mfn, unsigned long nr,
                   unsigned int flags)
{
    struct x86_release rel;
    int rc;

    if ( !nr )
        return 0;
    x86_check_range(va, nr);
    if ( mfn >= x86_memmap_frames() || nr > x86_memmap_frames() - mfn )
        hal_panic("x86: mapping frames that do not exist");
    if ( flags & ~(HAL_MAP_RW | HAL_MAP_GLOBAL | HAL_MAP_NX) )
        hal_panic("x86: unknown mapping flags");
    if ( hal_fault_hit(HAL_FAULT_MAP) )
        return -ENOMEM;
    if ( !x86_nx )
        flags &= ~HAL_MAP_NX;

    hal_spin_lock(&x86_map_lock);
    rc = pt_map(&x86_pt, va, mfn, nr, flags);
    if ( rc && rc != -ENOMEM )
        hal_panic("x86: pt_map rejected a checked range");
    if ( !rc )
        x86_flush_local_range(va, nr);
    x86_deferred_drain(&rel);
    hal_spin_unlock(&x86_map_lock);
    x86_release_all(&rel);
    return rc;
}

/**
 * Unmaps `nr` pages at `va`, flushes this CPU's entries for them, and
 * returns emptied page-table pages to their origin.
 */
void hal_unmap_frames(uintptr_t va, unsigned long nr)
{
    struct x86_release rel;

    if ( !nr )
        return;
    x86_check_range(va, nr);

    hal_spin_lock(&x86_map_lock);
    /* The region holds 4 KiB entries only: no split, so no failure. */
    if ( pt_unmap(&x86_pt, va, nr) )
        hal_panic("x86: pt_unmap failed in the region");
    x86_flush_local_range(va, nr);
    x86_deferred_drain(&rel);
    hal_spin_unlock(&x86_map_lock);
    x86_release_all(&rel);
}

/** Translates `va` in the region; false outside it or when unmapped. */
bool hal_translate(uintptr_t va, hal_mfn_t *mfn, unsigned int *flags)
{
    bool ok;

    if ( va < X86_VA_BASE || va - X86_VA_BASE >= X86_VA_SIZE )
        return false;
    hal_spin_lock(&x86_map_lock);
    ok = pt_translate(&x86_pt, va, mfn, flags);
    hal_spin_unlock(&x86_map_lock);
    return ok;
}

/** Returns the table pages in use: identity map and region, root included. */
unsigned long hal_pt_pages_in_use(void)
{
    unsigned long n;

    hal_spin_lock(&x86_map_lock);
    n = x86_pt.pages;
    hal_spin_unlock(&x86_map_lock);
    return n;
}
