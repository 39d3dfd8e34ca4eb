/* SPDX-License-Identifier: MIT */
/*
 * Grant tables: Xen's guest ABI for hypercall 20 (`__HYPERVISOR_grant_table_op`),
 * with Xen's numbers, names and 64-bit layouts (reference/gnttab.md §1).
 *
 * hvcore guests are translated (the P2M model of seed 003): every address a
 * guest passes (`host_addr`, `new_addr`, a copy's `gmfn`) is guest-physical,
 * and a grant mapping appears in the mapper's P2M with a grant type.
 */
#ifndef PUBLIC_GRANT_TABLE_H
#define PUBLIC_GRANT_TABLE_H

#include <public/xen.h>

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

/* Refs 0..7 are the toolstack's; they survive a version switch. */
#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_RESERVED_CONSOLE 0
#define GNTTAB_RESERVED_XENSTORE 1

/* ---- Shared entries. ---- */

/** A version 1 entry: 8 bytes, 512 per 4 KiB frame. */
struct grant_entry_v1 {
    uint16_t flags;  /* GTF_*: type and bits written by guest and Xen */
    domid_t domid;   /* the domain being granted */
    uint32_t frame;  /* permit_access: the gfn; accept_transfer: gfn slot */
};
typedef struct grant_entry_v1 grant_entry_v1_t;
ABI_CHECK_SIZE(struct grant_entry_v1, 8, "Xen public/grant_table.h v1");
ABI_CHECK_OFFSET(struct grant_entry_v1, domid, 2, "Xen grant_entry_v1");
ABI_CHECK_OFFSET(struct grant_entry_v1, frame, 4, "Xen grant_entry_v1");

/* Type, bits 0..1. */
#define GTF_invalid (0U << 0)
#define GTF_permit_access (1U << 0)
#define GTF_accept_transfer (2U << 0)
#define GTF_transitive (3U << 0) /* v2 only */
#define GTF_type_mask (3U << 0)

/* permit_access and transitive. */
#define _GTF_readonly 2
#define GTF_readonly (1U << _GTF_readonly)   /* guest: no writable mapping */
#define _GTF_reading 3
#define GTF_reading (1U << _GTF_reading)     /* Xen: in use */
#define _GTF_writing 4
#define GTF_writing (1U << _GTF_writing)     /* Xen: in use writably */
#define _GTF_PWT 5
#define GTF_PWT (1U << _GTF_PWT)
#define _GTF_PCD 6
#define GTF_PCD (1U << _GTF_PCD)
#define _GTF_PAT 7
#define GTF_PAT (1U << _GTF_PAT)
#define _GTF_sub_page 8
#define GTF_sub_page (1U << _GTF_sub_page)   /* v2: copy only */

/* accept_transfer. */
#define _GTF_transfer_committed 2
#define GTF_transfer_committed (1U << _GTF_transfer_committed)
#define _GTF_transfer_completed 3
#define GTF_transfer_completed (1U << _GTF_transfer_completed)

/** The first word of every v2 entry, updated by Xen as one 32-bit word. */
struct grant_entry_header {
    uint16_t flags;
    domid_t domid;
};
typedef struct grant_entry_header grant_entry_header_t;
ABI_CHECK_SIZE(struct grant_entry_header, 4, "Xen grant_entry_header");

/** A version 2 entry: 16 bytes, 256 per frame. */
union grant_entry_v2 {
    grant_entry_header_t hdr;
    struct {
        grant_entry_header_t hdr;
        uint32_t pad0;
        uint64_t frame;
    } full_page;
    struct {
        grant_entry_header_t hdr;
        uint16_t page_off;
        uint16_t length;
        uint64_t frame;
    } sub_page;
    struct {
        grant_entry_header_t hdr;
        domid_t trans_domid;
        uint16_t pad0;
        grant_ref_t gref;
    } transitive;
    uint32_t __spacer[4];
};
typedef union grant_entry_v2 grant_entry_v2_t;
ABI_CHECK_SIZE(union grant_entry_v2, 16, "Xen public/grant_table.h v2");
ABI_CHECK_OFFSET(union grant_entry_v2, full_page.frame, 8, "Xen v2 full_page");
ABI_CHECK_OFFSET(union grant_entry_v2, sub_page.page_off, 4, "Xen v2 sub_page");
ABI_CHECK_OFFSET(union grant_entry_v2, sub_page.length, 6, "Xen v2 sub_page");
ABI_CHECK_OFFSET(union grant_entry_v2, transitive.trans_domid, 4,
                 "Xen v2 transitive");
