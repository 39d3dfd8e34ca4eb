/* SPDX-License-Identifier: MIT */
/*
 * Guest copies racing with decrease_reservation on pCPU threads.
 *
 * Domain A's frames at GFN_BASE.. hold A_MARK in every word.  While reader
 * CPUs copy from (and, on one CPU, to) those gfns, a remover CPU takes each
 * gfn away with mm_decrease_reservation and populates it again with a fresh
 * frame, and a thief CPU keeps allocating frames for domain B, checking that
 * each arrives zeroed, filling it with B_SECRET and freeing it, so A's old
 * frames go round through B.  A copy must either fail with -EFAULT or return
 * A's own bytes (A_MARK, or zeroes from a freshly populated frame not yet
 * marked): never B's secret, never a torn mix.  A copy to the guest must
 * never land in a frame B holds (B would see a non-zero new frame).  At the
 * end mm_check finds every frame accounted for.
 */
#include <sched.h>
#include <stdlib.h>

#include "mm_world.h"

#include <common/guest_access.h>
#include <libmm/guest_read.h>
#include <libmm/p2m.h>

#define GFN_BASE 0x100
#define NR_GFNS 8
#define A_MARK 0xa5a5a5a5a5a5a5a5ULL
#define B_SECRET 0x5ec2e75ec2e75ec2ULL
#define COPY_WORDS 256 /* a 2 KiB read: long enough to be overtaken */
#define SPARE_PAGES 8  /* free frames left while the race runs */

struct race {
    struct domain *a, *b;
    unsigned int rounds;
    volatile int stop;
    volatile int bad_read, bad_write, bad_fresh, failed;
    volatile unsigned long reads_ok, reads_fault;
};

/* Fills A's frame at `gfn` with the mark, through the guest's own view. */
static void mark_gfn(struct domain *a, uint64_t gfn)
{
    uint64_t *v = world_guest_page(a, gfn);
    unsigned int i;

    if ( !v )
        return;
    for ( i = 0; i < PAGE_SIZE / 8; i++ )
        __atomic_store_n(&v[i], A_MARK, __ATOMIC_RELAXED);
}

static void reader(struct race *r, unsigned int cpu)
{
    static _Thread_local uint64_t buf[COPY_WORDS];
    uint64_t out[2] = { A_MARK, A_MARK };
    unsigned long n = 0;

    while ( !r->stop )
    {
        /* Each gfn twice in a row: the second read reuses the CPU's
         * remembered translation, which the remover must invalidate. */
        uint64_t gfn = GFN_BASE + (n++ / 2 % NR_GFNS);
        uint64_t gpa = (gfn << PAGE_SHIFT) +
                       ((n * 40) % (PAGE_SIZE - sizeof(buf)));
        unsigned int i;
        int rc = copy_from_guest_phys(r->a, buf, gpa, sizeof(buf));

        if ( rc == -EFAULT )
        {
            r->reads_fault++;
            continue;
        }
        if ( rc )
        {
            r->failed = 1;
            break;
        }
        r->reads_ok++;
        /* One frame's bytes: all the mark, or all zero, or a frame being
         * marked (marks then zeroes); never B's secret. */
        for ( i = 0; i < COPY_WORDS; i++ )
            if ( buf[i] != A_MARK && buf[i] != 0 )
                r->bad_read = 1;
        /* CPU 1 also writes A's mark back, which must stay A's. */
        if ( cpu == 1 )
        {
            rc = copy_to_guest_phys(r->a, gpa, out, sizeof(out));
            if ( rc && rc != -EFAULT )
                r->failed = 1;
        }
    }
}

static void remover(struct race *r)
{
    unsigned int i;
    unsigned long done;

    for ( i = 0; i < r->rounds; i++ )
    {
        uint64_t gfn = GFN_BASE + i % NR_GFNS;

        unsigned int tries = 0;
        int rc;

        if ( mm_decrease_reservation(r->a, _gfn(gfn), 0) )
        {
            r->failed = 1;
            break;
        }
        /* The thief may hold the last free frame for a moment. */
        while ( (rc = mm_populate_physmap(r->a, _gfn(gfn), 1, 0, &done)) ==
                    -ENOMEM && ++tries < 100000 )
        {
            mm_deferred_flush();
            sched_yield();
        }
        if ( rc || done != 1 )
        {
            r->failed = 1;
            break;
        }
        mark_gfn(r->a, gfn);
        /* Hand A's old frame on to the heap at once, for B to take. */
        mm_deferred_flush();
        if ( i % 8 == 7 )
            sched_yield(); /* let the others in where threads take turns */
    }
    /* Under Valgrind the threads run one at a time: wait for reads. */
    while ( r->reads_ok < 64 && !r->failed )
        sched_yield();
    r->stop = 1;
}

