/* SPDX-License-Identifier: MIT */
/*
 * The xsm_op hypercall under FLASK, through the hypercall entry as a guest
 * issues it: the `struct xen_flask_op` in the caller's guest memory, its
 * strings and policies beside it.  Every implemented op succeeds with
 * checked outputs; the caller's `security` permission is enforced; bad
 * sizes, lengths and ids get Xen's errors and change nothing the guest
 * can see; a rejected policy keeps the old one.  FLASK enforces the
 * built-in policy (libxsm/policy) in a fresh world per test (argv[1]: the
 * directory of the compiled policies, for reloads).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <common/errno.h>
#include <common/guest_access.h>
#include <common/hypercall.h>
#include <hal/cpu.h>
#include <hal_sim/sim.h>
#include <libmm/mm.h>
#include <libxsm/flask.h>
#include <libxsm/xsm.h>
#include <public/event_channel.h>
#include <public/xsm/flask_op.h>

#include "fault_walk.h"
#include "hvsim_xsm.h"
#include "world.h"

#define RAM_PAGES 64U
#define OP_GFN 0U          /* the op structure */
#define BUF_GFN 1U         /* strings and policies from here */
#define NOT_RAM_GFN 0x100000ULL
#define EVT_GFN 2U         /* event channel op arguments */

static const char *policy_dir;     /* argv[1]: the compiled policies */

enum { DOM0, U1, U2, UNL, NDOMS };
static struct domain *dom[NDOMS];

/* Creates the first `n` domains of the table, each with guest RAM. */
static int create_doms(unsigned int n)
{
    static const struct {
        domid_t id;
        bool priv;
        const char *label;
    } doms[NDOMS] = {
        [DOM0] = { 0, true, NULL },
        [U1] = { 1, false, NULL },
        [U2] = { 2, false, NULL },
        /* A domain outside `domain_type`: no security permission at all. */
        [UNL] = { 3, false, "system_u:system_r:unlabeled_t" },
    };
    unsigned int i;

    for ( i = 0; i < n; i++ )
    {
        struct domain_config cfg;
        unsigned long done;

        domain_config_default(&cfg);
        cfg.privileged = doms[i].priv;
        cfg.max_pages = 256;
        cfg.label = doms[i].label;
        if ( domain_create(doms[i].id, &cfg, &dom[i]) ||
             mm_populate_physmap(dom[i], _gfn(0), RAM_PAGES, 0, &done) )
            return -1;
    }
    return 0;
}

static int setup(void **state)
{
    (void)state;
    if ( world_start_xsm(32ULL << 20, 2, WORLD_XSM_FLASK) )
        return -1;
    return create_doms(NDOMS);
}

/* FLASK with no policy yet (flask=late); dom0 and U1 only (no labels). */
static int configure_late(void *arg)
{
    (void)arg;
    if ( xsm_set_provider(XSM_PROVIDER_FLASK) ||
         xsm_set_flask_mode(FLASK_BOOTPARAM_LATE) )
        return -1;
    return 0;
}

static int setup_late(void **state)
{
    (void)state;
    if ( world_start_with(32ULL << 20, 2, configure_late, NULL) )
        return -1;
    return create_doms(U2);
}

static int teardown(void **state)
{
    unsigned int i;

    (void)state;
    assert_int_equal(xsm_check(), 0);
    for ( i = 0; i < NDOMS; i++ )
    {
        if ( dom[i] )
            assert_int_equal(world_destroy_domain(dom[i]), 0);
        dom[i] = NULL;
    }
    world_stop();
    return 0;
}

/** Issues xsm_op as `d` with `*op` at OP_GFN; `*op` gets what it holds after. */
static long xsm_op_raw(struct domain *d, struct xen_flask_op *op)
{
    return world_guest_op(d, 0, __HYPERVISOR_xsm_op,
                          (unsigned long)OP_GFN << 12, OP_GFN, op,
                          sizeof(*op));
}

static long xsm_op(struct domain *d, struct xen_flask_op *op)
{
    op->interface_version = XEN_FLASK_INTERFACE_VERSION;
    return xsm_op_raw(d, op);
}

/** Writes `len` bytes at BUF_GFN of `d`; returns the guest address. */
static uint64_t put_buf(struct domain *d, const void *data, size_t len)
{
    assert_true(len <= (RAM_PAGES - BUF_GFN) * 4096UL);
    assert_int_equal(copy_to_guest_phys(d, BUF_GFN << 12, data, len), 0);
    return BUF_GFN << 12;
}

/**
 * Runs `*op` as `d` expecting `err`, and checks that nothing the guest can
 * see changed: the op structure, the buffer page, the policy and the mode.
 */
static void expect_error(struct domain *d, struct xen_flask_op *op, long err)
{
    struct xen_flask_op before;
    static char buf0[4096], buf1[4096];
    uint32_t seqno = flask_policy_seqno();
    long enforcing;

    op->interface_version = XEN_FLASK_INTERFACE_VERSION;
    before = *op;
    assert_int_equal(copy_from_guest_phys(d, buf0, BUF_GFN << 12,
                                          sizeof(buf0)), 0);
    if ( xsm_op_raw(d, op) != err )
        fail_msg("op %u as d%u: not %ld", before.cmd, d->domain_id, err);
    assert_memory_equal(op, &before, sizeof(before));
    assert_int_equal(copy_from_guest_phys(d, buf1, BUF_GFN << 12,
                                          sizeof(buf1)), 0);
    assert_memory_equal(buf0, buf1, sizeof(buf0));
    assert_int_equal(flask_policy_seqno(), seqno);
    enforcing = xsm_op(dom[DOM0],
                       &(struct xen_flask_op){ .cmd = FLASK_GETENFORCE });
    assert_int_equal(enforcing, 1);
    assert_int_equal(xsm_check(), 0);
}

