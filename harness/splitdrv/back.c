/* SPDX-License-Identifier: MIT */
/*
 * The split driver's backend (splitdrv.h): the privileged domain's side of
 * each queue.  Requests are copied out of the shared ring before use and
 * checked (the frontend is not trusted); each page moves by grant map or
 * by grant copy, alternately, so both paths carry data.  Every response
 * carries the checksum of the sector as the backend stored or sent it.
 */
#include <common/errno.h>
#include <common/string.h>
#include <public/xen.h>

#include "splitdrv.h"

static long sd_gnttab_op(struct sd_back *b, unsigned int cmd, void *op,
                         unsigned int size)
{
    return sd_env_hypercall(b->env, b->vcpu, __HYPERVISOR_grant_table_op,
                            cmd, op, size, 1);
}

static uint64_t sd_store_gfn(const struct sd_back *b, unsigned int sector)
{
    return SD_BACK_STORE_GFN + b->queue * SD_SECTORS + sector;
}

/** Maps `ref` of the frontend at `gfn`; GNTST_* status. */
static int16_t sd_map(struct sd_back *b, grant_ref_t ref, uint64_t gfn,
                      bool readonly, grant_handle_t *handle)
{
    struct gnttab_map_grant_ref m = {
        .host_addr = gfn << PAGE_SHIFT,
        .flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0),
        .ref = ref, .dom = b->frontend, .status = GNTST_general_error,
    };

    if ( sd_gnttab_op(b, GNTTABOP_map_grant_ref, &m, sizeof(m)) )
        return GNTST_general_error;
    if ( m.status == GNTST_okay )
    {
        *handle = m.handle;
        b->c.grant_maps++;
    }
    return m.status;
}

static int16_t sd_unmap(struct sd_back *b, uint64_t gfn, grant_handle_t h)
{
    struct gnttab_unmap_grant_ref u = {
        .host_addr = gfn << PAGE_SHIFT, .handle = h,
        .status = GNTST_general_error,
    };

    if ( sd_gnttab_op(b, GNTTABOP_unmap_grant_ref, &u, sizeof(u)) )
        return GNTST_general_error;
    return u.status;
}

/** See splitdrv.h. */
int sd_back_connect(struct sd_back *b, struct sd_env *env,
                    struct sd_evtchn *ev, domid_t frontend,
                    unsigned int queue, unsigned int vcpu,
                    const struct sd_xs *xs)
{
    struct evtchn_bind_interdomain bi = { .remote_dom = frontend,
                                          .remote_port = xs->port };
    unsigned int s;
    long rc;

    memset(b, 0, sizeof(*b));
    b->env = env;
    b->ev = ev;
    b->frontend = frontend;
    b->queue = queue;
    b->vcpu = vcpu;

    /* The queue's sectors must be RAM: checked first, cleared last. */
    for ( s = 0; s < SD_SECTORS; s++ )
    {
        void *p = sd_env_map(env, sd_store_gfn(b, s));

        if ( !p )
            return -EFAULT;
        sd_env_unmap(env, p);
    }

    if ( sd_map(b, xs->ring_ref, SD_BACK_RING_GFN + queue, false,
                &b->ring_handle) != GNTST_okay )
        return -EACCES;
    b->ring_mapped = true;
    b->sring = sd_env_map_global(env, SD_BACK_RING_GFN + queue);
    if ( !b->sring )
    {
        rc = -ENOMEM;
        goto fail;
    }

    rc = sd_env_hypercall(env, vcpu, __HYPERVISOR_event_channel_op,
                          EVTCHNOP_bind_interdomain, &bi, sizeof(bi), 0);
    if ( rc )
        goto fail;
    b->port = bi.local_port;
    rc = sd_evtchn_bind(ev, b->port, vcpu, b);
    if ( rc )
    {
        (void)sd_evtchn_close(ev, vcpu, b->port);
        goto fail;
    }
    /*
     * Nothing fails from here on: only now are the queue's sectors
     * cleared, so a connect refused (a bad ring ref or port from the
     * frontend) leaves them as they were.
     */
    for ( s = 0; s < SD_SECTORS; s++ )
    {
        void *p = sd_env_map(env, sd_store_gfn(b, s));

        memset(p, 0, PAGE_SIZE);
        sd_env_unmap(env, p);
    }
    b->kicked = true;
    return 0;

 fail:
    if ( b->sring )
        sd_env_unmap_global(env, b->sring);
    b->sring = NULL;
    (void)sd_unmap(b, SD_BACK_RING_GFN + queue, b->ring_handle);
    b->ring_mapped = false;
    return (int)rc;
}

static void sd_back_fail(struct sd_back *b, const char *why)
{
    b->c.errors++;
    if ( !b->error )
        b->error = why;
}

/**
 * Moves one sector between the frontend's granted page and the backend's
 * store: WRITE (`write`) from the granted page into sector `req->sector`,
 * READ the other way; by a map (read-only for a WRITE) and a memcpy
 * (`by_map`), or by one grant copy.
 */
