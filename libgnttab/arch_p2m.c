/* SPDX-License-Identifier: MIT */
/*
 * The arch layer of seed 003: everything that creates, checks or removes a
 * host mapping of a granted frame, and the lookup of the frame a guest
 * names.  The common code (map.c, copy.c, transfer.c) calls only these
 * (and gnttab_arch_batch_add, inline in private.h: it fills a batch that
 * gnttab_arch_map_run or gnttab_arch_unmap_run then applies).
 *
 * hvcore's mappings are P2M mappings ("pseudo-physical" model, the Xen/IA64
 * choice of seed 003): a mapper names a guest frame (`host_addr` >> 12),
 * and the granted machine frame appears there with a grant type, read-only
 * where asked.  The P2M entry holds its own page reference.  A hypervisor
 * with PTE-based mappings (Xen x86 PV) would write the L1 entry here
 * instead and check its frame, present and RW bits on removal (XSA-234).
 *
 * TLB: removing a P2M entry leaves translations of it until a flush; the
 * unmap path asks for one flush per batch (gnttab_arch_flush), and pages
 * whose last reference goes in between wait on libmm's deferred-free queue
 * for the TLB-flush clock (seed 003: no global flush per page).  There is
 * no per-domain dirty CPU mask in hvcore, so the flush covers every CPU.
 */
#include "private.h"

/**
 * Removes the host mapping at `addr` if it is a grant mapping of `mfn`
 * with the expected writability (the P2M form of XSA-234's frame/present/
 * RW check), checked and removed in one P2M walk.  Its page reference
 * becomes the caller's, who drops it after the TLB flush and after every
 * other hold the mapping had on the page (its type reference), which the
 * entry's reference underpinned.  With `new_addr` non-zero
 * (unmap_and_replace; only for a domain with HVCORE_GNTTAB_EXT_PV_MAPS,
 * the caller answers general_error otherwise, as Xen's
 * replace_grant_p2m_mapping does), the mapper's grant mapping at
 * `new_addr` is moved to `addr` instead of leaving a hole, as x86 PV moves
 * the PTE at new_addr: the moved mapping keeps its frame, type and
 * reference, and its maptrack entry is unchanged (hvcore's maptrack, like
 * Xen's, does not record where a mapping lives; its unmap names the new
 * address).
 * Returns 0 or -EINVAL, with nothing changed.
 */
int gnttab_arch_replace_host_mapping(struct domain *ld, uint64_t addr,
                                     mfn_t mfn, bool readonly,
                                     uint64_t new_addr)
{
    p2m_type_t t = readonly ? p2m_grant_map_ro : p2m_grant_map_rw;

    return p2m_take_grant_ref(ld, _gfn(addr >> PAGE_SHIFT), mfn, t,
                              new_addr ? _gfn(new_addr >> PAGE_SHIFT)
                                       : INVALID_GFN);
}

/**
 * Creates the host mappings queued in `u`, in order, under one P2M lock
 * hold (one locked operation for the batch, not one per mapping); each
 * created mapping takes over one general reference to its page that the
 * caller holds (the caller's still if it failed).  Each result is in
 * `u->e[i].rc` (0, or -EINVAL/-EEXIST/-ENOMEM from the P2M); the caller
 * empties `u` after reading them.
 */
void gnttab_arch_map_run(struct domain *ld, struct gnttab_arch_batch *u)
{
    p2m_insert_grant_refs(ld, u->e, u->n);
}

/**
 * Removes the host mappings queued in `u`, in order, under one P2M lock
 * hold (one locked operation for the batch, not one per mapping); each
 * removed mapping's page reference becomes the caller's, as with
 * gnttab_arch_replace_host_mapping.  Each result is in `u->e[i].rc`;
 * the caller empties `u` after reading them.
 */
void gnttab_arch_unmap_run(struct domain *ld, struct gnttab_arch_batch *u)
{
    p2m_take_grant_refs(ld, u->e, u->n);
}

/** One TLB flush for a batch of removed host mappings. */
void gnttab_arch_flush(struct domain *ld)
{
    (void)ld;
    flush_tlb_mask(hal_cpu_all_mask());
}

/**
 * Whether a dying domain's grant release must drop host-mapping
 * references itself: no, the P2M teardown drops them (Xen x86 PV's answer;
 * HVM Xen says yes because its p2m grant entries hold no reference).
 */
bool gnttab_arch_release_host_mappings(void)
{
    return false;
}

/**
 * Looks up granter `rd`'s frame `gfn` (Xen's get_paged_frame): it must be
 * `rd`'s RAM, writable unless `readonly`.  Returns GNTST_okay and the
 * frame, or GNTST_bad_page.  Takes no reference.
 */
int gnttab_arch_get_paged_frame(struct domain *rd, uint64_t gfn,
                                bool readonly, mfn_t *mfn)
{
    p2m_type_t t;
    mfn_t m;

    if ( gfn > P2M_MAX_GFN || !rd->mm )
        return GNTST_bad_page;
    m = p2m_lookup(rd, _gfn(gfn), &t);
    if ( !p2m_is_ram(t) || !mfn_valid(m) ||
         (!readonly && t != p2m_ram_rw) ||
         page_get_owner(mfn_to_page(m)) != rd )
        return GNTST_bad_page;
    *mfn = m;
    return GNTST_okay;
}
