/* SPDX-License-Identifier: MIT */
/*
 * Idle scrubbing racing with allocation on pCPU threads.
 *
 * mm_scrub_free_pages clears chunks with the heap lock dropped.  While CPU 0
 * scrubs over and over, CPUs 1..3 allocate single pages and order-2 chunks
 * for a domain, check that each arrives zeroed, fill it with their own
 * pattern, check the pattern is still whole a moment later (a scrubber that
 * cleared a chunk someone had allocated would break it) and free it dirty.
 * At the end every page is accounted for (mm_check) and idle scrubbing did
 * clear pages.
 */
#include <sched.h>
#include <stdlib.h>

#include "mm_world.h"

struct scrub_race {
    struct domain *d;
    unsigned int rounds;
    volatile int stop, bad_fresh, bad_kept;
    int finished;
    volatile unsigned long scrubbed;
};

static void allocator(struct scrub_race *r, unsigned int cpu)
{
    uint64_t pat = 0x0101010101010101ULL * (cpu + 1);
    unsigned int i, k;

    for ( i = 0; i < r->rounds; i++ )
    {
        unsigned int order = (i % 3 == 2) ? 2 : 0;
        struct page_info *pg = alloc_domheap_pages(r->d, order, 0);

        if ( !pg )
        {
            sched_yield();
            continue;
        }
        for ( k = 0; k < (1U << order); k++ )
        {
            uint64_t *v = sim_machine_frame(mfn_x(page_to_mfn(pg + k)));
            unsigned int w;

            for ( w = 0; w < PAGE_SIZE / 8; w++ )
                if ( __atomic_load_n(&v[w], __ATOMIC_RELAXED) )
                    r->bad_fresh = 1;
            for ( w = 0; w < PAGE_SIZE / 8; w++ )
                __atomic_store_n(&v[w], pat, __ATOMIC_RELAXED);
        }
        sched_yield();
        for ( k = 0; k < (1U << order); k++ )
        {
            uint64_t *v = sim_machine_frame(mfn_x(page_to_mfn(pg + k)));
            unsigned int w;

            for ( w = 0; w < PAGE_SIZE / 8; w++ )
                if ( __atomic_load_n(&v[w], __ATOMIC_RELAXED) != pat )
                    r->bad_kept = 1;
        }
        free_domheap_pages(pg, order);
        /* Freed domain pages wait for a flush; give them back dirty. */
        if ( i % 8 == 7 )
            mm_deferred_flush();
    }
}

static void scrub_cpu(unsigned int cpu, void *arg)
{
    struct scrub_race *r = arg;

    if ( cpu == 0 )
    {
        while ( !r->stop )
        {
            r->scrubbed += mm_scrub_free_pages(8);
            sched_yield();
        }
        return;
    }
    allocator(r, cpu);
    /* The last allocator to finish stops the scrubber. */
    if ( __atomic_add_fetch(&r->finished, 1, __ATOMIC_ACQ_REL) == 3 )
        r->stop = 1;
}

/* Allocators keep their pages whole while CPU 0 scrubs the free ones. */
static void test_scrub_vs_alloc(void **state)
{
    struct scrub_race r = { .rounds = 3000 };
    struct mm_stats s0, s1;

    (void)state;
    if ( getenv("HVCORE_UNDER_VALGRIND") )
        r.rounds = 200;
    r.d = mm_world_domain(1, 64, false);
    mm_get_stats(&s0);

    sim_run_cpus(4, scrub_cpu, &r);

    assert_int_equal(r.bad_fresh, 0);
    assert_int_equal(r.bad_kept, 0);
    mm_deferred_flush();
    /* Whatever is still dirty is scrubbed now, with nothing racing. */
    r.scrubbed += mm_scrub_free_pages(~0UL);
    mm_get_stats(&s1);
    assert_true(r.scrubbed > 0);
    assert_int_equal(s1.dirty_pages, 0);
    assert_int_equal(s1.free_pages, s0.free_pages);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(r.d);
    assert_int_equal(mm_check(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scrub_vs_alloc, mm_world_setup,
                                        mm_world_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
