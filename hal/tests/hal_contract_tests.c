/* SPDX-License-Identifier: MIT */
/*
 * The HAL contract suite: what every backend must do, checked through the
 * contract alone.  Core code (built with -nostdinc): the simulator's ctest
 * runs it (test_hal_contract_sim.c) and the boot target's in-kernel runner
 * links this same file and runs it under QEMU.
 *
 * It borrows the frames at the start of the first memory-map range and the
 * top of the virtual region, so run it before libmm takes over memory and
 * the region.  Every test leaves the HAL as it found it when it passes.
 */
#include <common/selftest.h>
#include <hal/hal.h>

#include "hal_contract_tests.h"

/* Frames and addresses the suite borrows. */
#define T_FRAMES 4
#define T_SZ_2M (1UL << 21)

static hal_mfn_t t_frame(unsigned int i)
{
    struct hal_mem_range r;

    if ( !hal_memmap_get(0, &r) )
        return 0;
    return (r.base >> HAL_PAGE_SHIFT) + i;
}

/* Page `i` counted down from the top of the region. */
static uintptr_t t_top_va(unsigned int i)
{
    uintptr_t base;
    size_t size;

    hal_va_region(&base, &size);
    return base + size - (uintptr_t)(i + 1) * HAL_PAGE_SIZE;
}

/* The first page of a 2 MiB-aligned piece in the middle of the region, far
 * from the pages at the top that other tests use. */
static uintptr_t t_mid_va(void)
{
    uintptr_t base;
    size_t size;

    hal_va_region(&base, &size);
    return (base + size / 2) & ~(uintptr_t)(T_SZ_2M - 1);
}

static volatile uint64_t *t_word(uintptr_t va, unsigned int idx)
{
    return (volatile uint64_t *)va + idx;
}

static int t_region(void)
{
    uintptr_t base;
    size_t size;

    hal_va_region(&base, &size);
    SELFTEST_CHECK(size >= 4 * T_SZ_2M);
    SELFTEST_CHECK((base & (HAL_PAGE_SIZE - 1)) == 0);
    SELFTEST_CHECK((size & (HAL_PAGE_SIZE - 1)) == 0);
    SELFTEST_CHECK(base + size > base);
    return 0;
}

static int t_memmap(void)
{
    unsigned int i, n = hal_memmap_count();
    struct hal_mem_range r, prev = { 0, 0 }, untouched = { 1, 2 };

    SELFTEST_CHECK(n >= 1);
    for ( i = 0; i < n; i++ )
    {
        SELFTEST_CHECK(hal_memmap_get(i, &r));
        SELFTEST_CHECK(r.size != 0);
        SELFTEST_CHECK((r.base & (HAL_PAGE_SIZE - 1)) == 0);
        SELFTEST_CHECK((r.size & (HAL_PAGE_SIZE - 1)) == 0);
        SELFTEST_CHECK(r.base + r.size > r.base);
        /* Frame 0 is never reported. */
        SELFTEST_CHECK(r.base >= HAL_PAGE_SIZE);
        /* Sorted and not overlapping. */
        if ( i )
            SELFTEST_CHECK(r.base >= prev.base + prev.size);
        prev = r;
    }
    SELFTEST_CHECK(hal_memmap_max_mfn() ==
                   (prev.base + prev.size) >> HAL_PAGE_SHIFT);
    /* Out of range: false, and the output is left alone. */
    r = untouched;
    SELFTEST_CHECK(!hal_memmap_get(n, &r));
    SELFTEST_CHECK(r.base == untouched.base && r.size == untouched.size);
    /* The suite's borrowed frames fit in the first range. */
    SELFTEST_CHECK(hal_memmap_get(0, &r));
    SELFTEST_CHECK(r.size >= T_FRAMES * HAL_PAGE_SIZE);
    return 0;
}

