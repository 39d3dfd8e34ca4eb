/* SPDX-License-Identifier: MIT */
/*
 * libgnttab's security history (reference/gnttab.md §4): one test per past
 * bug class that would have caught it, named after the XSA, plus the
 * permission checks of the dummy XSM policy and the reference accounting
 * of writable mappings.  One fresh world per test; every test ends with
 * gnttab_check() and mm_check(), and most check after each step.
 *
 * The 33 classes of the reference, and where each is tested (the races
 * with pCPU threads are in test_gnttab_xsa_mt.c, "mt" below):
 *
 *   XSA  where                               (or why it does not apply)
 *   18   test_gnttab.c test_swap             (swap refs bounds-checked)
 *   24   n/a: no compat (32-bit) get_status_frames loop; the batched
 *        loops' progress is test_copy_preempt and test_xsa380_release
 *   26   test_xsa26_grow_faults
 *   73   mt test_xsa73_transfer_vs_switch (transfers against the
 *        recipient's version switches and growth, under a deadlock
 *        watchdog) and mt test_xsa73_transfer_vs_destroy (a dying
 *        recipient takes no page; nothing leaks)
 *   134  test_xsa134_fresh_table
 *   217  test_gnttab.c test_transfer         (a page with other
 *        references is never stolen: bad_page, the page stays)
 *   218  test_xsa218_unmap_race; mt test_xsa236_map_copy_vs_destroy
 *        (unmaps while the granter dies)
 *   224  test_gnttab.c test_unmap_errors     (partial unmaps drop only
 *        the half named) and test_map_errors (no host_map, no mapping)
 *   226  test_gnttab.c test_copy_v2          (transitive: one level only)
 *   227  n/a: contains_pte is refused for translated guests, the only
 *        kind hvcore has (test_map_errors)
 *   228  test_xsa228_maptrack_steal, test_xsa228_steal_threads
 *   230  test_xsa230_copy_keeps_device_pins
 *   232  n/a: cache_flush is Arm-only and -ENOSYS here (test_setup_query)
 *   234  test_gnttab.c test_unmap_errors     (an address whose P2M entry
 *        does not match the handle's frame: general_error)
 *   235  test_xsa235_physmap_errors
 *   236  test_xsa236_copy_dying_granter; mt
 *        test_xsa236_map_copy_vs_destroy (maps and copies while the
 *        granter dies: its pages are freed only after the last user)
 *   255  test_xsa255_busy_status_frame
 *   268  n/a: x86 semantics, max_version 2 (Arm's v1-only rule)
 *   284  n/a: no PV recipients, so no address-width clamp and no copy to
 *        a low page in transfer
 *   295  test_xsa295_flipping_granter
 *   316  test_gnttab.c test_map_errors and test_faults (every failure
 *        status is negative)
 *   318  test_gnttab.c test_copy_preempt
 *   379  test_xsa379_one_gfn
 *   380  test_xsa380_release
 *   382  test_gnttab.c test_set_version      (bounded by status frames)
 *   384  mt test_xsa384_486_physmap_vs_switch
 *   394  n/a: no IOMMU, no radix counters
 *   411  test_gnttab.c test_copy_v2          (transitive error paths run
 *        under the simulator's lock checks); mt test_xsa501_copy_vs_switch
 *        (transitive copies both ways between two domains whose grant
 *        locks writers keep taking: two grant locks held at once would
 *        deadlock, caught by the watchdog)
 *   448  test_gnttab.c test_copy             (len 0: okay, no checks)
 *   453  n/a: speculative execution is not modelled by the simulator
 *   486  mt test_xsa384_486_physmap_vs_switch
 *   500  test_first_writer_lookup
 *   501  test_gnttab.c test_copy_v2 (nr_v2_ops returns to 0); mt
 *        test_xsa501_map_vs_switch (reserved refs stay mapped across
 *        switches, refs only one version has), mt
 *        test_xsa501_copy_vs_switch (transitive and sub-page copies
 *        against switches: -EAGAIN, a copy made again) and mt
 *        test_xsa73_transfer_vs_switch (a transfer across a switch)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <common/errno.h>
#include <common/hypercall.h>
#include <hal_sim/sim.h>
#include <libgnttab/gnttab.h>
#include <libmm/mm.h>
#include <libxsm/xsm.h>
#include <public/memory.h>

#include "fault_walk.h"
#include "gnttab_fixture.h"


/*
 * Dummy XSM, XSM_TARGET: setup_table, get_status_frames, query_size and
 * get_version on another domain are for the domain itself, its device
 * model and the control domain only (reference §2, "XSM hooks").
 */
