/* SPDX-License-Identifier: MIT */
/*
 * `hvsim evtchn dump`: builds a world with channels in every state (an
 * unbound port, interdomain pairs, IPIs, per-vCPU, domain and global virqs,
 * a pirq, a Xen consumer, a 3-level domain), sends some events, and prints
 * libevtchn's snapshot dump (Xen's debug key 'e'), then checks and tears
 * everything down.
 */
#include <stdio.h>
#include <string.h>

#include <common/domain.h>
#include <common/errno.h>
#include <common/hypercall.h>
#include <common/init.h>
#include <hal_sim/sim.h>
#include <libevtchn/evtchn.h>
#include <libmm/mm.h>
#include <public/arch-x86/xen.h>

#include "cli.h"
#include "world.h"

int hvsim_evtchn_main(int argc, char **argv);

/*
 * Domain 1 is a 64-bit 2-level domain: one pending bit per port in its
 * shared_info.  Port 0 is reserved and three ports (an interdomain, an
 * unbound and a VIRQ_TIMER port) are bound before the extra IPIs.
 */
#define D1_PORTS (sizeof(((struct shared_info *)0)->evtchn_pending) * 8)
#define D1_PORTS_BEFORE_IPIS 4U
#define MAX_EXTRA_IPIS (D1_PORTS - D1_PORTS_BEFORE_IPIS)

static const char *const prog = "hvsim evtchn dump";

/* Toolstack-side versions of the ops, through the hypercall entry, with
 * the argument in the domain's page at gfn 0x10; a failure says so. */
static long op(struct domain *d, unsigned int cmd, void *arg, size_t size)
{
    long rc = world_guest_op(d, 0, __HYPERVISOR_event_channel_op, cmd, 0x10,
                             arg, size);

    if ( rc )
        fprintf(stderr, "%s: event channel op %u in d%u failed: %s\n", prog,
                cmd, d->domain_id, cli_errno_name((int)rc));
    return rc;
}

static int make(domid_t id, bool priv, struct domain **d)
{
    struct domain_config cfg;
    unsigned long done;
    int rc;

    domain_config_default(&cfg);
    cfg.max_vcpus = 2;
    cfg.privileged = priv;
    cfg.max_pages = 256;
    cfg.max_evtchn_port = 300000;
    rc = domain_create(id, &cfg, d);
    if ( !rc )
        rc = mm_populate_physmap(*d, _gfn(0x10), 1, 0, &done);
    if ( !rc )
        rc = mm_populate_physmap(*d, _gfn(0x20), 24, 0, &done);
    if ( rc )
        fprintf(stderr, "%s: building d%u failed: %s\n", prog, id,
                cli_errno_name(rc));
    return rc;
}

static void destroy(struct domain *d)
{
    while ( domain_destroy(d) == -ERESTART )
        ;
    put_domain(d);
}

static void usage(void)
{
    printf("usage: hvsim evtchn dump [--ports N]\n"
           "  Builds domains 0 (control, 3-level), 1 and 2 with channels in\n"
           "  every state plus N extra IPIs in domain 1, and prints the\n"
           "  snapshot dump.\n"
           "  --ports N   extra IPIs in domain 1 (default 100, 0..%u: it is\n"
           "              2-level, %u ports, %u taken before the IPIs)\n",
           (unsigned int)MAX_EXTRA_IPIS, (unsigned int)D1_PORTS,
           D1_PORTS_BEFORE_IPIS);
}

