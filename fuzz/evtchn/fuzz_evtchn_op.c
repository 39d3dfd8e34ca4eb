/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: EVTCHNOP sequences from two or three domains and their
 * vCPUs through the hypercall entry (32, and 16 for commands 0..9), with
 * hostile arguments, the guest mutating its shared pages between ops
 * (2-level bitmaps and selectors, 3-level bitmaps and L2 selectors, FIFO
 * event words and control blocks),
 * hypervisor-side events (virqs, pirqs, Xen consumers, handler changes),
 * preempted resets, injected allocation failures and domain destruction.
 * evtchn_check() runs after every step; at the end every domain is
 * destroyed and the world must be as the input found it (fuzz_world.h).
 * The XSM provider is the build's: fuzz_evtchn_op runs the dummy,
 * fuzz_evtchn_op_flask (FUZZ_XSM_FLASK) FLASK with the built-in policy, on
 * the same corpus.
 *
 * Input: a 1-byte header (bit 0: domain 2 is 32-bit; bit 1: domain 1 is the
 * control domain; bit 2: a third domain, device model of domain 1; bit 3:
 * unused, it chose FLASK when every input built its own world), then steps
 * of one op byte and argument bytes, read as a stream that yields zeros
 * when it runs out.
 * Op byte: bits 0-2 the kind of step (0-2, 7: a hypercall, 3: the guest
 * writes its pages, 4: a hypervisor event, 5: a Xen consumer, 6: dump or
 * destroy), bit 3 the vCPU, bit 4 the legacy hypercall 16, bit 5 (without
 * bit 4) a bad argument address, bits 6-7 the domain.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <common/errno.h>
#include <common/hypercall.h>
#include <common/init.h>
#include <hal_sim/sim.h>
#include <libevtchn/evtchn.h>
#include <libmm/mm.h>
#include <libxsm/xsm.h>
#include <public/arch-x86/xen.h>
#include <public/event_channel.h>

#include "fuzz_stream.h"
#include "fuzz_world.h"

#define ARG_GFN 0x10
#define RAM_GFN 0x20
#define RAM_PAGES 24
#define MAX_STEPS 96
#define NR_DOMS 3

static const struct fuzz_world fw = {
#ifdef FUZZ_XSM_FLASK
    .target = "fuzz_evtchn_op_flask", .xsm = WORLD_XSM_FLASK,
#else
    .target = "fuzz_evtchn_op", .xsm = WORLD_XSM_DUMMY,
#endif
    .mem_bytes = 16UL << 20, .cpus = 2,
};

static void check(const char *what, unsigned int step)
{
    char msg[80];

    if ( !evtchn_check() )
        return;
    snprintf(msg, sizeof(msg), "evtchn_check failed after %s (step %u)",
             what, step);
    fuzz_world_fail(&fw, msg);
}

static void ignore(long rc)
{
    (void)rc;
}

static struct domain *make_domain(domid_t id, bool priv, bool compat,
                                  domid_t target)
{
    struct domain_config cfg;
    struct domain *d = NULL;
    unsigned long done;

    domain_config_default(&cfg);
    cfg.max_vcpus = 2;
    cfg.privileged = priv;
    cfg.is_32bit = compat;
    cfg.target = target;
    cfg.max_pages = 128;
    cfg.max_evtchn_port = 8191;
    if ( domain_create(id, &cfg, &d) )
        return NULL;
    if ( mm_populate_physmap(d, _gfn(ARG_GFN), 2, 0, &done) ||
         mm_populate_physmap(d, _gfn(RAM_GFN), RAM_PAGES, 0, &done) )
        fuzz_world_fail(&fw, "populating a new domain failed");
    return d;
}

static void *gfn_view(struct domain *d, uint64_t gfn)
{
    p2m_type_t t;
    mfn_t mfn = p2m_lookup(d, _gfn(gfn), &t);

    return p2m_is_ram(t) ? sim_machine_frame(mfn_x(mfn)) : NULL;
}

