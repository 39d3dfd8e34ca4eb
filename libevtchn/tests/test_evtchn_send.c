/* SPDX-License-Identifier: MIT */
/*
 * EVTCHNOP_send's fast path (send.c) and the per-channel lock it takes
 * (chn_lock.h), through the hypercall entry as a guest issues it:
 *  - with libmm's direct map, the argument comes from the inline
 *    translation cache: a guest that rewrites its argument, moves it or
 *    gives the page away is seen at once;
 *  - every way off the straight line (IPI, UNBOUND, VIRQ, the selector's
 *    edge, a masked port, a 32-bit peer) answers as before;
 *  - the lock's modes, held from the test: a hypervisor sender (a virq)
 *    waits for a guest sender instead of dropping its event, and drops it
 *    while a state change holds or waits for the lock; a guest sender waits
 *    for a state change and then delivers;
 *  - under load: senders on two vCPUs against virq delivery;
 *  - a state change is not starved by a guest that sends without pause.
 */
#include <sched.h>
#include <unistd.h>

#include "evtchn_world.h"

#include "../private.h" /* the channel and its lock, for the lock's modes */

#define ROUNDS 2000

static int setup_directmap(void **state)
{
    (void)state;
    mm_config_directmap(true);
    return ew_up(WORLD_XSM_DUMMY, 4);
}

/* EVTCHNOP_send with whatever the guest left in its argument page. */
static long raw_send(struct domain *d, uint64_t gpa)
{
    uint64_t args[HYPERCALL_NR_ARGS] = { EVTCHNOP_send, gpa };

    return hypercall_entry(d->vcpu[0], __HYPERVISOR_event_channel_op, args);
}

static void put_port(struct domain *d, uint64_t gfn, unsigned int off,
                     uint32_t port)
{
    memcpy((char *)ew_gfn_ptr(d, gfn) + off, &port, sizeof(port));
}

static bool pending(struct domain *d, unsigned int port)
{
    return ew_bit(ew_shared_info(d)->evtchn_pending, port);
}