static int t_map_translate_unmap(void)
{
    uintptr_t va = t_top_va(T_FRAMES);   /* T_FRAMES pages up to the top */
    hal_mfn_t mfn;
    unsigned int i, flags;

    for ( i = 0; i < T_FRAMES; i++ )
        SELFTEST_CHECK(!hal_translate(va + i * HAL_PAGE_SIZE, &mfn, NULL));

    SELFTEST_CHECK(hal_map_frames(va, t_frame(0), T_FRAMES,
                                  HAL_MAP_RW | HAL_MAP_NX) == 0);
    for ( i = 0; i < T_FRAMES; i++ )
    {
        mfn = 0;
        flags = 0;
        SELFTEST_CHECK(hal_translate(va + i * HAL_PAGE_SIZE, &mfn, &flags));
        SELFTEST_CHECK(mfn == t_frame(i));
        SELFTEST_CHECK(flags & HAL_MAP_RW);
        /* Any address inside the page translates to it; flags optional. */
        SELFTEST_CHECK(hal_translate(va + i * HAL_PAGE_SIZE + 123, &mfn,
                                     NULL));
        SELFTEST_CHECK(mfn == t_frame(i));
        /* The mapping is usable. */
        *t_word(va + i * HAL_PAGE_SIZE, 0) = 0x1000 + i;
        SELFTEST_CHECK(*t_word(va + i * HAL_PAGE_SIZE, 0) == 0x1000 + i);
    }

    /* Unmapping part of the range leaves the rest. */
    hal_unmap_frames(va + HAL_PAGE_SIZE, 1);
    SELFTEST_CHECK(!hal_translate(va + HAL_PAGE_SIZE, &mfn, NULL));
    SELFTEST_CHECK(hal_translate(va, &mfn, NULL) && mfn == t_frame(0));
    SELFTEST_CHECK(hal_translate(va + 2 * HAL_PAGE_SIZE, &mfn, NULL) &&
                   mfn == t_frame(2));
    SELFTEST_CHECK(*t_word(va + 2 * HAL_PAGE_SIZE, 0) == 0x1002);

    /* Unmapping a range with holes ignores the holes. */
    hal_unmap_frames(va, T_FRAMES);
    for ( i = 0; i < T_FRAMES; i++ )
        SELFTEST_CHECK(!hal_translate(va + i * HAL_PAGE_SIZE, &mfn, NULL));
    return 0;
}

static int t_replace(void)
{
    uintptr_t va = t_top_va(0);
    hal_mfn_t mfn;
    unsigned int flags;

    SELFTEST_CHECK(hal_map_frames(va, t_frame(0), 1, HAL_MAP_RW) == 0);
    *t_word(va, 0) = 0xaaaa;
    SELFTEST_CHECK(hal_map_frames(va, t_frame(1), 1, HAL_MAP_RW) == 0);
    SELFTEST_CHECK(hal_translate(va, &mfn, &flags) && mfn == t_frame(1));
    *t_word(va, 0) = 0xbbbb;
    /* Back to the first frame: its bytes were not touched. */
    SELFTEST_CHECK(hal_map_frames(va, t_frame(0), 1, 0) == 0);
    SELFTEST_CHECK(*t_word(va, 0) == 0xaaaa);
    hal_unmap_frames(va, 1);
    SELFTEST_CHECK(!hal_translate(va, &mfn, NULL));
    return 0;
}

static int t_ro_rw(void)
{
    uintptr_t va = t_top_va(0);
    hal_mfn_t mfn;
    unsigned int flags = ~0U;

    SELFTEST_CHECK(hal_map_frames(va, t_frame(2), 1, 0) == 0);
    SELFTEST_CHECK(hal_translate(va, &mfn, &flags));
    SELFTEST_CHECK(mfn == t_frame(2));
    SELFTEST_CHECK(!(flags & HAL_MAP_RW));
    /* Reading a read-only mapping works. */
    (void)*t_word(va, 0);

    SELFTEST_CHECK(hal_map_frames(va, t_frame(2), 1, HAL_MAP_RW) == 0);
    flags = 0;
    SELFTEST_CHECK(hal_translate(va, &mfn, &flags));
    SELFTEST_CHECK(flags & HAL_MAP_RW);
    hal_unmap_frames(va, 1);
    return 0;
}

