/* SPDX-License-Identifier: MIT */
/*
 * The dummy policy's decision matrix (Xen's xen/include/xsm/dummy.h):
 * every default action for every relation between the acting and the
 * target domain, then every hook through its wrapper.
 *
 * Built twice: with XSM_TEST_INLINE_ONLY the wrappers are the inlined
 * dummy checks of a dummy-only build; otherwise the test links libxsm as
 * configured and installs the dummy provider with `xsm_init`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <common/subsys.h>
#include <libxsm/xsm.h>

enum who { DOM0, A, B, DM_A, NONE, WHO_COUNT };

struct world {
    struct domain d[NONE];
};

static struct domain *dom(struct world *w, enum who x)
{
    return x == NONE ? NULL : &w->d[x];
}

static int world_setup(void **state)
{
    static struct world w;

    memset(&w, 0, sizeof(w));
    w.d[DOM0].domain_id = 0;
    w.d[DOM0].is_privileged = true;
    w.d[A].domain_id = 1;
    w.d[B].domain_id = 2;
    w.d[DM_A].domain_id = 3;
    w.d[DM_A].target = &w.d[A];
#ifndef XSM_TEST_INLINE_ONLY
    /* A FLASK-only build has no dummy provider: the tests skip. */
    if ( xsm_set_provider(XSM_PROVIDER_DUMMY) == -EOPNOTSUPP )
    {
        *state = NULL;
        return 0;
    }
    assert_int_equal(xsm_init(), 0);
    assert_int_equal(xsm_current_provider(), XSM_PROVIDER_DUMMY);
#endif
    *state = &w;
    return 0;
}

/* Skips the test when the dummy provider is not built in. */
#define NEED_DUMMY(w)                                                      \
    do {                                                                   \
        if ( !(w) )                                                        \
        {                                                                  \
            print_message("dummy XSM provider not built: skipped\n");      \
            skip();                                                        \
        }                                                                  \
    } while ( 0 )

static int world_teardown(void **state)
{
#ifndef XSM_TEST_INLINE_ONLY
    if ( !*state )
        return 0;
    assert_int_equal(xsm_check(), 0);
    xsm_fini();
#endif
    return 0;
}

/*
 * Expected results, written out: rows are the acting domain, columns the
 * target (dom0, A, B, A's device model, no target).  0 allows, 1 is -EPERM.
 */
static const unsigned char expect_target[4][WHO_COUNT] = {
    /*            dom0 A  B  DM_A NONE */
    [DOM0] = {    0,   0, 0, 0,   0 },
    [A]    = {    1,   0, 1, 1,   1 },
    [B]    = {    1,   1, 0, 1,   1 },
    [DM_A] = {    1,   0, 1, 0,   1 },
};
static const unsigned char expect_dm_priv[4][WHO_COUNT] = {
    [DOM0] = {    0,   0, 0, 0,   0 },
    [A]    = {    1,   1, 1, 1,   1 },
    [B]    = {    1,   1, 1, 1,   1 },
    [DM_A] = {    1,   0, 1, 1,   1 },
};
static const unsigned char expect_priv[4][WHO_COUNT] = {
    [DOM0] = {    0,   0, 0, 0,   0 },
    [A]    = {    1,   1, 1, 1,   1 },
    [B]    = {    1,   1, 1, 1,   1 },
    [DM_A] = {    1,   1, 1, 1,   1 },
};

static int expected(xsm_default_t action, enum who s, enum who t)
{
    switch ( action )
    {
    case XSM_HOOK:
        return 0;
    case XSM_TARGET:
        return expect_target[s][t] ? -EPERM : 0;
    case XSM_DM_PRIV:
    case XSM_XS_PRIV:
        return expect_dm_priv[s][t] ? -EPERM : 0;
    case XSM_PRIV:
        return expect_priv[s][t] ? -EPERM : 0;
    default:
        return -EPERM;
    }
}

static void test_default_action_matrix(void **state)
{
    struct world *w = *state;

    NEED_DUMMY(w);
    static const xsm_default_t actions[] = {
        XSM_HOOK, XSM_DM_PRIV, XSM_TARGET, XSM_PRIV, XSM_XS_PRIV, XSM_OTHER,
    };
    unsigned int i, s, t;

    for ( i = 0; i < sizeof(actions) / sizeof(actions[0]); i++ )
        for ( s = DOM0; s <= DM_A; s++ )
            for ( t = DOM0; t < WHO_COUNT; t++ )
            {
                int rc = xsm_default_action(actions[i], dom(w, s), dom(w, t));

                if ( rc != expected(actions[i], s, t) )
                    fail_msg("action %d src %u tgt %u: got %d", actions[i],
                             s, t, rc);
            }
}

/* Each hook through its wrapper, with the action Xen's call site names. */
struct hook_case {
    const char *name;
    xsm_default_t action;
    int (*call)(struct domain *s, struct domain *t);
};

static int c_unbound(struct domain *s, struct domain *t)
{
    union xsm_evtchn_ssid ssid = { 0 };

    return xsm_evtchn_unbound(XSM_TARGET, s, t, &ssid, 0);
}

