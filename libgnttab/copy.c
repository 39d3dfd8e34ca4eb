/* SPDX-License-Identifier: MIT */
/*
 * GNTTABOP_copy (reference/gnttab.md §1.6 "copy", §2 "Copy acquire/
 * release").  Each side is a grant ref (pinned for host read or write for
 * the copy) or a frame of the caller's own memory; both are mapped with
 * map_domain_page, never through a direct map.  Consecutive ops on the
 * same side keep it acquired and mapped for the whole hypercall (Xen's
 * buffer reuse), so a batch of copies from one grant pins and maps it once,
 * and ops whose both sides are still held cost no lookup, reference or
 * XSM call.  A side that is a frame of the caller's own takes no page or
 * type reference when the batch holds the caller's P2M removals (one
 * p2m_removal_hold per batch): no RAM entry of the caller can go or be
 * retyped until the batch ends, so the frame stays the caller's RAM, and
 * an op naming another such frame just looks it up and maps it.  If a
 * removal is under way when the batch first needs the hold, its frame
 * sides take references instead, as Xen's do.  Transitive v2 grants are
 * followed one level, with the middle domain's lock dropped before the
 * inner grant is acquired and everything re-validated after
 * (XSA-226/411).
 */
#include <common/string.h>

#include "private.h"

uint64_t gnttab_stat_copy_restarts;

static int acquire_grant(struct domain *rd, grant_ref_t ref, domid_t ldid,
                         bool ro, bool allow_trans, struct copy_grant *g);

/**
 * Drops one copy pin of `rd`'s `ref` (and the inner grant's).  The caller
 * holds a reference to `rd` (and `g` one to the inner domain), so a
 * zombie reference dropped here (private.h) does not free either.
 */
static void release_grant(struct domain *rd, grant_ref_t ref, bool ro,
                          const struct copy_grant *g)
{
    struct grant_table *rgt = rd->grant_table;
    struct active_grant_entry *act;
    uint32_t incr = ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    bool last;

    hal_read_lock(&rgt->lock);
    act = active_entry_acquire(rgt, ref);
    act->pin -= incr;
    gnttab_sync_status(rgt, act, ref);
    if ( !act->pin && act->is_sub_page && !act->trans )
        hal_fetch_sub(&rgt->nr_v2_ops, 1);
    last = gnttab_unpinned(rgt, act);
    active_entry_release(act);
    hal_read_unlock(&rgt->lock);
    if ( last )
        gnttab_zombie_put(rgt);
    if ( g->trans )
    {
        /* The outer lock is dropped before the inner grant (XSA-411). */
        struct copy_grant none = { .trans = false };

        release_grant(g->td, g->tref, ro, &none);
        put_domain(g->td);
        hal_fetch_sub(&rgt->nr_v2_ops, 1);
    }
}

/** The transitive case of acquire_grant; table and entry lock held. */
static int acquire_transitive(struct domain *rd, grant_ref_t ref,
                              domid_t ldid, bool ro,
                              struct active_grant_entry *act,
                              struct copy_grant *g)
{
    struct grant_table *rgt = rd->grant_table;
    grant_entry_v2_t *e = shared_entry_v2(rgt, ref);
    uint32_t incr = ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc, old_pin;
    uint32_t hdr = hal_read_once((uint32_t *)&e->hdr);
    domid_t tdom = hal_read_once(&e->transitive.trans_domid);
    grant_ref_t tref = hal_read_once(&e->transitive.gref);
    struct copy_grant inner = { .trans = false };
    struct domain *td;
    bool have_inner;
    int rc;

    if ( !act->pin || (!ro && !(act->pin & GNTPIN_write_mask)) )
    {
        rc = gnttab_set_status(rgt, act, ref, ldid, ro, false, true);
        if ( rc )
        {
            active_entry_release(act);
            return rc;
        }
    }
    if ( tdom == rd->domain_id )
    {
        gnttab_sync_status(rgt, act, ref);
        active_entry_release(act);
        return GNTST_general_error;
    }
    old_pin = act->pin;
    hal_fetch_add(&rgt->nr_v2_ops, 1);
    active_entry_release(act);
    hal_read_unlock(&rgt->lock);

    td = get_domain_by_id(tdom);
    rc = GNTST_bad_domain;
    if ( td && td->grant_table && !domain_is_dying(td) )
        rc = acquire_grant(td, tref, rd->domain_id, ro, false, &inner);
    have_inner = !rc;

