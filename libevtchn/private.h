/* SPDX-License-Identifier: MIT */
/*
 * libevtchn's private structures and the internal event channel interface
 * (seed 002): the channel core calls the ABI only through `struct
 * evtchn_port_ops`, one static const table per ABI (event_2l.c,
 * event_3l.c, event_fifo.c).
 *
 * Lock order (documented once, here):
 *   global_virq_lock (virq.c)
 *    -> event_lock of one domain, or of two domains taken lower
 *       `struct domain` address first by `double_event_lock`
 *     -> vCPU virq_lock (write, in close; read, in virq senders)
 *      -> channel lock(s) (chn_lock.h): two channels lower address
 *         first, by `double_evtchn_lock`
 *       -> FIFO queue lock(s) (event_fifo.c): two queues lower address
 *          first
 * Senders (send, unmask, virq, pirq, consumers) never take an event_lock:
 * they take their own channel's lock in sender mode and no other lock
 * (hypervisor senders only try it, and drop the event if a state change
 * holds or waits for it: the channel is changing state; they wait for a
 * guest sender, so they must not interrupt one on its CPU: chn_lock.h).
 * An interdomain send holds the local channel's lock while it marks the
 * remote channel pending; bind and close of an interdomain channel hold
 * both channels' locks, so that is enough.
 * Consumer callbacks run with no lock held.
 */
#ifndef LIBEVTCHN_PRIVATE_H
#define LIBEVTCHN_PRIVATE_H

#include <common/bitops.h>
#include <common/bug.h>
#include <common/compiler.h>
#include <common/domain.h>
#include <common/errno.h>
#include <common/types.h>
#include <hal/atomic.h>
#include <hal/rwlock.h>
#include <libevtchn/evtchn.h>
#include <public/arch-x86/xen.h>
#include <public/event_channel.h>

#include "chn_lock.h"

struct evtchn_port_ops;
struct evtchn_3l;
struct evtchn_fifo_domain;
struct evtchn_fifo_vcpu;

/** libevtchn's per-vCPU state (`v->evtchn`). */
struct evtchn_vcpu {
    uint32_t virq_to_evtchn[NR_VIRQS];  /* 0: unbound */
    hal_rwlock_t virq_lock;
    void *vcpu_info;                    /* in shared_info or the extra page */
    /* 3-level: this vCPU's L2 selector (NULL until registered). */
    void *l2_page;                      /* global mapping of the page */
    void *l2;                           /* the selector inside it */
    mfn_t l2_mfn;
    /* FIFO: queues and control block (NULL while the domain is not FIFO). */
    struct evtchn_fifo_vcpu *fifo;
};

/** libevtchn's per-domain state (`d->evtchn`). */
struct evtchn_domain {
    hal_rwlock_t event_lock;
    const struct evtchn_port_ops *ops;  /* the ABI in use; never NULL */
    struct evtchn **group[NR_EVTCHN_GROUPS]; /* bucket pointers */
    unsigned int max_evtchn_port;       /* inclusive, from the config */
    unsigned int valid_evtchns;         /* only grows; release-published */
    unsigned int active_evtchns;        /* in use, port 0 not counted */
    unsigned int xen_evtchns;           /* of which Xen consumers */
    unsigned int free_hint;             /* no FREE port below it */
    unsigned int next_reset;            /* reset cursor; 0: no reset */
    unsigned int relinquish_next;       /* destroy cursor; 0: not started */
    bool relinquish_started;
    void *shared_info;                  /* hypervisor page, shared */
    void *vcpu_info_extra;              /* vcpu_info of vCPUs >= 32 */
    struct evtchn_3l *l3;               /* 3-level registration, or NULL */
    struct evtchn_fifo_domain *fifo;    /* FIFO event array, or NULL */
    uint32_t *pirq_to_evtchn;           /* EVTCHN_NR_PIRQS entries */
    unsigned long *pirq_access;         /* bitmap of permitted pirqs */
};

