/* SPDX-License-Identifier: MIT */
/*
 * libgnttab's security history, the races (reference/gnttab.md §4): the
 * past bugs that needed two CPUs, each as pCPU threads (sim_run_cpus)
 * hammering the racing operations for a bounded number of iterations.
 * Threads only count; the main thread asserts after every round: each
 * status is in the allowed set, data read through a grant is the granted
 * data, pins, status bits and nr_v2_ops are back at rest, gnttab_check()
 * and mm_check() pass, and pages are neither leaked nor freed early.
 *
 *   XSA-73   transfer against the recipient's version switches and
 *            growth (grant write lock, then its page lock) and against
 *            its destruction
 *   XSA-384/486  add_to_physmap of a status frame against v2 <-> v1
 *   XSA-501  maps of reserved refs (which survive a switch) and of refs
 *            only one version has, against switches; transitive and
 *            sub-page copies against switches of the middle domain
 *   XSA-411  (with 501) transitive copies both ways between two domains
 *            whose grant locks writers keep taking: two grant locks held
 *            at once would deadlock against the waiting writers
 *   XSA-218/236  maps, unmaps and copies against the granter's
 *            destruction
 *   236's rule for the caller's own frames: copies into 16 of them per
 *            batch, held by a P2M removal hold instead of references,
 *            against decrease_reservation of those frames: no write lands
 *            in a frame after it left the domain; and a batch that finds
 *            such a removal under way takes references instead
 *
 * A deadlock ends the run through a watchdog instead of the ctest timeout.
 * Iteration counts are scaled down under Valgrind.
 */
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <common/errno.h>
#include <common/hypercall.h>
#include <hal_sim/sim.h>
#include <libgnttab/gnttab.h>
#include <libmm/mm.h>
#include <public/memory.h>

#include "gnttab_fixture.h"

static bool under_valgrind(void)
{
    const char *v = getenv("HVCORE_UNDER_VALGRIND");

    return v && *v && *v != '0';
}

/** `native` iterations, a quarter (at least 2) under Valgrind. */
static unsigned int iters(unsigned int native)
{
    unsigned int n = under_valgrind() ? native / 4 : native;

    return n < 2 ? 2 : n;
}

static void watchdog_fired(int sig)
{
    static const char msg[] =
        "watchdog: the pCPU threads did not finish (a deadlock?)\n";

    (void)sig;
    if ( write(2, msg, sizeof(msg) - 1) < 0 )
        _exit(3);
    _exit(2);
}

/** sim_run_cpus under a watchdog: a deadlock fails fast and says so. */
static void run_cpus(unsigned int n, void (*fn)(unsigned int, void *),
                     void *arg)
{
    signal(SIGALRM, watchdog_fired);
    alarm(under_valgrind() ? 240 : 60);
    sim_run_cpus(n, fn, arg);
    alarm(0);
}

/**
 * Waits for *p >= v: spinning a while (a yield on a busy host can cost a
 * time slice, and the partner is usually microseconds away), then
 * yielding (Valgrind runs one thread at a time).
 */
static void wait_for(const unsigned int *p, unsigned int v)
{
    unsigned int spins = 0;

    while ( __atomic_load_n(p, __ATOMIC_ACQUIRE) < v )
    {
        if ( ++spins < 4096 )
            __builtin_ia32_pause();
        else
            sched_yield();
    }
}

