/* SPDX-License-Identifier: MIT */
/*
 * Guest upcalls on bare metal: there are no guest vCPUs to interrupt, so
 * each upcall is recorded (a count and the latest domid/vCPU) for the
 * in-kernel runner to inspect.  It takes no lock and calls nothing, so it
 * is safe with any lock held, as hal/guest.h requires.
 */
#include "x86_private.h"

static unsigned long x86_upcalls;
static uint32_t x86_upcall_last_raw;   /* domid << 16 | vcpu + 1, 0 = none */

/** Records an upcall for `domid`'s vCPU `vcpu_id`. */
void hal_guest_upcall(uint16_t domid, unsigned int vcpu_id)
{
    hal_write_once(&x86_upcall_last_raw,
                   ((uint32_t)domid << 16) | ((vcpu_id + 1) & 0xffffU));
    hal_fetch_add(&x86_upcalls, 1);
}

/** Returns how many upcalls were recorded. */
unsigned long x86_upcall_count(void)
{
    return hal_read_once(&x86_upcalls);
}

/** Returns the latest upcall's domid and vCPU; false if none yet. */
bool x86_upcall_last(uint16_t *domid, unsigned int *vcpu_id)
{
    uint32_t v = hal_read_once(&x86_upcall_last_raw);

    if ( !v )
        return false;
    *domid = (uint16_t)(v >> 16);
    *vcpu_id = (v & 0xffffU) - 1;
    return true;
}
