/* SPDX-License-Identifier: MIT */
/*
 * The 3-level ABI: registration and its errors (nothing changes on
 * error), the bit layout a guest sees at each level for 64-bit and 32-bit
 * guests, carry-over from 2 levels, late L2 registration, masking, reset
 * back to 2 levels, and page references.
 */
#include "evtchn_world.h"

#define PEND_GFN (EW_RAM_GFN)
#define MASK_GFN (EW_RAM_GFN + 8)
#define L2_GFN (EW_RAM_GFN + 16)

static struct domain *make_dom(domid_t id, bool privileged, bool compat)
{
    return ew_domain_wide(id, 2, privileged, compat);
}

static long reg_bitmaps(struct domain *d, unsigned int nr, uint64_t pend,
                        uint64_t mask)
{
    struct evtchn_register_extended r = {
        .cmd = EVTCHN_EXTENDED_REGISTER_BITMAPS };
    unsigned int i;

    r.u.bitmaps.nr_pages = nr;
    for ( i = 0; i < nr && i < EVTCHN_3L_MAX_BITMAP_PAGES; i++ )
    {
        r.u.bitmaps.pending_gfn[i] = pend + i;
        r.u.bitmaps.mask_gfn[i] = mask + i;
    }
    return ew_op(d, EVTCHNOP_register_extended, &r);
}

static long reg_l2(struct domain *d, unsigned int vcpu, uint64_t gfn,
                   unsigned int offset)
{
    struct evtchn_register_extended r = { .cmd = EVTCHN_EXTENDED_REGISTER_L2 };

    r.u.l2.vcpu = vcpu;
    r.u.l2.gfn = gfn;
    r.u.l2.offset = offset;
    return ew_op(d, EVTCHNOP_register_extended, &r);
}

static uint64_t refs(struct domain *d, uint64_t gfn)
{
    p2m_type_t t;

    return page_refcount(mfn_to_page(p2m_lookup(d, _gfn(gfn), &t)));
}

static void assert_still_2l(struct domain *d)
{
    struct evtchn_domain_stats st;

    evtchn_domain_get_stats(d, &st);
    assert_int_equal(st.abi, EVTCHN_ABI_2LEVEL);
    assert_int_equal(st.l3_pages, 0);
    assert_int_equal(evtchn_check(), 0);
}

/** query, XSM default, and every bad bitmap registration. */
static void test_register_errors(void **state)
{
    struct domain *u = make_dom(1, false, false), *p = make_dom(2, true, false);
    struct evtchn_query_extended q = { 0 };
    struct evtchn_register_extended r = { .cmd = 77 };
    uint64_t r0 = refs(p, PEND_GFN);

    (void)state;
    assert_int_equal(ew_op(u, EVTCHNOP_query_extended, &q), 0);
    assert_int_equal(q.abis, EVTCHN_ABI_2LEVEL | EVTCHN_ABI_FIFO);
    assert_int_equal(q.current_abi, EVTCHN_ABI_2LEVEL);
    assert_int_equal(ew_op(p, EVTCHNOP_query_extended, &q), 0);
    assert_int_equal(q.abis,
                     EVTCHN_ABI_2LEVEL | EVTCHN_ABI_3LEVEL | EVTCHN_ABI_FIFO);

    assert_int_equal(ew_op(p, EVTCHNOP_register_extended, &r), -EINVAL);
    assert_int_equal(reg_bitmaps(u, 8, PEND_GFN, MASK_GFN), -EPERM);
    assert_int_equal(reg_bitmaps(p, 2, PEND_GFN, MASK_GFN), -EINVAL);
    assert_int_equal(reg_bitmaps(p, 9, PEND_GFN, MASK_GFN), -EINVAL);
    /* Overlapping ranges: a gfn twice. */
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, PEND_GFN + 4), -EINVAL);
    /* Not RAM (the last pages fall outside the populated range). */
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, EW_RAM_GFN + 28), -EINVAL);
    assert_int_equal(reg_bitmaps(p, 8, 0x5000, MASK_GFN), -EINVAL);
    assert_int_equal(reg_bitmaps(p, 8, P2M_MAX_GFN + 5, MASK_GFN), -EINVAL);
    /* Read-only RAM is not writable. */
    assert_int_equal(p2m_set_ram_type(p, _gfn(MASK_GFN + 3), p2m_ram_ro), 0);
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, MASK_GFN), -EINVAL);
    assert_int_equal(p2m_set_ram_type(p, _gfn(MASK_GFN + 3), p2m_ram_rw), 0);
    /* Another domain's page: u's RAM is foreign to p... as a gfn of p it
     * does not exist. L2 before the bitmaps, a vCPU that does not exist. */
    assert_int_equal(reg_l2(p, 0, L2_GFN, 0), -EINVAL);
    assert_int_equal(reg_l2(p, 2, L2_GFN, 0), -ENOENT);
    assert_int_equal(refs(p, PEND_GFN), r0);
    assert_still_2l(p);
    assert_still_2l(u);
    ew_destroy(u);
    ew_destroy(p);
}

