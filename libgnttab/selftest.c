/* SPDX-License-Identifier: MIT */
/*
 * libgnttab's freestanding self-tests, run by the boot target's in-kernel
 * runner under QEMU (real page tables) and by a ctest on the simulator
 * (libgnttab/tests/test_gnttab_selftest.c).  Two domains with RAM talk
 * through the hypercall entry as guests do: the argument structures sit in
 * the caller's guest memory, the granter writes its entries through its own
 * mapping of its grant frames, and the mapper's bytes are read through its
 * P2M.  Covered: map/unmap, copy both ways, and a v1 -> v2 -> v1 switch
 * with a live mapping.
 */
#include <common/guest_access.h>
#include <common/hypercall.h>
#include <common/selftest.h>
#include <common/string.h>
#include <common/subsys.h>
#include <public/memory.h>

#include "private.h"

#define ST_DOM_A 211          /* granter */
#define ST_DOM_B 212          /* mapper */
#define ST_RAM 16U            /* gfns 0..15 are RAM; gfn 0 holds arguments */
#define ST_TABLE_GFN 0x100U   /* grant frame 0 */
#define ST_STATUS_GFN 0x180U  /* status frame 0 (v2) */
#define ST_MAP_GFN 0x200U     /* foreign mappings */

/** Creates a domain with RAM and its grant frame 0 at ST_TABLE_GFN. */
static int st_make(domid_t id, struct domain **out)
{
    struct domain_config cfg;
    unsigned long done;
    int rc;

    domain_config_default(&cfg);
    cfg.max_vcpus = 1;
    cfg.max_pages = 256;
    rc = domain_create(id, &cfg, out);
    if ( rc )
        return rc;
    rc = mm_populate_physmap(*out, _gfn(0), ST_RAM, 0, &done);
    if ( !rc )
        rc = gnttab_map_frame(*out, 0, _gfn(ST_TABLE_GFN));
    return rc;
}

static void st_destroy(struct domain *d)
{
    if ( !d )
        return;
    while ( domain_destroy(d) == -ERESTART )
        ;
    put_domain(d);
}

/**
 * Issues GNTTABOP `cmd` as `d`'s vCPU 0 with `count` structures of `size`
 * bytes from `buf`, written at gfn 0 and read back afterwards.
 */
static long st_op(struct domain *d, unsigned int cmd, void *buf,
                  unsigned int count, size_t size)
{
    uint64_t args[HYPERCALL_NR_ARGS] = { cmd, 0, count };
    long rc;

    if ( copy_to_guest_phys(d, 0, buf, count * size) )
        return -EFAULT;
    rc = hypercall_entry(d->vcpu[0], __HYPERVISOR_grant_table_op, args);
    if ( copy_from_guest_phys(d, buf, 0, count * size) )
        return -EFAULT;
    return rc;
}

/** Maps `d`'s frame `gfn` for the test; NULL if it is not in the P2M. */
static void *st_map_gfn(struct domain *d, uint64_t gfn)
{
    p2m_type_t t;
    mfn_t mfn = p2m_lookup(d, _gfn(gfn), &t);

    if ( t == p2m_invalid )
        return NULL;
    return map_domain_page(mfn);
}

/** Publishes a v1 entry the way a guest does: fields, barrier, flags. */
static void st_grant_v1(struct domain *d, grant_ref_t ref, domid_t to,
                        uint32_t gfn, uint16_t flags)
{
    grant_entry_v1_t *e = st_map_gfn(d, ST_TABLE_GFN);

    e[ref].domid = to;
    e[ref].frame = gfn;
    hal_smp_wmb();
    hal_write_once(&e[ref].flags, flags);
    unmap_domain_page(e);
}

static uint16_t st_flags_v1(struct domain *d, grant_ref_t ref)
{
    grant_entry_v1_t *e = st_map_gfn(d, ST_TABLE_GFN);
    uint16_t f = hal_read_once(&e[ref].flags);

    unmap_domain_page(e);
    return f;
}

static int st_checks(void)
{
    return gnttab_check() || mm_check();
}

