/* SPDX-License-Identifier: MIT */
/*
 * libmm start-up and tear-down, the layout of the hypervisor region, the
 * page-table page provider and the owner table.
 *
 * Lock order in libmm, outermost first:
 *   mm_domain.p2m_lock -> mm_domain.page_lock
 *   pcp[cpu].lock -> heap_lock
 *   vm_lock, deferred_lock, xmalloc_lock: leaves (never held across a heap
 *   allocation or a HAL mapping call, except xmalloc_lock, see xmalloc.c)
 * A P2M removal hold (p2m_removal_hold) is outermost of all: a RAM removal
 * waits for the holds before it takes p2m_lock, holding nothing (nor do
 * its callers), so a holder may take any lock, p2m_lock included.
 * page_lock and p2m_lock are never held while taking pcp/heap locks from a
 * path that could come back to them.  The HAL's own mapping lock is below
 * all of ours: the provider it calls never maps (MEMF_no_scrub, no vmap).
 */
#include <common/string.h>
#include <common/subsys.h>

#include "mm_private.h"

#define MM_AREA_ALIGN (2UL << 20)
#define MM_VMAP_MIN (64UL << 20)

uint64_t mm_max_mfn;
struct page_info *frame_table;
uint32_t *frame_virt;
bool mm_live;
bool mm_directmap;
uintptr_t mm_directmap_base;
uintptr_t mm_region_base;
struct mm_layout mm_layout_now;

static bool mm_want_directmap = HVCORE_DIRECTMAP_FULL;
static bool mm_ft_mapped;
static uint64_t mm_pt_pages;

/*
 * Owner table: page owner value `v` (1-based) names mm_owners[v - 1].  Twice
 * as many slots as domids, since dying domains keep theirs until their last
 * reference goes while their ids are reused.
 */
#define MM_MAX_OWNERS (2U * DOMID_FIRST_RESERVED)

static hal_spinlock_t mm_owner_lock = HAL_SPINLOCK_INIT;
static struct domain *mm_owners[MM_MAX_OWNERS];
/*
 * Slots ever used.  A new owner takes the lowest free slot, so this stays
 * the largest number of owners alive at once, and the walks over the table
 * (mm_check's, after every step of a test or fuzzer) stop here.
 */
static unsigned int mm_owner_top;
/*
 * Holds on each slot (mm_owner_hold): while one is taken, the domain the
 * slot named when it was taken, and its mm state, stay allocated, because
 * mm_owner_unregister waits for the slot's holds to go.
 */
static uint32_t mm_owner_holds[MM_MAX_OWNERS];

/** See mm.h. */
void mm_config_directmap(bool full)
{
    mm_want_directmap = full;
}

/** See mm.h. */
bool mm_has_directmap(void)
{
    return mm_directmap;
}

/** See layout.h. */
void mm_get_layout(struct mm_layout *l)
{
    *l = mm_layout_now;
    l->page_info_size = sizeof(struct page_info);
    l->mapcache_slots_per_cpu = MAPCACHE_CPU_SLOTS;
    l->max_order = MAX_ORDER;
}

/** See mm_private.h. */
struct domain *mm_owner_domain(uint32_t owner)
{
    if ( !owner || owner > MM_MAX_OWNERS )
        return NULL;
    return hal_read_once(&mm_owners[owner - 1]);
}

/** See mm_private.h. */
struct domain *mm_owner_hold(uint32_t owner)
{
    if ( !owner || owner > MM_MAX_OWNERS )
        return NULL;
    /*
     * The hold is counted before the slot is read, and unregister clears
     * the slot before it reads the count (both sequentially consistent):
     * either unregister sees this hold and waits, or this read sees NULL.
     */
    hal_fetch_add(&mm_owner_holds[owner - 1], 1);
    return __atomic_load_n(&mm_owners[owner - 1], __ATOMIC_SEQ_CST);
}

/** See mm_private.h. */
void mm_owner_release(uint32_t owner)
{
    if ( owner && owner <= MM_MAX_OWNERS )
        hal_fetch_sub(&mm_owner_holds[owner - 1], 1);
}

/** See mm_private.h. */
unsigned long mm_owner_holds_in_use(void)
{
    unsigned long n = 0;
    unsigned int i;

    for ( i = 0; i < hal_read_once(&mm_owner_top); i++ )
        n += hal_read_once(&mm_owner_holds[i]);
    return n;
}

