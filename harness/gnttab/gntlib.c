/* SPDX-License-Identifier: MIT */
/* The guest-side grant library (gntlib.h). */
#include <string.h>

#include <common/errno.h>
#include <common/hypercall.h>
#include <hal_sim/sim.h>
#include <libmm/mm.h>
#include <public/memory.h>

#include "gntlib.h"
#include "world.h"

/** See gntlib.h. */
void *gnt_frame(struct gnt_guest *g, uint64_t gfn)
{
    p2m_type_t t;
    mfn_t m = p2m_lookup(g->d, _gfn(gfn), &t);

    if ( t == p2m_invalid )
        return NULL;
    return sim_machine_frame(mfn_x(m));
}

/** Issues hypercall `nr` with `arg` written to the argument page. */
static long hcall(struct gnt_guest *g, unsigned int vcpu, unsigned int nr,
                  uint64_t a0, void *buf, size_t len, uint64_t a2)
{
    /* One argument page per vCPU, so vCPU threads never share one. */
    uint64_t args[HYPERCALL_NR_ARGS] = { a0, (GNT_ARGS_GFN + vcpu) << 12,
                                         a2 };
    char *page = gnt_frame(g, GNT_ARGS_GFN + vcpu);
    long rc;

    if ( len > 4096 )
        return -1;
    memcpy(page, buf, len);
    rc = hypercall_entry(g->d->vcpu[vcpu], nr, args);
    memcpy(buf, page, len);
    return rc;
}

/** See gntlib.h. */
long gnt_op(struct gnt_guest *g, unsigned int vcpu, unsigned int cmd,
            void *ops, unsigned int count, size_t size)
{
    return hcall(g, vcpu, __HYPERVISOR_grant_table_op, cmd, ops,
                 count * size, count);
}

/** XENMEM_add_to_physmap of a grant-table index. */
static long add_to_physmap(struct gnt_guest *g, unsigned long idx,
                           uint64_t gfn)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
        .idx = idx, .gpfn = gfn,
    };

    return hcall(g, 0, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, &x,
                 sizeof(x), 0);
}

/** See gntlib.h. */
int gnt_map_table(struct gnt_guest *g, unsigned int nr)
{
    unsigned int i, nst;

    for ( i = g->nr_frames; i < nr; i++ )
    {
        if ( add_to_physmap(g, i, GNT_TABLE_GFN + i) )
            return -1;
        g->nr_frames = i + 1;
    }
    if ( g->version == 2 )
    {
        nst = (g->nr_frames * 256 + 2047) / 2048;
        for ( i = g->nr_status; i < nst; i++ )
        {
            if ( add_to_physmap(g, i | XENMAPIDX_grant_table_status,
                                GNT_STATUS_GFN + i) )
                return -1;
            g->nr_status = i + 1;
        }
    }
    return 0;
}

/** See gntlib.h. */
long gnt_set_version(struct gnt_guest *g, unsigned int version)
{
    struct gnttab_set_version s = { .version = version };
    long rc = gnt_op(g, 0, GNTTABOP_set_version, &s, 1, sizeof(s));

    if ( s.version != g->version )
    {
        g->version = s.version;
        g->nr_status = 0;
        if ( gnt_map_table(g, g->nr_frames) )
            return -1000;
    }
    return rc;
}

/** See gntlib.h. */
int gnt_guest_create_ram(struct gnt_guest *g, domid_t domid,
                         const struct domain_config *cfg,
                         unsigned int ram_frames)
{
    unsigned long done;

    memset(g, 0, sizeof(*g));
    if ( domain_create(domid, cfg, &g->d) )
        return -1;
    g->version = 1;
    if ( mm_populate_physmap(g->d, _gfn(0), ram_frames, 0, &done) )
        return -1;
    return gnt_map_table(g, 1);
}

