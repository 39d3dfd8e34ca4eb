/* SPDX-License-Identifier: MIT */
/*
 * p2m_insert_grant_ref and p2m_take_grant_ref: an insert that takes over
 * the caller's page reference, and its inverse, the checked removal of a
 * grant entry in one walk (optionally moving another grant entry into its
 * place) that hands the entry's reference to the caller; and
 * p2m_insert_grant_refs and p2m_take_grant_refs, batches of inserts and
 * removals in one lock hold with a result each, as the same calls in a
 * row would give.  Every refusal
 * leaves both entries and every reference as they were; every test ends
 * with mm_check and all pages back in the heap.
 */
#include "mm_world.h"

/* Two granters' frames and one mapper, built per test. */
struct pg_world {
    uint64_t free0;
    struct domain *g1, *g2, *m;
    mfn_t f1, f2;
};

static void pg_up(struct pg_world *w)
{
    unsigned long done;

    w->free0 = mm_world_free_pages();
    w->g1 = mm_world_domain(1, 64, false);
    w->g2 = mm_world_domain(2, 64, false);
    w->m = mm_world_domain(3, 64, false);
    assert_int_equal(mm_populate_physmap(w->g1, _gfn(0x10), 1, 0, &done), 0);
    assert_int_equal(mm_populate_physmap(w->g2, _gfn(0x20), 1, 0, &done), 0);
    assert_int_equal(mm_populate_physmap(w->m, _gfn(0x30), 1, 0, &done), 0);
    w->f1 = p2m_lookup(w->g1, _gfn(0x10), NULL);
    w->f2 = p2m_lookup(w->g2, _gfn(0x20), NULL);
}

static void pg_down(struct pg_world *w)
{
    if ( w->m )
        mm_world_destroy(w->m);
    mm_world_destroy(w->g2);
    mm_world_destroy(w->g1);
    assert_int_equal(mm_world_free_pages(), w->free0);
    assert_int_equal(mm_check(), 0);
}

static void expect(struct domain *d, uint64_t gfn, mfn_t mfn, p2m_type_t t)
{
    p2m_type_t got;

    assert_int_equal(mfn_x(p2m_lookup(d, _gfn(gfn), &got)), mfn_x(mfn));
    assert_int_equal(got, t);
}

/** The mapper's two grant entries most tests start from. */
static void insert_pair(struct pg_world *w)
{
    assert_int_equal(p2m_insert_grant(w->m, _gfn(0x5000), w->f1,
                                      p2m_grant_map_rw), 0);
    assert_int_equal(p2m_insert_grant(w->m, _gfn(0x5001), w->f2,
                                      p2m_grant_map_ro), 0);
}

/**
 * p2m_take_grant_ref, then, on success, the caller drops the reference it
 * was handed, after checking the page's count did not move meanwhile.
 */
static int take_and_put(struct domain *d, uint64_t gfn, mfn_t mfn,
                        p2m_type_t t, gfn_t from)
{
    struct page_info *pg = mfn_valid(mfn) ? mfn_to_page(mfn) : NULL;
    unsigned long before = pg ? page_refcount(pg) : 0;
    int rc = p2m_take_grant_ref(d, _gfn(gfn), mfn, t, from);

    if ( pg )
        assert_int_equal(page_refcount(pg), before); /* handed, not dropped */
    if ( !rc )
        put_page(pg);
    return rc;
}

