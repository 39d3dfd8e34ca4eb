/* SPDX-License-Identifier: MIT */
/*
 * The security server: loading a policy, access decisions (compute_av),
 * labels of new objects (compute_create / transition sids) and context
 * <-> sid conversion, over the loaded policydb and the sid table.
 *
 * Lock order: `flask_policy_lock` (read for decisions and conversions,
 * write to swap in a new policy) -> `sidtab.lock`.
 */
#include <common/bug.h>
#include <common/printk.h>
#include <common/string.h>
#include <common/xmalloc.h>

#include "flask_private.h"

/* The compiled-in class table (classes.h), for the loader's check. */
#define FLASK_PERM_STR(c, p) #p,
#define FLASK_CLASS(name, num, ...)                                         \
    static const char *const perms_##name[] = {                             \
        FLASK_FOREACH(FLASK_PERM_STR, name, __VA_ARGS__) };
#include "classes.h"
#undef FLASK_CLASS
#define FLASK_CLASS(name, num, ...)                                         \
    [num - 1] = { #name, ARRAY_SIZE(perms_##name), perms_##name },
const struct flask_class_def flask_class_defs[SECCLASS_COUNT] = {
#include "classes.h"
};
#undef FLASK_CLASS

hal_rwlock_t flask_policy_lock = HAL_RWLOCK_INIT;
bool flask_enforcing = true;
bool flask_policy_loaded;
static struct policydb policydb;
static struct sidtab sidtab;
static uint32_t policy_seqno;
/* A FLASK_SETBOOL without commit since the last load (Xen's pending array). */
static bool bools_pending_set;

/* Looks `sid` up, falling back to the unlabeled context as Xen does. */
static bool sid_context(uint32_t sid, struct context *c)
{
    return sidtab_lookup(&sidtab, sid, c) ||
           sidtab_lookup(&sidtab, SECINITSID_UNLABELED, c);
}

static bool constraint_holds(const struct policydb *p,
                             const struct context *s, const struct context *t,
                             const struct constraint *con)
{
    int st[FLASK_CEXPR_MAXDEPTH];
    int sp = -1;
    uint32_t i;

    for ( i = 0; i < con->nexpr; i++ )
    {
        const struct cexpr *e = &con->expr[i];
        const struct mls_level *l1 = NULL, *l2 = NULL;
        uint32_t v1 = 0, v2 = 0;

        switch ( e->type )
        {
        case CEXPR_NOT:
            st[sp] = !st[sp];
            continue;
        case CEXPR_AND:
            sp--;
            st[sp] &= st[sp + 1];
            continue;
        case CEXPR_OR:
            sp--;
            st[sp] |= st[sp + 1];
            continue;
        case CEXPR_NAMES:
        {
            const struct context *c = (e->attr & CEXPR_TARGET) ? t : s;

            v1 = (e->attr & CEXPR_USER) ? c->user
                 : (e->attr & CEXPR_ROLE) ? c->role : c->type;
            st[++sp] = ebitmap_get(&e->names, v1 - 1);
            if ( e->op == CEXPR_NEQ )
                st[sp] = !st[sp];
            continue;
        }
        default: /* CEXPR_ATTR, checked by the loader */
            break;
        }
        switch ( e->attr )
        {
        case CEXPR_USER: v1 = s->user; v2 = t->user; break;
        case CEXPR_TYPE: v1 = s->type; v2 = t->type; break;
        case CEXPR_ROLE:
            v1 = s->role;
            v2 = t->role;
            if ( e->op == CEXPR_DOM )
            {
                st[++sp] = ebitmap_get(&p->roles[v1 - 1].dominates, v2 - 1);
                continue;
            }
            if ( e->op == CEXPR_DOMBY )
            {
                st[++sp] = ebitmap_get(&p->roles[v2 - 1].dominates, v1 - 1);
                continue;
            }
            if ( e->op == CEXPR_INCOMP )
            {
                st[++sp] =
                    !ebitmap_get(&p->roles[v1 - 1].dominates, v2 - 1) &&
                    !ebitmap_get(&p->roles[v2 - 1].dominates, v1 - 1);
                continue;
            }
            break;
        case CEXPR_L1L2: l1 = &s->range.level[0]; l2 = &t->range.level[0]; break;
        case CEXPR_L1H2: l1 = &s->range.level[0]; l2 = &t->range.level[1]; break;
        case CEXPR_H1L2: l1 = &s->range.level[1]; l2 = &t->range.level[0]; break;
        case CEXPR_H1H2: l1 = &s->range.level[1]; l2 = &t->range.level[1]; break;
        case CEXPR_L1H1: l1 = &s->range.level[0]; l2 = &s->range.level[1]; break;
        case CEXPR_L2H2: l1 = &t->range.level[0]; l2 = &t->range.level[1]; break;
        }
        if ( l1 )
        {
            switch ( e->op )
            {
            case CEXPR_EQ: st[++sp] = mls_level_eq(l1, l2); break;
            case CEXPR_NEQ: st[++sp] = !mls_level_eq(l1, l2); break;
            case CEXPR_DOM: st[++sp] = mls_level_dom(l1, l2); break;
            case CEXPR_DOMBY: st[++sp] = mls_level_dom(l2, l1); break;
            default: /* incomparable */
                st[++sp] = !mls_level_dom(l1, l2) && !mls_level_dom(l2, l1);
                break;
            }
            continue;
        }
        st[++sp] = e->op == CEXPR_EQ ? v1 == v2 : v1 != v2;
    }
    return st[0];
}

/* The decision for two contexts, as libsepol's context_struct_compute_av. */
static void context_compute_av(const struct policydb *p,
                               const struct context *s,
                               const struct context *t, uint16_t tclass,
                               struct av_decision *avd)
{
    const struct ebitmap *sa = &p->type_attr[s->type - 1];
    const struct ebitmap *ta = &p->type_attr[t->type - 1];
    const struct class_datum *c = &p->classes[tclass - 1];
    uint32_t i, j;

    avd->allowed = 0;
    avd->auditallow = 0;
    avd->auditdeny = 0xffffffffU;
    avd->flags = 0;
    for ( i = 0; i < sa->nbits && i < p->ntypes; i++ )
    {
        if ( !ebitmap_get(sa, i) )
            continue;
        for ( j = 0; j < ta->nbits && j < p->ntypes; j++ )
        {
            const struct avtab *tabs[2] = { &p->te, &p->te_cond };
            unsigned int k;

            if ( !ebitmap_get(ta, j) )
                continue;
            for ( k = 0; k < 2; k++ )
            {
                const struct avtab_entry *e =
                    avtab_search(tabs[k], i + 1, j + 1, tclass, AVTAB_AV);

                for ( ; e; e = avtab_next(tabs[k], e) )
                {
                    if ( k == 1 && !e->enabled )
                        continue;
                    if ( e->specified == AVTAB_ALLOWED )
                        avd->allowed |= e->data;
                    else if ( e->specified == AVTAB_AUDITALLOW )
                        avd->auditallow |= e->data;
                    else if ( e->specified == AVTAB_AUDITDENY )
                        avd->auditdeny &= e->data;
                }
            }
        }
    }
    for ( i = 0; i < c->ncons; i++ )
        if ( (c->cons[i].perms & avd->allowed) &&
             !constraint_holds(p, s, t, &c->cons[i]) )
            avd->allowed &= ~c->cons[i].perms;
    if ( ebitmap_get(&p->permissive, s->type) )
        avd->flags |= AVD_FLAGS_PERMISSIVE;
}

/**
 * Computes the access vectors of `ssid` on `tsid` in `tclass`.  With no
 * policy every permission is allowed.  -EINVAL for an unknown class.
 */
int security_compute_av(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                        struct av_decision *avd)
{
    struct context s, t;
    int rc = 0;

    hal_read_lock(&flask_policy_lock);
    avd->seqno = policy_seqno;
    if ( !flask_policy_loaded )
    {
        avd->allowed = 0xffffffffU;
        avd->auditallow = 0;
        avd->auditdeny = 0xffffffffU;
        avd->flags = 0;
        goto out;
    }
    if ( tclass == 0 || tclass > policydb.nclasses )
    {
        rc = -EINVAL;
        goto out;
    }
    if ( !sid_context(ssid, &s) || !sid_context(tsid, &t) )
    {
        rc = -EINVAL;
        goto out;
    }
    context_compute_av(&policydb, &s, &t, tclass, avd);

 out:
    hal_read_unlock(&flask_policy_lock);
    return rc;
}

static void level_low(struct mls_range *r, const struct mls_level *l)
{
    r->level[0] = *l;
    r->level[1] = *l;
}

/* The MLS part of a new object's context (libsepol's mls_compute_sid). */
static void compute_range(const struct policydb *p, const struct context *s,
                          const struct context *t, uint16_t tclass,
                          uint16_t specified, struct context *n)
{
    const struct class_datum *c = &p->classes[tclass - 1];
    uint32_t i;

    switch ( c->default_range )
    {
    case 1: level_low(&n->range, &s->range.level[0]); return;
    case 2: level_low(&n->range, &s->range.level[1]); return;
    case 3: n->range = s->range; return;
    case 4: level_low(&n->range, &t->range.level[0]); return;
    case 5: level_low(&n->range, &t->range.level[1]); return;
    case 6: n->range = t->range; return;
    }
    for ( i = 0; specified == AVTAB_TRANSITION && i < p->nrange_trans; i++ )
    {
        const struct range_trans *rt = &p->range_trans[i];

        if ( rt->stype == s->type && rt->ttype == t->type &&
             rt->tclass == tclass )
        {
            n->range = rt->range;
            return;
        }
    }
    /* A member object has the source's low level, whatever its class. */
    if ( tclass == SECCLASS_domain && specified != AVTAB_MEMBER )
        n->range = s->range;
    else
        level_low(&n->range, &s->range.level[0]);
}

/* A class's default (1: the source's, 2: the target's), else `none`. */
static uint32_t class_default(uint32_t dflt, uint32_t src, uint32_t tgt,
                              uint32_t none)
{
    return dflt == 1 ? src : dflt == 2 ? tgt : none;
}

/**
 * The sid of an object of `tclass` that `ssid` creates (AVTAB_TRANSITION),
 * finds as a member of (AVTAB_MEMBER) or relabels (AVTAB_CHANGE) in
 * relation to `tsid` (Xen's security_compute_sid).  The user is the
 * source's, the target's for a member; domains keep the source's role and
 * type, other objects get `object_r` and the target's type; class
 * defaults, then the type_transition / type_member / type_change rule, then
 * (transitions only) role_transition rules override them.  -EINVAL (bad
 * class), -EACCES (the result is not a valid context, when enforcing),
 * -ENOMEM, -ENOSPC.
 */
int security_compute_sid(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                         uint16_t specified, uint32_t *out)
{
    const struct class_datum *c;
    const struct avtab_entry *e;
    struct context s, t, n;
    uint32_t i;
    int rc = 0;

    hal_read_lock(&flask_policy_lock);
    if ( !flask_policy_loaded )
    {
        *out = tclass == SECCLASS_domain ? ssid : tsid;
        goto out;
    }
    rc = -EINVAL;
    if ( tclass == 0 || tclass > policydb.nclasses ||
         !sid_context(ssid, &s) || !sid_context(tsid, &t) )
        goto out;
    c = &policydb.classes[tclass - 1];
    memset(&n, 0, sizeof(n));
    n.user = class_default(c->default_user, s.user, t.user,
                           specified == AVTAB_MEMBER ? t.user : s.user);
    n.role = class_default(c->default_role, s.role, t.role,
                           tclass == SECCLASS_domain ? s.role : 1);
    n.type = class_default(c->default_type, s.type, t.type,
                           tclass == SECCLASS_domain ? s.type : t.type);

    e = avtab_search(&policydb.te, s.type, t.type, tclass, specified);
    if ( !e )
        for ( e = avtab_search(&policydb.te_cond, s.type, t.type, tclass,
                               specified);
              e && !e->enabled; e = avtab_next(&policydb.te_cond, e) )
            ;
    if ( e && e->specified == specified )
        n.type = e->data;
    for ( i = 0; specified == AVTAB_TRANSITION && i < policydb.nrole_trans;
          i++ )
    {
        const struct role_trans *rt = &policydb.role_trans[i];

        if ( rt->role == s.role && rt->type == t.type &&
             rt->tclass == tclass )
        {
            n.role = rt->new_role;
            break;
        }
    }
    if ( policydb.mls )
        compute_range(&policydb, &s, &t, tclass, specified, &n);
    if ( !policydb_context_isvalid(&policydb, &n) )
    {
        rc = flask_enforcing ? -EACCES : 0;
        if ( !rc )
            *out = SECINITSID_UNLABELED;
        goto out;
    }
    rc = sidtab_context_to_sid(&sidtab, &n, out);

 out:
    hal_read_unlock(&flask_policy_lock);
    return rc;
}

/**
 * The sid of an object of `tclass` created by `ssid` in relation to
 * `tsid` (Xen's security_transition_sid, used by the hooks); see
 * security_compute_sid for the rules and errors.
 */
int security_transition_sid(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                            uint32_t *out)
{
    return security_compute_sid(ssid, tsid, tclass, AVTAB_TRANSITION, out);
}

/** Converts a context string to a sid.  -EINVAL (invalid or no policy). */
int security_context_to_sid(const char *str, size_t len, uint32_t *sid)
{
    struct context c;
    int rc = -EINVAL;

    hal_read_lock(&flask_policy_lock);
    if ( flask_policy_loaded &&
         !(rc = context_from_string(&policydb, str, len, &c)) )
        rc = sidtab_context_to_sid(&sidtab, &c, sid);
    hal_read_unlock(&flask_policy_lock);
    return rc;
}

/* Initial sid names (policy/initial_sids), what a sid reads as pre-policy. */
static const char *const initial_sid_names[SECINITSID_NUM + 1] = {
    "null", "xenboot", "xen", "dom0", "domio", "domxen", "unlabeled",
    "security", "ioport", "iomem", "irq", "device", "domU", "domDM",
};

/**
 * Formats `sid`'s context into `buf`: returns the length including the NUL
 * (the buffer may have been too small).  As Xen: a sid the table does not
 * hold (SECSID_NULL, never allocated) reads as the unlabeled initial sid's
 * context; before any policy an initial sid (0..SECINITSID_NUM) reads as
 * its name ("null", "xenboot", ... "domDM") and any other sid is -EINVAL.
 */
int security_sid_to_context(uint32_t sid, char *buf, size_t size)
{
    struct context c;
    int rc = -EINVAL;

    hal_read_lock(&flask_policy_lock);
    if ( !flask_policy_loaded )
    {
        if ( sid <= SECINITSID_NUM )
            rc = (int)name_to_string(initial_sid_names[sid], buf, size) + 1;
    }
    else if ( sid_context(sid, &c) )
        rc = (int)context_to_string(&policydb, &c, buf, size) + 1;
    hal_read_unlock(&flask_policy_lock);
    return rc;
}

/*
 * Makes the next sequence number the current one; the policy write lock is
 * held.  Cached decisions of older policies or boolean states stop
 * matching before anyone can see the new number, so a check that starts
 * after the change is visible never uses one; the caller flushes them
 * (avc_ss_reset) after unlocking.
 */
static uint32_t new_seqno_locked(void)
{
    uint32_t seqno = policy_seqno + 1;

    avc_set_latest(seqno);
    hal_store_release(&policy_seqno, seqno);
    return seqno;
}

/* A reload keeps the booleans' values, by name (Xen's preserve_bools). */
static void preserve_bools(const struct policydb *op, struct policydb *np)
{
    uint32_t i, v;

    for ( i = 0; i < np->nbools; i++ )
    {
        v = policydb_bool_value(op, np->bools[i].name,
                                strlen(np->bools[i].name));
        if ( v )
            np->bools[i].state = np->bools[i].pending = op->bools[v - 1].state;
    }
    policydb_cond_update(np);
}

/* Converts `old`'s entries into `new` under policy `np`. */
static int sidtab_convert(const struct policydb *op, struct sidtab *old,
                          const struct policydb *np, struct sidtab *new,
                          const struct context *unlabeled)
{
    char str[512];
    uint32_t i;

    if ( old->nel > new->size )
    {
        struct sidtab_entry *e = xzalloc_array(struct sidtab_entry,
                                               old->size);

        if ( !e )
            return -ENOMEM;
        xfree(new->e);
        new->e = e;
        new->size = old->size;
    }
    new->nel = old->nel > SECINITSID_NUM ? old->nel : SECINITSID_NUM;
    for ( i = 0; i < new->nel; i++ )
    {
        new->e[i].sid = i + 1;
        new->e[i].ctx = *unlabeled;
        if ( !op || i >= old->nel || !old->e[i].sid )
            continue;
        /* By name: a context the new policy cannot express is unlabeled. */
        if ( context_to_string(op, &old->e[i].ctx, str, sizeof(str)) <
             sizeof(str) &&
             context_from_string(np, str, strlen(str), &new->e[i].ctx) )
            new->e[i].ctx = *unlabeled;
    }
    return 0;
}

/**
 * Loads a binary policy (Xen's security_load_policy).  The new policy is
 * parsed and every existing sid converted before anything changes; then
 * policy and sid table are swapped under the write lock, the sequence
 * number bumped and the AVC flushed.  On error the old policy stays in
 * force, whole.  -EINVAL (malformed, wrong version, wrong classes),
 * -ENOMEM.
 */
int security_load_policy(const void *data, size_t size)
{
    struct policydb np, oldp;
    struct sidtab ns, olds;
    const struct context *unl = NULL;
    uint32_t i, seqno;
    int rc;

    rc = policydb_read(&np, data, size);
    if ( rc )
        return rc;
    for ( i = 0; i < np.nisids; i++ )
        if ( np.isids[i].sid == SECINITSID_UNLABELED )
            unl = &np.isids[i].ctx;
    rc = sidtab_init(&ns);
    if ( rc )
        goto fail_policy;

    hal_write_lock(&flask_policy_lock);
    rc = sidtab_convert(flask_policy_loaded ? &policydb : NULL, &sidtab,
                        &np, &ns, unl);
    if ( rc )
    {
        hal_write_unlock(&flask_policy_lock);
        goto fail_sidtab;
    }
    for ( i = 0; i < np.nisids; i++ )
        ns.e[np.isids[i].sid - 1].ctx = np.isids[i].ctx;
    if ( flask_policy_loaded )
        preserve_bools(&policydb, &np);
    oldp = policydb;
    olds = sidtab;
    policydb = np;
    sidtab = ns;
    bools_pending_set = false;
    seqno = new_seqno_locked();
    flask_policy_loaded = true;
    hal_write_unlock(&flask_policy_lock);

    avc_ss_reset(seqno);
    policydb_destroy(&oldp);
    sidtab_destroy(&olds);
    return 0;

 fail_sidtab:
    sidtab_destroy(&ns);
 fail_policy:
    policydb_destroy(&np);
    return rc;
}

/*
 * The boolean numbered `*id` or, when `name` is not NULL, the one called
 * `name` (`len` bytes), whose number `*id` then gets; NULL when there is
 * none or no policy.  The policy lock is held: an op that names a boolean
 * finds it and uses it under one hold, so a reload in between cannot make
 * the name stand for another policy's number (Xen's sel_sem covers both).
 */
static struct bool_datum *bool_locked(uint32_t *id, const char *name,
                                      size_t len)
{
    uint32_t v;

    if ( !flask_policy_loaded )
        return NULL;
    if ( name )
    {
        v = policydb_bool_value(&policydb, name, len);
        if ( !v )
            return NULL;
        *id = v - 1;
    }
    return *id < policydb.nbools ? &policydb.bools[*id] : NULL;
}

/**
 * Reads a boolean (FLASK_GETBOOL), given as bool_locked takes it: its
 * value in force, its pending value, and its name into `out`
 * (FLASK_MAX_NAME bytes, no NUL), `*out_len` its length.  -ENOENT (no such
 * boolean, or no policy).
 */
int security_get_bool(uint32_t *id, const char *name, size_t len, bool *cur,
                      bool *pending, char *out, size_t *out_len)
{
    const struct bool_datum *b;
    int rc = -ENOENT;

    hal_read_lock(&flask_policy_lock);
    b = bool_locked(id, name, len);
    if ( !b )
        goto out;
    *cur = b->state;
    *pending = b->pending;
    *out_len = strlen(b->name);
    ASSERT(*out_len <= FLASK_MAX_NAME);     /* the loader's bound */
    memcpy(out, b->name, *out_len);
    rc = 0;

 out:
    hal_read_unlock(&flask_policy_lock);
    return rc;
}

/*
 * Puts the booleans' states in force: the conditional rules they select,
 * and a new sequence number (returned; the caller flushes the AVC after
 * unlocking).  Policy write lock held.
 */
static uint32_t bools_in_force_locked(void)
{
    policydb_cond_update(&policydb);
    return new_seqno_locked();
}

/**
 * Sets a boolean's pending value (FLASK_SETBOOL; the boolean given as
 * bool_locked takes it); with `commit` puts that value, and only it, in
 * force at once: the conditional rules are re-evaluated, the sequence
 * number moves on and the AVC is flushed.  `*cur` and `*pending` get the
 * values after.  -ENOENT (no such boolean, or no policy).
 */
int security_set_bool(uint32_t *id, const char *name, size_t len,
                      bool value, bool commit, bool *cur, bool *pending)
{
    struct bool_datum *b;
    uint32_t seqno = 0;
    int rc = -ENOENT;

    hal_write_lock(&flask_policy_lock);
    b = bool_locked(id, name, len);
    if ( !b )
        goto out;
    b->pending = value;
    if ( commit )
    {
        b->state = value;
        seqno = bools_in_force_locked();
    }
    else
        bools_pending_set = true;
    *cur = b->state;
    *pending = b->pending;
    rc = 0;

 out:
    hal_write_unlock(&flask_policy_lock);
    if ( seqno )
        avc_ss_reset(seqno);
    return rc;
}

/**
 * Puts every pending value in force (FLASK_COMMITBOOLS), as
 * security_set_bool's commit does for one.  Nothing happens when no
 * value was set pending since the policy was loaded.
 */
void security_commit_bools(void)
{
    uint32_t i, seqno = 0;

    hal_write_lock(&flask_policy_lock);
    if ( flask_policy_loaded && bools_pending_set )
    {
        for ( i = 0; i < policydb.nbools; i++ )
            policydb.bools[i].state = policydb.bools[i].pending;
        seqno = bools_in_force_locked();
    }
    hal_write_unlock(&flask_policy_lock);
    if ( seqno )
        avc_ss_reset(seqno);
}

/** The sequence number of the policy in force (0 before any load). */
uint32_t security_policy_seqno(void)
{
    return hal_load_acquire(&policy_seqno);
}

/** True if the loaded policy is MLS. */
bool security_mls_enabled(void)
{
    bool m;

    hal_read_lock(&flask_policy_lock);
    m = flask_policy_loaded && policydb.mls;
    hal_read_unlock(&flask_policy_lock);
    return m;
}

/** The compiled-in name of permission `bit` of `tclass`, or NULL. */
const char *security_perm_name(uint16_t tclass, unsigned int bit)
{
    if ( tclass == 0 || tclass > SECCLASS_COUNT ||
         bit >= flask_class_defs[tclass - 1].nperms )
        return NULL;
    return flask_class_defs[tclass - 1].perms[bit];
}

/** The compiled-in name of `tclass`, or NULL. */
const char *security_class_name(uint16_t tclass)
{
    if ( tclass == 0 || tclass > SECCLASS_COUNT )
        return NULL;
    return flask_class_defs[tclass - 1].name;
}

/** Drops the policy and the sid table: back to the pre-init state. */
void security_fini(void)
{
    hal_write_lock(&flask_policy_lock);
    policydb_destroy(&policydb);
    sidtab_destroy(&sidtab);
    flask_policy_loaded = false;
    flask_enforcing = true;
    policy_seqno = 0;
    bools_pending_set = false;
    hal_write_unlock(&flask_policy_lock);
}

/** Checks the sid table: dense sids, every context valid.  -EINVAL. */
int security_check(void)
{
    uint32_t i;
    int rc = 0;

    hal_read_lock(&flask_policy_lock);
    if ( !flask_policy_loaded )
        goto out;
    hal_spin_lock(&sidtab.lock);
    if ( sidtab.nel < SECINITSID_NUM || sidtab.nel > sidtab.size )
        rc = -EINVAL;
    for ( i = 0; !rc && i < sidtab.nel; i++ )
        if ( sidtab.e[i].sid != i + 1 ||
             !policydb_context_isvalid(&policydb, &sidtab.e[i].ctx) )
        {
            printk("xsm: sidtab entry %u is bad\n", i + 1);
            rc = -EINVAL;
        }
    hal_spin_unlock(&sidtab.lock);
 out:
    hal_read_unlock(&flask_policy_lock);
    return rc;
}
