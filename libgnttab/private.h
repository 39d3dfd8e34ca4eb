/* SPDX-License-Identifier: MIT */
/*
 * libgnttab's private structures and the interfaces between its files.
 *
 * Lock order (reference/gnttab.md §2, docs/misc/grant-tables.txt in Xen):
 *
 *   grant table `lock` (read or write)
 *     -> active entry `lock` (several at once only under the write lock)
 *       -> libmm (P2M lock, page lock, heap)
 *   `maptrack_lock` (growing the maptrack): never with an active entry
 *   per-vCPU maptrack free-list lock: innermost
 *
 * Two domains' grant locks are never held at once: map and copy drop the
 * granter's lock before touching their own, and a transitive copy drops the
 * middle domain's lock before acquiring the inner grant (XSA-226/411).
 * A grant lock is never taken under a libmm lock (XSA-73).  A map batch
 * read-holds its granter's table lock across a run of ops on it, so the
 * XSM hook of an op after the first runs under it (libxsm's locks are
 * leaves: it never takes a grant lock), as do libmm calls and the
 * maptrack free-list lock; it never grows the maptrack under it.
 * gnttab_zombie_put takes a dying granter's table lock for writing with
 * no other lock held.
 *
 * A copy batch's P2M removal hold of the caller's memory (libmm
 * p2m_removal_hold, copy.c) is outermost: taken with no lock held, kept
 * across the batch's grant locks and libmm calls, released at its end.
 * A removal of the caller's RAM waits for it before it takes any lock
 * (libmm/p2m.h), and libmm's RAM removers (decrease_reservation,
 * transfer's steal, relinquish) hold no grant lock, so the hold may be
 * kept across any lock, even one whose holder waits for the caller's P2M
 * lock (a map batch under the granter's table lock).  A map or unmap batch
 * makes its host mappings' P2M changes under one P2M lock hold, inside
 * the granter's table lock for maps (libmm's locks nest inside it) and
 * with no grant lock for unmaps, whose maptrack claims it may hold
 * meanwhile (a claim is never waited for by a batch holding claims).
 */
#ifndef LIBGNTTAB_PRIVATE_H
#define LIBGNTTAB_PRIVATE_H

#include <common/bug.h>
#include <common/compiler.h>
#include <common/domain.h>
#include <common/errno.h>
#include <common/types.h>
#include <hal/atomic.h>
#include <hal/rwlock.h>
#include <hal/spinlock.h>
#include <libgnttab/gnttab.h>
#include <libmm/mm.h>
#include <public/grant_table.h>

#define GNTTAB_INITIAL_FRAMES 1U
#define GNTTAB_MAX_VERSION 2U

#define GNTTAB_V1_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))
#define GNTTAB_V2_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v2_t))
#define GNTTAB_STATUS_PER_FRAME (PAGE_SIZE / sizeof(grant_status_t))

/* Pin counters: four 8-bit counts in one word (Xen's GNTPIN_*). */
#define GNTPIN_hstw_shift 0
#define GNTPIN_hstr_shift 8
#define GNTPIN_devw_shift 16
#define GNTPIN_devr_shift 24
#define GNTPIN_hstw_inc (1U << GNTPIN_hstw_shift)
#define GNTPIN_hstr_inc (1U << GNTPIN_hstr_shift)
#define GNTPIN_devw_inc (1U << GNTPIN_devw_shift)
#define GNTPIN_devr_inc (1U << GNTPIN_devr_shift)
#define GNTPIN_hstw_mask (0xffU << GNTPIN_hstw_shift)
#define GNTPIN_hstr_mask (0xffU << GNTPIN_hstr_shift)
#define GNTPIN_devw_mask (0xffU << GNTPIN_devw_shift)
#define GNTPIN_devr_mask (0xffU << GNTPIN_devr_shift)
#define GNTPIN_write_mask (GNTPIN_hstw_mask | GNTPIN_devw_mask)

/* Bounded compare-exchange on guest-writable words (XSA-295). */
#define GNTTAB_CMPXCHG_RETRIES 5

/* Unmap ops per TLB flush (Xen's GNTTAB_UNMAP_BATCH_SIZE). */
#define GNTTAB_UNMAP_BATCH 32U

/**
 * Hypervisor-private state of one grant ref.  While `pin` is non-zero,
 * `domid`, `src_domid`, `mfn`, `start`, `length`, `is_sub_page` and
 * `trans_gref` are frozen; only the grantee `domid` may add pins.  The
 * entry holds no page reference of its own: every mapping and every copy
 * in progress holds one (seed 003: references follow mappings).
 */