static int t_alias(void)
{
    uintptr_t a = t_top_va(0), b = t_top_va(1), c = t_top_va(2);
    unsigned int i;

    SELFTEST_CHECK(hal_map_frames(a, t_frame(3), 1, HAL_MAP_RW) == 0);
    SELFTEST_CHECK(hal_map_frames(b, t_frame(3), 1, HAL_MAP_RW) == 0);
    SELFTEST_CHECK(hal_map_frames(c, t_frame(2), 1, HAL_MAP_RW) == 0);
    for ( i = 0; i < HAL_PAGE_SIZE / 8; i++ )
    {
        *t_word(a, i) = 0x5a5a000000000000ULL | i;
        *t_word(c, i) = 0;
    }
    for ( i = 0; i < HAL_PAGE_SIZE / 8; i++ )
        SELFTEST_CHECK(*t_word(b, i) == (0x5a5a000000000000ULL | i));
    /* A write through either alias is seen through the other. */
    *t_word(b, 7) = 77;
    SELFTEST_CHECK(*t_word(a, 7) == 77);
    /* A different frame is not affected. */
    SELFTEST_CHECK(*t_word(c, 7) == 0);
    hal_unmap_frames(a, 1);
    /* The other alias survives the unmap of one. */
    SELFTEST_CHECK(*t_word(b, 7) == 77);
    hal_unmap_frames(b, 1);
    hal_unmap_frames(c, 1);
    return 0;
}

static int t_pt_pages(void)
{
    uintptr_t va = t_mid_va();
    unsigned long before = hal_pt_pages_in_use(), grown;
    hal_mfn_t mfn;

    SELFTEST_CHECK(before >= 1);   /* at least the root */
    /* Nothing was mapped in this 2 MiB piece: it needs at least a new L1. */
    SELFTEST_CHECK(hal_map_frames(va, t_frame(0), 1, HAL_MAP_RW) == 0);
    grown = hal_pt_pages_in_use();
    SELFTEST_CHECK(grown > before);
    SELFTEST_CHECK(grown - before <= 3);
    /* Another page in the same piece shares that L1. */
    SELFTEST_CHECK(hal_map_frames(va + T_SZ_2M - HAL_PAGE_SIZE, t_frame(1),
                                  1, HAL_MAP_RW) == 0);
    SELFTEST_CHECK(hal_pt_pages_in_use() == grown);
    /* The next piece needs its own L1. */
    SELFTEST_CHECK(hal_map_frames(va + T_SZ_2M, t_frame(2), 1,
                                  HAL_MAP_RW) == 0);
    SELFTEST_CHECK(hal_pt_pages_in_use() == grown + 1);

    /* Tables stay while any entry is left, and go when empty. */
    hal_unmap_frames(va + T_SZ_2M, 1);
    SELFTEST_CHECK(hal_pt_pages_in_use() == grown);
    hal_unmap_frames(va, 1);
    SELFTEST_CHECK(hal_pt_pages_in_use() == grown);
    SELFTEST_CHECK(hal_translate(va + T_SZ_2M - HAL_PAGE_SIZE, &mfn, NULL));
    SELFTEST_CHECK(mfn == t_frame(1));
    hal_unmap_frames(va + T_SZ_2M - HAL_PAGE_SIZE, 1);
    SELFTEST_CHECK(hal_pt_pages_in_use() == before);

    /* A range across the 2 MiB boundary at once. */
    SELFTEST_CHECK(hal_map_frames(va + T_SZ_2M - 2 * HAL_PAGE_SIZE,
                                  t_frame(0), 4, HAL_MAP_RW) == 0);
    SELFTEST_CHECK(hal_pt_pages_in_use() == grown + 1);
    SELFTEST_CHECK(hal_translate(va + T_SZ_2M + HAL_PAGE_SIZE, &mfn, NULL));
    SELFTEST_CHECK(mfn == t_frame(3));
    hal_unmap_frames(va + T_SZ_2M - 2 * HAL_PAGE_SIZE, 4);
    SELFTEST_CHECK(hal_pt_pages_in_use() == before);
    return 0;
}

