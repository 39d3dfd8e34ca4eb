/* SPDX-License-Identifier: MIT */
/*
 * memory_op (Xen's xen/common/memory.c, the reservation subset) and the
 * toolstack calls that do the same without guest handles.
 *
 * Batches: each extent is checked and prepared before anything changes, so
 * a bad extent stops the batch with the completed extents kept and nothing
 * of its own done; the op returns the number of extents completed, as Xen's
 * does.  Between extents the op may stop for preemption and continue with
 * the start extent in the command's upper bits (seed 003's extent_order > 0
 * loops: an extent is one allocation, one P2M entry of its order and one
 * accounting update, never per-page work that can be done per extent).
 */
#include <common/guest_access.h>
#include <common/hypercall.h>
#include <common/subsys.h>
#include <public/memory.h>

#include "mm_private.h"
#include "mm_xsm.h"

/* Largest extent a guest may ask for: Xen's CONFIG_DOMU_MAX_ORDER (9) and,
 * for the control domain, our MAX_ORDER so 1 GiB extents work. */
#define DOMU_MAX_ORDER 9

static unsigned int guest_max_order(const struct domain *cur)
{
    return cur->is_privileged ? MAX_ORDER : DOMU_MAX_ORDER;
}

/** Populates one extent; see mm_populate_physmap. */
static int populate_one(struct domain *d, gfn_t gfn, unsigned int order,
                        unsigned int memflags)
{
    struct page_info *pg;
    int rc;

    if ( order > MAX_ORDER || (gfn_x(gfn) & ((1ULL << order) - 1)) ||
         gfn_x(gfn) > P2M_MAX_GFN )
        return -EINVAL;
    if ( domain_is_dying(d) )
        return -ESRCH;
    pg = alloc_domheap_pages(d, order, memflags);
    if ( !pg )
        return -ENOMEM;
    rc = p2m_add_ram(d, gfn, pg, order);
    if ( rc )
        free_domheap_pages(pg, order);
    return rc;
}

/** See mm.h. */
int mm_populate_physmap(struct domain *d, gfn_t gfn, unsigned long nr_extents,
                        unsigned int order, unsigned long *done)
{
    unsigned long i;
    int rc = 0;

    *done = 0;
    if ( order > MAX_ORDER )
        return -EINVAL;
    for ( i = 0; i < nr_extents; i++ )
    {
        rc = populate_one(d, gfn_add(gfn, i << order), order, 0);
        if ( rc )
            break;
        *done = i + 1;
    }
    return rc;
}

/** Drops the allocation reference of a page removed from the P2M. */
static void drop_allocation(struct page_info *pg, void *arg)
{
    uint64_t old = hal_fetch_and(&pg->count_info, ~PGC_allocated);

    BUG_ON(!(old & PGC_allocated));
    put_page(pg);
}

/** See mm.h. */
int mm_decrease_reservation(struct domain *d, gfn_t gfn, unsigned int order)
{
    return p2m_remove_ram(d, gfn, order, drop_allocation, NULL);
}

/** Turns a reservation's mem_flags into MEMF_*; -EINVAL if unsupported. */
static int reservation_memflags(unsigned int f, unsigned int *memflags)
{
    unsigned int bits = XENMEMF_get_address_bits(f);

    /* One NUMA node: node requests are accepted and have no effect. */
    if ( f & ~(0xffU | 0xff00U | XENMEMF_exact_node_request) )
        return -EINVAL;
    if ( bits && bits <= PAGE_SHIFT )
        return -EINVAL;
    *memflags = bits ? MEMF_bits(bits) : 0;
    return 0;
}

/**
 * The three batched ops.  Returns the extents completed (from
 * `start`), -ERESTART with a continuation, or a negative error for the
 * whole call.
 */