/** The bit of permission `name` of class `tclass` (fails if none). */
static uint32_t perm(uint16_t tclass, const char *name)
{
    unsigned int bit;

    for ( bit = 0; bit < 32; bit++ )
    {
        const char *n = flask_perm_name(tclass, bit);

        if ( n && !strcmp(n, name) )
            return 1U << bit;
    }
    fail_msg("no permission %s", name);
    return 0;
}

/* GETENFORCE, POLICYVERS and MLS need no permission; dispatch errors. */
static void test_queries(void **state)
{
    struct xen_flask_op op;
    static const uint32_t missing[] = {
        FLASK_USER, FLASK_DISABLE, FLASK_GETAVC_THRESHOLD,
        FLASK_SETAVC_THRESHOLD, FLASK_ADD_OCONTEXT, FLASK_DEL_OCONTEXT,
        FLASK_RELABEL_DOMAIN, FLASK_DEVICETREE_LABEL, 99, 0,
    };
    unsigned int i;

    (void)state;
    for ( i = 0; i < NDOMS; i++ )
    {
        op = (struct xen_flask_op){ .cmd = FLASK_GETENFORCE };
        assert_int_equal(xsm_op(dom[i], &op), 1);
        op = (struct xen_flask_op){ .cmd = FLASK_POLICYVERS };
        assert_int_equal(xsm_op(dom[i], &op), 30);
        op = (struct xen_flask_op){ .cmd = FLASK_MLS };
        assert_int_equal(xsm_op(dom[i], &op), 0);
    }
    /* A wrong interface version, and ops hvcore lacks: -ENOSYS. */
    op = (struct xen_flask_op){ .cmd = FLASK_GETENFORCE,
                                .interface_version = 2 };
    assert_int_equal(xsm_op_raw(dom[DOM0], &op), -ENOSYS);
    for ( i = 0; i < sizeof(missing) / sizeof(missing[0]); i++ )
    {
        op = (struct xen_flask_op){ .cmd = missing[i] };
        expect_error(dom[DOM0], &op, -ENOSYS);
    }
    /* The op structure itself outside the caller's RAM: -EFAULT. */
    {
        uint64_t args[HYPERCALL_NR_ARGS] = { NOT_RAM_GFN << 12 };

        assert_int_equal(hypercall_entry(dom[DOM0]->vcpu[0],
                                         __HYPERVISOR_xsm_op, args),
                         -EFAULT);
        args[0] = (RAM_PAGES << 12) - 8; /* straddles the end of RAM */
        assert_int_equal(hypercall_entry(dom[DOM0]->vcpu[0],
                                         __HYPERVISOR_xsm_op, args),
                         -EFAULT);
    }
    assert_int_equal(xsm_check(), 0);
}

/* SETENFORCE needs `setenforce` to change the mode, and does change it. */
static void test_setenforce(void **state)
{
    struct xen_flask_op op;
    uint16_t grant = flask_class_by_name("grant");
    uint32_t transfer;

    (void)state;

    assert_int_not_equal(grant, 0);
    transfer = perm(grant, "transfer");
    /* An unlabeled domain's grant:transfer to dom0 is not in the policy. */
    assert_int_equal(flask_has_perm(dom[UNL]->ssid, dom[DOM0]->ssid, grant,
                                    transfer), -EACCES);
    op = (struct xen_flask_op){ .cmd = FLASK_SETENFORCE,
                                .u.enforce.enforcing = 0 };
    expect_error(dom[U1], &op, -EACCES);
    expect_error(dom[UNL], &op, -EACCES);
    /* As Xen: asking for the mode in force is no change, so no check. */
    op.u.enforce.enforcing = 7;
    assert_int_equal(xsm_op(dom[U1], &op), 0);

    op.u.enforce.enforcing = 0;
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    op = (struct xen_flask_op){ .cmd = FLASK_GETENFORCE };
    assert_int_equal(xsm_op(dom[U1], &op), 0);
    assert_int_equal(flask_has_perm(dom[UNL]->ssid, dom[DOM0]->ssid, grant,
                                    transfer), 0);
    op = (struct xen_flask_op){ .cmd = FLASK_SETENFORCE,
                                .u.enforce.enforcing = 1 };
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    op = (struct xen_flask_op){ .cmd = FLASK_GETENFORCE };
    assert_int_equal(xsm_op(dom[U1], &op), 1);
    /* What was let through while permissive is not remembered. */
    assert_int_equal(flask_has_perm(dom[UNL]->ssid, dom[DOM0]->ssid, grant,
                                    transfer), -EACCES);
    assert_int_equal(xsm_check(), 0);
}

/* SID_TO_CONTEXT as `d`: the context and its length (with the NUL). */
static void expect_sid_to_context(struct domain *d, uint32_t sid,
                                  const char *ctx)
{
    struct xen_flask_op op = { .cmd = FLASK_SID_TO_CONTEXT,
        .u.sid_context = { .sid = sid, .size = 64,
                           .context = BUF_GFN << 12 } };
    char out[64];

    assert_int_equal(xsm_op(d, &op), 0);
    assert_int_equal(op.u.sid_context.size, strlen(ctx) + 1);
    assert_int_equal(copy_from_guest_phys(d, out, BUF_GFN << 12,
                                          op.u.sid_context.size), 0);
    assert_string_equal(out, ctx);
}