static int t_spinlock(void)
{
    hal_spinlock_t l = HAL_SPINLOCK_INIT;
    hal_spinlock_t m;

    SELFTEST_CHECK(!hal_spin_is_locked(&l));
    hal_spin_lock(&l);
    SELFTEST_CHECK(hal_spin_is_locked(&l));
    SELFTEST_CHECK(hal_spin_is_mine(&l));
    SELFTEST_CHECK(!hal_spin_trylock(&l));
    hal_spin_unlock(&l);
    SELFTEST_CHECK(!hal_spin_is_locked(&l));

    SELFTEST_CHECK(hal_spin_trylock(&l));
    SELFTEST_CHECK(hal_spin_is_locked(&l));
    SELFTEST_CHECK(hal_spin_is_mine(&l));
    hal_spin_unlock(&l);
    SELFTEST_CHECK(!hal_spin_is_locked(&l));

    /* Two locks are independent. */
    hal_spin_init(&m);
    hal_spin_lock(&l);
    SELFTEST_CHECK(hal_spin_trylock(&m));
    hal_spin_unlock(&m);
    hal_spin_unlock(&l);
    SELFTEST_CHECK(!hal_spin_is_locked(&l) && !hal_spin_is_locked(&m));
    return 0;
}

static int t_spinlock_wrap(void)
{
    hal_spinlock_t l = HAL_SPINLOCK_INIT;
    unsigned int i;

    /* The 16-bit tickets wrap around without losing the lock. */
    for ( i = 0; i < 70000; i++ )
    {
        hal_spin_lock(&l);
        SELFTEST_CHECK(!hal_spin_trylock(&l));
        hal_spin_unlock(&l);
    }
    SELFTEST_CHECK(!hal_spin_is_locked(&l));
    SELFTEST_CHECK(hal_spin_trylock(&l));
    hal_spin_unlock(&l);
    return 0;
}

static int t_rwlock(void)
{
    hal_rwlock_t l = HAL_RWLOCK_INIT;

    SELFTEST_CHECK(!hal_rw_is_locked(&l));
    /* Readers share. */
    hal_read_lock(&l);
    SELFTEST_CHECK(hal_rw_is_locked(&l));
    SELFTEST_CHECK(!hal_rw_is_write_locked(&l));
    SELFTEST_CHECK(hal_read_trylock(&l));
    /* A writer is kept out while readers hold it. */
    SELFTEST_CHECK(!hal_write_trylock(&l));
    hal_read_unlock(&l);
    SELFTEST_CHECK(!hal_write_trylock(&l));
    hal_read_unlock(&l);
    SELFTEST_CHECK(!hal_rw_is_locked(&l));

    /* A writer excludes readers and writers. */
    hal_write_lock(&l);
    SELFTEST_CHECK(hal_rw_is_write_locked(&l));
    SELFTEST_CHECK(!hal_read_trylock(&l));
    SELFTEST_CHECK(!hal_write_trylock(&l));
    hal_write_unlock(&l);
    SELFTEST_CHECK(!hal_rw_is_locked(&l));

    /* A waiting writer holds new readers back. */
    l.cnt = 1 | HAL_RW_WAITING;
    SELFTEST_CHECK(!hal_read_trylock(&l));
    l.cnt = HAL_RW_WAITING;
    SELFTEST_CHECK(hal_write_trylock(&l));
    SELFTEST_CHECK(l.cnt == HAL_RW_WRITER);
    hal_write_unlock(&l);

    SELFTEST_CHECK(hal_read_trylock(&l));
    hal_read_unlock(&l);
    SELFTEST_CHECK(l.cnt == 0);
    return 0;
}

