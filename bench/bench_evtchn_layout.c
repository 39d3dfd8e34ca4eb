/* SPDX-License-Identifier: MIT */
/*
 * evtchn.layout.*: the EVTCHNS_PER_BUCKET question (seed 000) with numbers.
 * Four `struct evtchn` layouts side by side, each stored as libevtchn
 * stores channels (one page per bucket, a power-of-two number of channels
 * per bucket, one group page of 512 bucket pointers per group):
 *
 *   xen64    Xen's layout: 64-byte aligned, the XSM ssid a pointer
 *   naive40  the 40-byte struct seed 000 starts from; a power-of-two
 *            bucket pads it to a 64-byte stride (64 per page)
 *   packed32 hvcore's production layout (libevtchn/channel.h): 32 bytes,
 *            the FLASK sid inline, pending folded into a bitfield; the
 *            model is proven equal to the library's `struct evtchn` (size,
 *            alignment and every field's offset and size at compile time,
 *            the three bitfields bit for bit when hvbench starts)
 *   split16  a candidate: the fields send touches (lock, state, notify
 *            vCPU, remote domid and port) in a 16-byte hot array, the rest
 *            in a 16-byte cold array; 256 hot channels per page
 *
 * The library keeps its one layout; these models mirror each layout's
 * field offsets and sizes, and the benchmark runs the same code on all of
 * them.  Per layout, one hvbench run reports:
 *   .send.2l  a send over 4,096 active ports picked at random: look up the
 *             local channel, lock it, read the peer, look up the peer,
 *             set its pending bit in a 2-level bitmap and selector, unlock
 *   .send.3l  the same over 131,072 active ports, 3-level bitmaps
 *   .lookup   port -> channel and a read of its state, 131,072 ports
 * Each entry's params carry the memory facts, which are not times:
 * struct_bytes, stride, per_bucket, and bytes_per_port, buckets and groups
 * at 1,024, 32,768 and 131,072 ports (channel storage only: bucket and
 * group pages).
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libevtchn/channel.h>

#include "bench.h"

#define LP_PAGE 4096U
#define LP_BUCKETS_PER_GROUP 512U
#define LP_MAX_PORTS 131072U

/* Xen 4.x on x86-64 with XSM: a pointer ssid, 64-byte aligned. */
struct chn_xen64 {
    uint32_t lock;
    uint8_t state;
    uint8_t xen_consumer;
    uint16_t notify_vcpu_id;
    uint32_t _pad;
    union {
        struct { uint16_t remote_domid; } unbound;
        struct { void *remote_dom; uint32_t remote_port; } interdomain;
        uint32_t virq;
    } u;
    uint8_t pending;
    uint8_t priority;
    uint16_t _pad2;
    uint32_t fifo_lastq;
    void *ssid;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct chn_xen64) == 64, "xen64: 64 bytes");

/* Seed 000's starting point: 29 bytes + an 8-byte ssid = 40. */
struct chn_naive40 {
    uint32_t lock;
    uint8_t state;
    uint8_t xen_consumer;
    uint16_t notify_vcpu_id;
    union {
        struct { uint16_t remote_domid; } unbound;
        struct { void *remote_dom; uint32_t remote_port; } interdomain;
        uint32_t virq;
    } u;
    uint8_t pending;
    uint8_t priority;
    uint32_t fifo_lastq;
    void *ssid;
};
_Static_assert(sizeof(struct chn_naive40) == 40, "naive40: 40 bytes");

/*
 * hvcore's production layout (libevtchn/channel.h), field for field.  The
 * library also keeps the peer's channel pointer and uses it instead of the
 * peer's bucket walk; the model walks, as it does for every layout.
 */
struct chn_packed32 {
    uint8_t lock;
    uint8_t state;
    uint8_t xen_consumer:3, pending:1, priority:4;
    uint8_t _unused;
    uint16_t notify_vcpu_id;
    uint16_t fifo_lastq;
    uint32_t ssid;
    union {
        struct { uint16_t remote_domid; } unbound;
        struct __attribute__((packed, aligned(4))) {
            void *remote_chn;
            void *remote_dom;
            uint32_t remote_port;
        } interdomain;
        struct { uint32_t irq; } pirq;
        uint32_t virq;
    } u;
} __attribute__((aligned(32)));
_Static_assert(sizeof(struct chn_packed32) == 32, "packed32: 32 bytes");

/*
 * The model is the library's struct: a change to either alone fails the
 * build here.  offsetof cannot name a bitfield; the byte holding them is
 * pinned by its neighbours and its bits are compared in lp_packed32_check.
 */
