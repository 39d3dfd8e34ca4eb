/* SPDX-License-Identifier: MIT */
/*
 * The split driver's frontend (splitdrv.h): an unprivileged guest's side
 * of each queue.  It issues whole-page WRITE and READ requests on the
 * backend's sectors, granting one data page per request (read-only for a
 * WRITE, writable for a READ) and revoking it when the response arrives,
 * as blkfront does without persistent grants.  It remembers the checksum
 * of the last page it wrote to each sector; since a queue's backend serves
 * requests in ring order, a READ must return exactly that.
 */
#include <common/errno.h>
#include <common/string.h>
#include <public/memory.h>
#include <public/xen.h>

#include "splitdrv.h"

/** xorshift64*: the frontend's request and payload stream. */
static uint64_t sd_rand(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/** See splitdrv.h. */
grant_entry_v1_t *sd_front_map_gnttab(struct sd_env *env)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = 0,
        .gpfn = SD_FRONT_GNTTAB_GFN,
    };

    if ( sd_env_hypercall(env, 0, __HYPERVISOR_memory_op,
                          XENMEM_add_to_physmap, &x, sizeof(x), 0) )
        return NULL;
    return sd_env_map_global(env, SD_FRONT_GNTTAB_GFN);
}

/** Publishes a v1 grant: frame and domid, a barrier, then the flags. */
static void sd_grant(struct sd_front *f, grant_ref_t ref, uint64_t gfn,
                     bool readonly)
{
    grant_entry_v1_t *e = &f->gnttab[ref];

    hal_write_once(&e->domid, f->backend);
    hal_write_once(&e->frame, (uint32_t)gfn);
    hal_smp_wmb();
    hal_write_once(&e->flags, (uint16_t)(GTF_permit_access |
                                         (readonly ? GTF_readonly : 0)));
}

/**
 * Revokes a grant the way Linux's gnttab_end_foreign_access_ref does:
 * clear the flags only if the hypervisor has no mapping or copy in
 * progress.  Returns 0 or -EBUSY.
 */
static int sd_end_access(struct sd_front *f, grant_ref_t ref)
{
    uint16_t *flags = &f->gnttab[ref].flags;
    uint16_t v = hal_read_once(flags);

    do {
        if ( v & (GTF_reading | GTF_writing) )
            return -EBUSY;
    } while ( !hal_cmpxchg(flags, &v, 0) );
    return 0;
}

static grant_ref_t sd_ring_ref(unsigned int queue)
{
    return SD_FIRST_REF + queue * SD_REFS_PER_QUEUE;
}

static grant_ref_t sd_data_ref(const struct sd_front *f, unsigned int slot)
{
    return sd_ring_ref(f->queue) + 1 + slot;
}

static uint64_t sd_data_gfn(const struct sd_front *f, unsigned int slot)
{
    return SD_FRONT_DATA_GFN + f->queue * SD_RING_SIZE + slot;
}

