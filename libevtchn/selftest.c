/* SPDX-License-Identifier: MIT */
/*
 * libevtchn's freestanding self-tests, run by the boot target under QEMU
 * and by a ctest on the simulator: channels between two domains through
 * the internal ops, the 2-level bits in shared_info, close, the dump and
 * the checker.
 */
#include <common/selftest.h>
#include <common/string.h>

#include "private.h"

#define ST_DOM_A 201
#define ST_DOM_B 202

static int st_make(domid_t id, struct domain **d)
{
    struct domain_config cfg;

    domain_config_default(&cfg);
    cfg.max_vcpus = 2;
    return domain_create(id, &cfg, d);
}

static void st_destroy(struct domain *d)
{
    while ( domain_destroy(d) == -ERESTART )
        ;
    put_domain(d);
}

/** Interdomain bind, send, pending and selector bits, close, unbind. */
static int st_interdomain(void)
{
    struct domain *a = NULL, *b = NULL;
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF };
    struct evtchn_bind_interdomain bi;
    struct shared_info *si;
    struct evtchn_port_info info;

    SELFTEST_CHECK(st_make(ST_DOM_A, &a) == 0);
    SELFTEST_CHECK(st_make(ST_DOM_B, &b) == 0);
    si = b->evtchn->shared_info;

    au.remote_dom = ST_DOM_A;
    SELFTEST_CHECK(evtchn_alloc_unbound(b, &au) == 0);
    SELFTEST_CHECK(au.port == 1);
    bi.remote_dom = ST_DOM_B;
    bi.remote_port = au.port;
    SELFTEST_CHECK(evtchn_bind_interdomain(a, &bi) == 0);
    SELFTEST_CHECK(bi.local_port == 1);
    /* The local end is pending after the bind; the remote is not. */
    SELFTEST_CHECK(evtchn_port_ops_2l.is_pending(a, bi.local_port));
    SELFTEST_CHECK(!evtchn_port_ops_2l.is_pending(b, au.port));

    SELFTEST_CHECK(evtchn_send(a, bi.local_port) == 0);
    SELFTEST_CHECK(si->evtchn_pending[0] == 1UL << au.port);
    SELFTEST_CHECK(si->vcpu_info[0].evtchn_pending_sel == 1);
    SELFTEST_CHECK(si->vcpu_info[0].evtchn_upcall_pending == 1);
    SELFTEST_CHECK(evtchn_check() == 0);
    evtchn_dump_domain(b);

    SELFTEST_CHECK(evtchn_close(a, bi.local_port, true) == 0);
    SELFTEST_CHECK(evtchn_port_info(b, au.port, &info) == 0);
    SELFTEST_CHECK(info.state == ECS_UNBOUND && info.remote_domid == ST_DOM_A);
    SELFTEST_CHECK(evtchn_send(b, au.port) == 0);
    SELFTEST_CHECK(evtchn_close(a, bi.local_port, true) == -EINVAL);
    SELFTEST_CHECK(evtchn_check() == 0);

    st_destroy(a);
    st_destroy(b);
    return 0;
}

/** IPI to the other vCPU; masked ports raise nothing until unmasked. */
static int st_ipi_mask(void)
{
    struct domain *a = NULL;
    struct evtchn_bind_ipi ipi = { .vcpu = 1 };
    struct shared_info *si;

    SELFTEST_CHECK(st_make(ST_DOM_A, &a) == 0);
    si = a->evtchn->shared_info;
    SELFTEST_CHECK(evtchn_bind_ipi(a, &ipi) == 0);
    si->evtchn_mask[0] = 1UL << ipi.port;
    SELFTEST_CHECK(evtchn_send(a, ipi.port) == 0);
    SELFTEST_CHECK(si->evtchn_pending[0] == 1UL << ipi.port);
    SELFTEST_CHECK(si->vcpu_info[1].evtchn_pending_sel == 0);
    SELFTEST_CHECK(evtchn_unmask(a, ipi.port) == 0);
    SELFTEST_CHECK(si->vcpu_info[1].evtchn_pending_sel == 1);
    SELFTEST_CHECK(si->vcpu_info[1].evtchn_upcall_pending == 1);
    SELFTEST_CHECK(si->vcpu_info[0].evtchn_upcall_pending == 0);
    SELFTEST_CHECK(evtchn_check() == 0);
    st_destroy(a);
    return 0;
}

static const struct selftest evtchn_selftests[] = {
    { "evtchn_interdomain", st_interdomain },
    { "evtchn_ipi_mask", st_ipi_mask },
    { NULL, NULL },
};

const struct selftest_suite evtchn_selftest_suite = {
    .name = "evtchn",
    .tests = evtchn_selftests,
};
