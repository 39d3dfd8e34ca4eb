/* SPDX-License-Identifier: MIT */
/*
 * A split-driver scenario across three domains, through the guest-side
 * grant library only: a frontend shares a ring with a backend, posts
 * requests naming data grants, the backend copies and maps them, a third
 * domain receives pages by transfer; vCPU threads of two domains map and
 * unmap concurrently; everything is torn down and nothing leaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <hal_sim/sim.h>
#include <libgnttab/gnttab.h>
#include <libmm/mm.h>

#include "gntlib.h"
#include "world_cmocka.h"

static struct gnt_guest front, back, sink;

static void test_split_driver(void **state)
{
    struct gnt_ring *ring, *bring;
    grant_handle_t rh;
    struct mm_stats before, after;
    unsigned int i;

    (void)state;
    mm_deferred_flush();
    mm_get_stats(&before);
    assert_int_equal(gnt_guest_create(&front, 1, 2), 0);
    assert_int_equal(gnt_guest_create(&back, 2, 2), 0);
    assert_int_equal(gnt_guest_create(&sink, 3, 1), 0);

    /* The ring: frontend gfn 5, mapped by the backend at GNT_MAP_GFN. */
    assert_int_equal(gnt_ring_share(&front, 8, &back, 5, GNT_MAP_GFN, &rh),
                     0);
    ring = gnt_frame(&front, 5);
    bring = gnt_frame(&back, GNT_MAP_GFN);

    /* Requests: each names a data grant (refs 16..31, gfns 20..35). */
    for ( i = 0; i < 16; i++ )
    {
        memset(gnt_frame(&front, 20 + i), 'A' + i, 4096);
        gnt_grant_access(&front, 16 + i, 2, 20 + i, true);
        ring->slots[ring->req_prod % 64] = 16 + i;
        __atomic_store_n(&ring->req_prod, ring->req_prod + 1,
                         __ATOMIC_RELEASE);
    }
    /* Backend: consume, copy each into its own memory, respond. */
    while ( bring->req_cons != __atomic_load_n(&bring->req_prod,
                                                __ATOMIC_ACQUIRE) )
    {
        grant_ref_t ref = bring->slots[bring->req_cons % 64];
        struct gnttab_copy c = {
            .source = { .u.ref = ref, .domid = 1 },
            .dest = { .u.gmfn = 40, .domid = DOMID_SELF },
            .len = 4096, .flags = GNTCOPY_source_gref };

        assert_int_equal(gnt_copy(&back, &c), GNTST_okay);
        assert_int_equal(((char *)gnt_frame(&back, 40))[100],
                         'A' + (ref - 16));
        bring->req_cons++;
        bring->slots[bring->rsp_prod % 64] = ref;
        __atomic_store_n(&bring->rsp_prod, bring->rsp_prod + 1,
                         __ATOMIC_RELEASE);
    }
    assert_int_equal(ring->rsp_prod, 16);
    assert_int_equal(gnttab_check(), 0);

    /* The sink maps two data pages read-only and sees the same bytes. */
    gnt_grant_access(&front, 40, 3, 21, true);
    assert_int_equal(gnt_map(&sink, 1, 40, GNT_MAP_GFN,
                             GNTMAP_host_map | GNTMAP_readonly, &rh, NULL),
                     GNTST_okay);
    assert_int_equal(((char *)gnt_frame(&sink, GNT_MAP_GFN))[0], 'B');
    assert_int_equal(gnt_end_access(&front, 40), -1);
    assert_int_equal(gnt_unmap(&sink, rh, GNT_MAP_GFN, 0), GNTST_okay);
    assert_int_equal(gnt_end_access(&front, 40), 0);

    /* The backend flips a page to the sink. */
    memcpy(gnt_frame(&back, 41), "flipped", 8);
    gnt_grant_transfer(&sink, 9, 2, 50 + GNT_RAM_FRAMES);
    {
        struct gnttab_transfer t = { .mfn = 41, .domid = 3, .ref = 9 };

        assert_int_equal(gnt_op(&back, 0, GNTTABOP_transfer, &t, 1,
                                sizeof(t)), 0);
        assert_int_equal(t.status, GNTST_okay);
    }
    assert_int_equal(gnt_claim_transfer(&sink, 9), 1);
    assert_string_equal(gnt_frame(&sink, 50 + GNT_RAM_FRAMES), "flipped");
    assert_null(gnt_frame(&back, 41));
    assert_int_equal(gnttab_check(), 0);

    /* Tear down with the ring still mapped by the backend. */
    gnt_guest_destroy(&front);
    assert_int_equal(gnttab_check(), 0);
    gnt_guest_destroy(&back);
    gnt_guest_destroy(&sink);
    mm_deferred_flush();
    assert_int_equal(mm_check(), 0);
    mm_get_stats(&after);
    assert_int_equal(after.domain_pages, before.domain_pages);
    assert_int_equal(after.anon_pages, before.anon_pages);
}

struct race {
    struct gnt_guest *g;
    unsigned int rounds;
    int failures;
};

/* Two vCPUs of the backend map and unmap the same grants concurrently. */
static void race_cpu(unsigned int cpu, void *arg)
{
    struct race *r = arg;
    unsigned int i;

    for ( i = 0; i < r->rounds; i++ )
    {
        struct gnttab_map_grant_ref m = {
            .host_addr = (uint64_t)(GNT_MAP_GFN + 16 + cpu) << 12,
            .flags = GNTMAP_host_map | GNTMAP_readonly,
            .ref = 16 + (i % 4), .dom = 1 };
        struct gnttab_unmap_grant_ref u;

        if ( gnt_op(r->g, cpu, GNTTABOP_map_grant_ref, &m, 1, sizeof(m)) ||
             m.status != GNTST_okay )
        {
            __atomic_fetch_add(&r->failures, 1, __ATOMIC_RELAXED);
            continue;
        }
        u = (struct gnttab_unmap_grant_ref){ .host_addr = m.host_addr,
                                             .handle = m.handle };
        if ( gnt_op(r->g, cpu, GNTTABOP_unmap_grant_ref, &u, 1, sizeof(u)) ||
             u.status != GNTST_okay )
            __atomic_fetch_add(&r->failures, 1, __ATOMIC_RELAXED);
    }
}

static void test_concurrent_vcpus(void **state)
{
    struct race r = { .g = &back, .rounds = 200, .failures = 0 };
    unsigned int i;

    (void)state;
    assert_int_equal(gnt_guest_create(&front, 1, 2), 0);
    assert_int_equal(gnt_guest_create(&back, 2, 2), 0);
    for ( i = 0; i < 4; i++ )
        gnt_grant_access(&front, 16 + i, 2, 20 + i, true);
    sim_run_cpus(2, race_cpu, &r);
    assert_int_equal(r.failures, 0);
    for ( i = 0; i < 4; i++ )
        assert_int_equal(gnttab_debug_pin(front.d, 16 + i), 0);
    assert_int_equal(gnttab_check(), 0);
    gnt_guest_destroy(&back);
    gnt_guest_destroy(&front);
    mm_deferred_flush();
    assert_int_equal(mm_check(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_split_driver, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_vcpus, world_setup,
                                        world_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
