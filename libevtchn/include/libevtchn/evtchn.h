/* SPDX-License-Identifier: MIT */
/*
 * libevtchn's interface to the rest of the hypervisor, the toolstack side
 * and the simulator's guest side.  The guest's own interface is the
 * event_channel_op hypercall (public/event_channel.h); evtchn_init,
 * evtchn_domain_* and do_event_channel_op* are declared in common/subsys.h.
 */
#ifndef LIBEVTCHN_EVTCHN_H
#define LIBEVTCHN_EVTCHN_H

#include <common/compiler.h>
#include <common/domain.h>
#include <common/selftest.h>
#include <common/types.h>
#include <libevtchn/channel.h>
#include <public/event_channel.h>

/* Physical IRQs a domain may be given (the simulator injects them). */
#define EVTCHN_NR_PIRQS 256

/* Xen consumers: in-hypervisor users of a channel (at most 7 callbacks). */
#define EVTCHN_NR_XEN_CONSUMERS 7
typedef void (*xen_event_channel_notification_t)(struct vcpu *v,
                                                 unsigned int port);

/** Where a domain's shared_info page is: a hypervisor page, by frame. */
mfn_t evtchn_shared_info_mfn(const struct domain *d);

/**
 * Where vCPU `vcpu_id`'s vcpu_info is: its frame and the byte offset in
 * it.  Returns 0, or -ENOENT if there is no such vCPU.
 */
int __must_check evtchn_vcpu_info_location(const struct domain *d,
                                           unsigned int vcpu_id, mfn_t *mfn,
                                           unsigned int *offset);

/**
 * Creates an unbound channel in `ld` owned by the hypervisor, notifying
 * vCPU `lvcpu`, which `remote_domid` may bind to; `fn` runs when the remote
 * end sends (NULL: raise an upcall on the vCPU).  Returns the port (> 0) or
 * -ENOENT (no vCPU), -EINVAL (dying), -ENOSPC, -ENOMEM.  BUG if more than
 * EVTCHN_NR_XEN_CONSUMERS distinct callbacks are ever registered.
 */
int __must_check alloc_unbound_xen_event_channel(
    struct domain *ld, unsigned int lvcpu, domid_t remote_domid,
    xen_event_channel_notification_t fn);

/** Closes a channel made by alloc_unbound_xen_event_channel. */
void free_xen_event_channel(struct domain *ld, unsigned int lport);

/** Sends on a Xen-owned channel to its bound remote end (if any). */
void notify_via_xen_event_channel(struct domain *ld, unsigned int lport);

/**
 * EVTCHNOP_send on `lport` of `ld`, for hypervisor callers that already hold
 * the port number (the hypercall handler, benchmarks).  See event_channel.c
 * for the errors.
 */
int __must_check evtchn_send(struct domain *ld, unsigned int lport);

/** EVTCHNOP_unmask on `port` of `d`: 0, or -EINVAL for an invalid port. */
int __must_check evtchn_unmask(struct domain *d, unsigned int port);

/* Virtual IRQs: raised by the hypervisor (tests call these). */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
void send_guest_domain_virq(struct domain *d, unsigned int virq);
void send_global_virq(unsigned int virq);

/**
 * Makes `d` the handler of global virq `virq` (Xen's domctl
 * set_virq_handler).  Errors: -EINVAL (not a global virq, or `d` dying),
 * -EBUSY (the current handler still has it bound).
 */
int __must_check evtchn_set_virq_handler(unsigned int virq, struct domain *d);

/** The handler domain of global virq `virq` (no reference), or NULL. */
struct domain *evtchn_virq_handler(unsigned int virq);

/**
 * Toolstack: gives `d` access to physical IRQ `pirq` (or takes it away).
 * -EINVAL for a pirq out of range.
 */
int __must_check evtchn_pirq_permit(struct domain *d, unsigned int pirq,
                                    bool allow);

/** A physical IRQ fired: delivers it to the channel `d` bound it to. */
void evtchn_pirq_inject(struct domain *d, unsigned int pirq);

/** Statistics of one domain, for tests, hvsim and benchmarks. */
struct evtchn_domain_stats {
    unsigned int valid_evtchns;   /* ports with storage */
    unsigned int active_evtchns;  /* ports in use (not FREE, not port 0) */
    unsigned int xen_evtchns;     /* of which owned by Xen consumers */
    unsigned int max_ports;       /* the current ABI's limit */
    unsigned int buckets;         /* bucket pages */
    unsigned int groups;          /* group pages */
    unsigned int abi;             /* EVTCHN_ABI_* in use */
    unsigned int l3_pages;        /* guest pages mapped for 3 levels */
    unsigned int fifo_pages;      /* guest pages mapped for FIFO */
};
void evtchn_domain_get_stats(struct domain *d,
                             struct evtchn_domain_stats *st);

/** State of one port as the dump sees it; -EINVAL for a port not valid. */
struct evtchn_port_info {
    uint8_t state;
    uint8_t xen_consumer;
    bool pending, masked;
    uint16_t vcpu;
    domid_t remote_domid;         /* UNBOUND, INTERDOMAIN */
    uint32_t remote_port;         /* INTERDOMAIN */
    uint32_t irq;                 /* PIRQ: pirq, VIRQ: virq */
    uint32_t sid;                 /* the inline XSM label */
};
int __must_check evtchn_port_info(struct domain *d, unsigned int port,
                                  struct evtchn_port_info *info);

/* Ports the dump copies per hold of a domain's event lock. */
#define EVTCHN_DUMP_BATCH 64

/**
 * Prints every domain's channels (Xen's debug key 'e').  Copies at most
 * EVTCHN_DUMP_BATCH ports into a snapshot per hold of the event lock and
 * prints from the snapshot with no lock held (seed 001 item 6).
 */
void evtchn_dump(void);

/** As evtchn_dump for one domain. */
void evtchn_dump_domain(struct domain *d);

/**
 * Invariant checker: every interdomain channel's peer points back, state
 * counts match the counters, buckets and groups match the valid ports,
 * virq and pirq tables match their channels, every registered guest page
 * is mapped once.  Prints each violation; returns 0 or -EINVAL.  Call while
 * no other CPU changes event channels.
 */
int __must_check evtchn_check(void);

/**
 * The FIFO queues as guests that follow the ABI leave them (tests): each
 * queue whose head the guest has not taken links, through LINKED words and
 * without a cycle, to the queue's tail, whose LINK is 0.  The words are
 * the guest's, so a guest that rewrites them fails it: fuzzers, whose
 * guests do, call only evtchn_check.  Prints each violation; returns 0 or
 * -EINVAL.  Call while no other CPU changes event channels.
 */
int __must_check evtchn_check_fifo_queues(void);

/** The freestanding self-tests (ctest and the boot target). */
extern const struct selftest_suite evtchn_selftest_suite;

#endif /* LIBEVTCHN_EVTCHN_H */
