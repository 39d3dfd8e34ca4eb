/* SPDX-License-Identifier: MIT */
/*
 * The FIFO ABI's races on two pCPUs (issue #12), each in rounds under a
 * time cap and a watchdog, with evtchn_check() and the page references
 * asserted by the main thread after every round (the pCPU threads only
 * record what they saw):
 *
 *   XSA-358/359  a peer sends as fast as it can while the receiver
 *                switches from 2 levels to FIFO (init_control on each
 *                vCPU, expand_array) and resets back: events pending in 2
 *                levels survive the switch, the queues drain empty, every
 *                page comes back
 *   XSA-505      expand_array against init_control and reset: FIFO is
 *                present or absent under the event lock, no page is added
 *                to a torn-down array
 *   dae2a1c5f9 / XSA-295's bounded loops on guest memory: a guest
 *                toggling MASKED and LINKED and clearing PENDING while
 *                the peer sends and it unmasks: every hypercall returns,
 *                BUSY is given back, the queues recover once it stops
 *
 * Under Valgrind, which runs one thread at a time, the threads yield to
 * each other and the time cap is longer.  An argument to the program runs
 * only the tests whose names match it (a CMocka filter, e.g. '*expand*').
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "evtchn_fifo_guest.h"

/* The argument page of hypercalls issued on pCPU 1. */
#define RACE_ARG_GFN (EW_RAM_GFN + 30)
/* A test's rounds: at least RACE_MIN_ROUNDS, then until its time cap. */
#define RACE_MIN_ROUNDS 8
#define RACE_NS_NATIVE 1500000000ULL
#define RACE_NS_VALGRIND 20000000000ULL
/* The watchdog over one round: far beyond what a round takes. */
#define RACE_WATCHDOG_NATIVE 30
#define RACE_WATCHDOG_VALGRIND 240
/* Pauses a thread spins waiting for its partner before it yields. */
#define RACE_SPINS 65536

