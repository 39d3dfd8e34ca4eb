/* SPDX-License-Identifier: MIT */
/*
 * The split driver's backend (harness/splitdrv/back.c) against a frontend
 * that lies.  A real backend in the privileged domain (sd_back_connect,
 * sd_back_run, sd_back_disconnect) serves a hand-written hostile frontend
 * in a guest: it sets its queue up with sd_front_connect, then writes its
 * own grant entries and ring entries:
 *   - good WRITEs and READs, each checked by checksum and page contents;
 *   - a sector out of range, unknown ops, a WRITE whose checksum lies;
 *   - grant refs never granted, past the grant table, granted to another
 *     domain, granted for a frame with no RAM, for the guest's own grant
 *     table, for a page it mapped from another guest, granted read-only
 *     for a READ, and revoked after the request was posted;
 *   - repeated ids; a full ring;
 *   - a request producer beyond the ring (or behind it): the queue dies;
 *   - a ring page and port the backend must refuse at connect time;
 *   - ring entries rewritten while the backend reads them (one vCPU
 *     thread per side);
 *   - the guest destroyed with requests on the ring;
 *   - a READ into the ring page itself.
 * Every bad-grant case is posted twice in a row for each op, so it meets
 * both of the backend's paths (grant map and grant copy alternate).  The
 * hostile guest's and the backend's memory outside the granted pages is
 * checked page by page, and after disconnect and destroy: no ports, no
 * maptrack entries, every page back, every library checker clean.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <common/errno.h>
#include <hal/time.h>
#include <hal_sim/sim.h>
#include <libevtchn/evtchn.h>
#include <libgnttab/gnttab.h>
#include <libmm/heap.h>
#include <libmm/mm.h>
#include <libmm/p2m.h>
#include <public/xen.h>

#include "splitdrv.h"
#include "world_cmocka.h"

#define BACK_ID 0
#define FRONT_ID 1
#define OTHER_ID 2                  /* a third guest, granted a canary */
#define DOM_PAGES 128

/* The hostile guest's frames beyond the driver's own. */
#define RING_NEIGHBOUR_GFN (SD_FRONT_RING_GFN + 1)
#define CANARY_GFN 0x200U           /* never validly granted for writing */
#define CANARIES 4U
#define NO_RAM_GFN 0x3000U          /* nothing there */
#define MAPPED_GFN 0x300U           /* a grant mapping of OTHER_ID's page */

/* The backend's sectors: queue 0 is served, queue 1 must stay untouched. */
#define BACK_SECTORS (2U * SD_SECTORS)

/* The hostile guest's refs: its own choice, beside the ring's. */
#define DATA_REF 64U                /* + slot: SD_FRONT_DATA_GFN + slot */
#define REF_NO_FLAGS 200U           /* domid and frame set, never permitted */
#define REF_OTHER_DOM 201U          /* permitted to OTHER_ID */
#define REF_NO_RAM 202U             /* permitted, for a frame with no RAM */
#define REF_READONLY 203U           /* permitted read-only */
#define REF_REVOKED 204U            /* permitted, then revoked */
#define REF_GNTTAB 205U             /* for the guest's grant-table frame */
#define REF_MAPPED 206U             /* for a page it mapped from OTHER_ID */
#define REF_HUGE 0x7fffffffU

struct rig {
    struct domain *bd, *fd, *od;
    struct sd_env benv, fenv;
    struct sd_evtchn bev, fev;
    grant_entry_v1_t *gt;           /* the hostile guest's grant frame 0 */
    struct sd_front f;              /* connect and disconnect only */
    struct sd_back b;
    struct sd_xs xs;
    bool front_up, back_up, front_env_up;
    uint32_t req_prod, rsp_cons;    /* the hostile frontend's indices */
    grant_ref_t beyond;             /* the first ref past the table */
    uint64_t sector_sum[SD_SECTORS];/* what queue 0's sectors must hold */
    uint64_t rng;
    struct mm_stats before;
};

/** One posted request and what its response must say. */
struct hreq {
    struct sd_request req;
    int16_t status;
    bool check_csum;                /* OKAY, ECSUM: rsp.csum == csum */
    uint64_t csum;
    uint64_t read_gfn;              /* READ OKAY: the page read into */
};

struct batch {
    struct hreq r[SD_RING_SIZE];
    unsigned int n;
};

/** xorshift64: payloads and the race's choices. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/** The hostile guest's RAM frame `gfn`; fails the test if absent. */
static void *front_page(struct rig *r, uint64_t gfn)
{
    void *p = world_guest_page(r->fd, gfn);

    assert_non_null(p);
    return p;
}

/** The backend's RAM frame `gfn`; fails the test if absent. */
static void *back_page(struct rig *r, uint64_t gfn)
{
    void *p = world_guest_page(r->bd, gfn);

    assert_non_null(p);
    return p;
}

/** The split driver's checksum of a whole page. */
static uint64_t page_csum(const void *p)
{
    return sd_csum(p, SD_SECTOR_SIZE);
}

/** Fills a page with words derived from `seed`. */
static void fill(void *p, uint64_t seed)
{
    uint64_t *w = p, s = seed | 1;
    unsigned int i;

    for ( i = 0; i < PAGE_SIZE / 8; i++ )
        w[i] = next_rand(&s);
}

/** True if the page holds exactly what fill(`seed`) wrote. */
static bool filled_with(const void *p, uint64_t seed)
{
    uint64_t page[PAGE_SIZE / 8];

    fill(page, seed);
    return memcmp(page, p, PAGE_SIZE) == 0;
}

/* Seeds of the pages nobody may write: distinct from every payload. */
static uint64_t canary_seed(unsigned int i)
{
    return 0xc0ffee0000000000ULL + i;
}

/** The seed of backend sector `s` that must not change. */
static uint64_t back_canary_seed(unsigned int s)
{
    return 0xbac0000000000000ULL + s;
}

