/* SPDX-License-Identifier: MIT */
/*
 * The grant table itself: creation, growth, frame exposure, version
 * switches, and the table-level ops (setup_table, query_size, set_version,
 * get_status_frames, get_version, swap_grant_ref).  See private.h for the
 * lock order.
 *
 * Shared and status frames are pages owned by the domain outside its
 * allocation (MEMF_no_refcount), so the guest can map them into its P2M
 * (a grant-typed entry that holds its own reference); the table holds one
 * more reference of its own and a global mapping, and lets both go only at
 * destroy, or for status frames at a switch to v1 when nothing else
 * references them (XSA-255).
 */
#include <common/guest_access.h>
#include <common/hypercall.h>
#include <common/string.h>
#include <common/subsys.h>
#include <common/xmalloc.h>
#include <public/memory.h>

#include "private.h"

/** Frames of status needed for `nr` grant frames under v2. */
static unsigned int status_frames_for(unsigned int nr)
{
    return (nr * GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) /
           GNTTAB_STATUS_PER_FRAME;
}

/** Allocates one shared frame of `d`, zeroed and globally mapped. */
static int alloc_shared_frame(struct domain *d, struct page_info **pgp,
                              void **vap)
{
    struct page_info *pg = alloc_domheap_page(d, MEMF_no_refcount);
    void *va;

    if ( !pg )
        return -ENOMEM;
    va = map_domain_page_global(page_to_mfn(pg));
    if ( !va )
    {
        free_domheap_page(pg);
        return -ENOMEM;
    }
    get_page_light(pg); /* the table's own reference */
    memset(va, 0, PAGE_SIZE);
    *pgp = pg;
    *vap = va;
    return 0;
}

/** Drops the table's hold on a shared frame (its mapping and references). */
static void free_shared_frame(struct page_info *pg, void *va)
{
    uint64_t old;

    unmap_domain_page_global(va);
    old = hal_fetch_and(&pg->count_info, ~PGC_allocated);
    if ( old & PGC_allocated )
        put_page(pg);
    put_page(pg);
}

/** True if only the table (and the P2M entry at `gfn`) holds `pg`. */
static bool shared_frame_idle(const struct page_info *pg, uint64_t gfn)
{
    uint64_t c = hal_read_once(&pg->count_info);
    uint64_t want = 1 + !!(c & PGC_allocated) + (gfn != INVALID_GFN_RAW);

    return (c & PGC_count_mask) == want;
}

/** See private.h. */
int gnttab_grow_table(struct grant_table *gt, unsigned int nr)
{
    struct domain *d = gt->domain;
    unsigned int i, old = gt->nr_grant_frames;
    unsigned int old_st = gt->nr_status_frames, want_st;
    unsigned int old_act = gt->nr_active_pages, want_act;
    int rc = 0;

    ASSERT(hal_rw_is_write_locked(&gt->lock));
    if ( nr <= old )
        return 0;
    if ( nr > gt->max_grant_frames )
        return -EINVAL;
    want_act = (nr * GNTTAB_V1_PER_FRAME + ACTIVE_PER_PAGE - 1) /
               ACTIVE_PER_PAGE;
    want_st = gt->gt_version == 2 ? status_frames_for(nr) : 0;

    /* Allocate everything first; share nothing until all succeeded (XSA-26). */
    for ( i = old_act; i < want_act; i++ )
    {
        struct active_grant_entry *a = alloc_xenheap_page();
        unsigned int k;

        if ( !a )
        {
            rc = -ENOMEM;
            goto fail;
        }
        memset(a, 0, PAGE_SIZE);
        for ( k = 0; k < ACTIVE_PER_PAGE; k++ )
            hal_spin_init(&a[k].lock);
        gt->active[i] = a;
    }
    for ( i = old; i < nr; i++ )
    {
        rc = alloc_shared_frame(d, &gt->shared_pg[i], &gt->shared_raw[i]);
        if ( rc )
            goto fail;
    }
    for ( i = old_st; i < want_st; i++ )
    {
        rc = alloc_shared_frame(d, &gt->status_pg[i],
                                (void **)&gt->status[i]);
        if ( rc )
            goto fail;
    }

    gt->nr_active_pages = want_act;
    if ( want_st > old_st )
        gt->nr_status_frames = want_st;
    hal_smp_wmb();
    gt->nr_grant_frames = nr;
    return 0;

 fail:
    for ( i = old_st; i < want_st && gt->status[i]; i++ )
    {
        free_shared_frame(gt->status_pg[i], gt->status[i]);
        gt->status[i] = NULL;
        gt->status_pg[i] = NULL;
    }
    for ( i = old; i < nr && gt->shared_raw[i]; i++ )
    {
        free_shared_frame(gt->shared_pg[i], gt->shared_raw[i]);
        gt->shared_raw[i] = NULL;
        gt->shared_pg[i] = NULL;
    }
    for ( i = old_act; i < want_act && gt->active[i]; i++ )
    {
        free_xenheap_page(gt->active[i]);
        gt->active[i] = NULL;
    }
    return rc;
}

