/* SPDX-License-Identifier: MIT */
/* Domains: creation errors, failure at every allocation point, references, destruction. */
#include "fault_walk.h"
#include "world_cmocka.h"

#include <pthread.h>
#include <stdlib.h>

#include <common/domain.h>
#include <common/errno.h>
#include <common/hypercall.h>
#include <common/subsys.h>
#include <common/init.h>
#include <hal/atomic.h>
#include <hal/map.h>
#include <hal_sim/sim.h>
#include <libmm/mm.h>
#include <libmm/page.h>

static struct domain *create(domid_t id, domid_t target, unsigned int vcpus)
{
    struct domain_config cfg;
    struct domain *d = NULL;

    domain_config_default(&cfg);
    cfg.target = target;
    cfg.max_vcpus = vcpus;
    assert_int_equal(domain_create(id, &cfg, &d), 0);
    return d;
}

static void bad_configurations(void **state)
{
    static const struct {
        domid_t domid;
        unsigned int vcpus;
        domid_t target;
        int rc;
    } cases[] = {
        { DOMID_SELF, 1, DOMID_INVALID, -EINVAL },
        { DOMID_IDLE, 1, DOMID_INVALID, -EINVAL },
        { 5, 0, DOMID_INVALID, -EINVAL },
        { 5, HVCORE_MAX_VCPUS + 1, DOMID_INVALID, -EINVAL },
        { 5, 1, 5, -EINVAL },          /* its own device model */
        { 5, 1, DOMID_XEN, -EINVAL },  /* a reserved id as target */
        { 5, 1, 6, -ESRCH },           /* a target that does not exist */
    };
    struct domain_config cfg;
    struct domain *d;
    size_t i;

    (void)state;
    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        domain_config_default(&cfg);
        cfg.max_vcpus = cases[i].vcpus;
        cfg.target = cases[i].target;
        d = (struct domain *)0x1;
        assert_int_equal(domain_create(cases[i].domid, &cfg, &d), cases[i].rc);
        assert_ptr_equal(d, (struct domain *)0x1); /* untouched on error */
        assert_int_equal(domain_count(), 0);
    }
}

static void duplicate_domid(void **state)
{
    struct domain_config cfg;
    struct domain *d = create(1, DOMID_INVALID, 1), *e = NULL;

    (void)state;
    domain_config_default(&cfg);
    assert_int_equal(domain_create(1, &cfg, &e), -EEXIST);
    assert_null(e);
    assert_int_equal(domain_count(), 1);
    world_destroy(d);
    /* The id is free again once the domain is gone. */
    world_destroy(create(1, DOMID_INVALID, 1));
}

/*
 * Walks every allocation point of domain_create: the Nth allocation fails,
 * the call returns -ENOMEM and leaves no domain behind (Valgrind checks
 * that nothing leaks), until N is past the last allocation.  A point whose
 * failure is absorbed (map_domain_page retries) creates the domain.
 */
static void create_fails_cleanly_at_every_allocation(void **state)
{
    struct domain_config cfg;
    struct fault_walk w;
    struct domain *d;
    int rc;

    (void)state;
    domain_config_default(&cfg);
    cfg.max_vcpus = 3;
    fault_walk_init(&w, FAULT_WALK_ANY, 200);
    while ( fault_walk_next(&w) )
    {
        d = NULL;
        fault_walk_arm(&w);
        rc = domain_create(7, &cfg, &d);
        if ( fault_walk_failed(&w, rc, -ENOMEM) )
        {
            assert_null(d);
            assert_int_equal(domain_count(), 0);
            assert_null(get_domain_by_id(7));
            continue;
        }
        assert_non_null(d);
        assert_int_equal(d->max_vcpus, 3);
        assert_non_null(d->vcpu[2]);
        assert_int_equal(domain_count(), 1);
        world_destroy(d);
    }
    assert_true(w.failed >= 5); /* domain, vCPU array, three vCPUs at least */
}

static void references_outlive_destroy(void **state)
{
    struct domain *d = create(3, DOMID_INVALID, 2), *ref;
    int rc;

    (void)state;
    ref = get_domain_by_id(3);
    assert_ptr_equal(ref, d);
    put_domain(ref);

    while ( (rc = domain_destroy(d)) == -ERESTART )
        ;
    assert_int_equal(rc, 0);
    /* Unregistered, but our reference keeps the structure readable. */
    assert_null(get_domain_by_id(3));
    assert_true(domain_is_dying(d));
    assert_int_equal(d->state, DOMSTATE_DEAD);
    assert_int_equal(d->vcpu[1]->vcpu_id, 1);
    assert_int_equal(domain_destroy(d), 0); /* a second destroy is harmless */
    put_domain(d);
}

static void target_reference_held(void **state)
{
    struct domain *guest = create(10, DOMID_INVALID, 1);
    struct domain *dm = create(11, 10, 1);

    (void)state;
    assert_ptr_equal(dm->target, guest);
    /* Destroying the guest first: the device model's reference keeps it. */
    world_destroy(guest);
    assert_int_equal(dm->target->domain_id, 10);
    world_destroy(dm);
    assert_int_equal(domain_count(), 0);
}