/* CONTEXT_TO_SID and SID_TO_CONTEXT, both ways, and their errors. */
static void test_context_sid(void **state)
{
    static const char ctx[] = "system_u:system_r:domU_t";
    static char big[4097];
    struct xen_flask_op op;
    char out[64];

    (void)state;
    op = (struct xen_flask_op){ .cmd = FLASK_CONTEXT_TO_SID,
        .u.sid_context = { .size = sizeof(ctx) - 1,
                           .context = put_buf(dom[U1], ctx,
                                              sizeof(ctx) - 1) } };
    assert_int_equal(xsm_op(dom[U1], &op), 0);
    assert_int_equal(op.u.sid_context.sid, dom[U1]->ssid);

    expect_sid_to_context(dom[U2], dom[DOM0]->ssid,
                          "system_u:system_r:dom0_t");
    /* A sid never allocated reads as unlabeled, as in Xen. */
    expect_sid_to_context(dom[U2], 0x7fffffff,
                          "system_u:system_r:unlabeled_t");

    /* Errors, each leaving everything as it was. */
    put_buf(dom[U1], "not:a:context", 13);
    op = (struct xen_flask_op){ .cmd = FLASK_CONTEXT_TO_SID,
        .u.sid_context = { .sid = 77, .size = 13,
                           .context = BUF_GFN << 12 } };
    expect_error(dom[U1], &op, -EINVAL);
    op.u.sid_context.size = 0;
    expect_error(dom[U1], &op, -EINVAL);
    memset(big, 'a', sizeof(big));
    put_buf(dom[U1], big, sizeof(big));
    op.u.sid_context.size = sizeof(big);          /* over a page */
    expect_error(dom[U1], &op, -ENOENT);
    op.u.sid_context.size = 13;
    op.u.sid_context.context = NOT_RAM_GFN << 12;
    expect_error(dom[U1], &op, -EFAULT);
    put_buf(dom[UNL], ctx, sizeof(ctx) - 1);
    op.u.sid_context.context = BUF_GFN << 12;
    op.u.sid_context.size = sizeof(ctx) - 1;
    expect_error(dom[UNL], &op, -EACCES);         /* no check_context */

    op = (struct xen_flask_op){ .cmd = FLASK_SID_TO_CONTEXT,
        .u.sid_context = { .sid = dom[DOM0]->ssid, .size = 10,
                           .context = BUF_GFN << 12 } };
    expect_error(dom[U1], &op, -ERANGE);          /* too small */
    op.u.sid_context.size = sizeof(out);
    op.u.sid_context.context = NOT_RAM_GFN << 12;
    expect_error(dom[U1], &op, -EFAULT);
    op.u.sid_context.context = BUF_GFN << 12;
    expect_error(dom[UNL], &op, -EACCES);
}

/* ACCESS and CREATE answer what the security server computes. */
static void test_access_create(void **state)
{
    uint16_t grant = flask_class_by_name("grant");
    uint16_t event = flask_class_by_name("event");
    struct flask_av av;
    struct xen_flask_op op;
    uint32_t newsid;
    char out[64];

    (void)state;
    assert_int_equal(flask_compute_av(dom[U1]->ssid, dom[U2]->ssid, grant,
                                      &av), 0);
    assert_int_not_equal(av.allowed, 0);
    op = (struct xen_flask_op){ .cmd = FLASK_ACCESS,
        .u.access = { .ssid = dom[U1]->ssid, .tsid = dom[U2]->ssid,
                      .tclass = grant, .req = 1 } };
    assert_int_equal(xsm_op(dom[U1], &op), 0);
    assert_int_equal(op.u.access.allowed, av.allowed);
    assert_int_equal(op.u.access.audit_allow, av.auditallow);
    assert_int_equal(op.u.access.audit_deny, av.auditdeny);
    assert_int_equal(op.u.access.seqno, flask_policy_seqno());
    /* dom0 -> domU grant: everything the policy lists. */
    op.u.access.ssid = dom[DOM0]->ssid;
    assert_int_equal(xsm_op(dom[U1], &op), 0);
    assert_int_equal(flask_compute_av(dom[DOM0]->ssid, dom[U2]->ssid, grant,
                                      &av), 0);
    assert_int_equal(op.u.access.allowed, av.allowed);

    op = (struct xen_flask_op){ .cmd = FLASK_CREATE,
        .u.transition = { .ssid = dom[U1]->ssid, .tsid = dom[U2]->ssid,
                          .tclass = event } };
    assert_int_equal(xsm_op(dom[U2], &op), 0);
    assert_int_equal(flask_compute_create(dom[U1]->ssid, dom[U2]->ssid,
                                          event, &newsid), 0);
    assert_int_equal(op.u.transition.newsid, newsid);
    assert_true(flask_sid_to_context(newsid, out, sizeof(out)) > 0);
    assert_string_equal(out, "system_u:object_r:domU_evchn_t");

    /* Errors. */
    op = (struct xen_flask_op){ .cmd = FLASK_ACCESS,
        .u.access = { .ssid = dom[U1]->ssid, .tsid = dom[U2]->ssid,
                      .tclass = 0, .allowed = 5 } };
    expect_error(dom[U1], &op, -EINVAL);          /* no class 0 */
    op.u.access.tclass = 0x10000;
    expect_error(dom[U1], &op, -EINVAL);
    op.u.access.tclass = 200;
    expect_error(dom[U1], &op, -EINVAL);          /* no such class */
    op.u.access.tclass = grant;
    expect_error(dom[UNL], &op, -EACCES);         /* no compute_av */
    /* As Xen's sidtab: a sid that does not exist decides as unlabeled. */
    op.u.access.ssid = 0xfffff;
    assert_int_equal(xsm_op(dom[U1], &op), 0);
    assert_int_equal(flask_compute_av(dom[UNL]->ssid, dom[U2]->ssid, grant,
                                      &av), 0);
    assert_int_equal(op.u.access.allowed, av.allowed);

    op = (struct xen_flask_op){ .cmd = FLASK_CREATE,
        .u.transition = { .ssid = dom[U1]->ssid, .tsid = dom[U2]->ssid,
                          .tclass = 0, .newsid = 3 } };
    expect_error(dom[U1], &op, -EINVAL);
    op.u.transition.tclass = event;
    expect_error(dom[UNL], &op, -EACCES);         /* no compute_create */
}

/* The sid of context `ctx`. */
static uint32_t sid_of(const char *ctx)
{
    uint32_t sid;

    assert_int_equal(flask_context_to_sid(ctx, strlen(ctx), &sid), 0);
    return sid;
}