static bool under_valgrind(void)
{
    const char *v = getenv("HVCORE_UNDER_VALGRIND");

    return v && *v && *v != '0';
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Runs a round's two pCPUs under the watchdog. */
static void race_run(void (*fn)(unsigned int, void *), void *arg)
{
    ew_run_cpus_for(fn, arg, under_valgrind() ? RACE_WATCHDOG_VALGRIND
                                              : RACE_WATCHDOG_NATIVE);
}

/** Rounds go on while fewer than `max` ran, and the minimum or time is left. */
static bool race_more(unsigned int round, unsigned int max, uint64_t start)
{
    uint64_t cap = under_valgrind() ? RACE_NS_VALGRIND : RACE_NS_NATIVE;

    if ( round >= max )
        return false;
    return round < RACE_MIN_ROUNDS || now_ns() - start < cap;
}

/*
 * Lets the partner run under Valgrind (one thread at a time).  Natively
 * the two pCPU threads have a host CPU each: a yield could hand a time
 * slice to another process and leave the partner racing with nobody.
 */
static void race_pace(void)
{
    if ( under_valgrind() )
        sched_yield();
}

/* Spins for a while that varies with `i`: up to `max` pauses. */
static void race_delay(unsigned int i, unsigned int max)
{
    unsigned int k, n = (i * 2654435761U) % max;

    for ( k = 0; k < n; k++ )
        __builtin_ia32_pause();
}

/*
 * One turn of a wait for the partner: spins a while (the partner is
 * usually microseconds away), then yields, so that a partner without a
 * host CPU of its own on a loaded host gets one.
 */
static void race_spin(unsigned int *spins)
{
    if ( ++*spins < RACE_SPINS && !under_valgrind() )
        __builtin_ia32_pause();
    else
        sched_yield();
}

static void race_wait(const unsigned int *flag)
{
    unsigned int spins = 0;

    while ( !__atomic_load_n(flag, __ATOMIC_ACQUIRE) )
        race_spin(&spins);
}

/* Waits until the peer has completed `n` sends. */
static void race_wait_count(const unsigned long *count, unsigned long n)
{
    unsigned int spins = 0;

    while ( __atomic_load_n(count, __ATOMIC_ACQUIRE) < n )
        race_spin(&spins);
}

static void race_set(unsigned int *flag)
{
    __atomic_store_n(flag, 1, __ATOMIC_RELEASE);
}

/* The first thing a pCPU thread saw go wrong: no CMocka off the main thread. */
struct race_fail {
    int line;
    long rc;
};

static void race_fail_at(struct race_fail *f, int line, long rc)
{
    int none = 0;

    if ( __atomic_compare_exchange_n(&f->line, &none, line, false,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) )
        f->rc = rc;
}

#define RACE_EXPECT(f, cond, rc)                                            \
    do {                                                                    \
        if ( !(cond) )                                                      \
            race_fail_at((f), __LINE__, (long)(rc));                        \
    } while ( 0 )

/* In the main thread: fails the test with what a pCPU thread recorded. */
static void race_assert_ok(const struct race_fail *f, unsigned int round)
{
    if ( f->line )
    {
        print_error("round %u: the check at line %d failed (value %ld)\n",
                    round, f->line, f->rc);
        fail();
    }
}

/* The peer's EVTCHNOP_send from pCPU 1. */
static long peer_send(struct domain *b, unsigned int port)
{
    struct evtchn_send s = { .port = port };

    return world_guest_op(b, 0, __HYPERVISOR_event_channel_op, EVTCHNOP_send,
                          RACE_ARG_GFN, &s, sizeof(s));
}

/* EVTCHNOP_reset of the caller's own domain, from a pCPU thread. */
static void race_reset(struct domain *d, struct race_fail *f)
{
    struct evtchn_reset rs = { .dom = DOMID_SELF };
    long rc = ew_op(d, EVTCHNOP_reset, &rs);

    RACE_EXPECT(f, rc == 0, rc);
}

static bool word_has(struct guest_fifo *g, unsigned int port, unsigned int bit)
{
    return (__atomic_load_n(g_word(g, port), __ATOMIC_SEQ_CST) >> bit) & 1;
}

static bool drained_has(const unsigned int *out, unsigned int n,
                        unsigned int port)
{
    unsigned int i;

    for ( i = 0; i < n; i++ )
        if ( out[i] == port )
            return true;
    return false;
}

/* The guest's view of its vCPUs' blocks and its one array page. */
static void g_attach(struct guest_fifo *g, struct domain *d)
{
    memset(g, 0, sizeof(*g));
    g->d = d;
    g->ge.fifo_cb[0] = ew_gfn_ptr(d, CB_GFN);
    g->ge.fifo_cb[1] = ew_gfn_ptr(d, CB_GFN + 1);
    g->ge.fifo_array[0] = ew_gfn_ptr(d, ARR_GFN);
    g->ge.fifo_pages = 1;
}

/* --- XSA-358/359: sends against the switch to FIFO and back ---------- */

#define SW_HOT 6           /* interdomain channels the peer sends on */
#define SW_V0 4            /* channels 0..3 notify vCPU 0, the others vCPU 1 */
#define SW_MAX_ROUNDS 5000
/* The peer's sends after the switch starts: spread over init_control. */
#define SW_LAST_SENDS 8

static unsigned int sw_vcpu(unsigned int channel)
{
    return channel < SW_V0 ? 0 : 1;
}

struct switch_race {
    struct domain *d, *b;
    unsigned int round;
    /* The peer's ports (UNBOUND towards d after each reset), d's ports;
     * channel i notifies sw_vcpu(i). */
    unsigned int bport[SW_HOT], dport[SW_HOT], ipi[2], virq;
    /* This round: cb of vCPU 1 only after the array page (order B). */
    bool late_v1, reset;
    unsigned int started, switching, done;
    unsigned long sends, virqs;
    struct race_fail fail;
};

/*
 * pCPU 1: the peer sends on every channel in turn, and a timer virq is
 * raised, until pCPU 0 is done; on vCPU 0's channels it stops a number of
 * sends (varying with the round) after pCPU 0 starts switching, so their
 * last event falls before, into or after vCPU 0's init_control.
 */
static void switch_sender(struct switch_race *r)
{
    unsigned long i, stop = ~0UL;

    for ( i = 0; !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE); i++ )
    {
        unsigned int c = i % SW_HOT;
        long rc;

        if ( stop == ~0UL && __atomic_load_n(&r->switching, __ATOMIC_ACQUIRE) )
            stop = i + (r->round * 2654435761U) % SW_LAST_SENDS;
        if ( c < SW_V0 && i >= stop )
            continue;
        rc = peer_send(r->b, r->bport[c]);
        RACE_EXPECT(&r->fail, rc == 0, rc);
        __atomic_store_n(&r->sends, r->sends + 1, __ATOMIC_RELEASE);
        if ( c == 0 )
        {
            send_guest_vcpu_virq(r->d->vcpu[0], VIRQ_TIMER);
            r->virqs++;
        }
        race_set(&r->started);
        race_pace();
    }
}

