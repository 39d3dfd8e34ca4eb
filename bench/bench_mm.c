/* SPDX-License-Identifier: MIT */
/*
 * libmm benchmarks: the heap, vmap, map_domain_page (slots and direct map),
 * P2M lookups and populating guest memory.  Each repetition builds a fresh
 * simulated world, so populate runs start from a clean heap.
 *
 * Mapping benchmarks turn the simulator's host mappings off
 * (`sim_map_host_set(false)`): what is timed is libmm's path plus the page
 * table write, as on hardware, not the host's mmap.  `.host` variants keep
 * the host call for comparison.  vmalloc keeps it: its pages may need
 * scrubbing, which writes through a real mapping.
 */
#include <stdlib.h>
#include <string.h>

#include <common/errno.h>
#include <common/init.h>
#include <hal_sim/sim.h>
#include <libmm/mm.h>

#include "bench.h"
#include "world.h"

struct mm_bench {
    struct domain *d;
    struct page_info *pg;
    uint64_t pages;   /* populate: pages to do */
    uint64_t *gfns;   /* lookup: the gfns to look up */
    uint64_t ngfns;
    double hal_ns;    /* mdp: own cost, the HAL's pair subtracted */
};

static void world_down(void *state)
{
    struct mm_bench *b = state;

    sim_map_host_set(true);
    if ( b )
    {
        if ( b->pg )
            free_domheap_pages(b->pg, 5);
        if ( b->d )
            world_destroy_domain(b->d);
        free(b->gfns);
        free(b);
    }
    world_stop();
    mm_config_directmap(false);
}

static struct mm_bench *bench_new(void)
{
    return calloc(1, sizeof(struct mm_bench));
}

/*
 * A 256 MiB world on two pCPUs, with or without the direct map (the choice
 * lasts one world: libmm resets it at mm_fini), and a fresh bench state.
 */
static int world_setup(void **state, bool directmap)
{
    mm_config_directmap(directmap);
    if ( world_start(256UL << 20, 2) )
        return -1;
    *state = bench_new();
    return *state ? 0 : -1;
}

static int plain_setup(void **state, uint64_t iterations)
{
    return world_setup(state, false);
}

/* ---- Heap. ---- */

/* `n` pairs of allocating and freeing one anonymous chunk. */
static uint64_t alloc_free_loop(unsigned int order, unsigned int memflags,
                                uint64_t n)
{
    uint64_t i;

    for ( i = 0; i < n; i++ )
    {
        struct page_info *pg = alloc_domheap_pages(NULL, order, memflags);

        bench_keep(pg);
        free_domheap_pages(pg, order);
    }
    return n;
}

static uint64_t order0_run(void *state, uint64_t n)
{
    return alloc_free_loop(0, MEMF_no_scrub, n);
}

static int order0_nopcp_setup(void **state, uint64_t iterations)
{
    int rc = plain_setup(state, iterations);

    if ( !rc )
        mm_pcp_set(false);
    return rc;
}

/* Each allocation gets the page the previous iteration dirtied. */
static uint64_t order0_scrub_run(void *state, uint64_t n)
{
    return alloc_free_loop(0, 0, n);
}

static int direct_setup(void **state, uint64_t iterations)
{
    return world_setup(state, true);
}

static uint64_t order9_run(void *state, uint64_t n)
{
    return alloc_free_loop(9, MEMF_no_scrub, n);
}

/* Idle-time scrubbing of dirty free pages, per page. */
static int scrub_setup(void **state, uint64_t iterations)
{
    struct page_info **pg;
    uint64_t i, n = iterations > 16384 ? 16384 : iterations;
    struct mm_bench *b;

    if ( plain_setup(state, iterations) )
        return -1;
    b = *state;
    pg = calloc(n, sizeof(*pg));
    if ( !pg )
        return -1;
    for ( i = 0; i < n; i++ )
        pg[i] = alloc_domheap_pages(NULL, 0, MEMF_no_scrub);
    for ( i = 0; i < n; i++ )
        if ( pg[i] )
            free_domheap_pages(pg[i], 0);
    free(pg);
    b->pages = n;
    return 0;
}

static uint64_t scrub_run(void *state, uint64_t n)
{
    return mm_scrub_free_pages(((struct mm_bench *)state)->pages);
}

/* ---- vmap. ---- */

static int nohost_setup(void **state, uint64_t iterations)
{
    struct mm_bench *b;

    if ( plain_setup(state, iterations) )
        return -1;
    b = *state;
    b->pg = alloc_domheap_pages(NULL, 5, 0);
    if ( !b->pg )
        return -1;
    sim_map_host_set(false);
    return 0;
}

static int host_setup(void **state, uint64_t iterations)
{
    struct mm_bench *b;

    if ( plain_setup(state, iterations) )
        return -1;
    b = *state;
    b->pg = alloc_domheap_pages(NULL, 5, 0);
    return b->pg ? 0 : -1;
}

static uint64_t vmap1_run(void *state, uint64_t n)
{
    struct mm_bench *b = state;
    mfn_t m = page_to_mfn(b->pg);
    uint64_t i;

    for ( i = 0; i < n; i++ )
    {
        void *v = vmap(&m, 1);

        bench_keep(v);
        vunmap(v);
    }
    return n;
}

