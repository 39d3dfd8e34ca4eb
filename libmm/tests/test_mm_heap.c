/* SPDX-License-Identifier: MIT */
/* The buddy heap, accounting, scrubbing, the TLB-flush clock, deferred
 * freeing and the per-CPU cache. */
#include "mm_world.h"

#include <stdlib.h>

static uint64_t lcg_state;

static unsigned int lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned int)(lcg_state >> 33);
}

/* Random allocations and frees end with the initial maximal chunks. */
static void test_buddy_roundtrip(void **state)
{
    uint64_t shape0[MAX_ORDER + 1], shape1[MAX_ORDER + 1];
    struct { struct page_info *pg; unsigned int order; } live[256];
    unsigned int nlive = 0, i, step;
    uint8_t *owner = calloc(sim_machine_frames(), 1);

    assert_non_null(owner);
    mm_heap_shape(shape0);
    lcg_state = 42;
    for ( step = 0; step < 4000; step++ )
    {
        if ( nlive < 256 && (lcg() % 3 || !nlive) )
        {
            unsigned int order = lcg() % 7;
            struct page_info *pg = alloc_domheap_pages(NULL, order, 0);
            uint64_t m;

            if ( !pg )
                continue;
            m = mfn_x(page_to_mfn(pg));
            assert_int_equal(m & ((1UL << order) - 1), 0);
            for ( i = 0; i < (1U << order); i++ )
            {
                assert_int_equal(owner[m + i], 0); /* never handed twice */
                owner[m + i] = 1;
            }
            live[nlive].pg = pg;
            live[nlive++].order = order;
        }
        else
        {
            unsigned int k = lcg() % nlive;
            uint64_t m = mfn_x(page_to_mfn(live[k].pg));

            for ( i = 0; i < (1U << live[k].order); i++ )
                owner[m + i] = 0;
            free_domheap_pages(live[k].pg, live[k].order);
            live[k] = live[--nlive];
        }
    }
    assert_int_equal(mm_check(), 0);
    while ( nlive )
    {
        nlive--;
        free_domheap_pages(live[nlive].pg, live[nlive].order);
    }
    mm_heap_shape(shape1);
    assert_memory_equal(shape0, shape1, sizeof(shape0));
    assert_int_equal(mm_check(), 0);
    free(owner);
}

/* MEMF_bits limits the frame numbers handed out. */
static void test_address_width(void **state)
{
    struct page_info *pg[64];
    unsigned int n = 0, i;
    uint64_t free0 = mm_world_free_pages();

    while ( n < 64 && (pg[n] = alloc_domheap_pages(NULL, 2, MEMF_bits(24))) )
    {
        assert_true(mfn_x(page_to_mfn(pg[n])) + 3 < (1UL << 12));
        n++;
    }
    assert_int_equal(n, 64);
    assert_null(alloc_domheap_pages(NULL, 0, MEMF_bits(PAGE_SHIFT)));
    /* A limit below all memory fails without taking anything. */
    assert_null(alloc_domheap_pages(NULL, 0, MEMF_bits(PAGE_SHIFT + 1)));
    for ( i = 0; i < n; i++ )
        free_domheap_pages(pg[i], 2);
    assert_int_equal(mm_world_free_pages(), free0);
    assert_int_equal(mm_check(), 0);
}

/* Orders beyond MAX_ORDER or beyond what memory has fail cleanly. */
static void test_order_limits(void **state)
{
    uint64_t free0 = mm_world_free_pages();

    assert_null(alloc_domheap_pages(NULL, MAX_ORDER + 1, 0));
    assert_null(alloc_domheap_pages(NULL, MAX_ORDER, 0)); /* 64 MiB world */
    assert_null(alloc_xenheap_pages(MAX_ORDER + 1, 0));
    assert_int_equal(mm_world_free_pages(), free0);
    assert_int_equal(mm_check(), 0);
}