static void publish_progress(unsigned int *p, unsigned int v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/**
 * Lets the other threads of a round run now and then (every time under
 * Valgrind, which runs one thread at a time; natively a yield on a busy
 * host can cost a whole time slice).
 */
static void pace(unsigned int i)
{
    if ( under_valgrind() || i % 16 == 15 )
        sched_yield();
}

/** Lines the `n` threads of a round up, so they really run together. */
static void start_line(unsigned int *ready, unsigned int n)
{
    __atomic_fetch_add(ready, 1, __ATOMIC_ACQ_REL);
    wait_for(ready, n);
}

/**
 * Waits a while that varies with `i`: a spin of up to some tens of
 * microseconds, after giving the host CPU away every other time (so a
 * partner thread sharing the host core gets to run meanwhile).
 */
static void vary_delay(unsigned int i)
{
    unsigned int k, n = (i * 2654435761U) % 4096U;

    if ( i & 2 )
        sched_yield();
    for ( k = 0; k < n; k++ )
        __builtin_ia32_pause();
}

/* ---- XSA-73 (and 501's transfer half): transfer against the recipient. */

#define XFER_SRC_GFN 30U       /* the sender's page, refilled each time */
#define XFER_GFN 0x100U        /* where the recipient takes page i */
#define XFER_MAX 160U

struct xfer_race {
    struct gnt_guest *snd, *rcv;
    unsigned int n;
    unsigned int ready, offered, done; /* handshake: iterations */
    int16_t status[XFER_MAX];
    bool switched[XFER_MAX];         /* the recipient switched during i */
    unsigned long ok, err_kept, err_freed, switches, grows, bad;
};

static grant_ref_t xfer_ref(unsigned int i)
{
    /*
     * A reserved ref (survives v1 -> v2) and an ordinary one, each met by
     * switches both ways (every third iteration switches, alternately).
     */
    return (i / 6) & 1 ? 20 + i % 8 : 3;
}

/** The sender's page for transfer `i`: present, with a marker. */
static bool xfer_fill(struct gnt_guest *g, unsigned int i)
{
    unsigned long done;
    char *p = gnt_frame(g, XFER_SRC_GFN);

    if ( !p )
    {
        if ( mm_populate_physmap(g->d, _gfn(XFER_SRC_GFN), 1, 0, &done) ||
             done != 1 )
            return false;
        p = gnt_frame(g, XFER_SRC_GFN);
    }
    memset(p, 0, PAGE_SIZE);
    snprintf(p, 32, "transfer %u", i);
    return true;
}

static bool xfer_marked(const char *p, unsigned int i)
{
    char want[32];

    snprintf(want, sizeof(want), "transfer %u", i);
    return p && !strcmp(p, want);
}

static void xfer_sender(struct xfer_race *r)
{
    unsigned int i;

    start_line(&r->ready, 2);
    for ( i = 0; i < r->n; i++ )
    {
        struct gnttab_transfer t = {
            .mfn = XFER_SRC_GFN, .domid = r->rcv->d->domain_id,
            .ref = xfer_ref(i), .status = 99 };

        if ( !xfer_fill(r->snd, i) )
            r->bad++;
        wait_for(&r->offered, i + 1);
        if ( gnt_op(r->snd, 0, GNTTABOP_transfer, &t, 1, sizeof(t)) )
            r->bad++;
        r->status[i] = t.status;
        publish_progress(&r->done, i + 1);
    }
}

/**
 * The recipient offers entry i, then (while the sender transfers) switches
 * its version, grows its table, or does nothing, then checks what came.
 */
static void xfer_receiver(struct xfer_race *r)
{
    struct gnt_guest *g = r->rcv;
    unsigned int i;

    start_line(&r->ready, 2);
    for ( i = 0; i < r->n; i++ )
    {
        grant_ref_t ref = xfer_ref(i);
        uint64_t gfn = XFER_GFN + i;
        int claim;
        char *p;

        gnt_grant_transfer(g, ref, r->snd->d->domain_id, gfn);
        publish_progress(&r->offered, i + 1);
        r->switched[i] = false;
        if ( i % 3 == 0 )
        {
            /*
             * Grant lock (write), then the page lock for status frames;
             * early or late in the transfer, varying.
             */
            vary_delay(i);
            if ( gnt_set_version(g, 3 - g->version) )
                r->bad++;
            r->switched[i] = true;
            r->switches++;
        }
        else if ( i % 3 == 1 && g->nr_frames < 6 )
        {
            if ( gnt_map_table(g, g->nr_frames + 1) )
                r->bad++;
            r->grows++;
        }
        wait_for(&r->done, i + 1);

        p = gnt_frame(g, gfn);
        claim = gnt_claim_transfer(g, ref);
        if ( r->status[i] == GNTST_okay )
        {
            /* The page is there; the entry completed unless wiped since. */
            r->ok++;
            if ( !xfer_marked(p, i) ||
                 (r->switched[i] ? claim == 0 : claim != 1) )
                r->bad++;
        }
        else if ( r->status[i] == GNTST_general_error && r->switched[i] )
        {
            /*
             * The switch wiped the entry before it was committed (the page
             * is freed), or came between commit and completion (XSA-501:
             * the page is the recipient's, the entry never completes).
             */
            if ( claim == 1 || (p && !xfer_marked(p, i)) )
                r->bad++;
            if ( claim == 0 )
                *gnt_header(g, ref) = 0; /* committed, never completed */
            if ( p )
                r->err_kept++;
            else
                r->err_freed++;
        }
        else
            r->bad++;
        if ( p && mm_decrease_reservation(g->d, _gfn(gfn), 0) )
            r->bad++;
    }
}

static void xfer_race_cpu(unsigned int cpu, void *arg)
{
    if ( cpu == 0 )
        xfer_sender(arg);
    else
        xfer_receiver(arg);
}

/*
 * XSA-73: a transfer takes the recipient's page lock (assign) and its
 * grant lock (commit, complete) but never one inside the other, while
 * version switches and growth take the grant write lock and then the
 * page lock; a transfer across a switch fails with general_error and
 * never marks an entry of the new layout complete (XSA-501).  A(1) sends,
 * B(2) receives and switches or grows between offer and check.
 */
static void test_xsa73_transfer_vs_switch(void **state)
{
    static struct xfer_race r;
    unsigned int round, rounds = under_valgrind() ? 2 : 4;
    uint64_t a_pages = mm_domain_tot_pages(A.d);
    uint64_t b_pages = mm_domain_tot_pages(B.d);

    (void)state;
    for ( round = 0; round < rounds; round++ )
    {
        struct gnttab_stats s0, s1;

        gnttab_get_stats(&s0);
        memset(&r, 0, sizeof(r));
        r.snd = &A;
        r.rcv = &B;
        r.n = iters(XFER_MAX);
        run_cpus(2, xfer_race_cpu, &r);
        gnttab_get_stats(&s1);
        print_message("XSA-73 round %u: %lu ok, %lu general_error (%lu "
                      "kept, %lu freed), %lu switches, %lu grows\n", round,
                      r.ok, r.err_kept + r.err_freed, r.err_kept,
                      r.err_freed, r.switches, r.grows);
        assert_int_equal(r.bad, 0);
        assert_int_equal(r.ok + r.err_kept + r.err_freed, r.n);
        /* Without a switch, every transfer completes. */
        assert_true(r.ok >= r.n - r.switches);
        /* Each page went to the recipient or back to the heap, once. */
        assert_int_equal(s1.transfers - s0.transfers, r.ok + r.err_kept);
        assert_int_equal(s1.transfer_freed - s0.transfer_freed,
                         r.err_freed);
        assert_true(xfer_fill(&A, 0));
        assert_int_equal(mm_domain_tot_pages(A.d), a_pages);
        assert_int_equal(mm_domain_tot_pages(B.d), b_pages);
        assert_int_equal(info_of(&B).nr_v2_ops, 0);
        checks();
    }
}

struct xfer_death {
    struct gnt_guest *snd, *rcv;
    struct domain *rd;
    unsigned int n, ready, done;
    int16_t status[XFER_MAX];
    int destroy_rc;
    unsigned long bad;
};

static void xfer_death_cpu(unsigned int cpu, void *arg)
{
    struct xfer_death *r = arg;
    unsigned int i;

    start_line(&r->ready, 2);
    if ( cpu == 1 )
    {
        /* The toolstack destroys the recipient a quarter of the way in. */
        wait_for(&r->done, r->n / 4);
        do
            r->destroy_rc = domain_destroy(r->rd);
        while ( r->destroy_rc == -ERESTART );
        return;
    }
    for ( i = 0; i < r->n; i++ )
    {
        struct gnttab_transfer t = {
            .mfn = XFER_SRC_GFN, .domid = r->rd->domain_id,
            .ref = 8 + i, .status = 99 };

        if ( !xfer_fill(r->snd, i) )
            r->bad++;
        if ( gnt_op(r->snd, 0, GNTTABOP_transfer, &t, 1, sizeof(t)) )
            r->bad++;
        r->status[i] = t.status;
        publish_progress(&r->done, i + 1);
        sched_yield(); /* let the destroyer in */
    }
}

/*
 * XSA-73, the recipient's end: a dying recipient takes no page (checked
 * under its page lock), and whatever it took before dies with it.  A
 * sends a run of transfers to B's offered entries while the toolstack
 * destroys B: transfers before the destruction complete, later ones get
 * bad_domain or general_error, and once B is gone every page is back.
 */
static void test_xsa73_transfer_vs_destroy(void **state)
{
    static struct xfer_death r;
    unsigned int round, i, rounds = under_valgrind() ? 2 : 6;
    uint64_t base;

    (void)state;
    gnt_guest_destroy(&B);
    base = domain_pages_now();
    for ( round = 0; round < rounds; round++ )
    {
        unsigned long ok = 0, refused = 0;

        assert_int_equal(gnt_guest_create(&B, 2, 2), 0);
        memset(&r, 0, sizeof(r));
        r.snd = &A;
        r.rcv = &B;
        r.rd = B.d;
        r.n = iters(64);
        for ( i = 0; i < r.n; i++ )
            gnt_grant_transfer(&B, 8 + i, 1, XFER_GFN + i);
        run_cpus(2, xfer_death_cpu, &r);
        assert_int_equal(r.bad, 0);
        assert_int_equal(r.destroy_rc, 0);
        for ( i = 0; i < r.n; i++ )
        {
            if ( i < r.n / 4 )
                assert_int_equal(r.status[i], GNTST_okay);
            if ( r.status[i] == GNTST_okay )
                ok++;
            else if ( r.status[i] == GNTST_bad_domain ||
                      r.status[i] == GNTST_general_error )
                refused++;
            else
                fail_msg("transfer %u: status %d", i, r.status[i]);
        }
        /* Once refused, always refused: B does not come back to life. */
        for ( i = 1; i < r.n; i++ )
            assert_false(r.status[i - 1] && !r.status[i]);
        print_message("XSA-73 destroy round %u: %lu ok, %lu refused\n",
                      round, ok, refused);
        put_domain(B.d);
        B.d = NULL;
        assert_true(xfer_fill(&A, 0));
        assert_int_equal(domain_pages_now(), base);
        checks();
    }
}

/* ---- XSA-384/486: a status frame's add_to_physmap against switches. */

#define ST_GFN_X 0x1900U
#define ST_GFN_Y 0x1a00U
#define GT_GFN_X 0x1c00U
#define GT_GFN_Y 0x1d00U

struct physmap_race {
    struct gnt_guest *g, *mapper;
    unsigned int n;
    unsigned int ready, stop;
    unsigned long mapped, refused, switches, maps, bad;
};

static void physmap_race_cpu(unsigned int cpu, void *arg)
{
    struct physmap_race *r = arg;
    unsigned int i;

    start_line(&r->ready, 3);
    if ( cpu == 0 )
    {
        /*
         * vCPU 0 of the granter: the status frame (and grant frame 1),
         * at least n times and until the other vCPU switched n/4 times.
         */
        for ( i = 0; i < r->n || __atomic_load_n(&r->switches,
                                                 __ATOMIC_RELAXED) < r->n / 4;
              i++ )
        {
            long rc = physmap_on(r->g, 0, XENMAPIDX_grant_table_status,
                                 i & 1 ? ST_GFN_X : ST_GFN_Y);

            if ( rc == 0 )
                r->mapped++;
            else if ( rc == -EINVAL )
                r->refused++;   /* v1 at that moment: no status frame */
            else
                r->bad++;
            if ( (i & 3) == 3 &&
                 physmap_on(r->g, 0, 1, i & 4 ? GT_GFN_X : GT_GFN_Y) )
                r->bad++;
        }
        __atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
        return;
    }
    if ( cpu == 1 )
    {
        /* vCPU 1 of the granter: v2 <-> v1 as fast as it can. */
        unsigned int v = 2;

        while ( !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) )
        {
            struct gnttab_set_version s = { .version = v == 2 ? 1 : 2 };

            if ( gnt_op(r->g, 1, GNTTABOP_set_version, &s, 1, sizeof(s)) ||
                 s.version == v )
                r->bad++;
            v = s.version;
            __atomic_fetch_add(&r->switches, 1, __ATOMIC_RELAXED);
            pace(v + (unsigned int)r->switches); /* others: each version */
        }
        return;
    }
    /* The mapper: writes into the status frame of the moment. */
    while ( !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) )
    {
        grant_handle_t h = 0;

        if ( map_on(r->mapper, 0, r->g->d->domain_id, 2, GNTMAP_host_map,
                     GNT_MAP_GFN, &h, NULL) != GNTST_okay ||
             unmap_on(r->mapper, 0, h, GNT_MAP_GFN, 0) != GNTST_okay )
            r->bad++;
        r->maps++;
    }
}