static void test_xsm_target(void **state)
{
    struct gnt_guest P, DM;
    struct domain_config cfg;
    static const struct {
        struct gnt_guest *caller;
        int16_t want;      /* GNTST for the table ops */
        long want_errno;   /* get_version */
    } cases[] = {
        { &B, GNTST_permission_denied, -EPERM }, /* unprivileged */
        { &C, GNTST_permission_denied, -EPERM },
        { &A, GNTST_okay, 0 },                   /* itself */
        { NULL, GNTST_okay, 0 },                 /* P: control domain */
        { NULL, GNTST_okay, 0 },                 /* DM: A's device model */
    };
    unsigned int i;
    bool grown = false;

    (void)state;
    if ( xsm_current_provider() != XSM_PROVIDER_DUMMY )
    {
        print_message("the dummy XSM policy is not in force: skipped\n");
        skip();
    }
    domain_config_default(&cfg);
    cfg.max_pages = 4096;
    cfg.privileged = true;
    assert_int_equal(gnt_guest_create_cfg(&P, 10, &cfg), 0);
    cfg.privileged = false;
    cfg.target = 1;
    assert_int_equal(gnt_guest_create_cfg(&DM, 11, &cfg), 0);
    assert_int_equal(gnt_set_version(&A, 2), 0);

    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        struct gnt_guest *g = cases[i].caller ? cases[i].caller
                                              : i == 3 ? &P : &DM;
        struct gnttab_setup_table st = { .dom = 1, .nr_frames = 2,
                                         .frame_list = 4 << 12,
                                         .status = 99 };
        struct gnttab_query_size q = { .dom = 1, .status = 99 };
        struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = 1,
                                               .frame_list = 4 << 12,
                                               .status = 99 };
        struct gnttab_get_version gv = { .dom = 1 };
        struct gnttab_info info;

        assert_int_equal(gnt_op(g, 0, GNTTABOP_setup_table, &st, 1,
                                sizeof(st)), 0);
        assert_int_equal(st.status, cases[i].want);
        assert_int_equal(gnttab_get_info(A.d, &info), 0);
        /* A refused setup_table grows nothing. */
        assert_int_equal(info.nr_grant_frames, grown || !cases[i].want ? 2
                                                                       : 1);
        assert_int_equal(gnt_op(g, 0, GNTTABOP_query_size, &q, 1,
                                sizeof(q)), 0);
        assert_int_equal(q.status, cases[i].want);
        if ( !cases[i].want )
            assert_int_equal(q.max_nr_frames, 64);
        assert_int_equal(gnt_op(g, 0, GNTTABOP_get_status_frames, &gs, 1,
                                sizeof(gs)), 0);
        assert_int_equal(gs.status, cases[i].want);
        assert_int_equal(gnt_op(g, 0, GNTTABOP_get_version, &gv, 1,
                                sizeof(gv)), cases[i].want_errno);
        if ( !cases[i].want_errno )
            assert_int_equal(gv.version, 2);
        checks();
        grown |= !cases[i].want;
    }
    gnt_guest_destroy(&DM);
    gnt_guest_destroy(&P);
    checks();
}

/* A writable host map holds a writable type reference; read-only none. */
static void test_writable_type_refs(void **state)
{
    struct page_info *pg = gfn_page(&A, 10);
    grant_handle_t hw, hr, hd;
    uint64_t bus;

    (void)state;
    gnt_grant_access(&A, 8, 2, 10, false);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_readonly, &hr, NULL),
                     GNTST_okay);
    assert_int_equal(type_count(pg), 0);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN + 1, GNTMAP_host_map, &hw,
                             NULL), GNTST_okay);
    assert_int_equal(type_count(pg), 1);
    assert_int_equal(pg->u.type_info & PGT_type_mask, PGT_writable_page);
    assert_int_equal(gnt_map(&B, 1, 8, 0,
                             GNTMAP_device_map, &hd, &bus), GNTST_okay);
    assert_int_equal(type_count(pg), 2);
    checks();
    assert_int_equal(gnt_unmap(&B, hw, GNT_MAP_GFN + 1, 0), GNTST_okay);
    assert_int_equal(type_count(pg), 1);
    assert_int_equal(gnt_unmap(&B, hd, 0, bus), GNTST_okay);
    assert_int_equal(type_count(pg), 0);
    assert_int_equal(gnt_unmap(&B, hr, GNT_MAP_GFN, 0), GNTST_okay);
    checks();

    /* A dying mapper's writable mappings give their type references back. */
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN, GNTMAP_host_map, &hw,
                             NULL), GNTST_okay);
    assert_int_equal(gnt_map(&B, 1, 8, 0, GNTMAP_device_map, &hd, NULL),
                     GNTST_okay);
    assert_int_equal(type_count(pg), 2);
    gnt_guest_destroy(&B);
    assert_int_equal(type_count(pg), 0);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    assert_int_equal(gnt_end_access(&A, 8), 0);
    checks();
}

/*
 * The first writer on an entry pinned read-only looks the frame up again:
 * a frame the granter may only read is never mapped (or copied into)
 * writable, and a frame the entry no longer names is refused.
 */
static void test_first_writer_lookup(void **state)
{
    struct gnttab_copy cp = {
        .source = { .u.gmfn = 20, .domid = DOMID_SELF },
        .dest = { .u.ref = 8, .domid = 1 },
        .len = 16, .flags = GNTCOPY_dest_gref };
    grant_handle_t hr, h;

    (void)state;
    gnt_grant_access(&A, 8, 2, 10, false);
    assert_int_equal(p2m_set_ram_type(A.d, _gfn(10), p2m_ram_ro), 0);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_readonly, &hr, NULL),
                     GNTST_okay);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN + 1, GNTMAP_host_map, &h,
                             NULL), GNTST_bad_page);
    assert_int_equal(gnt_map(&B, 1, 8, 0, GNTMAP_device_map, &h, NULL),
                     GNTST_bad_page);
    assert_int_equal(gnt_copy(&B, &cp), GNTST_bad_page);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0x100);
    assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing),
                     GTF_reading);
    assert_int_equal(type_count(gfn_page(&A, 10)), 0);
    checks();

    /* Writable again, but the entry now names another frame. */
    assert_int_equal(p2m_set_ram_type(A.d, _gfn(10), p2m_ram_rw), 0);
    ((grant_entry_v1_t *)gnt_header(&A, 8))->frame = 11;
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN + 1, GNTMAP_host_map, &h,
                             NULL), GNTST_general_error);
    assert_int_equal(gnt_copy(&B, &cp), GNTST_general_error);
    assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing),
                     GTF_reading);
    /* A read copy is covered by the read-only pin: it reads the frame the
     * pin froze, not the one the entry names (Xen's
     * acquire_grant_for_copy), and changes no pin or status. */
    memset(gnt_frame(&A, 10), 'p', 16);
    memset(gnt_frame(&A, 11), 'n', 16);
    cp = (struct gnttab_copy){
        .source = { .u.ref = 8, .domid = 1 },
        .dest = { .u.gmfn = 20, .domid = DOMID_SELF },
        .len = 16, .flags = GNTCOPY_source_gref };
    assert_int_equal(gnt_copy(&B, &cp), GNTST_okay);
    assert_int_equal(((char *)gnt_frame(&B, 20))[0], 'p');
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0x100);
    assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing),
                     GTF_reading);
    ((grant_entry_v1_t *)gnt_header(&A, 8))->frame = 10;
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN + 1, GNTMAP_host_map, &h,
                             NULL), GNTST_okay);
    assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing),
                     GTF_reading | GTF_writing);
    checks();
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN + 1, 0), GNTST_okay);
    assert_int_equal(gnt_unmap(&B, hr, GNT_MAP_GFN, 0), GNTST_okay);
    checks();
}