static void thief(struct race *r)
{
    while ( !r->stop )
    {
        struct page_info *pg = alloc_domheap_pages(r->b, 0, 0);
        uint64_t *v;
        unsigned int i;

        if ( !pg )
            continue;
        v = sim_machine_frame(mfn_x(page_to_mfn(pg)));
        for ( i = 0; i < PAGE_SIZE / 8; i++ )
            if ( __atomic_load_n(&v[i], __ATOMIC_RELAXED) )
                r->bad_fresh = 1;
        for ( i = 0; i < PAGE_SIZE / 8; i++ )
            __atomic_store_n(&v[i], B_SECRET, __ATOMIC_RELAXED);
        /* Hold it a moment, then check nobody wrote A's bytes into it. */
        for ( i = 0; i < PAGE_SIZE / 8; i++ )
            if ( __atomic_load_n(&v[i], __ATOMIC_RELAXED) != B_SECRET )
                r->bad_write = 1;
        free_domheap_pages(pg, 0);
    }
}

static void race_cpu(unsigned int cpu, void *arg)
{
    struct race *r = arg;

    if ( cpu == 0 )
        remover(r);
    else if ( cpu == 3 )
        thief(r);
    else
        reader(r, cpu);
}

/* Readers and a writer against a remover and a frame thief. */
static void test_copy_vs_decrease_reservation(void **state)
{
    struct race r = { .rounds = 4000 };
    struct page_info *hog = NULL, *pg;
    unsigned long done;
    unsigned int i;

    (void)state;
    if ( getenv("HVCORE_UNDER_VALGRIND") )
        r.rounds = 300;
    r.a = mm_world_domain(1, 64, false);
    r.b = mm_world_domain(2, 64, false);
    assert_int_equal(mm_populate_physmap(r.a, _gfn(GFN_BASE), NR_GFNS, 0,
                                         &done), 0);
    for ( i = 0; i < NR_GFNS; i++ )
        mark_gfn(r.a, GFN_BASE + i);
    /*
     * Starve the heap: without the per-CPU caches and with only a few free
     * frames, a frame A drops is the next one B gets.  The hog's frames are
     * chained through their first word.
     */
    mm_pcp_set(false);
    while ( (pg = alloc_domheap_pages(NULL, 0, MEMF_no_scrub)) )
    {
        *(struct page_info **)sim_machine_frame(mfn_x(page_to_mfn(pg))) = hog;
        hog = pg;
    }
    for ( i = 0; i < SPARE_PAGES && hog; i++ )
    {
        pg = hog;
        hog = *(struct page_info **)sim_machine_frame(mfn_x(page_to_mfn(pg)));
        free_domheap_pages(pg, 0);
    }

    sim_run_cpus(4, race_cpu, &r);

    while ( hog )
    {
        pg = hog;
        hog = *(struct page_info **)sim_machine_frame(mfn_x(page_to_mfn(pg)));
        free_domheap_pages(pg, 0);
    }
    mm_pcp_set(true);

    assert_int_equal(r.failed, 0);
    assert_int_equal(r.bad_read, 0);
    assert_int_equal(r.bad_write, 0);
    assert_int_equal(r.bad_fresh, 0);
    assert_true(r.reads_ok > 0);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(r.b);
    mm_world_destroy(r.a);
    assert_int_equal(mm_check(), 0);
}

/* The fast path's edges: a read ending at a page's last byte, a read that
 * crosses into the next page, a gfn that is not RAM, and a zero length. */
static void test_copy_edges(void **state)
{
    struct domain *a;
    unsigned long done;
    uint8_t buf[16];
    uint8_t *p0, *p1;
    unsigned int i;

    (void)state;
    a = mm_world_domain(1, 16, false);
    assert_int_equal(mm_populate_physmap(a, _gfn(GFN_BASE), 2, 0, &done), 0);
    p0 = world_guest_page(a, GFN_BASE);
    p1 = world_guest_page(a, GFN_BASE + 1);
    for ( i = 0; i < 16; i++ )
    {
        p0[PAGE_SIZE - 16 + i] = (uint8_t)(0x10 + i);
        p1[i] = (uint8_t)(0x80 + i);
    }
    assert_int_equal(copy_from_guest_phys(a, buf,
                                          ((uint64_t)GFN_BASE << PAGE_SHIFT) +
                                              PAGE_SIZE - 16, 16), 0);
    for ( i = 0; i < 16; i++ )
        assert_int_equal(buf[i], 0x10 + i);
    assert_int_equal(copy_from_guest_phys(a, buf, ((uint64_t)GFN_BASE <<
                                                   PAGE_SHIFT) + PAGE_SIZE - 8,
                                          16), 0);
    for ( i = 0; i < 8; i++ )
    {
        assert_int_equal(buf[i], 0x18 + i);
        assert_int_equal(buf[8 + i], 0x80 + i);
    }
    assert_int_equal(copy_from_guest_phys(a, buf, (uint64_t)(GFN_BASE + 2) <<
                                                      PAGE_SHIFT, 4), -EFAULT);
    assert_int_equal(copy_from_guest_phys(a, buf,
                                          ((uint64_t)(GFN_BASE + 1) <<
                                           PAGE_SHIFT) + PAGE_SIZE - 4, 8),
                     -EFAULT);
    assert_int_equal(copy_from_guest_phys(a, buf, ~0ULL - 2, 8), -EFAULT);
    assert_int_equal(copy_from_guest_phys(a, buf, (uint64_t)GFN_BASE <<
                                                      PAGE_SHIFT, 0), 0);
    /* Gone from the P2M: the fast path must not find the old frame. */
    assert_int_equal(mm_decrease_reservation(a, _gfn(GFN_BASE), 0), 0);
    assert_int_equal(copy_from_guest_phys(a, buf, ((uint64_t)GFN_BASE <<
                                                   PAGE_SHIFT) + 8, 4),
                     -EFAULT);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(a);
}

