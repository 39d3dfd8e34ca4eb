/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests of the x86-64 page-table code (hal/x86_64/pagetable.c)
 * over simulated machine memory: an array of frames, an allocator that can
 * fail its Nth call, and an `access` callback that behaves like a single
 * mapping slot (the returned pointer is a scratch copy written back on the
 * next call), so code that keeps a stale table pointer corrupts the tables
 * and fails these tests.  Freed frames are poisoned and allocated ones come
 * back dirty.
 *
 * The tests read the tables themselves through an independent walker
 * (`raw_walk`) as well as through `pt_translate`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <common/errno.h>
#include <hal/panic.h>

#include "pagetable.h"

#define NFRAMES 2048
#define FRAME_BASE 0x300 /* mfn of frame 0, so indices are not mfns */
#define POISON_FREE 0xdeadbeefdeadbeefULL
#define DIRTY_ALLOC 0xa5a5a5a5a5a5a5a5ULL

#define VA_2M(n) ((uint64_t)(n) << PT_SHIFT_2M)

struct mem {
    uint64_t (*frames)[PT_ENTRIES];
    bool used[NFRAMES];
    unsigned long in_use;
    unsigned long alloc_calls;
    unsigned long fail_at;      /* fail alloc call number `fail_at`, 0 never */
    bool slot_valid;
    hal_mfn_t slot_mfn;
    uint64_t slot[PT_ENTRIES];
};

struct world {
    struct mem mem;
    struct pt_ops ops;
    struct pt pt;
};

_Noreturn void hal_panic(const char *msg)
{
    fprintf(stderr, "hal_panic: %s\n", msg);
    abort();
}

static unsigned long frame_index(hal_mfn_t mfn)
{
    assert_true(mfn >= FRAME_BASE && mfn < FRAME_BASE + NFRAMES);
    return mfn - FRAME_BASE;
}

/* Writes the slot back so `frames` is current. */
static void mem_sync(struct mem *m)
{
    if ( m->slot_valid )
        memcpy(m->frames[frame_index(m->slot_mfn)], m->slot, sizeof(m->slot));
    m->slot_valid = false;
}

static int mem_alloc(void *ctx, hal_mfn_t *mfn)
{
    struct mem *m = ctx;
    unsigned long i, j;

    m->alloc_calls++;
    if ( m->fail_at && m->alloc_calls == m->fail_at )
        return -ENOMEM;
    for ( i = 0; i < NFRAMES; i++ )
        if ( !m->used[i] )
        {
            m->used[i] = true;
            m->in_use++;
            for ( j = 0; j < PT_ENTRIES; j++ )
                m->frames[i][j] = DIRTY_ALLOC ^ j;
            *mfn = FRAME_BASE + i;
            return 0;
        }
    return -ENOMEM;
}

static void mem_free(void *ctx, hal_mfn_t mfn)
{
    struct mem *m = ctx;
    unsigned long i = frame_index(mfn), j;

    assert_true(m->used[i]);
    if ( m->slot_valid && m->slot_mfn == mfn )
        m->slot_valid = false;
    m->used[i] = false;
    m->in_use--;
    for ( j = 0; j < PT_ENTRIES; j++ )
        m->frames[i][j] = POISON_FREE;
}

static uint64_t *mem_access(void *ctx, hal_mfn_t mfn)
{
    struct mem *m = ctx;

    assert_true(m->used[frame_index(mfn)]);
    mem_sync(m);
    memcpy(m->slot, m->frames[frame_index(mfn)], sizeof(m->slot));
    m->slot_mfn = mfn;
    m->slot_valid = true;
    return m->slot;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));

    assert_non_null(w);
    w->mem.frames = calloc(NFRAMES, sizeof(*w->mem.frames));
    assert_non_null(w->mem.frames);
    w->ops.alloc = mem_alloc;
    w->ops.free = mem_free;
    w->ops.access = mem_access;
    w->ops.ctx = &w->mem;
    assert_int_equal(pt_init(&w->pt, &w->ops), 0);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;

    pt_destroy(&w->pt);
    assert_int_equal(w->pt.pages, 0);
    assert_int_equal(w->mem.in_use, 0);
    free(w->mem.frames);
    free(w);
    return 0;
}

/* The table entries seen from the test: level 4 down to the leaf. */
struct walk {
    unsigned int depth;        /* entries read */
    uint64_t e[PT_LEVELS];     /* e[0] is the L4 entry */
};

