/* SPDX-License-Identifier: MIT */
/*
 * map_grant_ref, unmap_grant_ref, unmap_and_replace, and the release of a
 * dying domain's mappings (reference/gnttab.md §1.6, §2 "map, step by
 * step", "unmap").
 *
 * References (hvcore's accounting, per mapping kind, reference/gnttab.md
 * §2 step 6): a host mapping's P2M entry holds its own general reference;
 * a writable host mapping also holds, through its maptrack entry, a
 * PGT_writable_page type reference (so a page someone can write through a
 * grant is typed writable, as Xen's `gnttab_host_mapping_get_page_type`
 * asks for PV granters), which the P2M entry's reference underpins: the
 * unmap takes that reference over from the P2M and drops it last, and a
 * dying mapper's release drops the type reference before the P2M teardown
 * drops the entry's (libgnttab relinquishes before libmm); a device
 * mapping (HVCORE_GNTTAB_EXT_PV_MAPS only: a translated guest otherwise
 * gets Xen's general_error) holds a general reference, plus a type
 * reference when writable.
 * The active entry holds none.  Pins change with the status bits in one
 * active-entry critical section.
 *
 * A map batch's host mappings on one granter are made in one P2M lock
 * hold, under the granter's table lock its ops pinned under, and only
 * then are those ops' maptrack entries published (or, where the P2M
 * refused, their pins and references undone); an op on a ref a queued op
 * pinned ends the queue first.
 *
 * Unmap claims the handle first (only one
 * unmapper works on a handle at a time, and the claim keeps the granter's
 * `struct domain` reachable), checks everything in phase 1 (and frees a
 * fully unmapped handle there, XSA-218), flushes once per batch, then
 * phase 2 drops pins and references and cannot fail (XSA-224).  Unlike
 * Xen's, phase 1 takes no lock of the granter's: the maptrack entry
 * records the frame its pin froze, and the P2M checks and removes the
 * host mapping in one step under its own lock: one P2M lock hold for all
 * of a batch's host mappings, in op order, with the claims of their ops
 * held across it (gnttab_unmap_batch says how claims never wait on each
 * other).
 */
#include "private.h"

/** The pin increment for a mapping with GNTMAP flags `f`. */
static uint32_t map_pin_incr(uint32_t f)
{
    bool ro = f & GNTMAP_readonly;
    uint32_t incr = 0;

    if ( f & GNTMAP_host_map )
        incr += ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    if ( f & GNTMAP_device_map )
        incr += ro ? GNTPIN_devr_inc : GNTPIN_devw_inc;
    return incr;
}

/** General references a mapping of kinds `f` keeps (besides the P2M's). */
static unsigned int map_page_refs(uint32_t f)
{
    return !!(f & GNTMAP_device_map);
}

/** PGT_writable_page type references a mapping of kinds `f` keeps. */
static unsigned int map_type_refs(uint32_t f)
{
    if ( f & GNTMAP_readonly )
        return 0;
    return !!(f & GNTMAP_device_map) + !!(f & GNTMAP_host_map);
}

/** See private.h. */
int gnttab_lookup_frame(struct domain *rd,
                        const struct active_grant_entry *act,
                        grant_ref_t ref, bool readonly, mfn_t *mfn)
{
    struct grant_table *rgt = rd->grant_table;
    uint64_t frame;
    int rc;

    /* The frame sits at the same place in v2 full-page and sub-page. */
    if ( rgt->gt_version == 1 )
        frame = hal_read_once(&shared_entry_v1(rgt, ref)->frame);
    else
        frame = hal_read_once(&shared_entry_v2(rgt, ref)->full_page.frame);
    rc = gnttab_arch_get_paged_frame(rd, frame, readonly, mfn);
    if ( rc )
        return rc;
    /* A pinned entry's frame is frozen (XSA-500: trust the pin only). */
    if ( act->pin && mfn_x(*mfn) != act->mfn )
        return GNTST_general_error;
    return GNTST_okay;
}