static long memop_reservation(struct vcpu *v, unsigned int op,
                              unsigned long start, uint64_t arg)
{
    struct domain *cur = v->domain, *d;
    struct xen_memory_reservation r;
    unsigned int memflags = 0;
    unsigned long i;
    long rc;

    if ( copy_from_guest(cur, &r, arg) )
        return -EFAULT;
    if ( start >= r.nr_extents )
        return (long)start;
    /* The handle's array must be addressable (Xen's subrange check). */
    if ( r.nr_extents > (~0UL >> MEMOP_EXTENT_SHIFT) ||
         (r.extent_start &&
          r.extent_start + r.nr_extents * sizeof(xen_pfn_t) <
              r.extent_start) )
        return (long)start;
    if ( r.extent_order > guest_max_order(cur) )
        return (long)start;
    rc = reservation_memflags(r.mem_flags, &memflags);
    if ( rc )
        return rc;
    rc = domain_resolve(cur, r.domid, &d);
    if ( rc )
        return rc;
    rc = mm_xsm_adjust_reservation(cur, d);
    if ( rc )
        goto out;

    for ( i = start; i < r.nr_extents; i++ )
    {
        uint64_t slot = r.extent_start + i * sizeof(xen_pfn_t);
        xen_pfn_t pfn;
        struct page_info *pg;

        if ( i > start && hypercall_preempt_check() )
        {
            rc = hypercall_create_continuation(
                v, __HYPERVISOR_memory_op, 2,
                (uint64_t)op | ((uint64_t)i << MEMOP_EXTENT_SHIFT), arg);
            goto out;
        }
        if ( op == XENMEM_increase_reservation )
        {
            /*
             * The pages are the domain's, in no P2M entry.  Their machine
             * frames are not written back: Xen tells only a guest that is
             * not translated, and every hvcore guest is.
             */
            pg = alloc_domheap_pages(d, r.extent_order, memflags);
            if ( !pg )
                break;
            continue;
        }
        if ( !r.extent_start || copy_from_guest(cur, &pfn, slot) )
            break;
        if ( op == XENMEM_populate_physmap )
        {
            if ( populate_one(d, _gfn(pfn), r.extent_order, memflags) )
                break;
        }
        else if ( mm_decrease_reservation(d, _gfn(pfn), r.extent_order) )
            break;
    }
    rc = (long)i;
 out:
    put_domain(d);
    return rc;
}

/** current_reservation, maximum_reservation, maximum_gpfn. */
static long memop_stat(struct vcpu *v, unsigned int op, uint64_t arg)
{
    struct domain *cur = v->domain, *d;
    domid_t domid;
    long rc;

    if ( copy_from_guest(cur, &domid, arg) )
        return -EFAULT;
    rc = domain_resolve(cur, domid, &d);
    if ( rc )
        return rc;
    rc = mm_xsm_stat_reservation(cur, d);
    if ( rc )
        goto out;
    switch ( op )
    {
    case XENMEM_current_reservation:
        rc = (long)mm_domain_tot_pages(d);
        break;
    case XENMEM_maximum_reservation:
        rc = (long)mm_domain_max_pages(d);
        break;
    default:
        rc = (long)p2m_max_mapped_gfn(d);
        break;
    }
 out:
    put_domain(d);
    return rc;
}

/* ---- Grant transfer (libgnttab) and grant frames in the physmap. ---- */

struct steal_state {
    struct page_info *want;  /* the page looked up */
    struct page_info *seen;  /* the page the P2M entry held */
    bool ok;                 /* its allocation reference is ours now */
};

/**
 * Under the P2M lock, with the entry cleared: claims the page if only its
 * allocation reference holds it, turning that into the caller's reference.
 */
static void steal_claim(struct page_info *pg, void *arg)
{
    struct steal_state *st = arg;
    uint64_t x = hal_read_once(&pg->count_info);

    st->seen = pg;
    if ( pg != st->want || !(x & PGC_allocated) ||
         (x & (PGC_xen_heap | PGC_extra)) || (x & PGC_count_mask) != 1 ||
         (hal_read_once(&pg->u.type_info) & PGT_count_mask) )
        return;
    st->ok = hal_cmpxchg(&pg->count_info, &x, x & ~PGC_allocated);
}

