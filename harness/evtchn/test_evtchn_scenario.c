/* SPDX-License-Identifier: MIT */
/*
 * Scenarios with vCPU threads (one per pCPU), guests driven by the guest
 * side of the ABIs (guest_evtchn.c), everything through the hypercall
 * entry:
 *   - every event sent is delivered (coalescing allowed, loss not), on the
 *     vCPU the port is bound to, for 2 levels, 3 levels, FIFO and a 32-bit
 *     guest;
 *   - masked ports are not delivered until unmasked;
 *   - close and rebind while the peer sends;
 *   - reset while other vCPUs bind.
 * After each, evtchn_check() and mm_check() hold and nothing leaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <common/domain.h>
#include <common/errno.h>
#include <common/hypercall.h>
#include <common/init.h>
#include <hal_sim/sim.h>
#include <libevtchn/evtchn.h>
#include <libmm/mm.h>
#include <libxsm/xsm.h>

#include "guest_evtchn.h"
#include "world.h"

#define ARG_GFN 0x10          /* one argument page per vCPU */
#define RAM_GFN 0x100         /* 3-level pages */
#define NR_CHANNELS 64
#define ROUNDS_NATIVE 400
#define ROUNDS_VALGRIND 40

/* Sends per channel: fewer under Valgrind, which runs threads one by one. */
static unsigned int rounds(void)
{
    return getenv("HVCORE_UNDER_VALGRIND") ? ROUNDS_VALGRIND : ROUNDS_NATIVE;
}

struct sguest {
    struct domain *d;
    struct guest_evtchn g;
};

static long sg_hypercall(void *ctx, unsigned int vcpu, unsigned int cmd,
                         void *arg, size_t size)
{
    struct sguest *sg = ctx;
    uint64_t args[HYPERCALL_NR_ARGS] = { cmd, (ARG_GFN + vcpu) << 12 };
    p2m_type_t t;
    void *page = sim_machine_frame(
        mfn_x(p2m_lookup(sg->d, _gfn(ARG_GFN + vcpu), &t)));
    long rc;

    memcpy(page, arg, size);
    rc = hypercall_entry(sg->d->vcpu[vcpu], 32, args);
    memcpy(arg, page, size);
    return rc;
}

static void *gfn_view(struct domain *d, uint64_t gfn)
{
    p2m_type_t t;

    return sim_machine_frame(mfn_x(p2m_lookup(d, _gfn(gfn), &t)));
}

static void sg_init(struct sguest *sg, domid_t id, unsigned int vcpus,
                    bool privileged, bool compat)
{
    struct domain_config cfg;
    unsigned long done;
    unsigned int i;

    memset(sg, 0, sizeof(*sg));
    domain_config_default(&cfg);
    cfg.max_vcpus = vcpus;
    cfg.privileged = privileged;
    cfg.is_32bit = compat;
    cfg.max_pages = 512;
    cfg.max_evtchn_port = 300000;
    assert_int_equal(domain_create(id, &cfg, &sg->d), 0);
    assert_int_equal(mm_populate_physmap(sg->d, _gfn(ARG_GFN), vcpus, 0,
                                         &done), 0);
    assert_int_equal(mm_populate_physmap(sg->d, _gfn(RAM_GFN), 24, 0, &done),
                     0);
    sg->g.nr_vcpus = vcpus;
    sg->g.compat = compat;
    sg->g.abi = EVTCHN_ABI_2LEVEL;
    sg->g.shared_info = sim_machine_frame(
        mfn_x(evtchn_shared_info_mfn(sg->d)));
    for ( i = 0; i < vcpus; i++ )
    {
        mfn_t mfn;
        unsigned int off;

        assert_int_equal(evtchn_vcpu_info_location(sg->d, i, &mfn, &off), 0);
        sg->g.vcpu_info[i] = (char *)sim_machine_frame(mfn_x(mfn)) + off;
    }
    sg->g.hypercall = sg_hypercall;
    sg->g.ctx = sg;
}

