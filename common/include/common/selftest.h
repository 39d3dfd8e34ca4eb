/* SPDX-License-Identifier: MIT */
/*
 * A freestanding self-test framework, so one suite runs both under ctest on
 * the simulator and in the boot target's in-kernel runner under QEMU.
 *
 * A test is `int fn(void)` returning 0 on success; SELFTEST_CHECK prints
 * the failed condition with its place and returns 1.  A suite is a static
 * const array of `struct selftest` ended by a NULL name.
 */
#ifndef COMMON_SELFTEST_H
#define COMMON_SELFTEST_H

#include <common/printk.h>

struct selftest {
    const char *name;
    int (*fn)(void);
};

struct selftest_suite {
    const char *name;
    const struct selftest *tests;
};

#define SELFTEST_CHECK(cond)                                                \
    do {                                                                    \
        if ( !(cond) )                                                      \
        {                                                                   \
            printk("    check failed: %s (%s:%d)\n", #cond, __FILE__,       \
                   __LINE__);                                               \
            return 1;                                                       \
        }                                                                   \
    } while ( 0 )

/* Each library's suite, for the boot runner and the ctest wrappers. */
extern const struct selftest_suite common_selftest_suite;

/**
 * Runs every test of `suite`, printing one line per test, and returns the
 * number that failed.  `*run` (if not NULL) is increased by the number run.
 */
unsigned int selftest_run_suite(const struct selftest_suite *suite,
                                unsigned int *run);

#endif /* COMMON_SELFTEST_H */
