/* SPDX-License-Identifier: MIT */
/*
 * do_grant_table_op: hypercall 20's dispatch (reference/gnttab.md §1).
 *
 * Batched ops read their argument array in chunks of GNTTAB_UNMAP_BATCH
 * elements, run them, and write the chunk back; between chunks (and for
 * map, transfer and swap, between elements) they check for preemption and
 * continue with the handle advanced and `count` reduced, as Xen's
 * continuations do.  A stop before any progress still continues (XSA-318).
 * Per-element results go in each element's `status`; the call returns 0,
 * or -EFAULT for an unreadable or unwritable array.
 */
#include <common/guest_access.h>
#include <common/hypercall.h>
#include <common/subsys.h>

#include "private.h"

#define CHUNK GNTTAB_UNMAP_BATCH

/** Asks for a continuation at element `done` of `count`. */
static long continue_at(struct vcpu *v, unsigned long cmd, uint64_t uop,
                        unsigned long count, unsigned long done, size_t size)
{
    return hypercall_create_continuation(v, __HYPERVISOR_grant_table_op, 3,
                                         (uint64_t)cmd,
                                         uop + done * size,
                                         (uint64_t)(count - done));
}

/** map_grant_ref, in chunks, one preemption check per element. */
static long op_map(struct vcpu *v, unsigned long cmd, uint64_t uop,
                   unsigned long count)
{
    struct gnttab_map_grant_ref ops[CHUNK];
    struct gnttab_map_cache mc;
    struct domain *d = v->domain;
    unsigned long i = 0;
    long rc = 0;

    gnttab_map_cache_init(v, &mc);

    while ( i < count )
    {
        unsigned int n = count - i < CHUNK ? (unsigned int)(count - i)
                                           : CHUNK, k;
        uint64_t at = uop + i * sizeof(ops[0]);

        rc = -EFAULT;
        if ( copy_from_guest_phys(d, ops, at, n * sizeof(ops[0])) )
            break;
        gnttab_map_cache_reserve(v, &mc, n);
        for ( k = 0; k < n; k++ )
        {
            if ( (i || k) && hypercall_preempt_check() )
                break;
            gnttab_map_one(v, &ops[k], &mc);
        }
        gnttab_map_cache_unlock(&mc); /* no granter lock over guest copies */
        if ( copy_to_guest_phys(d, at, ops, k * sizeof(ops[0])) )
            break;
        rc = 0;
        i += k;
        if ( k < n )
        {
            rc = continue_at(v, cmd, uop, count, i, sizeof(ops[0]));
            break;
        }
    }
    gnttab_map_cache_end(v, &mc);
    return rc;
}

/**
 * unmap_grant_ref and unmap_and_replace: 32 per TLB flush.  A replace
 * ignores dev_bus_addr (Xen treats it as 0) and passes new_addr on (a
 * non-zero one is general_error without HVCORE_GNTTAB_EXT_PV_MAPS).
 */
static long op_unmap(struct vcpu *v, unsigned long cmd, uint64_t uop,
                     unsigned long count, bool replace)
{
    struct gnttab_unmap_grant_ref ops[CHUNK];
    struct gnttab_unmap_and_replace rep[CHUNK];
    uint64_t new_addr[CHUNK];
    struct domain *d = v->domain;
    size_t size = replace ? sizeof(rep[0]) : sizeof(ops[0]);
    unsigned long i = 0;

    while ( i < count )
    {
        unsigned int n = count - i < CHUNK ? (unsigned int)(count - i)
                                           : CHUNK, k;
        uint64_t at = uop + i * size;

        if ( i && hypercall_preempt_check() )
            return continue_at(v, cmd, uop, count, i, size);
        if ( copy_from_guest_phys(d, replace ? (void *)rep : (void *)ops,
                                  at, n * size) )
            return -EFAULT;
        if ( replace )
        {
            for ( k = 0; k < n; k++ )
            {
                ops[k].host_addr = rep[k].host_addr;
                ops[k].dev_bus_addr = 0;
                ops[k].handle = rep[k].handle;
                new_addr[k] = rep[k].new_addr;
            }
        }
        gnttab_unmap_batch(v, ops, replace ? new_addr : NULL, n);
        if ( replace )
        {
            for ( k = 0; k < n; k++ )
                rep[k].status = ops[k].status;
        }
        if ( copy_to_guest_phys(d, at, replace ? (void *)rep : (void *)ops,
                                n * size) )
            return -EFAULT;
        i += n;
    }
    return 0;
}

/**
 * copy: the sides stay acquired across chunks (Xen keeps its buffers for
 * the whole call) and are released before a continuation or an error
 * return; a preemption check between chunks.  An op through a transitive
 * entry that changed under it is made again by a continuation at that op
 * (Xen's ERESTART), so the guest sees its final answer, never eagain.
 */