/**
 * One ABI (seed 002).  Called with the domain's event lock, the channel's
 * lock, or (interdomain send) the peer channel's lock held; the wrappers
 * below skip channels that are not usable.
 */
struct evtchn_port_ops {
    unsigned int abi;                   /* EVTCHN_ABI_* */
    /* Highest port count the ABI can address for `d`, now. */
    unsigned int (*max_ports)(const struct domain *d);
    void (*init)(struct domain *d, struct evtchn *chn, unsigned int port);
    void (*set_pending)(struct vcpu *v, struct evtchn *chn,
                        unsigned int port);
    void (*clear_pending)(struct domain *d, struct evtchn *chn,
                          unsigned int port);
    void (*unmask)(struct domain *d, struct evtchn *chn, unsigned int port);
    bool (*is_pending)(const struct domain *d, unsigned int port);
    bool (*is_masked)(const struct domain *d, unsigned int port);
    bool (*is_busy)(const struct domain *d, unsigned int port);
    int (*set_priority)(struct domain *d, struct evtchn *chn,
                        unsigned int port, unsigned int priority);
    /* A short ABI-specific state string for the dump (e.g. the sel bit). */
    void (*print_state)(struct domain *d, unsigned int vcpu_id,
                        unsigned int port, char *buf, size_t size);
    /* Releases what the ABI holds; called with the event lock held. */
    void (*destroy)(struct domain *d);
};

extern const struct evtchn_port_ops evtchn_port_ops_2l;
extern const struct evtchn_port_ops evtchn_port_ops_3l;
extern const struct evtchn_port_ops evtchn_port_ops_fifo;

static inline const struct evtchn_port_ops *
evtchn_ops(const struct domain *d)
{
    return hal_load_acquire(&d->evtchn->ops);
}

/** Returns `d` to 2 levels, releasing what its ABI holds; event lock held
 * for writing. */
static inline void evtchn_abi_teardown(struct domain *d)
{
    const struct evtchn_port_ops *ops = evtchn_ops(d);

    if ( ops->destroy )
        ops->destroy(d);
}

/* --- ports.c: storage ----------------------------------------------- */

/** True if `port` has storage in `ed` (Xen's port_is_valid, XSA-338). */
static inline bool evtchn_port_valid(const struct evtchn_domain *ed,
                                     unsigned int port)
{
    return port < hal_load_acquire(&ed->valid_evtchns);
}

/** The channel of a valid port of `ed`. */
static inline struct evtchn *evtchn_port_chn(const struct evtchn_domain *ed,
                                             unsigned int port)
{
    struct evtchn **grp = ed->group[port / EVTCHNS_PER_GROUP];

    return &grp[(port % EVTCHNS_PER_GROUP) / EVTCHNS_PER_BUCKET]
               [port % EVTCHNS_PER_BUCKET];
}

/** True if `port` has storage in `d`. */
static inline bool port_is_valid(const struct domain *d, unsigned int port)
{
    return evtchn_port_valid(d->evtchn, port);
}

/** The channel of a valid port of `d`. */
static inline struct evtchn *evtchn_from_port(const struct domain *d,
                                              unsigned int port)
{
    return evtchn_port_chn(d->evtchn, port);
}

/** Usable: a guest channel in a bound or unbound state. */
static inline bool evtchn_usable(const struct evtchn *chn)
{
    return chn->xen_consumer == 0 && chn->state > ECS_RESERVED;
}

/** The port limit for `d` now: the ABI's, the config's, INT_MAX. */
unsigned int evtchn_port_limit(const struct domain *d);

/**
 * Finds the lowest FREE port of `d`, allocating its bucket (and group) if
 * needed, and counts it active.  Event lock held for writing.  Returns the
 * port, or -EINVAL (dying), -ENOSPC, -ENOMEM.
 */
int __must_check get_free_port(struct domain *d);

/** Gives back a port taken by get_free_port that never left FREE. */
void evtchn_unget_port(struct domain *d, unsigned int port);

/** Frees every bucket and group of `d`. */
void evtchn_free_storage(struct domain *d);