/** Writes a v1 grant entry as a guest may: any domid, frame and flags. */
static void grant(struct rig *r, grant_ref_t ref, domid_t dom, uint64_t gfn,
                  uint16_t flags)
{
    grant_entry_v1_t *e = &r->gt[ref];

    hal_write_once(&e->flags, (uint16_t)0);
    hal_smp_wmb();
    hal_write_once(&e->domid, dom);
    hal_write_once(&e->frame, (uint32_t)gfn);
    hal_smp_wmb();
    hal_write_once(&e->flags, flags);
}

/**
 * Revokes `ref`, asserting the hypervisor holds no mapping or copy of it
 * (the backend released it with its response).
 */
static void revoke(struct rig *r, grant_ref_t ref)
{
    uint16_t fl = hal_read_once(&r->gt[ref].flags);

    assert_int_equal(fl & (GTF_reading | GTF_writing), 0);
    hal_write_once(&r->gt[ref].flags, (uint16_t)0);
}

/** Ports `d` has in use. */
static unsigned int active_ports(struct domain *d)
{
    struct evtchn_domain_stats st;

    evtchn_domain_get_stats(d, &st);
    return st.active_evtchns;
}

/** Grant mappings `d` holds (live maptrack handles). */
static unsigned int maptrack_in_use(struct domain *d)
{
    struct gnttab_info gi;

    assert_int_equal(gnttab_get_info(d, &gi), 0);
    return gi.maptrack_in_use;
}

/** A one-vCPU domain with its hypercall argument page. */
static struct domain *make_domain(domid_t id, bool privileged)
{
    struct domain *d = world_domain(id, DOM_PAGES, privileged);
    unsigned long done;

    assert_int_equal(mm_populate_physmap(d, _gfn(SD_ENV_ARG_GFN), 1, 0,
                                         &done), 0);
    return d;
}

/** Gives `d` `n` RAM pages from `gfn` on. */
static void populate(struct domain *d, uint64_t gfn, unsigned long n)
{
    unsigned long done;

    assert_int_equal(mm_populate_physmap(d, _gfn(gfn), n, 0, &done), 0);
}

/**
 * Builds the backend (domain 0, privileged), the hostile guest and a third
 * guest; gives the hostile guest its driver frames and canaries, the
 * backend two queues' worth of sectors; connects the hostile guest's
 * queue 0 with sd_front_connect (ring grant, unbound port, handler) but
 * not the backend.
 */
static void rig_build(struct rig *r)
{
    struct gnttab_info gi;
    unsigned int i;

    memset(r, 0, sizeof(*r));
    r->rng = 0x2545f4914f6cdd1dULL;
    mm_deferred_flush();
    mm_get_stats(&r->before);

    r->bd = make_domain(BACK_ID, true);
    r->fd = make_domain(FRONT_ID, false);
    r->od = make_domain(OTHER_ID, false);
    populate(r->bd, SD_BACK_STORE_GFN, BACK_SECTORS);
    populate(r->fd, SD_FRONT_RING_GFN, 2);
    populate(r->fd, SD_FRONT_DATA_GFN, SD_RING_SIZE);
    populate(r->fd, CANARY_GFN, CANARIES);

    assert_int_equal(sd_env_init(&r->benv, r->bd), 0);
    assert_int_equal(sd_env_init(&r->fenv, r->fd), 0);
    r->front_env_up = true;
    sd_evtchn_init(&r->bev, &r->benv, sd_back_event);
    sd_evtchn_init(&r->fev, &r->fenv, sd_front_event);
    r->gt = sd_front_map_gnttab(&r->fenv);
    assert_non_null(r->gt);
    assert_int_equal(gnttab_get_info(r->fd, &gi), 0);
    r->beyond = gi.nr_grant_frames * (PAGE_SIZE / sizeof(grant_entry_v1_t));

    assert_int_equal(sd_front_connect(&r->f, &r->fenv, &r->fev, r->gt,
                                      BACK_ID, 0, 0, 0, 1, &r->xs), 0);
    r->front_up = true;

    for ( i = 0; i < CANARIES; i++ )
        fill(front_page(r, CANARY_GFN + i), canary_seed(i));
    fill(front_page(r, RING_NEIGHBOUR_GFN), canary_seed(CANARIES));
    for ( i = SD_SECTORS; i < BACK_SECTORS; i++ )
        fill(back_page(r, SD_BACK_STORE_GFN + i), back_canary_seed(i));

    /* The hostile grants that stay for the whole run. */
    grant(r, REF_NO_FLAGS, BACK_ID, CANARY_GFN + 0, 0);
    grant(r, REF_OTHER_DOM, OTHER_ID, CANARY_GFN + 1, GTF_permit_access);
    grant(r, REF_NO_RAM, BACK_ID, NO_RAM_GFN, GTF_permit_access);
    grant(r, REF_READONLY, BACK_ID, CANARY_GFN + 2,
          GTF_permit_access | GTF_readonly);
}

/** Connects the backend to what the hostile guest published. */
static void rig_connect(struct rig *r)
{
    unsigned int s;
    uint8_t zero[PAGE_SIZE] = { 0 };

    assert_int_equal(sd_back_connect(&r->b, &r->benv, &r->bev, FRONT_ID, 0,
                                     0, &r->xs), 0);
    r->back_up = true;
    for ( s = 0; s < SD_SECTORS; s++ )
        r->sector_sum[s] = page_csum(zero);
    assert_int_equal(maptrack_in_use(r->bd), 1);
    assert_int_equal(active_ports(r->bd), 1);
}

/** rig_build, then rig_connect. */
static void rig_up(struct rig *r)
{
    rig_build(r);
    rig_connect(r);
}

/**
 * What must hold between batches: queue 0's sectors hold what the model
 * says, queue 1's and the hostile guest's canaries are untouched, the
 * read-only pages are intact, the backend's data window is empty.
 */
