/* SPDX-License-Identifier: MIT */
/*
 * vmap: the virtual-range allocator (reference/mm.md §6).
 *
 * The range is a run of `vm_end` virtual pages.  Its first pages hold the
 * allocator's own metadata, reached through the range itself:
 *   - the in-use bitmap, one bit per page of the range;
 *   - the frame array, one 64-bit entry per page: the frame mapped there,
 *     the kind of area it belongs to, and a present bit.
 * Only the part covering [0, vm_top) is backed by pages; the allocator
 * grows it a frame-array page (VM_UNIT virtual pages) at a time when no
 * room is left below vm_top, allocating the pages outside `vm_lock`.
 *
 * An area is a run of set bits preceded and followed by a clear bit: the
 * clear bit after an area is its guard page, which is never mapped, so an
 * overrun faults.  An address names an area only if its bit is set and the
 * bit before it is clear, and the area's kind must match the free call, so a
 * vunmap/vfree of anything else is refused and counted.
 *
 * Locks: `vm_grow_lock` -> `vm_lock`.  `vm_lock` is a leaf, never held
 * across page allocation or the HAL's mapping calls; `vm_grow_lock` is
 * held across them while the metadata grows (the heap and the page-table
 * provider never come back to vmap).
 */
#include <common/string.h>

#include "mm_private.h"

#define VM_MAX_PAGES (8UL << 20)       /* 32 GiB of address space */
#define VM_UNIT 512UL                  /* pages covered by a frame-array page */
#define VM_BITS_PER_PAGE (PAGE_SIZE * 8)

#define VME_PRESENT (1ULL << 63)
#define VME_KIND_SHIFT 56
#define VME_KIND_MASK (0x7fULL << VME_KIND_SHIFT)
#define VME_MFN_MASK ((1ULL << VME_KIND_SHIFT) - 1)

enum vm_kind {
    VM_KIND_META = 1,    /* the allocator's own pages */
    VM_KIND_MAP = 2,     /* vmap, vmap_contig, map_domain_page_global */
    VM_KIND_ALLOC = 3,   /* vmalloc, vzalloc: owns its pages */
    VM_KIND_XENHEAP = 4, /* alloc_xenheap_pages */
};

static hal_spinlock_t vm_lock = HAL_SPINLOCK_INIT;
static hal_spinlock_t vm_grow_lock = HAL_SPINLOCK_INIT; /* one grower */
static uintptr_t vm_base;
static unsigned long vm_end;     /* pages in the range */
static unsigned long vm_top;     /* pages whose metadata is backed */
static unsigned long vm_low;     /* no clear bit below this */
static unsigned long vm_meta;    /* pages of metadata at the start */
static unsigned long vm_meta_pages; /* frames backing metadata now */
static unsigned long vm_used;    /* pages in areas, guards included */
static uint64_t vm_refused;
static uint64_t *vm_bitmap;      /* at vm_base */
static uint64_t *vm_frames;      /* after the bitmap */

static bool vm_test(unsigned long i)
{
    return vm_bitmap[i / 64] & (1ULL << (i % 64));
}

static void vm_set(unsigned long s, unsigned long n, bool on)
{
    for ( ; n; s++, n-- )
    {
        if ( on )
            vm_bitmap[s / 64] |= 1ULL << (s % 64);
        else
            vm_bitmap[s / 64] &= ~(1ULL << (s % 64));
    }
}

/** First index in [i, lim) whose bit equals `val`, or `lim`. */
static unsigned long vm_find(unsigned long i, unsigned long lim, bool val)
{
    while ( i < lim )
    {
        uint64_t w = vm_bitmap[i / 64];

        if ( !val )
            w = ~w;
        w &= ~0ULL << (i % 64);
        if ( w )
        {
            i = (i & ~63UL) + (unsigned long)__builtin_ctzll(w);
            return i < lim ? i : lim;
        }
        i = (i & ~63UL) + 64;
    }
    return lim;
}

static uintptr_t vm_va(unsigned long i)
{
    return vm_base + (i << PAGE_SHIFT);
}

/** Metadata page `k` (bitmap pages first, then frame-array pages). */
static unsigned long vm_bitmap_pages(void)
{
    return (vm_end + VM_BITS_PER_PAGE - 1) / VM_BITS_PER_PAGE;
}

