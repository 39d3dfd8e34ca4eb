/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the xsm_op hypercall under FLASK.  The input's first
 * 40 bytes are a `struct xen_flask_op` written at guest-physical 0 of
 * dom0 (or of a guest, by the top bit of `cmd`); the rest is written from
 * guest-physical 4096 (policies, context strings).  dom0's port 1 and the
 * guest's port 1 are the two ends of an interdomain channel (GET_PEER_SID).
 *
 * After each op, whoever made it, nothing outside xsm_op's reach may have
 * changed: every checker (xsm, evtchn, gnttab, mm) passes, the channel is
 * still bound both ways, both domains keep their labels, and the domain
 * that did not make the call has the same memory.  Enforcing mode is then
 * restored; an op that changed the policy or a boolean (a reload keeps
 * booleans' values, SETBOOL may leave one pending) has its domains
 * destroyed, the world checked as given back (fuzz_world.h) and started
 * afresh, so every input starts from the same state.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <common/guest_access.h>
#include <common/subsys.h>
#include <hal_sim/sim.h>
#include <libevtchn/evtchn.h>
#include <libgnttab/gnttab.h>
#include <libmm/mm.h>
#include <libxsm/flask.h>
#include <libxsm/xsm.h>
#include <public/event_channel.h>
#include <public/xsm/flask_op.h>

#include "fuzz_world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUEST_PAGES 8

static struct domain *dom[2];
static uint32_t label[2];

static const struct fuzz_world fw = {
    .target = "fuzz_xsm_op", .mem_bytes = 16UL << 20, .cpus = 1,
    .xsm = WORLD_XSM_FLASK,
};

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
        fuzz_world_fail(&fw, "binding the channel failed");
    bi.remote_port = au.port;
    v.domain = dom[1];
    if ( au.port != 1 || copy_to_guest_phys(dom[1], gpa, &bi, sizeof(bi)) ||
         do_event_channel_op(&v, EVTCHNOP_bind_interdomain, gpa) ||
         copy_from_guest_phys(dom[1], &bi, gpa, sizeof(bi)) ||
         bi.local_port != 1 )
        fuzz_world_fail(&fw, "binding the channel failed");
}

/* The domains and their channel, on the first input after a (re)start. */
static void domains_up(void)
{
    unsigned long done;
    int i;

    fuzz_world_enter(&fw);
    if ( dom[0] )
        return;
    for ( i = 0; i < 2; i++ )
    {
        if ( world_create_domain((domid_t)i, 64, i == 0, &dom[i]) ||
             mm_populate_physmap(dom[i], _gfn(0), GUEST_PAGES, 0, &done) )
            fuzz_world_fail(&fw, "creating the domains failed");
        label[i] = dom[i]->ssid;
    }
    bind_channel();
}

static void domains_down(void)
{
    int i;

    for ( i = 0; i < 2; i++ )
    {
        world_destroy_domain(dom[i]);
        dom[i] = NULL;
    }
}

/* FNV-1a over a domain's guest pages. */
static uint64_t memory_hash(struct domain *d)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    unsigned int gfn, i;

    for ( gfn = 0; gfn < GUEST_PAGES; gfn++ )
    {
        const uint8_t *p = world_guest_page(d, gfn);

        if ( !p )
            fuzz_world_fail(&fw, "a guest page went away");
        for ( i = 0; i < 4096; i++ )
            h = (h ^ p[i]) * 0x100000001b3ULL;
    }
    return h;
}

/* Port 1 of `d` is still interdomain to port 1 of the other domain. */
static bool channel_intact(int i)
{
    struct evtchn_status st = { .dom = DOMID_SELF, .port = 1 };
    const uint64_t gpa = (GUEST_PAGES - 1) * 4096UL;
    struct vcpu v;

    memset(&v, 0, sizeof(v));
    v.domain = dom[i];
    if ( copy_to_guest_phys(dom[i], gpa, &st, sizeof(st)) ||
         do_event_channel_op(&v, EVTCHNOP_status, gpa) ||
         copy_from_guest_phys(dom[i], &st, gpa, sizeof(st)) )
        return false;
    return st.status == EVTCHNSTAT_interdomain &&
           st.u.interdomain.dom == dom[!i]->domain_id &&
           st.u.interdomain.port == 1;
}

/*
 * Under a policy the input loaded, sids may be renumbered and the status
 * query itself refused, so labels and the channel are compared only while
 * the built-in policy is in force (the checkers cover the rest).
 */
static void check_op(int caller, uint64_t other_before)
{
    if ( xsm_check() || evtchn_check() || gnttab_check() || mm_check() )
        fuzz_world_fail(&fw, "a checker failed after the op");
    if ( memory_hash(dom[!caller]) != other_before )
        fuzz_world_fail(&fw, "the op wrote the other domain's memory");
    if ( flask_policy_seqno() != 1 )
        return;
    if ( dom[0]->ssid != label[0] || dom[1]->ssid != label[1] )
        fuzz_world_fail(&fw, "a domain's label changed");
    if ( !channel_intact(0) || !channel_intact(1) )
        fuzz_world_fail(&fw, "the interdomain channel changed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xen_flask_op op;
    struct vcpu v;
    uint64_t other;
    size_t rest;
    int caller;

    domains_up();
    if ( size < sizeof(op) )
        return 0;
    memcpy(&op, data, sizeof(op));
    rest = size - sizeof(op);
    if ( rest > (GUEST_PAGES - 1) * 4096UL )
        rest = (GUEST_PAGES - 1) * 4096UL;
    caller = (int)(op.cmd >> 31);
    memset(&v, 0, sizeof(v));
    v.domain = dom[caller];
    op.cmd &= 0x7fffffffU;
    if ( copy_to_guest_phys(v.domain, 0, &op, sizeof(op)) ||
         copy_to_guest_phys(v.domain, 4096, data + sizeof(op), rest) )
        fuzz_world_fail(&fw, "writing the input to the guest failed");
    other = memory_hash(dom[!caller]);
    (void)do_xsm_op(&v, 0);
    check_op(caller, other);
    flask_set_enforcing(true);
    if ( flask_policy_seqno() != 1 || op.cmd == FLASK_SETBOOL )
    {
        domains_down();
        fuzz_world_restart(&fw);
    }
    return 0;
}
