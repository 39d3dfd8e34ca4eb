/* SPDX-License-Identifier: MIT */
/*
 * The split driver guest's event channel upcall, written from the public
 * ABI: on each upcall a vCPU clears `evtchn_upcall_pending`, walks its
 * selectors, and takes (test-and-clears) the pending, unmasked ports it
 * handles, as Linux does with cpu_evtchn_mask (2 and 3 levels).  On FIFO
 * the vCPU drains its own queues through the harness's guest driver
 * (harness/evtchn/guest_evtchn.h), highest priority first.  Ports belong to
 * one vCPU each (EVTCHNOP_bind_vcpu); each taken port runs its handler.
 */
#ifndef SPLITDRV_SD_EVTCHN_H
#define SPLITDRV_SD_EVTCHN_H

#include <public/event_channel.h>

#include "guest_evtchn.h"
#include "sd_env.h"

#define SD_EVTCHN_MAX_PORTS 1024U   /* the driver's ports are below this */
#define SD_EVTCHN_NO_VCPU 0xffU

/* Guest frames of the 3-level pages (RAM the toolstack gives). */
#define SD_L3_PENDING_GFN 0x10U     /* 8 pages */
#define SD_L3_MASK_GFN 0x18U        /* 8 pages */
#define SD_L3_L2_GFN 0x20U          /* one per vCPU */
#define SD_L3_FRAMES (2U * EVTCHN_3L_MAX_BITMAP_PAGES + SD_ENV_MAX_VCPUS)

/* Guest frames of the FIFO pages, in the same range. */
#define SD_FIFO_CB_GFN 0x10U        /* one control block per vCPU */
#define SD_FIFO_ARRAY_GFN 0x18U     /* the event array */
#define SD_FIFO_PAGES                                                      \
    (SD_EVTCHN_MAX_PORTS / (HAL_PAGE_SIZE / sizeof(event_word_t)))
#define SD_FIFO_FRAMES (SD_ENV_MAX_VCPUS + SD_FIFO_PAGES)

struct sd_evtchn {
    struct sd_env *env;
    unsigned int abi;               /* EVTCHN_ABI_2LEVEL, _3LEVEL or _FIFO */
    uint64_t *l2[SD_ENV_MAX_VCPUS];
    uint64_t *l3_pending[EVTCHN_3L_MAX_BITMAP_PAGES];
    uint64_t *l3_mask[EVTCHN_3L_MAX_BITMAP_PAGES];
    uint8_t port_vcpu[SD_EVTCHN_MAX_PORTS];
    void (*handler)(void *arg, unsigned int port);
    void *port_arg[SD_EVTCHN_MAX_PORTS];
    /* Events taken per vCPU (each written by its own vCPU only). */
    unsigned long delivered[SD_ENV_MAX_VCPUS];
    unsigned long upcalls[SD_ENV_MAX_VCPUS];
    /* FIFO: events a vCPU found on its queue for a port of another vCPU,
     * raised again there (sd_evtchn.c says when). */
    unsigned long retriggered[SD_ENV_MAX_VCPUS];
    /* FIFO: the guest driver, its control blocks and event array. */
    struct guest_evtchn fifo;
};

/** Starts on 2 levels with no port handled. */
void sd_evtchn_init(struct sd_evtchn *ev, struct sd_env *env,
                    void (*handler)(void *arg, unsigned int port));

/**
 * Switches to 3 levels: zeroes and registers the bitmap pages and each
 * vCPU's L2 page (frames SD_L3_*).  Returns 0 or the hypercall's error
 * (-EPERM when the domain may not use 3 levels); on error the guest stays
 * on 2 levels.
 */
long sd_evtchn_setup_3l(struct sd_evtchn *ev);

/**
 * Switches to FIFO: EVTCHNOP_init_control for each vCPU's control block
 * (frames SD_FIFO_CB_GFN..) and EVTCHNOP_expand_array for the event array
 * (SD_FIFO_ARRAY_GFN..), as a guest does.  Returns 0, -ENOMEM (a frame is
 * missing) or the hypercall's error; when the first init_control fails
 * the guest stays on 2 levels.
 */
long sd_evtchn_setup_fifo(struct sd_evtchn *ev);

/** Unmaps the 3-level or FIFO views (when the domain is done with events). */
void sd_evtchn_fini(struct sd_evtchn *ev);

/**
 * Handles `port` on `vcpu` with `arg`: binds it there (EVTCHNOP_bind_vcpu
 * when `vcpu` is not 0) and records it.  Returns 0, -E2BIG (port too
 * high) or the hypercall's error.
 */
long sd_evtchn_bind(struct sd_evtchn *ev, unsigned int port,
                    unsigned int vcpu, void *arg);

/** Forgets `port` (before closing it). */
void sd_evtchn_unbind(struct sd_evtchn *ev, unsigned int port);

/**
 * Forgets `port` and closes it with EVTCHNOP_close as vCPU `vcpu`.
 * Returns the hypercall's result.
 */
long sd_evtchn_close(struct sd_evtchn *ev, unsigned int vcpu,
                     unsigned int port);

/** True if `port` is pending (the guest's view of its bitmap). */
bool sd_evtchn_is_pending(struct sd_evtchn *ev, unsigned int port);

/** True if `vcpu`'s upcall flag is set. */
bool sd_evtchn_upcall_pending(struct sd_evtchn *ev, unsigned int vcpu);

/** The upcall on `vcpu`; returns the events taken. */
unsigned int sd_evtchn_upcall(struct sd_evtchn *ev, unsigned int vcpu);

/** EVTCHNOP_send on `port` as `vcpu`: 0 or the hypercall's error. */
long sd_evtchn_notify(struct sd_evtchn *ev, unsigned int vcpu,
                      unsigned int port);

#endif /* SPLITDRV_SD_EVTCHN_H */