/* --- event_channel.c: channel core ----------------------------------- */

void double_event_lock(struct domain *d1, struct domain *d2);
void double_event_unlock(struct domain *d1, struct domain *d2);

/** Frees a bound channel (pending cleared, counters, XSM); locks held. */
void evtchn_free(struct domain *d, struct evtchn *chn, unsigned int port);

/**
 * Closes `port` of `d1`.  `guest`: refuse Xen-consumer channels.  Takes
 * the locks it needs; call with none.  -EINVAL for an invalid port, a FREE
 * or RESERVED one, a consumer channel for the guest, or a peer that changed.
 */
int __must_check evtchn_close(struct domain *d1, unsigned int port,
                              bool guest);

/** evtchn_close where a port already closed (-EINVAL) is fine. */
static inline void evtchn_close_if_open(struct domain *d, unsigned int port,
                                        bool guest)
{
    int rc = evtchn_close(d, port, guest);

    (void)rc;
}


/* --- send.c ---------------------------------------------------------- */
/** Hypercall 32's EVTCHNOP_send: reads `struct evtchn_send` at `arg`. */
long evtchn_send_hypercall(struct vcpu *v, uint64_t arg);

/** Takes and releases every channel's write lock (and each interdomain
 * peer's): afterwards no sender still uses the ABI it read before.  Event
 * lock held for writing. */
void evtchn_quiesce_senders(struct domain *d);

/* The ops (hypercall.c dispatches to them; each takes kernel structs). */
int __must_check evtchn_alloc_unbound(struct domain *cur,
                                      struct evtchn_alloc_unbound *a);
int __must_check evtchn_bind_interdomain(struct domain *ld,
                                         struct evtchn_bind_interdomain *b);
int __must_check evtchn_bind_virq(struct domain *d,
                                  struct evtchn_bind_virq *b);
int __must_check evtchn_bind_pirq(struct domain *d,
                                  struct evtchn_bind_pirq *b);
int __must_check evtchn_bind_ipi(struct domain *d, struct evtchn_bind_ipi *b);
int __must_check evtchn_status(struct domain *cur, struct evtchn_status *s);
int __must_check evtchn_bind_vcpu(struct domain *d, unsigned int port,
                                  unsigned int vcpu_id);
int __must_check evtchn_reset(struct domain *cur, domid_t dom,
                              bool resuming);
int __must_check evtchn_set_priority(struct domain *d,
                                     const struct evtchn_set_priority *s);

/* --- event_3l.c ------------------------------------------------------ */
int __must_check evtchn_register_extended(struct domain *d,
                                          struct evtchn_register_extended *r);
int __must_check evtchn_query_extended(struct domain *d,
                                       struct evtchn_query_extended *q);
/** Returns `d` to 2 levels and releases the 3-level pages; event lock
 * held for writing. */
void evtchn_3l_teardown(struct domain *d);
/** Checks the 3-level registration of `d`; returns the violations. */
unsigned int evtchn_3l_check(struct domain *d);
unsigned int evtchn_3l_pages(const struct domain *d);

/* --- event_fifo.c ---------------------------------------------------- */
int __must_check evtchn_fifo_init_control(struct vcpu *cur,
                                          struct evtchn_init_control *c);
int __must_check evtchn_fifo_expand_array(struct domain *d,
                                          const struct evtchn_expand_array *e);
/** Returns `d` to 2 levels and releases every FIFO page; event lock held
 * for writing. */
void evtchn_fifo_destroy(struct domain *d);
/** Checks the FIFO state of `d`; returns the violations. */
unsigned int evtchn_fifo_check(struct domain *d);
/** One FIFO queue as the dump shows it. */
struct evtchn_fifo_queue_info {
    uint32_t head;                  /* the control block's HEAD */
    uint32_t tail;                  /* the hypervisor's tail, 0: none */
    bool ready;                     /* the queue's READY bit */
};
/** Copies vCPU `v`'s 16 queues: false if it has no control block.  Event
 * lock held. */
