/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's virtual region: host mappings plus real page tables.
 *
 * `sim_map_init` reserves one large region of host address space
 * (PROT_NONE, MAP_NORESERVE).  `hal_map_frames` does two things:
 *   - it writes x86-64 4-level page tables kept in machine memory, with the
 *     bare-metal backend's own code (hal/x86_64/pagetable.c), so
 *     `hal_translate`, `hal_pt_pages_in_use` and the consumption of
 *     page-table pages from libmm's provider are those of bare metal;
 *   - it maps the frames' pages of the memfd at the same address with
 *     MAP_SHARED | MAP_FIXED, so two mappings of one frame alias and an
 *     access through an unmapped address faults in the host.
 * The host never walks our page tables: they describe the region, the host
 * mappings implement it, and both change together under `sim_map_lock`, so
 * no caller can see one without the other.
 *
 * The provider's `alloc` and `free` run under `sim_map_lock` (pagetable.c
 * counts the pages a change needs and must not see another change meanwhile),
 * so they must not map or unmap anything: libmm's provider does not scrub.
 *
 * Page-table pages come from the provider libmm registers, or until then
 * from the bootstrap pool (frames 1..SIM_PT_POOL_FRAMES), and each goes back
 * to where it came from.  Providers are remembered by value in a small table
 * so a page outlives a change of provider.
 *
 * Not modelled: TLBs (see tlb.c), large pages, accessed/dirty bits, memory
 * types (PAT/MTRR), SMEP/SMAP and execute permission (NX is recorded in the
 * page table only; the host mapping is never executable).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim_private.h"

#define SIM_REGION_SIZE (64ULL << 30)
#define SIM_REGION_SIZE_VALGRIND (32ULL << 30)
#define SIM_REGION_SIZE_MIN (1ULL << 30)
#define SIM_REGION_ALIGN (1ULL << 30)
#define SIM_PROVIDERS_MAX 16

static pthread_mutex_t sim_map_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t sim_region_base;
static size_t sim_region_size;
static bool sim_map_host = true;
static bool sim_map_dying;

static bool sim_pt_live;

/* Bootstrap pool: bit i set = frame 1 + i is a page-table page. */
static uint64_t sim_pool_used[(SIM_PT_POOL_FRAMES + 63) / 64];

/* Providers seen, and for each machine frame the provider (index + 1) it
 * came from while it is a page-table page; 0 otherwise. */
static struct hal_pt_provider sim_providers[SIM_PROVIDERS_MAX];
static unsigned int sim_provider_count;
static int sim_provider_cur = -1;   /* -1: the bootstrap pool */
static uint8_t *sim_pt_origin;

/** True if `mfn` belongs to the bootstrap pool. */
static bool sim_is_pool_frame(hal_mfn_t mfn)
{
    return mfn >= 1 && mfn < 1 + SIM_PT_POOL_FRAMES;
}

/**
 * Hands out a zeroed page-table page: from the current provider, or the
 * bootstrap pool.  Called with `sim_map_lock` held.  Returns 0 or -ENOMEM
 * (an injected HAL_FAULT_PT_ALLOC, an empty pool or a provider's error).
 */
static int sim_ptpage_alloc(void *ctx, hal_mfn_t *mfn)
{
    hal_mfn_t m;
    unsigned int i;
    int rc;

    if ( hal_fault_hit(HAL_FAULT_PT_ALLOC) )
        return -ENOMEM;

    if ( sim_provider_cur >= 0 )
    {
        rc = sim_providers[sim_provider_cur].alloc(&m);
        if ( rc )
            return rc;
        if ( m >= sim_mem.frames || m < SIM_RESERVED_FRAMES ||
             sim_pt_origin[m] )
            hal_panic("sim: PT provider returned a bad frame");
        sim_pt_origin[m] = (uint8_t)(sim_provider_cur + 1);
    }
    else
    {
        for ( i = 0; i < SIM_PT_POOL_FRAMES; i++ )
            if ( !(sim_pool_used[i / 64] & (1ULL << (i % 64))) )
                break;
        if ( i == SIM_PT_POOL_FRAMES )
            return -ENOMEM;
        sim_pool_used[i / 64] |= 1ULL << (i % 64);
        m = 1 + i;
    }

    memset(sim_frame_ptr(m), 0, HAL_PAGE_SIZE);
    *mfn = m;
    return 0;
}

/**
 * Returns a page-table page to its origin.  Called with `sim_map_lock`
 * held.  While the machine is being torn down, provider pages are dropped
 * instead: the provider may already be gone.
 */