/** Where A's status frame 0 is mapped (get_status_frames), or ~0. */
static uint64_t status_gfn_of(struct gnt_guest *g)
{
    struct gnttab_get_status_frames gs = { .nr_frames = 1,
                                           .dom = DOMID_SELF,
                                           .frame_list = 4 << 12,
                                           .status = 99 };
    uint64_t *list = gnt_frame(g, 4);

    assert_int_equal(gnt_op(g, 0, GNTTABOP_get_status_frames, &gs, 1,
                            sizeof(gs)), 0);
    assert_int_equal(gs.status, GNTST_okay);
    return list[0];
}

/*
 * XSA-384/486: the status frame the guest asks to map stays allocated
 * until it is in the P2M, and a switch to v1 removes it from wherever it
 * was put: the grant write lock is held across the whole add_to_physmap.
 * vCPU 0 of A maps its status frame at alternating gfns (and grant frame
 * 1), vCPU 1 flips v2 <-> v1, B maps A's reserved ref 2 (so the status
 * frame is written meanwhile).  After each round: under v1 neither gfn
 * maps anything; under v2 the live status frame is at one gfn at most
 * (XSA-379), and it is the one B's next mapping sets reading/writing in.
 */
static void test_xsa384_486_physmap_vs_switch(void **state)
{
    static struct physmap_race r;
    unsigned int round, rounds = under_valgrind() ? 3 : 8;
    struct page_info *seen[2] = { NULL, NULL };

    (void)state;
    gnt_grant_access(&A, 2, 2, 10, false);
    assert_int_equal(gnt_set_version(&A, 2), 0);
    for ( round = 0; round < rounds; round++ )
    {
        struct gnttab_info info;
        unsigned int k;

        memset(&r, 0, sizeof(r));
        r.g = &A;
        r.mapper = &B;
        r.n = iters(200);
        run_cpus(3, physmap_race_cpu, &r);
        print_message("XSA-384 round %u: %lu mapped, %lu refused (v1), "
                      "%lu switches, %lu maps of ref 2\n", round, r.mapped,
                      r.refused, r.switches, r.maps);
        assert_int_equal(r.bad, 0);
        assert_true(r.mapped + r.refused >= r.n);
        assert_true(r.switches >= r.n / 4);
        checks();

        info = info_of(&A);
        /* gntlib's view follows the version the race left. */
        A.version = info.version;
        A.nr_status = 0;
        if ( info.version == 1 )
        {
            assert_int_equal(info.nr_status_frames, 0);
            assert_null(gnt_frame(&A, ST_GFN_X));
            assert_null(gnt_frame(&A, ST_GFN_Y));
            assert_null(gnt_frame(&A, GNT_STATUS_GFN));
        }
        else
        {
            uint64_t at = status_gfn_of(&A);
            grant_handle_t h = 0;
            grant_status_t *st;
            unsigned int where = 0;

            assert_int_equal(info.nr_status_frames, 1);
            where += gnt_frame(&A, ST_GFN_X) != NULL;
            where += gnt_frame(&A, ST_GFN_Y) != NULL;
            where += gnt_frame(&A, GNT_STATUS_GFN) != NULL;
            if ( at == ~0ULL )
                assert_int_equal(where, 0);
            else
            {
                assert_int_equal(where, 1);
                assert_true(at == ST_GFN_X || at == ST_GFN_Y);
                st = gnt_frame(&A, at);
                assert_non_null(st);
                assert_int_equal(st[2], 0);
                assert_int_equal(map_on(&B, 0, 1, 2, GNTMAP_host_map,
                                        GNT_MAP_GFN, &h, NULL), GNTST_okay);
                assert_int_equal(st[2], GTF_reading | GTF_writing);
                assert_int_equal(unmap_on(&B, 0, h, GNT_MAP_GFN, 0),
                                 GNTST_okay);
                assert_int_equal(st[2], 0);
                /* Keep the page to check it is freed by the next switch. */
                for ( k = 0; k < 2 && seen[k]; k++ )
                    ;
                if ( k < 2 )
                    seen[k] = gfn_page(&A, at);
            }
        }
        /* The reserved entry kept its grant through every conversion. */
        assert_int_equal(gnt_flags(&A, 2), GTF_permit_access);
        assert_int_equal(gnttab_debug_pin(A.d, 2), 0);
        /* Back to a known state: v2, frames where gntlib keeps them. */
        assert_int_equal(gnt_set_version(&A, 1), 0);
        assert_null(gnt_frame(&A, ST_GFN_X));
        assert_null(gnt_frame(&A, ST_GFN_Y));
        mm_deferred_flush();
        for ( k = 0; k < 2; k++ )
            if ( seen[k] )
                assert_int_equal(page_state(seen[k]), PGC_state_free);
        seen[0] = seen[1] = NULL;
        assert_int_equal(gnt_set_version(&A, 2), 0);
        checks();
    }
}

