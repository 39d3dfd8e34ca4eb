/* SPDX-License-Identifier: MIT */
/*
 * FLASK's security server, for the tools around the core: the `hvsim xsm`
 * subcommand, the differential test, fuzzers and benchmarks.  Core code
 * uses the hooks (xsm.h) and the xsm_op hypercall instead.  Every call
 * needs FLASK to be the provider in force (after `xsm_init`).
 */
#ifndef LIBXSM_FLASK_H
#define LIBXSM_FLASK_H

#include <common/compiler.h>
#include <hal/types.h>

/* An access decision (Xen's `struct av_decision`). */
struct flask_av {
    uint32_t allowed, auditallow, auditdeny, seqno;
};

/* AVC counters, summed over CPUs. */
struct flask_avc_stats {
    uint64_t lookups, hits, misses, allocations, reclaims, frees;
};

/** Loads (or reloads) a binary policy; see FLASK_LOAD.  -EINVAL, -ENOMEM. */
int __must_check flask_load_policy(const void *data, size_t size);

/** The policy's sequence number: 0 before, +1 per load and boolean commit. */
uint32_t flask_policy_seqno(void);

/** Sets enforcing (true) or permissive mode; entering enforcing flushes the AVC. */
void flask_set_enforcing(bool enforcing);

/** Converts a context string (`len` bytes) to a sid.  -EINVAL. */
int __must_check flask_context_to_sid(const char *s, size_t len,
                                      uint32_t *sid);

/**
 * Formats `sid`'s context into `buf`; returns the length including the
 * NUL (larger than `size` if it did not fit).  A sid not in the table
 * reads as the unlabeled initial sid; before any policy initial sids read
 * as their names and others are -EINVAL.
 */
int flask_sid_to_context(uint32_t sid, char *buf, size_t size);

/** A class's number by its name in hvcore's class table, or 0. */
uint16_t flask_class_by_name(const char *name);

/** The name of permission `bit` of `tclass`, or NULL. */
const char *flask_perm_name(uint16_t tclass, unsigned int bit);

/** compute_av, uncached (FLASK_ACCESS).  -EINVAL. */
int __must_check flask_compute_av(uint32_t ssid, uint32_t tsid,
                                  uint16_t tclass, struct flask_av *av);

/** compute_create (FLASK_CREATE).  -EINVAL, -EACCES, -ENOMEM. */
int __must_check flask_compute_create(uint32_t ssid, uint32_t tsid,
                                      uint16_t tclass, uint32_t *newsid);

/** compute_member (FLASK_MEMBER: type_member rules); as compute_create. */
int __must_check flask_compute_member(uint32_t ssid, uint32_t tsid,
                                      uint16_t tclass, uint32_t *newsid);

/** compute_relabel (FLASK_RELABEL: type_change rules); as compute_create. */
int __must_check flask_compute_relabel(uint32_t ssid, uint32_t tsid,
                                       uint16_t tclass, uint32_t *newsid);

/**
 * A permission check through the AVC, as the hooks make it: 0, or
 * -EACCES when denied and enforcing.
 */
int __must_check flask_has_perm(uint32_t ssid, uint32_t tsid,
                                uint16_t tclass, uint32_t requested);

/** Empties the AVC (the next checks miss). */
void flask_avc_flush(void);

/** The AVC's counters. */
void flask_avc_stats(struct flask_avc_stats *out);

#endif /* LIBXSM_FLASK_H */
