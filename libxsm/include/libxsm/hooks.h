/* SPDX-License-Identifier: MIT */
/*
 * The one list of XSM hooks.  Adding a hook here adds its `xsm_<name>()`
 * wrapper, its member of `struct xsm_ops`, its dummy implementation and the
 * declaration of its FLASK implementation (xsm.h expands the list four
 * times, as Xen's xen/include/xsm/hooks.h is expanded since 2026).
 *
 * Three kinds of entries; the including file defines the macros it needs:
 *
 *   XSM_CHECK(name, default, src, tgt, (parameters), (arguments))
 *       An access check.  Its wrapper takes the call site's default action
 *       first (`xsm_evtchn_send(XSM_HOOK, ld, &chn->ssid, ECS_...)`); the
 *       dummy policy applies `xsm_default_action(action, src, tgt)` and
 *       insists that the call site names `default`, at link time when the
 *       action is a constant.  Returns 0 or a negative errno.
 *   XSM_VOID(name, (parameters), (arguments))
 *       A labelling hook with no decision; the dummy does nothing.
 *   XSM_RET(type, name, dummy value, (parameters), (arguments))
 *       A hook with a result; the dummy returns `dummy value`.
 *
 * Domains are passed explicitly: hvcore has no `current`, so hooks that
 * use Xen's `current->domain` take it as `cur`.
 */

/* Event channels (reference/xsm.md §3). */
XSM_CHECK(evtchn_unbound, XSM_TARGET, cur, d,
          (struct domain *cur, struct domain *d, union xsm_evtchn_ssid *chn,
           domid_t id2),
          (cur, d, chn, id2))
XSM_CHECK(evtchn_interdomain, XSM_HOOK, d1, d2,
          (struct domain *d1, union xsm_evtchn_ssid *chn1, struct domain *d2,
           const union xsm_evtchn_ssid *chn2),
          (d1, chn1, d2, chn2))
XSM_CHECK(evtchn_send, XSM_HOOK, d, NULL,
          (struct domain *d, const union xsm_evtchn_ssid *chn,
           enum xsm_evtchn_state state),
          (d, chn, state))
XSM_CHECK(evtchn_status, XSM_TARGET, cur, d,
          (struct domain *cur, struct domain *d,
           const union xsm_evtchn_ssid *chn),
          (cur, d, chn))
XSM_CHECK(evtchn_reset, XSM_TARGET, d1, d2,
          (struct domain *d1, struct domain *d2),
          (d1, d2))
/* hvcore's 3-level event channel ABI: the control domain and driver
 * domains (a domain serving another as device model) may register it. */
XSM_CHECK(evtchn_extended, XSM_DM_PRIV, d, d->target,
          (struct domain *d),
          (d))
XSM_VOID(alloc_security_evtchn, (union xsm_evtchn_ssid *chn), (chn))
XSM_VOID(free_security_evtchn, (union xsm_evtchn_ssid *chn), (chn))
XSM_VOID(evtchn_close_post, (union xsm_evtchn_ssid *chn), (chn))

/* Grant tables (reference/xsm.md §4). */
XSM_CHECK(grant_mapref, XSM_HOOK, d1, d2,
          (struct domain *d1, struct domain *d2, uint32_t flags),
          (d1, d2, flags))
XSM_CHECK(grant_unmapref, XSM_HOOK, d1, d2,
          (struct domain *d1, struct domain *d2),
          (d1, d2))
XSM_CHECK(grant_setup, XSM_TARGET, d1, d2,
          (struct domain *d1, struct domain *d2),
          (d1, d2))
XSM_CHECK(grant_transfer, XSM_HOOK, d1, d2,
          (struct domain *d1, struct domain *d2),
          (d1, d2))
XSM_CHECK(grant_copy, XSM_HOOK, d1, d2,
          (struct domain *d1, struct domain *d2),
          (d1, d2))
XSM_CHECK(grant_query_size, XSM_TARGET, d1, d2,
          (struct domain *d1, struct domain *d2),
          (d1, d2))

/* Memory ops (Xen's xen/common/memory.c call sites). */
XSM_CHECK(memory_exchange, XSM_TARGET, cur, d,
          (struct domain *cur, struct domain *d),
          (cur, d))
XSM_CHECK(memory_adjust_reservation, XSM_TARGET, d1, d2,
          (struct domain *d1, struct domain *d2),
          (d1, d2))
XSM_CHECK(memory_stat_reservation, XSM_TARGET, d1, d2,
          (struct domain *d1, struct domain *d2),
          (d1, d2))
XSM_CHECK(add_to_physmap, XSM_TARGET, d1, d2,
          (struct domain *d1, struct domain *d2),
          (d1, d2))
XSM_CHECK(remove_from_physmap, XSM_TARGET, d1, d2,
          (struct domain *d1, struct domain *d2),
          (d1, d2))

/* Domains: labelling at creation and destruction. */
XSM_RET(int, alloc_security_domain, 0,
        (struct domain *d, const struct domain_config *cfg),
        (d, cfg))
XSM_VOID(free_security_domain, (struct domain *d), (d))

/* The xsm_op hypercall (FLASK's ops, public/xsm/flask_op.h). */
XSM_RET(long, do_xsm_op, -ENOSYS,
        (struct domain *cur, uint64_t op),
        (cur, op))