    hal_read_lock(&rgt->lock);
    act = active_entry_acquire(rgt, ref);
    if ( !rc &&
         (rgt->gt_version != 2 || act->pin != old_pin ||
          hal_read_once((uint32_t *)&e->hdr) != hdr ||
          hal_read_once(&e->transitive.trans_domid) != tdom ||
          hal_read_once(&e->transitive.gref) != tref) )
        rc = GNTTAB_COPY_RESTART; /* changed while unlocked: again */
    if ( !rc && old_pin &&
         (!act->trans || act->src_domid != tdom || act->trans_gref != tref ||
          act->mfn != mfn_x(inner.mfn) || act->start != inner.start ||
          act->length != inner.length) )
        rc = GNTST_general_error;
    if ( rc )
    {
        if ( rgt->gt_version == 2 )
            gnttab_sync_status(rgt, act, ref);
        active_entry_release(act);
        hal_read_unlock(&rgt->lock);
        if ( have_inner )
        {
            release_grant(td, tref, ro, &inner);
            put_page(mfn_to_page(inner.mfn));
        }
        if ( td )
            put_domain(td);
        hal_fetch_sub(&rgt->nr_v2_ops, 1);
        hal_read_lock(&rgt->lock);
        return rc;
    }
    if ( !old_pin )
    {
        act->domid = ldid;
        act->src_domid = tdom;
        act->trans_gref = tref;
        act->mfn = mfn_x(inner.mfn);
        act->start = inner.start;
        act->length = inner.length;
        act->is_sub_page = 1;
        act->trans = 1;
    }
    act->pin += incr;
    active_entry_release(act);
    g->mfn = inner.mfn;
    g->start = inner.start;
    g->length = inner.length;
    g->trans = true;
    g->td = td;
    g->tref = tref;
    return GNTST_okay;
}

/**
 * Pins `rd`'s `ref` for a copy by domain `ldid` and takes a reference to
 * its frame.  Returns a GNTST code; on error nothing is held.
 */
static int acquire_grant(struct domain *rd, grant_ref_t ref, domid_t ldid,
                         bool ro, bool allow_trans, struct copy_grant *g)
{
    struct grant_table *rgt = rd->grant_table;
    struct active_grant_entry *act;
    uint32_t incr = ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    uint16_t flags = 0, start = 0, len = PAGE_SIZE;
    mfn_t mfn;
    int rc;

    g->trans = false;
    g->mfn = _mfn(0);
    g->length = 0;
    hal_read_lock(&rgt->lock);
    rc = GNTST_bad_gntref;
    if ( ref >= nr_grant_entries(rgt) )
        goto unlock_table;
    hal_barrier();
    act = active_entry_acquire(rgt, ref);
    rc = GNTST_general_error;
    if ( act->pin &&
         (act->domid != ldid || (act->pin & (incr << 7))) )
        goto unlock_act;
    if ( rgt->gt_version == 2 )
        flags = hal_read_once(&shared_entry_v2(rgt, ref)->hdr.flags);
    if ( rgt->gt_version == 2 &&
         (flags & GTF_type_mask) == GTF_transitive )
    {
        if ( !allow_trans )
            goto unlock_act;
        /* Returns with the entry lock dropped, the table lock held. */
        rc = acquire_transitive(rd, ref, ldid, ro, act, g);
        goto unlock_table;
    }
    if ( rgt->gt_version == 2 && (flags & GTF_sub_page) )
    {
        grant_entry_v2_t *e = shared_entry_v2(rgt, ref);

        start = hal_read_once(&e->sub_page.page_off);
        len = hal_read_once(&e->sub_page.length);
    }
    /*
     * An entry whose pins already allow this access is copied through what
     * the pin recorded (frame and window), whatever the entry says now, as
     * Xen's acquire_grant_for_copy does.
     */
    if ( act->pin && (ro || (act->pin & GNTPIN_write_mask)) )
        goto pin;
    /*
     * Otherwise the entry is looked up; an entry already pinned must still
     * be what the pin recorded (kind, window and frame, XSA-500).
     */
    if ( act->pin &&
         (act->trans ||
          (bool)act->is_sub_page != !!(flags & GTF_sub_page) ||
          act->start != start || act->length != len) )
        goto unlock_act;
    rc = gnttab_set_status(rgt, act, ref, ldid, ro, true, false);
    if ( rc )
        goto unlock_act;
    rc = GNTST_general_error;
    if ( start >= PAGE_SIZE || len > PAGE_SIZE - start ||
         (rc = gnttab_lookup_frame(rd, act, ref, ro, &mfn)) )
    {
        gnttab_sync_status(rgt, act, ref);
        goto unlock_act;
    }
    if ( !act->pin )
    {
        act->domid = ldid;
        act->src_domid = rd->domain_id;
        act->mfn = mfn_x(mfn);
        act->start = start;
        act->length = len;
        act->is_sub_page = !!(flags & GTF_sub_page);
        act->trans = 0;
        act->trans_gref = ref;
    }
 pin:
    if ( !get_page(mfn_to_page(_mfn(act->mfn)), rd) )
    {
        rc = act->pin ? GNTST_bad_domain : GNTST_bad_page;
        gnttab_sync_status(rgt, act, ref);
        goto unlock_act;
    }
    if ( !act->pin && act->is_sub_page )
        hal_fetch_add(&rgt->nr_v2_ops, 1);
    act->pin += incr;
    g->mfn = _mfn(act->mfn);
    g->start = act->start;
    g->length = act->length;
    rc = GNTST_okay;
 unlock_act:
    active_entry_release(act);
 unlock_table:
    hal_read_unlock(&rgt->lock);
    return rc;
}

