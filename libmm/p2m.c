/* SPDX-License-Identifier: MIT */
/*
 * The per-domain P2M (see p2m.h).
 *
 * Entry format (64 bits): bits 0..3 the p2m type, bit 7 "leaf" at levels
 * 1 and 2 (a 2 MiB or 1 GiB mapping), bit 8 present, bits 12..51 the frame
 * (of the page, or of the next table).  Level 3 is the root; level 0 holds
 * 4 KiB leaves.  A table page is a xenheap page of type PGT_p2m reached
 * through `page_to_virt`.
 *
 * Every change is prepared first: the walk that checks the range also counts
 * the tables the change will need, those are allocated, and only then is the
 * P2M written, so -ENOMEM leaves it as it was.  A new table is filled before
 * the entry pointing to it is written, and table pages are freed only at
 * teardown, so lockless readers always see a consistent tree.
 *
 * Removal holds (p2m_removal_hold) keep RAM entries in place without a
 * page reference: a change that removes or retypes RAM entries
 * (p2m_remove_ram, p2m_set_ram_type, p2m_teardown) holds new ones back
 * and waits for those taken before, with no lock held, and only then
 * takes p2m_lock; the removal of grant entries does not (no holder uses
 * them).  `p2m_holds` counts both in one word, so that taking a hold is
 * one locked operation and needs no barrier pairing with the removers.
 */
#include <common/string.h>
#include <hal/cpu.h>

#include "mm_private.h"

#define P2M_LEVELS 4
#define P2M_TYPE_MASK 0xfULL
#define P2M_LEAF (1ULL << 7)
#define P2M_PRESENT (1ULL << 8)
#define P2M_MFN_MASK 0x000ffffffffff000ULL
#define PGC_p2m_seen (1ULL << 60) /* scratch bit of p2m_check */

#define P2M_PREALLOC_MAX 8

/* `p2m_holds`: bits 0..15 count the holds, bits 16..31 the RAM changes. */
#define P2M_HOLDS_MASK 0xffffU
#define P2M_RAM_CHANGE 0x10000U

struct p2m_prealloc {
    unsigned int n;
    uint64_t *tbl[P2M_PREALLOC_MAX];
};

static unsigned int p2m_idx(uint64_t gfn, unsigned int level)
{
    return (unsigned int)((gfn >> (9 * level)) & 511);
}

static uint64_t p2m_entry(mfn_t mfn, p2m_type_t t, bool leaf)
{
    return (mfn_x(mfn) << PAGE_SHIFT) | P2M_PRESENT | (uint64_t)t |
           (leaf ? P2M_LEAF : 0);
}

static mfn_t p2m_entry_mfn(uint64_t e)
{
    return _mfn((e & P2M_MFN_MASK) >> PAGE_SHIFT);
}

static bool p2m_entry_is_leaf(uint64_t e, unsigned int level)
{
    return level == 0 || (e & P2M_LEAF);
}

/*
 * The table an entry points to.  Tables are xenheap pages, so this is
 * page_to_virt without its xenheap check: the direct map, else the frame's
 * recorded address.
 */
static inline uint64_t *p2m_table(uint64_t e)
{
    mfn_t mfn = p2m_entry_mfn(e);

    if ( mm_directmap )
        return (uint64_t *)(mm_directmap_base + (mfn_x(mfn) << PAGE_SHIFT));
    return frame_virt_get(mfn);
}

/* Brackets a removal for p2m_read_begin/p2m_read_retry; p2m_lock held. */
static void p2m_remove_begin(struct mm_domain *md)
{
    hal_write_once(&md->gr.p2m_seq, md->gr.p2m_seq + 1);
    hal_smp_wmb();
}

/*
 * Starts a change that may remove or retype RAM entries: new removal holds
 * are refused from here, and this waits until those taken before are
 * released (bounded by the holders' batches).  It is called with no lock
 * held, p2m_lock included, and its callers hold none (p2m.h), so a holder
 * may wait for any lock meanwhile without a deadlock.  Ends with
 * p2m_ram_change_end, whatever the change's result.
 */
static void p2m_ram_change_begin(struct mm_domain *md)
{
    hal_fetch_add(&md->p2m_holds, P2M_RAM_CHANGE);
    while ( hal_load_acquire(&md->p2m_holds) & P2M_HOLDS_MASK )
        hal_cpu_relax();
}

/* Ends p2m_ram_change_begin: holds may be taken again once none is on. */
static void p2m_ram_change_end(struct mm_domain *md)
{
    hal_fetch_sub(&md->p2m_holds, P2M_RAM_CHANGE);
}

