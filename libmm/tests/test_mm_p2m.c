/* SPDX-License-Identifier: MIT */
/* The P2M, guest copies, memory_op through the hypercall entry, domain
 * teardown, and fault injection at every allocation point. */
#include "fault_walk.h"
#include "mm_world.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <common/guest_access.h>
#include <common/hypercall.h>
#include <common/subsys.h>
#include <public/memory.h>
#include <libxsm/xsm.h>

#include "../mm_private.h" /* mm_owner_hold: the last put's guard */

static void expect_ram(struct domain *d, uint64_t gfn, mfn_t mfn)
{
    p2m_type_t t;

    assert_int_equal(mfn_x(p2m_lookup(d, _gfn(gfn), &t)), mfn_x(mfn));
    assert_int_equal(t, p2m_ram_rw);
}

static void expect_hole(struct domain *d, uint64_t gfn)
{
    p2m_type_t t;

    assert_true(mfn_eq(p2m_lookup(d, _gfn(gfn), &t), INVALID_MFN));
    assert_int_equal(t, p2m_invalid);
}

/* 4 KiB and 2 MiB extents, lookups, holes and refusals. */
static void test_populate_lookup(void **state)
{
    struct domain *d = mm_world_domain(1, 4096, false);
    unsigned long done;
    mfn_t base;

    assert_int_equal(mm_populate_physmap(d, _gfn(0x100), 4, 0, &done), 0);
    assert_int_equal(done, 4);
    assert_int_equal(mm_populate_physmap(d, _gfn(0x200), 2, 9, &done), 0);
    assert_int_equal(done, 2);
    assert_int_equal(mm_domain_tot_pages(d), 4 + 1024);
    /* Root, one L2 table, one L1 table (2 MiB leaves), one L0 table. */
    assert_int_equal(p2m_table_pages(d), 4);
    base = p2m_lookup(d, _gfn(0x200), NULL);
    assert_int_equal(mfn_x(base) & 511, 0);
    expect_ram(d, 0x200 + 300, mfn_add(base, 300));
    expect_hole(d, 0x104);
    expect_hole(d, 0x600);
    expect_hole(d, P2M_MAX_GFN + 1);
    assert_int_equal(p2m_max_mapped_gfn(d), 0x5ff);
    assert_ptr_equal(page_get_owner(mfn_to_page(base)), d);

    assert_int_equal(mm_populate_physmap(d, _gfn(0x201), 1, 9, &done),
                     -EINVAL);
    assert_int_equal(mm_populate_physmap(d, _gfn(0x102), 2, 0, &done),
                     -EEXIST);
    assert_int_equal(done, 0);
    assert_int_equal(mm_populate_physmap(d, _gfn(0x400), 1, 9, &done),
                     -EEXIST);
    assert_int_equal(mm_populate_physmap(d, _gfn(0x1000), 1, 12, &done),
                     -ENOMEM); /* over max_pages */
    assert_int_equal(mm_populate_physmap(d, _gfn(0), 1, MAX_ORDER + 1,
                                         &done), -EINVAL);
    assert_int_equal(mm_domain_tot_pages(d), 4 + 1024);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(d);
    assert_int_equal(mm_check(), 0);
}

/* A 1 GiB extent is one leaf. */
static void test_populate_1g(void **state)
{
    struct domain *d;
    unsigned long done;
    mfn_t base;

    assert_int_equal(mm_world_up(2100UL << 20, 2), 0);
    d = mm_world_domain(1, 1UL << 20, false);
    assert_int_equal(mm_populate_physmap(d, _gfn(1UL << 18), 1, 18, &done),
                     0);
    assert_int_equal(p2m_table_pages(d), 2);
    base = p2m_lookup(d, _gfn(1UL << 18), NULL);
    assert_int_equal(mfn_x(base) & ((1UL << 18) - 1), 0);
    expect_ram(d, (1UL << 18) + 123456, mfn_add(base, 123456));
    /* Removing one page splits twice: 1 GiB → 2 MiB leaves → 4 KiB. */
    assert_int_equal(mm_decrease_reservation(d, _gfn((1UL << 18) + 1000),
                                             0), 0);
    assert_int_equal(p2m_table_pages(d), 4);
    expect_hole(d, (1UL << 18) + 1000);
    expect_ram(d, (1UL << 18) + 1001, mfn_add(base, 1001));
    expect_ram(d, (1UL << 18) + 200000, mfn_add(base, 200000));
    assert_int_equal(mm_domain_tot_pages(d), (1UL << 18) - 1);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(d);
    assert_int_equal(mm_check(), 0);
    mm_world_teardown(NULL);
}

