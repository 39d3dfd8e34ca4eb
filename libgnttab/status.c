/* SPDX-License-Identifier: MIT */
/*
 * GTF_reading / GTF_writing on the guest-shared entry (reference/gnttab.md
 * §2 "Status sync").  The guest may rewrite its entries at any moment, so
 * every read of shared memory is a single load, every update is one atomic
 * operation, and loops against a changing entry are bounded (XSA-295).
 * Clearing is an atomic AND confined to the 16-bit word, done in the same
 * active-entry critical section as the pin change (XSA-218/230).
 */
#include "private.h"

/** The header checks every new pin makes.  Returns true if `w` is fine. */
static bool header_ok(uint32_t w, domid_t ld, bool readonly,
                      bool allow_sub_page, bool allow_transitive)
{
    uint16_t flags = (uint16_t)w;
    domid_t id = (domid_t)(w >> 16);
    uint16_t type = flags & GTF_type_mask;

    if ( id != ld )
        return false;
    if ( type != GTF_permit_access &&
         !(allow_transitive && type == GTF_transitive) )
        return false;
    if ( (flags & GTF_sub_page) && !allow_sub_page )
        return false;
    if ( !readonly && (flags & GTF_readonly) )
        return false;
    return true;
}

/** See private.h. */
int gnttab_set_status(struct grant_table *gt, struct active_grant_entry *act,
                      grant_ref_t ref, domid_t ld, bool readonly,
                      bool allow_sub_page, bool allow_transitive)
{
    uint32_t *hdr = shared_header_word(gt, ref);
    uint16_t want = GTF_reading | (readonly ? 0 : GTF_writing);
    unsigned int tries;
    uint32_t w, w2;
    uint16_t added;

    if ( gt->gt_version == 1 )
    {
        /* Only permit_access exists in v1; sub_page is a v2 bit. */
        allow_sub_page = false;
        allow_transitive = false;
        w = hal_read_once(hdr);
        for ( tries = 0; tries < GNTTAB_CMPXCHG_RETRIES; tries++ )
        {
            if ( !header_ok(w, ld, readonly, false, false) )
                return GNTST_general_error;
            if ( hal_cmpxchg(hdr, &w, w | want) )
                return GNTST_okay;
        }
        return GNTST_general_error;
    }

    /* v2: OR into the status word, then re-check the header is unchanged. */
    w = hal_read_once(hdr);
    if ( !header_ok(w, ld, readonly, allow_sub_page, allow_transitive) )
        return GNTST_general_error;
    added = want & ~hal_fetch_or(status_entry(gt, ref), want);
    hal_smp_mb();
    w2 = hal_read_once(hdr);
    if ( w2 != w )
    {
        /* Undo only what this call added and no pin still needs. */
        uint16_t keep = 0;

        if ( act->pin )
            keep |= GTF_reading;
        if ( act->pin & GNTPIN_write_mask )
            keep |= GTF_writing;
        hal_fetch_and(status_entry(gt, ref), (uint16_t)~(added & ~keep));
        return GNTST_general_error;
    }
    return GNTST_okay;
}

/** See private.h. */
void gnttab_sync_status(struct grant_table *gt,
                        const struct active_grant_entry *act,
                        grant_ref_t ref)
{
    uint16_t clear = 0;

    if ( !(act->pin & GNTPIN_write_mask) )
        clear |= GTF_writing;
    if ( !act->pin )
        clear |= GTF_reading;
    if ( clear )
        hal_fetch_and(status_word(gt, ref), (uint16_t)~clear);
}
