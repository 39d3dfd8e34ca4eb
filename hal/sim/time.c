/* SPDX-License-Identifier: MIT */
/* The monotonic clock: the host's CLOCK_MONOTONIC. */
#include <time.h>

#include "sim_private.h"

/** Returns nanoseconds since an arbitrary origin. */
uint64_t hal_time_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