/**
 * True if every counter of `pin` is at least that of `incr`, whose
 * counters are 0 or 1 (map_pin_incr): each counter `incr` counts must be
 * non-zero.  A byte's top bit, after adding 0x7f to its low seven bits and
 * or-ing the byte back in, says whether it is non-zero.
 */
static bool pin_covers(uint32_t pin, uint32_t incr)
{
    uint32_t nz = (((pin & 0x7f7f7f7fU) + 0x7f7f7f7fU) | pin) & 0x80808080U;

    return !((incr << 7) & ~nz);
}

/**
 * Drops `incr` pins of `ref` and syncs its status bits; rgt->lock held.
 * Returns true if the caller must call gnttab_zombie_put (private.h).
 */
static bool unpin_locked(struct grant_table *rgt, grant_ref_t ref,
                         uint32_t incr)
{
    struct active_grant_entry *act = active_entry_acquire(rgt, ref);
    bool last;

    BUG_ON(!pin_covers(act->pin, incr));
    act->pin -= incr;
    gnttab_sync_status(rgt, act, ref);
    last = gnttab_unpinned(rgt, act);
    active_entry_release(act);
    return last;
}

/**
 * Undoes a map whose host mapping failed: pins go before the page
 * references they protect (XSA-236), then the handle.  The granter's
 * table lock is still held from the pin, so the relinquish cannot have
 * marked it: no zombie reference is this op's to drop.
 */
static void map_undo(struct grant_table *lgt, struct grant_table *rgt,
                     grant_handle_t handle, grant_ref_t ref, uint32_t incr,
                     struct page_info *pg, unsigned int ntypes,
                     unsigned int nrefs)
{
    bool last = unpin_locked(rgt, ref, incr);

    BUG_ON(last);
    while ( ntypes-- )
        put_page_type(pg);
    while ( nrefs-- )
        put_page(pg);
    gnttab_put_maptrack_handle(lgt, handle);
}

/** Publishes a map's maptrack entry and sets its results. */
static void map_publish(struct grant_table *lgt,
                        struct gnttab_map_grant_ref *op, grant_handle_t handle,
                        struct domain *rd, grant_ref_t ref, mfn_t mfn)
{
    struct grant_mapping *m = maptrack_entry(lgt, handle);

    m->domid = rd->domain_id;
    m->ref = ref;
    m->mfn = mfn_x(mfn);
    m->rd = rd; /* kept alive by this mapping's pin */
    hal_store_release(&m->flags, (uint16_t)(op->flags & MAPTRACK_KIND_MASK));
    op->handle = handle;
    op->dev_bus_addr = mfn_x(mfn) << PAGE_SHIFT;
    op->status = GNTST_okay;
}

/**
 * Makes the host mappings `mc` queued (at least one) in one P2M step, then
 * publishes each op or, if its mapping failed, undoes it (general_error).
 * The granter's lock is held, as it was when the ops pinned.  Out of line:
 * its callers test for an empty queue without paying for its frame.
 */
static __attribute__((noinline)) void
map_run_hosts(struct gnttab_map_cache *mc)
{
    struct grant_table *lgt = mc->ld->grant_table;
    unsigned int k;

    gnttab_arch_map_run(mc->ld, &mc->hosts);
    for ( k = 0; k < mc->hosts.n; k++ )
    {
        struct gnttab_map_pending *p = &mc->pend[k];
        mfn_t mfn = mc->hosts.e[k].mfn;

        if ( !mc->hosts.e[k].rc )
        {
            map_publish(lgt, p->op, p->handle, mc->rd, p->ref, mfn);
            continue;
        }
        map_undo(lgt, mc->locked, p->handle, p->ref, p->incr,
                 mfn_to_page(mfn), p->ntypes, p->nrefs);
        p->op->status = GNTST_general_error;
    }
    mc->hosts.n = 0;
    mc->pend_refs = 0;
}

