/* SPDX-License-Identifier: MIT */
/*
 * The frame table: one `struct page_info` per machine frame.
 *
 * The layout follows Xen's x86 one without BIGMEM (reference/mm.md §3):
 * 32 bytes, a power of two, so a page's index and its address convert with
 * a shift.  The page's hypervisor virtual address (for xenheap pages) is kept
 * in a separate array (seed 004), not here, so the struct stays 32 bytes.
 *
 * `count_info` holds flags in its top byte and the general reference count
 * below; `type_info` holds a type in its top 4 bits and a type count below.
 * Free pages use the `u.free` and `v.free_order` members instead.
 */
#ifndef LIBMM_PAGE_H
#define LIBMM_PAGE_H

#include <common/compiler.h>
#include <common/domain.h>
#include <common/types.h>

/* List linkage by frame number (Xen's PDX-based `page_list_entry`). */
#define PAGE_LIST_NULL 0xffffffffU

struct page_list_entry {
    uint32_t next;
    uint32_t prev;
};

struct page_list_head {
    uint32_t first;
    uint32_t last;
};

#define PAGE_LIST_HEAD_INIT { PAGE_LIST_NULL, PAGE_LIST_NULL }

/** A machine frame's state (layout: reference/mm.md §3, x86 non-BIGMEM). */
struct page_info {
    struct page_list_entry list;   /* free list, owner's list, queues */
    uint64_t count_info;           /* PGC_* flags and the reference count */
    union {
        uint64_t type_info;        /* in use: PGT_* type and type count */
        struct {
            uint8_t need_tlbflush; /* chunk head: stamp below is valid */
            uint8_t dirty;         /* chunk head: some page needs a scrub */
            uint8_t where;         /* PAGE_FREE_* list the chunk is on */
            uint8_t pad;
            uint32_t pad2;
        } free;
    } u;
    union {
        uint32_t owner;            /* in use: owner slot, 0 = hypervisor */
        uint32_t free_order;       /* free chunk head: its order */
    } v;
    uint32_t tlbflush_timestamp;   /* clock value when it was last used */
};

ABI_CHECK_SIZE(struct page_info, 32, "Xen x86 struct page_info, non-BIGMEM");
ABI_CHECK_OFFSET(struct page_info, count_info, 8, "Xen x86 page_info");
ABI_CHECK_OFFSET(struct page_info, u, 16, "Xen x86 page_info");
ABI_CHECK_OFFSET(struct page_info, v, 24, "Xen x86 page_info");
ABI_CHECK_OFFSET(struct page_info, tlbflush_timestamp, 28,
                 "Xen x86 page_info");

/* Where a free chunk is kept. */
#define PAGE_FREE_BUDDY 1
#define PAGE_FREE_PCP 2

/* `count_info` flags (Xen's bit positions where Xen has the flag). */
#define PGC_allocated (1ULL << 63)   /* the owner's allocation reference */
#define PGC_xen_heap (1ULL << 62)    /* a xenheap page: mapped by vmap */
#define PGC_extra (1ULL << 61)       /* owned but not in tot_pages */
#define PGC_state_shift 58
#define PGC_state_mask (3ULL << PGC_state_shift)
#define PGC_state_inuse (0ULL << PGC_state_shift)
#define PGC_state_reserved (1ULL << PGC_state_shift) /* not the heap's */
#define PGC_state_deferred (2ULL << PGC_state_shift) /* awaiting a flush */
#define PGC_state_free (3ULL << PGC_state_shift)
#define PGC_need_scrub (1ULL << 57)  /* may hold another user's data */
#define PGC_seen (1ULL << 56)        /* scratch bit of mm_check */
#define PGC_count_mask ((1ULL << 56) - 1)

static inline uint64_t page_state(const struct page_info *pg)
{
    return pg->count_info & PGC_state_mask;
}

/* `type_info`: type in bits 63..60, per-type data in 59..48, count below. */
#define PGT_type_shift 60
#define PGT_type_mask (15ULL << PGT_type_shift)
#define PGT_none (0ULL << PGT_type_shift)
#define PGT_writable_page (1ULL << PGT_type_shift) /* guest page, mapped rw */
#define PGT_pt (2ULL << PGT_type_shift)       /* a HAL page-table page */
#define PGT_p2m (3ULL << PGT_type_shift)      /* a P2M table page */
#define PGT_xmalloc (4ULL << PGT_type_shift)  /* small-object slab/block */
#define PGT_vmalloc (5ULL << PGT_type_shift)  /* backs a vmalloc area */
#define PGT_vmap_meta (6ULL << PGT_type_shift) /* vmap bitmap/mfn array */
#define PGT_data_shift 48
#define PGT_data_mask (0xfffULL << PGT_data_shift)
#define PGT_count_mask ((1ULL << 48) - 1)

/** Frames the frame table covers: [0, mm_max_mfn). */
extern uint64_t mm_max_mfn;
/** The frame table (mapped in the hypervisor region at mm_init). */
extern struct page_info *frame_table;

static inline bool mfn_valid(mfn_t mfn)
{
    return mfn_x(mfn) < mm_max_mfn;
}

static inline struct page_info *mfn_to_page(mfn_t mfn)
{
    return frame_table + mfn_x(mfn);
}

static inline mfn_t page_to_mfn(const struct page_info *pg)
{
    return _mfn((uint64_t)(pg - frame_table));
}

/** Returns the domain owning `pg`, or NULL for an anonymous page. */
struct domain *page_get_owner(const struct page_info *pg);

/**
 * Takes a general reference to `pg` if it is in use and owned by `d`.
 * Returns false (taking nothing) otherwise, or if the count would overflow.
 */
bool __must_check get_page(struct page_info *pg, const struct domain *d);

/** Takes another reference; the caller already holds one. */
void get_page_light(struct page_info *pg);

/**
 * Drops a general reference.  The last one frees the page: a domain's page
 * leaves its owner and goes to the deferred-free queue (or straight to the
 * heap if the owner is dying); an anonymous page goes to the heap.
 */
void put_page(struct page_info *pg);

/**
 * Takes a type reference of `type` (only PGT_writable_page for guest
 * pages).  Fails if the page has another type with a non-zero count.
 */
bool __must_check get_page_type(struct page_info *pg, uint64_t type);
void put_page_type(struct page_info *pg);

/** General reference count, for tests and the checker. */
static inline uint64_t page_refcount(const struct page_info *pg)
{
    return hal_read_once(&pg->count_info) & PGC_count_mask;
}

#endif /* LIBMM_PAGE_H */