static int c_interdomain(struct domain *s, struct domain *t)
{
    union xsm_evtchn_ssid l = { 0 }, r = { 0 };

    return xsm_evtchn_interdomain(XSM_HOOK, s, &l, t, &r);
}

static int c_send(struct domain *s, struct domain *t)
{
    union xsm_evtchn_ssid ssid = { 0 };

    return xsm_evtchn_send(XSM_HOOK, s, &ssid, XSM_ECS_INTERDOMAIN);
}

static int c_status(struct domain *s, struct domain *t)
{
    union xsm_evtchn_ssid ssid = { 0 };

    return xsm_evtchn_status(XSM_TARGET, s, t, &ssid);
}

static int c_reset(struct domain *s, struct domain *t)
{
    return xsm_evtchn_reset(XSM_TARGET, s, t);
}

static int c_mapref(struct domain *s, struct domain *t)
{
    return xsm_grant_mapref(XSM_HOOK, s, t, XSM_GNTMAP_READONLY);
}

static int c_unmapref(struct domain *s, struct domain *t)
{
    return xsm_grant_unmapref(XSM_HOOK, s, t);
}

static int c_setup(struct domain *s, struct domain *t)
{
    return xsm_grant_setup(XSM_TARGET, s, t);
}

static int c_transfer(struct domain *s, struct domain *t)
{
    return xsm_grant_transfer(XSM_HOOK, s, t);
}

static int c_copy(struct domain *s, struct domain *t)
{
    return xsm_grant_copy(XSM_HOOK, s, t);
}

static int c_query(struct domain *s, struct domain *t)
{
    return xsm_grant_query_size(XSM_TARGET, s, t);
}

static int c_exchange(struct domain *s, struct domain *t)
{
    return xsm_memory_exchange(XSM_TARGET, s, t);
}

static int c_adjust(struct domain *s, struct domain *t)
{
    return xsm_memory_adjust_reservation(XSM_TARGET, s, t);
}

static int c_stat(struct domain *s, struct domain *t)
{
    return xsm_memory_stat_reservation(XSM_TARGET, s, t);
}

static int c_add_physmap(struct domain *s, struct domain *t)
{
    return xsm_add_to_physmap(XSM_TARGET, s, t);
}

static int c_remove_physmap(struct domain *s, struct domain *t)
{
    return xsm_remove_from_physmap(XSM_TARGET, s, t);
}

static const struct hook_case hook_cases[] = {
    { "evtchn_unbound", XSM_TARGET, c_unbound },
    { "evtchn_interdomain", XSM_HOOK, c_interdomain },
    { "evtchn_send", XSM_HOOK, c_send },
    { "evtchn_status", XSM_TARGET, c_status },
    { "evtchn_reset", XSM_TARGET, c_reset },
    { "grant_mapref", XSM_HOOK, c_mapref },
    { "grant_unmapref", XSM_HOOK, c_unmapref },
    { "grant_setup", XSM_TARGET, c_setup },
    { "grant_transfer", XSM_HOOK, c_transfer },
    { "grant_copy", XSM_HOOK, c_copy },
    { "grant_query_size", XSM_TARGET, c_query },
    { "memory_exchange", XSM_TARGET, c_exchange },
    { "memory_adjust_reservation", XSM_TARGET, c_adjust },
    { "memory_stat_reservation", XSM_TARGET, c_stat },
    { "add_to_physmap", XSM_TARGET, c_add_physmap },
    { "remove_from_physmap", XSM_TARGET, c_remove_physmap },
};

static void test_hooks(void **state)
{
    struct world *w = *state;

    NEED_DUMMY(w);
    unsigned int i, s, t;

    for ( i = 0; i < sizeof(hook_cases) / sizeof(hook_cases[0]); i++ )
        for ( s = DOM0; s <= DM_A; s++ )
            for ( t = DOM0; t <= DM_A; t++ )
            {
                int rc = hook_cases[i].call(dom(w, s), dom(w, t));

                if ( rc != expected(hook_cases[i].action, s, t) )
                    fail_msg("%s src %u tgt %u: got %d", hook_cases[i].name,
                             s, t, rc);
            }
}

/* The non-check hooks: labelling does nothing, xsm_op is not there. */
static void test_labelling_and_op(void **state)
{
    struct world *w = *state;

    NEED_DUMMY(w);
    struct domain_config cfg;
    union xsm_evtchn_ssid ssid = { 0x1234 };

    memset(&cfg, 0, sizeof(cfg));
    cfg.label = "system_u:system_r:domU_t";
    w->d[A].ssid = 0;
    assert_int_equal(xsm_alloc_security_domain(&w->d[A], &cfg), 0);
    assert_int_equal(w->d[A].ssid, 0);
    xsm_free_security_domain(&w->d[A]);
    xsm_alloc_security_evtchn(&ssid);
    xsm_evtchn_close_post(&ssid);
    xsm_free_security_evtchn(&ssid);
    assert_int_equal(ssid.flask_sid, 0x1234);
    assert_int_equal(xsm_do_xsm_op(&w->d[DOM0], 0x1000), -ENOSYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_action_matrix,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_hooks, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_labelling_and_op, world_setup,
                                        world_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
