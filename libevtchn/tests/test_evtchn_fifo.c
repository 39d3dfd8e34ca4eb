/* SPDX-License-Identifier: MIT */
/*
 * The FIFO ABI through the hypercall entry: every error of init_control,
 * expand_array and set_priority (nothing changes on error), delivery to a
 * guest-side consumer written from public/event_channel.h only (drain by
 * priority: READY, HEAD, LINK, clear LINKED; the harness's guest driver),
 * carry-over from 2 levels, re-queueing after bind_vcpu and set_priority,
 * page references given back by reset and destroy, and a guest rewriting
 * its event words while the hypervisor sends.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "evtchn_world.h"
#include "evtchn_fifo_guest.h"

/* --- the ops and their errors ---------------------------------------- */

/** init_control: every error, in Xen's order, changes nothing. */
static void test_init_control_errors(void **state)
{
    struct domain *d = make_dom(1, 2, false);
    uint64_t r0 = refs(d, CB_GFN);
    uint8_t lb = 0;

    (void)state;
    /* -ENOENT before the offset; OUT fields only on success. */
    assert_int_equal(init_control(d, 2, CB_GFN, 3, &lb), -ENOENT);
    assert_int_equal(lb, 0);
    assert_int_equal(init_control(d, 0, CB_GFN, 4096 - 72 + 8, NULL),
                     -EINVAL);
    assert_int_equal(init_control(d, 0, CB_GFN, 4, NULL), -EINVAL);
    assert_int_equal(init_control(d, 0, CB_GFN, ~0U, NULL), -EINVAL);
    assert_int_equal(init_control(d, 0, 0x6000, 0, NULL), -EINVAL);
    assert_int_equal(init_control(d, 0, P2M_MAX_GFN + 1, 0, NULL), -EINVAL);
    assert_int_equal(init_control(d, 0, ~0ULL, 0, NULL), -EINVAL);
    assert_int_equal(p2m_set_ram_type(d, _gfn(CB_GFN), p2m_ram_ro), 0);
    assert_int_equal(init_control(d, 0, CB_GFN, 0, NULL), -EINVAL);
    assert_int_equal(p2m_set_ram_type(d, _gfn(CB_GFN), p2m_ram_rw), 0);
    assert_int_equal(refs(d, CB_GFN), r0);
    assert_int_equal(abi_of(d, NULL), EVTCHN_ABI_2LEVEL);
    assert_int_equal(expand(d, ARR_GFN), -EOPNOTSUPP);
    g_check();

    /* The last offset that fits; then the same vCPU again is -EINVAL. */
    assert_int_equal(init_control(d, 0, CB_GFN, 4096 - 72, NULL), 0);
    assert_int_equal(refs(d, CB_GFN), r0 + 1);
    assert_int_equal(abi_of(d, NULL), EVTCHN_ABI_FIFO);
    assert_int_equal(init_control(d, 0, CB_GFN + 1, 0, NULL), -EINVAL);
    assert_int_equal(refs(d, CB_GFN + 1), r0);
    /* Later calls check the page too, and may share a page. */
    assert_int_equal(init_control(d, 1, 0x6000, 0, NULL), -EINVAL);
    assert_int_equal(init_control(d, 1, CB_GFN, 0, NULL), 0);
    assert_int_equal(refs(d, CB_GFN), r0 + 2);
    g_check();
    ew_destroy(d);
}

/** A 3-level domain cannot switch to FIFO, nor a FIFO domain to 3 levels. */
static void test_fifo_and_3l(void **state)
{
    struct domain *p = make_dom(2, 1, true), *q = make_dom(3, 1, true);
    struct evtchn_register_extended r = {
        .cmd = EVTCHN_EXTENDED_REGISTER_BITMAPS };
    struct evtchn_query_extended qe = { 0 };
    unsigned int i;

    (void)state;
    r.u.bitmaps.nr_pages = 8;
    for ( i = 0; i < 8; i++ )
    {
        r.u.bitmaps.pending_gfn[i] = EW_RAM_GFN + 8 + i;
        r.u.bitmaps.mask_gfn[i] = EW_RAM_GFN + 16 + i;
    }
    assert_int_equal(ew_op(p, EVTCHNOP_register_extended, &r), 0);
    assert_int_equal(init_control(p, 0, CB_GFN, 0, NULL), -EBUSY);
    assert_int_equal(expand(p, ARR_GFN), -EOPNOTSUPP);
    assert_int_equal(abi_of(p, NULL), EVTCHN_ABI_3LEVEL);

    assert_int_equal(init_control(q, 0, CB_GFN, 0, NULL), 0);
    assert_int_equal(ew_op(q, EVTCHNOP_register_extended, &r), -EBUSY);
    assert_int_equal(ew_op(q, EVTCHNOP_query_extended, &qe), 0);
    assert_int_equal(qe.current_abi, EVTCHN_ABI_FIFO);
    assert_true(qe.abis & EVTCHN_ABI_FIFO);
    g_check();
    ew_destroy(p);
    ew_destroy(q);
}