/** See splitdrv.h. */
int sd_front_connect(struct sd_front *f, struct sd_env *env,
                     struct sd_evtchn *ev, grant_entry_v1_t *gnttab,
                     domid_t backend, unsigned int queue, unsigned int vcpu,
                     unsigned long total, uint64_t seed, struct sd_xs *xs)
{
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF,
                                      .remote_dom = backend };
    uint64_t ring_gfn = SD_FRONT_RING_GFN + queue;
    void *zero;
    unsigned int s;
    uint64_t zsum;
    long rc;

    memset(f, 0, sizeof(*f));
    f->env = env;
    f->ev = ev;
    f->gnttab = gnttab;
    f->backend = backend;
    f->queue = queue;
    f->vcpu = vcpu;
    f->total = total;
    f->rng = seed | 1;
    f->ring_ref = sd_ring_ref(queue);

    /* Every sector starts as zeroes (the backend clears them). */
    zero = sd_env_map(env, sd_data_gfn(f, 0));
    if ( !zero )
        return -EFAULT;
    memset(zero, 0, PAGE_SIZE);
    zsum = sd_csum(zero, SD_SECTOR_SIZE);
    sd_env_unmap(env, zero);
    for ( s = 0; s < SD_SECTORS; s++ )
        f->sector_sum[s] = zsum;

    f->sring = sd_env_map_global(env, ring_gfn);
    if ( !f->sring )
        return -EFAULT;
    memset(f->sring, 0, PAGE_SIZE);
    sd_sring_init(f->sring);

    rc = sd_env_hypercall(env, vcpu, __HYPERVISOR_event_channel_op,
                          EVTCHNOP_alloc_unbound, &a, sizeof(a), 0);
    if ( rc )
        goto fail;
    f->port = a.port;
    rc = sd_evtchn_bind(ev, f->port, vcpu, f);
    if ( rc )
    {
        (void)sd_evtchn_close(ev, vcpu, f->port);
        goto fail;
    }
    sd_grant(f, f->ring_ref, ring_gfn, false);
    xs->ring_ref = f->ring_ref;
    xs->port = f->port;
    /* Nothing has been sent yet: look at the ring on the first run. */
    f->kicked = true;
    return 0;

 fail:
    sd_env_unmap_global(env, f->sring);
    f->sring = NULL;
    return (int)rc;
}

/** Stops the queue on a protocol or data error. */
static void sd_front_fail(struct sd_front *f, const char *why)
{
    f->c.errors++;
    if ( !f->error )
        f->error = why;
}

/** Checks and retires one response; false if it breaks the protocol. */
static bool sd_front_complete(struct sd_front *f,
                              const struct sd_response *rsp)
{
    struct sd_front_slot *s;
    uint64_t got;
    uint8_t *page;

    if ( rsp->id >= SD_RING_SIZE || !f->slot[rsp->id].busy )
    {
        sd_front_fail(f, "response for no request");
        return false;
    }
    s = &f->slot[rsp->id];
    if ( sd_end_access(f, sd_data_ref(f, (unsigned int)rsp->id)) )
    {
        sd_front_fail(f, "data grant still in use after its response");
        return false;
    }
    if ( rsp->status != SD_RSP_OKAY )
        sd_front_fail(f, "backend returned an error");
    else if ( rsp->csum != s->expect )
        sd_front_fail(f, "backend checksum differs from the data written");
    else if ( s->op == SD_OP_READ )
    {
        page = sd_env_map(f->env, sd_data_gfn(f, (unsigned int)rsp->id));
        got = page ? sd_csum(page, SD_SECTOR_SIZE) : 0;
        if ( page )
            sd_env_unmap(f->env, page);
        if ( got != s->expect )
            sd_front_fail(f, "data read back differs from the data written");
        else
            f->c.reads++;
    }
    else
        f->c.writes++;
    f->c.bytes += SD_SECTOR_SIZE;
    s->busy = false;
    f->inflight--;
    hal_write_once(&f->completed, f->completed + 1);
    return true;
}

/** Consumes every response; false on a protocol error. */
static bool sd_front_responses(struct sd_front *f, bool *progress)
{
    struct sd_sring *sr = f->sring;
    struct sd_response rsp;
    uint32_t rp;

    do {
        rp = hal_load_acquire(&sr->rsp_prod);
        if ( (uint32_t)(rp - f->rsp_cons) > f->inflight )
        {
            sd_front_fail(f, "backend produced more responses than requests");
            return false;
        }
        while ( f->rsp_cons != rp )
        {
            memcpy(&rsp, &sr->ring[f->rsp_cons % SD_RING_SIZE].rsp,
                   sizeof(rsp));
            f->rsp_cons++;
            *progress = true;
            if ( !sd_front_complete(f, &rsp) )
                return false;
        }
    } while ( sd_ring_final_check(&sr->rsp_prod, &sr->rsp_event,
                                  f->rsp_cons) );
    return true;
}

