/* SPDX-License-Identifier: MIT */
/*
 * A fresh simulated world per test for libevtchn's suites, and helpers:
 * domains, guest RAM, a guest's view of its shared_info, hypercalls with
 * their argument structure placed in guest memory.
 */
#ifndef LIBEVTCHN_TESTS_EVTCHN_WORLD_H
#define LIBEVTCHN_TESTS_EVTCHN_WORLD_H

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "world_cmocka.h"

#include <common/domain.h>
#include <common/errno.h>
#include <common/hypercall.h>
#include <common/init.h>
#include <hal_sim/sim.h>
#include <libevtchn/evtchn.h>
#include <libmm/mm.h>
#include <libxsm/xsm.h>
#include <public/arch-x86/xen.h>
#include <public/event_channel.h>

#define EW_MEM (64UL << 20)
#define EW_ARG_GFN 0x10     /* guest page for hypercall arguments */
#define EW_RAM_GFN 0x20     /* first of the spare RAM pages */
#define EW_RAM_PAGES 32

static inline int ew_up(enum world_xsm xsm, unsigned int cpus)
{
    return world_start_xsm(EW_MEM, cpus, xsm);
}

/* The dummy policy: Xen's default decisions (XSM_TARGET etc.). */
static inline int ew_setup(void **state)
{
    (void)state;
    return ew_up(WORLD_XSM_DUMMY, 4);
}

/* FLASK enforcing hvcore's built-in policy. */
static inline int ew_setup_flask(void **state)
{
    (void)state;
    return ew_up(WORLD_XSM_FLASK, 4);
}

#define ew_teardown world_teardown

/** Creates a domain with guest RAM at EW_ARG_GFN and EW_RAM_GFN.. */
static inline struct domain *ew_domain_cfg(domid_t id,
                                           const struct domain_config *cfg)
{
    struct domain *d = NULL;
    unsigned long done = 0;

    assert_int_equal(domain_create(id, cfg, &d), 0);
    assert_int_equal(mm_populate_physmap(d, _gfn(EW_ARG_GFN), 1, 0, &done), 0);
    assert_int_equal(mm_populate_physmap(d, _gfn(EW_RAM_GFN), EW_RAM_PAGES, 0,
                                         &done), 0);
    return d;
}

static inline struct domain *ew_domain(domid_t id, unsigned int vcpus,
                                       bool privileged)
{
    struct domain_config cfg;

    domain_config_default(&cfg);
    cfg.max_vcpus = vcpus;
    cfg.privileged = privileged;
    cfg.max_pages = 256;
    return ew_domain_cfg(id, &cfg);
}

/** A domain whose ABI may go past 2 levels: 300,000 ports allowed. */
static inline struct domain *ew_domain_wide(domid_t id, unsigned int vcpus,
                                            bool privileged, bool compat)
{
    struct domain_config cfg;

    domain_config_default(&cfg);
    cfg.max_pages = 256;
    cfg.max_vcpus = vcpus;
    cfg.privileged = privileged;
    cfg.is_32bit = compat;
    cfg.max_evtchn_port = 300000;
    return ew_domain_cfg(id, &cfg);
}

#define ew_destroy world_destroy

/** A host pointer to guest frame `gfn` of `d` (the guest's own view). */
static inline void *ew_gfn_ptr(struct domain *d, uint64_t gfn)
{
    void *page = world_guest_page(d, gfn);

    assert_non_null(page);
    return page;
}

/** The guest's view of its shared_info. */
static inline struct shared_info *ew_shared_info(struct domain *d)
{
    return sim_machine_frame(mfn_x(evtchn_shared_info_mfn(d)));
}

static inline struct compat_shared_info *ew_compat_shared_info(struct domain *d)
{
    return sim_machine_frame(mfn_x(evtchn_shared_info_mfn(d)));
}