/** expand_array: bad pages, then 128 pages and -ENOSPC; reset gives back. */
static void test_expand_array(void **state)
{
    struct domain *d = make_dom(1, 1, false);
    struct evtchn_reset rs = { .dom = DOMID_SELF };
    struct evtchn_domain_stats st;
    uint64_t r0 = refs(d, ARR_GFN), rc0 = refs(d, CB_GFN);
    unsigned int i, pages;

    (void)state;
    assert_int_equal(init_control(d, 0, CB_GFN, 0, NULL), 0);
    assert_int_equal(expand(d, 0x6000), -EINVAL);
    assert_int_equal(expand(d, ~0ULL), -EINVAL);
    assert_int_equal(p2m_set_ram_type(d, _gfn(ARR_GFN), p2m_ram_ro), 0);
    assert_int_equal(expand(d, ARR_GFN), -EINVAL);
    assert_int_equal(p2m_set_ram_type(d, _gfn(ARR_GFN), p2m_ram_rw), 0);
    assert_int_equal(refs(d, ARR_GFN), r0);
    /* One page at a time; Xen does not ask for distinct pages. */
    for ( i = 0; i < 128; i++ )
        assert_int_equal(expand(d, ARR_GFN), 0);
    assert_int_equal(expand(d, ARR_GFN + 1), -ENOSPC);
    assert_int_equal(refs(d, ARR_GFN), r0 + 128);
    assert_int_equal(refs(d, ARR_GFN + 1), r0);
    assert_int_equal(abi_of(d, &pages), EVTCHN_ABI_FIFO);
    assert_int_equal(pages, 129);
    evtchn_domain_get_stats(d, &st);
    assert_int_equal(st.max_ports, 131072);
    g_check();

    assert_int_equal(ew_op(d, EVTCHNOP_reset, &rs), 0);
    assert_int_equal(refs(d, ARR_GFN), r0);
    assert_int_equal(refs(d, CB_GFN), rc0);
    assert_int_equal(abi_of(d, &pages), EVTCHN_ABI_2LEVEL);
    assert_int_equal(pages, 0);
    assert_int_equal(expand(d, ARR_GFN), -EOPNOTSUPP);
    g_check();
    /* FIFO may be set up again. */
    assert_int_equal(init_control(d, 0, CB_GFN, 0, NULL), 0);
    assert_int_equal(expand(d, ARR_GFN), 0);
    g_check();
    ew_destroy(d);
}

/** set_priority: -EINVAL, -ENOSYS (2-level), -EACCES, -EINVAL (> 15). */
static void test_set_priority_errors(void **state)
{
    struct domain *d = make_dom(1, 1, false);
    long port = ew_bind_ipi(d, 0);
    int xport;

    (void)state;
    assert_int_equal(set_prio(d, port, 3), -ENOSYS);
    assert_int_equal(init_control(d, 0, CB_GFN, 0, NULL), 0);
    assert_int_equal(set_prio(d, 100000, 3), -EINVAL);  /* invalid port */
    assert_int_equal(set_prio(d, 0, 3), -EACCES);       /* RESERVED */
    assert_int_equal(set_prio(d, 5, 3), -EACCES);       /* FREE */
    xport = alloc_unbound_xen_event_channel(d, 0, 0, NULL);
    assert_true(xport > 0);
    assert_int_equal(set_prio(d, xport, 3), -EACCES);   /* Xen's */
    assert_int_equal(set_prio(d, port, 16), -EINVAL);
    assert_int_equal(set_prio(d, port, ~0U), -EINVAL);
    assert_int_equal(set_prio(d, port, 0), 0);
    assert_int_equal(set_prio(d, port, 15), 0);
    free_xen_event_channel(d, xport);
    g_check();
    ew_destroy(d);
}

/* --- delivery -------------------------------------------------------- */