static void p2m_remove_end(struct mm_domain *md)
{
    hal_smp_wmb();
    hal_write_once(&md->gr.p2m_seq, md->gr.p2m_seq + 1);
}

/** A zeroed table page, or NULL. */
static uint64_t *p2m_alloc_table(void)
{
    uint64_t *t = alloc_xenheap_pages(0, 0);

    if ( !t )
        return NULL;
    memset(t, 0, PAGE_SIZE);
    virt_to_page(t)->u.type_info = PGT_p2m;
    return t;
}

static void p2m_free_table(uint64_t *t)
{
    virt_to_page(t)->u.type_info = 0;
    free_xenheap_pages(t, 0);
}

/** Allocates `n` tables into `pa`; on failure frees them: -ENOMEM. */
static int p2m_prealloc(struct p2m_prealloc *pa, unsigned int n)
{
    pa->n = 0;
    BUG_ON(n > P2M_PREALLOC_MAX);
    while ( pa->n < n )
    {
        pa->tbl[pa->n] = p2m_alloc_table();
        if ( !pa->tbl[pa->n] )
        {
            while ( pa->n )
                p2m_free_table(pa->tbl[--pa->n]);
            return -ENOMEM;
        }
        pa->n++;
    }
    return 0;
}

static uint64_t *p2m_take(struct p2m_prealloc *pa)
{
    BUG_ON(!pa->n);
    return pa->tbl[--pa->n];
}

/** Installs a filled table in `*slot` and counts it. */
static void p2m_install(struct mm_domain *md, uint64_t *slot, uint64_t *t)
{
    hal_smp_wmb();
    hal_write_once(slot, p2m_entry(page_to_mfn(virt_to_page(t)), p2m_ram_rw,
                                   false));
    md->p2m_pages++;
}

/** See mm_private.h.  Allocates the root. */
int p2m_init(struct domain *d)
{
    struct mm_domain *md = d->mm;

    md->p2m_root = p2m_alloc_table();
    if ( !md->p2m_root )
        return -ENOMEM;
    md->p2m_pages = 1;
    return 0;
}

/** See p2m.h. */
mfn_t p2m_lookup(struct domain *d, gfn_t gfn, p2m_type_t *t)
{
    struct mm_domain *md = d->mm;
    uint64_t g = gfn_x(gfn), e;
    const uint64_t *tbl;
    unsigned int level;

    if ( !md )
        goto invalid;
    /*
     * Guests live below 512 GiB: start one level down when we can.  The
     * common case, a 4 KiB leaf under the low table, is walked unrolled.
     */
    if ( g < (1ULL << (9 * (P2M_LEVELS - 1))) &&
         (tbl = hal_read_once(&md->p2m_low)) )
    {
        e = hal_read_once(&tbl[p2m_idx(g, 2)]);
        if ( (e & (P2M_PRESENT | P2M_LEAF)) == P2M_PRESENT )
        {
            tbl = p2m_table(e);
            e = hal_read_once(&tbl[p2m_idx(g, 1)]);
            if ( (e & (P2M_PRESENT | P2M_LEAF)) == P2M_PRESENT )
            {
                e = hal_read_once(&p2m_table(e)[p2m_idx(g, 0)]);
                if ( !(e & P2M_PRESENT) )
                    goto invalid;
                if ( t )
                    *t = (p2m_type_t)(e & P2M_TYPE_MASK);
                return p2m_entry_mfn(e);
            }
        }
    }
    level = P2M_LEVELS - 2;
    if ( g >= (1ULL << (9 * (P2M_LEVELS - 1))) ||
         !(tbl = hal_read_once(&md->p2m_low)) )
    {
        level = P2M_LEVELS - 1;
        if ( g > P2M_MAX_GFN || !(tbl = hal_read_once(&md->p2m_root)) )
            goto invalid;
    }
    for ( ; ; level-- )
    {
        e = hal_read_once(&tbl[p2m_idx(g, level)]);
        if ( !(e & P2M_PRESENT) )
            goto invalid;
        if ( p2m_entry_is_leaf(e, level) )
            break;
        tbl = p2m_table(e);
    }
    if ( t )
        *t = (p2m_type_t)(e & P2M_TYPE_MASK);
    return mfn_add(p2m_entry_mfn(e), g & ((1ULL << (9 * level)) - 1));

 invalid:
    if ( t )
        *t = p2m_invalid;
    return INVALID_MFN;
}

/**
 * The level-0 slot for `g` when every table down to level 0 exists, else
 * NULL (a table is missing, or a superpage leaf covers `g`).  p2m_lock held;
 * `g` ≤ P2M_MAX_GFN.  The single-entry grant paths use it to walk once.
 */