static void clear_pending(struct domain *d, unsigned int port)
{
    __atomic_fetch_and(&ew_shared_info(d)->evtchn_pending[port / 64],
                       ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
}

/*
 * The argument as the guest has it at each call: rewritten in place, moved
 * to another page, removed from the P2M (-EFAULT, nothing sent), put back.
 */
static void test_argument_seen_at_each_call(void **state)
{
    uint64_t arg = (uint64_t)EW_ARG_GFN << PAGE_SHIFT;
    struct domain *a, *b;
    unsigned int ap, bp, ipi;
    unsigned long done;

    (void)state;
    assert_true(mm_has_directmap());
    a = ew_domain(1, 1, false);
    b = ew_domain(2, 1, false);
    ap = ew_connect(a, b, &bp);
    ipi = (unsigned int)ew_bind_ipi(a, 0);
    clear_pending(b, bp);

    put_port(a, EW_ARG_GFN, 0, ap);
    assert_int_equal(raw_send(a, arg), 0);  /* the walk remembers it */
    assert_true(pending(b, bp));
    clear_pending(b, bp);
    assert_int_equal(raw_send(a, arg), 0);  /* the remembered page */
    assert_true(pending(b, bp));

    /* Rewritten in place: the new port, not a remembered value. */
    put_port(a, EW_ARG_GFN, 0, ipi);
    assert_false(pending(a, ipi));
    assert_int_equal(raw_send(a, arg), 0);
    assert_true(pending(a, ipi));
    put_port(a, EW_ARG_GFN, 0, 4000);
    assert_int_equal(raw_send(a, arg), -EINVAL);

    /* Elsewhere in the page, then on another page. */
    clear_pending(b, bp);
    put_port(a, EW_ARG_GFN, 2048, ap);
    assert_int_equal(raw_send(a, arg + 2048), 0);
    assert_true(pending(b, bp));
    clear_pending(b, bp);
    put_port(a, EW_RAM_GFN, 8, ap);
    assert_int_equal(raw_send(a, ((uint64_t)EW_RAM_GFN << PAGE_SHIFT) + 8),
                     0);
    assert_true(pending(b, bp));

    /* The last 2 bytes of a page and 2 of a page that is not RAM. */
    clear_pending(b, bp);
    assert_int_equal(raw_send(a, arg + PAGE_SIZE - 2), -EFAULT);
    assert_false(pending(b, bp));

    /* Given back: the remembered translation must not be used. */
    put_port(a, EW_ARG_GFN, 0, ap);
    assert_int_equal(raw_send(a, arg), 0);
    clear_pending(b, bp);
    assert_int_equal(mm_decrease_reservation(a, _gfn(EW_ARG_GFN), 0), 0);
    assert_int_equal(raw_send(a, arg), -EFAULT);
    assert_false(pending(b, bp));
    assert_int_equal(mm_populate_physmap(a, _gfn(EW_ARG_GFN), 1, 0, &done),
                     0);
    put_port(a, EW_ARG_GFN, 0, ap);
    assert_int_equal(raw_send(a, arg), 0);
    assert_true(pending(b, bp));

    assert_int_equal(evtchn_check(), 0);
    assert_int_equal(mm_check(), 0);
    ew_destroy(a);
    ew_destroy(b);
}

/*
 * The ways off the straight line, each with what a guest sees: UNBOUND
 * drops the event, VIRQ is -EINVAL, a masked peer gets pending but no
 * selector, an unmasked one the selector and, on its edge, the upcall; a
 * 32-bit peer's 32-bit words.
 */
static void test_send_cases(void **state)
{
    struct domain *a, *b, *c;
    struct domain_config cfg;
    struct shared_info *bs;
    struct compat_shared_info *cs;
    unsigned int ap, bp, cp, ap2, unbound, virq;

    (void)state;
    a = ew_domain(1, 1, false);
    b = ew_domain(2, 1, false);
    domain_config_default(&cfg);
    cfg.is_32bit = true;
    cfg.max_pages = 256;
    c = ew_domain_cfg(3, &cfg);
    ap = ew_connect(a, b, &bp);
    ap2 = ew_connect(a, c, &cp);
    unbound = (unsigned int)ew_alloc_unbound(a, DOMID_SELF, 2);
    virq = (unsigned int)ew_bind_virq(a, VIRQ_TIMER, 0);
    bs = ew_shared_info(b);

    assert_int_equal(ew_send(a, unbound), 0);
    assert_false(pending(a, unbound));
    assert_int_equal(ew_send(a, virq), -EINVAL);
    assert_false(pending(a, virq));
    assert_int_equal(ew_send(a, 0), -EINVAL);

    /* Masked: pending only. */
    bs->vcpu_info[0].evtchn_pending_sel = 0;
    bs->vcpu_info[0].evtchn_upcall_pending = 0;
    clear_pending(b, bp);
    bs->evtchn_mask[bp / 64] |= 1UL << (bp % 64);
    assert_int_equal(ew_send(a, ap), 0);
    assert_true(pending(b, bp));
    assert_int_equal(bs->vcpu_info[0].evtchn_pending_sel, 0);
    assert_int_equal(bs->vcpu_info[0].evtchn_upcall_pending, 0);

    /* Unmasked, selector clear: selector and upcall (the edge). */
    bs->evtchn_mask[bp / 64] &= ~(1UL << (bp % 64));
    clear_pending(b, bp);
    assert_int_equal(ew_send(a, ap), 0);
    assert_true(pending(b, bp));
    assert_int_equal(bs->vcpu_info[0].evtchn_pending_sel, 1UL << (bp / 64));
    assert_int_equal(bs->vcpu_info[0].evtchn_upcall_pending, 1);

    /* Already pending: nothing changes. */
    bs->vcpu_info[0].evtchn_pending_sel = 0;
    assert_int_equal(ew_send(a, ap), 0);
    assert_int_equal(bs->vcpu_info[0].evtchn_pending_sel, 0);

    /* A 32-bit peer: its 32-bit words. */
    cs = ew_compat_shared_info(c);
    cs->evtchn_pending[cp / 32] &= ~(1U << (cp % 32));
    cs->vcpu_info[0].evtchn_pending_sel = 0;
    assert_int_equal(ew_send(a, ap2), 0);
    assert_true((cs->evtchn_pending[cp / 32] >> (cp % 32)) & 1);
    assert_int_equal(cs->vcpu_info[0].evtchn_pending_sel, 1U << (cp / 32));

    assert_int_equal(evtchn_check(), 0);
    ew_destroy(a);
    ew_destroy(b);
    ew_destroy(c);
}

/* --- two pCPU threads --------------------------------------------------- */

struct race {
    struct domain *a, *b;
    unsigned int port;          /* a's port the hammer sends on */
    unsigned int bport;         /* its peer */
    volatile int stop;
    volatile unsigned int sends, bad;
    unsigned int failed;        /* CPU 0's checks that failed */
};

/*
 * CPU 1 keeps sending on `port` (its own argument page and vCPU) until
 * CPU 0 says stop; each send must return `want`.
 */
static void hammer(struct race *r, long want)
{
    struct evtchn_send s = { .port = r->port };

    while ( !r->stop )
    {
        if ( world_guest_op(r->a, 1, __HYPERVISOR_event_channel_op,
                            EVTCHNOP_send, EW_RAM_GFN + 1, &s,
                            sizeof(s)) != want )
            r->bad++;
        r->sends++;
    }
}

/*
 * Under load: a guest sender takes the channel's lock for each of its
 * sends (here a send on a VIRQ port, refused under the lock) while the
 * hypervisor raises the virq: every raise is delivered and every send
 * refused.  The two meet in the lock only now and then, so this is a
 * stress test; test_lock_modes holds the lock deterministically and is the
 * one a trylock that drops on a sender fails.
 */
static void virq_vs_sender_cpu(unsigned int cpu, void *arg)
{
    struct race *r = arg;
    unsigned int i;

    if ( cpu == 1 )
    {
        hammer(r, -EINVAL);
        return;
    }
    while ( r->sends < 10 )
        sched_yield();
    for ( i = 0; i < ROUNDS; i++ )
    {
        clear_pending(r->a, r->port);
        send_guest_vcpu_virq(r->a->vcpu[0], VIRQ_TIMER);
        if ( !pending(r->a, r->port) )
            r->failed++;
    }
    r->stop = 1;
}

static void test_send_cases_directmap(void **state)
{
    assert_true(mm_has_directmap());
    test_send_cases(state);
}

static void test_virq_waits_for_a_sender(void **state)
{
    struct race r = { 0 };

    (void)state;
    r.a = ew_domain(1, 2, false);
    r.port = (unsigned int)ew_bind_virq(r.a, VIRQ_TIMER, 0);
    ew_run_cpus(virq_vs_sender_cpu, &r);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.bad, 0);
    assert_true(r.sends > 0);
    assert_int_equal(evtchn_check(), 0);
    ew_destroy(r.a);
}

