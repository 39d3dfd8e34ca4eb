/* SPDX-License-Identifier: MIT */
/* A fresh simulated world per test: the simulator, then the core. */
#ifndef COMMON_TESTS_WORLD_H
#define COMMON_TESTS_WORLD_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <common/init.h>
#include <hal_sim/sim.h>

static inline int world_setup(void **state)
{
    struct sim_config cfg = { .mem_bytes = 64UL << 20, .cpus = 4 };

    (void)state;
    if ( sim_init(&cfg) )
        return -1;
    if ( hvcore_init() )
    {
        sim_fini();
        return -1;
    }
    return 0;
}

static inline int world_teardown(void **state)
{
    (void)state;
    hvcore_fini();
    sim_fini();
    return 0;
}

#endif /* COMMON_TESTS_WORLD_H */
