/* SPDX-License-Identifier: MIT */
/*
 * libmm's private interfaces between its files.
 */
#ifndef LIBMM_MM_PRIVATE_H
#define LIBMM_MM_PRIVATE_H

#include <common/bug.h>
#include <common/compiler.h>
#include <common/domain.h>
#include <common/errno.h>
#include <common/types.h>
#include <hal/hal.h>
#include <libmm/guest_read.h>
#include <libmm/mm.h>

/* ---- The world, set by mm_init (mm.c). ---- */

extern bool mm_live;             /* between mm_init and mm_fini */
extern bool mm_directmap;        /* this world has a direct map */
extern uintptr_t mm_directmap_base;
extern uint32_t *frame_virt;     /* page→address side array */
extern uintptr_t mm_region_base; /* base of the HAL region */
extern struct mm_layout mm_layout_now;

/* frame_virt holds the page index within the region + 1, 0 for none. */
static inline void frame_virt_set(mfn_t mfn, const void *va)
{
    frame_virt[mfn_x(mfn)] = va ? (uint32_t)((((uintptr_t)va -
                                               mm_region_base) >>
                                              PAGE_SHIFT) + 1)
                                : 0;
}

static inline void *frame_virt_get(mfn_t mfn)
{
    uint32_t v = frame_virt[mfn_x(mfn)];

    return v ? (void *)(mm_region_base + ((uintptr_t)(v - 1) << PAGE_SHIFT))
             : NULL;
}

/* ---- Per-domain state (mm_domain.c). ---- */

struct mm_domain {
    /* First: the removal sequence and each CPU's translation of the last
     * guest read, as libmm/guest_read.h's inline read sees them. */
    struct mm_guest_read gr;
    hal_spinlock_t page_lock;        /* page_list, tot_pages, reservations */
    struct page_list_head page_list; /* pages owned, allocation order */
    uint64_t tot_pages;              /* owned pages counted against max */
    uint64_t reserved_pages;         /* counted, allocation in progress */
    uint64_t extra_pages;            /* owned, MEMF_no_refcount */
    uint64_t max_pages;
    uint64_t release_passed;         /* pages in a row the release walk
                                        found without an allocation
                                        reference (mm_domain.c) */

    hal_spinlock_t p2m_lock;         /* P2M writers */
    uint64_t *p2m_root;              /* the top table (xenheap) */
    uint64_t *p2m_low;               /* root entry 0's table: gfns < 2^27 */
    unsigned long p2m_pages;         /* table pages, root included */
    uint64_t max_mapped_gfn;
    bool p2m_torn_down;
    struct page_list_head p2m_dead;  /* unlinked tables (p2m_teardown) */
    uint32_t p2m_holds;              /* removal holds, and RAM changes (p2m.c) */

    uint32_t owner;                  /* owner-table slot + 1 (mm.c) */
};

/** The domain registered under owner value `owner`, or NULL. */
struct domain *mm_owner_domain(uint32_t owner);

/* No owner can have this value: pages of no domain never match it. */
#define MM_OWNER_NONE 0xffffffffU

/**
 * The value a page owned by `d` holds in `v.owner` (0 for the hypervisor).
 * It is a slot of libmm's owner table, not the domid: a dying domain whose
 * last reference lingers keeps its slot while a new domain reuses its id.
 */
static inline uint32_t mm_owner_of(const struct domain *d)
{
    if ( !d )
        return 0;
    return d->mm ? d->mm->owner : MM_OWNER_NONE;
}

/**
 * Takes a hold on owner slot `owner` and returns the domain registered
 * there, or NULL.  Until mm_owner_release(owner), a domain returned and its
 * mm state stay allocated, even if its last reference goes meanwhile (its
 * final destroy waits).  The hold must be released in any case, NULL too.
 */
struct domain *mm_owner_hold(uint32_t owner);
/** Releases a hold mm_owner_hold took. */
void mm_owner_release(uint32_t owner);
/** Holds taken and not released, over every slot (0 when quiescent). */
unsigned long mm_owner_holds_in_use(void);