/*
 * A translation remembered by one read must not outlive the P2M entry it
 * came from: after the gfn is emptied and populated with another frame, or
 * made read-only and back, the next read sees the frame that is there now.
 */
static void test_copy_after_remap(void **state)
{
    uint64_t gpa = ((uint64_t)GFN_BASE << PAGE_SHIFT) + 64, v;
    struct domain *a;
    unsigned long done;
    mfn_t first;
    p2m_type_t t;
    uint64_t *p;

    (void)state;
    a = mm_world_domain(1, 16, false);
    assert_int_equal(mm_populate_physmap(a, _gfn(GFN_BASE), 1, 0, &done), 0);
    first = p2m_lookup(a, _gfn(GFN_BASE), &t);
    p = world_guest_page(a, GFN_BASE);
    p[8] = 0x1111;
    assert_int_equal(copy_from_guest_phys(a, &v, gpa, sizeof(v)), 0);
    assert_int_equal(v, 0x1111);
    p[8] = 0x2222; /* the same frame, seen again through the same gfn */
    assert_int_equal(copy_from_guest_phys(a, &v, gpa, sizeof(v)), 0);
    assert_int_equal(v, 0x2222);

    /* Another frame at the gfn: hold the old one so it cannot come back. */
    assert_true(get_page(mfn_to_page(first), a));
    assert_int_equal(mm_decrease_reservation(a, _gfn(GFN_BASE), 0), 0);
    assert_int_equal(mm_populate_physmap(a, _gfn(GFN_BASE), 1, 0, &done), 0);
    assert_int_not_equal(mfn_x(p2m_lookup(a, _gfn(GFN_BASE), &t)),
                         mfn_x(first));
    p = world_guest_page(a, GFN_BASE);
    p[8] = 0x3333;
    assert_int_equal(copy_from_guest_phys(a, &v, gpa, sizeof(v)), 0);
    assert_int_equal(v, 0x3333);
    put_page(mfn_to_page(first));

    /* A type change moves the removal sequence too; reads still work. */
    assert_int_equal(p2m_set_ram_type(a, _gfn(GFN_BASE), p2m_ram_ro), 0);
    assert_int_equal(copy_from_guest_phys(a, &v, gpa, sizeof(v)), 0);
    assert_int_equal(v, 0x3333);
    assert_int_equal(copy_to_guest_phys(a, gpa, &v, sizeof(v)), -EFAULT);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(a);
}

/*
 * libmm/guest_read.h's inline read answers only from this CPU's remembered
 * translation, and only with a direct map; anything else is for the
 * caller's copy_from_guest: nothing remembered yet, another page, a read
 * across the page's end, another CPU, a removal since.
 */
static void test_cached_read(void **state)
{
    uint64_t gpa = (uint64_t)GFN_BASE << PAGE_SHIFT;
    bool dm = mm_has_directmap();
    struct domain *a;
    unsigned long done;
    uint32_t *p, v = 0;

    (void)state;
    a = mm_world_domain(1, 16, false);
    assert_int_equal(mm_populate_physmap(a, _gfn(GFN_BASE), 2, 0, &done), 0);
    p = world_guest_page(a, GFN_BASE);
    p[0] = 0x1234;
    p[2] = 0x5678;
    assert_false(guest_read_cached(a, &v, gpa, sizeof(v)));
    assert_int_equal(copy_from_guest_phys(a, &v, gpa, sizeof(v)), 0);
    assert_int_equal(v, 0x1234);
    v = 0;
    assert_int_equal(guest_read_cached(a, &v, gpa + 8, sizeof(v)), dm);
    assert_int_equal(v, dm ? 0x5678 : 0);
    assert_false(guest_read_cached(a, &v, gpa + PAGE_SIZE, sizeof(v)));
    assert_false(guest_read_cached(a, &v, gpa + PAGE_SIZE - 2, sizeof(v)));
    sim_cpu_bind(1);
    assert_false(guest_read_cached(a, &v, gpa, sizeof(v)));
    sim_cpu_bind(0);
    assert_int_equal(guest_read_cached(a, &v, gpa, sizeof(v)), dm);
    assert_int_equal(mm_decrease_reservation(a, _gfn(GFN_BASE), 0), 0);
    assert_false(guest_read_cached(a, &v, gpa, sizeof(v)));
    assert_int_equal(copy_from_guest_phys(a, &v, gpa, sizeof(v)), -EFAULT);
    assert_int_equal(mm_check(), 0);
    mm_world_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copy_edges, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_copy_after_remap, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_cached_read, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_copy_vs_decrease_reservation,
                                        mm_world_setup, mm_world_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
