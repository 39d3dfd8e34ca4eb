/* SPDX-License-Identifier: MIT */
/*
 * The shared_info page and vcpu_info, x86, as Xen lays them out
 * (xen/include/public/xen.h and public/arch-x86/xen.h): the native 64-bit
 * layout and the compat layout a 32-bit guest sees.  Only the members the
 * event channel ABIs use are named; the rest are opaque bytes at Xen's
 * offsets so the sizes stay Xen's.
 *
 * How a guest reaches them in hvcore: as for a Xen PV guest, the shared_info
 * page is a hypervisor page shared with the domain (Xen hands its frame to a
 * PV guest in start_info).  libevtchn allocates it when the domain is created
 * and `evtchn_shared_info_mfn()` (libevtchn/evtchn.h) names its frame; the
 * simulator's guest side reaches it with `sim_machine_frame()`.  The first
 * XEN_LEGACY_MAX_VCPUS vCPUs have their vcpu_info inside it; vCPUs from 32 up
 * have theirs in a second hypervisor page (in Xen a guest registers one with
 * VCPUOP_register_vcpu_info), named by `evtchn_vcpu_info_mfn()`.
 */
#ifndef PUBLIC_ARCH_X86_XEN_H
#define PUBLIC_ARCH_X86_XEN_H

#include <public/xen.h>

#define XEN_LEGACY_MAX_VCPUS 32

/* 64-bit vcpu_info: 64 bytes. */
struct vcpu_info {
    uint8_t evtchn_upcall_pending;   /* @0: set by Xen, cleared by the guest */
    uint8_t evtchn_upcall_mask;      /* @1: owned by the guest */
    uint8_t _pad0[6];
    xen_ulong_t evtchn_pending_sel;  /* @8: 2-level selector, 3-level L1 */
    uint8_t arch[16];                /* @16: struct arch_vcpu_info */
    uint8_t time[32];                /* @32: struct vcpu_time_info */
};

/* 64-bit shared_info: 3136 bytes. */
struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];    /* @0 */
    xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8]; /* @2048 */
    xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];    /* @2560 */
    uint32_t wc_version;                                 /* @3072 */
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;
    uint8_t arch[48];                                    /* @3088 */
};

/* Compat (32-bit guest) vcpu_info: 64 bytes. */
struct compat_vcpu_info {
    uint8_t evtchn_upcall_pending;   /* @0 */
    uint8_t evtchn_upcall_mask;      /* @1 */
    uint8_t _pad0[2];
    uint32_t evtchn_pending_sel;     /* @4 */
    uint8_t arch[24];                /* @8 */
    uint8_t time[32];                /* @32 */
};

/* Compat shared_info: 2344 bytes. */
struct compat_shared_info {
    struct compat_vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS]; /* @0 */
    uint32_t evtchn_pending[32];                             /* @2048 */
    uint32_t evtchn_mask[32];                                /* @2176 */
    uint32_t wc_version;                                     /* @2304 */
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint8_t arch[28];                                        /* @2316 */
};

/* Layouts checked against Xen's (reference/evtchn.md §2). */
static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info: 64 bytes (Xen)");
static_assert(__builtin_offsetof(struct vcpu_info, evtchn_pending_sel) == 8,
              "vcpu_info.evtchn_pending_sel @8 (Xen)");
static_assert(__builtin_offsetof(struct vcpu_info, time) == 32,
              "vcpu_info.time @32 (Xen)");
static_assert(sizeof(struct shared_info) == 3136,
              "shared_info: 3136 bytes (Xen x86-64)");
static_assert(__builtin_offsetof(struct shared_info, evtchn_pending) == 2048,
              "shared_info.evtchn_pending @2048 (Xen)");
static_assert(__builtin_offsetof(struct shared_info, evtchn_mask) == 2560,
              "shared_info.evtchn_mask @2560 (Xen)");
static_assert(__builtin_offsetof(struct shared_info, wc_version) == 3072,
              "shared_info.wc_version @3072 (Xen)");
static_assert(__builtin_offsetof(struct shared_info, arch) == 3088,
              "shared_info.arch @3088 (Xen)");
static_assert(sizeof(struct compat_vcpu_info) == 64,
              "compat vcpu_info: 64 bytes (Xen)");
static_assert(__builtin_offsetof(struct compat_vcpu_info,
                                 evtchn_pending_sel) == 4,
              "compat vcpu_info.evtchn_pending_sel @4 (Xen)");
static_assert(__builtin_offsetof(struct compat_vcpu_info, arch) == 8,
              "compat vcpu_info.arch @8 (Xen)");
static_assert(sizeof(struct compat_shared_info) == 2344,
              "compat shared_info: 2344 bytes (Xen)");
static_assert(__builtin_offsetof(struct compat_shared_info,
                                 evtchn_pending) == 2048,
              "compat shared_info.evtchn_pending @2048 (Xen)");
static_assert(__builtin_offsetof(struct compat_shared_info,
                                 evtchn_mask) == 2176,
              "compat shared_info.evtchn_mask @2176 (Xen)");
static_assert(__builtin_offsetof(struct compat_shared_info,
                                 wc_version) == 2304,
              "compat shared_info.wc_version @2304 (Xen)");

#endif /* PUBLIC_ARCH_X86_XEN_H */