/** Fills one request in slot `idx`; its page is granted. */
static void sd_front_build(struct sd_front *f, unsigned int idx,
                           struct sd_request *req)
{
    struct sd_front_slot *s = &f->slot[idx];
    uint64_t r = sd_rand(&f->rng);
    uint64_t *page = sd_env_map(f->env, sd_data_gfn(f, idx));
    unsigned int i;

    s->busy = true;
    s->sector = (uint16_t)(r % SD_SECTORS);
    s->op = (r >> 32) & 1 ? SD_OP_WRITE : SD_OP_READ;
    if ( s->op == SD_OP_WRITE )
    {
        for ( i = 0; i < SD_SECTOR_SIZE / 8; i++ )
            page[i] = sd_rand(&f->rng);
        s->expect = sd_csum(page, SD_SECTOR_SIZE);
        f->sector_sum[s->sector] = s->expect;
    }
    else
    {
        /* Poison, so a READ the backend did not fill fails its check. */
        memset(page, 0xa5, SD_SECTOR_SIZE);
        s->expect = f->sector_sum[s->sector];
    }
    sd_env_unmap(f->env, page);
    sd_grant(f, sd_data_ref(f, idx), sd_data_gfn(f, idx),
             s->op == SD_OP_WRITE);

    memset(req, 0, sizeof(*req));
    req->id = idx;
    req->op = s->op;
    req->sector = s->sector;
    req->gref = sd_data_ref(f, idx);
    req->csum = s->op == SD_OP_WRITE ? s->expect : 0;
}

/** See splitdrv.h. */
bool sd_front_run(struct sd_front *f)
{
    struct sd_sring *sr = f->sring;
    bool progress = false;
    uint32_t old;

    if ( f->dead )
        return false;
    if ( hal_xchg(&f->kicked, false) && !sd_front_responses(f, &progress) )
    {
        f->dead = true;
        return true;
    }
    old = f->req_prod_pvt;
    while ( f->inflight < SD_RING_SIZE && f->submitted < f->total )
    {
        unsigned int idx = f->req_prod_pvt % SD_RING_SIZE;
        struct sd_request req;

        sd_front_build(f, idx, &req);
        memcpy(&sr->ring[idx].req, &req, sizeof(req));
        f->req_prod_pvt++;
        f->inflight++;
        f->submitted++;
    }
    if ( f->req_prod_pvt != old )
    {
        progress = true;
        if ( sd_ring_push(&sr->req_prod, &sr->req_event, old,
                          f->req_prod_pvt) )
        {
            if ( sd_evtchn_notify(f->ev, f->vcpu, f->port) )
                sd_front_fail(f, "EVTCHNOP_send failed");
            else
                f->c.sent++;
        }
    }
    return progress;
}

/** See splitdrv.h. */
bool sd_front_done(const struct sd_front *f)
{
    return f->dead || hal_read_once(&f->completed) == f->total;
}

/** See splitdrv.h. */
void sd_front_event(void *arg, unsigned int port)
{
    struct sd_front *f = arg;

    f->c.kicks++;
    hal_write_once(&f->kicked, true);
}

/** See splitdrv.h. */
int sd_front_disconnect(struct sd_front *f)
{
    unsigned int s;
    int rc = 0;

    if ( sd_evtchn_close(f->ev, f->vcpu, f->port) )
        rc = -EINVAL;
    if ( sd_end_access(f, f->ring_ref) )
        rc = -EBUSY;
    /* A dead queue may leave requests in flight: revoke their pages. */
    for ( s = 0; s < SD_RING_SIZE; s++ )
        if ( f->slot[s].busy && sd_end_access(f, sd_data_ref(f, s)) )
            rc = -EBUSY;
    sd_env_unmap_global(f->env, f->sring);
    f->sring = NULL;
    return rc;
}