struct unmap_race {
    struct gnt_guest *g;
    grant_handle_t h;
    uint64_t host_gfn, bus;   /* what each vCPU unmaps */
    int16_t status[2];
};

static void unmap_race_cpu(unsigned int cpu, void *arg)
{
    struct unmap_race *r = arg;
    struct gnttab_unmap_grant_ref u = {
        .host_addr = r->bus && cpu ? 0 : r->host_gfn << 12,
        .dev_bus_addr = r->bus && cpu ? r->bus : 0,
        .handle = r->h, .status = 99 };

    if ( gnt_op(r->g, cpu, GNTTABOP_unmap_grant_ref, &u, 1, sizeof(u)) )
        u.status = 100;
    r->status[cpu] = u.status;
}

/*
 * Two vCPUs race phase 1 of unmap on one handle while the granter is
 * already unregistered: exactly one of them unmaps, and the granter's
 * `struct domain` is never used after the last reference went.  Then two
 * partial unmaps (host half, device half) of one handle race: both
 * succeed and the handle is freed once (XSA-218).
 */
static void test_xsa218_unmap_race(void **state)
{
    struct mm_stats m0, m1;
    unsigned int round;

    (void)state;
    gnt_guest_destroy(&A);
    for ( round = 0; round < 40; round++ )
    {
        struct unmap_race r = { .g = &B, .host_gfn = GNT_MAP_GFN };
        bool partial = round & 1;
        uint32_t flags = GNTMAP_host_map | (partial ? GNTMAP_device_map : 0);

        assert_int_equal(gnt_guest_create(&A, 1, 2), 0);
        gnt_grant_access(&A, 8, 2, 10, false);
        assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN, flags, &r.h,
                                 partial ? &r.bus : NULL), GNTST_okay);
        gnt_guest_destroy(&A);
        sim_run_cpus(2, unmap_race_cpu, &r);
        if ( partial )
        {
            assert_int_equal(r.status[0], GNTST_okay);
            assert_int_equal(r.status[1], GNTST_okay);
        }
        else
        {
            assert_true((r.status[0] == GNTST_okay &&
                         r.status[1] == GNTST_bad_handle) ||
                        (r.status[1] == GNTST_okay &&
                         r.status[0] == GNTST_bad_handle));
        }
        assert_int_equal(gnt_unmap(&B, r.h, GNT_MAP_GFN, r.bus),
                         GNTST_bad_handle);
        assert_null(gnt_frame(&B, GNT_MAP_GFN));
        checks();
        if ( !round )
        {
            /* After the first round B's P2M has its tables for the map. */
            mm_deferred_flush();
            mm_get_stats(&m0);
        }
    }
    /* Every granter's pages went back: nothing leaked, nothing twice. */
    mm_deferred_flush();
    mm_get_stats(&m1);
    assert_int_equal(m1.domain_pages, m0.domain_pages);
    assert_int_equal(m1.anon_pages, m0.anon_pages);
    checks();
}

/*
 * XSA-26: a table growth that fails part-way frees what it allocated and
 * never exposes a frame to the guest first.  Every allocation point of
 * setup_table and XENMEM_add_to_physmap growing a v1 table from 1 to 3
 * frames, and a v2 table from 8 to 9 (its second status frame), fails in
 * turn: the op reports
 * the failure, the table keeps its size, no frame appears in the P2M, and
 * no page is leaked or freed while referenced.
 */
static void test_xsa26_grow_faults(void **state)
{
    static const struct {
        unsigned int version;
        bool physmap;
        unsigned int from, to;    /* frames before and after */
    } cases[] = {
        { 1, false, 1, 3 }, { 2, false, 8, 9 }, /* 9 frames: 2 status */
        { 1, true, 1, 3 }, { 2, true, 8, 9 },
    };
    unsigned int i;
    uint64_t base;

    (void)state;
    gnt_guest_destroy(&C);
    base = domain_pages_now();
    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        struct fault_walk w;

        fault_walk_init(&w, FAULT_WALK_ANY, 400);
        while ( fault_walk_next(&w) )
        {
            struct gnttab_setup_table st = { .dom = DOMID_SELF,
                                             .nr_frames = cases[i].to,
                                             .frame_list = 4 << 12,
                                             .status = 99 };
            struct gnttab_info before, after;
            grant_handle_t h;
            long rc, err;

            assert_int_equal(gnt_guest_create(&C, 3, 1), 0);
            assert_int_equal(gnt_set_version(&C, cases[i].version), 0);
            st.nr_frames = cases[i].from;
            assert_int_equal(gnt_op(&C, 0, GNTTABOP_setup_table, &st, 1,
                                    sizeof(st)), 0);
            assert_int_equal(st.status, GNTST_okay);
            st.nr_frames = cases[i].to;
            st.status = 99;
            before = info_of(&C);
            fault_walk_arm(&w);
            if ( cases[i].physmap )
            {
                rc = physmap(&C, cases[i].to - 1,
                             GNT_TABLE_GFN + cases[i].to - 1);
                err = -ENOMEM;
            }
            else
            {
                rc = gnt_op(&C, 0, GNTTABOP_setup_table, &st, 1, sizeof(st));
                if ( !rc )
                    rc = st.status;
                err = GNTST_general_error;
            }
            after = info_of(&C);
            if ( !fault_walk_failed(&w, rc, err) )
            {
                assert_int_equal(after.nr_grant_frames, cases[i].to);
                assert_int_equal(after.nr_status_frames,
                                 cases[i].version == 2 ? 2 : 0);
                if ( cases[i].physmap )
                    assert_non_null(gnt_frame(&C, GNT_TABLE_GFN +
                                                  cases[i].to - 1));
            }
            else
            {
                assert_int_equal(after.nr_grant_frames,
                                 before.nr_grant_frames);
                assert_int_equal(after.nr_status_frames,
                                 before.nr_status_frames);
                assert_null(gnt_frame(&C, GNT_TABLE_GFN + cases[i].to - 1));
            }
            /* The first frame still works for the guest. */
            gnt_grant_access(&C, 8, 2, 10, false);
            assert_int_equal(gnt_map(&B, 3, 8, GNT_MAP_GFN, GNTMAP_host_map,
                                     &h, NULL), GNTST_okay);
            assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
            checks();
            gnt_guest_destroy(&C);
            assert_int_equal(domain_pages_now(), base);
            checks();
        }
        /* The growth has allocation points, and each one was walked. */
        print_message("XSA-26 case %u: %lu allocation points failed\n", i,
                      w.failed);
        assert_true(w.failed >= 2);
    }
}

