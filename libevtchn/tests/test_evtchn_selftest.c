/* SPDX-License-Identifier: MIT */
/* Runs libevtchn's freestanding self-test suite on the simulator. */
#include "evtchn_world.h"

#include <common/selftest.h>

static void test_selftest(void **state)
{
    unsigned int run = 0;

    (void)state;
    assert_int_equal(selftest_run_suite(&evtchn_selftest_suite, &run), 0);
    assert_true(run >= 2);
    assert_int_equal(evtchn_check(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#ifdef HVCORE_XSM_FLASK /* the FLASK run needs FLASK built in */
        cmocka_unit_test_setup_teardown(test_selftest, ew_setup_flask,
                                        ew_teardown),
#endif
        cmocka_unit_test_setup_teardown(test_selftest, ew_setup, ew_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
