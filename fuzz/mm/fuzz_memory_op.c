/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: memory_op sequences from two domains, with invalid and
 * hostile arguments, mixed with toolstack calls, grant entries, guest
 * copies, forced preemption and injected allocation failures.  mm_check()
 * runs after every step; at the end every domain is destroyed and the
 * world must be as the input found it (fuzz_world.h).
 *
 * Input: a 4-byte header (flags, two max_pages seeds, a fault seed), then
 * steps of one op byte and up to 16 argument bytes, read as a stream that
 * yields zeros when it runs out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <common/errno.h>
#include <common/guest_access.h>
#include <common/hypercall.h>
#include <common/init.h>
#include <hal_sim/sim.h>

#include <libmm/mm.h>
#include <public/memory.h>

#include "fuzz_stream.h"
#include "fuzz_world.h"

#define ARG_GPA 0x0UL
#define LIST_GPA 0x1000UL
#define DOMID_GPA 0x800UL
#define MAX_STEPS 64

static const struct fuzz_world fw = {
    .target = "fuzz_memory_op", .mem_bytes = 16UL << 20, .cpus = 2,
    .xsm = WORLD_XSM_DUMMY,
};

/* Errors are expected here; mm_check after the step judges the state. */
static void ignore(int rc)
{
    (void)rc;
}

static void check(const char *what)
{
    char msg[64];

    if ( !mm_check() )
        return;
    snprintf(msg, sizeof(msg), "mm_check failed after %s", what);
    fuzz_world_fail(&fw, msg);
}

static struct domain *make_domain(domid_t id, uint64_t max, bool priv)
{
    struct domain_config cfg;
    struct domain *d = NULL;
    unsigned long done;

    domain_config_default(&cfg);
    cfg.max_pages = max;
    cfg.privileged = priv;
    if ( domain_create(id, &cfg, &d) )
        return NULL;
    /* Memory for the arguments: gfns 0..3. */
    if ( mm_populate_physmap(d, _gfn(0), 4, 0, &done) )
    {
        while ( domain_destroy(d) == -ERESTART )
            ;
        put_domain(d);
        return NULL;
    }
    return d;
}

static void kill_domain(struct domain **d)
{
    if ( !*d )
        return;
    while ( domain_destroy(*d) == -ERESTART )
        ;
    put_domain(*d);
    *d = NULL;
}

/* A gfn from a small pool (so ops collide) or anything at all. */
static uint64_t pick_gfn(struct stream *s)
{
    uint8_t k = get8(s);

    switch ( k >> 6 )
    {
    case 0:
        return 0x100 + (k & 63);
    case 1:
        return (uint64_t)(k & 63) << 9;
    case 2:
        return getn(s, 2);
    default:
        return getn(s, 8);
    }
}

static domid_t pick_domid(struct stream *s, struct domain *other)
{
    uint8_t k = get8(s);

    switch ( k & 3 )
    {
    case 0:
        return DOMID_SELF;
    case 1:
        return other ? other->domain_id : DOMID_SELF;
    case 2:
        return (domid_t)getn(s, 2);
    default:
        return 1 + (k >> 2) % 3;
    }
}

static long memop(struct domain *caller, unsigned long cmd, uint64_t arg,
                  bool once)
{
    uint64_t args[HYPERCALL_NR_ARGS] = { cmd, arg };
    long rc;

    if ( !once )
        return hypercall_entry(caller->vcpu[0], __HYPERVISOR_memory_op, args);
    rc = hypercall_entry_once(caller->vcpu[0], __HYPERVISOR_memory_op, args);
    if ( rc == -ERESTART )
        rc = hypercall_entry(caller->vcpu[0], __HYPERVISOR_memory_op, args);
    return rc;
}

static void step_reservation(struct stream *s, struct domain *c,
                             struct domain *o)
{
    static const unsigned int ops[] = {
        XENMEM_increase_reservation, XENMEM_decrease_reservation,
        XENMEM_populate_physmap, XENMEM_populate_physmap,
    };
    uint8_t k = get8(s);
    struct xen_memory_reservation r;
    uint64_t list[8];
    unsigned int i, n;

    memset(&r, 0, sizeof(r));
    n = get8(s) % 9;
    r.nr_extents = (k & 0x80) ? getn(s, 8) : n;
    r.extent_order = (k & 0x40) ? get8(s) : get8(s) % 12;
    r.mem_flags = (k & 0x20) ? (uint32_t)getn(s, 4) : 0;
    r.domid = pick_domid(s, o);
    r.extent_start = (k & 0x10) ? getn(s, 8) : (k & 0x08) ? 0 : LIST_GPA;
    for ( i = 0; i < n; i++ )
        list[i] = pick_gfn(s);
    if ( copy_to_guest_phys(c, ARG_GPA, &r, sizeof(r)) ||
         (n && copy_to_guest_phys(c, LIST_GPA, list, n * sizeof(list[0]))) )
        return;
    if ( k & 0x04 )
        hypercall_force_preempt(get8(s) % 4);
    memop(c, ops[k & 3] | ((k & 0x02) ? (uint64_t)get8(s) << 6 : 0),
          (k & 0x01) ? getn(s, 3) : ARG_GPA, k & 0x04);
    hypercall_force_preempt(0);
}