static void pause_counts(void **state)
{
    struct domain *d = create(4, DOMID_INVALID, 1);

    (void)state;
    domain_pause(d);
    domain_pause(d);
    assert_int_equal(d->pause_count, 2);
    domain_unpause(d);
    domain_unpause(d);
    assert_int_equal(d->pause_count, 0);
    world_destroy(d);
}

/* Lookups on three pCPUs race with creation and destruction on a fourth. */
struct race {
    volatile int stop;
    unsigned long found;
};

static void racer(unsigned int cpu, void *arg)
{
    struct race *r = arg;
    unsigned int round;

    if ( cpu == 0 )
    {
        for ( round = 0; round < 300; round++ )
            world_destroy(create((domid_t)(20 + round % 4), DOMID_INVALID, 1));
        hal_store_release(&r->stop, 1);
        return;
    }
    while ( !hal_load_acquire(&r->stop) )
    {
        struct domain *d = get_domain_by_id((domid_t)(20 + cpu));

        if ( d )
        {
            /* Held: the domain cannot be freed under us. */
            assert_int_equal(d->domain_id, 20 + cpu);
            assert_non_null(d->vcpu[0]);
            hal_fetch_add(&r->found, 1);
            put_domain(d);
        }
    }
}

static void concurrent_lookup_and_destroy(void **state)
{
    struct race r = { 0, 0 };

    (void)state;
    sim_run_cpus(4, racer, &r);
    assert_int_equal(domain_count(), 0);
}

/*
 * Where the frame table lives in machine memory: the machine frame behind
 * each of its pages, read before hvcore_fini unmaps it.  The simulator's
 * machine memory outlives hvcore_fini (until sim_fini), so the page_info
 * entries hvcore left behind can still be read through it.
 */
struct frame_table_copy {
    uint64_t nr_frames;
    unsigned long nr_pages;
    hal_mfn_t *mfns;
};

static void frame_table_locate(struct frame_table_copy *ft)
{
    uintptr_t base = (uintptr_t)frame_table;
    unsigned long i;

    ft->nr_frames = mm_max_mfn;
    ft->nr_pages = (unsigned long)((ft->nr_frames * sizeof(struct page_info) +
                                    HAL_PAGE_SIZE - 1) / HAL_PAGE_SIZE);
    assert_int_equal(base % HAL_PAGE_SIZE, 0);
    ft->mfns = calloc(ft->nr_pages, sizeof(*ft->mfns));
    assert_non_null(ft->mfns);
    for ( i = 0; i < ft->nr_pages; i++ )
        assert_true(hal_translate(base + i * HAL_PAGE_SIZE, &ft->mfns[i],
                                  NULL));
}

/* Frame `mfn`'s page_info, read through the simulator's view. */
static const struct page_info *frame_table_entry(
    const struct frame_table_copy *ft, uint64_t mfn)
{
    size_t off = (size_t)mfn * sizeof(struct page_info);
    const char *page = sim_machine_frame(ft->mfns[off / HAL_PAGE_SIZE]);

    assert_non_null(page);
    return (const struct page_info *)(page + off % HAL_PAGE_SIZE);
}

/* Frames in use and owned by some domain (owner slot 0 is Xen's own). */
static unsigned long domain_owned_frames(const struct frame_table_copy *ft)
{
    unsigned long n = 0;
    uint64_t mfn;

    for ( mfn = 0; mfn < ft->nr_frames; mfn++ )
    {
        const struct page_info *pg = frame_table_entry(ft, mfn);

        if ( page_state(pg) == PGC_state_inuse && pg->v.owner != 0 )
            n++;
    }
    return n;
}

static bool fini_done;

static int teardown_after_fini(void **state)
{
    if ( !fini_done )
        return world_teardown(state);
    sim_fini();
    return 0;
}

/*
 * hvcore_fini destroys the domains still registered: afterwards no domain
 * is found and no machine frame is still owned by a domain (their RAM,
 * grant and event channel pages went back).  The test calls hvcore_fini
 * itself and reads the frame table hvcore left in machine memory.
 */
static void fini_destroys_remaining_domains(void **state)
{
    struct frame_table_copy ft;
    struct domain *d30 = create(30, DOMID_INVALID, 1);
    struct domain *d31 = create(31, 30, 2);
    unsigned long done = 0, before;

    (void)state;
    assert_int_equal(mm_populate_physmap(d30, _gfn(0), 16, 0, &done), 0);
    assert_int_equal(mm_populate_physmap(d31, _gfn(0), 2, 2, &done), 0);
    put_domain(d30);
    put_domain(d31);
    assert_int_equal(domain_count(), 2);
    frame_table_locate(&ft);
    before = domain_owned_frames(&ft);
    assert_true(before >= 16 + 2 * 4);

    fini_done = true;
    hvcore_fini();

    assert_int_equal(domain_count(), 0);
    assert_null(get_domain_by_id(30));
    assert_null(get_domain_by_id(31));
    if ( domain_owned_frames(&ft) )
        fail_msg("%lu of %lu frames still owned by a domain after hvcore_fini",
                 domain_owned_frames(&ft), before);
    free(ft.mfns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bad_configurations, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(duplicate_domid, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(create_fails_cleanly_at_every_allocation,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(references_outlive_destroy, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(target_reference_held, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(pause_counts, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(concurrent_lookup_and_destroy, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(fini_destroys_remaining_domains, world_setup,
                                        teardown_after_fini),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