static uint64_t *p2m_leaf_slot(struct mm_domain *md, uint64_t g)
{
    uint64_t *tbl, e;
    unsigned int level;

    /* The common case, under the low table, unrolled (as p2m_lookup's). */
    if ( g < (1ULL << (9 * (P2M_LEVELS - 1))) && (tbl = md->p2m_low) )
    {
        e = tbl[p2m_idx(g, 2)];
        if ( (e & (P2M_PRESENT | P2M_LEAF)) != P2M_PRESENT )
            return NULL;
        e = p2m_table(e)[p2m_idx(g, 1)];
        if ( (e & (P2M_PRESENT | P2M_LEAF)) != P2M_PRESENT )
            return NULL;
        return &p2m_table(e)[p2m_idx(g, 0)];
    }
    tbl = md->p2m_root;
    for ( level = P2M_LEVELS - 1; level; level-- )
    {
        e = tbl[p2m_idx(g, level)];
        if ( !(e & P2M_PRESENT) || (e & P2M_LEAF) )
            return NULL;
        tbl = p2m_table(e);
    }
    return &tbl[p2m_idx(g, 0)];
}

/* ---- Adding. ---- */

/**
 * Checks that [g, g + 2^order) is unmapped under `tbl` at `level`, and
 * counts the tables adding it will need.  -EEXIST if anything is mapped.
 * The range is aligned and lies within one entry of the level above.
 */
static int p2m_check_free(const uint64_t *tbl, unsigned int level, uint64_t g,
                          unsigned int order, unsigned int *need)
{
    unsigned int span = 9 * level, i, first, count;

    if ( order >= span )
    {
        /* Whole entries of this level. */
        first = p2m_idx(g, level);
        count = 1U << (order - span);
        for ( i = first; i < first + count; i++ )
        {
            uint64_t e = tbl[i];

            if ( !(e & P2M_PRESENT) )
                continue;
            if ( p2m_entry_is_leaf(e, level) )
                return -EEXIST;
            /* A table (emptied earlier): fill it with smaller entries. */
            if ( p2m_check_free(p2m_table(e), level - 1,
                                g + ((uint64_t)(i - first) << span), span,
                                need) )
                return -EEXIST;
        }
        return 0;
    }
    /* Part of one entry. */
    {
        uint64_t e = tbl[p2m_idx(g, level)];

        if ( !(e & P2M_PRESENT) )
        {
            /* New tables from here down to the level that holds it. */
            unsigned int l = level;

            while ( l > 0 && order < 9 * l )
            {
                (*need)++;
                l--;
            }
            return 0;
        }
        if ( p2m_entry_is_leaf(e, level) )
            return -EEXIST;
        return p2m_check_free(p2m_table(e), level - 1, g, order, need);
    }
}

/** Writes [g, g + 2^order) → mfn; cannot fail (tables in `pa`). */
static void p2m_set(struct mm_domain *md, uint64_t *tbl, unsigned int level,
                    uint64_t g, unsigned int order, mfn_t mfn, p2m_type_t t,
                    struct p2m_prealloc *pa)
{
    unsigned int span = 9 * level, i, first, count;
    uint64_t *slot, *sub;

    if ( order >= span )
    {
        first = p2m_idx(g, level);
        count = 1U << (order - span);
        for ( i = 0; i < count; i++ )
        {
            slot = &tbl[first + i];
            if ( *slot & P2M_PRESENT )
                p2m_set(md, p2m_table(*slot), level - 1,
                        g + ((uint64_t)i << span), span,
                        mfn_add(mfn, (uint64_t)i << span), t, pa);
            else
                hal_write_once(slot,
                               p2m_entry(mfn_add(mfn, (uint64_t)i << span),
                                         t, level > 0));
        }
        return;
    }
    slot = &tbl[p2m_idx(g, level)];
    if ( !(*slot & P2M_PRESENT) )
    {
        sub = p2m_take(pa);
        p2m_set(md, sub, level - 1, g, order, mfn, t, pa);
        p2m_install(md, slot, sub);
        if ( slot == &md->p2m_root[0] )
            hal_store_release(&md->p2m_low, sub);
        return;
    }
    p2m_set(md, p2m_table(*slot), level - 1, g, order, mfn, t, pa);
}