/** See mm_private.h. */
int mm_owner_register(struct domain *d, uint32_t *owner)
{
    unsigned int slot;
    int rc = -ENOSPC;

    hal_spin_lock(&mm_owner_lock);
    for ( slot = 0; slot < MM_MAX_OWNERS; slot++ )
    {
        if ( !mm_owners[slot] )
        {
            hal_write_once(&mm_owners[slot], d);
            if ( slot >= mm_owner_top )
                hal_write_once(&mm_owner_top, slot + 1);
            *owner = slot + 1;
            rc = 0;
            break;
        }
    }
    hal_spin_unlock(&mm_owner_lock);
    return rc;
}

/**
 * See mm_private.h.  Waits, with the slot still unusable for a new owner,
 * until every hold taken on it has gone: a hold is only ever kept across
 * one page's last put (page_alloc.c), which takes no lock of this file.
 */
void mm_owner_unregister(uint32_t owner)
{
    BUG_ON(!owner || owner > MM_MAX_OWNERS);
    hal_spin_lock(&mm_owner_lock);
    (void)hal_xchg(&mm_owners[owner - 1], NULL);
    while ( __atomic_load_n(&mm_owner_holds[owner - 1], __ATOMIC_SEQ_CST) )
        hal_cpu_relax();
    hal_spin_unlock(&mm_owner_lock);
}

/** See mm_private.h. */
void mm_for_each_domain(void (*fn)(struct domain *d, void *arg), void *arg)
{
    unsigned int i;

    for ( i = 0; i < hal_read_once(&mm_owner_top); i++ )
        if ( mm_owners[i] )
            fn(mm_owners[i], arg);
}

/* ---- Page-table pages for the HAL (seed 004 option 3.2). ---- */

/**
 * Hands the HAL a heap page for a page table.  Called with the HAL's mapping
 * lock held, so it must not map anything: no scrub (the HAL clears the
 * page), no vmap.  Returns 0 or -ENOMEM.
 */
static int mm_pt_alloc(hal_mfn_t *mfn)
{
    struct page_info *pg = alloc_domheap_page(NULL, MEMF_no_scrub);

    if ( !pg )
        return -ENOMEM;
    pg->u.type_info = PGT_pt;
    hal_fetch_add(&mm_pt_pages, 1);
    *mfn = mfn_x(page_to_mfn(pg));
    return 0;
}

/** Takes back a page-table page. */
static void mm_pt_free(hal_mfn_t mfn)
{
    struct page_info *pg;

    /* Tables of the frame table itself came from the HAL's pool. */
    if ( !mm_ft_mapped || mfn >= mm_max_mfn )
        return;
    pg = mfn_to_page(_mfn(mfn));
    BUG_ON((pg->u.type_info & PGT_type_mask) != PGT_pt);
    pg->u.type_info = 0;
    hal_fetch_sub(&mm_pt_pages, 1);
    free_domheap_page(pg);
}

static const struct hal_pt_provider mm_pt_provider = {
    .alloc = mm_pt_alloc,
    .free = mm_pt_free,
};

/** See mm_private.h. */
uint64_t mm_pt_pages_given(void)
{
    return hal_read_once(&mm_pt_pages);
}

/* ---- Start-up. ---- */

