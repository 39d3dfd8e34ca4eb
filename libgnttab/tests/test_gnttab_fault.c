/* SPDX-License-Identifier: MIT */
/*
 * Fault walks over grant ops: map (its maptrack page, then its P2M
 * tables), set_version (its status frames), transfer (the receiver's P2M
 * tables) and copy.  Each walk starts the op from the same state once per
 * allocation point, with a fault injected at the nth one of any kind
 * (sim_fault_arm_any), and accepts exactly two outcomes:
 *  - the op failed with the one error its allocation failure gives, and
 *    everything it could have changed (grant entries and their flags, pins,
 *    page references and ownership, P2M entries, maptrack handles) is as
 *    it was;
 *  - the op succeeded, and all of its effect is there.
 * A fault that fired does not mean the op failed: some are absorbed by
 * design (map_domain_page maps its slot again), and then the op must
 * succeed in full.  So the fault's outcome (harness/world/fault_walk.h),
 * not its firing, chooses the checks.  The walk ends at the first n the op
 * does not reach, and a walk over an op that allocates must have seen it
 * fail at least once.  gnttab_check and mm_check run after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <common/errno.h>
#include <hal_sim/sim.h>
#include <libgnttab/gnttab.h>
#include <libmm/mm.h>
#include <libmm/p2m.h>
#include <libmm/page.h>

#include "fault_walk.h"
#include "gnttab_fixture.h"

/* A fourth domain, made afresh for each fault point where the op's
 * allocations must happen again (a maptrack page, P2M tables). */
#define FRESH_DOMID 4
static struct gnt_guest F;

/** One op's walk; the callbacks share the state of the op under test. */
struct gnttab_walk {
    const char *name;
    void (*prepare)(unsigned long n); /* the same starting state, for point n */
    int (*op)(void);                /* 0, or the op's error or GNTST code */
    int failure;                    /* what an allocation failure gives */
    void (*check_done)(void);       /* the whole effect; then undoes it */
    void (*check_unchanged)(void);  /* nothing changed but what the error says */
    void (*cleanup)(void);
    bool allocates;                 /* some fault point must fail the op */
};

/* Walks every fault point of `gw`'s op with harness/world/fault_walk.h. */
static void walk(const struct gnttab_walk *gw)
{
    struct fault_walk w;
    int rc;

    fault_walk_init(&w, FAULT_WALK_ANY, 1000);
    while ( fault_walk_next(&w) )
    {
        gw->prepare(w.nth);
        checks();
        fault_walk_arm(&w);
        rc = gw->op();
        if ( fault_walk_failed(&w, rc, gw->failure) )
            gw->check_unchanged();
        else
            gw->check_done();
        if ( gw->cleanup )
            gw->cleanup();
        checks();
    }
    print_message("%s: %lu fault points, %lu failed cleanly, %lu absorbed\n",
                  gw->name, w.nth - 1, w.failed, w.absorbed);
    if ( gw->allocates && !w.failed )
        fail_msg("%s: no fault point failed the op: the walk reached none of "
                 "its allocations", gw->name);
}

/* ---- map: the maptrack page, then the P2M tables ------------------------ */

#define MAP_REF 8
#define MAP_SRC_GFN 10             /* A's granted page */
#define MAP_NEAR_GFN 100           /* in the P2M leaf of F's RAM */
#define MAP_FAR_GFN (1ULL << 27)   /* under P2M tables F does not have */

static uint64_t map_gfn;
static grant_handle_t map_handle;
static uint64_t map_refs, map_types;

static void map_prepare(uint64_t gfn, bool maptrack_ready)
{
    struct page_info *pg = gfn_page(&A, MAP_SRC_GFN);
    grant_handle_t h;

    assert_int_equal(gnt_guest_create(&F, FRESH_DOMID, 1), 0);
    gnt_grant_access(&A, MAP_REF, FRESH_DOMID, MAP_SRC_GFN, false);
    if ( maptrack_ready )
    {
        assert_int_equal(gnt_map(&F, 1, MAP_REF, MAP_NEAR_GFN,
                                 GNTMAP_host_map, &h, NULL), GNTST_okay);
        assert_int_equal(gnt_unmap(&F, h, MAP_NEAR_GFN, 0), GNTST_okay);
    }
    map_gfn = gfn;
    map_refs = page_refcount(pg);
    map_types = type_count(pg);
}