struct active_grant_entry {
    uint32_t pin;          /* GNTPIN_* counters */
    domid_t domid;         /* the grantee holding the pins */
    domid_t src_domid;     /* the domain owning the frame */
    uint16_t start;        /* usable window, bytes */
    uint16_t length;
    uint8_t is_sub_page;   /* sub-page or transitive: never mapped */
    uint8_t trans;         /* pinned through a transitive entry */
    uint8_t zombie;        /* counted in the table's `zombie_pins` */
    uint8_t pad;
    grant_ref_t trans_gref;
    uint64_t mfn;
    hal_spinlock_t lock;
};

#define ACTIVE_PER_PAGE (PAGE_SIZE / sizeof(struct active_grant_entry))
_Static_assert(sizeof(struct active_grant_entry) == GNTTAB_ACTIVE_ENTRY_SIZE,
               "libgnttab.h's active entry size");

/**
 * One maptrack entry (the grantee's record of a mapping).  Xen's 16 bytes
 * (ref, flags, domid, vcpu) plus a pointer to the granter: domids are not
 * stable once a domain is unregistered, and an unmap after the granter's
 * destruction must still reach its active entry.  The pointer holds no
 * reference: the mapping's pin keeps the granter's `struct domain` (and
 * its grant table) alive, through its registration while it is not being
 * destroyed and through its table's zombie reference after that (see
 * `zombie_pins`).  It also records the frame mapped: the active entry's
 * `mfn`, frozen while this mapping's pin exists, so unmap's phase 1 reads
 * it here without the granter's locks.  `flags` is 0 for a free entry; a
 * free entry links the list through `ref`.
 */
struct grant_mapping {
    uint32_t ref;
    uint16_t flags;        /* GNTMAP_device_map|host_map|readonly */
    domid_t domid;
    uint32_t vcpu;         /* the free list it returns to */
    uint32_t pad;
    struct domain *rd;     /* alive while `flags` != 0 (its pin) */
    uint64_t mfn;          /* = the active entry's while `flags` != 0 */
};

#define MAPTRACK_PER_PAGE (PAGE_SIZE / sizeof(struct grant_mapping))
_Static_assert(sizeof(struct grant_mapping) == GNTTAB_MAPTRACK_ENTRY_SIZE,
               "libgnttab.h's maptrack entry size");
_Static_assert(GNTTAB_MAPTRACK_PAGES_PER_FRAME * GNTTAB_XEN_MAPTRACK_ENTRY_SIZE
                   == sizeof(struct grant_mapping),
               "our pages hold a Xen maptrack frame's entries");

/*
 * Set in a live entry's `flags` while one unmapper owns it: the claim is
 * what makes reading `rd` safe (the entry's reference cannot be dropped
 * while it is held), and it lets only one unmapper at a time work on a
 * handle.  Never visible at rest, never set on a free entry.
 */
#define MAPTRACK_BUSY 0x8000U
#define MAPTRACK_KIND_MASK (GNTMAP_device_map | GNTMAP_host_map | \
                            GNTMAP_readonly)
#define MAPTRACK_TAIL (~0U)

/** A vCPU's maptrack free list. */
struct maptrack_vcpu {
    hal_spinlock_t lock;
    uint32_t head;         /* MAPTRACK_TAIL when empty */
    uint32_t pad;
};

/** One domain's grant table. */
struct grant_table {
    hal_rwlock_t lock;
    hal_spinlock_t maptrack_lock;
    struct domain *domain;

    unsigned int gt_version;       /* 1 or 2, never 0 (XSA-134) */
    unsigned int max_version;
    unsigned int max_grant_frames;
    unsigned int max_status_frames;
    unsigned int max_maptrack_frames;   /* Xen's 16-byte entry frames */
    unsigned int nr_grant_frames;
    unsigned int nr_status_frames;
    uint32_t nr_v2_ops;            /* transitive/sub-page copies in flight */

    /* Shared frames: domain-owned pages (PGC_extra) with a global map. */
    struct page_info **shared_pg;
    void **shared_raw;
    struct page_info **status_pg;
    grant_status_t **status;
    /* Where the guest mapped each frame (XENMEM_add_to_physmap). */
    uint64_t *shared_gfn;
    uint64_t *status_gfn;

    struct active_grant_entry **active;
    unsigned int nr_active_pages;

