/* SPDX-License-Identifier: MIT */
/*
 * The buddy heap: one heap for the xenheap and the domain heap (seed 004
 * constraint 1), after Xen's xen/common/page_alloc.c (reference/mm.md §2).
 *
 * Free chunks of 2^order frames, naturally aligned, sit on a list per
 * (zone, order); a frame's zone is the position of its top bit, so zones are
 * power-of-two aligned, an aligned chunk never spans two, and `MEMF_bits(n)`
 * becomes "zones 1..n-12".  Allocation scans from the highest allowed zone
 * down and takes the smallest order that fits, splitting off lower halves;
 * freeing merges with the buddy while it is a free chunk of the same order.
 * Only a chunk's head page carries its order and its scrub/flush state, so
 * splitting and merging cost per level, not per page.
 *
 * In front of the heap lock each CPU keeps up to PCP_HIGH order-0 pages and
 * moves PCP_BATCH at a time to or from the buddy lists.
 *
 * Scrubbing: a page that held someone's data (any page freed after use) is
 * marked PGC_need_scrub and cleared through map_domain_page when it is next
 * allocated, outside the heap lock, by the allocating CPU; an idle CPU may
 * clear free pages ahead of time with mm_scrub_free_pages.  No data crosses
 * users through the heap.
 *
 * TLB: a page freed while it may still be mapped is stamped with the clock;
 * its next allocation flushes only the CPUs that have not flushed since.
 *
 * Locks: pcp[cpu].lock -> heap_lock.  Per-domain `page_lock` is never held
 * while taking either.  Nothing here calls the HAL's mapping code with the
 * heap lock held except through map_domain_page, whose slots never need a
 * page-table page (domain_page.c).
 */
#include <common/string.h>

#include "mm_private.h"

#define NR_ZONES 41 /* frame numbers below 2^40 (52-bit machine addresses) */
#define PCP_HIGH 64U
#define PCP_BATCH 16U
/* u.free.where of a chunk an idle scrubber holds (after page.h's values). */
#define PAGE_FREE_SCRUBBING 3

static hal_spinlock_t heap_lock = HAL_SPINLOCK_INIT;
static struct page_list_head heap[NR_ZONES][MAX_ORDER + 1];
static uint32_t heap_orders[NR_ZONES]; /* bit o: heap[z][o] not empty */
/* Free chunks off the lists while an idle scrubber clears them. */
static struct page_list_head heap_scrubbing = PAGE_LIST_HEAD_INIT;
static uint64_t heap_total_pages;
static uint64_t heap_free_pages;   /* buddy lists and scrubbing */
static uint64_t heap_dirty_pages;  /* of which marked for scrubbing */

static uint64_t heap_scrubbed;     /* atomic */
static uint64_t heap_flushes;      /* atomic */
static bool pcp_on = true;

static struct pcp {
    hal_spinlock_t lock;
    struct page_list_head list;
    unsigned int count;                /* pages cached */
    unsigned int dirty;                /* of which marked for scrubbing */
    int64_t anon;                      /* anonymous pages counted here */
} __aligned(64) pcp[HAL_MAX_CPUS];

static unsigned int page_zone(const struct page_info *pg)
{
    uint64_t m = mfn_x(page_to_mfn(pg));

    return 64 - (unsigned int)__builtin_clzll(m);
}

/**
 * Counts anonymous in-use pages, in the calling CPU's own counter (written
 * only by that CPU, so no atomic operation); the total is the sum.
 */
void heap_anon_add(long delta)
{
    int64_t *c = &pcp[hal_cpu_id()].anon;

    hal_write_once(c, hal_read_once(c) + delta);
}

static uint64_t heap_anon_pages(void)
{
    int64_t sum = 0;
    unsigned int cpu;

    for ( cpu = 0; cpu < HAL_MAX_CPUS; cpu++ )
        sum += hal_read_once(&pcp[cpu].anon);
    return (uint64_t)sum;
}

/* ---- Chunks on the buddy lists (heap_lock held). ---- */

static void chunk_insert(struct page_info *head, unsigned int order)
{
    struct page_list_head *l = &heap[page_zone(head)][order];

    head->v.free_order = order;
    head->u.free.where = PAGE_FREE_BUDDY;
    heap_orders[page_zone(head)] |= 1U << order;
    /* Clean chunks at the head, dirty at the tail, as Xen keeps them. */
    if ( head->u.free.dirty )
        page_list_add_tail(head, l);
    else
        page_list_add(head, l);
}

