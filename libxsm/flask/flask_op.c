/* SPDX-License-Identifier: MIT */
/*
 * The xsm_op hypercall under FLASK (Xen's xsm/flask/flask_op.c): the op
 * structure is read from the caller's guest-physical address, checked
 * against the caller's `security` permissions, run, and written back.
 */
#include <common/guest_access.h>
#include <common/string.h>
#include <common/xmalloc.h>
#include <hal/cpu.h>
#include <public/xsm/flask_op.h>

#include "flask_private.h"

#define FLASK_CONTEXT_MAX 4096

static int has_security(struct domain *d, uint32_t perm)
{
    return avc_has_perm(d->ssid, SECINITSID_SECURITY, SECCLASS_security,
                        perm);
}

#define SECURITY(p) FLASK_PERM(security, p)

static int op_load(struct domain *cur, struct xen_flask_load *l)
{
    void *buf;
    int rc = has_security(cur, SECURITY(load_policy));

    if ( rc )
        return rc;
    if ( l->size == 0 || l->size > FLASK_POLICY_MAX_SIZE )
        return -EINVAL;
    buf = xmalloc_bytes(l->size, 8);
    if ( !buf )
        return -ENOMEM;
    rc = copy_from_guest_phys(cur, buf, l->buffer, l->size);
    if ( !rc )
        rc = security_load_policy(buf, l->size);
    xfree(buf);
    return rc;
}

/* As Xen: asking for the mode in force succeeds without a check. */
static int op_setenforce(struct domain *cur, struct xen_flask_setenforce *e)
{
    bool enforcing = e->enforcing != 0;
    int rc;

    if ( enforcing == hal_read_once(&flask_enforcing) )
        return 0;
    rc = has_security(cur, SECURITY(setenforce));
    if ( rc )
        return rc;
    hal_write_once(&flask_enforcing, enforcing);
    /* Grants remembered while permissive must not survive. */
    if ( enforcing )
        avc_ss_reset(security_policy_seqno());
    return 0;
}

static int op_context_to_sid(struct domain *cur,
                             struct xen_flask_sid_context *c)
{
    char *buf;
    int rc = has_security(cur, SECURITY(check_context));

    if ( rc )
        return rc;
    /* Xen's limits: longer than a page is -ENOENT, empty never parses. */
    if ( c->size > FLASK_CONTEXT_MAX )
        return -ENOENT;
    if ( c->size == 0 )
        return -EINVAL;
    buf = xmalloc_bytes(c->size, 1);
    if ( !buf )
        return -ENOMEM;
    rc = copy_from_guest_phys(cur, buf, c->context, c->size);
    if ( !rc )
        rc = security_context_to_sid(buf, c->size, &c->sid);
    xfree(buf);
    return rc;
}

static int op_sid_to_context(struct domain *cur,
                             struct xen_flask_sid_context *c)
{
    char buf[FLASK_CONTEXT_MAX];
    int len, rc = has_security(cur, SECURITY(check_context));

    if ( rc )
        return rc;
    len = security_sid_to_context(c->sid, buf, sizeof(buf));
    if ( len < 0 )
        return len;
    if ( (uint32_t)len > c->size )
    {
        c->size = len;
        return -ERANGE;
    }
    rc = copy_to_guest_phys(cur, c->context, buf, len);
    c->size = len;
    return rc;
}

static int op_access(struct domain *cur, struct xen_flask_access *a)
{
    struct av_decision avd;
    int rc = has_security(cur, SECURITY(compute_av));

    if ( rc )
        return rc;
    if ( a->tclass == 0 || a->tclass > 0xffff )
        return -EINVAL;
    rc = security_compute_av(a->ssid, a->tsid, a->tclass, &avd);
    if ( rc )
        return rc;
    a->allowed = avd.allowed;
    a->audit_allow = avd.auditallow;
    a->audit_deny = avd.auditdeny;
    a->seqno = avd.seqno;
    return 0;
}

static int op_create(struct domain *cur, struct xen_flask_transition *t)
{
    int rc = has_security(cur, SECURITY(compute_create));

    if ( rc )
        return rc;
    if ( t->tclass == 0 || t->tclass > 0xffff )
        return -EINVAL;
    return security_transition_sid(t->ssid, t->tsid, t->tclass, &t->newsid);
}

static int op_cachestats(struct xen_flask_cache_stats *c)
{
    struct avc_stats s;

    if ( c->cpu >= hal_cpu_count() )
        return -ENOENT;
    avc_get_cpu_stats(c->cpu, &s);
    c->lookups = (uint32_t)s.lookups;
    c->hits = (uint32_t)s.hits;
    c->misses = (uint32_t)s.misses;
    c->allocations = (uint32_t)s.allocations;
    c->reclaims = (uint32_t)s.reclaims;
    c->frees = (uint32_t)s.frees;
    return 0;
}

/**
 * Runs one FLASK op for `cur`.  Returns the op's result (a value for
 * GETENFORCE, POLICYVERS and MLS), -EFAULT (bad address), -ENOSYS (wrong
 * interface version, or an op hvcore does not implement, as Xen answers
 * ops it lacks), -EACCES (the caller lacks the `security` permission), or
 * the op's errors.  As in Xen, the op structure is written back only for
 * ops with outputs and only on success (so a failed op changes nothing
 * the guest can see, not even SID_TO_CONTEXT's `size` on -ERANGE).
 */
long flask_do_xsm_op(struct domain *cur, uint64_t gpa)
{
    struct xen_flask_op op;
    bool copyback = false;
    long rc;

    if ( copy_from_guest(cur, &op, gpa) )
        return -EFAULT;
    if ( op.interface_version != XEN_FLASK_INTERFACE_VERSION )
        return -ENOSYS;

    switch ( op.cmd )
    {
    case FLASK_LOAD:
        rc = op_load(cur, &op.u.load);
        break;
    case FLASK_GETENFORCE:
        rc = hal_read_once(&flask_enforcing);
        break;
    case FLASK_SETENFORCE:
        rc = op_setenforce(cur, &op.u.enforce);
        break;
    case FLASK_CONTEXT_TO_SID:
        rc = op_context_to_sid(cur, &op.u.sid_context);
        copyback = !rc;
        break;
    case FLASK_SID_TO_CONTEXT:
        rc = op_sid_to_context(cur, &op.u.sid_context);
        copyback = !rc;
        break;
    case FLASK_ACCESS:
        rc = op_access(cur, &op.u.access);
        copyback = !rc;
        break;
    case FLASK_CREATE:
        rc = op_create(cur, &op.u.transition);
        copyback = !rc;
        break;
    case FLASK_POLICYVERS:
        /* Xen: the highest version this hypervisor loads, for tools. */
        rc = POLICYDB_VERSION_MAX;
        break;
    case FLASK_MLS:
        rc = security_mls_enabled();
        break;
    case FLASK_AVC_HASHSTATS:
        avc_get_hash_stats(&op.u.hash_stats.entries,
                           &op.u.hash_stats.buckets_used,
                           &op.u.hash_stats.max_chain_len);
        op.u.hash_stats.buckets_total = AVC_CACHE_SLOTS;
        rc = 0;
        copyback = true;
        break;
    case FLASK_AVC_CACHESTATS:
        rc = op_cachestats(&op.u.cache_stats);
        copyback = !rc;
        break;
    default:
        rc = -ENOSYS;
        break;
    }
    if ( copyback && copy_to_guest(cur, gpa, &op) )
        rc = -EFAULT;
    return rc;
}
