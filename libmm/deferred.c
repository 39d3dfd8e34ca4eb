/* SPDX-License-Identifier: MIT */
/*
 * The deferred-free queue (seed 003: "defer page freeing").
 *
 * A page removed from a live guest's P2M may still be reachable through a
 * stale translation on some CPU.  Instead of flushing at every removal, the
 * page is stamped with the TLB-flush clock and queued; the queue is drained
 * after one flush that covers every queued stamp: when it reaches
 * MM_DEFERRED_BATCH pages, when an allocation would otherwise fail (memory
 * pressure), or when mm_deferred_flush is called.  Queued pages belong to
 * nobody and are not free.
 *
 * Lock: `deferred_lock` is a leaf; pages are detached under it and freed
 * after it is dropped.
 */
#include "mm_private.h"

static hal_spinlock_t deferred_lock = HAL_SPINLOCK_INIT;
static struct page_list_head deferred_list = PAGE_LIST_HEAD_INIT;
static uint64_t deferred_pages;
static uint32_t deferred_newest;

/** Starts with an empty queue. */
void deferred_init(void)
{
    hal_spin_init(&deferred_lock);
    page_list_init(&deferred_list);
    deferred_pages = 0;
    deferred_newest = 0;
}

/** Frees whatever is queued (mm_fini). */
void deferred_fini(void)
{
    deferred_drain(true);
}

/** Pages now queued. */
uint64_t deferred_count(void)
{
    return hal_read_once(&deferred_pages);
}

/**
 * Queues `pg` (in use, no references, no owner).  Drains the queue when it
 * reaches its batch size.
 */
void deferred_free_page(struct page_info *pg)
{
    uint32_t now = tlbflush_current_time();
    bool drain;

    pg->count_info = (pg->count_info & ~PGC_state_mask) |
                     PGC_state_deferred | PGC_need_scrub;
    pg->tlbflush_timestamp = now;
    hal_spin_lock(&deferred_lock);
    page_list_add_tail(pg, &deferred_list);
    deferred_newest = deferred_pages ? tlbflush_newer(deferred_newest, now)
                                     : now;
    deferred_pages++;
    drain = deferred_pages >= MM_DEFERRED_BATCH;
    hal_spin_unlock(&deferred_lock);
    if ( drain )
        deferred_drain(true);
}

/**
 * Detaches the queue, flushes (if `flush`) every CPU that may still map a
 * queued page, and frees the pages to the heap.  Without `flush`, only pages
 * every CPU has flushed since go back; the rest are queued again.  Returns
 * how many pages went back.
 */
unsigned long deferred_drain(bool flush)
{
    struct page_list_head l;
    struct page_info *pg;
    unsigned long n = 0;
    uint32_t newest;

    hal_spin_lock(&deferred_lock);
    l = deferred_list;
    newest = deferred_newest;
    page_list_init(&deferred_list);
    deferred_pages = 0;
    hal_spin_unlock(&deferred_lock);
    if ( page_list_empty(&l) )
        return 0;

    /* One flush covers the newest stamp, hence every older one. */
    if ( flush )
        filtered_flush_tlb_mask(newest);

    while ( (pg = page_list_remove_head(&l)) )
    {
        if ( !flush && tlbflush_filter_mask(hal_cpu_all_mask(),
                                            pg->tlbflush_timestamp) )
        {
            hal_spin_lock(&deferred_lock);
            page_list_add_tail(pg, &deferred_list);
            deferred_newest = deferred_pages
                ? tlbflush_newer(deferred_newest, pg->tlbflush_timestamp)
                : pg->tlbflush_timestamp;
            deferred_pages++;
            hal_spin_unlock(&deferred_lock);
            continue;
        }
        /* Flushed already: no stamp to carry into the heap. */
        free_heap_pages(pg, 0, false, true);
        n++;
    }
    return n;
}

/** See heap.h. */
void mm_deferred_flush(void)
{
    deferred_drain(true);
}

/** Walks the queue for mm_check; marks its pages seen. */
int deferred_check(uint64_t *n_out)
{
    struct page_info *pg;
    uint64_t n = 0;
    int rc = 0;

    hal_spin_lock(&deferred_lock);
    for ( pg = page_list_first(&deferred_list); pg; pg = page_list_next(pg) )
    {
        if ( page_state(pg) != PGC_state_deferred ||
             (pg->count_info & (PGC_count_mask | PGC_seen)) || pg->v.owner )
        {
            printk("mm_check: bad deferred frame %#lx\n",
                   (unsigned long)mfn_x(page_to_mfn(pg)));
            rc = -EINVAL;
        }
        pg->count_info |= PGC_seen;
        n++;
    }
    if ( n != deferred_pages )
    {
        printk("mm_check: deferred queue holds %lu, counts %lu\n",
               (unsigned long)n, (unsigned long)deferred_pages);
        rc = -EINVAL;
    }
    hal_spin_unlock(&deferred_lock);
    *n_out = n;
    return rc;
}
