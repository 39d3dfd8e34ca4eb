/* SPDX-License-Identifier: MIT */
/*
 * HAL service: the console log sink.
 *
 * Writes `len` bytes.  Safe from any CPU; lines from different CPUs may
 * interleave at write boundaries but a single call's bytes are not split.
 * Formatting lives in common/ (printk), not here.
 */
#ifndef HAL_CONSOLE_H
#define HAL_CONSOLE_H

#include <hal/types.h>

void hal_console_write(const char *s, size_t len);

#endif /* HAL_CONSOLE_H */