static void expect_sid_context(uint32_t sid, const char *ctx)
{
    char out[64];

    assert_true(flask_sid_to_context(sid, out, sizeof(out)) > 0);
    assert_string_equal(out, ctx);
}

/*
 * MEMBER and RELABEL: the type_member and type_change rules of the built-in
 * policy, the defaults without a rule, and the errors.
 */
static void test_member_relabel(void **state)
{
    uint16_t event = flask_class_by_name("event");
    uint16_t domain = flask_class_by_name("domain");
    uint32_t domu_chan = sid_of("system_u:object_r:domU_evchn_t");
    uint32_t iso_chan = sid_of("system_u:object_r:iso_evchn_t");
    uint32_t iso = sid_of("system_u:system_r:iso_t");
    struct xen_flask_op op;
    static const uint32_t cmds[] = { FLASK_MEMBER, FLASK_RELABEL };
    unsigned int i;

    (void)state;
    /* type_member dom0_t domU_evchn_t:event dom0_evchn_t */
    op = (struct xen_flask_op){ .cmd = FLASK_MEMBER,
        .u.transition = { .ssid = dom[DOM0]->ssid, .tsid = domu_chan,
                          .tclass = event } };
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    expect_sid_context(op.u.transition.newsid,
                       "system_u:object_r:dom0_evchn_t");
    /* No rule: object_r and the target's type; a domain keeps its own. */
    op.u.transition.ssid = dom[U1]->ssid;
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    assert_int_equal(op.u.transition.newsid, domu_chan);
    op.u.transition.tclass = domain;
    op.u.transition.tsid = dom[DOM0]->ssid;
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    assert_int_equal(op.u.transition.newsid, dom[U1]->ssid);

    /* type_change domU_t iso_evchn_t:event domU_evchn_t */
    op = (struct xen_flask_op){ .cmd = FLASK_RELABEL,
        .u.transition = { .ssid = dom[U1]->ssid, .tsid = iso_chan,
                          .tclass = event } };
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    assert_int_equal(op.u.transition.newsid, domu_chan);
    op.u.transition.ssid = iso;                   /* no rule */
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    assert_int_equal(op.u.transition.newsid, iso_chan);
    /* The creation rule is not a relabel rule, nor a member rule. */
    op.u.transition.ssid = dom[U1]->ssid;
    op.u.transition.tsid = dom[DOM0]->ssid;
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    expect_sid_context(op.u.transition.newsid, "system_u:object_r:dom0_t");

    /* Errors: no such class; the caller lacks compute_member/relabel. */
    for ( i = 0; i < 2; i++ )
    {
        op = (struct xen_flask_op){ .cmd = cmds[i],
            .u.transition = { .ssid = dom[U1]->ssid, .tsid = domu_chan,
                              .tclass = 0, .newsid = 3 } };
        expect_error(dom[DOM0], &op, -EINVAL);
        op.u.transition.tclass = 0x10000;
        expect_error(dom[DOM0], &op, -EINVAL);
        op.u.transition.tclass = 200;
        expect_error(dom[DOM0], &op, -EINVAL);
        op.u.transition.tclass = event;
        expect_error(dom[U1], &op, -EACCES);
        expect_error(dom[UNL], &op, -EACCES);
    }
}

static long bool_op(struct domain *d, uint32_t cmd, uint32_t id,
                    struct xen_flask_boolean *b)
{
    struct xen_flask_op op = { .cmd = cmd };
    long rc;

    b->bool_id = id;
    op.u.boolean = *b;
    rc = xsm_op(d, &op);
    *b = op.u.boolean;
    return rc;
}

/* iso_t's grant:map_read on dom0 as the policy decides (allow_iso_grants). */
static bool iso_may_map(void)
{
    uint16_t grant = flask_class_by_name("grant");
    struct flask_av av;

    assert_int_equal(flask_compute_av(sid_of("system_u:system_r:iso_t"),
                                      dom[DOM0]->ssid, grant, &av), 0);
    return av.allowed & perm(grant, "map_read");
}

/*
 * GETBOOL, SETBOOL, COMMITBOOLS over the built-in policy's one boolean
 * (allow_iso_grants, false): by number and by name, pending then
 * committed, one at once, kept across a reload; and every error.
 */
