/* SPDX-License-Identifier: MIT */
/*
 * The subset of Xen's public/xen.h that hvcore implements: hypercall
 * numbers and basic guest types.  Numbers and names are Xen's.
 */
#ifndef PUBLIC_XEN_H
#define PUBLIC_XEN_H

#include <hal/types.h>

#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_event_channel_op_compat 16
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_xsm_op 27
#define __HYPERVISOR_event_channel_op 32
#define NR_HYPERCALLS 64

typedef uint16_t domid_t;
typedef uint64_t xen_pfn_t;
typedef uint64_t xen_ulong_t;

/* Guest handles are guest-physical addresses in hvcore's ABI. */
typedef uint64_t xen_guest_handle_t;

#endif /* PUBLIC_XEN_H */