/* The dump's console output, kept whole. */
static char dump_buf[8192];
static size_t dump_len;

static void dump_sink(const char *s, size_t len, void *arg)
{
    (void)arg;
    if ( dump_len + len < sizeof(dump_buf) )
    {
        memcpy(dump_buf + dump_len, s, len);
        dump_len += len;
        dump_buf[dump_len] = '\0';
    }
}

static const char *dump_of(struct domain *d)
{
    dump_len = 0;
    dump_buf[0] = '\0';
    sim_console_capture(dump_sink, NULL);
    evtchn_dump_domain(d);
    sim_console_capture(NULL, NULL);
    return dump_buf;
}

/**
 * Interdomain, IPI and virq events reach the guest consumer in priority
 * order, FIFO within a priority; READY and the upcall are raised for a new
 * head only.
 */
static void test_deliver(void **state)
{
    struct domain *d = make_dom(1, 2, false), *b = make_dom(2, 1, false);
    struct shared_info *si = ew_shared_info(d);
    struct guest_fifo g = { 0 };
    unsigned int out[16], bport, n;
    long ipi1, ipi2, virq, idp;

    (void)state;
    idp = ew_connect(d, b, &bport);
    ipi1 = ew_bind_ipi(d, 0);
    ipi2 = ew_bind_ipi(d, 0);
    virq = ew_bind_virq(d, VIRQ_TIMER, 0);
    assert_true(virq > 0);
    g_init(&g, d, 0);
    g_expand(&g);
    g_unmask(&g, idp);
    g_unmask(&g, ipi1);
    g_unmask(&g, ipi2);
    g_unmask(&g, virq);
    /* The bind set idp pending in 2 levels; carried over, linked now. */
    assert_int_equal(g_drain(&g, 0, out, 16), 1);
    assert_int_equal(out[0], idp);
    si->vcpu_info[0].evtchn_upcall_pending = 0;

    assert_int_equal(set_prio(d, ipi2, 2), 0);
    assert_int_equal(set_prio(d, virq, 0), 0);
    assert_int_equal(ew_send(d, ipi1), 0);      /* prio 7 */
    assert_int_equal(si->vcpu_info[0].evtchn_upcall_pending, 1);
    assert_int_equal(g.ge.fifo_cb[0]->ready, 1U << 7);
    assert_int_equal(g.ge.fifo_cb[0]->head[7], ipi1);
    si->vcpu_info[0].evtchn_upcall_pending = 0;
    assert_int_equal(ew_send(b, bport), 0);     /* prio 7, linked */
    assert_int_equal(si->vcpu_info[0].evtchn_upcall_pending, 0);
    assert_int_equal(*g_word(&g, ipi1) & EVTCHN_FIFO_LINK_MASK, idp);
    assert_int_equal(ew_send(d, ipi2), 0);      /* prio 2 */
    send_guest_vcpu_virq(d->vcpu[0], VIRQ_TIMER); /* prio 0 */
    assert_int_equal(g.ge.fifo_cb[0]->ready, (1U << 7) | (1U << 2) | 1U);
    /* Sending a pending event again links nothing. */
    assert_int_equal(ew_send(d, ipi1), 0);
    /* The dump: priority, LINKED and LINK per port (idp after ipi1). */
    {
        const char *out_dump = dump_of(d);
        char want[64];

        assert_non_null(strstr(out_dump, "domain 1 (FIFO,"));
        snprintf(want, sizeof(want), "%4ld [1/0/p7 L%ld]: s=6", ipi1, idp);
        assert_non_null(strstr(out_dump, want));
        snprintf(want, sizeof(want), "%4ld [1/0/p7 L0]: s=3", idp);
        assert_non_null(strstr(out_dump, want));
        snprintf(want, sizeof(want), "%4ld [1/0/p0 L0]: s=5", virq);
        assert_non_null(strstr(out_dump, want));
        /* The queues: the guest's head, our tail, READY. */
        snprintf(want, sizeof(want), "    v0 q7: head %ld tail %ld READY\n",
                 ipi1, idp);
        assert_non_null(strstr(out_dump, want));
        snprintf(want, sizeof(want), "    v0 q0: head %ld tail %ld READY\n",
                 virq, virq);
        assert_non_null(strstr(out_dump, want));
        assert_null(strstr(out_dump, "    v1 q"));
    }
    g_check();
    /* The queue walk sees a chain that does not reach its tail, and a
     * tail that links on (as a hypervisor that linked wrong would leave
     * them). */
    {
        event_word_t *w1 = g_word(&g, ipi1), *wt = g_word(&g, idp);
        event_word_t s1 = *w1, st = *wt;

        *w1 = (s1 & ~EVTCHN_FIFO_LINK_MASK) | (event_word_t)ipi2;
        assert_int_equal(evtchn_check_fifo_queues(), -EINVAL);
        *w1 = s1;
        *wt = st | (event_word_t)ipi1;
        assert_int_equal(evtchn_check_fifo_queues(), -EINVAL);
        *wt = st;
        g_check();
    }

    n = g_drain(&g, 0, out, 16);
    assert_int_equal(n, 4);
    assert_int_equal(out[0], virq);
    assert_int_equal(out[1], ipi2);
    assert_int_equal(out[2], ipi1);
    assert_int_equal(out[3], idp);
    assert_int_equal(g.ge.fifo_cb[0]->ready, 0);

    /* Masked: PENDING only; the unmask links it. */
    *g_word(&g, ipi1) |= 1U << EVTCHN_FIFO_MASKED;
    assert_int_equal(ew_send(d, ipi1), 0);
    assert_int_equal(*g_word(&g, ipi1),
                     (1U << EVTCHN_FIFO_MASKED) | (1U << EVTCHN_FIFO_PENDING));
    assert_int_equal(g.ge.fifo_cb[0]->ready, 0);
    g_unmask(&g, ipi1);
    assert_int_equal(g_drain(&g, 0, out, 16), 1);
    assert_int_equal(out[0], ipi1);
    /* Closing clears PENDING of a linked event; the guest skips it. */
    assert_int_equal(ew_send(d, ipi2), 0);
    assert_int_equal(ew_close(d, ipi2), 0);
    assert_int_equal(g_drain(&g, 0, out, 16), 0);
    /* READY already set on an empty queue (one the guest has not taken
     * yet): the new head is written, READY and the upcall flag are left
     * as they are. */
    si->vcpu_info[0].evtchn_upcall_pending = 0;
    g.ge.fifo_cb[0]->ready = 1U << 7;
    assert_int_equal(ew_send(b, bport), 0);
    assert_int_equal(g.ge.fifo_cb[0]->head[7], idp);
    assert_int_equal(*g_word(&g, idp),
                     (1U << EVTCHN_FIFO_PENDING) | (1U << EVTCHN_FIFO_LINKED));
    assert_int_equal(g.ge.fifo_cb[0]->ready, 1U << 7);
    assert_int_equal(si->vcpu_info[0].evtchn_upcall_pending, 0);
    assert_int_equal(g_drain(&g, 0, out, 16), 1);
    assert_int_equal(out[0], idp);
    g_check();
    ew_destroy(b);
    ew_destroy(d);
}