/** Recreates B with 2 vCPUs and a one-frame maptrack (Xen's frames). */
static void small_maptrack_mapper(void)
{
    struct domain_config cfg;

    gnt_guest_destroy(&B);
    domain_config_default(&cfg);
    cfg.max_vcpus = 2;
    cfg.max_pages = 4096;
    cfg.max_maptrack_frames = 1;
    cfg.gnttab_ext = HVCORE_GNTTAB_EXT_PV_MAPS;
    assert_int_equal(gnt_guest_create_cfg(&B, 2, &cfg), 0);
}

/* One maptrack frame holds Xen's 256 handles (in two of our pages). */
#define MT_HANDLES 256U

/*
 * XSA-228: with the maptrack at its limit, a vCPU with an empty free list
 * steals a free handle from another vCPU, and the handle is re-homed to
 * the thief.  No handle is ever given out twice, the limit gives
 * no_space on either vCPU, and every handle comes back.
 */
static void test_xsa228_maptrack_steal(void **state)
{
    grant_handle_t h[MT_HANDLES + 1];
    uint64_t bus[2];
    bool seen[MT_HANDLES];
    unsigned int i, round;

    (void)state;
    small_maptrack_mapper();
    for ( i = 0; i < 2; i++ )
        gnt_grant_access(&A, 8 + i, 2, 10 + i, true);
    assert_int_equal(4096 / GNTTAB_XEN_MAPTRACK_ENTRY_SIZE, MT_HANDLES);
    for ( round = 0; round < 2; round++ )
    {
        memset(seen, 0, sizeof(seen));
        /* vCPU 0 grows the maptrack; vCPU 1 only ever steals. */
        for ( i = 0; i < MT_HANDLES; i++ )
        {
            unsigned int vcpu = i & 1;

            assert_int_equal(map_on(&B, vcpu, 1, 8 + vcpu,
                                    GNTMAP_device_map | GNTMAP_readonly, 0,
                                    &h[i], &bus[vcpu]), GNTST_okay);
            assert_true(h[i] < MT_HANDLES);
            assert_false(seen[h[i]]);
            seen[h[i]] = true;
        }
        assert_int_equal(info_of(&B).maptrack_pages,
                         GNTTAB_MAPTRACK_PAGES_PER_FRAME);
        assert_int_equal(info_of(&B).maptrack_in_use, MT_HANDLES);
        for ( i = 0; i < 2; i++ )
            assert_int_equal(map_on(&B, i, 1, 8,
                                    GNTMAP_device_map | GNTMAP_readonly, 0,
                                    &h[MT_HANDLES], NULL), GNTST_no_space);
        assert_int_equal(gnttab_debug_pin(A.d, 8), (MT_HANDLES / 2) << 24);
        assert_int_equal(gnttab_debug_pin(A.d, 9), (MT_HANDLES / 2) << 24);
        checks();
        /* A handle vCPU 1 stole and freed is vCPU 1's to reuse. */
        assert_int_equal(unmap_on(&B, 1, h[1], 0, bus[1]), GNTST_okay);
        assert_int_equal(map_on(&B, 1, 1, 9,
                                GNTMAP_device_map | GNTMAP_readonly, 0,
                                &h[MT_HANDLES], NULL), GNTST_okay);
        assert_int_equal(h[MT_HANDLES], h[1]);
        checks();
        /* Everything back, freed from the vCPU that did not map it. */
        for ( i = 0; i < MT_HANDLES; i++ )
            assert_int_equal(unmap_on(&B, !(i & 1), h[i], 0, bus[i & 1]),
                             GNTST_okay);
        assert_int_equal(info_of(&B).maptrack_in_use, 0);
        assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
        assert_int_equal(gnttab_debug_pin(A.d, 9), 0);
        checks();
    }
}

/* Each vCPU holds up to more than half the maptrack, so together they
 * fill it; its mappings alternate between two refs, as a pin count of one
 * kind stops at 127 (Xen's overflow check). */
#define STEAL_HELD (MT_HANDLES / 2 + 16)

struct steal_race {
    struct gnt_guest *g;
    unsigned int iters;
    uint64_t bus[4];           /* frames of refs 8..11, as device addresses */
    int owner[MT_HANDLES];     /* vCPU + 1 holding each handle, 0 if none */
    unsigned long ok[2], full[2], bad[2];
};

