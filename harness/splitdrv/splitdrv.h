/* SPDX-License-Identifier: MIT */
/*
 * A split driver written against the public ABI and the guest environment
 * (sd_env.h) alone: a frontend in an unprivileged guest and a backend in
 * the privileged domain, one queue per frontend vCPU, the way Xen's block
 * driver does it.  The frontend grants the backend a ring page and, per
 * request, one data page; the backend maps the ring, binds the frontend's
 * unbound port, and moves each page between the frontend and its own
 * "disk" (sectors in its RAM) by grant map or grant copy.  Each request
 * carries a checksum; each response carries the checksum of the data the
 * backend moved, and the frontend checks both against what it wrote.
 *
 * A queue runs on one vCPU of each side; nothing of a queue is touched by
 * two vCPUs, so queues need no locks.  The shared ring is the only memory
 * both sides write (sd_ring.h).
 */
#ifndef SPLITDRV_SPLITDRV_H
#define SPLITDRV_SPLITDRV_H

#include <common/compiler.h>
#include <common/domain.h> /* DOMID_SELF (Xen: public/xen.h) */
#include <common/types.h>
#include <public/grant_table.h>

#include "sd_env.h"
#include "sd_evtchn.h"
#include "sd_ring.h"

#define SD_SECTORS 8U             /* backend sectors per queue */

/* Frontend guest frames. */
#define SD_FRONT_RING_GFN 0x40U   /* queue q's ring: + q */
#define SD_FRONT_DATA_GFN 0x100U  /* queue q's slot s: + q * RING + s */
#define SD_FRONT_GNTTAB_GFN 0x800U /* grant frame 0 */
/* Backend guest frames. */
#define SD_BACK_STORE_GFN 0x1000U /* queue q's sector s: + q * SECTORS + s */
#define SD_BACK_RING_GFN 0x8000U  /* queue q's mapped ring: + q */
#define SD_BACK_MAP_GFN 0x9000U   /* queue q's data map window: + q */

/* Grant references of queue q: the ring, then one per ring slot. */
#define SD_REFS_PER_QUEUE (1U + SD_RING_SIZE)
#define SD_FIRST_REF 8U           /* refs 0..7 are reserved (Linux) */

/** A 64-bit checksum of `len` bytes (a multiple of 8). */
uint64_t sd_csum(const void *p, unsigned int len);

/** What a frontend publishes for its backend (xenstore's job in Xen). */
struct sd_xs {
    grant_ref_t ring_ref;
    uint32_t port;
};

struct sd_front_slot {
    bool busy;
    uint8_t op;
    uint16_t sector;
    uint64_t expect;              /* the checksum the data must have */
};

/** Counters of one side of a queue (only its vCPU writes them). */
struct sd_counts {
    unsigned long sent;           /* EVTCHNOP_send that succeeded */
    unsigned long kicks;          /* events taken by the upcall */
    unsigned long writes, reads;  /* requests completed (frontend) */
    unsigned long grant_maps;     /* GNTTABOP_map_grant_ref done */
    unsigned long grant_copies;   /* GNTTABOP_copy elements done */
    unsigned long bytes;          /* data bytes moved */
    unsigned long errors;
};

/** One queue's frontend. */
struct sd_front {
    struct sd_env *env;
    struct sd_evtchn *ev;
    grant_entry_v1_t *gnttab;     /* the guest's view of grant frame 0 */
    domid_t backend;
    unsigned int queue, vcpu;
    uint32_t port;
    grant_ref_t ring_ref;
    struct sd_sring *sring;
    uint32_t req_prod_pvt, rsp_cons;
    unsigned int inflight;
    unsigned long total, submitted, completed;
    bool kicked;                  /* set by the event handler */
    bool dead;                    /* a protocol error stopped the queue */
    uint64_t rng;
    uint64_t sector_sum[SD_SECTORS];
    struct sd_front_slot slot[SD_RING_SIZE];
    struct sd_counts c;
    const char *error;            /* the first error, for the summary */
};

/** One queue's backend. */
struct sd_back {
    struct sd_env *env;
    struct sd_evtchn *ev;
    domid_t frontend;
    unsigned int queue, vcpu;
    uint32_t port;
    grant_handle_t ring_handle;
    bool ring_mapped;
    struct sd_sring *sring;
    uint32_t req_cons, rsp_prod_pvt;
    unsigned long served;
    bool kicked;
    bool dead;
    struct sd_counts c;
    const char *error;
};

/**
 * Maps the guest's grant frame 0 at SD_FRONT_GNTTAB_GFN
 * (XENMEM_add_to_physmap) and returns the guest's view of it, or NULL.
 */
grant_entry_v1_t *sd_front_map_gnttab(struct sd_env *env);

/**
 * Sets up queue `queue` of a frontend on `vcpu`: grants the ring page to
 * `backend`, allocates an unbound port for it and handles the port on
 * `vcpu`.  `total` requests will be issued, drawn from `seed`.  Fills
 * `*xs`.  Returns 0 or a negative errno (nothing left behind).
 */
int sd_front_connect(struct sd_front *f, struct sd_env *env,
                     struct sd_evtchn *ev, grant_entry_v1_t *gnttab,
                     domid_t backend, unsigned int queue, unsigned int vcpu,
                     unsigned long total, uint64_t seed, struct sd_xs *xs);

/** Runs the queue once on its vCPU; true if it made progress. */
bool sd_front_run(struct sd_front *f);

/** True once every request completed (or the queue died). */
bool sd_front_done(const struct sd_front *f);

/**
 * Tears the queue down after its backend disconnected: closes the port
 * and ends access to the ring.  Returns 0, or -EBUSY if a grant is still
 * in use.
 */
int sd_front_disconnect(struct sd_front *f);

/** The event handler for a frontend's port (sd_evtchn's handler). */
void sd_front_event(void *arg, unsigned int port);

/**
 * Connects queue `queue` of the backend on `vcpu` to `frontend`'s `xs`:
 * maps the ring, binds the port, clears the queue's sectors.  Returns 0 or
 * a negative errno (nothing left behind).
 */
int sd_back_connect(struct sd_back *b, struct sd_env *env,
                    struct sd_evtchn *ev, domid_t frontend,
                    unsigned int queue, unsigned int vcpu,
                    const struct sd_xs *xs);

/** Serves the queue once on its vCPU; true if it made progress. */
bool sd_back_run(struct sd_back *b);

/** Closes the port and unmaps the ring.  Returns 0 or the first error. */
int sd_back_disconnect(struct sd_back *b);

/** The event handler for a backend's port. */
void sd_back_event(void *arg, unsigned int port);

#endif /* SPLITDRV_SPLITDRV_H */