static void sg_setup_3l(struct sguest *sg)
{
    unsigned int nr = sg->g.compat ? 2 : 8, i;
    uint64_t pg[8], mk[8], l2[8];
    void *pv[8], *mv[8], *lv[8];

    for ( i = 0; i < nr; i++ )
    {
        pg[i] = RAM_GFN + i;
        mk[i] = RAM_GFN + 8 + i;
        pv[i] = gfn_view(sg->d, pg[i]);
        mv[i] = gfn_view(sg->d, mk[i]);
    }
    for ( i = 0; i < sg->g.nr_vcpus; i++ )
    {
        l2[i] = RAM_GFN + 16 + i;
        lv[i] = gfn_view(sg->d, l2[i]);
    }
    assert_int_equal(guest_evtchn_setup_3l(&sg->g, nr, pg, mk, l2, pv, mv, lv),
                     0);
}

static void sg_setup_fifo(struct sguest *sg)
{
    uint64_t cb[GUEST_EVTCHN_MAX_VCPUS], arr = RAM_GFN + 16;
    void *cv[GUEST_EVTCHN_MAX_VCPUS], *av = gfn_view(sg->d, arr);
    unsigned int i;

    for ( i = 0; i < sg->g.nr_vcpus; i++ )
    {
        cb[i] = RAM_GFN + i;
        cv[i] = gfn_view(sg->d, cb[i]);
    }
    assert_int_equal(guest_evtchn_setup_fifo(&sg->g, cb, cv, 1, &arr, &av),
                     0);
}

static void sg_destroy(struct sguest *sg)
{
    int rc;

    while ( (rc = domain_destroy(sg->d)) == -ERESTART )
        ;
    assert_int_equal(rc, 0);
    put_domain(sg->d);
}

static long sg_op(struct sguest *sg, unsigned int vcpu, unsigned int cmd,
                  void *arg, size_t size)
{
    return sg_hypercall(sg, vcpu, cmd, arg, size);
}

static int setup(void **state)
{
    (void)state;
    return world_start_xsm(64UL << 20, 4, WORLD_XSM_DUMMY);
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(evtchn_check(), 0);
    assert_int_equal(mm_check(), 0);
    world_stop();
    return 0;
}

/* --- delivery: A's two vCPUs send, B's two vCPUs take the events ------ */

struct delivery {
    struct sguest a, b;
    unsigned int aport[NR_CHANNELS], bport[NR_CHANNELS];
    uint32_t seq[NR_CHANNELS];         /* written by the sender first */
    uint32_t seen[NR_CHANNELS];        /* seq read at the last delivery */
    uint32_t delivered[NR_CHANNELS];
    uint32_t wrong_vcpu, unknown;
    uint32_t senders_done;
    bool masked[NR_CHANNELS];
    unsigned int rounds;
};

/* Finds the channel of B's port `port`. */
static int chan_of(struct delivery *x, unsigned int port)
{
    unsigned int i;

    for ( i = 0; i < NR_CHANNELS; i++ )
        if ( x->bport[i] == port )
            return (int)i;
    return -1;
}

static void on_event(void *arg, unsigned int vcpu, unsigned int port)
{
    struct delivery *x = arg;
    int c = chan_of(x, port);

    if ( c < 0 )
    {
        if ( getenv("EVTCHN_DEBUG") )
            fprintf(stderr, "unknown port %u on vCPU %u\n", port, vcpu);
        __atomic_fetch_add(&x->unknown, 1, __ATOMIC_RELAXED);
        return;
    }
    if ( vcpu != (unsigned int)c % 2 )
        __atomic_fetch_add(&x->wrong_vcpu, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&x->seen[c], __atomic_load_n(&x->seq[c],
                                                  __ATOMIC_SEQ_CST),
                     __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&x->delivered[c], 1, __ATOMIC_RELAXED);
}