/* A port: mostly small (likely in use), sometimes anything. */
static uint32_t pick_port(struct stream *s)
{
    uint8_t k = get8(s);

    if ( k < 0xe0 )
        return k % 80;
    if ( k < 0xf0 )
        return 4000 + get8(s) * 8;
    return get32(s);
}

static domid_t pick_dom(struct stream *s)
{
    uint8_t k = get8(s);

    switch ( k % 8 )
    {
    case 0:
    case 1:
        return DOMID_SELF;
    case 2:
    case 3:
        return 1;
    case 4:
        return 2;
    case 5:
        return 3;
    case 6:
        return DOMID_INVALID;
    default:
        return (domid_t)get32(s);
    }
}

static uint64_t pick_gfn(struct stream *s)
{
    uint8_t k = get8(s);

    if ( k < 0xf0 )
        return RAM_GFN + k % (RAM_PAGES + 2);
    return get32(s) | ((uint64_t)get8(s) << 32);
}

/* One hypercall from vCPU `vcpu` of `d` with `arg` in its argument page. */
static long hcall(struct domain *d, unsigned int vcpu, unsigned int nr,
                  unsigned long cmd, void *arg, size_t size, bool once)
{
    uint64_t args[HYPERCALL_NR_ARGS] = { cmd, (ARG_GFN + vcpu) << 12 };
    void *page = gfn_view(d, ARG_GFN + vcpu);
    long rc;

    if ( nr == 16 )
        args[0] = (ARG_GFN + vcpu) << 12;
    memcpy(page, arg, size);
    rc = once ? hypercall_entry_once(d->vcpu[vcpu], nr, args)
              : hypercall_entry(d->vcpu[vcpu], nr, args);
    if ( rc == -ERESTART )
    {
        /* Let another step run before the continuation completes. */
        while ( (rc = hypercall_entry_once(d->vcpu[vcpu], nr, args)) ==
                -ERESTART )
            ;
    }
    return rc;
}

static unsigned int consumer_hits;

static void consumer_a(struct vcpu *v, unsigned int port)
{
    (void)v;
    (void)port;
    consumer_hits++;
}

static void consumer_b(struct vcpu *v, unsigned int port)
{
    (void)v;
    consumer_hits += port;
}

/* The guest writes whatever it likes into its shared pages. */
static void mutate(struct stream *s, struct domain *d)
{
    uint8_t k = get8(s);
    uint32_t off = get32(s);
    uint64_t val = (uint64_t)get32(s) << 32 | get32(s);
    unsigned char *page;

    if ( k & 1 )
        page = sim_machine_frame(mfn_x(evtchn_shared_info_mfn(d)));
    else
        page = gfn_view(d, RAM_GFN + (k >> 1) % RAM_PAGES);
    if ( page )
        memcpy(page + (off % (PAGE_SIZE / 8)) * 8, &val, 8);
}

