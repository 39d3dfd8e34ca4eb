/* SPDX-License-Identifier: MIT */
/*
 * libgnttab unit tests: each op's results and error paths through the
 * hypercall entry, with the guest-side library, one fresh world per test.
 * Every test ends with gnttab_check() and mm_check().
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

#include "gnttab_fixture.h"


/* Map, see the granter's bytes, write through, unmap. */
static void test_map_unmap_v1(void **state)
{
    grant_handle_t h;
    uint64_t bus;
    char *src, *dst;

    (void)state;
    src = gnt_frame(&A, 10);
    memcpy(src, "granted page", 13);
    gnt_grant_access(&A, 8, 2, 10, false);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN, GNTMAP_host_map, &h,
                             &bus), GNTST_okay);
    assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing),
                     GTF_reading | GTF_writing);
    dst = gnt_frame(&B, GNT_MAP_GFN);
    assert_non_null(dst);
    assert_string_equal(dst, "granted page");
    dst[0] = 'G';
    assert_int_equal(src[0], 'G');
    assert_int_equal(bus >> 12, mfn_x(p2m_lookup(A.d, _gfn(10), NULL)));
    checks();
    /* The granter cannot revoke an entry in use. */
    assert_int_equal(gnt_end_access(&A, 8), -1);
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
    assert_null(gnt_frame(&B, GNT_MAP_GFN));
    assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing), 0);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    assert_int_equal(gnt_end_access(&A, 8), 0);
    /* A second unmap of the freed handle is refused. */
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_bad_handle);
    checks();
}

/* Read-only map: a read-only P2M entry and no GTF_writing. */
static void test_map_readonly(void **state)
{
    grant_handle_t h;
    p2m_type_t t;

    (void)state;
    gnt_grant_access(&A, 9, 2, 11, true);
    /* A writable map of a read-only grant fails and changes nothing. */
    assert_int_equal(gnt_map(&B, 1, 9, GNT_MAP_GFN, GNTMAP_host_map, &h,
                             NULL), GNTST_general_error);
    assert_int_equal(gnt_flags(&A, 9) & (GTF_reading | GTF_writing), 0);
    assert_int_equal(gnt_map(&B, 1, 9, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_readonly, &h, NULL),
                     GNTST_okay);
    p2m_lookup(B.d, _gfn(GNT_MAP_GFN), &t);
    assert_int_equal(t, p2m_grant_map_ro);
    assert_int_equal(gnt_flags(&A, 9) & (GTF_reading | GTF_writing),
                     GTF_reading);
    checks();
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
    checks();
}

/* Every map error gets its GNTST code and changes nothing (XSA-316). */
static void test_map_errors(void **state)
{
    static const struct {
        uint32_t flags;
        domid_t dom;
        grant_ref_t ref;
        int16_t want;
    } cases[] = {
        { 0, 1, 8, GNTST_bad_gntref },
        { GNTMAP_readonly, 1, 8, GNTST_bad_gntref },
        { GNTMAP_host_map | GNTMAP_application_map, 1, 8,
          GNTST_general_error },
        { GNTMAP_host_map | GNTMAP_contains_pte, 1, 8, GNTST_general_error },
        { GNTMAP_host_map, 77, 8, GNTST_bad_domain },
        { GNTMAP_host_map, DOMID_IO, 8, GNTST_bad_domain },
        { GNTMAP_host_map, 1, 512, GNTST_bad_gntref },
        { GNTMAP_host_map, 1, 0xffffffffU, GNTST_bad_gntref },
        { GNTMAP_host_map, 1, 12, GNTST_general_error }, /* granted to C */
        { GNTMAP_host_map, 1, 13, GNTST_general_error }, /* invalid type */
        { GNTMAP_host_map, 1, 14, GNTST_bad_page },      /* gfn not RAM */
        { GNTMAP_host_map, 1, 15, GNTST_bad_page },      /* A's table */
        { GNTMAP_host_map, 1, 16, GNTST_general_error }, /* transfer entry */
    };
    unsigned int i;

    (void)state;
    gnt_grant_access(&A, 8, 2, 10, false);
    gnt_grant_access(&A, 12, 3, 10, false);
    gnt_grant_access(&A, 14, 2, 5000, false);
    gnt_grant_access(&A, 15, 2, GNT_TABLE_GFN, false);
    gnt_grant_transfer(&A, 16, 2, 20);
    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        grant_handle_t h;
        int16_t st = gnt_map(&B, cases[i].dom, cases[i].ref, GNT_MAP_GFN,
                             cases[i].flags, &h, NULL);

        assert_int_equal(st, cases[i].want);
        assert_null(gnt_frame(&B, GNT_MAP_GFN));
        assert_int_equal(gnt_flags(&A, 8) & GTF_reading, 0);
        assert_int_equal(gnt_flags(&A, 14) & GTF_reading, 0);
        checks();
    }
    /* A host map onto a frame the mapper already uses is refused. */
    assert_int_equal(gnt_map(&B, 1, 8, 3, GNTMAP_host_map, NULL, NULL),
                     GNTST_general_error);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    checks();
}

/* Unmap errors: bad handles, wrong address, wrong bus address. */
static void test_unmap_errors(void **state)
{
    grant_handle_t h;
    uint64_t bus;

    (void)state;
    gnt_grant_access(&A, 8, 2, 10, false);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_device_map, &h, &bus),
                     GNTST_okay);
    assert_int_equal(gnt_unmap(&B, h + 1, GNT_MAP_GFN, 0), GNTST_bad_handle);
    assert_int_equal(gnt_unmap(&B, 1U << 30, GNT_MAP_GFN, 0),
                     GNTST_bad_handle);
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN + 1, 0),
                     GNTST_general_error);
    assert_int_equal(gnt_unmap(&B, h, 0, bus + 4096), GNTST_bad_dev_addr);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0x00010001U);
    checks();
    /* Partial unmaps: the device half, then the host half frees it. */
    assert_int_equal(gnt_unmap(&B, h, 0, bus), GNTST_okay);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0x00000001U);
    assert_int_equal(gnt_unmap(&B, h, 0, bus), GNTST_okay); /* no-op */
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0x00000001U);
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_bad_handle);
    checks();
}

/* One unmap_and_replace element; returns its status. */
static int16_t unmap_replace(struct gnt_guest *g, grant_handle_t h,
                             uint64_t host_gfn, uint64_t new_addr)
{
    struct gnttab_unmap_and_replace r = {
        .host_addr = host_gfn << 12, .new_addr = new_addr, .handle = h,
        .status = 99 };

    assert_int_equal(gnt_op(g, 0, GNTTABOP_unmap_and_replace, &r, 1,
                            sizeof(r)), 0);
    return r.status;
}

/*
 * What each mapping holds on the granted page, and that unmapping gives
 * back exactly that: a host mapping one general reference (its P2M
 * entry's, which the unmap takes over and drops after the type
 * reference), a device mapping one, a writable mapping of either kind a
 * writable type reference too.  A failed removal takes nothing.
 */
static void test_map_page_refs(void **state)
{
    struct page_info *pg = mfn_to_page(p2m_lookup(A.d, _gfn(10), NULL));
    uint64_t r0 = page_refcount(pg), bus;
    grant_handle_t h1, h2, h3;

    (void)state;
    gnt_grant_access(&A, 8, 2, 10, false);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN, GNTMAP_host_map, &h1,
                             NULL), GNTST_okay);
    assert_int_equal(page_refcount(pg), r0 + 1);
    assert_int_equal(type_count(pg), 1);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN + 1,
                             GNTMAP_host_map | GNTMAP_readonly, &h2, NULL),
                     GNTST_okay);
    assert_int_equal(page_refcount(pg), r0 + 2);
    assert_int_equal(type_count(pg), 1);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN + 2,
                             GNTMAP_host_map | GNTMAP_device_map, &h3, &bus),
                     GNTST_okay);
    assert_int_equal(page_refcount(pg), r0 + 4);
    assert_int_equal(type_count(pg), 3);
    checks();

    /* A removal that does not match (wrong type, wrong frame) takes none. */
    assert_int_equal(p2m_take_grant_ref(B.d, _gfn(GNT_MAP_GFN), page_to_mfn(pg),
                                        p2m_grant_map_ro, INVALID_GFN),
                     -EINVAL);
    assert_int_equal(p2m_take_grant_ref(B.d, _gfn(GNT_MAP_GFN), page_to_mfn(pg),
                                        p2m_ram_rw, INVALID_GFN), -EINVAL);
    assert_int_equal(gnt_unmap(&B, h1, GNT_MAP_GFN + 1, 0),
                     GNTST_general_error);
    assert_int_equal(page_refcount(pg), r0 + 4);
    assert_int_equal(type_count(pg), 3);

    /* The host half of h3, then its device half. */
    assert_int_equal(gnt_unmap(&B, h3, GNT_MAP_GFN + 2, 0), GNTST_okay);
    assert_int_equal(page_refcount(pg), r0 + 3);
    assert_int_equal(type_count(pg), 2);
    assert_int_equal(gnt_unmap(&B, h3, 0, bus), GNTST_okay);
    assert_int_equal(page_refcount(pg), r0 + 2);
    assert_int_equal(type_count(pg), 1);
    /* h1 moves onto h2's gfn: h2's mapping's reference goes, h1's stays. */
    assert_int_equal(unmap_replace(&B, h2, GNT_MAP_GFN + 1,
                                   (uint64_t)GNT_MAP_GFN << 12), GNTST_okay);
    assert_int_equal(page_refcount(pg), r0 + 1);
    assert_int_equal(type_count(pg), 1);
    assert_int_equal(gnt_unmap(&B, h1, GNT_MAP_GFN + 1, 0), GNTST_okay);
    assert_int_equal(page_refcount(pg), r0);
    assert_int_equal(type_count(pg), 0);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    checks();
}