/*
 * pCPU 0, the receiver in 2 levels: binds its channels, sends each vCPU an
 * IPI, takes the events pending on the peer's channels (clears their
 * bits) and waits until each has been sent again; then, while the peer
 * goes on sending, switches to FIFO: the control blocks, then the array
 * page (order A), or vCPU 0's block, the page, then vCPU 1's block (order
 * B: vCPU 1's block is published while the page is there and the peer
 * links events).
 */
static void switch_receiver(struct switch_race *r)
{
    unsigned long *pending = ew_shared_info(r->d)->evtchn_pending;
    unsigned long s0;
    unsigned int i, v;
    long rc;

    race_wait(&r->started);
    for ( i = 0; i < SW_HOT; i++ )
    {
        struct evtchn_bind_vcpu bv = { .vcpu = sw_vcpu(i) };

        rc = ew_bind_interdomain(r->d, r->b->domain_id, r->bport[i]);
        RACE_EXPECT(&r->fail, rc > 0, rc);
        r->dport[i] = bv.port = (unsigned int)rc;
        rc = ew_op(r->d, EVTCHNOP_bind_vcpu, &bv);
        RACE_EXPECT(&r->fail, rc == 0, rc);
    }
    for ( v = 0; v < 2; v++ )
    {
        rc = ew_bind_ipi(r->d, v);
        RACE_EXPECT(&r->fail, rc > 0, rc);
        r->ipi[v] = (unsigned int)rc;
        rc = ew_send(r->d, r->ipi[v]);
        RACE_EXPECT(&r->fail, rc == 0, rc);
        RACE_EXPECT(&r->fail, ew_bit(pending, r->ipi[v]), r->ipi[v]);
    }
    rc = ew_bind_virq(r->d, VIRQ_TIMER, 0);
    RACE_EXPECT(&r->fail, rc > 0, rc);
    r->virq = (unsigned int)rc;

    /* Each channel's last event now comes after this. */
    for ( i = 0; i < SW_HOT; i++ )
        __atomic_fetch_and(&pending[r->dport[i] / 64],
                           ~(1UL << (r->dport[i] % 64)), __ATOMIC_SEQ_CST);
    s0 = __atomic_load_n(&r->sends, __ATOMIC_ACQUIRE);
    race_wait_count(&r->sends, s0 + 1 + SW_HOT);

    race_set(&r->switching);
    rc = init_control(r->d, 0, CB_GFN, 0, NULL);
    RACE_EXPECT(&r->fail, rc == 0, rc);
    if ( !r->late_v1 )
    {
        rc = init_control(r->d, 1, CB_GFN + 1, 0, NULL);
        RACE_EXPECT(&r->fail, rc == 0, rc);
    }
    rc = expand(r->d, ARR_GFN);
    RACE_EXPECT(&r->fail, rc == 0, rc);
    if ( r->late_v1 )
    {
        /* The peer is mid-stream when vCPU 1's block is published. */
        s0 = __atomic_load_n(&r->sends, __ATOMIC_ACQUIRE);
        race_wait_count(&r->sends, s0 + 2);
        rc = init_control(r->d, 1, CB_GFN + 1, 0, NULL);
        RACE_EXPECT(&r->fail, rc == 0, rc);
    }
}

/* pCPU 0 in the second half: EVTCHNOP_reset back to 2 levels. */
static void switch_reset(struct switch_race *r)
{
    race_wait(&r->started);
    race_delay(r->round, 2048);
    race_reset(r->d, &r->fail);
}