/**
 * Maps a fresh page at metadata index `idx` and clears it.  Called with no
 * lock held; the caller makes the result visible under `vm_lock`.  Returns
 * 0 or -ENOMEM.
 */
static int vm_meta_page(unsigned long idx, struct page_info **out)
{
    struct page_info *pg = alloc_domheap_page(NULL, MEMF_no_scrub);
    int rc;

    if ( !pg )
        return -ENOMEM;
    rc = hal_map_frames(vm_va(idx), mfn_x(page_to_mfn(pg)), 1,
                        HAL_MAP_RW | HAL_MAP_GLOBAL | HAL_MAP_NX);
    if ( rc )
    {
        free_domheap_page(pg);
        return rc;
    }
    pg->u.type_info = PGT_vmap_meta;
    memset((void *)vm_va(idx), 0, PAGE_SIZE);
    hal_fetch_add(&vm_meta_pages, 1);
    *out = pg;
    return 0;
}

static void vm_meta_page_free(unsigned long idx, struct page_info *pg)
{
    hal_unmap_frames(vm_va(idx), 1);
    pg->u.type_info = 0;
    free_domheap_page(pg);
    hal_fetch_sub(&vm_meta_pages, 1);
}

/**
 * Backs one more unit of the range: its frame-array page and, at a bitmap
 * page boundary, a bitmap page.  Returns 0, -ENOSPC at the end of the range,
 * or -ENOMEM.  Growers are serialised by `vm_grow_lock` (two would map the
 * same metadata address); `vm_lock` is taken only to publish the new top.
 * The caller holds neither.
 */
static int vm_grow(unsigned long seen_top)
{
    struct page_info *fp = NULL, *bp = NULL;
    unsigned long top, fidx, bidx;
    int rc = 0;

    hal_spin_lock(&vm_grow_lock);
    top = hal_read_once(&vm_top);
    if ( top != seen_top )
        goto out;       /* someone grew it meanwhile: look again */
    rc = -ENOSPC;
    if ( top >= vm_end )
        goto out;
    fidx = vm_bitmap_pages() + top / VM_UNIT;
    bidx = top / VM_BITS_PER_PAGE;
    rc = vm_meta_page(fidx, &fp);
    if ( rc )
        goto out;
    if ( top % VM_BITS_PER_PAGE == 0 )
    {
        rc = vm_meta_page(bidx, &bp);
        if ( rc )
        {
            vm_meta_page_free(fidx, fp);
            goto out;
        }
    }

    hal_spin_lock(&vm_lock);
    vm_frames[fidx] = VME_PRESENT |
                      ((uint64_t)VM_KIND_META << VME_KIND_SHIFT) |
                      mfn_x(page_to_mfn(fp));
    if ( bp )
        vm_frames[bidx] = VME_PRESENT |
                          ((uint64_t)VM_KIND_META << VME_KIND_SHIFT) |
                          mfn_x(page_to_mfn(bp));
    hal_write_once(&vm_top, top + VM_UNIT > vm_end ? vm_end : top + VM_UNIT);
    hal_spin_unlock(&vm_lock);
 out:
    hal_spin_unlock(&vm_grow_lock);
    return rc;
}

/**
 * Reserves `nr` pages plus a guard page.  Returns the first index or 0
 * (index 0 is always metadata) when out of address space or memory.
 */
static unsigned long vm_alloc(unsigned int nr)
{
    unsigned long start, next;

    if ( !nr || nr > vm_end || hal_fault_hit(HAL_FAULT_VMAP) )
        return 0;
    for ( ;; )
    {
        unsigned long top;

        hal_spin_lock(&vm_lock);
        top = vm_top;
        start = vm_find(vm_low, vm_top, false);
        vm_low = start;
        while ( start < vm_top )
        {
            /* `start` is clear: it is the guard before the new area. */
            next = vm_find(start + 1, vm_top, true);
            if ( next - (start + 1) >= (unsigned long)nr + 1 ||
                 (next == vm_top && next - (start + 1) >= nr &&
                  vm_top == vm_end) )
            {
                start++;
                vm_set(start, nr, true);
                vm_used += nr + 1;
                hal_spin_unlock(&vm_lock);
                return start;
            }
            start = vm_find(next, vm_top, false);
        }
        hal_spin_unlock(&vm_lock);
        if ( vm_grow(top) )
            return 0;
    }
}