static void check_memory(struct rig *r)
{
    unsigned int i;
    p2m_type_t t;

    for ( i = 0; i < SD_SECTORS; i++ )
        assert_true(page_csum(back_page(r, SD_BACK_STORE_GFN + i)) ==
                    r->sector_sum[i]);
    for ( i = SD_SECTORS; i < BACK_SECTORS; i++ )
        assert_true(filled_with(back_page(r, SD_BACK_STORE_GFN + i),
                                back_canary_seed(i)));
    if ( r->front_env_up )
    {
        for ( i = 0; i < CANARIES; i++ )
            assert_true(filled_with(front_page(r, CANARY_GFN + i),
                                    canary_seed(i)));
        assert_true(filled_with(front_page(r, RING_NEIGHBOUR_GFN),
                                canary_seed(CANARIES)));
    }
    (void)p2m_lookup(r->bd, _gfn(SD_BACK_MAP_GFN), &t);
    assert_int_equal(t, p2m_invalid);
}

/** Adds a request with no effect on the model. */
static struct hreq *add(struct batch *b, uint64_t id, uint8_t op,
                        uint16_t sector, grant_ref_t gref, uint64_t csum,
                        int16_t status)
{
    struct hreq *h;

    assert_true(b->n < SD_RING_SIZE);
    h = &b->r[b->n++];
    memset(h, 0, sizeof(*h));
    h->req.id = id;
    h->req.op = op;
    h->req.sector = sector;
    h->req.gref = gref;
    h->req.csum = csum;
    h->status = status;
    return h;
}

/** The data page of the batch's next slot, granted as `flags` says. */
static grant_ref_t data_slot(struct rig *r, struct batch *b, uint16_t flags,
                             void **page)
{
    unsigned int slot = b->n;

    *page = front_page(r, SD_FRONT_DATA_GFN + slot);
    grant(r, DATA_REF + slot, BACK_ID, SD_FRONT_DATA_GFN + slot, flags);
    return DATA_REF + slot;
}

/** A WRITE of fresh data; `lie` posts a wrong checksum. */
static void write_req(struct rig *r, struct batch *b, uint64_t id,
                      unsigned int sector, bool lie)
{
    void *page;
    grant_ref_t ref;
    uint64_t sum;
    struct hreq *h;

    /* Filled before it is granted, as a frontend does. */
    page = front_page(r, SD_FRONT_DATA_GFN + b->n);
    fill(page, next_rand(&r->rng));
    sum = page_csum(page);
    ref = data_slot(r, b, GTF_permit_access | GTF_readonly, &page);
    h = add(b, id, SD_OP_WRITE, (uint16_t)sector, ref, lie ? sum ^ 1 : sum,
            lie ? SD_RSP_ECSUM : SD_RSP_OKAY);
    /* The backend stores the page before it can check it. */
    h->check_csum = true;
    h->csum = sum;
    r->sector_sum[sector] = sum;
}

/** A READ of `sector` into a poisoned page. */
static void read_req(struct rig *r, struct batch *b, uint64_t id,
                     unsigned int sector)
{
    void *page;
    grant_ref_t ref;
    struct hreq *h;

    page = front_page(r, SD_FRONT_DATA_GFN + b->n);
    memset(page, 0xa5, PAGE_SIZE);
    ref = data_slot(r, b, GTF_permit_access, &page);
    h = add(b, id, SD_OP_READ, (uint16_t)sector, ref, 0, SD_RSP_OKAY);
    h->check_csum = true;
    h->csum = r->sector_sum[sector];
    h->read_gfn = SD_FRONT_DATA_GFN + (b->n - 1);
}

/**
 * A request naming a grant the backend may not use as asked: a READ and a
 * WRITE, each twice (map path and copy path).  Each must fail with EIO
 * and leave the sector and the granted frame as they were.
 */
static void bad_grant(struct batch *b, grant_ref_t ref, unsigned int sector,
                      bool reads, bool writes)
{
    unsigned int i;

    for ( i = 0; i < 2; i++ )
    {
        if ( reads )
            add(b, 100 + b->n, SD_OP_READ, (uint16_t)sector, ref, 0,
                SD_RSP_EIO);
        if ( writes )
            add(b, 100 + b->n, SD_OP_WRITE, (uint16_t)sector, ref, 0,
                SD_RSP_EIO);
    }
}

/** Puts the batch on the ring and notifies the backend. */
static void post(struct rig *r, const struct batch *b)
{
    struct sd_sring *sr = r->f.sring;
    uint32_t old = r->req_prod;
    unsigned int i;

    for ( i = 0; i < b->n; i++ )
        memcpy(&sr->ring[(old + i) % SD_RING_SIZE].req, &b->r[i].req,
               sizeof(struct sd_request));
    r->req_prod += b->n;
    /* The backend asked to hear of the next request when it went idle. */
    assert_true(sd_ring_push(&sr->req_prod, &sr->req_event, old,
                             r->req_prod));
    assert_int_equal(sd_evtchn_notify(&r->fev, 0, r->f.port), 0);
}

/** The backend's vCPU: takes its upcall, then runs its queue. */
static bool back_vcpu(struct rig *r)
{
    if ( sd_evtchn_upcall_pending(&r->bev, 0) )
        (void)sd_evtchn_upcall(&r->bev, 0);
    return sd_back_run(&r->b);
}

/**
 * Lets the backend serve the posted batch and checks every response, in
 * ring order: id, status, checksum, the data read; then revokes the
 * batch's data grants (none may still be in use).
 */
static void complete(struct rig *r, const struct batch *b)
{
    struct sd_sring *sr = r->f.sring;
    unsigned long served = r->b.served;
    unsigned int i;
    uint32_t rp;

    assert_true(back_vcpu(r));
    assert_false(r->b.dead);
    assert_int_equal(r->b.served - served, b->n);
    /* The backend notified the hostile guest. */
    assert_true(sd_evtchn_upcall_pending(&r->fev, 0));
    assert_true(sd_evtchn_upcall(&r->fev, 0) >= 1);

    rp = hal_load_acquire(&sr->rsp_prod);
    assert_int_equal(rp - r->rsp_cons, b->n);
    for ( i = 0; i < b->n; i++ )
    {
        const struct hreq *h = &b->r[i];
        struct sd_response rsp;

        memcpy(&rsp, &sr->ring[(r->rsp_cons + i) % SD_RING_SIZE].rsp,
               sizeof(rsp));
        assert_true(rsp.id == h->req.id);
        assert_int_equal(rsp.status, h->status);
        if ( h->check_csum )
            assert_true(rsp.csum == h->csum);
        if ( h->read_gfn )
            assert_true(page_csum(front_page(r, h->read_gfn)) == h->csum);
        if ( h->req.gref >= DATA_REF && h->req.gref < DATA_REF + b->n )
            revoke(r, h->req.gref);
    }
    r->rsp_cons = rp;
    assert_false(sd_ring_final_check(&sr->rsp_prod, &sr->rsp_event,
                                     r->rsp_cons));
    assert_int_equal(maptrack_in_use(r->bd), 1);
    check_memory(r);
}

