/* SPDX-License-Identifier: MIT */
/*
 * Fault injection at every allocation point of libevtchn's mutating ops:
 * domain creation, a port that needs a new bucket, one that needs a new
 * group, 3-level registration (bitmaps and L2), FIFO registration (the
 * first and a later control block, an array page), the dump.  After each
 * injected failure the op reports an error and nothing changed: the
 * domain's counters, the heap's free pages and evtchn_check().
 */
#include "evtchn_world.h"
#include "fault_walk.h"

static long op_bitmaps(struct domain *d);

static uint64_t free_pages(void)
{
    struct mm_stats s;

    mm_deferred_flush();
    mm_get_stats(&s);
    return s.free_pages;
}

/*
 * Walks the allocation points of `op` (returns >= 0 or a negative errno)
 * with every site's hits (fault_walk.h).  A failure must be -ENOMEM and
 * leave `d`'s stats and the heap as they were; a success (the fault
 * absorbed, or past the last point) must leave `pages` guest pages
 * mapped (3-level or FIFO), and is undone with `undo` before the next point.  Returns how
 * many points failed the op.
 */
static unsigned int walk(struct domain *d, long (*op)(struct domain *d),
                         unsigned int pages,
                         void (*undo)(struct domain *d, long rc))
{
    struct evtchn_domain_stats st0, st1;
    struct fault_walk w;
    uint64_t f0;
    long rc;

    fault_walk_init(&w, FAULT_WALK_ANY, 200);
    while ( fault_walk_next(&w) )
    {
        evtchn_domain_get_stats(d, &st0);
        f0 = free_pages();
        fault_walk_arm(&w);
        rc = op(d);
        evtchn_domain_get_stats(d, &st1);
        if ( fault_walk_failed(&w, rc, -ENOMEM) )
        {
            assert_memory_equal(&st0, &st1, sizeof(st0));
            assert_int_equal(free_pages(), f0);
        }
        else
            assert_int_equal(st1.l3_pages + st1.fifo_pages, pages);
        assert_int_equal(evtchn_check(), 0);
        if ( rc >= 0 )
            undo(d, rc);
    }
    return (unsigned int)w.failed;
}

/** Domain creation fails cleanly at every point. */
static void test_domain_create(void **state)
{
    struct domain_config cfg;
    struct fault_walk w;
    uint64_t f0 = free_pages();

    (void)state;
    domain_config_default(&cfg);
    cfg.max_vcpus = 40; /* with the extra vcpu_info page */
    fault_walk_init(&w, FAULT_WALK_ANY, 400);
    while ( fault_walk_next(&w) )
    {
        struct domain *d = NULL;
        int rc;

        fault_walk_arm(&w);
        rc = domain_create(1, &cfg, &d);
        if ( fault_walk_failed(&w, rc, -ENOMEM) )
        {
            assert_int_equal(domain_count(), 0);
            assert_int_equal(free_pages(), f0);
            continue;
        }
        assert_int_equal(domain_count(), 1);
        assert_int_equal(evtchn_check(), 0);
        ew_destroy(d);
        assert_int_equal(free_pages(), f0);
    }
    assert_true(w.failed > 3);
}

/** A port that needs a new bucket: every point, on a fresh domain each. */
static void test_grow_bucket(void **state)
{
    struct fault_walk w;
    unsigned int i;

    (void)state;
    fault_walk_init(&w, FAULT_WALK_ANY, 200);
    while ( fault_walk_next(&w) )
    {
        struct domain *d = ew_domain(1, 1, false);
        struct evtchn_domain_stats st0, st1;
        uint64_t f0;
        long rc;

        for ( i = 1; i < 128; i++ )
            assert_int_equal(ew_bind_ipi(d, 0), i);
        evtchn_domain_get_stats(d, &st0);
        f0 = free_pages();
        fault_walk_arm(&w);
        rc = ew_bind_ipi(d, 0);
        evtchn_domain_get_stats(d, &st1);
        if ( fault_walk_failed(&w, rc, -ENOMEM) )
        {
            assert_memory_equal(&st0, &st1, sizeof(st0));
            assert_int_equal(free_pages(), f0);
        }
        else
        {
            assert_int_equal(rc, 128);
            assert_int_equal(st1.buckets, st0.buckets + 1);
            assert_int_equal(st1.active_evtchns, st0.active_evtchns + 1);
        }
        assert_int_equal(evtchn_check(), 0);
        ew_destroy(d);
    }
    assert_true(w.failed >= 1);
}