static void step_hypercall(struct stream *s, struct domain *d,
                           unsigned int vcpu, uint8_t op)
{
    union {
        struct evtchn_alloc_unbound au;
        struct evtchn_bind_interdomain bi;
        struct evtchn_bind_virq bv;
        struct evtchn_bind_pirq bp;
        struct evtchn_bind_ipi ipi;
        struct evtchn_close cl;
        struct evtchn_send sd;
        struct evtchn_status st;
        struct evtchn_bind_vcpu bc;
        struct evtchn_unmask um;
        struct evtchn_reset rs;
        struct evtchn_set_priority sp;
        struct evtchn_register_extended re;
        struct evtchn_query_extended q;
        struct evtchn_init_control ic;
        struct evtchn_expand_array ea;
        struct evtchn_op legacy;
        uint8_t raw[160];
    } a;
    unsigned int cmd = get8(s) % 18;
    bool legacy = op & 0x10, once = false;
    unsigned int i;

    memset(&a, 0, sizeof(a));
    switch ( cmd )
    {
    case EVTCHNOP_alloc_unbound:
        a.au.dom = pick_dom(s);
        a.au.remote_dom = pick_dom(s);
        break;
    case EVTCHNOP_bind_interdomain:
        a.bi.remote_dom = pick_dom(s);
        a.bi.remote_port = pick_port(s);
        break;
    case EVTCHNOP_bind_virq:
        a.bv.virq = get8(s) % 28;
        a.bv.vcpu = get8(s) % 3;
        break;
    case EVTCHNOP_bind_pirq:
        a.bp.pirq = get8(s) % 12;
        a.bp.flags = get8(s);
        break;
    case EVTCHNOP_bind_ipi:
        a.ipi.vcpu = get8(s) % 3;
        break;
    case EVTCHNOP_close:
    case EVTCHNOP_send:
    case EVTCHNOP_unmask:
        a.cl.port = pick_port(s);
        break;
    case EVTCHNOP_status:
        a.st.dom = pick_dom(s);
        a.st.port = pick_port(s);
        break;
    case EVTCHNOP_bind_vcpu:
        a.bc.port = pick_port(s);
        a.bc.vcpu = get8(s) % 3;
        break;
    case EVTCHNOP_reset:
    case EVTCHNOP_reset_cont:
        a.rs.dom = pick_dom(s);
        if ( get8(s) & 1 )
            hypercall_force_preempt(1 + get8(s) % 3);
        once = true;
        break;
    case EVTCHNOP_set_priority:
        a.sp.port = pick_port(s);
        a.sp.priority = get8(s) % 20;
        break;
    case EVTCHNOP_register_extended:
        a.re.cmd = get8(s) % 4;
        if ( a.re.cmd == EVTCHN_EXTENDED_REGISTER_L2 )
        {
            a.re.u.l2.vcpu = get8(s) % 3;
            a.re.u.l2.gfn = pick_gfn(s);
            a.re.u.l2.offset = get8(s) & 1 ? get32(s) : (get8(s) % 9) * 512;
        }
        else
        {
            uint8_t base = get8(s);

            a.re.u.bitmaps.nr_pages = get8(s) % 2 ? 8 : get8(s) % 10;
            for ( i = 0; i < EVTCHN_3L_MAX_BITMAP_PAGES; i++ )
            {
                a.re.u.bitmaps.pending_gfn[i] = RAM_GFN + (base + i) % 26;
                a.re.u.bitmaps.mask_gfn[i] = RAM_GFN + (base + 8 + i) % 26;
            }
            if ( get8(s) & 1 )
                a.re.u.bitmaps.mask_gfn[get8(s) % 8] = pick_gfn(s);
        }
        break;
    default:
        /* FIFO ops and unknown commands: raw bytes. */
        for ( i = 0; i < 24; i++ )
            a.raw[i] = get8(s);
        /*
         * The FIFO ops read the same 24 bytes (older inputs keep their
         * stream), shaped so that most name a RAM page of the guest and an
         * offset that fits: byte 0 >= 0xf0 keeps the raw gfn, byte 2 odd
         * the raw offset.
         */
        if ( cmd == EVTCHNOP_init_control )
        {
            uint8_t k = a.raw[0], g = a.raw[1], o = a.raw[2], v = a.raw[3];

            if ( k < 0xf0 )
                a.ic.control_gfn = RAM_GFN + g % (RAM_PAGES + 2);
            if ( !(o & 1) )
                a.ic.offset = (o >> 1) % 64 * 64;
            a.ic.vcpu = v % 3;
        }
        else if ( cmd == EVTCHNOP_expand_array && a.raw[0] < 0xf0 )
            a.ea.array_gfn = RAM_GFN + a.raw[1] % (RAM_PAGES + 2);
        break;
    }

    if ( legacy )
    {
        struct evtchn_op lop;

        memset(&lop, 0, sizeof(lop));
        lop.cmd = cmd;
        memcpy(&lop.u, &a, sizeof(lop.u));
        ignore(hcall(d, vcpu, 16, 0, &lop, sizeof(lop), false));
        return;
    }
    /* Sometimes a bad argument address. */
    if ( (op & 0x30) == 0x20 )
    {
        uint64_t args[HYPERCALL_NR_ARGS] = { cmd, 0x9999ULL << 12 };

        ignore(hypercall_entry(d->vcpu[vcpu], 32, args));
        return;
    }
    ignore(hcall(d, vcpu, 32, cmd, &a, sizeof(a), once));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stream s = { data, size };
    struct domain *d[NR_DOMS] = { NULL, NULL, NULL };
    unsigned int step, i;
    uint8_t flags;
    int xports[4] = { 0 };

    fuzz_world_enter(&fw);
    flags = get8(&s);

    d[0] = make_domain(1, flags & 2, false, DOMID_INVALID);
    d[1] = make_domain(2, false, flags & 1, DOMID_INVALID);
    if ( flags & 4 )
        d[2] = make_domain(3, false, false, 1);
    if ( !d[0] || !d[1] || ((flags & 4) && !d[2]) )
        fuzz_world_fail(&fw, "creating the domains failed");
    if ( evtchn_pirq_permit(d[0], 3, true) ||
         evtchn_pirq_permit(d[1], 5, true) )
        fuzz_world_fail(&fw, "evtchn_pirq_permit failed");
    consumer_hits = 0;

    for ( step = 0; step < MAX_STEPS && s.left; step++ )
    {
        uint8_t op = get8(&s);
        unsigned int di = (op >> 6) % NR_DOMS, vcpu = (op >> 3) & 1;
        struct domain *c = d[di];

        if ( !c )
            continue;
        if ( (op & 7) == 7 && (get8(&s) & 3) == 0 )
            sim_fault_arm_any(1 + get8(&s) % 24);
        switch ( op & 7 )
        {
        case 0:
        case 1:
        case 2:
        case 7:
            step_hypercall(&s, c, vcpu, op);
            break;
        case 3:
            mutate(&s, c);
            break;
        case 4:
        {
            uint8_t k = get8(&s);

            switch ( k % 6 )
            {
            case 0:
                send_guest_vcpu_virq(c->vcpu[vcpu], get8(&s) % 26);
                break;
            case 1:
                send_guest_domain_virq(c, get8(&s) % 26);
                break;
            case 2:
                send_global_virq(get8(&s) % 26);
                break;
            case 3:
                evtchn_pirq_inject(c, get8(&s) % 8);
                break;
            case 4:
                ignore(evtchn_set_virq_handler(get8(&s) % 26, c));
                break;
            default:
                ignore(evtchn_pirq_permit(c, get8(&s) % 260, get8(&s) & 1));
                break;
            }
            break;
        }
        case 5:
        {
            uint8_t k = get8(&s);
            unsigned int slot = k % 4;

            if ( k & 4 && xports[slot] > 0 )
            {
                free_xen_event_channel(d[slot % 2], (unsigned int)xports[slot]);
                xports[slot] = 0;
            }
            else if ( k & 8 && xports[slot] > 0 )
                notify_via_xen_event_channel(d[slot % 2],
                                             (unsigned int)xports[slot]);
            else if ( !xports[slot] )
                xports[slot] = alloc_unbound_xen_event_channel(
                    d[slot % 2], get8(&s) % 3, pick_dom(&s),
                    k & 16 ? consumer_a : k & 32 ? consumer_b : NULL);
            break;
        }
        case 6:
            /* Destroy the third domain mid-way (its peers get UNBOUND). */
            if ( di == 2 && get8(&s) == 0xd1 )
            {
                hypercall_force_preempt(get8(&s) % 3);
                while ( domain_destroy(c) == -ERESTART )
                    ;
                put_domain(c);
                d[2] = NULL;
            }
            else
                evtchn_dump_domain(c);
            break;
        }
        sim_fault_disarm();
        hypercall_force_preempt(0);
        check("a step", step);
    }

    for ( i = 0; i < NR_DOMS; i++ )
    {
        if ( !d[i] )
            continue;
        while ( domain_destroy(d[i]) == -ERESTART )
            ;
        put_domain(d[i]);
        check("destroy", step);
    }
    fuzz_world_leave(&fw);
    return 0;
}