static void steal_race_cpu(unsigned int cpu, void *arg)
{
    struct steal_race *r = arg;
    grant_handle_t held[STEAL_HELD];
    unsigned int held_ref[STEAL_HELD];  /* 0..3: ref 8 + it */
    unsigned int n = 0, i;

    for ( i = 0; i < r->iters; i++ )
    {
        unsigned int k = cpu * 2 + (i & 1);
        grant_handle_t h;
        int16_t st;

        if ( n == STEAL_HELD || (n && (i % 3) == 2) )
        {
            n--;
            h = held[n];
            __atomic_store_n(&r->owner[h], 0, __ATOMIC_SEQ_CST);
            if ( unmap_on(r->g, cpu, h, 0, r->bus[held_ref[n]]) !=
                 GNTST_okay )
                r->bad[cpu]++;
            continue;
        }
        st = map_on(r->g, cpu, 1, 8 + k,
                    GNTMAP_device_map | GNTMAP_readonly, 0, &h, NULL);
        if ( st == GNTST_no_space )
        {
            r->full[cpu]++;
            continue;
        }
        if ( st != GNTST_okay || h >= MT_HANDLES )
        {
            r->bad[cpu]++;
            continue;
        }
        {
            int expect = 0;

            /* A handle another vCPU still holds would be a double use. */
            if ( !__atomic_compare_exchange_n(&r->owner[h], &expect,
                                              (int)cpu + 1, false,
                                              __ATOMIC_SEQ_CST,
                                              __ATOMIC_SEQ_CST) )
                r->bad[cpu]++;
        }
        held_ref[n] = k;
        held[n++] = h;
        r->ok[cpu]++;
    }
    while ( n )
    {
        n--;
        __atomic_store_n(&r->owner[held[n]], 0, __ATOMIC_SEQ_CST);
        if ( unmap_on(r->g, cpu, held[n], 0, r->bus[held_ref[n]]) !=
             GNTST_okay )
            r->bad[cpu]++;
    }
}

/* XSA-228, concurrently: two vCPUs map and unmap through a full maptrack. */
static void test_xsa228_steal_threads(void **state)
{
    static struct steal_race r;
    unsigned int i;

    (void)state;
    small_maptrack_mapper();
    memset(&r, 0, sizeof(r));
    for ( i = 0; i < 4; i++ )
    {
        gnt_grant_access(&A, 8 + i, 2, 10 + i, true);
        r.bus[i] = mfn_x(p2m_lookup(A.d, _gfn(10 + i), NULL)) << 12;
    }
    r.g = &B;
    r.iters = 900;
    sim_run_cpus(2, steal_race_cpu, &r);
    print_message("XSA-228 threads: ok %lu/%lu, no_space %lu/%lu\n",
                  r.ok[0], r.ok[1], r.full[0], r.full[1]);
    assert_int_equal(r.bad[0] + r.bad[1], 0);
    assert_true(r.ok[0] > 0 && r.ok[1] > 0);
    assert_int_equal(info_of(&B).maptrack_in_use, 0);
    assert_int_equal(info_of(&B).maptrack_pages,
                     GNTTAB_MAPTRACK_PAGES_PER_FRAME);
    for ( i = 0; i < 4; i++ )
        assert_int_equal(gnttab_debug_pin(A.d, 8 + i), 0);
    checks();
}

/*
 * XSA-230: a copy's pin is released without clearing GTF_reading or
 * GTF_writing that a device or host mapping of the same entry still
 * needs.  For each kind of standing mapping, a copy into and a copy out
 * of the entry leave the pin and the status bits as the mapping set them.
 */
static void test_xsa230_copy_keeps_device_pins(void **state)
{
    static const struct {
        uint32_t flags;
        uint32_t pin;
        uint16_t status;
    } maps[] = {
        { GNTMAP_device_map, 1U << 16, GTF_reading | GTF_writing },
        { GNTMAP_device_map | GNTMAP_readonly, 1U << 24, GTF_reading },
        { GNTMAP_host_map, 1U, GTF_reading | GTF_writing },
        { GNTMAP_host_map | GNTMAP_readonly, 1U << 8, GTF_reading },
        { GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly,
          (1U << 24) | (1U << 8), GTF_reading },
    };
    unsigned int version, i, dir;

    (void)state;
    for ( version = 1; version <= 2; version++ )
    {
        assert_int_equal(gnt_set_version(&A, version), 0);
        for ( i = 0; i < sizeof(maps) / sizeof(maps[0]); i++ )
        {
            grant_handle_t h;
            uint64_t bus = 0;
            char *a = gnt_frame(&A, 10), *b = gnt_frame(&B, 20);

            gnt_grant_access(&A, 8, 2, 10, false);
            assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN, maps[i].flags,
                                     &h, &bus), GNTST_okay);
            assert_int_equal(gnttab_debug_pin(A.d, 8), maps[i].pin);
            for ( dir = 0; dir < 2; dir++ )
            {
                struct gnttab_copy cp = {
                    .source = { .u.gmfn = 20, .domid = DOMID_SELF },
                    .dest = { .u.ref = 8, .domid = 1 },
                    .len = 64, .flags = GNTCOPY_dest_gref };

                if ( dir )
                    cp = (struct gnttab_copy){
                        .source = { .u.ref = 8, .domid = 1 },
                        .dest = { .u.gmfn = 20, .domid = DOMID_SELF },
                        .len = 64, .flags = GNTCOPY_source_gref };
                memset(a, 'a' + (int)dir, 64);
                memset(b, 'A' + (int)dir, 64);
                assert_int_equal(gnt_copy(&B, &cp), GNTST_okay);
                assert_int_equal(dir ? b[63] : a[63], dir ? 'b' : 'A');
                assert_int_equal(gnttab_debug_pin(A.d, 8), maps[i].pin);
                assert_int_equal(gnt_flags(&A, 8) &
                                     (GTF_reading | GTF_writing),
                                 maps[i].status);
                checks();
            }
            assert_int_equal(gnt_unmap(&B, h,
                                       maps[i].flags & GNTMAP_host_map
                                           ? GNT_MAP_GFN : 0,
                                       maps[i].flags & GNTMAP_device_map
                                           ? bus : 0), GNTST_okay);
            assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
            assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing),
                             0);
            assert_int_equal(gnt_end_access(&A, 8), 0);
            checks();
        }
    }
}

/*
 * XSA-235: every error exit of XENMEM_add_to_physmap for a grant frame
 * releases the grant write lock and changes nothing.  After each error,
 * ops that need A's write lock (a version switch and back, a growth)
 * still run, and the failed gfn holds what it held before.
 */
#define B_MAPPED_GFN (GNT_MAP_GFN + 5)