static void switch_cpu(unsigned int cpu, void *arg)
{
    struct switch_race *r = arg;

    if ( cpu == 1 )
    {
        switch_sender(r);
        return;
    }
    if ( r->reset )
        switch_reset(r);
    else
        switch_receiver(r);
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

/* Runs one half of a round: the peer sends until pCPU 0 is done. */
static void switch_half(struct switch_race *r, bool reset)
{
    r->reset = reset;
    r->started = r->switching = r->done = 0;
    race_run(switch_cpu, r);
    race_assert_ok(&r->fail, r->round);
}

/*
 * After the switch, with the peer stopped: every port with an event sent
 * before or during the switch (the IPIs, the peer's last sends on vCPU
 * 0's channels) whose vCPU had its block when the array page came is
 * PENDING in its word, and is delivered (after an unmask where the guest
 * had the page masked); then nothing is left PENDING, LINKED or READY,
 * and a fresh send on each channel is delivered.
 */
static void switch_check_fifo(struct switch_race *r, bool masked)
{
    struct guest_fifo g;
    unsigned int carried[SW_HOT + 2], nr_carried = 0;
    unsigned int out[2][64], n[2], i, v;

    g_attach(&g, r->d);
    for ( i = 0; i < SW_HOT; i++ )
        if ( !r->late_v1 || sw_vcpu(i) == 0 )
            carried[nr_carried++] = r->dport[i];
    carried[nr_carried++] = r->ipi[0];
    if ( !r->late_v1 )
        carried[nr_carried++] = r->ipi[1];
    for ( i = 0; i < nr_carried; i++ )
        assert_true(word_has(&g, carried[i], EVTCHN_FIFO_PENDING));

    if ( masked )
    {
        for ( i = 0; i < SW_HOT; i++ )
            g_unmask(&g, r->dport[i]);
        g_unmask(&g, r->ipi[0]);
        g_unmask(&g, r->ipi[1]);
        g_unmask(&g, r->virq);
    }
    for ( v = 0; v < 2; v++ )
        n[v] = g_drain(&g, v, out[v], 64);
    for ( i = 0; i < nr_carried; i++ )
        assert_true(drained_has(out[0], n[0], carried[i]) ||
                    drained_has(out[1], n[1], carried[i]));
    for ( i = 1; i < WORDS_PER_PAGE; i++ )
        assert_int_equal(*g_word(&g, i) &
                         ((1U << EVTCHN_FIFO_PENDING) |
                          (1U << EVTCHN_FIFO_LINKED) |
                          (1U << EVTCHN_FIFO_BUSY)), 0);
    assert_int_equal(g.ge.fifo_cb[0]->ready, 0);
    assert_int_equal(g.ge.fifo_cb[1]->ready, 0);

    for ( i = 0; i < SW_HOT; i++ )
    {
        assert_int_equal(ew_send(r->b, r->bport[i]), 0);
        assert_int_equal(g_drain(&g, sw_vcpu(i), out[0], 64), 1);
        assert_int_equal(out[0][0], r->dport[i]);
    }
}

/**
 * A peer sends on 6 interdomain channels (4 notify vCPU 0, 2 vCPU 1; and a
 * timer virq is raised) as fast as it can on pCPU 1 while pCPU 0 switches
 * the receiver from 2 levels to FIFO, and then while it resets back, round
 * after round: every send returns 0, the checker passes after each half,
 * events pending in 2 levels before the switch or sent during it are
 * pending in their words after it (Xen's setup_ports and
 * add_page_to_event_array) where their vCPU had its control block when
 * the page came, the queues drain empty, fresh sends are delivered, and
 * every page reference comes back, the heap's free pages at destroy.
 */
static void test_sends_vs_init_control(void **state)
{
    struct switch_race *r = calloc(1, sizeof(*r));
    struct mm_stats m0, m1;
    uint64_t rcb, rcb1, rarr, start;
    unsigned int i, abi, pages;

    (void)state;
    assert_non_null(r);
    mm_deferred_flush();
    mm_get_stats(&m0);
    r->d = make_dom(1, 2, false);
    r->b = make_dom(2, 1, false);
    rcb = refs(r->d, CB_GFN);
    rcb1 = refs(r->d, CB_GFN + 1);
    rarr = refs(r->d, ARR_GFN);
    for ( i = 0; i < SW_HOT; i++ )
    {
        long p = ew_alloc_unbound(r->b, DOMID_SELF, r->d->domain_id);

        assert_true(p > 0);
        r->bport[i] = (unsigned int)p;
    }

    start = now_ns();
    for ( r->round = 0; race_more(r->round, SW_MAX_ROUNDS, start);
          r->round++ )
    {
        struct shared_info *si = ew_shared_info(r->d);
        bool masked = r->round & 2;
        event_word_t *w = ew_gfn_ptr(r->d, ARR_GFN);

        /* The guest starts 2 levels afresh and readies its FIFO pages. */
        memset(si->evtchn_pending, 0, sizeof(si->evtchn_pending));
        memset(si->evtchn_mask, 0, sizeof(si->evtchn_mask));
        memset(ew_gfn_ptr(r->d, CB_GFN), 0, PAGE_SIZE);
        memset(ew_gfn_ptr(r->d, CB_GFN + 1), 0, PAGE_SIZE);
        for ( i = 0; i < WORDS_PER_PAGE; i++ )
            w[i] = masked ? 1U << EVTCHN_FIFO_MASKED : 0;
        r->late_v1 = r->round & 1;

        switch_half(r, false);
        g_check();
        assert_int_equal(abi_of(r->d, &pages), EVTCHN_ABI_FIFO);
        assert_int_equal(pages, 3);
        assert_int_equal(refs(r->d, CB_GFN), rcb + 1);
        assert_int_equal(refs(r->d, CB_GFN + 1), rcb1 + 1);
        assert_int_equal(refs(r->d, ARR_GFN), rarr + 1);
        switch_check_fifo(r, masked);
        g_check();

        switch_half(r, true);
        g_check();
        abi = abi_of(r->d, &pages);
        assert_int_equal(abi, EVTCHN_ABI_2LEVEL);
        assert_int_equal(pages, 0);
        assert_int_equal(refs(r->d, CB_GFN), rcb);
        assert_int_equal(refs(r->d, CB_GFN + 1), rcb1);
        assert_int_equal(refs(r->d, ARR_GFN), rarr);
    }
    assert_true(r->round >= RACE_MIN_ROUNDS);
    assert_true(r->sends >= 2 * r->round);
    print_message("sends vs init_control: %u rounds, %lu sends, %lu virqs\n",
                  r->round, r->sends, r->virqs);

    ew_destroy(r->d);
    ew_destroy(r->b);
    g_check();
    mm_deferred_flush();
    mm_get_stats(&m1);
    assert_int_equal(m1.free_pages, m0.free_pages);
    free(r);
}

/* --- XSA-505: expand_array against init_control and reset ------------ */

#define EX_MAX_ROUNDS 400

struct expand_race {
    struct domain *d;
    unsigned int round;
    unsigned int started, added, resetting, done;
    unsigned long ok, absent, full;
    struct race_fail fail;
};

/*
 * pCPU 1: vCPU 1 adds the same page again and again while pCPU 0 switches
 * to FIFO, until one is in; then again while pCPU 0 resets.
 */
static void expand_adder(struct expand_race *r)
{
    while ( !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) )
    {
        struct evtchn_expand_array e = { .array_gfn = ARR_GFN };
        long rc;

        if ( __atomic_load_n(&r->added, __ATOMIC_ACQUIRE) )
            race_wait(&r->resetting);
        rc = world_guest_op(r->d, 1, __HYPERVISOR_event_channel_op,
                            EVTCHNOP_expand_array, RACE_ARG_GFN, &e,
                            sizeof(e));
        if ( rc == 0 )
        {
            r->ok++;
            race_set(&r->added);
        }
        else if ( rc == -EOPNOTSUPP )
            r->absent++;
        else if ( rc == -ENOSPC )
            r->full++;
        else
            RACE_EXPECT(&r->fail, false, rc);
        race_set(&r->started);
        race_pace();
    }
}