    struct grant_mapping **maptrack;
    unsigned int maptrack_pages;
    uint32_t maptrack_limit;       /* published after its page */
    struct maptrack_vcpu *mt_vcpu; /* domain->max_vcpus entries */
    unsigned int nr_vcpus;

    unsigned long release_pos;     /* relinquish progress */
    /*
     * A granter's table outlives its domain's destruction while other
     * domains still pin its entries (Xen's zombie domains): the
     * relinquish, under the write lock, marks every pinned entry
     * (`zombie` in the active entry), counts them here and takes one
     * reference to `domain` for them all.  Maps are refused from then on
     * (the dying check is made under the table lock), so only marked
     * entries need it; a copy holds its own reference.  The unpin that
     * takes the last marked entry to 0 drops that reference
     * (gnttab_zombie_put), once its page references are gone.
     */
    uint32_t zombie_pins;
    bool pins_marked;              /* the relinquish's marking is done */

    bool pv_maps;                  /* HVCORE_GNTTAB_EXT_PV_MAPS */
    unsigned int max_maptrack_pages; /* our pages max_maptrack_frames take */
};

/* ---- Table access (table.c). ---- */

static inline unsigned int nr_grant_entries(const struct grant_table *gt)
{
    return gt->nr_grant_frames *
           (gt->gt_version == 1 ? GNTTAB_V1_PER_FRAME : GNTTAB_V2_PER_FRAME);
}

static inline grant_entry_v1_t *shared_entry_v1(struct grant_table *gt,
                                                grant_ref_t ref)
{
    return (grant_entry_v1_t *)gt->shared_raw[ref / GNTTAB_V1_PER_FRAME] +
           ref % GNTTAB_V1_PER_FRAME;
}

static inline grant_entry_v2_t *shared_entry_v2(struct grant_table *gt,
                                                grant_ref_t ref)
{
    return (grant_entry_v2_t *)gt->shared_raw[ref / GNTTAB_V2_PER_FRAME] +
           ref % GNTTAB_V2_PER_FRAME;
}

static inline grant_status_t *status_entry(struct grant_table *gt,
                                           grant_ref_t ref)
{
    return gt->status[ref / GNTTAB_STATUS_PER_FRAME] +
           ref % GNTTAB_STATUS_PER_FRAME;
}

/* The word a version's reading/writing bits live in. */
static inline uint16_t *status_word(struct grant_table *gt, grant_ref_t ref)
{
    if ( gt->gt_version == 1 )
        return &shared_entry_v1(gt, ref)->flags;
    return status_entry(gt, ref);
}

static inline struct active_grant_entry *
active_entry(struct grant_table *gt, grant_ref_t ref)
{
    return &gt->active[ref / ACTIVE_PER_PAGE][ref % ACTIVE_PER_PAGE];
}

/** Locks `ref`'s active entry; the table lock is held. */
static inline struct active_grant_entry *
active_entry_acquire(struct grant_table *gt, grant_ref_t ref)
{
    struct active_grant_entry *act = active_entry(gt, ref);

    hal_spin_lock(&act->lock);
    return act;
}

static inline void active_entry_release(struct active_grant_entry *act)
{
    hal_spin_unlock(&act->lock);
}

/*
 * The guest header word of a v1 entry or v2 header: flags in the low half,
 * domid in the high half (little-endian layout of both).
 */
static inline uint32_t *shared_header_word(struct grant_table *gt,
                                           grant_ref_t ref)
{
    if ( gt->gt_version == 1 )
        return (uint32_t *)shared_entry_v1(gt, ref);
    return (uint32_t *)&shared_entry_v2(gt, ref)->hdr;
}

/**
 * True if `gfn` is where the domain mapped one of `gt`'s own grant or
 * status frames (a grant-typed P2M entry that is not a grant mapping).
 * `gt->lock` held, read or write.
 */
bool gnttab_is_frame_gfn(const struct grant_table *gt, uint64_t gfn);

/**
 * Accounts for an entry's pin having gone to 0 (table lock and entry lock
 * held): if the relinquish marked it, unmarks it and returns true when it
 * was the last marked entry, which makes the caller the one that must
 * call gnttab_zombie_put.
 */
static inline bool gnttab_unpinned(struct grant_table *gt,
                                   struct active_grant_entry *act)
{
    if ( act->pin || !act->zombie )
        return false;
    act->zombie = 0;
    return hal_fetch_sub(&gt->zombie_pins, 1) == 1;
}