static uint64_t *frame(struct world *w, hal_mfn_t mfn)
{
    unsigned long i = frame_index(mfn);

    assert_true(w->mem.used[i]);
    return w->mem.frames[i];
}

/* Walks `va` straight through `frames`, stopping at a leaf or a hole. */
static void raw_walk(struct world *w, uint64_t va, struct walk *out)
{
    hal_mfn_t table = w->pt.root;
    unsigned int level;

    mem_sync(&w->mem);
    out->depth = 0;
    for ( level = PT_LEVELS; level >= 1; level-- )
    {
        unsigned int shift = 12 + 9 * (level - 1);
        uint64_t e = frame(w, table)[(va >> shift) & 511];

        out->e[out->depth++] = e;
        if ( !(e & _PAGE_PRESENT) || level == 1 ||
             (level == 2 && (e & _PAGE_PSE)) )
            return;
        table = (e & PT_ADDR_MASK) >> 12;
    }
}

/* What `raw_walk` says `va` maps to: the mfn, or -1 if nothing. */
static int64_t raw_mfn(struct world *w, uint64_t va)
{
    struct walk wk;
    uint64_t leaf;

    raw_walk(w, va, &wk);
    leaf = wk.e[wk.depth - 1];
    if ( !(leaf & _PAGE_PRESENT) )
        return -1;
    if ( wk.depth == 3 )
        return ((leaf & PT_ADDR_MASK_2M) >> 12) + ((va >> 12) & 511);
    return (leaf & PT_ADDR_MASK) >> 12;
}

/*
 * Counts the table pages reachable from the root and checks that each
 * non-root table has a present entry and that intermediate entries are
 * exactly present + writable + accessed.
 */
static unsigned long raw_count(struct world *w, hal_mfn_t table,
                               unsigned int level)
{
    unsigned long n = 1;
    unsigned int i, present = 0;

    for ( i = 0; i < PT_ENTRIES; i++ )
    {
        uint64_t e = frame(w, table)[i];

        if ( !(e & _PAGE_PRESENT) )
        {
            assert_int_equal(e, 0);
            continue;
        }
        present++;
        if ( level == 1 || (level == 2 && (e & _PAGE_PSE)) )
            continue;
        assert_int_equal(e & ~PT_ADDR_MASK,
                         _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED);
        n += raw_count(w, (e & PT_ADDR_MASK) >> 12, level - 1);
    }
    if ( level != PT_LEVELS )
        assert_true(present > 0);
    return n;
}

/* The tables are consistent: counted pages, allocator and reachability. */
static void check_tables(struct world *w)
{
    mem_sync(&w->mem);
    assert_int_equal(raw_count(w, w->pt.root, PT_LEVELS), w->pt.pages);
    assert_int_equal(w->mem.in_use, w->pt.pages);
}

/* Every in-use frame and its contents: proof a failed call changed nothing. */
struct snapshot {
    bool used[NFRAMES];
    uint64_t (*frames)[PT_ENTRIES];
    unsigned long pages;
};

static void snap_take(struct world *w, struct snapshot *s)
{
    unsigned long i;

    mem_sync(&w->mem);
    memcpy(s->used, w->mem.used, sizeof(s->used));
    s->frames = malloc(NFRAMES * sizeof(*s->frames));
    assert_non_null(s->frames);
    for ( i = 0; i < NFRAMES; i++ )
        if ( s->used[i] )
            memcpy(s->frames[i], w->mem.frames[i], sizeof(s->frames[i]));
    s->pages = w->pt.pages;
}

static void snap_check(struct world *w, struct snapshot *s)
{
    unsigned long i;

    mem_sync(&w->mem);
    assert_memory_equal(s->used, w->mem.used, sizeof(s->used));
    for ( i = 0; i < NFRAMES; i++ )
        if ( s->used[i] )
            assert_memory_equal(s->frames[i], w->mem.frames[i],
                                sizeof(s->frames[i]));
    assert_int_equal(s->pages, w->pt.pages);
    free(s->frames);
    s->frames = NULL;
}

static void check_maps(struct world *w, uint64_t va, hal_mfn_t mfn,
                       unsigned int want_flags)
{
    hal_mfn_t got;
    unsigned int flags;

    assert_true(pt_translate(&w->pt, va, &got, &flags));
    assert_int_equal(got, mfn);
    assert_int_equal(flags, want_flags);
    assert_int_equal(raw_mfn(w, va), (int64_t)mfn);
}

