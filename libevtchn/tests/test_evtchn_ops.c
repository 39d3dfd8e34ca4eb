/* SPDX-License-Identifier: MIT */
/*
 * Every EVTCHNOP through the hypercall entry: results, error codes in
 * Xen's order (reference/evtchn.md §1), and what the guest observes in its
 * shared_info.  The dummy XSM policy gives Xen's default decisions.
 */
#include "evtchn_world.h"

#include <common/subsys.h>

static void check_ok(void)
{
    assert_int_equal(evtchn_check(), 0);
}

static struct evtchn_status status_of(struct domain *d, domid_t dom,
                                      unsigned int port, long *rc)
{
    struct evtchn_status s = { .dom = dom, .port = port };

    *rc = ew_op(d, EVTCHNOP_status, &s);
    return s;
}

/** Unknown commands, bad argument addresses, the FIFO ops. */
static void test_entry_errors(void **state)
{
    struct domain *a = ew_domain(1, 1, false);
    uint64_t args[HYPERCALL_NR_ARGS] = { 99, EW_ARG_GFN << 12 };
    struct evtchn_init_control ic = { 0 };
    struct evtchn_expand_array ea = { 0 };
    struct evtchn_set_priority sp = { .port = 0 };

    (void)state;
    assert_int_equal(hypercall_entry(a->vcpu[0], 32, args), -ENOSYS);
    args[0] = EVTCHNOP_send;
    args[1] = 0x7000ULL << 12; /* not RAM */
    assert_int_equal(hypercall_entry(a->vcpu[0], 32, args), -EFAULT);
    args[0] = EVTCHNOP_alloc_unbound;
    assert_int_equal(hypercall_entry(a->vcpu[0], 32, args), -EFAULT);
    /* FIFO: gfn 0 is not RAM; no array before a control block. */
    assert_int_equal(ew_op(a, EVTCHNOP_init_control, &ic), -EINVAL);
    assert_int_equal(ew_op(a, EVTCHNOP_expand_array, &ea), -EOPNOTSUPP);
    /* set_priority: invalid port first, then no priorities in 2-level. */
    sp.port = 5000;
    assert_int_equal(ew_op(a, EVTCHNOP_set_priority, &sp), -EINVAL);
    sp.port = 0;
    assert_int_equal(ew_op(a, EVTCHNOP_set_priority, &sp), -ENOSYS);
    ew_destroy(a);
}