/** See common/subsys.h. */
int gnttab_init(void)
{
    return 0;
}

/** See common/subsys.h. */
void gnttab_fini(void)
{
}

/** Frees the table's arrays (not the frames). */
static void free_arrays(struct grant_table *gt)
{
    xfree(gt->shared_pg);
    xfree(gt->shared_raw);
    xfree(gt->shared_gfn);
    xfree(gt->status_pg);
    xfree(gt->status);
    xfree(gt->status_gfn);
    xfree(gt->active);
}

/**
 * See common/subsys.h.  Creates `d`'s table at version 1 with its initial
 * frame.  Errors: -EINVAL (limits, a maximum version above 2, an unknown
 * extension), -ENOMEM;
 * nothing is left on error.
 */
int gnttab_domain_init(struct domain *d, const struct domain_config *cfg)
{
    struct grant_table *gt;
    unsigned int max = cfg->max_grant_frames ? cfg->max_grant_frames
                                             : GNTTAB_DEFAULT_MAX_FRAMES;
    unsigned int max_mt = cfg->max_maptrack_frames
                              ? cfg->max_maptrack_frames
                              : GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES;
    unsigned int max_version = cfg->max_grant_version
                                   ? cfg->max_grant_version
                                   : GNTTAB_MAX_VERSION;
    unsigned int i, act_pages;
    int rc = -ENOMEM;

    /* A table larger than the refs a 32-bit ref can name makes no sense. */
    if ( max > (1U << 20) || max_mt > (1U << 20) ||
         max_version > GNTTAB_MAX_VERSION ||
         (cfg->gnttab_ext & ~HVCORE_GNTTAB_EXT_ALL) )
        return -EINVAL;
    gt = xzalloc(struct grant_table);
    if ( !gt )
        return -ENOMEM;
    hal_rwlock_init(&gt->lock);
    hal_spin_init(&gt->maptrack_lock);
    gt->domain = d;
    gt->gt_version = 1;
    gt->max_version = max_version;
    gt->pv_maps = cfg->gnttab_ext & HVCORE_GNTTAB_EXT_PV_MAPS;
    gt->max_grant_frames = max;
    gt->max_status_frames = status_frames_for(max);
    gt->max_maptrack_frames = max_mt;
    gt->max_maptrack_pages = max_mt * GNTTAB_MAPTRACK_PAGES_PER_FRAME;
    act_pages = (max * GNTTAB_V1_PER_FRAME + ACTIVE_PER_PAGE - 1) /
                ACTIVE_PER_PAGE;

    gt->shared_pg = xzalloc_array(struct page_info *, max);
    gt->shared_raw = xzalloc_array(void *, max);
    gt->shared_gfn = xzalloc_array(uint64_t, max);
    gt->status_pg = xzalloc_array(struct page_info *, gt->max_status_frames);
    gt->status = xzalloc_array(grant_status_t *, gt->max_status_frames);
    gt->status_gfn = xzalloc_array(uint64_t, gt->max_status_frames);
    gt->active = xzalloc_array(struct active_grant_entry *, act_pages);
    if ( !gt->shared_pg || !gt->shared_raw || !gt->shared_gfn ||
         !gt->status_pg || !gt->status || !gt->status_gfn || !gt->active )
        goto fail;
    for ( i = 0; i < max; i++ )
        gt->shared_gfn[i] = INVALID_GFN_RAW;
    for ( i = 0; i < gt->max_status_frames; i++ )
        gt->status_gfn[i] = INVALID_GFN_RAW;

    rc = gnttab_maptrack_init(gt, d->max_vcpus);
    if ( rc )
        goto fail;
    hal_write_lock(&gt->lock);
    rc = gnttab_grow_table(gt, GNTTAB_INITIAL_FRAMES);
    hal_write_unlock(&gt->lock);
    if ( rc )
    {
        gnttab_maptrack_free(gt);
        goto fail;
    }
    d->grant_table = gt;
    return 0;

 fail:
    free_arrays(gt);
    xfree(gt);
    return rc;
}

