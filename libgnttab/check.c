/* SPDX-License-Identifier: MIT */
/*
 * gnttab_check, the invariant checker, and introspection for tests.
 * Runs while no grant op is in flight, so pins from copies are zero and
 * every pin is explained by a maptrack entry.
 */
#include <common/printk.h>
#include <common/xmalloc.h>

#include "private.h"

extern uint64_t gnttab_stat_unmap_flushes;
extern uint64_t gnttab_stat_transfers;
extern uint64_t gnttab_stat_copy_restarts;
extern uint64_t gnttab_stat_transfer_freed;

struct check_state {
    struct domain *rd;     /* the granter being checked */
    uint32_t *expect;      /* pins the maptracks explain, per ref */
    unsigned int nr;
    int rc;
};

/** Adds `ld`'s mappings of `st->rd`'s grants to `st->expect`. */
static void count_mappings(struct domain *ld, void *arg)
{
    struct check_state *st = arg;
    struct grant_table *lgt = ld->grant_table;
    uint32_t h;

    if ( !lgt )
        return;
    for ( h = 0; h < lgt->maptrack_limit; h++ )
    {
        const struct grant_mapping *m = maptrack_entry(lgt, h);
        bool ro = m->flags & GNTMAP_readonly;

        if ( !m->flags || m->rd != st->rd )
            continue;
        if ( m->ref >= st->nr )
        {
            printk("gnttab_check: d%u handle %u names ref %u of d%u, "
                   "beyond its table\n", ld->domain_id, h, m->ref,
                   st->rd->domain_id);
            st->rc = -EINVAL;
            continue;
        }
        if ( m->mfn != active_entry(st->rd->grant_table, m->ref)->mfn )
        {
            printk("gnttab_check: d%u handle %u records frame 0x%lx, ref %u "
                   "of d%u is pinned on 0x%lx\n", ld->domain_id, h,
                   (unsigned long)m->mfn, m->ref, st->rd->domain_id,
                   (unsigned long)active_entry(st->rd->grant_table,
                                               m->ref)->mfn);
            st->rc = -EINVAL;
        }
        if ( m->flags & GNTMAP_host_map )
            st->expect[m->ref] += ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
        if ( m->flags & GNTMAP_device_map )
            st->expect[m->ref] += ro ? GNTPIN_devr_inc : GNTPIN_devw_inc;
    }
}

/** Checks `ld`'s maptrack: free lists plus live entries are every handle. */
static int check_maptrack(struct domain *ld)
{
    struct grant_table *gt = ld->grant_table;
    unsigned int v, live = 0, free = 0;
    uint32_t h;

    for ( h = 0; h < gt->maptrack_limit; h++ )
        if ( maptrack_entry(gt, h)->flags )
            live++;
    for ( v = 0; v < gt->nr_vcpus; v++ )
    {
        for ( h = gt->mt_vcpu[v].head; h != MAPTRACK_TAIL;
              h = maptrack_entry(gt, h)->ref )
        {
            if ( h >= gt->maptrack_limit ||
                 maptrack_entry(gt, h)->flags ||
                 ++free > gt->maptrack_limit )
            {
                printk("gnttab_check: d%u maptrack free list %u broken at "
                       "%u\n", ld->domain_id, v, h);
                return -EINVAL;
            }
        }
    }
    if ( live + free != gt->maptrack_limit )
    {
        printk("gnttab_check: d%u maptrack %u live + %u free != %u\n",
               ld->domain_id, live, free, gt->maptrack_limit);
        return -EINVAL;
    }
    return 0;
}