/* The entry takes over the caller's reference; a refusal leaves it. */
static void test_insert_ref(void **state)
{
    struct pg_world w;
    struct page_info *p1;

    (void)state;
    pg_up(&w);
    p1 = mfn_to_page(w.f1);
    assert_true(get_page(p1, w.g1));
    assert_int_equal(page_refcount(p1), 2);
    assert_int_equal(p2m_insert_grant_ref(w.m, _gfn(0x5000), w.f1,
                                          p2m_grant_map_rw), 0);
    assert_int_equal(page_refcount(p1), 2); /* the entry's now */
    expect(w.m, 0x5000, w.f1, p2m_grant_map_rw);
    assert_int_equal(mm_check(), 0);

    /* Refusals take nothing and give nothing back. */
    assert_true(get_page(p1, w.g1));
    assert_int_equal(p2m_insert_grant_ref(w.m, _gfn(0x5000), w.f1,
                                          p2m_grant_map_ro), -EEXIST);
    assert_int_equal(p2m_insert_grant_ref(w.m, _gfn(0x30), w.f1,
                                          p2m_grant_map_ro), -EEXIST);
    assert_int_equal(p2m_insert_grant_ref(w.m, _gfn(0x5001), w.f1,
                                          p2m_ram_rw), -EINVAL);
    assert_int_equal(p2m_insert_grant_ref(w.m, _gfn(P2M_MAX_GFN + 1), w.f1,
                                          p2m_grant_map_ro), -EINVAL);
    assert_int_equal(page_refcount(p1), 3);
    put_page(p1);
    /* A new leaf table on the way: the slow path takes it over too. */
    assert_true(get_page(p1, w.g1));
    assert_int_equal(p2m_insert_grant_ref(w.m, _gfn(0x7000000), w.f1,
                                          p2m_grant_map_ro), 0);
    assert_int_equal(page_refcount(p1), 3);
    assert_int_equal(mm_check(), 0);
    /* Removal drops exactly the entry's reference. */
    assert_int_equal(take_and_put(w.m, 0x7000000, w.f1,
                                  p2m_grant_map_ro, INVALID_GFN), 0);
    assert_int_equal(take_and_put(w.m, 0x5000, w.f1,
                                  p2m_grant_map_rw, INVALID_GFN), 0);
    assert_int_equal(page_refcount(p1), 1);
    assert_int_equal(mm_check(), 0);
    pg_down(&w);
}

/* The checked removal: only the exact frame and type go. */
static void test_remove_if(void **state)
{
    struct pg_world w;
    struct page_info *p1;

    (void)state;
    pg_up(&w);
    p1 = mfn_to_page(w.f1);
    assert_int_equal(p2m_insert_grant(w.m, _gfn(0x5000), w.f1,
                                      p2m_grant_map_ro), 0);
    assert_int_equal(page_refcount(p1), 2);

    /* Wrong type, wrong frame, a type that is not a grant type, a hole,
     * a RAM entry, a gfn out of range: all refused, nothing changes. */
    assert_int_equal(take_and_put(w.m, 0x5000, w.f1,
                                  p2m_grant_map_rw, INVALID_GFN), -EINVAL);
    assert_int_equal(take_and_put(w.m, 0x5000, w.f2,
                                  p2m_grant_map_ro, INVALID_GFN), -EINVAL);
    assert_int_equal(take_and_put(w.m, 0x5000, w.f1,
                                  p2m_ram_rw, INVALID_GFN), -EINVAL);
    assert_int_equal(take_and_put(w.m, 0x5001, w.f1,
                                  p2m_grant_map_ro, INVALID_GFN), -EINVAL);
    assert_int_equal(take_and_put(w.m, 0x30,
                                  p2m_lookup(w.m, _gfn(0x30), NULL),
                                  p2m_grant_map_rw, INVALID_GFN), -EINVAL);
    assert_int_equal(take_and_put(w.m, P2M_MAX_GFN + 1, w.f1,
                                  p2m_grant_map_ro, INVALID_GFN), -EINVAL);
    expect(w.m, 0x5000, w.f1, p2m_grant_map_ro);
    expect(w.m, 0x30, p2m_lookup(w.m, _gfn(0x30), NULL), p2m_ram_rw);
    assert_int_equal(page_refcount(p1), 2);
    assert_int_equal(mm_check(), 0);

    /* The match goes, with its reference; a second try finds nothing. */
    assert_int_equal(take_and_put(w.m, 0x5000, w.f1,
                                  p2m_grant_map_ro, INVALID_GFN), 0);
    expect(w.m, 0x5000, INVALID_MFN, p2m_invalid);
    assert_int_equal(page_refcount(p1), 1);
    assert_int_equal(take_and_put(w.m, 0x5000, w.f1,
                                  p2m_grant_map_ro, INVALID_GFN), -EINVAL);
    assert_int_equal(mm_check(), 0);
    pg_down(&w);
}