static void chunk_remove(struct page_info *head, unsigned int order)
{
    unsigned int zone = page_zone(head);

    page_list_del(head, &heap[zone][order]);
    if ( page_list_empty(&heap[zone][order]) )
        heap_orders[zone] &= ~(1U << order);
    head->u.free.where = 0;
}

/**
 * Merges the free chunk at `pg` of `order` with its buddies and puts the
 * result on its list.  `pg` carries its chunk state in `u.free`.
 */
static void buddy_free(struct page_info *pg, unsigned int order)
{
    uint64_t m = mfn_x(page_to_mfn(pg));
    unsigned int zone = page_zone(pg);

    while ( order < MAX_ORDER )
    {
        uint64_t bm = m ^ (1ULL << order);
        struct page_info *b;

        if ( bm >= mm_max_mfn || bm == 0 )
            break;
        b = frame_table + bm;
        if ( page_state(b) != PGC_state_free ||
             b->u.free.where != PAGE_FREE_BUDDY ||
             b->v.free_order != order || page_zone(b) != zone )
            break;
        chunk_remove(b, order);
        /* The merged chunk keeps the newest stamp and any dirtiness. */
        if ( b->u.free.need_tlbflush )
        {
            pg->tlbflush_timestamp = pg->u.free.need_tlbflush
                ? tlbflush_newer(pg->tlbflush_timestamp,
                                 b->tlbflush_timestamp)
                : b->tlbflush_timestamp;
            pg->u.free.need_tlbflush = 1;
        }
        pg->u.free.dirty |= b->u.free.dirty;
        if ( bm < m )
        {
            b->u.free = pg->u.free;
            b->tlbflush_timestamp = pg->tlbflush_timestamp;
            pg->u.free.where = 0;
            pg = b;
            m = bm;
        }
        else
            b->u.free.where = 0;
        order++;
    }
    chunk_insert(pg, order);
}

/**
 * Takes a chunk of `order` from zones `zone_hi` down to 1, splitting a
 * larger one; returns its head (still marked free) or NULL.
 */
static struct page_info *buddy_take(unsigned int order, unsigned int zone_hi)
{
    unsigned int zone, j;
    struct page_info *pg = NULL;

    for ( zone = zone_hi; zone >= 1; zone-- )
    {
        uint32_t orders = heap_orders[zone] & (~0U << order);

        if ( orders )
        {
            j = (unsigned int)__builtin_ctz(orders);
            pg = page_list_first(&heap[zone][j]);
            break;
        }
    }
    if ( !pg )
        return NULL;

    chunk_remove(pg, j);
    /* Keep the upper half, give back the lower, as Xen does. */
    while ( j > order )
    {
        struct page_info *hi;

        j--;
        hi = pg + (1UL << j);
        hi->u.free = pg->u.free;
        hi->tlbflush_timestamp = pg->tlbflush_timestamp;
        chunk_insert(pg, j);
        pg = hi;
    }
    pg->u.free.where = 0;
    return pg;
}

/* ---- Per-CPU order-0 cache. ---- */

/** Moves up to `n` pages of `p` to the buddy lists (both locks held). */
static void pcp_release(struct pcp *p, unsigned int n)
{
    struct page_info *pg;

    while ( n-- && (pg = page_list_remove_head(&p->list)) )
    {
        p->count--;
        if ( pg->count_info & PGC_need_scrub )
        {
            p->dirty--;
            heap_dirty_pages++;
        }
        heap_free_pages++;
        pg->u.free.where = 0;
        buddy_free(pg, 0);
    }
}

/** Returns every cached page to the buddy lists. */
void heap_pcp_drain_all(void)
{
    unsigned int cpu;

    for ( cpu = 0; cpu < HAL_MAX_CPUS; cpu++ )
    {
        hal_spin_lock(&pcp[cpu].lock);
        hal_spin_lock(&heap_lock);
        pcp_release(&pcp[cpu], pcp[cpu].count);
        hal_spin_unlock(&heap_lock);
        hal_spin_unlock(&pcp[cpu].lock);
    }
}

/** Turns the cache on or off. */
void mm_pcp_set(bool on)
{
    hal_write_once(&pcp_on, on);
    if ( !on )
        heap_pcp_drain_all();
}

/**
 * Takes an order-0 page from this CPU's cache, refilling it from the buddy
 * lists first if it is empty.  The page is still marked free.
 */
static struct page_info *pcp_take(void)
{
    struct pcp *p = &pcp[hal_cpu_id()];
    struct page_info *pg;
    unsigned int i;