/** post, then complete. */
static void run_batch(struct rig *r, const struct batch *b)
{
    post(r, b);
    complete(r, b);
}

/** The hostile guest takes back its standing grants. */
static void front_revoke_all(struct rig *r)
{
    revoke(r, REF_NO_FLAGS);
    revoke(r, REF_OTHER_DOM);
    revoke(r, REF_NO_RAM);
    revoke(r, REF_READONLY);
}

/** Unmaps the hostile guest's kernel-side views (before it goes). */
static void front_env_down(struct rig *r)
{
    sd_evtchn_fini(&r->fev);
    sd_env_unmap_global(&r->fenv, r->gt);
    sd_env_fini(&r->fenv);
    r->front_env_up = false;
}

/**
 * Disconnects both ends (those still up), checks that no port or grant
 * mapping is left, destroys the domains and checks every page came back.
 */
static void rig_down(struct rig *r)
{
    struct mm_stats after;

    if ( r->back_up )
        assert_int_equal(sd_back_disconnect(&r->b), 0);
    r->back_up = false;
    assert_int_equal(maptrack_in_use(r->bd), 0);
    assert_int_equal(active_ports(r->bd), 0);
    if ( r->front_up )
    {
        assert_int_equal(sd_front_disconnect(&r->f), 0);
        front_revoke_all(r);
        assert_int_equal(active_ports(r->fd), 0);
        assert_int_equal(maptrack_in_use(r->fd), 0);
    }
    r->front_up = false;
    check_memory(r);
    assert_int_equal(evtchn_check(), 0);
    assert_int_equal(gnttab_check(), 0);
    assert_int_equal(mm_check(), 0);

    if ( r->front_env_up )
        front_env_down(r);
    sd_evtchn_fini(&r->bev);
    sd_env_fini(&r->benv);
    if ( r->fd )
        world_destroy(r->fd);
    world_destroy(r->od);
    world_destroy(r->bd);
    mm_deferred_flush();
    assert_int_equal(evtchn_check(), 0);
    assert_int_equal(gnttab_check(), 0);
    assert_int_equal(mm_check(), 0);
    mm_get_stats(&after);
    assert_int_equal(after.domain_pages, r->before.domain_pages);
    assert_int_equal(after.anon_pages, r->before.anon_pages);
    assert_int_equal(after.xenheap_pages, r->before.xenheap_pages);
    assert_int_equal(after.total_pages - after.free_pages -
                     after.vmap_meta_pages,
                     r->before.total_pages - r->before.free_pages -
                     r->before.vmap_meta_pages);
}

/*
 * Malformed requests and grants the backend may not use, among good
 * requests, in one full ring (32 entries: the most a frontend may post).
 */
static void test_hostile_requests(void **state)
{
    struct rig r;
    struct batch b = { .n = 0 };
    void *page;

    (void)state;
    rig_up(&r);

    write_req(&r, &b, 1, 1, false);
    /* Sector 8 would be queue 1's first sector, 0xffff far beyond. */
    add(&b, 2, SD_OP_WRITE, SD_SECTORS, data_slot(&r, &b, GTF_permit_access,
                                                  &page), 0, SD_RSP_EINVAL);
    add(&b, 3, SD_OP_READ, 0xffff, data_slot(&r, &b, GTF_permit_access,
                                             &page), 0, SD_RSP_EINVAL);
    add(&b, 4, 0, 1, data_slot(&r, &b, GTF_permit_access, &page), 0,
        SD_RSP_EINVAL);
    add(&b, 5, 3, 1, data_slot(&r, &b, GTF_permit_access, &page), 0,
        SD_RSP_EINVAL);
    add(&b, 6, 0xff, 1, data_slot(&r, &b, GTF_permit_access, &page), 0,
        SD_RSP_EINVAL);
    read_req(&r, &b, 7, 1);
    bad_grant(&b, REF_NO_FLAGS, 1, true, true);
    bad_grant(&b, REF_OTHER_DOM, 1, true, true);
    bad_grant(&b, REF_NO_RAM, 1, true, true);
    /* Read-only: the backend may read it (WRITE), never write it (READ). */
    bad_grant(&b, REF_READONLY, 1, true, false);
    add(&b, 8, SD_OP_WRITE, 5, REF_READONLY, 0, SD_RSP_OKAY)->check_csum =
        true;
    b.r[b.n - 1].csum = page_csum(front_page(&r, CANARY_GFN + 2));
    b.r[b.n - 1].req.csum = b.r[b.n - 1].csum;
    r.sector_sum[5] = b.r[b.n - 1].csum;
    read_req(&r, &b, 9, 5);
    write_req(&r, &b, 10, 2, true);     /* the checksum lies */
    read_req(&r, &b, 11, 2);
    /* Good requests fill the ring up: 32 posted at once is allowed. */
    while ( b.n < SD_RING_SIZE )
    {
        if ( b.n % 2 )
            write_req(&r, &b, 12 + b.n, 6 + b.n % 4 / 2, false);
        else
            read_req(&r, &b, 12 + b.n, 6 + b.n % 4 / 2);
    }
    assert_int_equal(b.n, SD_RING_SIZE);
    run_batch(&r, &b);

    /* Refs with no entry at all: just past the table, and far past it. */
    b.n = 0;
    bad_grant(&b, r.beyond, 3, true, true);
    bad_grant(&b, REF_HUGE, 3, true, true);
    write_req(&r, &b, 12, 3, false);
    read_req(&r, &b, 13, 3);
    run_batch(&r, &b);
    assert_true(r.b.c.grant_maps >= 6 && r.b.c.grant_copies >= 6);

    rig_down(&r);
}