static void sim_ptpage_free(void *ctx, hal_mfn_t mfn)
{
    unsigned int i;

    if ( sim_is_pool_frame(mfn) )
    {
        i = (unsigned int)(mfn - 1);
        if ( !(sim_pool_used[i / 64] & (1ULL << (i % 64))) )
            hal_panic("sim: freeing a free bootstrap page-table page");
        sim_pool_used[i / 64] &= ~(1ULL << (i % 64));
        return;
    }
    if ( mfn >= sim_mem.frames || !sim_pt_origin[mfn] )
        hal_panic("sim: freeing a frame that is not a page-table page");
    i = sim_pt_origin[mfn] - 1U;
    sim_pt_origin[mfn] = 0;
    if ( !sim_map_dying )
        sim_providers[i].free(mfn);
}

/** Reaches page-table page `mfn` through the private view. */
static uint64_t *sim_ptpage_access(void *ctx, hal_mfn_t mfn)
{
    return sim_frame_ptr(mfn);
}

static const struct sim_pt_source sim_pt_source = {
    .alloc = sim_ptpage_alloc,
    .free = sim_ptpage_free,
    .access = sim_ptpage_access,
};

/** The region size to try first: smaller under Valgrind. */
static size_t sim_region_bytes(void)
{
    const char *v = getenv("HVCORE_UNDER_VALGRIND");

    return v && *v && *v != '0' ? SIM_REGION_SIZE_VALGRIND : SIM_REGION_SIZE;
}

/**
 * Reserves the region (aligned to 1 GiB, so a test can find table
 * boundaries) and builds the empty page tables.  Returns 0 or -ENOMEM.
 */
