/* SPDX-License-Identifier: MIT */
/*
 * Event channels: Xen's guest ABI (xen/include/public/event_channel.h),
 * numbers, names and layouts, plus hvcore's 3-level extended ABI.
 *
 * Hypercall 32 `event_channel_op(cmd, arg)` takes one of the EVTCHNOP_*
 * numbers below and the guest-physical address of its argument structure.
 * The legacy hypercall 16 takes the address of a `struct evtchn_op` and
 * accepts commands 0..9 only.  OUT fields are written back only on success.
 * Every structure has the same layout for 32-bit and 64-bit guests.
 *
 * The 3-level ABI (seeds 001 and 002) never had numbers in Xen; it takes the
 * first numbers after Xen's last (EVTCHNOP_reset_cont, 14):
 *
 *   15 EVTCHNOP_register_extended  struct evtchn_register_extended
 *   16 EVTCHNOP_query_extended     struct evtchn_query_extended
 *
 * 3-level layout, W = 64 for a 64-bit guest and 32 for a 32-bit guest:
 *   L1  the vCPU's `evtchn_pending_sel` in its vcpu_info (W bits);
 *   L2  one selector per vCPU, W words of W bits, in a guest page the guest
 *       registers for that vCPU (512 bytes, or 128 for a 32-bit guest);
 *   L3  the pending and mask bitmaps, 64-bit words, shared by all vCPUs,
 *       in guest pages (8 + 8 pages, or 2 + 2 for a 32-bit guest).
 * Port p is bit p%64 of L3 word p/64 (little-endian: byte p/8, bit p%8);
 * L3 word k is bit k of the L2 selector; L2 word j is bit j of L1.  So a
 * 64-bit guest has 64 x 64 x 64 = 262,144 ports and a 32-bit guest
 * 32 x 32 x 64 = 65,536.
 *
 * Registration, in two steps: EVTCHN_EXTENDED_REGISTER_BITMAPS maps the
 * pending and mask pages and switches the domain to 3 levels, carrying
 * every 2-level pending and mask bit over; EVTCHN_EXTENDED_REGISTER_L2 then
 * registers each vCPU's L2 selector.  Events for a vCPU whose L2 is not yet
 * registered stay pending in L3 and are raised when it registers.
 * EVTCHNOP_reset returns the domain to 2 levels and releases the pages.
 * Each registered page must be a writable RAM page of the caller, not
 * registered already; a bad registration fails and changes nothing.
 * Allowed by default for the control domain and driver domains (a domain
 * that is another's device model) only.
 */
#ifndef PUBLIC_EVENT_CHANNEL_H
#define PUBLIC_EVENT_CHANNEL_H

#include <public/xen.h>

typedef uint32_t evtchn_port_t;

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_bind_pirq 2
#define EVTCHNOP_close 3
#define EVTCHNOP_send 4
#define EVTCHNOP_status 5
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_bind_ipi 7
#define EVTCHNOP_bind_vcpu 8
#define EVTCHNOP_unmask 9
#define EVTCHNOP_reset 10
#define EVTCHNOP_init_control 11
#define EVTCHNOP_expand_array 12
#define EVTCHNOP_set_priority 13
#define EVTCHNOP_reset_cont 14          /* hypervisor-internal continuation */
#define EVTCHNOP_register_extended 15   /* hvcore: 3-level ABI */
#define EVTCHNOP_query_extended 16      /* hvcore: which ABIs */

/* Virtual IRQs (Xen's public/xen.h). */
#define VIRQ_TIMER 0
#define VIRQ_DEBUG 1
#define VIRQ_CONSOLE 2
#define VIRQ_DOM_EXC 3
#define VIRQ_TBUF 4
#define VIRQ_DEBUGGER 6
#define VIRQ_XENOPROF 7
#define VIRQ_CON_RING 8
#define VIRQ_PCPU_STATE 9
#define VIRQ_MEM_EVENT 10
#define VIRQ_ARGO 11
#define VIRQ_ENOMEM 12
#define VIRQ_XENPMU 13
#define VIRQ_ARCH_0 16
#define VIRQ_ARCH_7 23
#define NR_VIRQS 24

struct evtchn_alloc_unbound {
    domid_t dom;             /* IN */
    domid_t remote_dom;      /* IN */
    evtchn_port_t port;      /* OUT */
};

struct evtchn_bind_interdomain {
    domid_t remote_dom;      /* IN */
    uint16_t _pad;
    evtchn_port_t remote_port; /* IN */
    evtchn_port_t local_port;  /* OUT */
};