/**
 * Marks the entries of dying `d`'s table that other domains still pin and
 * takes one reference to `d` for them (see `zombie_pins`), once.  Under
 * the write lock, so a map either pinned before (and is marked) or sees
 * the domain dying.  The caller holds a reference to `d`.
 */
static void mark_foreign_pins(struct domain *d, struct grant_table *gt)
{
    unsigned int p, i;
    uint32_t n = 0;

    hal_write_lock(&gt->lock);
    if ( !gt->pins_marked )
    {
        for ( p = 0; p < gt->nr_active_pages; p++ )
            for ( i = 0; i < ACTIVE_PER_PAGE; i++ )
                if ( gt->active[p][i].pin )
                {
                    gt->active[p][i].zombie = 1;
                    n++;
                }
        gt->pins_marked = true;
        gt->zombie_pins = n;
        if ( n )
            get_domain(d);
    }
    hal_write_unlock(&gt->lock);
}

/** See private.h. */
void gnttab_zombie_put(struct grant_table *gt)
{
    struct domain *d = gt->domain;

    /* Unpinners of other marked entries may still be inside its lock. */
    hal_write_lock(&gt->lock);
    hal_write_unlock(&gt->lock);
    put_domain(d);
}

/**
 * See common/subsys.h.  Releases every mapping `d` holds of other
 * domains' grants (and of its own), preemptibly, a maptrack page at a time
 * (XSA-380), then marks the entries other domains still pin.  Host
 * mappings live in `d`'s P2M, whose teardown drops their references.
 * Accepts a domain whose init never ran.
 */
int gnttab_domain_relinquish(struct domain *d)
{
    struct grant_table *gt = d->grant_table;
    unsigned long limit;

    if ( !gt )
        return 0;
    limit = hal_load_acquire(&gt->maptrack_limit);
    while ( gt->release_pos < limit )
    {
        grant_handle_t h = (grant_handle_t)gt->release_pos;

        if ( hal_read_once(&maptrack_entry(gt, h)->flags) )
            gnttab_release_mapping(gt, h);
        gt->release_pos++;
        if ( !(gt->release_pos % MAPTRACK_PER_PAGE) &&
             gt->release_pos < limit && hypercall_preempt_check() )
            return -ERESTART;
    }
    mark_foreign_pins(d, gt);
    return 0;
}

/** See common/subsys.h.  Frees the table; accepts a missing one. */
void gnttab_domain_destroy(struct domain *d)
{
    struct grant_table *gt = d->grant_table;
    unsigned int i;

    if ( !gt )
        return;
    /* A domain destroyed without relinquish (creation unwound) holds none. */
    while ( gnttab_domain_relinquish(d) == -ERESTART )
        ;
    BUG_ON(gt->zombie_pins); /* marked pins hold a reference to `d` */
    gnttab_maptrack_free(gt);
    for ( i = 0; i < gt->nr_status_frames; i++ )
        free_shared_frame(gt->status_pg[i], gt->status[i]);
    for ( i = 0; i < gt->nr_grant_frames; i++ )
        free_shared_frame(gt->shared_pg[i], gt->shared_raw[i]);
    for ( i = 0; i < gt->nr_active_pages; i++ )
        free_xenheap_page(gt->active[i]);
    free_arrays(gt);
    d->grant_table = NULL;
    xfree(gt);
}