/** Releases the area at `s` of `nr` pages (its entries already cleared). */
static void vm_release(unsigned long s, unsigned long nr)
{
    hal_spin_lock(&vm_lock);
    vm_set(s, nr, false);
    vm_used -= nr + 1;
    if ( s - 1 < vm_low )
        vm_low = s - 1;
    hal_spin_unlock(&vm_lock);
}

/**
 * Finds the area starting at `va` of kind `kind`; returns its first index
 * and size, or 0.  Called with `vm_lock` held.
 */
static unsigned long vm_lookup(const void *va, enum vm_kind kind,
                               unsigned long *nr)
{
    uintptr_t a = (uintptr_t)va;
    unsigned long i;

    if ( a < vm_base || (a & (PAGE_SIZE - 1)) )
        return 0;
    i = (a - vm_base) >> PAGE_SHIFT;
    if ( i <= vm_meta || i >= vm_top || !vm_test(i) || vm_test(i - 1) )
        return 0;
    if ( ((vm_frames[i] & VME_KIND_MASK) >> VME_KIND_SHIFT) != kind )
        return 0;
    *nr = vm_find(i, vm_top, false) - i;
    return i;
}

/** Maps frames at a reserved area, recording them.  0 or -ENOMEM. */
static int vm_map_area(unsigned long s, const mfn_t *mfns, mfn_t first,
                       unsigned int nr, enum vm_kind kind)
{
    unsigned int i = 0, run;
    int rc;

    while ( i < nr )
    {
        uint64_t m = mfns ? mfn_x(mfns[i]) : mfn_x(first) + i;

        for ( run = 1; i + run < nr; run++ )
            if ( (mfns ? mfn_x(mfns[i + run]) : mfn_x(first) + i + run) !=
                 m + run )
                break;
        rc = hal_map_frames(vm_va(s + i), m, run,
                            HAL_MAP_RW | HAL_MAP_GLOBAL | HAL_MAP_NX);
        if ( rc )
        {
            hal_unmap_frames(vm_va(s), i);
            for ( run = 0; run < i; run++ )
                hal_write_once(&vm_frames[s + run], 0);
            return rc;
        }
        for ( ; run; run--, i++, m++ )
            hal_write_once(&vm_frames[s + i],
                           VME_PRESENT |
                               ((uint64_t)kind << VME_KIND_SHIFT) | m);
    }
    return 0;
}

/** Unmaps an area's pages and clears its entries; flushes every CPU. */
static void vm_unmap_area(unsigned long s, unsigned long nr)
{
    unsigned long i;

    hal_unmap_frames(vm_va(s), nr);
    hal_tlb_flush_range(hal_cpu_all_mask(), vm_va(s), nr);
    for ( i = 0; i < nr; i++ )
        hal_write_once(&vm_frames[s + i], 0);
}

/** Maps frames as an area of `kind`.  NULL on failure, nothing kept. */
static void *vmap_kind(const mfn_t *mfns, mfn_t first, unsigned int nr,
                       enum vm_kind kind)
{
    unsigned long s = vm_alloc(nr);

    if ( !s )
        return NULL;
    if ( vm_map_area(s, mfns, first, nr, kind) )
    {
        vm_release(s, nr);
        return NULL;
    }
    return (void *)vm_va(s);
}

/**
 * Removes an area of `kind` at `va`: validates under the lock, unmaps,
 * releases the range.  Returns its size, or 0 (refused) if `va` does not
 * start an area of that kind.
 */
static unsigned long vunmap_kind(const void *va, enum vm_kind kind)
{
    unsigned long s, nr = 0;

    hal_spin_lock(&vm_lock);
    s = vm_lookup(va, kind, &nr);
    if ( s )
    {
        /* Mark it as going, so a racing second free is refused. */
        vm_frames[s] &= ~VME_KIND_MASK;
    }
    hal_spin_unlock(&vm_lock);
    if ( !s )
    {
        hal_fetch_add(&vm_refused, 1);
        return 0;
    }
    vm_unmap_area(s, nr);
    vm_release(s, nr);
    return nr;
}

/* ---- The public calls. ---- */

