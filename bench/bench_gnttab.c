/* SPDX-License-Identifier: MIT */
/*
 * Grant-table benchmarks through the hypercall entry, as a guest issues
 * them: map+unmap one page, map+unmap 32 pages per hypercall (per page),
 * copies of 4 KiB and 256 bytes from a grant (16 per hypercall, per copy),
 * and a page transfer there and back (per transfer).  Read them as ratios
 * to calib.atomic_rmw and calib.memcpy_4k from the same run.
 *
 * Two kinds of copy batch, reported side by side:
 *  - gnttab.copy.{4k,256}: one source grant into 16 different frames of
 *    the mapper (a 64 KiB destination working set; each copy looks its
 *    destination frame up and maps it, with no reference: the batch holds
 *    the mapper's P2M removals once; calib.memcpy_4k.16dst is the bare
 *    memcpy over the same kind of working set);
 *  - gnttab.copy.{4k,256}.same: the same source grant into the same frame
 *    16 times, so both sides stay acquired across the batch and the data
 *    stays in cache, as calib.memcpy_4k's does: the per-copy cost of the
 *    op itself next to a bare memcpy.  Ops 2..16 take the copy fast path;
 *    each hypercall's acquire and release of both sides (the source
 *    grant's pin, domain and page references, the P2M removal hold the
 *    destination is written under) and the op array's copy in and out are
 *    shared by its 16 copies.
 *
 * The world runs with libmm's full direct map: in the simulator every
 * map_domain_page slot change is a host mmap, a syscall that bare metal
 * does not pay (a PTE write there), and it would dominate every figure.
 */
#include <stdlib.h>
#include <string.h>

#include <common/domain.h>
#include <common/errno.h>
#include <common/hypercall.h>
#include <common/subsys.h>
#include <hal_sim/sim.h>
#include <libmm/mm.h>
#include <public/grant_table.h>

#include "bench.h"
#include "world.h"

#define RAM 128U
#define TABLE_GFN 0x1000U
#define MAP_GFN 0x2000U

struct gb {
    struct domain *a, *b;  /* granter (1), mapper (2) */
    unsigned int batch;
    unsigned int len;
    unsigned int dst_frames;  /* copies: distinct destination frames */
};

static void *frame(struct domain *d, uint64_t gfn)
{
    return sim_machine_frame(mfn_x(p2m_lookup(d, _gfn(gfn), NULL)));
}

static long call(struct domain *d, unsigned int cmd, const void *ops,
                 size_t bytes, unsigned int count, void *out)
{
    uint64_t args[HYPERCALL_NR_ARGS] = { cmd, 0, count };
    long rc;

    memcpy(frame(d, 0), ops, bytes);
    rc = hypercall_entry(d->vcpu[0], __HYPERVISOR_grant_table_op, args);
    if ( out )
        memcpy(out, frame(d, 0), bytes);
    return rc;
}

