/* SPDX-License-Identifier: MIT */
/*
 * FLASK's implementation of the XSM hooks (Xen's xsm/flask/hooks.c), and
 * the labels of domains.
 *
 * A domain's sid is `d->ssid`.  Its two other labels (Xen's `self_sid`,
 * used when it acts on itself, and `target_sid`, used when a device model
 * acts on its target) live in a record libxsm keeps per domain, found by
 * the domain's address, so common/'s `struct domain` carries one u32.
 *
 * `flask_domains_lock` guards the records; it is a leaf.
 */
#include <common/printk.h>
#include <common/xmalloc.h>

#include "flask_private.h"
#include "../private.h"

#define DOMAIN_BUCKETS 64

struct flask_domain {
    const struct domain *d;
    uint32_t sid, self_sid, target_sid;
    struct flask_domain *next;
};

static struct flask_domain *flask_domains[DOMAIN_BUCKETS];
static hal_spinlock_t flask_domains_lock = HAL_SPINLOCK_INIT;

static unsigned int domain_bucket(const struct domain *d)
{
    return ((uintptr_t)d >> 6) % DOMAIN_BUCKETS;
}

/* The sid `a` presents to `b` (Xen's domain_target_sid). */
static uint32_t domain_target_sid(const struct domain *a,
                                  const struct domain *b)
{
    const struct flask_domain *f;
    uint32_t sid = b->ssid;

    if ( a != b && a->target != b )
        return sid;
    hal_spin_lock(&flask_domains_lock);
    for ( f = flask_domains[domain_bucket(a)]; f; f = f->next )
        if ( f->d == a )
        {
            sid = a == b ? f->self_sid : f->target_sid;
            break;
        }
    hal_spin_unlock(&flask_domains_lock);
    return sid;
}

static int domain_has_perm(const struct domain *a, const struct domain *b,
                           uint16_t tclass, uint32_t perms)
{
    return avc_has_perm(a->ssid, domain_target_sid(a, b), tclass, perms);
}

/*
 * The sid of a new channel of `d` towards `peer`, checked: `cur` may
 * create it and it may bind to the peer (Xen's flask_evtchn_unbound).
 */
static int new_channel_sid(struct domain *cur, struct domain *d,
                           struct domain *peer, uint32_t *out)
{
    uint32_t peer_sid = domain_target_sid(d, peer), sid;
    int rc;

    rc = security_transition_sid(d->ssid, peer_sid, SECCLASS_event, &sid);
    if ( !rc )
        rc = avc_has_perm(cur->ssid, sid, SECCLASS_event, EVENT__CREATE);
    if ( !rc )
        rc = avc_has_perm(sid, peer_sid, SECCLASS_event, EVENT__BIND);
    if ( !rc )
        *out = sid;
    return rc;
}

/** `EVTCHNOP_alloc_unbound`: labels `chn`.  -EPERM (no such remote). */
int flask_evtchn_unbound(xsm_default_t action, struct domain *cur,
                         struct domain *d, union xsm_evtchn_ssid *chn,
                         domid_t id2)
{
    struct domain *peer;
    uint32_t sid;
    int rc;

    if ( id2 == DOMID_SELF )
        id2 = cur->domain_id;
    peer = get_domain_by_id(id2);
    if ( !peer )
        return -EPERM;
    rc = new_channel_sid(cur, d, peer, &sid);
    put_domain(peer);
    if ( !rc )
        chn->flask_sid = sid;
    return rc;
}

/**
 * `EVTCHNOP_bind_interdomain`: labels `chn1` as for an unbound channel,
 * and re-checks that the remote end's stored label may still bind to
 * `d1` as `d2` sees it.
 */
int flask_evtchn_interdomain(xsm_default_t action, struct domain *d1,
                             union xsm_evtchn_ssid *chn1, struct domain *d2,
                             const union xsm_evtchn_ssid *chn2)
{
    uint32_t sid;
    int rc = new_channel_sid(d1, d1, d2, &sid);

    if ( !rc )
        rc = avc_has_perm(chn2->flask_sid, domain_target_sid(d2, d1),
                          SECCLASS_event, EVENT__BIND);
    if ( !rc )
        chn1->flask_sid = sid;
    return rc;
}

/**
 * `EVTCHNOP_send`: an interdomain channel needs `event:send` on its
 * label; IPI and unbound channels are allowed; any other state is
 * refused unless FLASK is permissive.
 */
