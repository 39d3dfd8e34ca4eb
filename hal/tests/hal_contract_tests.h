/* SPDX-License-Identifier: MIT */
/*
 * The HAL contract suite (hal_contract_tests.c), for the runners that link
 * it: the simulator's ctest and the boot target's in-kernel runner.
 */
#ifndef HAL_TESTS_HAL_CONTRACT_TESTS_H
#define HAL_TESTS_HAL_CONTRACT_TESTS_H

#include <common/selftest.h>

extern const struct selftest_suite hal_contract_suite;

#endif /* HAL_TESTS_HAL_CONTRACT_TESTS_H */
