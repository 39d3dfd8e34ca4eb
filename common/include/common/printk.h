/* SPDX-License-Identifier: MIT */
/*
 * Formatted output to the HAL console, and string formatting.
 *
 * Supports %d %i %u %x %X %p %s %c %% with the flags `-` `0`, a field width,
 * and the length modifiers hh h l ll z.  No floating point.
 *
 * The formatters are named apart from C's (hv_ prefix) because simulator
 * builds link core code into host programs: a core `snprintf` would take
 * the place of the C library's for the whole process.
 */
#ifndef COMMON_PRINTK_H
#define COMMON_PRINTK_H

#include <common/compiler.h>
#include <hal/types.h>

typedef __builtin_va_list va_list;
#ifndef va_start /* a host test may have <stdarg.h> already */
#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, type) __builtin_va_arg(ap, type)
#define va_end(ap) __builtin_va_end(ap)
#define va_copy(d, s) __builtin_va_copy(d, s)
#endif

/** Formats into `buf` (always NUL-terminated if size > 0); returns the full length. */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/** Formats a line to the console.  Output of one call is written at once. */
void printk(const char *fmt, ...) __printf(1, 2);

#endif /* COMMON_PRINTK_H */