/*
 * The frame slot of `gt` (shared or status) mapped at `gfn`, or NULL; the
 * table lock held.
 */
static uint64_t *frame_slot_at(const struct grant_table *gt, uint64_t gfn,
                               struct page_info **pg)
{
    unsigned int i;

    for ( i = 0; i < gt->nr_grant_frames; i++ )
        if ( gt->shared_gfn[i] == gfn )
        {
            *pg = gt->shared_pg[i];
            return &gt->shared_gfn[i];
        }
    for ( i = 0; i < gt->nr_status_frames; i++ )
        if ( gt->status_gfn[i] == gfn )
        {
            *pg = gt->status_pg[i];
            return &gt->status_gfn[i];
        }
    return NULL;
}

/* A RAM page at `gfn` freed by add_to_physmap, tries before -EBUSY: the
 * guest repopulating the gfn meanwhile is its own doing. */
#define MAP_FRAME_RAM_TRIES 4

/**
 * XENMEM_add_to_physmap, XENMAPSPACE_grant_table (common/subsys.h): maps
 * grant frame `idx` (or status frame, with XENMAPIDX_grant_table_status)
 * of `d` at `gfn`, growing the table to idx+1 frames if needed.  A frame
 * lives at one gfn at most: mapping it elsewhere removes the old entry
 * (XSA-379).  The write lock is held across the P2M update (XSA-384/486).
 * What the gfn held goes first, as in Xen's xenmem_add_to_physmap_one: a
 * RAM page of `d`'s is removed and freed (decrease_reservation's way,
 * without the table lock, which a copy that holds `d`'s RAM in place may
 * need), another of `d`'s own table frames is unhooked from it, and a
 * foreign grant mapping stays (-ENXIO, Xen's guest_remove_page).
 * Errors: -EINVAL (bad index, version, or gfn), -ENXIO, -EBUSY (the gfn
 * kept being repopulated), -ENOMEM, -ESRCH (no grant table).
 */
int gnttab_map_frame(struct domain *d, unsigned long idx, gfn_t gfn)
{
    struct grant_table *gt = d->grant_table;
    bool status = idx & XENMAPIDX_grant_table_status;
    struct page_info *pg, *other_pg;
    uint64_t *slot, *other;
    unsigned int tries = 0;
    p2m_type_t t;
    mfn_t there;
    int rc;

    if ( !gt )
        return -ESRCH;
    idx &= ~(unsigned long)XENMAPIDX_grant_table_status;
 again:
    hal_write_lock(&gt->lock);
    if ( status )
    {
        rc = -EINVAL;
        if ( gt->gt_version != 2 || idx >= gt->nr_status_frames )
            goto out;
        pg = gt->status_pg[idx];
        slot = &gt->status_gfn[idx];
    }
    else
    {
        rc = -EINVAL;
        if ( idx >= gt->max_grant_frames )
            goto out;
        rc = gnttab_grow_table(gt, (unsigned int)idx + 1);
        if ( rc )
            goto out;
        pg = gt->shared_pg[idx];
        slot = &gt->shared_gfn[idx];
    }
    rc = 0;
    if ( *slot == gfn_x(gfn) )
        goto out;
    there = p2m_lookup(d, gfn, &t);
    if ( p2m_is_ram(t) )
    {
        hal_write_unlock(&gt->lock);
        if ( ++tries == MAP_FRAME_RAM_TRIES )
            return -EBUSY;
        rc = mm_decrease_reservation(d, gfn, 0);
        if ( rc )
            return rc;
        goto again;
    }
    other = frame_slot_at(gt, gfn_x(gfn), &other_pg);
    if ( other )
    {
        BUG_ON(p2m_remove_grant(d, gfn, page_to_mfn(other_pg)));
        *other = INVALID_GFN_RAW;
    }
    else if ( !mfn_eq(there, INVALID_MFN) )
    {
        rc = p2m_is_grant(t) ? -ENXIO : -EEXIST;
        goto out;
    }
    rc = p2m_insert_grant(d, gfn, page_to_mfn(pg), p2m_grant_map_rw);
    if ( rc )
        goto out;
    if ( *slot != INVALID_GFN_RAW )
        BUG_ON(p2m_remove_grant(d, _gfn(*slot), page_to_mfn(pg)));
    *slot = gfn_x(gfn);
 out:
    hal_write_unlock(&gt->lock);
    return rc;
}