/**
 * Drops the reference `gt`'s marked pins held to its domain, once every
 * reader of the table has left it; for the caller gnttab_unpinned chose,
 * holding no lock, after the page references its pin protected.  The
 * domain may be freed on return.
 */
void gnttab_zombie_put(struct grant_table *gt);

/** Grows `gt` to `nr` frames; write lock held.  -ENOMEM, -EINVAL. */
int __must_check gnttab_grow_table(struct grant_table *gt, unsigned int nr);

/* ---- Status bits (status.c). ---- */

/**
 * Sets GTF_reading (and GTF_writing unless `readonly`) for a new pin of
 * `ref` by `ld`, checking the entry's type and grantee with a bounded
 * number of compare-exchanges.  Table lock and entry lock held.  Returns
 * GNTST_okay or GNTST_general_error with nothing changed.
 */
int gnttab_set_status(struct grant_table *gt, struct active_grant_entry *act,
                      grant_ref_t ref, domid_t ld, bool readonly,
                      bool allow_sub_page, bool allow_transitive);

/** Clears reading/writing to match `act->pin`.  Same locks. */
void gnttab_sync_status(struct grant_table *gt,
                        const struct active_grant_entry *act,
                        grant_ref_t ref);

/* ---- Maptrack (maptrack.c). ---- */

int __must_check gnttab_maptrack_init(struct grant_table *gt,
                                      unsigned int nr_vcpus);
void gnttab_maptrack_free(struct grant_table *gt);
/** A free handle for vCPU `vcpu`, or -1 (GNTST_no_space). */
long gnttab_get_maptrack_handle(struct grant_table *gt, unsigned int vcpu);
void gnttab_put_maptrack_handle(struct grant_table *gt, grant_handle_t h);
/**
 * Takes up to `n` free handles off `vcpu`'s list into `out` under one hold
 * of its lock, for a batch of maps; returns how many.  They are on no list
 * until used or given back with gnttab_maptrack_put_handles.
 */
unsigned int gnttab_maptrack_take(struct grant_table *gt, unsigned int vcpu,
                                  grant_handle_t *out, unsigned int n);
/**
 * Puts back `n` free handles (`flags` 0), each on its home list, with one
 * hold of a list's lock per run of handles homed on it.
 */
void gnttab_maptrack_put_handles(struct grant_table *gt,
                                 const grant_handle_t *h, unsigned int n);

static inline struct grant_mapping *maptrack_entry(struct grant_table *gt,
                                                   grant_handle_t h)
{
    return &gt->maptrack[h / MAPTRACK_PER_PAGE][h % MAPTRACK_PER_PAGE];
}

/**
 * Claims live entry `m` for one unmapper: waits while another holds it,
 * then sets MAPTRACK_BUSY.  Returns the entry's flags (without the busy
 * bit), or 0 if the entry is free (nothing claimed).
 */
uint16_t gnttab_maptrack_claim(struct grant_mapping *m);
/**
 * gnttab_maptrack_claim without the wait, for an unmapper that may hold
 * claims of its own (which the holder may be waiting for): false if
 * another claim holds `m` (nothing claimed), else true with `*flags` as
 * gnttab_maptrack_claim returns them.
 */
bool gnttab_maptrack_try_claim(struct grant_mapping *m, uint16_t *flags);

/** Ends a claim, leaving `flags` (0 frees the entry for putting back). */
static inline void gnttab_maptrack_unclaim(struct grant_mapping *m,
                                           uint16_t flags)
{
    hal_store_release(&m->flags, flags);
}

/* ---- The arch layer (arch_p2m.c). ---- */

int __must_check gnttab_arch_replace_host_mapping(struct domain *ld,
                                                  uint64_t addr, mfn_t mfn,
                                                  bool readonly,
                                                  uint64_t new_addr);
/**
 * A batch of host mappings to create (gnttab_arch_map_run), or to remove
 * (gnttab_arch_unmap_run), under one P2M lock hold, the removals each as
 * gnttab_arch_replace_host_mapping with no `new_addr` would: `e[i].rc` is
 * its result once the batch ran.
 */
struct gnttab_arch_batch {
    unsigned int n;
    struct p2m_grant_entry e[GNTTAB_UNMAP_BATCH];
};

/** Queues a host mapping at `addr` in batch `u` (arch layer, inline). */
static inline void gnttab_arch_batch_add(struct gnttab_arch_batch *u,
                                         uint64_t addr, mfn_t mfn,
                                         bool readonly)
{
    struct p2m_grant_entry *e;

    ASSERT(u->n < GNTTAB_UNMAP_BATCH); /* a batch is at most a chunk */
    e = &u->e[u->n++];
    e->gfn = _gfn(addr >> PAGE_SHIFT);
    e->mfn = mfn;
    e->t = readonly ? p2m_grant_map_ro : p2m_grant_map_rw;
}