/** See private.h. */
void gnttab_map_cache_unlock(struct gnttab_map_cache *mc)
{
    if ( mc->hosts.n )
        map_run_hosts(mc);
    if ( mc->locked )
        hal_read_unlock(&mc->locked->lock);
    mc->locked = NULL;
}

/**
 * Read-locks `rgt`, the table of `mc`'s granter, unless `mc` holds that
 * lock already (from the previous op of a run on this granter).  The
 * lock stays held until the granter changes, the maptrack has to grow, or
 * the chunk ends: each op holds it across its whole critical part, so a
 * run of ops costs one lock hold, not one per op.  The cache's reference
 * to the granter keeps `rgt` alive meanwhile.
 */
static void map_cache_lock(struct gnttab_map_cache *mc,
                           struct grant_table *rgt)
{
    if ( mc->locked == rgt )
        return;
    gnttab_map_cache_unlock(mc);
    hal_read_lock(&rgt->lock);
    mc->locked = rgt;
}

/** Drops the reference a map batch's cache holds to a granter. */
static void map_cache_put_domain(struct gnttab_map_cache *mc)
{
    gnttab_map_cache_unlock(mc); /* before the table may go */
    if ( mc->rd )
        put_domain(mc->rd);
    mc->rd = NULL;
}

/** See private.h. */
void gnttab_map_cache_init(struct vcpu *v, struct gnttab_map_cache *mc)
{
    mc->rd = NULL;
    mc->locked = NULL;
    mc->nr_free = mc->next_free = 0;
    mc->ld = v->domain;
    mc->pend_refs = 0;
    mc->hosts.n = 0;
}

/** See private.h. */
void gnttab_map_cache_reserve(struct vcpu *v, struct gnttab_map_cache *mc,
                              unsigned int n)
{
    unsigned int left = mc->nr_free - mc->next_free, i;

    BUG_ON(n > GNTTAB_UNMAP_BATCH);
    for ( i = 0; i < left; i++ )
        mc->free[i] = mc->free[mc->next_free + i];
    mc->next_free = 0;
    mc->nr_free = left;
    if ( left < n )
        mc->nr_free += gnttab_maptrack_take(v->domain->grant_table,
                                            v->vcpu_id, mc->free + left,
                                            n - left);
}

/** See private.h. */
void gnttab_map_cache_end(struct vcpu *v, struct gnttab_map_cache *mc)
{
    map_cache_put_domain(mc);
    gnttab_maptrack_put_handles(v->domain->grant_table,
                                mc->free + mc->next_free,
                                mc->nr_free - mc->next_free);
    mc->nr_free = mc->next_free = 0;
}

/**
 * A free maptrack handle for `v`'s map: the batch's next one (in list
 * order), else one from the vCPU's list (growing or stealing).  -1 if
 * there is none.
 */
static long map_get_handle(struct vcpu *v, struct gnttab_map_cache *mc)
{
    if ( mc->next_free < mc->nr_free )
        return mc->free[mc->next_free++];
    /* Growing the maptrack allocates: not under a granter's lock. */
    gnttab_map_cache_unlock(mc);
    return gnttab_get_maptrack_handle(v->domain->grant_table, v->vcpu_id);
}

/**
 * Resolves `dom` for `ld` as domain_resolve does, through the batch's
 * cache: returns 0 and `*rd`, which the cache holds a reference to for
 * as long as the op runs, or -ESRCH.  A mapping takes no reference of its
 * own: its pin keeps the granter alive (struct grant_mapping).
 */
static int map_resolve(struct domain *ld, domid_t dom,
                       struct gnttab_map_cache *mc, struct domain **rd)
{
    if ( mc->rd && mc->dom == dom )
    {
        *rd = mc->rd;
        return 0;
    }
    if ( domain_resolve(ld, dom, rd) )
        return -ESRCH;
    map_cache_put_domain(mc);
    mc->rd = *rd; /* domain_resolve's reference */
    mc->dom = dom;
    return 0;
}

/*
 * Translated guests: no PTE-based mapping kinds, and device mappings only
 * with the extension (public/grant_table.h).  Out of line: the common map
 * asks for neither.
 */