static void test_xsa235_physmap_errors(void **state)
{
    static const struct {
        unsigned int version;
        unsigned long idx;
        uint64_t gfn;
        long want;
    } cases[] = {
        { 1, 64, GNT_TABLE_GFN + 64, -EINVAL },     /* beyond max frames */
        { 1, 1UL << 31, GNT_TABLE_GFN + 2, -EINVAL },/* status under v1 */
        { 2, (1UL << 31) | 1, GNT_STATUS_GFN + 1, -EINVAL }, /* no frame */
        /* B's mapping of A's grant at B_MAPPED_GFN: not A's to free. */
        { 1, 1, B_MAPPED_GFN, -ENXIO },
    };
    struct fault_walk w;
    grant_handle_t h;
    unsigned int i;

    (void)state;
    /* A maps B's grant at B_MAPPED_GFN (A is the mapper here). */
    gnt_grant_access(&B, 8, 1, 12, false);
    assert_int_equal(gnt_map(&A, 2, 8, B_MAPPED_GFN, GNTMAP_host_map, &h,
                             NULL), GNTST_okay);
    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        mfn_t before = p2m_lookup(A.d, _gfn(cases[i].gfn), NULL);
        unsigned int frames = info_of(&A).nr_grant_frames;

        assert_int_equal(gnt_set_version(&A, cases[i].version), 0);
        assert_int_equal(physmap(&A, cases[i].idx, cases[i].gfn),
                         cases[i].want);
        assert_true(mfn_eq(p2m_lookup(A.d, _gfn(cases[i].gfn), NULL),
                           before));
        assert_int_equal(info_of(&A).version, cases[i].version);
        /* Write-locked ops still run (a leaked lock would stop here). */
        assert_int_equal(gnt_set_version(&A, 3 - cases[i].version), 0);
        assert_int_equal(gnt_set_version(&A, cases[i].version), 0);
        assert_true(info_of(&A).nr_grant_frames >= frames);
        checks();
    }
    assert_int_equal(gnt_unmap(&A, h, B_MAPPED_GFN, 0), GNTST_okay);
    /*
     * Out of memory for the P2M's tables at a far gfn, at every point: each
     * run maps at a gfn in a 512 GiB of its own, so that it needs new
     * tables at three levels even after a run that succeeded.
     */
    fault_walk_init(&w, FAULT_WALK_ANY, 200);
    while ( fault_walk_next(&w) )
    {
        uint64_t gfn = 0x4000000ULL + (w.nth << 27);
        long rc;

        fault_walk_arm(&w);
        rc = physmap(&A, 1, gfn);
        if ( fault_walk_failed(&w, rc, -ENOMEM) )
            assert_null(gnt_frame(&A, gfn));
        else
            assert_non_null(gnt_frame(&A, gfn));
        assert_int_equal(gnt_set_version(&A, 2), 0);
        assert_int_equal(gnt_set_version(&A, 1), 0);
        checks();
    }
    assert_true(w.failed >= 3);
}

/*
 * XSA-255: v2 -> v1 never frees a status frame something still
 * references.  While anything besides the table and the guest's own P2M
 * entry holds the status page (here a reference taken as a foreign
 * mapping would take it), the switch fails with -EBUSY and leaves v2,
 * the frame and its mapping in place; once the reference goes, the
 * switch succeeds and the page is freed.
 */
static void test_xsa255_busy_status_frame(void **state)
{
    struct page_info *pg;
    mfn_t mfn;
    grant_status_t *st;
    struct gnttab_info info;

    (void)state;
    assert_int_equal(gnt_set_version(&A, 2), 0);
    mfn = p2m_lookup(A.d, _gfn(GNT_STATUS_GFN), NULL);
    assert_false(mfn_eq(mfn, INVALID_MFN));
    pg = mfn_to_page(mfn);
    assert_true(get_page(pg, A.d));
    gnt_grant_access(&A, 3, 2, 10, false);
    assert_int_equal(gnt_set_version(&A, 1), -EBUSY);
    info = info_of(&A);
    assert_int_equal(info.version, 2);
    assert_int_equal(info.nr_status_frames, 1);
    assert_true(mfn_eq(p2m_lookup(A.d, _gfn(GNT_STATUS_GFN), NULL), mfn));
    /* The frame still works: a map sets reading/writing in it. */
    {
        grant_handle_t h;

        assert_int_equal(gnt_map(&B, 1, 3, GNT_MAP_GFN, GNTMAP_host_map,
                                 &h, NULL), GNTST_okay);
        st = gnt_frame(&A, GNT_STATUS_GFN);
        assert_int_equal(st[3], GTF_reading | GTF_writing);
        assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
        assert_int_equal(st[3], 0);
    }
    checks();
    put_page(pg);
    assert_int_equal(gnt_set_version(&A, 1), 0);
    assert_null(gnt_frame(&A, GNT_STATUS_GFN));
    assert_int_equal(gnt_flags(&A, 3), GTF_permit_access);
    mm_deferred_flush();
    assert_int_equal(page_state(pg), PGC_state_free);
    checks();
}

/*
 * XSA-379: a status (or grant) frame lives at one gfn at most.  Mapping
 * it at a second gfn moves it; the switch to v1 then removes the one
 * mapping there is, and the freed page is nowhere in the P2M.
 */