/* tot_pages / max_pages: past the limit nothing is taken. */
static void test_domain_accounting(void **state)
{
    uint64_t free0 = mm_world_free_pages(), free1;
    struct domain *d = mm_world_domain(1, 16, false);
    struct page_info *a, *b, *c;

    free1 = mm_world_free_pages();

    a = alloc_domheap_pages(d, 3, 0);
    assert_non_null(a);
    assert_int_equal(mm_domain_tot_pages(d), 8);
    assert_ptr_equal(page_get_owner(a + 7), d);
    assert_int_equal(page_refcount(a + 5), 1);
    assert_true(a[5].count_info & PGC_allocated);
    assert_null(alloc_domheap_pages(d, 4, 0));
    assert_int_equal(mm_domain_tot_pages(d), 8);
    assert_int_equal(mm_world_free_pages(), free1 - 8);
    b = alloc_domheap_pages(d, 3, 0);
    assert_non_null(b);
    assert_null(alloc_domheap_pages(d, 0, 0));
    assert_int_equal(mm_domain_tot_pages(d), 16);
    /* MEMF_no_refcount pages are owned but not counted. */
    c = alloc_domheap_pages(d, 0, MEMF_no_refcount);
    assert_non_null(c);
    assert_int_equal(mm_domain_tot_pages(d), 16);
    assert_int_equal(mm_check(), 0);
    assert_int_equal(mm_domain_set_max_pages(d, 8), -EINVAL);

    /* A held reference keeps a freed page owned until the last put. */
    assert_true(get_page(a, d));
    free_domheap_pages(a, 3);
    assert_int_equal(mm_domain_tot_pages(d), 9);
    assert_ptr_equal(page_get_owner(a), d);
    put_page(a);
    assert_int_equal(mm_domain_tot_pages(d), 8);
    assert_null(page_get_owner(a));
    assert_int_equal(mm_check(), 0);
    free_domheap_pages(c, 0);
    mm_world_destroy(d);
    assert_int_equal(mm_world_free_pages(), free0);
    assert_int_equal(mm_check(), 0);
}

/* get_page refuses free pages and the wrong owner; type refs exclude. */
static void test_refs_and_types(void **state)
{
    struct domain *d1 = mm_world_domain(1, 64, false);
    struct domain *d2 = mm_world_domain(2, 64, false);
    struct page_info *pg = alloc_domheap_page(d1, 0);
    struct page_info *anon = alloc_domheap_page(NULL, 0);

    assert_non_null(pg);
    assert_false(get_page(pg, d2));
    assert_int_equal(page_refcount(pg), 1);
    assert_false(get_page(anon, d1)); /* count 0: not gettable */
    assert_true(get_page_type(pg, PGT_writable_page));
    assert_true(get_page_type(pg, PGT_writable_page));
    assert_false(get_page_type(pg, PGT_pt));
    put_page_type(pg);
    put_page_type(pg);
    assert_true(get_page_type(pg, PGT_pt));
    put_page_type(pg);
    free_domheap_page(pg);
    mm_deferred_flush();
    assert_false(get_page(pg, d1)); /* free now */
    free_domheap_page(anon);
    mm_world_destroy(d1);
    mm_world_destroy(d2);
    assert_int_equal(mm_check(), 0);
}

/* No data crosses domains through the heap. */
static void test_scrub(void **state)
{
    struct domain *a = mm_world_domain(1, 64, false);
    struct domain *b = mm_world_domain(2, 64, false);
    struct page_info *pg, *pb;
    struct mm_stats s0, s1;
    uint8_t *p;
    const uint8_t *raw;
    unsigned long i;

    pg = alloc_domheap_page(a, 0);
    assert_non_null(pg);
    p = map_domain_page(page_to_mfn(pg));
    memset(p, 0xee, PAGE_SIZE);
    unmap_domain_page(p);
    raw = sim_machine_frame(mfn_x(page_to_mfn(pg)));
    free_domheap_page(pg);
    mm_deferred_flush();
    mm_get_stats(&s0);
    assert_true(s0.dirty_pages >= 1);
    assert_int_equal(raw[100], 0xee); /* scrubbing is paid at allocation */

    /* The cache is LIFO: b gets a's page back, cleared. */
    pb = alloc_domheap_page(b, 0);
    assert_ptr_equal(pb, pg);
    mm_get_stats(&s1);
    assert_int_equal(s1.scrubbed_pages, s0.scrubbed_pages + 1);
    for ( i = 0; i < PAGE_SIZE; i++ )
        assert_int_equal(raw[i], 0);

    /* Idle scrubbing clears free pages ahead of time. */
    free_domheap_page(pb);
    mm_deferred_flush();
    mm_get_stats(&s0);
    assert_true(mm_scrub_free_pages(~0UL) >= 1);
    mm_get_stats(&s1);
    assert_int_equal(s1.dirty_pages, 0);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(a);
    mm_world_destroy(b);
}

