/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: GNTTABOP sequences from three domains (A = 1, B = 2,
 * C = 3, two vCPUs each) through the hypercall entry, while a hostile
 * granter rewrites its entries between the ops and, in the threaded
 * variant, during them from pCPU 1's thread (the rewriter).  After
 * every step gnttab_check() and mm_check() must pass and no element may
 * carry a positive status (XSA-316); at the end every domain is destroyed
 * and the world must be as the input found it (fuzz_world.h).
 *
 * Input: a 4-byte header (variant flags, a destroy order, two spare
 * bytes), then steps of one op byte and eight argument bytes, read as a
 * stream that yields zeros when it runs out.  gen_seeds.py writes the seed
 * corpus in this format.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <common/errno.h>
#include <common/hypercall.h>
#include <hal_sim/sim.h>
#include <libgnttab/gnttab.h>
#include <libmm/mm.h>
#include <public/grant_table.h>

#include "gntlib.h"

#include "fuzz_stream.h"
#include "fuzz_world.h"

#define MAX_STEPS 48
/* RAM per guest: a small pool, so that ops collide and an input is cheap. */
#define FZ_RAM_FRAMES 16U
/*
 * Grant frames per guest: a small limit, so that setup_table's and the
 * growth paths' bound is reached often, and gnttab_check, which walks every
 * entry after every step, stays cheap (a table of Xen's default 64 frames
 * has 32768 entries).
 */
#define FZ_GRANT_FRAMES 4U
#define NR_HANDLES 32
#define FLAG_THREADED 0x1   /* hostile rewrites during every op */
#define FLAG_PREEMPT 0x2    /* force preemption inside batches */
#define FLAG_PV_MAPS 0x4    /* domains with HVCORE_GNTTAB_EXT_PV_MAPS */
#define FLAG_V1_ONLY 0x8    /* domains with max_grant_version 1 */

enum fz_op {
    FZ_GRANT,        /* permit_access, readonly or not */
    FZ_GRANT_V2,     /* sub-page or transitive (v2 tables) */
    FZ_GRANT_XFER,   /* accept_transfer */
    FZ_END,          /* end access */
    FZ_MAP,          /* a batch of up to 4 maps */
    FZ_UNMAP,        /* a batch of up to 4 unmaps of recorded handles */
    FZ_UNMAP_RAW,    /* unmap / unmap_and_replace with raw fields */
    FZ_COPY,         /* a batch of up to 4 copies */
    FZ_VERSION,      /* set_version */
    FZ_XFER,         /* transfer */
    FZ_SWAP,         /* swap_grant_ref */
    FZ_TABLE,        /* setup_table, query_size, get_status_frames */
    FZ_HOSTILE,      /* the granter rewrites entries now */
    FZ_NR_OPS,
};

struct mapping {
    struct gnt_guest *g;
    grant_handle_t h;
    uint64_t gfn, bus;
    bool live;
};

static const struct fuzz_world fw = {
    .target = "fuzz_gnttab_op", .mem_bytes = 8ULL << 20, .cpus = 2,
    .xsm = WORLD_XSM_DUMMY,
};

static struct gnt_guest dom[3];
static struct mapping maps[NR_HANDLES];

static void fail(const char *what, unsigned int step)
{
    char msg[96];

    snprintf(msg, sizeof(msg), "%s at step %u", what, step);
    fuzz_world_fail(&fw, msg);
}

/* The entry `ref` of `g` as the guest sees it now (v1 or v2 layout). */
static uint32_t *header(struct gnt_guest *g, grant_ref_t ref)
{
    return gnt_header(g, ref % (g->version == 1 ? 512 : 256));
}

/*
 * A guest write of a header.  Under v1 the reading/writing bits of a
 * permit_access or transitive entry belong to the hypervisor, so even a
 * hostile guest's update keeps them (it cannot make them lie without the
 * checker blaming us for it).  In an accept_transfer entry the same bits
 * are the transfer's committed/completed flags, which the guest consumes
 * by writing a fresh entry, so those are not kept; and so that the two
 * meanings never meet, the guest does not turn an entry the hypervisor
 * has pinned into an accept_transfer one.
 */