/* A move: `from`'s entry takes `gfn`'s place, references follow. */
static void test_replace(void **state)
{
    struct pg_world w;
    struct page_info *p1, *p2;
    uint8_t *v;

    (void)state;
    pg_up(&w);
    p1 = mfn_to_page(w.f1);
    p2 = mfn_to_page(w.f2);
    memset(sim_machine_frame(mfn_x(w.f2)), 0x5a, PAGE_SIZE);
    insert_pair(&w);
    assert_int_equal(page_refcount(p1), 2);
    assert_int_equal(page_refcount(p2), 2);

    assert_int_equal(take_and_put(w.m, 0x5000, w.f1,
                                  p2m_grant_map_rw, _gfn(0x5001)), 0);
    /* f2 now sits at 0x5000, still read-only; 0x5001 is a hole. */
    expect(w.m, 0x5000, w.f2, p2m_grant_map_ro);
    expect(w.m, 0x5001, INVALID_MFN, p2m_invalid);
    assert_int_equal(page_refcount(p1), 1);
    assert_int_equal(page_refcount(p2), 2);
    v = sim_machine_frame(mfn_x(p2m_lookup(w.m, _gfn(0x5000), NULL)));
    assert_int_equal(v[100], 0x5a);
    assert_int_equal(mm_check(), 0);

    /* The moved entry is removed where it now lives, with its reference. */
    assert_int_equal(take_and_put(w.m, 0x5001, w.f2,
                                  p2m_grant_map_ro, INVALID_GFN), -EINVAL);
    assert_int_equal(take_and_put(w.m, 0x5000, w.f2,
                                  p2m_grant_map_ro, INVALID_GFN), 0);
    assert_int_equal(page_refcount(p2), 1);
    assert_int_equal(mm_check(), 0);
    pg_down(&w);
}

/* Every refusal of a move leaves both entries and references alone. */
static void test_replace_refused(void **state)
{
    struct pg_world w;
    struct page_info *p1, *p2;
    mfn_t ram;
    static const struct {
        uint64_t gfn;
        unsigned int frame;  /* 1: f1, 2: f2 */
        p2m_type_t t;
        uint64_t from;
    } bad[] = {
        { 0x5000, 1, p2m_grant_map_ro, 0x5001 },   /* wrong type */
        { 0x5000, 2, p2m_grant_map_rw, 0x5001 },   /* wrong frame */
        { 0x5000, 1, p2m_ram_rw, 0x5001 },         /* not a grant type */
        { 0x5000, 1, p2m_grant_map_rw, 0x5000 },   /* onto itself */
        { 0x5000, 1, p2m_grant_map_rw, 0x5002 },   /* from: a hole */
        { 0x5000, 1, p2m_grant_map_rw, 0x30 },     /* from: RAM */
        { 0x5000, 1, p2m_grant_map_rw, 0x7000000 },/* from: no table */
        { 0x5000, 1, p2m_grant_map_rw, P2M_MAX_GFN + 1 },
        { 0x5000, 1, p2m_grant_map_rw, INVALID_GFN_RAW - 1 },
        { 0x5002, 1, p2m_grant_map_rw, 0x5001 },   /* gfn: a hole */
        { P2M_MAX_GFN + 1, 1, p2m_grant_map_rw, 0x5001 },
    };
    unsigned int i;

    (void)state;
    pg_up(&w);
    p1 = mfn_to_page(w.f1);
    p2 = mfn_to_page(w.f2);
    ram = p2m_lookup(w.m, _gfn(0x30), NULL);
    insert_pair(&w);
    for ( i = 0; i < sizeof(bad) / sizeof(bad[0]); i++ )
    {
        assert_int_equal(take_and_put(w.m, bad[i].gfn,
                                      bad[i].frame == 1 ? w.f1 : w.f2,
                                      bad[i].t, _gfn(bad[i].from)),
                         -EINVAL);
        expect(w.m, 0x5000, w.f1, p2m_grant_map_rw);
        expect(w.m, 0x5001, w.f2, p2m_grant_map_ro);
        expect(w.m, 0x30, ram, p2m_ram_rw);
        assert_int_equal(page_refcount(p1), 2);
        assert_int_equal(page_refcount(p2), 2);
        assert_int_equal(mm_check(), 0);
    }
    /* A RAM entry is never moved or replaced either. */
    assert_int_equal(take_and_put(w.m, 0x30, ram, p2m_grant_map_rw,
                                  _gfn(0x5001)), -EINVAL);
    expect(w.m, 0x30, ram, p2m_ram_rw);
    expect(w.m, 0x5001, w.f2, p2m_grant_map_ro);
    pg_down(&w);
}