ABI_CHECK_OFFSET(union grant_entry_v2, transitive.gref, 8, "Xen v2 transitive");

/** v2 status word (GTF_reading, GTF_writing), in separate frames. */
typedef uint16_t grant_status_t;

/* ---- Operations. ---- */

#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_dump_table 3
#define GNTTABOP_transfer 4
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version 8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version 10
#define GNTTABOP_swap_grant_ref 11
#define GNTTABOP_cache_flush 12

/* Bits 12.. of the command carry a continuation argument (cache_flush). */
#define GNTTABOP_CONTINUATION_ARG_SHIFT 12
#define GNTTABOP_CMD_MASK ((1U << GNTTABOP_CONTINUATION_ARG_SHIFT) - 1)

/* GNTMAP_* map flags; a maptrack entry keeps bits 0..4. */
#define _GNTMAP_device_map 0
#define GNTMAP_device_map (1U << _GNTMAP_device_map)
#define _GNTMAP_host_map 1
#define GNTMAP_host_map (1U << _GNTMAP_host_map)
#define _GNTMAP_readonly 2
#define GNTMAP_readonly (1U << _GNTMAP_readonly)
#define _GNTMAP_application_map 3
#define GNTMAP_application_map (1U << _GNTMAP_application_map)
#define _GNTMAP_contains_pte 4
#define GNTMAP_contains_pte (1U << _GNTMAP_contains_pte)
#define _GNTMAP_guest_avail0 16
#define GNTMAP_guest_avail_mask 0xffff0000U

/*
 * hvcore's guests are translated, and answer as Xen answers its HVM
 * guests: a map with GNTMAP_device_map, GNTMAP_application_map or
 * GNTMAP_contains_pte, and a GNTTABOP_unmap_and_replace with a non-zero
 * new_addr, get GNTST_general_error (Xen's map_grant_ref and
 * replace_grant_p2m_mapping).
 *
 * HVCORE_GNTTAB_EXT_PV_MAPS, an hvcore extension, off by default: a domain
 * the embedder creates with it (domain_config.gnttab_ext) may also map
 * with GNTMAP_device_map (a device pin; dev_bus_addr is the frame's
 * address), alone or with GNTMAP_host_map, and move a host mapping to
 * new_addr with GNTTABOP_unmap_and_replace, as Xen lets PV guests.
 */
#define HVCORE_GNTTAB_EXT_PV_MAPS (1U << 0)
#define HVCORE_GNTTAB_EXT_ALL HVCORE_GNTTAB_EXT_PV_MAPS

/** GNTTABOP_map_grant_ref: `host_addr` is a guest-physical address. */
struct gnttab_map_grant_ref {
    uint64_t host_addr;
    uint32_t flags;          /* GNTMAP_* */
    grant_ref_t ref;
    domid_t dom;
    int16_t status;          /* OUT: GNTST_* */
    grant_handle_t handle;   /* OUT */
    uint64_t dev_bus_addr;   /* OUT: frame << 12 */
};
typedef struct gnttab_map_grant_ref gnttab_map_grant_ref_t;
ABI_CHECK_SIZE(struct gnttab_map_grant_ref, 32, "Xen gnttab_map_grant_ref");
ABI_CHECK_OFFSET(struct gnttab_map_grant_ref, status, 18, "Xen map_grant_ref");
ABI_CHECK_OFFSET(struct gnttab_map_grant_ref, handle, 20, "Xen map_grant_ref");
ABI_CHECK_OFFSET(struct gnttab_map_grant_ref, dev_bus_addr, 24,
                 "Xen map_grant_ref");