/**
 * A vCPU with no control block drops its events (XSA-107); bind_vcpu and
 * set_priority move only later links; a port pending before its array
 * page is linked when the page comes.
 */
static void test_requeue(void **state)
{
    struct domain *d = make_dom(1, 2, false), *b = make_dom(2, 1, false);
    struct guest_fifo g = { 0 };
    struct evtchn_bind_vcpu bv;
    unsigned int out[8], bport;
    long idp, far = 0;
    int i;

    (void)state;
    idp = ew_connect(d, b, &bport);
    g_init(&g, d, 0);
    g_expand(&g);
    g_unmask(&g, idp);
    assert_int_equal(g_drain(&g, 0, out, 8), 1);

    /* vCPU 1 has no control block: dropped, no crash, nothing linked. */
    bv.port = idp;
    bv.vcpu = 1;
    assert_int_equal(ew_op(d, EVTCHNOP_bind_vcpu, &bv), 0);
    assert_int_equal(ew_send(b, bport), 0);
    assert_int_equal(*g_word(&g, idp) & (1U << EVTCHN_FIFO_LINKED), 0);
    g_check();

    /* With a block, it goes on vCPU 1's queue. */
    g_init(&g, d, 1);
    assert_int_equal(ew_send(b, bport), 0);
    assert_int_equal(g.ge.fifo_cb[1]->ready, 1U << 7);
    assert_int_equal(g.ge.fifo_cb[1]->head[7], idp);
    /* Moved back while still linked on vCPU 1: stays there until
     * consumed, the next link goes to vCPU 0 at the new priority. */
    bv.vcpu = 0;
    assert_int_equal(ew_op(d, EVTCHNOP_bind_vcpu, &bv), 0);
    assert_int_equal(set_prio(d, idp, 4), 0);
    assert_int_equal(g_drain(&g, 1, out, 8), 1);
    assert_int_equal(ew_send(b, bport), 0);
    assert_int_equal(g.ge.fifo_cb[0]->ready, 1U << 4);
    assert_int_equal(g.ge.fifo_cb[0]->head[4], idp);
    assert_int_equal(g.ge.fifo_cb[1]->ready, 0);
    assert_int_equal(g_drain(&g, 0, out, 8), 1);
    g_check();

    /* A port beyond the array: not pending, masked; raised by expand. */
    for ( i = 0; i < 1100; i++ )
        far = ew_bind_ipi(d, 0);
    assert_true(far >= 1024);
    assert_int_equal(ew_send(d, far), 0);
    {
        struct evtchn_port_info info;

        assert_int_equal(evtchn_port_info(d, far, &info), 0);
        assert_false(info.pending);
        assert_true(info.masked);
    }
    g_check();
    {
        event_word_t *w = ew_gfn_ptr(d, ARR_GFN + 1);

        memset(w, 0, 4096);    /* this page's events unmasked */
        assert_int_equal(expand(d, ARR_GFN + 1), 0);
        g.ge.fifo_array[g.ge.fifo_pages++] = w;
    }
    assert_int_equal(g_drain(&g, 0, out, 8), 1);
    assert_int_equal(out[0], far);
    g_check();
    ew_destroy(b);
    ew_destroy(d);
}