/** Adds a prepared, checked range; p2m_lock held. */
static int p2m_add_locked(struct domain *d, uint64_t g, unsigned int order,
                          mfn_t mfn, p2m_type_t t)
{
    struct mm_domain *md = d->mm;
    struct p2m_prealloc pa;
    unsigned int need = 0;
    int rc;

    if ( !md->p2m_root || md->p2m_torn_down )
        return -ESRCH;
    rc = p2m_check_free(md->p2m_root, P2M_LEVELS - 1, g, order, &need);
    if ( rc )
        return rc;
    rc = p2m_prealloc(&pa, need);
    if ( rc )
        return rc;
    p2m_set(md, md->p2m_root, P2M_LEVELS - 1, g, order, mfn, t, &pa);
    BUG_ON(pa.n);
    if ( g + (1ULL << order) - 1 > md->max_mapped_gfn )
        md->max_mapped_gfn = g + (1ULL << order) - 1;
    return 0;
}

/** See mm_private.h. */
int p2m_add_ram(struct domain *d, gfn_t gfn, struct page_info *pg,
                unsigned int order)
{
    uint64_t g = gfn_x(gfn);
    int rc;

    if ( order > MAX_ORDER || (g & ((1ULL << order) - 1)) ||
         g > P2M_MAX_GFN || g + (1ULL << order) - 1 > P2M_MAX_GFN )
        return -EINVAL;
    hal_spin_lock(&d->mm->p2m_lock);
    rc = p2m_add_locked(d, g, order, page_to_mfn(pg), p2m_ram_rw);
    hal_spin_unlock(&d->mm->p2m_lock);
    return rc;
}

/**
 * Inserts one grant entry (p2m_insert_grant_ref's checks and insert);
 * p2m_lock held.
 */
static int p2m_insert_grant_locked(struct domain *d, gfn_t gfn, mfn_t mfn,
                                   p2m_type_t t)
{
    struct mm_domain *md = d->mm;
    uint64_t *slot;

    if ( !p2m_is_grant(t) || gfn_x(gfn) > P2M_MAX_GFN || !mfn_valid(mfn) )
        return -EINVAL;
    /* The usual case, a free slot in an existing leaf table: one walk. */
    slot = md->p2m_root && !md->p2m_torn_down
           ? p2m_leaf_slot(md, gfn_x(gfn)) : NULL;
    if ( slot && *slot & P2M_PRESENT )
        return -EEXIST;
    if ( !slot )
        return p2m_add_locked(d, gfn_x(gfn), 0, mfn, t);
    hal_write_once(slot, p2m_entry(mfn, t, false));
    if ( gfn_x(gfn) > md->max_mapped_gfn )
        md->max_mapped_gfn = gfn_x(gfn);
    return 0;
}

/** See p2m.h. */
void p2m_insert_grant_refs(struct domain *d, struct p2m_grant_entry *e,
                           unsigned int n)
{
    unsigned int i;

    hal_spin_lock(&d->mm->p2m_lock);
    for ( i = 0; i < n; i++ )
        e[i].rc = p2m_insert_grant_locked(d, e[i].gfn, e[i].mfn, e[i].t);
    hal_spin_unlock(&d->mm->p2m_lock);
}

/** See p2m.h. */
int p2m_insert_grant_ref(struct domain *d, gfn_t gfn, mfn_t mfn, p2m_type_t t)
{
    struct p2m_grant_entry e = { .gfn = gfn, .mfn = mfn, .t = t };

    p2m_insert_grant_refs(d, &e, 1);
    return e.rc;
}

/** See p2m.h. */
int p2m_insert_grant(struct domain *d, gfn_t gfn, mfn_t mfn, p2m_type_t t)
{
    struct page_info *pg;
    struct domain *owner;
    int rc;

    if ( !p2m_is_grant(t) || gfn_x(gfn) > P2M_MAX_GFN || !mfn_valid(mfn) )
        return -EINVAL;
    pg = mfn_to_page(mfn);
    owner = page_get_owner(pg);
    if ( !owner || !get_page(pg, owner) )
        return -EINVAL;
    rc = p2m_insert_grant_ref(d, gfn, mfn, t);
    if ( rc )
        put_page(pg);
    return rc;
}

/* ---- Removing. ---- */

/**
 * Finds the slot holding `g` at or above level 0; returns it and its level.
 * p2m_lock held.  NULL if `g` is not mapped.
 */
static uint64_t *p2m_slot(struct mm_domain *md, uint64_t g,
                          unsigned int *level_out)
{
    uint64_t *tbl = md->p2m_root, *slot;
    unsigned int level;

    for ( level = P2M_LEVELS - 1; ; level-- )
    {
        slot = &tbl[p2m_idx(g, level)];
        if ( !(*slot & P2M_PRESENT) )
            return NULL;
        if ( p2m_entry_is_leaf(*slot, level) )
        {
            *level_out = level;
            return slot;
        }
        tbl = p2m_table(*slot);
    }
}