/** See private.h. */
bool gnttab_is_frame_gfn(const struct grant_table *gt, uint64_t gfn)
{
    struct page_info *pg;

    return frame_slot_at(gt, gfn, &pg) != NULL;
}

/** Resolves `dom` for a table op: GNTST_bad_domain or 0. */
static int table_op_domain(struct vcpu *v, domid_t dom, struct domain **out)
{
    if ( domain_resolve(v->domain, dom, out) )
        return GNTST_bad_domain;
    if ( !(*out)->grant_table )
    {
        put_domain(*out);
        return GNTST_bad_domain;
    }
    return 0;
}

/**
 * Writes the first `nr` gfns of `gfns` to the guest's 64-bit array at
 * `list` in `d`.  Returns GNTST_okay or GNTST_bad_virt_addr; the table lock
 * is held by the caller.
 */
static int copy_frame_list(struct domain *d, uint64_t list,
                           const uint64_t *gfns, unsigned int nr)
{
    unsigned int i;

    for ( i = 0; i < nr; i++ )
        if ( copy_to_guest(d, list + i * sizeof(gfns[i]), &gfns[i]) )
            return GNTST_bad_virt_addr;
    return GNTST_okay;
}

/**
 * GNTTABOP_setup_table: grows the table to `nr_frames` and writes the gfn
 * each frame is mapped at (INVALID if none) to `frame_list`.  Returns a
 * GNTST code for `op->status`.
 */
int gnttab_setup_table_op(struct vcpu *v, struct gnttab_setup_table *op)
{
    struct domain *d;
    struct grant_table *gt;
    int rc;

    rc = table_op_domain(v, op->dom, &d);
    if ( rc )
        return rc;
    gt = d->grant_table;
    rc = GNTST_permission_denied;
    if ( gnttab_xsm_setup(v->domain, d) )
        goto out_put;
    rc = GNTST_general_error;
    if ( op->nr_frames > gt->max_grant_frames )
        goto out_put;
    hal_write_lock(&gt->lock);
    if ( gnttab_grow_table(gt, op->nr_frames) )
        goto out;
    rc = copy_frame_list(v->domain, op->frame_list, gt->shared_gfn,
                         op->nr_frames);
 out:
    hal_write_unlock(&gt->lock);
 out_put:
    put_domain(d);
    return rc;
}

/** GNTTABOP_query_size.  Returns a GNTST code. */
int gnttab_query_size_op(struct vcpu *v, struct gnttab_query_size *op)
{
    struct domain *d;
    int rc = table_op_domain(v, op->dom, &d);

    if ( rc )
        return rc;
    if ( gnttab_xsm_query_size(v->domain, d) )
        rc = GNTST_permission_denied;
    else
    {
        hal_read_lock(&d->grant_table->lock);
        op->nr_frames = d->grant_table->nr_grant_frames;
        op->max_nr_frames = d->grant_table->max_grant_frames;
        hal_read_unlock(&d->grant_table->lock);
    }
    put_domain(d);
    return rc;
}

/**
 * GNTTABOP_get_status_frames (XSA-382: bounded by status frames).  Under
 * version 1 there are none, so asking for none is answered okay, as Xen
 * answers it.
 */
int gnttab_get_status_frames_op(struct vcpu *v,
                                struct gnttab_get_status_frames *op)
{
    struct domain *d;
    struct grant_table *gt;
    int rc = table_op_domain(v, op->dom, &d);

