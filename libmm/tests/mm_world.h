/* SPDX-License-Identifier: MIT */
/* A fresh simulated world per test, and helpers libmm's suites share. */
#ifndef LIBMM_TESTS_MM_WORLD_H
#define LIBMM_TESTS_MM_WORLD_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <common/domain.h>
#include <common/errno.h>
#include <common/init.h>
#include <hal_sim/sim.h>
#include <libmm/mm.h>

#define MM_WORLD_MEM (64UL << 20)

static inline int mm_world_up(uint64_t mem, unsigned int cpus)
{
    struct sim_config cfg = { .mem_bytes = mem, .cpus = cpus };

#ifdef MM_TEST_DIRECTMAP
    /* The suite's second build: the same tests over a full direct map. */
    mm_config_directmap(true);
#endif
    if ( sim_init(&cfg) )
        return -1;
    if ( hvcore_init() )
    {
        sim_fini();
        return -1;
    }
    return 0;
}

static inline int mm_world_setup(void **state)
{
    (void)state;
    return mm_world_up(MM_WORLD_MEM, 4);
}

static inline int mm_world_teardown(void **state)
{
    (void)state;
    hvcore_fini();
    sim_fini();
    return 0;
}

/** Creates a domain with `max_pages`; fails the test on error. */
static inline struct domain *mm_world_domain(domid_t id, uint64_t max_pages,
                                             bool privileged)
{
    struct domain_config cfg;
    struct domain *d = NULL;

    domain_config_default(&cfg);
    cfg.max_pages = max_pages;
    cfg.privileged = privileged;
    assert_int_equal(domain_create(id, &cfg, &d), 0);
    return d;
}

/** Destroys `d` completely and drops the caller's reference. */
static inline void mm_world_destroy(struct domain *d)
{
    int rc;

    while ( (rc = domain_destroy(d)) == -ERESTART )
        ;
    assert_int_equal(rc, 0);
    put_domain(d);
}

/** Free pages with every deferred page returned. */
static inline uint64_t mm_world_free_pages(void)
{
    struct mm_stats s;

    mm_deferred_flush();
    mm_get_stats(&s);
    return s.free_pages;
}

#endif /* LIBMM_TESTS_MM_WORLD_H */
