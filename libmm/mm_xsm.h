/* SPDX-License-Identifier: MIT */
/*
 * libmm's XSM calls, in one place: libxsm's hooks (libxsm/xsm.h), called
 * with the default action Xen's memory.c names.
 */
#ifndef LIBMM_MM_XSM_H
#define LIBMM_MM_XSM_H

#include <common/domain.h>
#include <common/errno.h>

#include <libxsm/xsm.h>

static inline int mm_xsm_adjust_reservation(struct domain *cur,
                                            struct domain *d)
{
    return xsm_memory_adjust_reservation(XSM_TARGET, cur, d);
}

static inline int mm_xsm_stat_reservation(struct domain *cur,
                                          struct domain *d)
{
    return xsm_memory_stat_reservation(XSM_TARGET, cur, d);
}

static inline int mm_xsm_add_to_physmap(struct domain *cur, struct domain *d)
{
    return xsm_add_to_physmap(XSM_TARGET, cur, d);
}

#endif /* LIBMM_MM_XSM_H */
