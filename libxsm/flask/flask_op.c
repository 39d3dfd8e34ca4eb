/* SPDX-License-Identifier: MIT */
/*
 * The xsm_op hypercall under FLASK (Xen's xsm/flask/flask_op.c): the op
 * structure is read from the caller's guest-physical address, checked
 * against the caller's `security` permissions, run, and written back.
 * Which ops exist and where they differ from Xen's: libxsm/README.md.
 */
#include <common/guest_access.h>
#include <common/string.h>
#include <common/subsys.h>
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

/*
 * Copies in the `size` bytes at `gpa` that name a context or a boolean
 * (Xen's flask_copyin_string): -ENOENT when longer than a page (Xen's
 * limit), -ENOMEM, -EFAULT.  `size` is not 0; the caller frees `*buf`.
 */
static int copyin_string(struct domain *cur, uint64_t gpa, uint32_t size,
                         char **buf)
{
    int rc;

    if ( size > FLASK_CONTEXT_MAX )
        return -ENOENT;
    *buf = xmalloc_bytes(size, 1);
    if ( !*buf )
        return -ENOMEM;
    rc = copy_from_guest_phys(cur, *buf, gpa, size);
    if ( rc )
    {
        xfree(*buf);
        *buf = NULL;
    }
    return rc;
}

static int op_context_to_sid(struct domain *cur,
                             struct xen_flask_sid_context *c)
{
    char *buf;
    int rc = has_security(cur, SECURITY(check_context));

    if ( rc )
        return rc;
    if ( c->size == 0 )                     /* empty never parses */
        return -EINVAL;
    rc = copyin_string(cur, c->context, c->size, &buf);
    if ( rc )
        return rc;
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

/*
 * CREATE (type_transition), RELABEL (type_change) and MEMBER (type_member):
 * the caller's `perm` on the security server, then the computed sid.
 */
static int op_compute_sid(struct domain *cur, struct xen_flask_transition *t,
                          uint32_t perm, uint16_t specified)
{
    int rc = has_security(cur, perm);

    if ( rc )
        return rc;
    if ( t->tclass == 0 || t->tclass > 0xffff )
        return -EINVAL;
    return security_compute_sid(t->ssid, t->tsid, t->tclass, specified,
                                &t->newsid);
}

#define BOOL_BY_NAME 0xffffffffU

/*
 * The name a boolean op gives when its bool_id is 0xffffffff: `size` bytes
 * at `name`, up to the first NUL, copied into `*name` (NULL when the op
 * gives a number; the caller frees it).  Xen's errors: empty or longer
 * than a page -ENOENT, unreadable -EFAULT; and -ENOMEM.
 */
static int bool_name_in(struct domain *cur,
                        const struct xen_flask_boolean *b, char **name,
                        size_t *len)
{
    int rc;

    *name = NULL;
    *len = 0;
    if ( b->bool_id != BOOL_BY_NAME )
        return 0;
    if ( b->size == 0 )
        return -ENOENT;
    rc = copyin_string(cur, b->name, b->size, name);
    if ( !rc )
        *len = strnlen(*name, b->size);
    return rc;
}

/*
 * GETBOOL needs no permission (as Xen).  Given by number with a non-zero
 * `size`, the name is written to `name` (no NUL) and `size` set to its
 * length; a name longer than `size` is -ERANGE.  Given by name, bool_id
 * gets its number and `size` becomes 0 (Xen's resolve), so no name is
 * written.
 */
static int op_getbool(struct domain *cur, struct xen_flask_boolean *b)
{
    char out[FLASK_MAX_NAME], *name;
    size_t len, out_len;
    bool enf, pend;
    int rc = bool_name_in(cur, b, &name, &len);

    if ( rc )
        return rc;
    rc = security_get_bool(&b->bool_id, name, len, &enf, &pend, out,
                           &out_len);
    if ( name )
        b->size = 0;
    xfree(name);
    if ( rc )
        return rc;
    b->enforcing = enf;
    b->pending = pend;
    if ( !b->size )
        return 0;
    if ( out_len > b->size )
        return -ERANGE;
    rc = copy_to_guest_phys(cur, b->name, out, out_len);
    b->size = out_len;
    return rc;
}

/* SETBOOL: `setbool`, then the boolean; see security_set_bool. */
static int op_setbool(struct domain *cur, struct xen_flask_boolean *b)
{
    char *name;
    size_t len;
    bool enf, pend;
    int rc = has_security(cur, SECURITY(setbool));

    if ( rc )
        return rc;
    rc = bool_name_in(cur, b, &name, &len);
    if ( rc )
        return rc;
    rc = security_set_bool(&b->bool_id, name, len, b->new_value != 0,
                           b->commit != 0, &enf, &pend);
    if ( name )
        b->size = 0;
    xfree(name);
    if ( rc )
        return rc;
    b->enforcing = enf;
    b->pending = pend;
    return 0;
}

static int op_commitbools(struct domain *cur)
{
    int rc = has_security(cur, SECURITY(setbool));

    if ( !rc )
        security_commit_bools();
    return rc;
}

/*
 * GET_PEER_SID (no permission, as Xen): the sid of the domain at the other
 * end of the caller's interdomain port, read while the reference
 * evtchn_interdomain_peer took keeps that domain.  -EINVAL when the port
 * is not valid or not interdomain.
 */
static int op_get_peer_sid(struct domain *cur, struct xen_flask_peersid *p)
{
    struct domain *peer = evtchn_interdomain_peer(cur, p->evtchn);

    if ( !peer )
        return -EINVAL;
    p->sid = peer->ssid;
    put_domain(peer);
    return 0;
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
        rc = op_compute_sid(cur, &op.u.transition,
                            SECURITY(compute_create), AVTAB_TRANSITION);
        copyback = !rc;
        break;
    case FLASK_RELABEL:
        rc = op_compute_sid(cur, &op.u.transition,
                            SECURITY(compute_relabel), AVTAB_CHANGE);
        copyback = !rc;
        break;
    case FLASK_MEMBER:
        rc = op_compute_sid(cur, &op.u.transition,
                            SECURITY(compute_member), AVTAB_MEMBER);
        copyback = !rc;
        break;
    case FLASK_GETBOOL:
        rc = op_getbool(cur, &op.u.boolean);
        copyback = !rc;
        break;
    case FLASK_SETBOOL:
        rc = op_setbool(cur, &op.u.boolean);
        copyback = !rc;
        break;
    case FLASK_COMMITBOOLS:
        rc = op_commitbools(cur);
        break;
    case FLASK_GET_PEER_SID:
        rc = op_get_peer_sid(cur, &op.u.peersid);
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