static uintptr_t align_up(uintptr_t v, uintptr_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/**
 * Chooses `nr` frames for libmm's own tables from the top of the highest
 * ranges, as Xen's boot allocator takes from the top.  Fills `runs` with
 * (first, count) pairs.  Returns 0 or -ENOMEM.
 */
static int mm_take_meta(unsigned long nr, uint64_t *runs, unsigned int *nruns,
                        unsigned int max_runs)
{
    unsigned int i = hal_memmap_count();
    unsigned long done = 0;
    struct hal_mem_range r;

    *nruns = 0;
    while ( done < nr && i-- > 0 && *nruns < max_runs )
    {
        uint64_t s, e, take;

        if ( !hal_memmap_get(i, &r) )
            return -ENOMEM;
        s = r.base >> PAGE_SHIFT;
        e = s + (r.size >> PAGE_SHIFT);
        take = e - s < nr - done ? e - s : nr - done;
        runs[2 * *nruns] = e - take;
        runs[2 * *nruns + 1] = take;
        (*nruns)++;
        done += take;
    }
    return done == nr ? 0 : -ENOMEM;
}

/**
 * Maps pages [skip, skip + nr) of the frames in `runs` at `va`.  Returns 0
 * or -ENOMEM with nothing mapped.
 */
static int mm_map_meta(uintptr_t va, const uint64_t *runs, unsigned int nruns,
                       unsigned long skip, unsigned long nr)
{
    unsigned long done = 0;
    unsigned int i;
    int rc;

    for ( i = 0; i < nruns && done < nr; i++ )
    {
        uint64_t first = runs[2 * i], count = runs[2 * i + 1], take;

        if ( skip >= count )
        {
            skip -= count;
            continue;
        }
        first += skip;
        count -= skip;
        skip = 0;
        take = count < nr - done ? count : nr - done;
        rc = hal_map_frames(va + done * PAGE_SIZE, first, take,
                            HAL_MAP_RW | HAL_MAP_GLOBAL | HAL_MAP_NX);
        if ( rc )
        {
            hal_unmap_frames(va, done);
            return rc;
        }
        done += take;
    }
    return 0;
}

/** Unmaps the direct map. */
static void mm_directmap_unmap(void)
{
    struct hal_mem_range r;
    unsigned int i;

    for ( i = 0; hal_memmap_get(i, &r); i++ )
        hal_unmap_frames(mm_directmap_base + r.base, r.size >> PAGE_SHIFT);
}

/** Maps every range of the memory map at its direct-map alias. */
static int mm_directmap_map(void)
{
    struct hal_mem_range r;
    unsigned int i;
    int rc;

    for ( i = 0; hal_memmap_get(i, &r); i++ )
    {
        rc = hal_map_frames(mm_directmap_base + r.base, r.base >> PAGE_SHIFT,
                            r.size >> PAGE_SHIFT,
                            HAL_MAP_RW | HAL_MAP_GLOBAL | HAL_MAP_NX);
        if ( rc )
        {
            mm_directmap_unmap();
            return rc;
        }
    }
    return 0;
}

/** Initialises libmm; see common/subsys.h.  Errors: -EBUSY, -ENOMEM. */
int mm_init(void)
{
    struct mm_layout *l = &mm_layout_now;
    uintptr_t base, next, end;
    size_t size, ft_bytes, fv_bytes;
    uint64_t runs[16];
    unsigned int nruns, i;
    unsigned long j;
    int rc;

    if ( mm_live )
        return -EBUSY;
    memset(l, 0, sizeof(*l));
    hal_va_region(&base, &size);
    end = base + size;
    mm_region_base = base;
    mm_max_mfn = hal_memmap_max_mfn();
    if ( !mm_max_mfn || mm_max_mfn >= PAGE_LIST_NULL )
        return -ENOMEM;

    ft_bytes = align_up(mm_max_mfn * sizeof(struct page_info), PAGE_SIZE);
    fv_bytes = align_up(mm_max_mfn * sizeof(uint32_t), PAGE_SIZE);
    l->region_base = base;
    l->region_size = size;
    l->max_mfn = mm_max_mfn;
    l->frametable_base = align_up(base, MM_AREA_ALIGN);
    l->frametable_size = ft_bytes;
    l->frame_virt_base = align_up(l->frametable_base + ft_bytes +
                                  MM_AREA_ALIGN, MM_AREA_ALIGN);
    l->frame_virt_size = fv_bytes;
    l->mapcache_base = align_up(l->frame_virt_base + fv_bytes +
                                MM_AREA_ALIGN, MM_AREA_ALIGN);
    l->mapcache_size = mapcache_area_size();
    next = align_up(l->mapcache_base + l->mapcache_size + MM_AREA_ALIGN,
                    MM_AREA_ALIGN);
    if ( mm_want_directmap )
    {
        l->directmap_base = next;
        l->directmap_size = mm_max_mfn << PAGE_SHIFT;
        next = align_up(next + l->directmap_size + MM_AREA_ALIGN,
                        MM_AREA_ALIGN);
    }
    l->vmap_base = next;
    if ( next >= end || end - next < MM_VMAP_MIN )
        return -ENOMEM;
    l->vmap_size = (end - next) & ~(MM_AREA_ALIGN - 1);
    if ( l->vmap_size > (32UL << 30) )
        l->vmap_size = 32UL << 30;

    /* The frame table and the side array, from the top of memory. */
    rc = mm_take_meta((ft_bytes + fv_bytes) >> PAGE_SHIFT, runs, &nruns, 8);
    if ( rc )
        return rc;
    rc = mm_map_meta(l->frametable_base, runs, nruns, 0,
                     ft_bytes >> PAGE_SHIFT);
    if ( rc )
        return rc;
    rc = mm_map_meta(l->frame_virt_base, runs, nruns, ft_bytes >> PAGE_SHIFT,
                     fv_bytes >> PAGE_SHIFT);
    if ( rc )
    {
        hal_unmap_frames(l->frametable_base, ft_bytes >> PAGE_SHIFT);
        return rc;
    }
    frame_table = (struct page_info *)l->frametable_base;
    frame_virt = (uint32_t *)l->frame_virt_base;
    memset(frame_virt, 0, fv_bytes);
    for ( j = 0; j < mm_max_mfn; j++ )
    {
        frame_table[j].count_info = PGC_state_reserved;
        frame_table[j].list.next = frame_table[j].list.prev = PAGE_LIST_NULL;
        frame_table[j].u.type_info = 0;
        frame_table[j].v.owner = 0;
        frame_table[j].tlbflush_timestamp = 0;
    }
    /* Our own frames: reserved with a count, so the heap leaves them out. */
    for ( i = 0; i < nruns; i++ )
    {
        uint64_t k;

        for ( k = 0; k < runs[2 * i + 1]; k++ )
            frame_table[runs[2 * i] + k].count_info = PGC_state_reserved | 1;
    }
    mm_ft_mapped = true;
    mm_pt_pages = 0;

    rc = heap_init();
    if ( rc )
        goto fail_ft;
    tlbflush_init();
    deferred_init();
    hal_map_set_pt_provider(&mm_pt_provider);

    rc = mapcache_init(l->mapcache_base);
    if ( rc )
        goto fail_pt;
    mm_directmap = false;
    if ( mm_want_directmap )
    {
        mm_directmap_base = l->directmap_base;
        rc = mm_directmap_map();
        if ( rc )
            goto fail_mc;
        mm_directmap = true;
    }
    rc = vmap_init(l->vmap_base, l->vmap_size);
    if ( rc )
        goto fail_dm;
    xmalloc_init();
    mm_live = true;
    return 0;

 fail_dm:
    if ( mm_directmap )
        mm_directmap_unmap();
    mm_directmap = false;
 fail_mc:
    mapcache_fini();
 fail_pt:
    hal_map_set_pt_provider(NULL);
    tlbflush_fini();
 fail_ft:
    mm_ft_mapped = false;
    hal_unmap_frames(l->frametable_base, ft_bytes >> PAGE_SHIFT);
    hal_unmap_frames(l->frame_virt_base, fv_bytes >> PAGE_SHIFT);
    frame_table = NULL;
    frame_virt = NULL;
    heap_fini();
    return rc;
}

/** Tears libmm down; see common/subsys.h. */
void mm_fini(void)
{
    struct mm_layout *l = &mm_layout_now;
    unsigned int i;

    if ( !mm_live )
        return;
    xmalloc_fini();
    for ( i = 0; i < MM_MAX_OWNERS; i++ )
        mm_owners[i] = NULL;
    mm_owner_top = 0;
    deferred_fini();
    vmap_fini();
    if ( mm_directmap )
        mm_directmap_unmap();
    mm_directmap = false;
    mapcache_fini();
    hal_map_set_pt_provider(NULL);
    tlbflush_fini();
    mm_ft_mapped = false;
    hal_unmap_frames(l->frametable_base, l->frametable_size >> PAGE_SHIFT);
    hal_unmap_frames(l->frame_virt_base, l->frame_virt_size >> PAGE_SHIFT);
    frame_table = NULL;
    frame_virt = NULL;
    heap_fini();
    mm_live = false;
    memset(l, 0, sizeof(*l));
    /* A choice made with mm_config_directmap lasts one world. */
    mm_want_directmap = HVCORE_DIRECTMAP_FULL;
}