int sim_map_init(void)
{
    size_t size = sim_region_bytes();
    size_t span;
    uintptr_t raw, base;
    void *p;
    int rc;

    /* Valgrind's address-space manager refuses very large reservations:
     * fall back to smaller regions, down to 1 GiB. */
    for ( ;; )
    {
        span = size + SIM_REGION_ALIGN;
        p = mmap(NULL, span, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if ( p != MAP_FAILED )
            break;
        if ( size <= SIM_REGION_SIZE_MIN )
            return -ENOMEM;
        size /= 2;
    }
    raw = (uintptr_t)p;
    base = (raw + SIM_REGION_ALIGN - 1) & ~(uintptr_t)(SIM_REGION_ALIGN - 1);
    if ( base > raw )
        munmap(p, base - raw);
    if ( raw + span > base + size )
        munmap((void *)(base + size), raw + span - (base + size));

    sim_pt_origin = calloc(sim_mem.frames, 1);
    if ( !sim_pt_origin )
    {
        rc = -ENOMEM;
        goto fail;
    }

    memset(sim_pool_used, 0, sizeof(sim_pool_used));
    sim_provider_count = 0;
    sim_provider_cur = -1;
    sim_map_host = true;
    sim_map_dying = false;

    pthread_mutex_lock(&sim_map_lock);
    rc = sim_pt_init(&sim_pt_source);
    pthread_mutex_unlock(&sim_map_lock);
    if ( rc )
    {
        free(sim_pt_origin);
        sim_pt_origin = NULL;
        goto fail;
    }
    sim_pt_live = true;
    sim_region_base = base;
    sim_region_size = size;
    return 0;

 fail:
    munmap((void *)base, size);
    return rc;
}

/** Drops the page tables (provider pages are not returned) and the region. */
void sim_map_fini(void)
{
    pthread_mutex_lock(&sim_map_lock);
    sim_map_dying = true;
    if ( sim_pt_live )
        sim_pt_destroy();
    sim_pt_live = false;
    pthread_mutex_unlock(&sim_map_lock);

    munmap((void *)sim_region_base, sim_region_size);
    sim_region_base = 0;
    sim_region_size = 0;
    free(sim_pt_origin);
    sim_pt_origin = NULL;
    sim_provider_count = 0;
    sim_provider_cur = -1;
}

/** Reports the region. */
void hal_va_region(uintptr_t *base, size_t *size)
{
    *base = sim_region_base;
    *size = sim_region_size;
}

/**
 * Registers the page-table page provider, or returns to the bootstrap pool
 * with NULL.  The provider is copied; pages keep the origin they came from.
 */
void hal_map_set_pt_provider(const struct hal_pt_provider *provider)
{
    unsigned int i;

    pthread_mutex_lock(&sim_map_lock);
    if ( !provider )
    {
        sim_provider_cur = -1;
        goto out;
    }
    if ( !provider->alloc || !provider->free )
        hal_panic("sim: PT provider without alloc or free");
    for ( i = 0; i < sim_provider_count; i++ )
        if ( sim_providers[i].alloc == provider->alloc &&
             sim_providers[i].free == provider->free )
            break;
    if ( i == sim_provider_count )
    {
        if ( i == SIM_PROVIDERS_MAX )
            hal_panic("sim: too many distinct PT providers");
        sim_providers[i] = *provider;
        sim_provider_count++;
    }
    sim_provider_cur = (int)i;
 out:
    pthread_mutex_unlock(&sim_map_lock);
}

/**
 * Panics unless [va, va + nr pages) is page-aligned and inside the region:
 * misuse of the mapping calls is a bug in core code, not an error.
 */
static void sim_check_range(uintptr_t va, unsigned long nr)
{
    if ( va & (HAL_PAGE_SIZE - 1) )
        hal_panic("sim: unaligned virtual address");
    if ( va < sim_region_base || va - sim_region_base >= sim_region_size ||
         nr > (sim_region_size - (va - sim_region_base)) / HAL_PAGE_SIZE )
        hal_panic("sim: mapping outside the region");
}

/** Puts inaccessible anonymous memory back over `nr` pages at `va`. */
static void sim_host_unmap(uintptr_t va, unsigned long nr)
{
    void *p = mmap((void *)va, nr * HAL_PAGE_SIZE, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
                   -1, 0);

    if ( p == MAP_FAILED )
        hal_panic("sim: host mmap failed while unmapping");
}

/**
 * Maps `nr` frames from `mfn` at `va`: page tables first (which can fail and
 * then change nothing), then one host mapping of the whole run, which shares
 * the frames' pages of the memfd.  Returns 0 or -ENOMEM.
 */
int hal_map_frames(uintptr_t va, hal_mfn_t mfn, unsigned long nr,
                   unsigned int flags)
{
    int prot = PROT_READ;
    void *p;
    int rc;

    if ( !nr )
        return 0;
    sim_check_range(va, nr);
    if ( mfn >= sim_mem.frames || nr > sim_mem.frames - mfn )
        hal_panic("sim: mapping frames that do not exist");
    if ( flags & ~(HAL_MAP_RW | HAL_MAP_GLOBAL | HAL_MAP_NX) )
        hal_panic("sim: unknown mapping flags");

    if ( hal_fault_hit(HAL_FAULT_MAP) )
        return -ENOMEM;

    pthread_mutex_lock(&sim_map_lock);
    rc = sim_pt_map(va, mfn, nr, flags);
    if ( rc || !hal_read_once(&sim_map_host) )
        goto out;
    if ( flags & HAL_MAP_RW )
        prot |= PROT_WRITE;
    /* After the tables have changed this cannot fail cleanly; it fails only
     * when the host runs out of mappings, which the simulated machine does
     * not model. */
    p = mmap((void *)va, nr * HAL_PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED,
             sim_mem.fd, (off_t)(mfn * HAL_PAGE_SIZE));
    if ( p == MAP_FAILED )
        hal_panic("sim: host mmap failed (vm.max_map_count?)");
 out:
    pthread_mutex_unlock(&sim_map_lock);
    return rc;
}

/** Unmaps `nr` pages at `va`; empty page-table pages go back to origin. */
void hal_unmap_frames(uintptr_t va, unsigned long nr)
{
    if ( !nr )
        return;
    sim_check_range(va, nr);

    pthread_mutex_lock(&sim_map_lock);
    sim_pt_unmap(va, nr);
    if ( hal_read_once(&sim_map_host) )
        sim_host_unmap(va, nr);
    pthread_mutex_unlock(&sim_map_lock);
}

/** Translates `va` through the page tables. */
bool hal_translate(uintptr_t va, hal_mfn_t *mfn, unsigned int *flags)
{
    bool ok;

    if ( va < sim_region_base || va - sim_region_base >= sim_region_size )
        return false;
    pthread_mutex_lock(&sim_map_lock);
    ok = sim_pt_translate(va, mfn, flags);
    pthread_mutex_unlock(&sim_map_lock);
    return ok;
}

/** Returns the page-table pages in use, root included. */
unsigned long hal_pt_pages_in_use(void)
{
    unsigned long n;

    pthread_mutex_lock(&sim_map_lock);
    n = sim_pt_pages();
    pthread_mutex_unlock(&sim_map_lock);
    return n;
}

/** Turns host mappings on or off. */
void sim_map_host_set(bool on)
{
    hal_write_once(&sim_map_host, on);
}
