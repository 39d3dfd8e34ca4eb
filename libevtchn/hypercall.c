/* SPDX-License-Identifier: MIT */
/*
 * The event_channel_op hypercalls: copy the argument structure in, run the
 * op, copy OUT fields back on success.
 *
 * Where hvcore differs from Xen: when the copy-back of a newly allocated
 * port fails, Xen returns -EFAULT and leaves the port allocated, so the
 * guest leaks a port it was never told about.  hvcore closes that port
 * again before returning -EFAULT (for bind_interdomain the remote end goes
 * back to UNBOUND, as after any close).
 */
#include <common/guest_access.h>
#include <common/hypercall.h>
#include <common/string.h>
#include <common/subsys.h>

#include "private.h"

union evtchn_op_args {
    struct evtchn_alloc_unbound alloc_unbound;
    struct evtchn_bind_interdomain bind_interdomain;
    struct evtchn_bind_virq bind_virq;
    struct evtchn_bind_pirq bind_pirq;
    struct evtchn_bind_ipi bind_ipi;
    struct evtchn_close close;
    struct evtchn_send send;
    struct evtchn_status status;
    struct evtchn_bind_vcpu bind_vcpu;
    struct evtchn_unmask unmask;
    struct evtchn_reset reset;
    struct evtchn_init_control init_control;
    struct evtchn_expand_array expand_array;
    struct evtchn_set_priority set_priority;
    struct evtchn_register_extended register_extended;
    struct evtchn_query_extended query_extended;
};

/* The argument size of `cmd`, or 0 for an unknown command. */
static size_t evtchn_op_size(unsigned long cmd)
{
    switch ( cmd )
    {
    case EVTCHNOP_bind_interdomain:
        return sizeof(struct evtchn_bind_interdomain);
    case EVTCHNOP_bind_virq:
        return sizeof(struct evtchn_bind_virq);
    case EVTCHNOP_bind_pirq:
        return sizeof(struct evtchn_bind_pirq);
    case EVTCHNOP_close:
        return sizeof(struct evtchn_close);
    case EVTCHNOP_send:
        return sizeof(struct evtchn_send);
    case EVTCHNOP_status:
        return sizeof(struct evtchn_status);
    case EVTCHNOP_alloc_unbound:
        return sizeof(struct evtchn_alloc_unbound);
    case EVTCHNOP_bind_ipi:
        return sizeof(struct evtchn_bind_ipi);
    case EVTCHNOP_bind_vcpu:
        return sizeof(struct evtchn_bind_vcpu);
    case EVTCHNOP_unmask:
        return sizeof(struct evtchn_unmask);
    case EVTCHNOP_reset:
    case EVTCHNOP_reset_cont:
        return sizeof(struct evtchn_reset);
    case EVTCHNOP_init_control:
        return sizeof(struct evtchn_init_control);
    case EVTCHNOP_expand_array:
        return sizeof(struct evtchn_expand_array);
    case EVTCHNOP_set_priority:
        return sizeof(struct evtchn_set_priority);
    case EVTCHNOP_register_extended:
        return sizeof(struct evtchn_register_extended);
    case EVTCHNOP_query_extended:
        return sizeof(struct evtchn_query_extended);
    default:
        return 0;
    }
}

/*
 * Runs `cmd` on the copied-in `a`.  Sets `*copy_back` when OUT fields must
 * be written back and `*new_port`/`*port_dom` when the op allocated a port
 * (to be closed again if the copy-back fails).
 */