static __noinline __attribute__((cold)) bool
map_kind_refused(const struct domain *ld, uint32_t flags)
{
    return (flags & (GNTMAP_application_map | GNTMAP_contains_pte)) ||
           !ld->grant_table->pv_maps;
}

/**
 * Maps one grant for `v`'s domain (GNTTABOP_map_grant_ref), setting
 * `op->status`, and on success `op->handle` and `op->dev_bus_addr`.  `mc`
 * is the batch's granter cache: the granter's table lock is read-held
 * through it and left held for the next op (gnttab_map_cache_unlock drops
 * it); the entry lock is dropped; none of the caller's locks is taken.
 * The page's type reference and the host mapping are taken under the
 * table lock (libmm's locks nest inside it), so an undo drops the pin
 * under the same hold.
 */
void gnttab_map_one(struct vcpu *v, struct gnttab_map_grant_ref *op,
                    struct gnttab_map_cache *mc)
{
    struct domain *ld = v->domain, *rd;
    struct grant_table *lgt = ld->grant_table, *rgt;
    struct active_grant_entry *act;
    uint32_t flags = op->flags, incr;
    bool ro = flags & GNTMAP_readonly;
    struct page_info *pg;
    unsigned int nrefs, ntypes, k, typed = 0;
    grant_ref_t ref = op->ref;
    long handle;
    mfn_t mfn;
    int rc;

    if ( !(flags & (GNTMAP_host_map | GNTMAP_device_map)) )
    {
        op->status = GNTST_bad_gntref;
        return;
    }
    if ( (flags & (GNTMAP_application_map | GNTMAP_contains_pte |
                   GNTMAP_device_map)) &&
         map_kind_refused(ld, flags) )
    {
        op->status = GNTST_general_error;
        return;
    }
    if ( map_resolve(ld, op->dom, mc, &rd) )
    {
        op->status = GNTST_bad_domain;
        return;
    }
    rc = GNTST_bad_domain;
    if ( !rd->grant_table || domain_is_dying(rd) || domain_is_dying(ld) )
        goto out;
    rc = GNTST_permission_denied;
    if ( gnttab_xsm_mapref(ld, rd, flags) )
        goto out;
    handle = map_get_handle(v, mc);
    rc = GNTST_no_space;
    if ( handle < 0 )
        goto out;

    incr = map_pin_incr(flags);
    /* The maptrack entry's references, plus the host mapping's own. */
    nrefs = map_page_refs(flags) + !!(flags & GNTMAP_host_map);
    ntypes = map_type_refs(flags);
    rgt = rd->grant_table;
    map_cache_lock(mc, rgt);
    /* A queued op pinned this ref (or one sharing its bit): end them. */
    if ( mc->pend_refs & (1ULL << (ref & 63)) )
        map_run_hosts(mc);
    /*
     * Dying is checked again under the table lock, which the granter's
     * relinquish takes for writing to mark the pins it must outlive: this
     * pin is either marked or never made (struct grant_mapping).
     */
    rc = GNTST_bad_domain;
    if ( domain_is_dying(rd) )
        goto put_handle;
    rc = GNTST_bad_gntref;
    if ( ref >= nr_grant_entries(rgt) )
        goto put_handle;
    hal_barrier(); /* no speculation past the bound (XSA-453 spirit) */
    act = active_entry_acquire(rgt, ref);
    rc = GNTST_general_error;
    if ( act->pin &&
         (act->domid != ld->domain_id || act->is_sub_page ||
          (act->pin & (incr << 7))) )
        goto unlock_act;
    if ( !act->pin || (!ro && !(act->pin & GNTPIN_write_mask)) )
    {
        rc = gnttab_set_status(rgt, act, ref, ld->domain_id, ro, false,
                               false);
        if ( rc )
            goto unlock_act;
        /*
         * A new pin, or the first writer on a read-only pin: look the frame
         * up again for this access, so a frame the granter may only read
         * (or one it no longer names) is never mapped writable.
         */
        rc = gnttab_lookup_frame(rd, act, ref, ro, &mfn);
        if ( rc )
        {
            gnttab_sync_status(rgt, act, ref);
            goto unlock_act;
        }
    }
    if ( !act->pin )
    {
        act->domid = ld->domain_id;
        act->src_domid = rd->domain_id;
        act->mfn = mfn_x(mfn);
        act->start = 0;
        act->length = PAGE_SIZE;
        act->is_sub_page = 0;
        act->trans = 0;
        act->trans_gref = ref;
    }
    mfn = _mfn(act->mfn);
    pg = mfn_to_page(mfn);
    /*
     * Every reference this mapping will keep (at least one, which also
     * keeps the page once the entry lock is dropped), taken at once while
     * `mfn` is frozen; the host mapping's goes to the P2M entry.
     */
    if ( !get_page(pg, rd) )
    {
        rc = GNTST_bad_page;
        gnttab_sync_status(rgt, act, ref);
        goto unlock_act;
    }
    for ( k = 1; k < nrefs; k++ )
        get_page_light(pg);
    act->pin += incr;
    active_entry_release(act);

