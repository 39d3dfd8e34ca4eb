/* SPDX-License-Identifier: MIT */
/*
 * The subset of Xen's public/memory.h that hvcore implements:
 * XENMEM_* numbers and `struct xen_memory_reservation`, with Xen's names
 * and values.  Guest handles are 64-bit guest-physical addresses (0 is the
 * null handle), so the layout is the 64-bit one for every guest.
 */
#ifndef PUBLIC_MEMORY_H
#define PUBLIC_MEMORY_H

#include <public/xen.h>

/* memory_op commands (xen/include/public/memory.h). */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_populate_physmap 6
#define XENMEM_maximum_ram_page 2
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_maximum_gpfn 14

/*
 * A batched op is continued by re-issuing it with the extent to start from
 * in the command's upper bits (Xen's MEMOP_EXTENT_SHIFT, MEMOP_CMD_MASK).
 */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1U << MEMOP_EXTENT_SHIFT) - 1)

/* `mem_flags` of a reservation. */
#define XENMEMF_address_bits(x) (x)
#define XENMEMF_get_address_bits(x) ((x) & 0xffU)
#define XENMEMF_node(x) (((x) + 1) << 8)
#define XENMEMF_get_node(x) ((((x) >> 8) - 1) & 0xffU)
#define XENMEMF_populate_on_demand (1U << 16)
#define XENMEMF_exact_node_request (1U << 17)
#define XENMEMF_exact_node(n) (XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode (1U << 18)

/**
 * Argument of increase_reservation, decrease_reservation and
 * populate_physmap (Xen's layout, 64-bit).
 *
 * increase_reservation: `extent_start` (may be null) receives the first
 * frame of each extent allocated.  decrease_reservation: it lists the first
 * gfn of each extent to remove.  populate_physmap: it lists the first gfn of
 * each extent to populate.  The op returns how many extents it completed.
 */
struct xen_memory_reservation {
    xen_guest_handle_t extent_start; /* array of xen_pfn_t */
    xen_ulong_t nr_extents;          /* extents in the batch */
    unsigned int extent_order;       /* 2^order pages per extent */
    unsigned int mem_flags;          /* XENMEMF_* (was address_bits) */
    domid_t domid;                   /* DOMID_SELF or a domain id */
};
typedef struct xen_memory_reservation xen_memory_reservation_t;

static_assert(sizeof(struct xen_memory_reservation) == 32,
              "xen_memory_reservation: 32 bytes (Xen public/memory.h, x86-64)");
static_assert(__builtin_offsetof(struct xen_memory_reservation,
                                 nr_extents) == 8,
              "xen_memory_reservation.nr_extents at 8 (Xen, x86-64)");
static_assert(__builtin_offsetof(struct xen_memory_reservation,
                                 extent_order) == 16,
              "xen_memory_reservation.extent_order at 16 (Xen, x86-64)");
static_assert(__builtin_offsetof(struct xen_memory_reservation,
                                 mem_flags) == 20,
              "xen_memory_reservation.mem_flags at 20 (Xen, x86-64)");
static_assert(__builtin_offsetof(struct xen_memory_reservation, domid) == 24,
              "xen_memory_reservation.domid at 24 (Xen, x86-64)");

/* ---- XENMEM_add_to_physmap (Xen's numbers and layout, 64-bit). ---- */
#define XENMEM_add_to_physmap 7

#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1 /* the only space hvcore implements */
#define XENMAPSPACE_gmfn 2
#define XENMAPIDX_grant_table_status 0x80000000U

/** Maps `idx` of `space` at guest frame `gpfn` of `domid`. */
struct xen_add_to_physmap {
    domid_t domid;
    uint16_t size;       /* XENMAPSPACE_gmfn_range only */
    unsigned int space;  /* XENMAPSPACE_* */
    xen_ulong_t idx;
    xen_pfn_t gpfn;
};
static_assert(sizeof(struct xen_add_to_physmap) == 24,
              "Xen public/memory.h xen_add_to_physmap");
static_assert(__builtin_offsetof(struct xen_add_to_physmap, idx) == 8,
              "Xen public/memory.h xen_add_to_physmap");
static_assert(__builtin_offsetof(struct xen_add_to_physmap, gpfn) == 16,
              "Xen public/memory.h xen_add_to_physmap");

#endif /* PUBLIC_MEMORY_H */