/* decrease_reservation: splits, refusals that change nothing. */
static void test_decrease(void **state)
{
    uint64_t free0 = mm_world_free_pages();
    struct domain *d = mm_world_domain(1, 4096, false);
    unsigned long done, tables;
    struct mm_stats s;
    mfn_t base;

    assert_int_equal(mm_populate_physmap(d, _gfn(0x400), 1, 9, &done), 0);
    base = p2m_lookup(d, _gfn(0x400), NULL);
    tables = p2m_table_pages(d);
    assert_int_equal(mm_decrease_reservation(d, _gfn(0x401), 0), 0);
    assert_int_equal(p2m_table_pages(d), tables + 1);
    expect_hole(d, 0x401);
    expect_ram(d, 0x402, mfn_add(base, 2));
    assert_int_equal(mm_domain_tot_pages(d), 511);
    mm_get_stats(&s);
    assert_int_equal(s.deferred_pages, 1); /* awaiting a flush */
    assert_int_equal(mm_check(), 0);

    /* Refusals: a hole, a range with a hole, misalignment. */
    assert_int_equal(mm_decrease_reservation(d, _gfn(0x401), 0), -EINVAL);
    assert_int_equal(mm_decrease_reservation(d, _gfn(0x400), 9), -EINVAL);
    assert_int_equal(mm_decrease_reservation(d, _gfn(0x402), 2), -EINVAL);
    assert_int_equal(mm_decrease_reservation(d, _gfn(0x9999999999ULL), 0),
                     -EINVAL);
    assert_int_equal(mm_domain_tot_pages(d), 511);
    assert_int_equal(mm_decrease_reservation(d, _gfn(0x404), 2), 0);
    assert_int_equal(mm_domain_tot_pages(d), 507);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(d);
    assert_int_equal(mm_world_free_pages(), free0);
    assert_int_equal(mm_check(), 0);
}

/* Grant entries hold their own reference; teardown drops it. */
static void test_grant_entries(void **state)
{
    uint64_t free0 = mm_world_free_pages();
    struct domain *d1 = mm_world_domain(1, 64, false);
    struct domain *d2 = mm_world_domain(2, 64, false);
    struct page_info *pg;
    unsigned long done;
    uint8_t buf[8];
    p2m_type_t t;
    mfn_t m;

    assert_int_equal(mm_populate_physmap(d1, _gfn(0x10), 1, 0, &done), 0);
    m = p2m_lookup(d1, _gfn(0x10), NULL);
    pg = mfn_to_page(m);
    assert_int_equal(page_refcount(pg), 1);
    assert_int_equal(p2m_insert_grant(d2, _gfn(0x5000), m, p2m_grant_map_rw),
                     0);
    assert_int_equal(page_refcount(pg), 2);
    assert_true(mfn_eq(p2m_lookup(d2, _gfn(0x5000), &t), m));
    assert_int_equal(t, p2m_grant_map_rw);
    assert_int_equal(copy_from_guest_phys(d2, buf, 0x5000UL << PAGE_SHIFT,
                                          sizeof(buf)), -EFAULT);
    assert_int_equal(p2m_insert_grant(d2, _gfn(0x5000), m, p2m_grant_map_ro),
                     -EEXIST);
    assert_int_equal(p2m_insert_grant(d2, _gfn(0x5001), m, p2m_ram_rw),
                     -EINVAL);
    assert_int_equal(p2m_insert_grant(d2, _gfn(0x5001), _mfn(1),
                                      p2m_grant_map_ro), -EINVAL);
    assert_int_equal(page_refcount(pg), 2);
    assert_int_equal(mm_check(), 0);
    assert_int_equal(p2m_remove_grant(d2, _gfn(0x5000), mfn_add(m, 1)),
                     -EINVAL);
    assert_int_equal(mm_decrease_reservation(d2, _gfn(0x5000), 0), -EINVAL);
    assert_int_equal(p2m_remove_grant(d2, _gfn(0x5000), m), 0);
    assert_int_equal(page_refcount(pg), 1);
    assert_int_equal(p2m_remove_grant(d2, _gfn(0x5000), m), -EINVAL);

    /* The granter dies while the page is mapped: the page outlives it,
     * and goes back when the mapper's entry goes. */
    assert_int_equal(p2m_insert_grant(d2, _gfn(0x6000), m, p2m_grant_map_ro),
                     0);
    mm_world_destroy(d1);
    assert_int_equal(page_refcount(pg), 1);
    assert_null(page_get_owner(pg));
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(d2);
    assert_int_equal(mm_world_free_pages(), free0);
    assert_int_equal(mm_check(), 0);
}

/* Guest copies go through the P2M: RAM only, read-only respected. */
static void test_guest_copy(void **state)
{
    struct domain *d = mm_world_domain(1, 64, false);
    char in[6000], out[6000];
    unsigned long done;
    unsigned int i;

    assert_int_equal(mm_populate_physmap(d, _gfn(0x20), 3, 0, &done), 0);
    for ( i = 0; i < sizeof(in); i++ )
        in[i] = (char)(i * 7);
    assert_int_equal(copy_to_guest_phys(d, 0x20000 + 3000, in, sizeof(in)),
                     0);
    memset(out, 0, sizeof(out));
    assert_int_equal(copy_from_guest_phys(d, out, 0x20000 + 3000,
                                          sizeof(out)), 0);
    assert_memory_equal(in, out, sizeof(in));
    /* The bytes are in the frames the P2M names. */
    assert_int_equal(((char *)sim_machine_frame(
                         mfn_x(p2m_lookup(d, _gfn(0x21), NULL))))[0],
                     in[4096 - 3000]);
    assert_int_equal(copy_to_guest_phys(d, 0x23000 - 4, in, 8), -EFAULT);
    assert_int_equal(copy_from_guest_phys(d, out, 0x90000, 1), -EFAULT);
    assert_int_equal(copy_from_guest_phys(d, out, ~0UL - 2, 8), -EFAULT);
    assert_int_equal(p2m_set_ram_type(d, _gfn(0x21), p2m_ram_ro), 0);
    assert_int_equal(copy_to_guest_phys(d, 0x21000, in, 1), -EFAULT);
    assert_int_equal(copy_from_guest_phys(d, out, 0x21000, 16), 0);
    assert_int_equal(p2m_set_ram_type(d, _gfn(0x21), p2m_grant_map_rw),
                     -EINVAL);
    assert_int_equal(p2m_set_ram_type(d, _gfn(0x21), p2m_ram_rw), 0);
    assert_int_equal(copy_to_guest_phys(d, 0x21000, in, 1), 0);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(d);
}

