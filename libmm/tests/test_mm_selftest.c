/* SPDX-License-Identifier: MIT */
/* Runs libmm's freestanding self-test suite on the simulator, both with
 * per-CPU slots and with a full direct map. */
#include "mm_world.h"

#include <common/selftest.h>

static void run_suite(bool directmap)
{
    unsigned int run = 0;

    mm_config_directmap(directmap);
    assert_int_equal(mm_world_up(MM_WORLD_MEM, 2), 0);
    assert_int_equal(mm_has_directmap(), directmap);
    assert_int_equal(selftest_run_suite(&mm_selftest_suite, &run), 0);
    assert_true(run >= 4);
    assert_int_equal(mm_check(), 0);
    mm_world_teardown(NULL);
    mm_config_directmap(false);
}

static void test_selftest_slots(void **state)
{
    run_suite(false);
}

static void test_selftest_directmap(void **state)
{
    run_suite(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selftest_slots),
        cmocka_unit_test(test_selftest_directmap),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