/*
 * Takes order-0 heap pages one at a time until `pg` comes back, keeping the
 * others in `taken`; returns how many.  However many the allocator hands
 * out first is its own business (per-CPU caches, the order of frees).
 */
static unsigned long take_until(struct page_info *pg,
                                struct page_info **taken, unsigned long max)
{
    struct page_info *p;
    unsigned long n = 0;

    while ( (p = alloc_domheap_page(NULL, 0)) != pg )
    {
        if ( !p )
            fail_msg("the heap ran dry before the page came back");
        assert_true(n < max);
        taken[n++] = p;
    }
    return n;
}

static void give_back(struct page_info **taken, unsigned long n)
{
    while ( n )
        free_domheap_page(taken[--n]);
}

/*
 * The clock, then what it is for: a page freed under a stamp (a dying
 * domain's page, which some CPU's TLB may still map) is not handed out
 * again until every CPU that might hold it has flushed after the stamp; a
 * page freed unstamped (a hypervisor page) is handed out with no flush.
 */
static void test_tlbflush_clock(void **state)
{
    unsigned long max = sim_machine_frames(), n;
    struct page_info *pg, **taken = calloc(max, sizeof(*taken));
    hal_cpumask_t all = hal_cpu_all_mask();
    struct mm_stats s0, s1;
    struct domain *d;
    uint32_t t0, stamp;
    unsigned long f0;

    assert_non_null(taken);
    t0 = tlbflush_current_time();
    flush_tlb_mask(all);
    assert_int_equal(tlbflush_current_time(), t0 + 1);
    assert_int_equal(tlbflush_cpu_time(3), t0 + 1);
    assert_false(tlbflush_need_flush(tlbflush_cpu_time(0), t0));
    assert_true(tlbflush_need_flush(tlbflush_cpu_time(0), t0 + 1));
    assert_int_equal(tlbflush_filter_mask(0xf, t0), 0);
    flush_tlb_mask(1); /* only CPU 0 */
    assert_int_equal(tlbflush_filter_mask(0xf, t0 + 1), 0xe);

    /*
     * A dying domain's page goes back to the heap stamped with the clock.
     * The destroy flushes nothing itself (the clock does not move), so the
     * stamp is the clock's value and every CPU may still hold the page.
     */
    d = mm_world_domain(1, 16, false);
    pg = alloc_domheap_page(d, 0);
    assert_non_null(pg);
    stamp = tlbflush_current_time();
    mm_world_destroy(d);
    assert_int_equal(tlbflush_current_time(), stamp);
    assert_int_equal(tlbflush_filter_mask(all, stamp), all);
    mm_get_stats(&s0);
    f0 = sim_tlb_flush_all_count();
    n = take_until(pg, taken, max);
    /* When it comes back, no CPU may hold it any more: a flush did it. */
    assert_int_equal(tlbflush_filter_mask(all, stamp), 0);
    mm_get_stats(&s1);
    assert_true(s1.tlb_flushes > s0.tlb_flushes);
    assert_true(sim_tlb_flush_all_count() > f0);
    give_back(taken, n);

    /*
     * A hypervisor page is freed unstamped.  Right after a flush of every
     * CPU, a page stamped now would need another one; this one comes back
     * without any, and nothing the heap hands out first needs one either.
     */
    flush_tlb_mask(all);
    assert_int_equal(tlbflush_filter_mask(all, tlbflush_current_time()), all);
    free_domheap_page(pg);
    mm_get_stats(&s0);
    n = take_until(pg, taken, max);
    mm_get_stats(&s1);
    assert_int_equal(s1.tlb_flushes, s0.tlb_flushes);
    give_back(taken, n);
    free_domheap_page(pg);
    free(taken);
    assert_int_equal(mm_check(), 0);
}