/*
 * Grants of frames that are in the hostile guest's physmap but are not its
 * RAM: its own grant-table frame, and a page it mapped from the third
 * guest and grants on.  The backend may neither read nor write either;
 * the third guest's page stays as it was.
 */
static void test_hostile_foreign_frames(void **state)
{
    struct rig r;
    struct batch b = { .n = 0 };
    struct sd_env oenv;
    grant_entry_v1_t *ogt;
    struct gnttab_map_grant_ref m = {
        .host_addr = (uint64_t)MAPPED_GFN << PAGE_SHIFT,
        .flags = GNTMAP_host_map, .ref = SD_FIRST_REF, .dom = OTHER_ID,
    };
    struct gnttab_unmap_grant_ref u;
    void *opage;

    (void)state;
    rig_up(&r);
    /* The third guest grants the hostile one a page, which maps it. */
    populate(r.od, SD_FRONT_DATA_GFN, 1);
    opage = world_guest_page(r.od, SD_FRONT_DATA_GFN);
    assert_non_null(opage);
    fill(opage, canary_seed(CANARIES + 1));
    assert_int_equal(sd_env_init(&oenv, r.od), 0);
    ogt = sd_front_map_gnttab(&oenv);
    assert_non_null(ogt);
    ogt[SD_FIRST_REF].domid = FRONT_ID;
    ogt[SD_FIRST_REF].frame = SD_FRONT_DATA_GFN;
    hal_smp_wmb();
    hal_write_once(&ogt[SD_FIRST_REF].flags, (uint16_t)GTF_permit_access);
    assert_int_equal(sd_env_hypercall(&r.fenv, 0, __HYPERVISOR_grant_table_op,
                                      GNTTABOP_map_grant_ref, &m, sizeof(m),
                                      1), 0);
    assert_int_equal(m.status, GNTST_okay);

    grant(&r, REF_GNTTAB, BACK_ID, SD_FRONT_GNTTAB_GFN, GTF_permit_access);
    grant(&r, REF_MAPPED, BACK_ID, MAPPED_GFN, GTF_permit_access);
    bad_grant(&b, REF_GNTTAB, 3, true, true);
    bad_grant(&b, REF_MAPPED, 3, true, true);
    write_req(&r, &b, 1, 3, false);
    read_req(&r, &b, 2, 3);
    run_batch(&r, &b);
    assert_true(filled_with(opage, canary_seed(CANARIES + 1)));
    assert_int_equal(r.gt[r.xs.ring_ref].domid, BACK_ID);

    revoke(&r, REF_GNTTAB);
    revoke(&r, REF_MAPPED);
    u = (struct gnttab_unmap_grant_ref){ .host_addr = m.host_addr,
                                         .handle = m.handle };
    assert_int_equal(sd_env_hypercall(&r.fenv, 0, __HYPERVISOR_grant_table_op,
                                      GNTTABOP_unmap_grant_ref, &u, sizeof(u),
                                      1), 0);
    assert_int_equal(u.status, GNTST_okay);
    assert_int_equal(hal_read_once(&ogt[SD_FIRST_REF].flags),
                     GTF_permit_access);
    hal_write_once(&ogt[SD_FIRST_REF].flags, (uint16_t)0);
    sd_env_unmap_global(&oenv, ogt);
    sd_env_fini(&oenv);
    rig_down(&r);
}

/* Grants revoked after the request was posted, before it was served. */
static void test_hostile_revoke(void **state)
{
    struct rig r;
    struct batch b = { .n = 0 };
    void *page;

    (void)state;
    rig_up(&r);
    write_req(&r, &b, 1, 4, false);
    run_batch(&r, &b);

    b.n = 0;
    grant(&r, REF_REVOKED, BACK_ID, CANARY_GFN + 3, GTF_permit_access);
    bad_grant(&b, REF_REVOKED, 4, true, true);
    /* A data slot granted and revoked the same way. */
    add(&b, 20, SD_OP_READ, 4, data_slot(&r, &b, GTF_permit_access, &page),
        0, SD_RSP_EIO);
    add(&b, 21, SD_OP_WRITE, 4, data_slot(&r, &b, GTF_permit_access, &page),
        0, SD_RSP_EIO);
    read_req(&r, &b, 22, 4);
    post(&r, &b);
    revoke(&r, REF_REVOKED);
    revoke(&r, DATA_REF + 4);
    revoke(&r, DATA_REF + 5);
    /* complete() checks that neither the canary nor sector 4 changed. */
    complete(&r, &b);
    rig_down(&r);
}

/* Ids are the frontend's business: each comes back as posted, in order. */
static void test_hostile_repeated_ids(void **state)
{
    struct rig r;
    struct batch b = { .n = 0 };
    void *page;

    (void)state;
    rig_up(&r);
    write_req(&r, &b, 7, 3, false);
    read_req(&r, &b, 7, 3);
    add(&b, 7, 9, 3, data_slot(&r, &b, GTF_permit_access, &page), 0,
        SD_RSP_EINVAL);
    write_req(&r, &b, 7, 3, false);
    read_req(&r, &b, 7, 3);
    write_req(&r, &b, ~0ULL, 6, false);
    read_req(&r, &b, ~0ULL, 6);
    read_req(&r, &b, 7, 3);
    run_batch(&r, &b);
    /* The same ids again in the next batch. */
    b.n = 0;
    read_req(&r, &b, 7, 6);
    read_req(&r, &b, ~0ULL, 3);
    run_batch(&r, &b);
    rig_down(&r);
}

/**
 * After a good batch, the hostile guest moves `req_prod` by `delta` past
 * what the backend consumed: the backend must declare the queue dead,
 * answer nothing, write nothing to the ring and stay dead.
 */