static void write_header(struct gnt_guest *g, grant_ref_t ref, uint32_t w)
{
    const uint32_t rw = GTF_reading | GTF_writing;
    uint32_t *p = header(g, ref), old = __atomic_load_n(p, __ATOMIC_RELAXED);
    uint32_t next;

    do
    {
        next = w;
        if ( g->version == 1 &&
             (old & GTF_type_mask) != GTF_accept_transfer )
        {
            if ( (old & rw) &&
                 (next & GTF_type_mask) == GTF_accept_transfer )
                next = (next & ~GTF_type_mask) | (old & GTF_type_mask);
            next = (next & ~rw) | (old & rw);
        }
        else if ( g->version == 1 &&
                  (next & GTF_type_mask) != GTF_accept_transfer )
            next &= ~rw; /* a transfer's flags consumed, not relabelled */
    } while ( !__atomic_compare_exchange_n(p, &old, next, false,
                                           __ATOMIC_SEQ_CST,
                                           __ATOMIC_SEQ_CST) );
}

static void write_entry(struct gnt_guest *g, grant_ref_t ref, uint16_t flags,
                        domid_t to, uint64_t frame, uint32_t extra)
{
    uint32_t *h = header(g, ref);

    if ( g->version == 1 )
        ((grant_entry_v1_t *)h)->frame = (uint32_t)frame;
    else
    {
        /* Bytes 4..7: sub-page offset and length, or the trans domid. */
        ((grant_entry_v2_t *)h)->full_page.frame = frame;
        __atomic_store_n(&h[1], extra, __ATOMIC_RELAXED);
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);
    write_header(g, ref, flags | ((uint32_t)to << 16));
}

/*
 * Before a version switch, the guest tidies its reserved entries (refs
 * 0..7), the ones Xen carries across, so that the checker cannot blame the
 * hypervisor for what the guest did to them:
 *  - v1 to v2: it consumes the transfers completed into them.  Xen carries
 *    their bits 3-4 into the v2 status words whatever the entry's type, so
 *    a completed accept_transfer would reappear as GTF_reading on an entry
 *    nobody pinned.
 *  - v2 to v1: an entry its status word shows pinned gets its
 *    permit_access type back.  Xen keeps only the reserved entries still of
 *    that type and clears the others, pinned or not, which would erase the
 *    hypervisor's reading/writing bits of an entry the guest retyped.
 * Version steps are never raced, so nothing rewrites the entries meanwhile.
 */
static void tidy_reserved_entries(struct gnt_guest *g)
{
    const uint32_t rw = GTF_reading | GTF_writing;
    const uint16_t *status = g->version == 2
                             ? gnt_frame(g, GNT_STATUS_GFN) : NULL;
    grant_ref_t ref;

    for ( ref = 0; ref < GNTTAB_NR_RESERVED_ENTRIES; ref++ )
    {
        uint32_t h = *header(g, ref);

        if ( !status )
        {
            if ( (h & GTF_type_mask) == GTF_accept_transfer )
                write_header(g, ref, GTF_invalid);
        }
        else if ( (status[ref] & rw) &&
                  (h & GTF_type_mask) != GTF_permit_access )
            write_header(g, ref, (h & ~GTF_type_mask) | GTF_permit_access);
    }
}

static domid_t pick_dom(uint8_t b)
{
    static const domid_t ids[] = { 1, 2, 3, DOMID_SELF, 9, DOMID_XEN };

    return ids[b % 6];
}

/* Small frame numbers: RAM, the tables, mapped grants, or nothing. */
static uint64_t pick_gfn(uint8_t b)
{
    if ( b < 200 )
        return b % FZ_RAM_FRAMES;
    if ( b < 230 )
        return GNT_MAP_GFN + b % 8;
    if ( b < 250 )
        return GNT_TABLE_GFN + b % 2;
    return 0xfffffffffULL;
}

static void check_status(int16_t st, unsigned int step)
{
    if ( st > 0 )
        fail("positive GNTST status", step);
}

struct hostile {
    struct gnt_guest *g;
    uint32_t seed;
    volatile int done;
};

