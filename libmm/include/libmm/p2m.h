/* SPDX-License-Identifier: MIT */
/*
 * The per-domain P2M: guest frame → machine frame with a type.
 *
 * Four levels of 512 entries (gfns below 2^36), with 2 MiB and 1 GiB leaves
 * for extents of order 9 and 18.  Table pages are xenheap pages owned by the
 * hypervisor and counted per domain; they are reached through the side array
 * of page addresses, so a lookup is four loads and no lock.  Writers hold the
 * domain's P2M lock.
 *
 * References: a RAM entry is backed by the page's allocation reference
 * (`PGC_allocated`); a grant entry holds a general reference of its own,
 * taken at insert and dropped at removal.  A removal hold
 * (p2m_removal_hold) keeps RAM entries, and so their pages, in place for
 * a batch of accesses without a reference per page.
 */
#ifndef LIBMM_P2M_H
#define LIBMM_P2M_H

#include <common/compiler.h>
#include <common/domain.h>
#include <common/types.h>

/* P2M types, Xen's values (reference/mm.md §9). */
typedef enum p2m_type {
    p2m_ram_rw = 0,
    p2m_invalid = 1,
    p2m_ram_ro = 3,
    p2m_grant_map_rw = 7,
    p2m_grant_map_ro = 8,
} p2m_type_t;

#define P2M_GFN_BITS 36
#define P2M_MAX_GFN ((1ULL << P2M_GFN_BITS) - 1)

static inline bool p2m_is_ram(p2m_type_t t)
{
    return t == p2m_ram_rw || t == p2m_ram_ro;
}

static inline bool p2m_is_grant(p2m_type_t t)
{
    return t == p2m_grant_map_rw || t == p2m_grant_map_ro;
}

static inline bool p2m_is_writable(p2m_type_t t)
{
    return t == p2m_ram_rw || t == p2m_grant_map_rw;
}

/**
 * Looks up `gfn` in `d`'s P2M without a lock.  Returns the frame and sets
 * `*t` (if not NULL), or INVALID_MFN with `p2m_invalid`.
 */
mfn_t p2m_lookup(struct domain *d, gfn_t gfn, p2m_type_t *t);

/**
 * Inserts a 4 KiB grant mapping of `mfn` at `gfn` (type grant_map_rw/ro),
 * taking a general reference to the page for the entry.  The page must be
 * in use.  Errors: -EINVAL (bad gfn or type, or not a live page), -EEXIST
 * (gfn already mapped), -ENOMEM; on error nothing changed.
 */
int __must_check p2m_insert_grant(struct domain *d, gfn_t gfn, mfn_t mfn,
                                  p2m_type_t t);

/**
 * As p2m_insert_grant, but the entry takes over a general reference to the
 * page that the caller holds (so a caller that needs references of its own
 * too takes them all at once).  On error the reference stays the caller's.
 */
int __must_check p2m_insert_grant_ref(struct domain *d, gfn_t gfn, mfn_t mfn,
                                      p2m_type_t t);

/**
 * Removes the grant mapping of `mfn` at `gfn` and drops its reference.
 * Errors: -EINVAL (gfn holds no grant mapping of `mfn`); the page goes
 * through the deferred-free queue if that was its last reference.
 */
int __must_check p2m_remove_grant(struct domain *d, gfn_t gfn, mfn_t mfn);

/**
 * Removes the grant mapping at `gfn` only if it maps `mfn` with type `t`
 * (grant_map_rw or grant_map_ro), the check and the removal one walk
 * under the P2M lock (the P2M form of XSA-234's frame/present/RW check).
 * With `from` a gfn, the grant mapping now at `from` moves into its place
 * and leaves `from` (Xen's unmap_and_replace, where x86 PV moves the PTE
 * at new_addr to host_addr), keeping its frame, type and reference.  The
 * removed entry's general reference to `mfn`'s page becomes the caller's
 * (the inverse of p2m_insert_grant_ref), for a caller whose other holds on
 * the page, a type reference, that reference underpins until it drops
 * them.  Errors: -EINVAL (bad `t`; `from` == `gfn`; `gfn` does not hold
 * exactly that mapping; `from` holds no grant mapping); on error nothing
 * changed and the caller holds nothing new.  The caller flushes the TLB.
 */
int __must_check p2m_take_grant_ref(struct domain *d, gfn_t gfn, mfn_t mfn,
                                    p2m_type_t t, gfn_t from);

/** One insert or removal of a batch: p2m_insert_grant_refs, _take_. */
struct p2m_grant_entry {
    gfn_t gfn;
    mfn_t mfn;
    p2m_type_t t;          /* grant_map_rw or grant_map_ro */
    int rc;                /* out: 0 or a negative errno */
};

/**
 * p2m_insert_grant_ref for `n` entries in order under one hold of the P2M
 * lock: each `e[i]` gets its own result (0, the entry took over one of the
 * caller's references to its page; or -EINVAL/-EEXIST/-ENOMEM, nothing
 * changed for it and the reference stays the caller's), as `n` calls in a
 * row would give.
 */
void p2m_insert_grant_refs(struct domain *d, struct p2m_grant_entry *e,
                           unsigned int n);

/**
 * p2m_take_grant_ref without `from`, for `n` entries in order under one
 * hold of the P2M lock: each `e[i]` gets its own result (0, its entry's
 * reference now the caller's; or -EINVAL, nothing changed for it), as `n`
 * calls in a row would give.  The caller flushes the TLB.
 */
void p2m_take_grant_refs(struct domain *d, struct p2m_grant_entry *e,
                         unsigned int n);

/**
 * Takes a removal hold on `d`'s P2M, if no removal of RAM entries is under
 * way (else returns false, holding nothing).  Until p2m_removal_release,
 * every RAM entry of `d` stays as it is: none is removed or retyped, so a
 * frame p2m_lookup finds as `d`'s RAM stays `d`'s, allocated and of its
 * type, and may be read or written (as its type allows) without a page or
 * type reference.  Such removals wait for the hold before they take any
 * lock (and refuse new holds meanwhile), so a holder must release it soon
 * (a bounded batch of work) and must not, while holding it, wait for a
 * caller of p2m_remove_ram, p2m_set_ram_type or p2m_teardown on `d`
 * (mm_decrease_reservation, mm_steal_page, the domain's relinquish), nor
 * become one; none of them holds a lock while it waits, so any lock,
 * `d`'s P2M lock included, may be taken under a hold.  Costs two locked
 * operations in all.
 */
bool p2m_removal_hold(struct domain *d);
/** Releases a hold p2m_removal_hold took. */
void p2m_removal_release(struct domain *d);

/** Changes a RAM entry between ram_rw and ram_ro.  -EINVAL if not RAM. */
int __must_check p2m_set_ram_type(struct domain *d, gfn_t gfn, p2m_type_t t);

/** Highest gfn ever mapped in `d` (Xen's max_mapped_pfn), 0 if none. */
uint64_t p2m_max_mapped_gfn(const struct domain *d);

/** P2M table pages `d` holds. */
unsigned long p2m_table_pages(const struct domain *d);

#endif /* LIBMM_P2M_H */