    hal_spin_lock(&p->lock);
    if ( !p->count )
    {
        hal_spin_lock(&heap_lock);
        for ( i = 0; i < PCP_BATCH; i++ )
        {
            pg = buddy_take(0, NR_ZONES - 1);
            if ( !pg )
                break;
            heap_free_pages--;
            if ( pg->count_info & PGC_need_scrub )
            {
                heap_dirty_pages--;
                p->dirty++;
            }
            pg->u.free.where = PAGE_FREE_PCP;
            pg->v.free_order = 0;
            page_list_add_tail(pg, &p->list);
            p->count++;
        }
        hal_spin_unlock(&heap_lock);
    }
    pg = page_list_remove_head(&p->list);
    if ( pg )
    {
        p->count--;
        if ( pg->count_info & PGC_need_scrub )
            p->dirty--;
        pg->u.free.where = 0;
    }
    hal_spin_unlock(&p->lock);
    return pg;
}

/* ---- Allocation and freeing. ---- */

/** Clears one frame through a temporary mapping. */
void scrub_one_page(struct page_info *pg)
{
    void *p = map_domain_page(page_to_mfn(pg));

    memset(p, 0, PAGE_SIZE);
    unmap_domain_page(p);
    hal_fetch_add(&heap_scrubbed, 1);
}

/** Marks 2^order free pages in use (anonymous, count 0); returns dirty ones. */
static unsigned long pages_set_inuse(struct page_info *pg, unsigned long n)
{
    unsigned long i, ndirty = 0;

    for ( i = 0; i < n; i++ )
    {
        struct page_info *p = pg + i;

        BUG_ON(page_state(p) != PGC_state_free);
        p->count_info &= PGC_need_scrub;
        ndirty += p->count_info != 0;
        p->u.type_info = 0;
        p->v.owner = 0;
        p->list.next = p->list.prev = PAGE_LIST_NULL;
    }
    return ndirty;
}

/** See mm_private.h. */
struct page_info *alloc_heap_pages(unsigned int order, unsigned int memflags)
{
    unsigned int bits = memflags >> MEMF_bits_shift;
    unsigned int zone_hi = NR_ZONES - 1;
    struct page_info *pg;
    bool flush, dirty, retried = false;
    uint32_t stamp;
    unsigned long i, n = 1UL << order, ndirty;

    if ( order > MAX_ORDER )
        return NULL;
    if ( bits )
    {
        if ( bits <= PAGE_SHIFT )
            return NULL;
        if ( bits - PAGE_SHIFT < zone_hi )
            zone_hi = bits - PAGE_SHIFT;
    }
    if ( hal_fault_hit(HAL_FAULT_HEAP) )
        return NULL;

 again:
    pg = NULL;
    if ( order == 0 && zone_hi == NR_ZONES - 1 && hal_read_once(&pcp_on) )
    {
        pg = pcp_take();
        if ( pg )
        {
            /* One page: pages_set_inuse and the scrub, without loops. */
            uint64_t c = pg->count_info;

            BUG_ON((c & PGC_state_mask) != PGC_state_free);
            flush = pg->u.free.need_tlbflush;
            stamp = pg->tlbflush_timestamp;
            pg->u.type_info = 0;
            pg->v.owner = 0;
            pg->list.next = pg->list.prev = PAGE_LIST_NULL;
            pg->count_info = PGC_state_inuse; /* count 0, scrubbed below */
            if ( (c & PGC_need_scrub) && !(memflags & MEMF_no_scrub) )
                scrub_one_page(pg);
            goto flush;
        }
    }
    hal_spin_lock(&heap_lock);
    pg = buddy_take(order, zone_hi);
    if ( !pg )
    {
        hal_spin_unlock(&heap_lock);
        /* Memory pressure: pages waiting for a flush are worth one, and
         * cached order-0 pages may complete a larger chunk. */
        if ( !retried )
        {
            retried = true;
            if ( deferred_count() )
                deferred_drain(true);
            heap_pcp_drain_all();
            goto again;
        }
        return NULL;
    }
    heap_free_pages -= n;
    flush = pg->u.free.need_tlbflush;
    stamp = pg->tlbflush_timestamp;
    dirty = pg->u.free.dirty;
    ndirty = pages_set_inuse(pg, n);
    heap_dirty_pages -= ndirty;
    hal_spin_unlock(&heap_lock);

    if ( dirty && ndirty )
        for ( i = 0; i < n; i++ )
            if ( pg[i].count_info & PGC_need_scrub )
            {
                if ( !(memflags & MEMF_no_scrub) )
                    scrub_one_page(pg + i);
                pg[i].count_info &= ~PGC_need_scrub;
            }