/**
 * The last-queue tracking (e33d4257fc): a port that was the tail of vCPU
 * 0's queue and is linked next on vCPU 1 empties vCPU 0's queue, so the
 * next event on vCPU 0 becomes a new head there (READY, upcall) instead of
 * being linked behind the moved port on vCPU 1.
 */
static void test_old_tail_invalidated(void **state)
{
    struct domain *d = make_dom(1, 2, false);
    struct shared_info *si = ew_shared_info(d);
    struct guest_fifo g = { 0 };
    struct evtchn_bind_vcpu bv;
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF,
                                       .remote_dom = DOMID_SELF };
    unsigned int out[8];
    long a, b;

    (void)state;
    g_init(&g, d, 0);
    g_init(&g, d, 1);
    g_expand(&g);
    /* A loopback pair: a's events are sent from b. */
    assert_int_equal(ew_op(d, EVTCHNOP_alloc_unbound, &au), 0);
    a = au.port;
    b = ew_bind_interdomain(d, DOMID_SELF, a);
    assert_true(b > 0);
    g_unmask(&g, a);
    g_unmask(&g, b);
    assert_int_equal(g_drain(&g, 0, out, 8), 1);   /* b, from the bind */
    assert_int_equal(ew_send(d, b), 0);            /* a: tail of v0 q7 */
    assert_int_equal(g_drain(&g, 0, out, 8), 1);
    assert_int_equal(out[0], a);

    bv.port = a;
    bv.vcpu = 1;
    assert_int_equal(ew_op(d, EVTCHNOP_bind_vcpu, &bv), 0);
    assert_int_equal(ew_send(d, b), 0);            /* a: head of v1 q7 */
    assert_int_equal(g.ge.fifo_cb[1]->head[7], a);
    si->vcpu_info[0].evtchn_upcall_pending = 0;
    assert_int_equal(ew_send(d, a), 0);            /* b: v0 q7, empty */
    assert_int_equal(g.ge.fifo_cb[0]->ready, 1U << 7);
    assert_int_equal(g.ge.fifo_cb[0]->head[7], b);
    assert_int_equal(si->vcpu_info[0].evtchn_upcall_pending, 1);
    assert_int_equal(*g_word(&g, a) & EVTCHN_FIFO_LINK_MASK, 0);
    assert_int_equal(g_drain(&g, 0, out, 8), 1);
    assert_int_equal(out[0], b);
    assert_int_equal(g_drain(&g, 1, out, 8), 1);
    assert_int_equal(out[0], a);
    g_check();
    ew_destroy(d);
}

/** A still-LINKED closed port is not handed out again (78e24c269b). */
static void test_linked_port_not_reused(void **state)
{
    struct domain *d = make_dom(1, 1, false);
    struct guest_fifo g = { 0 };
    long a, c;

    (void)state;
    g_init(&g, d, 0);
    g_expand(&g);
    a = ew_bind_ipi(d, 0);
    g_unmask(&g, a);
    assert_int_equal(ew_send(d, a), 0);
    assert_int_equal(ew_close(d, a), 0);
    c = ew_bind_ipi(d, 0);
    assert_true(c > 0 && c != a);
    ew_destroy(d);
}