    rc = GNTST_general_error;
    for ( ; typed < ntypes; typed++ )
        if ( !get_page_type(pg, PGT_writable_page) )
            goto undo;
    if ( flags & GNTMAP_host_map )
    {
        /*
         * The host mapping is queued, made with the run's others in one
         * P2M step while this lock hold lasts (map_run_hosts), which also
         * publishes the op (or undoes it) and sets its results.
         */
        struct gnttab_map_pending *p = &mc->pend[mc->hosts.n];

        p->op = op;
        p->handle = (grant_handle_t)handle;
        p->ref = ref;
        p->incr = incr;
        p->ntypes = ntypes;
        p->nrefs = nrefs;
        mc->pend_refs |= 1ULL << (ref & 63);
        gnttab_arch_batch_add(&mc->hosts, op->host_addr, mfn, ro);
        return;
    }
    map_publish(lgt, op, (grant_handle_t)handle, rd, ref, mfn);
    return;

 undo:
    map_undo(lgt, rgt, (grant_handle_t)handle, ref, incr, pg, typed, nrefs);
    goto out;

 unlock_act:
    active_entry_release(act);
 put_handle:
    gnttab_put_maptrack_handle(lgt, (grant_handle_t)handle);
 out:
    op->status = (int16_t)rc;
}

/**
 * Removes `ld`'s host mapping of `mfn` at `host_addr`, moving its grant
 * mapping at `new_addr` (non-zero: plain removals go in a batch,
 * gnttab_arch_unmap_run) there.  The frames of `ld`'s own grant table
 * that it mapped are grant-typed P2M entries too, but not grant mappings:
 * one never moves (the table records where it is), which is checked under
 * `ld`'s grant lock, the lock frame mapping takes for writing.  On success
 * the removed mapping's page reference is the caller's.  Returns 0 or
 * -EINVAL, with nothing changed.
 */
static int unmap_host(struct domain *ld, uint64_t host_addr, mfn_t mfn,
                      bool ro, uint64_t new_addr)
{
    struct grant_table *lgt = ld->grant_table;
    int rc = -EINVAL;

    ASSERT(new_addr);
    hal_read_lock(&lgt->lock);
    if ( !gnttab_is_frame_gfn(lgt, new_addr >> PAGE_SHIFT) )
        rc = gnttab_arch_replace_host_mapping(ld, host_addr, mfn, ro,
                                              new_addr);
    hal_read_unlock(&lgt->lock);
    return rc;
}

/** What phase 1 of an unmap did, for phase 2. */
struct unmap_done {
    struct domain *rd;     /* alive while the pins phase 2 drops are */
    grant_ref_t ref;
    mfn_t mfn;
    uint16_t done;         /* GNTMAP_host_map / device_map released */
    bool ro;
    bool p2m_ref;          /* holds the removed host mapping's reference */
    bool freed;            /* the handle went */
    bool host;             /* phase 1: the host mapping is to go */
    uint16_t flags;        /* phase 1: the claimed entry's flags */
    grant_handle_t h;      /* the handle, to put back if `freed` */
    struct grant_mapping *m; /* phase 1: the claimed entry */
};