 flush:
    if ( flush && !(memflags & MEMF_no_tlbflush) &&
         tlbflush_filter_mask(hal_cpu_all_mask(), stamp) )
    {
        filtered_flush_tlb_mask(stamp);
        hal_fetch_add(&heap_flushes, 1);
    }
    return pg;
}

/**
 * free_heap_pages for one page into this CPU's cache: the same checks and
 * the same free state, without the chunk loop.
 */
static void pcp_put(struct page_info *pg, bool stamp, bool scrub)
{
    struct pcp *p;
    bool dirty;

    BUG_ON(page_state(pg) != PGC_state_inuse &&
           page_state(pg) != PGC_state_deferred);
    BUG_ON((pg->u.type_info & PGT_count_mask) &&
           (pg->u.type_info & PGT_type_mask) == PGT_writable_page);
    dirty = scrub || (pg->count_info & PGC_need_scrub);
    pg->count_info = PGC_state_free | (dirty ? PGC_need_scrub : 0);
    pg->u.type_info = 0;
    pg->u.free.need_tlbflush = stamp;
    pg->u.free.dirty = dirty;
    pg->u.free.where = PAGE_FREE_PCP;
    pg->v.free_order = 0;
    pg->tlbflush_timestamp = tlbflush_current_time();

    p = &pcp[hal_cpu_id()];
    hal_spin_lock(&p->lock);
    page_list_add(pg, &p->list);
    p->count++;
    p->dirty += dirty;
    if ( p->count > PCP_HIGH )
    {
        hal_spin_lock(&heap_lock);
        pcp_release(p, PCP_BATCH);
        hal_spin_unlock(&heap_lock);
    }
    hal_spin_unlock(&p->lock);
}

/** See mm_private.h. */
void free_heap_pages(struct page_info *pg, unsigned int order, bool stamp,
                     bool scrub)
{
    unsigned long i, n = 1UL << order, ndirty = 0;
    uint32_t now;

    if ( order == 0 && hal_read_once(&pcp_on) )
    {
        pcp_put(pg, stamp, scrub);
        return;
    }
    now = tlbflush_current_time();

    for ( i = 0; i < n; i++ )
    {
        struct page_info *q = pg + i;

        BUG_ON(page_state(q) != PGC_state_inuse &&
               page_state(q) != PGC_state_deferred);
        BUG_ON((q->u.type_info & PGT_count_mask) &&
               (q->u.type_info & PGT_type_mask) == PGT_writable_page);
        if ( scrub || (q->count_info & PGC_need_scrub) )
        {
            q->count_info = PGC_state_free | PGC_need_scrub;
            ndirty++;
        }
        else
            q->count_info = PGC_state_free;
        q->u.free.where = 0;
        q->u.free.need_tlbflush = 0;
        q->u.free.dirty = 0;
        q->v.free_order = 0;
    }
    pg->u.free.need_tlbflush = stamp;
    pg->tlbflush_timestamp = now;
    pg->u.free.dirty = ndirty != 0;

    hal_spin_lock(&heap_lock);
    heap_free_pages += n;
    heap_dirty_pages += ndirty;
    buddy_free(pg, order);
    hal_spin_unlock(&heap_lock);
}

/**
 * Gives the range [mfn, mfn + nr) to the heap as the largest aligned chunks.
 * Initialisation only.
 */
static void heap_add_range(uint64_t mfn, uint64_t nr)
{
    while ( nr )
    {
        unsigned int order = MAX_ORDER;
        uint64_t i;

        while ( (mfn & ((1ULL << order) - 1)) || (1ULL << order) > nr )
            order--;
        for ( i = 0; i < (1ULL << order); i++ )
        {
            struct page_info *q = frame_table + mfn + i;

            q->count_info = PGC_state_free;
            q->u.type_info = 0;
            q->v.free_order = 0;
            q->tlbflush_timestamp = 0;
        }
        hal_spin_lock(&heap_lock);
        heap_total_pages += 1ULL << order;
        heap_free_pages += 1ULL << order;
        buddy_free(frame_table + mfn, order);
        hal_spin_unlock(&heap_lock);
        mfn += 1ULL << order;
        nr -= 1ULL << order;
    }
}

/**
 * Builds the heap from the memory map, leaving out the reserved frames that
 * hold a count (mm.c took them for the frame table).  Returns 0.
 */