static void check_mfn(struct world *w, uint64_t va, hal_mfn_t mfn)
{
    hal_mfn_t got;

    assert_true(pt_translate(&w->pt, va, &got, NULL));
    assert_int_equal(got, mfn);
    assert_int_equal(raw_mfn(w, va), (int64_t)mfn);
}

static void check_unmapped(struct world *w, uint64_t va)
{
    hal_mfn_t got = 0x1234;
    unsigned int flags = 0x5678;

    assert_false(pt_translate(&w->pt, va, &got, &flags));
    assert_int_equal(got, 0x1234);
    assert_int_equal(flags, 0x5678);
}

static void test_init_destroy(void **state)
{
    struct world *w = *state;

    assert_int_equal(w->pt.pages, 1);
    assert_int_equal(w->mem.in_use, 1);
    check_tables(w);
    check_unmapped(w, 0);
    check_unmapped(w, 0xfffffffffffff000ULL);
}

static void test_init_enomem(void **state)
{
    struct world *w = *state;
    struct pt pt2;

    w->mem.fail_at = w->mem.alloc_calls + 1;
    assert_int_equal(pt_init(&pt2, &w->ops), -ENOMEM);
    assert_int_equal(w->mem.in_use, 1);
}

/* One 4 KiB page: the walk has four levels with the documented bits. */
static void test_map_4k_walk(void **state)
{
    struct world *w = *state;
    const uint64_t va = 0x0000123456789000ULL;
    struct walk wk;
    unsigned int i;

    assert_int_equal(pt_map(&w->pt, va, 0x4242, 1,
                            HAL_MAP_RW | HAL_MAP_NX | HAL_MAP_GLOBAL), 0);
    assert_int_equal(w->pt.pages, 4);
    check_tables(w);
    raw_walk(w, va, &wk);
    assert_int_equal(wk.depth, 4);
    for ( i = 0; i < 3; i++ )
        assert_int_equal(wk.e[i] & ~PT_ADDR_MASK,
                         _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED);
    assert_int_equal(wk.e[3], (0x4242ULL << 12) | _PAGE_PRESENT | _PAGE_RW |
                                  _PAGE_ACCESSED | _PAGE_DIRTY |
                                  _PAGE_GLOBAL | _PAGE_NX);
    check_maps(w, va, 0x4242, HAL_MAP_RW | HAL_MAP_NX | HAL_MAP_GLOBAL);
}

/* Flags to leaf bits, and back through pt_translate. */
static void test_permission_bits(void **state)
{
    static const struct {
        unsigned int flags;
        uint64_t bits; /* beyond present + accessed */
    } cases[] = {
        { 0, 0 },
        { HAL_MAP_RW, _PAGE_RW | _PAGE_DIRTY },
        { HAL_MAP_GLOBAL, _PAGE_GLOBAL },
        { HAL_MAP_NX, _PAGE_NX },
        { HAL_MAP_RW | HAL_MAP_NX, _PAGE_RW | _PAGE_DIRTY | _PAGE_NX },
        { HAL_MAP_RW | HAL_MAP_GLOBAL | HAL_MAP_NX,
          _PAGE_RW | _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX },
    };
    struct world *w = *state;
    unsigned int i;

    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        uint64_t va = 0xffff800000000000ULL + i * HAL_PAGE_SIZE;
        struct walk wk;

        assert_int_equal(pt_map(&w->pt, va, 0x100 + i, 1, cases[i].flags), 0);
        raw_walk(w, va, &wk);
        assert_int_equal(wk.depth, 4);
        assert_int_equal(wk.e[3], ((0x100ULL + i) << 12) | _PAGE_PRESENT |
                                      _PAGE_ACCESSED | cases[i].bits);
        assert_int_equal(wk.e[3] & (_PAGE_USER | _PAGE_PWT | _PAGE_PCD), 0);
        check_maps(w, va, 0x100 + i, cases[i].flags);

        /* The same with a 2 MiB entry. */
        va = VA_2M(0x40 + i);
        assert_int_equal(pt_map(&w->pt, va, 0x200 * (i + 1), 512,
                                cases[i].flags | PT_MAP_LARGE), 0);
        raw_walk(w, va, &wk);
        assert_int_equal(wk.depth, 3);
        assert_int_equal(wk.e[2], ((0x200ULL * (i + 1)) << 12) |
                                      _PAGE_PRESENT | _PAGE_ACCESSED |
                                      _PAGE_PSE | cases[i].bits);
        check_maps(w, va + 0x5000, 0x200 * (i + 1) + 5,
                   cases[i].flags | PT_MAP_LARGE);
    }
    check_tables(w);
}