static void test_xsa379_one_gfn(void **state)
{
    const uint64_t moved = GNT_STATUS_GFN + 0x40;
    mfn_t st_mfn, gt_mfn;
    struct page_info *pg;

    (void)state;
    assert_int_equal(gnt_set_version(&A, 2), 0);
    st_mfn = p2m_lookup(A.d, _gfn(GNT_STATUS_GFN), NULL);
    gt_mfn = p2m_lookup(A.d, _gfn(GNT_TABLE_GFN), NULL);
    pg = mfn_to_page(st_mfn);

    assert_int_equal(physmap(&A, XENMAPIDX_grant_table_status, moved), 0);
    assert_null(gnt_frame(&A, GNT_STATUS_GFN));
    assert_true(mfn_eq(p2m_lookup(A.d, _gfn(moved), NULL), st_mfn));
    /* Mapping it again where it is changes nothing. */
    assert_int_equal(physmap(&A, XENMAPIDX_grant_table_status, moved), 0);
    assert_true(mfn_eq(p2m_lookup(A.d, _gfn(moved), NULL), st_mfn));
    checks();
    /* A grant frame moves the same way (and back, for gntlib). */
    assert_int_equal(physmap(&A, 0, GNT_TABLE_GFN + 0x40), 0);
    assert_null(gnt_frame(&A, GNT_TABLE_GFN));
    assert_true(mfn_eq(p2m_lookup(A.d, _gfn(GNT_TABLE_GFN + 0x40), NULL),
                       gt_mfn));
    assert_int_equal(physmap(&A, 0, GNT_TABLE_GFN), 0);
    assert_null(gnt_frame(&A, GNT_TABLE_GFN + 0x40));
    checks();

    /* v2 -> v1 removes the status frame from its (one) gfn and frees it. */
    assert_int_equal(gnt_set_version(&A, 1), 0);
    assert_null(gnt_frame(&A, moved));
    assert_null(gnt_frame(&A, GNT_STATUS_GFN));
    mm_deferred_flush();
    assert_int_equal(page_state(pg), PGC_state_free);
    checks();
    /* Back to v2: a new status frame, mapped where the guest asks. */
    assert_int_equal(gnt_set_version(&A, 2), 0);
    assert_non_null(gnt_frame(&A, GNT_STATUS_GFN));
    assert_null(gnt_frame(&A, moved));
    checks();
}

#define REL_MAPS 300U   /* three maptrack pages (128 entries each) */

/*
 * XSA-380: releasing a dying domain's mappings is preemptible, a maptrack
 * page at a time.  B maps 300 grants of A; its destruction, preempted at
 * every check, stops with -ERESTART several times, releases at most a
 * page of mappings per call, always makes progress, and ends with every
 * pin of A's dropped.
 */
static void test_xsa380_release(void **state)
{
    struct gnttab_map_grant_ref ops[100];
    unsigned int i, b, restarts = 0, progress = 0, pinned;
    int rc;

    (void)state;
    for ( i = 0; i < REL_MAPS; i++ )
        gnt_grant_access(&A, 8 + i, 2, 10 + i % 40, true);
    for ( b = 0; b < REL_MAPS / 100; b++ )
    {
        for ( i = 0; i < 100; i++ )
            ops[i] = (struct gnttab_map_grant_ref){
                .flags = GNTMAP_device_map | GNTMAP_readonly,
                .ref = 8 + b * 100 + i, .dom = 1, .status = 99 };
        assert_int_equal(gnt_op(&B, 0, GNTTABOP_map_grant_ref, ops, 100,
                                sizeof(ops[0])), 0);
        for ( i = 0; i < 100; i++ )
            assert_int_equal(ops[i].status, GNTST_okay);
    }
    assert_int_equal(info_of(&A).pinned_entries, REL_MAPS);
    assert_int_equal(info_of(&B).maptrack_pages, 3);
    checks();

    pinned = REL_MAPS;
    do
    {
        unsigned int now;

        hypercall_force_preempt(1000);
        rc = domain_destroy(B.d);
        hypercall_force_preempt(0);
        now = info_of(&A).pinned_entries;
        assert_true(now <= pinned);
        /* Bounded work: one maptrack page of mappings per call at most. */
        assert_true(pinned - now <= 128);
        if ( now < pinned )
            progress++;
        pinned = now;
        if ( rc == -ERESTART )
            restarts++;
        else
            assert_int_equal(rc, 0);
        assert_true(restarts < 100);
    } while ( rc == -ERESTART );
    print_message("XSA-380: %u restarts, %u with grant progress\n",
                  restarts, progress);
    assert_int_equal(pinned, 0);
    assert_true(progress >= 3);
    put_domain(B.d);
    B.d = NULL;
    for ( i = 0; i < REL_MAPS; i++ )
        assert_int_equal(gnt_end_access(&A, 8 + i), 0);
    checks();
}

struct flip_race {
    struct gnt_guest *granter, *mapper;
    grant_ref_t ref;
    uint32_t toggle;           /* header bits the granter flips */
    unsigned int maps;
    volatile int stop;
    unsigned long ok, failed, bad, flips;
};

/*
 * vCPU 0 of the mapper maps and unmaps; pCPU 1 is the granter rewriting
 * the entry's header with atomic XORs (never touching reading/writing).
 */
static void flip_race_cpu(unsigned int cpu, void *arg)
{
    struct flip_race *r = arg;
    uint32_t *hdr = gnt_header(r->granter, r->ref);
    unsigned int i;

    if ( cpu == 1 )
    {
        while ( !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) )
        {
            __atomic_fetch_xor(hdr, r->toggle, __ATOMIC_SEQ_CST);
            r->flips++;
        }
        return;
    }
    for ( i = 0; i < r->maps; i++ )
    {
        grant_handle_t h;
        int16_t st = map_on(r->mapper, 0, r->granter->d->domain_id, r->ref,
                            GNTMAP_host_map, GNT_MAP_GFN, &h, NULL);
        uint16_t f = gnt_flags(r->granter, r->ref) &
                     (GTF_reading | GTF_writing);
        uint32_t pin = gnttab_debug_pin(r->granter->d, r->ref);

        if ( st == GNTST_okay )
        {
            r->ok++;
            if ( f != (GTF_reading | GTF_writing) || pin != 1 )
                r->bad++;
            if ( unmap_on(r->mapper, 0, h, GNT_MAP_GFN, 0) != GNTST_okay )
                r->bad++;
            f = gnt_flags(r->granter, r->ref) & (GTF_reading | GTF_writing);
            pin = gnttab_debug_pin(r->granter->d, r->ref);
        }
        else if ( st == GNTST_general_error )
            r->failed++;
        else
            r->bad++;
        /* No pin, so neither bit may be left set. */
        if ( f || pin )
            r->bad++;
    }
    __atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
}