int heap_init(void)
{
    unsigned int z, o, i;
    struct hal_mem_range r;

    hal_spin_init(&heap_lock);
    for ( z = 0; z < NR_ZONES; z++ )
    {
        heap_orders[z] = 0;
        for ( o = 0; o <= MAX_ORDER; o++ )
            page_list_init(&heap[z][o]);
    }
    page_list_init(&heap_scrubbing);
    for ( i = 0; i < HAL_MAX_CPUS; i++ )
    {
        hal_spin_init(&pcp[i].lock);
        page_list_init(&pcp[i].list);
        pcp[i].count = pcp[i].dirty = 0;
        pcp[i].anon = 0;
    }
    heap_total_pages = heap_free_pages = heap_dirty_pages = 0;
    heap_scrubbed = heap_flushes = 0;
    pcp_on = true;

    for ( i = 0; hal_memmap_get(i, &r); i++ )
    {
        uint64_t s = r.base >> PAGE_SHIFT, e = s + (r.size >> PAGE_SHIFT);
        uint64_t run = s, m;

        /* Cut around frames mm.c reserved for its own tables. */
        for ( m = s; m <= e; m++ )
            if ( m == e || (frame_table[m].count_info & PGC_count_mask) )
            {
                if ( m > run )
                    heap_add_range(run, m - run);
                run = m + 1;
            }
    }
    return 0;
}

/** Forgets the heap (mm_fini, after everything was returned). */
void heap_fini(void)
{
    heap_total_pages = heap_free_pages = 0;
}

/** See heap.h. */
void mm_heap_shape(uint64_t chunks[MAX_ORDER + 1])
{
    unsigned int z, o;
    struct page_info *pg;

    heap_pcp_drain_all();
    hal_spin_lock(&heap_lock);
    for ( o = 0; o <= MAX_ORDER; o++ )
    {
        chunks[o] = 0;
        for ( z = 0; z < NR_ZONES; z++ )
            for ( pg = page_list_first(&heap[z][o]); pg;
                  pg = page_list_next(pg) )
                chunks[o]++;
    }
    hal_spin_unlock(&heap_lock);
}

/**
 * Takes the dirtiest-first free chunk off its buddy list onto the
 * scrubbing list, for scrubbing outside the lock; returns its head and
 * order, or NULL if no chunk is dirty.  heap_lock held.  The chunk stays
 * free and counted (free and dirty totals), so mm_check still finds it.
 */
static struct page_info *scrub_take(unsigned int *order)
{
    unsigned int z, o;

    for ( z = 1; z < NR_ZONES; z++ )
        for ( o = 0; o <= MAX_ORDER; o++ )
        {
            /* Dirty chunks are at the tail. */
            struct page_info *pg = pl_page(heap[z][o].last);

            if ( !pg || !pg->u.free.dirty )
                continue;
            chunk_remove(pg, o);
            pg->u.free.where = PAGE_FREE_SCRUBBING;
            page_list_add(pg, &heap_scrubbing);
            *order = o;
            return pg;
        }
    return NULL;
}

/**
 * Scrubs free dirty chunks, as an idle CPU would, as Xen does: each chunk
 * is taken off the free lists under the heap lock, cleared with the lock
 * dropped, and given back (merging again) under it.  Nobody can allocate
 * or merge a chunk while it is off the lists.  Returns the pages cleared.
 */
unsigned long mm_scrub_free_pages(unsigned long budget)
{
    unsigned long done = 0;

    heap_pcp_drain_all();
    while ( done < budget )
    {
        struct page_info *pg;
        unsigned int o;
        unsigned long i, n, cleared = 0;

        hal_spin_lock(&heap_lock);
        pg = scrub_take(&o);
        hal_spin_unlock(&heap_lock);
        if ( !pg )
            break;
        n = 1UL << o;

        /* Only the contents here: count_info stays the heap lock's (the
         * need-scrub bits read here change only under it, and not while
         * the chunk is off the lists). */
        for ( i = 0; i < n; i++ )
            if ( hal_read_once(&pg[i].count_info) & PGC_need_scrub )
                scrub_one_page(pg + i);

        hal_spin_lock(&heap_lock);
        for ( i = 0; i < n; i++ )
            if ( pg[i].count_info & PGC_need_scrub )
            {
                pg[i].count_info &= ~PGC_need_scrub;
                cleared++;
            }
        heap_dirty_pages -= cleared;
        page_list_del(pg, &heap_scrubbing);
        pg->u.free.where = 0;
        pg->u.free.dirty = 0;
        buddy_free(pg, o);
        hal_spin_unlock(&heap_lock);
        done += cleared;
    }
    return done;
}

