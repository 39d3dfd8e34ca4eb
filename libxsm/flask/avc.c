/* SPDX-License-Identifier: MIT */
/*
 * The access vector cache: decisions hashed by (ssid, tsid, class) into
 * AVC_CACHE_SLOTS chains (Xen's hash and sizes).
 *
 * Lookups take no lock and do no atomic read-modify-write: each chain has
 * a sequence count that writers make odd while they change it, and a
 * reader retries if it saw an odd or changed count.  Nodes come from a
 * pool allocated at init and are only ever reused, never freed, so a
 * reader that races with a writer reads stale but mapped memory and then
 * retries.  hvcore has no RCU; this is how it avoids needing one.
 *
 * A node is valid only for the policy sequence number it was computed
 * under: a lookup compares it with the latest one, an insert refuses an
 * older decision, and `avc_ss_reset` empties every chain on a load, so no
 * stale decision survives a reload.
 *
 * Writers (insert, reclaim, flush) hold `avc_lock`.  Only `avc_check`
 * takes the policy lock under it; nothing takes `avc_lock` under the
 * policy lock.
 */
#include <common/printk.h>
#include <common/string.h>
#include <common/xmalloc.h>
#include <hal/atomic.h>
#include <hal/cpu.h>
#include <hal/time.h>

#include "flask_private.h"

struct avc_node {
    uint32_t ssid, tsid;
    uint16_t tclass;
    uint16_t in_use;
    uint32_t allowed, auditallow, auditdeny, seqno, flags;
    struct avc_node *next;
};

struct avc_slot {
    uint32_t seq;
    struct avc_node *head;
};

/* Per-CPU statistics: plain increments, one cache line per CPU. */
struct avc_cpu_stats {
    uint64_t hits, misses, allocations, reclaims, frees;
    uint64_t pad[3];
} __aligned(64);

static struct avc_slot avc_slots[AVC_CACHE_SLOTS];
static struct avc_node *avc_pool;
static struct avc_node *avc_free_list;
static uint32_t avc_active;
static uint32_t avc_reclaim_hint;
static uint32_t avc_latest_seqno;
static hal_spinlock_t avc_lock = HAL_SPINLOCK_INIT;
static struct avc_cpu_stats avc_cpu_stats[HAL_MAX_CPUS];

/* Audit rate limit: at most AVC_AUDIT_BURST lines per second. */
#define AVC_AUDIT_BURST 10
static hal_spinlock_t avc_audit_lock = HAL_SPINLOCK_INIT;
static uint64_t avc_audit_window;
static unsigned int avc_audit_count, avc_audit_suppressed;

static inline uint32_t avc_hash(uint32_t ssid, uint32_t tsid, uint16_t tclass)
{
    return (ssid ^ (tsid << 2) ^ ((uint32_t)tclass << 4)) &
           (AVC_CACHE_SLOTS - 1);
}

static inline struct avc_cpu_stats *avc_stats(void)
{
    return &avc_cpu_stats[hal_cpu_id()];
}

/** Allocates the node pool.  -ENOMEM. */
int avc_init(void)
{
    unsigned int i;

    avc_pool = xzalloc_array(struct avc_node, AVC_CACHE_THRESHOLD);
    if ( !avc_pool )
        return -ENOMEM;
    memset(avc_slots, 0, sizeof(avc_slots));
    avc_free_list = NULL;
    for ( i = 0; i < AVC_CACHE_THRESHOLD; i++ )
    {
        avc_pool[i].next = avc_free_list;
        avc_free_list = &avc_pool[i];
    }
    avc_active = 0;
    avc_reclaim_hint = 0;
    avc_latest_seqno = 0;
    memset(avc_cpu_stats, 0, sizeof(avc_cpu_stats));
    avc_audit_window = 0;
    avc_audit_count = avc_audit_suppressed = 0;
    return 0;
}

/** Frees the pool; no lookup may run. */
void avc_fini(void)
{
    memset(avc_slots, 0, sizeof(avc_slots));
    xfree(avc_pool);
    avc_pool = NULL;
    avc_free_list = NULL;
    avc_active = 0;
}