/** alloc_unbound: -ESRCH, then the allocator, then XSM_TARGET. */
static void test_alloc_unbound(void **state)
{
    struct domain *a = ew_domain(1, 1, false), *b = ew_domain(2, 1, false);
    struct domain *priv = ew_domain(3, 1, true);
    struct evtchn_domain_stats st0, st1;
    struct evtchn_status s;
    long rc;

    (void)state;
    assert_int_equal(ew_alloc_unbound(a, 77, 2), -ESRCH);
    evtchn_domain_get_stats(b, &st0);
    assert_int_equal(ew_alloc_unbound(a, 2, 1), -EPERM);
    evtchn_domain_get_stats(b, &st1);
    assert_int_equal(st1.active_evtchns, st0.active_evtchns);

    /* Ports ascend from 1; DOMID_SELF as remote is stored as the caller. */
    assert_int_equal(ew_alloc_unbound(a, DOMID_SELF, DOMID_SELF), 1);
    s = status_of(a, DOMID_SELF, 1, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 1);
    assert_int_equal(s.vcpu, 0);
    /* The dummy policy does not check that remote_dom exists. */
    assert_int_equal(ew_alloc_unbound(a, DOMID_SELF, 999), 2);
    /* The control domain may allocate in another domain; the port is b's,
     * and remote DOMID_SELF means the caller (3), not b. */
    assert_int_equal(ew_alloc_unbound(priv, 2, DOMID_SELF), 1);
    s = status_of(priv, 2, 1, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(s.u.unbound.dom, 3);
    check_ok();
    ew_destroy(a);
    ew_destroy(b);
    ew_destroy(priv);
}

/** A device model may allocate in its target. */
static void test_alloc_unbound_dm(void **state)
{
    struct domain *a = ew_domain(1, 1, false), *dm;
    struct domain_config cfg;

    (void)state;
    domain_config_default(&cfg);
    cfg.max_pages = 256;
    cfg.target = 1;
    dm = ew_domain_cfg(4, &cfg);
    assert_int_equal(ew_alloc_unbound(dm, 1, 4), 1);
    assert_int_equal(ew_alloc_unbound(a, 4, 1), -EPERM);
    ew_destroy(dm);
    ew_destroy(a);
}

/** bind_interdomain: errors in order, both ends, local pending, loopback. */
static void test_bind_interdomain(void **state)
{
    struct domain *a = ew_domain(1, 2, false), *b = ew_domain(2, 1, false);
    struct domain *c = ew_domain(3, 1, false);
    struct shared_info *sia = ew_shared_info(a);
    struct evtchn_status s;
    long bp, cp, ap, rc;

    (void)state;
    assert_int_equal(ew_bind_interdomain(a, 55, 1), -ESRCH);
    assert_int_equal(ew_bind_interdomain(a, 2, 5000), -EINVAL);
    assert_int_equal(ew_bind_interdomain(a, 2, 0), -EINVAL);   /* reserved */
    assert_int_equal(ew_bind_interdomain(a, 2, 7), -EINVAL);   /* free */
    cp = ew_alloc_unbound(c, DOMID_SELF, 3);                   /* not for a */
    assert_int_equal(ew_bind_interdomain(a, 3, cp), -EINVAL);
    bp = ew_alloc_unbound(b, DOMID_SELF, 1);
    assert_int_equal(bp, 1);
    /* Failed binds left no port behind in a. */
    ap = ew_bind_interdomain(a, 2, bp);
    assert_int_equal(ap, 1);
    assert_int_equal(ew_bit(sia->evtchn_pending, ap), 1);
    assert_int_equal(sia->vcpu_info[0].evtchn_upcall_pending, 1);
    s = status_of(b, DOMID_SELF, bp, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(s.status, EVTCHNSTAT_interdomain);
    assert_int_equal(s.u.interdomain.dom, 1);
    assert_int_equal(s.u.interdomain.port, ap);
    /* Already bound: not UNBOUND any more. */
    assert_int_equal(ew_bind_interdomain(c, 2, bp), -EINVAL);

    /* Loopback. */
    bp = ew_alloc_unbound(a, DOMID_SELF, DOMID_SELF);
    ap = ew_bind_interdomain(a, DOMID_SELF, bp);
    assert_true(ap > 0 && ap != bp);
    sia->evtchn_pending[0] = 0;
    assert_int_equal(ew_send(a, ap), 0);
    assert_int_equal(ew_bit(sia->evtchn_pending, bp), 1);
    assert_int_equal(ew_bit(sia->evtchn_pending, ap), 0);
    check_ok();
    ew_destroy(a);
    ew_destroy(b);
    ew_destroy(c);
}

/** send: invalid, unbound (dropped), interdomain, IPI, virq/pirq ports. */
static void test_send(void **state)
{
    struct domain *a = ew_domain(1, 2, false), *b = ew_domain(2, 2, false);
    struct shared_info *sib = ew_shared_info(b), *sia = ew_shared_info(a);
    unsigned int bport, aport;
    long ipi, virq, up;

    (void)state;
    assert_int_equal(ew_send(a, 0), -EINVAL);
    assert_int_equal(ew_send(a, 4000), -EINVAL);
    assert_int_equal(ew_send(a, 5), -EINVAL);          /* FREE */
    up = ew_alloc_unbound(a, DOMID_SELF, 2);
    assert_int_equal(ew_send(a, up), 0);               /* dropped */
    assert_int_equal(ew_bit(sia->evtchn_pending, up), 0);

    aport = ew_connect(a, b, &bport);
    assert_int_equal(ew_send(a, aport), 0);
    assert_int_equal(ew_bit(sib->evtchn_pending, bport), 1);
    assert_int_equal(sib->vcpu_info[0].evtchn_pending_sel, 1);
    assert_int_equal(sib->vcpu_info[0].evtchn_upcall_pending, 1);
    assert_int_equal(sib->vcpu_info[1].evtchn_upcall_pending, 0);

    ipi = ew_bind_ipi(a, 1);
    sia->evtchn_pending[0] = 0;
    assert_int_equal(ew_send(a, ipi), 0);
    assert_int_equal(ew_bit(sia->evtchn_pending, ipi), 1);
    assert_int_equal(sia->vcpu_info[1].evtchn_upcall_pending, 1);

    virq = ew_bind_virq(a, VIRQ_TIMER, 0);
    assert_true(virq > 0);
    assert_int_equal(ew_send(a, virq), -EINVAL);
    check_ok();
    ew_destroy(a);
    ew_destroy(b);
}

/** close: errors, interdomain peer back to UNBOUND, pending left alone. */
static void test_close(void **state)
{
    struct domain *a = ew_domain(1, 1, false), *b = ew_domain(2, 1, false);
    struct shared_info *sib = ew_shared_info(b);
    struct evtchn_domain_stats st;
    struct evtchn_status s;
    unsigned int bport, aport;
    uint32_t refs;
    long rc;

    (void)state;
    assert_int_equal(ew_close(a, 0), -EINVAL);
    assert_int_equal(ew_close(a, 9999), -EINVAL);
    assert_int_equal(ew_close(a, 3), -EINVAL);
    aport = ew_connect(a, b, &bport);
    /* The peer of an interdomain port, with a reference (GET_PEER_SID). */
    refs = hal_read_once(&b->refcnt);
    assert_ptr_equal(evtchn_interdomain_peer(a, aport), b);
    assert_int_equal(hal_read_once(&b->refcnt), refs + 1);
    put_domain(b);
    assert_ptr_equal(evtchn_interdomain_peer(b, bport), a);
    put_domain(a);
    assert_null(evtchn_interdomain_peer(a, 0));
    assert_null(evtchn_interdomain_peer(a, 9999));
    assert_int_equal(ew_send(a, aport), 0);
    assert_int_equal(ew_close(a, aport), 0);
    assert_int_equal(ew_close(a, aport), -EINVAL);
    /* Closed: no peer from either end (b's port is UNBOUND now). */
    assert_null(evtchn_interdomain_peer(a, aport));
    assert_null(evtchn_interdomain_peer(b, bport));
    assert_int_equal(hal_read_once(&b->refcnt), refs);
    s = status_of(b, DOMID_SELF, bport, &rc);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 1);
    assert_int_equal(ew_bit(sib->evtchn_pending, bport), 1);
    /* a may bind again; the freed port is reused. */
    assert_int_equal(ew_bind_interdomain(a, 2, bport), aport);
    /* Closing from b's side this time. */
    assert_int_equal(ew_close(b, bport), 0);
    s = status_of(a, DOMID_SELF, aport, &rc);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 2);
    assert_int_equal(ew_close(a, aport), 0);
    evtchn_domain_get_stats(a, &st);
    assert_int_equal(st.active_evtchns, 0);
    check_ok();
    ew_destroy(a);
    ew_destroy(b);
}