struct evtchn_bind_virq {
    uint32_t virq;           /* IN */
    uint32_t vcpu;           /* IN */
    evtchn_port_t port;      /* OUT */
};

#define BIND_PIRQ__WILL_SHARE 1
struct evtchn_bind_pirq {
    uint32_t pirq;           /* IN */
    uint32_t flags;          /* IN: BIND_PIRQ__* */
    evtchn_port_t port;      /* OUT */
};

struct evtchn_bind_ipi {
    uint32_t vcpu;           /* IN */
    evtchn_port_t port;      /* OUT */
};

struct evtchn_close {
    evtchn_port_t port;      /* IN */
};

struct evtchn_send {
    evtchn_port_t port;      /* IN */
};

#define EVTCHNSTAT_closed 0
#define EVTCHNSTAT_unbound 1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq 3
#define EVTCHNSTAT_virq 4
#define EVTCHNSTAT_ipi 5
struct evtchn_status {
    domid_t dom;             /* IN */
    uint16_t _pad;
    evtchn_port_t port;      /* IN */
    uint32_t status;         /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;           /* OUT: the vCPU notified */
    union {
        struct {
            domid_t dom;
        } unbound;
        struct {
            domid_t dom;
            uint16_t _pad;
            evtchn_port_t port;
        } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;                     /* OUT */
};

struct evtchn_bind_vcpu {
    evtchn_port_t port;      /* IN */
    uint32_t vcpu;           /* IN */
};

struct evtchn_unmask {
    evtchn_port_t port;      /* IN */
};

struct evtchn_reset {
    domid_t dom;             /* IN */
};

/*
 * The FIFO ABI (Xen's layout and names).  EVTCHNOP_init_control registers
 * one vCPU's control block: `offset` must be 8-aligned and the 72-byte
 * block must not cross the page; the first call switches the domain from
 * 2 levels to FIFO, carrying over the pending state of the ports already
 * bound (they are linked when their array page arrives) and resetting
 * their priority to EVTCHN_FIFO_PRIORITY_DEFAULT.  A second call for the
 * same vCPU is -EINVAL.  EVTCHNOP_expand_array adds one page of 1024 event
 * words, at most EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES of them (-EOPNOTSUPP
 * before init_control).  EVTCHNOP_set_priority takes effect at the next
 * link.  Every page must be a writable RAM page of the caller.
 * EVTCHNOP_reset returns the domain to 2 levels and releases the pages.
 *
 * hvcore: a domain that registered the 3-level ABI gets -EBUSY from
 * init_control, and a FIFO domain gets -EBUSY from the 3-level
 * registration; the ABI is chosen once, until EVTCHNOP_reset.
 */
typedef uint32_t event_word_t;

#define EVTCHN_FIFO_PRIORITY_MAX 0
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN 15
#define EVTCHN_FIFO_MAX_QUEUES (EVTCHN_FIFO_PRIORITY_MIN + 1)

#define EVTCHN_FIFO_PENDING 31
#define EVTCHN_FIFO_MASKED 30
#define EVTCHN_FIFO_LINKED 29
#define EVTCHN_FIFO_BUSY 28

#define EVTCHN_FIFO_LINK_BITS 17
#define EVTCHN_FIFO_LINK_MASK ((1U << EVTCHN_FIFO_LINK_BITS) - 1)

#define EVTCHN_FIFO_NR_CHANNELS (1U << EVTCHN_FIFO_LINK_BITS)

struct evtchn_init_control {
    uint64_t control_gfn;    /* IN */
    uint32_t offset;         /* IN */
    uint32_t vcpu;           /* IN */
    uint8_t link_bits;       /* OUT */
    uint8_t _pad[7];
};

struct evtchn_expand_array {
    uint64_t array_gfn;      /* IN */
};

struct evtchn_set_priority {
    evtchn_port_t port;      /* IN */
    uint32_t priority;       /* IN: 0 (highest) .. 15 */
};

/* One per vCPU; bit q of `ready` says queue q has a valid head[q]. */
struct evtchn_fifo_control_block {
    uint32_t ready;
    uint32_t _rsvd;
    uint32_t head[EVTCHN_FIFO_MAX_QUEUES];
};
typedef struct evtchn_fifo_control_block evtchn_fifo_control_block_t;

/* The legacy hypercall 16's argument: commands 0..9 only. */
struct evtchn_op {
    uint32_t cmd;            /* EVTCHNOP_* */
    union {
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
    } u;
};

/* hvcore's extended ABIs (bits of `evtchn_query_extended.abis`). */
#define EVTCHN_ABI_2LEVEL (1U << 0)
#define EVTCHN_ABI_3LEVEL (1U << 1)
#define EVTCHN_ABI_FIFO (1U << 2)

/* `evtchn_register_extended.cmd` */
#define EVTCHN_EXTENDED_REGISTER_BITMAPS 1
#define EVTCHN_EXTENDED_REGISTER_L2 2

#define EVTCHN_3L_MAX_BITMAP_PAGES 8   /* 262,144 bits: 8 pages of 4 KiB */
#define EVTCHN_3L_NR_CHANNELS 262144U
#define EVTCHN_3L_NR_CHANNELS_COMPAT 65536U

struct evtchn_register_3level_bitmaps {
    uint32_t nr_pages;       /* IN: 8 (64-bit guest) or 2 (32-bit guest) */
    uint32_t _pad;
    uint64_t pending_gfn[EVTCHN_3L_MAX_BITMAP_PAGES]; /* IN, in port order */
    uint64_t mask_gfn[EVTCHN_3L_MAX_BITMAP_PAGES];    /* IN, in port order */
};

struct evtchn_register_3level_l2 {
    uint32_t vcpu;           /* IN */
    uint32_t offset;         /* IN: byte offset in the page, 8-aligned */
    uint64_t gfn;            /* IN: the page holding the L2 selector */
};

struct evtchn_register_extended {
    uint32_t cmd;            /* IN: EVTCHN_EXTENDED_REGISTER_* */
    uint32_t _pad;
    union {
        struct evtchn_register_3level_bitmaps bitmaps;
        struct evtchn_register_3level_l2 l2;
    } u;
};

struct evtchn_query_extended {
    uint32_t abis;           /* OUT: EVTCHN_ABI_* the caller may register */
    uint32_t current_abi;    /* OUT: the EVTCHN_ABI_* bit now in use */
};

/* Sizes and offsets are Xen's (reference/evtchn.md §1). */
static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "alloc_unbound");
static_assert(__builtin_offsetof(struct evtchn_alloc_unbound, port) == 4,
              "alloc_unbound.port");