/* --- pages come back ------------------------------------------------- */

/** Reset and destroy give back every control block and array page. */
static void test_pages_back(void **state)
{
    struct domain *d, *b;
    struct evtchn_reset rs = { .dom = DOMID_SELF };
    struct guest_fifo g = { 0 };
    struct mm_stats m0, m1;
    uint64_t rcb, rarr;
    unsigned int bport;

    (void)state;
    mm_deferred_flush();
    mm_get_stats(&m0);
    d = make_dom(1, 2, false);
    b = make_dom(2, 1, false);
    rcb = refs(d, CB_GFN);
    rarr = refs(d, ARR_GFN);
    ew_connect(d, b, &bport);
    g_init(&g, d, 0);
    g_init(&g, d, 1);
    g_expand(&g);
    g_expand(&g);
    assert_int_equal(ew_send(b, bport), 0);
    assert_int_equal(ew_op(d, EVTCHNOP_reset, &rs), 0);
    assert_int_equal(refs(d, CB_GFN), rcb);
    assert_int_equal(refs(d, CB_GFN + 1), rcb);
    assert_int_equal(refs(d, ARR_GFN), rarr);
    assert_int_equal(refs(d, ARR_GFN + 1), rarr);
    assert_int_equal(abi_of(d, NULL), EVTCHN_ABI_2LEVEL);
    g_check();

    /* Again, and destroyed while FIFO, with a live interdomain peer. */
    memset(&g, 0, sizeof(g));
    ew_connect(d, b, &bport);
    g_init(&g, d, 1);
    g_expand(&g);
    assert_int_equal(ew_send(b, bport), 0);
    ew_destroy(d);
    assert_int_equal(ew_send(b, bport), 0);  /* peer gone: unbound */
    g_check();
    ew_destroy(b);
    g_check();
    mm_deferred_flush();
    mm_get_stats(&m1);
    assert_int_equal(m1.free_pages, m0.free_pages);
}

/* --- senders and the consumer on two pCPUs --------------------------- */

#define RACE_PORTS 8
#define RACE_SENDS 20000

struct race {
    struct domain *d, *b;
    struct guest_fifo g;
    unsigned int dport[RACE_PORTS], bport[RACE_PORTS];
    volatile int done;
    unsigned long consumed;
};

/*
 * CPU 1 sends from the peer domain on every channel in turn; CPU 0 is the
 * guest: it drains both vCPUs' queues and, between drains, moves channels
 * between vCPUs and priorities.
 */
static void race_cpu(unsigned int cpu, void *arg)
{
    struct race *r = arg;
    unsigned int out[64], i, k = 0;

    if ( cpu == 1 )
    {
        for ( i = 0; i < RACE_SENDS; i++ )
        {
            struct evtchn_send sd = { .port = r->bport[i % RACE_PORTS] };

            if ( world_guest_op(r->b, 0, __HYPERVISOR_event_channel_op,
                                EVTCHNOP_send, EW_RAM_GFN + 30, &sd,
                                sizeof(sd)) )
                break;
        }
        __atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
        return;
    }
    while ( !__atomic_load_n(&r->done, __ATOMIC_SEQ_CST) )
    {
        struct evtchn_bind_vcpu bv;

        r->consumed += g_drain(&r->g, 0, out, 64);
        r->consumed += g_drain(&r->g, 1, out, 64);
        k++;
        bv.port = r->dport[k % RACE_PORTS];
        bv.vcpu = (k / RACE_PORTS) & 1;
        if ( ew_op(r->d, EVTCHNOP_bind_vcpu, &bv) ||
             set_prio(r->d, r->dport[(k * 3) % RACE_PORTS], k % 16) )
            break;
    }
}

/**
 * Two pCPUs: a peer sends on 8 interdomain channels while the guest drains
 * its queues and moves the channels between vCPUs and priorities.  When
 * the sender stops, one last drain leaves nothing pending, linked or
 * ready: no event was left pending off every queue, no queue was left
 * corrupt (the drain's guard stops a cycle).
 */