/** B maps A's page, both see each other's bytes; unmap; revoke. */
static int st_map_unmap(void)
{
    struct domain *a = NULL, *b = NULL;
    struct gnttab_map_grant_ref m = {
        .host_addr = (uint64_t)ST_MAP_GFN << 12, .flags = GNTMAP_host_map,
        .ref = 8, .dom = ST_DOM_A, .status = 99 };
    struct gnttab_unmap_grant_ref u;
    char *pa, *pb;
    mfn_t mfn;

    SELFTEST_CHECK(st_make(ST_DOM_A, &a) == 0);
    SELFTEST_CHECK(st_make(ST_DOM_B, &b) == 0);
    pa = st_map_gfn(a, 5);
    SELFTEST_CHECK(pa);
    memcpy(pa, "granted page", 13);
    mfn = p2m_lookup(a, _gfn(5), NULL);
    st_grant_v1(a, 8, ST_DOM_B, 5, GTF_permit_access);

    SELFTEST_CHECK(st_op(b, GNTTABOP_map_grant_ref, &m, 1, sizeof(m)) == 0);
    SELFTEST_CHECK(m.status == GNTST_okay);
    SELFTEST_CHECK(m.dev_bus_addr == mfn_x(mfn) << PAGE_SHIFT);
    SELFTEST_CHECK(st_flags_v1(a, 8) ==
                   (GTF_permit_access | GTF_reading | GTF_writing));
    SELFTEST_CHECK(mfn_eq(p2m_lookup(b, _gfn(ST_MAP_GFN), NULL), mfn));
    pb = st_map_gfn(b, ST_MAP_GFN);
    SELFTEST_CHECK(pb && memcmp(pb, "granted page", 13) == 0);
    pb[0] = 'G';
    SELFTEST_CHECK(pa[0] == 'G');     /* one frame, two mappings */
    unmap_domain_page(pb);
    SELFTEST_CHECK(gnttab_debug_pin(a, 8) == GNTPIN_hstw_inc);
    SELFTEST_CHECK(st_checks() == 0);

    u = (struct gnttab_unmap_grant_ref){
        .host_addr = (uint64_t)ST_MAP_GFN << 12, .handle = m.handle,
        .status = 99 };
    SELFTEST_CHECK(st_op(b, GNTTABOP_unmap_grant_ref, &u, 1,
                         sizeof(u)) == 0);
    SELFTEST_CHECK(u.status == GNTST_okay);
    SELFTEST_CHECK(!st_map_gfn(b, ST_MAP_GFN));
    SELFTEST_CHECK(st_flags_v1(a, 8) == GTF_permit_access);
    SELFTEST_CHECK(gnttab_debug_pin(a, 8) == 0);
    u.status = 99;
    SELFTEST_CHECK(st_op(b, GNTTABOP_unmap_grant_ref, &u, 1,
                         sizeof(u)) == 0);
    SELFTEST_CHECK(u.status == GNTST_bad_handle);
    /* A read-only grant refuses a writable map and changes nothing. */
    st_grant_v1(a, 9, ST_DOM_B, 6, GTF_permit_access | GTF_readonly);
    m.ref = 9;
    m.status = 99;
    SELFTEST_CHECK(st_op(b, GNTTABOP_map_grant_ref, &m, 1, sizeof(m)) == 0);
    SELFTEST_CHECK(m.status == GNTST_general_error);
    SELFTEST_CHECK(st_flags_v1(a, 9) == (GTF_permit_access | GTF_readonly));
    SELFTEST_CHECK(!st_map_gfn(b, ST_MAP_GFN));
    unmap_domain_page(pa);
    SELFTEST_CHECK(st_checks() == 0);
    st_destroy(b);
    st_destroy(a);
    return st_checks();
}

