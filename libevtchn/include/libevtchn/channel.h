/* SPDX-License-Identifier: MIT */
/*
 * One event channel, and how channels are stored (seed 000, seed 001 item 5).
 *
 * `struct evtchn` is 32 bytes on x86-64 where Xen's is 64: the per-channel
 * lock is one byte (libevtchn/chn_lock.h); the Xen-consumer index, the FIFO
 * `pending` flag and the FIFO priority share one bitfield byte after the
 * state (FIFO code changes that byte with compare-exchange: senders of two
 * different channels may write it); the FIFO's last queue is one 16-bit
 * word, vCPU id << 4 | priority, read and written whole as Xen's 32-bit
 * `fifo_lastq` is; the FLASK sid is stored inline (union xsm_evtchn_ssid,
 * 4 bytes); the per-state union is packed to 20 bytes.  An interdomain
 * channel keeps its peer's channel beside the peer's domain and port, so a
 * send reaches the peer with one load instead of the peer's bucket walk
 * (the peer's bucket cannot go while the two are bound).  The channel does not store
 * its own port number: every internal interface passes the port beside the
 * channel.
 *
 *   off size  field
 *     0    1  lock             senders and state changes (chn_lock.h)
 *     1    1  state            ECS_*
 *     2    1  xen_consumer:3   0 = guest channel, else consumer table index + 1
 *                pending:1     FIFO: pending while the port has no array page
 *                priority:4    FIFO priority, 0..15 (default 7)
 *     3    1  (unused)
 *     4    2  notify_vcpu_id
 *     6    2  fifo_lastq       FIFO: the last queue, vCPU << 4 | priority
 *     8    4  ssid             inline FLASK sid
 *    12   20  u                per-state data; interdomain: the peer's
 *                              channel (12), domain (20) and port (28)
 *
 * Storage: buckets of EVTCHNS_PER_BUCKET channels, one xenheap page each
 * (128 channels where Xen's 64-byte channel gives 64); groups of
 * BUCKETS_PER_GROUP bucket pointers, one xenheap page each; at most
 * NR_EVTCHN_GROUPS groups.  Buckets and groups are allocated when the first
 * port in them is, never all at start.
 */
#ifndef LIBEVTCHN_CHANNEL_H
#define LIBEVTCHN_CHANNEL_H

#include <common/compiler.h>
#include <common/domain.h>
#include <common/types.h>
#include <libxsm/xsm.h>
#include <public/event_channel.h>

/* Channel states: Xen's ECS_* numbers (also libxsm's XSM_ECS_*). */
#define ECS_FREE 0
#define ECS_RESERVED 1
#define ECS_UNBOUND 2
#define ECS_INTERDOMAIN 3
#define ECS_PIRQ 4
#define ECS_VIRQ 5
#define ECS_IPI 6
#define ECS_NR 7

/** The per-channel lock; its operations are in chn_lock.h. */
typedef struct evtchn_lock {
    uint8_t v;
} evtchn_lock_t;

/** One event channel (layout above). */
struct evtchn {
    evtchn_lock_t lock;
    uint8_t state;
    uint8_t xen_consumer:3;
    uint8_t pending:1;
    uint8_t priority:4;
    uint8_t _unused;
    uint16_t notify_vcpu_id;
    uint16_t fifo_lastq;
    union xsm_evtchn_ssid ssid;
    union {
        struct {
            domid_t remote_domid;
        } unbound;
        struct __packed __aligned(4) {
            struct evtchn *remote_chn;
            struct domain *remote_dom;
            uint32_t remote_port;
        } interdomain;
        struct {
            uint32_t irq;
        } pirq;
        uint32_t virq;
    } u;
} __aligned(32);

ABI_CHECK_SIZE(struct evtchn, 32, "seed 000: 32 bytes with the FLASK sid");
ABI_CHECK_OFFSET(struct evtchn, state, 1, "libevtchn/channel.h");
ABI_CHECK_OFFSET(struct evtchn, notify_vcpu_id, 4, "libevtchn/channel.h");
ABI_CHECK_OFFSET(struct evtchn, fifo_lastq, 6, "libevtchn/channel.h");
ABI_CHECK_OFFSET(struct evtchn, ssid, 8, "libevtchn/channel.h");
ABI_CHECK_OFFSET(struct evtchn, u, 12, "libevtchn/channel.h");
ABI_CHECK_OFFSET(struct evtchn, u.interdomain.remote_dom, 20,
                 "libevtchn/channel.h");
ABI_CHECK_OFFSET(struct evtchn, u.interdomain.remote_port, 28,
                 "libevtchn/channel.h");

/* The smallest power of two not below `n` (n > 1), Xen's next_pow2. */
#define EVTCHN_POW2_CEIL(n)                                                 \
    (1UL << (64 - __builtin_clzl((unsigned long)(n) - 1)))

/* Ports per bucket: a page of channels, each rounded up to a power of two. */
#define EVTCHNS_PER_BUCKET (PAGE_SIZE / EVTCHN_POW2_CEIL(sizeof(struct evtchn)))
#define BUCKETS_PER_GROUP (PAGE_SIZE / sizeof(struct evtchn *))
#define EVTCHNS_PER_GROUP (BUCKETS_PER_GROUP * EVTCHNS_PER_BUCKET)

/* The most ports any ABI offers: 3-level for a 64-bit guest. */
#define EVTCHN_MAX_PORTS 262144U
#define NR_EVTCHN_GROUPS                                                    \
    ((EVTCHN_MAX_PORTS + EVTCHNS_PER_GROUP - 1) / EVTCHNS_PER_GROUP)

static_assert(EVTCHNS_PER_BUCKET == 128, "32-byte channels: 128 per bucket");
static_assert(EVTCHNS_PER_GROUP == 65536, "512 buckets of 128 per group");
static_assert(NR_EVTCHN_GROUPS == 4, "262,144 ports in 4 groups");

#endif /* LIBEVTCHN_CHANNEL_H */