/** Checks one granter's table against every maptrack. */
static void check_domain(struct domain *rd, void *arg)
{
    int *rc = arg;
    struct grant_table *gt = rd->grant_table;
    struct check_state st = { .rd = rd, .rc = 0 };
    grant_ref_t ref;

    if ( !gt )
        return;
    if ( check_maptrack(rd) )
        *rc = -EINVAL;
    st.nr = nr_grant_entries(gt);
    st.expect = xzalloc_array(uint32_t, st.nr);
    if ( !st.expect )
    {
        *rc = -ENOMEM;
        return;
    }
    domain_for_each(count_mappings, &st);
    for ( ref = 0; ref < st.nr; ref++ )
    {
        const struct active_grant_entry *act = active_entry(gt, ref);
        uint16_t s = hal_read_once(status_word(gt, ref));
        uint16_t want = 0;

        if ( act->pin != st.expect[ref] )
        {
            printk("gnttab_check: d%u ref %u pin 0x%x, mappings say 0x%x\n",
                   rd->domain_id, ref, act->pin, st.expect[ref]);
            st.rc = -EINVAL;
        }
        if ( act->pin )
            want |= GTF_reading;
        if ( act->pin & GNTPIN_write_mask )
            want |= GTF_writing;
        /*
         * In a v1 accept_transfer entry bits 2-3 are committed/completed,
         * not reading/writing: only a pinned entry's bits are ours.
         */
        if ( gt->gt_version == 1 && !act->pin &&
             (s & GTF_type_mask) == GTF_accept_transfer )
            s = 0;
        if ( (s & (GTF_reading | GTF_writing)) != want )
        {
            printk("gnttab_check: d%u ref %u status 0x%x, pin 0x%x\n",
                   rd->domain_id, ref, s, act->pin);
            st.rc = -EINVAL;
        }
        if ( act->pin )
        {
            uint32_t p = act->pin;
            uint64_t maps = (p & 0xff) + ((p >> 8) & 0xff) +
                            ((p >> 16) & 0xff) + ((p >> 24) & 0xff);
            const struct page_info *pg = mfn_to_page(_mfn(act->mfn));

            if ( page_refcount(pg) < maps )
            {
                printk("gnttab_check: d%u ref %u frame 0x%lx has %lu refs "
                       "for %lu mappings\n", rd->domain_id, ref,
                       (unsigned long)act->mfn,
                       (unsigned long)page_refcount(pg),
                       (unsigned long)maps);
                st.rc = -EINVAL;
            }
            /* Every writable mapping holds a writable type reference. */
            maps = (p & 0xff) + ((p >> 16) & 0xff);
            if ( maps &&
                 ((hal_read_once(&pg->u.type_info) & PGT_type_mask) !=
                      PGT_writable_page ||
                  (hal_read_once(&pg->u.type_info) & PGT_count_mask) <
                      maps) )
            {
                printk("gnttab_check: d%u ref %u frame 0x%lx type 0x%lx for "
                       "%lu writable mappings\n", rd->domain_id, ref,
                       (unsigned long)act->mfn,
                       (unsigned long)pg->u.type_info, (unsigned long)maps);
                st.rc = -EINVAL;
            }
        }
    }
    if ( gt->gt_version == 1 && gt->nr_status_frames )
    {
        printk("gnttab_check: d%u v1 with status frames\n", rd->domain_id);
        st.rc = -EINVAL;
    }
    if ( hal_read_once(&gt->nr_v2_ops) )
    {
        printk("gnttab_check: d%u nr_v2_ops %u at rest\n", rd->domain_id,
               gt->nr_v2_ops);
        st.rc = -EINVAL;
    }
    xfree(st.expect);
    if ( st.rc )
        *rc = st.rc;
}

/** See gnttab.h. */
int gnttab_check(void)
{
    int rc = 0;

    domain_for_each(check_domain, &rc);
    return rc;
}

/** See gnttab.h. */
int gnttab_get_info(struct domain *d, struct gnttab_info *info)
{
    struct grant_table *gt = d->grant_table;
    unsigned int i, n;

    if ( !gt )
        return -ENOENT;
    hal_read_lock(&gt->lock);
    info->version = gt->gt_version;
    info->nr_grant_frames = gt->nr_grant_frames;
    info->nr_status_frames = gt->nr_status_frames;
    info->max_grant_frames = gt->max_grant_frames;
    info->maptrack_pages = gt->maptrack_pages;
    info->nr_v2_ops = hal_read_once(&gt->nr_v2_ops);
    info->maptrack_in_use = 0;
    for ( i = 0; i < hal_read_once(&gt->maptrack_limit); i++ )
        if ( hal_read_once(&maptrack_entry(gt, i)->flags) )
            info->maptrack_in_use++;
    info->pinned_entries = 0;
    n = nr_grant_entries(gt);
    for ( i = 0; i < n; i++ )
        if ( hal_read_once(&active_entry(gt, i)->pin) )
            info->pinned_entries++;
    hal_read_unlock(&gt->lock);
    return 0;
}

/** See gnttab.h. */
uint32_t gnttab_debug_pin(struct domain *d, uint32_t ref)
{
    struct grant_table *gt = d->grant_table;
    uint32_t pin = 0;

    if ( !gt )
        return 0;
    hal_read_lock(&gt->lock);
    if ( ref < nr_grant_entries(gt) )
        pin = hal_read_once(&active_entry(gt, ref)->pin);
    hal_read_unlock(&gt->lock);
    return pin;
}

/** See gnttab.h. */
void gnttab_get_stats(struct gnttab_stats *st)
{
    st->unmap_flushes = hal_read_once(&gnttab_stat_unmap_flushes);
    st->transfers = hal_read_once(&gnttab_stat_transfers);
    st->transfer_freed = hal_read_once(&gnttab_stat_transfer_freed);
    st->copy_restarts = hal_read_once(&gnttab_stat_copy_restarts);
}
