/* SPDX-License-Identifier: MIT */
/*
 * FLASK with the policies the build compiles (argv[1]: their directory):
 * domain labels, hook decisions, policy reload keeping channel sids,
 * rejected loads leaving the old policy whole, and the AVC never using a
 * decision of an older policy while other pCPUs check permissions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <common/init.h>
#include <common/subsys.h>
#include <hal_sim/sim.h>
#include <libxsm/flask.h>
#include <libxsm/xsm.h>

#include "hvsim_xsm.h"

static const char *policy_dir;

struct blob {
    char *data;
    size_t size;
};

static struct blob load_file(const char *name)
{
    char path[1024];
    struct blob b = { NULL, 0 };

    snprintf(path, sizeof(path), "%s/%s", policy_dir, name);
    b.data = xsm_read_policy(path, &b.size);
    assert_non_null(b.data);
    return b;
}

enum { DOM0, A, B, DM_A, ISO, NDOMS };

struct world {
    struct blob policy;
    struct domain *d[NDOMS];
};

static struct world w;

static void make_domain(int idx, domid_t id, bool priv, domid_t target,
                        const char *label)
{
    struct domain_config cfg;

    domain_config_default(&cfg);
    cfg.privileged = priv;
    cfg.target = target;
    cfg.label = label;
    assert_int_equal(domain_create(id, &cfg, &w.d[idx]), 0);
}

static int setup_with(const char *policy)
{
    struct sim_config cfg = { .mem_bytes = 64UL << 20, .cpus = 4 };

    memset(&w, 0, sizeof(w));
    w.policy = load_file(policy);
    if ( sim_init(&cfg) )
        return -1;
    if ( xsm_set_provider(XSM_PROVIDER_FLASK) ||
         xsm_set_boot_policy(w.policy.data, w.policy.size) || hvcore_init() )
        return -1;
    make_domain(DOM0, 0, true, DOMID_INVALID, NULL);
    make_domain(A, 1, false, DOMID_INVALID, NULL);
    make_domain(B, 2, false, DOMID_INVALID, NULL);
    make_domain(DM_A, 3, false, 1, NULL);
    make_domain(ISO, 4, false, DOMID_INVALID,
                strstr(policy, "mls") ? "system_u:system_r:iso_t:s0"
                                      : "system_u:system_r:iso_t");
    return 0;
}

/* FLASK explicitly, without a policy: every check passes until a load. */
static int setup_none(void **state)
{
    struct sim_config cfg = { .mem_bytes = 64UL << 20, .cpus = 4 };

    memset(&w, 0, sizeof(w));
    if ( sim_init(&cfg) )
        return -1;
    if ( xsm_set_provider(XSM_PROVIDER_FLASK) || hvcore_init() )
        return -1;
    return 0;
}

static int setup_plain(void **state) { return setup_with("hvcore-plain.30"); }
static int setup_plain24(void **state) { return setup_with("hvcore-plain.24"); }
static int setup_mls(void **state) { return setup_with("hvcore-mls.30"); }

static int teardown(void **state)
{
    int i;

    assert_int_equal(xsm_check(), 0);
    for ( i = 0; i < NDOMS; i++ )
        if ( w.d[i] )
            put_domain(w.d[i]);
    hvcore_fini();
    sim_fini();
    free(w.policy.data);
    return 0;
}