/*
 * B maps A's ref 8 (frame 10, "first") writable at GNT_MAP_GFN and `g2`'s
 * ref 9 (frame 11, "second") read-only at GNT_MAP_GFN + 1.
 */
static void map_two(struct gnt_guest *g2, grant_handle_t *h1,
                    grant_handle_t *h2)
{
    memcpy(gnt_frame(&A, 10), "first", 6);
    memcpy(gnt_frame(g2, 11), "second", 7);
    gnt_grant_access(&A, 8, 2, 10, false);
    gnt_grant_access(g2, 9, 2, 11, true);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN, GNTMAP_host_map, h1,
                             NULL), GNTST_okay);
    assert_int_equal(gnt_map(&B, g2->d->domain_id, 9, GNT_MAP_GFN + 1,
                             GNTMAP_host_map | GNTMAP_readonly, h2, NULL),
                     GNTST_okay);
}

/*
 * unmap_and_replace with a new_addr: the mapping at new_addr moves to
 * host_addr (x86 PV moves the PTE), the unmapped grant's pins and
 * references go, the moved one keeps its own and unmaps where it now is.
 */
static void test_unmap_and_replace(void **state)
{
    struct gnttab_stats before, after;
    grant_handle_t h1, h2;
    char *v;
    p2m_type_t t;

    (void)state;
    map_two(&C, &h1, &h2);
    gnttab_get_stats(&before);
    assert_int_equal(unmap_replace(&B, h1, GNT_MAP_GFN,
                                   (uint64_t)(GNT_MAP_GFN + 1) << 12),
                     GNTST_okay);
    gnttab_get_stats(&after);
    assert_int_equal(after.unmap_flushes - before.unmap_flushes, 1);
    /* C's frame now sits at host_addr, still read-only; new_addr is empty. */
    v = gnt_frame(&B, GNT_MAP_GFN);
    assert_non_null(v);
    assert_string_equal(v, "second");
    assert_int_equal(mfn_x(p2m_lookup(B.d, _gfn(GNT_MAP_GFN), &t)),
                     mfn_x(p2m_lookup(C.d, _gfn(11), NULL)));
    assert_int_equal(t, p2m_grant_map_ro);
    assert_null(gnt_frame(&B, GNT_MAP_GFN + 1));
    /* A's grant is fully released; C's mapping is untouched. */
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing), 0);
    assert_int_equal(gnttab_debug_pin(C.d, 9), GNTPIN_HSTR_ONE);
    assert_int_equal(gnt_unmap(&B, h1, GNT_MAP_GFN, 0), GNTST_bad_handle);
    checks();
    /* The moved mapping unmaps where it now lives, not where it was. */
    assert_int_equal(gnt_unmap(&B, h2, GNT_MAP_GFN + 1, 0),
                     GNTST_general_error);
    assert_int_equal(gnt_unmap(&B, h2, GNT_MAP_GFN, 0), GNTST_okay);
    assert_null(gnt_frame(&B, GNT_MAP_GFN));
    assert_int_equal(gnttab_debug_pin(C.d, 9), 0);
    assert_int_equal(gnt_end_access(&A, 8), 0);
    assert_int_equal(gnt_end_access(&C, 9), 0);
    checks();
}

/* Every refused unmap_and_replace leaves both mappings as they were. */
static void test_unmap_and_replace_errors(void **state)
{
    grant_handle_t h1, h2, hd;
    uint64_t bus;
    const struct {
        int which;             /* 0: h1, 1: h2, 2: the device-only hd,
                                * 3: a bad handle */
        uint64_t host_gfn;
        uint64_t new_addr;
        int16_t want;
    } cases[] = {
        /* new_addr onto host_addr itself */
        { 0, GNT_MAP_GFN, (uint64_t)GNT_MAP_GFN << 12, GNTST_general_error },
        /* new_addr: a hole, RAM, a gfn beyond the P2M */
        { 0, GNT_MAP_GFN, (uint64_t)(GNT_MAP_GFN + 7) << 12,
          GNTST_general_error },
        { 0, GNT_MAP_GFN, 20ULL << 12, GNTST_general_error },
        { 0, GNT_MAP_GFN, 1ULL << 62, GNTST_general_error },
        /* host_addr does not hold h1's mapping (it holds h2's) */
        { 0, GNT_MAP_GFN + 1, (uint64_t)GNT_MAP_GFN << 12,
          GNTST_general_error },
        /* a read-only mapping's handle does not match h1's frame */
        { 1, GNT_MAP_GFN, (uint64_t)(GNT_MAP_GFN + 1) << 12,
          GNTST_general_error },
        { 3, GNT_MAP_GFN, (uint64_t)(GNT_MAP_GFN + 1) << 12,
          GNTST_bad_handle },
        /* No host half to remove: nothing is done (Xen's answer too). */
        { 2, GNT_MAP_GFN, (uint64_t)(GNT_MAP_GFN + 1) << 12, GNTST_okay },
        { 0, 0, (uint64_t)(GNT_MAP_GFN + 1) << 12, GNTST_okay },
    };
    unsigned int i;

    (void)state;
    map_two(&A, &h1, &h2);
    gnt_grant_access(&A, 12, 2, 12, false);
    assert_int_equal(gnt_map(&B, 1, 12, 0, GNTMAP_device_map, &hd, &bus),
                     GNTST_okay);
    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        grant_handle_t h = cases[i].which == 0   ? h1
                           : cases[i].which == 1 ? h2
                           : cases[i].which == 2 ? hd
                                                 : 4000;
        p2m_type_t t;

        assert_int_equal(unmap_replace(&B, h, cases[i].host_gfn,
                                       cases[i].new_addr), cases[i].want);
        assert_string_equal(gnt_frame(&B, GNT_MAP_GFN), "first");
        p2m_lookup(B.d, _gfn(GNT_MAP_GFN), &t);
        assert_int_equal(t, p2m_grant_map_rw);
        assert_string_equal(gnt_frame(&B, GNT_MAP_GFN + 1), "second");
        p2m_lookup(B.d, _gfn(GNT_MAP_GFN + 1), &t);
        assert_int_equal(t, p2m_grant_map_ro);
        assert_int_equal(gnttab_debug_pin(A.d, 8), GNTPIN_HSTW_ONE);
        assert_int_equal(gnttab_debug_pin(A.d, 9), GNTPIN_HSTR_ONE);
        assert_int_equal(gnttab_debug_pin(A.d, 12), GNTPIN_DEVW_ONE);
        checks();
    }
    /* B's own grant and status frames are not grant mappings: they stay. */
    assert_int_equal(gnt_set_version(&B, 2), 0);
    assert_int_equal(unmap_replace(&B, h1, GNT_MAP_GFN,
                                   (uint64_t)GNT_TABLE_GFN << 12),
                     GNTST_general_error);
    assert_int_equal(unmap_replace(&B, h1, GNT_MAP_GFN,
                                   (uint64_t)GNT_STATUS_GFN << 12),
                     GNTST_general_error);
    assert_string_equal(gnt_frame(&B, GNT_MAP_GFN), "first");
    assert_int_equal(gnttab_debug_pin(A.d, 8), GNTPIN_HSTW_ONE);
    checks();
    /* Still where the table says: a switch back removes them from there. */
    assert_int_equal(gnt_set_version(&B, 1), 0);
    checks();
    /* All three still unmap normally; h2 stays mapped until teardown. */
    assert_int_equal(gnt_unmap(&B, h1, GNT_MAP_GFN, 0), GNTST_okay);
    assert_int_equal(gnt_unmap(&B, hd, 0, bus), GNTST_okay);
    checks();
}

/* Pin counters stop at 128 per kind; the 129th pin is refused. */
static void test_pin_overflow(void **state)
{
    grant_handle_t h[129];
    uint64_t bus;
    unsigned int i;

    (void)state;
    gnt_grant_access(&A, 8, 2, 10, true);
    for ( i = 0; i < 128; i++ )
        assert_int_equal(gnt_map(&B, 1, 8, 0, GNTMAP_device_map |
                                 GNTMAP_readonly, &h[i], &bus), GNTST_okay);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 128U << 24);
    assert_int_equal(gnt_map(&B, 1, 8, 0, GNTMAP_device_map |
                             GNTMAP_readonly, &h[128], NULL),
                     GNTST_general_error);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 128U << 24);
    checks();
    for ( i = 0; i < 128; i++ )
        assert_int_equal(gnt_unmap(&B, h[i], 0, bus), GNTST_okay);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    checks();
}

/*
 * A hypercall of 40 unmaps is two batches (GNTTAB_UNMAP_BATCH, 32: Xen's
 * one flush per 32 ops, reference/gnttab.md §5) and costs two TLB
 * flushes, not 40.  The flushes are counted where they happen, in the
 * simulator's TLB (hal/sim/tlb.c), not by a counter beside the call;
 * flushes of every kind are counted, so a per-element flush of a single
 * page fails as a per-element full flush does.
 */