/* ---- memory_op through the hypercall entry. ---- */

#define ARG_GPA 0x0UL     /* the reservation */
#define LIST_GPA 0x1000UL /* the extent list */

static long memop(struct domain *caller, unsigned long cmd, uint64_t arg)
{
    uint64_t args[HYPERCALL_NR_ARGS] = { cmd, arg };

    return hypercall_entry(caller->vcpu[0], __HYPERVISOR_memory_op, args);
}

/** Writes a reservation and its list into `d`'s memory. */
static void put_reservation(struct domain *d, const uint64_t *list,
                            unsigned long nr, unsigned int order,
                            unsigned int flags, domid_t domid)
{
    struct xen_memory_reservation r = {
        .extent_start = list ? LIST_GPA : 0,
        .nr_extents = nr,
        .extent_order = order,
        .mem_flags = flags,
        .domid = domid,
    };

    assert_int_equal(copy_to_guest_phys(d, ARG_GPA, &r, sizeof(r)), 0);
    if ( list )
        assert_int_equal(copy_to_guest_phys(d, LIST_GPA, list,
                                            nr * sizeof(*list)), 0);
}

static struct domain *guest_with_memory(domid_t id, uint64_t max,
                                        bool privileged)
{
    struct domain *d = mm_world_domain(id, max, privileged);
    unsigned long done;

    assert_int_equal(mm_populate_physmap(d, _gfn(0), 4, 0, &done), 0);
    return d;
}

static void test_memory_op_populate(void **state)
{
    struct domain *d = guest_with_memory(1, 64, false);
    uint64_t list[8] = { 0x100, 0x101, 0x102, 0x103 };
    uint64_t tot;

    put_reservation(d, list, 4, 0, 0, DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_populate_physmap, ARG_GPA), 4);
    assert_int_equal(mm_domain_tot_pages(d), 8);
    expect_ram(d, 0x103, p2m_lookup(d, _gfn(0x103), NULL));
    assert_false(mfn_eq(p2m_lookup(d, _gfn(0x103), NULL), INVALID_MFN));

    /* A bad extent stops the batch there; the ones before it stay. */
    list[0] = 0x110;
    list[1] = 0x111;
    list[2] = 0x100; /* populated already */
    list[3] = 0x112;
    put_reservation(d, list, 4, 0, 0, DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_populate_physmap, ARG_GPA), 2);
    assert_int_equal(mm_domain_tot_pages(d), 10);
    expect_hole(d, 0x112);

    /* Invalid gfn, misalignment, order over the guest limit. */
    list[0] = P2M_MAX_GFN + 1;
    put_reservation(d, list, 1, 0, 0, DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_populate_physmap, ARG_GPA), 0);
    list[0] = 0x201;
    put_reservation(d, list, 1, 3, 0, DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_populate_physmap, ARG_GPA), 0);
    list[0] = 0x400;
    put_reservation(d, list, 1, 10, 0, DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_populate_physmap, ARG_GPA), 0);
    /* Over max_pages (64): 10 + 32 fits, 32 more does not. */
    list[0] = 0x400;
    list[1] = 0x420;
    put_reservation(d, list, 2, 5, 0, DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_populate_physmap, ARG_GPA), 1);
    assert_int_equal(mm_domain_tot_pages(d), 42);
    /* A null list, a list the guest does not have. */
    put_reservation(d, NULL, 1, 0, 0, DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_populate_physmap, ARG_GPA), 0);
    put_reservation(d, list, 1, 0, 0, DOMID_SELF);
    {
        struct xen_memory_reservation r;

        assert_int_equal(copy_from_guest_phys(d, &r, ARG_GPA, sizeof(r)),
                         0);
        r.extent_start = 0x7770000;
        assert_int_equal(copy_to_guest_phys(d, ARG_GPA, &r, sizeof(r)), 0);
    }
    assert_int_equal(memop(d, XENMEM_populate_physmap, ARG_GPA), 0);
    /* Unsupported flags; an argument outside guest memory. */
    put_reservation(d, list, 1, 0, XENMEMF_populate_on_demand, DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_populate_physmap, ARG_GPA), -EINVAL);
    put_reservation(d, list, 1, 0, XENMEMF_address_bits(8), DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_populate_physmap, ARG_GPA), -EINVAL);
    assert_int_equal(memop(d, XENMEM_populate_physmap, 0x5550000), -EFAULT);
    assert_int_equal(memop(d, 63, ARG_GPA), -ENOSYS);

    tot = mm_domain_tot_pages(d);
    assert_int_equal(tot, 42);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(d);
}

static long stat_op(struct domain *caller, unsigned int op, domid_t target)
{
    assert_int_equal(copy_to_guest_phys(caller, 0x100, &target,
                                        sizeof(target)), 0);
    return memop(caller, op, 0x100);
}

/* A world whose XSM provider is the dummy policy, whose XSM_TARGET rule
 * these tests check (FLASK without a policy is permissive). */