/*
 * pCPU 0: with an IPI pending on each vCPU (re-raised by the first page),
 * init_control on vCPU 0 and (every other round) vCPU 1 while the adder
 * meets FIFO absent; once a page went in, reset while it adds again.
 */
static void expand_switcher(struct expand_race *r)
{
    unsigned int v;
    long rc;

    for ( v = 0; v < 2; v++ )
    {
        rc = ew_bind_ipi(r->d, v);
        RACE_EXPECT(&r->fail, rc > 0, rc);
        rc = ew_send(r->d, (unsigned int)rc);
        RACE_EXPECT(&r->fail, rc == 0, rc);
    }
    race_wait(&r->started);
    race_delay(r->round, 2048);
    rc = init_control(r->d, 0, CB_GFN, 0, NULL);
    RACE_EXPECT(&r->fail, rc == 0, rc);
    if ( r->round & 1 )
    {
        rc = init_control(r->d, 1, CB_GFN + 1, 0, NULL);
        RACE_EXPECT(&r->fail, rc == 0, rc);
    }
    race_wait(&r->added);
    race_set(&r->resetting);
    race_delay(r->round, 256);
    race_reset(r->d, &r->fail);
}

static void expand_cpu(unsigned int cpu, void *arg)
{
    struct expand_race *r = arg;

    if ( cpu == 1 )
    {
        expand_adder(r);
        return;
    }
    expand_switcher(r);
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

/**
 * expand_array on one pCPU against init_control and reset on the other
 * (XSA-505): expand_array answers 0, -EOPNOTSUPP (FIFO absent, Xen's
 * answer) or -ENOSPC and nothing else; after each round (FIFO reset) the
 * checker passes and no array page or control block keeps a reference,
 * so no page went into a torn-down array; both answers were seen.
 */
static void test_expand_vs_init_control(void **state)
{
    struct expand_race *r = calloc(1, sizeof(*r));
    uint64_t rcb, rcb1, rarr, start;
    unsigned int pages;

    (void)state;
    assert_non_null(r);
    r->d = make_dom(1, 2, false);
    rcb = refs(r->d, CB_GFN);
    rcb1 = refs(r->d, CB_GFN + 1);
    rarr = refs(r->d, ARR_GFN);
    start = now_ns();
    for ( r->round = 0; race_more(r->round, EX_MAX_ROUNDS, start);
          r->round++ )
    {
        r->started = r->added = r->resetting = r->done = 0;
        race_run(expand_cpu, r);
        race_assert_ok(&r->fail, r->round);
        g_check();
        assert_int_equal(abi_of(r->d, &pages), EVTCHN_ABI_2LEVEL);
        assert_int_equal(pages, 0);
        assert_int_equal(refs(r->d, ARR_GFN), rarr);
        assert_int_equal(refs(r->d, CB_GFN), rcb);
        assert_int_equal(refs(r->d, CB_GFN + 1), rcb1);
    }
    assert_true(r->round >= RACE_MIN_ROUNDS);
    assert_true(r->ok >= r->round);
    assert_true(r->absent >= r->round);
    print_message("expand vs init_control: %u rounds, %lu added, %lu absent,"
                  " %lu full\n", r->round, r->ok, r->absent, r->full);
    ew_destroy(r->d);
    g_check();
    free(r);
}

/* --- a guest toggling its words: bounded loops ------------------------ */

#define TG_PORTS 6
#define TG_MAX_ROUNDS 60
#define TG_SENDS 2000
/* MASKED flips of every port between two LINKED / PENDING passes. */
#define TG_CALM 16
/* MASKED flips of a tail word in one go. */
#define TG_BURST 256
/* A hypercall that takes this long has spun on guest memory. */
#define TG_MAX_NS 2000000000ULL

struct toggle_race {
    struct domain *d, *b;
    struct guest_fifo g;
    unsigned int round, sends_per_round;
    unsigned int dport[TG_PORTS], bport[TG_PORTS];
    event_word_t *word[TG_PORTS];    /* the guest's view of each */
    unsigned int started, done;
    unsigned int guest_ran, toggler_ran; /* this round: at least once */
    uint64_t max_ns[2];          /* longest hypercall on pCPU 0, 1 */
    unsigned long sends, unmasks, toggles;
    struct race_fail fail;
};

/* Times `rc = call` into the longest of pCPU `cpu`. */
#define TG_TIMED(r, cpu, rc, call)                                          \
    do {                                                                    \
        uint64_t t0_ = now_ns(), dt_;                                       \
                                                                            \
        (rc) = (call);                                                      \
        dt_ = now_ns() - t0_;                                               \
        if ( dt_ > (r)->max_ns[cpu] )                                       \
            (r)->max_ns[cpu] = dt_;                                         \
    } while ( 0 )

/*
 * The guest misbehaving as fast as it can (a host thread: guest code, no
 * hypercall): flips MASKED of each port in use in turn, so that a LINKED
 * tail word keeps changing under the hypervisor's compare-exchange, and
 * every TG_CALM passes flips LINKED of some ports and clears PENDING of
 * others, as a consumer acks.
 */
static void *toggler_main(void *arg)
{
    struct toggle_race *r = arg;
    uint32_t x = 2463534242U;
    unsigned long pass;

    for ( pass = 0; !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE); pass++ )
    {
        unsigned int i;

        for ( i = 0; i < TG_PORTS; i++ )
        {
            event_word_t w = __atomic_load_n(r->word[i], __ATOMIC_SEQ_CST);
            /* A queue's tail (LINKED, no LINK) is rewritten in a burst. */
            unsigned int k, n = (w >> EVTCHN_FIFO_LINKED) & 1 &&
                                        !(w & EVTCHN_FIFO_LINK_MASK)
                                    ? TG_BURST
                                    : 1;

            for ( k = 0; k < n; k++ )
                __atomic_fetch_xor(r->word[i], 1U << EVTCHN_FIFO_MASKED,
                                   __ATOMIC_SEQ_CST);
        }
        if ( pass % TG_CALM == TG_CALM - 1 )
            for ( i = 0; i < TG_PORTS; i++ )
            {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                if ( x & 1 )
                    __atomic_fetch_xor(r->word[i], 1U << EVTCHN_FIFO_LINKED,
                                       __ATOMIC_SEQ_CST);
                if ( x & 2 )
                    __atomic_fetch_and(r->word[i],
                                       ~(1U << EVTCHN_FIFO_PENDING),
                                       __ATOMIC_SEQ_CST);
            }
        __atomic_store_n(&r->toggler_ran, 1, __ATOMIC_RELEASE);
        if ( under_valgrind() )
            sched_yield();
    }
    r->toggles += pass;
    return NULL;
}

