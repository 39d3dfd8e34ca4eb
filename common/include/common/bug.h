/* SPDX-License-Identifier: MIT */
/*
 * Checks on our own invariants.  Never for guest input: guest input gets an
 * error back (Hafnium's check.h: not for conditions that can legitimately
 * be false).
 */
#ifndef COMMON_BUG_H
#define COMMON_BUG_H

#include <common/compiler.h>

__noreturn void bug_fail(const char *cond, const char *file, int line);

#define BUG() bug_fail("BUG", __FILE__, __LINE__)
#define BUG_ON(cond)                                                        \
    do {                                                                    \
        if ( unlikely(cond) )                                               \
            bug_fail(#cond, __FILE__, __LINE__);                            \
    } while ( 0 )

#ifndef NDEBUG
#define ASSERT(cond) BUG_ON(!(cond))
#else
#define ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif /* COMMON_BUG_H */
