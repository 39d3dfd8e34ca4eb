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
                __HYPERVISOR_memory_op, 2,
                (uint64_t)op | ((uint64_t)i << MEMOP_EXTENT_SHIFT), arg);
            goto out;
        }
        if ( op == XENMEM_increase_reservation )
        {
            pg = alloc_domheap_pages(d, r.extent_order, memflags);
            if ( !pg )
                break;
            pfn = mfn_x(page_to_mfn(pg));
            if ( r.extent_start && copy_to_guest(cur, slot, &pfn) )
            {
                free_domheap_pages(pg, r.extent_order);
                break;
            }
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
    default:
        return -ENOSYS;
    }
}
