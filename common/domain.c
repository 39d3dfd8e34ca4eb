/* SPDX-License-Identifier: MIT */
/*
 * Domains and vCPUs: creation, the domid registry with reference counting,
 * and preemptible destruction.
 *
 * Lock order: `domlist_lock` is a leaf.  It guards the hash chains and
 * nothing else; no subsystem is called while it is held.  Reference counts
 * are atomic and need no lock.
 */
#include <common/bug.h>
#include <common/domain.h>
#include <common/errno.h>
#include <common/subsys.h>
#include <common/xmalloc.h>
#include <hal/atomic.h>
#include <hal/spinlock.h>

#define DOMHASH_SIZE 64
#define DOMHASH(id) ((id) & (DOMHASH_SIZE - 1))

static hal_spinlock_t domlist_lock = HAL_SPINLOCK_INIT;
static struct domain *domain_hash[DOMHASH_SIZE];
static unsigned int domain_nr;

/* Teardown steps of domain_destroy, in order. */
enum destroy_step {
    DESTROY_GNTTAB,
    DESTROY_EVTCHN,
    DESTROY_MM,
    DESTROY_UNREGISTER,
    DESTROY_DONE,
};

/** Fills `cfg` with the defaults a plain guest gets. */
void domain_config_default(struct domain_config *cfg)
{
    cfg->max_vcpus = 1;
    cfg->privileged = false;
    cfg->is_32bit = false;
    cfg->target = DOMID_INVALID;
    cfg->max_pages = 1024;
    cfg->max_evtchn_port = 4095;
    cfg->max_grant_frames = 0;
    cfg->max_maptrack_frames = 0;
    cfg->max_grant_version = 0;
    cfg->gnttab_ext = 0;
    cfg->label = NULL;
}

/* Finds `domid` in the hash; domlist_lock held. */
static struct domain *domain_find_locked(domid_t domid)
{
    struct domain *d;

    for ( d = domain_hash[DOMHASH(domid)]; d; d = d->next_in_hash )
        if ( d->domain_id == domid )
            return d;
    return NULL;
}

/** Looks up `domid`; returns it referenced, or NULL. */
struct domain *get_domain_by_id(domid_t domid)
{
    struct domain *d;

    hal_spin_lock(&domlist_lock);
    d = domain_find_locked(domid);
    if ( d )
        get_domain(d);
    hal_spin_unlock(&domlist_lock);
    return d;
}

/** Resolves DOMID_SELF against `current`; returns -ESRCH if not found. */
int domain_resolve(struct domain *current, domid_t domid, struct domain **out)
{
    struct domain *d;

    if ( domid == DOMID_SELF )
    {
        get_domain(current);
        *out = current;
        return 0;
    }
    d = get_domain_by_id(domid);
    if ( !d )
        return -ESRCH;
    *out = d;
    return 0;
}

/** Takes a reference; the caller must already hold one. */
void get_domain(struct domain *d)
{
    uint32_t old = hal_fetch_add(&d->refcnt, 1);

    BUG_ON(old == 0);
}

/* Frees a domain's vCPUs and the domain itself. */
static void domain_free_struct(struct domain *d)
{
    unsigned int i;

    if ( d->vcpu )
    {
        for ( i = 0; i < d->max_vcpus; i++ )
            xfree(d->vcpu[i]);
        xfree(d->vcpu);
    }
    xfree(d);
}

/* Runs every subsystem's final destroy hook, newest first. */
static void domain_destroy_subsystems(struct domain *d)
{
    gnttab_domain_destroy(d);
    evtchn_domain_destroy(d);
    mm_domain_destroy(d);
    xsm_domain_destroy(d);
}

/** Drops a reference; the last one frees the domain and what it holds. */
void put_domain(struct domain *d)
{
    uint32_t old = hal_fetch_sub(&d->refcnt, 1);
    struct domain *target;

    BUG_ON(old == 0);
    if ( old != 1 )
        return;

    /* Only a domain that was unregistered (or never registered) gets here. */
    target = d->target;
    domain_destroy_subsystems(d);
    domain_free_struct(d);
    if ( target )
        put_domain(target);
}

/* Allocates the domain structure and its vCPUs; nothing else. */
static int domain_alloc_struct(domid_t domid, const struct domain_config *cfg,
                               struct domain **out)
{
    struct domain *d;
    unsigned int i;

    d = xzalloc(struct domain);
    if ( !d )
        return -ENOMEM;
    d->domain_id = domid;
    d->max_vcpus = cfg->max_vcpus;
    d->vcpu = xzalloc_array(struct vcpu *, cfg->max_vcpus);
    if ( !d->vcpu )
        goto nomem;
    for ( i = 0; i < cfg->max_vcpus; i++ )
    {
        struct vcpu *v = xzalloc(struct vcpu);

        if ( !v )
            goto nomem;
        v->vcpu_id = i;
        v->domain = d;
        d->vcpu[i] = v;
    }
    *out = d;
    return 0;

 nomem:
    domain_free_struct(d);
    return -ENOMEM;
}

/* Checks a configuration; returns 0 or -EINVAL. */
static int domain_config_check(domid_t domid, const struct domain_config *cfg)
{
    if ( domid >= DOMID_FIRST_RESERVED )
        return -EINVAL;
    if ( cfg->max_vcpus == 0 || cfg->max_vcpus > HVCORE_MAX_VCPUS )
        return -EINVAL;
    if ( cfg->target == domid )
        return -EINVAL;
    if ( cfg->target != DOMID_INVALID && cfg->target >= DOMID_FIRST_RESERVED )
        return -EINVAL;
    return 0;
}

