/* SPDX-License-Identifier: MIT */
/*
 * libmm's public interface: everything the rest of the tree uses, plus the
 * toolstack-side calls that build a domain's memory without guest handles.
 *
 * mm_init/mm_fini, mm_domain_*, do_memory_op are declared in
 * common/subsys.h; xmalloc in common/xmalloc.h; guest copies in
 * common/guest_access.h.
 */
#ifndef LIBMM_MM_H
#define LIBMM_MM_H

#include <common/compiler.h>
#include <common/domain.h>
#include <common/selftest.h>
#include <common/types.h>
#include <libmm/domain_page.h>
#include <libmm/heap.h>
#include <libmm/layout.h>
#include <libmm/p2m.h>
#include <libmm/page.h>
#include <libmm/tlbflush.h>
#include <libmm/vmap.h>

/**
 * Chooses, for the next mm_init, a full direct map (true) or none (false).
 * The default is the build's HVCORE_DIRECTMAP, and mm_fini returns to it.
 * Both work in every build so the two can be compared in one run.
 */
void mm_config_directmap(bool full);

/** True if the running world has a direct map. */
bool mm_has_directmap(void);

/**
 * Toolstack: gives `d` `nr_extents` extents of 2^order pages at
 * `gfn`, `gfn + 2^order`, ... (gfn aligned to the order), as
 * XENMEM_populate_physmap does, up to order MAX_ORDER.  Sets `*done` to the
 * extents completed.  Errors: -EINVAL (bad order, gfn or alignment),
 * -EEXIST (a gfn already mapped), -ENOMEM (heap or max_pages), -ESRCH
 * (dying); the failing extent changes nothing.
 */
int __must_check mm_populate_physmap(struct domain *d, gfn_t gfn,
                                     unsigned long nr_extents,
                                     unsigned int order, unsigned long *done);

/**
 * Toolstack: removes the 2^order RAM pages at `gfn` from `d`, as one extent
 * of XENMEM_decrease_reservation.  Errors: -EINVAL (a gfn not RAM of `d`,
 * or misaligned), -ENOMEM (a superpage could not be split); on error
 * nothing changed.
 */
int __must_check mm_decrease_reservation(struct domain *d, gfn_t gfn,
                                         unsigned int order);

/** `d`'s pages counted against max_pages, and the limit. */
uint64_t mm_domain_tot_pages(const struct domain *d);
uint64_t mm_domain_max_pages(const struct domain *d);

/** Sets `d`'s limit; -EINVAL if below what it holds now. */
int __must_check mm_domain_set_max_pages(struct domain *d, uint64_t max);

/**
 * Grant transfer, sender side (libgnttab): takes the 4 KiB RAM page at
 * `gfn` from `d` (Xen's steal_page in the P2M model of seed 003).  The page
 * must be writable RAM of `d` that nothing else references.  It leaves the
 * P2M and `d`'s ownership and comes back anonymous, holding one reference
 * for the caller and stamped on the TLB-flush clock.  Errors: -EINVAL (not
 * such a page), -EBUSY (referenced elsewhere), -ENOMEM (a superpage could
 * not be split), -ESRCH (dying); on error `d` keeps the page.
 */
int __must_check mm_steal_page(struct domain *d, gfn_t gfn,
                               struct page_info **out);

/**
 * Grant transfer, receiver side: gives a page from mm_steal_page to `d`
 * at `gfn` as writable RAM, counted against `max_pages`; the caller's
 * reference becomes the allocation reference.  CPUs that may still map
 * the page are flushed first.  Errors: -ESRCH (dying), -ENOMEM (over
 * max_pages or no P2M memory), -EEXIST/-EINVAL (gfn); on error the caller
 * still holds the page (free it with put_page).
 */
int __must_check mm_assign_page(struct domain *d, struct page_info *pg,
                                gfn_t gfn);

/** The self-tests run by the boot target and by a ctest on the simulator. */
extern const struct selftest_suite mm_selftest_suite;

#endif /* LIBMM_MM_H */
