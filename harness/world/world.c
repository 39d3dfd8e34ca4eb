/* SPDX-License-Identifier: MIT */
/* The simulated world shared by tests, benchmarks, fuzzers and hvsim. */
#include <string.h>

#include <common/errno.h>
#include <common/hypercall.h>
#include <common/init.h>
#include <hal_sim/sim.h>
#include <libmm/p2m.h>
#include <libxsm/xsm.h>

#include "world.h"

int world_start_with(uint64_t mem_bytes, unsigned int cpus,
                     int (*configure)(void *arg), void *arg)
{
    struct sim_config cfg = { .mem_bytes = mem_bytes, .cpus = cpus };

    if ( sim_init(&cfg) )
        return -1;
    if ( (configure && configure(arg)) || hvcore_init() )
    {
        sim_fini();
        return -1;
    }
    return 0;
}

int world_start(uint64_t mem_bytes, unsigned int cpus)
{
    return world_start_with(mem_bytes, cpus, NULL, NULL);
}

static int configure_xsm(void *arg)
{
    enum world_xsm xsm = *(const enum world_xsm *)arg;

#ifndef HVCORE_XSM_DUMMY
    /* A FLASK-only build: FLASK with the built-in policy (world.h). */
    if ( xsm == WORLD_XSM_DUMMY )
        xsm = WORLD_XSM_FLASK;
#endif
    switch ( xsm )
    {
    case WORLD_XSM_DUMMY:
        return xsm_set_provider(XSM_PROVIDER_DUMMY);
    case WORLD_XSM_FLASK:
#ifdef HVCORE_XSM_FLASK
        return xsm_set_provider(XSM_PROVIDER_FLASK) ||
               xsm_set_boot_policy(xsm_builtin_policy,
                                   xsm_builtin_policy_size);
#else
        return -1; /* FLASK is not built in */
#endif
    default:
        return 0;
    }
}

int world_start_xsm(uint64_t mem_bytes, unsigned int cpus, enum world_xsm xsm)
{
    return world_start_with(mem_bytes, cpus, configure_xsm, &xsm);
}

void world_stop(void)
{
    hvcore_fini();
    sim_fini();
}

int world_create_domain(domid_t id, uint64_t max_pages, bool privileged,
                        struct domain **out)
{
    struct domain_config cfg;

    domain_config_default(&cfg);
    cfg.max_pages = max_pages;
    cfg.privileged = privileged;
    return domain_create(id, &cfg, out);
}

int world_destroy_domain(struct domain *d)
{
    int rc;

    while ( (rc = domain_destroy(d)) == -ERESTART )
        ;
    put_domain(d);
    return rc;
}

void *world_guest_page(struct domain *d, uint64_t gfn)
{
    p2m_type_t t;
    mfn_t mfn = p2m_lookup(d, _gfn(gfn), &t);

    return p2m_is_ram(t) ? sim_machine_frame(mfn_x(mfn)) : NULL;
}

long world_guest_op(struct domain *d, unsigned int vcpu, unsigned int nr,
                    unsigned long cmd, uint64_t gfn, void *arg, size_t size)
{
    uint64_t args[HYPERCALL_NR_ARGS] = { cmd, gfn << PAGE_SHIFT };
    void *page = world_guest_page(d, gfn);
    long rc;

    if ( !page || size > PAGE_SIZE )
        return -EFAULT;
    memcpy(page, arg, size);
    rc = hypercall_entry(d->vcpu[vcpu], nr, args);
    memcpy(arg, page, size);
    return rc;
}