static uint64_t vmalloc64k_run(void *state, uint64_t n)
{
    uint64_t i;

    for ( i = 0; i < n; i++ )
    {
        void *v = vmalloc(64 << 10);

        bench_keep(v);
        vfree(v);
    }
    return n;
}

/* ---- map_domain_page. ---- */

static int mdp_eager_setup(void **state, uint64_t iterations)
{
    int rc = nohost_setup(state, iterations);

    if ( !rc )
        mapcache_set_lazy(false);
    return rc;
}

static int mdp_direct_setup(void **state, uint64_t iterations)
{
    struct mm_bench *b;

    if ( world_setup(state, true) )
        return -1;
    b = *state;
    b->pg = alloc_domheap_pages(NULL, 5, 0);
    return b->pg ? 0 : -1;
}

/*
 * The slot path's own cost.  The HAL's map+unmap of one page at a slot no
 * benchmark CPU uses (the last CPU's) is timed in batches interleaved with
 * batches of map_domain_page+unmap, so drift on a shared machine hits both
 * alike, and `adjust_ns` reports the difference.  On hardware that HAL pair
 * is a PTE write and an invlpg; in the simulator it is a lock and a
 * page-table walk even with host mappings off.
 */
#define MDP_BATCH 256U
#define MDP_MIN_OPS 262144

static uint64_t mdp_own_run(void *state, uint64_t n)
{
    struct mm_bench *b = state;
    uintptr_t spare = mapcache_slot_va(HAL_MAX_CPUS - 1, 0);
    mfn_t m = page_to_mfn(b->pg);
    uint64_t done = 0, t_mdp = 0, t_hal = 0, t0, i;

    /*
     * A difference of two timings: below a floor of work the noise of
     * either exceeds the cost measured, so at least MDP_MIN_OPS run.
     */
    if ( n < MDP_MIN_OPS )
        n = MDP_MIN_OPS;
    while ( done < n )
    {
        t0 = bench_now_ns();
        for ( i = 0; i < MDP_BATCH; i++ )
        {
            void *v = map_domain_page(mfn_add(m, i & 31));

            bench_keep(v);
            unmap_domain_page(v);
        }
        t_mdp += bench_now_ns() - t0;
        t0 = bench_now_ns();
        for ( i = 0; i < MDP_BATCH; i++ )
        {
            if ( hal_map_frames(spare, mfn_x(m) + (i & 31), 1,
                                HAL_MAP_RW | HAL_MAP_NX) )
                return 0;
            hal_unmap_frames(spare, 1);
        }
        t_hal += bench_now_ns() - t0;
        done += MDP_BATCH;
    }
    b->hal_ns = ((double)t_mdp - (double)t_hal) / (double)done;
    return done;
}

static double mdp_own_adjust(void *state, double ns)
{
    struct mm_bench *b = state;

    return b->hal_ns > 0 ? b->hal_ns : 0;
}

static uint64_t mdp_run(void *state, uint64_t n)
{
    struct mm_bench *b = state;
    mfn_t m = page_to_mfn(b->pg);
    uint64_t i;

    for ( i = 0; i < n; i++ )
    {
        void *v = map_domain_page(mfn_add(m, i & 31));

        bench_keep(v);
        unmap_domain_page(v);
    }
    return n;
}

/* ---- P2M and populate. ---- */

#define LOOKUP_PAGES 16384UL

static int p2m_setup_order(void **state, unsigned int order)
{
    struct domain_config cfg;
    struct mm_bench *b;
    unsigned long done;
    uint64_t i, x = 1;

    if ( world_setup(state, false) )
        return -1;
    b = *state;
    domain_config_default(&cfg);
    cfg.max_pages = LOOKUP_PAGES;
    if ( domain_create(1, &cfg, &b->d) )
        return -1;
    if ( mm_populate_physmap(b->d, _gfn(0), LOOKUP_PAGES >> order, order,
                             &done) )
        return -1;
    b->ngfns = 4096;
    b->gfns = malloc(b->ngfns * sizeof(*b->gfns));
    if ( !b->gfns )
        return -1;
    for ( i = 0; i < b->ngfns; i++ )
    {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        b->gfns[i] = (x >> 33) % LOOKUP_PAGES;
    }
    return 0;
}

static int p2m4k_setup(void **state, uint64_t iterations)
{
    return p2m_setup_order(state, 0);
}

static int p2m2m_setup(void **state, uint64_t iterations)
{
    return p2m_setup_order(state, 9);
}

static uint64_t p2m_lookup_run(void *state, uint64_t n)
{
    struct mm_bench *b = state;
    uint64_t i, acc = 0;

    for ( i = 0; i < n; i++ )
        acc += mfn_x(p2m_lookup(b->d, _gfn(b->gfns[i & 4095]), NULL));
    bench_keep(acc);
    return n;
}