/** See mm.h. */
int mm_steal_page(struct domain *d, gfn_t gfn, struct page_info **out)
{
    struct steal_state st = { .want = NULL, .seen = NULL, .ok = false };
    struct mm_domain *md = d->mm;
    p2m_type_t t;
    mfn_t mfn = p2m_lookup(d, gfn, &t);
    int rc;

    if ( t != p2m_ram_rw || !mfn_valid(mfn) ||
         page_get_owner(mfn_to_page(mfn)) != d )
        return -EINVAL;
    st.want = mfn_to_page(mfn);
    rc = p2m_remove_ram(d, gfn, 0, steal_claim, &st);
    if ( rc )
        return rc;
    if ( !st.ok )
    {
        /* Referenced elsewhere: put it back where it was (the tables the
         * entry needs are still there).  If the guest raced a populate
         * into the slot, the page goes as decrease_reservation would. */
        if ( p2m_add_ram(d, gfn, st.seen, 0) )
            drop_allocation(st.seen, NULL);
        return -EBUSY;
    }
    hal_spin_lock(&md->page_lock);
    page_list_del(st.want, &md->page_list);
    md->tot_pages--;
    hal_write_once(&st.want->v.owner, 0);
    hal_spin_unlock(&md->page_lock);
    heap_anon_add(1);
    hal_write_once(&st.want->tlbflush_timestamp, tlbflush_current_time());
    *out = st.want;
    return 0;
}

/** See mm.h. */
int mm_assign_page(struct domain *d, struct page_info *pg, gfn_t gfn)
{
    struct mm_domain *md = d->mm;
    int rc;

    if ( !md )
        return -ESRCH;
    hal_spin_lock(&md->page_lock);
    rc = -ESRCH;
    if ( domain_is_dying(d) )
        goto out;
    rc = -ENOMEM;
    if ( md->tot_pages + md->reserved_pages >= md->max_pages )
        goto out;
    hal_write_once(&pg->v.owner, mm_owner_of(d));
    hal_fetch_or(&pg->count_info, PGC_allocated);
    page_list_add_tail(pg, &md->page_list);
    md->tot_pages++;
    rc = 0;
 out:
    hal_spin_unlock(&md->page_lock);
    if ( rc )
        return rc;
    heap_anon_add(-1);
    /* Nobody may still see the sender's translation once `d` owns it. */
    filtered_flush_tlb_mask(hal_read_once(&pg->tlbflush_timestamp));
    rc = p2m_add_ram(d, gfn, pg, 0);
    if ( rc )
    {
        hal_spin_lock(&md->page_lock);
        page_list_del(pg, &md->page_list);
        md->tot_pages--;
        hal_write_once(&pg->v.owner, 0);
        hal_fetch_and(&pg->count_info, ~PGC_allocated);
        hal_spin_unlock(&md->page_lock);
        heap_anon_add(1);
    }
    return rc;
}

/** XENMEM_add_to_physmap: only XENMAPSPACE_grant_table (libgnttab). */
static long memop_add_to_physmap(struct vcpu *v, uint64_t arg)
{
    struct domain *cur = v->domain, *d;
    struct xen_add_to_physmap xatp;
    long rc;

    if ( copy_from_guest(cur, &xatp, arg) )
        return -EFAULT;
    rc = domain_resolve(cur, xatp.domid, &d);
    if ( rc )
        return rc;
    rc = mm_xsm_add_to_physmap(cur, d);
    if ( rc )
        goto out;
    if ( xatp.space == XENMAPSPACE_grant_table )
        rc = gnttab_map_frame(d, xatp.idx, _gfn(xatp.gpfn));
    else
        rc = -ENOSYS;
 out:
    put_domain(d);
    return rc;
}

/** See common/subsys.h.  Unknown commands: -ENOSYS. */
long do_memory_op(struct vcpu *v, unsigned long cmd, uint64_t arg)
{
    unsigned int op = cmd & MEMOP_CMD_MASK;
    unsigned long start = cmd >> MEMOP_EXTENT_SHIFT;

    switch ( op )
    {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return memop_reservation(v, op, start, arg);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        if ( start )
            return -ENOSYS;
        return memop_stat(v, op, arg);
    case XENMEM_maximum_ram_page:
        return start ? -ENOSYS : (long)mm_max_mfn - 1;
    case XENMEM_add_to_physmap:
        return start ? -ENOSYS : memop_add_to_physmap(v, arg);
    default:
        return -ENOSYS;
    }
}
