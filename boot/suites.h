/* SPDX-License-Identifier: MIT */
/* The self-test suites the in-kernel runner runs (suites.c). */
#ifndef BOOT_SUITES_H
#define BOOT_SUITES_H

#include <common/selftest.h>

struct boot_suite {
    const char *lib;                     /* NULL ends the table */
    const struct selftest_suite *suite;  /* NULL if none was linked */
    bool built;                          /* the library is in this build */
    bool before_init;                    /* run before hvcore_init */
};

extern const struct boot_suite boot_suites[];

/* Libraries in this build that define no self-test suite ("" if none). */
extern const char boot_libs_without_suite[];

#endif /* BOOT_SUITES_H */