/* Flips kind, domid and readonly bits of A's first entries. */
static void hostile_rewrite(struct hostile *h, unsigned int rounds)
{
    unsigned int i;

    for ( i = 0; i < rounds && !h->done; i++ )
    {
        grant_ref_t ref = (h->seed >> 3) % 24;
        uint32_t w = __atomic_load_n(header(h->g, ref), __ATOMIC_RELAXED);

        h->seed = h->seed * 1103515245U + 12345U;
        switch ( h->seed >> 29 )
        {
        case 0:
            w ^= GTF_readonly;
            break;
        case 1:
            w ^= 1U << 16;      /* grantee 2 <-> 3 */
            break;
        case 2:
            w = (w & ~GTF_type_mask) | ((h->seed >> 8) & GTF_type_mask);
            break;
        case 3:
            w ^= GTF_sub_page;
            break;
        default:
            break;              /* same value: still a racing write */
        }
        write_header(h->g, ref, w);
        /* On one core, let the op's thread run now and then: a race needs
         * it to make progress.  On several idle cores this returns at
         * once; on a loaded machine, rarely enough not to hand the core
         * to other processes at every write. */
        if ( (i & 15) == 15 )
            sched_yield();
    }
}

struct step_ctx {
    struct stream *s;
    uint8_t op;
    uint8_t a[8];
    unsigned int step;
    struct hostile *hostile;
};

static void run_step(struct step_ctx *c);

/*
 * The hostile granter's thread, pCPU 1: started by the first threaded step
 * of the process and offered one step at a time (starting a thread for
 * each step cost more than most steps).  It sleeps between steps.  A step
 * whose offer it has not taken by the time the step ends withdraws it, and
 * a step it took waits for it by spinning: on a loaded machine, waiting for
 * a sleeping thread to be scheduled cost more than the step.
 */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct hostile *offered; /* a step's, until taken or withdrawn */
    bool running;            /* the rewriter is racing a step */
    bool started;
} rewriter = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL,
               false, false };

