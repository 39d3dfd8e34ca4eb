/* SPDX-License-Identifier: MIT */
/*
 * The guest side of the event channel ABIs (see guest_evtchn.h).  Only the
 * public headers are used: offsets come from the public structures.
 */
#include <common/string.h>
#include <public/arch-x86/xen.h>

#include "guest_evtchn.h"

#define L3_BITS_PER_PAGE 32768U

static uint8_t *upcall_flag(struct guest_evtchn *g, unsigned int vcpu)
{
    return (uint8_t *)g->vcpu_info[vcpu]; /* evtchn_upcall_pending @0 */
}

/* Swaps a W-bit word at `p` to 0 and returns it. */
static uint64_t xchg_word(bool compat, void *p)
{
    if ( compat )
        return __atomic_exchange_n((uint32_t *)p, 0, __ATOMIC_SEQ_CST);
    return __atomic_exchange_n((uint64_t *)p, 0, __ATOMIC_SEQ_CST);
}

static uint64_t load_word(bool compat, const void *base, unsigned int i)
{
    if ( compat )
        return __atomic_load_n((const uint32_t *)base + i, __ATOMIC_SEQ_CST);
    return __atomic_load_n((const uint64_t *)base + i, __ATOMIC_SEQ_CST);
}

/* Clears bit `b` of word `i`; true if it was set. */
static bool test_and_clear(bool compat, void *base, unsigned int i,
                           unsigned int b)
{
    if ( compat )
    {
        uint32_t m = 1U << b;

        return __atomic_fetch_and((uint32_t *)base + i, ~m,
                                  __ATOMIC_SEQ_CST) & m;
    }
    else
    {
        uint64_t m = 1ULL << b;

        return __atomic_fetch_and((uint64_t *)base + i, ~m,
                                  __ATOMIC_SEQ_CST) & m;
    }
}

static void *sel_of(struct guest_evtchn *g, unsigned int vcpu)
{
    char *vi = g->vcpu_info[vcpu];

    return g->compat ? vi + offsetof(struct compat_vcpu_info,
                                     evtchn_pending_sel)
                     : vi + offsetof(struct vcpu_info, evtchn_pending_sel);
}

static void *pending_2l(struct guest_evtchn *g)
{
    char *si = g->shared_info;

    return g->compat ? si + offsetof(struct compat_shared_info, evtchn_pending)
                     : si + offsetof(struct shared_info, evtchn_pending);
}

static void *mask_2l(struct guest_evtchn *g)
{
    char *si = g->shared_info;

    return g->compat ? si + offsetof(struct compat_shared_info, evtchn_mask)
                     : si + offsetof(struct shared_info, evtchn_mask);
}

/* The `w` bits of `vcpu`'s bound map from port `first` (a multiple of w). */
static uint64_t bound_bits(struct guest_evtchn *g, unsigned int vcpu,
                           unsigned int first, unsigned int w)
{
    uint64_t word;

    if ( !g->bound[vcpu] )
        return ~0ULL;
    word = __atomic_load_n(&g->bound[vcpu][first / 64], __ATOMIC_SEQ_CST);
    return w == 64 ? word : (word >> (first % 64)) & 0xffffffffULL;
}

void guest_evtchn_bind_to(struct guest_evtchn *g, unsigned int port,
                          unsigned int vcpu)
{
    unsigned int v;

    for ( v = 0; v < g->nr_vcpus; v++ )
        if ( g->bound[v] )
            __atomic_fetch_and(&g->bound[v][port / 64], ~(1ULL << (port % 64)),
                               __ATOMIC_SEQ_CST);
    if ( g->bound[vcpu] )
        __atomic_fetch_or(&g->bound[vcpu][port / 64], 1ULL << (port % 64),
                          __ATOMIC_SEQ_CST);
}