static void slot_write_begin(struct avc_slot *s)
{
    hal_write_once(&s->seq, s->seq + 1);
    hal_smp_wmb();
}

static void slot_write_end(struct avc_slot *s)
{
    hal_smp_wmb();
    hal_write_once(&s->seq, s->seq + 1);
}

/*
 * Lock-free lookup.  Returns true and the decision if a current node
 * matches.  The walk is bounded, so a chain changed under it cannot trap
 * the reader.
 */
static bool avc_lookup(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                       struct av_decision *avd)
{
    struct avc_slot *s = &avc_slots[avc_hash(ssid, tsid, tclass)];
    uint32_t latest = hal_load_acquire(&avc_latest_seqno);

    for ( ;; )
    {
        uint32_t seq = hal_load_acquire(&s->seq);
        const struct avc_node *n;
        unsigned int steps = 0;
        bool found = false;

        if ( seq & 1 )
        {
            hal_cpu_relax();
            continue;
        }
        for ( n = hal_read_once(&s->head); n && steps < AVC_CACHE_THRESHOLD;
              n = hal_read_once(&n->next), steps++ )
            if ( hal_read_once(&n->ssid) == ssid &&
                 hal_read_once(&n->tsid) == tsid &&
                 hal_read_once(&n->tclass) == tclass )
            {
                avd->allowed = hal_read_once(&n->allowed);
                avd->auditallow = hal_read_once(&n->auditallow);
                avd->auditdeny = hal_read_once(&n->auditdeny);
                avd->seqno = hal_read_once(&n->seqno);
                avd->flags = hal_read_once(&n->flags);
                found = true;
                break;
            }
        hal_smp_rmb();
        if ( hal_read_once(&s->seq) != seq )
            continue;
        return found && avd->seqno == latest;
    }
}

/* Takes nodes back from the chains, round robin.  `avc_lock` held. */
static void avc_reclaim(void)
{
    unsigned int freed = 0, tries;
    struct avc_cpu_stats *st = avc_stats();

    for ( tries = 0; tries < AVC_CACHE_SLOTS && freed < AVC_CACHE_RECLAIM;
          tries++ )
    {
        struct avc_slot *s = &avc_slots[avc_reclaim_hint];

        avc_reclaim_hint = (avc_reclaim_hint + 1) & (AVC_CACHE_SLOTS - 1);
        if ( !s->head )
            continue;
        slot_write_begin(s);
        while ( s->head && freed < AVC_CACHE_RECLAIM )
        {
            struct avc_node *n = s->head;

            hal_write_once(&s->head, n->next);
            n->in_use = 0;
            n->next = avc_free_list;
            avc_free_list = n;
            avc_active--;
            freed++;
        }
        slot_write_end(s);
    }
    st->reclaims += freed;
}

/* Caches a decision, unless a newer policy was loaded meanwhile. */
static void avc_insert(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                       const struct av_decision *avd)
{
    struct avc_slot *s = &avc_slots[avc_hash(ssid, tsid, tclass)];
    struct avc_node *n, **pp;

    hal_spin_lock(&avc_lock);
    if ( !avc_pool || avd->seqno != avc_latest_seqno )
        goto out;
    if ( !avc_free_list )
        avc_reclaim();
    n = avc_free_list;
    if ( !n )
        goto out;
    avc_free_list = n->next;
    slot_write_begin(s);
    /* Replace a node with the same key (another CPU's miss). */
    for ( pp = &s->head; *pp; pp = &(*pp)->next )
        if ( (*pp)->ssid == ssid && (*pp)->tsid == tsid &&
             (*pp)->tclass == tclass )
        {
            struct avc_node *old = *pp;

            hal_write_once(pp, old->next);
            old->in_use = 0;
            old->next = avc_free_list;
            avc_free_list = old;
            avc_active--;
            avc_stats()->frees++;
            break;
        }
    n->ssid = ssid;
    n->tsid = tsid;
    n->tclass = tclass;
    n->in_use = 1;
    n->allowed = avd->allowed;
    n->auditallow = avd->auditallow;
    n->auditdeny = avd->auditdeny;
    n->seqno = avd->seqno;
    n->flags = avd->flags;
    n->next = s->head;
    hal_write_once(&s->head, n);
    slot_write_end(s);
    avc_active++;
    avc_stats()->allocations++;
 out:
    hal_spin_unlock(&avc_lock);
}