/*
 * Domain references: a side holding a domain other than the caller's own
 * holds one reference to it.  The caller's own domain needs none: one of
 * its vCPUs is in this hypercall, so it cannot go away meanwhile.
 */

/** The domid a held side was named by (DOMID_SELF or an id). */
static inline domid_t buf_domid(const struct copy_buf *b)
{
    return (domid_t)b->tag;
}

/** True if a held side is a grant (else a frame of the caller's). */
static inline bool buf_is_gref(const struct copy_buf *b)
{
    return b->tag & COPY_TAG_GREF;
}

/** Drops what a side held of `d` (a reference unless `d` is `ld`). */
static void side_put_domain(struct domain *ld, struct domain *d)
{
    if ( d != ld )
        put_domain(d);
}

/**
 * Releases `b`'s page: unmap, pin, type, page, in that order (XSA-236);
 * a `held` side only unmaps.  `b` must be acquired; it is left empty, and
 * what it held of its domain (see above) becomes the caller's.
 */
static void buf_release_page(struct copy_buf *b)
{
    unmap_domain_page(b->va);
    if ( buf_is_gref(b) )
        release_grant(b->d, (grant_ref_t)b->key, b->ro, &b->g);
    if ( b->typed )
        put_page_type(b->pg);
    if ( !b->held )
        put_page(b->pg);
    b->d = NULL;
    b->tag = 0;
}

/** Releases `b` entirely, its domain reference too. */
static void buf_release(struct copy_buf *b, struct domain *ld)
{
    struct domain *d = b->d;

    if ( !d )
        return;
    buf_release_page(b);
    side_put_domain(ld, d);
}

/** A side's name as `struct copy_buf`'s `tag` holds it. */
static inline uint32_t copy_tag(domid_t domid, bool gref)
{
    return COPY_TAG_HELD | (gref ? COPY_TAG_GREF : 0) | domid;
}

/** copy_tag of an op's side whose grant flag is bit `bit` of `flags`. */
static inline uint32_t op_tag(domid_t domid, uint16_t flags, unsigned int bit)
{
    return COPY_TAG_HELD | ((uint32_t)(flags >> bit) & 1U) << 16 | domid;
}
_Static_assert(COPY_TAG_GREF == 1U << 16, "op_tag's shift");

/** True if `b` holds exactly what `p` names (a grant if `gref`). */
static bool buf_holds(const struct copy_buf *b,
                      const struct gnttab_copy_ptr *p, bool gref)
{
    return b->tag == copy_tag(p->domid, gref) &&
           b->key == (gref ? p->u.ref : p->u.gmfn);
}

/** Checks [off, off+len) lies in the acquired window. */
static inline bool in_window(const struct copy_buf *b, unsigned int off,
                             unsigned int len)
{
    return off >= b->g.start && off + len <= b->g.start + b->g.length;
}

/**
 * The per-op fast path's test: `b` holds what `p` names, under the very
 * `u` word a previous op of this hypercall used (a ref's unused high half
 * included, so a match needs no further decoding), and [offset,
 * offset + len) lies in its window, itself within the page.  A false
 * answer decides nothing: the op takes the full path.
 */