/* 2 levels: selector bit i -> pending word i. */
static unsigned int scan_2l(struct guest_evtchn *g, unsigned int vcpu)
{
    unsigned int w = g->compat ? 32 : 64, n = 0;
    uint64_t sel = xchg_word(g->compat, sel_of(g, vcpu));

    while ( sel )
    {
        unsigned int i = (unsigned int)__builtin_ctzll(sel);
        uint64_t bits;

        sel &= sel - 1;
        bits = load_word(g->compat, pending_2l(g), i) &
               ~load_word(g->compat, mask_2l(g), i) &
               bound_bits(g, vcpu, i * w, w);
        while ( bits )
        {
            unsigned int b = (unsigned int)__builtin_ctzll(bits);

            bits &= bits - 1;
            if ( test_and_clear(g->compat, pending_2l(g), i, b) )
            {
                g->handler(g->handler_arg, vcpu, i * w + b);
                n++;
            }
        }
    }
    return n;
}

/* 3 levels: L1 bit i -> L2 word i; L2 bit k -> L3 word k (64 bits). */
static unsigned int scan_3l(struct guest_evtchn *g, unsigned int vcpu)
{
    unsigned int w = g->compat ? 32 : 64, n = 0;
    uint64_t l1 = xchg_word(g->compat, sel_of(g, vcpu));
    void *l2 = g->l2[vcpu];

    while ( l1 )
    {
        unsigned int i = (unsigned int)__builtin_ctzll(l1);
        uint64_t l2w;

        l1 &= l1 - 1;
        l2w = xchg_word(g->compat, (char *)l2 + i * (w / 8));
        while ( l2w )
        {
            unsigned int j = (unsigned int)__builtin_ctzll(l2w);
            unsigned int k = i * w + j;
            unsigned int pg = k / 512, wi = k % 512;
            uint64_t bits;

            l2w &= l2w - 1;
            bits = __atomic_load_n(&g->l3_pending[pg][wi], __ATOMIC_SEQ_CST) &
                   ~__atomic_load_n(&g->l3_mask[pg][wi], __ATOMIC_SEQ_CST) &
                   bound_bits(g, vcpu, k * 64, 64);
            while ( bits )
            {
                unsigned int b = (unsigned int)__builtin_ctzll(bits);
                uint64_t m = 1ULL << b;

                bits &= bits - 1;
                if ( __atomic_fetch_and(&g->l3_pending[pg][wi], ~m,
                                        __ATOMIC_SEQ_CST) & m )
                {
                    g->handler(g->handler_arg, vcpu, k * 64 + b);
                    n++;
                }
            }
        }
    }
    return n;
}

static event_word_t *fifo_word(struct guest_evtchn *g, unsigned int port)
{
    if ( port / 1024 >= g->fifo_pages )
        return NULL;
    return &g->fifo_array[port / 1024][port % 1024];
}

/*
 * FIFO: READY is swapped to 0 into a local copy and merged again after
 * each event, so a head the hypervisor announces meanwhile is seen; the
 * queue's next event is our cursor, or HEAD when the cursor is 0.  Each
 * event is unlinked (LINKED and LINK cleared together, the old LINK being
 * the next), then, if PENDING and not MASKED, its PENDING is cleared and
 * it is dispatched.
 */