int flask_evtchn_send(xsm_default_t action, struct domain *d,
                      const union xsm_evtchn_ssid *chn,
                      enum xsm_evtchn_state state)
{
    switch ( state )
    {
    case XSM_ECS_INTERDOMAIN:
        return avc_has_perm(d->ssid, chn->flask_sid, SECCLASS_event,
                            EVENT__SEND);
    case XSM_ECS_IPI:
    case XSM_ECS_UNBOUND:
        return 0;
    default:
        return hal_read_once(&flask_enforcing) ? -EPERM : 0;
    }
}

/** `EVTCHNOP_status`: the owner needs `event:status` on the channel. */
int flask_evtchn_status(xsm_default_t action, struct domain *cur,
                        struct domain *d, const union xsm_evtchn_ssid *chn)
{
    return avc_has_perm(d->ssid, chn->flask_sid, SECCLASS_event,
                        EVENT__STATUS);
}

/** `EVTCHNOP_reset`: `event:reset` on the domain. */
int flask_evtchn_reset(xsm_default_t action, struct domain *d1,
                       struct domain *d2)
{
    return domain_has_perm(d1, d2, SECCLASS_event, EVENT__RESET);
}

/** A new channel is unlabeled. */
void flask_alloc_security_evtchn(union xsm_evtchn_ssid *chn)
{
    chn->flask_sid = SECINITSID_UNLABELED;
}

/** A freed channel is unlabeled. */
void flask_free_security_evtchn(union xsm_evtchn_ssid *chn)
{
    chn->flask_sid = SECINITSID_UNLABELED;
}

/** A closed channel goes back to unlabeled. */
void flask_evtchn_close_post(union xsm_evtchn_ssid *chn)
{
    chn->flask_sid = SECINITSID_UNLABELED;
}

/**
 * hvcore's 3-level event channel ABI.  The policy has no permission for it
 * yet, so FLASK applies the default rule: the control domain or a driver
 * domain (one that is another's device model).  -EPERM otherwise.
 */
int flask_evtchn_extended(xsm_default_t action, struct domain *d)
{
    return xsm_default_action(action, d, d->target);
}

#define GRANT(p) FLASK_PERM(grant, p)
#define MMU(p) FLASK_PERM(mmu, p)

/** `GNTTABOP_map_grant_ref`: map_read, and map_write unless read-only. */
int flask_grant_mapref(xsm_default_t action, struct domain *d1,
                       struct domain *d2, uint32_t flags)
{
    uint32_t perms = GRANT(map_read);

    if ( !(flags & XSM_GNTMAP_READONLY) )
        perms |= GRANT(map_write);
    return domain_has_perm(d1, d2, SECCLASS_grant, perms);
}

/** Grant unmap. */
int flask_grant_unmapref(xsm_default_t action, struct domain *d1,
                         struct domain *d2)
{
    return domain_has_perm(d1, d2, SECCLASS_grant, GRANT(unmap));
}

/** `GNTTABOP_setup_table`, `GNTTABOP_get_status_frames`. */
int flask_grant_setup(xsm_default_t action, struct domain *d1,
                      struct domain *d2)
{
    return domain_has_perm(d1, d2, SECCLASS_grant, GRANT(setup));
}

/** `GNTTABOP_transfer`, per page. */
int flask_grant_transfer(xsm_default_t action, struct domain *d1,
                         struct domain *d2)
{
    return domain_has_perm(d1, d2, SECCLASS_grant, GRANT(transfer));
}

/** `GNTTABOP_copy`, source to destination. */
int flask_grant_copy(xsm_default_t action, struct domain *d1,
                     struct domain *d2)
{
    return domain_has_perm(d1, d2, SECCLASS_grant, GRANT(copy));
}

/** `GNTTABOP_query_size`, `GNTTABOP_get_version`. */
int flask_grant_query_size(xsm_default_t action, struct domain *d1,
                           struct domain *d2)
{
    return domain_has_perm(d1, d2, SECCLASS_grant, GRANT(query));
}

/** `XENMEM_exchange`. */
int flask_memory_exchange(xsm_default_t action, struct domain *cur,
                          struct domain *d)
{
    return domain_has_perm(cur, d, SECCLASS_mmu, MMU(exchange));
}

/** `XENMEM_increase/decrease_reservation`, `populate_physmap`. */
int flask_memory_adjust_reservation(xsm_default_t action, struct domain *d1,
                                    struct domain *d2)
{
    return domain_has_perm(d1, d2, SECCLASS_mmu, MMU(adjust));
}

/** `XENMEM_current/maximum_reservation` and friends. */
int flask_memory_stat_reservation(xsm_default_t action, struct domain *d1,
                                  struct domain *d2)
{
    return domain_has_perm(d1, d2, SECCLASS_mmu, MMU(stat));
}