static void test_unmap_batch_flush(void **state)
{
    struct gnttab_unmap_grant_ref ops[40];
    struct gnttab_stats before, after;
    unsigned long flushes, full_flushes;
    unsigned int i;

    (void)state;
    for ( i = 0; i < 40; i++ )
    {
        grant_handle_t h;

        gnt_grant_access(&A, 8 + i, 2, 10 + i, false);
        assert_int_equal(gnt_map(&B, 1, 8 + i, GNT_MAP_GFN + i,
                                 GNTMAP_host_map, &h, NULL), GNTST_okay);
        ops[i] = (struct gnttab_unmap_grant_ref){
            .host_addr = (uint64_t)(GNT_MAP_GFN + i) << 12, .handle = h,
            .status = 99 };
    }
    ops[5].handle = 9999; /* one bad element in the batch */
    mm_deferred_flush(); /* nothing queued from before flushes meanwhile */
    gnttab_get_stats(&before);
    flushes = sim_tlb_flush_count();
    full_flushes = sim_tlb_flush_all_count();
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_unmap_grant_ref, ops, 40,
                            sizeof(ops[0])), 0);
    full_flushes = sim_tlb_flush_all_count() - full_flushes;
    flushes = sim_tlb_flush_count() - flushes;
    gnttab_get_stats(&after);
    print_message("unmap of 40: %lu TLB flushes, %lu of them full\n",
                  flushes, full_flushes);
    assert_int_equal(full_flushes, 2);
    assert_int_equal(flushes, 2);
    assert_int_equal(after.unmap_flushes - before.unmap_flushes, 2);
    for ( i = 0; i < 40; i++ )
        assert_int_equal(ops[i].status, i == 5 ? GNTST_bad_handle
                                               : GNTST_okay);
    assert_int_equal(gnttab_debug_pin(A.d, 13), 0x1);
    assert_int_equal(gnttab_debug_pin(A.d, 14), 0);
    checks();
}

/*
 * A preempted batch of 40 maps with two bad elements: every good one gets
 * its own handle, and the handles a batch set aside for elements that
 * failed or were not reached yet all go back (gnttab_check counts every
 * handle as live or on a free list).
 */
static void test_map_batch(void **state)
{
    struct gnttab_map_grant_ref ops[40];
    struct gnttab_unmap_grant_ref u[40];
    struct gnttab_info info;
    unsigned int i, j, n = 0;

    (void)state;
    for ( i = 0; i < 40; i++ )
    {
        gnt_grant_access(&A, 8 + i, 2, 10 + i, true);
        ops[i] = (struct gnttab_map_grant_ref){
            .host_addr = (uint64_t)(GNT_MAP_GFN + i) << 12,
            .flags = GNTMAP_host_map | GNTMAP_readonly, .ref = 8 + i,
            .dom = 1, .status = 99 };
    }
    ops[3].ref = 9999;          /* bad_gntref */
    ops[35].dom = 77;           /* bad_domain */
    hypercall_force_preempt(2);
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_map_grant_ref, ops, 40,
                            sizeof(ops[0])), 0);
    for ( i = 0; i < 40; i++ )
    {
        assert_int_equal(ops[i].status, i == 3    ? GNTST_bad_gntref
                                        : i == 35 ? GNTST_bad_domain
                                                  : GNTST_okay);
        if ( ops[i].status )
            continue;
        for ( j = 0; j < i; j++ )
            if ( !ops[j].status )
                assert_int_not_equal(ops[j].handle, ops[i].handle);
        u[n++] = (struct gnttab_unmap_grant_ref){
            .host_addr = ops[i].host_addr, .handle = ops[i].handle,
            .status = 99 };
    }
    assert_int_equal(gnttab_get_info(B.d, &info), 0);
    assert_int_equal(info.maptrack_in_use, 38);
    checks();
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_unmap_grant_ref, u, n,
                            sizeof(u[0])), 0);
    for ( i = 0; i < n; i++ )
        assert_int_equal(u[i].status, GNTST_okay);
    assert_int_equal(gnttab_get_info(B.d, &info), 0);
    assert_int_equal(info.maptrack_in_use, 0);
    assert_int_equal(info.pinned_entries, 0);
    checks();
}

/*
 * Map hypercalls of 140 ops on granter A, with a run on C and back in
 * the middle, a host mapping that cannot be inserted (RAM at its gfn:
 * the pin, references and handle go back), a bad ref, and more ops than
 * the mapper's first maptrack page holds (the maptrack grows inside a
 * run): every good op maps its own grant with its own handle, and after
 * the call no lock of A's is left held (A grows its table, which takes
 * A's table lock for writing).
 */
static void test_map_batch_runs(void **state)
{
    static struct gnttab_map_grant_ref ops[140];
    static struct gnttab_unmap_grant_ref u[140];
    struct gnttab_info info;
    unsigned int i, n = 0;

    (void)state;
    for ( i = 0; i < 140; i++ )
    {
        gnt_grant_access(&A, 8 + i, 2, 10 + i % 40, false);
        ops[i] = (struct gnttab_map_grant_ref){
            .host_addr = (uint64_t)(GNT_MAP_GFN + i) << 12,
            .flags = GNTMAP_host_map, .ref = 8 + i, .dom = 1,
            .status = 99 };
    }
    memcpy(gnt_frame(&C, 10), "from C", 7);
    gnt_grant_access(&C, 8, 2, 10, false);
    ops[50].dom = 3;
    ops[50].ref = 8;
    ops[51].host_addr = 5ULL << 12;  /* B's RAM */
    ops[52].ref = 9999;
    /* Two calls (the argument page's size); the second grows at 128. */
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_map_grant_ref, ops, 100,
                            sizeof(ops[0])), 0);
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_map_grant_ref, ops + 100, 40,
                            sizeof(ops[0])), 0);
    for ( i = 0; i < 140; i++ )
    {
        assert_int_equal(ops[i].status, i == 51   ? GNTST_general_error
                                        : i == 52 ? GNTST_bad_gntref
                                                  : GNTST_okay);
        if ( ops[i].status )
        {
            assert_int_equal(gnttab_debug_pin(A.d, 8 + i), 0);
            assert_int_equal(gnt_flags(&A, 8 + i) &
                             (GTF_reading | GTF_writing), 0);
            continue;
        }
        if ( i != 50 )
            assert_int_equal(gnttab_debug_pin(A.d, 8 + i), GNTPIN_HSTW_ONE);
        u[n++] = (struct gnttab_unmap_grant_ref){
            .host_addr = ops[i].host_addr, .handle = ops[i].handle,
            .status = 99 };
    }
    assert_string_equal(gnt_frame(&B, GNT_MAP_GFN + 50), "from C");
    assert_int_equal(gnttab_debug_pin(C.d, 8), GNTPIN_HSTW_ONE);
    assert_int_equal(gnttab_get_info(B.d, &info), 0);
    assert_int_equal(info.maptrack_in_use, 138);
    assert_int_equal(info.maptrack_pages, 2);
    checks();
    assert_int_equal(physmap(&A, 1, GNT_TABLE_GFN + 1), 0);
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_unmap_grant_ref, u, 100,
                            sizeof(u[0])), 0);
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_unmap_grant_ref, u + 100,
                            n - 100, sizeof(u[0])), 0);
    for ( i = 0; i < n; i++ )
        assert_int_equal(u[i].status, GNTST_okay);
    assert_int_equal(gnttab_get_info(A.d, &info), 0);
    assert_int_equal(info.pinned_entries, 0);
    assert_int_equal(gnttab_debug_pin(C.d, 8), 0);
    checks();
}

/* Copies: gref to own frame, own frame to gref, windows, bad args. */
static void test_copy(void **state)
{
    struct gnttab_copy op;
    char *a = gnt_frame(&A, 10), *b = gnt_frame(&B, 20);

    (void)state;
    memset(a, 'a', 4096);
    memset(b, 'b', 4096);
    gnt_grant_access(&A, 8, 2, 10, false);
    op = (struct gnttab_copy){
        .source = { .u.ref = 8, .domid = 1, .offset = 100 },
        .dest = { .u.gmfn = 20, .domid = DOMID_SELF, .offset = 0 },
        .len = 50, .flags = GNTCOPY_source_gref };
    assert_int_equal(gnt_copy(&B, &op), GNTST_okay);
    assert_int_equal(b[0], 'a');
    assert_int_equal(b[49], 'a');
    assert_int_equal(b[50], 'b');
    /* Copy back into the grant. */
    op = (struct gnttab_copy){
        .source = { .u.gmfn = 20, .domid = DOMID_SELF, .offset = 60 },
        .dest = { .u.ref = 8, .domid = 1, .offset = 4000 },
        .len = 96, .flags = GNTCOPY_dest_gref };
    assert_int_equal(gnt_copy(&B, &op), GNTST_okay);
    assert_int_equal(a[4000], 'b');
    assert_int_equal(a[3999], 'a');
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing), 0);
    /* Error table. */
    op.dest.offset = 4001; /* 4001 + 96 > 4096 */
    assert_int_equal(gnt_copy(&B, &op), GNTST_bad_copy_arg);
    op.dest.offset = 0;
    op.source.domid = 1; /* a frame of another domain */
    assert_int_equal(gnt_copy(&B, &op), GNTST_permission_denied);
    op.source.domid = DOMID_SELF;
    op.dest.domid = 99;
    assert_int_equal(gnt_copy(&B, &op), GNTST_bad_domain);
    op.dest.domid = 1;
    op.dest.u.ref = 600;
    assert_int_equal(gnt_copy(&B, &op), GNTST_bad_gntref);
    op.dest.u.ref = 8;
    op.source.u.gmfn = 4000; /* not RAM */
    assert_int_equal(gnt_copy(&B, &op), GNTST_bad_page);
    op.source.u.gmfn = 20;
    assert_int_equal(gnt_copy(&C, &op), GNTST_general_error); /* not C's */
    /* Zero length: okay whatever the other fields say (XSA-448). */
    op = (struct gnttab_copy){ .source = { .domid = 12345 }, .len = 0,
                               .flags = 0xffff };
    assert_int_equal(gnt_copy(&B, &op), GNTST_okay);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    checks();
}