/* ---- XSA-501: maps of refs a switch keeps, or only one version has. */

#define RSV_REF 2U      /* reserved: survives every conversion */
#define LOW_REF 9U      /* ordinary: wiped by a switch, regranted */
#define HIGH_REF 300U   /* exists under v1 (512 entries) only (256 in v2) */

struct rsv_race {
    struct gnt_guest *granter, *mapper;
    unsigned int n;
    unsigned int ready, mappers_done;
    uint64_t mfn[3];                /* frames of RSV, LOW, HIGH refs */
    unsigned long ok[3], refused[3], switches, busy, bad;
};

static const uint32_t rsv_flags[] = {
    GNTMAP_host_map,
    GNTMAP_host_map | GNTMAP_readonly,
    GNTMAP_device_map,
    GNTMAP_device_map | GNTMAP_readonly,
    GNTMAP_host_map | GNTMAP_device_map,
};

static const char *const rsv_text[3] = { "reserved ref", "low ref",
                                         "high ref" };

/** The granter (re)grants what a switch wiped. */
static void rsv_grant(struct gnt_guest *g)
{
    gnt_grant_access(g, LOW_REF, 2, 11, false);
    if ( g->version == 1 )
        gnt_grant_access(g, HIGH_REF, 2, 12, false);
}

static void rsv_race_cpu(unsigned int cpu, void *arg)
{
    struct rsv_race *r = arg;
    unsigned int i;

    start_line(&r->ready, 3);
    if ( cpu == 2 )
    {
        /* vCPU 0 of the granter switches until both mappers are done. */
        while ( __atomic_load_n(&r->mappers_done, __ATOMIC_ACQUIRE) < 2 )
        {
            long rc = gnt_set_version(r->granter, 3 - r->granter->version);

            if ( rc == 0 )
            {
                r->switches++;
                rsv_grant(r->granter);
            }
            else if ( rc == -EBUSY )
                r->busy++;      /* LOW_REF or HIGH_REF pinned */
            else
                r->bad++;
            pace(r->switches + r->busy); /* the mappers: each version */
        }
        /* End at v1 with everything granted, for the checks. */
        if ( gnt_set_version(r->granter, 1) )
            r->bad++;
        rsv_grant(r->granter);
        return;
    }
    for ( i = 0; i < r->n; i++ )
    {
        unsigned int which = i % 5 == 4 ? 1 : i % 7 == 6 ? 2 : 0;
        grant_ref_t ref = which == 0 ? RSV_REF
                                     : which == 1 ? LOW_REF : HIGH_REF;
        uint32_t flags = rsv_flags[(i + cpu) % 5];
        uint64_t gfn = GNT_MAP_GFN + cpu, bus = 0;
        grant_handle_t h = 0;
        int16_t st = map_on(r->mapper, cpu, 1, ref, flags, gfn, &h, &bus);

        if ( st == GNTST_okay )
        {
            const char *p = gnt_frame(r->mapper, gfn);

            __atomic_fetch_add(&r->ok[which], 1, __ATOMIC_RELAXED);
            if ( (flags & GNTMAP_host_map) &&
                 (!p || strcmp(p, rsv_text[which])) )
                __atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
            if ( (flags & GNTMAP_device_map) && bus != r->mfn[which] << 12 )
                __atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
            if ( unmap_on(r->mapper, cpu, h,
                          flags & GNTMAP_host_map ? gfn : 0,
                          flags & GNTMAP_device_map ? bus : 0) !=
                 GNTST_okay )
                __atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
        }
        else if ( which != 0 &&
                  (st == GNTST_general_error ||
                   (which == 2 && st == GNTST_bad_gntref)) )
            __atomic_fetch_add(&r->refused[which], 1, __ATOMIC_RELAXED);
        else
            __atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
    }
    __atomic_fetch_add(&r->mappers_done, 1, __ATOMIC_RELEASE);
}

/*
 * XSA-501, map and unmap: a switch changes where reading/writing live and
 * how many refs exist, and pinned reserved refs do not hold it back.  Two
 * vCPUs of B map and unmap A's reserved ref 2 (every mapping kind; always
 * okay), ref 9 (wiped by each switch and granted again: okay or
 * general_error) and ref 300 (v1 only: okay, bad_gntref or general_error)
 * while A switches versions (0, or -EBUSY while 9 or 300 is pinned).
 * After each round the status bits sit at rest in the layout in force.
 */
static void test_xsa501_map_vs_switch(void **state)
{
    static struct rsv_race r;
    unsigned int round, rounds = under_valgrind() ? 2 : 6;

    (void)state;
    strcpy(gnt_frame(&A, 10), rsv_text[0]);
    strcpy(gnt_frame(&A, 11), rsv_text[1]);
    strcpy(gnt_frame(&A, 12), rsv_text[2]);
    gnt_grant_access(&A, RSV_REF, 2, 10, false);
    rsv_grant(&A);
    for ( round = 0; round < rounds; round++ )
    {
        unsigned int k;

        memset(&r, 0, sizeof(r));
        r.granter = &A;
        r.mapper = &B;
        r.n = iters(240);
        for ( k = 0; k < 3; k++ )
            r.mfn[k] = mfn_x(p2m_lookup(A.d, _gfn(10 + k), NULL));
        run_cpus(3, rsv_race_cpu, &r);
        print_message("XSA-501 map round %u: ok %lu/%lu/%lu, refused "
                      "%lu/%lu, %lu switches, %lu busy\n", round, r.ok[0],
                      r.ok[1], r.ok[2], r.refused[1], r.refused[2],
                      r.switches, r.busy);
        assert_int_equal(r.bad, 0);
        assert_int_equal(r.ok[0] + r.ok[1] + r.ok[2] + r.refused[1] +
                         r.refused[2], 2 * r.n);
        assert_int_equal(info_of(&A).version, 1);
        assert_int_equal(gnttab_debug_pin(A.d, RSV_REF), 0);
        assert_int_equal(gnttab_debug_pin(A.d, LOW_REF), 0);
        assert_int_equal(gnttab_debug_pin(A.d, HIGH_REF), 0);
        assert_int_equal(gnt_flags(&A, RSV_REF), GTF_permit_access);
        assert_int_equal(gnt_flags(&A, LOW_REF), GTF_permit_access);
        assert_int_equal(gnt_flags(&A, HIGH_REF), GTF_permit_access);
        assert_int_equal(info_of(&B).maptrack_in_use, 0);
        assert_null(gnt_frame(&B, GNT_MAP_GFN));
        assert_null(gnt_frame(&B, GNT_MAP_GFN + 1));
        checks();
        /* Every entry still works and is revocable. */
        for ( k = 0; k < 3; k++ )
        {
            grant_ref_t ref = k == 0 ? RSV_REF : k == 1 ? LOW_REF : HIGH_REF;
            grant_handle_t h = 0;

            assert_int_equal(gnt_map(&B, 1, ref, GNT_MAP_GFN,
                                     GNTMAP_host_map, &h, NULL), GNTST_okay);
            assert_string_equal(gnt_frame(&B, GNT_MAP_GFN), rsv_text[k]);
            assert_int_equal(gnt_unmap(&B, h, GNT_MAP_GFN, 0), GNTST_okay);
        }
        checks();
    }
    for ( round = 0; round < 3; round++ )
        assert_int_equal(gnt_end_access(&A, round == 0 ? RSV_REF
                                            : round == 1 ? LOW_REF
                                                         : HIGH_REF), 0);
    checks();
}