/** Replaces a superpage leaf at `level` with a table of smaller leaves. */
static void p2m_split(struct mm_domain *md, uint64_t *slot, unsigned int level,
                      struct p2m_prealloc *pa)
{
    uint64_t e = *slot, *sub = p2m_take(pa);
    unsigned int i, span = 9 * (level - 1);
    p2m_type_t t = (p2m_type_t)(e & P2M_TYPE_MASK);

    for ( i = 0; i < 512; i++ )
        sub[i] = p2m_entry(mfn_add(p2m_entry_mfn(e), (uint64_t)i << span), t,
                           level - 1 > 0);
    p2m_install(md, slot, sub);
}

/**
 * Counts the splits removing [g, g + 2^order) needs and checks that every
 * gfn is RAM backed by a page of `d`.  -EINVAL otherwise.
 */
static int p2m_check_ram(struct domain *d, uint64_t g, unsigned int order,
                         unsigned int *need)
{
    struct mm_domain *md = d->mm;
    uint64_t end = g + (1ULL << order), cur = g;
    unsigned int level;

    while ( cur < end )
    {
        uint64_t *slot = p2m_slot(md, cur, &level), e, base, size;
        struct page_info *pg;

        if ( !slot )
            return -EINVAL;
        e = *slot;
        if ( !p2m_is_ram((p2m_type_t)(e & P2M_TYPE_MASK)) )
            return -EINVAL;
        size = 1ULL << (9 * level);
        base = cur & ~(size - 1);
        pg = mfn_to_page(p2m_entry_mfn(e));
        if ( page_get_owner(pg) != d || !(pg->count_info & PGC_allocated) )
            return -EINVAL;
        /* A leaf reaching outside the range must be split, level by level. */
        if ( base < g || base + size > end )
        {
            unsigned int l = level;

            while ( l > 0 && (1ULL << (9 * l)) > (1ULL << order) )
            {
                (*need)++;
                l--;
            }
        }
        cur = base + size < end ? base + size : end;
        if ( base + size > end )
            break;
    }
    return 0;
}

/** See mm_private.h. */
int p2m_remove_ram(struct domain *d, gfn_t gfn, unsigned int order,
                   void (*cb)(struct page_info *pg, void *arg), void *arg)
{
    struct mm_domain *md = d->mm;
    uint64_t g = gfn_x(gfn), end, cur;
    struct p2m_prealloc pa;
    unsigned int need = 0, level = 0;
    int rc;

    if ( order > MAX_ORDER || (g & ((1ULL << order) - 1)) ||
         g > P2M_MAX_GFN || g + (1ULL << order) - 1 > P2M_MAX_GFN )
        return -EINVAL;
    end = g + (1ULL << order);

    p2m_ram_change_begin(md);
    hal_spin_lock(&md->p2m_lock);
    rc = -ESRCH;
    if ( !md->p2m_root || md->p2m_torn_down )
        goto out;
    rc = p2m_check_ram(d, g, order, &need);
    if ( rc )
        goto out;
    rc = p2m_prealloc(&pa, need);
    if ( rc )
        goto out;

    p2m_remove_begin(md);
    for ( cur = g; cur < end; )
    {
        uint64_t *slot = p2m_slot(md, cur, &level), size, i;
        struct page_info *pg;

        BUG_ON(!slot); /* p2m_check_ram found every gfn mapped */
        size = 1ULL << (9 * level);
        if ( (cur & (size - 1)) || cur + size > end )
        {
            p2m_split(md, slot, level, &pa);
            continue;
        }
        pg = mfn_to_page(p2m_entry_mfn(*slot));
        hal_write_once(slot, 0);
        for ( i = 0; i < size; i++ )
            cb(pg + i, arg);
        cur += size;
    }
    p2m_remove_end(md);
    BUG_ON(pa.n);
 out:
    hal_spin_unlock(&md->p2m_lock);
    p2m_ram_change_end(md);
    return rc;
}

/**
 * The level-0 slot at `g` if it holds a grant mapping, else NULL.
 * p2m_lock held, the P2M live, `g` <= P2M_MAX_GFN.
 */
static uint64_t *p2m_grant_slot(struct mm_domain *md, uint64_t g)
{
    /* Grant entries are 4 KiB leaves: nothing else can match. */
    uint64_t *slot = p2m_leaf_slot(md, g);

    if ( !slot || !(*slot & P2M_PRESENT) ||
         !p2m_is_grant((p2m_type_t)(*slot & P2M_TYPE_MASK)) )
        return NULL;
    return slot;
}

/**
 * The level-0 slot at `g` if it holds a grant mapping of `mfn` of type `t`
 * (of either grant type when `t` is p2m_invalid), else NULL.  p2m_lock
 * held; NULL too if the P2M is gone or `g` is beyond it.
 */
