/* SPDX-License-Identifier: MIT */
/*
 * Interim stand-in for the simulator's page tables, used only until the
 * bare-metal backend's page-table code (hal/x86_64/pagetable.c) is in the
 * tree: mappings are host mappings only, nothing translates and no
 * page-table page is used.  pt.c replaces this file.
 */
#include <errno.h>

#include "sim_private.h"

int sim_pt_init(const struct sim_pt_source *src)
{
    return 0;
}

void sim_pt_destroy(void)
{
}

int sim_pt_map(uintptr_t va, hal_mfn_t mfn, unsigned long nr,
               unsigned int flags)
{
    return 0;
}

void sim_pt_unmap(uintptr_t va, unsigned long nr)
{
}

bool sim_pt_translate(uintptr_t va, hal_mfn_t *mfn, unsigned int *flags)
{
    return false;
}

unsigned long sim_pt_pages(void)
{
    return 0;
}