static_assert(sizeof(struct evtchn_bind_interdomain) == 12,
              "bind_interdomain");
static_assert(__builtin_offsetof(struct evtchn_bind_interdomain,
                                 local_port) == 8,
              "bind_interdomain.local_port");
static_assert(sizeof(struct evtchn_bind_virq) == 12, "bind_virq");
static_assert(sizeof(struct evtchn_bind_pirq) == 12, "bind_pirq");
static_assert(sizeof(struct evtchn_bind_ipi) == 8, "bind_ipi");
static_assert(sizeof(struct evtchn_close) == 4, "close");
static_assert(sizeof(struct evtchn_send) == 4, "send");
static_assert(sizeof(struct evtchn_status) == 24, "status");
static_assert(__builtin_offsetof(struct evtchn_status, u) == 16, "status.u");
static_assert(__builtin_offsetof(struct evtchn_status,
                                 u.interdomain.port) == 20,
              "status.u.interdomain.port");
static_assert(sizeof(struct evtchn_bind_vcpu) == 8, "bind_vcpu");
static_assert(sizeof(struct evtchn_unmask) == 4, "unmask");
static_assert(sizeof(struct evtchn_reset) == 2, "reset");
static_assert(sizeof(struct evtchn_init_control) == 24, "init_control");
static_assert(sizeof(struct evtchn_expand_array) == 8, "expand_array");
static_assert(sizeof(struct evtchn_set_priority) == 8, "set_priority");
static_assert(__builtin_offsetof(struct evtchn_init_control, link_bits) == 16,
              "init_control.link_bits");
static_assert(sizeof(struct evtchn_fifo_control_block) == 72,
              "fifo control block");
static_assert(__builtin_offsetof(struct evtchn_fifo_control_block, head) == 8,
              "fifo control block head");
static_assert(sizeof(event_word_t) == 4, "event word");
static_assert(sizeof(struct evtchn_op) == 28, "evtchn_op (hypercall 16)");
static_assert(sizeof(struct evtchn_register_extended) == 144,
              "register_extended (hvcore)");
static_assert(sizeof(struct evtchn_query_extended) == 8,
              "query_extended (hvcore)");

#endif /* PUBLIC_EVENT_CHANNEL_H */