static void producer_overflow(uint32_t delta)
{
    struct rig r;
    struct batch b = { .n = 0 };
    static uint8_t ring[PAGE_SIZE];
    struct sd_sring *sr;
    unsigned long served, maps, copies;

    rig_up(&r);
    write_req(&r, &b, 1, 0, false);
    read_req(&r, &b, 2, 0);
    run_batch(&r, &b);

    sr = r.f.sring;
    hal_write_once(&sr->req_prod, r.req_prod + delta);
    memcpy(ring, sr, PAGE_SIZE);
    served = r.b.served;
    maps = r.b.c.grant_maps;
    copies = r.b.c.grant_copies;
    assert_int_equal(sd_evtchn_notify(&r.fev, 0, r.f.port), 0);
    assert_false(back_vcpu(&r));
    assert_true(r.b.dead);
    assert_string_equal(r.b.error, "request producer overflows the ring");
    assert_int_equal(r.b.served, served);
    assert_int_equal(r.b.c.grant_maps, maps);
    assert_int_equal(r.b.c.grant_copies, copies);
    assert_memory_equal(sr, ring, PAGE_SIZE);
    assert_false(sd_evtchn_upcall_pending(&r.fev, 0));

    /* More events do not wake a dead queue. */
    assert_int_equal(sd_evtchn_notify(&r.fev, 0, r.f.port), 0);
    assert_false(back_vcpu(&r));
    assert_int_equal(r.b.served, served);
    assert_memory_equal(sr, ring, PAGE_SIZE);
    check_memory(&r);
    rig_down(&r);
}

/* One past a full ring. */
static void test_hostile_producer_one_past(void **state)
{
    (void)state;
    producer_overflow(SD_RING_SIZE + 1);
}

/* Far beyond the ring. */
static void test_hostile_producer_far(void **state)
{
    (void)state;
    producer_overflow(0x40000000U);
}

/* Behind what the backend consumed. */
static void test_hostile_producer_behind(void **state)
{
    (void)state;
    producer_overflow((uint32_t)-1);
}

/**
 * What the hostile guest publishes for connecting is checked too: a ring
 * ref it never granted, granted read-only, to another domain or past its
 * table, and a port that is not waiting for the backend.  Each connect
 * fails and leaves no mapping and no port; then a good one works.
 */
static void test_hostile_connect(void **state)
{
    struct rig r;
    struct batch b = { .n = 0 };
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF,
                                      .remote_dom = OTHER_ID };
    struct evtchn_close cl;
    struct sd_xs bad;
    unsigned int i, s;
    struct {
        grant_ref_t ref;
        uint16_t flags;         /* the ring entry's flags meanwhile */
        domid_t dom;            /* its domid meanwhile */
        bool port;              /* publish a port bound for OTHER_ID */
    } cases[] = {
        { REF_NO_FLAGS, 0, 0, false },
        { 0, GTF_permit_access | GTF_readonly, BACK_ID, false },
        { 0, GTF_permit_access, OTHER_ID, false },
        { 0, GTF_permit_access, BACK_ID, true },
    };

    (void)state;
    rig_build(&r);
    assert_int_equal(sd_env_hypercall(&r.fenv, 0,
                                      __HYPERVISOR_event_channel_op,
                                      EVTCHNOP_alloc_unbound, &a, sizeof(a),
                                      0), 0);
    /* Data the queue's sectors hold from before: a failed connect keeps it. */
    for ( s = 0; s < SD_SECTORS; s++ )
        fill(back_page(&r, SD_BACK_STORE_GFN + s), back_canary_seed(s));
    for ( i = 0; i < 4 + 2; i++ )
    {
        bad = r.xs;
        if ( i < 4 )
        {
            if ( cases[i].ref )
                bad.ring_ref = cases[i].ref;
            else
                grant(&r, r.xs.ring_ref, cases[i].dom,
                      SD_FRONT_RING_GFN, cases[i].flags);
            if ( cases[i].port )
                bad.port = a.port;
        }
        else
            bad.ring_ref = i == 4 ? r.beyond : REF_HUGE;
        assert_true(sd_back_connect(&r.b, &r.benv, &r.bev, FRONT_ID, 0, 0,
                                    &bad) < 0);
        grant(&r, r.xs.ring_ref, BACK_ID, SD_FRONT_RING_GFN,
              GTF_permit_access);
        assert_int_equal(maptrack_in_use(r.bd), 0);
        assert_int_equal(active_ports(r.bd), 0);
        assert_int_equal(hal_read_once(&r.gt[r.xs.ring_ref].flags) &
                         (GTF_reading | GTF_writing), 0);
        assert_int_equal(gnttab_check(), 0);
        assert_int_equal(evtchn_check(), 0);
        for ( s = 0; s < SD_SECTORS; s++ )
            assert_true(filled_with(back_page(&r, SD_BACK_STORE_GFN + s),
                                    back_canary_seed(s)));
    }
    /* The port meant for another domain is still waiting for it. */
    cl.port = a.port;
    assert_int_equal(sd_env_hypercall(&r.fenv, 0,
                                      __HYPERVISOR_event_channel_op,
                                      EVTCHNOP_close, &cl, sizeof(cl), 0), 0);

    rig_connect(&r);
    write_req(&r, &b, 1, 7, false);
    read_req(&r, &b, 2, 7);
    run_batch(&r, &b);
    rig_down(&r);
}

/*
 * Two vCPU threads: the backend serves while the hostile guest rewrites
 * the sector and grant ref of requests it already posted.  A response's
 * id, status and checksum share no byte with those two fields, so the
 * rewrites cannot clobber an answer; what the backend makes of a torn
 * request is unknown, but never more than one of the outcomes allowed.
 */
#define RACE_ROUNDS_NATIVE 48U
#define RACE_ROUNDS_VALGRIND 8U
#define RACE_W 4U                   /* data slots 0..3: WRITE sources */
#define RACE_R 4U                   /* data slots 4..7: READ targets */
#define RACE_TIMEOUT_NS (20ULL * 1000000000ULL)

struct race {
    struct rig *r;
    unsigned int rounds;
    uint64_t w_sum[RACE_W];
    uint8_t op[RACE_ROUNDS_NATIVE * SD_RING_SIZE];
    uint64_t csum[RACE_ROUNDS_NATIVE * SD_RING_SIZE];
    struct sd_response rsp[RACE_ROUNDS_NATIVE * SD_RING_SIZE];
    unsigned long rewrites;
    bool stop;
    const char *failure;            /* set by a vCPU thread */
};