static long op_copy(struct vcpu *v, unsigned long cmd, uint64_t uop,
                    unsigned long count)
{
    struct gnttab_copy ops[CHUNK];
    struct gnttab_copy_bufs bufs = { .src.d = NULL, .dst.d = NULL };
    struct domain *d = v->domain;
    unsigned long i = 0;
    unsigned int done;
    long rc = 0;

    while ( i < count )
    {
        unsigned int n = count - i < CHUNK ? (unsigned int)(count - i)
                                           : CHUNK;
        uint64_t at = uop + i * sizeof(ops[0]);

        if ( i && hypercall_preempt_check() )
        {
            rc = continue_at(v, cmd, uop, count, i, sizeof(ops[0]));
            break;
        }
        rc = -EFAULT;
        if ( copy_from_guest_phys(d, ops, at, n * sizeof(ops[0])) )
            break;
        done = gnttab_copy_batch(v, ops, n, &bufs);
        if ( copy_to_guest_phys(d, at, ops, done * sizeof(ops[0])) )
            break;
        rc = 0;
        i += done;
        if ( done < n )
        {
            rc = continue_at(v, cmd, uop, count, i, sizeof(ops[0]));
            break;
        }
    }
    gnttab_copy_bufs_release(v, &bufs);
    return rc;
}

/** transfer and swap_grant_ref: one element at a time. */
static long op_each(struct vcpu *v, unsigned int op, unsigned long cmd,
                    uint64_t uop, unsigned long count)
{
    struct domain *d = v->domain;
    unsigned long i;

    for ( i = 0; i < count; i++ )
    {
        if ( i && hypercall_preempt_check() )
            return continue_at(v, cmd, uop, count, i,
                               op == GNTTABOP_transfer
                                   ? sizeof(struct gnttab_transfer)
                                   : sizeof(struct gnttab_swap_grant_ref));
        if ( op == GNTTABOP_transfer )
        {
            struct gnttab_transfer t;
            uint64_t at = uop + i * sizeof(t);

            if ( copy_from_guest(d, &t, at) )
                return -EFAULT;
            gnttab_transfer_one(v, &t);
            if ( copy_to_guest(d, at, &t) )
                return -EFAULT;
        }
        else
        {
            struct gnttab_swap_grant_ref s;
            uint64_t at = uop + i * sizeof(s);

            if ( copy_from_guest(d, &s, at) )
                return -EFAULT;
            s.status = (int16_t)gnttab_swap_grant_ref_op(v, s.ref_a, s.ref_b);
            if ( copy_to_guest(d, at, &s) )
                return -EFAULT;
        }
    }
    return 0;
}

/**
 * See common/subsys.h.  Errors of the call itself: -EINVAL (negative
 * count, continuation bits on an op without one, count != 1 where one
 * element is required), -EFAULT, -ENOSYS (unknown op, dump_table, and
 * cache_flush as on x86), and the errnos of set_version/get_version.
 */
long do_grant_table_op(struct vcpu *v, unsigned long cmd, uint64_t uop,
                       unsigned long count)
{
    unsigned int op = cmd & GNTTABOP_CMD_MASK;
    struct domain *d = v->domain;
    long rc;

    if ( (int)(unsigned int)count < 0 || count > 0xffffffffUL )
        return -EINVAL;
    if ( (cmd >> GNTTABOP_CONTINUATION_ARG_SHIFT) &&
         op != GNTTABOP_cache_flush )
        return -EINVAL;
    if ( !d->grant_table )
        return -ENOSYS;

    switch ( op )
    {
    case GNTTABOP_map_grant_ref:
        return op_map(v, cmd, uop, count);
    case GNTTABOP_unmap_grant_ref:
        return op_unmap(v, cmd, uop, count, false);
    case GNTTABOP_unmap_and_replace:
        return op_unmap(v, cmd, uop, count, true);
    case GNTTABOP_copy:
        return op_copy(v, cmd, uop, count);
    case GNTTABOP_transfer:
    case GNTTABOP_swap_grant_ref:
        return op_each(v, op, cmd, uop, count);
    case GNTTABOP_setup_table:
    {
        struct gnttab_setup_table s;

        if ( count != 1 )
            return -EINVAL;
        if ( copy_from_guest(d, &s, uop) )
            return -EFAULT;
        s.status = (int16_t)gnttab_setup_table_op(v, &s);
        return copy_to_guest(d, uop, &s) ? -EFAULT : 0;
    }
    case GNTTABOP_query_size:
    {
        struct gnttab_query_size q;

        if ( count != 1 )
            return -EINVAL;
        if ( copy_from_guest(d, &q, uop) )
            return -EFAULT;
        q.status = (int16_t)gnttab_query_size_op(v, &q);
        return copy_to_guest(d, uop, &q) ? -EFAULT : 0;
    }
    case GNTTABOP_get_status_frames:
    {
        struct gnttab_get_status_frames g;

        if ( count != 1 )
            return -EINVAL;
        if ( copy_from_guest(d, &g, uop) )
            return -EFAULT;
        g.status = (int16_t)gnttab_get_status_frames_op(v, &g);
        return copy_to_guest(d, uop, &g) ? -EFAULT : 0;
    }
    case GNTTABOP_set_version:
    {
        struct gnttab_set_version s;

        if ( copy_from_guest(d, &s, uop) )
            return -EFAULT;
        rc = gnttab_set_version_op(v, &s.version);
        if ( copy_to_guest(d, uop, &s) )
            return -EFAULT;
        return rc;
    }
    case GNTTABOP_get_version:
    {
        struct gnttab_get_version g;

        if ( copy_from_guest(d, &g, uop) )
            return -EFAULT;
        rc = gnttab_get_version_op(v, &g);
        if ( !rc && copy_to_guest(d, uop, &g) )
            return -EFAULT;
        return rc;
    }
    case GNTTABOP_dump_table:
    case GNTTABOP_cache_flush:
    default:
        return -ENOSYS;
    }
}