static inline bool buf_fast(const struct copy_buf *b,
                            const struct gnttab_copy_ptr *p, uint32_t tag,
                            unsigned int len)
{
    return p->u.gmfn == b->raw && tag == b->tag &&
           in_window(b, p->offset, len);
}

/*
 * What get_page_type(PGT_writable_page) would refuse, for a `held` frame
 * written without a type reference: another type in use.  A guest RAM
 * frame has no other type (libmm/page.h), so this only keeps the answer
 * the referenced path gives should one ever appear.
 */
static inline bool page_type_forbids_write(const struct page_info *pg)
{
    uint64_t t = hal_read_once(&pg->u.type_info);

    return (t & PGT_count_mask) && (t & PGT_type_mask) != PGT_writable_page;
}

/**
 * The per-op fast path's other case: `b` is a `held` side (a frame of the
 * caller's under the batch's P2M removal hold) and `p` names, under the
 * same name, another frame of the caller's, which is RAM (writable if `b`
 * is written) and [offset, offset + len) lies in its page.  Then `b` is
 * moved to that frame: a lookup and a mapping, nothing to take or drop.
 * False, with nothing changed, if any of it does not hold: the op takes
 * the full path, which finds the error.
 */
static bool buf_repoint(struct copy_buf *b, struct domain *ld,
                        const struct gnttab_copy_ptr *p, uint32_t tag,
                        unsigned int len)
{
    mfn_t mfn;

    if ( !b->held || tag != b->tag || p->offset + len > PAGE_SIZE ||
         gnttab_arch_get_paged_frame(ld, p->u.gmfn, b->ro, &mfn) ||
         (!b->ro && page_type_forbids_write(mfn_to_page(mfn))) )
        return false;
    unmap_domain_page(b->va);
    b->va = map_domain_page(mfn);
    b->g.mfn = mfn;
    b->pg = mfn_to_page(mfn);
    b->key = p->u.gmfn;
    b->raw = p->u.gmfn;
    return true;
}

/** Records that `b` is held under `domid`'s name; see struct copy_buf. */
static void buf_name(struct copy_buf *b, domid_t domid, bool gref)
{
    b->tag = copy_tag(domid, gref);
}

/**
 * The domain `domid` names for side `b` of a copy by `ld`: the one `b`
 * holds under that name, or `ld` itself (neither takes a reference), or
 * a looked-up one, referenced (`*owned` set).  -ESRCH if there is none.
 */
static inline int side_domain(struct domain *ld, const struct copy_buf *b,
                              domid_t domid, struct domain **d, bool *owned)
{
    *owned = false;
    if ( b->d && buf_domid(b) == domid )
        *d = b->d;
    else if ( domid == DOMID_SELF || domid == ld->domain_id )
        *d = ld;
    else if ( domain_resolve(ld, domid, d) )
        return -ESRCH;
    else if ( *d == ld )
        put_domain(ld);
    else
        *owned = true;
    return 0;
}

/**
 * True if the batch holds `ld`'s P2M removals, taking the hold on first
 * use (see gnttab_copy_batch); false if a removal is under way.
 */
static bool batch_hold(struct domain *ld, unsigned int *hold)
{
    if ( *hold == COPY_HOLD_UNTRIED )
        *hold = p2m_removal_hold(ld) ? COPY_HOLD_TAKEN : COPY_HOLD_REFUSED;
    return *hold == COPY_HOLD_TAKEN;
}

/**
 * Acquires one side for domain `ld`: what `p` names, a grant of `d` if
 * `is_gref`, else a frame of `ld` (`held`, without references, when the
 * batch holds `ld`'s P2M removals: `*hold`).  Keeps `b` if it already
 * holds the same thing.  Consumes the reference to `d` the caller owns if
 * `owned`; on success `b` holds what it needs of `d`, on failure nothing.
 * Returns a GNTST code.
 */