static const grant_ref_t race_refs[] = {
    DATA_REF + 0, DATA_REF + 1, DATA_REF + 2, DATA_REF + 3,
    DATA_REF + 4, DATA_REF + 5, DATA_REF + 6, DATA_REF + 7,
    REF_NO_FLAGS, REF_OTHER_DOM, REF_NO_RAM, REF_READONLY, REF_HUGE,
};
static const uint16_t race_sectors[] = { 0, 1, 2, 3, 4, 5, 6, 7,
                                         SD_SECTORS, 0xffff };

/** A sector the race posts or rewrites: in range or not. */
static uint16_t race_sector(uint64_t x)
{
    return race_sectors[x % (sizeof(race_sectors) / sizeof(*race_sectors))];
}

/** A ref the race posts or rewrites: usable or not. */
static grant_ref_t race_ref(uint64_t x)
{
    return race_refs[x % (sizeof(race_refs) / sizeof(*race_refs))];
}

/** The hostile guest's vCPU: posts, rewrites, collects. */
static void race_front(struct race *rc)
{
    struct rig *r = rc->r;
    struct sd_sring *sr = r->f.sring;
    uint64_t rng = 12345;
    unsigned int round, i;

    for ( round = 0; round < rc->rounds && !rc->failure; round++ )
    {
        uint32_t old = r->req_prod;
        uint64_t start = hal_time_ns();

        for ( i = 0; i < SD_RING_SIZE; i++ )
        {
            unsigned int pos = round * SD_RING_SIZE + i;
            struct sd_request *q = &sr->ring[(old + i) % SD_RING_SIZE].req;
            uint64_t x = next_rand(&rng);

            rc->op[pos] = x % 3 == 0 ? 0x7f
                        : x % 3 == 1 ? SD_OP_WRITE : SD_OP_READ;
            rc->csum[pos] = x & 8 ? rc->w_sum[(x >> 4) % RACE_W] : x;
            memset(q, 0, sizeof(*q));
            q->id = pos;
            q->op = rc->op[pos];
            q->csum = rc->csum[pos];
            q->sector = race_sector(x >> 8);
            q->gref = race_ref(x >> 16);
        }
        r->req_prod += SD_RING_SIZE;
        if ( sd_ring_push(&sr->req_prod, &sr->req_event, old, r->req_prod) &&
             sd_evtchn_notify(&r->fev, 0, r->f.port) )
            rc->failure = "EVTCHNOP_send failed";

        /*
         * Rewrite until the answers are out, without yielding: the point
         * is to be running while the backend copies and checks.
         */
        while ( hal_load_acquire(&sr->rsp_prod) != r->req_prod )
        {
            uint64_t x = next_rand(&rng);
            struct sd_request *q =
                &sr->ring[(old + x % SD_RING_SIZE) % SD_RING_SIZE].req;

            /* Half of the rewrites put a sector out of range. */
            hal_write_once(&q->sector,
                           x & 1 ? race_sector(x >> 8)
                                 : (uint16_t)(x & 2 ? SD_SECTORS : 0xffff));
            hal_write_once(&q->gref, race_ref(x >> 16));
            rc->rewrites++;
            if ( hal_time_ns() - start > RACE_TIMEOUT_NS )
            {
                rc->failure = "no response within the timeout";
                break;
            }
        }
        if ( rc->failure )
            break;
        if ( sd_evtchn_upcall_pending(&r->fev, 0) )
            (void)sd_evtchn_upcall(&r->fev, 0);
        for ( i = 0; i < SD_RING_SIZE; i++ )
            memcpy(&rc->rsp[round * SD_RING_SIZE + i],
                   &sr->ring[(r->rsp_cons + i) % SD_RING_SIZE].rsp,
                   sizeof(struct sd_response));
        r->rsp_cons += SD_RING_SIZE;
        (void)sd_ring_final_check(&sr->rsp_prod, &sr->rsp_event,
                                  r->rsp_cons);
    }
    hal_write_once(&rc->stop, true);
}

/** pCPU 0 runs the backend's vCPU, pCPU 1 the hostile guest's. */
static void race_cpu(unsigned int cpu, void *arg)
{
    struct race *rc = arg;

    if ( cpu == 1 )
    {
        race_front(rc);
        return;
    }
    while ( !hal_read_once(&rc->stop) )
        if ( !back_vcpu(rc->r) )
            hal_cpu_relax();
}

/** True if `sum` is that of a page a sector or READ page may hold. */
static bool race_allowed(const struct race *rc, uint64_t sum)
{
    uint8_t page[PAGE_SIZE];
    unsigned int i;

    for ( i = 0; i < RACE_W; i++ )
        if ( sum == rc->w_sum[i] )
            return true;
    memset(page, 0, PAGE_SIZE);
    if ( sum == page_csum(page) )
        return true;
    memset(page, 0xa5, PAGE_SIZE);
    if ( sum == page_csum(page) )
        return true;
    /* Granted read-only to the backend: a WRITE may store it. */
    fill(page, canary_seed(2));
    return sum == page_csum(page);
}

