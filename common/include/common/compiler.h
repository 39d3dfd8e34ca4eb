/* SPDX-License-Identifier: MIT */
/* Compiler attributes and helpers used across core code. */
#ifndef COMMON_COMPILER_H
#define COMMON_COMPILER_H

#include <hal/types.h>

#define __must_check __attribute__((warn_unused_result))
#define __packed __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __maybe_unused __attribute__((unused))
#ifndef __always_inline /* glibc's <sys/cdefs.h> has the same */
#define __always_inline inline __attribute__((always_inline))
#endif
#define __noinline __attribute__((noinline))
#define __noreturn _Noreturn
#define __printf(a, b) __attribute__((format(printf, a, b)))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member)                                     \
    ((type *)((char *)(ptr) - offsetof(type, member)))

/* Layout checks for ABI structures: name where the layout comes from. */
#define BUILD_BUG_ON(cond) static_assert(!(cond), #cond)
#define ABI_CHECK_SIZE(type, size, src)                                     \
    static_assert(sizeof(type) == (size), #type " size (" src ")")
#define ABI_CHECK_OFFSET(type, member, off, src)                            \
    static_assert(offsetof(type, member) == (off),                         \
                  #type "." #member " offset (" src ")")

#endif /* COMMON_COMPILER_H */