static void test_concurrent_delivery(void **state)
{
    struct race *r = calloc(1, sizeof(*r));
    unsigned int i, out[64];

    (void)state;
    assert_non_null(r);
    r->d = make_dom(1, 2, false);
    r->b = make_dom(2, 1, false);
    g_init(&r->g, r->d, 0);
    g_init(&r->g, r->d, 1);
    g_expand(&r->g);
    for ( i = 0; i < RACE_PORTS; i++ )
    {
        r->dport[i] = ew_connect(r->d, r->b, &r->bport[i]);
        g_unmask(&r->g, r->dport[i]);
    }
    ew_run_cpus(race_cpu, r);
    r->consumed += g_drain(&r->g, 0, out, 64);
    r->consumed += g_drain(&r->g, 1, out, 64);
    assert_true(r->consumed >= RACE_PORTS);
    g_assert_drained(&r->g, r->dport, RACE_PORTS);
    g_check();
    ew_destroy(r->b);
    ew_destroy(r->d);
    free(r);
}

struct reset_race {
    struct domain *d;
    volatile int done;
    unsigned int expanded, resets;
};

/* CPU 1: expand_array from vCPU 1; CPU 0: reset, then init_control. */
static void reset_race_cpu(unsigned int cpu, void *arg)
{
    struct reset_race *r = arg;
    unsigned int i;

    if ( cpu == 1 )
    {
        while ( !__atomic_load_n(&r->done, __ATOMIC_SEQ_CST) )
        {
            struct evtchn_expand_array e = { .array_gfn = ARR_GFN };
            long rc = world_guest_op(r->d, 1, __HYPERVISOR_event_channel_op,
                                     EVTCHNOP_expand_array, EW_RAM_GFN + 30,
                                     &e, sizeof(e));

            if ( rc == 0 )
                r->expanded++;
            else if ( rc != -EOPNOTSUPP && rc != -ENOSPC )
                break;
        }
        return;
    }
    for ( i = 0; i < 300; i++ )
    {
        struct evtchn_reset rs = { .dom = DOMID_SELF };

        if ( ew_op(r->d, EVTCHNOP_reset, &rs) ||
             init_control(r->d, 0, CB_GFN, 0, NULL) )
            break;
        r->resets++;
    }
    __atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
}

/**
 * expand_array racing with reset (XSA-505): each sees FIFO present or
 * absent under the event lock, so no page is added to a torn-down array
 * and every page reference comes back.
 */
static void test_expand_vs_reset(void **state)
{
    struct reset_race r = { 0 };
    struct evtchn_reset rs = { .dom = DOMID_SELF };
    uint64_t r0;

    (void)state;
    r.d = make_dom(1, 2, false);
    r0 = refs(r.d, ARR_GFN);
    assert_int_equal(init_control(r.d, 0, CB_GFN, 0, NULL), 0);
    ew_run_cpus(reset_race_cpu, &r);
    assert_int_equal(r.resets, 300);
    g_check();
    assert_int_equal(ew_op(r.d, EVTCHNOP_reset, &rs), 0);
    assert_int_equal(refs(r.d, ARR_GFN), r0);
    assert_int_equal(refs(r.d, CB_GFN), r0);
    ew_destroy(r.d);
}

/* --- a hostile guest ------------------------------------------------- */

struct hostile {
    event_word_t *words;
    evtchn_fifo_control_block_t *cb;
    volatile bool stop;
    unsigned long rounds;
};

/* Rewrites the first 64 words (random bits: LINKED, BUSY, LINK, ...)
 * and the control block as fast as it can. */
static void *hostile_main(void *arg)
{
    struct hostile *h = arg;
    uint32_t x = 12345;

    while ( !h->stop )
    {
        unsigned int i;

        for ( i = 0; i < 64; i++ )
        {
            x = x * 1103515245U + 12345U;
            __atomic_store_n(&h->words[i], x, __ATOMIC_RELAXED);
        }
        __atomic_store_n(&h->cb->head[7], x, __ATOMIC_RELAXED);
        __atomic_store_n(&h->cb->ready, x, __ATOMIC_RELAXED);
        h->rounds++;
    }
    return NULL;
}

/**
 * A guest rewriting its event words (LINKED set, random LINK, BUSY) and
 * its control block while the hypervisor links events: every send
 * returns, nothing crashes, the checker is happy.  Then a single-threaded
 * guest that leaves garbage behind: the hypervisor writes only in bounds.
 */
