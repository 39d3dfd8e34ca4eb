/* SPDX-License-Identifier: MIT */
/*
 * The FIFO ABI (reference/evtchn.md §3; layout in public/event_channel.h):
 * one 32-bit event word per port in guest array pages, and per vCPU a
 * control block with a READY word and the head of 16 priority queues.  The
 * hypervisor links a pending, unmasked event at the tail of its queue by
 * writing the LINK field of the tail's event word; the guest unlinks from
 * the head.
 *
 * The guest writes the same words at the same time, so every update of a
 * word is one atomic operation, and the compare-exchange that links a tail
 * is tried a bounded number of times (Xen's dae2a1c5f9): a guest that keeps
 * rewriting its words loses events, never stalls the sender.  Likewise the
 * queue locking retries a bounded number of times when the channel moves
 * to another queue meanwhile, and then drops the event (8aa0e9d2d1).
 *
 * Publication (XSA-358/359): the per-vCPU queues exist for every vCPU, and
 * the array state is allocated, before the domain's FIFO state is stored,
 * and that before the port ops; a control block's queue heads are set
 * before the block pointer is stored; an array page is stored before
 * `num_evtchns` covers it.  Readers load each of those with acquire.
 * Senders that read the 2-level ops before the switch are waited out
 * (evtchn_quiesce_senders) before their bits are carried over; at teardown
 * the 2-level ops are stored and senders waited out before a page goes.
 *
 * Locks: a queue lock is taken inside the channel lock (or the peer
 * channel's lock for an interdomain send, or the event lock when an array
 * page re-raises events); two queues are taken lower address first.
 */
#include <common/printk.h>
#include <common/string.h>
#include <common/xmalloc.h>
#include <hal/bitstring.h>
#include <hal/spinlock.h>

#include "private.h"

#define FIFO_WORDS_PER_PAGE (PAGE_SIZE / sizeof(event_word_t))
#define EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES                                   \
    (EVTCHN_FIFO_NR_CHANNELS / FIFO_WORDS_PER_PAGE)

/* Tries at locking a channel's queues while it keeps moving (Xen: 3). */
#define FIFO_QUEUE_LOCK_TRIES 3
/* A word the hypervisor must not link: the guest masked it, or it is
 * linked already. */
#define FIFO_MASKED_OR_LINKED                                               \
    ((1U << EVTCHN_FIFO_MASKED) | (1U << EVTCHN_FIFO_LINKED))

/* Compare-exchanges on a tail word after the first fails (Xen: 4). */
#define FIFO_LINK_TRIES 4

static_assert(FIFO_WORDS_PER_PAGE == 1024, "1024 event words per page");
static_assert(EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES == 128, "128 array pages");
static_assert(HVCORE_MAX_VCPUS <= (1U << 12), "vCPU id fits `fifo_lastq`");

/**
 * One priority queue of one vCPU.  `tail` is protected by `lock`.  32
 * bytes, so a queue's address is a shift of its priority.
 */
struct evtchn_fifo_queue {
    hal_spinlock_t lock;
    uint32_t *head;                 /* head[priority] in the control block */
    unsigned int tail;              /* 0: no tail (port 0 is never linked) */
    unsigned int priority;
    uint64_t pad;
};

static_assert(sizeof(struct evtchn_fifo_queue) == 32, "a queue is 32 bytes");

/** A vCPU's FIFO state; exists for every vCPU of a FIFO domain. */
struct evtchn_fifo_vcpu {
    struct evtchn_fifo_control_block *control_block; /* NULL: unregistered */
    void *cb_page;                  /* global mapping of its page */
    mfn_t cb_mfn;
    struct evtchn_fifo_queue queue[EVTCHN_FIFO_MAX_QUEUES];
};