/** Takes an owner slot for `d`: 0 or -ENOSPC. */
int __must_check mm_owner_register(struct domain *d, uint32_t *owner);
/** Gives the slot back. */
void mm_owner_unregister(uint32_t owner);

/** Calls fn on every domain libmm knows (mm_check). */
void mm_for_each_domain(void (*fn)(struct domain *d, void *arg), void *arg);

/* ---- Page lists by frame number. ---- */

static inline struct page_info *pl_page(uint32_t idx)
{
    return idx == PAGE_LIST_NULL ? NULL : frame_table + idx;
}

static inline uint32_t pl_idx(const struct page_info *pg)
{
    return (uint32_t)(pg - frame_table);
}

static inline void page_list_init(struct page_list_head *h)
{
    h->first = h->last = PAGE_LIST_NULL;
}

static inline bool page_list_empty(const struct page_list_head *h)
{
    return h->first == PAGE_LIST_NULL;
}

static inline struct page_info *page_list_first(const struct page_list_head *h)
{
    return pl_page(h->first);
}

static inline struct page_info *page_list_next(const struct page_info *pg)
{
    return pl_page(pg->list.next);
}

static inline void page_list_add(struct page_info *pg,
                                 struct page_list_head *h)
{
    uint32_t i = pl_idx(pg);

    pg->list.prev = PAGE_LIST_NULL;
    pg->list.next = h->first;
    if ( h->first == PAGE_LIST_NULL )
        h->last = i;
    else
        frame_table[h->first].list.prev = i;
    h->first = i;
}

static inline void page_list_add_tail(struct page_info *pg,
                                      struct page_list_head *h)
{
    uint32_t i = pl_idx(pg);

    pg->list.next = PAGE_LIST_NULL;
    pg->list.prev = h->last;
    if ( h->last == PAGE_LIST_NULL )
        h->first = i;
    else
        frame_table[h->last].list.next = i;
    h->last = i;
}

static inline void page_list_del(struct page_info *pg,
                                 struct page_list_head *h)
{
    if ( pg->list.prev == PAGE_LIST_NULL )
        h->first = pg->list.next;
    else
        frame_table[pg->list.prev].list.next = pg->list.next;
    if ( pg->list.next == PAGE_LIST_NULL )
        h->last = pg->list.prev;
    else
        frame_table[pg->list.next].list.prev = pg->list.prev;
    pg->list.next = pg->list.prev = PAGE_LIST_NULL;
}

static inline struct page_info *page_list_remove_head(struct page_list_head *h)
{
    struct page_info *pg = page_list_first(h);

    if ( pg )
        page_list_del(pg, h);
    return pg;
}

/* ---- Heap internals (page_alloc.c). ---- */

int __must_check heap_init(void);
void heap_fini(void);

/**
 * Takes 2^order free frames with frame numbers below 2^(bits - PAGE_SHIFT)
 * (bits 0: no limit) and returns them in use, anonymous, with count 0.
 * Scrubs and flushes as needed unless `memflags` says not to.  NULL if
 * there is no such chunk.
 */
struct page_info *alloc_heap_pages(unsigned int order, unsigned int memflags);

/**
 * Returns 2^order in-use frames to the heap.  `stamp` says whether the
 * pages may still be reachable through a TLB (they get the clock's stamp);
 * `scrub` marks them to be cleared before their next use.
 */
void free_heap_pages(struct page_info *pg, unsigned int order, bool stamp,
                     bool scrub);

/** Counts anonymous in-use pages (mm_check). */
void heap_anon_add(long delta);

/** Drains the pcp caches back to the buddy lists. */
void heap_pcp_drain_all(void);

/** Queues a freed domain page for deferred freeing (deferred.c). */
void deferred_free_page(struct page_info *pg);
void deferred_init(void);
void deferred_fini(void);

uint64_t deferred_count(void);
/** Frees queued pages after a flush; returns how many went back. */
unsigned long deferred_drain(bool flush);

