/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the xsm_op hypercall under FLASK.  The input's first
 * 40 bytes are a `struct xen_flask_op` written at guest-physical 0 of
 * dom0 (or of a guest, by the top bit of `cmd`); the rest is written from
 * guest-physical 4096 (policies, context strings).  dom0's port 1 and the
 * guest's port 1 are the two ends of an interdomain channel (GET_PEER_SID).
 * After each op the invariants are checked, and enforcing mode and the
 * built-in policy are restored, so every input starts from the same state:
 * an op that changed the policy or a boolean (a reload keeps booleans'
 * values, SETBOOL may leave one pending) gets a fresh world.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <common/guest_access.h>
#include <common/init.h>
#include <common/subsys.h>
#include <hal_sim/sim.h>
#include <libmm/mm.h>
#include <libxsm/flask.h>
#include <libxsm/xsm.h>
#include <public/event_channel.h>
#include <public/xsm/flask_op.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUEST_PAGES 8

static struct domain *dom[2];
static int up;

/*
 * Binds dom0's port 1 to the guest's port 1 (interdomain), so that
 * GET_PEER_SID has a channel to answer for; the arguments go through the
 * last guest page, which the input then overwrites.
 */
static void bind_channel(void)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 1 };
    struct evtchn_bind_interdomain bi = { .remote_dom = 0 };
    const uint64_t gpa = (GUEST_PAGES - 1) * 4096UL;
    struct vcpu v;

    memset(&v, 0, sizeof(v));
    v.domain = dom[0];
    if ( copy_to_guest_phys(dom[0], gpa, &au, sizeof(au)) ||
         do_event_channel_op(&v, EVTCHNOP_alloc_unbound, gpa) ||
         copy_from_guest_phys(dom[0], &au, gpa, sizeof(au)) )
        abort();
    bi.remote_port = au.port;
    v.domain = dom[1];
    if ( au.port != 1 || copy_to_guest_phys(dom[1], gpa, &bi, sizeof(bi)) ||
         do_event_channel_op(&v, EVTCHNOP_bind_interdomain, gpa) ||
         copy_from_guest_phys(dom[1], &bi, gpa, sizeof(bi)) ||
         bi.local_port != 1 )
        abort();
}

static void world(void)
{
    struct sim_config cfg = { .mem_bytes = 16UL << 20, .cpus = 1 };
    struct domain_config dc;
    unsigned long done;
    int i;

    if ( up )
        return;
    if ( sim_init(&cfg) || xsm_set_provider(XSM_PROVIDER_FLASK) ||
         xsm_set_boot_policy(xsm_builtin_policy, xsm_builtin_policy_size) ||
         hvcore_init() )
        abort();
    for ( i = 0; i < 2; i++ )
    {
        domain_config_default(&dc);
        dc.privileged = i == 0;
        dc.max_pages = 64;
        if ( domain_create(i, &dc, &dom[i]) ||
             mm_populate_physmap(dom[i], _gfn(0), GUEST_PAGES, 0, &done) )
            abort();
    }
    bind_channel();
    up = 1;
}

static void world_down(void)
{
    int i;

    for ( i = 0; i < 2; i++ )
    {
        while ( domain_destroy(dom[i]) == -ERESTART )
            ;
        put_domain(dom[i]);
        dom[i] = NULL;
    }
    hvcore_fini();
    sim_fini();
    up = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xen_flask_op op;
    struct vcpu v;
    size_t rest;

    world();
    if ( size < sizeof(op) )
        return 0;
    memcpy(&op, data, sizeof(op));
    rest = size - sizeof(op);
    if ( rest > (GUEST_PAGES - 1) * 4096UL )
        rest = (GUEST_PAGES - 1) * 4096UL;
    memset(&v, 0, sizeof(v));
    v.domain = dom[op.cmd >> 31];
    op.cmd &= 0x7fffffffU;
    if ( copy_to_guest_phys(v.domain, 0, &op, sizeof(op)) ||
         copy_to_guest_phys(v.domain, 4096, data + sizeof(op), rest) )
        abort();
    (void)do_xsm_op(&v, 0);
    if ( xsm_check() )
        abort();
    flask_set_enforcing(true);
    if ( flask_policy_seqno() != 1 || op.cmd == FLASK_SETBOOL )
        world_down();
    return 0;
}