/** `XENMEM_add_to_physmap`. */
int flask_add_to_physmap(xsm_default_t action, struct domain *d1,
                         struct domain *d2)
{
    return domain_has_perm(d1, d2, SECCLASS_mmu, MMU(physmap));
}

/** `XENMEM_remove_from_physmap`. */
int flask_remove_from_physmap(xsm_default_t action, struct domain *d1,
                              struct domain *d2)
{
    return domain_has_perm(d1, d2, SECCLASS_mmu, MMU(physmap));
}

/**
 * Labels a new domain: `cfg->label` if given (and a policy is loaded),
 * else the initial sid of its role: dom0 for the privileged domain, domDM
 * for a device model, domU otherwise.  Computes its self and target
 * labels.  -EINVAL (bad label), -ENOMEM, the transition's errors.
 */
int flask_alloc_security_domain(struct domain *d,
                                const struct domain_config *cfg)
{
    struct flask_domain *f;
    struct domain *t = NULL;
    uint32_t sid, self, tsid;
    unsigned int b;
    int rc;

    if ( cfg->label && flask_policy_loaded )
    {
        size_t len = 0;

        while ( len < 4096 && cfg->label[len] )
            len++;
        rc = security_context_to_sid(cfg->label, len, &sid);
        if ( rc )
            return rc;
    }
    else if ( cfg->privileged )
        sid = SECINITSID_DOM0;
    else if ( cfg->target != DOMID_INVALID )
        sid = SECINITSID_DOMDM;
    else
        sid = SECINITSID_DOMU;

    rc = security_transition_sid(sid, sid, SECCLASS_domain, &self);
    if ( rc )
        return rc;
    tsid = sid;
    if ( cfg->target != DOMID_INVALID )
    {
        t = get_domain_by_id(cfg->target);
        if ( t )
        {
            rc = security_transition_sid(sid, t->ssid, SECCLASS_domain,
                                         &tsid);
            put_domain(t);
            if ( rc )
                return rc;
        }
    }
    f = xzalloc(struct flask_domain);
    if ( !f )
        return -ENOMEM;
    f->d = d;
    f->sid = sid;
    f->self_sid = self;
    f->target_sid = tsid;
    d->ssid = sid;
    b = domain_bucket(d);
    hal_spin_lock(&flask_domains_lock);
    f->next = flask_domains[b];
    flask_domains[b] = f;
    hal_spin_unlock(&flask_domains_lock);
    return 0;
}

/** Drops the domain's labels. */
void flask_free_security_domain(struct domain *d)
{
    struct flask_domain **pp, *f = NULL;

    hal_spin_lock(&flask_domains_lock);
    for ( pp = &flask_domains[domain_bucket(d)]; *pp; pp = &(*pp)->next )
        if ( (*pp)->d == d )
        {
            f = *pp;
            *pp = f->next;
            break;
        }
    hal_spin_unlock(&flask_domains_lock);
    xfree(f);
}

/** Each labelled domain's record agrees with its `ssid`.  -EINVAL. */
int flask_domain_check(void)
{
    const struct flask_domain *f;
    unsigned int b;
    int rc = 0;

    hal_spin_lock(&flask_domains_lock);
    for ( b = 0; b < DOMAIN_BUCKETS; b++ )
        for ( f = flask_domains[b]; f; f = f->next )
            if ( domain_bucket(f->d) != b || f->d->ssid != f->sid ||
                 !f->sid || !f->self_sid || !f->target_sid )
                rc = -EINVAL;
    hal_spin_unlock(&flask_domains_lock);
    if ( rc )
        printk("xsm: domain labels inconsistent\n");
    return rc;
}

/** Starts FLASK; see private.h. */
int flask_init(bool enforcing)
{
    int rc = avc_init();

    if ( !rc )
        flask_enforcing = enforcing;
    return rc;
}

/** Frees every FLASK structure. */
void flask_fini(void)
{
    unsigned int b;

    security_fini();
    avc_fini();
    hal_spin_lock(&flask_domains_lock);
    for ( b = 0; b < DOMAIN_BUCKETS; b++ )
        while ( flask_domains[b] )
        {
            struct flask_domain *f = flask_domains[b];

            flask_domains[b] = f->next;
            xfree(f);
        }
    hal_spin_unlock(&flask_domains_lock);
}

/** FLASK's invariants: sid table, AVC, domain labels. */
int flask_check(void)
{
    int rc = security_check();

    if ( !rc )
        rc = avc_check();
    if ( !rc )
        rc = flask_domain_check();
    return rc;
}
