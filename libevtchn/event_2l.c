/* SPDX-License-Identifier: MIT */
/*
 * The 2-level ABI (reference/evtchn.md §2): pending and mask bitmaps in
 * shared_info, the selector and upcall flag in each vcpu_info, exactly as
 * Xen lays them out.  The word width W, and with it the layout and the
 * W * W port limit, follow the domain's guest width at every use (XSA-342):
 * 64 and 4096 ports for a 64-bit guest, 32 and 1024 for a 32-bit one
 * (event_2l.h).
 */
#include <common/printk.h>

#include "event_2l.h"

static unsigned int evtchn_2l_max_ports(const struct domain *d)
{
    return l2_nr_ports(l2_compat(d));
}

static void evtchn_2l_clear_pending(struct domain *d, struct evtchn *chn,
                                    unsigned int port)
{
    bool compat = l2_compat(d);

    (void)chn;
    if ( port < l2_nr_ports(compat) )
        test_and_clear_bit(port, l2_pending(d, compat));
}

/*
 * Unmask (hypercall path): only if the mask bit was set, and the port is
 * pending, and the selector bit was clear, mark events pending.
 */
static void evtchn_2l_unmask(struct domain *d, struct evtchn *chn,
                             unsigned int port)
{
    bool compat = l2_compat(d);
    struct vcpu *v = d->vcpu[hal_read_once(&chn->notify_vcpu_id)];

    if ( port < l2_nr_ports(compat) &&
         test_and_clear_bit(port, l2_mask(d, compat)) &&
         test_bit(port, l2_pending(d, compat)) &&
         evtchn_bit_edge(vcpu_pending_sel(v, compat),
                         port >> l2_word_shift(compat)) )
        vcpu_mark_events_pending(v);
}

static bool evtchn_2l_is_pending(const struct domain *d, unsigned int port)
{
    bool compat = l2_compat(d);

    return port < l2_nr_ports(compat) &&
           test_bit(port, l2_pending(d, compat));
}

static bool evtchn_2l_is_masked(const struct domain *d, unsigned int port)
{
    bool compat = l2_compat(d);

    return port >= l2_nr_ports(compat) ||
           test_bit(port, l2_mask(d, compat));
}

/* The dump's ABI column: the selector bit of the notified vCPU. */
static void evtchn_2l_print_state(struct domain *d, unsigned int vcpu_id,
                                  unsigned int port, char *buf, size_t size)
{
    bool compat = l2_compat(d);
    struct vcpu *v = d->vcpu[vcpu_id];

    hv_snprintf(buf, size, "%d",
                port < l2_nr_ports(compat) &&
                test_bit(port >> l2_word_shift(compat),
                         vcpu_pending_sel(v, compat)));
}

const struct evtchn_port_ops evtchn_port_ops_2l = {
    .abi = EVTCHN_ABI_2LEVEL,
    .max_ports = evtchn_2l_max_ports,
    .set_pending = evtchn_2l_set_pending,
    .clear_pending = evtchn_2l_clear_pending,
    .unmask = evtchn_2l_unmask,
    .is_pending = evtchn_2l_is_pending,
    .is_masked = evtchn_2l_is_masked,
    .print_state = evtchn_2l_print_state,
};
