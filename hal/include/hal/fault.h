/* SPDX-License-Identifier: MIT */
/*
 * HAL service: fault injection for tests.
 *
 * Every allocation point in the HAL and the core libraries asks
 * `hal_fault_hit(site)` first and fails as if out of memory when it returns
 * true.  The simulator lets a test arm the Nth hit of one site, or of any
 * site, so a test can walk every allocation point of an operation.  Bare
 * metal never injects.
 *
 * A walk asserts that a failed point fails the operation and changes
 * nothing.  Code that recovers from a failed hit by design (a retry, a
 * fallback) says so with `hal_fault_absorbed`, so that the walk expects the
 * operation to succeed instead.
 */
#ifndef HAL_FAULT_H
#define HAL_FAULT_H

#include <hal/types.h>

enum hal_fault_site {
    HAL_FAULT_MAP,       /* hal_map_frames */
    HAL_FAULT_PT_ALLOC,  /* a page-table page */
    HAL_FAULT_HEAP,      /* libmm: heap pages */
    HAL_FAULT_XMALLOC,   /* libmm: small objects */
    HAL_FAULT_VMAP,      /* libmm: virtual ranges */
    HAL_FAULT_SITE_COUNT
};

/** Returns true if this hit of `site` must fail. */
bool hal_fault_hit(enum hal_fault_site site);

/**
 * Reports that the calling CPU recovered, by design, from the failure of its
 * last hit of `site` (or of a call that failed only because of such a hit):
 * the operation in progress goes on as if the hit had not failed.
 */
void hal_fault_absorbed(enum hal_fault_site site);

#endif /* HAL_FAULT_H */