/** status: -ESRCH, -EINVAL, XSM_TARGET, and each state. */
static void test_status(void **state)
{
    struct domain *a = ew_domain(1, 2, false), *b = ew_domain(2, 1, false);
    struct domain *priv = ew_domain(3, 1, true);
    struct evtchn_status s;
    long rc, ipi, virq;

    (void)state;
    status_of(a, 66, 1, &rc);
    assert_int_equal(rc, -ESRCH);
    status_of(a, DOMID_SELF, 128, &rc);   /* beyond the first bucket */
    assert_int_equal(rc, -EINVAL);
    status_of(a, 2, 1, &rc);
    assert_int_equal(rc, -EPERM);
    s = status_of(a, DOMID_SELF, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(s.status, EVTCHNSTAT_closed);
    s = status_of(a, DOMID_SELF, 5, &rc);
    assert_int_equal(s.status, EVTCHNSTAT_closed);
    ipi = ew_bind_ipi(a, 1);
    s = status_of(a, DOMID_SELF, ipi, &rc);
    assert_int_equal(s.status, EVTCHNSTAT_ipi);
    assert_int_equal(s.vcpu, 1);
    virq = ew_bind_virq(a, VIRQ_DEBUG, 1);
    s = status_of(priv, 1, virq, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(s.status, EVTCHNSTAT_virq);
    assert_int_equal(s.u.virq, VIRQ_DEBUG);
    assert_int_equal(s.vcpu, 1);
    ew_destroy(a);
    ew_destroy(b);
    ew_destroy(priv);
}

/** bind_virq: errors in Xen's order, per-vCPU and domain virqs. */
static void test_bind_virq(void **state)
{
    struct domain *d0 = ew_domain(0, 1, true), *a = ew_domain(1, 2, false);
    struct shared_info *sia = ew_shared_info(a);
    long p0, p1, pd;

    (void)state;
    assert_int_equal(ew_bind_virq(a, NR_VIRQS, 0), -EINVAL);
    assert_int_equal(ew_bind_virq(a, VIRQ_CONSOLE, 1), -EINVAL);
    assert_int_equal(ew_bind_virq(a, VIRQ_ARGO, 1), -EINVAL);
    assert_int_equal(ew_bind_virq(a, VIRQ_TIMER, 2), -ENOENT);
    assert_int_equal(ew_bind_virq(a, VIRQ_CONSOLE, 0), -EBUSY);
    p0 = ew_bind_virq(a, VIRQ_TIMER, 0);
    p1 = ew_bind_virq(a, VIRQ_TIMER, 1);
    assert_true(p0 > 0 && p1 > 0 && p0 != p1);
    assert_int_equal(ew_bind_virq(a, VIRQ_TIMER, 1), -EEXIST);
    pd = ew_bind_virq(a, VIRQ_ARGO, 0);
    assert_true(pd > 0);
    assert_int_equal(ew_bind_virq(a, VIRQ_ARGO, 0), -EEXIST);

    send_guest_vcpu_virq(a->vcpu[1], VIRQ_TIMER);
    assert_int_equal(ew_bit(sia->evtchn_pending, p1), 1);
    assert_int_equal(ew_bit(sia->evtchn_pending, p0), 0);
    assert_int_equal(sia->vcpu_info[1].evtchn_upcall_pending, 1);
    assert_int_equal(sia->vcpu_info[0].evtchn_upcall_pending, 0);

    /* A per-vCPU virq cannot move; a domain virq can. */
    {
        struct evtchn_bind_vcpu bv = { .port = p1, .vcpu = 0 };

        assert_int_equal(ew_op(a, EVTCHNOP_bind_vcpu, &bv), -EINVAL);
        bv.port = pd;
        bv.vcpu = 1;
        assert_int_equal(ew_op(a, EVTCHNOP_bind_vcpu, &bv), 0);
    }
    send_guest_domain_virq(a, VIRQ_ARGO);
    assert_int_equal(ew_bit(sia->evtchn_pending, pd), 1);

    /* Global virqs: the hardware domain (0) by default. */
    assert_true(ew_bind_virq(d0, VIRQ_CONSOLE, 0) > 0);
    /* Closing a virq frees the table slot. */
    assert_int_equal(ew_close(a, p1), 0);
    assert_int_equal(ew_bind_virq(a, VIRQ_TIMER, 1), p1);
    check_ok();
    ew_destroy(a);
    ew_destroy(d0);
}

/** Global virq handler rules (Xen's 2025 fixes). */
static void test_global_virq_handler(void **state)
{
    struct domain *d0 = ew_domain(0, 1, true), *a = ew_domain(1, 1, false);
    struct domain *b = ew_domain(2, 1, false);
    struct shared_info *sia = ew_shared_info(a);
    long p;

    (void)state;
    assert_int_equal(evtchn_set_virq_handler(VIRQ_TIMER, a), -EINVAL);
    assert_ptr_equal(evtchn_virq_handler(VIRQ_DOM_EXC), d0);
    p = ew_bind_virq(d0, VIRQ_DOM_EXC, 0);
    assert_true(p > 0);
    /* The handler cannot be stolen while it has the virq bound. */
    assert_int_equal(evtchn_set_virq_handler(VIRQ_DOM_EXC, a), -EBUSY);
    assert_int_equal(ew_close(d0, p), 0);
    assert_int_equal(evtchn_set_virq_handler(VIRQ_DOM_EXC, a), 0);
    assert_ptr_equal(evtchn_virq_handler(VIRQ_DOM_EXC), a);
    /* Only the handler may bind it now. */
    assert_int_equal(ew_bind_virq(d0, VIRQ_DOM_EXC, 0), -EBUSY);
    assert_int_equal(ew_bind_virq(b, VIRQ_DOM_EXC, 0), -EBUSY);
    p = ew_bind_virq(a, VIRQ_DOM_EXC, 0);
    assert_true(p > 0);
    send_global_virq(VIRQ_DOM_EXC);
    assert_int_equal(ew_bit(sia->evtchn_pending, p), 1);
    /* A dying handler is forgotten: the virq falls back to domain 0. */
    ew_destroy(a);
    assert_ptr_equal(evtchn_virq_handler(VIRQ_DOM_EXC), d0);
    p = ew_bind_virq(d0, VIRQ_DOM_EXC, 0);
    assert_true(p > 0);
    /* A domain's death is announced to the handler once it is gone. */
    assert_int_equal(ew_bit(ew_shared_info(d0)->evtchn_pending, p), 0);
    check_ok();
    ew_destroy(b);
    assert_int_equal(ew_bit(ew_shared_info(d0)->evtchn_pending, p), 1);
    ew_destroy(d0);
}

/** bind_pirq: range, access, -EEXIST; injection delivers; close unbinds. */
static void test_bind_pirq(void **state)
{
    struct domain *a = ew_domain(1, 1, false);
    struct shared_info *sia = ew_shared_info(a);
    struct evtchn_bind_pirq bp = { .pirq = EVTCHN_NR_PIRQS };
    long p;

    (void)state;
    assert_int_equal(ew_op(a, EVTCHNOP_bind_pirq, &bp), -EINVAL);
    bp.pirq = 10;
    assert_int_equal(ew_op(a, EVTCHNOP_bind_pirq, &bp), -EPERM);
    assert_int_equal(evtchn_pirq_permit(a, 10, true), 0);
    assert_int_equal(evtchn_pirq_permit(a, EVTCHN_NR_PIRQS, true), -EINVAL);
    bp.flags = BIND_PIRQ__WILL_SHARE;
    assert_int_equal(ew_op(a, EVTCHNOP_bind_pirq, &bp), 0);
    p = bp.port;
    assert_int_equal(ew_op(a, EVTCHNOP_bind_pirq, &bp), -EEXIST);
    assert_int_equal(ew_send(a, p), -EINVAL);
    evtchn_pirq_inject(a, 10);
    assert_int_equal(ew_bit(sia->evtchn_pending, p), 1);
    evtchn_pirq_inject(a, 11); /* nothing bound */
    check_ok();
    assert_int_equal(ew_close(a, p), 0);
    sia->evtchn_pending[0] = 0;
    evtchn_pirq_inject(a, 10);
    assert_int_equal(sia->evtchn_pending[0], 0);
    assert_int_equal(ew_op(a, EVTCHNOP_bind_pirq, &bp), 0);
    check_ok();
    ew_destroy(a);
}

/** bind_vcpu: -ENOENT before the port; only future events move. */
static void test_bind_vcpu(void **state)
{
    struct domain *a = ew_domain(1, 2, false), *b = ew_domain(2, 2, false);
    struct shared_info *sib = ew_shared_info(b);
    struct evtchn_bind_vcpu bv = { .port = 9999, .vcpu = 5 };
    unsigned int aport, bport;
    long ipi;

    (void)state;
    assert_int_equal(ew_op(b, EVTCHNOP_bind_vcpu, &bv), -ENOENT);
    bv.vcpu = 1;
    assert_int_equal(ew_op(b, EVTCHNOP_bind_vcpu, &bv), -EINVAL);
    bv.port = 0;
    assert_int_equal(ew_op(b, EVTCHNOP_bind_vcpu, &bv), -EINVAL);
    ipi = ew_bind_ipi(b, 0);
    bv.port = ipi;
    assert_int_equal(ew_op(b, EVTCHNOP_bind_vcpu, &bv), -EINVAL);

    aport = ew_connect(a, b, &bport);
    assert_int_equal(ew_send(a, aport), 0);
    assert_int_equal(sib->vcpu_info[0].evtchn_upcall_pending, 1);
    bv.port = bport;
    assert_int_equal(ew_op(b, EVTCHNOP_bind_vcpu, &bv), 0);
    /* Still pending: no new edge, nothing moved to vCPU 1. */
    assert_int_equal(ew_send(a, aport), 0);
    assert_int_equal(sib->vcpu_info[1].evtchn_upcall_pending, 0);
    sib->evtchn_pending[0] = 0;
    assert_int_equal(ew_send(a, aport), 0);
    assert_int_equal(sib->vcpu_info[1].evtchn_upcall_pending, 1);
    assert_int_equal(sib->vcpu_info[1].evtchn_pending_sel, 1);
    check_ok();
    ew_destroy(a);
    ew_destroy(b);
}

/** 2-level unmask: only a mask bit that was set, with pending, raises. */
static void test_unmask_2l(void **state)
{
    struct domain *a = ew_domain(1, 1, false);
    struct shared_info *si = ew_shared_info(a);
    long p = ew_bind_ipi(a, 0);

    (void)state;
    assert_int_equal(ew_unmask(a, 9999), -EINVAL);
    assert_int_equal(ew_unmask(a, 7), 0); /* FREE: nothing */
    si->evtchn_mask[0] = 1UL << p;
    assert_int_equal(ew_send(a, p), 0);
    assert_int_equal(ew_bit(si->evtchn_pending, p), 1);
    assert_int_equal(si->vcpu_info[0].evtchn_pending_sel, 0);
    assert_int_equal(si->vcpu_info[0].evtchn_upcall_pending, 0);
    /* The guest clears the mask itself: unmask then finds it clear and
     * does nothing, although the port is pending. */
    si->evtchn_mask[0] = 0;
    assert_int_equal(ew_unmask(a, p), 0);
    assert_int_equal(si->vcpu_info[0].evtchn_pending_sel, 0);
    assert_int_equal(si->vcpu_info[0].evtchn_upcall_pending, 0);
    /* Masked again, unmask through Xen: raised. */
    si->evtchn_mask[0] = 1UL << p;
    assert_int_equal(ew_unmask(a, p), 0);
    assert_int_equal(ew_bit(si->evtchn_mask, p), 0);
    assert_int_equal(si->vcpu_info[0].evtchn_pending_sel, 1);
    assert_int_equal(si->vcpu_info[0].evtchn_upcall_pending, 1);
    ew_destroy(a);
}

/** Port exhaustion: -ENOSPC with nothing changed, then a close frees one. */
static void test_port_exhaustion(void **state)
{
    struct domain_config cfg;
    struct domain *a;
    struct evtchn_domain_stats st0, st1;
    struct mm_stats m0, m1;
    unsigned int i;

    (void)state;
    domain_config_default(&cfg);
    cfg.max_pages = 256;
    cfg.max_evtchn_port = 300;
    a = ew_domain_cfg(1, &cfg);
    for ( i = 1; i <= 300; i++ )
        assert_int_equal(ew_alloc_unbound(a, DOMID_SELF, 0), i);
    evtchn_domain_get_stats(a, &st0);
    mm_deferred_flush();
    mm_get_stats(&m0);
    assert_int_equal(ew_alloc_unbound(a, DOMID_SELF, 0), -ENOSPC);
    assert_int_equal(ew_bind_ipi(a, 0), -ENOSPC);
    assert_int_equal(ew_bind_virq(a, VIRQ_DEBUG, 0), -ENOSPC);
    /* -ENOSPC comes before the remote port is looked at. */
    assert_int_equal(ew_bind_interdomain(a, DOMID_SELF, 9999), -ENOSPC);
    evtchn_domain_get_stats(a, &st1);
    mm_deferred_flush();
    mm_get_stats(&m1);
    assert_memory_equal(&st0, &st1, sizeof(st0));
    assert_int_equal(m0.free_pages, m1.free_pages);
    assert_int_equal(st1.buckets, 3);          /* 384 ports of storage */
    assert_int_equal(st1.active_evtchns, 300);
    /* And the virq table was not touched (XSA-496). */
    assert_int_equal(ew_close(a, 150), 0);
    assert_int_equal(ew_bind_virq(a, VIRQ_DEBUG, 0), 150);
    check_ok();
    ew_destroy(a);
}

/** A 32-bit guest: 1024 ports, compat layout, limit on every use. */
static void test_compat_2l(void **state)
{
    struct domain_config cfg;
    struct domain *a;
    struct compat_shared_info *csi;
    unsigned int i;
    long p;

    (void)state;
    domain_config_default(&cfg);
    cfg.max_pages = 256;
    cfg.is_32bit = true;
    cfg.max_vcpus = 2;
    a = ew_domain_cfg(1, &cfg);
    csi = ew_compat_shared_info(a);
    for ( i = 1; i < 1024; i++ )
        assert_int_equal(ew_alloc_unbound(a, DOMID_SELF, 0), i);
    assert_int_equal(ew_alloc_unbound(a, DOMID_SELF, 0), -ENOSPC);
    assert_int_equal(ew_close(a, 1000), 0);
    p = ew_bind_ipi(a, 1);
    assert_int_equal(p, 1000);
    assert_int_equal(ew_send(a, p), 0);
    /* Port 1000: word 31, bit 8 of 32-bit words; selector bit 31. */
    assert_int_equal(csi->evtchn_pending[31], 1U << 8);
    assert_int_equal(csi->vcpu_info[1].evtchn_pending_sel, 1U << 31);
    assert_int_equal(csi->vcpu_info[1].evtchn_upcall_pending, 1);
    check_ok();
    ew_destroy(a);
}

/** XSA-342: a 64-bit guest turned 32-bit cannot reach past the compat maps. */
static void test_width_change(void **state)
{
    struct domain *a = ew_domain(1, 1, false);
    unsigned char *si = (unsigned char *)ew_shared_info(a);
    unsigned char before[4096];
    unsigned int i;
    long p = 0;

    (void)state;
    for ( i = 1; i <= 2000; i++ )
        p = ew_bind_ipi(a, 0);
    assert_int_equal(p, 2000);
    a->is_32bit = true;
    memcpy(before, si, sizeof(before));
    assert_int_equal(ew_send(a, p), 0);
    assert_memory_equal(before, si, sizeof(before));
    assert_int_equal(ew_unmask(a, p), 0);
    assert_memory_equal(before, si, sizeof(before));
    /* No new port beyond the compat limit either. */
    assert_int_equal(ew_bind_ipi(a, 0), -ENOSPC);
    a->is_32bit = false;
    assert_int_equal(ew_send(a, p), 0);
    assert_int_equal(ew_bit(ew_shared_info(a)->evtchn_pending, p), 1);
    ew_destroy(a);
}

/** Copy-back failure: -EFAULT and the port is closed again (unlike Xen). */
static void test_copy_back_fault(void **state)
{
    struct domain *a = ew_domain(1, 1, false), *b = ew_domain(2, 1, false);
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 2 };
    struct evtchn_domain_stats st;
    struct evtchn_status s;
    long bp, rc;

    (void)state;
    bp = ew_alloc_unbound(b, DOMID_SELF, 1);
    memcpy(ew_gfn_ptr(a, EW_ARG_GFN), &au, sizeof(au));
    assert_int_equal(p2m_set_ram_type(a, _gfn(EW_ARG_GFN), p2m_ram_ro), 0);
    {
        uint64_t args[HYPERCALL_NR_ARGS] = { EVTCHNOP_alloc_unbound,
                                             EW_ARG_GFN << 12 };
        struct evtchn_bind_interdomain bi = { .remote_dom = 2,
                                              .remote_port = (uint32_t)bp };

        assert_int_equal(hypercall_entry(a->vcpu[0], 32, args), -EFAULT);
        evtchn_domain_get_stats(a, &st);
        assert_int_equal(st.active_evtchns, 0);
        memcpy(ew_gfn_ptr(a, EW_ARG_GFN), &bi, sizeof(bi));
        args[0] = EVTCHNOP_bind_interdomain;
        assert_int_equal(hypercall_entry(a->vcpu[0], 32, args), -EFAULT);
        evtchn_domain_get_stats(a, &st);
        assert_int_equal(st.active_evtchns, 0);
    }
    assert_int_equal(p2m_set_ram_type(a, _gfn(EW_ARG_GFN), p2m_ram_rw), 0);
    s = status_of(b, DOMID_SELF, bp, &rc);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 1);
    check_ok();
    ew_destroy(a);
    ew_destroy(b);
}