static uint64_t *p2m_grant_slot_of(struct mm_domain *md, uint64_t g,
                                   mfn_t mfn, p2m_type_t t)
{
    uint64_t *slot;

    if ( !md->p2m_root || md->p2m_torn_down || g > P2M_MAX_GFN )
        return NULL;
    slot = p2m_grant_slot(md, g);
    if ( !slot || !mfn_eq(p2m_entry_mfn(*slot), mfn) ||
         (t != p2m_invalid && (p2m_type_t)(*slot & P2M_TYPE_MASK) != t) )
        return NULL;
    return slot;
}

/**
 * Removes the grant mapping of `mfn` at `gfn` (of type `t`, or of either
 * grant type when `t` is p2m_invalid); with `from` != INVALID_GFN, moves
 * the grant mapping at `from` into its place.  One walk per gfn, all
 * checks before any write.  Drops the removed entry's reference, or with
 * `keep_ref` leaves it to the caller.  -EINVAL.
 */
static int p2m_remove_grant_common(struct domain *d, gfn_t gfn, mfn_t mfn,
                                   p2m_type_t t, gfn_t from, bool keep_ref)
{
    struct mm_domain *md = d->mm;
    uint64_t *slot, *from_slot = NULL;
    int rc = -EINVAL;

    if ( gfn_x(gfn) > P2M_MAX_GFN ||
         (!gfn_eq(from, INVALID_GFN) &&
          (gfn_x(from) > P2M_MAX_GFN || gfn_eq(from, gfn))) )
        return -EINVAL;
    hal_spin_lock(&md->p2m_lock);
    slot = p2m_grant_slot_of(md, gfn_x(gfn), mfn, t);
    if ( !slot )
        goto out;
    if ( !gfn_eq(from, INVALID_GFN) &&
         !(from_slot = p2m_grant_slot(md, gfn_x(from))) )
        goto out;
    /* Lockless readers see the old entry or the new one, never a mix. */
    p2m_remove_begin(md);
    if ( from_slot )
    {
        hal_write_once(slot, *from_slot);
        hal_write_once(from_slot, 0);
    }
    else
        hal_write_once(slot, 0);
    p2m_remove_end(md);
    rc = 0;
 out:
    hal_spin_unlock(&md->p2m_lock);
    if ( !rc && !keep_ref )
        put_page(mfn_to_page(mfn));
    return rc;
}

/** See p2m.h. */
int p2m_remove_grant(struct domain *d, gfn_t gfn, mfn_t mfn)
{
    return p2m_remove_grant_common(d, gfn, mfn, p2m_invalid, INVALID_GFN,
                                   false);
}

/** See p2m.h. */
int p2m_take_grant_ref(struct domain *d, gfn_t gfn, mfn_t mfn, p2m_type_t t,
                       gfn_t from)
{
    if ( !p2m_is_grant(t) )
        return -EINVAL;
    return p2m_remove_grant_common(d, gfn, mfn, t, from, true);
}

/** See p2m.h. */
void p2m_take_grant_refs(struct domain *d, struct p2m_grant_entry *e,
                         unsigned int n)
{
    struct mm_domain *md = d->mm;
    unsigned int i;

    hal_spin_lock(&md->p2m_lock);
    p2m_remove_begin(md);
    for ( i = 0; i < n; i++ )
    {
        uint64_t *slot = p2m_is_grant(e[i].t)
                         ? p2m_grant_slot_of(md, gfn_x(e[i].gfn), e[i].mfn,
                                             e[i].t)
                         : NULL;

        e[i].rc = slot ? 0 : -EINVAL;
        if ( slot )
            hal_write_once(slot, 0);
    }
    p2m_remove_end(md);
    hal_spin_unlock(&md->p2m_lock);
}

/** See p2m.h. */
int p2m_set_ram_type(struct domain *d, gfn_t gfn, p2m_type_t t)
{
    struct mm_domain *md = d->mm;
    struct p2m_prealloc pa;
    unsigned int level;
    uint64_t *slot;
    int rc = -EINVAL;

    if ( !p2m_is_ram(t) || gfn_x(gfn) > P2M_MAX_GFN )
        return -EINVAL;
    p2m_ram_change_begin(md);
    hal_spin_lock(&md->p2m_lock);
    if ( !md->p2m_root || md->p2m_torn_down )
        goto out;
    slot = p2m_slot(md, gfn_x(gfn), &level);
    if ( !slot || !p2m_is_ram((p2m_type_t)(*slot & P2M_TYPE_MASK)) )
        goto out;
    rc = p2m_prealloc(&pa, level);
    if ( rc )
        goto out;
    while ( level )
    {
        p2m_split(md, slot, level, &pa);
        slot = p2m_slot(md, gfn_x(gfn), &level);
    }
    p2m_remove_begin(md);
    hal_write_once(slot, (*slot & ~P2M_TYPE_MASK) | (uint64_t)t);
    p2m_remove_end(md);
    /* Read-only now: stale writable translations must go. */
    flush_tlb_mask(hal_cpu_all_mask());
 out:
    hal_spin_unlock(&md->p2m_lock);
    p2m_ram_change_end(md);
    return rc;
}