static int16_t sd_back_move(struct sd_back *b, const struct sd_request *req,
                            bool write, bool by_map)
{
    uint64_t win = SD_BACK_MAP_GFN + b->queue;
    uint64_t store = sd_store_gfn(b, req->sector);
    grant_handle_t h;
    void *src, *dst;

    if ( by_map )
    {
        if ( sd_map(b, req->gref, win, write, &h) != GNTST_okay )
            return SD_RSP_EIO;
        src = sd_env_map(b->env, write ? win : store);
        dst = sd_env_map(b->env, write ? store : win);
        if ( src && dst )
            memcpy(dst, src, SD_SECTOR_SIZE);
        if ( dst )
            sd_env_unmap(b->env, dst);
        if ( src )
            sd_env_unmap(b->env, src);
        if ( sd_unmap(b, win, h) != GNTST_okay || !src || !dst )
            return SD_RSP_EIO;
    }
    else
    {
        struct gnttab_copy_ptr granted = { .u.ref = req->gref,
                                           .domid = b->frontend };
        struct gnttab_copy_ptr own = { .u.gmfn = store, .domid = DOMID_SELF };
        struct gnttab_copy c = {
            .source = write ? granted : own,
            .dest = write ? own : granted,
            .len = SD_SECTOR_SIZE,
            .flags = write ? GNTCOPY_source_gref : GNTCOPY_dest_gref,
            .status = GNTST_general_error,
        };

        if ( sd_gnttab_op(b, GNTTABOP_copy, &c, sizeof(c)) ||
             c.status != GNTST_okay )
            return SD_RSP_EIO;
        b->c.grant_copies++;
    }
    b->c.bytes += SD_SECTOR_SIZE;
    return SD_RSP_OKAY;
}

/** Serves one request (already copied out of the ring). */
static void sd_back_serve(struct sd_back *b, const struct sd_request *req,
                          struct sd_response *rsp)
{
    bool by_map = (b->served & 1) == 0;
    void *p;

    memset(rsp, 0, sizeof(*rsp));
    rsp->id = req->id;
    b->served++;
    if ( req->sector >= SD_SECTORS ||
         (req->op != SD_OP_WRITE && req->op != SD_OP_READ) )
    {
        rsp->status = SD_RSP_EINVAL;
        sd_back_fail(b, "malformed request");
        return;
    }
    rsp->status = sd_back_move(b, req, req->op == SD_OP_WRITE, by_map);
    if ( rsp->status != SD_RSP_OKAY )
    {
        sd_back_fail(b, "grant operation failed");
        return;
    }
    p = sd_env_map(b->env, sd_store_gfn(b, req->sector));
    rsp->csum = sd_csum(p, SD_SECTOR_SIZE);
    sd_env_unmap(b->env, p);
    if ( req->op == SD_OP_WRITE && rsp->csum != req->csum )
    {
        rsp->status = SD_RSP_ECSUM;
        sd_back_fail(b, "written data differs from its checksum");
    }
}

/** See splitdrv.h. */
bool sd_back_run(struct sd_back *b)
{
    struct sd_sring *sr = b->sring;
    bool progress = false;
    uint32_t rp, old;

    if ( b->dead || !hal_xchg(&b->kicked, false) )
        return false;
    old = b->rsp_prod_pvt;
    do {
        rp = hal_load_acquire(&sr->req_prod);
        if ( (uint32_t)(rp - b->req_cons) > SD_RING_SIZE )
        {
            /* A frontend claiming more requests than the ring holds. */
            sd_back_fail(b, "request producer overflows the ring");
            b->dead = true;
            break;
        }
        while ( b->req_cons != rp )
        {
            struct sd_request req;
            struct sd_response rsp;

            memcpy(&req, &sr->ring[b->req_cons % SD_RING_SIZE].req,
                   sizeof(req));
            /*
             * Only the copy is used from here on: the barrier keeps the
             * compiler from reading a field again from the shared page,
             * which the frontend may be rewriting (XSA-155's double fetch).
             */
            hal_barrier();
            b->req_cons++;
            sd_back_serve(b, &req, &rsp);
            memcpy(&sr->ring[b->rsp_prod_pvt % SD_RING_SIZE].rsp, &rsp,
                   sizeof(rsp));
            b->rsp_prod_pvt++;
            progress = true;
        }
    } while ( sd_ring_final_check(&sr->req_prod, &sr->req_event,
                                  b->req_cons) );
    if ( b->rsp_prod_pvt != old &&
         sd_ring_push(&sr->rsp_prod, &sr->rsp_event, old, b->rsp_prod_pvt) )
    {
        if ( sd_evtchn_notify(b->ev, b->vcpu, b->port) )
            sd_back_fail(b, "EVTCHNOP_send failed");
        else
            b->c.sent++;
    }
    return progress;
}

/** See splitdrv.h. */
void sd_back_event(void *arg, unsigned int port)
{
    struct sd_back *b = arg;

    b->c.kicks++;
    hal_write_once(&b->kicked, true);
}

/** See splitdrv.h. */
int sd_back_disconnect(struct sd_back *b)
{
    int rc = 0;

    if ( sd_evtchn_close(b->ev, b->vcpu, b->port) )
        rc = -EINVAL;
    sd_env_unmap_global(b->env, b->sring);
    b->sring = NULL;
    if ( b->ring_mapped &&
         sd_unmap(b, SD_BACK_RING_GFN + b->queue, b->ring_handle) !=
         GNTST_okay )
        rc = -EBUSY;
    b->ring_mapped = false;
    return rc;
}