static void *rewriter_main(void *arg)
{
    struct hostile *h;

    (void)arg;
    sim_cpu_bind(1);
    for ( ;; )
    {
        pthread_mutex_lock(&rewriter.lock);
        while ( !rewriter.offered )
            pthread_cond_wait(&rewriter.cond, &rewriter.lock);
        h = rewriter.offered;
        rewriter.offered = NULL;
        __atomic_store_n(&rewriter.running, true, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&rewriter.lock);
        hostile_rewrite(h, 100000);
        __atomic_store_n(&rewriter.running, false, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* Runs step `c` on this thread (pCPU 0) while the rewriter races it. */
static void run_step_raced(struct step_ctx *c)
{
    pthread_t t;

    if ( !rewriter.started )
    {
        if ( pthread_create(&t, NULL, rewriter_main, NULL) )
            fail("cannot start the rewriter", c->step);
        pthread_detach(t);
        rewriter.started = true;
    }
    c->hostile->done = 0;
    pthread_mutex_lock(&rewriter.lock);
    rewriter.offered = c->hostile;
    pthread_cond_signal(&rewriter.cond);
    pthread_mutex_unlock(&rewriter.lock);
    run_step(c);
    __atomic_store_n(&c->hostile->done, 1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&rewriter.lock);
    rewriter.offered = NULL; /* not taken: the step ran alone */
    pthread_mutex_unlock(&rewriter.lock);
    while ( __atomic_load_n(&rewriter.running, __ATOMIC_ACQUIRE) )
        sched_yield();
}

static void record(struct gnt_guest *g, grant_handle_t h, uint64_t gfn,
                   uint64_t bus, unsigned int slot)
{
    struct mapping *m = &maps[slot % NR_HANDLES];

    /* A slot in use keeps its mapping; the new one is just not recorded. */
    if ( m->live )
        return;
    *m = (struct mapping){ .g = g, .h = h, .gfn = gfn, .bus = bus,
                           .live = true };
}

static void op_map(struct step_ctx *c)
{
    struct gnttab_map_grant_ref m[4];
    struct gnt_guest *g = &dom[c->a[0] % 3];
    unsigned int n = 1 + c->a[1] % 4, i;

    for ( i = 0; i < n; i++ )
    {
        uint8_t f = c->a[2 + i];
        uint32_t flags = f & 7;

        if ( (f & 0xc0) == 0xc0 )
            flags |= (uint32_t)f << 8; /* unknown and PV-only bits */
        m[i] = (struct gnttab_map_grant_ref){
            .host_addr = (GNT_MAP_GFN + (uint64_t)((f >> 3) % 8)) << 12,
            .flags = flags, .ref = c->a[6] % 24 + i,
            .dom = pick_dom(c->a[7] + i), .status = 99 };
    }
    if ( gnt_op(g, 0, GNTTABOP_map_grant_ref, m, n, sizeof(m[0])) )
        fail("map hypercall failed", c->step);
    for ( i = 0; i < n; i++ )
    {
        check_status(m[i].status, c->step);
        if ( m[i].status == GNTST_okay )
            record(g, m[i].handle,
                   m[i].flags & GNTMAP_host_map ? m[i].host_addr >> 12 : 0,
                   m[i].flags & GNTMAP_device_map ? m[i].dev_bus_addr : 0,
                   m[i].handle);
    }
}

static void op_unmap(struct step_ctx *c)
{
    struct gnttab_unmap_grant_ref u[4];
    unsigned int n = 1 + c->a[0] % 4, i, slot[4];
    struct gnt_guest *g = NULL;

    for ( i = 0; i < n; i++ )
    {
        struct mapping *m;

        slot[i] = c->a[1 + i] % NR_HANDLES;
        m = &maps[slot[i]];
        if ( !m->live )
            return;
        if ( !g )
            g = m->g;
        if ( m->g != g )
            return;
        /* Bit 7: the host half only; bit 6: the device half only. */
        u[i] = (struct gnttab_unmap_grant_ref){
            .host_addr = c->a[1 + i] & 0x40 ? 0 : m->gfn << 12,
            .dev_bus_addr = c->a[1 + i] & 0x80 ? 0 : m->bus,
            .handle = m->h, .status = 99 };
    }
    if ( !g )
        return;
    if ( gnt_op(g, c->a[5] & 1, GNTTABOP_unmap_grant_ref, u, n,
                sizeof(u[0])) )
        fail("unmap hypercall failed", c->step);
    for ( i = 0; i < n; i++ )
    {
        struct mapping *m = &maps[slot[i]];

        check_status(u[i].status, c->step);
        if ( u[i].status != GNTST_okay )
            continue;
        if ( u[i].host_addr )
            m->gfn = 0;
        if ( u[i].dev_bus_addr )
            m->bus = 0;
        if ( !m->gfn && !m->bus )
            m->live = false;
    }
}

static void op_unmap_raw(struct step_ctx *c)
{
    struct gnt_guest *g = &dom[c->a[0] % 3];
    struct gnttab_unmap_and_replace r = {
        .host_addr = pick_gfn(c->a[1]) << 12,
        .new_addr = c->a[2] & 1 ? pick_gfn(c->a[3]) << 12 : 0,
        .handle = c->a[4] | ((uint32_t)c->a[5] << 8) |
                  (c->a[6] & 0x80 ? 0xffff0000U : 0),
        .status = 99 };
    struct mapping *m;
    unsigned int i;

    if ( gnt_op(g, 0, c->a[2] & 2 ? GNTTABOP_unmap_and_replace
                                  : GNTTABOP_unmap_grant_ref,
                &r, 1, sizeof(r)) )
        fail("unmap hypercall failed", c->step);
    check_status(r.status, c->step);
    if ( r.status != GNTST_okay )
        return;
    /* A raw unmap may have hit a recorded mapping: forget its host half. */
    for ( i = 0; i < NR_HANDLES; i++ )
    {
        m = &maps[i];
        if ( m->live && m->g == g && m->h == r.handle &&
             m->gfn << 12 == r.host_addr )
        {
            m->gfn = 0;
            if ( !m->bus )
                m->live = false;
        }
    }
    /*
     * unmap_and_replace moved g's grant mapping at new_addr to host_addr:
     * its record follows, so later unmaps of its handle name the new place.
     */
    if ( (c->a[2] & 2) && r.new_addr && r.new_addr != r.host_addr )
        for ( i = 0; i < NR_HANDLES; i++ )
        {
            m = &maps[i];
            if ( m->live && m->g == g && m->gfn << 12 == r.new_addr )
                m->gfn = r.host_addr >> 12;
        }
}

static void op_copy(struct step_ctx *c)
{
    struct gnttab_copy cp[4];
    struct gnt_guest *g = &dom[c->a[0] % 3];
    unsigned int n = 1 + c->a[1] % 4, i;

    for ( i = 0; i < n; i++ )
    {
        uint8_t f = c->a[2 + i];

        cp[i] = (struct gnttab_copy){
            .source = { .domid = f & 1 ? pick_dom(c->a[6]) : DOMID_SELF,
                        .offset = (uint16_t)((f & 0x30) << 6) },
            .dest = { .domid = f & 2 ? pick_dom(c->a[7]) : DOMID_SELF,
                      .offset = (uint16_t)((f & 0xc0) << 4) },
            .len = (uint16_t)(f & 4 ? 4096 >> (f & 3) : (f >> 2) * 17),
            .flags = f & 3, .status = 99 };
        if ( f & 1 )
            cp[i].source.u.ref = c->a[6] % 24;
        else
            cp[i].source.u.gmfn = pick_gfn(c->a[6] + i);
        if ( f & 2 )
            cp[i].dest.u.ref = c->a[7] % 24 + i;
        else
            cp[i].dest.u.gmfn = pick_gfn(c->a[7]);
        if ( (c->a[5] & 0xf0) == 0xf0 )
            cp[i].flags |= 0x8000; /* stray flag bits */
    }
    if ( gnt_op(g, 0, GNTTABOP_copy, cp, n, sizeof(cp[0])) )
        fail("copy hypercall failed", c->step);
    for ( i = 0; i < n; i++ )
        check_status(cp[i].status, c->step);
}

static void op_transfer(struct step_ctx *c)
{
    struct gnt_guest *g = &dom[c->a[0] % 3];
    struct gnttab_transfer t = {
        .mfn = pick_gfn(c->a[1]), .domid = pick_dom(c->a[2]),
        .ref = c->a[3] % 24, .status = 99 };
    unsigned int i;

    /* Never give away a frame the harness itself uses. */
    if ( t.mfn < 4 )
        return;
    for ( i = 0; i < NR_HANDLES; i++ )
        if ( maps[i].live && maps[i].g == g && maps[i].gfn == t.mfn )
            return;
    if ( gnt_op(g, 0, GNTTABOP_transfer, &t, 1, sizeof(t)) )
        fail("transfer hypercall failed", c->step);
    check_status(t.status, c->step);
}

static void op_table(struct step_ctx *c)
{
    struct gnt_guest *g = &dom[c->a[0] % 3];
    domid_t d = pick_dom(c->a[1]);

    switch ( c->a[2] % 3 )
    {
    case 0:
    {
        /* The frame list lands in the caller's gfn 2; nr_frames mostly
         * around the limit, sometimes far beyond it. */
        struct gnttab_setup_table st = {
            .dom = d,
            .nr_frames = c->a[3] & 0x80 ? c->a[3]
                                        : c->a[3] % (FZ_GRANT_FRAMES + 3),
            .frame_list = 2 << 12, .status = 99 };

        if ( gnt_op(g, 0, GNTTABOP_setup_table, &st, 1, sizeof(st)) )
            fail("setup_table failed", c->step);
        check_status(st.status, c->step);
        break;
    }
    case 1:
    {
        struct gnttab_query_size q = { .dom = d, .status = 99 };

        if ( gnt_op(g, 0, GNTTABOP_query_size, &q, 1, sizeof(q)) )
            fail("query_size failed", c->step);
        check_status(q.status, c->step);
        break;
    }
    default:
    {
        struct gnttab_get_status_frames gs = {
            .nr_frames = c->a[3] % 10, .dom = d, .frame_list = 2 << 12,
            .status = 99 };

        if ( gnt_op(g, 0, GNTTABOP_get_status_frames, &gs, 1, sizeof(gs)) )
            fail("get_status_frames failed", c->step);
        check_status(gs.status, c->step);
        break;
    }
    }
}

static void run_step(struct step_ctx *c)
{
    struct gnt_guest *g = &dom[c->a[0] % 3];
    grant_ref_t ref = c->a[1] % 24;

    switch ( c->op % FZ_NR_OPS )
    {
    case FZ_GRANT:
        write_entry(g, ref, GTF_permit_access |
                                (c->a[2] & 1 ? GTF_readonly : 0),
                    pick_dom(c->a[3]), pick_gfn(c->a[4]), 0);
        break;
    case FZ_GRANT_V2:
        if ( c->a[2] & 1 )
            write_entry(g, ref, GTF_permit_access | GTF_sub_page,
                        pick_dom(c->a[3]), pick_gfn(c->a[4]),
                        (uint32_t)c->a[5] << 4 | (uint32_t)c->a[6] << 20);
        else
            write_entry(g, ref, GTF_transitive, pick_dom(c->a[3]),
                        c->a[6] % 24, pick_dom(c->a[5]));
        break;
    case FZ_GRANT_XFER:
        write_entry(g, ref, GTF_accept_transfer, pick_dom(c->a[3]),
                    FZ_RAM_FRAMES + c->a[4] % 16, 0);
        break;
    case FZ_END:
        (void)gnt_end_access(g, ref);
        break;
    case FZ_MAP:
        op_map(c);
        break;
    case FZ_UNMAP:
        op_unmap(c);
        break;
    case FZ_UNMAP_RAW:
        op_unmap_raw(c);
        break;
    case FZ_COPY:
        op_copy(c);
        break;
    case FZ_VERSION:
    {
        long rc;

        tidy_reserved_entries(g);
        rc = gnt_set_version(g, c->a[1] % 4);

        if ( rc > 0 || rc == -1000 )
            fail("set_version", c->step);
        break;
    }
    case FZ_XFER:
        op_transfer(c);
        break;
    case FZ_SWAP:
    {
        struct gnttab_swap_grant_ref s = {
            .ref_a = ref, .ref_b = c->a[2] & 0x80 ? 0x10000U : c->a[2] % 24,
            .status = 99 };

        if ( gnt_op(g, 0, GNTTABOP_swap_grant_ref, &s, 1, sizeof(s)) )
            fail("swap failed", c->step);
        check_status(s.status, c->step);
        break;
    }
    case FZ_TABLE:
        op_table(c);
        break;
    default:
        c->hostile->seed ^= c->a[2] | (uint32_t)c->a[3] << 8;
        hostile_rewrite(c->hostile, 1 + c->a[4] % 8);
        break;
    }
}

static void check(const char *what, unsigned int step)
{
    if ( gnttab_check() )
        fail(what, step);
    if ( mm_check() )
        fail("mm_check", step);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stream s = { .p = data, .left = size };
    uint8_t flags = get8(&s), order = get8(&s);
    struct hostile hostile = { .g = &dom[0], .seed = 1 };
    struct domain_config cfg;
    unsigned int step, i;

    (void)getn(&s, 2);
    fuzz_world_enter(&fw);
    domain_config_default(&cfg);
    cfg.max_vcpus = 2;
    cfg.max_pages = 4096;
    cfg.max_grant_frames = FZ_GRANT_FRAMES;
    if ( flags & FLAG_PV_MAPS )
        cfg.gnttab_ext = HVCORE_GNTTAB_EXT_PV_MAPS;
    if ( flags & FLAG_V1_ONLY )
        cfg.max_grant_version = 1;
    memset(maps, 0, sizeof(maps));
    for ( i = 0; i < 3; i++ )
        if ( gnt_guest_create_ram(&dom[i], (domid_t)(i + 1), &cfg,
                                  FZ_RAM_FRAMES) )
            fail("creating a guest failed", 0);

    for ( step = 0; step < MAX_STEPS && s.left; step++ )
    {
        struct step_ctx c = { .s = &s, .op = get8(&s), .step = step,
                              .hostile = &hostile };

        for ( i = 0; i < 8; i++ )
            c.a[i] = get8(&s);
        if ( flags & FLAG_PREEMPT )
            hypercall_force_preempt(1 + c.a[7] % 3);
        if ( (flags & FLAG_THREADED) && c.op % FZ_NR_OPS != FZ_VERSION )
            run_step_raced(&c);
        else
            run_step(&c);
        check("gnttab_check", step);
    }

    /* Tear down in the order the header asks for; nothing may stay. */
    for ( i = 0; i < 3; i++ )
    {
        gnt_guest_destroy(&dom[(order + i) % 3]);
        check("gnttab_check after destroy", step + i);
    }
    fuzz_world_leave(&fw);
    return 0;
}
