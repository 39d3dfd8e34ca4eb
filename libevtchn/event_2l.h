/* SPDX-License-Identifier: MIT */
/*
 * The 2-level ABI's bitmap helpers and the marking of a port pending,
 * inline: the send path marks a 2-level peer directly (send.c), and
 * event_2l.c builds the port-ops table's set_pending from the same
 * function.
 */
#ifndef LIBEVTCHN_EVENT_2L_H
#define LIBEVTCHN_EVENT_2L_H

#include "private.h"

static inline bool l2_compat(const struct domain *d)
{
    return hal_read_once(&d->is_32bit);
}

/* log2 of the word width W: 5 for a 32-bit guest, 6 for a 64-bit one. */
static inline unsigned int l2_word_shift(bool compat)
{
    return compat ? 5 : 6;
}

/* W * W ports: 1024 for a 32-bit guest, 4096 for a 64-bit one. */
static inline unsigned int l2_nr_ports(bool compat)
{
    return 1U << (2 * l2_word_shift(compat));
}

/* A bitmap of shared_info: `native` or `compat` is its offset there. */
static inline void *l2_shared(const struct domain *d, bool compat,
                              size_t native, size_t compat_off)
{
    return (char *)d->evtchn->shared_info + (compat ? compat_off : native);
}

#define l2_pending(d, compat)                                               \
    l2_shared((d), (compat),                                                \
              __builtin_offsetof(struct shared_info, evtchn_pending),       \
              __builtin_offsetof(struct compat_shared_info, evtchn_pending))
#define l2_mask(d, compat)                                                  \
    l2_shared((d), (compat),                                                \
              __builtin_offsetof(struct shared_info, evtchn_mask),          \
              __builtin_offsetof(struct compat_shared_info, evtchn_mask))

/*
 * Sets pending on `port` of `d`; if it was clear and the port is not
 * masked, sets the selector bit in `v`'s vcpu_info.  Returns true on the
 * selector's edge (evtchn_bit_edge).  One body per guest width (`compat` is a
 * constant in each), so each has its own offsets and shifts as
 * immediates; the addresses are taken before the first locked write, which
 * the compiler does not move loads across.
 */
static __always_inline bool l2_mark(struct domain *d, struct vcpu *v,
                                    unsigned int port, bool compat)
{
    void *pending = l2_pending(d, compat), *mask = l2_mask(d, compat);
    void *sel = vcpu_pending_sel(v, compat);

    return port < l2_nr_ports(compat) && !test_and_set_bit(port, pending) &&
           !test_bit(port, mask) &&
           evtchn_bit_edge(sel, port >> l2_word_shift(compat));
}

static __always_inline bool evtchn_2l_mark(struct domain *d, struct vcpu *v,
                                           unsigned int port)
{
    return l2_compat(d) ? l2_mark(d, v, port, true)
                        : l2_mark(d, v, port, false);
}

/* The port-ops table's set_pending (event_2l.c). */
static inline void evtchn_2l_set_pending(struct vcpu *v, struct evtchn *chn,
                                         unsigned int port)
{
    (void)chn;
    if ( evtchn_2l_mark(v->domain, v, port) )
        vcpu_mark_events_pending(v);
}

#endif /* LIBEVTCHN_EVENT_2L_H */