/** Clears one frame through a temporary mapping. */
void scrub_one_page(struct page_info *pg);

/* Walks for mm_check: they mark the pages they find with PGC_seen. */
int heap_check(uint64_t *free_pages, uint64_t *dirty_pages);
int deferred_check(uint64_t *n);

/* ---- Domain page accounting (page_alloc.c / mm_domain.c). ---- */

/**
 * Unlinks a page whose last reference went from `d`, the owner it had;
 * false if `d`'s final destroy made the page anonymous first (nothing done).
 */
bool page_unassign(struct domain *d, struct page_info *pg);

/* ---- TLB-flush clock (tlbflush.c). ---- */

void tlbflush_init(void);
void tlbflush_fini(void);

/** Of two stamps, the one that was taken later (with the clock's wrap). */
uint32_t tlbflush_newer(uint32_t a, uint32_t b);

/* ---- vmap (vmap.c). ---- */

int __must_check vmap_init(uintptr_t base, size_t size);
void vmap_fini(void);
/** Maps frames of one kind: `type` PGT_* tag expected at free (or none). */
void *vmap_frames(const mfn_t *mfn, mfn_t first, unsigned int nr);
unsigned long vmap_pages_in_use(void);
unsigned long vmap_meta_frames(void);

/** Page-table pages libmm has given the HAL (mm_check, stats; mm.c). */
uint64_t mm_pt_pages_given(void);
uint64_t vmap_refused_count(void);
void *vmap_xenheap(mfn_t first, unsigned int nr);
unsigned long vunmap_xenheap(const void *va);
void vmap_refused_inc(void);

/* ---- map_domain_page (domain_page.c). ---- */

int __must_check mapcache_init(uintptr_t base);
size_t mapcache_area_size(void);
void mapcache_fini(void);

/* ---- P2M (p2m.c). ---- */

int __must_check p2m_init(struct domain *d);
/** Tears down the P2M within `*budget` entries; -ERESTART if not done. */
int __must_check p2m_teardown(struct domain *d, unsigned long *budget);
void p2m_free_dead_tables(struct domain *d);
int p2m_check(struct domain *d);

/*
 * The removal sequence (p2m.c): every change that takes an entry away (and
 * so may let its page be freed) makes `gr.p2m_seq` odd before the first entry
 * goes and even again after the last, under p2m_lock.  A lockless reader
 * that saw the same even value before and after its accesses knows that no
 * entry it used was removed meanwhile, so the frame was the domain's RAM
 * throughout (guest_access.c's fast path).
 */
static inline uint64_t p2m_read_begin(const struct mm_domain *md)
{
    uint64_t s = hal_read_once(&md->gr.p2m_seq);

    hal_smp_rmb();
    return s;
}

/** True if a removal overlapped the read that began with `s`. */
static inline bool p2m_read_retry(const struct mm_domain *md, uint64_t s)
{
    hal_smp_rmb();
    return (s & 1) || hal_read_once(&md->gr.p2m_seq) != s;
}

/**
 * Adds 2^order RAM pages from `pg` at `gfn` (aligned), using one leaf of
 * that order when it fits.  Tables are allocated first: on -ENOMEM nothing
 * changed.  -EEXIST if any gfn of the range is mapped.
 */
int __must_check p2m_add_ram(struct domain *d, gfn_t gfn,
                             struct page_info *pg, unsigned int order);

/**
 * Checks that the 2^order gfns at `gfn` are all RAM of `d`, splits
 * superpages as needed (which may fail with -ENOMEM, changing nothing
 * visible), then clears them and returns their frames' first page in
 * `*pgs` order-wise: `cb(pg, arg)` is called for each removed page.
 */
int __must_check p2m_remove_ram(struct domain *d, gfn_t gfn,
                                unsigned int order,
                                void (*cb)(struct page_info *pg, void *arg),
                                void *arg);

/* ---- xmalloc (xmalloc.c). ---- */

void xmalloc_init(void);
void xmalloc_fini(void);

#endif /* LIBMM_MM_PRIVATE_H */