static void step_stat(struct stream *s, struct domain *c, struct domain *o)
{
    static const unsigned int ops[] = {
        XENMEM_current_reservation, XENMEM_maximum_reservation,
        XENMEM_maximum_gpfn, XENMEM_maximum_ram_page,
    };
    uint8_t k = get8(s);
    domid_t id = pick_domid(s, o);

    if ( copy_to_guest_phys(c, DOMID_GPA, &id, sizeof(id)) )
        return;
    memop(c, (k & 0x80) ? get8(s) : ops[k & 3],
          (k & 0x40) ? getn(s, 3) : DOMID_GPA, false);
}

/*
 * XENMEM_add_to_physmap: a grant frame (or status frame) of the caller's
 * or the other domain's table at a gfn that may hold RAM, another table
 * frame, a foreign grant entry or nothing; or another space (-ENOSYS).
 */
static void step_physmap(struct stream *s, struct domain *c, struct domain *o)
{
    uint8_t k = get8(s);
    struct xen_add_to_physmap x = {
        .domid = pick_domid(s, o),
        .space = (k & 0x80) ? (unsigned int)get8(s) : XENMAPSPACE_grant_table,
        .idx = (k & 0x40) ? getn(s, 8)
                          : ((k & 0x20) ? XENMAPIDX_grant_table_status : 0) |
                                (get8(s) % 8),
        .gpfn = pick_gfn(s),
    };

    if ( copy_to_guest_phys(c, ARG_GPA, &x, sizeof(x)) )
        return;
    memop(c, XENMEM_add_to_physmap, ARG_GPA, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stream s = { data, size };
    struct domain *d[2] = { NULL, NULL };
    unsigned int step;
    uint8_t flags;

    fuzz_world_enter(&fw);

    flags = get8(&s);
    d[0] = make_domain(1, 16 + get8(&s) * 8, false);
    d[1] = make_domain(2, 16 + get8(&s) * 8, flags & 1);
    if ( !d[0] || !d[1] )
        fuzz_world_fail(&fw, "creating the domains failed");
    if ( flags & 2 )
        mapcache_set_lazy(false);
    (void)get8(&s);

    for ( step = 0; step < MAX_STEPS && s.left; step++ )
    {
        uint8_t op = get8(&s);
        struct domain *c = d[op >> 7], *o = d[!(op >> 7)];
        unsigned long done;
        uint8_t buf[64];

        if ( !c )
            continue;
        if ( op & 0x40 )
            sim_fault_arm_any(1 + get8(&s) % 16);
        switch ( op & 7 )
        {
        case 0:
        case 1:
            step_reservation(&s, c, o);
            break;
        case 2:
            if ( op & 0x08 )
                step_physmap(&s, c, o);
            else
                step_stat(&s, c, o);
            break;
        case 3:
        {
            uint64_t g = pick_gfn(&s);
            uint8_t k = get8(&s);

            if ( mm_populate_physmap(c, _gfn(g), k % 5, (k >> 3) % 20,
                                     &done) == 0 && done != k % 5 )
                fuzz_world_fail(&fw, "populate said 0 but did not do all");
            break;
        }
        case 4:
        {
            uint64_t g = pick_gfn(&s);

            ignore(mm_decrease_reservation(c, _gfn(g), get8(&s) % 20));
            break;
        }
        case 5:
        {
            uint64_t from = pick_gfn(&s), to = pick_gfn(&s);
            uint8_t k = get8(&s);
            mfn_t m = o ? p2m_lookup(o, _gfn(from), NULL) : INVALID_MFN;

            if ( k & 1 )
                ignore(p2m_remove_grant(c, _gfn(to), m));
            else
                ignore(p2m_insert_grant(c, _gfn(to), m,
                                       (k & 2) ? p2m_grant_map_ro
                                               : p2m_grant_map_rw));
            break;
        }
        case 6:
        {
            uint64_t gpa = getn(&s, (get8(&s) & 1) ? 8 : 3);
            size_t len = get8(&s) % sizeof(buf);

            memset(buf, 0x77, sizeof(buf));
            if ( op & 0x08 )
                ignore(copy_to_guest_phys(c, gpa, buf, len));
            else
                ignore(copy_from_guest_phys(c, buf, gpa, len));
            break;
        }
        default:
        {
            uint8_t k = get8(&s);

            if ( k & 1 )
                mm_deferred_flush();
            else if ( k & 2 )
                ignore(p2m_set_ram_type(c, _gfn(pick_gfn(&s)),
                                       (k & 4) ? p2m_ram_ro : p2m_ram_rw));
            else if ( (k & 8) && o != d[0] )
            {
                /* Rebuild the second domain from scratch. */
                kill_domain(&d[1]);
                d[1] = make_domain(2, 16 + get8(&s) * 8, k & 16);
            }
            break;
        }
        }
        sim_fault_disarm();
        check("a step");
    }

    kill_domain(&d[0]);
    kill_domain(&d[1]);
    check("teardown");
    fuzz_world_leave(&fw);
    return 0;
}