static unsigned int scan_fifo(struct guest_evtchn *g, unsigned int vcpu)
{
    evtchn_fifo_control_block_t *cb = g->fifo_cb[vcpu];
    unsigned int n = 0;
    uint32_t ready;

    if ( !cb )
        return 0;
    ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    while ( ready )
    {
        unsigned int q = (unsigned int)__builtin_ctz(ready);
        uint32_t port = g->fifo_head[vcpu][q], next;
        event_word_t *w, old, new;
        const event_word_t pm = (1U << EVTCHN_FIFO_PENDING) |
                                (1U << EVTCHN_FIFO_MASKED);

        if ( port == 0 )
            port = __atomic_load_n(&cb->head[q], __ATOMIC_SEQ_CST);
        w = fifo_word(g, port);
        if ( !w )
        {
            /* Not a port we gave the hypervisor a word for: give up. */
            ready &= ~(1U << q);
            g->fifo_head[vcpu][q] = 0;
            continue;
        }
        old = __atomic_load_n(w, __ATOMIC_SEQ_CST);
        do
            new = old & ~((1U << EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK);
        while ( !__atomic_compare_exchange_n(w, &old, new, false,
                                             __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST) );
        next = old & EVTCHN_FIFO_LINK_MASK;
        if ( next == 0 )
            ready &= ~(1U << q);
        g->fifo_head[vcpu][q] = next;
        if ( (old & pm) == (1U << EVTCHN_FIFO_PENDING) &&
             (__atomic_fetch_and(w, ~(1U << EVTCHN_FIFO_PENDING),
                                 __ATOMIC_SEQ_CST) &
              (1U << EVTCHN_FIFO_PENDING)) )
        {
            g->handler(g->handler_arg, vcpu, port);
            n++;
        }
        ready |= __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    }
    return n;
}

unsigned int guest_evtchn_scan(struct guest_evtchn *g, unsigned int vcpu)
{
    if ( g->abi == EVTCHN_ABI_FIFO )
        return scan_fifo(g, vcpu);
    return g->abi == EVTCHN_ABI_3LEVEL ? scan_3l(g, vcpu) : scan_2l(g, vcpu);
}

unsigned int guest_evtchn_upcall(struct guest_evtchn *g, unsigned int vcpu)
{
    unsigned int n = 0;

    while ( __atomic_exchange_n(upcall_flag(g, vcpu), 0, __ATOMIC_SEQ_CST) )
        n += guest_evtchn_scan(g, vcpu);
    return n;
}

bool guest_evtchn_upcall_pending(struct guest_evtchn *g, unsigned int vcpu)
{
    return __atomic_load_n(upcall_flag(g, vcpu), __ATOMIC_SEQ_CST) != 0;
}

/* Sets a port's mask bit (`mask`) or pending bit in the guest's view. */
static void set_bit_of(struct guest_evtchn *g, bool mask, unsigned int port)
{
    if ( g->abi == EVTCHN_ABI_FIFO )
    {
        event_word_t *w = fifo_word(g, port);

        if ( w )
            __atomic_fetch_or(w, 1U << (mask ? EVTCHN_FIFO_MASKED
                                             : EVTCHN_FIFO_PENDING),
                              __ATOMIC_SEQ_CST);
    }
    else if ( g->abi == EVTCHN_ABI_3LEVEL )
        __atomic_fetch_or(&(mask ? g->l3_mask : g->l3_pending)
                              [port / L3_BITS_PER_PAGE]
                              [(port % L3_BITS_PER_PAGE) / 64],
                          1ULL << (port % 64), __ATOMIC_SEQ_CST);
    else if ( g->compat )
        __atomic_fetch_or((uint32_t *)(mask ? mask_2l(g) : pending_2l(g)) +
                              port / 32,
                          1U << (port % 32), __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_or((uint64_t *)(mask ? mask_2l(g) : pending_2l(g)) +
                              port / 64,
                          1ULL << (port % 64), __ATOMIC_SEQ_CST);
}

void guest_evtchn_mask(struct guest_evtchn *g, unsigned int port)
{
    set_bit_of(g, true, port);
}

long guest_evtchn_unmask(struct guest_evtchn *g, unsigned int vcpu,
                         unsigned int port)
{
    struct evtchn_unmask u = { .port = port };

    return g->hypercall(g->ctx, vcpu, EVTCHNOP_unmask, &u, sizeof(u));
}

/*
 * Linux's retrigger (retrigger_dynirq): masked, the port is made pending by
 * the guest itself, and EVTCHNOP_unmask then delivers it as any pending
 * port, on the vCPU the port is bound to.
 */
long guest_evtchn_retrigger(struct guest_evtchn *g, unsigned int vcpu,
                            unsigned int port)
{
    guest_evtchn_mask(g, port);
    set_bit_of(g, false, port);
    return guest_evtchn_unmask(g, vcpu, port);
}

static bool bit_of(struct guest_evtchn *g, bool mask, unsigned int port)
{
    if ( g->abi == EVTCHN_ABI_FIFO )
    {
        event_word_t *w = fifo_word(g, port);

        if ( !w )
            return mask;
        return (__atomic_load_n(w, __ATOMIC_SEQ_CST) >>
                (mask ? EVTCHN_FIFO_MASKED : EVTCHN_FIFO_PENDING)) & 1;
    }
    if ( g->abi == EVTCHN_ABI_3LEVEL )
    {
        uint64_t *const *m = mask ? g->l3_mask : g->l3_pending;

        return (__atomic_load_n(&m[port / L3_BITS_PER_PAGE]
                                  [(port % L3_BITS_PER_PAGE) / 64],
                                __ATOMIC_SEQ_CST) >> (port % 64)) & 1;
    }
    if ( g->compat )
        return (load_word(true, mask ? mask_2l(g) : pending_2l(g),
                          port / 32) >> (port % 32)) & 1;
    return (load_word(false, mask ? mask_2l(g) : pending_2l(g), port / 64) >>
            (port % 64)) & 1;
}

bool guest_evtchn_is_pending(struct guest_evtchn *g, unsigned int port)
{
    return bit_of(g, false, port);
}

bool guest_evtchn_is_masked(struct guest_evtchn *g, unsigned int port)
{
    return bit_of(g, true, port);
}

long guest_evtchn_setup_3l(struct guest_evtchn *g, unsigned int nr,
                           const uint64_t *pending_gfn,
                           const uint64_t *mask_gfn,
                           const uint64_t *l2_gfn, void *const *pending_view,
                           void *const *mask_view, void *const *l2_view)
{
    struct evtchn_register_extended r;
    unsigned int i;
    long rc;

    memset(&r, 0, sizeof(r));
    r.cmd = EVTCHN_EXTENDED_REGISTER_BITMAPS;
    r.u.bitmaps.nr_pages = nr;
    for ( i = 0; i < nr; i++ )
    {
        r.u.bitmaps.pending_gfn[i] = pending_gfn[i];
        r.u.bitmaps.mask_gfn[i] = mask_gfn[i];
        g->l3_pending[i] = pending_view[i];
        g->l3_mask[i] = mask_view[i];
    }
    /* Events from now on arrive in L3: scan it from the first L1 bit. */
    g->abi = EVTCHN_ABI_3LEVEL;
    rc = g->hypercall(g->ctx, 0, EVTCHNOP_register_extended, &r, sizeof(r));
    if ( rc )
    {
        g->abi = EVTCHN_ABI_2LEVEL;
        return rc;
    }
    for ( i = 0; i < g->nr_vcpus; i++ )
    {
        memset(&r, 0, sizeof(r));
        r.cmd = EVTCHN_EXTENDED_REGISTER_L2;
        r.u.l2.vcpu = i;
        r.u.l2.gfn = l2_gfn[i];
        g->l2[i] = l2_view[i];
        rc = g->hypercall(g->ctx, i, EVTCHNOP_register_extended, &r,
                          sizeof(r));
        if ( rc )
            return rc;
    }
    return 0;
}

long guest_evtchn_setup_fifo(struct guest_evtchn *g, const uint64_t *cb_gfn,
                             void *const *cb_view, unsigned int nr,
                             const uint64_t *array_gfn,
                             void *const *array_view)
{
    unsigned int i, abi = g->abi;
    long rc;

    if ( nr > GUEST_EVTCHN_FIFO_PAGES )
        return -1;
    for ( i = 0; i < g->nr_vcpus; i++ )
    {
        struct evtchn_init_control c = { .control_gfn = cb_gfn[i],
                                         .vcpu = i };

        memset(cb_view[i], 0, sizeof(evtchn_fifo_control_block_t));
        memset(g->fifo_head[i], 0, sizeof(g->fifo_head[i]));
        g->fifo_cb[i] = cb_view[i];
        /* The first switches the ABI: scan the queues from now on. */
        g->abi = EVTCHN_ABI_FIFO;
        rc = g->hypercall(g->ctx, i, EVTCHNOP_init_control, &c, sizeof(c));
        if ( rc && i == 0 )
            g->abi = abi; /* a failed first call changes nothing */
        if ( rc )
            return rc;
    }
    for ( i = 0; i < nr; i++ )
    {
        struct evtchn_expand_array e = { .array_gfn = array_gfn[i] };

        memset(array_view[i], 0, 4096);
        g->fifo_array[i] = array_view[i];
        /* Known before the hypervisor links events on it. */
        g->fifo_pages = i + 1;
        rc = g->hypercall(g->ctx, 0, EVTCHNOP_expand_array, &e, sizeof(e));
        if ( rc )
        {
            g->fifo_pages = i;
            return rc;
        }
    }
    return 0;
}