/* pCPU 1: the peer sends a round's worth, then ends the round. */
static void toggle_sender(struct toggle_race *r)
{
    unsigned int n;
    long rc;

    for ( n = 0; n < r->sends_per_round; n++ )
    {
        TG_TIMED(r, 1, rc, peer_send(r->b, r->bport[n % TG_PORTS]));
        RACE_EXPECT(&r->fail, rc == 0, rc);
        r->sends++;
        race_set(&r->started);
        race_pace();
    }
    /* A round ends once the guest and the toggler each ran in it (on a
     * loaded host they may not have been scheduled yet; the watchdog
     * bounds the wait). */
    while ( !__atomic_load_n(&r->guest_ran, __ATOMIC_ACQUIRE) ||
            !__atomic_load_n(&r->toggler_ran, __ATOMIC_ACQUIRE) )
        sched_yield();
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

/*
 * pCPU 0: the guest's vCPU 0 unmasks through the hypervisor (which relinks
 * pending events), moves channels between priorities, and consumes.
 */
static void toggle_guest(struct toggle_race *r)
{
    unsigned int out[64], n = 0;
    long rc;

    race_wait(&r->started);
    while ( !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) )
    {
        unsigned int port = r->dport[n % TG_PORTS];

        TG_TIMED(r, 0, rc, ew_unmask(r->d, port));
        RACE_EXPECT(&r->fail, rc == 0, rc);
        r->unmasks++;
        __atomic_store_n(&r->guest_ran, 1, __ATOMIC_RELEASE);
        if ( n % 8 == 0 )
        {
            TG_TIMED(r, 0, rc, set_prio(r->d, port, (n / 8) % 16));
            RACE_EXPECT(&r->fail, rc == 0, rc);
        }
        if ( n % 2 == 0 )
        {
            g_drain(&r->g, 0, out, 64);
            g_drain(&r->g, 1, out, 64);
        }
        race_pace();
    }
}