static void grant(struct domain *a, grant_ref_t ref, domid_t to,
                  uint32_t gfn, uint16_t flags)
{
    grant_entry_v1_t *e = (grant_entry_v1_t *)frame(a, TABLE_GFN) + ref;

    e->frame = gfn;
    e->domid = to;
    __atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

static struct domain *guest(domid_t id)
{
    struct domain_config cfg;
    struct domain *d;
    unsigned long done;

    domain_config_default(&cfg);
    cfg.max_pages = 1024;
    if ( domain_create(id, &cfg, &d) )
        return NULL;
    if ( mm_populate_physmap(d, _gfn(0), RAM, 0, &done) ||
         gnttab_map_frame(d, 0, _gfn(TABLE_GFN)) )
        return NULL;
    return d;
}

static void down(void *state)
{
    struct gb *g = state;

    if ( g->b )
    {
        while ( domain_destroy(g->b) == -ERESTART )
            ;
        put_domain(g->b);
    }
    if ( g->a )
    {
        while ( domain_destroy(g->a) == -ERESTART )
            ;
        put_domain(g->a);
    }
    free(g);
    world_stop();
    mm_config_directmap(false);
}

static int up(void **state, unsigned int batch, unsigned int len,
              unsigned int dst_frames)
{
    struct gb *g = calloc(1, sizeof(*g));
    unsigned int i;

    mm_config_directmap(true);
    if ( !g || world_start(64ULL << 20, 1) )
    {
        free(g);
        mm_config_directmap(false);
        return -1;
    }
    g->batch = batch;
    g->len = len;
    g->dst_frames = dst_frames;
    g->a = guest(1);
    g->b = guest(2);
    if ( !g->a || !g->b )
    {
        down(g);
        return -1;
    }
    for ( i = 0; i < 32; i++ )
        grant(g->a, 8 + i, 2, 16 + i, GTF_permit_access);
    /*
     * Steady state: one mapping that stays for the whole run keeps the
     * mapper's P2M leaf for MAP_GFN.. alive, as a running backend's is;
     * otherwise every iteration would free and re-zero that table and
     * measure libmm's table allocation, not the grant path.
     */
    grant(g->a, 60, 2, 60, GTF_permit_access | GTF_readonly);
    {
        struct gnttab_map_grant_ref keep = {
            .host_addr = (uint64_t)(MAP_GFN + 500) << 12,
            .flags = GNTMAP_host_map | GNTMAP_readonly, .ref = 60, .dom = 1 };

        if ( call(g->b, GNTTABOP_map_grant_ref, &keep, sizeof(keep), 1,
                  &keep) || keep.status )
        {
            down(g);
            return -1;
        }
    }
    *state = g;
    return 0;
}

/* One grant, no copy: map_unmap.1 and transfer. */
static int one_setup(void **s, uint64_t it)
{
    (void)it;
    return up(s, 1, 0, 0);
}
static int map32_setup(void **s, uint64_t it)
{
    (void)it;
    return up(s, 32, 0, 0);
}
static int copy4k_setup(void **s, uint64_t it)
{
    (void)it;
    return up(s, 16, 4096, 16);
}
static int copy256_setup(void **s, uint64_t it)
{
    (void)it;
    return up(s, 16, 256, 16);
}
static int copy4k_same_setup(void **s, uint64_t it)
{
    (void)it;
    return up(s, 16, 4096, 1);
}
static int copy256_same_setup(void **s, uint64_t it)
{
    (void)it;
    return up(s, 16, 256, 1);
}

static uint64_t map_run(void *state, uint64_t iterations)
{
    struct gb *g = state;
    struct gnttab_map_grant_ref m[32];
    struct gnttab_unmap_grant_ref u[32];
    uint64_t it;
    unsigned int i;

    for ( it = 0; it < iterations; it++ )
    {
        for ( i = 0; i < g->batch; i++ )
            m[i] = (struct gnttab_map_grant_ref){
                .host_addr = (uint64_t)(MAP_GFN + i) << 12,
                .flags = GNTMAP_host_map, .ref = 8 + i, .dom = 1 };
        call(g->b, GNTTABOP_map_grant_ref, m, g->batch * sizeof(m[0]),
             g->batch, m);
        for ( i = 0; i < g->batch; i++ )
            u[i] = (struct gnttab_unmap_grant_ref){
                .host_addr = m[i].host_addr, .handle = m[i].handle };
        call(g->b, GNTTABOP_unmap_grant_ref, u, g->batch * sizeof(u[0]),
             g->batch, NULL);
    }
    /* Keep the deferred queue from growing without bound. */
    return iterations * g->batch;
}

static uint64_t copy_run(void *state, uint64_t iterations)
{
    struct gb *g = state;
    struct gnttab_copy c[16];
    uint64_t it;
    unsigned int i;

    for ( i = 0; i < g->batch; i++ )
        c[i] = (struct gnttab_copy){
            .source = { .u.ref = 8, .domid = 1 },
            .dest = { .u.gmfn = 32 + i % g->dst_frames,
                      .domid = DOMID_SELF },
            .len = (uint16_t)g->len, .flags = GNTCOPY_source_gref };
    for ( it = 0; it < iterations; it++ )
        call(g->b, GNTTABOP_copy, c, g->batch * sizeof(c[0]), g->batch,
             NULL);
    return iterations * g->batch;
}

/* A's gfn 100 goes to B's gfn 0x3000, then back to A's gfn 100. */
static uint64_t xfer_run(void *state, uint64_t iterations)
{
    struct gb *g = state;
    struct gnttab_transfer t;
    uint64_t it;

    for ( it = 0; it < iterations; it++ )
    {
        grant(g->b, 100, 1, 0x3000, GTF_accept_transfer);
        t = (struct gnttab_transfer){ .mfn = 100, .domid = 2, .ref = 100 };
        call(g->a, GNTTABOP_transfer, &t, sizeof(t), 1, &t);
        if ( t.status )
            return 0;
        grant(g->a, 100, 2, 100, GTF_accept_transfer);
        t = (struct gnttab_transfer){ .mfn = 0x3000, .domid = 1,
                                      .ref = 100 };
        call(g->b, GNTTABOP_transfer, &t, sizeof(t), 1, &t);
        if ( t.status )
            return 0;
    }
    return iterations * 2;
}

const struct bench bench_gnttab_list[] = {
    { .name = "gnttab.map_unmap.1", .params = "{\"batch\":1}",
      .setup = one_setup, .run = map_run, .teardown = down,
      .default_iterations = 100000 },
    { .name = "gnttab.map_unmap.batch32", .params = "{\"batch\":32}",
      .setup = map32_setup, .run = map_run, .teardown = down,
      .default_iterations = 5000 },
    { .name = "gnttab.copy.4k",
      .params = "{\"batch\":16,\"len\":4096,\"src\":\"one grant\","
                "\"dst_frames\":16}",
      .setup = copy4k_setup, .run = copy_run, .teardown = down,
      .default_iterations = 20000 },
    { .name = "gnttab.copy.4k.same",
      .params = "{\"batch\":16,\"len\":4096,\"src\":\"one grant\","
                "\"dst_frames\":1}",
      .setup = copy4k_same_setup, .run = copy_run, .teardown = down,
      .default_iterations = 20000 },
    { .name = "gnttab.copy.256",
      .params = "{\"batch\":16,\"len\":256,\"src\":\"one grant\","
                "\"dst_frames\":16}",
      .setup = copy256_setup, .run = copy_run, .teardown = down,
      .default_iterations = 20000 },
    { .name = "gnttab.copy.256.same",
      .params = "{\"batch\":16,\"len\":256,\"src\":\"one grant\","
                "\"dst_frames\":1}",
      .setup = copy256_same_setup, .run = copy_run, .teardown = down,
      .default_iterations = 20000 },
    { .name = "gnttab.transfer", .params = "{\"there_and_back\":true}",
      .setup = one_setup, .run = xfer_run, .teardown = down,
      .default_iterations = 20000 },
    { .name = NULL },
};
