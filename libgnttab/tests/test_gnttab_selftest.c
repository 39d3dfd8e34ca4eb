/* SPDX-License-Identifier: MIT */
/*
 * Runs libgnttab's freestanding self-test suite (libgnttab/selftest.c) on
 * the simulator: with the build's default XSM, under FLASK enforcing the
 * built-in policy, and with libmm's full direct map.
 */
#include <libgnttab/gnttab.h>
#include <libmm/mm.h>
#include <libxsm/xsm.h>

#include "world_cmocka.h"

static void run_suite(void)
{
    unsigned int run = 0;

    assert_int_equal(selftest_run_suite(&gnttab_selftest_suite, &run), 0);
    assert_int_equal(run, 3);
    assert_int_equal(gnttab_check(), 0);
    mm_deferred_flush();
    assert_int_equal(mm_check(), 0);
}

static void test_selftest(void **state)
{
    (void)state;
    assert_int_equal(world_start(WORLD_DEFAULT_MEM, 2), 0);
    run_suite();
    world_stop();
}

static void test_selftest_flask(void **state)
{
    (void)state;
#ifdef HVCORE_XSM_FLASK
    assert_int_equal(world_start_xsm(WORLD_DEFAULT_MEM, 2, WORLD_XSM_FLASK),
                     0);
    assert_int_equal(xsm_current_provider(), XSM_PROVIDER_FLASK);
    run_suite();
    world_stop();
#else
    skip();
#endif
}

static int directmap(void *arg)
{
    (void)arg;
    mm_config_directmap(true);
    return 0;
}

static void test_selftest_directmap(void **state)
{
    (void)state;
    assert_int_equal(world_start_with(WORLD_DEFAULT_MEM, 2, directmap, NULL),
                     0);
    assert_true(mm_has_directmap());
    run_suite();
    world_stop();
    mm_config_directmap(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selftest),
        cmocka_unit_test(test_selftest_flask),
        cmocka_unit_test(test_selftest_directmap),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