/* The race (see above), then every response and page checked. */
static void test_hostile_rewrite_race(void **state)
{
    struct rig r;
    struct race *rc = calloc(1, sizeof(*rc));
    unsigned int i, n;

    (void)state;
    assert_non_null(rc);
    rig_up(&r);
    rc->r = &r;
    rc->rounds = getenv("HVCORE_UNDER_VALGRIND") ? RACE_ROUNDS_VALGRIND
                                                 : RACE_ROUNDS_NATIVE;
    for ( i = 0; i < RACE_W; i++ )
    {
        void *p = front_page(&r, SD_FRONT_DATA_GFN + i);

        fill(p, 0x1000 + i);
        rc->w_sum[i] = page_csum(p);
        grant(&r, DATA_REF + i, BACK_ID, SD_FRONT_DATA_GFN + i,
              GTF_permit_access | GTF_readonly);
    }
    for ( i = RACE_W; i < RACE_W + RACE_R; i++ )
    {
        memset(front_page(&r, SD_FRONT_DATA_GFN + i), 0xa5, PAGE_SIZE);
        grant(&r, DATA_REF + i, BACK_ID, SD_FRONT_DATA_GFN + i,
              GTF_permit_access);
    }

    sim_run_cpus(2, race_cpu, rc);
    if ( rc->failure )
        fail_msg("%s", rc->failure);
    n = rc->rounds * SD_RING_SIZE;
    assert_false(r.b.dead);
    assert_int_equal(r.b.served, n);
    assert_true(rc->rewrites > 0);

    for ( i = 0; i < n; i++ )
    {
        const struct sd_response *p = &rc->rsp[i];

        assert_true(p->id == i);
        if ( rc->op[i] != SD_OP_WRITE && rc->op[i] != SD_OP_READ )
            assert_int_equal(p->status, SD_RSP_EINVAL);
        else
            assert_true(p->status == SD_RSP_OKAY ||
                        p->status == SD_RSP_EIO ||
                        p->status == SD_RSP_EINVAL ||
                        (p->status == SD_RSP_ECSUM &&
                         rc->op[i] == SD_OP_WRITE));
        /* A WRITE accepted stored exactly the page it vouched for. */
        if ( rc->op[i] == SD_OP_WRITE && p->status == SD_RSP_OKAY )
            assert_true(p->csum == rc->csum[i]);
        if ( rc->op[i] == SD_OP_READ && p->status == SD_RSP_OKAY )
            assert_true(race_allowed(rc, p->csum));
    }
    /* WRITE sources intact; sectors and READ pages hold whole pages. */
    for ( i = 0; i < RACE_W; i++ )
    {
        assert_true(page_csum(front_page(&r, SD_FRONT_DATA_GFN + i)) ==
                    rc->w_sum[i]);
        revoke(&r, DATA_REF + i);
    }
    for ( i = RACE_W; i < RACE_W + RACE_R; i++ )
    {
        assert_true(race_allowed(
            rc, page_csum(front_page(&r, SD_FRONT_DATA_GFN + i))));
        revoke(&r, DATA_REF + i);
    }
    for ( i = 0; i < SD_SECTORS; i++ )
    {
        r.sector_sum[i] = page_csum(back_page(&r, SD_BACK_STORE_GFN + i));
        assert_true(race_allowed(rc, r.sector_sum[i]));
    }
    check_memory(&r);
    free(rc);
    rig_down(&r);
}

/*
 * The hostile guest posts requests and is destroyed before the backend
 * serves them: the backend still reads the ring it maps, fails every
 * request (the grants went with the guest), and disconnects cleanly.
 */
static void test_hostile_guest_dies(void **state)
{
    struct rig r;
    struct batch b = { .n = 0 };
    struct sd_sring *bsr;
    unsigned int i;

    (void)state;
    rig_up(&r);
    write_req(&r, &b, 1, 2, false);
    run_batch(&r, &b);

    b.n = 0;
    write_req(&r, &b, 2, 2, false);
    write_req(&r, &b, 3, 2, false);
    read_req(&r, &b, 4, 2);
    read_req(&r, &b, 5, 2);
    post(&r, &b);
    /* The backend keeps its model of sector 2: nothing may reach it. */
    r.sector_sum[2] = page_csum(back_page(&r, SD_BACK_STORE_GFN + 2));

    sd_env_unmap_global(&r.fenv, r.f.sring);
    front_env_down(&r);
    r.front_up = false;
    world_destroy(r.fd);
    r.fd = NULL;

    assert_true(back_vcpu(&r));
    assert_int_equal(r.b.served, 5);
    bsr = r.b.sring;
    assert_int_equal(hal_load_acquire(&bsr->rsp_prod), 5);
    for ( i = 0; i < b.n; i++ )
    {
        const struct sd_response *p = &bsr->ring[(1 + i) % SD_RING_SIZE].rsp;

        assert_true(p->id == b.r[i].req.id);
        assert_int_equal(p->status, SD_RSP_EIO);
    }
    assert_int_equal(r.b.c.errors, b.n);
    assert_string_equal(r.b.error, "grant operation failed");
    /* Its port is unbound now; the notification was dropped, not failed. */
    assert_int_equal(active_ports(r.bd), 1);
    check_memory(&r);
    rig_down(&r);
}

/*
 * A READ whose data grant is the ring page itself: the backend overwrites
 * the ring with a sector of zeroes mid-batch.  Its own indices are private,
 * so it answers the READ, then sees a producer behind its consumer and
 * declares the queue dead instead of serving what the page now says.
 */
static void test_hostile_read_into_ring(void **state)
{
    struct rig r;
    struct batch b = { .n = 0 };
    struct sd_sring *sr;
    struct sd_response rsp;

    (void)state;
    rig_up(&r);
    write_req(&r, &b, 1, 0, false);
    run_batch(&r, &b);

    b.n = 0;
    add(&b, 2, SD_OP_READ, 7, r.xs.ring_ref, 0, SD_RSP_OKAY);
    post(&r, &b);
    assert_true(back_vcpu(&r));
    assert_true(r.b.dead);
    assert_string_equal(r.b.error, "request producer overflows the ring");
    assert_int_equal(r.b.served, 2);
    /* The answer went out (into the zeroed ring) with the sector's sum. */
    sr = r.f.sring;
    assert_int_equal(hal_load_acquire(&sr->rsp_prod), 2);
    memcpy(&rsp, &sr->ring[1].rsp, sizeof(rsp));
    assert_true(rsp.id == 2);
    assert_int_equal(rsp.status, SD_RSP_OKAY);
    assert_true(rsp.csum == r.sector_sum[7]);
    assert_int_equal(hal_load_acquire(&sr->req_prod), 0);
    assert_int_equal(maptrack_in_use(r.bd), 1);
    check_memory(&r);
    rig_down(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hostile_requests, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_foreign_frames,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_revoke, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_repeated_ids,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_producer_one_past,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_producer_far,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_producer_behind,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_connect, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_rewrite_race,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_guest_dies,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_read_into_ring,
                                        world_setup, world_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