/** See vmap.h. */
void *vmap(const mfn_t *mfn, unsigned int nr)
{
    return vmap_kind(mfn, INVALID_MFN, nr, VM_KIND_MAP);
}

/** See vmap.h. */
void *vmap_contig(mfn_t mfn, unsigned int nr)
{
    return vmap_kind(NULL, mfn, nr, VM_KIND_MAP);
}

/** See vmap.h. */
void vunmap(const void *va)
{
    vunmap_kind(va, VM_KIND_MAP);
}

/** See mm_private.h: maps xenheap pages. */
void *vmap_xenheap(mfn_t first, unsigned int nr)
{
    return vmap_kind(NULL, first, nr, VM_KIND_XENHEAP);
}

/** See mm_private.h: unmaps xenheap pages; returns the size or 0. */
unsigned long vunmap_xenheap(const void *va)
{
    return vunmap_kind(va, VM_KIND_XENHEAP);
}

/** See vmap.h. */
void *vmalloc(size_t size)
{
    unsigned long nr = (size + PAGE_SIZE - 1) >> PAGE_SHIFT, s, i;
    struct page_info *pg;

    if ( !size || nr > vm_end )
        return NULL;
    s = vm_alloc((unsigned int)nr);
    if ( !s )
        return NULL;
    for ( i = 0; i < nr; i++ )
    {
        pg = alloc_domheap_page(NULL, 0);
        if ( !pg )
            goto fail;
        pg->u.type_info = PGT_vmalloc;
        if ( vm_map_area(s + i, NULL, page_to_mfn(pg), 1, VM_KIND_ALLOC) )
        {
            pg->u.type_info = 0;
            free_domheap_page(pg);
            goto fail;
        }
    }
    return (void *)vm_va(s);

 fail:
    while ( i-- )
    {
        pg = mfn_to_page(_mfn(vm_frames[s + i] & VME_MFN_MASK));
        vm_unmap_area(s + i, 1);
        pg->u.type_info = 0;
        free_domheap_page(pg);
    }
    vm_release(s, nr);
    return NULL;
}

/** See vmap.h. */
void *vzalloc(size_t size)
{
    void *p = vmalloc(size);

    if ( p )
        memset(p, 0, ((size + PAGE_SIZE - 1) >> PAGE_SHIFT) << PAGE_SHIFT);
    return p;
}

/** See vmap.h. */
void vfree(void *va)
{
    unsigned long s, nr = 0, i;
    struct page_info *pg;

    if ( !va )
        return;
    hal_spin_lock(&vm_lock);
    s = vm_lookup(va, VM_KIND_ALLOC, &nr);
    if ( s )
        vm_frames[s] &= ~VME_KIND_MASK;
    hal_spin_unlock(&vm_lock);
    if ( !s )
    {
        hal_fetch_add(&vm_refused, 1);
        return;
    }
    hal_unmap_frames(vm_va(s), nr);
    hal_tlb_flush_range(hal_cpu_all_mask(), vm_va(s), nr);
    for ( i = 0; i < nr; i++ )
    {
        pg = mfn_to_page(_mfn(vm_frames[s + i] & VME_MFN_MASK));
        hal_write_once(&vm_frames[s + i], 0);
        pg->u.type_info = 0;
        free_domheap_page(pg);
    }
    vm_release(s, nr);
}

/** See vmap.h. */
unsigned int vmap_size(const void *va)
{
    unsigned long s, nr = 0;
    uintptr_t a = (uintptr_t)va;
    enum vm_kind k;

    hal_spin_lock(&vm_lock);
    s = 0;
    if ( a >= vm_base && a < vm_va(vm_top) && !(a & (PAGE_SIZE - 1)) )
    {
        unsigned long i = (a - vm_base) >> PAGE_SHIFT;

        k = (enum vm_kind)((vm_frames[i] & VME_KIND_MASK) >> VME_KIND_SHIFT);
        if ( k != VM_KIND_META )
            s = vm_lookup(va, k, &nr);
    }
    hal_spin_unlock(&vm_lock);
    return s ? (unsigned int)nr : 0;
}

