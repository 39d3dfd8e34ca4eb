/* SPDX-License-Identifier: MIT */
/*
 * The hypercall entry: Xen's hypercall numbers to the subsystems' handlers,
 * and continuations.
 *
 * A handler that stops part-way calls `hypercall_create_continuation`,
 * which records the arguments of the remaining work in this CPU's
 * in-flight call and returns -ERESTART.  `hypercall_entry` then re-issues
 * the call with those arguments, as a Xen guest re-executes its hypercall
 * instruction after the hypervisor rewrote its registers.
 */
#include <common/bug.h>
#include <common/errno.h>
#include <common/hypercall.h>
#include <common/printk.h>
#include <common/subsys.h>
#include <hal/atomic.h>
#include <hal/cpu.h>
#include <public/xen.h>

/*
 * The call in flight on one CPU lives in the entry's stack frame; per-CPU
 * storage holds only a pointer to it, so the entry reaches per-CPU state
 * once and nested entries (a handler issuing a call) just stack up.
 */
struct hypercall_state {
    uint64_t *args;        /* the entry's argument array */
    unsigned int nr;       /* its hypercall number */
    bool continued;        /* a continuation was recorded */
};

static size_t hypercall_state_off = (size_t)-1;
static uint32_t forced_preemptions;

/** Reserves the per-CPU in-flight pointer; called by hvcore_init. */
int hypercall_init(void)
{
    if ( hypercall_state_off == (size_t)-1 )
        hypercall_state_off =
            hal_percpu_reserve(sizeof(struct hypercall_state *),
                               _Alignof(struct hypercall_state *));
    return hypercall_state_off == (size_t)-1 ? -ENOMEM : 0;
}

/** Forgets the per-CPU reservation, for a fresh world after hvcore_fini. */
void hypercall_fini(void)
{
    hypercall_state_off = (size_t)-1;
    forced_preemptions = 0;
}

/* This CPU's pointer to its call in flight. */
static struct hypercall_state **this_state(void)
{
    return hal_percpu_ptr(hal_cpu_id(), hypercall_state_off);
}

/* Dispatches one call by number. */
static long hypercall_dispatch(struct vcpu *v, unsigned int nr,
                               const uint64_t args[HYPERCALL_NR_ARGS])
{
    switch ( nr )
    {
    case __HYPERVISOR_event_channel_op:
        return do_event_channel_op(v, args[0], args[1]);
    case __HYPERVISOR_grant_table_op:
        return do_grant_table_op(v, args[0], args[1], args[2]);
    case __HYPERVISOR_memory_op:
        return do_memory_op(v, args[0], args[1]);
    case __HYPERVISOR_event_channel_op_compat:
        return do_event_channel_op_compat(v, args[0]);
    case __HYPERVISOR_xsm_op:
        return do_xsm_op(v, args[0]);
    default:
        return -ENOSYS;
    }
}

/*
 * Runs one issue of the call with `st` (this CPU's pointer) naming a fresh
 * record in this frame; puts the outer record back after.
 */
static long hypercall_issue(struct hypercall_state **st, struct vcpu *v,
                            unsigned int nr, uint64_t args[HYPERCALL_NR_ARGS])
{
    struct hypercall_state me = { .args = args, .nr = nr, .continued = false };
    struct hypercall_state *outer = *st;
    long rc;

    *st = &me;
    rc = hypercall_dispatch(v, nr, args);
    /* A handler may not return -ERESTART without recording a continuation. */
    BUG_ON(rc == -ERESTART && !me.continued);
    *st = outer;
    return rc;
}

/**
 * Issues hypercall `nr` once on behalf of `v`.  Returns the handler's
 * result; -ERESTART means `args` now describe the remaining work.
 */
long hypercall_entry_once(struct vcpu *v, unsigned int nr,
                          uint64_t args[HYPERCALL_NR_ARGS])
{
    return hypercall_issue(this_state(), v, nr, args);
}

/** Issues hypercall `nr`, re-issuing continuations until it completes. */
long hypercall_entry(struct vcpu *v, unsigned int nr,
                     uint64_t args[HYPERCALL_NR_ARGS])
{
    struct hypercall_state **st = this_state();
    long rc;

    while ( (rc = hypercall_issue(st, v, nr, args)) == -ERESTART )
    {
        hal_cpu_relax(); /* where a real hypervisor would run softirqs */
        st = this_state(); /* the re-issue may run on another pCPU */
    }
    return rc;
}

/** Records the arguments of the re-issued call; returns -ERESTART. */
long hypercall_create_continuation(unsigned int nr, unsigned int nargs, ...)
{
    struct hypercall_state *st = *this_state();
    va_list ap;
    unsigned int i;

    BUG_ON(!st || nr != st->nr || nargs > HYPERCALL_NR_ARGS);
    va_start(ap, nargs);
    for ( i = 0; i < nargs; i++ )
        st->args[i] = va_arg(ap, uint64_t);
    va_end(ap);
    st->continued = true;
    return -ERESTART;
}

/** True when a long operation should stop here and continue later. */
bool hypercall_preempt_check(void)
{
    uint32_t n = hal_read_once(&forced_preemptions);

    while ( n )
    {
        if ( hal_cmpxchg(&forced_preemptions, &n, n - 1) )
            return true;
    }
    return false;
}

/** Makes the next `n` preemption checks answer true (tests). */
void hypercall_force_preempt(unsigned int n)
{
    hal_write_once(&forced_preemptions, n);
}