static int dummy_xsm_setup(void **state)
{
    (void)state;
    return world_start_xsm(MM_WORLD_MEM, 2, WORLD_XSM_DUMMY);
}

static void test_memory_op_reservations(void **state)
{
    struct domain *d = guest_with_memory(1, 100, false);
    struct domain *e = guest_with_memory(2, 100, false);
    struct domain *ctl = guest_with_memory(3, 100, true);
    uint64_t list[4] = { 0x300, 0x301 }, after[4];
    uint64_t tot = mm_domain_tot_pages(d);

    /* increase_reservation gives the domain pages in no P2M entry, and
     * writes no machine frame back to a translated guest (Xen's). */
    put_reservation(d, list, 2, 1, 0, DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_increase_reservation, ARG_GPA), 2);
    assert_int_equal(copy_from_guest_phys(d, after, LIST_GPA, 16), 0);
    assert_int_equal(after[0], 0x300);
    assert_int_equal(after[1], 0x301);
    assert_int_equal(mm_domain_tot_pages(d), tot + 4);
    assert_int_equal(mm_domain_tot_pages(d), 8);
    put_reservation(d, NULL, 1, 0, 0, DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_increase_reservation, ARG_GPA), 1);

    /* decrease_reservation of own RAM; of a hole stops. */
    list[0] = 0x2;
    list[1] = 0x3;
    list[2] = 0x3;
    put_reservation(d, list, 3, 0, 0, DOMID_SELF);
    assert_int_equal(memop(d, XENMEM_decrease_reservation, ARG_GPA), 2);
    assert_int_equal(mm_domain_tot_pages(d), 7);
    expect_hole(d, 0x2);

    /* Stats. */
    assert_int_equal(stat_op(d, XENMEM_current_reservation, DOMID_SELF), 7);
    assert_int_equal(stat_op(d, XENMEM_maximum_reservation, DOMID_SELF),
                     100);
    assert_int_equal(stat_op(d, XENMEM_maximum_gpfn, DOMID_SELF), 3);
    assert_int_equal(stat_op(d, XENMEM_current_reservation, 77), -ESRCH);
    assert_int_equal(memop(d, XENMEM_current_reservation, 0x9990000),
                     -EFAULT);

    /* Another domain: refused for a peer, allowed for the control one. */
    assert_int_equal(stat_op(e, XENMEM_current_reservation, 1), -EPERM);
    list[0] = 0x500;
    put_reservation(e, list, 1, 0, 0, 1);
    assert_int_equal(memop(e, XENMEM_populate_physmap, ARG_GPA), -EPERM);
    expect_hole(d, 0x500);
    assert_int_equal(stat_op(ctl, XENMEM_current_reservation, 1), 7);
    put_reservation(ctl, list, 1, 0, 0, 1);
    assert_int_equal(memop(ctl, XENMEM_populate_physmap, ARG_GPA), 1);
    assert_false(mfn_eq(p2m_lookup(d, _gfn(0x500), NULL), INVALID_MFN));
    /* The control domain may use large extents. */
    list[0] = 0x800;
    put_reservation(ctl, list, 1, 10, 0, DOMID_SELF);
    assert_int_equal(memop(ctl, XENMEM_populate_physmap, ARG_GPA), 0);
    assert_int_equal(mm_domain_set_max_pages(ctl, 4096), 0);
    assert_int_equal(memop(ctl, XENMEM_populate_physmap, ARG_GPA), 1);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(d);
    mm_world_destroy(e);
    mm_world_destroy(ctl);
    assert_int_equal(mm_check(), 0);
}

/* A preempted batch continues where it stopped. */
static void test_memory_op_continuation(void **state)
{
    struct domain *d = guest_with_memory(1, 64, false);
    uint64_t list[6] = { 0x40, 0x41, 0x42, 0x43, 0x44, 0x45 };
    uint64_t args[HYPERCALL_NR_ARGS] = { XENMEM_populate_physmap, ARG_GPA };

    put_reservation(d, list, 6, 0, 0, DOMID_SELF);
    hypercall_force_preempt(1);
    assert_int_equal(hypercall_entry_once(d->vcpu[0], __HYPERVISOR_memory_op,
                                          args), -ERESTART);
    assert_int_equal(args[0], XENMEM_populate_physmap |
                                  (1UL << MEMOP_EXTENT_SHIFT));
    assert_int_equal(mm_domain_tot_pages(d), 5);
    hypercall_force_preempt(2);
    assert_int_equal(hypercall_entry(d->vcpu[0], __HYPERVISOR_memory_op,
                                     args), 6);
    assert_int_equal(mm_domain_tot_pages(d), 10);
    expect_ram(d, 0x45, p2m_lookup(d, _gfn(0x45), NULL));
    assert_false(mfn_eq(p2m_lookup(d, _gfn(0x45), NULL), INVALID_MFN));
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(d);
}