/**
 * Creates and registers domain `domid`; see domain.h.  Subsystems are
 * initialised before the domain is visible, so a lookup never finds a
 * half-built domain.
 */
int domain_create(domid_t domid, const struct domain_config *cfg,
                  struct domain **out)
{
    struct domain *d = NULL, *target = NULL;
    int rc;

    rc = domain_config_check(domid, cfg);
    if ( rc )
        return rc;

    if ( cfg->target != DOMID_INVALID )
    {
        target = get_domain_by_id(cfg->target);
        if ( !target || domain_is_dying(target) )
        {
            rc = -ESRCH;
            goto out;
        }
    }

    rc = domain_alloc_struct(domid, cfg, &d);
    if ( rc )
        goto out;
    d->is_privileged = cfg->privileged;
    d->is_32bit = cfg->is_32bit;
    d->state = DOMSTATE_ACTIVE;
    d->refcnt = 1;

    /*
     * Each init leaves nothing behind when it fails, and each destroy hook
     * accepts a domain whose init never ran, so one unwind path serves all.
     */
    rc = xsm_domain_init(d, cfg);
    if ( !rc )
        rc = mm_domain_init(d, cfg);
    if ( !rc )
        rc = evtchn_domain_init(d, cfg);
    if ( !rc )
        rc = gnttab_domain_init(d, cfg);
    if ( rc )
        goto unwind;

    hal_spin_lock(&domlist_lock);
    if ( domain_find_locked(domid) )
    {
        hal_spin_unlock(&domlist_lock);
        rc = -EEXIST;
        goto unwind;
    }
    d->target = target;
    target = NULL;
    d->next_in_hash = domain_hash[DOMHASH(domid)];
    domain_hash[DOMHASH(domid)] = d;
    domain_nr++;
    d->refcnt = 2; /* the registry's and the caller's */
    hal_spin_unlock(&domlist_lock);
    *out = d;
    return 0;

 unwind:
    /* Nothing of a fresh domain needs preemption to release. */
    while ( gnttab_domain_relinquish(d) == -ERESTART )
        ;
    while ( evtchn_domain_relinquish(d) == -ERESTART )
        ;
    while ( mm_domain_relinquish(d) == -ERESTART )
        ;
    put_domain(d);
 out:
    if ( target )
        put_domain(target);
    return rc;
}

/* Removes `d` from the registry. */
static void domain_unregister(struct domain *d)
{
    struct domain **pp;

    hal_spin_lock(&domlist_lock);
    for ( pp = &domain_hash[DOMHASH(d->domain_id)]; *pp;
          pp = &(*pp)->next_in_hash )
    {
        if ( *pp == d )
        {
            *pp = d->next_in_hash;
            d->next_in_hash = NULL;
            domain_nr--;
            break;
        }
    }
    hal_spin_unlock(&domlist_lock);
}

/**
 * Destroys `d` step by step; see domain.h.  Returns 0 when done (also if it
 * was already done), -ERESTART to be called again, or -EBUSY if another
 * destroy of the same domain is running.
 */
int domain_destroy(struct domain *d)
{
    uint32_t idle = 0;
    int rc = 0;

    if ( !hal_cmpxchg(&d->destroy_busy, &idle, 1) )
        return -EBUSY;

    if ( d->state == DOMSTATE_ACTIVE )
        hal_write_once(&d->state, DOMSTATE_DYING);

    while ( d->destroy_step != DESTROY_DONE )
    {
        switch ( d->destroy_step )
        {
        case DESTROY_GNTTAB:
            rc = gnttab_domain_relinquish(d);
            break;
        case DESTROY_EVTCHN:
            rc = evtchn_domain_relinquish(d);
            break;
        case DESTROY_MM:
            rc = mm_domain_relinquish(d);
            break;
        case DESTROY_UNREGISTER:
            domain_unregister(d);
            hal_write_once(&d->state, DOMSTATE_DEAD);
            evtchn_domain_dead(d);
            d->destroy_step = DESTROY_DONE;
            hal_store_release(&d->destroy_busy, 0);
            put_domain(d); /* the registry's reference */
            return 0;
        }
        if ( rc )
            goto out;
        d->destroy_step++;
    }

 out:
    hal_store_release(&d->destroy_busy, 0);
    return rc;
}

/** Raises the pause count. */
void domain_pause(struct domain *d)
{
    hal_fetch_add(&d->pause_count, 1);
}

/** Lowers the pause count, which must be positive. */
void domain_unpause(struct domain *d)
{
    uint32_t old = hal_fetch_sub(&d->pause_count, 1);

    BUG_ON(old == 0);
}

/**
 * Calls `fn` on each registered domain with a reference held and no lock
 * held, so `fn` may destroy it.  Domains registered meanwhile may be missed.
 */
void domain_for_each(void (*fn)(struct domain *d, void *arg), void *arg)
{
    unsigned int bucket;

    for ( bucket = 0; bucket < DOMHASH_SIZE; bucket++ )
    {
        unsigned int skip = 0;

        for ( ;; )
        {
            struct domain *d;
            unsigned int i = 0;

            hal_spin_lock(&domlist_lock);
            for ( d = domain_hash[bucket]; d && i < skip; d = d->next_in_hash )
                i++;
            if ( d )
                get_domain(d);
            hal_spin_unlock(&domlist_lock);
            if ( !d )
                break;
            fn(d, arg);
            /* If `fn` unregistered `d`, the next one moved into its place. */
            if ( d->state != DOMSTATE_DEAD )
                skip++;
            put_domain(d);
        }
    }
}

/** Returns how many domains are registered. */
unsigned int domain_count(void)
{
    return hal_read_once(&domain_nr);
}