/** L2 registration errors after good bitmaps; then success. */
static void test_register_l2(void **state)
{
    struct domain *p = make_dom(2, true, false);
    struct evtchn_domain_stats st;
    uint64_t r0 = refs(p, L2_GFN);

    (void)state;
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, MASK_GFN), 0);
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, MASK_GFN), -EBUSY);
    assert_int_equal(refs(p, PEND_GFN), r0 + 1);
    assert_int_equal(reg_l2(p, 0, L2_GFN, 4), -EINVAL);       /* unaligned */
    assert_int_equal(reg_l2(p, 0, L2_GFN, 4096 - 256), -EINVAL); /* crosses */
    assert_int_equal(reg_l2(p, 0, PEND_GFN + 2, 0), -EINVAL); /* a bitmap */
    assert_int_equal(reg_l2(p, 0, 0x6000, 0), -EINVAL);       /* not RAM */
    assert_int_equal(refs(p, L2_GFN), r0);
    assert_int_equal(reg_l2(p, 0, L2_GFN, 4096 - 512), 0);
    assert_int_equal(reg_l2(p, 0, L2_GFN + 1, 0), -EBUSY);
    assert_int_equal(reg_l2(p, 1, L2_GFN, 0), -EINVAL);       /* same page */
    assert_int_equal(reg_l2(p, 1, L2_GFN + 1, 0), 0);
    evtchn_domain_get_stats(p, &st);
    assert_int_equal(st.abi, EVTCHN_ABI_3LEVEL);
    assert_int_equal(st.l3_pages, 18);
    assert_int_equal(st.max_ports, 262144);
    assert_int_equal(evtchn_check(), 0);
    ew_destroy(p);
}

/** Delivery through the three levels, masking, unmask, late L2. */
static void test_deliver_64(void **state)
{
    struct domain *p = make_dom(2, true, false);
    struct shared_info *si = ew_shared_info(p);
    uint64_t *pend, *mask, *l2v0, *l2v1;
    unsigned int i;
    long port = 0;

    (void)state;
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, MASK_GFN), 0);
    assert_int_equal(reg_l2(p, 0, L2_GFN, 0), 0);
    pend = ew_gfn_ptr(p, PEND_GFN);
    mask = ew_gfn_ptr(p, MASK_GFN);
    l2v0 = ew_gfn_ptr(p, L2_GFN);
    l2v1 = ew_gfn_ptr(p, L2_GFN + 1);
    for ( i = 1; i <= 5000; i++ )
        port = ew_bind_ipi(p, 0);
    assert_int_equal(port, 5000);
    assert_int_equal(ew_send(p, port), 0);
    /* L3 word 78 bit 8; L2 bit 78 (word 1, bit 14); L1 bit 1. */
    assert_int_equal(pend[78], 1ULL << 8);
    assert_int_equal(l2v0[1], 1ULL << 14);
    assert_int_equal(si->vcpu_info[0].evtchn_pending_sel, 1ULL << 1);
    assert_int_equal(si->vcpu_info[0].evtchn_upcall_pending, 1);
    /* 2-level bitmaps are not used any more. */
    assert_int_equal(si->evtchn_pending[0], 0);

    /* Masked: pending only; unmask raises. */
    pend[78] = 0;
    l2v0[1] = 0;
    si->vcpu_info[0].evtchn_pending_sel = 0;
    mask[78] = 1ULL << 8;
    assert_int_equal(ew_send(p, port), 0);
    assert_int_equal(pend[78], 1ULL << 8);
    assert_int_equal(l2v0[1], 0);
    assert_int_equal(ew_unmask(p, port), 0);
    assert_int_equal(mask[78], 0);
    assert_int_equal(l2v0[1], 1ULL << 14);
    assert_int_equal(si->vcpu_info[0].evtchn_pending_sel, 1ULL << 1);

    /* A port bound to vCPU 1, which has no L2 yet: raised at registration. */
    assert_int_equal(ew_close(p, 4000), 0);
    assert_int_equal(ew_bind_ipi(p, 1), 4000);
    assert_int_equal(ew_send(p, 4000), 0);
    assert_int_equal(pend[62], 1ULL << 32);
    assert_int_equal(si->vcpu_info[1].evtchn_upcall_pending, 0);
    assert_int_equal(reg_l2(p, 1, L2_GFN + 1, 0), 0);
    assert_int_equal(l2v1[0], 1ULL << 62);
    assert_int_equal(si->vcpu_info[1].evtchn_pending_sel, 1);
    assert_int_equal(si->vcpu_info[1].evtchn_upcall_pending, 1);
    assert_int_equal(evtchn_check(), 0);
    ew_destroy(p);
}

