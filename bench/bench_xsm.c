/* SPDX-License-Identifier: MIT */
/*
 * XSM benchmarks: an AVC hit and miss, and one hook (event-channel send)
 * under FLASK with a warm AVC and under the dummy policy, in one run.
 * The built-in default policy is loaded; the channel is A's towards B.
 * The comparison inside evtchn.send.2l waits for libevtchn.
 */
#include <stdlib.h>
#include <string.h>

#include <common/init.h>
#include <common/subsys.h>
#include <hal_sim/sim.h>
#include <libxsm/flask.h>
#include <libxsm/xsm.h>

#include "bench.h"

struct xsm_bench {
    struct domain *a, *b;
    union xsm_evtchn_ssid chn;
    double flush_ns;
};

static int world(struct xsm_bench **out, enum xsm_provider provider)
{
    struct sim_config cfg = { .mem_bytes = 64UL << 20, .cpus = 1 };
    struct domain_config dc;
    struct xsm_bench *x = calloc(1, sizeof(*x));

    if ( !x || sim_init(&cfg) )
        goto fail;
    if ( xsm_set_provider(provider) ||
         (provider == XSM_PROVIDER_FLASK &&
          xsm_set_boot_policy(xsm_builtin_policy, xsm_builtin_policy_size)) ||
         hvcore_init() )
        goto fail_sim;
    domain_config_default(&dc);
    if ( domain_create(1, &dc, &x->a) || domain_create(2, &dc, &x->b) )
        goto fail_core;
    xsm_alloc_security_evtchn(&x->chn);
    if ( xsm_evtchn_unbound(XSM_TARGET, x->a, x->a, &x->chn, 2) )
        goto fail_core;
    *out = x;
    return 0;

 fail_core:
    hvcore_fini();
 fail_sim:
    sim_fini();
 fail:
    free(x);
    return 1;
}

static void teardown(void *state)
{
    struct xsm_bench *x = state;

    put_domain(x->a);
    put_domain(x->b);
    hvcore_fini();
    sim_fini();
    free(x);
}

static int setup_flask(void **state, uint64_t iterations)
{
    return world((struct xsm_bench **)state, XSM_PROVIDER_FLASK);
}

static int setup_dummy(void **state, uint64_t iterations)
{
    return world((struct xsm_bench **)state, XSM_PROVIDER_DUMMY);
}

/* A warm check through the AVC: the permission `send` on the channel. */
static uint64_t run_hit(void *state, uint64_t iterations)
{
    struct xsm_bench *x = state;
    uint64_t i;

    for ( i = 0; i < iterations; i++ )
        bench_keep(flask_has_perm(x->a->ssid, x->chn.flask_sid, 3, 2));
    return iterations;
}

/* A miss: the AVC emptied, then the same check (decision + insert). */
static uint64_t run_miss(void *state, uint64_t iterations)
{
    struct xsm_bench *x = state;
    uint64_t i, t0 = bench_now_ns();

    for ( i = 0; i < iterations; i++ )
        flask_avc_flush();
    x->flush_ns = (double)(bench_now_ns() - t0) / (double)iterations;
    for ( i = 0; i < iterations; i++ )
    {
        flask_avc_flush();
        bench_keep(flask_has_perm(x->a->ssid, x->chn.flask_sid, 3, 2));
    }
    return iterations;
}

/*
 * The timed loop ran a flush-only pass and then flush + check per op:
 * measured = 2 flushes + 1 check, so take the two flushes out.
 */
static double adjust_miss(void *state, double measured)
{
    struct xsm_bench *x = state;
    double check = measured - 2 * x->flush_ns;

    return check > 0 ? check : -1;
}

/* The hook a send makes, as libevtchn will call it. */
static uint64_t run_send_hook(void *state, uint64_t iterations)
{
    struct xsm_bench *x = state;
    uint64_t i;

    for ( i = 0; i < iterations; i++ )
        bench_keep(xsm_evtchn_send(XSM_HOOK, x->a, &x->chn,
                                   XSM_ECS_INTERDOMAIN));
    return iterations;
}

const struct bench bench_xsm_list[] = {
    { .name = "xsm.avc.hit", .params = "{\"class\":\"event\"}",
      .setup = setup_flask, .run = run_hit, .teardown = teardown },
    { .name = "xsm.avc.miss", .params = "{\"class\":\"event\"}",
      .setup = setup_flask, .run = run_miss, .adjust_ns = adjust_miss,
      .teardown = teardown },
    { .name = "xsm.hook.evtchn_send.flask", .params = "{\"xsm\":\"flask\"}",
      .setup = setup_flask, .run = run_send_hook, .teardown = teardown },
    { .name = "xsm.hook.evtchn_send.dummy", .params = "{\"xsm\":\"dummy\"}",
      .setup = setup_dummy, .run = run_send_hook, .teardown = teardown },
    { .name = NULL },
};
