/* SPDX-License-Identifier: MIT */
/*
 * The FLASK operations of the xsm_op hypercall: Xen's public/xsm/flask_op.h
 * numbers, names and layouts (reference/xsm.md §8).  Guest handles are
 * guest-physical addresses (`xen_guest_handle_t`, 8 bytes) in hvcore's ABI,
 * the size of Xen's x86-64 handles, so the layouts match Xen's 64-bit ones.
 *
 * hvcore implements LOAD, GETENFORCE, SETENFORCE, CONTEXT_TO_SID,
 * SID_TO_CONTEXT, ACCESS, CREATE, RELABEL, POLICYVERS, GETBOOL, SETBOOL,
 * COMMITBOOLS, MLS, AVC_HASHSTATS, AVC_CACHESTATS, MEMBER and GET_PEER_SID;
 * the other numbers answer -ENOSYS, as Xen answers ops it lacks.
 */
#ifndef PUBLIC_XSM_FLASK_OP_H
#define PUBLIC_XSM_FLASK_OP_H

#include <public/xen.h>

#define XEN_FLASK_INTERFACE_VERSION 1

struct xen_flask_load {
    xen_guest_handle_t buffer;  /* the binary policy */
    uint32_t size;
};

struct xen_flask_setenforce {
    uint32_t enforcing;
};

struct xen_flask_sid_context {
    /* IN/OUT: sid to convert to/from a string */
    uint32_t sid;
    /* IN: size of the context buffer; OUT: length of the context */
    uint32_t size;
    xen_guest_handle_t context;
};

struct xen_flask_access {
    /* IN: access request */
    uint32_t ssid;
    uint32_t tsid;
    uint32_t tclass;
    uint32_t req;
    /* OUT: AVC data */
    uint32_t allowed;
    uint32_t audit_allow;
    uint32_t audit_deny;
    uint32_t seqno;
};

struct xen_flask_transition {
    /* IN: transition SIDs and class */
    uint32_t ssid;
    uint32_t tsid;
    uint32_t tclass;
    /* OUT: new SID */
    uint32_t newsid;
};

struct xen_flask_boolean {
    /* IN/OUT: the boolean's number; 0xffffffff: find it by `name` */
    uint32_t bool_id;
    /* OUT: its value in force [GET/SET] */
    uint8_t enforcing;
    /* OUT: its pending value [GET/SET] */
    uint8_t pending;
    /* IN: the new value [SET] */
    uint8_t new_value;
    /* IN: put the new value in force at once, not only pending [SET] */
    uint8_t commit;
    /* IN: size of the name buffer; OUT: length of the name [GET] */
    uint32_t size;
    /* IN: the name when bool_id is 0xffffffff; OUT: the name [GET] */
    xen_guest_handle_t name;
};

struct xen_flask_setavc_threshold {
    uint32_t threshold;
};

struct xen_flask_hash_stats {
    uint32_t entries;
    uint32_t buckets_used;
    uint32_t buckets_total;
    uint32_t max_chain_len;
};

struct xen_flask_cache_stats {
    /* IN */
    uint32_t cpu;
    /* OUT */
    uint32_t lookups;
    uint32_t hits;
    uint32_t misses;
    uint32_t allocations;
    uint32_t reclaims;
    uint32_t frees;
};

struct xen_flask_peersid {
    uint32_t evtchn;  /* evtchn_port_t */
    uint32_t sid;
};

struct xen_flask_relabel {
    uint32_t domid;
    uint32_t sid;
};

struct xen_flask_op {
    uint32_t cmd;
#define FLASK_LOAD 1
#define FLASK_GETENFORCE 2
#define FLASK_SETENFORCE 3
#define FLASK_CONTEXT_TO_SID 4
#define FLASK_SID_TO_CONTEXT 5
#define FLASK_ACCESS 6
#define FLASK_CREATE 7
#define FLASK_RELABEL 8
#define FLASK_USER 9             /* no longer implemented by Xen */
#define FLASK_POLICYVERS 10
#define FLASK_GETBOOL 11
#define FLASK_SETBOOL 12
#define FLASK_COMMITBOOLS 13
#define FLASK_MLS 14
#define FLASK_DISABLE 15         /* no longer implemented by Xen */
#define FLASK_GETAVC_THRESHOLD 16
#define FLASK_SETAVC_THRESHOLD 17
#define FLASK_AVC_HASHSTATS 18
#define FLASK_AVC_CACHESTATS 19
#define FLASK_MEMBER 20
#define FLASK_ADD_OCONTEXT 21
#define FLASK_DEL_OCONTEXT 22
#define FLASK_GET_PEER_SID 23
#define FLASK_RELABEL_DOMAIN 24
#define FLASK_DEVICETREE_LABEL 25
    uint32_t interface_version; /* XEN_FLASK_INTERFACE_VERSION */
    union {
        struct xen_flask_load load;
        struct xen_flask_setenforce enforce;
        /* FLASK_CONTEXT_TO_SID and FLASK_SID_TO_CONTEXT */
        struct xen_flask_sid_context sid_context;
        struct xen_flask_access access;
        /* FLASK_CREATE, FLASK_RELABEL, FLASK_MEMBER */
        struct xen_flask_transition transition;
        /* FLASK_GETBOOL, FLASK_SETBOOL */
        struct xen_flask_boolean boolean;
        /* FLASK_GETAVC_THRESHOLD, FLASK_SETAVC_THRESHOLD */
        struct xen_flask_setavc_threshold setavc_threshold;
        struct xen_flask_hash_stats hash_stats;
        struct xen_flask_cache_stats cache_stats;
        struct xen_flask_peersid peersid;
        struct xen_flask_relabel relabel;
    } u;
};

/* Layouts of Xen's 64-bit ABI (xen/include/public/xsm/flask_op.h). */
static_assert(sizeof(struct xen_flask_load) == 16, "xen_flask_load size (Xen x86-64)");
static_assert(sizeof(struct xen_flask_sid_context) == 16, "xen_flask_sid_context size (Xen x86-64)");
static_assert(sizeof(struct xen_flask_access) == 32, "xen_flask_access size (Xen x86-64)");
static_assert(sizeof(struct xen_flask_cache_stats) == 28, "xen_flask_cache_stats size (Xen x86-64)");
static_assert(sizeof(struct xen_flask_transition) == 16, "xen_flask_transition size (Xen x86-64)");
static_assert(sizeof(struct xen_flask_boolean) == 24, "xen_flask_boolean size (Xen x86-64)");
static_assert(offsetof(struct xen_flask_boolean, size) == 8, "xen_flask_boolean.size offset (Xen x86-64)");
static_assert(offsetof(struct xen_flask_boolean, name) == 16, "xen_flask_boolean.name offset (Xen x86-64)");
static_assert(sizeof(struct xen_flask_peersid) == 8, "xen_flask_peersid size (Xen x86-64)");
static_assert(offsetof(struct xen_flask_op, u) == 8, "xen_flask_op.u offset (Xen x86-64)");
static_assert(sizeof(struct xen_flask_op) == 40, "xen_flask_op size (Xen x86-64)");

#endif /* PUBLIC_XSM_FLASK_OP_H */