static void test_booleans(void **state)
{
    static const char name[] = "allow_iso_grants";
    uint16_t grant = flask_class_by_name("grant");
    uint32_t iso = sid_of("system_u:system_r:iso_t");
    struct xen_flask_boolean b;
    struct xen_flask_op op;
    uint32_t seqno = flask_policy_seqno();
    char out[64];

    (void)state;
    /* GETBOOL by number, with the name; anyone may ask. */
    b = (struct xen_flask_boolean){ .size = sizeof(out),
                                    .name = BUF_GFN << 12 };
    assert_int_equal(bool_op(dom[UNL], FLASK_GETBOOL, 0, &b), 0);
    assert_int_equal(b.enforcing, 0);
    assert_int_equal(b.pending, 0);
    assert_int_equal(b.size, strlen(name));
    memset(out, 0, sizeof(out));
    assert_int_equal(copy_from_guest_phys(dom[UNL], out, BUF_GFN << 12,
                                          b.size), 0);
    assert_string_equal(out, name);
    /* By name: the number comes back, the name does not. */
    b = (struct xen_flask_boolean){ .size = sizeof(name),
        .name = put_buf(dom[U1], name, sizeof(name)) };
    assert_int_equal(bool_op(dom[U1], FLASK_GETBOOL, 0xffffffff, &b), 0);
    assert_int_equal(b.bool_id, 0);
    assert_int_equal(b.size, 0);
    b = (struct xen_flask_boolean){ .size = 0 };
    assert_int_equal(bool_op(dom[U1], FLASK_GETBOOL, 0, &b), 0);
    assert_int_equal(b.size, 0);

    /* SETBOOL without commit: pending only, decisions unchanged. */
    assert_false(iso_may_map());
    assert_int_equal(flask_has_perm(iso, dom[DOM0]->ssid, grant,
                                    perm(grant, "map_read")), -EACCES);
    b = (struct xen_flask_boolean){ .new_value = 9 };
    assert_int_equal(bool_op(dom[DOM0], FLASK_SETBOOL, 0, &b), 0);
    assert_int_equal(b.enforcing, 0);
    assert_int_equal(b.pending, 1);
    assert_int_equal(flask_policy_seqno(), seqno);
    assert_false(iso_may_map());
    b = (struct xen_flask_boolean){ 0 };
    assert_int_equal(bool_op(dom[U2], FLASK_GETBOOL, 0, &b), 0);
    assert_int_equal(b.enforcing, 0);
    assert_int_equal(b.pending, 1);
    /* COMMITBOOLS: in force; a new sequence number; the AVC forgets. */
    op = (struct xen_flask_op){ .cmd = FLASK_COMMITBOOLS };
    expect_error(dom[U1], &op, -EACCES);
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    assert_int_equal(flask_policy_seqno(), seqno + 1);
    assert_true(iso_may_map());
    assert_int_equal(flask_has_perm(iso, dom[DOM0]->ssid, grant,
                                    perm(grant, "map_read")), 0);
    b = (struct xen_flask_boolean){ 0 };
    assert_int_equal(bool_op(dom[U2], FLASK_GETBOOL, 0, &b), 0);
    assert_int_equal(b.enforcing, 1);
    assert_int_equal(b.pending, 1);

    /* SETBOOL by name with commit: in force at once. */
    b = (struct xen_flask_boolean){ .new_value = 0, .commit = 1,
        .size = sizeof(name) - 1,
        .name = put_buf(dom[DOM0], name, sizeof(name) - 1) };
    assert_int_equal(bool_op(dom[DOM0], FLASK_SETBOOL, 0xffffffff, &b), 0);
    assert_int_equal(b.bool_id, 0);
    assert_int_equal(b.enforcing, 0);
    assert_int_equal(b.pending, 0);
    assert_int_equal(flask_policy_seqno(), seqno + 2);
    assert_false(iso_may_map());
    assert_int_equal(flask_has_perm(iso, dom[DOM0]->ssid, grant,
                                    perm(grant, "map_read")), -EACCES);

    /* A reload keeps the value in force and drops what was pending. */
    b = (struct xen_flask_boolean){ .new_value = 1, .commit = 1 };
    assert_int_equal(bool_op(dom[DOM0], FLASK_SETBOOL, 0, &b), 0);
    b = (struct xen_flask_boolean){ .new_value = 0 };
    assert_int_equal(bool_op(dom[DOM0], FLASK_SETBOOL, 0, &b), 0);
    assert_int_equal(b.pending, 0);
    assert_int_equal(flask_load_policy(xsm_builtin_policy,
                                       xsm_builtin_policy_size), 0);
    b = (struct xen_flask_boolean){ 0 };
    assert_int_equal(bool_op(dom[U1], FLASK_GETBOOL, 0, &b), 0);
    assert_int_equal(b.enforcing, 1);
    assert_int_equal(b.pending, 1);
    assert_true(iso_may_map());
    /* Nothing pending since the load: COMMITBOOLS changes nothing. */
    seqno = flask_policy_seqno();
    op = (struct xen_flask_op){ .cmd = FLASK_COMMITBOOLS };
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    assert_int_equal(flask_policy_seqno(), seqno);
    assert_true(iso_may_map());

    /* Errors, each leaving everything as it was. */
    op = (struct xen_flask_op){ .cmd = FLASK_GETBOOL,
        .u.boolean = { .bool_id = 1 } };
    expect_error(dom[U1], &op, -ENOENT);          /* no boolean 1 */
    op.u.boolean.bool_id = 0xfffffffe;
    expect_error(dom[U1], &op, -ENOENT);
    op.u.boolean = (struct xen_flask_boolean){ .bool_id = 0, .size = 4,
                                               .name = BUF_GFN << 12 };
    expect_error(dom[U1], &op, -ERANGE);          /* name does not fit */
    op.u.boolean.size = sizeof(out);
    op.u.boolean.name = NOT_RAM_GFN << 12;
    expect_error(dom[U1], &op, -EFAULT);
    put_buf(dom[U1], "allow_iso", 9);
    op.u.boolean = (struct xen_flask_boolean){ .bool_id = 0xffffffff,
        .size = 9, .name = BUF_GFN << 12 };
    expect_error(dom[U1], &op, -ENOENT);          /* no such name */
    op.u.boolean.size = 0;
    expect_error(dom[U1], &op, -ENOENT);
    op.u.boolean.size = 4097;                     /* over a page */
    expect_error(dom[U1], &op, -ENOENT);
    op.u.boolean.size = 9;
    op.u.boolean.name = NOT_RAM_GFN << 12;
    expect_error(dom[U1], &op, -EFAULT);

    op = (struct xen_flask_op){ .cmd = FLASK_SETBOOL,
        .u.boolean = { .bool_id = 0, .new_value = 0, .commit = 1 } };
    expect_error(dom[U1], &op, -EACCES);          /* no setbool */
    expect_error(dom[UNL], &op, -EACCES);
    op.u.boolean.bool_id = 1;
    expect_error(dom[DOM0], &op, -ENOENT);
    op.u.boolean.commit = 0;
    expect_error(dom[DOM0], &op, -ENOENT);
    op.u.boolean = (struct xen_flask_boolean){ .bool_id = 0xffffffff,
        .size = 9, .name = BUF_GFN << 12 };
    put_buf(dom[DOM0], "allow_iso", 9);
    expect_error(dom[DOM0], &op, -ENOENT);
    op.u.boolean.name = NOT_RAM_GFN << 12;
    expect_error(dom[DOM0], &op, -EFAULT);
    op = (struct xen_flask_op){ .cmd = FLASK_COMMITBOOLS };
    expect_error(dom[UNL], &op, -EACCES);
    assert_true(iso_may_map());
    assert_int_equal(xsm_check(), 0);
}