static void test_translate_unmapped(void **state)
{
    struct world *w = *state;
    const uint64_t va = 0x00007f0000200000ULL;

    check_unmapped(w, va);
    assert_int_equal(pt_map(&w->pt, va, 7, 1, HAL_MAP_RW), 0);
    check_maps(w, va, 7, HAL_MAP_RW);
    check_unmapped(w, va - HAL_PAGE_SIZE);
    check_unmapped(w, va + HAL_PAGE_SIZE);
    check_unmapped(w, va + PT_SIZE_2M);
    check_unmapped(w, va ^ (1ULL << 39));
    check_unmapped(w, va | 0xffff800000000000ULL);
    /* Non-canonical forms of the mapped address never translate. */
    check_unmapped(w, va | (1ULL << 47));
    check_unmapped(w, va | (1ULL << 63));
    /* The offset inside the page does not matter. */
    check_maps(w, va + 0xfff, 7, HAL_MAP_RW);
    /* NULL outputs are allowed. */
    assert_true(pt_translate(&w->pt, va, NULL, NULL));
}

/* 2 MiB entries where va and mfn allow, 4 KiB entries around them. */
static void test_map_large(void **state)
{
    struct world *w = *state;
    const uint64_t va = 0x40000000ULL;
    const hal_mfn_t mfn = 0x200 * 5;
    struct walk wk;
    unsigned long i;

    assert_int_equal(pt_map(&w->pt, va, mfn, 512 * 2 + 1,
                            HAL_MAP_RW | PT_MAP_LARGE), 0);
    /* Root, L3, L2 and one L1 for the trailing page. */
    assert_int_equal(w->pt.pages, 4);
    check_tables(w);
    for ( i = 0; i < 2; i++ )
    {
        raw_walk(w, va + VA_2M(i), &wk);
        assert_int_equal(wk.depth, 3);
        assert_true(wk.e[2] & _PAGE_PSE);
    }
    raw_walk(w, va + VA_2M(2), &wk);
    assert_int_equal(wk.depth, 4);
    check_maps(w, va, mfn, HAL_MAP_RW | PT_MAP_LARGE);
    check_maps(w, va + 0x234000, mfn + 0x234, HAL_MAP_RW | PT_MAP_LARGE);
    check_maps(w, va + PT_SIZE_2M + 0x1000, mfn + 513,
               HAL_MAP_RW | PT_MAP_LARGE);
    check_maps(w, va + VA_2M(2), mfn + 1024, HAL_MAP_RW);
    check_unmapped(w, va + VA_2M(2) + HAL_PAGE_SIZE);
    check_unmapped(w, va - HAL_PAGE_SIZE);

    /* Frames not 2 MiB-aligned: 4 KiB entries only, even when asked. */
    assert_int_equal(pt_map(&w->pt, VA_2M(0x100), mfn + 1, 1024,
                            PT_MAP_LARGE), 0);
    /* A new L2 (another GiB) and two L1s. */
    assert_int_equal(w->pt.pages, 4 + 3);
    check_maps(w, VA_2M(0x100) + 0x3000, mfn + 4, 0);
    /* Without the flag: 4 KiB entries only. */
    assert_int_equal(pt_map(&w->pt, VA_2M(0x104), mfn, 512, 0), 0);
    assert_int_equal(w->pt.pages, 4 + 4);
    check_tables(w);
}

/* A range starting and ending off 2 MiB boundaries gets 4 KiB ends. */
static void test_map_large_ragged(void **state)
{
    struct world *w = *state;
    const uint64_t va = VA_2M(9) - 2 * HAL_PAGE_SIZE;
    const hal_mfn_t mfn = 0x1000 - 2;
    struct walk wk;

    assert_int_equal(pt_map(&w->pt, va, mfn, 2 + 512 + 3,
                            HAL_MAP_NX | PT_MAP_LARGE), 0);
    /* Root, L3, L2, and two L1s for the ends. */
    assert_int_equal(w->pt.pages, 5);
    check_tables(w);
    raw_walk(w, VA_2M(9), &wk);
    assert_int_equal(wk.depth, 3);
    check_maps(w, va, mfn, HAL_MAP_NX);
    check_maps(w, va + HAL_PAGE_SIZE, mfn + 1, HAL_MAP_NX);
    check_maps(w, VA_2M(9), 0x1000, HAL_MAP_NX | PT_MAP_LARGE);
    check_maps(w, VA_2M(10) + 2 * HAL_PAGE_SIZE, 0x1000 + 514, HAL_MAP_NX);
    check_unmapped(w, VA_2M(10) + 3 * HAL_PAGE_SIZE);
    check_unmapped(w, va - HAL_PAGE_SIZE);
}

