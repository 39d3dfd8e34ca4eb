/* SPDX-License-Identifier: MIT */
/*
 * Freestanding basic types for the HAL contract and all core code.
 *
 * Core code is built with `-nostdinc`, so it cannot use <stdint.h> or
 * <stddef.h>.  The definitions below use the compiler's predefined macros and
 * are token-for-token compatible with glibc's, so a host test may include both.
 */
#ifndef HAL_TYPES_H
#define HAL_TYPES_H

typedef __INT8_TYPE__ int8_t;
typedef __INT16_TYPE__ int16_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __INTPTR_TYPE__ intptr_t;
typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;

#ifndef __bool_true_false_are_defined
#define bool _Bool
#define true 1
#define false 0
#define __bool_true_false_are_defined 1
#endif

#ifndef NULL
#define NULL ((void *)0)
#endif

#ifndef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif

#ifndef static_assert
#define static_assert _Static_assert
#endif

#define HAL_PAGE_SHIFT 12
#define HAL_PAGE_SIZE (1UL << HAL_PAGE_SHIFT)

/* Machine address and machine frame number, as the HAL sees them. */
typedef uint64_t hal_paddr_t;
typedef uint64_t hal_mfn_t;

/* A set of physical CPUs, one bit per CPU id. */
typedef uint64_t hal_cpumask_t;

#endif /* HAL_TYPES_H */