/* Relinquish is preemptible and returns every page, tables included. */
static void test_relinquish(void **state)
{
    uint64_t free0 = mm_world_free_pages();
    unsigned long pt0 = hal_pt_pages_in_use(), done;
    struct domain *d = mm_world_domain(1, 8192, false);
    unsigned int restarts = 0;
    int rc;

    assert_int_equal(mm_populate_physmap(d, _gfn(0), 4, 9, &done), 0);
    assert_int_equal(mm_populate_physmap(d, _gfn(0x10000), 600, 0, &done),
                     0);
    assert_int_equal(mm_check(), 0);
    hypercall_force_preempt(1000);
    while ( (rc = domain_destroy(d)) == -ERESTART )
        restarts++;
    hypercall_force_preempt(0);
    assert_int_equal(rc, 0);
    assert_true(restarts >= 2);
    put_domain(d);
    assert_int_equal(mm_world_free_pages(), free0);
    assert_int_equal(hal_pt_pages_in_use(), pt0);
    assert_int_equal(mm_check(), 0);
}

/*
 * Lockless lookups by holders of a reference while the domain is torn down
 * (a granter's P2M walked for a grant map, say): every lookup answers the
 * gfn's own frame or nothing.  With the per-CPU caches off, table pages
 * teardown took out would go straight to the buddy lists, where a thief
 * takes every free page and fills it with ones: a walker still inside such
 * a table would read garbage entries.  Parked until the last reference goes,
 * the tables stay clear.
 */
#define TD_GFN 0x10000UL
#define TD_PAGES 1200UL
#define TD_THIEF_MAX 20000U

struct teardown_race {
    struct domain *d;
    mfn_t mfn[TD_PAGES];
    struct page_info *stolen[TD_THIEF_MAX];
    unsigned int nstolen;
    volatile int done;
    volatile int bad, destroy_rc;
    volatile unsigned long lookups;
};

static void td_destroyer(struct teardown_race *r)
{
    int rc;

    hypercall_force_preempt(100000);
    while ( (rc = domain_destroy(r->d)) == -ERESTART )
        sched_yield();
    hypercall_force_preempt(0);
    r->destroy_rc = rc;
    /* Under Valgrind the threads take turns: let the walkers in. */
    while ( r->lookups < 256 )
        sched_yield();
    r->done = 1;
}

static void td_thief(struct teardown_race *r)
{
    while ( !r->done && r->nstolen < TD_THIEF_MAX )
    {
        struct page_info *pg = alloc_domheap_pages(NULL, 0, MEMF_no_scrub);

        if ( !pg )
        {
            sched_yield();
            continue;
        }
        memset(sim_machine_frame(mfn_x(page_to_mfn(pg))), 0xff, PAGE_SIZE);
        r->stolen[r->nstolen++] = pg;
    }
}

static void td_walker(struct teardown_race *r, unsigned int cpu)
{
    unsigned long n = cpu;

    while ( !r->done )
    {
        unsigned long i = (n = n * 1103515245UL + 12345UL) % TD_PAGES;
        mfn_t m = p2m_lookup(r->d, _gfn(TD_GFN + i), NULL);

        if ( !mfn_eq(m, r->mfn[i]) && !mfn_eq(m, INVALID_MFN) )
            r->bad = 1;
        r->lookups++;
    }
}

static void td_cpu(unsigned int cpu, void *arg)
{
    struct teardown_race *r = arg;

    if ( cpu == 0 )
        td_destroyer(r);
    else if ( cpu == 3 )
        td_thief(r);
    else
        td_walker(r, cpu);
}

static void test_lookup_during_teardown(void **state)
{
    uint64_t free0 = mm_world_free_pages();
    struct teardown_race *r = calloc(1, sizeof(*r));
    unsigned long done, i;

    (void)state;
    assert_non_null(r);
    mm_pcp_set(false);
    r->d = mm_world_domain(1, 8192, false);
    assert_int_equal(mm_populate_physmap(r->d, _gfn(TD_GFN), TD_PAGES, 0,
                                         &done), 0);
    for ( i = 0; i < TD_PAGES; i++ )
        r->mfn[i] = p2m_lookup(r->d, _gfn(TD_GFN + i), NULL);
    sim_run_cpus(4, td_cpu, r);
    assert_int_equal(r->destroy_rc, 0);
    assert_false(r->bad);
    /* The tables are still held for the reference this test has. */
    assert_int_equal(p2m_table_pages(r->d), 0);
    for ( i = 0; i < r->nstolen; i++ )
        free_domheap_pages(r->stolen[i], 0);
    put_domain(r->d);
    mm_pcp_set(true);
    assert_int_equal(mm_world_free_pages(), free0);
    assert_int_equal(mm_check(), 0);
    free(r);
}

/*
 * A page's last reference dropped on one CPU while its owner's last domain
 * reference goes on another: a grant mapping's page references outlive the
 * pin that kept the granter, so nothing holds the owner when the mapper's
 * last put_page runs.  The put must either take the page out of the
 * owner's accounting before the owner's final destroy, or find it made
 * anonymous by that destroy; never reach into the freed owner.  ASan and
 * Valgrind see a use after free; the accounting sees a lost or doubly
 * counted page.
 */
#define LP_GFN 0x100UL
#define LP_PAGES 16UL
#define LP_ROUNDS 300U
#define LP_ROUNDS_VALGRIND 40U

struct last_put_race {
    struct domain *d;
    struct page_info *pg[LP_PAGES];
    unsigned int arrived;
};

static void lp_cpu(unsigned int cpu, void *arg)
{
    struct last_put_race *r = arg;
    unsigned long i;

    __atomic_fetch_add(&r->arrived, 1, __ATOMIC_SEQ_CST);
    while ( __atomic_load_n(&r->arrived, __ATOMIC_SEQ_CST) < 2 )
        sched_yield();
    if ( cpu == 0 )
        put_domain(r->d); /* the last reference: the final destroy */
    else
        for ( i = 0; i < LP_PAGES; i++ )
            put_page(r->pg[i]);
}