/* Mapping over mappings replaces them; a replaced L1 table is freed. */
static void test_map_replace(void **state)
{
    struct world *w = *state;
    const uint64_t va = VA_2M(0x80);
    unsigned long i;

    assert_int_equal(pt_map(&w->pt, va, 0x10, 4, HAL_MAP_RW), 0);
    assert_int_equal(pt_map(&w->pt, va + HAL_PAGE_SIZE, 0x77, 2, 0), 0);
    check_maps(w, va, 0x10, HAL_MAP_RW);
    check_maps(w, va + HAL_PAGE_SIZE, 0x77, 0);
    check_maps(w, va + 2 * HAL_PAGE_SIZE, 0x78, 0);
    check_maps(w, va + 3 * HAL_PAGE_SIZE, 0x13, HAL_MAP_RW);
    assert_int_equal(w->pt.pages, 4);

    /* A 2 MiB entry over the L1 table: the table goes back. */
    assert_int_equal(pt_map(&w->pt, va, 0x400, 512, PT_MAP_LARGE), 0);
    assert_int_equal(w->pt.pages, 3);
    check_tables(w);
    check_maps(w, va + HAL_PAGE_SIZE, 0x401, PT_MAP_LARGE);

    /* A 4 KiB page into the 2 MiB entry: split, the rest unchanged. */
    assert_int_equal(pt_map(&w->pt, va + 0x10000, 0x9999, 1, HAL_MAP_RW), 0);
    assert_int_equal(w->pt.pages, 4);
    check_tables(w);
    for ( i = 0; i < 512; i++ )
        if ( i == 0x10 )
            check_maps(w, va + 0x10000, 0x9999, HAL_MAP_RW);
        else
            check_maps(w, va + i * HAL_PAGE_SIZE, 0x400 + i, 0);
}

/* Unmapping frees the tables it empties, never the root. */
static void test_unmap_frees_tables(void **state)
{
    struct world *w = *state;
    /* Crosses an L4 boundary: two L3s, two L2s, two L1s. */
    const uint64_t va = (1ULL << 39) - 3 * HAL_PAGE_SIZE;

    assert_int_equal(pt_map(&w->pt, va, 0x50, 6, HAL_MAP_RW), 0);
    assert_int_equal(w->pt.pages, 7);
    check_tables(w);

    /* Nothing to free yet: each L1 keeps a page. */
    assert_int_equal(pt_unmap(&w->pt, va + HAL_PAGE_SIZE, 4), 0);
    assert_int_equal(w->pt.pages, 7);
    check_unmapped(w, va + HAL_PAGE_SIZE);
    check_unmapped(w, va + 4 * HAL_PAGE_SIZE);
    check_maps(w, va, 0x50, HAL_MAP_RW);
    check_maps(w, va + 5 * HAL_PAGE_SIZE, 0x55, HAL_MAP_RW);

    /* The upper side empties: its L1, L2 and L3 go. */
    assert_int_equal(pt_unmap(&w->pt, va + 5 * HAL_PAGE_SIZE, 1), 0);
    assert_int_equal(w->pt.pages, 4);
    check_tables(w);

    /* Unmapping what is not mapped changes nothing. */
    assert_int_equal(pt_unmap(&w->pt, 0xffff900000000000ULL, 100), 0);
    assert_int_equal(pt_unmap(&w->pt, va + HAL_PAGE_SIZE, 4), 0);
    assert_int_equal(w->pt.pages, 4);

    /* A large range over the rest: back to the root alone. */
    assert_int_equal(pt_unmap(&w->pt, 0, 1UL << 35), 0);
    assert_int_equal(w->pt.pages, 1);
    assert_int_equal(w->mem.in_use, 1);
    check_tables(w);
    check_unmapped(w, va);
}