/*
 * A copy through an entry that is pinned (B maps it read-only) after the
 * granter rewrote its frame: a read is served from the frame the pin froze,
 * as Xen serves it; a write, which the read-only pin does not cover, looks
 * the frame up and is refused.
 */
static void test_copy_pinned_frame_rewritten(void **state)
{
    struct gnttab_copy op;
    char *g1 = gnt_frame(&A, 10), *g2 = gnt_frame(&A, 11);
    char *b = gnt_frame(&B, 20);
    grant_handle_t h;

    (void)state;
    memset(g1, '1', 4096);
    memset(g2, '2', 4096);
    memset(b, 'b', 4096);
    gnt_grant_access(&A, 8, 2, 10, true);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_readonly, &h, NULL),
                     GNTST_okay);
    gnt_grant_access(&A, 8, 2, 11, false);    /* A rewrites the frame */
    op = (struct gnttab_copy){
        .source = { .u.ref = 8, .domid = 1, .offset = 0 },
        .dest = { .u.gmfn = 20, .domid = DOMID_SELF, .offset = 0 },
        .len = 64, .flags = GNTCOPY_source_gref };
    assert_int_equal(gnt_copy(&B, &op), GNTST_okay);
    assert_int_equal(b[0], '1');
    assert_int_equal(b[63], '1');
    assert_int_equal(b[64], 'b');
    op = (struct gnttab_copy){
        .source = { .u.gmfn = 20, .domid = DOMID_SELF, .offset = 0 },
        .dest = { .u.ref = 8, .domid = 1, .offset = 0 },
        .len = 64, .flags = GNTCOPY_dest_gref };
    assert_int_equal(gnt_copy(&B, &op), GNTST_general_error);
    assert_int_equal(g1[0], '1');
    assert_int_equal(g2[0], '2');
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    checks();
}

/* v2: sub-page windows and transitive grants followed one level. */
static void test_copy_v2(void **state)
{
    struct gnttab_copy op;
    char *a = gnt_frame(&A, 10), *c = gnt_frame(&C, 30);
    struct gnttab_info info;

    (void)state;
    assert_int_equal(gnt_set_version(&A, 2), 0);
    assert_int_equal(gnt_set_version(&B, 2), 0);
    assert_int_equal(gnttab_get_info(A.d, &info), 0);
    assert_int_equal(info.version, 2);
    assert_int_equal(info.nr_status_frames, 1);
    memset(a, 'a', 4096);
    memset(c, 'c', 4096);
    gnt_grant_sub_page(&A, 8, 2, 10, 1024, 512);
    op = (struct gnttab_copy){
        .source = { .u.ref = 8, .domid = 1, .offset = 1024 },
        .dest = { .u.gmfn = 20, .domid = DOMID_SELF },
        .len = 512, .flags = GNTCOPY_source_gref };
    assert_int_equal(gnt_copy(&B, &op), GNTST_okay);
    op.source.offset = 1023;
    assert_int_equal(gnt_copy(&B, &op), GNTST_general_error);
    /* A sub-page grant is never mapped. */
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN, GNTMAP_host_map, NULL,
                             NULL), GNTST_general_error);

    /* C grants to A; A grants transitively to B; B copies from C's page. */
    gnt_grant_access(&C, 8, 1, 30, true);
    gnt_grant_transitive(&A, 9, 2, 3, 8);
    op = (struct gnttab_copy){
        .source = { .u.ref = 9, .domid = 1, .offset = 0 },
        .dest = { .u.gmfn = 21, .domid = DOMID_SELF },
        .len = 4096, .flags = GNTCOPY_source_gref };
    assert_int_equal(gnt_copy(&B, &op), GNTST_okay);
    assert_int_equal(((char *)gnt_frame(&B, 21))[4095], 'c');
    assert_int_equal(gnttab_debug_pin(C.d, 8), 0);
    assert_int_equal(gnttab_debug_pin(A.d, 9), 0);
    /* Transitive grants are not mapped, nor followed twice. */
    assert_int_equal(gnt_map(&B, 1, 9, GNT_MAP_GFN, GNTMAP_host_map |
                             GNTMAP_readonly, NULL, NULL),
                     GNTST_general_error);
    gnt_grant_transitive(&C, 8, 1, 2, 5);
    assert_int_equal(gnt_copy(&B, &op), GNTST_general_error);
    /* A transitive entry pointing at its own domain is refused. */
    gnt_grant_transitive(&A, 9, 2, 1, 8);
    assert_int_equal(gnt_copy(&B, &op), GNTST_general_error);
    assert_int_equal(gnttab_get_info(A.d, &info), 0);
    assert_int_equal(info.nr_v2_ops, 0);
    checks();
}

/*
 * A domain created with a maximum grant version of 1 (Xen's
 * max_grant_version): set_version(2) is -ENOSYS and leaves it on v1, and
 * the version written back is 1; set_version(1) still succeeds.  Above 2
 * the domain is not created.
 */
static void test_max_grant_version(void **state)
{
    struct gnttab_set_version sv = { .version = 2 };
    struct domain_config cfg;
    struct gnt_guest D = { 0 };
    struct domain *d = NULL;

    (void)state;
    domain_config_default(&cfg);
    cfg.max_grant_version = 3;
    assert_int_equal(domain_create(9, &cfg, &d), -EINVAL);
    assert_null(d);

    cfg.max_grant_version = 1;
    assert_int_equal(gnt_guest_create_cfg(&D, 9, &cfg), 0);
    assert_int_equal(gnt_op(&D, 0, GNTTABOP_set_version, &sv, 1,
                            sizeof(sv)), -ENOSYS);
    assert_int_equal(sv.version, 1);
    assert_int_equal(info_of(&D).version, 1);
    assert_int_equal(gnt_set_version(&D, 1), 0);
    checks();
    gnt_guest_destroy(&D);
}

/*
 * A domain created without HVCORE_GNTTAB_EXT_PV_MAPS gets Xen's answers
 * for a translated guest: a device mapping (alone or with host_map) and a
 * PTE kind are general_error, a host mapping works, unmap_and_replace with
 * a new_addr is general_error and leaves the mapping, with new_addr 0 it
 * unmaps.  An unknown extension bit refuses the domain.
 */
static void test_pv_maps_default(void **state)
{
    static const uint32_t refused[] = {
        GNTMAP_host_map | GNTMAP_device_map,
        GNTMAP_device_map,
        GNTMAP_device_map | GNTMAP_readonly,
        GNTMAP_host_map | GNTMAP_contains_pte,
        GNTMAP_host_map | GNTMAP_application_map,
    };
    struct domain_config cfg;
    struct gnt_guest D = { 0 };
    struct domain *d = NULL;
    grant_handle_t h;
    uint64_t bus = 77;
    unsigned int i;

    (void)state;
    domain_config_default(&cfg);
    cfg.gnttab_ext = HVCORE_GNTTAB_EXT_ALL + 1;
    assert_int_equal(domain_create(9, &cfg, &d), -EINVAL);
    assert_null(d);
    assert_int_equal(gnt_guest_create(&D, 9, 1), 0);
    gnt_grant_access(&A, 8, 9, 10, false);
    for ( i = 0; i < ARRAY_SIZE(refused); i++ )
    {
        assert_int_equal(gnt_map(&D, 1, 8, GNT_MAP_GFN, refused[i], &h,
                                 &bus), GNTST_general_error);
        assert_null(gnt_frame(&D, GNT_MAP_GFN));
        assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    }
    assert_int_equal(gnt_map(&D, 1, 8, GNT_MAP_GFN, GNTMAP_host_map, &h,
                             NULL), GNTST_okay);
    assert_int_equal(unmap_replace(&D, h, GNT_MAP_GFN,
                                   (uint64_t)(GNT_MAP_GFN + 1) << 12),
                     GNTST_general_error);
    assert_ptr_equal(gnt_frame(&D, GNT_MAP_GFN), gnt_frame(&A, 10));
    assert_null(gnt_frame(&D, GNT_MAP_GFN + 1));
    assert_int_equal(gnttab_debug_pin(A.d, 8), GNTPIN_HSTW_ONE);
    checks();
    assert_int_equal(unmap_replace(&D, h, GNT_MAP_GFN, 0), GNTST_okay);
    assert_null(gnt_frame(&D, GNT_MAP_GFN));
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    checks();
    gnt_guest_destroy(&D);
}

/*
 * XENMAPSPACE_grant_table over a gfn already in use, as Xen's
 * xenmem_add_to_physmap_one: the guest's RAM page there is removed and
 * freed, then the frame mapped (the standard HVM set-up maps frame 0 over
 * a page of its own memory); another of its own table frames there is
 * unhooked, and maps again elsewhere; a bad index frees nothing.
 */
