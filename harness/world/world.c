/* SPDX-License-Identifier: MIT */
/* The simulated world shared by tests, benchmarks, fuzzers and hvsim. */
#include <common/errno.h>
#include <common/init.h>
#include <hal_sim/sim.h>

#include "world.h"

int world_start(uint64_t mem_bytes, unsigned int cpus)
{
    struct sim_config cfg = { .mem_bytes = mem_bytes, .cpus = cpus };

    if ( sim_init(&cfg) )
        return -1;
    if ( hvcore_init() )
    {
        sim_fini();
        return -1;
    }
    return 0;
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
