/* SPDX-License-Identifier: MIT */
/*
 * The three-domain world libgnttab's suites start from: A grants, B maps,
 * C is a third party.  Every test ends with gnttab_check and mm_check.
 * Also the small guest-side helpers the suites share (one op by a given
 * vCPU, a grant frame's add_to_physmap, introspection).
 */
#ifndef LIBGNTTAB_TESTS_GNTTAB_FIXTURE_H
#define LIBGNTTAB_TESTS_GNTTAB_FIXTURE_H

#include <common/hypercall.h>
#include <libgnttab/gnttab.h>
#include <libmm/mm.h>
#include <public/memory.h>

#include "gntlib.h"
#include "world_cmocka.h"

static struct gnt_guest A, B, C; /* granter, mapper, third domain */

/* One pin of each kind, as gnttab_debug_pin reports them. */
#define GNTPIN_HSTW_ONE 0x00000001U
#define GNTPIN_HSTR_ONE 0x00000100U
#define GNTPIN_DEVW_ONE 0x00010000U

static int setup(void **state)
{
    if ( world_setup(state) )
        return -1;
    /* The suites test device mappings and unmap_and_replace's new_addr
     * too: the extension that allows them is on (test_pv_maps_default
     * tests a domain without it). */
    if ( gnt_guest_create_ext(&A, 1, 2, HVCORE_GNTTAB_EXT_PV_MAPS) ||
         gnt_guest_create_ext(&B, 2, 2, HVCORE_GNTTAB_EXT_PV_MAPS) ||
         gnt_guest_create_ext(&C, 3, 1, HVCORE_GNTTAB_EXT_PV_MAPS) )
        return -1;
    return 0;
}

static int teardown(void **state)
{
    gnt_guest_destroy(&A);
    gnt_guest_destroy(&B);
    gnt_guest_destroy(&C);
    assert_int_equal(gnttab_check(), 0);
    mm_deferred_flush();
    assert_int_equal(mm_check(), 0);
    return world_teardown(state);
}

static void checks(void)
{
    assert_int_equal(gnttab_check(), 0);
    assert_int_equal(mm_check(), 0);
}

static inline struct page_info *gfn_page(struct gnt_guest *g, uint64_t gfn)
{
    return mfn_to_page(p2m_lookup(g->d, _gfn(gfn), NULL));
}

static inline uint64_t type_count(const struct page_info *pg)
{
    return pg->u.type_info & PGT_count_mask;
}

/**
 * XENMEM_add_to_physmap of grant-table index `idx` at `gfn`, as vCPU
 * `vcpu` of `g` (through that vCPU's argument page).
 */
static inline long physmap_on(struct gnt_guest *g, unsigned int vcpu,
                              unsigned long idx, uint64_t gfn)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
        .idx = idx, .gpfn = gfn,
    };

    return world_guest_op(g->d, vcpu, __HYPERVISOR_memory_op,
                          XENMEM_add_to_physmap, GNT_ARGS_GFN + vcpu, &x,
                          sizeof(x));
}

static inline long physmap(struct gnt_guest *g, unsigned long idx,
                           uint64_t gfn)
{
    return physmap_on(g, 0, idx, gfn);
}

static inline struct gnttab_info info_of(struct gnt_guest *g)
{
    struct gnttab_info info;

    assert_int_equal(gnttab_get_info(g->d, &info), 0);
    return info;
}

static inline uint64_t domain_pages_now(void)
{
    struct mm_stats m;

    mm_deferred_flush();
    mm_get_stats(&m);
    return m.domain_pages;
}

/*
 * One map by vCPU `vcpu` of `g`; returns the status, sets `*h` (and
 * `*bus`, the device address a device map is unmapped by).  Safe on a
 * pCPU thread (no assertion).
 */
static inline int16_t map_on(struct gnt_guest *g, unsigned int vcpu,
                             domid_t dom, grant_ref_t ref, uint32_t flags,
                             uint64_t gfn, grant_handle_t *h, uint64_t *bus)
{
    struct gnttab_map_grant_ref op = {
        .host_addr = gfn << 12, .flags = flags, .ref = ref, .dom = dom,
        .status = 99 };

    if ( gnt_op(g, vcpu, GNTTABOP_map_grant_ref, &op, 1, sizeof(op)) )
        return -100;
    *h = op.handle;
    if ( bus )
        *bus = op.dev_bus_addr;
    return op.status;
}

static inline int16_t unmap_on(struct gnt_guest *g, unsigned int vcpu,
                               grant_handle_t h, uint64_t gfn, uint64_t bus)
{
    struct gnttab_unmap_grant_ref op = {
        .host_addr = gfn << 12, .dev_bus_addr = bus, .handle = h,
        .status = 99 };

    if ( gnt_op(g, vcpu, GNTTABOP_unmap_grant_ref, &op, 1, sizeof(op)) )
        return -100;
    return op.status;
}

#endif /* LIBGNTTAB_TESTS_GNTTAB_FIXTURE_H */