static void test_physmap_over_populated(void **state)
{
    struct page_info *ram = gfn_page(&A, 5);
    uint64_t tot = mm_domain_tot_pages(A.d);
    mfn_t f1;

    (void)state;
    assert_int_equal(physmap(&A, 64, 5), -EINVAL);
    assert_ptr_equal(gfn_page(&A, 5), ram);
    assert_int_equal(mm_domain_tot_pages(A.d), tot);

    assert_int_equal(physmap(&A, 1, 5), 0);
    assert_int_equal(mm_domain_tot_pages(A.d), tot - 1);
    assert_ptr_not_equal(page_get_owner(ram), A.d);
    f1 = p2m_lookup(A.d, _gfn(5), NULL);
    assert_false(mfn_eq(f1, INVALID_MFN));
    assert_ptr_not_equal(gfn_page(&A, 5), ram);
    checks();

    /* Frame 0 (at GNT_TABLE_GFN) mapped over frame 1: 1 is unhooked. */
    assert_int_equal(physmap(&A, 0, 5), 0);
    assert_false(mfn_eq(p2m_lookup(A.d, _gfn(5), NULL), f1));
    assert_true(mfn_eq(p2m_lookup(A.d, _gfn(GNT_TABLE_GFN), NULL),
                       INVALID_MFN));
    assert_int_equal(physmap(&A, 1, GNT_TABLE_GFN + 1), 0);
    assert_true(mfn_eq(p2m_lookup(A.d, _gfn(GNT_TABLE_GFN + 1), NULL), f1));
    checks();
    /* Back where the fixture had them. */
    assert_int_equal(physmap(&A, 0, GNT_TABLE_GFN), 0);
    checks();
}

/* Version switches: reserved entries kept, busy refs, status frames. */
static void test_set_version(void **state)
{
    struct gnttab_get_status_frames gs;
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    grant_handle_t h;

    (void)state;
    assert_int_equal(gnt_set_version(&A, 3), -EINVAL);
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_get_version, &gv, 1,
                            sizeof(gv)), 0);
    assert_int_equal(gv.version, 1);
    gv.dom = 77;
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_get_version, &gv, 1,
                            sizeof(gv)), -ESRCH);
    /* get_status_frames under v1: no status frames (XSA-382). */
    gs = (struct gnttab_get_status_frames){ .nr_frames = 1,
                                            .dom = DOMID_SELF,
                                            .frame_list = 4 << 12 };
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_get_status_frames, &gs, 1,
                            sizeof(gs)), 0);
    assert_int_equal(gs.status, GNTST_general_error);
    /* Zero of none is okay, as Xen answers it. */
    gs.nr_frames = 0;
    gs.status = 99;
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_get_status_frames, &gs, 1,
                            sizeof(gs)), 0);
    assert_int_equal(gs.status, GNTST_okay);
    gs.nr_frames = 1;

    /* A pinned reserved entry survives v1 -> v2 -> v1. */
    gnt_grant_access(&A, 1, 2, 10, false);
    assert_int_equal(gnt_map(&B, 1, 1, GNT_MAP_GFN, GNTMAP_host_map, &h,
                             NULL), GNTST_okay);
    assert_int_equal(gnt_set_version(&A, 2), 0);
    assert_int_equal(gnt_flags(&A, 1), GTF_permit_access | GTF_reading |
                                           GTF_writing);
    checks();
    gs.nr_frames = 2;
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_get_status_frames, &gs, 1,
                            sizeof(gs)), 0);
    assert_int_equal(gs.status, GNTST_general_error);
    gs.nr_frames = 1;
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_get_status_frames, &gs, 1,
                            sizeof(gs)), 0);
    assert_int_equal(gs.status, GNTST_okay);
    /* A pinned ref >= 8 blocks the switch back. */
    gnt_grant_access(&A, 8, 2, 11, false);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN + 1, GNTMAP_host_map,
                             NULL, NULL), GNTST_okay);
    assert_int_equal(gnt_set_version(&A, 1), -EBUSY);
    assert_int_equal(gnt_unmap(&B, 1, GNT_MAP_GFN + 1, 0), GNTST_okay);
    /* A reserved transitive entry cannot be held by v1. */
    gnt_grant_transitive(&A, 2, 2, 3, 8);
    assert_int_equal(gnt_set_version(&A, 1), -ERANGE);
    assert_int_equal(gnt_end_access(&A, 2), 0);
    assert_int_equal(gnt_set_version(&A, 1), 0);
    assert_int_equal(gnt_flags(&A, 1), GTF_permit_access | GTF_reading |
                                           GTF_writing);
    assert_null(gnt_frame(&A, GNT_STATUS_GFN));
    checks();
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
    assert_int_equal(gnt_flags(&A, 1), GTF_permit_access);
    checks();
}

/* setup_table and query_size, with their limits. */
static void test_setup_query(void **state)
{
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 4,
                                     .frame_list = 4 << 12 };
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    uint64_t *list = gnt_frame(&A, 4);

    (void)state;
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_setup_table, &st, 1,
                            sizeof(st)), 0);
    assert_int_equal(st.status, GNTST_okay);
    assert_int_equal(list[0], GNT_TABLE_GFN);
    assert_int_equal(list[1], INVALID_GFN_RAW);
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_query_size, &q, 1, sizeof(q)), 0);
    assert_int_equal(q.status, GNTST_okay);
    assert_int_equal(q.nr_frames, 4);
    assert_int_equal(q.max_nr_frames, 64);
    st.nr_frames = 65;
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_setup_table, &st, 1,
                            sizeof(st)), 0);
    assert_int_equal(st.status, GNTST_general_error);
    q.dom = 99;
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_query_size, &q, 1, sizeof(q)), 0);
    assert_int_equal(q.status, GNTST_bad_domain);
    /* Dispatch errors. */
    {
        struct gnttab_query_size q2[2] = { { .dom = DOMID_SELF } };

        assert_int_equal(gnt_op(&A, 0, GNTTABOP_query_size, q2, 2,
                                sizeof(q2[0])), -EINVAL);
    }
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_dump_table, &q, 1, 4), -ENOSYS);
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_cache_flush, &q, 1, 16),
                     -ENOSYS);
    assert_int_equal(gnt_op(&A, 0, 13, &q, 1, 16), -ENOSYS);
    {
        struct gnttab_copy cp = { .len = 0 };

        assert_int_equal(gnt_op(&A, 0, GNTTABOP_copy | (1U << 12), &cp, 1,
                                sizeof(cp)), -EINVAL);
    }
    checks();
}

/* swap_grant_ref: bounds (XSA-18), busy entries, the swap itself. */
static void test_swap(void **state)
{
    struct gnttab_swap_grant_ref s = { .ref_a = 8, .ref_b = 9 };
    grant_handle_t h;

    (void)state;
    gnt_grant_access(&A, 8, 2, 10, false);
    gnt_grant_access(&A, 9, 3, 11, true);
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_swap_grant_ref, &s, 1,
                            sizeof(s)), 0);
    assert_int_equal(s.status, GNTST_okay);
    assert_int_equal(gnt_map(&B, 1, 9, GNT_MAP_GFN, GNTMAP_host_map, &h,
                             NULL), GNTST_okay);
    s.ref_b = 512;
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_swap_grant_ref, &s, 1,
                            sizeof(s)), 0);
    assert_int_equal(s.status, GNTST_bad_gntref);
    s.ref_b = 9;
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_swap_grant_ref, &s, 1,
                            sizeof(s)), 0);
    assert_int_equal(s.status, GNTST_eagain);
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
    checks();
}

/* Transfer: the page moves; failures keep or free it, never leak it. */
static void test_transfer(void **state)
{
    struct gnttab_transfer t = { .mfn = 40, .domid = 2, .ref = 8 };
    struct gnttab_stats s0, s1;
    struct mm_stats m0, m1;
    mfn_t page = p2m_lookup(A.d, _gfn(40), NULL);
    uint64_t b_pages = mm_domain_tot_pages(B.d);
    grant_handle_t h;

    (void)state;
    memcpy(gnt_frame(&A, 40), "flip", 5);
    gnt_grant_transfer(&B, 8, 1, 50);
    /* B's gfn 50 is RAM already: the assignment fails, the page is freed. */
    gnttab_get_stats(&s0);
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_transfer, &t, 1, sizeof(t)), 0);
    assert_int_equal(t.status, GNTST_general_error);
    gnttab_get_stats(&s1);
    assert_int_equal(s1.transfer_freed - s0.transfer_freed, 1);
    assert_null(gnt_frame(&A, 40));
    checks();

    /* A working transfer of page 41 into B's gfn 100. */
    memcpy(gnt_frame(&A, 41), "flip", 5);
    page = p2m_lookup(A.d, _gfn(41), NULL);
    gnt_grant_transfer(&B, 9, 1, 100);
    t = (struct gnttab_transfer){ .mfn = 41, .domid = 2, .ref = 9 };
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_transfer, &t, 1, sizeof(t)), 0);
    assert_int_equal(t.status, GNTST_okay);
    assert_int_equal(gnt_claim_transfer(&B, 9), 1);
    assert_true(mfn_eq(p2m_lookup(B.d, _gfn(100), NULL), page));
    assert_string_equal(gnt_frame(&B, 100), "flip");
    assert_int_equal(mm_domain_tot_pages(B.d), b_pages + 1);
    checks();

    /* A page someone maps cannot be transferred: bad_page, it stays. */
    gnt_grant_access(&A, 10, 3, 42, false);
    assert_int_equal(gnt_map(&C, 1, 10, GNT_MAP_GFN, GNTMAP_host_map, &h,
                             NULL), GNTST_okay);
    gnt_grant_transfer(&B, 11, 1, 101);
    t = (struct gnttab_transfer){ .mfn = 42, .domid = 2, .ref = 11 };
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_transfer, &t, 1, sizeof(t)), 0);
    assert_int_equal(t.status, GNTST_bad_page);
    assert_non_null(gnt_frame(&A, 42));
    assert_int_equal(gnt_unmap(&C, h, GNT_MAP_GFN, 0), GNTST_okay);

    /* Entry not offered to the sender, or a bad domain: page freed. */
    mm_get_stats(&m0);
    t = (struct gnttab_transfer){ .mfn = 43, .domid = 2, .ref = 12 };
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_transfer, &t, 1, sizeof(t)), 0);
    assert_int_equal(t.status, GNTST_general_error);
    t = (struct gnttab_transfer){ .mfn = 44, .domid = 99, .ref = 11 };
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_transfer, &t, 1, sizeof(t)), 0);
    assert_int_equal(t.status, GNTST_bad_domain);
    t = (struct gnttab_transfer){ .mfn = 9999, .domid = 2, .ref = 11 };
    assert_int_equal(gnt_op(&A, 0, GNTTABOP_transfer, &t, 1, sizeof(t)), 0);
    assert_int_equal(t.status, GNTST_bad_page);
    mm_deferred_flush();
    mm_get_stats(&m1);
    assert_int_equal(m0.domain_pages - m1.domain_pages, 2);
    assert_int_equal(gnt_claim_transfer(&B, 11), 0);
    checks();
}