/** A domain's event array. */
struct evtchn_fifo_domain {
    unsigned int num_evtchns;       /* ports with a word; release-stored */
    event_word_t *array[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
    mfn_t array_mfn[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
};

static inline struct evtchn_fifo_domain *fifo_of(const struct domain *d)
{
    return hal_load_acquire(&d->evtchn->fifo);
}

/* The event word of `port`, or NULL where there is no array page. */
static __always_inline event_word_t *fifo_word(const struct domain *d,
                                               unsigned int port)
{
    struct evtchn_fifo_domain *f = fifo_of(d);

    if ( !f || port >= hal_load_acquire(&f->num_evtchns) )
        return NULL;
    return f->array[port / FIFO_WORDS_PER_PAGE] + port % FIFO_WORDS_PER_PAGE;
}

static inline bool word_test(const event_word_t *w, unsigned int bit)
{
    return (hal_read_once(w) >> bit) & 1;
}

static inline bool word_test_and_set(event_word_t *w, unsigned int bit)
{
    return (hal_fetch_or(w, 1U << bit) >> bit) & 1;
}

static inline void word_clear(event_word_t *w, unsigned int bit)
{
    hal_fetch_and(w, ~(1U << bit));
}

/*
 * The channel's bitfield byte (consumer, pending, priority) follows
 * `state`: senders of two channels can write one channel's pending and
 * priority at once, so those writes are compare-exchanges of the byte.
 */
union fifo_chn_flags {
    uint8_t raw;
    struct {
        uint8_t xen_consumer:3;
        uint8_t pending:1;
        uint8_t priority:4;
    } f;
};

static inline uint8_t *chn_flags_byte(struct evtchn *chn)
{
    return (uint8_t *)&chn->state + 1;
}

/* Sets `pending` (if >= 0) and `priority` (if >= 0) in one update. */
static void chn_flags_update(struct evtchn *chn, int pending, int priority)
{
    union fifo_chn_flags old, new;

    old.raw = hal_read_once(chn_flags_byte(chn));
    do {
        new = old;
        if ( pending >= 0 )
            new.f.pending = pending;
        if ( priority >= 0 )
            new.f.priority = priority;
    } while ( !hal_cmpxchg(chn_flags_byte(chn), &old.raw, new.raw) );
}

static inline void chn_set_pending_flag(struct evtchn *chn, bool pending)
{
    chn_flags_update(chn, pending, -1);
}

static inline void chn_set_priority(struct evtchn *chn, unsigned int priority)
{
    chn_flags_update(chn, -1, (int)priority);
}

static inline unsigned int chn_priority(struct evtchn *chn)
{
    union fifo_chn_flags fl;

    fl.raw = hal_read_once(chn_flags_byte(chn));
    return fl.f.priority;
}

/* Clears `pending` if set: true if this call cleared it. */
static bool chn_take_pending_flag(struct evtchn *chn)
{
    union fifo_chn_flags old, new;

    old.raw = hal_read_once(chn_flags_byte(chn));
    do {
        if ( !old.f.pending )
            return false;
        new = old;
        new.f.pending = 0;
    } while ( !hal_cmpxchg(chn_flags_byte(chn), &old.raw, new.raw) );
    return true;
}

static inline bool chn_pending_flag(struct evtchn *chn)
{
    union fifo_chn_flags fl;

    fl.raw = hal_read_once(chn_flags_byte(chn));
    return fl.f.pending;
}

/* `fifo_lastq`: the queue a channel was last linked on. */
static inline uint16_t lastq_make(unsigned int vcpu_id, unsigned int prio)
{
    return (uint16_t)(vcpu_id << 4 | prio);
}

static struct evtchn_fifo_queue *lastq_queue(const struct domain *d,
                                             uint16_t lastq)
{
    return &d->vcpu[lastq >> 4]->evtchn->fifo->queue[lastq & 15];
}

static unsigned int evtchn_fifo_max_ports(const struct domain *d)
{
    (void)d;
    return EVTCHN_FIFO_NR_CHANNELS;
}

/*
 * Links `port` after the tail word `tw` if the tail is still LINKED: true
 * if linked.  A failed compare-exchange sets BUSY, which keeps the guest
 * from unmasking the tail, and is retried FIFO_LINK_TRIES times; after that
 * the event is reported linked and is lost to the guest (dae2a1c5f9).
 */
static bool fifo_set_link(event_word_t *tw, unsigned int port)
{
    event_word_t old = hal_read_once(tw), new;
    unsigned int try;
    bool busy = false;

    for ( try = 0; try <= FIFO_LINK_TRIES; try++ )
    {
        if ( !((old >> EVTCHN_FIFO_LINKED) & 1) )
        {
            if ( busy )
                word_clear(tw, EVTCHN_FIFO_BUSY);
            return false;
        }
        new = (old & ~((1U << EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK)) |
              port;
        if ( hal_cmpxchg(tw, &old, new) )
            return true;
        if ( !busy )
        {
            word_test_and_set(tw, EVTCHN_FIFO_BUSY);
            busy = true;
            old = hal_read_once(tw);
        }
    }
    word_clear(tw, EVTCHN_FIFO_BUSY);
    return true;
}

/* Locks `q` and `old_q` (which may be one queue), lower address first. */
static void fifo_lock_queues(struct evtchn_fifo_queue *q,
                             struct evtchn_fifo_queue *old_q)
{
    if ( q == old_q )
        hal_spin_lock(&q->lock);
    else if ( (uintptr_t)q < (uintptr_t)old_q )
    {
        hal_spin_lock(&q->lock);
        hal_spin_lock(&old_q->lock);
    }
    else
    {
        hal_spin_lock(&old_q->lock);
        hal_spin_lock(&q->lock);
    }
}

static void fifo_unlock_queues(struct evtchn_fifo_queue *q,
                               struct evtchn_fifo_queue *old_q)
{
    if ( q != old_q )
        hal_spin_unlock(&old_q->lock);
    hal_spin_unlock(&q->lock);
}

/*
 * Sets PENDING in `word` (last seen holding `old`), and LINKED too if the
 * event is neither masked nor linked, in one compare-exchange: true if it
 * set LINKED.  Testing MASKED in the same atomic step that sets PENDING
 * gives what Xen's test-and-set of PENDING then test of MASKED gives: a
 * guest that clears MASKED and then finds PENDING clear can count on the
 * event being linked.  Against a guest that keeps rewriting the word, the
 * compare-exchange is tried FIFO_LINK_TRIES + 1 times, then PENDING is set
 * on its own and the event is not linked (lost to that guest).
 */
static bool fifo_mark(event_word_t *word, event_word_t old)
{
    unsigned int try;

    for ( try = 0; try <= FIFO_LINK_TRIES; try++ )
    {
        bool link = !(old & FIFO_MASKED_OR_LINKED);
        event_word_t new = old | (1U << EVTCHN_FIFO_PENDING) |
                           (link ? 1U << EVTCHN_FIFO_LINKED : 0);

        if ( hal_cmpxchg(word, &old, new) )
            return link;
    }
    word_test_and_set(word, EVTCHN_FIFO_PENDING);
    return false;
}

/* True if `q` has a tail other than `port` whose word is still LINKED. */
static __always_inline bool
fifo_tail_linked(const struct domain *d, const struct evtchn_fifo_queue *q,
                 unsigned int port)
{
    event_word_t *tw;

    if ( !q->tail || q->tail == port )
        return false;
    tw = fifo_word(d, q->tail);
    return tw && word_test(tw, EVTCHN_FIFO_LINKED);
}

/*
 * The event is linked on `q`: if it was the tail of the queue it was last
 * on, `old_q`, that queue is empty now; if it moved, the new queue is
 * recorded and `old_q` unlocked; `q` stays locked.
 */
static __always_inline void
fifo_linked_from(struct vcpu *v, struct evtchn *chn, unsigned int port,
                 struct evtchn_fifo_queue *q, struct evtchn_fifo_queue *old_q)
{
    if ( old_q->tail == port )
        old_q->tail = 0;
    if ( unlikely(old_q != q) )
    {
        hal_write_once(&chn->fifo_lastq, lastq_make(v->vcpu_id, q->priority));
        hal_spin_unlock(&old_q->lock);
    }
}

/* A new head on `v`'s queue `prio`: READY set, and the upcall if it was
 * clear. */
static __noinline void fifo_raise_ready(struct vcpu *v,
                                        struct evtchn_fifo_control_block *cb,
                                        unsigned int prio)
{
    if ( !hal_bit_test_and_set(&cb->ready, prio) )
        vcpu_mark_events_pending(v);
}

/*
 * Every case but the common one, in Xen's order: PENDING (and LINKED if
 * neither masked nor linked) set, then the event linked behind the tail,
 * or made the head if the queue is empty, then READY.  `q` and `old_q`
 * locked; unlocks them.
 */
static __noinline void
fifo_link_locked_slow(struct vcpu *v, struct evtchn *chn, unsigned int port,
                      event_word_t *word, struct evtchn_fifo_queue *q,
                      struct evtchn_fifo_queue *old_q)
{
    /* Six arguments at most, so that the common path jumps here. */
    struct evtchn_fifo_control_block *cb = v->evtchn->fifo->control_block;
    event_word_t *tw;
    bool new_head;

    if ( !fifo_mark(word, hal_read_once(word)) )
    {
        fifo_unlock_queues(q, old_q);
        return;
    }
    fifo_linked_from(v, chn, port, q, old_q);
    tw = q->tail ? fifo_word(v->domain, q->tail) : NULL;
    new_head = !tw || !fifo_set_link(tw, port);
    if ( new_head )
        hal_store_release(q->head, port);
    q->tail = port;
    hal_spin_unlock(&q->lock);
    /* READY is set only for a new head (70ccddb14a). */
    if ( new_head )
        fifo_raise_ready(v, cb, q->priority);
}

/*
 * Marks `port` pending and links it on `q` (on `v`), with `q` and `old_q`,
 * the queue the channel was last on, locked (Xen's evtchn_fifo_set_pending
 * from its test-and-set of PENDING on); unlocks them.
 *
 * The common case, an event neither masked nor linked going on an empty
 * queue, takes three locked operations: the caller's queue lock, the one
 * compare-exchange of the event word, and the channel lock the sender
 * took.  Xen makes three more: PENDING and LINKED separately, and a
 * test-and-set of READY.  That last one is a full barrier between storing
 * the head and reading READY: without one, a guest that takes READY (an
 * atomic exchange) and then reads the head could read the old head while
 * we read READY still set, and the event would wait for the next one.
 * Here the head is stored *before* the word is marked, so the compare-
 * exchange is that barrier and READY is only read (and set, locked, when
 * clear).  A guest that reads the new head before the word is marked finds
 * it not LINKED: it ends the queue there, and READY is clear when we read
 * it (the guest took it), so it is set and the guest reads the head again.
 * Every other case, and a word that changes under us, goes Xen's way.
 */
static __always_inline void
fifo_link_locked(struct vcpu *v, struct evtchn_fifo_vcpu *efv,
                 struct evtchn *chn, unsigned int port, event_word_t *word,
                 struct evtchn_fifo_queue *q, struct evtchn_fifo_queue *old_q)
{
    /* No control block: the guest cannot have unmasked it (XSA-107). */
    struct evtchn_fifo_control_block *cb =
        hal_load_acquire(&efv->control_block);
    event_word_t w;

    if ( unlikely(!cb) )
    {
        fifo_unlock_queues(q, old_q);
        return;
    }
    w = hal_read_once(word);
    if ( unlikely((w & FIFO_MASKED_OR_LINKED) ||
                  fifo_tail_linked(v->domain, q, port)) )
        goto slow;
    hal_store_release(q->head, port);
    if ( unlikely(!hal_cmpxchg(word, &w, w | (1U << EVTCHN_FIFO_PENDING) |
                                         (1U << EVTCHN_FIFO_LINKED))) )
        goto slow;
    fifo_linked_from(v, chn, port, q, old_q);
    q->tail = port;
    hal_spin_unlock(&q->lock);
    if ( !hal_bit_test(&cb->ready, q->priority) )
        fifo_raise_ready(v, cb, q->priority);
    return;

 slow:
    fifo_link_locked_slow(v, chn, port, word, q, old_q);
}

/*
 * set_pending for a channel that goes to another queue than last time, or
 * moved while we locked, or whose queue is locked: both queues locked,
 * lower address first, at most FIFO_QUEUE_LOCK_TRIES times (71ac522909);
 * if it kept moving, the event is dropped with PENDING untouched.
 */
static __noinline void fifo_set_pending_general(struct vcpu *v,
                                               struct evtchn *chn,
                                               unsigned int port,
                                               event_word_t *word)
{
    struct evtchn_fifo_vcpu *efv = v->evtchn->fifo;
    unsigned int try;

    for ( try = 0; try < FIFO_QUEUE_LOCK_TRIES; try++ )
    {
        uint16_t lastq = hal_read_once(&chn->fifo_lastq);
        struct evtchn_fifo_queue *q = &efv->queue[chn_priority(chn)];
        struct evtchn_fifo_queue *old_q = lastq_queue(v->domain, lastq);

        fifo_lock_queues(q, old_q);
        if ( q == &efv->queue[chn_priority(chn)] &&
             lastq == hal_read_once(&chn->fifo_lastq) )
        {
            fifo_link_locked(v, efv, chn, port, word, q, old_q);
            return;
        }
        fifo_unlock_queues(q, old_q);
    }
}

/*
 * set_pending for a port with no array page yet: the event is remembered
 * in the channel's `pending` flag, and raised when the page comes
 * (fifo_reraise).  A page that came meanwhile may have been scanned before
 * the flag was set (Xen loses such an event): the flag's compare-exchange
 * orders it before a second look at the array, as expand_array's full
 * barrier orders the page before its scan, so one of the two sees the
 * other, and whichever takes the flag back raises the event.
 */
static __noinline void fifo_set_pending_no_page(struct vcpu *v,
                                                struct evtchn *chn,
                                                unsigned int port)
{
    event_word_t *word;

    chn_set_pending_flag(chn, true);
    word = fifo_word(v->domain, port);
    if ( word && chn_take_pending_flag(chn) )
        fifo_set_pending_general(v, chn, port, word);
}

/*
 * Marks `port` pending on `v` and links it on `v`'s queue of its priority
 * (Xen's evtchn_fifo_set_pending).  Channel lock (or the peer's) held.
 * Mostly the channel goes to the queue it was last on, which is free: one
 * lock, taken at the first try.
 */
static void evtchn_fifo_set_pending(struct vcpu *v, struct evtchn *chn,
                                    unsigned int port)
{
    struct evtchn_fifo_vcpu *efv = v->evtchn->fifo;
    event_word_t *word = fifo_word(v->domain, port);
    uint16_t lastq = hal_read_once(&chn->fifo_lastq);
    unsigned int prio = chn_priority(chn);
    struct evtchn_fifo_queue *q = &efv->queue[prio];

    if ( unlikely(!word) )
    {
        fifo_set_pending_no_page(v, chn, port);
        return;
    }
    /* Waiting for the lock, like a move, is left to the general path: a
     * wait here would keep every value here alive across it. */
    if ( unlikely(lastq != lastq_make(v->vcpu_id, prio) ||
                  !hal_spin_trylock(&q->lock)) )
        goto general;
    /*
     * Moved meanwhile (under this lock)?  A priority changed meanwhile
     * needs no new try, unlike Xen's: set_priority takes no queue lock, so
     * the send is one made before the change either way.
     */
    if ( unlikely(lastq != hal_read_once(&chn->fifo_lastq)) )
    {
        hal_spin_unlock(&q->lock);
        goto general;
    }
    fifo_link_locked(v, efv, chn, port, word, q, q);
    return;

 general:
    fifo_set_pending_general(v, chn, port, word);
}

static void evtchn_fifo_clear_pending(struct domain *d, struct evtchn *chn,
                                      unsigned int port)
{
    event_word_t *word = fifo_word(d, port);

    /* The guest skips a linked event that is not pending. */
    if ( word )
        word_clear(word, EVTCHN_FIFO_PENDING);
    else
        chn_set_pending_flag(chn, false);
}

static void evtchn_fifo_unmask(struct domain *d, struct evtchn *chn,
                               unsigned int port)
{
    struct vcpu *v = d->vcpu[hal_read_once(&chn->notify_vcpu_id)];
    event_word_t *word = fifo_word(d, port);

    if ( !word )
        return;
    word_clear(word, EVTCHN_FIFO_MASKED);
    if ( word_test(word, EVTCHN_FIFO_PENDING) )
        evtchn_fifo_set_pending(v, chn, port);
}

static bool evtchn_fifo_is_pending(const struct domain *d, unsigned int port)
{
    const event_word_t *word = fifo_word(d, port);

    return word && word_test(word, EVTCHN_FIFO_PENDING);
}

static bool evtchn_fifo_is_masked(const struct domain *d, unsigned int port)
{
    const event_word_t *word = fifo_word(d, port);

    return !word || word_test(word, EVTCHN_FIFO_MASKED);
}

/* A closed port still LINKED is not reused (78e24c269b). */
static bool evtchn_fifo_is_busy(const struct domain *d, unsigned int port)
{
    const event_word_t *word = fifo_word(d, port);

    return word && word_test(word, EVTCHN_FIFO_LINKED);
}

/* Only future links use the new queue; a linked event stays where it is. */
static int evtchn_fifo_set_priority(struct domain *d, struct evtchn *chn,
                                    unsigned int port, unsigned int priority)
{
    (void)d;
    (void)port;
    if ( priority > EVTCHN_FIFO_PRIORITY_MIN )
        return -EINVAL;
    chn_set_priority(chn, priority);
    return 0;
}

static void evtchn_fifo_init(struct domain *d, struct evtchn *chn,
                             unsigned int port)
{
    (void)d;
    (void)port;
    chn_set_priority(chn, EVTCHN_FIFO_PRIORITY_DEFAULT);
}

/*
 * The dump's ABI column: "p" and the priority, then 'B' if BUSY, then
 * "L" and the LINK value if LINKED or '-' if not; '?' if the port has no
 * array page (Xen's columns, with the priority added).
 */
static void evtchn_fifo_print_state(struct domain *d, unsigned int vcpu_id,
                                    unsigned int port, char *buf, size_t size)
{
    event_word_t *word = fifo_word(d, port);
    unsigned int prio = chn_priority(evtchn_from_port(d, port));
    event_word_t w;

    (void)vcpu_id;
    if ( !word )
    {
        hv_snprintf(buf, size, "p%u ?", prio);
        return;
    }
    w = hal_read_once(word);
    if ( (w >> EVTCHN_FIFO_LINKED) & 1 )
        hv_snprintf(buf, size, "p%u %sL%u", prio,
                    (w >> EVTCHN_FIFO_BUSY) & 1 ? "B" : "",
                    w & EVTCHN_FIFO_LINK_MASK);
    else
        hv_snprintf(buf, size, "p%u %s-", prio,
                    (w >> EVTCHN_FIFO_BUSY) & 1 ? "B" : "");
}

const struct evtchn_port_ops evtchn_port_ops_fifo = {
    .abi = EVTCHN_ABI_FIFO,
    .max_ports = evtchn_fifo_max_ports,
    .init = evtchn_fifo_init,
    .set_pending = evtchn_fifo_set_pending,
    .clear_pending = evtchn_fifo_clear_pending,
    .unmask = evtchn_fifo_unmask,
    .is_pending = evtchn_fifo_is_pending,
    .is_masked = evtchn_fifo_is_masked,
    .is_busy = evtchn_fifo_is_busy,
    .set_priority = evtchn_fifo_set_priority,
    .print_state = evtchn_fifo_print_state,
    .destroy = evtchn_fifo_destroy,
};

/* Frees FIFO state that was never published; event lock held. */
static void fifo_free(struct domain *d, struct evtchn_fifo_domain *f)
{
    unsigned int i;

    for ( i = 0; i < d->max_vcpus; i++ )
    {
        struct evtchn_fifo_vcpu *efv = d->vcpu[i]->evtchn->fifo;

        if ( !efv )
            continue;
        if ( efv->cb_page )
            evtchn_unmap_guest_page(efv->cb_page, efv->cb_mfn);
        d->vcpu[i]->evtchn->fifo = NULL;
        xfree(efv);
    }
    if ( !f )
        return;
    for ( i = 0; i < EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES; i++ )
        if ( f->array[i] )
            evtchn_unmap_guest_page(f->array[i], f->array_mfn[i]);
    xfree(f);
}

/* Allocates every vCPU's queues and an empty array (XSA-107). */
static int fifo_alloc(struct domain *d, struct evtchn_fifo_domain **fp)
{
    struct evtchn_fifo_domain *f;
    unsigned int i, q;

    for ( i = 0; i < d->max_vcpus; i++ )
    {
        struct evtchn_fifo_vcpu *efv = xzalloc(struct evtchn_fifo_vcpu);

        if ( !efv )
            goto nomem;
        efv->cb_mfn = INVALID_MFN;
        for ( q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++ )
        {
            hal_spin_init(&efv->queue[q].lock);
            efv->queue[q].priority = q;
        }
        d->vcpu[i]->evtchn->fifo = efv;
    }
    f = xzalloc(struct evtchn_fifo_domain);
    if ( !f )
        goto nomem;
    for ( i = 0; i < EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES; i++ )
        f->array_mfn[i] = INVALID_MFN;
    *fp = f;
    return 0;

 nomem:
    fifo_free(d, NULL);
    return -ENOMEM;
}

/* Maps `v`'s control block; queue heads are set before the block. */
static int fifo_map_control_block(struct vcpu *v, uint64_t gfn,
                                  unsigned int offset)
{
    struct evtchn_fifo_vcpu *efv = v->evtchn->fifo;
    struct evtchn_fifo_control_block *cb;
    unsigned int q;
    void *va;
    mfn_t mfn;
    int rc;

    if ( efv->control_block )
        return -EINVAL;
    rc = evtchn_map_guest_page(v->domain, gfn, &va, &mfn);
    if ( rc )
        return rc;
    cb = (void *)((char *)va + offset);
    for ( q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++ )
        efv->queue[q].head = &cb->head[q];
    efv->cb_page = va;
    efv->cb_mfn = mfn;
    hal_store_release(&efv->control_block, cb);
    return 0;
}

/*
 * The first init_control: the 2-level pending state of ports already bound
 * is kept in `pending` until their array page arrives, and their priority
 * is reset (Xen's setup_ports).  Event lock held; senders quiesced.
 */
static void fifo_setup_ports(struct domain *d, unsigned int prev_ports)
{
    unsigned int port, valid = d->evtchn->valid_evtchns;

    for ( port = 1; port < prev_ports && port < valid; port++ )
    {
        struct evtchn *chn = evtchn_from_port(d, port);

        if ( evtchn_port_ops_2l.is_pending(d, port) )
            chn_set_pending_flag(chn, true);
        chn_set_priority(chn, EVTCHN_FIFO_PRIORITY_DEFAULT);
    }
}

/**
 * EVTCHNOP_init_control, for the caller's domain.  Errors, in order:
 * -ENOENT (no such vCPU), -EINVAL (offset past PAGE_SIZE - 72, or not
 * 8-aligned), -EBUSY (the domain uses 3 levels), -ENOMEM, -EINVAL (that
 * vCPU has a control block, or the gfn is not a writable RAM page of the
 * caller).  `link_bits` is set first, as Xen sets it; the guest sees it
 * only on success (OUT fields are copied back only then).  On error
 * nothing changed.
 */
int evtchn_fifo_init_control(struct vcpu *cur, struct evtchn_init_control *c)
{
    struct domain *d = cur->domain;
    struct evtchn_domain *ed = d->evtchn;
    struct evtchn_fifo_domain *f;
    unsigned int prev_ports;
    struct vcpu *v;
    int rc;

    c->link_bits = EVTCHN_FIFO_LINK_BITS;
    if ( c->vcpu >= d->max_vcpus || !d->vcpu[c->vcpu] )
        return -ENOENT;
    v = d->vcpu[c->vcpu];
    if ( c->offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) )
        return -EINVAL;
    if ( c->offset & 7 )
        return -EINVAL;

    hal_write_lock(&ed->event_lock);
    if ( ed->fifo )
    {
        rc = fifo_map_control_block(v, c->control_gfn, c->offset);
        goto out;
    }
    if ( ed->l3 )
    {
        rc = -EBUSY;
        goto out;
    }

    prev_ports = evtchn_ops(d)->max_ports(d);
    rc = fifo_alloc(d, &f);
    if ( rc )
        goto out;
    rc = fifo_map_control_block(v, c->control_gfn, c->offset);
    if ( rc )
    {
        fifo_free(d, f);
        goto out;
    }

    /* Commit: nothing below fails.  State first, then the ops. */
    hal_store_release(&ed->fifo, f);
    hal_store_release(&ed->ops, &evtchn_port_ops_fifo);
    evtchn_quiesce_senders(d);
    fifo_setup_ports(d, prev_ports);

 out:
    hal_write_unlock(&ed->event_lock);
    return rc;
}

/*
 * Raises the events that came while ports [from, to) had no word; event
 * lock held, each channel's lock taken as a sender.
 */
static void fifo_reraise(struct domain *d, unsigned int from, unsigned int to)
{
    unsigned int port, valid = d->evtchn->valid_evtchns;

    for ( port = from; port < to && port < valid; port++ )
    {
        struct evtchn *chn = evtchn_from_port(d, port);

        if ( !chn_pending_flag(chn) )
            continue;
        evtchn_send_lock(chn);
        /* A sender that saw the page may have taken the flag back. */
        if ( chn_take_pending_flag(chn) && evtchn_usable(chn) )
            evtchn_fifo_set_pending(d->vcpu[chn->notify_vcpu_id], chn, port);
        evtchn_send_unlock(chn);
    }
}

/**
 * EVTCHNOP_expand_array: adds one page of event words.  Errors, in order:
 * -EOPNOTSUPP (not FIFO; tested under the event lock, XSA-505), -ENOSPC
 * (all 128 pages added), -EINVAL (not a writable RAM page of the caller),
 * -ENOMEM.  Not limited by max_evtchn_port, as in Xen.
 */
int evtchn_fifo_expand_array(struct domain *d,
                             const struct evtchn_expand_array *e)
{
    struct evtchn_domain *ed = d->evtchn;
    struct evtchn_fifo_domain *f;
    unsigned int slot, first;
    void *va;
    mfn_t mfn;
    int rc;

    hal_write_lock(&ed->event_lock);
    f = ed->fifo;
    if ( !f )
    {
        rc = -EOPNOTSUPP;
        goto out;
    }
    first = f->num_evtchns;
    slot = first / FIFO_WORDS_PER_PAGE;
    if ( slot >= EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES )
    {
        rc = -ENOSPC;
        goto out;
    }
    rc = evtchn_map_guest_page(d, e->array_gfn, &va, &mfn);
    if ( rc )
        goto out;
    f->array_mfn[slot] = mfn;
    hal_store_release(&f->array[slot], (event_word_t *)va);
    hal_store_release(&f->num_evtchns, first + FIFO_WORDS_PER_PAGE);
    /* The page before the flags' scan, for fifo_set_pending_no_page. */
    hal_smp_mb();
    fifo_reraise(d, first, first + FIFO_WORDS_PER_PAGE);

 out:
    hal_write_unlock(&ed->event_lock);
    return rc;
}

/** See private.h. */
void evtchn_fifo_destroy(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    struct evtchn_fifo_domain *f = ed->fifo;
    unsigned int port, valid = ed->valid_evtchns;

    if ( !f )
        return;
    hal_store_release(&ed->ops, &evtchn_port_ops_2l);
    evtchn_quiesce_senders(d);
    hal_write_once(&ed->fifo, NULL);
    /* Nothing of the FIFO state survives into a later registration. */
    for ( port = 1; port < valid; port++ )
    {
        struct evtchn *chn = evtchn_from_port(d, port);

        chn_set_pending_flag(chn, false);
        hal_write_once(&chn->fifo_lastq, 0);
    }
    fifo_free(d, f);
}

/** See private.h. */
unsigned int evtchn_fifo_pages(const struct domain *d)
{
    const struct evtchn_fifo_domain *f = d->evtchn->fifo;
    unsigned int i, n;

    if ( !f )
        return 0;
    n = f->num_evtchns / FIFO_WORDS_PER_PAGE;
    for ( i = 0; i < d->max_vcpus; i++ )
        n += d->vcpu[i]->evtchn->fifo &&
             d->vcpu[i]->evtchn->fifo->control_block;
    return n;
}

/**
 * See private.h: FIFO state iff FIFO ops; every vCPU has queues; each
 * registered page held and mapped, no page beyond `num_evtchns`; queue
 * tails name ports with a word and no queue lock is held; the channel's
 * `pending` flag is set only on ports without a word.
 */
unsigned int evtchn_fifo_check(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    const struct evtchn_fifo_domain *f = ed->fifo;
    unsigned int i, q, nr, port, bad = 0;
    struct evtchn probe;
    union fifo_chn_flags fl;

    /* `union fifo_chn_flags` is the compiler's layout of the bitfields. */
    memset(&probe, 0, sizeof(probe));
    probe.xen_consumer = 5;
    probe.pending = 1;
    probe.priority = 9;
    fl.raw = *chn_flags_byte(&probe);
    if ( fl.f.xen_consumer != 5 || !fl.f.pending || fl.f.priority != 9 )
    {
        printk("evtchn_check: FIFO flag byte layout differs\n");
        bad++;
    }

    if ( (f != NULL) != (ed->ops == &evtchn_port_ops_fifo) )
    {
        printk("evtchn_check: d%u: ABI and FIFO state disagree\n",
               d->domain_id);
        bad++;
    }
    for ( i = 0; i < d->max_vcpus; i++ )
    {
        const struct evtchn_fifo_vcpu *efv = d->vcpu[i]->evtchn->fifo;

        if ( (efv != NULL) != (f != NULL) )
        {
            printk("evtchn_check: d%u v%u: FIFO queues %s\n", d->domain_id,
                   i, f ? "missing" : "left behind");
            bad++;
        }
        if ( !efv || !f )
            continue;
        if ( efv->control_block )
            bad += evtchn_check_guest_page(d, efv->cb_mfn, efv->cb_page,
                                           "FIFO control block");
        for ( q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++ )
        {
            const struct evtchn_fifo_queue *fq = &efv->queue[q];

            if ( hal_spin_is_locked(&fq->lock) || fq->priority != q ||
                 (fq->tail && fq->tail >= f->num_evtchns) ||
                 (efv->control_block &&
                  fq->head != &efv->control_block->head[q]) )
            {
                printk("evtchn_check: d%u v%u: FIFO queue %u bad\n",
                       d->domain_id, i, q);
                bad++;
            }
            /* A tail is the port last linked here: a channel moved away
             * took its tail with it (fifo_linked_from). */
            else if ( fq->tail &&
                      (fq->tail >= ed->valid_evtchns ||
                       evtchn_from_port(d, fq->tail)->fifo_lastq !=
                           lastq_make(i, q)) )
            {
                printk("evtchn_check: d%u v%u: FIFO queue %u's tail %u was "
                       "last linked elsewhere\n", d->domain_id, i, q,
                       fq->tail);
                bad++;
            }
        }
    }
    if ( !f )
        return bad;
    nr = f->num_evtchns / FIFO_WORDS_PER_PAGE;
    if ( f->num_evtchns % FIFO_WORDS_PER_PAGE ||
         nr > EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES )
    {
        printk("evtchn_check: d%u: FIFO has %u words\n", d->domain_id,
               f->num_evtchns);
        return bad + 1;
    }
    for ( i = 0; i < EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES; i++ )
    {
        if ( i < nr )
            bad += evtchn_check_guest_page(d, f->array_mfn[i], f->array[i],
                                           "FIFO array");
        else if ( f->array[i] )
        {
            printk("evtchn_check: d%u: FIFO array page %u beyond the "
                   "array\n", d->domain_id, i);
            bad++;
        }
    }
    for ( port = 1; port < ed->valid_evtchns && port < f->num_evtchns;
          port++ )
        if ( chn_pending_flag(evtchn_from_port(d, port)) )
        {
            printk("evtchn_check: d%u: port %u has a word and a stale "
                   "pending flag\n",
                   d->domain_id, port);
            bad++;
        }
    return bad;
}

/** See private.h. */
bool evtchn_fifo_queues_snapshot(struct domain *d, unsigned int v,
                                 struct evtchn_fifo_queue_info *out)
{
    struct evtchn_fifo_vcpu *efv =
        d->evtchn->fifo ? d->vcpu[v]->evtchn->fifo : NULL;
    struct evtchn_fifo_control_block *cb =
        efv ? hal_load_acquire(&efv->control_block) : NULL;
    unsigned int q;

    if ( !cb )
        return false;
    for ( q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++ )
    {
        hal_spin_lock(&efv->queue[q].lock);
        out[q].tail = efv->queue[q].tail;
        hal_spin_unlock(&efv->queue[q].lock);
        out[q].head = hal_read_once(&cb->head[q]);
        out[q].ready = hal_bit_test(&cb->ready, q);
    }
    return true;
}

/*
 * Queue `q` of vCPU `v`, walked as the guest would from its head, when the
 * head is a word this queue linked and not yet taken: LINKED words all the
 * way, no cycle, the tail last with LINK 0.  Otherwise (the guest has taken
 * the head, or the head was taken and its port linked on another queue
 * since) only the guest's own cursor knows where the queue starts.
 */
static unsigned int fifo_check_links(struct domain *d, unsigned int v,
                                     unsigned int q)
{
    const struct evtchn_fifo_domain *f = d->evtchn->fifo;
    const struct evtchn_fifo_vcpu *efv = d->vcpu[v]->evtchn->fifo;
    const struct evtchn_fifo_queue *fq = &efv->queue[q];
    unsigned int port = hal_read_once(fq->head), steps;
    event_word_t w;

    if ( !fq->tail || !port || port >= f->num_evtchns ||
         port >= d->evtchn->valid_evtchns ||
         evtchn_from_port(d, port)->fifo_lastq != lastq_make(v, q) ||
         !word_test(fifo_word(d, port), EVTCHN_FIFO_LINKED) )
        return 0;
    for ( steps = 0; steps < f->num_evtchns; steps++ )
    {
        const event_word_t *word = port < f->num_evtchns
                                   ? fifo_word(d, port) : NULL;

        if ( !word || !((w = hal_read_once(word)) >> EVTCHN_FIFO_LINKED & 1) )
            break;
        if ( port == fq->tail )
        {
            if ( !(w & EVTCHN_FIFO_LINK_MASK) )
                return 0;
            break;
        }
        port = w & EVTCHN_FIFO_LINK_MASK;
    }
    printk("evtchn_check: d%u v%u: FIFO queue %u does not link from its "
           "head %u to its tail %u (stopped at port %u after %u links)\n",
           d->domain_id, v, q, hal_read_once(fq->head), fq->tail, port,
           steps);
    return 1;
}

static void fifo_check_queues_one(struct domain *d, void *arg)
{
    unsigned int *bad = arg, v, q;

    if ( !d->evtchn || !d->evtchn->fifo )
        return;
    for ( v = 0; v < d->max_vcpus; v++ )
        if ( d->vcpu[v]->evtchn->fifo->control_block )
            for ( q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++ )
                *bad += fifo_check_links(d, v, q);
}

/** See evtchn.h. */
int evtchn_check_fifo_queues(void)
{
    unsigned int bad = 0;

    domain_for_each(fifo_check_queues_one, &bad);
    return bad ? -EINVAL : 0;
}