/*
 * One vCPU sends on an interdomain port without pause while another vCPU of
 * the same guest moves the port's notified vCPU back and forth (bind_vcpu
 * takes the same channel's lock as a state change): every bind_vcpu
 * completes within the watchdog, each is seen by status, and every send
 * succeeds.  (A state change gets the lock between two sends even without
 * the waiting bit, so this does not show what that bit is for; it shows
 * the two modes interleave correctly.)
 */
static void writer_vs_sender_cpu(unsigned int cpu, void *arg)
{
    struct race *r = arg;
    struct evtchn_bind_vcpu bv = { .port = 0 };
    struct evtchn_status st = { .dom = DOMID_SELF };
    unsigned int i;

    if ( cpu == 1 )
    {
        hammer(r, 0);
        return;
    }
    while ( r->sends < 10 )
        sched_yield();
    for ( i = 0; i < ROUNDS / 4; i++ )
    {
        bv.port = r->port;
        bv.vcpu = i & 1;
        st.port = r->port;
        if ( world_guest_op(r->a, 0, __HYPERVISOR_event_channel_op,
                            EVTCHNOP_bind_vcpu, EW_ARG_GFN, &bv,
                            sizeof(bv)) ||
             world_guest_op(r->a, 0, __HYPERVISOR_event_channel_op,
                            EVTCHNOP_status, EW_ARG_GFN, &st, sizeof(st)) ||
             st.vcpu != (i & 1) )
            r->failed++;
    }
    r->stop = 1;
}

/*
 * The lock held in each mode from the test.  CPU 1 holds it (as a sender,
 * then as a state change) for a while; CPU 0 raises the virq, or sends as a
 * guest, meanwhile: the virq waits out the sender and is delivered; the
 * guest's send waits out the state change and is delivered.  Neither may
 * return before CPU 1 has let go.
 */
struct hold {
    struct domain *a, *b;
    struct evtchn *chn;
    unsigned int virq_port, ap, bp;
    uint32_t mode;                  /* EVTCHN_LOCK_SENDER or _WRITER */
    volatile int held, released;
    int early, lost;
};

