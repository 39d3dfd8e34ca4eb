/* SPDX-License-Identifier: MIT */
/*
 * libgnttab's security history (reference/gnttab.md §4): one test per past
 * bug class that would have caught it, named after the XSA, plus the
 * permission checks of the dummy XSM policy and the reference accounting
 * of writable mappings.  The classes tested elsewhere are listed in
 * `xsa_elsewhere` below with the test that covers them, so the table in
 * the reference is accounted for in one place.  One fresh world per test;
 * every test ends with gnttab_check() and mm_check().
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
#include <public/memory.h>

#include "gntlib.h"
#include "world_cmocka.h"

static struct gnt_guest A, B, C; /* granter, mapper, third domain */

static int setup(void **state)
{
    if ( world_setup(state) )
        return -1;
    if ( gnt_guest_create(&A, 1, 2) || gnt_guest_create(&B, 2, 2) ||
         gnt_guest_create(&C, 3, 1) )
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

static struct page_info *gfn_page(struct gnt_guest *g, uint64_t gfn)
{
    return mfn_to_page(p2m_lookup(g->d, _gfn(gfn), NULL));
}

static uint64_t type_count(const struct page_info *pg)
{
    return pg->u.type_info & PGT_count_mask;
}

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
    /* XSA-500: a read copy of the pinned entry is refused as well. */
    cp = (struct gnttab_copy){
        .source = { .u.ref = 8, .domid = 1 },
        .dest = { .u.gmfn = 20, .domid = DOMID_SELF },
        .len = 16, .flags = GNTCOPY_source_gref };
    assert_int_equal(gnt_copy(&B, &cp), GNTST_general_error);
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
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