/** Makes every node of an older policy than `seqno` stop matching. */
void avc_set_latest(uint32_t seqno)
{
    hal_store_release(&avc_latest_seqno, seqno);
}

/**
 * Empties every chain and records `seqno` as the latest policy, so no
 * decision of an older policy is used again (Xen's avc_ss_reset).
 */
void avc_ss_reset(uint32_t seqno)
{
    unsigned int i;

    hal_spin_lock(&avc_lock);
    hal_store_release(&avc_latest_seqno, seqno);
    for ( i = 0; i < AVC_CACHE_SLOTS; i++ )
    {
        struct avc_slot *s = &avc_slots[i];

        if ( !s->head )
            continue;
        slot_write_begin(s);
        while ( s->head )
        {
            struct avc_node *n = s->head;

            hal_write_once(&s->head, n->next);
            n->in_use = 0;
            n->next = avc_free_list;
            avc_free_list = n;
            avc_active--;
            avc_stats()->frees++;
        }
        slot_write_end(s);
    }
    hal_spin_unlock(&avc_lock);
}

static void avc_audit(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                      uint32_t perms, bool denied)
{
    char line[400], sctx[160], tctx[160];
    uint64_t now = hal_time_ns();
    unsigned int suppressed = 0, bit;
    size_t len;
    bool emit;

    hal_spin_lock(&avc_audit_lock);
    if ( now - avc_audit_window >= 1000000000ULL )
    {
        suppressed = avc_audit_suppressed;
        avc_audit_window = now;
        avc_audit_count = 0;
        avc_audit_suppressed = 0;
    }
    emit = avc_audit_count < AVC_AUDIT_BURST;
    if ( emit )
        avc_audit_count++;
    else
        avc_audit_suppressed++;
    hal_spin_unlock(&avc_audit_lock);
    if ( suppressed )
        printk("avc: %u messages suppressed\n", suppressed);
    if ( !emit )
        return;

    len = (size_t)hv_snprintf(line, sizeof(line), "avc:  %s  {",
                           denied ? "denied" : "granted");
    for ( bit = 0; bit < 32 && len < sizeof(line); bit++ )
        if ( perms & (1U << bit) )
        {
            const char *name = security_perm_name(tclass, bit);

            len += (size_t)hv_snprintf(line + len, sizeof(line) - len, " %s",
                                    name ? name : "?");
        }
    if ( security_sid_to_context(ssid, sctx, sizeof(sctx)) < 0 )
        hv_snprintf(sctx, sizeof(sctx), "sid=%u", ssid);
    if ( security_sid_to_context(tsid, tctx, sizeof(tctx)) < 0 )
        hv_snprintf(tctx, sizeof(tctx), "sid=%u", tsid);
    if ( len < sizeof(line) )
        hv_snprintf(line + len, sizeof(line) - len,
                 " } for scontext=%s tcontext=%s tclass=%s", sctx, tctx,
                 security_class_name(tclass) ? security_class_name(tclass)
                                             : "?");
    printk("%s\n", line);
}

/** Checks a permission through the cache; see flask_private.h. */
int avc_has_perm(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                 uint32_t requested)
{
    struct avc_cpu_stats *st = avc_stats();
    struct av_decision avd;
    uint32_t denied;
    int rc;

    if ( likely(avc_lookup(ssid, tsid, tclass, &avd)) )
        st->hits++;
    else
    {
        st->misses++;
        rc = security_compute_av(ssid, tsid, tclass, &avd);
        if ( rc )
            return rc;
        avc_insert(ssid, tsid, tclass, &avd);
    }
    denied = requested & ~avd.allowed;
    if ( likely(!denied) )
    {
        if ( unlikely(requested & avd.auditallow) )
            avc_audit(ssid, tsid, tclass, requested & avd.auditallow, false);
        return 0;
    }
    if ( denied & avd.auditdeny )
        avc_audit(ssid, tsid, tclass, denied & avd.auditdeny, true);
    if ( !hal_read_once(&flask_enforcing) ||
         (avd.flags & AVD_FLAGS_PERMISSIVE) )
    {
        /* Permissive: log once, then remember the grant (Xen does too). */
        avd.allowed |= requested;
        avc_insert(ssid, tsid, tclass, &avd);
        return 0;
    }
    return -EACCES;
}