/** GNTTABOP_unmap_grant_ref: a zero address leaves that half alone. */
struct gnttab_unmap_grant_ref {
    uint64_t host_addr;
    uint64_t dev_bus_addr;
    grant_handle_t handle;
    int16_t status;          /* OUT */
};
typedef struct gnttab_unmap_grant_ref gnttab_unmap_grant_ref_t;
ABI_CHECK_SIZE(struct gnttab_unmap_grant_ref, 24, "Xen gnttab_unmap_grant_ref");
ABI_CHECK_OFFSET(struct gnttab_unmap_grant_ref, status, 20,
                 "Xen unmap_grant_ref");

/** GNTTABOP_setup_table: count must be 1. */
struct gnttab_setup_table {
    domid_t dom;
    uint32_t nr_frames;
    int16_t status;          /* OUT */
    xen_guest_handle_t frame_list; /* OUT: xen_pfn_t[nr_frames] */
};
typedef struct gnttab_setup_table gnttab_setup_table_t;
ABI_CHECK_SIZE(struct gnttab_setup_table, 24, "Xen gnttab_setup_table");
ABI_CHECK_OFFSET(struct gnttab_setup_table, nr_frames, 4, "Xen setup_table");
ABI_CHECK_OFFSET(struct gnttab_setup_table, status, 8, "Xen setup_table");
ABI_CHECK_OFFSET(struct gnttab_setup_table, frame_list, 16, "Xen setup_table");

/** GNTTABOP_dump_table (not implemented by Xen: -ENOSYS). */
struct gnttab_dump_table {
    domid_t dom;
    int16_t status;
};
ABI_CHECK_SIZE(struct gnttab_dump_table, 4, "Xen gnttab_dump_table");

/**
 * GNTTABOP_transfer: `mfn` is a gfn of the sender's (hvcore's guests are
 * translated).  The one place where hvcore answers a translated guest
 * differently from Xen: Xen refuses a transfer from a translated (HVM)
 * sender (x86 steal_page is -EOPNOTSUPP for it, so GNTST_general_error),
 * and hvcore performs it: the page leaves the sender's physmap and arrives
 * at the gfn the receiver named in its accept_transfer entry, whose frame
 * field is left as the receiver wrote it.  Page transfer between guests
 * that all have pseudo-physical memory is the design hvcore implements
 * (seed 003, "grant table transfer behavior"); a guest written for Xen's
 * HVM guests does not use it.
 */
struct gnttab_transfer {
    xen_pfn_t mfn;
    domid_t domid;
    grant_ref_t ref;
    int16_t status;          /* OUT */
};
typedef struct gnttab_transfer gnttab_transfer_t;
ABI_CHECK_SIZE(struct gnttab_transfer, 24, "Xen gnttab_transfer");
ABI_CHECK_OFFSET(struct gnttab_transfer, ref, 12, "Xen gnttab_transfer");
ABI_CHECK_OFFSET(struct gnttab_transfer, status, 16, "Xen gnttab_transfer");

/* GNTTABOP_copy flags. */
#define _GNTCOPY_source_gref 0
#define GNTCOPY_source_gref (1U << _GNTCOPY_source_gref)
#define _GNTCOPY_dest_gref 1
#define GNTCOPY_dest_gref (1U << _GNTCOPY_dest_gref)

struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        xen_pfn_t gmfn;
    } u;
    domid_t domid;
    uint16_t offset;
};
ABI_CHECK_SIZE(struct gnttab_copy_ptr, 16, "Xen gnttab_copy_ptr");
ABI_CHECK_OFFSET(struct gnttab_copy_ptr, domid, 8, "Xen gnttab_copy_ptr");
ABI_CHECK_OFFSET(struct gnttab_copy_ptr, offset, 10, "Xen gnttab_copy_ptr");

