/* SPDX-License-Identifier: MIT */
/* The freestanding self-test runner shared by ctest and the boot target. */
#include <common/selftest.h>

/** Runs each test of `suite`, one line per test; returns the failures. */
unsigned int selftest_run_suite(const struct selftest_suite *suite,
                                unsigned int *run)
{
    const struct selftest *t;
    unsigned int failed = 0, count = 0;

    for ( t = suite->tests; t->name; t++ )
    {
        int rc = t->fn();

        count++;
        if ( rc )
            failed++;
        printk("[%s] %s.%s\n", rc ? "FAIL" : " ok ", suite->name, t->name);
    }
    printk("%s: %u run, %u failed\n", suite->name, count, failed);
    if ( run )
        *run += count;
    return failed;
}