/* Cutting a 2 MiB entry splits it; the part outside stays mapped. */
static void test_unmap_splits_large(void **state)
{
    struct world *w = *state;
    const uint64_t va = VA_2M(0x20);
    unsigned long i;

    assert_int_equal(pt_map(&w->pt, va, 0x800, 1024,
                            HAL_MAP_RW | HAL_MAP_GLOBAL | PT_MAP_LARGE), 0);
    assert_int_equal(w->pt.pages, 3);

    /* Two pages across the boundary of the two entries: two splits. */
    assert_int_equal(pt_unmap(&w->pt, va + PT_SIZE_2M - HAL_PAGE_SIZE, 2), 0);
    assert_int_equal(w->pt.pages, 5);
    check_tables(w);
    for ( i = 0; i < 1024; i++ )
    {
        uint64_t a = va + i * HAL_PAGE_SIZE;

        if ( i == 511 || i == 512 )
            check_unmapped(w, a);
        else
            check_maps(w, a, 0x800 + i, HAL_MAP_RW | HAL_MAP_GLOBAL);
    }

    /* A whole 2 MiB entry goes without a split. */
    assert_int_equal(pt_map(&w->pt, VA_2M(0x30), 0xa00, 512, PT_MAP_LARGE), 0);
    assert_int_equal(w->pt.pages, 5);
    assert_int_equal(pt_unmap(&w->pt, VA_2M(0x30), 512), 0);
    assert_int_equal(w->pt.pages, 5);

    assert_int_equal(pt_unmap(&w->pt, va, 1024), 0);
    assert_int_equal(w->pt.pages, 1);
    check_tables(w);
}

/* A split that cannot be allocated leaves everything as it was. */
static void test_unmap_split_enomem(void **state)
{
    struct world *w = *state;
    const uint64_t va = VA_2M(0x20);
    struct snapshot s;
    unsigned int n;

    assert_int_equal(pt_map(&w->pt, va, 0x800, 1024, PT_MAP_LARGE), 0);
    for ( n = 1; n <= 2; n++ )
    {
        snap_take(w, &s);
        w->mem.fail_at = w->mem.alloc_calls + n;
        assert_int_equal(pt_unmap(&w->pt, va + 0x100000, 512), -ENOMEM);
        w->mem.fail_at = 0;
        snap_check(w, &s);
        check_maps(w, va + 0x100000, 0x900, PT_MAP_LARGE);
        check_tables(w);
    }
    assert_int_equal(pt_unmap(&w->pt, va + 0x100000, 512), 0);
    check_unmapped(w, va + 0x100000);
    check_unmapped(w, va + PT_SIZE_2M + 0xff000);
    check_maps(w, va + PT_SIZE_2M + 0x100000, 0xb00, 0);
    check_tables(w);
}

/*
 * Fails each allocation point of a map in turn (1st, 2nd, ...) and checks
 * the tables are byte for byte unchanged, until the map succeeds.
 */
struct enomem_case {
    const char *name;
    uint64_t pre_va;         /* an existing mapping first, if pre_nr */
    hal_mfn_t pre_mfn;
    unsigned long pre_nr;
    unsigned int pre_flags;
    uint64_t va;
    hal_mfn_t mfn;
    unsigned long nr;
    unsigned int flags;
    unsigned long allocs;    /* table pages the map needs */
};