static void delivery_cpu(unsigned int cpu, void *arg)
{
    struct delivery *x = arg;

    if ( cpu < 2 )
    {
        /* Sender: A's vCPU `cpu` sends on half the channels. */
        unsigned int r, c;

        for ( r = 0; r < x->rounds; r++ )
            for ( c = cpu; c < NR_CHANNELS; c += 2 )
            {
                struct evtchn_send s = { .port = x->aport[c] };

                __atomic_fetch_add(&x->seq[c], 1, __ATOMIC_SEQ_CST);
                if ( sg_op(&x->a, cpu, EVTCHNOP_send, &s, sizeof(s)) )
                    __atomic_fetch_add(&x->unknown, 1000, __ATOMIC_RELAXED);
            }
        __atomic_fetch_add(&x->senders_done, 1, __ATOMIC_SEQ_CST);
        return;
    }
    /* Receiver: B's vCPU `cpu - 2` runs its upcall until senders finish. */
    while ( __atomic_load_n(&x->senders_done, __ATOMIC_SEQ_CST) < 2 )
    {
        if ( guest_evtchn_upcall_pending(&x->b.g, cpu - 2) )
            guest_evtchn_upcall(&x->b.g, cpu - 2);
        else
            hal_cpu_relax();
    }
    guest_evtchn_upcall(&x->b.g, cpu - 2);
}

static void run_delivery(unsigned int abi, bool compat, bool mask_some)
{
    bool three_level = abi == EVTCHN_ABI_3LEVEL;
    struct delivery *x = test_calloc(1, sizeof(*x));
    unsigned int c, v;

    x->rounds = rounds();
    sg_init(&x->a, 1, 2, false, false);
    sg_init(&x->b, 2, 2, true, compat);
    x->b.g.handler = on_event;
    x->b.g.handler_arg = x;
    for ( v = 0; v < 2; v++ )
        x->b.g.bound[v] = test_calloc(300000 / 64, sizeof(uint64_t));
    if ( abi == EVTCHN_ABI_FIFO )
        sg_setup_fifo(&x->b);
    if ( three_level )
    {
        struct evtchn_bind_ipi ipi = { .vcpu = 0 };

        sg_setup_3l(&x->b);
        /* Push B's channels above the 2-level limit. */
        for ( c = 1; c < 5000; c++ )
            assert_int_equal(sg_op(&x->b, 0, EVTCHNOP_bind_ipi, &ipi,
                                   sizeof(ipi)), 0);
    }
    for ( c = 0; c < NR_CHANNELS; c++ )
    {
        struct evtchn_alloc_unbound au = { .dom = DOMID_SELF,
                                           .remote_dom = 1 };
        struct evtchn_bind_interdomain bi = { .remote_dom = 2 };
        struct evtchn_bind_vcpu bv;

        assert_int_equal(sg_op(&x->b, 0, EVTCHNOP_alloc_unbound, &au,
                               sizeof(au)), 0);
        x->bport[c] = au.port;
        bv.port = au.port;
        bv.vcpu = c % 2;
        assert_int_equal(sg_op(&x->b, 0, EVTCHNOP_bind_vcpu, &bv,
                               sizeof(bv)), 0);
        guest_evtchn_bind_to(&x->b.g, au.port, c % 2);
        bi.remote_port = au.port;
        assert_int_equal(sg_op(&x->a, 0, EVTCHNOP_bind_interdomain, &bi,
                               sizeof(bi)), 0);
        x->aport[c] = bi.local_port;
        if ( mask_some && c % 5 == 0 )
        {
            x->masked[c] = true;
            guest_evtchn_mask(&x->b.g, au.port);
        }
    }
    if ( three_level )
        assert_true(x->bport[0] > 4096);

    sim_run_cpus(4, delivery_cpu, x);
    /* A last scan of each vCPU: what is left must be reachable from the
     * selectors (a lost selector bit would show as a missed event). */
    for ( v = 0; v < 2; v++ )
        guest_evtchn_scan(&x->b.g, v);

    assert_int_equal(x->unknown, 0);
    assert_int_equal(x->wrong_vcpu, 0);
    for ( c = 0; c < NR_CHANNELS; c++ )
    {
        assert_int_equal(x->seq[c], x->rounds);
        if ( x->masked[c] )
        {
            assert_int_equal(x->delivered[c], 0);
            assert_true(guest_evtchn_is_pending(&x->b.g, x->bport[c]));
        }
        else
        {
            assert_true(x->delivered[c] >= 1);
            assert_true(x->delivered[c] <= x->rounds);
            assert_int_equal(x->seen[c], x->rounds);
        }
    }
    if ( mask_some )
    {
        for ( c = 0; c < NR_CHANNELS; c++ )
            if ( x->masked[c] )
                assert_int_equal(guest_evtchn_unmask(&x->b.g, c % 2,
                                                     x->bport[c]), 0);
        for ( v = 0; v < 2; v++ )
            guest_evtchn_upcall(&x->b.g, v);
        for ( c = 0; c < NR_CHANNELS; c++ )
        {
            assert_int_equal(x->seen[c], x->rounds);
            assert_false(guest_evtchn_is_pending(&x->b.g, x->bport[c]));
        }
        assert_int_equal(x->wrong_vcpu, 0);
    }
    assert_int_equal(evtchn_check(), 0);
    sg_destroy(&x->a);
    sg_destroy(&x->b);
    for ( v = 0; v < 2; v++ )
        test_free(x->b.g.bound[v]);
    test_free(x);
}

