/* SPDX-License-Identifier: MIT */
/*
 * A guest's event channel driver for the simulator, written from the
 * public ABI alone (public/event_channel.h, public/arch-x86/xen.h): the
 * upcall handlers of the 2-level and 3-level ABIs scan the selectors, take
 * pending & ~mask, clear what they take, and dispatch, as Linux does; the
 * FIFO handler takes READY whole, unlinks from each queue's head, highest
 * priority first, and dispatches pending, unmasked events, as Linux does.
 * Hypercalls go through a function the embedder supplies.  Freestanding
 * (the compiler's builtins and common/string.h): the simulator's tests and
 * the split-driver demo, on the simulator and in the boot kernel, link it.
 */
#ifndef HARNESS_EVTCHN_GUEST_EVTCHN_H
#define HARNESS_EVTCHN_GUEST_EVTCHN_H

#include <hal/types.h>
#include <public/event_channel.h>

#define GUEST_EVTCHN_MAX_VCPUS 64
/* Event array pages: every FIFO port (131,072, 1024 words a page). */
#define GUEST_EVTCHN_FIFO_PAGES (EVTCHN_FIFO_NR_CHANNELS / 1024)

struct guest_evtchn {
    unsigned int nr_vcpus;
    bool compat;                 /* a 32-bit guest: compat layouts */
    unsigned int abi;            /* EVTCHN_ABI_2LEVEL, _3LEVEL or _FIFO */
    void *shared_info;           /* the guest's view of its shared_info */
    void *vcpu_info[GUEST_EVTCHN_MAX_VCPUS];
    /* 3-level: the guest's views of its registered pages. */
    uint64_t *l3_pending[EVTCHN_3L_MAX_BITMAP_PAGES];
    uint64_t *l3_mask[EVTCHN_3L_MAX_BITMAP_PAGES];
    void *l2[GUEST_EVTCHN_MAX_VCPUS];
    /* FIFO: control blocks, event array, each queue's next event. */
    evtchn_fifo_control_block_t *fifo_cb[GUEST_EVTCHN_MAX_VCPUS];
    event_word_t *fifo_array[GUEST_EVTCHN_FIFO_PAGES];
    unsigned int fifo_pages;
    uint32_t fifo_head[GUEST_EVTCHN_MAX_VCPUS][EVTCHN_FIFO_MAX_QUEUES];
    /*
     * Which ports each vCPU handles (Linux's cpu_evtchn_mask): bit p of
     * `bound[v]` (64-bit words) says port p is bound to vCPU v.  A vCPU
     * takes only its own ports; NULL means it takes every port.  FIFO
     * needs none: each vCPU has its own queues.
     */
    uint64_t *bound[GUEST_EVTCHN_MAX_VCPUS];
    /* event_channel_op(cmd, arg) issued by `vcpu`. */
    long (*hypercall)(void *ctx, unsigned int vcpu, unsigned int cmd,
                      void *arg, size_t size);
    void *ctx;
    /* Called for each event taken, on the vCPU that took it. */
    void (*handler)(void *arg, unsigned int vcpu, unsigned int port);
    void *handler_arg;
};

/**
 * The upcall: while `evtchn_upcall_pending` is set, clear it and scan.
 * Returns the events dispatched.
 */
unsigned int guest_evtchn_upcall(struct guest_evtchn *g, unsigned int vcpu);

/** One scan of the selectors whatever the upcall flag says. */
unsigned int guest_evtchn_scan(struct guest_evtchn *g, unsigned int vcpu);

/** True if `vcpu`'s upcall flag is set. */
bool guest_evtchn_upcall_pending(struct guest_evtchn *g, unsigned int vcpu);

/** Records that `port` is handled by `vcpu` (after EVTCHNOP_bind_vcpu). */
void guest_evtchn_bind_to(struct guest_evtchn *g, unsigned int port,
                          unsigned int vcpu);

/** Sets a port's mask bit (the guest owns it). */
void guest_evtchn_mask(struct guest_evtchn *g, unsigned int port);

/** Unmasks through EVTCHNOP_unmask, which re-raises a pending port. */
long guest_evtchn_unmask(struct guest_evtchn *g, unsigned int vcpu,
                         unsigned int port);

/**
 * Raises `port` again, as Linux's retrigger does: sets its mask and pending
 * bits, then EVTCHNOP_unmask (as `vcpu`), which delivers it on the vCPU it
 * is bound to.  Returns the hypercall's result.
 */
long guest_evtchn_retrigger(struct guest_evtchn *g, unsigned int vcpu,
                            unsigned int port);

bool guest_evtchn_is_pending(struct guest_evtchn *g, unsigned int port);
bool guest_evtchn_is_masked(struct guest_evtchn *g, unsigned int port);

/**
 * Switches to 3 levels: registers the bitmaps (`pending`/`mask`: frame
 * numbers, `nr` each) and each vCPU's L2 selector (`l2_gfn[v]` at offset
 * 0).  `*_view` are the guest's mappings of the same pages.
 */
long guest_evtchn_setup_3l(struct guest_evtchn *g, unsigned int nr,
                           const uint64_t *pending_gfn,
                           const uint64_t *mask_gfn,
                           const uint64_t *l2_gfn, void *const *pending_view,
                           void *const *mask_view, void *const *l2_view);

/**
 * Switches to FIFO: registers each vCPU's control block (`cb_gfn[v]` at
 * offset 0) and `nr` event array pages (`array_gfn`, at most
 * GUEST_EVTCHN_FIFO_PAGES), their words cleared first (every event
 * unmasked, as a 2-level guest starts).  `*_view` are the guest's
 * mappings of the same pages.  Returns 0, -1 (`nr` too high) or the first
 * hypercall error; when vCPU 0's EVTCHNOP_init_control fails, the guest
 * stays on the ABI it had, as the domain does.
 */
long guest_evtchn_setup_fifo(struct guest_evtchn *g, const uint64_t *cb_gfn,
                             void *const *cb_view, unsigned int nr,
                             const uint64_t *array_gfn,
                             void *const *array_view);

#endif /* HARNESS_EVTCHN_GUEST_EVTCHN_H */