static void hold_cpu(unsigned int cpu, void *arg)
{
    struct hold *h = arg;

    if ( cpu == 1 )
    {
        if ( h->mode == EVTCHN_LOCK_SENDER )
            evtchn_send_lock(h->chn);
        else
            evtchn_write_lock(h->chn);
        h->held = 1;
        usleep(20000);
        h->released = 1;
        if ( h->mode == EVTCHN_LOCK_SENDER )
            evtchn_send_unlock(h->chn);
        else
            evtchn_write_unlock(h->chn);
        return;
    }
    while ( !h->held )
        sched_yield();
    if ( h->mode == EVTCHN_LOCK_SENDER )
    {
        send_guest_vcpu_virq(h->a->vcpu[0], VIRQ_TIMER);
        h->lost = !pending(h->a, h->virq_port);
    }
    else
    {
        h->lost = evtchn_send(h->a, h->ap) != 0 || !pending(h->b, h->bp);
    }
    h->early = !h->released;
}

static void test_lock_modes(void **state)
{
    struct hold h = { 0 };

    (void)state;
    h.a = ew_domain(1, 1, false);
    h.b = ew_domain(2, 1, false);
    h.virq_port = (unsigned int)ew_bind_virq(h.a, VIRQ_TIMER, 0);
    h.ap = ew_connect(h.a, h.b, &h.bp);

    /* A state change holds the lock, or waits for it: the virq is dropped. */
    h.chn = evtchn_from_port(h.a, h.virq_port);
    evtchn_write_lock(h.chn);
    send_guest_vcpu_virq(h.a->vcpu[0], VIRQ_TIMER);
    evtchn_write_unlock(h.chn);
    assert_false(pending(h.a, h.virq_port));
    hal_write_once(&h.chn->lock.v, EVTCHN_LOCK_WAITING);
    send_guest_vcpu_virq(h.a->vcpu[0], VIRQ_TIMER);
    assert_false(evtchn_send_trylock_once(h.chn));
    hal_write_once(&h.chn->lock.v, 0U);
    assert_false(pending(h.a, h.virq_port));
    send_guest_vcpu_virq(h.a->vcpu[0], VIRQ_TIMER);
    assert_true(pending(h.a, h.virq_port));
    clear_pending(h.a, h.virq_port);

    /* A guest sender holds it: the virq waits, then is delivered. */
    h.mode = EVTCHN_LOCK_SENDER;
    ew_run_cpus(hold_cpu, &h);
    assert_int_equal(h.early, 0);
    assert_int_equal(h.lost, 0);

    /* A state change holds the sender's channel: the send waits. */
    h.chn = evtchn_from_port(h.a, h.ap);
    h.mode = EVTCHN_LOCK_WRITER;
    h.held = h.released = 0;
    clear_pending(h.b, h.bp);
    ew_run_cpus(hold_cpu, &h);
    assert_int_equal(h.early, 0);
    assert_int_equal(h.lost, 0);

    assert_int_equal(evtchn_check(), 0);
    ew_destroy(h.a);
    ew_destroy(h.b);
}

static void test_state_change_not_starved(void **state)
{
    struct race r = { 0 };

    (void)state;
    r.a = ew_domain(1, 2, false);
    r.b = ew_domain(2, 2, false);
    r.port = ew_connect(r.a, r.b, &r.bport);
    ew_run_cpus(writer_vs_sender_cpu, &r);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.bad, 0);
    assert_true(pending(r.b, r.bport));
    assert_int_equal(evtchn_check(), 0);
    ew_destroy(r.a);
    ew_destroy(r.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_argument_seen_at_each_call,
                                        setup_directmap, ew_teardown),
        cmocka_unit_test_setup_teardown(test_send_cases, ew_setup,
                                        ew_teardown),
        cmocka_unit_test_setup_teardown(test_send_cases_directmap,
                                        setup_directmap,
                                        ew_teardown),
        cmocka_unit_test_setup_teardown(test_lock_modes, ew_setup,
                                        ew_teardown),
        cmocka_unit_test_setup_teardown(test_virq_waits_for_a_sender,
                                        ew_setup, ew_teardown),
        cmocka_unit_test_setup_teardown(test_state_change_not_starved,
                                        ew_setup, ew_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