static void test_delivery_2l(void **state)
{
    (void)state;
    run_delivery(EVTCHN_ABI_2LEVEL, false, false);
}

static void test_delivery_2l_masked(void **state)
{
    (void)state;
    run_delivery(EVTCHN_ABI_2LEVEL, false, true);
}

static void test_delivery_2l_compat(void **state)
{
    (void)state;
    run_delivery(EVTCHN_ABI_2LEVEL, true, true);
}

static void test_delivery_3l(void **state)
{
    (void)state;
    run_delivery(EVTCHN_ABI_3LEVEL, false, true);
}

static void test_delivery_3l_compat(void **state)
{
    (void)state;
    run_delivery(EVTCHN_ABI_3LEVEL, true, false);
}

static void test_delivery_fifo(void **state)
{
    (void)state;
    run_delivery(EVTCHN_ABI_FIFO, false, false);
}

static void test_delivery_fifo_masked(void **state)
{
    (void)state;
    run_delivery(EVTCHN_ABI_FIFO, false, true);
}

/* --- close and rebind while the peer sends ---------------------------- */

struct churn {
    struct sguest a, b;
    unsigned int aport;
    uint32_t stop, bad_send, binds;
};

static void churn_handler(void *arg, unsigned int vcpu, unsigned int port)
{
    (void)arg;
    (void)vcpu;
    (void)port;
}

static void churn_cpu(unsigned int cpu, void *arg)
{
    struct churn *x = arg;

    if ( cpu < 2 )
    {
        /* A sends; while B's end is closed the port is UNBOUND: 0. */
        while ( !__atomic_load_n(&x->stop, __ATOMIC_SEQ_CST) )
        {
            struct evtchn_send s = { .port = x->aport };
            long rc = sg_op(&x->a, cpu, EVTCHNOP_send, &s, sizeof(s));

            if ( rc )
                __atomic_fetch_add(&x->bad_send, 1, __ATOMIC_RELAXED);
        }
        return;
    }
    if ( cpu == 2 )
    {
        unsigned int i;

        /* B closes its end and binds again, over and over. */
        for ( i = 0; i < 300; i++ )
        {
            struct evtchn_bind_interdomain bi = { .remote_dom = 1,
                                                  .remote_port = x->aport };
            struct evtchn_close cl;

            if ( sg_op(&x->b, 0, EVTCHNOP_bind_interdomain, &bi,
                       sizeof(bi)) )
                continue;
            __atomic_fetch_add(&x->binds, 1, __ATOMIC_RELAXED);
            cl.port = bi.local_port;
            if ( sg_op(&x->b, 0, EVTCHNOP_close, &cl, sizeof(cl)) )
                __atomic_fetch_add(&x->bad_send, 1000, __ATOMIC_RELAXED);
        }
        __atomic_store_n(&x->stop, 1, __ATOMIC_SEQ_CST);
        return;
    }
    /* B's vCPU 1 takes whatever arrives. */
    while ( !__atomic_load_n(&x->stop, __ATOMIC_SEQ_CST) )
        guest_evtchn_upcall(&x->b.g, 1);
}