/** A port that needs a new group: the group page, then the bucket page. */
static void test_grow_group(void **state)
{
    struct domain_config cfg;
    struct domain *d;
    struct evtchn_domain_stats st0, st1;
    uint64_t f0;
    unsigned int i, nth;

    (void)state;
    domain_config_default(&cfg);
    cfg.max_pages = 256;
    cfg.privileged = true;
    cfg.max_evtchn_port = 300000;
    d = ew_domain_cfg(1, &cfg);
    assert_int_equal(op_bitmaps(d), 0);
    for ( i = 1; i < 65536; i++ )
        assert_int_equal(alloc_unbound_xen_event_channel(d, 0, 0, NULL), i);
    evtchn_domain_get_stats(d, &st0);
    assert_int_equal(st0.groups, 1);
    f0 = free_pages();
    for ( nth = 1; nth <= 2; nth++ )
    {
        sim_fault_arm(HAL_FAULT_HEAP, nth);
        assert_int_equal(alloc_unbound_xen_event_channel(d, 0, 0, NULL),
                         -ENOMEM);
        assert_true(sim_fault_fired());
        evtchn_domain_get_stats(d, &st1);
        assert_memory_equal(&st0, &st1, sizeof(st0));
        assert_int_equal(free_pages(), f0);
        assert_int_equal(evtchn_check(), 0);
    }
    assert_int_equal(alloc_unbound_xen_event_channel(d, 0, 0, NULL), 65536);
    evtchn_domain_get_stats(d, &st1);
    assert_int_equal(st1.groups, 2);
    assert_int_equal(st1.buckets, 513);
    assert_int_equal(st1.active_evtchns, 65536);
    assert_int_equal(st1.xen_evtchns, 65536);
    ew_destroy(d);
    assert_int_equal(evtchn_check(), 0);
}

static long op_bitmaps(struct domain *d)
{
    struct evtchn_register_extended r = {
        .cmd = EVTCHN_EXTENDED_REGISTER_BITMAPS };
    unsigned int i;

    r.u.bitmaps.nr_pages = 8;
    for ( i = 0; i < 8; i++ )
    {
        r.u.bitmaps.pending_gfn[i] = EW_RAM_GFN + i;
        r.u.bitmaps.mask_gfn[i] = EW_RAM_GFN + 8 + i;
    }
    return ew_op(d, EVTCHNOP_register_extended, &r);
}

static long op_l2(struct domain *d)
{
    struct evtchn_register_extended r = { .cmd = EVTCHN_EXTENDED_REGISTER_L2 };

    r.u.l2.vcpu = 0;
    r.u.l2.gfn = EW_RAM_GFN + 16;
    return ew_op(d, EVTCHNOP_register_extended, &r);
}

static void undo_reset(struct domain *d, long rc)
{
    struct evtchn_reset r = { .dom = DOMID_SELF };

    (void)rc;
    assert_int_equal(ew_op(d, EVTCHNOP_reset, &r), 0);
}

static void undo_l2(struct domain *d, long rc)
{
    undo_reset(d, rc);
    assert_int_equal(op_bitmaps(d), 0);
}

/** 3-level registration fails cleanly at every point. */
static void test_register(void **state)
{
    struct domain *d = ew_domain(1, 1, true);
    struct evtchn_domain_stats st;

    (void)state;
    assert_true(walk(d, op_bitmaps, 16, undo_reset) >= 17);
    assert_int_equal(op_bitmaps(d), 0);
    assert_true(walk(d, op_l2, 17, undo_l2) >= 1);
    assert_int_equal(op_l2(d), 0);
    evtchn_domain_get_stats(d, &st);
    assert_int_equal(st.l3_pages, 17);
    ew_destroy(d);
}

static long op_init_control(struct domain *d, unsigned int vcpu)
{
    struct evtchn_init_control c = { .control_gfn = EW_RAM_GFN + 20 + vcpu,
                                     .vcpu = vcpu };

    return ew_op(d, EVTCHNOP_init_control, &c);
}

static long op_fifo_first(struct domain *d)
{
    return op_init_control(d, 0);
}

static long op_fifo_second(struct domain *d)
{
    return op_init_control(d, 1);
}

static long op_expand(struct domain *d)
{
    struct evtchn_expand_array e = { .array_gfn = EW_RAM_GFN + 22 };

    return ew_op(d, EVTCHNOP_expand_array, &e);
}

static void undo_to_fifo(struct domain *d, long rc)
{
    undo_reset(d, rc);
    assert_int_equal(op_fifo_first(d), 0);
}

/** FIFO registration fails cleanly at every point. */
static void test_register_fifo(void **state)
{
    struct domain *d = ew_domain(1, 2, false);
    struct evtchn_domain_stats st;

    (void)state;
    assert_true(ew_bind_ipi(d, 1) > 0);
    /* Both vCPUs' queues, the array state, the control block's mapping. */
    assert_true(walk(d, op_fifo_first, 1, undo_reset) >= 4);
    assert_int_equal(op_fifo_first(d), 0);
    assert_true(walk(d, op_fifo_second, 2, undo_to_fifo) >= 1);
    assert_true(walk(d, op_expand, 2, undo_to_fifo) >= 1);
    assert_int_equal(op_expand(d), 0);
    assert_int_equal(op_fifo_second(d), 0);
    evtchn_domain_get_stats(d, &st);
    assert_int_equal(st.fifo_pages, 3);
    assert_int_equal(st.abi, EVTCHN_ABI_FIFO);
    ew_destroy(d);
}

/** The dump with no memory for its snapshot says so and holds nothing. */
static void test_dump(void **state)
{
    struct domain *d = ew_domain(1, 1, false);

    (void)state;
    assert_true(ew_bind_ipi(d, 0) > 0);
    sim_fault_arm(HAL_FAULT_XMALLOC, 1);
    evtchn_dump_domain(d);
    assert_true(sim_fault_fired());
    evtchn_dump();
    assert_int_equal(evtchn_check(), 0);
    ew_destroy(d);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, ew_setup, ew_teardown)
    const struct CMUnitTest tests[] = {
        T(test_domain_create),
        T(test_grow_bucket),
        T(test_grow_group),
        T(test_register),
        T(test_register_fifo),
        T(test_dump),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
