/* SPDX-License-Identifier: MIT */
/*
 * mm_check: libmm's invariant checker (heap.h).
 *
 * Every frame of the heap must be in exactly one of: a free list (buddy or
 * a per-CPU cache), the deferred-free queue, one domain's page list, or in
 * use by the hypervisor (anonymous).  Each walk marks the frames it finds
 * with a scratch bit, so a frame found twice is reported; the final pass
 * over the frame table checks that each frame's state matches the walk that
 * found it, counts the anonymous ones, and clears the bits.  Then the sums
 * must match the heap's counters, each domain's counts its list, and each
 * P2M its domain's pages (p2m.c).
 */
#include "mm_private.h"

struct check_state {
    uint64_t domain_pages;
    int rc;
};

/** Walks one domain's page list. */
static void check_domain(struct domain *d, void *arg)
{
    struct check_state *st = arg;
    struct mm_domain *md = d->mm;
    struct page_info *pg;
    uint64_t tot = 0, extra = 0;

    if ( !md )
        return;
    hal_spin_lock(&md->page_lock);
    for ( pg = page_list_first(&md->page_list); pg; pg = page_list_next(pg) )
    {
        uint64_t c = pg->count_info;

        if ( page_state(pg) != PGC_state_inuse ||
             pg->v.owner != mm_owner_of(d) || !(c & PGC_count_mask) ||
             (c & PGC_seen) )
        {
            printk("mm_check: d%u: frame %#lx on its list is not its "
                   "(state %#lx owner %u count %lu)\n", d->domain_id,
                   (unsigned long)mfn_x(page_to_mfn(pg)),
                   (unsigned long)(c & PGC_state_mask), pg->v.owner,
                   (unsigned long)(c & PGC_count_mask));
            st->rc = -EINVAL;
        }
        pg->count_info |= PGC_seen;
        if ( c & PGC_extra )
            extra++;
        else
            tot++;
    }
    if ( tot != md->tot_pages || extra != md->extra_pages ||
         md->tot_pages > md->max_pages )
    {
        printk("mm_check: d%u: list %lu+%lu, counts %lu+%lu, max %lu\n",
               d->domain_id, (unsigned long)tot, (unsigned long)extra,
               (unsigned long)md->tot_pages, (unsigned long)md->extra_pages,
               (unsigned long)md->max_pages);
        st->rc = -EINVAL;
    }
    st->domain_pages += tot + extra;
    hal_spin_unlock(&md->page_lock);
    if ( p2m_check(d) )
        st->rc = -EINVAL;
}

/** See heap.h. */
int mm_check(void)
{
    struct check_state st = { 0, 0 };
    struct mm_stats s;
    uint64_t nfree, ndirty, ndeferred, anon = 0, pt = 0, m;

    if ( !mm_live )
        return -EINVAL;
    if ( heap_check(&nfree, &ndirty) )
        st.rc = -EINVAL;
    if ( deferred_check(&ndeferred) )
        st.rc = -EINVAL;
    mm_for_each_domain(check_domain, &st);
    if ( mm_owner_holds_in_use() )
    {
        printk("mm_check: %lu owner-slot holds outstanding\n",
               mm_owner_holds_in_use());
        st.rc = -EINVAL;
    }

    for ( m = 0; m < mm_max_mfn; m++ )
    {
        struct page_info *pg = frame_table + m;
        uint64_t c = pg->count_info, state = c & PGC_state_mask;
        bool seen = c & PGC_seen;

        pg->count_info &= ~PGC_seen;
        if ( state == PGC_state_reserved )
        {
            if ( seen )
                st.rc = -EINVAL;
            continue;
        }
        if ( state == PGC_state_inuse && !pg->v.owner )
        {
            if ( seen )
            {
                printk("mm_check: anonymous frame %#lx on a list\n",
                       (unsigned long)m);
                st.rc = -EINVAL;
            }
            anon++;
            pt += (pg->u.type_info & PGT_type_mask) == PGT_pt;
            continue;
        }
        if ( !seen )
        {
            printk("mm_check: frame %#lx (state %#lx owner %u) on no list\n",
                   (unsigned long)m, (unsigned long)state, pg->v.owner);
            st.rc = -EINVAL;
        }
    }

    mm_get_stats(&s);
    if ( anon != s.anon_pages ||
         nfree + ndeferred + st.domain_pages + anon != s.total_pages )
    {
        printk("mm_check: free %lu + deferred %lu + domains %lu + anon "
               "%lu/%lu != total %lu\n", (unsigned long)nfree,
               (unsigned long)ndeferred, (unsigned long)st.domain_pages,
               (unsigned long)anon, (unsigned long)s.anon_pages,
               (unsigned long)s.total_pages);
        st.rc = -EINVAL;
    }
    if ( pt != mm_pt_pages_given() || pt > hal_pt_pages_in_use() )
    {
        printk("mm_check: %lu page-table pages, %lu given, HAL uses %lu\n",
               (unsigned long)pt, (unsigned long)mm_pt_pages_given(),
               hal_pt_pages_in_use());
        st.rc = -EINVAL;
    }
    return st.rc;
}