/*
 * XSA-295: a granter rewriting its entry while it is mapped cannot make
 * the hypervisor loop: the status update gives up after a bounded number
 * of tries with general_error.  Every map ends (okay or general_error),
 * an okay map holds reading/writing and one pin, a failed one leaves
 * neither bit set, and nothing is left pinned.  Flipped: a harmless flag
 * (the entry stays valid, so failures come only from the retry bound),
 * and the grantee domid (the entry is valid half of the time).
 */
static void test_xsa295_flipping_granter(void **state)
{
    /* Domid 2 (B) XOR this is 3 (C): the grantee flips between them. */
    const uint32_t b_to_c = (uint32_t)(B.d->domain_id ^ C.d->domain_id)
                            << 16;
    const struct {
        unsigned int version;
        uint32_t toggle;
    } cases[] = {
        { 1, GTF_PAT },
        { 1, b_to_c },
        { 2, GTF_PAT },
        { 2, b_to_c },
    };
    unsigned int i;

    (void)state;
    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        static struct flip_race r;

        assert_int_equal(gnt_set_version(&A, cases[i].version), 0);
        gnt_grant_access(&A, 8, 2, 10, false);
        memset(&r, 0, sizeof(r));
        r.granter = &A;
        r.mapper = &B;
        r.ref = 8;
        r.toggle = cases[i].toggle;
        r.maps = 300;
        sim_run_cpus(2, flip_race_cpu, &r);
        print_message("XSA-295 v%u toggle %#x: %lu ok, %lu general_error, "
                      "%lu flips\n", cases[i].version, cases[i].toggle,
                      r.ok, r.failed, r.flips);
        assert_int_equal(r.bad, 0);
        assert_int_equal(r.ok + r.failed, r.maps);
        assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
        assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing), 0);
        assert_null(gnt_frame(&B, GNT_MAP_GFN));
        /* The entry is revocable and the table consistent. */
        assert_int_equal(gnt_end_access(&A, 8), 0);
        checks();
    }
}

/*
 * XSA-134: a table is at version 1 from its creation, never 0: a domain
 * that never set a version reports 1, swaps, grants and is mapped, and a
 * request for the version in force changes nothing.
 */
static void test_xsa134_fresh_table(void **state)
{
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    struct gnttab_swap_grant_ref sw = { .ref_a = 8, .ref_b = 9,
                                        .status = 99 };
    grant_handle_t h;

    (void)state;
    assert_int_equal(gnt_op(&C, 0, GNTTABOP_get_version, &gv, 1,
                            sizeof(gv)), 0);
    assert_int_equal(gv.version, 1);
    gnt_grant_access(&C, 9, 2, 12, false);
    assert_int_equal(gnt_op(&C, 0, GNTTABOP_swap_grant_ref, &sw, 1,
                            sizeof(sw)), 0);
    assert_int_equal(sw.status, GNTST_okay);
    assert_int_equal(gnt_flags(&C, 9), 0);
    assert_int_equal(gnt_flags(&C, 8), GTF_permit_access);
    assert_int_equal(gnt_map(&B, 3, 8, GNT_MAP_GFN, GNTMAP_host_map, &h,
                             NULL), GNTST_okay);
    assert_int_equal(gnt_set_version(&C, 1), 0);
    assert_int_equal(gnt_flags(&C, 8), GTF_permit_access | GTF_reading |
                                           GTF_writing);
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
    checks();
}

/*
 * XSA-236: a copy never relies on a pin to keep a dying granter's page:
 * while B maps A's grant, A's destruction starts (stopped at a preemption
 * point) and then finishes.  Copies naming A's ref get bad_domain at both
 * stages, the pin B's mapping holds is untouched, B still reads the page,
 * and the page is freed only by B's unmap.
 */
static void test_xsa236_copy_dying_granter(void **state)
{
    struct gnttab_copy cp[2] = {
        { .source = { .u.ref = 8, .domid = 1 },
          .dest = { .u.gmfn = 20, .domid = DOMID_SELF },
          .len = 16, .flags = GNTCOPY_source_gref },
        { .source = { .u.gmfn = 20, .domid = DOMID_SELF },
          .dest = { .u.ref = 8, .domid = 1 },
          .len = 16, .flags = GNTCOPY_dest_gref },
    };
    struct domain *a = A.d;
    struct page_info *pg = gfn_page(&A, 10);
    grant_handle_t h;
    unsigned int stage, i;
    int rc;

    (void)state;
    memcpy(gnt_frame(&A, 10), "kept by the pin", 16);
    gnt_grant_access(&A, 8, 2, 10, false);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN, GNTMAP_host_map, &h,
                             NULL), GNTST_okay);
    for ( stage = 0; stage < 2; stage++ )
    {
        hypercall_force_preempt(stage ? 0 : 1000);
        rc = domain_destroy(a);
        hypercall_force_preempt(0);
        if ( !stage )
        {
            /* Stopped part-way: A is dying, still registered. */
            assert_int_equal(rc, -ERESTART);
            assert_true(domain_is_dying(a));
        }
        else
        {
            while ( rc == -ERESTART )
                rc = domain_destroy(a);
            assert_int_equal(rc, 0);
        }
        for ( i = 0; i < 2; i++ )
            assert_int_equal(gnt_copy(&B, &cp[i]), GNTST_bad_domain);
        assert_int_equal(gnttab_debug_pin(a, 8), 1);
        assert_string_equal(gnt_frame(&B, GNT_MAP_GFN), "kept by the pin");
        assert_true(page_refcount(pg) >= 1);
        checks();
    }
    put_domain(a);
    A.d = NULL;
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
    mm_deferred_flush();
    assert_int_equal(page_state(pg), PGC_state_free);
    checks();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_xsm_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writable_type_refs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_first_writer_lookup, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa218_unmap_race, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa26_grow_faults, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa228_maptrack_steal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa228_steal_threads, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa230_copy_keeps_device_pins,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_xsa235_physmap_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa255_busy_status_frame,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_xsa379_one_gfn, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa380_release, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa295_flipping_granter, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa134_fresh_table, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa236_copy_dying_granter,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