/* ---- XSA-501 and 411: transitive and sub-page copies against switches. */

#define TR_A_REF 8U     /* A: transitive for C, through B's ref 9 */
#define TR_B_INNER 9U   /* B: granted to A */
#define SUB_A_REF 10U   /* A: sub-page for C */
#define TR_B_REF 12U    /* B: transitive for C, through A's ref 13 */
#define TR_A_INNER 13U  /* A: granted to B */
#define SUB_OFF 256U
#define SUB_LEN 64U

struct trans_race {
    struct gnt_guest *a, *b, *c;
    unsigned int n;
    unsigned int ready, copiers_done, attempts;
    unsigned long ok[3], refused[3];
    unsigned long switches, busy, again, swaps, bad;
};

/** A's grants a switch wipes, for its version in force. */
static void trans_grant_a(struct gnt_guest *a)
{
    gnt_grant_access(a, TR_A_INNER, 2, 14, false);
    if ( a->version == 2 )
    {
        gnt_grant_transitive(a, TR_A_REF, 3, 2, TR_B_INNER);
        gnt_grant_sub_page(a, SUB_A_REF, 3, 15, SUB_OFF, SUB_LEN);
    }
}

static const char *const trans_text[3] = {
    "B's page, through A", "A's sub-page", "A's page, through B" };

/** One copy by `vcpu` of C from source `which`; counts the outcome. */
static void trans_copy(struct trans_race *r, unsigned int vcpu,
                       unsigned int which)
{
    static const struct {
        domid_t dom;
        grant_ref_t ref;
        uint16_t off;
    } src[3] = { { 1, TR_A_REF, 0 }, { 1, SUB_A_REF, SUB_OFF },
                 { 2, TR_B_REF, 0 } };
    uint64_t gfn = 20 + vcpu;
    char *dst = gnt_frame(r->c, gfn);
    struct gnttab_copy cp = {
        .source = { .u.ref = src[which].ref, .domid = src[which].dom,
                    .offset = src[which].off },
        .dest = { .u.gmfn = gfn, .domid = DOMID_SELF },
        .len = 32, .flags = GNTCOPY_source_gref, .status = 99 };

    memset(dst, 0, 32);
    if ( gnt_op(r->c, vcpu, GNTTABOP_copy, &cp, 1, sizeof(cp)) )
        cp.status = -100;
    __atomic_fetch_add(&r->attempts, 1, __ATOMIC_RELEASE);
    if ( cp.status == GNTST_okay )
    {
        __atomic_fetch_add(&r->ok[which], 1, __ATOMIC_RELAXED);
        if ( strcmp(dst, trans_text[which]) )
            __atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
    }
    else if ( cp.status == GNTST_general_error )
        __atomic_fetch_add(&r->refused[which], 1, __ATOMIC_RELAXED);
    else
        __atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
}

static void trans_race_cpu(unsigned int cpu, void *arg)
{
    struct trans_race *r = arg;
    unsigned int i = 0, seen;

    start_line(&r->ready, 4);
    switch ( cpu )
    {
    case 0: /* C's vCPU 0: through A (transitive and sub-page) */
    case 1: /* C's vCPU 1: through B's transitive entry into A */
        for ( i = 0; i < r->n; i++ )
        {
            trans_copy(r, cpu, cpu ? 2 : i & 1);
            pace(i);
        }
        __atomic_fetch_add(&r->copiers_done, 1, __ATOMIC_RELEASE);
        return;
    case 2: /* A's vCPU 0: v2 -> v1 -> v2, regranting what was wiped */
        while ( __atomic_load_n(&r->copiers_done, __ATOMIC_ACQUIRE) < 2 )
        {
            long rc = gnt_set_version(r->a, 3 - r->a->version);

            if ( rc == 0 )
            {
                r->switches++;
                trans_grant_a(r->a);
                /* Copies run into every period (under Valgrind too). */
                seen = __atomic_load_n(&r->attempts, __ATOMIC_ACQUIRE);
                while ( __atomic_load_n(&r->attempts, __ATOMIC_ACQUIRE) <
                            seen + 2 &&
                        __atomic_load_n(&r->copiers_done,
                                        __ATOMIC_ACQUIRE) < 2 )
                    pace(i++);
            }
            else if ( rc == -EAGAIN )
                r->again++;     /* a transitive or sub-page copy in flight */
            else if ( rc == -EBUSY )
                r->busy++;      /* a copy's pin */
            else
                r->bad++;
            pace(r->switches + r->busy + r->again); /* each version */
        }
        if ( r->a->version != 2 && gnt_set_version(r->a, 2) )
            r->bad++;
        trans_grant_a(r->a);
        return;
    default: /* B's vCPU 0: takes B's grant write lock over and over */
        while ( __atomic_load_n(&r->copiers_done, __ATOMIC_ACQUIRE) < 2 )
        {
            struct gnttab_swap_grant_ref sw = { .ref_a = 40, .ref_b = 41,
                                                .status = 99 };

            if ( gnt_op(r->b, 0, GNTTABOP_swap_grant_ref, &sw, 1,
                        sizeof(sw)) || sw.status != GNTST_okay )
                r->bad++;
            r->swaps++;
            pace(r->swaps);
        }
        return;
    }
}

/*
 * XSA-501 (copy) and XSA-411: C copies through A's transitive entry (into
 * B's grant), A's sub-page entry, and B's transitive entry (into A's
 * grant), on two vCPUs, while A switches versions (0, -EAGAIN while a
 * transitive or sub-page copy is in flight, -EBUSY while pinned) and B
 * keeps taking its grant write lock (swap).  A copy gets okay with the
 * granted bytes or general_error (the entry is gone or not of that kind
 * in this version), never eagain: a copy through a transitive entry that
 * changed while the middle domain's lock was dropped is made again (Xen's
 * ERESTART, a continuation at that element).  Holding A's and B's grant locks at once would deadlock
 * against the writers (the watchdog).  After each round nr_v2_ops and
 * every pin are 0 and the inner grants' status bits are clear.
 */