static void toggle_cpu(unsigned int cpu, void *arg)
{
    struct toggle_race *r = arg;

    if ( cpu == 1 )
        toggle_sender(r);
    else
        toggle_guest(r);
}

/*
 * The guest stops misbehaving: it masks everything, clears its words,
 * READY and its cursors, unmasks again, and drains; then each send is
 * delivered, one at a time and all at once.
 */
static void toggle_recover(struct toggle_race *r)
{
    unsigned int out[64], i, v, n;

    for ( i = 0; i < WORDS_PER_PAGE; i++ )
        r->g.ge.fifo_array[0][i] = 1U << EVTCHN_FIFO_MASKED;
    for ( v = 0; v < 2; v++ )
    {
        memset(r->g.ge.fifo_cb[v], 0, sizeof(*r->g.ge.fifo_cb[v]));
        memset(r->g.ge.fifo_head[v], 0, sizeof(r->g.ge.fifo_head[v]));
    }
    for ( i = 0; i < TG_PORTS; i++ )
    {
        assert_int_equal(set_prio(r->d, r->dport[i], 7), 0);
        g_unmask(&r->g, r->dport[i]);
    }
    for ( v = 0; v < 2; v++ )
        assert_int_equal(g_drain(&r->g, v, out, 64), 0);

    for ( i = 0; i < TG_PORTS; i++ )
    {
        assert_int_equal(ew_send(r->b, r->bport[i]), 0);
        assert_int_equal(g_drain(&r->g, i & 1, out, 64), 1);
        assert_int_equal(out[0], r->dport[i]);
    }
    for ( i = 0; i < TG_PORTS; i++ )
        assert_int_equal(ew_send(r->b, r->bport[i]), 0);
    for ( v = 0; v < 2; v++ )
    {
        n = g_drain(&r->g, v, out, 64);
        assert_int_equal(n, TG_PORTS / 2);
        for ( i = 0; i < n; i++ )
            assert_int_equal(out[i], r->dport[2 * i + v]);
    }
    g_assert_drained(&r->g, r->dport, TG_PORTS);
}