/*
 * The world runs over the direct map when the build's default asks for it
 * (HVCORE_DIRECTMAP=full) or this is the suite's direct-map twin, and over
 * map_domain_page's per-CPU slots otherwise: a mapping takes a slot exactly
 * when there is no direct map.
 */
static void test_directmap_choice(void **state)
{
#ifdef MM_TEST_DIRECTMAP
    bool want = true;
#else
    bool want = HVCORE_DIRECTMAP_FULL;
#endif
    struct page_info *pg = alloc_domheap_page(NULL, 0);
    unsigned int slots = mapcache_cpu_in_use();
    void *p;

    assert_non_null(pg);
    assert_int_equal(mm_has_directmap(), want);
    p = map_domain_page(page_to_mfn(pg));
    assert_int_equal(mapcache_cpu_in_use(), slots + !want);
    unmap_domain_page(p);
    free_domheap_page(pg);
}

static void test_tlbflush_wrap(void **state)
{
    unsigned long f0 = sim_tlb_flush_all_count();
    uint32_t old = 0xfffffffeU;

    tlbflush_clock_set(old);
    flush_tlb_mask(1); /* ticks to 0xffffffff */
    assert_int_equal(tlbflush_current_time(), 0xffffffffU);
    assert_int_equal(sim_tlb_flush_all_count(), f0 + 1);
    flush_tlb_mask(1); /* wraps: everybody is flushed, the clock restarts */
    assert_int_equal(tlbflush_current_time(), 1);
    assert_int_equal(sim_tlb_flush_all_count(), f0 + 2);
    /* A stamp from before the wrap needs no flush anywhere. */
    assert_int_equal(tlbflush_filter_mask(hal_cpu_all_mask(), old), 0);
    assert_false(tlbflush_need_flush(tlbflush_cpu_time(2), old));
    /* While the clock reads 0 (a wrap in progress) everything flushes. */
    tlbflush_clock_set(0);
    assert_true(tlbflush_need_flush(0xffffffffU, 5));
    assert_int_equal(tlbflush_filter_mask(0xf, 5), 0xf);
    flush_tlb_mask(1); /* no tick during a wrap */
    assert_int_equal(tlbflush_current_time(), 0);
    tlbflush_clock_set(1);
    assert_int_equal(mm_check(), 0);
}

/* Deferred freeing: queued, drained in batches and under pressure. */
static void test_deferred(void **state)
{
    uint64_t free0 = mm_world_free_pages(), free1;
    struct domain *d = mm_world_domain(1, 1UL << 20, false);
    struct page_info *pg[MM_DEFERRED_BATCH], **hog;
    struct mm_stats s;
    unsigned int i, n = 0;
    int order;

    free1 = mm_world_free_pages();
    for ( i = 0; i < MM_DEFERRED_BATCH - 1; i++ )
    {
        pg[i] = alloc_domheap_page(d, 0);
        assert_non_null(pg[i]);
    }
    for ( i = 0; i < MM_DEFERRED_BATCH - 1; i++ )
        free_domheap_page(pg[i]);
    mm_get_stats(&s);
    assert_int_equal(s.deferred_pages, MM_DEFERRED_BATCH - 1);
    assert_int_equal(mm_check(), 0);
    pg[0] = alloc_domheap_page(d, 0);
    free_domheap_page(pg[0]); /* the batch is full: drained */
    mm_get_stats(&s);
    assert_int_equal(s.deferred_pages, 0);
    assert_int_equal(s.free_pages, free1);

    /* Pressure: with the heap empty, queued pages are flushed and reused. */
    pg[0] = alloc_domheap_pages(d, 3, 0);
    assert_non_null(pg[0]);
    hog = calloc(free1, sizeof(*hog));
    assert_non_null(hog);
    for ( order = 4; order >= 0; order-- )
        while ( (hog[n] = alloc_domheap_pages(NULL, order, 0)) )
            hog[n++]->tlbflush_timestamp = (uint32_t)order;
    free_domheap_pages(pg[0], 3);
    mm_get_stats(&s);
    assert_int_equal(s.deferred_pages, 8);
    assert_int_equal(s.free_pages, 0);
    pg[0] = alloc_domheap_pages(NULL, 2, 0);
    assert_non_null(pg[0]);
    mm_get_stats(&s);
    assert_int_equal(s.deferred_pages, 0);
    assert_int_equal(s.free_pages, 4);
    free_domheap_pages(pg[0], 2);
    while ( n-- )
        free_domheap_pages(hog[n], hog[n]->tlbflush_timestamp);
    free(hog);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(d);
    assert_int_equal(mm_world_free_pages(), free0);
}