static int evtchn_op_run(struct vcpu *v, unsigned long cmd,
                         union evtchn_op_args *a, bool *copy_back,
                         unsigned int *new_port, domid_t *port_dom)
{
    struct domain *d = v->domain;
    int rc;

    *copy_back = false;
    *new_port = 0;
    *port_dom = DOMID_SELF;
    switch ( cmd )
    {
    case EVTCHNOP_send:
        return evtchn_send(d, a->send.port);
    case EVTCHNOP_alloc_unbound:
        rc = evtchn_alloc_unbound(d, &a->alloc_unbound);
        *copy_back = true;
        *new_port = a->alloc_unbound.port;
        *port_dom = a->alloc_unbound.dom;
        return rc;
    case EVTCHNOP_bind_interdomain:
        rc = evtchn_bind_interdomain(d, &a->bind_interdomain);
        *copy_back = true;
        *new_port = a->bind_interdomain.local_port;
        return rc;
    case EVTCHNOP_bind_virq:
        rc = evtchn_bind_virq(d, &a->bind_virq);
        *copy_back = true;
        *new_port = a->bind_virq.port;
        return rc;
    case EVTCHNOP_bind_pirq:
        rc = evtchn_bind_pirq(d, &a->bind_pirq);
        *copy_back = true;
        *new_port = a->bind_pirq.port;
        return rc;
    case EVTCHNOP_bind_ipi:
        rc = evtchn_bind_ipi(d, &a->bind_ipi);
        *copy_back = true;
        *new_port = a->bind_ipi.port;
        return rc;
    case EVTCHNOP_close:
        return evtchn_close(d, a->close.port, true);
    case EVTCHNOP_status:
        *copy_back = true;
        return evtchn_status(d, &a->status);
    case EVTCHNOP_bind_vcpu:
        return evtchn_bind_vcpu(d, a->bind_vcpu.port, a->bind_vcpu.vcpu);
    case EVTCHNOP_unmask:
        return evtchn_unmask(d, a->unmask.port);
    case EVTCHNOP_reset:
        return evtchn_reset(d, a->reset.dom, false);
    case EVTCHNOP_reset_cont:
        return evtchn_reset(d, a->reset.dom, true);
    case EVTCHNOP_init_control:
        *copy_back = true;
        return evtchn_fifo_init_control(v, &a->init_control);
    case EVTCHNOP_expand_array:
        return evtchn_fifo_expand_array(d, &a->expand_array);
    case EVTCHNOP_set_priority:
        return evtchn_set_priority(d, &a->set_priority);
    case EVTCHNOP_register_extended:
        return evtchn_register_extended(d, &a->register_extended);
    case EVTCHNOP_query_extended:
        *copy_back = true;
        return evtchn_query_extended(d, &a->query_extended);
    default:
        return -ENOSYS;
    }
}

/* Closes a port whose number could not be given to the guest. */
static void evtchn_undo_port(struct vcpu *v, domid_t dom, unsigned int port)
{
    struct domain *d;

    if ( domain_resolve(v->domain, dom, &d) )
        return;
    evtchn_close_if_open(d, port, true);
    put_domain(d);
}

/*
 * Every command but send: copy the argument in, run, copy OUT fields back.
 * Kept out of line so the send path does not pay for this frame.
 */
static __attribute__((noinline)) long
evtchn_op_general(struct vcpu *v, unsigned long cmd, uint64_t arg)
{
    struct domain *d = v->domain;
    union evtchn_op_args a;
    size_t size;
    unsigned int new_port;
    domid_t port_dom;
    bool copy_back;
    int rc;

    size = evtchn_op_size(cmd);
    if ( !size )
        return -ENOSYS;
    if ( copy_from_guest_phys(d, &a, arg, size) )
        return -EFAULT;

    rc = evtchn_op_run(v, cmd, &a, &copy_back, &new_port, &port_dom);
    if ( rc == -ERESTART )
        return hypercall_create_continuation(v,
                                             __HYPERVISOR_event_channel_op, 2,
                                             (uint64_t)EVTCHNOP_reset_cont,
                                             arg);
    if ( rc || !copy_back )
        return rc;
    if ( copy_to_guest_phys(d, arg, &a, size) )
    {
        if ( new_port )
            evtchn_undo_port(v, port_dom, new_port);
        return -EFAULT;
    }
    return 0;
}

/**
 * Hypercall 32.  -ENOSYS (unknown cmd), -EFAULT (copy in, or copy back),
 * else the op's result; a preempted reset continues as EVTCHNOP_reset_cont.
 */
long do_event_channel_op(struct vcpu *v, unsigned long cmd, uint64_t arg)
{
    if ( unlikely(cmd != EVTCHNOP_send) )
        return evtchn_op_general(v, cmd, arg);
    return evtchn_send_hypercall(v, arg);
}

/**
 * Hypercall 16: one `struct evtchn_op`, commands 0..9 only (else -ENOSYS).
 * -EFAULT for a failed copy in or back.
 */
long do_event_channel_op_compat(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct evtchn_op op;
    union evtchn_op_args a;
    unsigned int new_port;
    domid_t port_dom;
    bool copy_back;
    int rc;

    if ( copy_from_guest(d, &op, arg) )
        return -EFAULT;
    if ( op.cmd > EVTCHNOP_unmask )
        return -ENOSYS;

    memset(&a, 0, sizeof(a));
    memcpy(&a, &op.u, sizeof(op.u));
    rc = evtchn_op_run(v, op.cmd, &a, &copy_back, &new_port, &port_dom);
    if ( rc || !copy_back )
        return rc;
    memcpy(&op.u, &a, sizeof(op.u));
    if ( copy_to_guest(d, arg, &op) )
    {
        if ( new_port )
            evtchn_undo_port(v, port_dom, new_port);
        return -EFAULT;
    }
    return 0;
}