/* ---- Domain pages and references. ---- */

/**
 * Counts 2^order pages for `d` ahead of the allocation.  Returns 0, -ESRCH
 * (dying) or -ENOMEM (over max_pages).
 */
static int domain_reserve(struct domain *d, unsigned long n,
                          unsigned int memflags)
{
    struct mm_domain *md = d->mm;
    int rc = 0;

    hal_spin_lock(&md->page_lock);
    if ( domain_is_dying(d) )
    {
        rc = -ESRCH;
        goto out;
    }
    if ( !(memflags & MEMF_no_refcount) )
    {
        if ( md->tot_pages + md->reserved_pages + n > md->max_pages )
        {
            rc = -ENOMEM;
            goto out;
        }
        md->reserved_pages += n;
    }
 out:
    hal_spin_unlock(&md->page_lock);
    return rc;
}

/** See heap.h. */
struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order,
                                      unsigned int memflags)
{
    struct page_info *pg;
    unsigned long i, n = 1UL << order;
    struct mm_domain *md;
    uint64_t flags;

    if ( order > MAX_ORDER )
        return NULL;
    if ( d && domain_reserve(d, n, memflags) )
        return NULL;

    pg = alloc_heap_pages(order, memflags);
    if ( !d )
    {
        if ( pg )
            heap_anon_add((long)n);
        return pg;
    }

    md = d->mm;
    if ( !pg )
    {
        hal_spin_lock(&md->page_lock);
        if ( !(memflags & MEMF_no_refcount) )
            md->reserved_pages -= n;
        hal_spin_unlock(&md->page_lock);
        return NULL;
    }

    /* Link the run among itself, then splice it in under the lock. */
    flags = PGC_state_inuse | PGC_allocated | 1 |
            ((memflags & MEMF_no_refcount) ? PGC_extra : 0);
    for ( i = 0; i < n; i++ )
    {
        pg[i].count_info = flags;
        pg[i].v.owner = mm_owner_of(d);
        pg[i].list.next = i + 1 < n ? pl_idx(pg + i + 1) : PAGE_LIST_NULL;
        pg[i].list.prev = i ? pl_idx(pg + i - 1) : PAGE_LIST_NULL;
    }
    hal_spin_lock(&md->page_lock);
    pg->list.prev = md->page_list.last;
    if ( md->page_list.last == PAGE_LIST_NULL )
        md->page_list.first = pl_idx(pg);
    else
        frame_table[md->page_list.last].list.next = pl_idx(pg);
    md->page_list.last = pl_idx(pg + n - 1);
    if ( memflags & MEMF_no_refcount )
        md->extra_pages += n;
    else
    {
        md->reserved_pages -= n;
        md->tot_pages += n;
    }
    hal_spin_unlock(&md->page_lock);
    return pg;
}

/** See heap.h. */
void free_domheap_pages(struct page_info *pg, unsigned int order)
{
    unsigned long i, n = 1UL << order;

    if ( !pg )
        return;
    if ( pg->v.owner )
    {
        for ( i = 0; i < n; i++ )
        {
            uint64_t x = hal_read_once(&pg[i].count_info);

            BUG_ON(!(x & PGC_allocated));
            hal_fetch_and(&pg[i].count_info, ~PGC_allocated);
            put_page(pg + i);
        }
        return;
    }
    for ( i = 0; i < n; i++ )
        BUG_ON(page_state(pg + i) != PGC_state_inuse ||
               (pg[i].count_info & PGC_count_mask));
    heap_anon_add(-(long)n);
    /*
     * A hypervisor page is reached only through hypervisor mappings, which
     * are flushed when they go (vunmap) or never touched once freed (map
     * slots), so, as in Xen (need_tlbflush only with an owner), no stamp.
     * It is scrubbed before anyone else sees it.
     */
    free_heap_pages(pg, order, false, true);
}

/** Unlinks `pg` from `d` (its last reference went).  See mm_private.h. */
bool page_unassign(struct domain *d, struct page_info *pg)
{
    struct mm_domain *md = d->mm;
    bool owned;

    hal_spin_lock(&md->page_lock);
    owned = pg->v.owner == md->owner;
    if ( owned )
    {
        page_list_del(pg, &md->page_list);
        if ( pg->count_info & PGC_extra )
            md->extra_pages--;
        else
            md->tot_pages--;
        pg->v.owner = 0;
    }
    hal_spin_unlock(&md->page_lock);
    return owned;
}

/** See page.h. */
struct domain *page_get_owner(const struct page_info *pg)
{
    return mm_owner_domain(hal_read_once(&pg->v.owner));
}

