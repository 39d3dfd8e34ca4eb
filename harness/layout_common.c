/* SPDX-License-Identifier: MIT */
/* Layout facts of the HAL contract and common/. */
#include <common/domain.h>
#include <hal/cpu.h>
#include <hal/rwlock.h>
#include <hal/spinlock.h>

#include "hvsim.h"

const struct layout_entry hvsim_layout_common[] = {
    { "page_size", HAL_PAGE_SIZE },
    { "max_cpus", HAL_MAX_CPUS },
    { "percpu_area_bytes", HAL_PERCPU_SIZE },
    { "hal_spinlock_t", sizeof(hal_spinlock_t) },
    { "hal_rwlock_t", sizeof(hal_rwlock_t) },
    { "struct domain", sizeof(struct domain) },
    { "struct vcpu", sizeof(struct vcpu) },
    { "max_vcpus_per_domain", HVCORE_MAX_VCPUS },
    { NULL, 0 },
};