/* unmap_begin's answer when the handle is claimed and it may not wait. */
#define UNMAP_BUSY 1

/**
 * The first half of an unmap's phase 1: claims the handle (waiting for
 * another unmapper's claim only if `wait`, else UNMAP_BUSY, nothing
 * done), then checks XSM and `dev_bus_addr`.  On GNTST_okay the entry
 * stays claimed, with what is to go in `c` (`host`: the host mapping at
 * `host_addr`), for unmap_end; on an error nothing changed.
 *
 * The claim is what makes two vCPUs unmapping one handle safe: without
 * it, a second unmapper could read `rd` from the entry after the first
 * had freed the handle and dropped the last pin of an unregistered
 * granter.  While claimed, the entry (and its pins) cannot go away; the
 * pins phase 1 took down stay until phase 2 drops them, and they keep
 * `rd` alive for it (struct grant_mapping).
 */
static int unmap_begin(struct domain *ld, uint64_t host_addr,
                       uint64_t dev_bus_addr, grant_handle_t h, bool wait,
                       struct unmap_done *c)
{
    struct grant_table *lgt = ld->grant_table;
    struct grant_mapping *m;
    struct domain *rd;
    uint16_t flags;
    int rc;

    c->done = 0;
    c->rd = NULL;
    c->freed = false;
    c->p2m_ref = false;
    c->host = false;
    c->h = h;
    if ( h >= hal_load_acquire(&lgt->maptrack_limit) )
        return GNTST_bad_handle;
    hal_barrier(); /* no speculation past the bound */
    m = maptrack_entry(lgt, h);
    if ( wait )
        flags = gnttab_maptrack_claim(m);
    else if ( !gnttab_maptrack_try_claim(m, &flags) )
        return UNMAP_BUSY;
    if ( !flags )
        return GNTST_bad_handle;
    rd = m->rd; /* the claimed entry's pins keep it alive meanwhile */
    rc = GNTST_permission_denied;
    if ( gnttab_xsm_unmapref(ld, rd) )
        goto unclaim;

    /*
     * No granter lock: everything phase 1 reads is the claimed entry's,
     * published before its flags, and the frame is the active entry's,
     * frozen by this mapping's own pin until phase 2 drops it.  The host
     * mapping's check and removal are one atomic step in the P2M.
     */
    c->ref = m->ref;
    c->ro = flags & GNTMAP_readonly;
    c->mfn = _mfn(m->mfn);
    rc = GNTST_bad_dev_addr;
    if ( dev_bus_addr && dev_bus_addr != mfn_x(c->mfn) << PAGE_SHIFT )
        goto unclaim;
    if ( dev_bus_addr && (flags & GNTMAP_device_map) )
        c->done |= GNTMAP_device_map;
    c->host = host_addr && (flags & GNTMAP_host_map);
    c->m = m;
    c->flags = flags;
    c->rd = rd;
    return GNTST_okay;

 unclaim:
    gnttab_maptrack_unclaim(m, flags);
    return rc;
}

/**
 * The second half of phase 1, after the host mapping (if `c->host`) was
 * removed (`host_rc` 0, its reference now ours) or not (the op fails with
 * general_error, and nothing changed): clears the maptrack bits and ends
 * the claim.  A freed handle is free from here (flags 0: no claim can
 * succeed), and the batch puts it back on its list once, before phase 2
 * (XSA-218).  Returns the op's GNTST code.
 */
