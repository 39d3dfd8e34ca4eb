/* SPDX-License-Identifier: MIT */
/*
 * Bringing the simulated machine up and down.
 *
 * Each test builds a fresh machine with `sim_init` and drops it with
 * `sim_fini`, any number of times in one process; nothing survives from one
 * machine to the next and nothing leaks.
 */
#include <errno.h>

#include "sim_private.h"

static bool sim_up;

/**
 * Builds the machine described by `cfg`.  Returns 0, -EINVAL (bad
 * configuration), -EBUSY (a machine exists) or -ENOMEM (host resources).
 */
int sim_init(const struct sim_config *cfg)
{
    int rc;

    if ( sim_up )
        return -EBUSY;
    if ( !cfg || !cfg->cpus || cfg->cpus > HAL_MAX_CPUS ||
         (cfg->mem_bytes & (HAL_PAGE_SIZE - 1)) ||
         cfg->mem_bytes / HAL_PAGE_SIZE < SIM_RESERVED_FRAMES + 1 )
        return -EINVAL;

    sim_fault_reset();
    sim_tlb_reset();
    sim_guest_reset();

    rc = sim_cpu_init(cfg->cpus);
    if ( rc )
        goto out;
    rc = sim_mem_init(cfg->mem_bytes);
    if ( rc )
        goto out_cpu;
    rc = sim_map_init();
    if ( rc )
        goto out_mem;

    /* Hits count from here: the machine's own start-up (the root page
     * table) is not part of any test's operation. */
    sim_fault_reset();
    sim_up = true;
    return 0;

 out_mem:
    sim_mem_fini();
 out_cpu:
    sim_cpu_fini();
 out:
    return rc;
}

/** Drops the machine and every host resource it held. */
void sim_fini(void)
{
    if ( !sim_up )
        return;
    sim_map_fini();
    sim_mem_fini();
    sim_cpu_fini();
    sim_up = false;
}

/** Names the backend. */
const char *hal_backend_name(void)
{
    return "sim";
}