static void test_xsa501_copy_vs_switch(void **state)
{
    static struct trans_race r;
    unsigned int round, rounds = under_valgrind() ? 2 : 6;
    unsigned long total_ok[3] = { 0, 0, 0 };

    (void)state;
    gnt_guest_destroy(&C);
    assert_int_equal(gnt_guest_create(&C, 3, 2), 0);
    assert_int_equal(gnt_set_version(&A, 2), 0);
    assert_int_equal(gnt_set_version(&B, 2), 0);
    strcpy(gnt_frame(&B, 12), trans_text[0]);
    strcpy((char *)gnt_frame(&A, 15) + SUB_OFF, trans_text[1]);
    strcpy(gnt_frame(&A, 14), trans_text[2]);
    gnt_grant_access(&B, TR_B_INNER, 1, 12, true);
    gnt_grant_transitive(&B, TR_B_REF, 3, 1, TR_A_INNER);
    gnt_grant_access(&B, 40, 1, 16, true);
    trans_grant_a(&A);
    for ( round = 0; round < rounds; round++ )
    {
        struct gnttab_info ia, ib;
        struct gnttab_stats st;
        unsigned int k;

        memset(&r, 0, sizeof(r));
        r.a = &A;
        r.b = &B;
        r.c = &C;
        r.n = iters(300);
        run_cpus(4, trans_race_cpu, &r);
        gnttab_get_stats(&st);
        print_message("XSA-501 copy round %u: ok %lu/%lu/%lu, general_error "
                      "%lu/%lu/%lu; %lu switches, %lu -EAGAIN, %lu -EBUSY, "
                      "%lu swaps; %lu copies restarted so far\n", round,
                      r.ok[0], r.ok[1], r.ok[2], r.refused[0], r.refused[1],
                      r.refused[2], r.switches, r.again, r.busy, r.swaps,
                      (unsigned long)st.copy_restarts);
        assert_int_equal(r.bad, 0);
        for ( k = 0; k < 3; k++ )
            total_ok[k] += r.ok[k];
        assert_int_equal(r.ok[0] + r.ok[1] + r.refused[0] + r.refused[1],
                         r.n);
        assert_int_equal(r.ok[2] + r.refused[2], r.n);
        ia = info_of(&A);
        ib = info_of(&B);
        assert_int_equal(ia.version, 2);
        assert_int_equal(ia.nr_v2_ops, 0);
        assert_int_equal(ib.nr_v2_ops, 0);
        assert_int_equal(ia.pinned_entries, 0);
        assert_int_equal(ib.pinned_entries, 0);
        assert_int_equal(gnt_flags(&B, TR_B_INNER),
                         GTF_permit_access | GTF_readonly);
        assert_int_equal(gnt_flags(&A, TR_A_INNER), GTF_permit_access);
        assert_int_equal(gnt_flags(&A, TR_A_REF), GTF_transitive);
        checks();
    }
    /* Each path worked at least sometimes over the whole run. */
    assert_true(total_ok[0] > 0 && total_ok[1] > 0 && total_ok[2] > 0);
}

/* ---- XSA-218/236: maps and copies against the granter's death. */

struct death_race {
    struct gnt_guest *mapper;
    struct domain *granter;
    uint64_t mfn;
    unsigned int n, ready, progress;
    int destroy_rc;
    unsigned long ok[2], refused[2], bad;
};

static void death_race_cpu(unsigned int cpu, void *arg)
{
    struct death_race *r = arg;
    unsigned int i;

    start_line(&r->ready, 3);
    if ( cpu == 2 )
    {
        wait_for(&r->progress, r->n / 2);
        do
            r->destroy_rc = domain_destroy(r->granter);
        while ( r->destroy_rc == -ERESTART );
        return;
    }
    for ( i = 0; i < r->n; i++ )
    {
        int16_t st;

        if ( cpu == 0 )
        {
            grant_handle_t h = 0;
            uint64_t bus;
            uint32_t flags = i & 1 ? GNTMAP_host_map
                                   : GNTMAP_host_map | GNTMAP_device_map;
            const char *p;

            st = map_on(r->mapper, 0, 1, 8, flags, GNT_MAP_GFN, &h, &bus);
            if ( st == GNTST_okay )
            {
                p = gnt_frame(r->mapper, GNT_MAP_GFN);
                if ( !p || strcmp(p, "the granter's page") )
                    __atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
                /* The unmap works however far the granter's death got. */
                if ( unmap_on(r->mapper, 0, h, GNT_MAP_GFN,
                              flags & GNTMAP_device_map ? bus : 0) !=
                     GNTST_okay )
                    __atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
            }
        }
        else
        {
            char *dst = gnt_frame(r->mapper, 21);
            struct gnttab_copy cp = {
                .source = { .u.ref = 8, .domid = 1 },
                .dest = { .u.gmfn = 21, .domid = DOMID_SELF },
                .len = 32, .flags = GNTCOPY_source_gref, .status = 99 };

            memset(dst, 0, 32);
            if ( gnt_op(r->mapper, 1, GNTTABOP_copy, &cp, 1, sizeof(cp)) )
                cp.status = -100;
            st = cp.status;
            if ( st == GNTST_okay && strcmp(dst, "the granter's page") )
                __atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
        }
        if ( st == GNTST_okay )
            r->ok[cpu]++;
        else if ( st == GNTST_bad_domain || st == GNTST_bad_page )
            r->refused[cpu]++;
        else
            __atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&r->progress, 1, __ATOMIC_RELEASE);
    }
}

/*
 * XSA-218/236 against a dying granter: B maps (host, host + device) and
 * unmaps A's grant on one vCPU and copies from it on another while the
 * toolstack destroys A.  Every map and copy gets okay (with the granted
 * bytes), bad_domain, or bad_page (it passed the dying check just before
 * the destruction took the frame away, as in Xen), every unmap of a
 * mapping made works, and once B
 * is done A's pages are all freed: a mapping or copy in flight kept its
 * page alive (pin before page reference), and nothing was kept past it.
 */
static void test_xsa236_map_copy_vs_destroy(void **state)
{
    static struct death_race r;
    unsigned int round, rounds = under_valgrind() ? 3 : 10;
    uint64_t base;

    (void)state;
    gnt_guest_destroy(&A);
    base = domain_pages_now();
    for ( round = 0; round < rounds; round++ )
    {
        assert_int_equal(gnt_guest_create(&A, 1, 2), 0);
        strcpy(gnt_frame(&A, 10), "the granter's page");
        gnt_grant_access(&A, 8, 2, 10, false);
        memset(&r, 0, sizeof(r));
        r.mapper = &B;
        r.granter = A.d;
        r.n = iters(200);
        run_cpus(3, death_race_cpu, &r);
        print_message("XSA-236 round %u: maps %lu ok/%lu refused, copies "
                      "%lu ok/%lu refused\n", round, r.ok[0], r.refused[0],
                      r.ok[1], r.refused[1]);
        assert_int_equal(r.bad, 0);
        assert_int_equal(r.destroy_rc, 0);
        assert_int_equal(r.ok[0] + r.refused[0], r.n);
        assert_int_equal(r.ok[1] + r.refused[1], r.n);
        assert_true(r.ok[0] + r.ok[1] >= r.n / 2);
        assert_int_equal(info_of(&B).maptrack_in_use, 0);
        assert_null(gnt_frame(&B, GNT_MAP_GFN));
        checks();
        put_domain(A.d);
        A.d = NULL;
        assert_int_equal(domain_pages_now(), base);
        checks();
    }
}

/* ---- Copies into the caller's frames against their removal. ---- */

#define HELD_GFN 40U     /* B's frames 40..55, the copies' destinations */
#define HELD_FRAMES 16U

struct held_race {
    struct gnt_guest *g;
    unsigned int n, ready, copied;
    unsigned long ok, gone, removed, referenced, late, bad;
};