static void test_last_put_during_final_destroy(void **state)
{
    uint64_t free0 = mm_world_free_pages();
    unsigned int round, rounds = getenv("HVCORE_UNDER_VALGRIND")
                                     ? LP_ROUNDS_VALGRIND : LP_ROUNDS;
    struct last_put_race r;
    unsigned long i, done;
    int rc;

    (void)state;
    for ( round = 0; round < rounds; round++ )
    {
        memset(&r, 0, sizeof(r));
        r.d = mm_world_domain(1, 64, false);
        assert_int_equal(mm_populate_physmap(r.d, _gfn(LP_GFN), LP_PAGES, 0,
                                             &done), 0);
        for ( i = 0; i < LP_PAGES; i++ )
        {
            r.pg[i] = mfn_to_page(p2m_lookup(r.d, _gfn(LP_GFN + i), NULL));
            assert_true(get_page(r.pg[i], r.d)); /* a mapper's reference */
        }
        while ( (rc = domain_destroy(r.d)) == -ERESTART )
            ;
        assert_int_equal(rc, 0);
        /* Relinquished: the pages are the domain's only through ours. */
        assert_int_equal(mm_domain_tot_pages(r.d), LP_PAGES);
        sim_run_cpus(2, lp_cpu, &r);
    }
    assert_int_equal(mm_world_free_pages(), free0);
    assert_int_equal(mm_check(), 0);
}

/*
 * The guard the race above relies on, made deterministic: while a last put
 * holds the owner's slot (as put_page does between reading the owner and
 * taking the page out of its accounting), the owner's final destroy must
 * wait, with its mm state still there; once the hold goes, it completes.
 */
struct hold_wait {
    struct domain *d;
    volatile int held, destroyed;
    bool held_ok, waited, mm_kept;  /* seen by the holder (CPU 1) */
};

static void hw_cpu(unsigned int cpu, void *arg)
{
    struct hold_wait *h = arg;
    uint32_t owner;
    unsigned int i;

    if ( cpu == 0 )
    {
        while ( !h->held )
            sched_yield();
        put_domain(h->d); /* the last reference: waits for the hold */
        h->destroyed = 1;
        return;
    }
    owner = mm_owner_of(h->d);
    h->held_ok = mm_owner_hold(owner) == h->d;
    __atomic_store_n(&h->held, 1, __ATOMIC_SEQ_CST);
    /* Let the destroyer reach its wait, and check it stays there. */
    for ( i = 0; i < 200; i++ )
        sched_yield();
    usleep(20000);
    h->waited = !h->destroyed;
    h->mm_kept = h->d->mm != NULL; /* the owner's mm state is still there */
    mm_owner_release(owner);
}

static void test_final_destroy_waits_for_a_hold(void **state)
{
    uint64_t free0 = mm_world_free_pages();
    struct hold_wait h = { .held = 0, .destroyed = 0 };
    int rc;

    (void)state;
    h.d = mm_world_domain(1, 64, false);
    while ( (rc = domain_destroy(h.d)) == -ERESTART )
        ;
    assert_int_equal(rc, 0);
    sim_run_cpus(2, hw_cpu, &h);
    assert_true(h.held_ok);
    assert_true(h.waited);
    assert_true(h.mm_kept);
    assert_true(h.destroyed);
    assert_int_equal(mm_world_free_pages(), free0);
    assert_int_equal(mm_check(), 0);
}

/* ---- Removal holds (p2m_removal_hold). ---- */

/*
 * CPU 1 takes a removal hold on `d`; CPU 0 then removes `d`'s RAM at
 * `gfn` (decrease_reservation, or a retype to read-only).  The removal
 * must wait: while it does, new holds are refused (a removal is under
 * way), the entry still maps the same frame, owned and allocated; once
 * the hold goes, it completes.  Grant-entry removals do not wait for
 * holds: a holder removes one itself.  A waiting removal holds no P2M
 * lock, so a holder may take it: while the removal waits, the holder
 * inserts and removes a grant entry (under the old scheme, where the
 * removal waited under the P2M lock, this deadlocked; so did any chain
 * from a holder's grant locks to the P2M lock, such as a map batch's).
 */
struct removal_hold {
    struct domain *d;
    uint64_t gfn;
    bool retype;
    volatile int held, removed;
    int rc;
    bool hold_ok, refused, kept, waited, locked_ok;
};

