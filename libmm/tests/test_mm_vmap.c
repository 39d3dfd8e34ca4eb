/* SPDX-License-Identifier: MIT */
/* vmap guards, refusals and growth; page tables from the heap (no loop);
 * map_domain_page slots: faults after unmap, nesting, lazy/eager flushes. */
#include "fault_walk.h"
#include "mm_world.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

uint64_t mm_pt_pages_given(void);

/* Runs `fn(arg)` in a child; true if the child died rather than returned. */
static bool dies(void (*fn)(void *), void *arg)
{
    pid_t pid = fork();
    int status;

    assert_true(pid >= 0);
    if ( pid == 0 )
    {
        /* Not cmocka's handlers: the child must die of the fault. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        fn(arg);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) || WEXITSTATUS(status) != 0;
}

/* Slot and vmap-xenheap tests need the world without a direct map. */
static int slots_setup(void **state)
{
    mm_config_directmap(false);
    return mm_world_setup(state);
}

static void touch(void *p)
{
    *(volatile uint8_t *)p = 1;
}

/* Areas are separated by an unmapped guard page, which faults. */
static void test_vmap_guard(void **state)
{
    uint8_t *a = vmalloc(3 * PAGE_SIZE), *b = vmalloc(2 * PAGE_SIZE);
    hal_mfn_t m;

    assert_non_null(a);
    assert_non_null(b);
    assert_true(b >= a + 4 * PAGE_SIZE || b + 3 * PAGE_SIZE <= a);
    assert_true(hal_translate((uintptr_t)a, &m, NULL));
    assert_int_equal(m, mfn_x(vmap_to_mfn(a)));
    assert_false(hal_translate((uintptr_t)(a + 3 * PAGE_SIZE), &m, NULL));
    assert_true(mfn_eq(vmap_to_mfn(a + 3 * PAGE_SIZE), INVALID_MFN));
    a[3 * PAGE_SIZE - 1] = 1;
    assert_false(dies(touch, a + 3 * PAGE_SIZE - 1));
    assert_true(dies(touch, a + 3 * PAGE_SIZE));
    vfree(a);
    assert_true(dies(touch, a));
    vfree(b);
    assert_int_equal(mm_check(), 0);
}

/* Frees of what is not an area's start, twice, or of the wrong kind are
 * refused and change nothing. */
static void test_vmap_refuse(void **state)
{
    uint8_t *a = vzalloc(2 * PAGE_SIZE), *x = alloc_xenheap_pages(0, 0);
    struct page_info *pg = alloc_domheap_page(NULL, 0);
    uint8_t *m = vmap_contig(page_to_mfn(pg), 1), local;
    struct mm_stats s0, s1;

    assert_non_null(a);
    assert_non_null(x);
    assert_non_null(m);
    a[PAGE_SIZE] = 9;
    mm_get_stats(&s0);
    vfree(a + PAGE_SIZE);
    vfree(a + 1);
    vfree(&local);
    vfree(m);                 /* a vmap area: vunmap's, not vfree's */
    vunmap(a);                /* a vmalloc area */
    vunmap(x);                /* a xenheap area */
    free_xenheap_pages(a, 0); /* not xenheap */
    free_xenheap_pages(x, 1); /* wrong order */
    mm_get_stats(&s1);
    assert_int_equal(s1.vmap_refused, s0.vmap_refused + 8);
    assert_int_equal(s1.free_pages, s0.free_pages);
    assert_int_equal(s1.vmap_pages, s0.vmap_pages);
    assert_int_equal(a[PAGE_SIZE], 9);
    assert_int_equal(mm_check(), 0);
    vfree(a);
    vfree(a);
    vunmap(m);
    vunmap(m);
    free_xenheap_pages(x, 0);
    free_xenheap_pages(x, 0);
    mm_get_stats(&s1);
    assert_int_equal(s1.vmap_refused, s0.vmap_refused + 11);
    free_domheap_page(pg);
    assert_int_equal(mm_check(), 0);
}

/* The bitmap and frame array grow as the range fills, then stay. */
static void test_vmap_growth(void **state)
{
    unsigned long total, backed0, backed1;
    struct page_info *pg = alloc_domheap_page(NULL, 0);
    struct mm_stats s0, s1;
    void *v[800];
    unsigned int i;

    assert_non_null(pg);
    vmap_extent(&total, &backed0);
    assert_true(backed0 < total);
    mm_get_stats(&s0);
    for ( i = 0; i < 800; i++ )
    {
        v[i] = map_domain_page_global(page_to_mfn(pg));
        assert_non_null(v[i]);
        *(volatile uint32_t *)v[i] = i; /* all alias one frame */
    }
    assert_int_equal(*(uint32_t *)v[0], 799);
    vmap_extent(&total, &backed1);
    assert_true(backed1 > backed0);
    mm_get_stats(&s1);
    assert_int_equal(s1.vmap_pages, s0.vmap_pages + 1600);
    for ( i = 0; i < 800; i++ )
        unmap_domain_page_global(v[i]);
    mm_get_stats(&s1);
    assert_int_equal(s1.vmap_pages, s0.vmap_pages);
    free_domheap_page(pg);
    assert_int_equal(mm_check(), 0);
}

/* A xenheap allocation that needs new page-table levels gets them from
 * the heap, not from the xenheap: no loop (seed 004 option 3.2). */
static void test_pt_no_loop(void **state)
{
    struct page_info *pg = alloc_domheap_pages(NULL, 9, 0);
    unsigned long pt0, given0, grown, n = 0, left;
    struct fault_walk w;
    uintptr_t pos, boundary, align = 1UL << 30;
    void **v = calloc(1024, sizeof(*v));
    struct mm_layout l;
    uint8_t *x, *probe;

    assert_non_null(pg);
    assert_non_null(v);
    mm_get_layout(&l);
    probe = vmap_contig(page_to_mfn(pg), 1);
    assert_non_null(probe);
    pos = (uintptr_t)probe;
    vunmap(probe);
    /* Aim for a 1 GiB boundary (new L2 and L1 tables), or a 2 MiB one
     * (a new L1) in a range too small to hold one (under Valgrind). */
    boundary = (pos + align) & ~(align - 1);
    if ( boundary + (1UL << 21) > l.vmap_base + l.vmap_size )
    {
        align = 1UL << 21;
        boundary = (pos + 2 * align) & ~(align - 1);
    }
    /* Fill up to the boundary with aliases of one 2 MiB run (each area is
     * followed by its guard page). */
    left = (boundary - pos) >> PAGE_SHIFT;
    while ( left > 1 )
    {
        unsigned long nr = left - 1 > 511 ? 511 : left - 1;

        if ( left - (nr + 1) == 1 )
            nr--;
        assert_true(n < 1024);
        v[n] = vmap_contig(page_to_mfn(pg), (unsigned int)nr);
        assert_non_null(v[n]);
        n++;
        left -= nr + 1;
    }
    pt0 = hal_pt_pages_in_use();
    given0 = mm_pt_pages_given();
    x = alloc_xenheap_pages(4, 0);
    assert_ptr_equal(x, (void *)boundary);
    memset(x, 0x3c, 16 * PAGE_SIZE);
    grown = hal_pt_pages_in_use() - pt0;
    assert_true(grown >= (align > (1UL << 21) ? 2 : 1));
    assert_int_equal(mm_pt_pages_given() - given0, grown);
    assert_int_equal(mm_check(), 0);
    free_xenheap_pages(x, 4);
    assert_int_equal(hal_pt_pages_in_use(), pt0);

    /* Each page-table allocation failing in turn, it fails cleanly. */
    fault_walk_init(&w, HAL_FAULT_PT_ALLOC, 8);
    while ( fault_walk_next(&w) )
    {
        unsigned long f0 = mm_world_free_pages();

        fault_walk_arm(&w);
        x = alloc_xenheap_pages(4, 0);
        if ( fault_walk_failed(&w, x ? 0 : -ENOMEM, -ENOMEM) )
        {
            assert_int_equal(mm_world_free_pages(), f0);
            assert_int_equal(hal_pt_pages_in_use(), pt0);
        }
        else
        {
            assert_ptr_equal(x, (void *)boundary);
            assert_int_equal(hal_pt_pages_in_use(), pt0 + grown);
            free_xenheap_pages(x, 4);
        }
        assert_int_equal(mm_check(), 0);
    }
    assert_int_equal(w.failed, grown); /* one point per table */
    while ( n-- )
        vunmap(v[n]);
    free(v);
    free_domheap_pages(pg, 9);
    assert_int_equal(mm_check(), 0);
}

/* A slot that has been unmapped faults when touched. */
static void test_mdp_unmapped_faults(void **state)
{
    struct page_info *pg = alloc_domheap_page(NULL, 0);
    uint8_t *p = map_domain_page(page_to_mfn(pg));

    p[7] = 7;
    assert_false(dies(touch, p));
    unmap_domain_page(p);
    assert_true(dies(touch, p));
    free_domheap_page(pg);
}

static void map_too_many(void *arg)
{
    struct page_info *pg = arg;
    unsigned int i;

    for ( i = 0; i <= MAPCACHE_CPU_SLOTS; i++ )
        map_domain_page(page_to_mfn(pg + i));
}

/* Nesting works up to the limit; beyond it is a hypervisor bug. */
static void test_mdp_nesting(void **state)
{
    struct page_info *pg = alloc_domheap_pages(NULL, 5, 0);
    uint32_t *p[MAPCACHE_CPU_SLOTS];
    unsigned int i;

    for ( i = 0; i < MAPCACHE_CPU_SLOTS; i++ )
    {
        p[i] = map_domain_page(page_to_mfn(pg + i));
        *p[i] = i;
    }
    assert_int_equal(mapcache_cpu_in_use(), MAPCACHE_CPU_SLOTS);
    for ( i = 0; i < MAPCACHE_CPU_SLOTS; i++ )
        assert_int_equal(*p[i], i);
    /* Unmapping in any order. */
    for ( i = 0; i < MAPCACHE_CPU_SLOTS; i += 2 )
        unmap_domain_page(p[i]);
    for ( i = 1; i < MAPCACHE_CPU_SLOTS; i += 2 )
        unmap_domain_page(p[i]);
    assert_int_equal(mapcache_cpu_in_use(), 0);
    assert_true(dies(map_too_many, pg));
    free_domheap_pages(pg, 5);
}

/* Lazy: freed slots collect and one local flush recycles them.  Eager: an
 * invlpg per unmap and no full flush. */
static void test_mdp_lazy_eager(void **state)
{
    struct page_info *pg = alloc_domheap_page(NULL, 0);
    unsigned long full0, any0;
    unsigned int i;
    void *p;

    mapcache_set_lazy(true);
    full0 = sim_tlb_flush_all_count();
    for ( i = 0; i < 4 * MAPCACHE_CPU_SLOTS; i++ )
    {
        p = map_domain_page(page_to_mfn(pg));
        unmap_domain_page(p);
    }
    /* One flush per MAPCACHE_CPU_SLOTS unmaps (plus one for slots that
     * were garbage already). */
    assert_in_range(sim_tlb_flush_all_count() - full0, 3, 4);

    mapcache_set_lazy(false);
    /* The first map may recycle the garbage the lazy loop left. */
    unmap_domain_page(map_domain_page(page_to_mfn(pg)));
    full0 = sim_tlb_flush_all_count();
    any0 = sim_tlb_flush_count();
    for ( i = 0; i < 4 * MAPCACHE_CPU_SLOTS; i++ )
    {
        p = map_domain_page(page_to_mfn(pg));
        unmap_domain_page(p);
    }
    assert_int_equal(sim_tlb_flush_all_count(), full0);
    assert_true(sim_tlb_flush_count() - any0 >= 4 * MAPCACHE_CPU_SLOTS);
    mapcache_set_lazy(true);
    free_domheap_page(pg);
}

static uint32_t *shared_global;

static void read_global(unsigned int cpu, void *arg)
{
    uint32_t *seen = arg;

    seen[cpu] = *shared_global;
}

/* A global mapping is valid on every CPU. */
static void test_mdp_global(void **state)
{
    struct page_info *pg = alloc_domheap_page(NULL, 0);
    uint32_t seen[4] = { 0 };
    unsigned int i;

    shared_global = map_domain_page_global(page_to_mfn(pg));
    assert_non_null(shared_global);
    *shared_global = 0xabcd;
    sim_run_cpus(4, read_global, seen);
    for ( i = 0; i < 4; i++ )
        assert_int_equal(seen[i], 0xabcd);
    assert_true(mfn_eq(domain_page_map_to_mfn(shared_global),
                       page_to_mfn(pg)));
    unmap_domain_page_global(shared_global);
    free_domheap_page(pg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vmap_guard, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_vmap_refuse, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_vmap_growth, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_pt_no_loop, slots_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_mdp_unmapped_faults,
                                        slots_setup, mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_mdp_nesting, slots_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_mdp_lazy_eager, slots_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_mdp_global, mm_world_setup,
                                        mm_world_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