static void test_map_enomem_every_point(void **state)
{
    static const struct enomem_case cases[] = {
        { "fresh, across an L4 boundary", 0, 0, 0, 0,
          (1ULL << 39) - 2 * HAL_PAGE_SIZE, 0x10, 4, HAL_MAP_RW, 6 },
        { "beside existing tables", VA_2M(3), 0x10, 1, 0,
          VA_2M(3) + HAL_PAGE_SIZE, 0x20, 512 + 8, HAL_MAP_RW, 1 },
        { "top of the address space", 0, 0, 0, 0,
          0xffffffffffe00000ULL - HAL_PAGE_SIZE, 0x200 - 1, 513,
          PT_MAP_LARGE, 3 },
        { "into a 2 MiB entry (split)", VA_2M(7), 0x400, 512, PT_MAP_LARGE,
          VA_2M(7) + 0x3000, 0x99, 2, HAL_MAP_RW, 1 },
        { "two splits and new tables", VA_2M(7), 0x400, 1024, PT_MAP_LARGE,
          VA_2M(8) - HAL_PAGE_SIZE, 0x99, 2 + 3 * 512, HAL_MAP_NX, 2 + 3 },
    };
    struct world *w = *state;
    unsigned int c;

    for ( c = 0; c < sizeof(cases) / sizeof(cases[0]); c++ )
    {
        const struct enomem_case *k = &cases[c];
        unsigned long n, pages_before;
        struct snapshot s;
        int rc;

        assert_int_equal(pt_unmap(&w->pt, 0, 1UL << 35), 0);
        assert_int_equal(pt_unmap(&w->pt, 0xffff800000000000ULL, 1UL << 35),
                         0);
        assert_int_equal(w->pt.pages, 1);
        if ( k->pre_nr )
            assert_int_equal(pt_map(&w->pt, k->pre_va, k->pre_mfn, k->pre_nr,
                                    k->pre_flags), 0);
        pages_before = w->pt.pages;
        for ( n = 1;; n++ )
        {
            snap_take(w, &s);
            w->mem.fail_at = w->mem.alloc_calls + n;
            rc = pt_map(&w->pt, k->va, k->mfn, k->nr, k->flags);
            w->mem.fail_at = 0;
            if ( rc == 0 )
            {
                free(s.frames);
                break;
            }
            assert_int_equal(rc, -ENOMEM);
            snap_check(w, &s);
            check_tables(w);
        }
        print_message("%s: %lu allocation points\n", k->name, n - 1);
        assert_int_equal(n - 1, k->allocs);
        assert_int_equal(w->pt.pages, pages_before + k->allocs);
        check_tables(w);
        check_mfn(w, k->va, k->mfn);
        check_mfn(w, k->va + ((uint64_t)(k->nr - 1) << 12),
                  k->mfn + k->nr - 1);
        if ( k->pre_nr && k->pre_va + ((uint64_t)(k->pre_nr - 1) << 12) >
                              k->va + ((uint64_t)(k->nr - 1) << 12) )
            check_mfn(w, k->pre_va + ((uint64_t)(k->pre_nr - 1) << 12),
                      k->pre_mfn + k->pre_nr - 1);
    }
}

static void test_invalid_args(void **state)
{
    static const struct {
        uint64_t va;
        hal_mfn_t mfn;
        unsigned long nr;
        unsigned int flags;
    } bad[] = {
        { 0x1000 + 8, 1, 1, 0 },                     /* not page-aligned */
        { 0x0000800000000000ULL, 1, 1, 0 },          /* non-canonical */
        { 0x7ffffffffffff000ULL, 1, 1, 0 },          /* non-canonical */
        { 0x00007ffffffff000ULL, 1, 2, 0 },          /* into the hole */
        { 0xfffffffffffff000ULL, 1, 2, 0 },          /* wraps */
        { 0, 1, 1UL << 36, 0 },                      /* too long */
        { 0x1000, 1, 1, 1U << 5 },                   /* unknown flag */
        { 0x1000, PT_MFN_MAX + 1, 1, 0 },            /* frame too high */
        { 0x1000, PT_MFN_MAX, 2, 0 },                /* frames run over */
    };
    struct world *w = *state;
    unsigned long calls = w->mem.alloc_calls;
    unsigned int i;

    for ( i = 0; i < sizeof(bad) / sizeof(bad[0]); i++ )
    {
        assert_int_equal(pt_map(&w->pt, bad[i].va, bad[i].mfn, bad[i].nr,
                                bad[i].flags), -EINVAL);
        if ( bad[i].flags == 0 && bad[i].mfn == 1 )
            assert_int_equal(pt_unmap(&w->pt, bad[i].va, bad[i].nr), -EINVAL);
    }
    assert_int_equal(w->mem.alloc_calls, calls);
    assert_int_equal(w->pt.pages, 1);

    /* Zero pages: nothing to do, and no error. */
    assert_int_equal(pt_map(&w->pt, 0x1000, 1, 0, 0), 0);
    assert_int_equal(pt_unmap(&w->pt, 0x1000, 0), 0);
    assert_int_equal(w->mem.alloc_calls, calls);

    /* The edges that are valid. */
    assert_int_equal(pt_map(&w->pt, 0xfffffffffffff000ULL, PT_MFN_MAX, 1, 0),
                     0);
    check_maps(w, 0xfffffffffffff000ULL, PT_MFN_MAX, 0);
    assert_int_equal(pt_map(&w->pt, 0x00007ffffffff000ULL, 3, 1, 0), 0);
    check_maps(w, 0x00007ffffffff000ULL, 3, 0);
    assert_int_equal(pt_map(&w->pt, 0xffff800000000000ULL, 4, 1, 0), 0);
    check_maps(w, 0xffff800000000000ULL, 4, 0);
    check_tables(w);
}