/**
 * Issues event_channel_op(cmd, arg) as vCPU `vcpu` of `d`, with the
 * argument copied to the guest's argument page and copied back after.
 */
static inline long ew_op_vcpu(struct domain *d, unsigned int vcpu,
                              unsigned int cmd, void *arg, size_t size)
{
    return world_guest_op(d, vcpu, __HYPERVISOR_event_channel_op, cmd,
                          EW_ARG_GFN, arg, size);
}

#define ew_op(d, cmd, arg) ew_op_vcpu((d), 0, (cmd), (arg), sizeof(*(arg)))

/* Shorthands returning the port (> 0) or the error. */
static inline long ew_alloc_unbound(struct domain *d, domid_t dom,
                                    domid_t remote)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
    long rc = ew_op(d, EVTCHNOP_alloc_unbound, &a);

    return rc ? rc : (long)a.port;
}

static inline long ew_bind_interdomain(struct domain *d, domid_t rdom,
                                       unsigned int rport)
{
    struct evtchn_bind_interdomain b = { .remote_dom = rdom,
                                         .remote_port = rport };
    long rc = ew_op(d, EVTCHNOP_bind_interdomain, &b);

    return rc ? rc : (long)b.local_port;
}

static inline long ew_bind_ipi(struct domain *d, unsigned int vcpu)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = ew_op(d, EVTCHNOP_bind_ipi, &b);

    return rc ? rc : (long)b.port;
}

static inline long ew_bind_virq(struct domain *d, unsigned int virq,
                                unsigned int vcpu)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = ew_op(d, EVTCHNOP_bind_virq, &b);

    return rc ? rc : (long)b.port;
}

static inline long ew_send(struct domain *d, unsigned int port)
{
    struct evtchn_send s = { .port = port };

    return ew_op(d, EVTCHNOP_send, &s);
}

static inline long ew_close(struct domain *d, unsigned int port)
{
    struct evtchn_close c = { .port = port };

    return ew_op(d, EVTCHNOP_close, &c);
}

static inline long ew_unmask(struct domain *d, unsigned int port)
{
    struct evtchn_unmask u = { .port = port };

    return ew_op(d, EVTCHNOP_unmask, &u);
}

/** A connected pair: returns a's port, sets *bport to b's. */
static inline unsigned int ew_connect(struct domain *a, struct domain *b,
                                      unsigned int *bport)
{
    long bp = ew_alloc_unbound(b, DOMID_SELF, a->domain_id);
    long ap;

    assert_true(bp > 0);
    ap = ew_bind_interdomain(a, b->domain_id, (unsigned int)bp);
    assert_true(ap > 0);
    *bport = (unsigned int)bp;
    return (unsigned int)ap;
}

/* 2-level bit helpers on the guest's view (native layout). */
static inline int ew_bit(const unsigned long *map, unsigned int nr)
{
    return (int)((map[nr / 64] >> (nr % 64)) & 1);
}

static inline void ew_watchdog_fired(int sig)
{
    static const char msg[] = "watchdog: the pCPU threads did not finish\n";

    (void)sig;
    if ( write(2, msg, sizeof(msg) - 1) < 0 )
        _exit(3);
    _exit(2);
}

/**
 * sim_run_cpus(2) under a watchdog of `seconds`: a lost wake-up or a hang
 * ends the process with status 2.
 */
static inline void ew_run_cpus_for(void (*fn)(unsigned int, void *),
                                   void *arg, unsigned int seconds)
{
    signal(SIGALRM, ew_watchdog_fired);
    alarm(seconds);
    sim_run_cpus(2, fn, arg);
    alarm(0);
}

/** ew_run_cpus_for with a watchdog generous enough for Valgrind. */
static inline void ew_run_cpus(void (*fn)(unsigned int, void *), void *arg)
{
    ew_run_cpus_for(fn, arg, 240);
}

#endif /* LIBEVTCHN_TESTS_EVTCHN_WORLD_H */