/* The granter dies while mapped: the page lives until the last unmap. */
static void test_granter_destroyed(void **state)
{
    grant_handle_t h;
    mfn_t page;
    char *p;

    (void)state;
    page = p2m_lookup(A.d, _gfn(10), NULL);
    memcpy(gnt_frame(&A, 10), "still here", 11);
    gnt_grant_access(&A, 8, 2, 10, false);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN, GNTMAP_host_map, &h,
                             NULL), GNTST_okay);
    gnt_guest_destroy(&A);
    p = gnt_frame(&B, GNT_MAP_GFN);
    assert_non_null(p);
    assert_string_equal(p, "still here");
    assert_true(page_refcount(mfn_to_page(page)) >= 1);
    checks();
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
    mm_deferred_flush();
    assert_int_equal(page_state(mfn_to_page(page)), PGC_state_free);
    checks();
}

/*
 * A destroyed granter lives on exactly as long as other domains pin its
 * grants: B's host mapping, the host and device halves of another, and
 * C's mapping go one by one (C's by C's own destruction); each frame is
 * freed with its last mapping, a map of the dead granter is refused, and
 * once nothing pins it every page the granter had is gone (its table's
 * frames too: its `struct domain` was freed, not leaked).
 */
static void test_granter_outlives_pins(void **state)
{
    grant_handle_t h8, h9, hc, h;
    struct page_info *p10, *p11;
    uint64_t base, bus;

    (void)state;
    gnt_guest_destroy(&A);
    gnt_guest_destroy(&C);
    base = domain_pages_now();
    assert_int_equal(gnt_guest_create(&A, 1, 2), 0);
    assert_int_equal(gnt_guest_create(&C, 3, 1), 0);
    p10 = gfn_page(&A, 10);
    p11 = gfn_page(&A, 11);
    gnt_grant_access(&A, 8, 2, 10, false);
    gnt_grant_access(&A, 9, 2, 11, false);
    gnt_grant_access(&A, 10, 3, 11, true);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN, GNTMAP_host_map, &h8,
                             NULL), GNTST_okay);
    assert_int_equal(gnt_map(&B, 1, 9, GNT_MAP_GFN + 1,
                             GNTMAP_host_map | GNTMAP_device_map, &h9, &bus),
                     GNTST_okay);
    assert_int_equal(gnt_map(&C, 1, 10, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_readonly, &hc, NULL),
                     GNTST_okay);
    gnt_guest_destroy(&A);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN + 2, GNTMAP_host_map, &h,
                             NULL), GNTST_bad_domain);
    checks();

    assert_int_equal(gnt_unmap(&B, h8, GNT_MAP_GFN, 0), GNTST_okay);
    mm_deferred_flush();
    assert_int_equal(page_state(p10), PGC_state_free);
    assert_int_not_equal(page_state(p11), PGC_state_free);
    assert_int_equal(gnt_unmap(&B, h9, GNT_MAP_GFN + 1, 0), GNTST_okay);
    assert_int_equal(gnt_unmap(&B, h9, 0, bus), GNTST_okay);
    mm_deferred_flush();
    assert_int_not_equal(page_state(p11), PGC_state_free);
    checks();
    /* C's release drops the last pin: the granter goes with it. */
    gnt_guest_destroy(&C);
    assert_int_equal(page_state(p11), PGC_state_free);
    assert_int_equal(domain_pages_now(), base);
    assert_int_equal(gnt_guest_create(&C, 3, 1), 0);
    assert_int_equal(gnt_guest_create(&A, 1, 2), 0);
    checks();
}

/* The mapper dies: its mappings are released, the granter can revoke. */
static void test_mapper_destroyed(void **state)
{
    grant_handle_t h;

    (void)state;
    gnt_grant_access(&A, 8, 2, 10, false);
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_device_map, &h, NULL),
                     GNTST_okay);
    gnt_guest_destroy(&B);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    assert_int_equal(gnt_end_access(&A, 8), 0);
    checks();
}

/*
 * One copy hypercall keeps its sides across elements and chunks: ops on
 * sides still held get the same checks as fresh ones (offsets, sub-page
 * window), a zero-length op with garbage in between changes nothing, a
 * failed op releases both sides and the next one acquires them again, a
 * destination switching frames and back is re-acquired each time, and
 * after the call nothing stays pinned.
 */
static void test_copy_batch_reuse(void **state)
{
    struct gnttab_copy ops[70];
    struct gnttab_info info;
    char *a = gnt_frame(&A, 10), *b = gnt_frame(&B, 20);
    char *b2 = gnt_frame(&B, 21);
    unsigned int i;
    int16_t want[70];

    (void)state;
    assert_int_equal(gnt_set_version(&A, 2), 0);
    for ( i = 0; i < 4096; i++ )
        a[i] = (char)('A' + i % 26);
    memset(b, '.', 4096);
    memset(b2, '.', 4096);
    gnt_grant_sub_page(&A, 8, 2, 10, 1024, 2048);
    for ( i = 0; i < 70; i++ )
    {
        ops[i] = (struct gnttab_copy){
            .source = { .u.ref = 8, .domid = 1,
                        .offset = (uint16_t)(1024 + (i % 32) * 64) },
            .dest = { .u.gmfn = i % 8 == 7 ? 21 : 20, .domid = DOMID_SELF,
                      .offset = (uint16_t)((i % 32) * 64) },
            .len = 64, .flags = GNTCOPY_source_gref, .status = 99 };
        want[i] = GNTST_okay;
    }
    /* Outside the 2 KiB window, on held sides: general_error. */
    ops[3].source.offset = 1000;
    want[3] = GNTST_general_error;
    ops[40].source.offset = 3072;
    want[40] = GNTST_general_error;
    /* Past the page on a held side: bad_copy_arg. */
    ops[5].dest.offset = 4090;
    want[5] = GNTST_bad_copy_arg;
    /* Zero length: okay whatever the rest says (XSA-448). */
    ops[10] = (struct gnttab_copy){
        .source = { .u.ref = 0xffffffffU, .domid = 0x7777 },
        .dest = { .u.gmfn = ~0ULL, .domid = 0x7777, .offset = 0xffff },
        .len = 0, .flags = 0xffff, .status = 99 };
    /* An unknown source domain in the middle of a run. */
    ops[20].source.domid = 77;
    want[20] = GNTST_bad_domain;
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_copy, ops, 70, sizeof(ops[0])),
                     0);
    for ( i = 0; i < 70; i++ )
        assert_int_equal(ops[i].status, want[i]);
    for ( i = 0; i < 32; i++ )
    {
        /* Every slot was written by some good op, on one frame. */
        char *to = i % 8 == 7 ? b2 : b, *other = i % 8 == 7 ? b : b2;

        assert_memory_equal(to + i * 64, a + 1024 + i * 64, 64);
        assert_int_equal(other[i * 64], '.');
    }
    assert_int_equal(b[2048], '.');
    assert_int_equal(b2[2048], '.');
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing), 0);
    assert_int_equal(gnttab_get_info(A.d, &info), 0);
    assert_int_equal(info.nr_v2_ops, 0);
    assert_int_equal(gnt_end_access(&A, 8), 0);
    checks();
}

/*
 * Ops that repeat the sides the op before them held, but name them in
 * another way, get what they name, not what is held: a ref with garbage
 * in the unused high half of `u` is still that ref, the caller's frame
 * under its numeric domid or without GNTCOPY_source_gref is refused, a
 * destination suddenly flagged as a grant is looked up as one; offsets
 * at the sub-page window's edges are checked exactly, on held sides too.
 */