/**
 * A guest flips MASKED and LINKED and clears PENDING on its ports in use
 * as fast as it can, while the peer sends on them and the guest unmasks
 * them through the hypervisor, moves them between priorities and drains:
 * every hypercall returns 0 within TG_MAX_NS (no loop on guest memory is
 * unbounded: the tail link gives up, dae2a1c5f9), no word is left BUSY,
 * the checker passes after each round, and once the guest stops and
 * cleans up, fresh sends are delivered again.
 */
static void test_guest_toggles_words(void **state)
{
    struct toggle_race *r = calloc(1, sizeof(*r));
    struct evtchn_bind_vcpu bv;
    unsigned int out[64], i;
    uint64_t start;
    pthread_t t;

    (void)state;
    assert_non_null(r);
    r->d = make_dom(1, 2, false);
    r->b = make_dom(2, 1, false);
    r->sends_per_round = under_valgrind() ? TG_SENDS / 10 : TG_SENDS;
    g_init(&r->g, r->d, 0);
    g_init(&r->g, r->d, 1);
    g_expand(&r->g);
    for ( i = 0; i < TG_PORTS; i++ )
    {
        r->dport[i] = ew_connect(r->d, r->b, &r->bport[i]);
        bv.port = r->dport[i];
        bv.vcpu = i & 1;
        assert_int_equal(ew_op(r->d, EVTCHNOP_bind_vcpu, &bv), 0);
        g_unmask(&r->g, r->dport[i]);
        r->word[i] = g_word(&r->g, r->dport[i]);
    }
    g_drain(&r->g, 0, out, 64);
    g_drain(&r->g, 1, out, 64);

    start = now_ns();
    for ( r->round = 0; race_more(r->round, TG_MAX_ROUNDS, start);
          r->round++ )
    {
        r->started = r->done = r->guest_ran = r->toggler_ran = 0;
        assert_int_equal(pthread_create(&t, NULL, toggler_main, r), 0);
        race_run(toggle_cpu, r);
        assert_int_equal(pthread_join(t, NULL), 0);
        race_assert_ok(&r->fail, r->round);
        assert_true(r->max_ns[0] < TG_MAX_NS);
        assert_true(r->max_ns[1] < TG_MAX_NS);
        assert_int_equal(evtchn_check(), 0);
        for ( i = 0; i < WORDS_PER_PAGE; i++ )
            assert_int_equal(r->g.ge.fifo_array[0][i] &
                             (1U << EVTCHN_FIFO_BUSY), 0);
    }
    assert_true(r->round >= RACE_MIN_ROUNDS);
    assert_true(r->unmasks > 0 && r->toggles > 0);
    print_message("guest toggles words: %u rounds, %lu sends, %lu unmasks, "
                  "%lu toggle passes, longest hypercall %llu us\n",
                  r->round, r->sends, r->unmasks, r->toggles,
                  (unsigned long long)((r->max_ns[0] > r->max_ns[1]
                                            ? r->max_ns[0]
                                            : r->max_ns[1]) /
                                       1000));

    toggle_recover(r);
    assert_int_equal(evtchn_check(), 0);
    ew_destroy(r->b);
    ew_destroy(r->d);
    free(r);
}

int main(int argc, char **argv)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, ew_setup, ew_teardown)
    const struct CMUnitTest tests[] = {
        T(test_sends_vs_init_control),
        T(test_expand_vs_init_control),
        T(test_guest_toggles_words),
    };
#undef T

    if ( argc > 1 )
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