static void expect_context(uint32_t sid, const char *ctx)
{
    char buf[256];

    assert_true(flask_sid_to_context(sid, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, ctx);
}

static bool is_mls(void)
{
    char buf[256];

    assert_true(flask_sid_to_context(w.d[DOM0]->ssid, buf, sizeof(buf)) > 0);
    return strstr(buf, ":s0") != NULL;
}

static void test_domain_labels(void **state)
{
    const char *suffix = is_mls() ? ":s0" : "";
    char want[128];

    assert_int_equal(w.d[DOM0]->ssid, 3);   /* SECINITSID_DOM0 */
    assert_int_equal(w.d[A]->ssid, 12);     /* SECINITSID_DOMU */
    assert_int_equal(w.d[DM_A]->ssid, 13);  /* SECINITSID_DOMDM */
    snprintf(want, sizeof(want), "system_u:system_r:iso_t%s", suffix);
    expect_context(w.d[ISO]->ssid, want);
    snprintf(want, sizeof(want), "system_u:system_r:dm_dom_t%s", suffix);
    expect_context(w.d[DM_A]->ssid, want);
}

/*
 * A sid the table does not hold reads as the unlabeled initial sid's
 * context, as in Xen (sidtab_search remaps it); so does SECSID_NULL.
 */
static void test_unknown_sid_is_unlabeled(void **state)
{
    const char *unl = is_mls() ? "system_u:system_r:unlabeled_t:s0"
                               : "system_u:system_r:unlabeled_t";
    char buf[64];

    (void)state;
    expect_context(0, unl);
    expect_context(6, unl);
    expect_context(w.d[ISO]->ssid + 1000, unl);
    expect_context(0xffffffffU, unl);
    /* Too small: the length it needs, the prefix that fits. */
    assert_int_equal(flask_sid_to_context(12345, buf, 8), strlen(unl) + 1);
    assert_string_equal(buf, "system_");
}

/* Before any policy an initial sid reads as its name; others are -EINVAL. */
static void test_sid_names_before_policy(void **state)
{
    static const char *const names[] = {
        "null", "xenboot", "xen", "dom0", "domio", "domxen", "unlabeled",
        "security", "ioport", "iomem", "irq", "device", "domU", "domDM",
    };
    char buf[16];
    uint32_t sid;

    (void)state;
    assert_int_equal(flask_policy_seqno(), 0);
    for ( sid = 0; sid < sizeof(names) / sizeof(names[0]); sid++ )
    {
        assert_int_equal(flask_sid_to_context(sid, buf, sizeof(buf)),
                         strlen(names[sid]) + 1);
        assert_string_equal(buf, names[sid]);
    }
    assert_int_equal(flask_sid_to_context(3, buf, 3), 5);
    assert_string_equal(buf, "do");
    assert_int_equal(flask_sid_to_context(14, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(flask_sid_to_context(0xffffffffU, buf, sizeof(buf)),
                     -EINVAL);
    /* Once a policy is in force the same sids have contexts. */
    w.policy = load_file("hvcore-plain.30");
    assert_int_equal(flask_load_policy(w.policy.data, w.policy.size), 0);
    expect_context(3, "system_u:system_r:dom0_t");
    expect_context(14, "system_u:system_r:unlabeled_t");
}

/* Starts hvcore with FLASK in `mode` and `policy` as the boot policy. */
static int boot_with(enum flask_bootparam mode, const void *policy,
                     size_t size)
{
    struct sim_config cfg = { .mem_bytes = 32UL << 20, .cpus = 2 };

    assert_int_equal(sim_init(&cfg), 0);
    assert_int_equal(xsm_set_provider(XSM_PROVIDER_FLASK), 0);
    assert_int_equal(xsm_set_flask_mode(mode), 0);
    assert_int_equal(xsm_set_boot_policy(policy, size), 0);
    return hvcore_init();
}

static void boot_stop(void)
{
    hvcore_fini();
    sim_fini();
}

/*
 * The boot modes: enforcing refuses to start on a policy that does not
 * load, permissive starts without one, late ignores the boot policy; a
 * good policy loads in enforcing and permissive modes.
 */
static void test_boot_modes(void **state)
{
    struct blob good = load_file("hvcore-plain.30");
    struct blob bad = load_file("hvcore-plain.30");
    uint16_t security = flask_class_by_name("security");
    struct flask_av av;

    (void)state;
    bad.data[16] = 31;                      /* unknown policy version */

    assert_int_equal(boot_with(FLASK_BOOTPARAM_ENFORCING, bad.data,
                               bad.size), -EINVAL);
    xsm_fini();                             /* back to the defaults */
    sim_fini();

    assert_int_equal(boot_with(FLASK_BOOTPARAM_PERMISSIVE, bad.data,
                               bad.size), 0);
    assert_int_equal(xsm_current_provider(), XSM_PROVIDER_FLASK);
    assert_int_equal(flask_policy_seqno(), 0);
    assert_int_equal(flask_compute_av(12, 7, security, &av), 0);
    assert_int_equal(av.allowed, 0xffffffffU);   /* no policy: all */
    boot_stop();

    assert_int_equal(boot_with(FLASK_BOOTPARAM_LATE, good.data, good.size),
                     0);
    assert_int_equal(flask_policy_seqno(), 0);
    assert_int_equal(flask_load_policy(good.data, good.size), 0);
    assert_int_equal(flask_policy_seqno(), 1);
    boot_stop();

    assert_int_equal(boot_with(FLASK_BOOTPARAM_PERMISSIVE, good.data,
                               good.size), 0);
    assert_int_equal(flask_policy_seqno(), 1);
    assert_int_equal(flask_compute_av(12, 7, security, &av), 0);
    assert_int_equal(av.allowed & 0x10, 0);      /* domU: no load_policy */
    assert_int_equal(xsm_check(), 0);
    boot_stop();

    assert_int_equal(boot_with(FLASK_BOOTPARAM_ENFORCING, good.data,
                               good.size), 0);
    assert_int_equal(flask_policy_seqno(), 1);
    boot_stop();
    free(good.data);
    free(bad.data);
}

static void test_bad_label_refused(void **state)
{
    struct domain_config cfg;
    struct domain *d = NULL;

    domain_config_default(&cfg);
    cfg.label = "system_u:system_r:no_such_t";
    assert_int_equal(domain_create(9, &cfg, &d), -EINVAL);
    cfg.label = "system_u:object_r:domU_evchn_t:s0:c9";
    assert_int_equal(domain_create(9, &cfg, &d), -EINVAL);
    assert_null(get_domain_by_id(9));
}

/* Event channels: labels by type_transition, create/bind/send checks. */
static void test_event_channels(void **state)
{
    union xsm_evtchn_ssid c1, c2, c3;
    const char *suffix = is_mls() ? ":s0" : "";
    char want[128];

    xsm_alloc_security_evtchn(&c1);
    assert_int_equal(c1.flask_sid, 6);     /* unlabeled */
    /* A's channel towards B: A's channel type, bound to a peer. */
    assert_int_equal(xsm_evtchn_unbound(XSM_TARGET, w.d[A], w.d[A], &c1, 2),
                     0);
    snprintf(want, sizeof(want), "system_u:object_r:domU_evchn_t%s", suffix);
    expect_context(c1.flask_sid, want);
    assert_int_equal(xsm_evtchn_send(XSM_HOOK, w.d[A], &c1,
                                     XSM_ECS_INTERDOMAIN), 0);
    assert_int_equal(xsm_evtchn_status(XSM_TARGET, w.d[A], w.d[A], &c1), 0);
    /* B binds to it: its own channel, and A's end may bind to B. */
    assert_int_equal(xsm_evtchn_interdomain(XSM_HOOK, w.d[B], &c2, w.d[A],
                                            &c1), 0);
    expect_context(c2.flask_sid, want);
    /* The isolated domain may not reach A, only dom0. */
    c3.flask_sid = 6;
    assert_int_equal(xsm_evtchn_unbound(XSM_TARGET, w.d[ISO], w.d[ISO], &c3,
                                        1), -EACCES);
    assert_int_equal(c3.flask_sid, 6);
    assert_int_equal(xsm_evtchn_unbound(XSM_TARGET, w.d[ISO], w.d[ISO], &c3,
                                        0), 0);
    /* ISO may not send on A's channel (dontaudit: refused silently). */
    assert_int_equal(xsm_evtchn_send(XSM_HOOK, w.d[ISO], &c1,
                                     XSM_ECS_INTERDOMAIN), -EACCES);
    /* IPI channels need nothing; states without a rule are refused. */
    assert_int_equal(xsm_evtchn_send(XSM_HOOK, w.d[ISO], &c1, XSM_ECS_IPI), 0);
    assert_int_equal(xsm_evtchn_send(XSM_HOOK, w.d[ISO], &c1, XSM_ECS_VIRQ),
                     -EPERM);
    /* A remote that does not exist. */
    assert_int_equal(xsm_evtchn_unbound(XSM_TARGET, w.d[A], w.d[A], &c3,
                                        77), -EPERM);
    xsm_evtchn_close_post(&c1);
    assert_int_equal(c1.flask_sid, 6);
    /* Reset: the same type and dom0 may; a guest may not reset dom0. */
    assert_int_equal(xsm_evtchn_reset(XSM_TARGET, w.d[A], w.d[A]), 0);
    assert_int_equal(xsm_evtchn_reset(XSM_TARGET, w.d[DOM0], w.d[A]), 0);
    assert_int_equal(xsm_evtchn_reset(XSM_TARGET, w.d[B], w.d[DOM0]),
                     -EACCES);
}

static void test_grants_and_memory(void **state)
{
    assert_int_equal(xsm_grant_mapref(XSM_HOOK, w.d[A], w.d[B], 0), 0);
    assert_int_equal(xsm_grant_mapref(XSM_HOOK, w.d[A], w.d[DOM0], 0), 0);
    /* ISO may map nothing while `allow_iso_grants` is false. */
    assert_int_equal(xsm_grant_mapref(XSM_HOOK, w.d[ISO], w.d[A],
                                      XSM_GNTMAP_READONLY), -EACCES);
    assert_int_equal(xsm_grant_mapref(XSM_HOOK, w.d[ISO], w.d[DOM0],
                                      XSM_GNTMAP_READONLY), -EACCES);
    assert_int_equal(xsm_grant_setup(XSM_TARGET, w.d[A], w.d[A]), 0);
    assert_int_equal(xsm_grant_setup(XSM_TARGET, w.d[A], w.d[DOM0]),
                     -EACCES);
    assert_int_equal(xsm_grant_copy(XSM_HOOK, w.d[B], w.d[A]), 0);
    assert_int_equal(xsm_memory_adjust_reservation(XSM_TARGET, w.d[A],
                                                   w.d[A]), 0);
    assert_int_equal(xsm_memory_adjust_reservation(XSM_TARGET, w.d[A],
                                                   w.d[B]), 0);  /* same type */
    assert_int_equal(xsm_memory_adjust_reservation(XSM_TARGET, w.d[A],
                                                   w.d[DOM0]), -EACCES);
    assert_int_equal(xsm_memory_adjust_reservation(XSM_TARGET, w.d[DM_A],
                                                   w.d[A]), 0);
    assert_int_equal(xsm_memory_stat_reservation(XSM_TARGET, w.d[DOM0],
                                                 w.d[B]), 0);
    assert_int_equal(xsm_add_to_physmap(XSM_TARGET, w.d[ISO], w.d[A]),
                     -EACCES);
}

/* Permissive mode allows and audits; enforcing again refuses. */
static void test_permissive(void **state)
{
    assert_int_equal(xsm_grant_setup(XSM_TARGET, w.d[A], w.d[DOM0]),
                     -EACCES);
    flask_set_enforcing(false);
    assert_int_equal(xsm_grant_setup(XSM_TARGET, w.d[A], w.d[DOM0]), 0);
    assert_int_equal(xsm_grant_setup(XSM_TARGET, w.d[A], w.d[DOM0]), 0);
    flask_set_enforcing(true);
    assert_int_equal(xsm_grant_setup(XSM_TARGET, w.d[A], w.d[DOM0]),
                     -EACCES);
}

/* A reload keeps sids meaningful and drops every cached decision. */
static void test_reload_keeps_channel_sids(void **state)
{
    union xsm_evtchn_ssid c;
    struct blob other = load_file("hvcore-plain.24");
    struct blob lock = load_file("hvcore-lockdown.30");
    struct flask_avc_stats st;
    char before[256], after[256];
    uint32_t seq = flask_policy_seqno();

    if ( is_mls() )
    {
        free(other.data);
        free(lock.data);
        skip();
    }
    assert_int_equal(xsm_evtchn_unbound(XSM_TARGET, w.d[A], w.d[A], &c, 2),
                     0);
    assert_true(flask_sid_to_context(c.flask_sid, before, 256) > 0);
    assert_int_equal(flask_load_policy(other.data, other.size), 0);
    assert_int_equal(flask_policy_seqno(), seq + 1);
    assert_true(flask_sid_to_context(c.flask_sid, after, 256) > 0);
    assert_string_equal(before, after);
    assert_int_equal(xsm_evtchn_send(XSM_HOOK, w.d[A], &c,
                                     XSM_ECS_INTERDOMAIN), 0);
    assert_int_equal(xsm_check(), 0);
    /* The lockdown policy takes `send` away: the cached grant is gone. */
    assert_int_equal(flask_load_policy(lock.data, lock.size), 0);
    flask_avc_stats(&st);
    assert_int_equal(xsm_evtchn_send(XSM_HOOK, w.d[A], &c,
                                     XSM_ECS_INTERDOMAIN), -EACCES);
    assert_int_equal(xsm_evtchn_send(XSM_HOOK, w.d[DOM0], &c,
                                     XSM_ECS_INTERDOMAIN), -EACCES);
    assert_int_equal(xsm_check(), 0);
    free(other.data);
    free(lock.data);
}

/* Truncated, corrupted or foreign images: -EINVAL, old policy whole. */
static void test_bad_reload_keeps_old_policy(void **state)
{
    uint32_t seq = flask_policy_seqno();
    size_t cut;
    char *copy = malloc(w.policy.size);

    assert_non_null(copy);
    for ( cut = 0; cut < w.policy.size; cut += 97 )
        assert_int_equal(flask_load_policy(w.policy.data, cut), -EINVAL);
    memcpy(copy, w.policy.data, w.policy.size);
    copy[16] = 31;                          /* unknown version */
    assert_int_equal(flask_load_policy(copy, w.policy.size), -EINVAL);
    memcpy(copy, w.policy.data, w.policy.size);
    copy[8] = 'Y';                          /* not XenFlask */
    assert_int_equal(flask_load_policy(copy, w.policy.size), -EINVAL);
    free(copy);
    assert_int_equal(flask_policy_seqno(), seq);
    assert_int_equal(xsm_grant_mapref(XSM_HOOK, w.d[A], w.d[B], 0), 0);
    assert_int_equal(xsm_check(), 0);
}

/* A policy whose classes differ from hvcore's is refused. */
static void test_class_mismatch(void **state)
{
    char *copy = malloc(w.policy.size);
    char *p;

    assert_non_null(copy);
    memcpy(copy, w.policy.data, w.policy.size);
    p = memmem(copy, w.policy.size, "compute_av", 10);
    assert_non_null(p);
    p[0] = 'k';                             /* a permission renamed */
    assert_int_equal(flask_load_policy(copy, w.policy.size), -EINVAL);
    free(copy);
}

/*
 * Reloads alternate between the default policy (A may send) and the
 * lockdown one (A may not) while three pCPUs check `send`.  A check
 * bracketed by two equal sequence numbers must agree with that policy.
 */
struct race {
    union xsm_evtchn_ssid chn;
    struct blob pol[2];
    volatile int stop;
    volatile int errors;
    unsigned long checks;
};

static void race_cpu(unsigned int cpu, void *arg)
{
    struct race *r = arg;
    int i;

    if ( cpu == 0 )
    {
        for ( i = 1; i <= 40; i++ )
        {
            unsigned long seen = __atomic_load_n(&r->checks,
                                                 __ATOMIC_RELAXED);

            /* Let the readers warm the AVC under this policy first. */
            while ( __atomic_load_n(&r->checks, __ATOMIC_RELAXED) <
                    seen + 200 )
                ;
            if ( flask_load_policy(r->pol[i & 1].data, r->pol[i & 1].size) )
                r->errors++;
        }
        r->stop = 1;
        return;
    }
    while ( !r->stop )
    {
        uint32_t s1 = flask_policy_seqno();
        int rc = xsm_evtchn_send(XSM_HOOK, w.d[A], &r->chn,
                                 XSM_ECS_INTERDOMAIN);
        uint32_t s2 = flask_policy_seqno();

        /* Odd loads (from the first, seqno 1) are the default policy. */
        if ( s1 == s2 && rc != ((s1 & 1) ? 0 : -EACCES) )
            r->errors++;
        __atomic_fetch_add(&r->checks, 1, __ATOMIC_RELAXED);
    }
}

static void test_avc_reload_race(void **state)
{
    static struct race r;

    if ( is_mls() )
        skip();
    memset(&r, 0, sizeof(r));
    /* Load i is pol[i & 1]: seqno 1 + i, so odd seqnos are the default. */
    r.pol[0] = load_file("hvcore-plain.30");
    r.pol[1] = load_file("hvcore-lockdown.30");
    assert_int_equal(flask_policy_seqno(), 1);
    assert_int_equal(xsm_evtchn_unbound(XSM_TARGET, w.d[A], w.d[A], &r.chn,
                                        2), 0);
    sim_run_cpus(4, race_cpu, &r);
    assert_int_equal(r.errors, 0);
    assert_true(r.checks > 0);
    assert_int_equal(flask_policy_seqno(), 41);
    assert_int_equal(xsm_check(), 0);
    free(r.pol[0].data);
    free(r.pol[1].data);
}

int main(int argc, char **argv)
{
#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_domain_labels, setup_plain),
        T(test_domain_labels, setup_mls),
        T(test_unknown_sid_is_unlabeled, setup_plain),
        T(test_unknown_sid_is_unlabeled, setup_mls),
        T(test_sid_names_before_policy, setup_none),
        cmocka_unit_test(test_boot_modes),
        T(test_bad_label_refused, setup_plain),
        T(test_bad_label_refused, setup_mls),
        T(test_event_channels, setup_plain),
        T(test_event_channels, setup_plain24),
        T(test_event_channels, setup_mls),
        T(test_grants_and_memory, setup_plain),
        T(test_grants_and_memory, setup_mls),
        T(test_permissive, setup_plain),
        T(test_reload_keeps_channel_sids, setup_plain),
        T(test_bad_reload_keeps_old_policy, setup_plain),
        T(test_bad_reload_keeps_old_policy, setup_mls),
        T(test_class_mismatch, setup_plain24),
        T(test_avc_reload_race, setup_plain),
    };

    if ( argc < 2 )
        return 2;
    policy_dir = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