/* Destroy returns every page, whatever the tables hold. */
static void test_destroy_frees_everything(void **state)
{
    struct world *w = *state;
    struct pt pt2;
    unsigned long before = w->mem.in_use;

    assert_int_equal(pt_init(&pt2, &w->ops), 0);
    assert_int_equal(pt_map(&pt2, 0, 0x200, 4096, PT_MAP_LARGE), 0);
    assert_int_equal(pt_map(&pt2, VA_2M(0x300), 0x201, 4096, 0), 0);
    assert_int_equal(pt_map(&pt2, 0xffffc00000000000ULL, 0x1, 5, 0), 0);
    assert_int_equal(pt_map(&pt2, VA_2M(0x302) + 0x5000, 0x7, 1, 0), 0);
    assert_int_equal(w->mem.in_use, before + pt2.pages);
    pt_destroy(&pt2);
    assert_int_equal(pt2.pages, 0);
    assert_int_equal(w->mem.in_use, before);
}

/*
 * Random maps and unmaps in an 8 MiB window that straddles a 1 GiB
 * boundary, checked page by page against a plain array after each step,
 * with an allocation failure injected now and then.
 */
#define RW_PAGES 2048
#define RW_BASE ((1ULL << 30) - 4 * PT_SIZE_2M)

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static void test_random_against_model(void **state)
{
    struct world *w = *state;
    static int64_t model[RW_PAGES];
    static unsigned int model_flags[RW_PAGES];
    unsigned int step;
    unsigned long i;

    for ( i = 0; i < RW_PAGES; i++ )
        model[i] = -1;
    for ( step = 0; step < 400; step++ )
    {
        unsigned long start = rnd() % RW_PAGES;
        unsigned long nr = 1 + rnd() % (rnd() % 4 ? 40 : 1100);
        unsigned int flags = rnd() % 8;
        bool do_map = rnd() % 3;
        bool inject = rnd() % 8 == 0;
        hal_mfn_t mfn;
        int rc;

        if ( nr > RW_PAGES - start )
            nr = RW_PAGES - start;
        flags = (flags & 3) | (flags & 4 ? PT_MAP_LARGE : 0) |
                (rnd() % 2 ? HAL_MAP_NX : 0);
        /* Half the time frames aligned like the addresses: 2 MiB entries. */
        mfn = rnd() % 2 ? 0x10000 + start : 0x20000 + rnd() % 0x1000;
        if ( inject )
            w->mem.fail_at = w->mem.alloc_calls + 1 + rnd() % 4;
        if ( do_map )
            rc = pt_map(&w->pt, RW_BASE + (start << 12), mfn, nr, flags);
        else
            rc = pt_unmap(&w->pt, RW_BASE + (start << 12), nr);
        w->mem.fail_at = 0;
        if ( rc == 0 )
            for ( i = start; i < start + nr; i++ )
            {
                model[i] = do_map ? (int64_t)(mfn + i - start) : -1;
                model_flags[i] = flags & ~PT_MAP_LARGE;
            }
        else
            assert_true(inject && rc == -ENOMEM);

        check_tables(w);
        for ( i = 0; i < RW_PAGES; i++ )
            assert_int_equal(raw_mfn(w, RW_BASE + (i << 12)), model[i]);
        for ( i = 0; i < 16; i++ )
        {
            unsigned long p = rnd() % RW_PAGES;
            hal_mfn_t got;
            unsigned int f;

            if ( model[p] < 0 )
                check_unmapped(w, RW_BASE + (p << 12));
            else
            {
                assert_true(pt_translate(&w->pt, RW_BASE + (p << 12), &got,
                                         &f));
                assert_int_equal(got, model[p]);
                assert_int_equal(f & ~PT_MAP_LARGE, model_flags[p]);
            }
        }
    }
    assert_int_equal(pt_unmap(&w->pt, RW_BASE, RW_PAGES), 0);
    assert_int_equal(w->pt.pages, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_destroy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_enomem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_4k_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permission_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_translate_unmapped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_map_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_large_ragged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_map_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmap_frees_tables, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unmap_splits_large, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unmap_split_enomem, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_map_enomem_every_point, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_invalid_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_frees_everything, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_random_against_model, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
