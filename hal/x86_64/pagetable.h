/* SPDX-License-Identifier: MIT */
/*
 * x86-64 4-level page tables in plain C.
 *
 * Used by the bare-metal backend for the hypervisor's own tables and by the
 * simulator backend, which keeps real tables of this format in simulated
 * machine memory beside its host mappings, so page-table consumption,
 * translation and freeing of empty tables behave the same on both.  Unit
 * tested on the host over simulated memory (hal/x86_64/tests).
 *
 * Page-table pages are reached only through `ops->access`, never assumed to
 * be mapped anywhere, and only one page is accessed at a time: a pointer
 * returned by `access` is dropped before the next call, so a backend may
 * serve every call through a single mapping slot.
 *
 * Entries: table entries are present + writable (permissions are decided by
 * the leaf alone); leaves are 4 KiB entries at level 1 or 2 MiB entries
 * (PSE) at level 2.  1 GiB entries are never created, and the tables handed
 * to these functions must not hold any.  PAT/PCD/PWT are never set: every
 * mapping is write-back.  The user bit is never set.
 *
 * Locking: none inside.  The caller serialises every call on one `struct pt`
 * (the backends hold their map lock); `pt_translate` may run concurrently
 * with nothing but other `pt_translate` calls.
 *
 * TLBs: nothing here flushes.  On live tables the caller flushes after a
 * replacement or removal (hal/tlb.h), as the HAL contract says.
 */
#ifndef HAL_X86_64_PAGETABLE_H
#define HAL_X86_64_PAGETABLE_H

#include <hal/map.h>
#include <hal/types.h>

/* Entry bits, with Xen's names (xen/arch/x86/include/asm/x86_64/page.h). */
#define _PAGE_PRESENT (1ULL << 0)
#define _PAGE_RW (1ULL << 1)
#define _PAGE_USER (1ULL << 2)
#define _PAGE_PWT (1ULL << 3)
#define _PAGE_PCD (1ULL << 4)
#define _PAGE_ACCESSED (1ULL << 5)
#define _PAGE_DIRTY (1ULL << 6)
#define _PAGE_PSE (1ULL << 7)
#define _PAGE_GLOBAL (1ULL << 8)
#define _PAGE_NX (1ULL << 63)

/* Address bits of a 4 KiB entry (or a table entry) and of a 2 MiB entry. */
#define PT_ADDR_MASK 0x000ffffffffff000ULL
#define PT_ADDR_MASK_2M 0x000fffffffe00000ULL

#define PT_ENTRIES 512
#define PT_LEVELS 4
#define PT_SHIFT_2M 21
#define PT_SIZE_2M (1ULL << PT_SHIFT_2M)
#define PT_PAGES_PER_2M (PT_SIZE_2M >> HAL_PAGE_SHIFT)

/* Highest frame an entry can address (52-bit physical addresses). */
#define PT_MFN_MAX ((1ULL << (52 - HAL_PAGE_SHIFT)) - 1)

/*
 * `pt_map` flag beside HAL_MAP_RW/GLOBAL/NX (hal/map.h): use 2 MiB entries
 * for every 2 MiB-aligned, 2 MiB-long piece of the range whose frames are
 * 2 MiB-aligned too; the rest of the range gets 4 KiB entries.
 * `pt_translate` reports it for an address mapped by a 2 MiB entry.
 */
#define PT_MAP_LARGE (1U << 8)

#define PT_MAP_FLAGS_VALID                                                  \
    (HAL_MAP_RW | HAL_MAP_GLOBAL | HAL_MAP_NX | PT_MAP_LARGE)

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

/**
 * Allocates and clears a root (L4) page; `pt->pages` becomes 1.
 * Returns 0 or the allocator's error (-ENOMEM), leaving nothing allocated.
 */
int __attribute__((warn_unused_result))
pt_init(struct pt *pt, const struct pt_ops *ops);

/**
 * Maps `nr` frames from `mfn` at `va` with `flags` (HAL_MAP_* | PT_MAP_LARGE),
 * replacing what the range mapped before (a replaced 2 MiB entry partly
 * outside the range is split so the rest stays mapped; a table under a
 * replaced 2 MiB piece is freed).  Every table page the range needs is
 * allocated before any entry changes.
 * Returns 0 (also for nr == 0), -EINVAL (va not page-aligned or not
 * canonical, the range wraps or crosses the non-canonical hole, an unknown
 * flag, a frame above PT_MFN_MAX) or -ENOMEM; on error the tables and
 * `pt->pages` are exactly as they were.
 */
int __attribute__((warn_unused_result))
pt_map(struct pt *pt, uint64_t va, hal_mfn_t mfn, unsigned long nr,
       unsigned int flags);

/**
 * Removes the mappings of the `nr` pages at `va`; pages not mapped are
 * ignored.  Table pages left empty are freed (never the root).  A 2 MiB
 * entry only partly inside the range is split into a new level-1 table
 * first, so the part outside stays mapped.
 * Returns 0, -EINVAL (same range rules as `pt_map`; nothing changed), or
 * -ENOMEM only when the range cuts a 2 MiB entry and the table to split it
 * could not be allocated, in which case nothing changed.  Tables that never
 * held a PT_MAP_LARGE mapping cannot see -ENOMEM, and callers that only
 * unmap what they mapped may ignore the result (not __must_check for that
 * reason: the HAL's `hal_unmap_frames` is void).
 */
int pt_unmap(struct pt *pt, uint64_t va, unsigned long nr);

/**
 * Looks `va` up.  Returns true and sets `*mfn` and `*flags` (either may be
 * NULL; flags are HAL_MAP_RW/GLOBAL/NX, plus PT_MAP_LARGE for a 2 MiB entry)
 * when a page is mapped there; returns false for an unmapped or
 * non-canonical address.
 */
bool pt_translate(const struct pt *pt, uint64_t va, hal_mfn_t *mfn,
                  unsigned int *flags);

/**
 * Frees every table page, root included; `pt->pages` becomes 0.  The mapped
 * frames themselves are not the tables' and are left alone.
 */
void pt_destroy(struct pt *pt);

#endif /* HAL_X86_64_PAGETABLE_H */