/** See page.h. */
bool get_page(struct page_info *pg, const struct domain *d)
{
    uint64_t x = hal_read_once(&pg->count_info);

    for ( ;; )
    {
        if ( (x & PGC_state_mask) != PGC_state_inuse ||
             !(x & PGC_count_mask) ||
             (x & PGC_count_mask) == PGC_count_mask )
            return false;
        if ( hal_cmpxchg(&pg->count_info, &x, x + 1) )
            break;
    }
    if ( hal_read_once(&pg->v.owner) != mm_owner_of(d) )
    {
        put_page(pg);
        return false;
    }
    return true;
}

/** See page.h. */
void get_page_light(struct page_info *pg)
{
    uint64_t old = hal_fetch_add(&pg->count_info, 1);

    BUG_ON(!(old & PGC_count_mask));
}

/** See page.h. */
void put_page(struct page_info *pg)
{
    uint64_t old = hal_fetch_sub(&pg->count_info, 1);
    struct domain *d;
    uint32_t owner;

    BUG_ON(!(old & PGC_count_mask));
    if ( (old & PGC_count_mask) != 1 )
        return;

    /*
     * Last reference: nobody else can reach the page now.  But its owner
     * can be going away at the same moment, with nothing of ours holding
     * it (a grant mapping's page references outlive its pin): the slot
     * hold keeps the owner's mm state allocated while the page leaves it,
     * and page_unassign finds out if the final destroy took it first.
     */
    owner = hal_read_once(&pg->v.owner);
    d = mm_owner_hold(owner);
    if ( d && !page_unassign(d, pg) )
        d = NULL; /* made anonymous by the owner's final destroy */
    pg->count_info &= ~(PGC_allocated | PGC_extra | PGC_xen_heap);
    pg->u.type_info = 0;
    if ( !d )
        heap_anon_add(-1);
    if ( !d || domain_is_dying(d) )
        free_heap_pages(pg, 0, true, true);
    else
        deferred_free_page(pg);
    mm_owner_release(owner);
}

/** See page.h. */
bool get_page_type(struct page_info *pg, uint64_t type)
{
    uint64_t y = hal_read_once(&pg->u.type_info), n;

    for ( ;; )
    {
        if ( !(y & PGT_count_mask) )
            n = type | 1;
        else if ( (y & PGT_type_mask) != type ||
                  (y & PGT_count_mask) == PGT_count_mask )
            return false;
        else
            n = y + 1;
        if ( hal_cmpxchg(&pg->u.type_info, &y, n) )
            return true;
    }
}

/** See page.h. */
void put_page_type(struct page_info *pg)
{
    uint64_t old = hal_fetch_sub(&pg->u.type_info, 1);

    BUG_ON(!(old & PGT_count_mask));
    /* The last writable mapping went: stamp for later TLB filtering. */
    if ( (old & PGT_count_mask) == 1 )
        hal_write_once(&pg->tlbflush_timestamp, tlbflush_current_time());
}

/* ---- Statistics and checking. ---- */

/** See heap.h. */
void mm_get_stats(struct mm_stats *st)
{
    unsigned int cpu;

    memset(st, 0, sizeof(*st));
    hal_spin_lock(&heap_lock);
    st->total_pages = heap_total_pages;
    st->free_pages = heap_free_pages;
    st->dirty_pages = heap_dirty_pages;
    hal_spin_unlock(&heap_lock);
    for ( cpu = 0; cpu < HAL_MAX_CPUS; cpu++ )
    {
        st->pcp_pages += hal_read_once(&pcp[cpu].count);
        st->dirty_pages += hal_read_once(&pcp[cpu].dirty);
    }
    st->free_pages += st->pcp_pages;
    st->anon_pages = heap_anon_pages();
    st->deferred_pages = deferred_count();
    st->pt_pages = mm_pt_pages_given();
    st->domain_pages = st->total_pages - st->free_pages - st->anon_pages -
                       st->deferred_pages;
    st->scrubbed_pages = hal_read_once(&heap_scrubbed);
    st->tlb_flushes = hal_read_once(&heap_flushes);
    st->vmap_pages = vmap_pages_in_use();
    st->vmap_meta_pages = vmap_meta_frames();
    st->vmap_refused = vmap_refused_count();
}

/** Marks a free page seen; fails if it already was. */
static int check_mark(struct page_info *pg, const char *what)
{
    if ( pg->count_info & PGC_seen )
    {
        printk("mm_check: frame %#lx on two lists (%s)\n",
               (unsigned long)mfn_x(page_to_mfn(pg)), what);
        return -EINVAL;
    }
    pg->count_info |= PGC_seen;
    return 0;
}