static void rh_cpu(unsigned int cpu, void *arg)
{
    struct removal_hold *h = arg;
    mfn_t mfn;
    unsigned int i;

    if ( cpu == 0 )
    {
        while ( !__atomic_load_n(&h->held, __ATOMIC_SEQ_CST) )
            sched_yield();
        h->rc = h->retype ? p2m_set_ram_type(h->d, _gfn(h->gfn), p2m_ram_ro)
                          : mm_decrease_reservation(h->d, _gfn(h->gfn), 0);
        __atomic_store_n(&h->removed, 1, __ATOMIC_SEQ_CST);
        return;
    }
    mfn = p2m_lookup(h->d, _gfn(h->gfn), NULL);
    h->hold_ok = p2m_removal_hold(h->d);
    __atomic_store_n(&h->held, 1, __ATOMIC_SEQ_CST);
    /* Wait (boundedly) for the remover to be under way: holds refused. */
    for ( i = 0; i < 100000 && !h->refused; i++ )
    {
        if ( p2m_removal_hold(h->d) )
            p2m_removal_release(h->d);
        else
            h->refused = true;
        sched_yield();
    }
    usleep(20000);
    h->waited = !__atomic_load_n(&h->removed, __ATOMIC_SEQ_CST);
    {
        p2m_type_t t;
        mfn_t other = p2m_lookup(h->d, _gfn(0x107), NULL);

        /* The P2M lock, while the removal waits for this hold. */
        h->locked_ok =
            h->refused &&
            !p2m_insert_grant(h->d, _gfn(0x5000), other, p2m_grant_map_ro) &&
            !p2m_remove_grant(h->d, _gfn(0x5000), other) &&
            !__atomic_load_n(&h->removed, __ATOMIC_SEQ_CST);

        h->kept = mfn_eq(p2m_lookup(h->d, _gfn(h->gfn), &t), mfn) &&
                  t == p2m_ram_rw &&
                  page_get_owner(mfn_to_page(mfn)) == h->d &&
                  (mfn_to_page(mfn)->count_info & PGC_allocated);
    }
    if ( h->hold_ok )
        p2m_removal_release(h->d);
}

static void test_removal_hold(void **state)
{
    uint64_t free0 = mm_world_free_pages();
    struct domain *d = mm_world_domain(1, 64, false);
    unsigned int round;
    unsigned long done;

    (void)state;
    assert_int_equal(mm_populate_physmap(d, _gfn(0x100), 8, 0, &done), 0);
    /* Uncontended: taken, released, nothing outstanding. */
    assert_true(p2m_removal_hold(d));
    assert_int_not_equal(mm_check(), 0); /* a hold is outstanding */
    /* A grant entry comes and goes under the hold (no wait for it). */
    assert_int_equal(p2m_insert_grant(d, _gfn(0x5000),
                                      p2m_lookup(d, _gfn(0x107), NULL),
                                      p2m_grant_map_ro), 0);
    assert_int_equal(p2m_remove_grant(d, _gfn(0x5000),
                                      p2m_lookup(d, _gfn(0x107), NULL)), 0);
    p2m_removal_release(d);
    assert_int_equal(mm_check(), 0);
    for ( round = 0; round < 2; round++ )
    {
        struct removal_hold h = { .d = d, .gfn = 0x100 + round,
                                  .retype = round == 1 };
        p2m_type_t t;

        sim_run_cpus(2, rh_cpu, &h);
        assert_true(h.hold_ok);
        assert_true(h.refused);
        assert_true(h.waited);
        assert_true(h.kept);
        assert_true(h.locked_ok);
        assert_int_equal(h.rc, 0);
        p2m_lookup(d, _gfn(h.gfn), &t);
        assert_int_equal(t, round == 1 ? p2m_ram_ro : p2m_invalid);
        assert_true(p2m_removal_hold(d)); /* no removal under way now */
        p2m_removal_release(d);
        assert_int_equal(mm_check(), 0);
    }
    assert_int_equal(mm_domain_tot_pages(d), 7); /* one of 8 went */
    mm_world_destroy(d);
    assert_int_equal(mm_world_free_pages(), free0);
    assert_int_equal(mm_check(), 0);
}

/* ---- Fault injection at every allocation point. ---- */

struct snap {
    uint64_t tot1, tot2, free_deferred, vmap, tables1, tables2;
    unsigned long pt;
};

static struct domain *fd1, *fd2;

static void take(struct snap *s)
{
    struct mm_stats st;

    mm_deferred_flush();
    mm_get_stats(&st);
    s->tot1 = mm_domain_tot_pages(fd1);
    s->tot2 = mm_domain_tot_pages(fd2);
    s->free_deferred = st.free_pages + st.deferred_pages;
    s->vmap = st.vmap_pages;
    s->tables1 = p2m_table_pages(fd1);
    s->tables2 = p2m_table_pages(fd2);
    s->pt = hal_pt_pages_in_use();
}

/*
 * Each op returns 0 on success; `undo` reverses a success.  `n` picks fresh
 * gfns (a new top-level slot each time) so every run needs new P2M tables;
 * `prep` sets up what the op acts on, outside the measured state.
 */
struct fi_op {
    const char *name;
    void (*prep)(unsigned int n);
    int (*op)(unsigned int n);
    void (*undo)(unsigned int n);
    void (*unprep)(unsigned int n); /* after a failure, undoes prep */
};

static void *fi_ptr;

static uint64_t fi_gfn(unsigned int n)
{
    return (uint64_t)n << 27;
}

static int op_populate_4k(unsigned int n)
{
    unsigned long done;

    return mm_populate_physmap(fd1, _gfn(fi_gfn(n) + 5), 1, 0, &done);
}

static void undo_populate_4k(unsigned int n)
{
    assert_int_equal(mm_decrease_reservation(fd1, _gfn(fi_gfn(n) + 5), 0),
                     0);
}

static int op_populate_2m(unsigned int n)
{
    unsigned long done;

    return mm_populate_physmap(fd1, _gfn(fi_gfn(n) + 0x200000), 1, 9, &done);
}

static void undo_populate_2m(unsigned int n)
{
    assert_int_equal(mm_decrease_reservation(fd1,
                                             _gfn(fi_gfn(n) + 0x200000), 9),
                     0);
}