static void test_hostile_guest(void **state)
{
    struct domain *d = make_dom(1, 1, false);
    struct guest_fifo g = { 0 };
    struct hostile h = { 0 };
    pthread_t t;
    long ports[32];
    unsigned int i, k;

    (void)state;
    g_init(&g, d, 0);
    g_expand(&g);
    for ( i = 0; i < 32; i++ )
    {
        ports[i] = ew_bind_ipi(d, 0);
        assert_true(ports[i] > 0 && ports[i] < 64);
    }
    h.words = g.ge.fifo_array[0];
    h.cb = g.ge.fifo_cb[0];
    assert_int_equal(pthread_create(&t, NULL, hostile_main, &h), 0);
    for ( k = 0; k < 5000; k++ )
    {
        i = k % 32;
        assert_int_equal(ew_send(d, ports[i]), 0);
        assert_int_equal(ew_unmask(d, ports[i]), 0);
        if ( k % 7 == 0 )
            assert_int_equal(set_prio(d, ports[i], k % 16), 0);
    }
    h.stop = true;
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(evtchn_check(), 0);

    /* Garbage left behind: every word LINKED with LINK all ones. */
    for ( i = 0; i < WORDS_PER_PAGE; i++ )
        g.ge.fifo_array[0][i] = (1U << EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK;
    for ( k = 0; k < 1000; k++ )
        assert_int_equal(ew_send(d, ports[k % 32]), 0);
    for ( i = 0; i < WORDS_PER_PAGE; i++ )
        g.ge.fifo_array[0][i] = 0;
    for ( k = 0; k < 1000; k++ )
    {
        assert_int_equal(ew_send(d, ports[k % 32]), 0);
        g.ge.fifo_array[0][ports[(k + 1) % 32]] = ~0U;
    }
    assert_int_equal(evtchn_check(), 0);
    ew_destroy(d);
}

struct tail_hammer {
    event_word_t *word;
    volatile int stop, started;
};

/* Flips an unused bit of one event word, LINKED kept, without pause. */
static void *tail_hammer_main(void *arg)
{
    struct tail_hammer *h = arg;

    __atomic_store_n(&h->started, 1, __ATOMIC_SEQ_CST);
    while ( !h->stop )
        __atomic_fetch_xor(h->word, 1U << 20, __ATOMIC_SEQ_CST);
    return NULL;
}

/**
 * The tail word rewritten without pause while the hypervisor links behind
 * it: each send returns, BUSY is cleared again whether the link was made
 * or given up (then the event is lost to the guest, dae2a1c5f9), and the
 * hypervisor's state stays sound.
 */
static void test_tail_rewritten(void **state)
{
    struct domain *d = make_dom(1, 1, false);
    struct guest_fifo g = { 0 };
    struct tail_hammer h = { 0 };
    unsigned int k, out[8];
    pthread_t t;
    long a, b;

    (void)state;
    g_init(&g, d, 0);
    g_expand(&g);
    a = ew_bind_ipi(d, 0);
    b = ew_bind_ipi(d, 0);
    g_unmask(&g, a);
    g_unmask(&g, b);
    h.word = g_word(&g, a);
    for ( k = 0; k < 200; k++ )
    {
        assert_int_equal(ew_send(d, a), 0);          /* a: head and tail */
        h.stop = 0;
        h.started = 0;
        assert_int_equal(pthread_create(&t, NULL, tail_hammer_main, &h), 0);
        while ( !__atomic_load_n(&h.started, __ATOMIC_SEQ_CST) )
            sched_yield();
        assert_int_equal(ew_send(d, b), 0);          /* links behind a */
        h.stop = 1;
        assert_int_equal(pthread_join(t, NULL), 0);
        assert_int_equal(*g_word(&g, a) & (1U << EVTCHN_FIFO_BUSY), 0);
        assert_int_equal(evtchn_check(), 0);
        /* The guest starts over: both words and the queue emptied. */
        g_drain(&g, 0, out, 8);
        *g_word(&g, a) = 0;
        *g_word(&g, b) = 0;
    }
    ew_destroy(d);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, ew_setup, ew_teardown)
    const struct CMUnitTest tests[] = {
        T(test_init_control_errors),
        T(test_fifo_and_3l),
        T(test_expand_array),
        T(test_set_priority_errors),
        T(test_deliver),
        T(test_requeue),
        T(test_old_tail_invalidated),
        T(test_linked_port_not_reused),
        T(test_pages_back),
        T(test_concurrent_delivery),
        T(test_expand_vs_reset),
        T(test_hostile_guest),
        T(test_tail_rewritten),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