/** CPU 0: B copies A's ref 8 into its frames 40..55, 16 per batch. */
static void held_copier(struct held_race *r)
{
    struct gnttab_copy ops[HELD_FRAMES];
    unsigned int i, k;

    for ( i = 0; i < r->n; i++ )
    {
        for ( k = 0; k < HELD_FRAMES; k++ )
            ops[k] = (struct gnttab_copy){
                .source = { .u.ref = 8, .domid = 1 },
                .dest = { .u.gmfn = HELD_GFN + (k + i) % HELD_FRAMES,
                          .domid = DOMID_SELF },
                .len = 4096, .flags = GNTCOPY_source_gref, .status = 99 };
        if ( gnt_op(r->g, 0, GNTTABOP_copy, ops, HELD_FRAMES,
                    sizeof(ops[0])) )
            r->bad++;
        for ( k = 0; k < HELD_FRAMES; k++ )
        {
            if ( ops[k].status == GNTST_okay )
                r->ok++;
            else if ( ops[k].status == GNTST_bad_page )
                r->gone++; /* removed when the op looked */
            else
                r->bad++;
        }
        publish_progress(&r->copied, i + 1);
        pace(i);
    }
}

/** True while `pg` is in use and `d`'s (a free page's owner field is not). */
static bool page_is_of(const struct page_info *pg, const struct domain *d)
{
    return page_state(pg) == PGC_state_inuse && page_get_owner(pg) == d;
}

/**
 * CPU 1: removes one of those frames at a time (what decrease_reservation
 * does for a vCPU of B).  A copy under the hold holds no reference, so the
 * frame leaves B with its P2M entry; one that took references instead
 * (its batch found a removal under way) keeps it B's until its last put,
 * as in Xen, and the remover waits for that (`referenced` counts them).
 * Once the frame is B's no more, the remover fills it with a canary,
 * waits, checks no copy wrote it meanwhile, zeroes it and populates the
 * gfn again.  The frame waits on the deferred-free queue (or sits in the
 * heap) meanwhile: nothing else allocates in this race.
 */
static void held_remover(struct held_race *r)
{
    unsigned int i;

    for ( i = 0; hal_read_once(&r->copied) < r->n; i++ )
    {
        uint64_t gfn = HELD_GFN + (i * 7) % HELD_FRAMES;
        mfn_t mfn = p2m_lookup(r->g->d, _gfn(gfn), NULL);
        unsigned long done;
        unsigned char *p;
        unsigned int b;

        if ( mm_decrease_reservation(r->g->d, _gfn(gfn), 0) )
        {
            r->bad++;
            break;
        }
        r->removed++;
        if ( page_is_of(mfn_to_page(mfn), r->g->d) )
        {
            r->referenced++;
            while ( page_is_of(mfn_to_page(mfn), r->g->d) )
                sched_yield();
        }
        p = sim_machine_frame(mfn_x(mfn));
        memset(p, 0xc5, PAGE_SIZE);
        vary_delay(i);
        for ( b = 0; b < PAGE_SIZE; b++ )
            if ( p[b] != 0xc5 )
            {
                r->late++;
                break;
            }
        memset(p, 0, PAGE_SIZE);
        if ( mm_populate_physmap(r->g->d, _gfn(gfn), 1, 0, &done) ||
             done != 1 )
        {
            r->bad++;
            break;
        }
    }
}

static void held_race_cpu(unsigned int cpu, void *arg)
{
    struct held_race *r = arg;

    start_line(&r->ready, 2);
    if ( cpu == 0 )
        held_copier(r);
    else
        held_remover(r);
}

/*
 * A copy writes a frame of the caller's without a page reference, under
 * the batch's P2M removal hold: decrease_reservation of that frame waits
 * for the hold, so no copy can write the frame once it left the domain
 * (the remover's canary stays intact), every op is okay or bad_page (the
 * gfn was empty when it looked), and after each round the accounting is
 * exact: B's pages as before, A's frame unpinned and unreferenced.
 */
static void test_copy_held_vs_decrease(void **state)
{
    static struct held_race r;
    unsigned int round, rounds = under_valgrind() ? 2 : 6;
    struct page_info *src;
    uint64_t tot, refs;

    (void)state;
    memset(gnt_frame(&A, 10), 'X', PAGE_SIZE);
    gnt_grant_access(&A, 8, 2, 10, true);
    src = gfn_page(&A, 10);
    refs = page_refcount(src);
    tot = mm_domain_tot_pages(B.d);
    for ( round = 0; round < rounds; round++ )
    {
        unsigned int k;

        memset(&r, 0, sizeof(r));
        r.g = &B;
        r.n = iters(400);
        run_cpus(2, held_race_cpu, &r);
        print_message("held copies round %u: %lu ok, %lu bad_page, %lu "
                      "removals (%lu waited for a reference)\n", round,
                      r.ok, r.gone, r.removed, r.referenced);
        assert_int_equal(r.bad, 0);
        assert_int_equal(r.late, 0);
        assert_int_equal(r.ok + r.gone, (unsigned long)r.n * HELD_FRAMES);
        assert_true(r.ok > 0);
        assert_true(r.removed > 0);
        for ( k = 0; k < HELD_FRAMES; k++ )
        {
            const char *f = gnt_frame(&B, HELD_GFN + k);

            assert_non_null(f);
            assert_true(f[0] == 'X' || f[0] == 0);
        }
        assert_int_equal(mm_domain_tot_pages(B.d), tot);
        assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
        assert_int_equal(gnt_flags(&A, 8) & (GTF_reading | GTF_writing), 0);
        assert_int_equal(page_refcount(src), refs);
        checks();
    }
    assert_int_equal(gnt_end_access(&A, 8), 0);
}

/*
 * The fallback of the same rule: a copy batch that finds a RAM removal of
 * the caller's under way cannot take the hold, and its frame sides take
 * page and type references instead.  CPU 1 holds a removal hold on B;
 * CPU 0 starts decrease_reservation of B's frame 55, which waits for it
 * (new holds are refused from then: CPU 1 polls until one is).  CPU 1
 * then copies A's ref 8 into B's frames 40..54 (one batch, so the
 * references path): every op okay, the data there, and each frame's
 * page and type counts as before; then it maps and unmaps that grant
 * (A's table lock, then B's P2M lock); then it lets the hold go and the
 * removal completes.  A waiting removal takes no lock, so a holder takes
 * any it needs meanwhile (when the removal waited under B's P2M lock, the
 * map deadlocked here).
 */
struct refused_race {
    struct gnt_guest *g;
    unsigned int ready;
    volatile int started, removed;
    int rc;
    bool refused, waited, counts_ok;
    int16_t status[HELD_FRAMES - 1], map_status, unmap_status;
};