static int unmap_end(struct unmap_done *c, int host_rc)
{
    uint16_t left = c->flags;
    int rc = GNTST_general_error;

    if ( c->host && host_rc )
        c->done = 0;
    else
    {
        if ( c->host )
        {
            c->done |= GNTMAP_host_map;
            c->p2m_ref = true;
        }
        rc = GNTST_okay;
        left = c->flags & ~c->done;
        if ( !(left & (GNTMAP_host_map | GNTMAP_device_map)) )
            left = 0;
        c->freed = !left;
    }
    gnttab_maptrack_unclaim(c->m, left);
    if ( !c->done )
        c->rd = NULL; /* else its pins of `done` are phase 2's to drop */
    return rc;
}

/** A batch's queued host-mapping removals, and the op each is for. */
struct unmap_queue {
    struct gnttab_arch_batch u;
    unsigned int op[GNTTAB_UNMAP_BATCH];
};

/**
 * Ends phase 1 of the ops whose host mappings `q` queued: removes those
 * mappings in one P2M step, then ends each op's claim.
 */
static void unmap_run_hosts(struct domain *ld, struct unmap_queue *q,
                            struct gnttab_unmap_grant_ref *ops,
                            struct unmap_done *c)
{
    unsigned int k;

    if ( !q->u.n )
        return;
    gnttab_arch_unmap_run(ld, &q->u);
    for ( k = 0; k < q->u.n; k++ )
        ops[q->op[k]].status = (int16_t)unmap_end(&c[q->op[k]],
                                                  q->u.e[k].rc);
    q->u.n = 0;
}

/* The GNTMAP kinds phase 1 took down, with the readonly bit. */
static uint32_t unmap_kinds(const struct unmap_done *c)
{
    return c->done | (c->ro ? GNTMAP_readonly : 0);
}

/**
 * Phase 2's references, after the pins went: cannot fail.  The type
 * references go before the general ones underneath them, the removed host
 * mapping's (taken over from the P2M in phase 1) last.
 */
static void unmap_phase2_refs(struct unmap_done *c)
{
    struct page_info *pg = mfn_to_page(c->mfn);
    uint32_t kinds = unmap_kinds(c);
    unsigned int n;

    for ( n = map_type_refs(kinds); n; n-- )
        put_page_type(pg);
    for ( n = map_page_refs(kinds) + c->p2m_ref; n; n-- )
        put_page(pg);
}

/**
 * Phase 2 of `n` unmaps: drops the pins, then the references, of what
 * phase 1 (or a dying mapper's release) took down (`c[i].rd` NULL: nothing
 * to drop).  A run of them on one granter drops its pins under one hold of
 * the granter's table lock, then the run's references (each pin still goes
 * before the references it protects, XSA-236), then the granter's zombie
 * reference if the run dropped its last marked pin.  After its unpins the
 * run compares `rd` but no longer reads through it: the granter may be
 * gone.  Cannot fail.
 */
static void unmap_phase2(struct unmap_done *c, unsigned int n)
{
    unsigned int i, j;

    for ( i = 0; i < n; )
    {
        struct domain *rd = c[i].rd;
        struct grant_table *rgt;
        bool last = false;

        if ( !rd )
        {
            i++;
            continue;
        }
        rgt = rd->grant_table;
        hal_read_lock(&rgt->lock);
        for ( j = i; j < n && (!c[j].rd || c[j].rd == rd); j++ )
            if ( c[j].rd )
                last |= unpin_locked(rgt, c[j].ref,
                                     map_pin_incr(unmap_kinds(&c[j])));
        hal_read_unlock(&rgt->lock);
        for ( ; i < j; i++ )
            if ( c[i].rd )
                unmap_phase2_refs(&c[i]);
        if ( last )
            gnttab_zombie_put(rgt);
    }
}

uint64_t gnttab_stat_unmap_flushes;

/**
 * Unmaps up to GNTTAB_UNMAP_BATCH ops with one TLB flush.  `new_addr`
 * is NULL for unmap_grant_ref, or each op's unmap_and_replace new_addr
 * (0: a plain unmap).  Sets each op's status; returns 0.
 *
 * Phase 1's host-mapping removals are queued and made in one P2M step
 * (gnttab_arch_unmap_run), in op order, the ops' claims held meanwhile.
 * So that two claims never wait for each other, an op whose handle is
 * claimed while the batch holds claims first ends the queued ops (the
 * claim may be the batch's own: the same handle twice); and an op that
 * moves a mapping (unmap_and_replace with new_addr) ends them before its
 * own P2M change, so every op sees the P2M its predecessors left.
 */
