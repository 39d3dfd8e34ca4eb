/* SPDX-License-Identifier: MIT */
/*
 * The HAL contract suite on the simulator, once per machine shape: one pCPU
 * and several, small and larger memory.  Each run is a fresh machine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <hal_sim/sim.h>

#include "hal_contract_tests.h"

static const struct sim_config configs[] = {
    { .mem_bytes = 16ULL << 20, .cpus = 1 },
    { .mem_bytes = 64ULL << 20, .cpus = 4 },
    { .mem_bytes = 256ULL << 20, .cpus = HAL_MAX_CPUS },
};

static void test_contract(void **state)
{
    unsigned int i, run, failed;

    for ( i = 0; i < sizeof(configs) / sizeof(configs[0]); i++ )
    {
        assert_int_equal(sim_init(&configs[i]), 0);
        run = 0;
        failed = selftest_run_suite(&hal_contract_suite, &run);
        /* The suite leaves no mapping behind: only the root table. */
        assert_int_equal(hal_pt_pages_in_use(), 1);
        sim_fini();
        assert_int_equal(failed, 0);
        assert_true(run >= 16);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