/** Sums the per-CPU statistics. */
void avc_get_stats(struct avc_stats *out)
{
    unsigned int i;

    memset(out, 0, sizeof(*out));
    for ( i = 0; i < HAL_MAX_CPUS; i++ )
    {
        const struct avc_cpu_stats *s = &avc_cpu_stats[i];

        out->lookups += s->hits + s->misses;
        out->hits += s->hits;
        out->misses += s->misses;
        out->allocations += s->allocations;
        out->reclaims += s->reclaims;
        out->frees += s->frees;
    }
}

/** Chain statistics (FLASK_AVC_HASHSTATS). */
void avc_get_hash_stats(uint32_t *entries, uint32_t *used,
                        uint32_t *max_chain)
{
    unsigned int i, len;
    const struct avc_node *n;

    *entries = *used = *max_chain = 0;
    hal_spin_lock(&avc_lock);
    for ( i = 0; i < AVC_CACHE_SLOTS; i++ )
    {
        for ( len = 0, n = avc_slots[i].head; n; n = n->next )
            len++;
        *entries += len;
        *used += len != 0;
        if ( len > *max_chain )
            *max_chain = len;
    }
    hal_spin_unlock(&avc_lock);
}

/**
 * Checks the cache: every chained node is in use, hashed to its chain,
 * counted once; the free list holds the rest of the pool; and each
 * current node still agrees with the policy.  -EINVAL.
 */
int avc_check(void)
{
    unsigned int i, chained = 0, free_nodes = 0;
    const struct avc_node *n;
    int rc = 0;

    hal_spin_lock(&avc_lock);
    for ( i = 0; i < AVC_CACHE_SLOTS && !rc; i++ )
        for ( n = avc_slots[i].head; n && !rc; n = n->next )
        {
            struct av_decision avd;

            chained++;
            if ( !n->in_use || avc_hash(n->ssid, n->tsid, n->tclass) != i ||
                 chained > AVC_CACHE_THRESHOLD )
                rc = -EINVAL;
            else if ( n->seqno == avc_latest_seqno &&
                      !security_compute_av(n->ssid, n->tsid, n->tclass,
                                           &avd) &&
                      avd.seqno == n->seqno &&
                      ((avd.allowed ^ n->allowed) & avd.allowed) )
                rc = -EINVAL;   /* a cached denial the policy now grants */
        }
    for ( n = avc_free_list; n && !rc; n = n->next )
        if ( n->in_use || ++free_nodes > AVC_CACHE_THRESHOLD )
            rc = -EINVAL;
    if ( !rc && avc_pool &&
         (chained != avc_active ||
          chained + free_nodes != AVC_CACHE_THRESHOLD) )
        rc = -EINVAL;
    if ( avc_slots[0].seq & 1 )
        rc = -EINVAL;
    hal_spin_unlock(&avc_lock);
    if ( rc )
        printk("xsm: AVC inconsistent\n");
    return rc;
}

/** One CPU's statistics; zero for a CPU out of range. */
void avc_get_cpu_stats(unsigned int cpu, struct avc_stats *out)
{
    memset(out, 0, sizeof(*out));
    if ( cpu >= HAL_MAX_CPUS )
        return;
    out->lookups = avc_cpu_stats[cpu].hits + avc_cpu_stats[cpu].misses;
    out->hits = avc_cpu_stats[cpu].hits;
    out->misses = avc_cpu_stats[cpu].misses;
    out->allocations = avc_cpu_stats[cpu].allocations;
    out->reclaims = avc_cpu_stats[cpu].reclaims;
    out->frees = avc_cpu_stats[cpu].frees;
}