/** GNTTABOP_copy. */
struct gnttab_copy {
    struct gnttab_copy_ptr source;
    struct gnttab_copy_ptr dest;
    uint16_t len;
    uint16_t flags;          /* GNTCOPY_* */
    int16_t status;          /* OUT */
};
typedef struct gnttab_copy gnttab_copy_t;
ABI_CHECK_SIZE(struct gnttab_copy, 40, "Xen gnttab_copy");
ABI_CHECK_OFFSET(struct gnttab_copy, len, 32, "Xen gnttab_copy");
ABI_CHECK_OFFSET(struct gnttab_copy, flags, 34, "Xen gnttab_copy");
ABI_CHECK_OFFSET(struct gnttab_copy, status, 36, "Xen gnttab_copy");

/** GNTTABOP_query_size: count must be 1. */
struct gnttab_query_size {
    domid_t dom;
    uint32_t nr_frames;      /* OUT */
    uint32_t max_nr_frames;  /* OUT */
    int16_t status;          /* OUT */
};
typedef struct gnttab_query_size gnttab_query_size_t;
ABI_CHECK_SIZE(struct gnttab_query_size, 16, "Xen gnttab_query_size");
ABI_CHECK_OFFSET(struct gnttab_query_size, status, 12, "Xen query_size");

/** GNTTABOP_unmap_and_replace. */
struct gnttab_unmap_and_replace {
    uint64_t host_addr;
    uint64_t new_addr;
    grant_handle_t handle;
    int16_t status;          /* OUT */
};
typedef struct gnttab_unmap_and_replace gnttab_unmap_and_replace_t;
ABI_CHECK_SIZE(struct gnttab_unmap_and_replace, 24,
               "Xen gnttab_unmap_and_replace");
ABI_CHECK_OFFSET(struct gnttab_unmap_and_replace, status, 20,
                 "Xen unmap_and_replace");

/** GNTTABOP_set_version: IN/OUT, the version in force is written back. */
struct gnttab_set_version {
    uint32_t version;
};
ABI_CHECK_SIZE(struct gnttab_set_version, 4, "Xen gnttab_set_version");

/** GNTTABOP_get_status_frames: count must be 1. */
struct gnttab_get_status_frames {
    uint32_t nr_frames;
    domid_t dom;
    int16_t status;          /* OUT */
    xen_guest_handle_t frame_list; /* OUT: uint64_t[nr_frames] */
};
ABI_CHECK_SIZE(struct gnttab_get_status_frames, 16,
               "Xen gnttab_get_status_frames");
ABI_CHECK_OFFSET(struct gnttab_get_status_frames, status, 6,
                 "Xen get_status_frames");

/** GNTTABOP_get_version. */
struct gnttab_get_version {
    domid_t dom;
    uint16_t pad;
    uint32_t version;        /* OUT */
};
ABI_CHECK_SIZE(struct gnttab_get_version, 8, "Xen gnttab_get_version");

/** GNTTABOP_swap_grant_ref: both refs in the caller's own table. */
struct gnttab_swap_grant_ref {
    grant_ref_t ref_a;
    grant_ref_t ref_b;
    int16_t status;          /* OUT */
};
ABI_CHECK_SIZE(struct gnttab_swap_grant_ref, 12, "Xen gnttab_swap_grant_ref");

/** GNTTABOP_cache_flush (Arm only; x86 answers -ENOSYS, as hvcore does). */
struct gnttab_cache_flush {
    union {
        uint64_t dev_bus_addr;
        grant_ref_t ref;
    } a;
    uint16_t offset;
    uint16_t length;
#define GNTTAB_CACHE_CLEAN (1U << 0)
#define GNTTAB_CACHE_INVAL (1U << 1)
#define GNTTAB_CACHE_SOURCE_GREF (1U << 31)
    uint32_t op;
};
ABI_CHECK_SIZE(struct gnttab_cache_flush, 16, "Xen gnttab_cache_flush");

/* ---- Per-element status (every error is negative). ---- */
#define GNTST_okay (0)
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_virt_addr (-5)
#define GNTST_bad_dev_addr (-6)
#define GNTST_no_device_space (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)
#define GNTST_bad_copy_arg (-10)
#define GNTST_address_too_big (-11)
#define GNTST_eagain (-12)
#define GNTST_no_space (-13)

#endif /* PUBLIC_GRANT_TABLE_H */