/* Builds the domains and channels, dumps them, checks and tears down. */
static int dump(unsigned long long extra)
{
    struct domain *d0 = NULL, *d1 = NULL, *d2 = NULL;
    unsigned int i;
    int rc = world_start(64ULL << 20, 2);

    if ( rc )
    {
        fprintf(stderr, "%s: the simulated world did not start: %s\n", prog,
                cli_errno_name(rc));
        return 1;
    }
    rc = 1;
    if ( make(0, true, &d0) || make(1, false, &d1) || make(2, false, &d2) )
        goto out;

    {
        struct evtchn_register_extended r = {
            .cmd = EVTCHN_EXTENDED_REGISTER_BITMAPS };
        struct evtchn_alloc_unbound au = { .dom = DOMID_SELF,
                                           .remote_dom = 1 };
        struct evtchn_bind_interdomain bi = { .remote_dom = 2 };
        struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 1 };
        struct evtchn_bind_pirq bp = { .pirq = 5 };
        struct evtchn_bind_ipi ipi = { .vcpu = 1 };
        struct evtchn_send s;
        int xport;

        r.u.bitmaps.nr_pages = 8;
        for ( i = 0; i < 8; i++ )
        {
            r.u.bitmaps.pending_gfn[i] = 0x20 + i;
            r.u.bitmaps.mask_gfn[i] = 0x28 + i;
        }
        if ( op(d0, EVTCHNOP_register_extended, &r, sizeof(r)) )
            goto out;
        r.cmd = EVTCHN_EXTENDED_REGISTER_L2;
        r.u.l2.vcpu = 0;
        r.u.l2.gfn = 0x30;
        r.u.l2.offset = 0;
        if ( op(d0, EVTCHNOP_register_extended, &r, sizeof(r)) )
            goto out;
        /* d2 offers a port to d1, d1 binds it and sends. */
        if ( op(d2, EVTCHNOP_alloc_unbound, &au, sizeof(au)) )
            goto out;
        bi.remote_port = au.port;
        if ( op(d1, EVTCHNOP_bind_interdomain, &bi, sizeof(bi)) )
            goto out;
        s.port = bi.local_port;
        if ( op(d1, EVTCHNOP_send, &s, sizeof(s)) )
            goto out;
        au.remote_dom = 0;
        if ( op(d1, EVTCHNOP_alloc_unbound, &au, sizeof(au)) )
            goto out;
        if ( op(d1, EVTCHNOP_bind_virq, &bv, sizeof(bv)) )
            goto out;
        bv.virq = VIRQ_CONSOLE;
        bv.vcpu = 0;
        if ( op(d0, EVTCHNOP_bind_virq, &bv, sizeof(bv)) )
            goto out;
        send_global_virq(VIRQ_CONSOLE);
        if ( evtchn_pirq_permit(d2, 5, true) ||
             op(d2, EVTCHNOP_bind_pirq, &bp, sizeof(bp)) )
            goto out;
        evtchn_pirq_inject(d2, 5);
        xport = alloc_unbound_xen_event_channel(d0, 0, 2, NULL);
        if ( xport < 0 )
            goto out;
        bi.remote_dom = 0;
        bi.remote_port = (uint32_t)xport;
        if ( op(d2, EVTCHNOP_bind_interdomain, &bi, sizeof(bi)) )
            goto out;
        for ( i = 0; i < extra; i++ )
            if ( op(d1, EVTCHNOP_bind_ipi, &ipi, sizeof(ipi)) )
                goto out;
        /* 3-level ports above the 2-level limit in d0: bind 4200 IPIs,
         * keep the last 8. */
        {
            unsigned int first = 0;

            ipi.vcpu = 0;
            for ( i = 0; i < 4200; i++ )
            {
                if ( op(d0, EVTCHNOP_bind_ipi, &ipi, sizeof(ipi)) )
                    goto out;
                if ( !first )
                    first = ipi.port;
            }
            for ( i = first; i < ipi.port - 8; i++ )
            {
                struct evtchn_close c = { .port = i };

                if ( op(d0, EVTCHNOP_close, &c, sizeof(c)) )
                    goto out;
            }
        }
        s.port = ipi.port;
        if ( op(d0, EVTCHNOP_send, &s, sizeof(s)) )
            goto out;
    }

    evtchn_dump();
    if ( evtchn_check() )
    {
        fprintf(stderr, "%s: evtchn_check failed\n", prog);
        goto out;
    }
    rc = 0;

 out:
    if ( d0 )
        destroy(d0);
    if ( d1 )
        destroy(d1);
    if ( d2 )
        destroy(d2);
    if ( !rc && evtchn_check() )
        rc = 1;
    world_stop();
    printf("hvsim evtchn: %s\n", rc ? "FAILED" : "ok");
    return rc;
}

/** `hvsim evtchn COMMAND`; see harness/CMakeLists.txt. */
int hvsim_evtchn_main(int argc, char **argv)
{
    static const char *const commands[] = { "dump", NULL };
    unsigned long long extra = 100;
    const struct cli_opt opts[] = {
        { "ports", CLI_UINT, &extra, sizeof(extra), 0, MAX_EXTRA_IPIS, NULL },
        { 0 },
    };
    struct cli c = { .prog = "hvsim evtchn", .usage = usage };
    struct cli dump_cli = { .prog = prog, .usage = usage };
    int rc = cli_command(&c, argc, argv, commands);

    if ( rc >= 0 )
        rc = cli_parse(&dump_cli, opts, argc - c.operand, argv + c.operand,
                       0, NULL);
    if ( rc )
        return cli_exit_status(rc);
    return dump(extra);
}
