/* SPDX-License-Identifier: MIT */
/*
 * Guest pages the ABIs keep mapped (3-level bitmaps and selectors, FIFO
 * control blocks and event arrays): each is a writable RAM page of the
 * domain, held with a general and a writable-type reference and mapped
 * once with map_domain_page_global, as Xen's event_fifo.c maps its pages.
 */
#include <common/printk.h>
#include <libmm/domain_page.h>
#include <libmm/p2m.h>
#include <libmm/page.h>

#include "private.h"

/** See private.h. */
int evtchn_map_guest_page(struct domain *d, uint64_t gfn, void **va,
                          mfn_t *mfn_out)
{
    p2m_type_t t;
    mfn_t mfn;
    struct page_info *pg;
    void *p;

    if ( gfn > P2M_MAX_GFN )
        return -EINVAL;
    mfn = p2m_lookup(d, _gfn(gfn), &t);
    if ( t != p2m_ram_rw || !mfn_valid(mfn) )
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if ( !get_page(pg, d) )
        return -EINVAL;
    if ( !get_page_type(pg, PGT_writable_page) )
    {
        put_page(pg);
        return -EINVAL;
    }
    p = map_domain_page_global(mfn);
    if ( !p )
    {
        put_page_type(pg);
        put_page(pg);
        return -ENOMEM;
    }
    *va = p;
    *mfn_out = mfn;
    return 0;
}

/** See private.h. */
void evtchn_unmap_guest_page(void *va, mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);

    unmap_domain_page_global(va);
    put_page_type(pg);
    put_page(pg);
}

/** See private.h. */
unsigned int evtchn_check_guest_page(const struct domain *d, mfn_t mfn,
                                     const void *va, const char *what)
{
    struct page_info *pg;

    if ( !va || !mfn_valid(mfn) )
    {
        printk("evtchn_check: d%u: %s page not mapped\n", d->domain_id, what);
        return 1;
    }
    pg = mfn_to_page(mfn);
    if ( page_get_owner(pg) != d || page_refcount(pg) < 1 ||
         (pg->u.type_info & PGT_type_mask) != PGT_writable_page ||
         (pg->u.type_info & PGT_count_mask) < 1 )
    {
        printk("evtchn_check: d%u: %s page %llx not held\n", d->domain_id,
               what, (unsigned long long)mfn_x(mfn));
        return 1;
    }
    return 0;
}
