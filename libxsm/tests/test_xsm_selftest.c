/* SPDX-License-Identifier: MIT */
/*
 * Runs libxsm's freestanding self-test suite on the simulator, as the boot
 * target runs it after hvcore_init: once with the dummy in force (FLASK
 * idle: the FLASK tests start their own and load the built-in policy) and
 * once with FLASK in force on the built-in policy (they must leave its
 * policy, sequence number and decisions as they were).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <common/selftest.h>
#include <libxsm/xsm.h>
#ifdef HVCORE_XSM_FLASK
#include <libxsm/flask.h>
#endif

#include "world_cmocka.h"

static void test_suite(void **state)
{
    unsigned int run = 0;

    (void)state;
    assert_int_equal(selftest_run_suite(&xsm_selftest_suite, &run), 0);
#ifdef HVCORE_XSM_FLASK
    assert_int_equal(run, 3);
#else
    assert_int_equal(run, 1);
#endif
    assert_int_equal(xsm_check(), 0);
}

#ifdef HVCORE_XSM_FLASK
static int flask_setup(void **state)
{
    (void)state;
    return world_start_xsm(WORLD_DEFAULT_MEM, 2, WORLD_XSM_FLASK);
}

/* FLASK in force: the suite changes neither its policy nor its answers. */
static void test_suite_flask_in_force(void **state)
{
    uint16_t event = flask_class_by_name("event");
    struct flask_av before, after;
    uint32_t seqno = flask_policy_seqno();

    assert_int_equal(xsm_current_provider(), XSM_PROVIDER_FLASK);
    assert_int_equal(seqno, 1);
    assert_int_equal(flask_compute_av(12, 3, event, &before), 0);
    test_suite(state);
    assert_int_equal(flask_policy_seqno(), seqno);
    assert_int_equal(flask_compute_av(12, 3, event, &after), 0);
    assert_memory_equal(&before, &after, sizeof(before));
}
#endif

static int dummy_setup(void **state)
{
    (void)state;
    return world_start_xsm(WORLD_DEFAULT_MEM, 2, WORLD_XSM_DUMMY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_suite, dummy_setup,
                                        world_teardown),
#ifdef HVCORE_XSM_FLASK
        cmocka_unit_test_setup_teardown(test_suite_flask_in_force,
                                        flask_setup, world_teardown),
#endif
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