/** 2-level pending and mask bits carry over at the switch. */
static void test_carry_over(void **state)
{
    struct domain *p = make_dom(2, true, false);
    struct shared_info *si = ew_shared_info(p);
    uint64_t *pend, *mask;
    long a, b;

    (void)state;
    a = ew_bind_ipi(p, 0);
    b = ew_bind_ipi(p, 0);
    si->evtchn_mask[0] = 1UL << b;
    assert_int_equal(ew_send(p, a), 0);
    assert_int_equal(ew_send(p, b), 0);
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, MASK_GFN), 0);
    pend = ew_gfn_ptr(p, PEND_GFN);
    mask = ew_gfn_ptr(p, MASK_GFN);
    assert_int_equal(pend[0], (1ULL << a) | (1ULL << b));
    assert_int_equal(mask[0], 1ULL << b);
    /* L2 registration raises the unmasked one only. */
    assert_int_equal(reg_l2(p, 0, L2_GFN, 0), 0);
    assert_int_equal(*(uint64_t *)ew_gfn_ptr(p, L2_GFN), 1);
    ew_destroy(p);
}

/** Reset returns to 2 levels and gives every page back. */
static void test_reset_to_2l(void **state)
{
    struct domain *p = make_dom(2, true, false);
    struct evtchn_reset r = { .dom = DOMID_SELF };
    uint64_t r0 = refs(p, PEND_GFN), r2 = refs(p, L2_GFN);
    struct shared_info *si = ew_shared_info(p);
    long port;

    (void)state;
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, MASK_GFN), 0);
    assert_int_equal(reg_l2(p, 0, L2_GFN, 0), 0);
    assert_true(ew_bind_ipi(p, 0) > 0);
    assert_int_equal(ew_op(p, EVTCHNOP_reset, &r), 0);
    assert_int_equal(refs(p, PEND_GFN), r0);
    assert_int_equal(refs(p, L2_GFN), r2);
    assert_still_2l(p);
    port = ew_bind_ipi(p, 0);
    assert_int_equal(ew_send(p, port), 0);
    assert_int_equal(ew_bit(si->evtchn_pending, port), 1);
    /* And 3 levels may be registered again. */
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, MASK_GFN), 0);
    ew_destroy(p);
}