bool evtchn_fifo_queues_snapshot(struct domain *d, unsigned int v,
                                 struct evtchn_fifo_queue_info *out);
/** Guest pages `d` has registered for FIFO (array pages, control blocks). */
unsigned int evtchn_fifo_pages(const struct domain *d);

/* --- guest_page.c ---------------------------------------------------- */
/**
 * Takes a writable RAM page of `d` at `gfn` (a general and a writable-type
 * reference) and maps it globally.  -EINVAL (not a writable RAM page of
 * `d`), -ENOMEM (no mapping); nothing is held on error.
 */
int __must_check evtchn_map_guest_page(struct domain *d, uint64_t gfn,
                                       void **va, mfn_t *mfn);
/** Undoes evtchn_map_guest_page. */
void evtchn_unmap_guest_page(void *va, mfn_t mfn);
/** Checker: the page is mapped, owned by `d`, referenced and typed
 * writable; 1 (and a message naming `what`) if not. */
unsigned int evtchn_check_guest_page(const struct domain *d, mfn_t mfn,
                                     const void *va, const char *what);

/* --- virq.c ---------------------------------------------------------- */
enum virq_type { VIRQ_TYPE_VCPU, VIRQ_TYPE_DOMAIN, VIRQ_TYPE_GLOBAL };
enum virq_type evtchn_virq_type(unsigned int virq);
/** Forgets `d` as a global virq handler (destroy). */
void evtchn_clear_virq_handlers(struct domain *d);
/** True if `d` may bind global virq `virq` now. */
bool evtchn_is_virq_handler(unsigned int virq, const struct domain *d);
void evtchn_virq_init(void);

/* --- consumer.c ------------------------------------------------------ */
xen_event_channel_notification_t evtchn_consumer_fn(unsigned int idx);
void evtchn_consumer_reset(void);

/*
 * A guest's bitmaps (pending, mask, selectors, 3-level pages) are bit
 * strings (common/bitops.h): bit `nr` is the same bit for a 32-bit and a
 * 64-bit guest, and only a selector's bit index depends on the width.
 * Tests of a bit are not moved across the locked operations: the
 * hypervisor sets one bit and then reads another (pending, then the
 * selector) while the guest clears the selector and then reads pending,
 * and one side must see the other's write.
 */

/*
 * Sets bit `nr` of the guest bitmap at `map` (a selector); true on its
 * 0 -> 1 edge, when the caller raises the level above or the upcall.  The
 * bit is read first: a set selector needs no locked write (the guest clears
 * it before it reads the level below).
 */
static __always_inline bool evtchn_bit_edge(void *map, unsigned int nr)
{
    return !test_bit(nr, map) && !test_and_set_bit(nr, map);
}

/** The vCPU's selector word (`evtchn_pending_sel`), native or compat. */
static inline void *vcpu_pending_sel(const struct vcpu *v, bool compat)
{
    char *vi = v->evtchn->vcpu_info;

    return compat ? vi + __builtin_offsetof(struct compat_vcpu_info,
                                            evtchn_pending_sel)
                  : vi + __builtin_offsetof(struct vcpu_info,
                                            evtchn_pending_sel);
}

/**
 * Xen's vcpu_mark_events_pending: sets `evtchn_upcall_pending` and, on its
 * 0 -> 1 edge only, raises the vCPU's upcall.
 */
void vcpu_mark_events_pending(struct vcpu *v);

/**
 * Marks a usable channel `chn` (port `port` of `d`) pending on vCPU
 * `vcpu_id` through the domain's ABI.  Channel lock (or, for an
 * interdomain send, the peer channel's lock) held.  Inline: it is on the
 * send path.
 */
static inline void evtchn_port_set_pending(struct domain *d,
                                           unsigned int vcpu_id,
                                           struct evtchn *chn,
                                           unsigned int port)
{
    if ( !evtchn_usable(chn) )
        return;
    evtchn_ops(d)->set_pending(d->vcpu[vcpu_id], chn, port);
}

#endif /* LIBEVTCHN_PRIVATE_H */