/* F has no maptrack page yet: the map allocates one (its only allocation,
 * the gfn's P2M leaf exists). */
static void map_prepare_maptrack(unsigned long n)
{
    (void)n;
    map_prepare(MAP_NEAR_GFN, false);
}

/* F has a maptrack page; the gfn needs new P2M tables. */
static void map_prepare_p2m(unsigned long n)
{
    (void)n;
    map_prepare(MAP_FAR_GFN, true);
}

static int map_op(void)
{
    return gnt_map(&F, 1, MAP_REF, map_gfn, GNTMAP_host_map, &map_handle,
                   NULL);
}

static void map_check_unchanged(void)
{
    struct page_info *pg = gfn_page(&A, MAP_SRC_GFN);
    struct gnttab_info info = info_of(&F);

    assert_null(gnt_frame(&F, map_gfn));
    assert_int_equal(gnt_flags(&A, MAP_REF), GTF_permit_access);
    assert_int_equal(gnttab_debug_pin(A.d, MAP_REF), 0);
    assert_int_equal(page_refcount(pg), map_refs);
    assert_int_equal(type_count(pg), map_types);
    assert_int_equal(info.maptrack_in_use, 0);
}

static void map_check_done(void)
{
    struct page_info *pg = gfn_page(&A, MAP_SRC_GFN);
    char *mine = gnt_frame(&F, map_gfn), *theirs = gnt_frame(&A, MAP_SRC_GFN);

    assert_non_null(mine);
    mine[7] = (char)(theirs[7] + 1); /* writable, and the granter's page */
    assert_int_equal(mine[7], theirs[7]);
    assert_int_equal(gnt_flags(&A, MAP_REF),
                     GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(gnttab_debug_pin(A.d, MAP_REF), GNTPIN_HSTW_ONE);
    assert_int_equal(page_refcount(pg), map_refs + 1);
    assert_int_equal(type_count(pg), map_types + 1);
    assert_int_equal(info_of(&F).maptrack_in_use, 1);
    assert_int_equal(gnt_unmap(&F, map_handle, map_gfn, 0), GNTST_okay);
    map_check_unchanged();
}

static void map_cleanup(void)
{
    gnt_guest_destroy(&F);
    assert_int_equal(gnt_end_access(&A, MAP_REF), 0);
}



/* ---- set_version 1 -> 2: the status frames --------------------------- */

#define SV_RESERVED_REF 1  /* xenstore's entry: survives a version switch */
#define SV_REF 9
#define SV_RESERVED_GFN 5

static grant_entry_v1_t sv_entries[2];
static uint32_t sv_version;

static grant_entry_v1_t *sv_v1_entry(grant_ref_t ref)
{
    return (grant_entry_v1_t *)gnt_frame(&C, GNT_TABLE_GFN) + ref;
}

static void sv_prepare(unsigned long n)
{
    (void)n;
    assert_int_equal(info_of(&C).version, 1);
    gnt_grant_access(&C, SV_RESERVED_REF, 0, SV_RESERVED_GFN, false);
    gnt_grant_access(&C, SV_REF, 2, 6, true);
    sv_entries[0] = *sv_v1_entry(SV_RESERVED_REF);
    sv_entries[1] = *sv_v1_entry(SV_REF);
}

static int sv_op(void)
{
    struct gnttab_set_version s = { .version = 2 };
    long rc = gnt_op(&C, 0, GNTTABOP_set_version, &s, 1, sizeof(s));

    sv_version = s.version; /* Xen writes back the version in force */
    return (int)rc;
}

static void sv_check_unchanged(void)
{
    struct gnttab_info info = info_of(&C);

    assert_int_equal(sv_version, 1);
    assert_int_equal(info.version, 1);
    assert_int_equal(info.nr_status_frames, 0);
    assert_memory_equal(sv_v1_entry(SV_RESERVED_REF), &sv_entries[0],
                        sizeof(sv_entries[0]));
    assert_memory_equal(sv_v1_entry(SV_REF), &sv_entries[1],
                        sizeof(sv_entries[1]));
    assert_null(gnt_frame(&C, GNT_STATUS_GFN));
}

static void sv_check_done(void)
{
    struct gnttab_info info = info_of(&C);
    grant_entry_v2_t *e;

    assert_int_equal(sv_version, 2);
    assert_int_equal(info.version, 2);
    assert_int_equal(info.nr_status_frames, 1); /* 1 grant frame */
    /* The guest's view: a no-op set_version, then the status frame. */
    assert_int_equal(gnt_set_version(&C, 2), 0);
    assert_non_null(gnt_frame(&C, GNT_STATUS_GFN));
    e = (grant_entry_v2_t *)gnt_frame(&C, GNT_TABLE_GFN) + SV_RESERVED_REF;
    assert_int_equal(e->hdr.flags, GTF_permit_access);
    assert_int_equal(e->hdr.domid, 0);
    assert_int_equal(e->full_page.frame, SV_RESERVED_GFN);
    /* Back to version 1, the reserved entry with it. */
    assert_int_equal(gnt_set_version(&C, 1), 0);
    info = info_of(&C);
    assert_int_equal(info.version, 1);
    assert_int_equal(info.nr_status_frames, 0);
    assert_memory_equal(sv_v1_entry(SV_RESERVED_REF), &sv_entries[0],
                        sizeof(sv_entries[0]));
}

static void sv_cleanup(void)
{
    assert_int_equal(gnt_end_access(&C, SV_RESERVED_REF), 0);
    assert_int_equal(gnt_end_access(&C, SV_REF), 0);
}


/* ---- transfer: the receiver's P2M tables ----------------------------- */

#define TR_REF 8
#define TR_GFN (1ULL << 27)     /* the receiver has no P2M tables there */
#define TR_FIRST_SRC_GFN 20     /* A's pages given away, one per point */

static uint64_t tr_src_gfn;
static mfn_t tr_mfn;
static uint64_t tr_a_tot, tr_f_tot;
static struct gnttab_stats tr_stats;

static void tr_prepare(unsigned long n)
{
    tr_src_gfn = TR_FIRST_SRC_GFN + n - 1;
    assert_true(tr_src_gfn < GNT_RAM_FRAMES);
    assert_int_equal(gnt_guest_create(&F, FRESH_DOMID, 1), 0);
    gnt_grant_transfer(&F, TR_REF, 1, TR_GFN);
    memcpy(gnt_frame(&A, tr_src_gfn), "flip", 5);
    tr_mfn = p2m_lookup(A.d, _gfn(tr_src_gfn), NULL);
    tr_a_tot = mm_domain_tot_pages(A.d);
    tr_f_tot = mm_domain_tot_pages(F.d);
    gnttab_get_stats(&tr_stats);
}

static int16_t tr_transfer(uint64_t gfn)
{
    struct gnttab_transfer t = { .mfn = gfn, .domid = FRESH_DOMID,
                                 .ref = TR_REF, .status = 99 };

    if ( gnt_op(&A, 0, GNTTABOP_transfer, &t, 1, sizeof(t)) )
        return -100;
    return t.status;
}

static int tr_op(void)
{
    return tr_transfer(tr_src_gfn);
}

/* Page `mfn` from A's `gfn` is F's at TR_GFN, and the entry says so. */
static void tr_check_arrived(uint64_t gfn, mfn_t mfn)
{
    struct gnttab_stats now;

    assert_int_equal(gnt_flags(&F, TR_REF),
                     GTF_accept_transfer | GTF_transfer_committed |
                     GTF_transfer_completed);
    assert_true(mfn_eq(p2m_lookup(F.d, _gfn(TR_GFN), NULL), mfn));
    assert_ptr_equal(page_get_owner(mfn_to_page(mfn)), F.d);
    assert_string_equal(gnt_frame(&F, TR_GFN), "flip");
    assert_null(gnt_frame(&A, gfn));
    assert_int_equal(mm_domain_tot_pages(F.d), tr_f_tot + 1);
    gnttab_get_stats(&now);
    assert_int_equal(now.transfer_freed, tr_stats.transfer_freed);
    assert_int_equal(gnt_claim_transfer(&F, TR_REF), 1);
}

static void tr_check_done(void)
{
    assert_int_equal(mm_domain_tot_pages(A.d), tr_a_tot - 1);
    tr_check_arrived(tr_src_gfn, tr_mfn);
}

/*
 * The sender has lost its page, which was freed: from the steal on, every
 * failure frees it (reference/gnttab.md §3, the ABI's word).  The receiver
 * has nothing new; its entry stays committed and is never completed, as
 * Xen's gnttab_transfer leaves it when the page cannot be assigned (its
 * unlock_and_copyback path frees the page and does not touch the entry),
 * so the guest must rewrite the entry to take a page again: one more
 * transfer, with nothing injected, then succeeds.
 */
static void tr_check_unchanged(void)
{
    struct page_info *pg = mfn_to_page(tr_mfn);
    struct gnttab_stats now;
    uint64_t again = tr_src_gfn + 20;

    assert_null(gnt_frame(&A, tr_src_gfn));
    assert_int_equal(mm_domain_tot_pages(A.d), tr_a_tot - 1);
    assert_int_not_equal(page_state(pg), PGC_state_inuse);
    gnttab_get_stats(&now);
    assert_int_equal(now.transfer_freed, tr_stats.transfer_freed + 1);
    assert_int_equal(gnt_flags(&F, TR_REF),
                     GTF_accept_transfer | GTF_transfer_committed);
    assert_null(gnt_frame(&F, TR_GFN));
    assert_int_equal(mm_domain_tot_pages(F.d), tr_f_tot);
    gnt_grant_transfer(&F, TR_REF, 1, TR_GFN);

    assert_true(again < GNT_RAM_FRAMES);
    memcpy(gnt_frame(&A, again), "flip", 5);
    tr_mfn = p2m_lookup(A.d, _gfn(again), NULL);
    tr_stats = now;
    assert_int_equal(tr_transfer(again), GNTST_okay);
    tr_check_arrived(again, tr_mfn);
}

static void tr_cleanup(void)
{
    gnt_guest_destroy(&F);
}


/* ---- copy: a granted page to a local one, and back ------------------- */

#define CP_SRC_REF 8    /* A's gfn 10, readable by B */
#define CP_DST_REF 9    /* A's gfn 11, writable by B */
#define CP_LEN 1000U

static struct gnttab_copy cp;
static char *cp_src, *cp_dst;  /* the bytes copied from and to */
static uint64_t cp_refs[2];

static void cp_prepare(uint16_t flags)
{
    unsigned int i;

    gnt_grant_access(&A, CP_SRC_REF, 2, 10, true);
    gnt_grant_access(&A, CP_DST_REF, 2, 11, false);
    cp = (struct gnttab_copy){ .len = CP_LEN, .flags = flags };
    if ( flags & GNTCOPY_source_gref )
    {
        cp.source.u.ref = CP_SRC_REF;
        cp.source.domid = 1;
        cp.dest.u.gmfn = 30;
        cp.dest.domid = DOMID_SELF;
        cp_src = gnt_frame(&A, 10);
        cp_dst = gnt_frame(&B, 30);
    }
    else
    {
        cp.source.u.gmfn = 31;
        cp.source.domid = DOMID_SELF;
        cp.dest.u.ref = CP_DST_REF;
        cp.dest.domid = 1;
        cp_src = gnt_frame(&B, 31);
        cp_dst = gnt_frame(&A, 11);
    }
    cp.source.offset = 16;
    cp.dest.offset = 40;
    cp_src += cp.source.offset;
    cp_dst += cp.dest.offset;
    for ( i = 0; i < CP_LEN; i++ )
        cp_src[i] = (char)(i * 7 + 1);
    memset(cp_dst - cp.dest.offset, 0, PAGE_SIZE);
    cp_refs[0] = page_refcount(gfn_page(&A, 10));
    cp_refs[1] = page_refcount(gfn_page(&A, 11));
}

static void cp_prepare_from_gref(unsigned long n)
{
    (void)n;
    cp_prepare(GNTCOPY_source_gref);
}

static void cp_prepare_to_gref(unsigned long n)
{
    (void)n;
    cp_prepare(GNTCOPY_dest_gref);
}

static int cp_op(void)
{
    return gnt_copy(&B, &cp);
}

/* Neither grant is left in use, and no page keeps a reference. */
static void cp_check_released(void)
{
    assert_int_equal(gnttab_debug_pin(A.d, CP_SRC_REF), 0);
    assert_int_equal(gnttab_debug_pin(A.d, CP_DST_REF), 0);
    assert_int_equal(gnt_flags(&A, CP_SRC_REF),
                     GTF_permit_access | GTF_readonly);
    assert_int_equal(gnt_flags(&A, CP_DST_REF), GTF_permit_access);
    assert_int_equal(page_refcount(gfn_page(&A, 10)), cp_refs[0]);
    assert_int_equal(page_refcount(gfn_page(&A, 11)), cp_refs[1]);
}

static void cp_check_done(void)
{
    char *page = cp_dst - cp.dest.offset;
    unsigned int i;

    assert_memory_equal(cp_dst, cp_src, CP_LEN);
    for ( i = 0; i < PAGE_SIZE; i++ )
        if ( i < cp.dest.offset || i >= cp.dest.offset + CP_LEN )
            assert_int_equal(page[i], 0);
    cp_check_released();
}

static void cp_check_unchanged(void)
{
    char *page = cp_dst - cp.dest.offset;
    unsigned int i;

    for ( i = 0; i < PAGE_SIZE; i++ )
        assert_int_equal(page[i], 0);
    cp_check_released();
}

static void cp_cleanup(void)
{
    assert_int_equal(gnt_end_access(&A, CP_SRC_REF), 0);
    assert_int_equal(gnt_end_access(&A, CP_DST_REF), 0);
}

/* ---- the walks ----------------------------------------------------- */

/*
 * Copy allocates nothing (it maps both frames with map_domain_page, whose
 * faults are absorbed), so every point must end in a full copy; were an
 * allocation added, its failure would have to be general_error with
 * nothing written.
 */
static const struct gnttab_walk walks[] = {
    { "map, maptrack page", map_prepare_maptrack, map_op, GNTST_no_space,
      map_check_done, map_check_unchanged, map_cleanup, true },
    { "map, P2M tables", map_prepare_p2m, map_op, GNTST_general_error,
      map_check_done, map_check_unchanged, map_cleanup, true },
    { "set_version 1 to 2", sv_prepare, sv_op, -ENOMEM, sv_check_done,
      sv_check_unchanged, sv_cleanup, true },
    { "transfer", tr_prepare, tr_op, GNTST_general_error, tr_check_done,
      tr_check_unchanged, tr_cleanup, true },
    { "copy from a grant", cp_prepare_from_gref, cp_op, GNTST_general_error,
      cp_check_done, cp_check_unchanged, cp_cleanup, false },
    { "copy to a grant", cp_prepare_to_gref, cp_op, GNTST_general_error,
      cp_check_done, cp_check_unchanged, cp_cleanup, false },
};
#define NR_WALKS (sizeof(walks) / sizeof(walks[0]))

/* One CMocka test per walk, named after it; the walk is its state. */
static void test_walk(void **state)
{
    walk(*state);
}

int main(void)
{
    struct CMUnitTest tests[NR_WALKS];
    unsigned int i;

    for ( i = 0; i < NR_WALKS; i++ )
        tests[i] = (struct CMUnitTest){
            .name = walks[i].name, .test_func = test_walk,
            .setup_func = setup, .teardown_func = teardown,
            .initial_state = (void *)&walks[i],
        };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