static int t_atomics(void)
{
    uint32_t v = 5, exp;
    uint64_t w = 0xf0;
    uint16_t h = 0xffff;

    SELFTEST_CHECK(hal_fetch_add(&v, 3) == 5 && v == 8);
    SELFTEST_CHECK(hal_fetch_sub(&v, 10) == 8 && v == (uint32_t)-2);
    SELFTEST_CHECK(hal_xchg(&v, 42) == (uint32_t)-2 && v == 42);
    exp = 41;
    SELFTEST_CHECK(!hal_cmpxchg(&v, &exp, 7));
    SELFTEST_CHECK(exp == 42 && v == 42);
    SELFTEST_CHECK(hal_cmpxchg(&v, &exp, 7));
    SELFTEST_CHECK(v == 7 && exp == 42);
    SELFTEST_CHECK(hal_fetch_or(&w, 0x0f) == 0xf0 && w == 0xff);
    SELFTEST_CHECK(hal_fetch_and(&w, 0x3c) == 0xff && w == 0x3c);
    SELFTEST_CHECK(hal_fetch_add(&h, 1) == 0xffff && h == 0);
    hal_write_once(&w, 9);
    SELFTEST_CHECK(hal_read_once(&w) == 9);
    hal_store_release(&w, 10);
    SELFTEST_CHECK(hal_load_acquire(&w) == 10);
    hal_smp_mb();
    hal_smp_rmb();
    hal_smp_wmb();
    hal_barrier();
    return 0;
}

/*
 * Bit strings: bit n is bit n % 8 of byte n / 8, across word boundaries
 * and far from the base; the same bits seen as 32-bit and 64-bit words.
 */
static int t_bitstring(void)
{
    union {
        uint64_t w64[4];
        uint32_t w32[8];
        uint8_t b[32];
    } s = { { 0 } };
    unsigned int n;

    SELFTEST_CHECK(!hal_bit_test_and_set(&s, 0));
    SELFTEST_CHECK(hal_bit_test_and_set(&s, 0));
    SELFTEST_CHECK(!hal_bit_test_and_set(&s, 31));
    SELFTEST_CHECK(!hal_bit_test_and_set(&s, 32));
    SELFTEST_CHECK(!hal_bit_test_and_set(&s, 63));
    SELFTEST_CHECK(!hal_bit_test_and_set(&s, 64));
    SELFTEST_CHECK(!hal_bit_test_and_set(&s, 255));
    SELFTEST_CHECK(s.w64[0] == (1ULL | 1ULL << 31 | 1ULL << 32 | 1ULL << 63));
    SELFTEST_CHECK(s.w32[1] == (1U | 1U << 31) && s.w32[2] == 1U);
    SELFTEST_CHECK(s.w64[1] == 1 && s.w64[2] == 0 && s.w64[3] == 1ULL << 63);
    SELFTEST_CHECK(s.b[31] == 0x80 && s.b[3] == 0x80 && s.b[4] == 1);
    for ( n = 0; n < 256; n++ )
        SELFTEST_CHECK(hal_bit_test(&s, n) ==
                       ((s.b[n / 8] >> (n % 8)) & 1));
    SELFTEST_CHECK(hal_bit_test_and_clear(&s, 32));
    SELFTEST_CHECK(!hal_bit_test_and_clear(&s, 32));
    SELFTEST_CHECK(hal_bit_test_and_clear(&s, 255));
    SELFTEST_CHECK(s.w32[1] == 1U << 31 && s.w64[3] == 0);
    SELFTEST_CHECK(!hal_bit_test(&s, 32) && hal_bit_test(&s, 63));
    return 0;
}

static int t_cpus(void)
{
    unsigned int n = hal_cpu_count();
    hal_cpumask_t all = hal_cpu_all_mask();

    SELFTEST_CHECK(n >= 1 && n <= HAL_MAX_CPUS);
    SELFTEST_CHECK(hal_cpu_id() < n);
    SELFTEST_CHECK(all & 1);
    SELFTEST_CHECK(__builtin_popcountll(all) == (int)n);
    hal_cpu_relax();
    return 0;
}

