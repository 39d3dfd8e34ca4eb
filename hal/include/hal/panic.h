/* SPDX-License-Identifier: MIT */
/*
 * HAL service: stopping the machine.
 *
 * `hal_panic` writes `msg` to the console and never returns: the simulator
 * aborts the process (so tests and fuzzers see a crash), bare metal reports
 * failure through QEMU's debug-exit device and halts.
 */
#ifndef HAL_PANIC_H
#define HAL_PANIC_H

#include <hal/types.h>

_Noreturn void hal_panic(const char *msg);

#endif /* HAL_PANIC_H */