/** Copies from a grant into B's page and back, and a window error. */
static int st_copy(void)
{
    struct domain *a = NULL, *b = NULL;
    struct gnttab_copy c[2];
    uint8_t *pa, *pb;
    unsigned int i;

    SELFTEST_CHECK(st_make(ST_DOM_A, &a) == 0);
    SELFTEST_CHECK(st_make(ST_DOM_B, &b) == 0);
    pa = st_map_gfn(a, 7);
    pb = st_map_gfn(b, 9);
    SELFTEST_CHECK(pa && pb);
    for ( i = 0; i < PAGE_SIZE; i++ )
    {
        pa[i] = (uint8_t)i;
        pb[i] = 0xee;
    }
    st_grant_v1(a, 10, ST_DOM_B, 7, GTF_permit_access);
    /* A batch of two: 100 bytes out of the grant, 8 bytes into it. */
    c[0] = (struct gnttab_copy){
        .source = { .u.ref = 10, .domid = ST_DOM_A, .offset = 200 },
        .dest = { .u.gmfn = 9, .domid = DOMID_SELF, .offset = 16 },
        .len = 100, .flags = GNTCOPY_source_gref, .status = 99 };
    c[1] = (struct gnttab_copy){
        .source = { .u.gmfn = 9, .domid = DOMID_SELF, .offset = 0 },
        .dest = { .u.ref = 10, .domid = ST_DOM_A, .offset = 4088 },
        .len = 8, .flags = GNTCOPY_dest_gref, .status = 99 };
    SELFTEST_CHECK(st_op(b, GNTTABOP_copy, c, 2, sizeof(c[0])) == 0);
    SELFTEST_CHECK(c[0].status == GNTST_okay && c[1].status == GNTST_okay);
    SELFTEST_CHECK(pb[15] == 0xee && pb[116] == 0xee);
    for ( i = 0; i < 100; i++ )
        SELFTEST_CHECK(pb[16 + i] == (uint8_t)(200 + i));
    for ( i = 0; i < 8; i++ )
        SELFTEST_CHECK(pa[4088 + i] == 0xee);
    SELFTEST_CHECK(pa[4087] == (uint8_t)4087);
    SELFTEST_CHECK(gnttab_debug_pin(a, 10) == 0);
    SELFTEST_CHECK(st_flags_v1(a, 10) == GTF_permit_access);

    /* Past the page end: bad_copy_arg, no byte written. */
    c[0].dest.offset = 4000;
    c[0].status = 99;
    SELFTEST_CHECK(st_op(b, GNTTABOP_copy, c, 1, sizeof(c[0])) == 0);
    SELFTEST_CHECK(c[0].status == GNTST_bad_copy_arg);
    SELFTEST_CHECK(pb[4000] == 0xee);
    unmap_domain_page(pa);
    unmap_domain_page(pb);
    SELFTEST_CHECK(st_checks() == 0);
    st_destroy(b);
    st_destroy(a);
    return st_checks();
}

/**
 * v1 -> v2 with a mapped reserved entry: the entry and its status survive;
 * a pinned ref >= 8 blocks the way back (-EBUSY); after the unmap, v2 -> v1
 * succeeds and the status frame leaves the P2M.
 */
