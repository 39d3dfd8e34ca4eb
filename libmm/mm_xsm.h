/* SPDX-License-Identifier: MIT */
/*
 * libmm's XSM calls, in one place.  With libxsm in the build they are its
 * hooks (libxsm/xsm.h), called with the default action Xen's memory.c names;
 * without it, the dummy policy's XSM_TARGET rule written out: the domain
 * itself, its device model, or the control domain.
 */
#ifndef LIBMM_MM_XSM_H
#define LIBMM_MM_XSM_H

#include <common/domain.h>
#include <common/errno.h>

#ifdef HVCORE_HAVE_XSM
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
#else
static inline int mm_xsm_target(struct domain *cur, struct domain *d)
{
    return cur == d || cur->is_privileged || domain_is_dm_of(cur, d)
               ? 0 : -EPERM;
}

static inline int mm_xsm_adjust_reservation(struct domain *cur,
                                            struct domain *d)
{
    return mm_xsm_target(cur, d);
}

static inline int mm_xsm_stat_reservation(struct domain *cur,
                                          struct domain *d)
{
    return mm_xsm_target(cur, d);
}

static inline int mm_xsm_add_to_physmap(struct domain *cur, struct domain *d)
{
    return mm_xsm_target(cur, d);
}
#endif

#endif /* LIBMM_MM_XSM_H */