/** The legacy hypercall 16: commands 0..9 in a struct evtchn_op. */
static void test_compat_hypercall(void **state)
{
    struct domain *a = ew_domain(1, 1, false);
    struct evtchn_op op = { .cmd = EVTCHNOP_alloc_unbound };
    uint64_t args[HYPERCALL_NR_ARGS] = { EW_ARG_GFN << 12 };
    void *page = ew_gfn_ptr(a, EW_ARG_GFN);

    (void)state;
    op.u.alloc_unbound.dom = DOMID_SELF;
    op.u.alloc_unbound.remote_dom = 0;
    memcpy(page, &op, sizeof(op));
    assert_int_equal(hypercall_entry(a->vcpu[0], 16, args), 0);
    memcpy(&op, page, sizeof(op));
    assert_int_equal(op.u.alloc_unbound.port, 1);
    op.cmd = EVTCHNOP_reset;
    memcpy(page, &op, sizeof(op));
    assert_int_equal(hypercall_entry(a->vcpu[0], 16, args), -ENOSYS);
    op.cmd = EVTCHNOP_send;
    op.u.send.port = 1;
    memcpy(page, &op, sizeof(op));
    assert_int_equal(hypercall_entry(a->vcpu[0], 16, args), 0);
    args[0] = 0x7000ULL << 12;
    assert_int_equal(hypercall_entry(a->vcpu[0], 16, args), -EFAULT);
    ew_destroy(a);
}