/*
 * Before any policy (flask=late) every check passes but there is no
 * boolean: GETBOOL and SETBOOL, by number or name, are -ENOENT, and
 * COMMITBOOLS changes nothing.  After a load the policy's booleans answer.
 */
static void test_booleans_before_policy(void **state)
{
    static const char name[] = "allow_iso_grants";
    struct xen_flask_boolean b;
    struct xen_flask_op op;
    static const uint32_t cmds[] = { FLASK_GETBOOL, FLASK_SETBOOL };
    unsigned int i;

    (void)state;
    assert_int_equal(flask_policy_seqno(), 0);
    for ( i = 0; i < 2; i++ )
    {
        op = (struct xen_flask_op){ .cmd = cmds[i],
            .u.boolean = { .bool_id = 0, .new_value = 1, .commit = 1 } };
        expect_error(dom[DOM0], &op, -ENOENT);
        op.u.boolean.commit = 0;
        expect_error(dom[U1], &op, -ENOENT);
        op.u.boolean.bool_id = 0xffffffff;
        op.u.boolean.size = sizeof(name) - 1;
        op.u.boolean.name = put_buf(dom[U1], name, sizeof(name) - 1);
        expect_error(dom[U1], &op, -ENOENT);
    }
    op = (struct xen_flask_op){ .cmd = FLASK_COMMITBOOLS };
    assert_int_equal(xsm_op(dom[U1], &op), 0);
    assert_int_equal(flask_policy_seqno(), 0);

    op = (struct xen_flask_op){ .cmd = FLASK_LOAD,
        .u.load = { .buffer = put_buf(dom[DOM0], xsm_builtin_policy,
                                      xsm_builtin_policy_size),
                    .size = (uint32_t)xsm_builtin_policy_size } };
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    b = (struct xen_flask_boolean){ .size = sizeof(name) - 1,
        .name = put_buf(dom[U1], name, sizeof(name) - 1) };
    assert_int_equal(bool_op(dom[U1], FLASK_GETBOOL, 0xffffffff, &b), 0);
    assert_int_equal(b.bool_id, 0);
    assert_int_equal(b.enforcing, 0);
    assert_int_equal(b.pending, 0);
}

/*
 * Every allocation an op makes fails cleanly: -ENOMEM, and nothing the
 * guest or the policy shows has changed (expect_error).  The copied-in
 * context and boolean names; and each allocation of a reload, whose
 * booleans keep the values they had.
 */
static void test_alloc_failures(void **state)
{
    static const char name[] = "allow_iso_grants";
    static const char ctx[] = "system_u:system_r:domU_t";
    struct xen_flask_boolean b;
    struct xen_flask_op op;
    struct fault_walk w;
    uint32_t seqno;
    long rc;

    (void)state;
    op = (struct xen_flask_op){ .cmd = FLASK_CONTEXT_TO_SID,
        .u.sid_context = { .size = sizeof(ctx) - 1,
                           .context = put_buf(dom[U1], ctx,
                                              sizeof(ctx) - 1) } };
    sim_fault_arm(HAL_FAULT_XMALLOC, 1);
    expect_error(dom[U1], &op, -ENOMEM);
    assert_true(sim_fault_fired());

    op = (struct xen_flask_op){ .cmd = FLASK_GETBOOL,
        .u.boolean = { .bool_id = 0xffffffff, .size = sizeof(name) - 1,
                       .name = put_buf(dom[DOM0], name,
                                       sizeof(name) - 1) } };
    sim_fault_arm(HAL_FAULT_XMALLOC, 1);
    expect_error(dom[DOM0], &op, -ENOMEM);
    assert_true(sim_fault_fired());
    op.cmd = FLASK_SETBOOL;
    op.u.boolean.new_value = 1;
    op.u.boolean.commit = 1;
    sim_fault_arm(HAL_FAULT_XMALLOC, 1);
    expect_error(dom[DOM0], &op, -ENOMEM);
    assert_true(sim_fault_fired());
    b = (struct xen_flask_boolean){ 0 };
    assert_int_equal(bool_op(dom[DOM0], FLASK_GETBOOL, 0, &b), 0);
    assert_int_equal(b.enforcing, 0);

    /* A reload with the boolean on: each allocation fails in turn. */
    b = (struct xen_flask_boolean){ .new_value = 1, .commit = 1 };
    assert_int_equal(bool_op(dom[DOM0], FLASK_SETBOOL, 0, &b), 0);
    seqno = flask_policy_seqno();
    op = (struct xen_flask_op){ .cmd = FLASK_LOAD,
        .u.load = { .buffer = put_buf(dom[DOM0], xsm_builtin_policy,
                                      xsm_builtin_policy_size),
                    .size = (uint32_t)xsm_builtin_policy_size } };
    fault_walk_init(&w, HAL_FAULT_XMALLOC, 100000);
    while ( fault_walk_next(&w) )
    {
        fault_walk_arm(&w);
        rc = xsm_op(dom[DOM0], &op);
        if ( !fault_walk_failed(&w, rc, -ENOMEM) )
            break;
        assert_int_equal(flask_policy_seqno(), seqno);
        assert_true(iso_may_map());
        assert_int_equal(xsm_check(), 0);
    }
    /* No xmalloc failure is absorbed: the first success is the last run. */
    assert_true(fault_walk_done(&w));
    assert_int_equal(flask_policy_seqno(), seqno + 1);
    assert_true(w.failed >= 2);                   /* the buffer, and more */
    b = (struct xen_flask_boolean){ 0 };
    assert_int_equal(bool_op(dom[DOM0], FLASK_GETBOOL, 0, &b), 0);
    assert_int_equal(b.enforcing, 1);
    assert_true(iso_may_map());
}