/**
 * Walks the buddy lists and pcp caches: chunk heads, orders, zones,
 * alignment, states; marks every free page seen.  Returns 0 or -EINVAL and
 * the number of free pages found.
 */
int heap_check(uint64_t *free_out, uint64_t *dirty_out)
{
    uint64_t nfree = 0, ndirty = 0, pfree = 0, pdirty = 0;
    unsigned int z, o, cpu;
    int rc = 0;

    for ( cpu = 0; cpu < HAL_MAX_CPUS; cpu++ )
        hal_spin_lock(&pcp[cpu].lock);
    hal_spin_lock(&heap_lock);
    for ( z = 0; z < NR_ZONES; z++ )
        for ( o = 0; o <= MAX_ORDER; o++ )
        {
            struct page_info *pg;

            for ( pg = page_list_first(&heap[z][o]); pg;
                  pg = page_list_next(pg) )
            {
                uint64_t m = mfn_x(page_to_mfn(pg)), i;

                if ( pg->u.free.where != PAGE_FREE_BUDDY ||
                     pg->v.free_order != o || page_zone(pg) != z ||
                     (m & ((1ULL << o) - 1)) )
                {
                    printk("mm_check: bad chunk %#lx on list z%u o%u\n",
                           (unsigned long)m, z, o);
                    rc = -EINVAL;
                }
                for ( i = 0; i < (1ULL << o); i++ )
                {
                    if ( page_state(pg + i) != PGC_state_free )
                    {
                        printk("mm_check: frame %#lx in a free chunk is "
                               "not free\n", (unsigned long)(m + i));
                        rc = -EINVAL;
                    }
                    if ( check_mark(pg + i, "buddy") )
                        rc = -EINVAL;
                    if ( pg[i].count_info & PGC_need_scrub )
                    {
                        ndirty++;
                        if ( !pg->u.free.dirty )
                        {
                            printk("mm_check: dirty frame in a clean "
                                   "chunk\n");
                            rc = -EINVAL;
                        }
                    }
                }
                nfree += 1ULL << o;
            }
        }
    /* Chunks being scrubbed are free and counted, only off the lists. */
    {
        struct page_info *pg;

        for ( pg = page_list_first(&heap_scrubbing); pg;
              pg = page_list_next(pg) )
        {
            uint64_t i, so = pg->v.free_order;

            if ( pg->u.free.where != PAGE_FREE_SCRUBBING || so > MAX_ORDER )
            {
                rc = -EINVAL;
                continue;
            }
            for ( i = 0; i < (1ULL << so); i++ )
            {
                if ( page_state(pg + i) != PGC_state_free ||
                     check_mark(pg + i, "scrubbing") )
                    rc = -EINVAL;
                ndirty += !!(pg[i].count_info & PGC_need_scrub);
            }
            nfree += 1ULL << so;
        }
    }
    for ( cpu = 0; cpu < HAL_MAX_CPUS; cpu++ )
    {
        struct page_info *pg;
        unsigned int n = 0, d = 0;

        for ( pg = page_list_first(&pcp[cpu].list); pg;
              pg = page_list_next(pg) )
        {
            if ( page_state(pg) != PGC_state_free ||
                 pg->u.free.where != PAGE_FREE_PCP || check_mark(pg, "pcp") )
                rc = -EINVAL;
            d += !!(pg->count_info & PGC_need_scrub);
            n++;
        }
        if ( n != pcp[cpu].count || d != pcp[cpu].dirty )
        {
            printk("mm_check: pcp %u counts %u/%u, holds %u/%u\n", cpu,
                   pcp[cpu].count, pcp[cpu].dirty, n, d);
            rc = -EINVAL;
        }
        pfree += n;
        pdirty += d;
    }
    if ( nfree != heap_free_pages || ndirty != heap_dirty_pages )
    {
        printk("mm_check: free %lu/%lu dirty %lu/%lu (found/counted)\n",
               (unsigned long)nfree, (unsigned long)heap_free_pages,
               (unsigned long)ndirty, (unsigned long)heap_dirty_pages);
        rc = -EINVAL;
    }
    hal_spin_unlock(&heap_lock);
    for ( cpu = HAL_MAX_CPUS; cpu-- > 0; )
        hal_spin_unlock(&pcp[cpu].lock);
    *free_out = nfree + pfree;
    *dirty_out = ndirty + pdirty;
    return rc;
}