/** reset: errors in order; closes all but consumers; preemptible. */
static void test_reset(void **state)
{
    struct domain *a = ew_domain(1, 1, false), *b = ew_domain(2, 1, false);
    struct domain *priv = ew_domain(3, 1, true);
    struct evtchn_reset r = { .dom = 77 };
    struct evtchn_domain_stats st;
    unsigned int i, bport;
    int xport;
    long rc;

    (void)state;
    assert_int_equal(ew_op(a, EVTCHNOP_reset, &r), -ESRCH);
    r.dom = 2;
    assert_int_equal(ew_op(a, EVTCHNOP_reset, &r), -EPERM);
    assert_int_equal(ew_op(priv, EVTCHNOP_reset, &r), -EINVAL); /* unpaused */
    assert_int_equal(ew_op(a, EVTCHNOP_reset_cont, &r), -EPERM);
    r.dom = DOMID_SELF;
    assert_int_equal(ew_op(a, EVTCHNOP_reset_cont, &r), -EBUSY);

    xport = alloc_unbound_xen_event_channel(a, 0, 2, NULL);
    assert_true(xport > 0);
    for ( i = 0; i < 200; i++ )
        assert_true(ew_bind_ipi(a, 0) > 0);
    ew_connect(b, a, &bport);
    /* Preempted twice, then done: hypercall_entry_once shows -ERESTART. */
    hypercall_force_preempt(2);
    {
        uint64_t args[HYPERCALL_NR_ARGS] = { EVTCHNOP_reset, EW_ARG_GFN << 12 };

        memcpy(ew_gfn_ptr(a, EW_ARG_GFN), &r, sizeof(r));
        assert_int_equal(hypercall_entry_once(a->vcpu[0], 32, args), -ERESTART);
        assert_int_equal(args[0], EVTCHNOP_reset_cont);
        /* Another reset while one is under way. */
        {
            struct evtchn_reset r2 = { .dom = DOMID_SELF };

            assert_int_equal(ew_op(a, EVTCHNOP_reset, &r2), -EBUSY);
            memcpy(ew_gfn_ptr(a, EW_ARG_GFN), &r, sizeof(r));
        }
        assert_int_equal(hypercall_entry_once(a->vcpu[0], 32, args), -ERESTART);
        rc = hypercall_entry_once(a->vcpu[0], 32, args);
        assert_int_equal(rc, 0);
    }
    evtchn_domain_get_stats(a, &st);
    assert_int_equal(st.active_evtchns, 1);
    assert_int_equal(st.xen_evtchns, 1);
    check_ok();
    /* The peer's end is unbound again. */
    {
        struct evtchn_status s = { .dom = DOMID_SELF, .port = 1 };

        assert_int_equal(ew_op(b, EVTCHNOP_status, &s), 0);
        assert_int_equal(s.status, EVTCHNSTAT_unbound);
    }
    /* Preempted three times under hypercall_entry: it re-issues the
     * recorded continuation to the end; the caller's args stay as given. */
    for ( i = 0; i < 200; i++ )
        assert_true(ew_bind_ipi(a, 0) > 0);
    hypercall_force_preempt(3);
    {
        uint64_t args[HYPERCALL_NR_ARGS] = { EVTCHNOP_reset,
                                             EW_ARG_GFN << 12 };

        memcpy(ew_gfn_ptr(a, EW_ARG_GFN), &r, sizeof(r));
        assert_int_equal(hypercall_entry(a->vcpu[0], 32, args), 0);
        assert_int_equal(args[0], EVTCHNOP_reset);
        assert_int_equal(args[1], EW_ARG_GFN << 12);
        assert_false(hypercall_preempt_check()); /* all three were taken */
    }
    evtchn_domain_get_stats(a, &st);
    assert_int_equal(st.active_evtchns, 1);
    check_ok();
    /* The controller resets a paused domain. */
    assert_true(ew_bind_ipi(a, 0) > 0);
    domain_pause(a);
    r.dom = 1;
    assert_int_equal(ew_op(priv, EVTCHNOP_reset, &r), 0);
    domain_unpause(a);
    evtchn_domain_get_stats(a, &st);
    assert_int_equal(st.active_evtchns, 1);
    free_xen_event_channel(a, (unsigned int)xport);
    check_ok();
    ew_destroy(a);
    ew_destroy(b);
    ew_destroy(priv);
}