    if ( rc )
        return rc;
    gt = d->grant_table;
    rc = GNTST_permission_denied;
    if ( gnttab_xsm_setup(v->domain, d) )
        goto out_put;
    hal_read_lock(&gt->lock);
    rc = GNTST_general_error;
    if ( op->nr_frames > gt->nr_status_frames )
        goto out;
    rc = copy_frame_list(v->domain, op->frame_list, gt->status_gfn,
                         op->nr_frames);
 out:
    hal_read_unlock(&gt->lock);
 out_put:
    put_domain(d);
    return rc;
}

/** GNTTABOP_get_version: -ESRCH for an unknown domain, XSM's errno. */
long gnttab_get_version_op(struct vcpu *v, struct gnttab_get_version *op)
{
    struct domain *d;
    long rc;

    if ( domain_resolve(v->domain, op->dom, &d) )
        return -ESRCH;
    rc = gnttab_xsm_query_size(v->domain, d);
    if ( !rc )
        op->version = d->grant_table ? d->grant_table->gt_version : 0;
    put_domain(d);
    return rc;
}

/** Converts the reserved entries between layouts; write lock held. */
static void convert_reserved(struct grant_table *gt, unsigned int to)
{
    grant_entry_v1_t v1[GNTTAB_NR_RESERVED_ENTRIES];
    grant_entry_v2_t v2[GNTTAB_NR_RESERVED_ENTRIES];
    grant_status_t st[GNTTAB_NR_RESERVED_ENTRIES];
    unsigned int i, n = GNTTAB_NR_RESERVED_ENTRIES;

    if ( n > nr_grant_entries(gt) )
        n = nr_grant_entries(gt);
    if ( to == 2 )
    {
        memcpy(v1, gt->shared_raw[0], n * sizeof(v1[0]));
        memset(v2, 0, sizeof(v2));
        for ( i = 0; i < n; i++ )
        {
            v2[i].full_page.hdr.flags =
                v1[i].flags & ~(GTF_reading | GTF_writing);
            v2[i].full_page.hdr.domid = v1[i].domid;
            v2[i].full_page.frame = v1[i].frame;
            st[i] = v1[i].flags & (GTF_reading | GTF_writing);
        }
    }
    else
    {
        memcpy(v2, gt->shared_raw[0], n * sizeof(v2[0]));
        memcpy(st, gt->status[0], n * sizeof(st[0]));
        memset(v1, 0, sizeof(v1));
        for ( i = 0; i < n; i++ )
        {
            if ( (v2[i].hdr.flags & GTF_type_mask) != GTF_permit_access )
                continue;
            v1[i].flags = v2[i].hdr.flags | st[i];
            v1[i].domid = v2[i].hdr.domid;
            v1[i].frame = (uint32_t)v2[i].full_page.frame;
        }
    }
    for ( i = 0; i < gt->nr_grant_frames; i++ )
        memset(gt->shared_raw[i], 0, PAGE_SIZE);
    if ( to == 2 )
    {
        memcpy(gt->shared_raw[0], v2, n * sizeof(v2[0]));
        memcpy(gt->status[0], st, n * sizeof(st[0]));
    }
    else
        memcpy(gt->shared_raw[0], v1, n * sizeof(v1[0]));
}

/**
 * GNTTABOP_set_version.  Always writes back the version in force.  Errors
 * (returned): -EINVAL (not 1 or 2), -ENOSYS (above max_version), -EBUSY
 * (a ref >= 8 pinned, or a status frame still referenced), -EAGAIN (v2
 * operations in flight, XSA-501), -ERANGE (a reserved entry v1 cannot
 * hold), -ENOMEM.  On error nothing changed.
 */
