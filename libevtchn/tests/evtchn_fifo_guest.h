/* SPDX-License-Identifier: MIT */
/*
 * The FIFO suites' guest: a domain that may use FIFO, the FIFO hypercalls
 * issued as vCPU 0, page references, and a guest-side consumer written
 * from public/event_channel.h only (the harness's guest driver does the
 * draining).  Control blocks at CB_GFN + vCPU, event array pages from
 * ARR_GFN.
 */
#ifndef LIBEVTCHN_TESTS_EVTCHN_FIFO_GUEST_H
#define LIBEVTCHN_TESTS_EVTCHN_FIFO_GUEST_H

#include "evtchn_world.h"
#include "../../harness/evtchn/guest_evtchn.h"

#define CB_GFN (EW_RAM_GFN)           /* control blocks: 2 pages */
#define ARR_GFN (EW_RAM_GFN + 4)      /* event array: up to 8 pages here */
#define WORDS_PER_PAGE 1024

static inline struct domain *make_dom(domid_t id, unsigned int vcpus,
                                      bool priv)
{
    return ew_domain_wide(id, vcpus, priv, false);
}

static inline long init_control(struct domain *d, unsigned int vcpu,
                                uint64_t gfn, uint32_t offset,
                                uint8_t *link_bits)
{
    struct evtchn_init_control c = { .control_gfn = gfn, .offset = offset,
                                     .vcpu = vcpu };
    long rc = ew_op(d, EVTCHNOP_init_control, &c);

    if ( link_bits )
        *link_bits = c.link_bits;
    return rc;
}

static inline long expand(struct domain *d, uint64_t gfn)
{
    struct evtchn_expand_array e = { .array_gfn = gfn };

    return ew_op(d, EVTCHNOP_expand_array, &e);
}

static inline long set_prio(struct domain *d, unsigned int port,
                            unsigned int prio)
{
    struct evtchn_set_priority s = { .port = port, .priority = prio };

    return ew_op(d, EVTCHNOP_set_priority, &s);
}

static inline uint64_t refs(struct domain *d, uint64_t gfn)
{
    p2m_type_t t;

    return page_refcount(mfn_to_page(p2m_lookup(d, _gfn(gfn), &t)));
}

static inline unsigned int abi_of(struct domain *d, unsigned int *fifo_pages)
{
    struct evtchn_domain_stats st;

    evtchn_domain_get_stats(d, &st);
    if ( fifo_pages )
        *fifo_pages = st.fifo_pages;
    return st.abi;
}

/* --- the guest side, from the public ABI only ----------------------- */

struct guest_fifo {
    struct domain *d;
    struct guest_evtchn ge;          /* the harness's guest driver */
    unsigned int *out, n, max;       /* what g_drain collects */
};

static inline event_word_t *g_word(struct guest_fifo *g, unsigned int port)
{
    assert_true(port / WORDS_PER_PAGE < g->ge.fifo_pages);
    return &g->ge.fifo_array[port / WORDS_PER_PAGE][port % WORDS_PER_PAGE];
}

/* Registers vCPU `vcpu`'s control block at the page's start. */
static inline void g_init(struct guest_fifo *g, struct domain *d,
                          unsigned int vcpu)
{
    uint8_t lb = 0;

    g->d = d;
    memset(ew_gfn_ptr(d, CB_GFN + vcpu), 0, 4096);
    assert_int_equal(init_control(d, vcpu, CB_GFN + vcpu, 0, &lb), 0);
    assert_int_equal(lb, EVTCHN_FIFO_LINK_BITS);
    g->ge.fifo_cb[vcpu] = ew_gfn_ptr(d, CB_GFN + vcpu);
}

/* Adds an array page with every event masked, as Linux does. */
static inline void g_expand(struct guest_fifo *g)
{
    event_word_t *w = ew_gfn_ptr(g->d, ARR_GFN + g->ge.fifo_pages);
    unsigned int i;

    for ( i = 0; i < WORDS_PER_PAGE; i++ )
        w[i] = 1U << EVTCHN_FIFO_MASKED;
    assert_int_equal(expand(g->d, ARR_GFN + g->ge.fifo_pages), 0);
    g->ge.fifo_array[g->ge.fifo_pages++] = w;
}

/* The guest unmasks: not while BUSY; the hypervisor relinks if pending. */
static inline void g_unmask(struct guest_fifo *g, unsigned int port)
{
    event_word_t *w = g_word(g, port), old = __atomic_load_n(w, 0);

    for ( ;; )
    {
        if ( old & (1U << EVTCHN_FIFO_BUSY) )
        {
            old = __atomic_load_n(w, __ATOMIC_SEQ_CST);
            continue;
        }
        if ( __atomic_compare_exchange_n(w, &old,
                                         old & ~(1U << EVTCHN_FIFO_MASKED),
                                         false, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST) )
            break;
    }
    if ( old & (1U << EVTCHN_FIFO_PENDING) )
        assert_int_equal(ew_unmask(g->d, port), 0);
}

static inline void g_collect(void *arg, unsigned int vcpu,
                             unsigned int port)
{
    struct guest_fifo *g = arg;

    (void)vcpu;
    if ( g->n < g->max )
        g->out[g->n] = port;
    g->n++;
}

/*
 * Drains vCPU `vcpu`'s queues with the guest driver's FIFO handler
 * (harness/evtchn/guest_evtchn.c: highest priority first, READY taken
 * whole and merged after each event) into `out` (at most `max` ports);
 * returns how many events it took.
 */
static inline unsigned int g_drain(struct guest_fifo *g, unsigned int vcpu,
                                   unsigned int *out, unsigned int max)
{
    g->out = out;
    g->n = 0;
    g->max = max;
    g->ge.abi = EVTCHN_ABI_FIFO;
    g->ge.nr_vcpus = 2;
    g->ge.handler = g_collect;
    g->ge.handler_arg = g;
    guest_evtchn_scan(&g->ge, vcpu);
    return g->n;
}
/*
 * The checkers, for a guest that follows the ABI: evtchn_check, and every
 * queue whose head is untaken links to its tail (evtchn_check_fifo_queues,
 * which a guest rewriting its words could fail).
 */
static inline void g_check(void)
{
    assert_int_equal(evtchn_check(), 0);
    assert_int_equal(evtchn_check_fifo_queues(), 0);
}


/** After a drain: none of `ports` PENDING or LINKED, no READY bit left. */
static inline void g_assert_drained(struct guest_fifo *g,
                                    const unsigned int *ports, unsigned int n)
{
    unsigned int i;

    for ( i = 0; i < n; i++ )
        assert_int_equal(*g_word(g, ports[i]) &
                         ((1U << EVTCHN_FIFO_PENDING) |
                          (1U << EVTCHN_FIFO_LINKED)), 0);
    assert_int_equal(g->ge.fifo_cb[0]->ready, 0);
    assert_int_equal(g->ge.fifo_cb[1]->ready, 0);
}

#endif /* LIBEVTCHN_TESTS_EVTCHN_FIFO_GUEST_H */