/* Once the mapper is torn down, nothing is removed or moved. */
static void test_after_teardown(void **state)
{
    struct pg_world w;
    int rc;

    (void)state;
    pg_up(&w);
    assert_int_equal(p2m_insert_grant(w.m, _gfn(0x5000), w.f1,
                                      p2m_grant_map_rw), 0);
    assert_int_equal(p2m_insert_grant(w.m, _gfn(0x5001), w.f2,
                                      p2m_grant_map_rw), 0);
    while ( (rc = domain_destroy(w.m)) == -ERESTART )
        ;
    assert_int_equal(rc, 0);
    /* Teardown dropped both entries' references... */
    assert_int_equal(page_refcount(mfn_to_page(w.f1)), 1);
    assert_int_equal(page_refcount(mfn_to_page(w.f2)), 1);
    /* ...and a reference holder can neither remove nor move them again. */
    assert_int_equal(take_and_put(w.m, 0x5000, w.f1,
                                  p2m_grant_map_rw, INVALID_GFN), -EINVAL);
    assert_int_equal(take_and_put(w.m, 0x5000, w.f1,
                                  p2m_grant_map_rw, _gfn(0x5001)),
                     -EINVAL);
    assert_int_equal(page_refcount(mfn_to_page(w.f1)), 1);
    assert_int_equal(page_refcount(mfn_to_page(w.f2)), 1);
    put_domain(w.m);
    w.m = NULL;
    pg_down(&w);
}

/*
 * A batch of inserts: each entry gets the result its own call in that
 * place would (a gfn an earlier entry took: -EEXIST; RAM: -EEXIST; a type
 * that is no grant type, a gfn past the P2M: -EINVAL; one needing a new
 * leaf table: made), and only the entries made take over the caller's
 * reference.
 */
static void test_insert_batch(void **state)
{
    struct p2m_grant_entry e[6];
    struct page_info *p1;
    struct pg_world w;
    static const int want[6] = { 0, -EEXIST, -EEXIST, -EINVAL, -EINVAL, 0 };
    unsigned int i, made = 0;

    (void)state;
    pg_up(&w);
    p1 = mfn_to_page(w.f1);
    e[0] = (struct p2m_grant_entry){ _gfn(0x5000), w.f1, p2m_grant_map_rw, 1 };
    e[1] = (struct p2m_grant_entry){ _gfn(0x5000), w.f1, p2m_grant_map_ro, 1 };
    e[2] = (struct p2m_grant_entry){ _gfn(0x30), w.f1, p2m_grant_map_ro, 1 };
    e[3] = (struct p2m_grant_entry){ _gfn(0x5001), w.f1, p2m_ram_rw, 1 };
    e[4] = (struct p2m_grant_entry){ _gfn(P2M_MAX_GFN + 1), w.f1,
                                     p2m_grant_map_ro, 1 };
    e[5] = (struct p2m_grant_entry){ _gfn(0x7000000), w.f1,
                                     p2m_grant_map_ro, 1 };
    for ( i = 0; i < 6; i++ )
        assert_true(get_page(p1, w.g1)); /* the caller's, one per entry */
    p2m_insert_grant_refs(w.m, e, 6);
    for ( i = 0; i < 6; i++ )
    {
        assert_int_equal(e[i].rc, want[i]);
        if ( e[i].rc )
            put_page(p1); /* a refused entry leaves it ours */
        else
            made++;
    }
    assert_int_equal(page_refcount(p1), 1 + made);
    expect(w.m, 0x5000, w.f1, p2m_grant_map_rw);
    expect(w.m, 0x7000000, w.f1, p2m_grant_map_ro);
    expect(w.m, 0x5001, INVALID_MFN, p2m_invalid);
    assert_int_equal(mm_check(), 0);
    assert_int_equal(take_and_put(w.m, 0x5000, w.f1, p2m_grant_map_rw,
                                  INVALID_GFN), 0);
    assert_int_equal(take_and_put(w.m, 0x7000000, w.f1, p2m_grant_map_ro,
                                  INVALID_GFN), 0);
    assert_int_equal(page_refcount(p1), 1);
    assert_int_equal(mm_check(), 0);
    pg_down(&w);
}