static int t_percpu(void)
{
    size_t a, b, big;
    unsigned int cpu, n = hal_cpu_count();
    volatile uint8_t *p;
    unsigned int i;

    a = hal_percpu_reserve(24, 8);
    b = hal_percpu_reserve(64, 64);
    SELFTEST_CHECK(a != (size_t)-1 && b != (size_t)-1);
    SELFTEST_CHECK((a & 7) == 0 && (b & 63) == 0);
    SELFTEST_CHECK(a + 24 <= b || b + 64 <= a);
    /* Too much is refused, and refusing takes nothing. */
    big = hal_percpu_reserve(HAL_PERCPU_SIZE + 1, 8);
    SELFTEST_CHECK(big == (size_t)-1);

    for ( cpu = 0; cpu < n; cpu++ )
    {
        /* Fresh reservations start zeroed. */
        p = hal_percpu_ptr(cpu, b);
        for ( i = 0; i < 64; i++ )
            SELFTEST_CHECK(p[i] == 0);
        SELFTEST_CHECK(((uintptr_t)p & 63) == 0);
        p[0] = (uint8_t)(cpu + 1);
        *(volatile uint64_t *)hal_percpu_ptr(cpu, a) = 0x100 + cpu;
    }
    /* Each CPU has its own copy. */
    for ( cpu = 0; cpu < n; cpu++ )
    {
        p = hal_percpu_ptr(cpu, b);
        SELFTEST_CHECK(p[0] == (uint8_t)(cpu + 1));
        SELFTEST_CHECK(*(volatile uint64_t *)hal_percpu_ptr(cpu, a) ==
                       0x100 + cpu);
        if ( cpu )
            SELFTEST_CHECK(hal_percpu_ptr(cpu, a) != hal_percpu_ptr(0, a));
    }
    return 0;
}

static int t_clock(void)
{
    uint64_t start = hal_time_ns(), prev = start, now;
    unsigned int i;

    for ( i = 0; i < 100000; i++ )
    {
        now = hal_time_ns();
        SELFTEST_CHECK(now >= prev);
        prev = now;
    }
    /* Time passes: spin until it has (bounded, so a stuck clock fails). */
    for ( i = 0; i < 100000000 && hal_time_ns() == start; i++ )
        hal_cpu_relax();
    SELFTEST_CHECK(hal_time_ns() > start);
    return 0;
}

static hal_cpumask_t t_hook_mask;
static unsigned int t_hook_calls;

static void t_flush_hook(hal_cpumask_t cpus)
{
    t_hook_mask = cpus;
    t_hook_calls++;
}

static int t_tlb_hook(void)
{
    hal_cpumask_t all = hal_cpu_all_mask();

    t_hook_calls = 0;
    t_hook_mask = 0;
    hal_tlb_set_flush_hook(t_flush_hook);
    hal_tlb_flush_all(all);
    SELFTEST_CHECK(t_hook_calls == 1);
    SELFTEST_CHECK(t_hook_mask == all);
    hal_tlb_flush_all(1);
    SELFTEST_CHECK(t_hook_calls == 2 && t_hook_mask == 1);
    /* Range and local flushes do not call it. */
    hal_tlb_flush_range(all, t_top_va(0), 1);
    hal_tlb_flush_local_va(t_top_va(0));
    SELFTEST_CHECK(t_hook_calls == 2);
    /* Removed, it is not called. */
    hal_tlb_set_flush_hook(NULL);
    hal_tlb_flush_all(all);
    SELFTEST_CHECK(t_hook_calls == 2);
    return 0;
}

static int t_backend_name(void)
{
    const char *n = hal_backend_name();

    SELFTEST_CHECK(n != NULL);
    SELFTEST_CHECK((n[0] == 's' && n[1] == 'i' && n[2] == 'm' && !n[3]) ||
                   (n[0] == 'x' && n[1] == '8' && n[2] == '6' &&
                    n[3] == '_' && n[4] == '6' && n[5] == '4' && !n[6]));
    return 0;
}

static const struct selftest hal_contract_tests[] = {
    { "region", t_region },
    { "memmap", t_memmap },
    { "map_translate_unmap", t_map_translate_unmap },
    { "replace", t_replace },
    { "ro_rw", t_ro_rw },
    { "alias", t_alias },
    { "pt_pages", t_pt_pages },
    { "spinlock", t_spinlock },
    { "spinlock_wrap", t_spinlock_wrap },
    { "rwlock", t_rwlock },
    { "atomics", t_atomics },
    { "bitstring", t_bitstring },
    { "cpus", t_cpus },
    { "percpu", t_percpu },
    { "clock", t_clock },
    { "tlb_hook", t_tlb_hook },
    { "backend_name", t_backend_name },
    { NULL, NULL },
};

const struct selftest_suite hal_contract_suite = {
    .name = "hal_contract",
    .tests = hal_contract_tests,
};