static void prep_split(unsigned int n)
{
    unsigned long done;

    assert_int_equal(mm_populate_physmap(fd2, _gfn(fi_gfn(n) + 0x1000), 1, 9,
                                         &done), 0);
}

static int op_split(unsigned int n)
{
    return mm_decrease_reservation(fd2, _gfn(fi_gfn(n) + 0x1001), 0);
}

static void unprep_split(unsigned int n)
{
    assert_int_equal(mm_decrease_reservation(fd2, _gfn(fi_gfn(n) + 0x1000),
                                             9), 0);
}

static void undo_split(unsigned int n)
{
    uint64_t g = fi_gfn(n) + 0x1000;
    unsigned int o;

    assert_int_equal(mm_decrease_reservation(fd2, _gfn(g), 0), 0);
    for ( o = 1; o < 9; o++ )
        assert_int_equal(mm_decrease_reservation(fd2, _gfn(g + (1U << o)), o),
                         0);
}

static int op_grant(unsigned int n)
{
    return p2m_insert_grant(fd2, _gfn(fi_gfn(n) + 7),
                            p2m_lookup(fd1, _gfn(0), NULL), p2m_grant_map_rw);
}

static void undo_grant(unsigned int n)
{
    assert_int_equal(p2m_remove_grant(fd2, _gfn(fi_gfn(n) + 7),
                                      p2m_lookup(fd1, _gfn(0), NULL)), 0);
}

static int op_xenheap(unsigned int n)
{
    fi_ptr = alloc_xenheap_pages(1, 0);
    return fi_ptr ? 0 : -ENOMEM;
}

static void undo_xenheap(unsigned int n)
{
    free_xenheap_pages(fi_ptr, 1);
}

static int op_vmalloc(unsigned int n)
{
    fi_ptr = vzalloc(3 * PAGE_SIZE);
    return fi_ptr ? 0 : -ENOMEM;
}

static void undo_vmalloc(unsigned int n)
{
    vfree(fi_ptr);
}

static int op_domain(unsigned int n)
{
    struct domain_config cfg;
    struct domain *d = NULL;
    int rc;

    domain_config_default(&cfg);
    cfg.max_pages = 16;
    rc = domain_create(9, &cfg, &d);
    fi_ptr = d;
    return rc;
}

static void undo_domain(unsigned int n)
{
    mm_world_destroy(fi_ptr);
}

static const struct fi_op fi_ops[] = {
    { "populate 4k", NULL, op_populate_4k, undo_populate_4k, NULL },
    { "populate 2m", NULL, op_populate_2m, undo_populate_2m, NULL },
    { "decrease split", prep_split, op_split, undo_split, unprep_split },
    { "grant insert", NULL, op_grant, undo_grant, NULL },
    { "xenheap", NULL, op_xenheap, undo_xenheap, NULL },
    { "vmalloc", NULL, op_vmalloc, undo_vmalloc, NULL },
    { "domain create", NULL, op_domain, undo_domain, NULL },
};

static void test_fault_injection(void **state)
{
    unsigned long done;
    unsigned int i, n;

    fd1 = mm_world_domain(1, 1UL << 20, false);
    fd2 = mm_world_domain(2, 1UL << 20, false);
    assert_int_equal(mm_populate_physmap(fd1, _gfn(0), 1, 0, &done), 0);

    for ( i = 0; i < sizeof(fi_ops) / sizeof(fi_ops[0]); i++ )
    {
        const struct fi_op *o = &fi_ops[i];
        struct fault_walk w;

        /* Once without faults, so lazily grown structures exist. */
        if ( o->prep )
            o->prep(1);
        assert_int_equal(o->op(1), 0);
        o->undo(1);
        /* Then the walk: run n (from 2) fails hit n - 1. */
        fault_walk_init(&w, FAULT_WALK_ANY, 198);
        while ( fault_walk_next(&w) )
        {
            struct snap before, after;
            int rc;

            n = (unsigned int)w.nth + 1;
            if ( o->prep )
                o->prep(n);
            take(&before);
            fault_walk_arm(&w);
            rc = o->op(n);
            if ( fault_walk_failed(&w, rc, -ENOMEM) )
            {
                take(&after);
                if ( memcmp(&before, &after, sizeof(before)) )
                    fail_msg("%s: fault at hit %lu changed state", o->name,
                             w.nth);
                assert_int_equal(mm_check(), 0);
                if ( o->unprep )
                    o->unprep(n);
                continue;
            }
            o->undo(n);
            assert_int_equal(mm_check(), 0);
        }
        if ( !w.failed )
            fail_msg("%s: no point failed in %lu", o->name, w.nth);
    }
    mm_world_destroy(fd1);
    mm_world_destroy(fd2);
    assert_int_equal(mm_check(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_populate_lookup, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test(test_populate_1g),
        cmocka_unit_test_setup_teardown(test_decrease, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_grant_entries, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_guest_copy, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_memory_op_populate,
                                        mm_world_setup, mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_memory_op_reservations,
                                        dummy_xsm_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_memory_op_continuation,
                                        mm_world_setup, mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_relinquish, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_lookup_during_teardown,
                                        mm_world_setup, mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_last_put_during_final_destroy,
                                        mm_world_setup, mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_final_destroy_waits_for_a_hold,
                                        mm_world_setup, mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_removal_hold, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_fault_injection, mm_world_setup,
                                        mm_world_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