/* ---- Removal holds. ---- */

/** See p2m.h. */
bool p2m_removal_hold(struct domain *d)
{
    struct mm_domain *md = d->mm;

    uint32_t old;

    if ( !md )
        return false;
    old = hal_fetch_add(&md->p2m_holds, 1);
    BUG_ON((old & P2M_HOLDS_MASK) == P2M_HOLDS_MASK);
    if ( likely(!(old & ~P2M_HOLDS_MASK)) )
        return true;
    /* A RAM change is under way (or waiting for holds): back off. */
    hal_fetch_sub(&md->p2m_holds, 1);
    return false;
}

/** See p2m.h. */
void p2m_removal_release(struct domain *d)
{
    uint32_t old = hal_fetch_sub(&d->mm->p2m_holds, 1);

    BUG_ON(!(old & P2M_HOLDS_MASK));
}

/** See p2m.h. */
uint64_t p2m_max_mapped_gfn(const struct domain *d)
{
    return d->mm ? d->mm->max_mapped_gfn : 0;
}

/** See p2m.h. */
unsigned long p2m_table_pages(const struct domain *d)
{
    return d->mm ? d->mm->p2m_pages : 0;
}

/* ---- Teardown and checking. ---- */

/*
 * A table taken out of the tree by teardown.  A lockless walker (p2m_lookup
 * on behalf of anyone holding a reference to the domain) may have read the
 * entry that pointed to it just before it was cleared, and go on reading
 * it; so the page is not freed but parked until the domain's last
 * reference goes (p2m_free_dead_tables).  Its entries are all clear by
 * then, so such a walker finds nothing.
 */
static void p2m_park_table(struct mm_domain *md, uint64_t *t)
{
    page_list_add_tail(virt_to_page(t), &md->p2m_dead);
    md->p2m_pages--;
}

/**
 * Clears the tree under `tbl`, dropping grant references and parking
 * emptied tables, within `*budget` entries.  Returns true when `tbl` is
 * empty.  p2m_lock held.
 */
static bool p2m_clear(struct mm_domain *md, uint64_t *tbl, unsigned int level,
                      unsigned long *budget)
{
    unsigned int i;

    for ( i = 0; i < 512; i++ )
    {
        uint64_t e = tbl[i];

        if ( !(e & P2M_PRESENT) )
            continue;
        if ( !*budget )
            return false;
        if ( p2m_entry_is_leaf(e, level) )
        {
            hal_write_once(&tbl[i], 0);
            if ( p2m_is_grant((p2m_type_t)(e & P2M_TYPE_MASK)) )
                put_page(mfn_to_page(p2m_entry_mfn(e)));
            (*budget)--;
            continue;
        }
        if ( !p2m_clear(md, p2m_table(e), level - 1, budget) )
            return false;
        if ( p2m_table(e) == md->p2m_low )
            hal_write_once(&md->p2m_low, NULL);
        hal_write_once(&tbl[i], 0);
        p2m_park_table(md, p2m_table(e));
        (*budget)--;
    }
    return true;
}

/** See mm_private.h. */
int p2m_teardown(struct domain *d, unsigned long *budget)
{
    struct mm_domain *md = d->mm;
    int rc = 0;

    p2m_ram_change_begin(md);
    hal_spin_lock(&md->p2m_lock);
    hal_write_once(&md->p2m_torn_down, true);
    p2m_remove_begin(md);
    if ( md->p2m_root )
    {
        if ( !p2m_clear(md, md->p2m_root, P2M_LEVELS - 1, budget) )
        {
            rc = -ERESTART;
            goto out;
        }
        p2m_park_table(md, md->p2m_root);
        hal_write_once(&md->p2m_root, NULL);
    }
 out:
    p2m_remove_end(md);
    hal_spin_unlock(&md->p2m_lock);
    p2m_ram_change_end(md);
    return rc;
}

/** Frees the tables teardown parked; the domain's last reference is gone. */
void p2m_free_dead_tables(struct domain *d)
{
    struct page_info *pg;

    while ( (pg = page_list_remove_head(&d->mm->p2m_dead)) )
        p2m_free_table(page_to_virt(pg));
}