#define LP_SAME_FIELD(f)                                                    \
    _Static_assert(offsetof(struct chn_packed32, f) ==                      \
                           offsetof(struct evtchn, f) &&                    \
                       sizeof(((struct chn_packed32 *)0)->f) ==             \
                           sizeof(((struct evtchn *)0)->f),                 \
                   "packed32 model: " #f " differs from libevtchn/channel.h")
_Static_assert(sizeof(struct chn_packed32) == sizeof(struct evtchn) &&
                   _Alignof(struct chn_packed32) == _Alignof(struct evtchn),
               "packed32 model: size or alignment differs from "
               "libevtchn/channel.h");
LP_SAME_FIELD(lock);
LP_SAME_FIELD(state);
LP_SAME_FIELD(_unused);
LP_SAME_FIELD(notify_vcpu_id);
LP_SAME_FIELD(fifo_lastq);
LP_SAME_FIELD(ssid);
LP_SAME_FIELD(u);
LP_SAME_FIELD(u.unbound.remote_domid);
LP_SAME_FIELD(u.interdomain.remote_chn);
LP_SAME_FIELD(u.interdomain.remote_dom);
LP_SAME_FIELD(u.interdomain.remote_port);
LP_SAME_FIELD(u.pirq.irq);
LP_SAME_FIELD(u.virq);
_Static_assert(offsetof(struct chn_packed32, state) + 1 ==
                   offsetof(struct chn_packed32, _unused) - 1,
               "packed32 model: one bitfield byte between state and _unused");

/* The candidate: what send touches, then the rest. */
struct chn_hot16 {
    uint32_t lock;
    uint8_t state;
    uint8_t xen_consumer:3, pending:1, priority:4;
    uint16_t notify_vcpu_id;
    uint32_t remote_port;     /* interdomain; virq/pirq number otherwise */
    uint16_t remote_domid;    /* the peer by domid, not by pointer */
    uint16_t _pad;
} __attribute__((aligned(16)));
struct chn_cold16 {
    void *remote_dom;
    uint32_t fifo_lastq;
    uint32_t ssid;
};
_Static_assert(sizeof(struct chn_hot16) == 16, "hot16: 16 bytes");
_Static_assert(sizeof(struct chn_cold16) == 16, "cold16: 16 bytes");

enum lp_kind { LP_XEN64, LP_NAIVE40, LP_PACKED32, LP_SPLIT16 };

struct lp_layout {
    const char *name;
    unsigned int struct_bytes;  /* sizeof the (hot) struct */
    unsigned int stride;        /* bytes between channels in a bucket */
    unsigned int arrays;        /* bucket arrays per port (split: 2) */
};

static const struct lp_layout lp_layouts[] = {
    [LP_XEN64] = { "xen64", sizeof(struct chn_xen64), 64, 1 },
    [LP_NAIVE40] = { "naive40", sizeof(struct chn_naive40), 64, 1 },
    [LP_PACKED32] = { "packed32", sizeof(struct chn_packed32), 32, 1 },
    [LP_SPLIT16] = { "split16", sizeof(struct chn_hot16), 16, 2 },
};

/* Where the fields send uses sit, per layout. */
struct lp_fields {
    unsigned int state, remote_port, remote_dom;
};

/** One domain's channel storage in a layout: groups of bucket pages. */
struct lp_table {
    unsigned int stride, per_bucket, cold_stride;
    unsigned char **group[LP_MAX_PORTS / 512 / 8 + 1];   /* hot buckets */
    unsigned char **cold_group[LP_MAX_PORTS / 512 / 8 + 1];
    unsigned int nr_buckets, nr_groups;
};

struct lp_state {
    enum lp_kind kind;
    unsigned int ports;
    bool three_level;
    struct lp_table t;
    uint64_t *pending, *l2, l1;
    uint32_t *order;              /* random ports, one per op */
    uint64_t sink;
};

static void *lp_page(void)
{
    void *p = aligned_alloc(LP_PAGE, LP_PAGE);

    if ( p )
        memset(p, 0, LP_PAGE);
    return p;
}

/** Channel `port`'s hot bytes (the only bytes for one-array layouts). */
static inline unsigned char *lp_chn(const struct lp_table *t, unsigned int port)
{
    unsigned int b = port / t->per_bucket;

    return t->group[b / LP_BUCKETS_PER_GROUP][b % LP_BUCKETS_PER_GROUP] +
           (port % t->per_bucket) * t->stride;
}

/** Buckets and groups for `ports` ports in `kind` (counted, not timed). */
static void lp_count(enum lp_kind kind, unsigned int ports,
                     unsigned int *buckets, unsigned int *groups)
{
    const struct lp_layout *l = &lp_layouts[kind];
    unsigned int per = LP_PAGE / l->stride;
    unsigned int b = (ports + per - 1) / per;
    unsigned int g = (b + LP_BUCKETS_PER_GROUP - 1) / LP_BUCKETS_PER_GROUP;

    if ( kind == LP_SPLIT16 )
    {
        /* The cold array: 16 bytes a channel, its own buckets and groups. */
        unsigned int cb = (ports + LP_PAGE / 16 - 1) / (LP_PAGE / 16);

        b += cb;
        g += (cb + LP_BUCKETS_PER_GROUP - 1) / LP_BUCKETS_PER_GROUP;
    }
    *buckets = b;
    *groups = g;
}

static int lp_fill(struct lp_table *t, enum lp_kind kind, unsigned int ports)
{
    const struct lp_layout *l = &lp_layouts[kind];
    unsigned int b, nb;

    t->stride = l->stride;
    t->per_bucket = LP_PAGE / l->stride;
    nb = (ports + t->per_bucket - 1) / t->per_bucket;
    for ( b = 0; b < nb; b++ )
    {
        unsigned int g = b / LP_BUCKETS_PER_GROUP;

        if ( !t->group[g] && !(t->group[g] = lp_page()) )
            return -1;
        if ( !(t->group[g][b % LP_BUCKETS_PER_GROUP] = lp_page()) )
            return -1;
        t->nr_buckets++;
        t->nr_groups = g + 1;
    }
    if ( kind == LP_SPLIT16 )
    {
        unsigned int per = LP_PAGE / 16;

        t->cold_stride = 16;
        for ( b = 0; b < (ports + per - 1) / per; b++ )
        {
            unsigned int g = b / LP_BUCKETS_PER_GROUP;

            if ( !t->cold_group[g] && !(t->cold_group[g] = lp_page()) )
                return -1;
            if ( !(t->cold_group[g][b % LP_BUCKETS_PER_GROUP] = lp_page()) )
                return -1;
            t->nr_buckets++;
            if ( b % LP_BUCKETS_PER_GROUP == 0 )
                t->nr_groups++;
        }
    }
    return 0;
}

static void lp_free_table(struct lp_table *t)
{
    unsigned int g, b;

    for ( g = 0; g < sizeof(t->group) / sizeof(t->group[0]); g++ )
    {
        for ( b = 0; t->group[g] && b < LP_BUCKETS_PER_GROUP; b++ )
            free(t->group[g][b]);
        for ( b = 0; t->cold_group[g] && b < LP_BUCKETS_PER_GROUP; b++ )
            free(t->cold_group[g][b]);
        free(t->group[g]);
        free(t->cold_group[g]);
    }
}

static struct lp_fields lp_fields_of(enum lp_kind kind)
{
    switch ( kind )
    {
    case LP_XEN64:
        return (struct lp_fields){ offsetof(struct chn_xen64, state),
            offsetof(struct chn_xen64, u.interdomain.remote_port),
            offsetof(struct chn_xen64, u.interdomain.remote_dom) };
    case LP_NAIVE40:
        return (struct lp_fields){ offsetof(struct chn_naive40, state),
            offsetof(struct chn_naive40, u.interdomain.remote_port),
            offsetof(struct chn_naive40, u.interdomain.remote_dom) };
    case LP_PACKED32:
        return (struct lp_fields){ offsetof(struct chn_packed32, state),
            offsetof(struct chn_packed32, u) + 2 * sizeof(void *),
            offsetof(struct chn_packed32, u) + sizeof(void *) };
    default:
        return (struct lp_fields){ offsetof(struct chn_hot16, state),
            offsetof(struct chn_hot16, remote_port),
            offsetof(struct chn_hot16, remote_domid) };
    }
}

static int lp_setup(void **state, enum lp_kind kind, unsigned int ports,
                    bool three_level, uint64_t iterations)
{
    struct lp_state *s = calloc(1, sizeof(*s));
    struct lp_fields f = lp_fields_of(kind);
    uint64_t x = 0x9e3779b97f4a7c15ULL, i;
    unsigned int p, b, g;

    if ( !s )
        return -1;
    s->kind = kind;
    s->ports = ports;
    s->three_level = three_level;
    s->pending = calloc(LP_MAX_PORTS / 64, sizeof(uint64_t));
    s->l2 = calloc(LP_MAX_PORTS / 64 / 64, sizeof(uint64_t));
    s->order = malloc(iterations * sizeof(uint32_t));
    if ( !s->pending || !s->l2 || !s->order || lp_fill(&s->t, kind, ports) )
        goto fail;
    /* The params' arithmetic must be what was allocated. */
    lp_count(kind, ports, &b, &g);
    if ( b != s->t.nr_buckets || g != s->t.nr_groups )
    {
        fprintf(stderr, "evtchn.layout: %s: %u/%u buckets/groups allocated, "
                "%u/%u counted\n", lp_layouts[kind].name, s->t.nr_buckets,
                s->t.nr_groups, b, g);
        goto fail;
    }
    /* Every port interdomain, its peer a random other port. */
    for ( p = 0; p < ports; p++ )
    {
        unsigned char *c = lp_chn(&s->t, p);

        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        c[f.state] = 3;
        memcpy(c + f.remote_port, &(uint32_t){ (uint32_t)(x % ports) }, 4);
        if ( kind == LP_SPLIT16 )
            memcpy(c + f.remote_dom, &(uint16_t){ 1 }, 2);
        else
            memcpy(c + f.remote_dom, &(void *){ s }, sizeof(void *));
    }
    for ( i = 0; i < iterations; i++ )
    {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        s->order[i] = (uint32_t)(x % ports);
    }
    *state = s;
    return 0;

 fail:
    lp_free_table(&s->t);
    free(s->order);
    free(s->l2);
    free(s->pending);
    free(s);
    return -1;
}

/** One send on `port`: the steps libevtchn's evtchn_send takes. */
static inline void lp_send(struct lp_state *s, const struct lp_fields *f,
                           unsigned int port)
{
    unsigned char *c = lp_chn(&s->t, port), *r;
    uint8_t *lock = c, zero = 0;   /* every layout's lock starts at 0 */
    uint32_t rport;
    uint64_t m;

    while ( !__atomic_compare_exchange_n(lock, &zero, 1, false,
                                         __ATOMIC_ACQUIRE, __ATOMIC_RELAXED) )
        zero = 0;
    if ( c[f->state] == 3 )
    {
        memcpy(&rport, c + f->remote_port, 4);
        s->sink += *(volatile uintptr_t *)(c + f->remote_dom);
        r = lp_chn(&s->t, rport);
        s->sink += r[f->state];
        m = 1ULL << (rport % 64);
        if ( !(__atomic_fetch_or(&s->pending[rport / 64], m,
                                 __ATOMIC_SEQ_CST) & m) )
        {
            if ( s->three_level )
                __atomic_fetch_or(&s->l2[rport / 4096],
                                  1ULL << ((rport / 64) % 64),
                                  __ATOMIC_SEQ_CST);
            __atomic_fetch_or(&s->l1, 1ULL << ((rport / (s->three_level
                                                          ? 4096 : 64)) % 64),
                              __ATOMIC_SEQ_CST);
        }
    }
    __atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

static uint64_t lp_run_send(void *state, uint64_t iterations)
{
    struct lp_state *s = state;
    struct lp_fields f = lp_fields_of(s->kind);
    uint64_t i;

    for ( i = 0; i < iterations; i++ )
    {
        lp_send(s, &f, s->order[i]);
        /* The guest takes the event: keep the bitmaps from saturating. */
        s->pending[s->order[i] / 64] = 0;
    }
    bench_keep(s->sink);
    return iterations;
}

static uint64_t lp_run_lookup(void *state, uint64_t iterations)
{
    struct lp_state *s = state;
    struct lp_fields f = lp_fields_of(s->kind);
    uint64_t i, acc = 0;

    for ( i = 0; i < iterations; i++ )
        acc += lp_chn(&s->t, s->order[i])[f.state];
    bench_keep(acc);
    return iterations;
}

static void lp_teardown(void *state)
{
    struct lp_state *s = state;

    lp_free_table(&s->t);
    free(s->order);
    free(s->l2);
    free(s->pending);
    free(s);
}

#define LP_SETUPS(k, K)                                                     \
    static int lp_setup_##k##_2l(void **st, uint64_t n)                     \
    {                                                                       \
        return lp_setup(st, K, 4096, false, n);                             \
    }                                                                       \
    static int lp_setup_##k##_3l(void **st, uint64_t n)                     \
    {                                                                       \
        return lp_setup(st, K, LP_MAX_PORTS, true, n);                      \
    }
LP_SETUPS(xen64, LP_XEN64)
LP_SETUPS(naive40, LP_NAIVE40)
LP_SETUPS(packed32, LP_PACKED32)
LP_SETUPS(split16, LP_SPLIT16)

/*
 * Each entry's params: the layout's memory facts from the same bucket
 * arithmetic lp_fill allocates with (lp_setup checks that they agree),
 * written once at start-up.
 */
#define LP_NR_ENTRIES 12
static char lp_params[LP_NR_ENTRIES][640];

static void lp_format(char *buf, size_t size, enum lp_kind k, const char *abi,
                      unsigned int active)
{
    static const unsigned int at[3] = { 1024, 32768, LP_MAX_PORTS };
    static const char *const tag[3] = { "1k", "32k", "131k" };
    const struct lp_layout *l = &lp_layouts[k];
    int n = snprintf(buf, size,
                     "{\"layout\":\"%s\",\"abi\":\"%s\",\"active_ports\":%u,"
                     "\"struct_bytes\":%u,\"stride\":%u,\"per_bucket\":%u",
                     l->name, abi, active, l->struct_bytes, l->stride,
                     LP_PAGE / l->stride);
    unsigned int i, b, g;

    for ( i = 0; i < 3; i++ )
    {
        lp_count(k, at[i], &b, &g);
        n += snprintf(buf + n, size - (size_t)n,
                      ",\"buckets_%s\":%u,\"groups_%s\":%u,"
                      "\"bytes_per_port_%s\":%.4f", tag[i], b, tag[i], g,
                      tag[i], (double)(b + g) * LP_PAGE / at[i]);
    }
    snprintf(buf + n, size - (size_t)n, "}");
}

/*
 * The bitfields of the packed32 model and of `struct evtchn`, each set to
 * all ones in turn, must give the same bytes; hvbench stops otherwise.
 */
static void lp_packed32_check(void)
{
    static const char *const name[3] = { "xen_consumer", "pending",
                                         "priority" };
    unsigned int i;

    for ( i = 0; i < 3; i++ )
    {
        struct chn_packed32 m;
        struct evtchn c;

        memset(&m, 0, sizeof(m));
        memset(&c, 0, sizeof(c));
        /* 0 - 1 in an unsigned bitfield: all its bits, whatever its width. */
        if ( i == 0 )
        {
            m.xen_consumer--;
            c.xen_consumer--;
        }
        else if ( i == 1 )
        {
            m.pending--;
            c.pending--;
        }
        else
        {
            m.priority--;
            c.priority--;
        }
        if ( memcmp(&m, &c, sizeof(m)) )
        {
            fprintf(stderr, "evtchn.layout: the packed32 model's %s "
                    "differs from libevtchn/channel.h\n", name[i]);
            abort();
        }
    }
}

__attribute__((constructor)) static void lp_params_init(void)
{
    unsigned int k;

    lp_packed32_check();

    for ( k = 0; k < 4; k++ )
    {
        lp_format(lp_params[k * 3], sizeof(lp_params[0]), k, "2l", 4096);
        lp_format(lp_params[k * 3 + 1], sizeof(lp_params[0]), k, "3l",
                  LP_MAX_PORTS);
        lp_format(lp_params[k * 3 + 2], sizeof(lp_params[0]), k, "3l",
                  LP_MAX_PORTS);
    }
}

#define LP_ENTRIES(k, i)                                                    \
    { .name = "evtchn.layout." #k ".send.2l", .params = lp_params[i],       \
      .setup = lp_setup_##k##_2l, .run = lp_run_send,                       \
      .teardown = lp_teardown, .default_iterations = 1000000 },             \
    { .name = "evtchn.layout." #k ".send.3l", .params = lp_params[i + 1],   \
      .setup = lp_setup_##k##_3l, .run = lp_run_send,                       \
      .teardown = lp_teardown, .default_iterations = 1000000 },             \
    { .name = "evtchn.layout." #k ".lookup", .params = lp_params[i + 2],    \
      .setup = lp_setup_##k##_3l, .run = lp_run_lookup,                     \
      .teardown = lp_teardown, .default_iterations = 1000000 }

const struct bench bench_evtchn_layout_list[] = {
    LP_ENTRIES(xen64, 0),
    LP_ENTRIES(naive40, 3),
    LP_ENTRIES(packed32, 6),
    LP_ENTRIES(split16, 9),
    { .name = NULL },
};