static void test_copy_held_names(void **state)
{
    struct gnttab_copy ops[12];
    char *a = gnt_frame(&A, 10), *b = gnt_frame(&B, 20);
    int16_t want[12];
    unsigned int i;

    (void)state;
    assert_int_equal(gnt_set_version(&A, 2), 0);
    for ( i = 0; i < 4096; i++ )
        a[i] = (char)('a' + i % 23);
    memset(b, '.', 4096);
    gnt_grant_sub_page(&A, 8, 2, 10, 1024, 2048);
    for ( i = 0; i < 12; i++ )
    {
        ops[i] = (struct gnttab_copy){
            .source = { .u.ref = 8, .domid = 1,
                        .offset = (uint16_t)(1024 + i * 16) },
            .dest = { .u.gmfn = 20, .domid = DOMID_SELF,
                      .offset = (uint16_t)(i * 16) },
            .len = 16, .flags = GNTCOPY_source_gref, .status = 99 };
        want[i] = GNTST_okay;
    }
    /* The same ref with a high half: the full path, then held as such. */
    ops[1].source.u.gmfn = 0xdead00000008ULL;
    ops[2].source.u.gmfn = 0xdead00000008ULL;
    /* The caller's frame under its own id: not DOMID_SELF. */
    ops[3].dest.domid = 2;
    want[3] = GNTST_permission_denied;
    /* The held source's words as a frame of domain 1: refused. */
    ops[5].flags = 0;
    want[5] = GNTST_permission_denied;
    /* The held destination's words as a grant of B's: none such. */
    ops[6].flags = GNTCOPY_source_gref | GNTCOPY_dest_gref;
    want[6] = GNTST_general_error;
    /* The window's edges: its first and last bytes, one past each. */
    ops[8].source.offset = 1024;
    ops[8].dest.offset = 2048;
    ops[9].source.offset = 3072 - 16;
    ops[9].dest.offset = 2064;
    ops[10].source.offset = 3072 - 15;
    want[10] = GNTST_general_error;
    ops[11].source.offset = 1023;
    want[11] = GNTST_general_error;
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_copy, ops, 12, sizeof(ops[0])),
                     0);
    for ( i = 0; i < 12; i++ )
        assert_int_equal(ops[i].status, want[i]);
    for ( i = 0; i < 8; i++ )
    {
        if ( want[i] == GNTST_okay )
            assert_memory_equal(b + i * 16, a + 1024 + i * 16, 16);
        else
            assert_int_equal(b[i * 16], '.');
    }
    assert_memory_equal(b + 2048, a + 1024, 16);
    assert_memory_equal(b + 2064, a + 3072 - 16, 16);
    assert_int_equal(b[2080], '.');
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing), 0);
    assert_int_equal(gnt_end_access(&A, 8), 0);
    checks();
}

/* A preempted copy batch continues and finishes every element. */
static void test_copy_preempt(void **state)
{
    struct gnttab_copy ops[40];
    unsigned int i;

    (void)state;
    gnt_grant_access(&A, 8, 2, 10, false);
    memset(gnt_frame(&A, 10), 'x', 4096);
    for ( i = 0; i < 40; i++ )
        ops[i] = (struct gnttab_copy){
            .source = { .u.ref = 8, .domid = 1, .offset = i * 8 },
            .dest = { .u.gmfn = 20, .domid = DOMID_SELF, .offset = i * 8 },
            .len = 8, .flags = GNTCOPY_source_gref, .status = 99 };
    hypercall_force_preempt(3);
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_copy, ops, 40, sizeof(ops[0])),
                     0);
    for ( i = 0; i < 40; i++ )
        assert_int_equal(ops[i].status, GNTST_okay);
    assert_int_equal(((char *)gnt_frame(&B, 20))[319], 'x');
    checks();
}

/*
 * Copies between the caller's own frames (gmfn sides) and a grant, into
 * and out of 16 distinct frames per batch: the sides are held under the
 * batch's P2M removal hold, without page or type references, and moved
 * from frame to frame on the fast path.  Every error of a frame side
 * keeps its code and changes nothing: a gfn with no RAM, a grant mapping
 * and a grant-table frame in the caller's P2M (not RAM: bad_page), a
 * read-only frame as destination (bad_page; as source it is fine), past
 * the page (bad_copy_arg).  The frames' reference and type counts are
 * the same after as before, and nothing stays held.
 */
static void test_copy_held_frames(void **state)
{
    static char model[18][4096]; /* B's 30..45, B's 47, A's 10 */
    struct gnttab_copy ops[40];
    struct page_info *pg[16];
    uint64_t refs[16], types[16];
    char *a = gnt_frame(&A, 10);
    int16_t want[40];
    grant_handle_t h;
    unsigned int i;

    (void)state;
    for ( i = 0; i < 4096; i++ )
        a[i] = (char)('a' + i % 19);
    gnt_grant_access(&A, 8, 2, 10, false);
    gnt_grant_access(&A, 9, 2, 11, false);
    memcpy(gnt_frame(&A, 11), "mapped", 7);
    assert_int_equal(gnt_map(&B, 1, 9, GNT_MAP_GFN, GNTMAP_host_map, &h,
                             NULL), GNTST_okay);
    assert_int_equal(physmap(&B, 0, GNT_TABLE_GFN), 0);
    assert_int_equal(p2m_set_ram_type(B.d, _gfn(47), p2m_ram_ro), 0);
    memset(gnt_frame(&B, 47), 'r', 4096);
    for ( i = 0; i < 16; i++ )
    {
        memset(gnt_frame(&B, 30 + i), '.', 4096);
        pg[i] = gfn_page(&B, 30 + i);
        refs[i] = page_refcount(pg[i]);
        types[i] = type_count(pg[i]);
    }
    /* 0..19: A's ref 8 into B's frames 30..45 (and again 30..33). */
    for ( i = 0; i < 20; i++ )
    {
        ops[i] = (struct gnttab_copy){
            .source = { .u.ref = 8, .domid = 1,
                        .offset = (uint16_t)(i * 8) },
            .dest = { .u.gmfn = 30 + i % 16, .domid = DOMID_SELF,
                      .offset = (uint16_t)(i * 16) },
            .len = (uint16_t)(i < 16 ? 4096 - i * 16 : 100),
            .flags = GNTCOPY_source_gref, .status = 99 };
        want[i] = GNTST_okay;
    }
    ops[3].dest.u.gmfn = 0x3000;        /* no RAM there */
    want[3] = GNTST_bad_page;
    ops[5].dest.u.gmfn = GNT_MAP_GFN;   /* a grant mapping, not RAM */
    want[5] = GNTST_bad_page;
    ops[7].dest.u.gmfn = GNT_TABLE_GFN; /* B's grant frame, not RAM */
    want[7] = GNTST_bad_page;
    ops[9].dest.u.gmfn = 47;            /* read-only RAM */
    want[9] = GNTST_bad_page;
    ops[11].dest.offset = 4000;         /* past the page */
    ops[11].len = 200;
    want[11] = GNTST_bad_copy_arg;
    /* 20..39: B's frames 30..45 (and read-only 47) into A's ref 8. */
    for ( i = 20; i < 40; i++ )
    {
        ops[i] = (struct gnttab_copy){
            .source = { .u.gmfn = i == 38 ? 47 : 30 + i % 16,
                        .domid = DOMID_SELF, .offset = (uint16_t)i },
            .dest = { .u.ref = 8, .domid = 1,
                      .offset = (uint16_t)((i - 20) * 64) },
            .len = 64, .flags = GNTCOPY_dest_gref, .status = 99 };
        want[i] = GNTST_okay;
    }
    ops[25].source.u.gmfn = GNT_MAP_GFN;
    want[25] = GNTST_bad_page;
    ops[27].source.offset = 4095;
    want[27] = GNTST_bad_copy_arg;

    /* The model: the good ops in order on copies of the frames. */
    for ( i = 0; i < 16; i++ )
        memset(model[i], '.', 4096);
    memset(model[16], 'r', 4096);
    memcpy(model[17], a, 4096);
    for ( i = 0; i < 40; i++ )
    {
        const struct gnttab_copy *op = &ops[i];
        char *from, *to;

        if ( want[i] != GNTST_okay )
            continue;
        from = i < 20 ? model[17]
               : model[op->source.u.gmfn == 47 ? 16
                                                : op->source.u.gmfn - 30];
        to = i < 20 ? model[op->dest.u.gmfn - 30] : model[17];
        memmove(to + op->dest.offset, from + op->source.offset, op->len);
    }

    assert_int_equal(gnt_op(&B, 0, GNTTABOP_copy, ops, 40, sizeof(ops[0])),
                     0);
    for ( i = 0; i < 40; i++ )
        assert_int_equal(ops[i].status, want[i]);
    for ( i = 0; i < 16; i++ )
        assert_memory_equal(gnt_frame(&B, 30 + i), model[i], 4096);
    assert_memory_equal(gnt_frame(&B, 47), model[16], 4096);
    assert_memory_equal(a, model[17], 4096);
    assert_string_equal(gnt_frame(&B, GNT_MAP_GFN), "mapped");
    for ( i = 0; i < 16; i++ )
    {
        assert_int_equal(page_refcount(pg[i]), refs[i]);
        assert_int_equal(type_count(pg[i]), types[i]);
    }
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing), 0);
    checks();
    assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
    assert_int_equal(gnt_end_access(&A, 8), 0);
    assert_int_equal(gnt_end_access(&A, 9), 0);
    checks();
}

/*
 * A batch of unmaps makes its host-mapping removals in one P2M step, in
 * op order: the same handle twice (the second finds it gone:
 * bad_handle), a wrong host address in the middle (general_error, that
 * mapping kept), and an unmap_and_replace whose new_addr an earlier op of
 * the batch emptied (general_error: it sees the P2M its predecessors
 * left).  Pins, references and handles exact after.
 */
