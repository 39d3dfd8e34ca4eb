/* SPDX-License-Identifier: MIT */
/*
 * The hypercall entry: Xen's hypercall numbers to the subsystems' handlers,
 * and continuations.
 *
 * A handler that stops part-way calls `hypercall_create_continuation`,
 * which records the arguments of the remaining work for this CPU and
 * returns -ERESTART.  `hypercall_entry` then re-issues the call with those
 * arguments, as a Xen guest re-executes its hypercall instruction after
 * the hypervisor rewrote its registers.
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
 * A continuation recorded on one CPU and not yet taken by the entry.  A
 * handler records it and returns -ERESTART straight away, and the entry
 * takes it as soon as the handler returns, before anything else runs on
 * this CPU; so one record per CPU serves nested calls too (an inner call's
 * record is taken before the outer handler goes on).  Keeping it apart
 * from the call means the common path, a call that completes, touches no
 * per-CPU state at all.  The record names the whole call (vCPU, number,
 * every argument the call takes), so `hypercall_entry` re-issues it from
 * the record alone and keeps nothing of its own across the first call.
 */
struct hypercall_continuation {
    uint64_t args[HYPERCALL_NR_ARGS];
    struct vcpu *v;        /* the caller */
    unsigned int nr;       /* the hypercall it continues */
    unsigned int nargs;    /* how many of args[] it rewrites */
    bool armed;            /* recorded and not yet taken */
};

static size_t continuation_off = (size_t)-1;
static uint32_t forced_preemptions;

/** Reserves the per-CPU continuation record; called by hvcore_init. */
int hypercall_init(void)
{
    if ( continuation_off == (size_t)-1 )
        continuation_off =
            hal_percpu_reserve(sizeof(struct hypercall_continuation),
                               _Alignof(struct hypercall_continuation));
    return continuation_off == (size_t)-1 ? -ENOMEM : 0;
}

/** Forgets the per-CPU reservation, for a fresh world after hvcore_fini. */
void hypercall_fini(void)
{
    continuation_off = (size_t)-1;
    forced_preemptions = 0;
}

/* This CPU's continuation record. */
static struct hypercall_continuation *this_continuation(void)
{
    return hal_percpu_ptr(hal_cpu_id(), continuation_off);
}

/*
 * Dispatches one call by number.  Event channel ops are tested first: a
 * notification is the most frequent hypercall of a guest doing I/O, and a
 * compare costs less than the jump table.
 */
static __always_inline long
hypercall_dispatch(struct vcpu *v, unsigned int nr,
                   const uint64_t args[HYPERCALL_NR_ARGS])
{
    if ( likely(nr == __HYPERVISOR_event_channel_op) )
        return do_event_channel_op(v, args[0], args[1]);
    switch ( nr )
    {
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

/* How many arguments hypercall `nr` takes (0: not a hypercall). */
static unsigned int hypercall_nargs(unsigned int nr)
{
    switch ( nr )
    {
    case __HYPERVISOR_grant_table_op:
        return 3;
    case __HYPERVISOR_event_channel_op:
    case __HYPERVISOR_memory_op:
        return 2;
    case __HYPERVISOR_event_channel_op_compat:
    case __HYPERVISOR_xsm_op:
        return 1;
    default:
        return 0;
    }
}

/*
 * Takes the continuation the handler just recorded (a handler may not
 * return -ERESTART without recording one); returns the record, disarmed.
 */
static struct hypercall_continuation *hypercall_take_continuation(void)
{
    struct hypercall_continuation *c = this_continuation();

    BUG_ON(!c->armed);
    c->armed = false;
    return c;
}

/**
 * Issues hypercall `nr` once on behalf of `v`.  Returns the handler's
 * result; -ERESTART means `args` now describe the remaining work.
 */
long hypercall_entry_once(struct vcpu *v, unsigned int nr,
                          uint64_t args[HYPERCALL_NR_ARGS])
{
    long rc = hypercall_dispatch(v, nr, args);
    struct hypercall_continuation *c;
    unsigned int i;

    if ( likely(rc != -ERESTART) )
        return rc;
    c = hypercall_take_continuation();
    BUG_ON(c->v != v || c->nr != nr);
    for ( i = 0; i < c->nargs; i++ )
        args[i] = c->args[i];
    return rc;
}

/* The first call returned -ERESTART: re-issue from the record until done. */
static __noinline long hypercall_restart(void)
{
    struct hypercall_continuation *c;
    uint64_t args[HYPERCALL_NR_ARGS];
    struct vcpu *v;
    unsigned int nr, i;
    long rc;

    do
    {
        c = hypercall_take_continuation();
        v = c->v;
        nr = c->nr;
        for ( i = 0; i < HYPERCALL_NR_ARGS; i++ )
            args[i] = i < c->nargs ? c->args[i] : 0;
        hal_cpu_relax(); /* where a real hypervisor would run softirqs */
        rc = hypercall_dispatch(v, nr, args);
    } while ( rc == -ERESTART );
    return rc;
}

/**
 * Issues hypercall `nr`, re-issuing continuations until it completes.  The
 * call that completes at once, nearly every call, goes straight through:
 * nothing of the call is kept across it, the record has it all.
 */
long hypercall_entry(struct vcpu *v, unsigned int nr,
                     uint64_t args[HYPERCALL_NR_ARGS])
{
    long rc = hypercall_dispatch(v, nr, args);

    if ( likely(rc != -ERESTART) )
        return rc;
    return hypercall_restart();
}

/**
 * Records the call `v` re-issues, hypercall `nr` with `nargs` arguments
 * (every argument the call takes), in this CPU's record and returns
 * -ERESTART.  A record a handler left behind without returning -ERESTART
 * is simply overwritten.
 */
long hypercall_create_continuation(struct vcpu *v, unsigned int nr,
                                   unsigned int nargs, ...)
{
    struct hypercall_continuation *c = this_continuation();
    va_list ap;
    unsigned int i;

    BUG_ON(continuation_off == (size_t)-1 || nargs > HYPERCALL_NR_ARGS ||
           nargs < hypercall_nargs(nr));
    va_start(ap, nargs);
    for ( i = 0; i < nargs; i++ )
        c->args[i] = va_arg(ap, uint64_t);
    va_end(ap);
    c->v = v;
    c->nr = nr;
    c->nargs = nargs;
    c->armed = true;
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
