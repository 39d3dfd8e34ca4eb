/* SPDX-License-Identifier: MIT */
/*
 * The whole HAL contract in one include.
 *
 * Start-up is backend-specific and done by the program, not by core code:
 * the simulator's `sim_init` (hal/sim/include/hal_sim/sim.h), the boot entry
 * on bare metal.  Core code may use every service once it has run.
 */
#ifndef HAL_HAL_H
#define HAL_HAL_H

#include <hal/atomic.h>
#include <hal/bitstring.h>
#include <hal/console.h>
#include <hal/cpu.h>
#include <hal/fault.h>
#include <hal/guest.h>
#include <hal/map.h>
#include <hal/memmap.h>
#include <hal/panic.h>
#include <hal/rwlock.h>
#include <hal/spinlock.h>
#include <hal/time.h>
#include <hal/tlb.h>
#include <hal/types.h>

/** Returns the backend's name: "sim" or "x86_64". */
const char *hal_backend_name(void);

#endif /* HAL_HAL_H */