static void test_unmap_batch_order(void **state)
{
    struct gnttab_unmap_grant_ref ops[6];
    struct gnttab_unmap_and_replace rep[3];
    struct page_info *pg[5];
    uint64_t r0[5];
    grant_handle_t h[5];
    int16_t want[6] = { GNTST_okay, GNTST_okay, GNTST_bad_handle,
                        GNTST_general_error, GNTST_okay, GNTST_okay };
    unsigned int i;

    (void)state;
    /* h[i]: A's ref 8 + i (frame 10 + i) at GNT_MAP_GFN + i. */
    memcpy(gnt_frame(&A, 11), "eleven", 7);
    for ( i = 0; i < 5; i++ )
    {
        pg[i] = gfn_page(&A, 10 + i);
        r0[i] = page_refcount(pg[i]);
        gnt_grant_access(&A, 8 + i, 2, 10 + i, false);
        assert_int_equal(gnt_map(&B, 1, 8 + i, GNT_MAP_GFN + i,
                                 GNTMAP_host_map, &h[i], NULL), GNTST_okay);
    }
    for ( i = 0; i < 6; i++ )
        ops[i] = (struct gnttab_unmap_grant_ref){
            .host_addr = (uint64_t)(GNT_MAP_GFN + i) << 12,
            .handle = h[i % 5], .status = 99 };
    ops[2].handle = h[1]; /* again, after op 1 freed it */
    ops[2].host_addr = (uint64_t)(GNT_MAP_GFN + 1) << 12;
    ops[3].host_addr = (uint64_t)(GNT_MAP_GFN + 4) << 12; /* h[4]'s frame */
    ops[5].handle = h[2];
    ops[5].host_addr = (uint64_t)(GNT_MAP_GFN + 2) << 12;
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_unmap_grant_ref, ops, 6,
                            sizeof(ops[0])), 0);
    for ( i = 0; i < 6; i++ )
        assert_int_equal(ops[i].status, want[i]);
    /* h[3] stays mapped; the rest are gone, their pins and references too. */
    for ( i = 0; i < 5; i++ )
    {
        if ( i == 3 )
        {
            assert_non_null(gnt_frame(&B, GNT_MAP_GFN + i));
            assert_int_equal(gnttab_debug_pin(A.d, 8 + i), GNTPIN_HSTW_ONE);
            assert_int_equal(page_refcount(pg[i]), r0[i] + 1);
            assert_int_equal(type_count(pg[i]), 1);
            continue;
        }
        assert_null(gnt_frame(&B, GNT_MAP_GFN + i));
        assert_int_equal(gnttab_debug_pin(A.d, 8 + i), 0);
        assert_int_equal(page_refcount(pg[i]), r0[i]);
        assert_int_equal(type_count(pg[i]), 0);
    }
    assert_int_equal(info_of(&B).maptrack_in_use, 1);
    checks();

    /* Order across a move: op 1's new_addr was emptied by op 0. */
    assert_int_equal(gnt_map(&B, 1, 8, GNT_MAP_GFN, GNTMAP_host_map, &h[0],
                             NULL), GNTST_okay);
    assert_int_equal(gnt_map(&B, 1, 9, GNT_MAP_GFN + 1, GNTMAP_host_map,
                             &h[1], NULL), GNTST_okay);
    rep[0] = (struct gnttab_unmap_and_replace){
        .host_addr = (uint64_t)GNT_MAP_GFN << 12, .handle = h[0],
        .status = 99 };
    rep[1] = (struct gnttab_unmap_and_replace){
        .host_addr = (uint64_t)(GNT_MAP_GFN + 1) << 12,
        .new_addr = (uint64_t)GNT_MAP_GFN << 12, .handle = h[1],
        .status = 99 };
    rep[2] = (struct gnttab_unmap_and_replace){
        .host_addr = (uint64_t)(GNT_MAP_GFN + 3) << 12, .handle = h[3],
        .status = 99 };
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_unmap_and_replace, rep, 3,
                            sizeof(rep[0])), 0);
    assert_int_equal(rep[0].status, GNTST_okay);
    assert_int_equal(rep[1].status, GNTST_general_error);
    assert_int_equal(rep[2].status, GNTST_okay);
    assert_null(gnt_frame(&B, GNT_MAP_GFN));
    assert_string_equal(gnt_frame(&B, GNT_MAP_GFN + 1),
                        gnt_frame(&A, 11));
    assert_int_equal(gnt_unmap(&B, h[1], GNT_MAP_GFN + 1, 0), GNTST_okay);
    for ( i = 0; i < 5; i++ )
    {
        assert_int_equal(gnttab_debug_pin(A.d, 8 + i), 0);
        assert_int_equal(page_refcount(pg[i]), r0[i]);
        assert_int_equal(type_count(pg[i]), 0);
        assert_int_equal(gnt_end_access(&A, 8 + i), 0);
    }
    assert_int_equal(info_of(&B).maptrack_in_use, 0);
    checks();
}

/*
 * A batch of maps makes its host mappings in one P2M step, in op order,
 * while the granter's lock is held from the pins: a mapping at a gfn an
 * earlier op of the batch took, or at the mapper's RAM, fails then
 * (general_error) and its pin, references and handle are undone; a later
 * op on a ref a queued op pinned sees that pin as it ends up.  Pins,
 * status bits, references and handles exact after, and after the unmaps.
 */
static void test_map_batch_hosts(void **state)
{
    struct gnttab_map_grant_ref ops[7];
    struct gnttab_unmap_grant_ref un[7];
    static const struct { grant_ref_t ref; uint64_t gfn; uint32_t flags;
                          int16_t want; } t[7] = {
        { 8, GNT_MAP_GFN, GNTMAP_host_map, GNTST_okay },
        { 9, GNT_MAP_GFN, GNTMAP_host_map, GNTST_general_error },
        { 8, GNT_MAP_GFN + 1, GNTMAP_host_map, GNTST_okay },
        { 10, 5, GNTMAP_host_map, GNTST_general_error },   /* B's RAM */
        { 11, GNT_MAP_GFN + 2, GNTMAP_host_map | GNTMAP_readonly,
          GNTST_okay },
        { 9, GNT_MAP_GFN + 3, GNTMAP_host_map, GNTST_okay },
        { 10, GNT_MAP_GFN + 2, GNTMAP_host_map | GNTMAP_device_map,
          GNTST_general_error },
    };
    uint64_t r0[4];
    unsigned int i, n = 0;

    (void)state;
    for ( i = 0; i < 4; i++ )
    {
        gnt_grant_access(&A, 8 + i, 2, 10 + i, false);
        r0[i] = page_refcount(gfn_page(&A, 10 + i));
    }
    for ( i = 0; i < 7; i++ )
        ops[i] = (struct gnttab_map_grant_ref){
            .host_addr = t[i].gfn << 12, .flags = t[i].flags,
            .ref = t[i].ref, .dom = 1, .status = 99 };
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_map_grant_ref, ops, 7,
                            sizeof(ops[0])), 0);
    for ( i = 0; i < 7; i++ )
        assert_int_equal(ops[i].status, t[i].want);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 2 * GNTPIN_HSTW_ONE);
    assert_int_equal(gnttab_debug_pin(A.d, 9), GNTPIN_HSTW_ONE);
    assert_int_equal(gnttab_debug_pin(A.d, 10), 0);
    assert_int_equal(gnttab_debug_pin(A.d, 11), GNTPIN_HSTR_ONE);
    assert_int_equal(gnt_flags(&A, 10) & (GTF_reading | GTF_writing), 0);
    assert_int_equal(gnt_flags(&A, 11) & (GTF_reading | GTF_writing),
                     GTF_reading);
    /* Each live mapping holds its P2M entry's reference on its frame. */
    assert_int_equal(page_refcount(gfn_page(&A, 10)), r0[0] + 2);
    assert_int_equal(page_refcount(gfn_page(&A, 11)), r0[1] + 1);
    assert_int_equal(page_refcount(gfn_page(&A, 12)), r0[2]);
    assert_int_equal(page_refcount(gfn_page(&A, 13)), r0[3] + 1);
    assert_int_equal(type_count(gfn_page(&A, 12)), 0);
    assert_int_equal(mfn_x(p2m_lookup(B.d, _gfn(GNT_MAP_GFN), NULL)),
                     mfn_x(p2m_lookup(A.d, _gfn(10), NULL)));
    assert_int_equal(mfn_x(p2m_lookup(B.d, _gfn(GNT_MAP_GFN + 3), NULL)),
                     mfn_x(p2m_lookup(A.d, _gfn(11), NULL)));
    assert_int_equal(info_of(&B).maptrack_in_use, 4);
    checks();
    for ( i = 0; i < 7; i++ )
        if ( t[i].want == GNTST_okay )
            un[n++] = (struct gnttab_unmap_grant_ref){
                .host_addr = t[i].gfn << 12, .handle = ops[i].handle,
                .status = 99 };
    assert_int_equal(gnt_op(&B, 0, GNTTABOP_unmap_grant_ref, un, n,
                            sizeof(un[0])), 0);
    for ( i = 0; i < n; i++ )
        assert_int_equal(un[i].status, GNTST_okay);
    for ( i = 0; i < 4; i++ )
    {
        assert_int_equal(gnttab_debug_pin(A.d, 8 + i), 0);
        assert_int_equal(page_refcount(gfn_page(&A, 10 + i)), r0[i]);
        assert_int_equal(gnt_end_access(&A, 8 + i), 0);
    }
    assert_int_equal(info_of(&B).maptrack_in_use, 0);
    checks();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_map_unmap_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_page_refs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmap_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmap_and_replace, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unmap_and_replace_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pin_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmap_batch_flush, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_map_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_batch_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_pinned_frame_rewritten,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_grant_version, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_physmap_over_populated, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pv_maps_default, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_set_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_granter_outlives_pins, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_granter_destroyed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_mapper_destroyed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_copy_preempt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_held_names, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_copy_held_frames, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_map_batch_hosts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unmap_batch_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_copy_batch_reuse, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
