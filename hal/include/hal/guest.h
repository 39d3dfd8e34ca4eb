/* SPDX-License-Identifier: MIT */
/*
 * HAL service: notifying a guest vCPU.
 *
 * Core code sets the vCPU's `evtchn_upcall_pending` in its vcpu_info and then
 * calls `hal_guest_upcall` to make the vCPU take its event upcall: the
 * simulator hands it to the harness's handler for that vCPU (waking its
 * thread), bare metal records it for the in-kernel runner.  It may be called
 * with locks held and must not call back into core code.
 */
#ifndef HAL_GUEST_H
#define HAL_GUEST_H

#include <hal/types.h>

void hal_guest_upcall(uint16_t domid, unsigned int vcpu_id);

#endif /* HAL_GUEST_H */
