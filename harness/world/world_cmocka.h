/* SPDX-License-Identifier: MIT */
/* CMocka set-up and tear-down over the shared world, for every suite. */
#ifndef HARNESS_WORLD_CMOCKA_H
#define HARNESS_WORLD_CMOCKA_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "world.h"

static inline int world_setup(void **state)
{
    (void)state;
    return world_start(WORLD_DEFAULT_MEM, WORLD_DEFAULT_CPUS);
}

static inline int world_teardown(void **state)
{
    (void)state;
    world_stop();
    return 0;
}

/** Creates a domain; fails the test on error. */
static inline struct domain *world_domain(domid_t id, uint64_t max_pages,
                                          bool privileged)
{
    struct domain *d = NULL;

    assert_int_equal(world_create_domain(id, max_pages, privileged, &d), 0);
    return d;
}

/** Destroys a domain completely; fails the test on error. */
static inline void world_destroy(struct domain *d)
{
    assert_int_equal(world_destroy_domain(d), 0);
}

#endif /* HARNESS_WORLD_CMOCKA_H */
