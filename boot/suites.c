/* SPDX-License-Identifier: MIT */
/*
 * Every self-test suite the in-kernel runner knows, in one table.
 *
 * Which libraries this build has, and which of them define their suite, is
 * CMake's knowledge: boot/CMakeLists.txt passes BOOT_HAVE_<LIB> (1 when
 * library <lib> is built and defines `<lib>_selftest_suite`, else 0) and
 * makes the linker pull each such suite out of its archive.  The suites
 * are declared weak so an absent one is a NULL here, not a link error; an
 * entry marked built whose suite is still NULL did not link and counts as
 * a failure.
 *
 * The HAL contract suite borrows frames and the top of the region, so it
 * runs before hvcore_init gives memory to libmm.
 */
#include "suites.h"

extern const struct selftest_suite hal_contract_suite __attribute__((weak));
extern const struct selftest_suite common_selftest_suite
    __attribute__((weak));
extern const struct selftest_suite mm_selftest_suite __attribute__((weak));
extern const struct selftest_suite xsm_selftest_suite __attribute__((weak));
extern const struct selftest_suite evtchn_selftest_suite
    __attribute__((weak));
extern const struct selftest_suite gnttab_selftest_suite
    __attribute__((weak));

const struct boot_suite boot_suites[] = {
    { "hal_contract", &hal_contract_suite, BOOT_HAVE_HAL_CONTRACT, true },
    { "common", &common_selftest_suite, true, false },
    { "mm", &mm_selftest_suite, BOOT_HAVE_MM, false },
    { "xsm", &xsm_selftest_suite, BOOT_HAVE_XSM, false },
    { "evtchn", &evtchn_selftest_suite, BOOT_HAVE_EVTCHN, false },
    { "gnttab", &gnttab_selftest_suite, BOOT_HAVE_GNTTAB, false },
    { NULL, NULL, false, false },
};

const char boot_libs_without_suite[] = BOOT_LIBS_WITHOUT_SUITE;