/** See gntlib.h. */
int gnt_guest_create_ext(struct gnt_guest *g, domid_t domid,
                         unsigned int vcpus, unsigned int gnttab_ext)
{
    struct domain_config cfg;

    domain_config_default(&cfg);
    cfg.max_vcpus = vcpus;
    cfg.max_pages = 4096;
    cfg.gnttab_ext = gnttab_ext;
    return gnt_guest_create_cfg(g, domid, &cfg);
}

/** See gntlib.h. */
int gnt_guest_create(struct gnt_guest *g, domid_t domid, unsigned int vcpus)
{
    return gnt_guest_create_ext(g, domid, vcpus, 0);
}

/** See gntlib.h. */
int gnt_guest_create_cfg(struct gnt_guest *g, domid_t domid,
                         const struct domain_config *cfg)
{
    return gnt_guest_create_ram(g, domid, cfg, GNT_RAM_FRAMES);
}

/** See gntlib.h. */
void gnt_guest_destroy(struct gnt_guest *g)
{
    if ( !g->d )
        return;
    (void)world_destroy_domain(g->d);
    g->d = NULL;
}

/** The guest's view of `ref`'s entry. */
static void *entry(struct gnt_guest *g, grant_ref_t ref)
{
    unsigned int per = g->version == 1 ? 512 : 256;
    char *f = gnt_frame(g, GNT_TABLE_GFN + ref / per);

    return f + (ref % per) * (g->version == 1 ? 8 : 16);
}

static grant_status_t *status(struct gnt_guest *g, grant_ref_t ref)
{
    grant_status_t *f = gnt_frame(g, GNT_STATUS_GFN + ref / 2048);

    return f + ref % 2048;
}

/** Publishes a header: fields first, a barrier, then the flags. */
static void publish(struct gnt_guest *g, grant_ref_t ref, uint16_t flags,
                    domid_t to)
{
    grant_entry_header_t *h = entry(g, ref);

    __atomic_store_n(&h->domid, to, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&h->flags, flags, __ATOMIC_RELAXED);
}

/** See gntlib.h. */
void gnt_grant_access(struct gnt_guest *g, grant_ref_t ref, domid_t to,
                      uint64_t gfn, bool readonly)
{
    uint16_t f = GTF_permit_access | (readonly ? GTF_readonly : 0);

    if ( g->version == 1 )
        ((grant_entry_v1_t *)entry(g, ref))->frame = (uint32_t)gfn;
    else
        ((grant_entry_v2_t *)entry(g, ref))->full_page.frame = gfn;
    publish(g, ref, f, to);
}

/** See gntlib.h. */
void gnt_grant_sub_page(struct gnt_guest *g, grant_ref_t ref, domid_t to,
                        uint64_t gfn, uint16_t off, uint16_t len)
{
    grant_entry_v2_t *e = entry(g, ref);

    e->sub_page.frame = gfn;
    e->sub_page.page_off = off;
    e->sub_page.length = len;
    publish(g, ref, GTF_permit_access | GTF_sub_page, to);
}

/** See gntlib.h. */
void gnt_grant_transitive(struct gnt_guest *g, grant_ref_t ref, domid_t to,
                          domid_t trans_dom, grant_ref_t trans_ref)
{
    grant_entry_v2_t *e = entry(g, ref);

    e->transitive.trans_domid = trans_dom;
    e->transitive.gref = trans_ref;
    publish(g, ref, GTF_transitive, to);
}

/** See gntlib.h. */
uint16_t gnt_flags(struct gnt_guest *g, grant_ref_t ref)
{
    grant_entry_header_t *h = entry(g, ref);
    uint16_t f = __atomic_load_n(&h->flags, __ATOMIC_ACQUIRE);

    if ( g->version == 2 && g->nr_status )
        f |= __atomic_load_n(status(g, ref), __ATOMIC_ACQUIRE);
    return f;
}

/** See gntlib.h. */
uint32_t *gnt_header(struct gnt_guest *g, grant_ref_t ref)
{
    return entry(g, ref);
}