/** See vmap.h. */
mfn_t vmap_to_mfn(const void *va)
{
    uintptr_t a = (uintptr_t)va;
    unsigned long i;
    uint64_t e;

    if ( a < vm_base || a >= vm_va(hal_read_once(&vm_top)) )
        return INVALID_MFN;
    i = (a - vm_base) >> PAGE_SHIFT;
    e = hal_read_once(&vm_frames[i]);
    return (e & VME_PRESENT) ? _mfn(e & VME_MFN_MASK) : INVALID_MFN;
}

/** See vmap.h. */
void vmap_extent(unsigned long *total, unsigned long *backed)
{
    *total = vm_end;
    *backed = hal_read_once(&vm_top);
}

unsigned long vmap_pages_in_use(void)
{
    return hal_read_once(&vm_used);
}

unsigned long vmap_meta_frames(void)
{
    return hal_read_once(&vm_meta_pages);
}

uint64_t vmap_refused_count(void)
{
    return hal_read_once(&vm_refused);
}

void vmap_refused_inc(void)
{
    hal_fetch_add(&vm_refused, 1);
}

/**
 * Sets up the range at `base` of `size` bytes: backs the metadata's own
 * part of the range and marks it in use.  Returns 0 or -ENOMEM (nothing
 * kept).
 */
int vmap_init(uintptr_t base, size_t size)
{
    unsigned long farr;
    int rc;

    hal_spin_init(&vm_lock);
    vm_base = base;
    vm_end = size >> PAGE_SHIFT;
    if ( vm_end > VM_MAX_PAGES )
        vm_end = VM_MAX_PAGES;
    vm_bitmap = (uint64_t *)base;
    vm_frames = (uint64_t *)(base + vm_bitmap_pages() * PAGE_SIZE);
    farr = (vm_end * sizeof(uint64_t) + PAGE_SIZE - 1) >> PAGE_SHIFT;
    vm_meta = vm_bitmap_pages() + farr;
    vm_top = vm_low = vm_used = 0;
    vm_refused = 0;
    BUG_ON(vm_meta + 2 > VM_BITS_PER_PAGE || vm_meta + VM_UNIT > vm_end);

    hal_spin_init(&vm_grow_lock);
    while ( vm_top <= vm_meta )
    {
        rc = vm_grow(vm_top);
        if ( rc )
        {
            vmap_fini();
            return rc;
        }
    }
    vm_set(0, vm_meta, true);
    vm_used = vm_meta + 1;
    vm_low = vm_meta;
    return 0;
}

/**
 * Unmaps every area and the metadata, returning the metadata pages (and
 * vmalloc pages) to the heap.  Areas still live are the caller's leak; their
 * mappings go regardless.
 */
void vmap_fini(void)
{
    unsigned long i, top = vm_top, nb = vm_bitmap_pages(), units;
    uint64_t low[VM_MAX_PAGES / VM_BITS_PER_PAGE + 1];
    uint64_t e;

    if ( !vm_bitmap || !top )
        goto out;
    /* Areas first: their frames are recorded in the metadata. */
    for ( i = vm_meta + 1; i < top; i++ )
    {
        e = vm_frames[i];
        if ( !(e & VME_PRESENT) )
            continue;
        hal_unmap_frames(vm_va(i), 1);
        if ( ((e & VME_KIND_MASK) >> VME_KIND_SHIFT) == VM_KIND_ALLOC )
        {
            struct page_info *pg = mfn_to_page(_mfn(e & VME_MFN_MASK));

            pg->u.type_info = 0;
            free_domheap_page(pg);
        }
        vm_frames[i] = 0;
    }
    /* The entries of the bitmap pages and of frame-array page 0 live in
     * frame-array page 0: read them before anything goes. */
    for ( i = 0; i <= nb; i++ )
        low[i] = vm_frames[i];
    units = (top + VM_UNIT - 1) / VM_UNIT;
    for ( i = units; i-- > 1; )
    {
        e = vm_frames[nb + i];
        if ( e & VME_PRESENT )
            vm_meta_page_free(nb + i, mfn_to_page(_mfn(e & VME_MFN_MASK)));
    }
    for ( i = nb + 1; i-- > 0; )
        if ( low[i] & VME_PRESENT )
            vm_meta_page_free(i, mfn_to_page(_mfn(low[i] & VME_MFN_MASK)));
 out:
    vm_bitmap = NULL;
    vm_frames = NULL;
    vm_top = vm_end = vm_used = 0;
}
