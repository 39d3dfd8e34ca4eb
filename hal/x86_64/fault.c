/* SPDX-License-Identifier: MIT */
/* Fault injection: bare metal never injects (hal/fault.h). */
#include "x86_private.h"

/** Returns false: no allocation point is ever made to fail. */
bool hal_fault_hit(enum hal_fault_site site)
{
    (void)site;
    return false;
}

/** Nothing to record: no hit ever fails. */
void hal_fault_absorbed(enum hal_fault_site site)
{
    (void)site;
}
