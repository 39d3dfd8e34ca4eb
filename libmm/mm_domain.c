/* SPDX-License-Identifier: MIT */
/*
 * libmm's per-domain state: accounting, the page list, the P2M, and their
 * release when the domain dies.
 */
#include <common/hypercall.h>
#include <common/subsys.h>
#include <common/xmalloc.h>

#include "mm_private.h"

/* Work done between preemption checks while relinquishing. */
#define MM_RELINQUISH_BATCH 512UL

/** See common/subsys.h.  Errors: -EINVAL, -ENOSPC, -ENOMEM. */
int mm_domain_init(struct domain *d, const struct domain_config *cfg)
{
    struct mm_domain *md;
    unsigned int i;
    int rc;

    if ( d->domain_id >= DOMID_FIRST_RESERVED )
        return -EINVAL;
    md = xzalloc(struct mm_domain);
    if ( !md )
        return -ENOMEM;
    md->gr.xlat = xzalloc_array(struct guest_xlat, hal_cpu_count());
    if ( !md->gr.xlat )
    {
        rc = -ENOMEM;
        goto fail;
    }
    for ( i = 0; i < hal_cpu_count(); i++ )
    {
        md->gr.xlat[i].seq = GUEST_XLAT_NONE;
        md->gr.xlat[i].dm_seq = GUEST_XLAT_NONE;
    }
    hal_spin_init(&md->page_lock);
    hal_spin_init(&md->p2m_lock);
    page_list_init(&md->page_list);
    page_list_init(&md->p2m_dead);
    md->max_pages = cfg->max_pages;
    rc = mm_owner_register(d, &md->owner);
    if ( rc )
        goto fail;
    d->mm = md;
    rc = p2m_init(d);
    if ( rc )
    {
        d->mm = NULL;
        mm_owner_unregister(md->owner);
        goto fail;
    }
    return 0;

 fail:
    xfree(md->gr.xlat);
    xfree(md);
    return rc;
}

/**
 * Drops the allocation reference of up to `*budget` pages of `d`, walking
 * the page list from its head and moving each page it passes to the tail.
 * A page without an allocation reference (something else still holds it:
 * a grant mapping of a page the guest gave back, say) can sit anywhere in
 * the list, so the walk ends only after passing every owned page in a row
 * without finding one; the count survives preemption in `release_passed`.
 * Pages still referenced stay owned until their last put.  Returns true
 * when no page with an allocation reference is left.
 */
static bool mm_release_pages(struct domain *d, unsigned long *budget)
{
    struct mm_domain *md = d->mm;
    struct page_info *pg;
    bool allocated;

    for ( ;; )
    {
        if ( !*budget )
            return false;
        hal_spin_lock(&md->page_lock);
        pg = page_list_first(&md->page_list);
        if ( !pg ||
             md->release_passed >= md->tot_pages + md->extra_pages )
        {
            hal_spin_unlock(&md->page_lock);
            return true;
        }
        allocated = pg->count_info & PGC_allocated;
        if ( allocated )
        {
            /* Our own reference keeps it while the lock is dropped. */
            get_page_light(pg);
            hal_fetch_and(&pg->count_info, ~PGC_allocated);
            md->release_passed = 0;
        }
        else
            md->release_passed++;
        page_list_del(pg, &md->page_list);
        page_list_add_tail(pg, &md->page_list);
        hal_spin_unlock(&md->page_lock);
        (*budget)--;
        if ( !allocated )
            continue;
        put_page(pg); /* the allocation reference */
        put_page(pg); /* ours: the last one frees it */
    }
}

/** Releases everything; `preempt` allows -ERESTART between batches. */
static int mm_relinquish(struct domain *d, bool preempt)
{
    struct mm_domain *md = d->mm;
    unsigned long budget;
    int rc;

    if ( !md )
        return 0;
    for ( ;; )
    {
        budget = MM_RELINQUISH_BATCH;
        rc = p2m_teardown(d, &budget);
        if ( !rc && mm_release_pages(d, &budget) )
            return 0;
        if ( preempt && hypercall_preempt_check() )
            return -ERESTART;
    }
}

/** See common/subsys.h. */
int mm_domain_relinquish(struct domain *d)
{
    return mm_relinquish(d, true);
}

/**
 * See common/subsys.h.  Pages other domains still reference become
 * anonymous, so their last put frees them without their old owner.
 */
void mm_domain_destroy(struct domain *d)
{
    struct mm_domain *md = d->mm;
    struct page_info *pg;

    if ( !md )
        return;
    while ( mm_relinquish(d, false) )
        ;
    hal_spin_lock(&md->page_lock);
    while ( (pg = page_list_remove_head(&md->page_list)) )
    {
        if ( pg->count_info & PGC_extra )
            md->extra_pages--;
        else
            md->tot_pages--;
        pg->count_info &= ~PGC_extra;
        hal_write_once(&pg->v.owner, 0);
        heap_anon_add(1);
    }
    hal_spin_unlock(&md->page_lock);
    BUG_ON(md->tot_pages || md->extra_pages || md->reserved_pages);
    p2m_free_dead_tables(d);
    mm_owner_unregister(md->owner);
    d->mm = NULL;
    xfree(md->gr.xlat);
    xfree(md);
}

/** See mm.h. */
uint64_t mm_domain_tot_pages(const struct domain *d)
{
    return d->mm ? hal_read_once(&d->mm->tot_pages) : 0;
}

/** See mm.h. */
uint64_t mm_domain_max_pages(const struct domain *d)
{
    return d->mm ? hal_read_once(&d->mm->max_pages) : 0;
}

/** See mm.h. */
int mm_domain_set_max_pages(struct domain *d, uint64_t max)
{
    struct mm_domain *md = d->mm;
    int rc = 0;

    if ( !md )
        return -EINVAL;
    hal_spin_lock(&md->page_lock);
    if ( max < md->tot_pages + md->reserved_pages )
        rc = -EINVAL;
    else
        md->max_pages = max;
    hal_spin_unlock(&md->page_lock);
    return rc;
}