static void test_close_while_sending(void **state)
{
    struct churn *x = test_calloc(1, sizeof(*x));
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 2 };

    (void)state;
    sg_init(&x->a, 1, 2, false, false);
    sg_init(&x->b, 2, 2, false, false);
    x->b.g.handler = churn_handler;
    assert_int_equal(sg_op(&x->a, 0, EVTCHNOP_alloc_unbound, &au,
                           sizeof(au)), 0);
    x->aport = au.port;
    sim_run_cpus(4, churn_cpu, x);
    assert_int_equal(x->bad_send, 0);
    assert_int_equal(x->binds, 300);
    assert_int_equal(evtchn_check(), 0);
    sg_destroy(&x->a);
    sg_destroy(&x->b);
    test_free(x);
}

/* --- reset while other vCPUs bind -------------------------------------- */

struct resetter {
    struct sguest a;
    uint32_t stop, resets, eagain, bad, bound;
};

static void reset_cpu(unsigned int cpu, void *arg)
{
    struct resetter *x = arg;

    if ( cpu == 0 )
    {
        unsigned int i;

        /* Start once the binders are binding. */
        while ( __atomic_load_n(&x->bound, __ATOMIC_SEQ_CST) < 8 )
            hal_cpu_relax();
        for ( i = 0; i < 200; i++ )
        {
            struct evtchn_reset r = { .dom = DOMID_SELF };
            long rc;

            hypercall_force_preempt(1);
            rc = sg_op(&x->a, 0, EVTCHNOP_reset, &r, sizeof(r));
            if ( rc == 0 )
                __atomic_fetch_add(&x->resets, 1, __ATOMIC_RELAXED);
            else if ( rc == -EAGAIN || rc == -EBUSY )
                __atomic_fetch_add(&x->eagain, 1, __ATOMIC_RELAXED);
            else
                __atomic_fetch_add(&x->bad, 1, __ATOMIC_RELAXED);
        }
        __atomic_store_n(&x->stop, 1, __ATOMIC_SEQ_CST);
        return;
    }
    while ( !__atomic_load_n(&x->stop, __ATOMIC_SEQ_CST) )
    {
        struct evtchn_bind_ipi ipi = { .vcpu = cpu };
        struct evtchn_alloc_unbound au = { .dom = DOMID_SELF,
                                           .remote_dom = 0 };
        long rc;

        rc = cpu == 1 ? sg_op(&x->a, cpu, EVTCHNOP_bind_ipi, &ipi, sizeof(ipi))
                      : sg_op(&x->a, cpu, EVTCHNOP_alloc_unbound, &au,
                              sizeof(au));
        if ( rc == 0 )
            __atomic_fetch_add(&x->bound, 1, __ATOMIC_RELAXED);
        else if ( rc != -ENOSPC )
            __atomic_fetch_add(&x->bad, 1, __ATOMIC_RELAXED);
    }
}

static void test_reset_while_binding(void **state)
{
    struct resetter *x = test_calloc(1, sizeof(*x));
    struct evtchn_reset r = { .dom = DOMID_SELF };
    struct evtchn_domain_stats st;

    (void)state;
    sg_init(&x->a, 4, 4, false, false);
    sim_run_cpus(4, reset_cpu, x);
    assert_int_equal(x->bad, 0);
    assert_true(x->resets + x->eagain == 200);
    assert_true(x->bound > 0);
    assert_int_equal(evtchn_check(), 0);
    /* Quiet now: a reset succeeds and leaves nothing open. */
    assert_int_equal(sg_op(&x->a, 0, EVTCHNOP_reset, &r, sizeof(r)), 0);
    evtchn_domain_get_stats(x->a.d, &st);
    assert_int_equal(st.active_evtchns, 0);
    sg_destroy(&x->a);
    test_free(x);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_delivery_2l),
        T(test_delivery_2l_masked),
        T(test_delivery_2l_compat),
        T(test_delivery_3l),
        T(test_delivery_3l_compat),
        T(test_delivery_fifo),
        T(test_delivery_fifo_masked),
        T(test_close_while_sending),
        T(test_reset_while_binding),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
