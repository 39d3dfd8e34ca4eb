/* SPDX-License-Identifier: MIT */
/*
 * libmm's freestanding self-tests: the heap, vmap and map_domain_page on
 * the running world's real page tables.  Run by the boot target's in-kernel
 * runner under QEMU and by a ctest on the simulator (libmm/tests).
 */
#include <common/selftest.h>
#include <common/string.h>
#include <common/xmalloc.h>

#include "mm_private.h"

/** Buddy allocations are aligned, distinct, usable and all come back. */
static int st_heap(void)
{
    struct mm_stats before, after;
    struct page_info *pg[4];
    unsigned int o;

    mm_get_stats(&before);
    for ( o = 0; o < 4; o++ )
    {
        uint8_t *p;

        pg[o] = alloc_domheap_pages(NULL, o + 1, 0);
        SELFTEST_CHECK(pg[o]);
        SELFTEST_CHECK((mfn_x(page_to_mfn(pg[o])) & ((2UL << o) - 1)) == 0);
        p = map_domain_page(page_to_mfn(pg[o]));
        SELFTEST_CHECK(p[0] == 0 && p[PAGE_SIZE - 1] == 0);
        memset(p, 0x5a, PAGE_SIZE);
        unmap_domain_page(p);
    }
    for ( o = 0; o < 4; o++ )
        free_domheap_pages(pg[o], o + 1);
    mm_get_stats(&after);
    SELFTEST_CHECK(after.free_pages == before.free_pages);
    /* Freed pages come back scrubbed. */
    pg[0] = alloc_domheap_pages(NULL, 0, 0);
    SELFTEST_CHECK(pg[0]);
    {
        const uint8_t *p = map_domain_page(page_to_mfn(pg[0]));
        unsigned int i;

        for ( i = 0; i < PAGE_SIZE; i++ )
            SELFTEST_CHECK(p[i] == 0);
        unmap_domain_page(p);
    }
    free_domheap_pages(pg[0], 0);
    return mm_check() ? 1 : 0;
}

/** vmalloc areas are mapped, separated by unmapped guards, freed once. */
static int st_vmap(void)
{
    uint8_t *a = vzalloc(3 * PAGE_SIZE), *b = vmalloc(PAGE_SIZE);
    struct mm_stats s0, s1;
    unsigned int i;

    SELFTEST_CHECK(a && b);
    SELFTEST_CHECK(vmap_size(a) == 3 && vmap_size(b) == 1);
    for ( i = 0; i < 3; i++ )
        SELFTEST_CHECK(!mfn_eq(vmap_to_mfn(a + i * PAGE_SIZE), INVALID_MFN));
    SELFTEST_CHECK(mfn_eq(vmap_to_mfn(a + 3 * PAGE_SIZE), INVALID_MFN));
    SELFTEST_CHECK(b < a || b > a + 3 * PAGE_SIZE);
    SELFTEST_CHECK(a[0] == 0 && a[3 * PAGE_SIZE - 1] == 0);
    a[3 * PAGE_SIZE - 1] = 7;
    SELFTEST_CHECK(vmap_size(a + PAGE_SIZE) == 0);
    mm_get_stats(&s0);
    vfree(a + PAGE_SIZE);          /* not an area's start: refused */
    vunmap(b);                     /* a vmalloc area is not vunmap's */
    mm_get_stats(&s1);
    SELFTEST_CHECK(s1.vmap_refused == s0.vmap_refused + 2);
    SELFTEST_CHECK(vmap_size(b) == 1);
    vfree(a);
    vfree(b);
    vfree(a);                      /* twice: refused */
    mm_get_stats(&s1);
    SELFTEST_CHECK(s1.vmap_refused == s0.vmap_refused + 3);
    SELFTEST_CHECK(s1.vmap_pages == s0.vmap_pages - 6);
    return mm_check() ? 1 : 0;
}

/** map_domain_page nests, aliases a global mapping, and unmaps. */
static int st_mdp(void)
{
    struct page_info *pg = alloc_domheap_pages(NULL, 1, 0);
    uint32_t *g, *m0, *m1, *again;
    unsigned int used;

    SELFTEST_CHECK(pg);
    used = mapcache_cpu_in_use();
    g = map_domain_page_global(page_to_mfn(pg));
    SELFTEST_CHECK(g);
    m0 = map_domain_page(page_to_mfn(pg));
    m1 = map_domain_page(page_to_mfn(pg + 1));
    again = map_domain_page(page_to_mfn(pg));
    SELFTEST_CHECK(again == m0 && m0 != m1);
    SELFTEST_CHECK(mm_directmap || mapcache_cpu_in_use() == used + 2);
    SELFTEST_CHECK(mfn_eq(domain_page_map_to_mfn(m1), page_to_mfn(pg + 1)));
    m0[5] = 0xfeedf00d;
    SELFTEST_CHECK(g[5] == 0xfeedf00d); /* two mappings of one frame alias */
    m1[0] = 1;
    SELFTEST_CHECK(m0[0] == 0);
    unmap_domain_page(again);
    SELFTEST_CHECK(m0[5] == 0xfeedf00d); /* still mapped: nested */
    unmap_domain_page(m1);
    unmap_domain_page(m0);
    unmap_domain_page(NULL);
    SELFTEST_CHECK(mapcache_cpu_in_use() == used);
    unmap_domain_page_global(g);
    free_domheap_pages(pg, 1);
    return mm_check() ? 1 : 0;
}

/** Xenheap pages and xmalloc objects are mapped and find their page. */
static int st_xenheap(void)
{
    uint8_t *x = alloc_xenheap_pages(2, 0);
    uint64_t *o[8];
    unsigned int i;

    SELFTEST_CHECK(x);
    memset(x, 0xa5, 4 * PAGE_SIZE);
    SELFTEST_CHECK(virt_to_page(x + 3 * PAGE_SIZE) == virt_to_page(x) + 3);
    SELFTEST_CHECK(page_to_virt(virt_to_page(x) + 1) == x + PAGE_SIZE);
    free_xenheap_pages(x, 2);
    for ( i = 0; i < 8; i++ )
    {
        o[i] = xzalloc_bytes(24 << i, 16);
        SELFTEST_CHECK(o[i] && ((uintptr_t)o[i] & 15) == 0);
        SELFTEST_CHECK(o[i][0] == 0);
        o[i][0] = i;
    }
    for ( i = 0; i < 8; i++ )
    {
        SELFTEST_CHECK(o[i][0] == i);
        xfree(o[i]);
    }
    return mm_check() ? 1 : 0;
}

static const struct selftest mm_selftests[] = {
    { "heap", st_heap },
    { "vmap", st_vmap },
    { "map_domain_page", st_mdp },
    { "xenheap", st_xenheap },
    { NULL, NULL },
};

const struct selftest_suite mm_selftest_suite = {
    .name = "mm",
    .tests = mm_selftests,
};