static void refused_copier(struct refused_race *r)
{
    struct gnttab_copy ops[HELD_FRAMES - 1];
    uint64_t refs[HELD_FRAMES - 1], types[HELD_FRAMES - 1];
    unsigned int k, i;
    bool held = p2m_removal_hold(r->g->d);

    __atomic_store_n(&r->started, 1, __ATOMIC_SEQ_CST);
    for ( i = 0; i < 1000000 && !r->refused; i++ )
    {
        if ( p2m_removal_hold(r->g->d) )
            p2m_removal_release(r->g->d);
        else
            r->refused = true;
        sched_yield();
    }
    for ( k = 0; k < HELD_FRAMES - 1; k++ )
    {
        refs[k] = page_refcount(gfn_page(r->g, HELD_GFN + k));
        types[k] = type_count(gfn_page(r->g, HELD_GFN + k));
        ops[k] = (struct gnttab_copy){
            .source = { .u.ref = 8, .domid = 1 },
            .dest = { .u.gmfn = HELD_GFN + k, .domid = DOMID_SELF },
            .len = 4096, .flags = GNTCOPY_source_gref, .status = 99 };
    }
    if ( gnt_op(r->g, 0, GNTTABOP_copy, ops, HELD_FRAMES - 1,
                sizeof(ops[0])) )
        r->rc = -1;
    r->counts_ok = true;
    for ( k = 0; k < HELD_FRAMES - 1; k++ )
    {
        r->status[k] = ops[k].status;
        r->counts_ok &=
            page_refcount(gfn_page(r->g, HELD_GFN + k)) == refs[k] &&
            type_count(gfn_page(r->g, HELD_GFN + k)) == types[k];
    }
    {
        grant_handle_t h = 0;

        r->map_status = map_on(r->g, 0, 1, 8,
                               GNTMAP_host_map | GNTMAP_readonly,
                               GNT_MAP_GFN, &h, NULL);
        r->unmap_status = r->map_status
                          ? r->map_status
                          : unmap_on(r->g, 0, h, GNT_MAP_GFN, 0);
    }
    r->waited = !__atomic_load_n(&r->removed, __ATOMIC_SEQ_CST);
    if ( held )
        p2m_removal_release(r->g->d);
    while ( !__atomic_load_n(&r->removed, __ATOMIC_SEQ_CST) )
        sched_yield();
}

static void refused_race_cpu(unsigned int cpu, void *arg)
{
    struct refused_race *r = arg;

    if ( cpu == 1 )
    {
        refused_copier(r);
        return;
    }
    while ( !__atomic_load_n(&r->started, __ATOMIC_SEQ_CST) )
        sched_yield();
    if ( mm_decrease_reservation(r->g->d,
                                 _gfn(HELD_GFN + HELD_FRAMES - 1), 0) )
        r->rc = -2;
    __atomic_store_n(&r->removed, 1, __ATOMIC_SEQ_CST);
}

static void test_copy_hold_refused(void **state)
{
    static struct refused_race r;
    uint64_t tot = mm_domain_tot_pages(B.d), refs;
    struct page_info *src;
    unsigned long done;
    unsigned int k;

    (void)state;
    memset(gnt_frame(&A, 10), 'Y', PAGE_SIZE);
    gnt_grant_access(&A, 8, 2, 10, true);
    src = gfn_page(&A, 10);
    refs = page_refcount(src);
    memset(&r, 0, sizeof(r));
    r.g = &B;
    run_cpus(2, refused_race_cpu, &r);
    assert_int_equal(r.rc, 0);
    assert_true(r.refused);
    assert_true(r.waited);
    assert_true(r.counts_ok);
    assert_int_equal(r.map_status, GNTST_okay);
    assert_int_equal(r.unmap_status, GNTST_okay);
    for ( k = 0; k < HELD_FRAMES - 1; k++ )
    {
        assert_int_equal(r.status[k], GNTST_okay);
        assert_int_equal(
            ((const char *)gnt_frame(&B, HELD_GFN + k))[PAGE_SIZE - 1], 'Y');
    }
    assert_null(gnt_frame(&B, HELD_GFN + HELD_FRAMES - 1));
    assert_int_equal(mm_domain_tot_pages(B.d), tot - 1);
    assert_int_equal(gnttab_debug_pin(A.d, 8), 0);
    assert_int_equal(page_refcount(src), refs);
    /* No hold is left: a batch after takes it (mm_check counts holds). */
    checks();
    assert_int_equal(mm_populate_physmap(B.d,
                                         _gfn(HELD_GFN + HELD_FRAMES - 1), 1,
                                         0, &done), 0);
    assert_int_equal(gnt_end_access(&A, 8), 0);
    checks();
}

/* ---- a transitive entry flipped while copies go through it. */

#define FLIP_REF 20U       /* B: transitive for C, through A's ref 21 */
#define FLIP_INNER 21U     /* A: granted to B */

struct flip_race {
    unsigned int n, done;
    unsigned long ok, refused, bad, flips;
};

static void flip_race_cpu(unsigned int cpu, void *arg)
{
    struct flip_race *r = arg;
    uint32_t *hdr = gnt_header(&B, FLIP_REF);
    const uint32_t trans = GTF_transitive | (3U << 16);
    char *dst = gnt_frame(&C, 30);
    unsigned int i;

    if ( cpu == 1 )
    {
        /* B flips its entry between transitive and invalid. */
        while ( !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) )
        {
            __atomic_store_n(hdr, (r->flips & 1) ? trans : 0,
                             __ATOMIC_RELEASE);
            r->flips++;
        }
        __atomic_store_n(hdr, trans, __ATOMIC_RELEASE);
        return;
    }
    for ( i = 0; i < r->n; i++ )
    {
        struct gnttab_copy cp = {
            .source = { .u.ref = FLIP_REF, .domid = 2 },
            .dest = { .u.gmfn = 30, .domid = DOMID_SELF },
            .len = 16, .flags = GNTCOPY_source_gref, .status = 99 };

        dst[0] = 0;
        if ( gnt_op(&C, 0, GNTTABOP_copy, &cp, 1, sizeof(cp)) )
            r->bad++;
        else if ( cp.status == GNTST_okay && !strcmp(dst, "inner") )
            r->ok++;
        else if ( cp.status == GNTST_general_error )
            r->refused++;
        else
            r->bad++;    /* eagain among them: never the guest's to see */
    }
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

/*
 * C copies through B's transitive entry while B flips it between
 * transitive and invalid as fast as it can.  Xen restarts a copy whose
 * transitive entry changed while the intermediate's lock was dropped
 * (acquire_grant_for_copy's ERESTART, a continuation at that element), so
 * every copy answers okay with the granted bytes, or general_error: never
 * eagain.  How many copies were made again is printed.
 */
static void test_copy_transitive_flipped(void **state)
{
    static struct flip_race r;
    struct gnttab_stats before, after;

    (void)state;
    assert_int_equal(gnt_set_version(&B, 2), 0);
    strcpy(gnt_frame(&A, 22), "inner");
    gnt_grant_access(&A, FLIP_INNER, 2, 22, true);
    gnt_grant_transitive(&B, FLIP_REF, 3, 1, FLIP_INNER);
    memset(&r, 0, sizeof(r));
    r.n = iters(20000);
    gnttab_get_stats(&before);
    run_cpus(2, flip_race_cpu, &r);
    gnttab_get_stats(&after);
    print_message("transitive flips: %lu copies okay, %lu general_error, "
                  "%lu bad, %lu made again; %lu flips\n", r.ok, r.refused,
                  r.bad, (unsigned long)(after.copy_restarts -
                                         before.copy_restarts), r.flips);
    assert_int_equal(r.bad, 0);
    assert_int_equal(r.ok + r.refused, r.n);
    assert_true(r.ok > 0);
    assert_int_equal(gnttab_debug_pin(A.d, FLIP_INNER), 0);
    assert_int_equal(gnttab_debug_pin(B.d, FLIP_REF), 0);
    assert_int_equal(info_of(&B).nr_v2_ops, 0);
    checks();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_xsa73_transfer_vs_switch,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_xsa73_transfer_vs_destroy,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_xsa384_486_physmap_vs_switch,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_xsa501_map_vs_switch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa501_copy_vs_switch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_xsa236_map_copy_vs_destroy,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_held_vs_decrease, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_copy_hold_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_copy_transitive_flipped, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