struct p2m_check_state {
    struct domain *d;
    unsigned long tables;
    int rc;
};

static void p2m_check_walk(struct p2m_check_state *st, const uint64_t *tbl,
                           unsigned int level, uint64_t gbase)
{
    unsigned int i;

    st->tables++;
    for ( i = 0; i < 512; i++ )
    {
        uint64_t e = tbl[i], g = gbase + ((uint64_t)i << (9 * level)), n, k;
        p2m_type_t t = (p2m_type_t)(e & P2M_TYPE_MASK);
        struct page_info *pg;

        if ( !(e & P2M_PRESENT) )
            continue;
        if ( !p2m_entry_is_leaf(e, level) )
        {
            p2m_check_walk(st, p2m_table(e), level - 1, g);
            continue;
        }
        n = 1ULL << (9 * level);
        if ( g + n - 1 > st->d->mm->max_mapped_gfn )
        {
            printk("mm_check: d%u gfn %#lx above max_mapped_gfn\n",
                   st->d->domain_id, (unsigned long)g);
            st->rc = -EINVAL;
        }
        pg = mfn_to_page(p2m_entry_mfn(e));
        for ( k = 0; k < n; k++ )
        {
            uint64_t c = pg[k].count_info;

            if ( p2m_is_ram(t) )
            {
                if ( page_state(pg + k) != PGC_state_inuse ||
                     page_get_owner(pg + k) != st->d ||
                     !(c & PGC_allocated) || (c & PGC_p2m_seen) )
                {
                    printk("mm_check: d%u gfn %#lx: frame %#lx not its RAM "
                           "(or mapped twice)\n", st->d->domain_id,
                           (unsigned long)(g + k),
                           (unsigned long)mfn_x(page_to_mfn(pg + k)));
                    st->rc = -EINVAL;
                }
                pg[k].count_info |= PGC_p2m_seen;
            }
            else if ( p2m_is_grant(t) )
            {
                if ( page_state(pg + k) != PGC_state_inuse ||
                     (c & PGC_count_mask) < 1 + !!(c & PGC_allocated) )
                {
                    printk("mm_check: d%u gfn %#lx: grant of frame %#lx "
                           "without its reference\n", st->d->domain_id,
                           (unsigned long)(g + k),
                           (unsigned long)mfn_x(page_to_mfn(pg + k)));
                    st->rc = -EINVAL;
                }
            }
            else
            {
                printk("mm_check: d%u gfn %#lx: bad type %u\n",
                       st->d->domain_id, (unsigned long)(g + k), t);
                st->rc = -EINVAL;
            }
        }
    }
}

/** Clears the scratch bits p2m_check_walk set. */
static void p2m_check_clear(const uint64_t *tbl, unsigned int level)
{
    unsigned int i;
    uint64_t k;

    for ( i = 0; i < 512; i++ )
    {
        uint64_t e = tbl[i];
        struct page_info *pg;

        if ( !(e & P2M_PRESENT) )
            continue;
        if ( !p2m_entry_is_leaf(e, level) )
        {
            p2m_check_clear(p2m_table(e), level - 1);
            continue;
        }
        pg = mfn_to_page(p2m_entry_mfn(e));
        for ( k = 0; k < (1ULL << (9 * level)); k++ )
            pg[k].count_info &= ~PGC_p2m_seen;
    }
}

/** See mm_private.h: the P2M half of mm_check for `d`. */
int p2m_check(struct domain *d)
{
    struct mm_domain *md = d->mm;
    struct p2m_check_state st = { .d = d, .tables = 0, .rc = 0 };
    uint32_t holds;

    hal_spin_lock(&md->p2m_lock);
    if ( md->p2m_root )
    {
        p2m_check_walk(&st, md->p2m_root, P2M_LEVELS - 1, 0);
        p2m_check_clear(md->p2m_root, P2M_LEVELS - 1);
    }
    holds = hal_read_once(&md->p2m_holds);
    if ( holds )
    {
        printk("mm_check: d%u has %u P2M removal holds and %u RAM changes "
               "outstanding\n", d->domain_id, holds & P2M_HOLDS_MASK,
               holds / P2M_RAM_CHANGE);
        st.rc = -EINVAL;
    }
    if ( st.tables != md->p2m_pages )
    {
        printk("mm_check: d%u has %lu P2M tables, counts %lu\n",
               d->domain_id, st.tables, md->p2m_pages);
        st.rc = -EINVAL;
    }
    hal_spin_unlock(&md->p2m_lock);
    return st.rc;
}
