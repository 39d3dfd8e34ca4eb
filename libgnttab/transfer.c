/* SPDX-License-Identifier: MIT */
/*
 * GNTTABOP_transfer (page flipping) in the P2M model of seed 003
 * (reference/gnttab.md §3).  The sender's page leaves its P2M and its
 * ownership (libmm's mm_steal_page); the receiver's accept_transfer entry
 * names the guest frame where the page must appear; the entry is marked
 * committed, the page is assigned there (mm_assign_page, which flushes the
 * CPUs that may still hold the sender's translation), then the entry is
 * marked completed; if the assignment fails (the receiver is over its
 * limit, or out of memory for its P2M) the commit is taken back.  Every
 * failure after the steal frees the page: it never leaks and is never left
 * in two places.  No grant lock is held across a libmm call that takes the
 * page lock (XSA-73).
 */
#include "private.h"

uint64_t gnttab_stat_transfers;
uint64_t gnttab_stat_transfer_freed;

/**
 * Marks `ref` of `rgt` committed if it is exactly accept_transfer for
 * `sender` (bounded compare-exchange).  Returns GNTST_okay and the gfn the
 * page must appear at, or GNTST_general_error.
 */
static int prepare_for_transfer(struct grant_table *rgt, grant_ref_t ref,
                                domid_t sender, uint64_t *gfn,
                                unsigned int *version)
{
    uint32_t *hdr, w, want = GTF_accept_transfer | ((uint32_t)sender << 16);
    unsigned int tries;
    int rc = GNTST_general_error;

    hal_read_lock(&rgt->lock);
    if ( ref >= nr_grant_entries(rgt) )
        goto out;
    hdr = shared_header_word(rgt, ref);
    w = hal_read_once(hdr);
    for ( tries = 0; tries < GNTTAB_CMPXCHG_RETRIES; tries++ )
    {
        if ( w != want )
            goto out;
        if ( hal_cmpxchg(hdr, &w, w | GTF_transfer_committed) )
        {
            rc = GNTST_okay;
            break;
        }
    }
    if ( rc )
        goto out;
    *version = rgt->gt_version;
    *gfn = rgt->gt_version == 1
               ? hal_read_once(&shared_entry_v1(rgt, ref)->frame)
               : hal_read_once(&shared_entry_v2(rgt, ref)->full_page.frame);
 out:
    hal_read_unlock(&rgt->lock);
    return rc;
}

/**
 * Takes back the commit of `ref` (prepare_for_transfer) when the page could
 * not be given to the receiver, so the entry is again what the receiver
 * wrote: a guest waits for GTF_transfer_completed once it sees
 * GTF_transfer_committed (Linux's gnttab_end_foreign_transfer_ref spins on
 * it), and no transfer will complete this one.  Only our bit is cleared,
 * and only while the table has the version the commit was made under.
 */
static void unprepare_transfer(struct grant_table *rgt, grant_ref_t ref,
                               unsigned int version)
{
    hal_read_lock(&rgt->lock);
    if ( rgt->gt_version == version && ref < nr_grant_entries(rgt) )
        hal_fetch_and(&((uint16_t *)shared_header_word(rgt, ref))[0],
                      (uint16_t)~GTF_transfer_committed);
    hal_read_unlock(&rgt->lock);
}

/** Frees a page taken from the sender after a failure. */
static void free_taken(struct page_info *pg)
{
    hal_fetch_add(&gnttab_stat_transfer_freed, 1);
    put_page(pg);
}

/** One transfer op; sets `op->status`. */
void gnttab_transfer_one(struct vcpu *v, struct gnttab_transfer *op)
{
    struct domain *ld = v->domain, *rd;
    struct grant_table *rgt;
    struct page_info *pg;
    unsigned int version;
    uint64_t gfn;
    int rc;

    /* 1-3: take the page; failures leave it with the sender. */
    if ( mm_steal_page(ld, _gfn(op->mfn), &pg) )
    {
        op->status = GNTST_bad_page;
        return;
    }
    /* From here on the sender has lost the page (the ABI says so). */
    rd = get_domain_by_id(op->domid);
    rc = GNTST_bad_domain;
    if ( !rd )
        goto free;
    if ( !rd->grant_table || domain_is_dying(rd) )
        goto put;
    rc = GNTST_permission_denied;
    if ( gnttab_xsm_transfer(ld, rd) )
        goto put;
    rgt = rd->grant_table;
    rc = prepare_for_transfer(rgt, op->ref, ld->domain_id, &gfn, &version);
    if ( rc )
        goto put;
    rc = GNTST_general_error;
    if ( mm_assign_page(rd, pg, _gfn(gfn)) )
    {
        unprepare_transfer(rgt, op->ref, version);
        goto put;
    }
    /* The page is the receiver's now, at `gfn`. */
    hal_read_lock(&rgt->lock);
    if ( rgt->gt_version == version && op->ref < nr_grant_entries(rgt) )
    {
        hal_smp_wmb();
        hal_fetch_or(&((uint16_t *)shared_header_word(rgt, op->ref))[0],
                     (uint16_t)GTF_transfer_completed);
        rc = GNTST_okay;
    }
    /* else: the version changed meanwhile (XSA-501); the page stays. */
    hal_read_unlock(&rgt->lock);
    hal_fetch_add(&gnttab_stat_transfers, 1);
    put_domain(rd);
    op->status = (int16_t)rc;
    return;

 put:
    put_domain(rd);
 free:
    free_taken(pg);
    op->status = (int16_t)rc;
}