static int buf_acquire(struct copy_buf *b, struct domain *ld,
                       struct domain *d, bool owned,
                       const struct gnttab_copy_ptr *p, bool is_gref,
                       bool ro, unsigned int *hold)
{
    domid_t domid = p->domid;
    uint64_t key = is_gref ? p->u.ref : p->u.gmfn;
    int rc;

    if ( b->d == d && buf_is_gref(b) == is_gref && b->key == key &&
         b->ro == ro )
    {
        if ( owned )
            put_domain(d); /* `b` holds its own */
        buf_name(b, domid, is_gref);
        return GNTST_okay;
    }
    /*
     * From here on we hold what a side needs of `d` (a reference unless
     * it is `ld`): `b`'s own when it holds the same domain, so a run of
     * ops on one domain's frames costs no domain reference per op.
     */
    if ( b->d == d )
    {
        buf_release_page(b);
        if ( owned )
            put_domain(d);
    }
    else
    {
        BUG_ON(d != ld && !owned); /* only `b` lends, and it holds `d` */
        buf_release(b, ld);
    }
    if ( is_gref )
    {
        rc = acquire_grant(d, (grant_ref_t)key, ld->domain_id, ro, true,
                           &b->g);
        if ( rc )
            goto out_put;
    }
    else
    {
        /* The hold first: what the lookup finds then stays as found. */
        bool held = batch_hold(ld, hold);
        mfn_t mfn;

        rc = gnttab_arch_get_paged_frame(ld, key, ro, &mfn);
        if ( rc )
            goto out_put;
        b->g.mfn = mfn;
        b->g.start = 0;
        b->g.length = PAGE_SIZE;
        b->g.trans = false;
        if ( held )
        {
            /*
             * Under the hold the frame stays `ld`'s RAM, allocated and of
             * its type until the batch ends: the lookup is all it needs.
             */
            rc = GNTST_general_error;
            if ( !ro && page_type_forbids_write(mfn_to_page(mfn)) )
                goto out_put;
            b->pg = mfn_to_page(mfn);
            b->typed = false;
            b->held = true;
            goto mapped;
        }
        rc = GNTST_bad_page;
        if ( !get_page(mfn_to_page(mfn), ld) )
            goto out_put;
    }
    b->pg = mfn_to_page(b->g.mfn);
    b->typed = false;
    b->held = false;
    if ( !ro )
    {
        if ( !get_page_type(b->pg, PGT_writable_page) )
        {
            if ( is_gref )
                release_grant(d, (grant_ref_t)key, ro, &b->g);
            put_page(b->pg);
            rc = GNTST_general_error;
            goto out_put;
        }
        b->typed = true;
    }
 mapped:
    b->d = d;
    b->key = key;
    b->ro = ro;
    buf_name(b, domid, is_gref);
    b->va = map_domain_page(b->g.mfn);
    return GNTST_okay;

 out_put:
    side_put_domain(ld, d);
    return rc;
}

/**
 * One copy op, the full path (gnttab_copy_batch tries buf_fast first).
 * Returns its GNTST code.  When both sides are still acquired under the
 * names this op uses, only its offsets and length are new (Xen's buffer
 * reuse): no lookup, no reference, no XSM call.  Once both sides are
 * held, their `raw` words become this op's, so that the ops after it
 * that repeat its names take the fast path.  Kept out of line, so that
 * the fast path's loop is not compiled around this one's frame.
 */
static __attribute__((noinline)) int
copy_one(struct domain *ld, struct gnttab_copy *op, struct copy_buf *src,
         struct copy_buf *dst, unsigned int *hold)
{
    bool sg = op->flags & GNTCOPY_source_gref;
    bool dg = op->flags & GNTCOPY_dest_gref;
    struct domain *sd = NULL, *dd = NULL;
    bool sown = false, down = false, sheld, dheld;
    int rc;

    if ( !op->len )
        return GNTST_okay; /* nothing else is looked at (XSA-448) */
    sheld = buf_holds(src, &op->source, sg);
    dheld = buf_holds(dst, &op->dest, dg);
    if ( sheld && dheld )
        goto copy;
    if ( (!sg && op->source.domid != DOMID_SELF) ||
         (!dg && op->dest.domid != DOMID_SELF) )
        return GNTST_permission_denied;
    rc = GNTST_bad_domain;
    if ( side_domain(ld, src, op->source.domid, &sd, &sown) ||
         side_domain(ld, dst, op->dest.domid, &dd, &down) )
        goto out;
    if ( (sg && (!sd->grant_table || domain_is_dying(sd))) ||
         (dg && (!dd->grant_table || domain_is_dying(dd))) )
        goto out;
    /*
     * XSM decides on the pair of domains: asked again only when one of
     * them changes, as Xen's gnttab_copy_lock_domains does.  Both sides
     * are held only after an op that passed this check for their pair.
     */
    rc = GNTST_permission_denied;
    if ( (sd != src->d || dd != dst->d) && gnttab_xsm_copy(sd, dd) )
        goto out;
    rc = GNTST_bad_copy_arg;
    if ( op->source.offset + op->len > PAGE_SIZE ||
         op->dest.offset + op->len > PAGE_SIZE )
        goto out;
    /* A side still held under this op's name lent its domain: keep it. */
    rc = sheld ? GNTST_okay
               : buf_acquire(src, ld, sd, sown, &op->source, sg, true,
                             hold);
    sown = false;
    if ( rc )
        goto out;
    rc = dheld ? GNTST_okay
               : buf_acquire(dst, ld, dd, down, &op->dest, dg, false,
                             hold);
    down = false;
    if ( rc )
        goto out;
    goto window;