long gnttab_unmap_batch(struct vcpu *v, struct gnttab_unmap_grant_ref *ops,
                        const uint64_t *new_addr, unsigned int n)
{
    struct domain *ld = v->domain;
    struct unmap_done c[GNTTAB_UNMAP_BATCH];
    grant_handle_t freed[GNTTAB_UNMAP_BATCH];
    struct unmap_queue q;
    unsigned int i, nr_freed = 0;
    bool flush = false;
    int rc;

    BUG_ON(n > GNTTAB_UNMAP_BATCH);
    q.u.n = 0;
    for ( i = 0; i < n; i++ )
    {
        uint64_t na = new_addr ? new_addr[i] : 0;
        struct gnttab_unmap_grant_ref *op = &ops[i];

        rc = unmap_begin(ld, op->host_addr, op->dev_bus_addr, op->handle,
                         !q.u.n, &c[i]);
        if ( rc == UNMAP_BUSY )
        {
            unmap_run_hosts(ld, &q, ops, c);
            rc = unmap_begin(ld, op->host_addr, op->dev_bus_addr,
                             op->handle, true, &c[i]);
        }
        if ( rc )
            op->status = (int16_t)rc;
        else if ( !c[i].host )
            op->status = (int16_t)unmap_end(&c[i], 0);
        else if ( na && !ld->grant_table->pv_maps )
            /* Xen's replace_grant_p2m_mapping: no new_addr, nothing done. */
            op->status = (int16_t)unmap_end(&c[i], -EINVAL);
        else if ( na )
        {
            unmap_run_hosts(ld, &q, ops, c);
            op->status = (int16_t)unmap_end(
                &c[i], unmap_host(ld, op->host_addr, c[i].mfn, c[i].ro, na));
        }
        else
        {
            q.op[q.u.n] = i;
            gnttab_arch_batch_add(&q.u, op->host_addr, c[i].mfn, c[i].ro);
        }
    }
    unmap_run_hosts(ld, &q, ops, c);
    for ( i = 0; i < n; i++ )
    {
        if ( c[i].done & GNTMAP_host_map )
            flush = true;
        if ( c[i].freed )
            freed[nr_freed++] = c[i].h;
    }
    if ( nr_freed )
        gnttab_maptrack_put_handles(ld->grant_table, freed, nr_freed);
    if ( flush )
    {
        gnttab_arch_flush(ld);
        hal_fetch_add(&gnttab_stat_unmap_flushes, 1);
    }
    unmap_phase2(c, n);
    return 0;
}

/**
 * Releases handle `h` of a dying domain: pins, the references its
 * maptrack entry keeps, and the handle.  The host
 * mapping's own reference stays with the P2M entry, which the P2M
 * teardown drops (gnttab_arch_release_host_mappings).  No vCPU of the
 * dying domain runs, so nothing else holds a claim on `h`.
 */
void gnttab_release_mapping(struct grant_table *lgt, grant_handle_t h)
{
    struct grant_mapping *m = maptrack_entry(lgt, h);
    uint16_t flags = m->flags & MAPTRACK_KIND_MASK;
    struct unmap_done c = {
        .rd = m->rd, .ref = m->ref, .mfn = _mfn(m->mfn),
        .ro = flags & GNTMAP_readonly,
        .done = flags & (GNTMAP_host_map | GNTMAP_device_map),
        .freed = true,
        .p2m_ref = false,  /* the host mapping's stays with the P2M */
    };

    BUG_ON(gnttab_arch_release_host_mappings());
    hal_store_release(&m->flags, 0);
    gnttab_put_maptrack_handle(lgt, h);
    unmap_phase2(&c, 1);
}
