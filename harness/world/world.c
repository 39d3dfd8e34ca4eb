/* SPDX-License-Identifier: MIT */
/* The simulated world shared by tests, benchmarks, fuzzers and hvsim. */
#include <string.h>

#include <common/errno.h>
#include <common/hypercall.h>
#include <common/init.h>
#include <hal_sim/sim.h>
#include <libmm/p2m.h>
#include <libxsm/flask.h>
#include <libxsm/xsm.h>

#include "world.h"

int world_start_with(uint64_t mem_bytes, unsigned int cpus,
                     int (*configure)(void *arg), void *arg)
{
    struct sim_config cfg = { .mem_bytes = mem_bytes, .cpus = cpus };
    int rc = sim_init(&cfg);

    if ( rc )
        return rc;
    rc = configure ? configure(arg) : 0;
    if ( rc > 0 )
        rc = -EINVAL; /* a configure that says only "no" */
    if ( !rc )
        rc = hvcore_init();
    if ( rc )
        sim_fini();
    return rc;
}

int world_start(uint64_t mem_bytes, unsigned int cpus)
{
    return world_start_with(mem_bytes, cpus, NULL, NULL);
}

/* What configure_xsm sets up: the provider and FLASK's boot policy. */
struct world_xsm_config {
    enum world_xsm xsm;
    const void *policy;
    size_t size;
};

static int configure_xsm(void *arg)
{
    const struct world_xsm_config *cfg = arg;
    enum world_xsm xsm = cfg->xsm;

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
               xsm_set_boot_policy(cfg->policy, cfg->size);
#else
        return -EOPNOTSUPP; /* FLASK is not built in */
#endif
    default:
        return 0;
    }
}

int world_start_xsm_policy(uint64_t mem_bytes, unsigned int cpus,
                           enum world_xsm xsm, const void *policy,
                           size_t size)
{
    struct world_xsm_config cfg = { xsm, policy, size };

#ifdef HVCORE_XSM_FLASK
    if ( !policy )
    {
        cfg.policy = xsm_builtin_policy;
        cfg.size = xsm_builtin_policy_size;
    }
#endif
    return world_start_with(mem_bytes, cpus, configure_xsm, &cfg);
}

int world_start_xsm(uint64_t mem_bytes, unsigned int cpus, enum world_xsm xsm)
{
    return world_start_xsm_policy(mem_bytes, cpus, xsm, NULL, 0);
}

#ifdef HVCORE_XSM_FLASK
/* FLASK without a policy (`flask=late`), so that one can be loaded. */
static int configure_late(void *arg)
{
    (void)arg;
    return xsm_set_provider(XSM_PROVIDER_FLASK) ||
           xsm_set_flask_mode(FLASK_BOOTPARAM_LATE);
}
#endif

int world_check_policy(const void *policy, size_t size)
{
#ifdef HVCORE_XSM_FLASK
    /* Loaded late, as FLASK_LOAD would: a boot policy that does not load
     * fails hvcore_init with a console line, not just an errno. */
    int rc = world_start_with(16ULL << 20, 1, configure_late, NULL);

    if ( rc )
        return rc;
    rc = flask_load_policy(policy, size);
    world_stop();
    return rc;
#else
    return -EOPNOTSUPP;
#endif
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
