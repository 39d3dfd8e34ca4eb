/* SPDX-License-Identifier: MIT */
/*
 * A guest-side grant library written from the public ABI alone
 * (public/grant_table.h, public/memory.h): what a guest kernel's grant
 * driver does, driven from the harness.  A guest reaches its own memory by
 * guest frame (the simulator's view of its RAM) and hvcore only through
 * hypercalls.
 */
#ifndef HARNESS_GNTTAB_GNTLIB_H
#define HARNESS_GNTTAB_GNTLIB_H

#include <stdbool.h>
#include <stdint.h>

#include <common/domain.h>
#include <public/grant_table.h>

/* Guest frames every test guest uses (RAM is populated at 0..GNT_RAM). */
#define GNT_RAM_FRAMES 64U      /* gfns 0..63: RAM */
#define GNT_ARGS_GFN 0U         /* hypercall argument page of vCPU 0 */
#define GNT_TABLE_GFN 0x1000U   /* grant frames mapped from here */
#define GNT_STATUS_GFN 0x1800U  /* v2 status frames from here */
#define GNT_MAP_GFN 0x2000U     /* foreign mappings from here */

struct gnt_guest {
    struct domain *d;
    unsigned int version;
    unsigned int nr_frames;    /* grant frames mapped */
    unsigned int nr_status;    /* status frames mapped */
};

/** Creates domain `domid` with RAM and maps its first grant frame. */
int gnt_guest_create(struct gnt_guest *g, domid_t domid, unsigned int vcpus);
/** The same with grant-table extensions (HVCORE_GNTTAB_EXT_*). */
int gnt_guest_create_ext(struct gnt_guest *g, domid_t domid,
                         unsigned int vcpus, unsigned int gnttab_ext);
/** The same with the caller's configuration (privilege, target, ...). */
int gnt_guest_create_cfg(struct gnt_guest *g, domid_t domid,
                         const struct domain_config *cfg);
/** gnt_guest_create_cfg with RAM at gfns 0..`ram_frames`-1 only. */
int gnt_guest_create_ram(struct gnt_guest *g, domid_t domid,
                         const struct domain_config *cfg,
                         unsigned int ram_frames);
/** Destroys the domain (all steps) and drops the reference. */
void gnt_guest_destroy(struct gnt_guest *g);

/** The guest's view of its frame `gfn`, or NULL if not mapped. */
void *gnt_frame(struct gnt_guest *g, uint64_t gfn);

/** Issues GNTTABOP `cmd` with `count` elements of `size` bytes from `ops`
 * (copied to the argument page and back).  Returns the hypercall result. */
long gnt_op(struct gnt_guest *g, unsigned int vcpu, unsigned int cmd,
            void *ops, unsigned int count, size_t size);

/** Maps grant frames (and status frames under v2) up to `nr`. */
int gnt_map_table(struct gnt_guest *g, unsigned int nr);
/** GNTTABOP_set_version; returns the errno and refreshes the mapping. */
long gnt_set_version(struct gnt_guest *g, unsigned int version);

/* Granting side. */
void gnt_grant_access(struct gnt_guest *g, grant_ref_t ref, domid_t to,
                      uint64_t gfn, bool readonly);
void gnt_grant_sub_page(struct gnt_guest *g, grant_ref_t ref, domid_t to,
                        uint64_t gfn, uint16_t off, uint16_t len);
void gnt_grant_transitive(struct gnt_guest *g, grant_ref_t ref, domid_t to,
                          domid_t trans_dom, grant_ref_t trans_ref);
/** Revokes an unused entry; -1 (busy) if Xen has it in use. */
int gnt_end_access(struct gnt_guest *g, grant_ref_t ref);
/** The entry's flags word (v1 flags or v2 header flags | status). */
uint16_t gnt_flags(struct gnt_guest *g, grant_ref_t ref);
/** Raw header word (flags | domid << 16) for hostile rewrites. */
uint32_t *gnt_header(struct gnt_guest *g, grant_ref_t ref);

/* Transfers: the receiver offers an entry, then claims the page. */
void gnt_grant_transfer(struct gnt_guest *g, grant_ref_t ref, domid_t from,
                        uint64_t gfn);
/** 1 if the transfer completed (the page is at the offered gfn), 0 if
 * not yet, -1 if the entry is not a transfer entry.  Frees the entry. */
int gnt_claim_transfer(struct gnt_guest *g, grant_ref_t ref);

/* Mapping side. */
int16_t gnt_map(struct gnt_guest *g, domid_t dom, grant_ref_t ref,
                uint64_t gfn, uint32_t flags, grant_handle_t *handle,
                uint64_t *bus);
int16_t gnt_unmap(struct gnt_guest *g, grant_handle_t handle, uint64_t gfn,
                  uint64_t bus);
int16_t gnt_copy(struct gnt_guest *g, const struct gnttab_copy *op);

/* A one-page shared ring: the frontend grants it, the backend maps it. */
struct gnt_ring {
    uint32_t req_prod, req_cons, rsp_prod, rsp_cons;
    uint32_t slots[64];
};
int gnt_ring_share(struct gnt_guest *front, grant_ref_t ref,
                   struct gnt_guest *back, uint64_t ring_gfn,
                   uint64_t map_gfn, grant_handle_t *handle);

#endif /* HARNESS_GNTTAB_GNTLIB_H */
