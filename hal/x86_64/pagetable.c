/* SPDX-License-Identifier: MIT */
/*
 * x86-64 4-level page tables (see pagetable.h).
 *
 * Every change is done in two steps, as Hafnium's `mm_ptable_prepare` /
 * `mm_ptable_commit`: a read-only walk counts the table pages the operation
 * needs, they are allocated into a private reserve (a list threaded through
 * the pages themselves), and only then are entries written, taking pages
 * from the reserve; that step cannot fail.  So an -ENOMEM leaves the tables
 * untouched.  The count is exact because the caller serialises all changes.
 *
 * On live tables each new table is completely written before the entry that
 * links it is, and a table is unlinked before it is freed, so the hardware
 * walker never sees a half-built table.
 *
 * Ranges are handled as [va, last] with `last` inclusive, so a range may end
 * at the very top of the address space without overflow.
 */

#include "pagetable.h"

#include <common/errno.h>
#include <hal/atomic.h>
#include <hal/panic.h>

#define PT_TABLE_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED)

/* Pages taken from the allocator before any entry is written. */
struct pt_reserve {
    hal_mfn_t head;        /* next page; entry 0 of each links to the next */
    unsigned long count;
};

/** Address bits below the index of `level` (1 = leaf, 4 = root). */
static inline unsigned int pt_level_shift(unsigned int level)
{
    return HAL_PAGE_SHIFT + 9 * (level - 1);
}

/** The entry of `va` in a table of `level`. */
static inline unsigned int pt_index(unsigned int level, uint64_t va)
{
    return (va >> pt_level_shift(level)) & (PT_ENTRIES - 1);
}

/** True if bits 63..47 of `va` are all equal. */
static inline bool pt_canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/** The entries of table page `mfn`, through the ops (one at a time). */
static inline uint64_t *pt_access(const struct pt *pt, hal_mfn_t mfn)
{
    return pt->ops->access(pt->ops->ctx, mfn);
}

/** Reads entry `idx` of `table` (single access: the walker may race). */
static inline uint64_t pt_read(const struct pt *pt, hal_mfn_t table,
                               unsigned int idx)
{
    return hal_read_once(&pt_access(pt, table)[idx]);
}

/** Writes entry `idx` of `table` in one store, as live tables need. */
static inline void pt_write(const struct pt *pt, hal_mfn_t table,
                            unsigned int idx, uint64_t e)
{
    hal_write_once(&pt_access(pt, table)[idx], e);
}

/** The frame a 4 KiB or table entry points to. */
static inline hal_mfn_t pt_entry_mfn(uint64_t e)
{
    return (e & PT_ADDR_MASK) >> HAL_PAGE_SHIFT;
}

/** True for a 2 MiB entry (PSE at level 2). */
static inline bool pt_entry_is_large(unsigned int level, uint64_t e)
{
    return level == 2 && (e & _PAGE_PSE);
}