 copy:
    if ( op->source.offset + op->len > PAGE_SIZE ||
         op->dest.offset + op->len > PAGE_SIZE )
        return GNTST_bad_copy_arg;
 window:
    src->raw = op->source.u.gmfn;
    dst->raw = op->dest.u.gmfn;
    if ( !in_window(src, op->source.offset, op->len) ||
         !in_window(dst, op->dest.offset, op->len) )
        return GNTST_general_error;
    memmove(dst->va + op->dest.offset, src->va + op->source.offset, op->len);
    return GNTST_okay;

 out:
    if ( sown )
        put_domain(sd);
    if ( down )
        put_domain(dd);
    return rc;
}

/**
 * See private.h.  An op that names both held sides exactly as the op
 * before it did, inside their windows, is a bare copy: two compares of
 * its names and two of its offsets against what the sides recorded (the
 * checks copy_one would make, decided once when the sides were acquired;
 * an empty side's `tag` never matches).  So is one whose frame of the
 * caller's on a side is another than the op before's, when that side is
 * `held` (buf_repoint): a lookup and a mapping more.  Any other op,
 * including every one with an error, takes copy_one.
 *
 * The P2M removal hold of the caller's memory is taken by the batch's
 * first acquire of a frame of the caller's and released at its end, with
 * the `held` sides; a RAM removal from the caller's P2M waits for it
 * (libmm/p2m.h), so no copy writes a frame after it left the caller.
 */
unsigned int gnttab_copy_batch(struct vcpu *v, struct gnttab_copy *ops,
                               unsigned int n, struct gnttab_copy_bufs *bufs)
{
    struct copy_buf *src = &bufs->src, *dst = &bufs->dst;
    unsigned int i;
    int rc;

    for ( i = 0; i < n; i++ )
    {
        struct gnttab_copy *op = &ops[i];
        uint32_t stag = op_tag(op->source.domid, op->flags,
                               _GNTCOPY_source_gref);
        uint32_t dtag = op_tag(op->dest.domid, op->flags,
                               _GNTCOPY_dest_gref);

        if ( likely((buf_fast(src, &op->source, stag, op->len) ||
                     buf_repoint(src, v->domain, &op->source, stag,
                                 op->len)) &&
                    (buf_fast(dst, &op->dest, dtag, op->len) ||
                     buf_repoint(dst, v->domain, &op->dest, dtag,
                                 op->len))) )
        {
            memmove(dst->va + op->dest.offset, src->va + op->source.offset,
                    op->len);
            op->status = GNTST_okay;
            continue;
        }
        rc = copy_one(v->domain, op, src, dst, &bufs->hold);
        /* A failed side is not reused: release both on error. */
        if ( rc )
            gnttab_copy_bufs_release(v, bufs);
        if ( rc == GNTTAB_COPY_RESTART )
        {
            hal_fetch_add(&gnttab_stat_copy_restarts, 1);
            break;
        }
        op->status = (int16_t)rc;
    }
    /* `held` sides live no longer than the hold: this batch. */
    if ( bufs->hold == COPY_HOLD_TAKEN )
    {
        if ( src->held )
            buf_release(src, v->domain);
        if ( dst->held )
            buf_release(dst, v->domain);
        p2m_removal_release(v->domain);
    }
    bufs->hold = COPY_HOLD_UNTRIED;
    return i;
}

/** See private.h. */
void gnttab_copy_bufs_release(struct vcpu *v, struct gnttab_copy_bufs *bufs)
{
    buf_release(&bufs->dst, v->domain);
    buf_release(&bufs->src, v->domain);
}