/** A 32-bit guest: 2 pages per bitmap, 65,536 ports, 32-bit selectors. */
static void test_compat_3l(void **state)
{
    struct domain *p = make_dom(2, true, true);
    struct compat_shared_info *csi = ew_compat_shared_info(p);
    struct evtchn_domain_stats st;
    uint64_t *pend;
    uint32_t *l2;
    unsigned int i;
    long port = 0;

    (void)state;
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, MASK_GFN), -EINVAL);
    assert_int_equal(reg_bitmaps(p, 2, PEND_GFN, MASK_GFN), 0);
    assert_int_equal(reg_l2(p, 0, L2_GFN, 4096 - 256), 0); /* 128 bytes */
    evtchn_domain_get_stats(p, &st);
    assert_int_equal(st.max_ports, 65536);
    for ( i = 1; i <= 40000; i++ )
        port = ew_bind_ipi(p, 0);
    assert_int_equal(port, 40000);
    assert_int_equal(ew_send(p, port), 0);
    /* L3: page 1, word 113, bit 0; L2 bit 625 = u32 word 19 bit 17;
     * L1 bit 19. */
    pend = ew_gfn_ptr(p, PEND_GFN + 1);
    assert_int_equal(pend[113], 1);
    l2 = (uint32_t *)((char *)ew_gfn_ptr(p, L2_GFN) + 4096 - 256);
    assert_int_equal(l2[19], 1U << 17);
    assert_int_equal(csi->vcpu_info[0].evtchn_pending_sel, 1U << 19);
    assert_int_equal(csi->vcpu_info[0].evtchn_upcall_pending, 1);
    /* A width change does not stretch the registration (XSA-342). */
    p->is_32bit = false;
    evtchn_domain_get_stats(p, &st);
    assert_int_equal(st.max_ports, 65536);
    p->is_32bit = true;
    assert_int_equal(evtchn_check(), 0);
    ew_destroy(p);
}

/** Destroy with 3 levels registered releases the pages; nothing leaks. */
static void test_destroy_3l(void **state)
{
    struct mm_stats m0, m1;
    struct domain *p;

    (void)state;
    mm_deferred_flush();
    mm_get_stats(&m0);
    p = make_dom(2, true, false);
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, MASK_GFN), 0);
    assert_int_equal(reg_l2(p, 1, L2_GFN, 0), 0);
    ew_destroy(p);
    assert_int_equal(evtchn_check(), 0);
    mm_deferred_flush();
    mm_get_stats(&m1);
    assert_int_equal(m1.free_pages, m0.free_pages);
}

/** A driver domain (device model of another) may use 3 levels. */
static void test_driver_domain(void **state)
{
    struct domain *g = make_dom(1, false, false), *dm;
    struct domain_config cfg;

    (void)state;
    domain_config_default(&cfg);
    cfg.max_pages = 256;
    cfg.target = 1;
    dm = ew_domain_cfg(3, &cfg);
    assert_int_equal(reg_bitmaps(dm, 8, PEND_GFN, MASK_GFN), 0);
    assert_int_equal(reg_bitmaps(g, 8, PEND_GFN, MASK_GFN), -EPERM);
    ew_destroy(dm);
    ew_destroy(g);
}

/** 131,072 ports cost 1024 bucket pages and 2 group pages: 4.008 MiB. */
static void test_memory_131072(void **state)
{
    struct domain *p = make_dom(2, true, false);
    struct evtchn_domain_stats st;
    struct mm_stats m0, m1;
    unsigned int i;

    (void)state;
    assert_int_equal(reg_bitmaps(p, 8, PEND_GFN, MASK_GFN), 0);
    mm_get_stats(&m0);
    evtchn_domain_get_stats(p, &st);
    assert_int_equal(st.buckets, 1);
    assert_int_equal(st.groups, 1);
    for ( i = 1; i < 131072; i++ )
        assert_int_equal(alloc_unbound_xen_event_channel(p, 0, 0, NULL), i);
    mm_get_stats(&m1);
    evtchn_domain_get_stats(p, &st);
    assert_int_equal(st.buckets, 1024);
    assert_int_equal(st.groups, 2);
    /* 1023 new buckets and 1 new group, plus at most a few vmap
     * page-table pages for the xenheap mappings. */
    assert_true(m0.free_pages - m1.free_pages >= 1024);
    assert_true(m0.free_pages - m1.free_pages <= 1024 + 8);
    assert_true((st.buckets + st.groups) * 4096ULL <= 4.1 * 1024 * 1024);
    assert_int_equal(evtchn_check(), 0);
    ew_destroy(p);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, ew_setup, ew_teardown)
    const struct CMUnitTest tests[] = {
        T(test_register_errors),
        T(test_register_l2),
        T(test_deliver_64),
        T(test_carry_over),
        T(test_reset_to_2l),
        T(test_compat_3l),
        T(test_destroy_3l),
        T(test_driver_domain),
        T(test_memory_131072),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
