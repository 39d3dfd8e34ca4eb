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

#include "world_cmocka.h"

#include <common/domain.h>
#include <common/errno.h>
#include <common/init.h>
#include <hal_sim/sim.h>
#include <libmm/mm.h>

#define MM_WORLD_MEM WORLD_DEFAULT_MEM

#ifdef MM_TEST_DIRECTMAP
/* The suite's second build: the same tests over a full direct map. */
static inline int mm_world_configure(void *arg)
{
    (void)arg;
    mm_config_directmap(true);
    return 0;
}
#else
#define mm_world_configure NULL
#endif

static inline int mm_world_up(uint64_t mem, unsigned int cpus)
{
    return world_start_with(mem, cpus, mm_world_configure, NULL);
}

static inline int mm_world_setup(void **state)
{
    (void)state;
    return mm_world_up(MM_WORLD_MEM, WORLD_DEFAULT_CPUS);
}

#define mm_world_teardown world_teardown
#define mm_world_domain world_domain
#define mm_world_destroy world_destroy

/** Free pages with every deferred page returned. */
static inline uint64_t mm_world_free_pages(void)
{
    struct mm_stats s;

    mm_deferred_flush();
    mm_get_stats(&s);
    return s.free_pages;
}

#endif /* LIBMM_TESTS_MM_WORLD_H */
