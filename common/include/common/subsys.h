/* SPDX-License-Identifier: MIT */
/*
 * What each subsystem provides to common/'s domain lifecycle and hypercall
 * entry, implemented by the libraries.
 *
 * Init hooks run in this order at domain creation and are undone in reverse
 * on failure: xsm, mm, evtchn, gnttab.  Destroy hooks run in the order
 * gnttab, evtchn, mm, xsm and may return -ERESTART to be called again.
 */
#ifndef COMMON_SUBSYS_H
#define COMMON_SUBSYS_H

#include <common/compiler.h>
#include <common/domain.h>

/*
 * Global start-up and tear-down, called by `hvcore_init`/`hvcore_fini`
 * (common/init.c) in the order mm, xsm, evtchn, gnttab and back.  A fini
 * returns the subsystem to its state before init, so tests can build a fresh
 * world in one process.
 */
int __must_check mm_init(void);
void mm_fini(void);
int __must_check xsm_init(void);
void xsm_fini(void);
int __must_check evtchn_init(void);
void evtchn_fini(void);
int __must_check gnttab_init(void);
void gnttab_fini(void);

int __must_check xsm_domain_init(struct domain *d,
                                 const struct domain_config *cfg);
void xsm_domain_destroy(struct domain *d);

int __must_check mm_domain_init(struct domain *d,
                                const struct domain_config *cfg);
int __must_check mm_domain_relinquish(struct domain *d);
void mm_domain_destroy(struct domain *d);

int __must_check evtchn_domain_init(struct domain *d,
                                    const struct domain_config *cfg);
int __must_check evtchn_domain_relinquish(struct domain *d);
void evtchn_domain_destroy(struct domain *d);
/* `d` has released everything: tell VIRQ_DOM_EXC's handler, as Xen does. */
void evtchn_domain_dead(struct domain *d);

/*
 * libevtchn's answer to FLASK's GET_PEER_SID, called by libxsm (which may
 * not include libevtchn): the domain at the other end of `d`'s
 * interdomain `port`, with a reference the caller drops (put_domain);
 * NULL if `port` is not a valid interdomain port.  Taken under `d`'s event
 * lock, while the channel still binds that domain.
 */
struct domain *evtchn_interdomain_peer(struct domain *d, unsigned int port);

int __must_check gnttab_domain_init(struct domain *d,
                                    const struct domain_config *cfg);
int __must_check gnttab_domain_relinquish(struct domain *d);
void gnttab_domain_destroy(struct domain *d);

/*
 * libgnttab's part of XENMEM_add_to_physmap (XENMAPSPACE_grant_table),
 * called by libmm's memory_op: maps grant frame `idx` (status frame with
 * bit 31 set) of `d` at `gfn`.  Returns 0 or a negative errno.
 */
int __must_check gnttab_map_frame(struct domain *d, unsigned long idx,
                                  gfn_t gfn);

/*
 * Hypercall handlers.  Arguments are the guest's registers; pointers are
 * guest-physical addresses of the caller (common/guest_access.h).
 */
long do_memory_op(struct vcpu *v, unsigned long cmd, uint64_t arg);
long do_event_channel_op(struct vcpu *v, unsigned long cmd, uint64_t arg);
long do_event_channel_op_compat(struct vcpu *v, uint64_t arg);
long do_grant_table_op(struct vcpu *v, unsigned long cmd, uint64_t uop,
                       unsigned long count);
long do_xsm_op(struct vcpu *v, uint64_t op);

#endif /* COMMON_SUBSYS_H */
