/* SPDX-License-Identifier: MIT */
/*
 * x86-64 4-level page tables in plain C.
 *
 * Used by the bare-metal backend for the hypervisor's own tables and by the
 * simulator backend, which keeps real tables of this format in simulated
 * machine memory beside its host mappings, so page-table consumption,
 * translation and freeing of empty tables behave the same on both.  Unit
 * tested on the host over simulated memory.
 *
 * Page-table pages are reached only through `ops->access`, never assumed to
 * be mapped anywhere.
 */
#ifndef HAL_X86_64_PAGETABLE_H
#define HAL_X86_64_PAGETABLE_H

#include <hal/types.h>

struct pt_ops {
    /* A page for a table; returns 0 or -ENOMEM.  Contents arbitrary. */
    int (*alloc)(void *ctx, hal_mfn_t *mfn);
    void (*free)(void *ctx, hal_mfn_t mfn);
    /* The 512 entries of page-table page `mfn`, valid until the next call. */
    uint64_t *(*access)(void *ctx, hal_mfn_t mfn);
    void *ctx;
};

struct pt {
    hal_mfn_t root;            /* the L4 page */
    const struct pt_ops *ops;
    unsigned long pages;       /* table pages in use, root included */
};

#endif /* HAL_X86_64_PAGETABLE_H */
