/* SPDX-License-Identifier: MIT */
/*
 * The hypercall entry: `(vcpu, number, arguments)` to the subsystem that
 * handles it, with Xen's hypercall numbers (public/xen.h).
 *
 * A handler that reaches a preemption point in a batch records the call
 * that does the remaining work (hypercall_create_continuation) and returns
 * -ERESTART, as Xen's continuations do; `hypercall_entry` then re-issues
 * that call after giving the CPU a preemption point, so the caller sees
 * only the final result (its `args` are not rewritten).
 * `hypercall_entry_once` returns -ERESTART to the caller instead, with
 * `args` rewritten to the remaining work, for tests that check
 * continuations.
 */
#ifndef COMMON_HYPERCALL_H
#define COMMON_HYPERCALL_H

#include <common/domain.h>

#define HYPERCALL_NR_ARGS 6

/** Reserves per-CPU state; called by hvcore_init.  Returns 0 or -ENOMEM. */
int __must_check hypercall_init(void);
/** Undoes hypercall_init, for a fresh world. */
void hypercall_fini(void);

long hypercall_entry(struct vcpu *v, unsigned int nr,
                     uint64_t args[HYPERCALL_NR_ARGS]);
long hypercall_entry_once(struct vcpu *v, unsigned int nr,
                          uint64_t args[HYPERCALL_NR_ARGS]);

/**
 * Records the call vCPU `v` re-issues, hypercall `nr` and its arguments,
 * and returns -ERESTART, which the handler returns (Xen's
 * hypercall_create_continuation).  `nargs` values follow, as uint64_t: every
 * argument the call takes.  Only valid inside a handler called from the
 * hypercall entry.
 */
long hypercall_create_continuation(struct vcpu *v, unsigned int nr,
                                   unsigned int nargs, ...);

/**
 * Returns true when a long operation should stop and continue later.  Core
 * code calls it between batch elements.  Tests force it with
 * `hypercall_force_preempt`.
 */
bool hypercall_preempt_check(void);

/** Makes the next `n` calls of `hypercall_preempt_check` return true. */
void hypercall_force_preempt(unsigned int n);

#endif /* COMMON_HYPERCALL_H */