void gnttab_arch_map_run(struct domain *ld, struct gnttab_arch_batch *u);
void gnttab_arch_unmap_run(struct domain *ld, struct gnttab_arch_batch *u);
void gnttab_arch_flush(struct domain *ld);
bool gnttab_arch_release_host_mappings(void);
int __must_check gnttab_arch_get_paged_frame(struct domain *rd, uint64_t gfn,
                                             bool readonly, mfn_t *mfn);

/**
 * Looks up the frame `rd`'s `ref` names for a new pin (readonly or not),
 * reading the shared entry once.  An entry already pinned (a first writer
 * arriving on a read-only pin) must still name the frame the pin froze.
 * Table and entry lock held.  Returns GNTST_okay, bad_page or
 * general_error.
 */
int gnttab_lookup_frame(struct domain *rd,
                        const struct active_grant_entry *act,
                        grant_ref_t ref, bool readonly, mfn_t *mfn);

/* ---- Ops (map.c, copy.c, transfer.c, table.c). ---- */

/** A map whose host mapping waits in a batch (gnttab_map_cache). */
struct gnttab_map_pending {
    struct gnttab_map_grant_ref *op;
    grant_handle_t handle;
    grant_ref_t ref;
    uint32_t incr;                   /* its pins */
    unsigned int ntypes, nrefs;      /* references it holds */
};

/**
 * What a map batch keeps from one op to the next: the granter of the
 * previous op, referenced, so that consecutive ops naming the same domain
 * skip the lookup (`rd` NULL when empty); that granter's table lock, read-
 * held from one op to the next (`locked`, NULL when not held), so a run
 * of ops on one granter takes it once; and free maptrack handles taken
 * for the batch under one lock hold; and the host mappings of the ops of
 * that run, queued (`hosts`, the rest of each op in `pend`) to be made in
 * one P2M step under that lock hold, before it is dropped, or before an
 * op on a ref a queued op pinned (`pend_refs`: a bit per ref % 64), so
 * every op sees its predecessors' pins as they end up.
 * gnttab_map_cache_unlock ends the queued ops and drops the lock,
 * gnttab_map_cache_end releases everything.
 */
struct gnttab_map_cache {
    domid_t dom;
    struct domain *rd;
    struct grant_table *locked;      /* rd's table, read-locked */
    unsigned int nr_free, next_free; /* free[next_free..nr_free) unused */
    grant_handle_t free[GNTTAB_UNMAP_BATCH];
    struct domain *ld;               /* the mapper */
    uint64_t pend_refs;
    struct gnttab_arch_batch hosts;
    struct gnttab_map_pending pend[GNTTAB_UNMAP_BATCH];
};

/**
 * Starts `mc` empty for a map hypercall of `v`'s (only the fields that say
 * what is in use: an initializer would clear its arrays too).
 */
void gnttab_map_cache_init(struct vcpu *v, struct gnttab_map_cache *mc);
void gnttab_map_one(struct vcpu *v, struct gnttab_map_grant_ref *op,
                    struct gnttab_map_cache *mc);
/**
 * Makes the queued host mappings and ends their ops, then drops the
 * granter lock `mc` holds, if any.
 */
void gnttab_map_cache_unlock(struct gnttab_map_cache *mc);
/** Tops `mc`'s handles up to `n` (at most GNTTAB_UNMAP_BATCH) for `v`. */
void gnttab_map_cache_reserve(struct vcpu *v, struct gnttab_map_cache *mc,
                              unsigned int n);
/** Drops `mc`'s granter and gives back its unused handles. */
void gnttab_map_cache_end(struct vcpu *v, struct gnttab_map_cache *mc);
long gnttab_unmap_batch(struct vcpu *v, struct gnttab_unmap_grant_ref *ops,
                        const uint64_t *new_addr, unsigned int n);
void gnttab_release_mapping(struct grant_table *lgt, grant_handle_t h);

/** A grant acquired for copying: its pin, one page reference, a window. */
struct copy_grant {
    mfn_t mfn;
    uint16_t start, length;
    bool trans;            /* through a transitive entry: inner below */
    struct domain *td;     /* referenced while `trans` */
    grant_ref_t tref;
    bool sub_page;
};