/** Builds a leaf entry for `mfn`; `large` selects a 2 MiB entry. */
static uint64_t pt_leaf(hal_mfn_t mfn, unsigned int flags, bool large)
{
    uint64_t e = (mfn << HAL_PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED;

    /* Accessed and dirty are set up front so the walker never writes back. */
    if ( flags & HAL_MAP_RW )
        e |= _PAGE_RW | _PAGE_DIRTY;
    if ( flags & HAL_MAP_GLOBAL )
        e |= _PAGE_GLOBAL;
    if ( flags & HAL_MAP_NX )
        e |= _PAGE_NX;
    if ( large )
        e |= _PAGE_PSE;
    return e;
}

/** Returns the HAL_MAP_* flags a leaf entry grants. */
static unsigned int pt_leaf_flags(uint64_t e)
{
    unsigned int flags = 0;

    if ( e & _PAGE_RW )
        flags |= HAL_MAP_RW;
    if ( e & _PAGE_GLOBAL )
        flags |= HAL_MAP_GLOBAL;
    if ( e & _PAGE_NX )
        flags |= HAL_MAP_NX;
    return flags;
}

/**
 * Checks a range of `nr` (> 0) pages at `va` and returns its last byte in
 * `*last`.  Returns 0 or -EINVAL.
 */
static int pt_check_range(uint64_t va, unsigned long nr, uint64_t *last)
{
    uint64_t l;

    if ( va & (HAL_PAGE_SIZE - 1) )
        return -EINVAL;
    /* Half of the canonical space is 2^35 pages; more cannot fit. */
    if ( nr > (1UL << 35) )
        return -EINVAL;
    l = va + (((uint64_t)nr << HAL_PAGE_SHIFT) - 1);
    if ( l < va || !pt_canonical(va) || !pt_canonical(l) )
        return -EINVAL;
    /* Both ends in the same canonical half: the range avoids the hole. */
    if ( (va ^ l) >> 47 )
        return -EINVAL;
    *last = l;
    return 0;
}

/** Last byte of the entry-sized piece of [va, last] that starts at `va`. */
static inline uint64_t pt_piece_last(unsigned int level, uint64_t va,
                                     uint64_t last)
{
    uint64_t l = va | ((1ULL << pt_level_shift(level)) - 1);

    return l < last ? l : last;
}

/** True if [va, plast] covers a whole entry of `level`. */
static inline bool pt_piece_whole(unsigned int level, uint64_t va,
                                  uint64_t plast)
{
    uint64_t span = 1ULL << pt_level_shift(level);

    return !(va & (span - 1)) && plast - va == span - 1;
}

/** True if the level-2 piece [va, plast] of a map gets a 2 MiB entry. */
static inline bool pt_piece_large(uint64_t va, uint64_t plast, hal_mfn_t mfn,
                                  unsigned int flags)
{
    return (flags & PT_MAP_LARGE) && pt_piece_whole(2, va, plast) &&
           !(mfn & (PT_PAGES_PER_2M - 1));
}

/** Zeroes table page `mfn`. */
static void pt_clear(const struct pt *pt, hal_mfn_t mfn)
{
    uint64_t *t = pt_access(pt, mfn);
    unsigned int i;

    for ( i = 0; i < PT_ENTRIES; i++ )
        hal_write_once(&t[i], 0);
}

/** True if table page `mfn` has no present entry. */
static bool pt_is_empty(const struct pt *pt, hal_mfn_t mfn)
{
    const uint64_t *t = pt_access(pt, mfn);
    unsigned int i;

    for ( i = 0; i < PT_ENTRIES; i++ )
        if ( hal_read_once(&t[i]) & _PAGE_PRESENT )
            return false;
    return true;
}

/**
 * Allocates `n` pages into `res` (empty on entry).  Returns 0, or the
 * allocator's error with every page of this call freed again.
 */
static int pt_reserve_fill(struct pt *pt, struct pt_reserve *res,
                           unsigned long n)
{
    hal_mfn_t mfn;
    int rc;

    while ( res->count < n )
    {
        rc = pt->ops->alloc(pt->ops->ctx, &mfn);
        if ( rc )
        {
            while ( res->count )
            {
                hal_mfn_t next = pt_access(pt, res->head)[0];

                pt->ops->free(pt->ops->ctx, res->head);
                res->head = next;
                res->count--;
            }
            return rc < 0 ? rc : -ENOMEM;
        }
        pt_access(pt, mfn)[0] = res->head;
        res->head = mfn;
        res->count++;
    }
    return 0;
}

/** Takes a page from `res` (which the prepare walk made big enough). */
static hal_mfn_t pt_reserve_take(struct pt *pt, struct pt_reserve *res)
{
    hal_mfn_t mfn = res->head;

    if ( !res->count )
        hal_panic("pagetable: reserve exhausted (tables changed under us?)");
    res->head = pt_access(pt, mfn)[0];
    res->count--;
    return mfn;
}

/** Returns unused reserve pages (none, when the count was exact). */
static void pt_reserve_release(struct pt *pt, struct pt_reserve *res)
{
    while ( res->count )
        pt->ops->free(pt->ops->ctx, pt_reserve_take(pt, res));
}

/**
 * Builds, in a page from `res`, a level-1 table that maps what the 2 MiB
 * entry `large` maps, with the same permissions, and returns it.
 */
static hal_mfn_t pt_split(struct pt *pt, struct pt_reserve *res,
                          uint64_t large)
{
    hal_mfn_t l1 = pt_reserve_take(pt, res);
    uint64_t *t = pt_access(pt, l1);
    uint64_t base = large & PT_ADDR_MASK_2M;
    /* Bit 12 of a 2 MiB entry is PAT, never set by us: drop it anyway. */
    uint64_t attr = large & ~(PT_ADDR_MASK | _PAGE_PSE);
    unsigned int i;

    for ( i = 0; i < PT_ENTRIES; i++ )
        hal_write_once(&t[i], base + ((uint64_t)i << HAL_PAGE_SHIFT) +
                                      attr);
    pt->pages++;
    return l1;
}

/** Frees the table `mfn` of `level` and every table below it. */
static void pt_free_tree(struct pt *pt, unsigned int level, hal_mfn_t mfn)
{
    unsigned int i;

    if ( level > 1 )
        for ( i = 0; i < PT_ENTRIES; i++ )
        {
            uint64_t e = pt_read(pt, mfn, i);

            if ( (e & _PAGE_PRESENT) && !pt_entry_is_large(level, e) )
                pt_free_tree(pt, level - 1, pt_entry_mfn(e));
        }
    pt->ops->free(pt->ops->ctx, mfn);
    pt->pages--;
}

/**
 * Counts the table pages mapping [va, last] below `table` (a table of
 * `level` > 1, or a table still to be allocated when `fresh`) would need.
 */
static unsigned long pt_map_count(const struct pt *pt, unsigned int level,
                                  hal_mfn_t table, bool fresh, uint64_t va,
                                  uint64_t last, hal_mfn_t mfn,
                                  unsigned int flags)
{
    unsigned long n = 0;

    for ( ;; )
    {
        uint64_t plast = pt_piece_last(level, va, last);
        uint64_t e = fresh ? 0 : pt_read(pt, table, pt_index(level, va));

        if ( level == 2 && pt_piece_large(va, plast, mfn, flags) )
            ; /* A 2 MiB entry: no table. */
        else if ( !(e & _PAGE_PRESENT) )
            n += 1 + (level > 2 ? pt_map_count(pt, level - 1, 0, true, va,
                                               plast, mfn, flags)
                                : 0);
        else if ( pt_entry_is_large(level, e) )
            n += 1; /* Split; the new level-1 table needs nothing below. */
        else if ( level > 2 )
            n += pt_map_count(pt, level - 1, pt_entry_mfn(e), false, va,
                              plast, mfn, flags);

        if ( plast == last )
            return n;
        mfn += (plast - va + 1) >> HAL_PAGE_SHIFT;
        va = plast + 1;
    }
}

/** Writes the entries mapping [va, last] below `table` of `level`. */
static void pt_map_apply(struct pt *pt, struct pt_reserve *res,
                         unsigned int level, hal_mfn_t table, uint64_t va,
                         uint64_t last, hal_mfn_t mfn, unsigned int flags)
{
    for ( ;; )
    {
        uint64_t plast = pt_piece_last(level, va, last);
        unsigned int idx = pt_index(level, va);
        uint64_t e = pt_read(pt, table, idx);
        hal_mfn_t child;

        if ( level == 1 )
            pt_write(pt, table, idx, pt_leaf(mfn, flags, false));
        else if ( level == 2 && pt_piece_large(va, plast, mfn, flags) )
        {
            pt_write(pt, table, idx, pt_leaf(mfn, flags, true));
            /* The level-1 table this replaces is unlinked: free it. */
            if ( (e & _PAGE_PRESENT) && !(e & _PAGE_PSE) )
                pt_free_tree(pt, 1, pt_entry_mfn(e));
        }
        else
        {
            if ( !(e & _PAGE_PRESENT) )
            {
                child = pt_reserve_take(pt, res);
                pt_clear(pt, child);
                pt->pages++;
                pt_write(pt, table, idx, (child << HAL_PAGE_SHIFT) |
                                             PT_TABLE_FLAGS);
            }
            else if ( pt_entry_is_large(level, e) )
            {
                child = pt_split(pt, res, e);
                pt_write(pt, table, idx, (child << HAL_PAGE_SHIFT) |
                                             PT_TABLE_FLAGS);
            }
            else
                child = pt_entry_mfn(e);
            pt_map_apply(pt, res, level - 1, child, va, plast, mfn, flags);
        }

        if ( plast == last )
            return;
        mfn += (plast - va + 1) >> HAL_PAGE_SHIFT;
        va = plast + 1;
    }
}

/**
 * Maps `nr` frames from `mfn` at `va`; the caller serialises changes to
 * `pt`.  Returns 0, -EINVAL or -ENOMEM (see pagetable.h); on error nothing
 * has changed.
 */
int pt_map(struct pt *pt, uint64_t va, hal_mfn_t mfn, unsigned long nr,
           unsigned int flags)
{
    struct pt_reserve res = { 0, 0 };
    uint64_t last;
    int rc;

    if ( flags & ~PT_MAP_FLAGS_VALID )
        return -EINVAL;
    if ( nr == 0 )
        return 0;
    rc = pt_check_range(va, nr, &last);
    if ( rc )
        return rc;
    if ( mfn > PT_MFN_MAX || nr - 1 > PT_MFN_MAX - mfn )
        return -EINVAL;

    rc = pt_reserve_fill(pt, &res,
                         pt_map_count(pt, PT_LEVELS, pt->root, false, va,
                                      last, mfn, flags));
    if ( rc )
        return rc;
    pt_map_apply(pt, &res, PT_LEVELS, pt->root, va, last, mfn, flags);
    pt_reserve_release(pt, &res);
    return 0;
}

/**
 * Returns the level-2 entry that maps `va`, or 0 when a higher level has no
 * table there.
 */
static uint64_t pt_find_l2e(const struct pt *pt, uint64_t va)
{
    hal_mfn_t table = pt->root;
    unsigned int level;
    uint64_t e = 0;

    for ( level = PT_LEVELS; level >= 2; level-- )
    {
        e = pt_read(pt, table, pt_index(level, va));
        if ( !(e & _PAGE_PRESENT) )
            return 0;
        table = pt_entry_mfn(e);
    }
    return e;
}

/**
 * Removes the mappings of [va, last] below `table` of `level`, frees the
 * tables left empty under it, and returns true if `table` itself is empty.
 */
static bool pt_unmap_apply(struct pt *pt, struct pt_reserve *res,
                           unsigned int level, hal_mfn_t table, uint64_t va,
                           uint64_t last)
{
    for ( ;; )
    {
        uint64_t plast = pt_piece_last(level, va, last);
        unsigned int idx = pt_index(level, va);
        uint64_t e = pt_read(pt, table, idx);
        hal_mfn_t child;

        if ( !(e & _PAGE_PRESENT) )
            ; /* Nothing mapped here. */
        else if ( level == 1 )
            pt_write(pt, table, idx, 0);
        else if ( pt_piece_whole(level, va, plast) )
        {
            pt_write(pt, table, idx, 0);
            if ( !pt_entry_is_large(level, e) )
                pt_free_tree(pt, level - 1, pt_entry_mfn(e));
        }
        else
        {
            if ( pt_entry_is_large(level, e) )
            {
                child = pt_split(pt, res, e);
                pt_write(pt, table, idx, (child << HAL_PAGE_SHIFT) |
                                             PT_TABLE_FLAGS);
            }
            else
                child = pt_entry_mfn(e);
            if ( pt_unmap_apply(pt, res, level - 1, child, va, plast) )
            {
                pt_write(pt, table, idx, 0);
                pt_free_tree(pt, level - 1, child);
            }
        }

        if ( plast == last )
            break;
        va = plast + 1;
    }
    return pt_is_empty(pt, table);
}

/**
 * Unmaps the `nr` pages at `va`; the caller serialises changes to `pt`.
 * Returns 0, -EINVAL, or -ENOMEM when a 2 MiB entry cut by the range could
 * not be split; on error nothing has changed.
 */
int pt_unmap(struct pt *pt, uint64_t va, unsigned long nr)
{
    struct pt_reserve res = { 0, 0 };
    unsigned long splits = 0;
    uint64_t last, e_first, e_last;
    int rc;

    if ( nr == 0 )
        return 0;
    rc = pt_check_range(va, nr, &last);
    if ( rc )
        return rc;

    /*
     * Only the 2 MiB entries holding the ends of the range can be cut by
     * it; count the ones that are.
     */
    e_first = pt_find_l2e(pt, va);
    if ( (e_first & _PAGE_PSE) &&
         !pt_piece_whole(2, va, pt_piece_last(2, va, last)) )
        splits++;
    if ( (va >> PT_SHIFT_2M) != (last >> PT_SHIFT_2M) )
    {
        uint64_t start = last & ~(PT_SIZE_2M - 1);

        e_last = pt_find_l2e(pt, last);
        if ( (e_last & _PAGE_PSE) && !pt_piece_whole(2, start, last) )
            splits++;
    }
    rc = pt_reserve_fill(pt, &res, splits);
    if ( rc )
        return rc;
    (void)pt_unmap_apply(pt, &res, PT_LEVELS, pt->root, va, last);
    pt_reserve_release(pt, &res);
    return 0;
}

/**
 * Looks `va` up; see pagetable.h.  Needs no lock against other lookups.
 */
bool pt_translate(const struct pt *pt, uint64_t va, hal_mfn_t *mfn,
                  unsigned int *flags)
{
    hal_mfn_t table = pt->root;
    unsigned int level;

    if ( !pt_canonical(va) )
        return false;
    for ( level = PT_LEVELS; level >= 1; level-- )
    {
        uint64_t e = pt_read(pt, table, pt_index(level, va));

        if ( !(e & _PAGE_PRESENT) )
            return false;
        if ( pt_entry_is_large(level, e) )
        {
            if ( mfn )
                *mfn = ((e & PT_ADDR_MASK_2M) >> HAL_PAGE_SHIFT) +
                       pt_index(1, va);
            if ( flags )
                *flags = pt_leaf_flags(e) | PT_MAP_LARGE;
            return true;
        }
        if ( level == 1 )
        {
            if ( mfn )
                *mfn = pt_entry_mfn(e);
            if ( flags )
                *flags = pt_leaf_flags(e);
            return true;
        }
        table = pt_entry_mfn(e);
    }
    return false;
}

/**
 * Allocates and clears the root.  Returns 0 or the allocator's error.
 */
int pt_init(struct pt *pt, const struct pt_ops *ops)
{
    hal_mfn_t root;
    int rc;

    pt->ops = ops;
    pt->pages = 0;
    rc = ops->alloc(ops->ctx, &root);
    if ( rc )
        return rc < 0 ? rc : -ENOMEM;
    pt->root = root;
    pt_clear(pt, root);
    pt->pages = 1;
    return 0;
}

/**
 * Frees every table page, root included.  The caller must have switched
 * the CPU off these tables if they were live.
 */
void pt_destroy(struct pt *pt)
{
    if ( !pt->pages )
        return;
    pt_free_tree(pt, PT_LEVELS, pt->root);
}