/** See gntlib.h. */
int gnt_end_access(struct gnt_guest *g, grant_ref_t ref)
{
    uint16_t *flags = &((grant_entry_header_t *)entry(g, ref))->flags;
    uint16_t f = __atomic_load_n(flags, __ATOMIC_ACQUIRE);

    if ( g->version == 2 )
    {
        /* v2: clear the flags, then check the status word (Linux order). */
        __atomic_store_n(flags, 0, __ATOMIC_SEQ_CST);
        if ( *status(g, ref) & (GTF_reading | GTF_writing) )
        {
            __atomic_store_n(flags, f, __ATOMIC_SEQ_CST);
            return -1;
        }
        return 0;
    }
    do {
        if ( f & (GTF_reading | GTF_writing) )
            return -1;
    } while ( !__atomic_compare_exchange_n(flags, &f, 0, false,
                                           __ATOMIC_SEQ_CST,
                                           __ATOMIC_SEQ_CST) );
    return 0;
}

/** See gntlib.h. */
void gnt_grant_transfer(struct gnt_guest *g, grant_ref_t ref, domid_t from,
                        uint64_t gfn)
{
    if ( g->version == 1 )
        ((grant_entry_v1_t *)entry(g, ref))->frame = (uint32_t)gfn;
    else
        ((grant_entry_v2_t *)entry(g, ref))->full_page.frame = gfn;
    publish(g, ref, GTF_accept_transfer, from);
}

/** See gntlib.h. */
int gnt_claim_transfer(struct gnt_guest *g, grant_ref_t ref)
{
    uint16_t f = gnt_flags(g, ref);

    if ( (f & GTF_type_mask) != GTF_accept_transfer )
        return -1;
    if ( !(f & GTF_transfer_completed) )
        return 0;
    publish(g, ref, 0, 0);
    return 1;
}

/** See gntlib.h. */
int16_t gnt_map(struct gnt_guest *g, domid_t dom, grant_ref_t ref,
                uint64_t gfn, uint32_t flags, grant_handle_t *handle,
                uint64_t *bus)
{
    struct gnttab_map_grant_ref op = {
        .host_addr = gfn << 12, .flags = flags, .ref = ref, .dom = dom,
        .status = 99,
    };

    if ( gnt_op(g, 0, GNTTABOP_map_grant_ref, &op, 1, sizeof(op)) )
        return -100;
    if ( handle )
        *handle = op.handle;
    if ( bus )
        *bus = op.dev_bus_addr;
    return op.status;
}

/** See gntlib.h. */
int16_t gnt_unmap(struct gnt_guest *g, grant_handle_t handle, uint64_t gfn,
                  uint64_t bus)
{
    struct gnttab_unmap_grant_ref op = {
        .host_addr = gfn << 12, .dev_bus_addr = bus, .handle = handle,
        .status = 99,
    };

    if ( gnt_op(g, 0, GNTTABOP_unmap_grant_ref, &op, 1, sizeof(op)) )
        return -100;
    return op.status;
}

/** See gntlib.h. */
int16_t gnt_copy(struct gnt_guest *g, const struct gnttab_copy *op)
{
    struct gnttab_copy c = *op;

    c.status = 99;
    if ( gnt_op(g, 0, GNTTABOP_copy, &c, 1, sizeof(c)) )
        return -100;
    return c.status;
}

/** See gntlib.h. */
int gnt_ring_share(struct gnt_guest *front, grant_ref_t ref,
                   struct gnt_guest *back, uint64_t ring_gfn,
                   uint64_t map_gfn, grant_handle_t *handle)
{
    memset(gnt_frame(front, ring_gfn), 0, 4096);
    gnt_grant_access(front, ref, back->d->domain_id, ring_gfn, false);
    return gnt_map(back, front->d->domain_id, ref, map_gfn, GNTMAP_host_map,
                   handle, NULL) == GNTST_okay ? 0 : -1;
}