/*
 * A copy side's name as one word: the op's domid, whether it is a grant,
 * and a bit no empty side has (an empty side's `tag` is 0).
 */
#define COPY_TAG_GREF (1U << 16)
#define COPY_TAG_HELD (1U << 17)

/**
 * One side of a copy, kept acquired across consecutive ops of one
 * hypercall: pinned (a grant), a page reference, a type reference when
 * written, mapped; or, for a frame of the caller's own (`held`), only
 * mapped, kept by the batch's P2M removal hold instead of references (see
 * copy.c).  It holds a reference to `d` unless `d` is the caller.
 * Its name is `tag` (how the op named the domain, DOMID_SELF or an id,
 * and whether it is a grant) and `key`; `raw` and `tag` are what the
 * per-op fast path compares: the op's 64-bit `u` word exactly as the last
 * op that used this side wrote it, and its name.
 */
struct copy_buf {
    struct domain *d;      /* NULL if empty */
    bool ro;
    uint64_t key;          /* the ref or the gfn */
    uint64_t raw;          /* the op's `u` word */
    uint32_t tag;          /* COPY_TAG_HELD | gref bit | domid; 0: empty */
    struct copy_grant g;
    struct page_info *pg;
    bool typed;
    bool held;             /* no references: the P2M removal hold keeps it */
    char *va;
};

/* gnttab_copy_bufs' `hold`: the caller's P2M removal hold in this batch. */
#define COPY_HOLD_UNTRIED 0
#define COPY_HOLD_TAKEN 1
#define COPY_HOLD_REFUSED 2

/**
 * A copy hypercall's two sides, empty (`d` NULL) between hypercalls, and
 * the P2M removal hold of the caller's memory that one batch (chunk) may
 * take: `held` sides live no longer than it.
 */
struct gnttab_copy_bufs {
    struct copy_buf src, dst;
    unsigned int hold;     /* COPY_HOLD_*; UNTRIED between batches */
};

/*
 * A copy op's answer, never a guest's: a transitive entry changed while its
 * lock was dropped, and the op is to be made again from the start (Xen's
 * ERESTART from acquire_grant_for_copy).  GNTST codes are 0 or negative.
 */
#define GNTTAB_COPY_RESTART 1

/**
 * Runs `n` copy ops for `v`'s domain, setting each status, and returns how
 * many ran: fewer than `n` when op number `ret` must be restarted
 * (GNTTAB_COPY_RESTART; its status is left alone).  `bufs` keeps the sides
 * acquired from one chunk to the next; the caller releases them with
 * gnttab_copy_bufs_release before the hypercall returns or stops for a
 * continuation, so no pin outlives the hypercall.
 */
unsigned int gnttab_copy_batch(struct vcpu *v, struct gnttab_copy *ops,
                       unsigned int n, struct gnttab_copy_bufs *bufs);
/** Releases both sides of `bufs`, leaving them empty. */
void gnttab_copy_bufs_release(struct vcpu *v, struct gnttab_copy_bufs *bufs);
void gnttab_transfer_one(struct vcpu *v, struct gnttab_transfer *op);
int gnttab_setup_table_op(struct vcpu *v, struct gnttab_setup_table *op);
int gnttab_query_size_op(struct vcpu *v, struct gnttab_query_size *op);
long gnttab_set_version_op(struct vcpu *v, uint32_t *version);
int gnttab_get_status_frames_op(struct vcpu *v,
                                struct gnttab_get_status_frames *op);
long gnttab_get_version_op(struct vcpu *v, struct gnttab_get_version *op);
int gnttab_swap_grant_ref_op(struct vcpu *v, grant_ref_t a, grant_ref_t b);

/* ---- XSM (one place, as libmm's mm_xsm.h). ---- */
#include <libxsm/xsm.h>
#define gnttab_xsm_mapref(a, b, f) xsm_grant_mapref(XSM_HOOK, a, b, f)
#define gnttab_xsm_unmapref(a, b) xsm_grant_unmapref(XSM_HOOK, a, b)
#define gnttab_xsm_setup(a, b) xsm_grant_setup(XSM_TARGET, a, b)
#define gnttab_xsm_transfer(a, b) xsm_grant_transfer(XSM_HOOK, a, b)
#define gnttab_xsm_copy(a, b) xsm_grant_copy(XSM_HOOK, a, b)
#define gnttab_xsm_query_size(a, b) xsm_grant_query_size(XSM_TARGET, a, b)

#endif /* LIBGNTTAB_PRIVATE_H */