/*
 * A reload keeps the booleans' values in force by name, not by number:
 * hvcore-bools declares sixteen more booleans (libxsm/policy/
 * booleans.reorder), and allow_iso_grants is not number 0 there.
 */
static void test_booleans_kept_by_name(void **state)
{
    static const char name[] = "allow_iso_grants";
    struct xen_flask_boolean b;
    struct xen_flask_op op;
    char path[1024], out[64];
    uint32_t id;
    size_t size;
    void *bools;

    (void)state;
    snprintf(path, sizeof(path), "%s/hvcore-bools.30", policy_dir);
    bools = xsm_read_policy(path, &size);
    assert_non_null(bools);
    b = (struct xen_flask_boolean){ .new_value = 1, .commit = 1 };
    assert_int_equal(bool_op(dom[DOM0], FLASK_SETBOOL, 0, &b), 0);

    op = (struct xen_flask_op){ .cmd = FLASK_LOAD,
        .u.load = { .buffer = put_buf(dom[DOM0], bools, size),
                    .size = (uint32_t)size } };
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    b = (struct xen_flask_boolean){ .size = sizeof(name) - 1,
        .name = put_buf(dom[DOM0], name, sizeof(name) - 1) };
    assert_int_equal(bool_op(dom[DOM0], FLASK_GETBOOL, 0xffffffff, &b), 0);
    id = b.bool_id;
    assert_int_not_equal(id, 0);
    assert_int_equal(b.enforcing, 1);
    assert_int_equal(b.pending, 1);
    assert_true(iso_may_map());
    /* Number 0 is a spare boolean, with its own default. */
    b = (struct xen_flask_boolean){ .size = sizeof(out),
                                    .name = BUF_GFN << 12 };
    assert_int_equal(bool_op(dom[DOM0], FLASK_GETBOOL, 0, &b), 0);
    assert_int_equal(b.enforcing, 0);
    assert_int_equal(b.pending, 0);
    memset(out, 0, sizeof(out));
    assert_int_equal(copy_from_guest_phys(dom[DOM0], out, BUF_GFN << 12,
                                          b.size), 0);
    assert_int_equal(strncmp(out, "spare", 5), 0);
    assert_int_equal(b.size, strlen(out));

    /* And back, spare0 on and allow_iso_grants off: it stays off. */
    b = (struct xen_flask_boolean){ .new_value = 1, .commit = 1 };
    assert_int_equal(bool_op(dom[DOM0], FLASK_SETBOOL, 0, &b), 0);
    b = (struct xen_flask_boolean){ .new_value = 0, .commit = 1 };
    assert_int_equal(bool_op(dom[DOM0], FLASK_SETBOOL, id, &b), 0);
    assert_false(iso_may_map());
    op = (struct xen_flask_op){ .cmd = FLASK_LOAD,
        .u.load = { .buffer = put_buf(dom[DOM0], xsm_builtin_policy,
                                      xsm_builtin_policy_size),
                    .size = (uint32_t)xsm_builtin_policy_size } };
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    b = (struct xen_flask_boolean){ 0 };
    assert_int_equal(bool_op(dom[DOM0], FLASK_GETBOOL, 0, &b), 0);
    assert_int_equal(b.enforcing, 0);
    assert_int_equal(b.pending, 0);
    assert_false(iso_may_map());
    op = (struct xen_flask_op){ .cmd = FLASK_GETBOOL,
        .u.boolean = { .bool_id = 1 } };
    expect_error(dom[DOM0], &op, -ENOENT);
    free(bools);
}

/* Issues event_channel_op `cmd` as `d`; the argument goes through EVT_GFN. */
static long evtchn_op(struct domain *d, unsigned int cmd, void *arg,
                      size_t size)
{
    return world_guest_op(d, 0, __HYPERVISOR_event_channel_op, cmd, EVT_GFN,
                          arg, size);
}

/* GET_PEER_SID: the other end's domain sid, for interdomain ports only. */
static void test_get_peer_sid(void **state)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 1 };
    struct evtchn_bind_interdomain bi = { .remote_dom = 0 };
    struct evtchn_close cl;
    struct xen_flask_op op;
    uint32_t p0, p1;

    (void)state;
    assert_int_equal(evtchn_op(dom[DOM0], EVTCHNOP_alloc_unbound, &au,
                               sizeof(au)), 0);
    p0 = au.port;
    bi.remote_port = p0;
    assert_int_equal(evtchn_op(dom[U1], EVTCHNOP_bind_interdomain, &bi,
                               sizeof(bi)), 0);
    p1 = bi.local_port;

    /* No permission needed; each end sees the other's domain. */
    op = (struct xen_flask_op){ .cmd = FLASK_GET_PEER_SID,
                                .u.peersid = { .evtchn = p1 } };
    assert_int_equal(xsm_op(dom[U1], &op), 0);
    assert_int_equal(op.u.peersid.sid, dom[DOM0]->ssid);
    op.u.peersid = (struct xen_flask_peersid){ .evtchn = p0 };
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    assert_int_equal(op.u.peersid.sid, dom[U1]->ssid);

    /* Not valid, not interdomain (reserved port 0, unbound): -EINVAL. */
    op.u.peersid = (struct xen_flask_peersid){ .evtchn = 100000, .sid = 5 };
    expect_error(dom[U1], &op, -EINVAL);
    op.u.peersid.evtchn = 0;
    expect_error(dom[U1], &op, -EINVAL);
    op.u.peersid.evtchn = p1;
    expect_error(dom[U2], &op, -EINVAL);          /* U2 has no such port */
    cl.port = p1;
    assert_int_equal(evtchn_op(dom[U1], EVTCHNOP_close, &cl, sizeof(cl)), 0);
    op.u.peersid.evtchn = p0;                     /* now unbound */
    expect_error(dom[DOM0], &op, -EINVAL);
}