static int st_version(void)
{
    struct domain *a = NULL, *b = NULL;
    struct gnttab_set_version sv = { .version = 2 };
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    struct gnttab_map_grant_ref m[2];
    struct gnttab_unmap_grant_ref u;
    grant_entry_v2_t *e;
    grant_status_t *st;

    SELFTEST_CHECK(st_make(ST_DOM_A, &a) == 0);
    SELFTEST_CHECK(st_make(ST_DOM_B, &b) == 0);
    st_grant_v1(a, 1, ST_DOM_B, 4, GTF_permit_access);
    m[0] = (struct gnttab_map_grant_ref){
        .host_addr = (uint64_t)ST_MAP_GFN << 12, .flags = GNTMAP_host_map,
        .ref = 1, .dom = ST_DOM_A, .status = 99 };
    SELFTEST_CHECK(st_op(b, GNTTABOP_map_grant_ref, m, 1, sizeof(m[0])) == 0);
    SELFTEST_CHECK(m[0].status == GNTST_okay);

    SELFTEST_CHECK(st_op(a, GNTTABOP_set_version, &sv, 1, sizeof(sv)) == 0);
    SELFTEST_CHECK(sv.version == 2);
    SELFTEST_CHECK(st_op(a, GNTTABOP_get_version, &gv, 1, sizeof(gv)) == 0);
    SELFTEST_CHECK(gv.version == 2);
    SELFTEST_CHECK(gnttab_map_frame(a, 0 | XENMAPIDX_grant_table_status,
                                    _gfn(ST_STATUS_GFN)) == 0);
    e = st_map_gfn(a, ST_TABLE_GFN);
    st = st_map_gfn(a, ST_STATUS_GFN);
    SELFTEST_CHECK(e && st);
    SELFTEST_CHECK(e[1].hdr.flags == GTF_permit_access);
    SELFTEST_CHECK(e[1].hdr.domid == ST_DOM_B);
    SELFTEST_CHECK(e[1].full_page.frame == 4);
    SELFTEST_CHECK(st[1] == (GTF_reading | GTF_writing));

    /* A v2 grant of ref 9, mapped read-only: status says reading only. */
    e[9].full_page.frame = 5;
    e[9].hdr.domid = ST_DOM_B;
    hal_smp_wmb();
    hal_write_once(&e[9].hdr.flags, GTF_permit_access);
    m[1] = (struct gnttab_map_grant_ref){
        .host_addr = (uint64_t)(ST_MAP_GFN + 1) << 12,
        .flags = GNTMAP_host_map | GNTMAP_readonly, .ref = 9,
        .dom = ST_DOM_A, .status = 99 };
    SELFTEST_CHECK(st_op(b, GNTTABOP_map_grant_ref, &m[1], 1,
                         sizeof(m[1])) == 0);
    SELFTEST_CHECK(m[1].status == GNTST_okay);
    SELFTEST_CHECK(st[9] == GTF_reading);
    SELFTEST_CHECK(mfn_eq(p2m_lookup(b, _gfn(ST_MAP_GFN + 1), NULL),
                          p2m_lookup(a, _gfn(5), NULL)));
    SELFTEST_CHECK(st_checks() == 0);

    sv.version = 1;
    SELFTEST_CHECK(st_op(a, GNTTABOP_set_version, &sv, 1, sizeof(sv)) ==
                   -EBUSY);
    SELFTEST_CHECK(sv.version == 2);
    u = (struct gnttab_unmap_grant_ref){
        .host_addr = (uint64_t)(ST_MAP_GFN + 1) << 12,
        .handle = m[1].handle, .status = 99 };
    SELFTEST_CHECK(st_op(b, GNTTABOP_unmap_grant_ref, &u, 1,
                         sizeof(u)) == 0);
    SELFTEST_CHECK(u.status == GNTST_okay);
    SELFTEST_CHECK(st[9] == 0);
    unmap_domain_page(st);
    unmap_domain_page(e);

    sv.version = 1;
    SELFTEST_CHECK(st_op(a, GNTTABOP_set_version, &sv, 1, sizeof(sv)) == 0);
    SELFTEST_CHECK(sv.version == 1);
    SELFTEST_CHECK(!st_map_gfn(a, ST_STATUS_GFN));
    /* Reserved entry 1 is back in v1 form with its status in the flags. */
    SELFTEST_CHECK(st_flags_v1(a, 1) ==
                   (GTF_permit_access | GTF_reading | GTF_writing));
    SELFTEST_CHECK(st_flags_v1(a, 9) == 0);
    SELFTEST_CHECK(st_checks() == 0);
    u = (struct gnttab_unmap_grant_ref){
        .host_addr = (uint64_t)ST_MAP_GFN << 12, .handle = m[0].handle,
        .status = 99 };
    SELFTEST_CHECK(st_op(b, GNTTABOP_unmap_grant_ref, &u, 1,
                         sizeof(u)) == 0);
    SELFTEST_CHECK(u.status == GNTST_okay);
    SELFTEST_CHECK(st_flags_v1(a, 1) == GTF_permit_access);
    SELFTEST_CHECK(st_checks() == 0);
    st_destroy(b);
    st_destroy(a);
    return st_checks();
}

static const struct selftest gnttab_selftests[] = {
    { "gnttab_map_unmap", st_map_unmap },
    { "gnttab_copy", st_copy },
    { "gnttab_version", st_version },
    { NULL, NULL },
};

const struct selftest_suite gnttab_selftest_suite = {
    .name = "gnttab",
    .tests = gnttab_selftests,
};
