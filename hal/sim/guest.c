/* SPDX-License-Identifier: MIT */
/*
 * Guest upcalls.
 *
 * The harness registers one handler for every vCPU and wakes that vCPU's
 * thread from it.  Every upcall is counted, handled or not.  Not modelled:
 * interrupt delivery latency and masking by the guest; the guest side reads
 * `evtchn_upcall_pending` and the mask itself.
 */
#include "sim_private.h"

/** The harness's upcall handler; set while no upcall is in flight. */
struct sim_upcall {
    void (*fn)(uint16_t domid, unsigned int vcpu, void *arg);
    void *arg;
};

static struct sim_upcall sim_upcall;
static unsigned long sim_upcalls;

/** Clears the handler and the count (machine start). */
void sim_guest_reset(void)
{
    hal_write_once(&sim_upcall.fn, NULL);
    sim_upcall.arg = NULL;
    hal_write_once(&sim_upcalls, 0);
}

/** Sets the upcall handler. */
void sim_set_upcall_handler(void (*fn)(uint16_t domid, unsigned int vcpu,
                                       void *arg),
                            void *arg)
{
    sim_upcall.arg = arg;
    hal_store_release(&sim_upcall.fn, fn);
}

/** Returns the upcalls raised since sim_init. */
unsigned long sim_upcall_count(void)
{
    return hal_read_once(&sim_upcalls);
}

/** Counts the upcall and hands it to the handler, if any. */
void hal_guest_upcall(uint16_t domid, unsigned int vcpu_id)
{
    void (*fn)(uint16_t, unsigned int, void *) =
        hal_load_acquire(&sim_upcall.fn);

    hal_fetch_add(&sim_upcalls, 1);
    if ( fn )
        fn(domid, vcpu_id, sim_upcall.arg);
}
