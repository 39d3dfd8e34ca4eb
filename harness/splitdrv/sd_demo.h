/* SPDX-License-Identifier: MIT */
/*
 * The demo's toolstack and vCPU scheduler (sd_demo.c): creates a
 * privileged backend domain and the guests, connects one split-driver
 * queue per guest vCPU, runs the vCPUs on the pCPUs it is given, tears
 * everything down and checks that every page and port came back.  Core
 * code: `hvsim demo` and the boot kernel both drive it.
 */
#ifndef SPLITDRV_SD_DEMO_H
#define SPLITDRV_SD_DEMO_H

#include <common/compiler.h>
#include <hal/types.h>

#define SD_DEMO_MAX_GUESTS 16U
#define SD_DEMO_BACKEND_ID 0U

struct sd_demo_config {
    unsigned int guests;          /* 1..SD_DEMO_MAX_GUESTS */
    unsigned int vcpus;           /* per domain, 1..SD_ENV_MAX_VCPUS */
    unsigned long requests;       /* per guest, spread over its queues */
    /* EVTCHN_ABI_2LEVEL, _3LEVEL or _FIFO: every domain asks for it (a
     * guest may be refused 3 levels and stay on 2). */
    unsigned int abi;
    uint64_t seed;
    uint64_t stall_ns;            /* no completion for this long: fail */
    /* Called on pCPU 0 about every `tick_ns` while the demo runs (progress
     * lines); NULL for none.  Must not call into hvcore. */
    void (*tick)(void *arg, unsigned long completed, unsigned long total);
    void *tick_arg;
    uint64_t tick_ns;
};

/** What happened, counted where it happened. */
struct sd_demo_summary {
    unsigned int backend_abi, guest_abi;
    long guest_3l_rc;             /* a guest's 3-level registration */
    unsigned int queues;
    unsigned long requests, completed, writes, reads;
    unsigned long errors;
    unsigned long sent, delivered, upcalls;
    unsigned long retriggered;    /* FIFO: raised again on their vCPU */
    unsigned long pending_at_start; /* raised by the binds (Xen marks a
                                     * newly bound interdomain port pending) */
    unsigned long grant_maps, grant_copies;
    unsigned long long bytes;
    unsigned long ports_peak, ports_after;
    unsigned long maptrack_after;
    uint64_t pages_before, pages_peak, pages_after;
    uint64_t run_ns;
    bool checks_ok;               /* evtchn_check, gnttab_check, mm_check */
    const char *failure;          /* NULL when everything checked out */
};

struct sd_demo;

/**
 * Builds the world's domains and connects every queue.  Returns 0 or a
 * negative errno; on error `*sum` says why and nothing is left behind.
 */
int __must_check sd_demo_setup(const struct sd_demo_config *cfg,
                               struct sd_demo **out,
                               struct sd_demo_summary *sum);

/**
 * Runs the vCPUs `k` with `k % ncpus == cpu` until every frontend is done
 * (or nothing completes for `stall_ns`).  Called on each of `ncpus` pCPUs
 * at once.
 */
void sd_demo_run_cpu(struct sd_demo *demo, unsigned int cpu,
                     unsigned int ncpus);

/** Requests completed so far (any CPU may read it). */
unsigned long sd_demo_progress(const struct sd_demo *demo);

/**
 * Disconnects, destroys the domains, frees the demo and fills `*sum`.
 * Returns 0 when every request completed with intact data, every check
 * passed and every page and port came back; -EIO otherwise.
 */
int __must_check sd_demo_finish(struct sd_demo *demo,
                                struct sd_demo_summary *sum);

#endif /* SPLITDRV_SD_DEMO_H */
