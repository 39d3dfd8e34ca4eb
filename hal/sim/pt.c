/* SPDX-License-Identifier: MIT */
/*
 * The simulator's page tables: the bare-metal backend's x86-64 code
 * (hal/x86_64/pagetable.c) over page-table pages in simulated machine
 * memory, so table consumption and translation are exactly bare metal's.
 * Only 4 KiB entries are made: the HAL never asks for large pages.  Every
 * function here runs under map.c's lock, which pagetable.c requires (its
 * count of the pages a change needs assumes no concurrent change).
 */
#include <errno.h>

#include "../x86_64/pagetable.h"
#include "sim_private.h"

static struct pt sim_pt;
static struct pt_ops sim_pt_ops;

/** Builds empty tables (one root page).  Returns 0 or -ENOMEM. */
int sim_pt_init(const struct sim_pt_source *src)
{
    sim_pt_ops.alloc = src->alloc;
    sim_pt_ops.free = src->free;
    sim_pt_ops.access = src->access;
    sim_pt_ops.ctx = NULL;
    return pt_init(&sim_pt, &sim_pt_ops);
}

/** Frees every table page, root included. */
void sim_pt_destroy(void)
{
    pt_destroy(&sim_pt);
}

/**
 * Maps `nr` frames at `va`; returns 0 or -ENOMEM, and on -ENOMEM the tables
 * are as they were.
 */
int sim_pt_map(uintptr_t va, hal_mfn_t mfn, unsigned long nr,
               unsigned int flags)
{
    int rc = pt_map(&sim_pt, va, mfn, nr,
                    flags & (HAL_MAP_RW | HAL_MAP_GLOBAL | HAL_MAP_NX));

    /* map.c checked the range, so -EINVAL is our own bug. */
    if ( rc && rc != -ENOMEM )
        hal_panic("sim: pt_map rejected a checked range");
    return rc;
}

/** Unmaps `nr` pages at `va`, freeing tables left empty. */
void sim_pt_unmap(uintptr_t va, unsigned long nr)
{
    /* Only 4 KiB entries exist, so no split, so no -ENOMEM; -EINVAL would
     * be our own bug. */
    if ( pt_unmap(&sim_pt, va, nr) )
        hal_panic("sim: pt_unmap failed on a 4 KiB-only table");
}

/** Looks `va` up. */
bool sim_pt_translate(uintptr_t va, hal_mfn_t *mfn, unsigned int *flags)
{
    return pt_translate(&sim_pt, va, mfn, flags);
}

/** Returns the table pages in use, root included. */
unsigned long sim_pt_pages(void)
{
    return sim_pt.pages;
}
