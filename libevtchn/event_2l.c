/* SPDX-License-Identifier: MIT */
/*
 * The 2-level ABI (reference/evtchn.md §2): pending and mask bitmaps in
 * shared_info, the selector and upcall flag in each vcpu_info, exactly as
 * Xen lays them out.  The word width W, and with it the layout and the
 * W * W port limit, follow the domain's guest width at every use (XSA-342):
 * 64 and 4096 ports for a 64-bit guest, 32 and 1024 for a 32-bit one.
 */
#include <common/printk.h>

#include "event_2l.h"

static unsigned int evtchn_2l_max_ports(const struct domain *d)
{
    unsigned int w = l2_word_bits(l2_compat(d));

    return w * w;
}

static void evtchn_2l_clear_pending(struct domain *d, struct evtchn *chn,
                                    unsigned int port)
{
    bool compat = l2_compat(d);
    unsigned int w = l2_word_bits(compat);

    (void)chn;
    if ( port < w * w )
        guest_test_and_clear_bit(l2_pending(d, compat), port);
}

/*
 * Unmask (hypercall path): only if the mask bit was set, and the port is
 * pending, and the selector bit was clear, mark events pending.
 */
static void evtchn_2l_unmask(struct domain *d, struct evtchn *chn,
                             unsigned int port)
{
    bool compat = l2_compat(d);
    unsigned int w = l2_word_bits(compat);
    struct vcpu *v = d->vcpu[hal_read_once(&chn->notify_vcpu_id)];

    if ( port >= w * w )
        return;
    if ( guest_test_and_clear_bit(l2_mask(d, compat), port) &&
         guest_test_bit(l2_pending(d, compat), port) &&
         !guest_test_and_set_bit(vcpu_pending_sel(v, compat),
                                 port / w) )
        vcpu_mark_events_pending(v);
}

static bool evtchn_2l_is_pending(const struct domain *d, unsigned int port)
{
    bool compat = l2_compat(d);
    unsigned int w = l2_word_bits(compat);

    return port < w * w &&
           guest_test_bit(l2_pending(d, compat), port);
}

static bool evtchn_2l_is_masked(const struct domain *d, unsigned int port)
{
    bool compat = l2_compat(d);
    unsigned int w = l2_word_bits(compat);

    return port >= w * w ||
           guest_test_bit(l2_mask(d, compat), port);
}

/* The dump's ABI column: the selector bit of the notified vCPU. */
static void evtchn_2l_print_state(struct domain *d, unsigned int vcpu_id,
                                  unsigned int port, char *buf, size_t size)
{
    bool compat = l2_compat(d);
    unsigned int w = l2_word_bits(compat);
    struct vcpu *v = d->vcpu[vcpu_id];

    hv_snprintf(buf, size, "%d",
                port < w * w &&
                guest_test_bit(vcpu_pending_sel(v, compat), port / w));
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