/* AVC_HASHSTATS and AVC_CACHESTATS report the AVC's state. */
static void test_avc_stats(void **state)
{
    uint16_t grant = flask_class_by_name("grant");
    struct flask_avc_stats all;
    struct xen_flask_op op;
    uint64_t lookups = 0;
    unsigned int cpu;

    (void)state;
    flask_avc_flush();
    assert_int_equal(flask_has_perm(dom[U1]->ssid, dom[U1]->ssid, grant,
                                    perm(grant, "query")), 0);
    op = (struct xen_flask_op){ .cmd = FLASK_AVC_HASHSTATS };
    assert_int_equal(xsm_op(dom[U1], &op), 0);
    assert_int_equal(op.u.hash_stats.buckets_total, 512);
    assert_true(op.u.hash_stats.entries >= 1);
    assert_true(op.u.hash_stats.buckets_used >= 1);
    assert_true(op.u.hash_stats.buckets_used <= op.u.hash_stats.entries);
    assert_true(op.u.hash_stats.max_chain_len >= 1);

    for ( cpu = 0; cpu < hal_cpu_count(); cpu++ )
    {
        op = (struct xen_flask_op){ .cmd = FLASK_AVC_CACHESTATS,
                                    .u.cache_stats.cpu = cpu };
        assert_int_equal(xsm_op(dom[U1], &op), 0);
        assert_true(op.u.cache_stats.hits + op.u.cache_stats.misses <=
                    op.u.cache_stats.lookups);
        lookups += op.u.cache_stats.lookups;
    }
    flask_avc_stats(&all);
    assert_int_equal(lookups, (uint32_t)all.lookups);
    assert_true(lookups >= 1);
    op = (struct xen_flask_op){ .cmd = FLASK_AVC_CACHESTATS,
                                .u.cache_stats = { .cpu = hal_cpu_count(),
                                                   .lookups = 9 } };
    expect_error(dom[U1], &op, -ENOENT);
    op.u.cache_stats.cpu = 0xffffffffU;
    expect_error(dom[U1], &op, -ENOENT);
}

/*
 * LOAD: dom0 reloads the built-in policy (sequence number +1, decisions
 * kept); a guest without `load_policy`, bad sizes, an unreadable buffer
 * and damaged images are refused and the old policy stays in force.
 */
static void test_load(void **state)
{
    uint16_t grant = flask_class_by_name("grant");
    size_t size = xsm_builtin_policy_size;
    unsigned char *bad = malloc(size);
    struct flask_av before, after;
    struct xen_flask_op op;
    uint32_t seqno = flask_policy_seqno();
    static const struct {
        size_t off;        /* byte to damage, or SIZE_MAX for none */
        size_t len;        /* bytes given (0: the whole image) */
    } damaged[] = {
        { 0, 0 },          /* magic */
        { 8, 0 },          /* "XenFlask" */
        { 16, 0 },         /* policy version */
        { SIZE_MAX, 1 },   /* truncations */
        { SIZE_MAX, 31 },
        { SIZE_MAX, 200 },
    };
    unsigned int i;

    (void)state;
    assert_non_null(bad);
    assert_int_equal(flask_compute_av(dom[U1]->ssid, dom[DOM0]->ssid, grant,
                                      &before), 0);
    op = (struct xen_flask_op){ .cmd = FLASK_LOAD,
        .u.load = { .buffer = put_buf(dom[DOM0], xsm_builtin_policy, size),
                    .size = (uint32_t)size } };
    assert_int_equal(xsm_op(dom[DOM0], &op), 0);
    assert_int_equal(flask_policy_seqno(), seqno + 1);
    seqno++;
    assert_int_equal(flask_compute_av(dom[U1]->ssid, dom[DOM0]->ssid, grant,
                                      &after), 0);
    assert_int_equal(after.allowed, before.allowed);
    assert_int_equal(after.seqno, seqno);
    assert_int_equal(xsm_check(), 0);

    /* Refusals. */
    put_buf(dom[U1], xsm_builtin_policy, size);
    op.u.load.buffer = BUF_GFN << 12;
    expect_error(dom[U1], &op, -EACCES);
    expect_error(dom[UNL], &op, -EACCES);
    op.u.load.size = 0;
    expect_error(dom[DOM0], &op, -EINVAL);
    op.u.load.size = (64U << 20) + 1;
    expect_error(dom[DOM0], &op, -EINVAL);
    op.u.load.size = (uint32_t)size;
    op.u.load.buffer = NOT_RAM_GFN << 12;
    expect_error(dom[DOM0], &op, -EFAULT);
    op.u.load.buffer = (RAM_PAGES << 12) - 16;    /* runs off the end */
    expect_error(dom[DOM0], &op, -EFAULT);
    for ( i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++ )
    {
        memcpy(bad, xsm_builtin_policy, size);
        if ( damaged[i].off != SIZE_MAX )
            bad[damaged[i].off] ^= 0x5a;
        op = (struct xen_flask_op){ .cmd = FLASK_LOAD,
            .u.load = { .buffer = put_buf(dom[DOM0], bad, size),
                        .size = damaged[i].len ? (uint32_t)damaged[i].len
                                               : (uint32_t)size } };
        expect_error(dom[DOM0], &op, -EINVAL);
    }
    /* Still the same policy, deciding as before. */
    assert_int_equal(flask_policy_seqno(), seqno);
    assert_int_equal(flask_compute_av(dom[U1]->ssid, dom[DOM0]->ssid, grant,
                                      &after), 0);
    assert_int_equal(after.allowed, before.allowed);
    op = (struct xen_flask_op){ .cmd = FLASK_MLS };
    assert_int_equal(xsm_op(dom[U1], &op), 0);
    free(bad);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setenforce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_context_sid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_relabel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_booleans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_booleans_before_policy,
                                        setup_late, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_booleans_kept_by_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_get_peer_sid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_avc_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load, setup, teardown),
    };

    if ( argc < 2 )
        return 2;
    policy_dir = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