static unsigned int consumer_calls, consumer_port, consumer_vcpu;

static void consumer_fn(struct vcpu *v, unsigned int port)
{
    consumer_calls++;
    consumer_port = port;
    consumer_vcpu = v->vcpu_id;
}

/** Xen consumers: the guest's send runs the callback; it cannot touch it. */
static void test_xen_consumer(void **state)
{
    struct domain *a = ew_domain(1, 2, false), *b = ew_domain(2, 1, false);
    struct shared_info *sib = ew_shared_info(b);
    struct evtchn_bind_vcpu bv;
    struct evtchn_status s = { .dom = DOMID_SELF };
    int xport;
    long bport;

    (void)state;
    consumer_calls = 0;
    assert_int_equal(alloc_unbound_xen_event_channel(a, 5, 2, consumer_fn),
                     -ENOENT);
    xport = alloc_unbound_xen_event_channel(a, 1, 2, consumer_fn);
    assert_int_equal(xport, 1);
    bport = ew_bind_interdomain(b, 1, (unsigned int)xport);
    assert_true(bport > 0);
    assert_int_equal(ew_send(b, bport), 0);
    assert_int_equal(consumer_calls, 1);
    assert_int_equal(consumer_port, xport);
    assert_int_equal(consumer_vcpu, 1);
    /* The guest cannot use the hypervisor's end. */
    assert_int_equal(ew_close(a, xport), -EINVAL);
    assert_int_equal(ew_send(a, xport), -EINVAL);
    bv.port = xport;
    bv.vcpu = 0;
    assert_int_equal(ew_op(a, EVTCHNOP_bind_vcpu, &bv), -EINVAL);
    s.port = xport;
    assert_int_equal(ew_op(a, EVTCHNOP_status, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_interdomain);
    /* Xen sends to the guest's end. */
    sib->evtchn_pending[0] = 0;
    notify_via_xen_event_channel(a, (unsigned int)xport);
    assert_int_equal(ew_bit(sib->evtchn_pending, bport), 1);
    check_ok();
    free_xen_event_channel(a, (unsigned int)xport);
    s.dom = DOMID_SELF;
    s.port = bport;
    assert_int_equal(ew_op(b, EVTCHNOP_status, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    check_ok();
    ew_destroy(a);
    ew_destroy(b);
}

/** Destroy: preemptible, unbinds peers, frees every page. */
static void test_destroy(void **state)
{
    struct domain *a, *b = ew_domain(2, 1, false);
    struct evtchn_domain_stats st;
    struct mm_stats m0, m1;
    struct evtchn_status s = { .dom = DOMID_SELF };
    unsigned int i, bport = 0;
    int rc;

    (void)state;
    mm_deferred_flush();
    mm_get_stats(&m0);
    a = ew_domain(1, 2, false);
    for ( i = 0; i < 300; i++ )
        assert_true(ew_bind_ipi(a, i & 1) > 0);
    ew_connect(a, b, &bport);
    evtchn_domain_get_stats(a, &st);
    assert_int_equal(st.buckets, 3);
    hypercall_force_preempt(1);
    assert_int_equal(domain_destroy(a), -ERESTART);
    while ( (rc = domain_destroy(a)) == -ERESTART )
        ;
    assert_int_equal(rc, 0);
    s.port = bport;
    assert_int_equal(ew_op(b, EVTCHNOP_status, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 1);
    put_domain(a);
    check_ok();
    mm_deferred_flush();
    mm_get_stats(&m1);
    assert_int_equal(m1.free_pages, m0.free_pages);
    ew_destroy(b);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, ew_setup, ew_teardown)
    const struct CMUnitTest tests[] = {
        T(test_entry_errors),
        T(test_alloc_unbound),
        T(test_alloc_unbound_dm),
        T(test_bind_interdomain),
        T(test_send),
        T(test_close),
        T(test_status),
        T(test_bind_virq),
        T(test_global_virq_handler),
        T(test_bind_pirq),
        T(test_bind_vcpu),
        T(test_unmask_2l),
        T(test_port_exhaustion),
        T(test_compat_2l),
        T(test_width_change),
        T(test_copy_back_fault),
        T(test_compat_hypercall),
        T(test_reset),
        T(test_xen_consumer),
        T(test_destroy),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
