/* SPDX-License-Identifier: MIT */
/*
 * HAL service: a monotonic clock.
 *
 * Nanoseconds since an arbitrary origin; never goes backwards on one CPU.
 * Bare metal derives it from the TSC, so its absolute rate is approximate.
 */
#ifndef HAL_TIME_H
#define HAL_TIME_H

#include <hal/types.h>

uint64_t hal_time_ns(void);

#endif /* HAL_TIME_H */