/*
 * A batch of removals: each entry gets the result its own call in that
 * place would (the second removal of one gfn finds it gone; a wrong frame,
 * a wrong type, a RAM gfn, a type that is no grant type and a gfn past the
 * P2M are refused), the removed entries' references are handed over, and
 * the refused ones keep theirs.
 */
static void test_take_batch(void **state)
{
    struct p2m_grant_entry e[8];
    struct page_info *p1, *p2;
    struct pg_world w;
    static const int want[8] = { 0, -EINVAL, -EINVAL, 0, -EINVAL, -EINVAL,
                                 -EINVAL, -EINVAL };
    unsigned int i;

    (void)state;
    pg_up(&w);
    p1 = mfn_to_page(w.f1);
    p2 = mfn_to_page(w.f2);
    insert_pair(&w);
    assert_int_equal(p2m_insert_grant(w.m, _gfn(0x5002), w.f1,
                                      p2m_grant_map_ro), 0);
    assert_int_equal(page_refcount(p1), 3);
    assert_int_equal(page_refcount(p2), 2);
    e[0] = (struct p2m_grant_entry){ _gfn(0x5000), w.f1, p2m_grant_map_rw, 1 };
    e[1] = e[0];                                  /* gone by then */
    e[2] = (struct p2m_grant_entry){ _gfn(0x5001), w.f1, p2m_grant_map_ro, 1 };
    e[3] = (struct p2m_grant_entry){ _gfn(0x5001), w.f2, p2m_grant_map_ro, 1 };
    e[4] = (struct p2m_grant_entry){ _gfn(0x5002), w.f1, p2m_grant_map_rw, 1 };
    e[5] = (struct p2m_grant_entry){ _gfn(0x30),
                                    p2m_lookup(w.m, _gfn(0x30), NULL),
                                    p2m_grant_map_rw, 1 };
    e[6] = (struct p2m_grant_entry){ _gfn(0x5002), w.f1, p2m_ram_rw, 1 };
    e[7] = (struct p2m_grant_entry){ _gfn(P2M_MAX_GFN + 1), w.f1,
                                    p2m_grant_map_ro, 1 };
    p2m_take_grant_refs(w.m, e, 8);
    for ( i = 0; i < 8; i++ )
        assert_int_equal(e[i].rc, want[i]);
    assert_int_equal(page_refcount(p1), 3); /* handed over, not dropped */
    assert_int_equal(page_refcount(p2), 2);
    expect(w.m, 0x5000, INVALID_MFN, p2m_invalid);
    expect(w.m, 0x5001, INVALID_MFN, p2m_invalid);
    expect(w.m, 0x5002, w.f1, p2m_grant_map_ro);
    expect(w.m, 0x30, p2m_lookup(w.m, _gfn(0x30), NULL), p2m_ram_rw);
    put_page(p1);
    put_page(p2);
    assert_int_equal(mm_check(), 0);
    /* An empty batch changes nothing; the kept entry still goes singly. */
    p2m_take_grant_refs(w.m, e, 0);
    assert_int_equal(take_and_put(w.m, 0x5002, w.f1, p2m_grant_map_ro,
                                  INVALID_GFN), 0);
    assert_int_equal(page_refcount(p1), 1);
    assert_int_equal(mm_check(), 0);
    pg_down(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_insert_ref, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_remove_if, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_replace, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_replace_refused, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_insert_batch, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_take_batch, mm_world_setup,
                                        mm_world_teardown),
        cmocka_unit_test_setup_teardown(test_after_teardown, mm_world_setup,
                                        mm_world_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