/* Populate up to 128 MiB (or `iterations` pages) from a clean heap. */
static int populate_setup(void **state, uint64_t iterations)
{
    struct domain_config cfg;
    struct mm_bench *b;

    if ( world_setup(state, false) )
        return -1;
    b = *state;
    domain_config_default(&cfg);
    cfg.max_pages = 1UL << 20;
    if ( domain_create(1, &cfg, &b->d) )
        return -1;
    b->pages = iterations < 32768 ? iterations : 32768;
    return 0;
}

static uint64_t populate_run_order(struct mm_bench *b, unsigned int order)
{
    unsigned long done, extents = b->pages >> order;

    if ( !extents )
        extents = 1;
    if ( mm_populate_physmap(b->d, _gfn(0), extents, order, &done) )
        return 0;
    return (uint64_t)done << order;
}

static uint64_t populate4k_run(void *state, uint64_t n)
{
    return populate_run_order(state, 0);
}

static uint64_t populate2m_run(void *state, uint64_t n)
{
    return populate_run_order(state, 9);
}

const struct bench bench_mm_list[] = {
    { .name = "mm.heap.order0", .params = "{\"order\":0,\"pcp\":true}",
      .setup = plain_setup, .run = order0_run, .teardown = world_down,
      .default_iterations = 2000000 },
    { .name = "mm.heap.order0.nopcp", .params = "{\"order\":0,\"pcp\":false}",
      .setup = order0_nopcp_setup, .run = order0_run,
      .teardown = world_down, .default_iterations = 1000000 },
    { .name = "mm.heap.order0.scrub",
      .params = "{\"order\":0,\"scrub\":\"on allocation\"}",
      .setup = plain_setup, .run = order0_scrub_run, .teardown = world_down,
      .default_iterations = 200000 },
    { .name = "mm.heap.order0.scrub.direct",
      .params = "{\"order\":0,\"scrub\":\"on allocation\","
                "\"directmap\":\"full\"}",
      .setup = direct_setup, .run = order0_scrub_run, .teardown = world_down,
      .default_iterations = 1000000 },
    { .name = "mm.heap.order9", .params = "{\"order\":9}",
      .setup = plain_setup, .run = order9_run, .teardown = world_down,
      .default_iterations = 1000000 },
    { .name = "mm.heap.scrub_idle", .params = "{\"per\":\"page\"}",
      .setup = scrub_setup, .run = scrub_run, .teardown = world_down,
      .default_iterations = 16384 },
    { .name = "mm.vmap.1page", .params = "{\"host_map\":false}",
      .setup = nohost_setup, .run = vmap1_run, .teardown = world_down,
      .default_iterations = 200000 },
    { .name = "mm.vmap.1page.host", .params = "{\"host_map\":true}",
      .setup = host_setup, .run = vmap1_run, .teardown = world_down,
      .default_iterations = 100000 },
    { .name = "mm.vmalloc.64k",
      .params = "{\"bytes\":65536,\"host_map\":true}",
      .setup = host_setup, .run = vmalloc64k_run, .teardown = world_down,
      .default_iterations = 50000 },
    { .name = "mm.mdp.slot",
      .params = "{\"flush\":\"lazy\",\"host_map\":false,"
                "\"hal_pair\":\"subtracted\"}",
      .setup = nohost_setup, .run = mdp_own_run, .adjust_ns = mdp_own_adjust,
      .teardown = world_down, .default_iterations = 1000000 },
    { .name = "mm.mdp.slot.pte",
      .params = "{\"flush\":\"lazy\",\"host_map\":false}",
      .setup = nohost_setup, .run = mdp_run, .teardown = world_down,
      .default_iterations = 1000000 },
    { .name = "mm.mdp.slot.eager",
      .params = "{\"flush\":\"eager\",\"host_map\":false}",
      .setup = mdp_eager_setup, .run = mdp_run, .teardown = world_down,
      .default_iterations = 1000000 },
    { .name = "mm.mdp.slot.host",
      .params = "{\"flush\":\"lazy\",\"host_map\":true}",
      .setup = host_setup, .run = mdp_run, .teardown = world_down,
      .default_iterations = 200000 },
    { .name = "mm.mdp.direct", .params = "{\"directmap\":\"full\"}",
      .setup = mdp_direct_setup, .run = mdp_run, .teardown = world_down,
      .default_iterations = 10000000 },
    { .name = "mm.p2m.lookup", .params = "{\"extents\":\"4k\"}",
      .setup = p2m4k_setup, .run = p2m_lookup_run, .teardown = world_down,
      .default_iterations = 20000000 },
    { .name = "mm.p2m.lookup.2m", .params = "{\"extents\":\"2m\"}",
      .setup = p2m2m_setup, .run = p2m_lookup_run, .teardown = world_down,
      .default_iterations = 20000000 },
    { .name = "mm.populate.4k", .params = "{\"order\":0,\"per\":\"4KiB\"}",
      .setup = populate_setup, .run = populate4k_run, .teardown = world_down,
      .default_iterations = 32768 },
    { .name = "mm.populate.2m", .params = "{\"order\":9,\"per\":\"4KiB\"}",
      .setup = populate_setup, .run = populate2m_run, .teardown = world_down,
      .default_iterations = 32768 },
    { .name = NULL },
};
