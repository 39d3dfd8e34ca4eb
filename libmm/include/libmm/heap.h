/* SPDX-License-Identifier: MIT */
/*
 * The one heap (seed 004 constraint 1): a buddy allocator over the HAL's
 * memory map serving both the domain heap and the xenheap, with a per-CPU
 * cache of order-0 pages in front of the heap lock, scrubbing of pages that
 * held another user's data, and the deferred-free queue of seed 003.
 *
 * Xen's names and semantics (reference/mm.md §1–2): orders 0..MAX_ORDER,
 * zones by the position of a frame's top bit so `MEMF_bits(n)` limits the
 * address width, `alloc_domheap_pages(d, ...)` accounts against the domain's
 * `max_pages`, `alloc_xenheap_pages` returns an always-mapped address.
 */
#ifndef LIBMM_HEAP_H
#define LIBMM_HEAP_H

#include <common/compiler.h>
#include <common/domain.h>
#include <libmm/page.h>

#define MAX_ORDER 18 /* 1 GiB, as x86 Xen */

/* Allocation flags (Xen's MEMF_* bit numbers). */
#define MEMF_no_refcount (1U << 0)   /* owned, not counted in tot_pages */
#define MEMF_no_tlbflush (1U << 6)   /* caller flushes (or knows no need) */
#define MEMF_no_scrub (1U << 8)      /* caller clears the pages itself */
#define MEMF_bits_shift 24
#define MEMF_bits(n) ((unsigned int)(n) << MEMF_bits_shift)

/**
 * Allocates 2^order contiguous, naturally aligned frames.  With `d` the
 * pages are assigned to `d` (allocation reference, `tot_pages`); without,
 * they are anonymous.  Returns the first page or NULL (out of memory, order
 * too large, `d` dying or over `max_pages`); a failure takes nothing.
 */
struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order,
                                      unsigned int memflags);

/**
 * Frees pages from `alloc_domheap_pages`.  Assigned pages drop their
 * allocation reference (and are freed by the last `put_page`); anonymous
 * pages go back to the heap at once, marked for scrubbing.
 */
void free_domheap_pages(struct page_info *pg, unsigned int order);

static inline struct page_info *alloc_domheap_page(struct domain *d,
                                                   unsigned int memflags)
{
    return alloc_domheap_pages(d, 0, memflags);
}

static inline void free_domheap_page(struct page_info *pg)
{
    free_domheap_pages(pg, 0);
}

/**
 * Allocates 2^order xenheap pages and returns their always-valid hypervisor
 * address: a vmap mapping (no direct map) or the direct-map alias.  NULL on
 * failure, with nothing taken.
 */
void *alloc_xenheap_pages(unsigned int order, unsigned int memflags);

/** Frees xenheap pages; `va` must come from alloc_xenheap_pages(order). */
void free_xenheap_pages(void *va, unsigned int order);

static inline void *alloc_xenheap_page(void)
{
    return alloc_xenheap_pages(0, 0);
}

static inline void free_xenheap_page(void *va)
{
    free_xenheap_pages(va, 0);
}

/** The page behind a xenheap address, or NULL if it is not one. */
struct page_info *virt_to_page(const void *va);

/** The xenheap address of a xenheap page (the side array of seed 004). */
void *page_to_virt(const struct page_info *pg);

/*
 * Deferred freeing (seed 003): pages removed from a live guest's P2M are
 * queued with the clock's stamp and go back to the heap after a TLB flush
 * has made them unreachable: when the queue reaches its batch size, when an
 * allocation would fail, or when asked.
 */
#define MM_DEFERRED_BATCH 64U

/** Flushes every CPU that needs it and frees every queued page. */
void mm_deferred_flush(void);

/** Heap statistics, for tests, benchmarks and hvsim. */
struct mm_stats {
    uint64_t total_pages;     /* frames the heap manages */
    uint64_t free_pages;      /* in the buddy lists and the per-CPU caches */
    uint64_t pcp_pages;       /* of which in the per-CPU caches */
    uint64_t dirty_pages;     /* free pages still to be scrubbed */
    uint64_t deferred_pages;  /* in the deferred-free queue */
    uint64_t anon_pages;      /* in use, owned by the hypervisor */
    uint64_t domain_pages;    /* in use, owned by a domain */
    uint64_t pt_pages;        /* given to the HAL for page tables */
    uint64_t scrubbed_pages;  /* scrubbed since mm_init */
    uint64_t tlb_flushes;     /* filtered flushes issued since mm_init */
    uint64_t xenheap_pages;   /* in use as xenheap */
    uint64_t vmap_pages;      /* vmap address space in use, guards included */
    uint64_t vmap_meta_pages; /* anonymous frames backing vmap's metadata: a
                               * high-water mark, kept until mm_fini */
    uint64_t vmap_refused;    /* bad vunmap/vfree calls refused */
};

void mm_get_stats(struct mm_stats *st);

/**
 * Turns the per-CPU order-0 cache on or off (on by default).  Turning it off
 * returns every cached page to the buddy lists.  For benchmarks and tests.
 */
void mm_pcp_set(bool on);

/**
 * Counts the free chunks of each order in the buddy lists, after returning
 * the per-CPU caches to them.  For tests of the heap's shape.
 */
void mm_heap_shape(uint64_t chunks[MAX_ORDER + 1]);

/**
 * Scrubs up to `budget` free dirty pages outside any allocation (what an
 * idle CPU would do).  Returns how many it scrubbed.
 */
unsigned long mm_scrub_free_pages(unsigned long budget);

/**
 * The invariant checker: every frame free in exactly one list or owned by
 * exactly one owner, counts match, P2M entries match page ownership and
 * references.  Prints each violation.  Returns 0 or -EINVAL.  Call only
 * while no other CPU changes the heap.
 */
int __must_check mm_check(void);

#endif /* LIBMM_HEAP_H */
