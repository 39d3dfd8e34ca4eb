/* SPDX-License-Identifier: MIT */
/* Runs common/'s self-test suite (the one the boot target runs) on the simulator. */
#include "world_cmocka.h"

#include <common/selftest.h>

static void common_suite_passes(void **state)
{
    (void)state;
    assert_int_equal(selftest_run_suite(&common_selftest_suite, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(common_suite_passes, world_setup,
                                        world_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