long gnttab_set_version_op(struct vcpu *v, uint32_t *version)
{
    struct domain *d = v->domain;
    struct grant_table *gt = d->grant_table;
    uint32_t want = *version;
    unsigned int i, n, nst;
    long rc = 0;

    hal_write_lock(&gt->lock);
    if ( want != 1 && want != 2 )
    {
        rc = -EINVAL;
        goto out;
    }
    if ( want > gt->max_version )
    {
        rc = -ENOSYS;
        goto out;
    }
    if ( gt->gt_version == want )
        goto out;
    n = nr_grant_entries(gt);
    for ( i = GNTTAB_NR_RESERVED_ENTRIES; i < n; i++ )
    {
        if ( active_entry(gt, i)->pin )
        {
            rc = -EBUSY;
            goto out;
        }
    }
    if ( want == 2 )
    {
        nst = status_frames_for(gt->nr_grant_frames);
        for ( i = 0; i < nst; i++ )
        {
            rc = alloc_shared_frame(d, &gt->status_pg[i],
                                    (void **)&gt->status[i]);
            if ( rc )
            {
                while ( i-- )
                {
                    free_shared_frame(gt->status_pg[i], gt->status[i]);
                    gt->status[i] = NULL;
                    gt->status_pg[i] = NULL;
                }
                goto out;
            }
        }
        convert_reserved(gt, 2);
        gt->nr_status_frames = nst;
    }
    else
    {
        if ( hal_read_once(&gt->nr_v2_ops) )
        {
            rc = -EAGAIN;
            goto out;
        }
        for ( i = 0; i < GNTTAB_NR_RESERVED_ENTRIES && i < n; i++ )
        {
            grant_entry_v2_t *e = shared_entry_v2(gt, i);
            uint16_t t = hal_read_once(&e->hdr.flags) & GTF_type_mask;

            if ( t == GTF_transitive ||
                 (t == GTF_permit_access &&
                  (hal_read_once(&e->full_page.frame) >> 32)) )
            {
                rc = -ERANGE;
                goto out;
            }
        }
        /* Never free a status frame something else holds (XSA-255). */
        for ( i = 0; i < gt->nr_status_frames; i++ )
        {
            if ( !shared_frame_idle(gt->status_pg[i], gt->status_gfn[i]) )
            {
                rc = -EBUSY;
                goto out;
            }
        }
        for ( i = 0; i < gt->nr_status_frames; i++ )
        {
            if ( gt->status_gfn[i] != INVALID_GFN_RAW )
                BUG_ON(p2m_remove_grant(d, _gfn(gt->status_gfn[i]),
                                        page_to_mfn(gt->status_pg[i])));
            gt->status_gfn[i] = INVALID_GFN_RAW;
        }
        convert_reserved(gt, 1);
        for ( i = 0; i < gt->nr_status_frames; i++ )
        {
            free_shared_frame(gt->status_pg[i], gt->status[i]);
            gt->status[i] = NULL;
            gt->status_pg[i] = NULL;
        }
        gt->nr_status_frames = 0;
    }
    gt->gt_version = want;
 out:
    *version = gt->gt_version;
    hal_write_unlock(&gt->lock);
    return rc;
}

/**
 * GNTTABOP_swap_grant_ref in the caller's own table, under the write lock
 * (several entries at once).  Returns a GNTST code: bad_gntref (either ref
 * out of range, XSA-18), eagain (either pinned).
 */
int gnttab_swap_grant_ref_op(struct vcpu *v, grant_ref_t a, grant_ref_t b)
{
    struct grant_table *gt = v->domain->grant_table;
    int rc = GNTST_okay;

    hal_write_lock(&gt->lock);
    if ( a >= nr_grant_entries(gt) || b >= nr_grant_entries(gt) )
    {
        rc = GNTST_bad_gntref;
        goto out;
    }
    if ( a == b )
        goto out;
    if ( active_entry(gt, a)->pin || active_entry(gt, b)->pin )
    {
        rc = GNTST_eagain;
        goto out;
    }
    if ( gt->gt_version == 1 )
    {
        grant_entry_v1_t t = *shared_entry_v1(gt, a);

        *shared_entry_v1(gt, a) = *shared_entry_v1(gt, b);
        *shared_entry_v1(gt, b) = t;
    }
    else
    {
        grant_entry_v2_t t = *shared_entry_v2(gt, a);
        grant_status_t s = *status_entry(gt, a);

        *shared_entry_v2(gt, a) = *shared_entry_v2(gt, b);
        *shared_entry_v2(gt, b) = t;
        *status_entry(gt, a) = *status_entry(gt, b);
        *status_entry(gt, b) = s;
    }
 out:
    hal_write_unlock(&gt->lock);
    return rc;
}