/* The per-CPU cache can be turned off; both ways keep the invariants. */
static void test_pcp(void **state)
{
    struct page_info *pg[100];
    struct mm_stats s;
    unsigned int i, pass;

    for ( pass = 0; pass < 2; pass++ )
    {
        mm_pcp_set(pass == 0);
        for ( i = 0; i < 100; i++ )
            assert_non_null(pg[i] = alloc_domheap_page(NULL, 0));
        for ( i = 0; i < 100; i++ )
            free_domheap_page(pg[i]);
        mm_get_stats(&s);
        if ( pass == 0 )
            assert_true(s.pcp_pages > 0 && s.pcp_pages <= 64);
        else
            assert_int_equal(s.pcp_pages, 0);
        assert_int_equal(mm_check(), 0);
    }
    mm_pcp_set(true);
}

struct stress_arg {
    unsigned int rounds;
    int failed;
};

static void stress_cpu(unsigned int cpu, void *p)
{
    struct stress_arg *a = p;
    struct { struct page_info *pg; unsigned int order; } live[32];
    void *objs[32];
    unsigned int n = 0, no = 0, i;
    uint64_t seed = cpu * 7919 + 1;

    for ( i = 0; i < a->rounds; i++ )
    {
        seed = seed * 6364136223846793005ULL + 1;
        if ( n < 32 && ((seed >> 40) & 1) )
        {
            unsigned int order = (seed >> 50) % 3;
            struct page_info *pg = alloc_domheap_pages(NULL, order, 0);
            uint32_t *v;

            if ( pg )
            {
                v = map_domain_page(page_to_mfn(pg));
                v[0] = cpu;
                v[1] = i;
                unmap_domain_page(v);
                live[n].pg = pg;
                live[n++].order = order;
            }
        }
        else if ( n )
        {
            uint32_t *v;

            n--;
            v = map_domain_page(page_to_mfn(live[n].pg));
            if ( v[0] != cpu )
                a->failed = 1;
            unmap_domain_page(v);
            free_domheap_pages(live[n].pg, live[n].order);
        }
        if ( no < 32 && ((seed >> 45) & 1) )
            objs[no++] = vmalloc(PAGE_SIZE * (1 + (seed >> 60) % 3));
        else if ( no )
            vfree(objs[--no]);
    }
    while ( n-- )
        free_domheap_pages(live[n].pg, live[n].order);
    while ( no-- )
        vfree(objs[no]);
}

/* Four pCPUs allocate, map, check and free at once. */
static void test_stress_mt(void **state)
{
    struct stress_arg a = { .rounds = 3000, .failed = 0 };
    struct mm_stats s0, s1;

    if ( getenv("HVCORE_UNDER_VALGRIND") )
        a.rounds = 300;
    mm_get_stats(&s0);
    sim_run_cpus(4, stress_cpu, &a);
    assert_int_equal(a.failed, 0);
    assert_int_equal(mm_check(), 0);
    /* Everything came back, except what vmap kept for its own growth. */
    mm_get_stats(&s1);
    assert_int_equal(s1.free_pages + s1.anon_pages,
                     s0.free_pages + s0.anon_pages);
    assert_int_equal(s1.vmap_pages, s0.vmap_pages);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First: the first world of a process starts from the build's
         * default, not from what a previous world's mm_fini restored. */
        cmocka_unit_test_setup_teardown(test_directmap_choice, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_buddy_roundtrip, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_address_width, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_order_limits, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_domain_accounting,
                                        mm_world_setup, mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_refs_and_types, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_scrub, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_tlbflush_clock, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_tlbflush_wrap, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_deferred, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_pcp, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_stress_mt, mm_world_setup,
                                        mm_world_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
