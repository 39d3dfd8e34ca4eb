/* SPDX-License-Identifier: MIT */
/*
 * Domains and vCPUs.
 *
 * A domain is created with a configuration, registered under its domid, and
 * looked up by domid with a reference taken, so it cannot be freed under a
 * caller.  Destruction marks it dying, has each subsystem release what the
 * domain holds (preemptibly), unregisters it, and frees it when the last
 * reference is dropped.
 *
 * Each subsystem keeps its per-domain state behind an opaque pointer here,
 * so common/ does not depend on the libraries' headers.
 *
 * Lock order: `domlist_lock` (common/domain.c) is a leaf; it is never held
 * while calling a subsystem.
 */
#ifndef COMMON_DOMAIN_H
#define COMMON_DOMAIN_H

#include <common/compiler.h>
#include <common/types.h>
#include <hal/spinlock.h>

/* Special domids, as in Xen's public/xen.h. */
#define DOMID_FIRST_RESERVED 0x7FF0U
#define DOMID_SELF 0x7FF0U
#define DOMID_IO 0x7FF1U
#define DOMID_XEN 0x7FF2U
#define DOMID_COW 0x7FF3U
#define DOMID_INVALID 0x7FF4U
#define DOMID_IDLE 0x7FFFU

#define HVCORE_MAX_VCPUS 64

struct mm_domain;
struct evtchn_domain;
struct evtchn_vcpu;
struct grant_table;

struct vcpu {
    unsigned int vcpu_id;
    struct domain *domain;
    unsigned int processor;       /* pCPU the vCPU last ran on */
    struct evtchn_vcpu *evtchn;   /* libevtchn's per-vCPU state */
};

enum domain_state {
    DOMSTATE_ACTIVE,
    DOMSTATE_DYING,   /* destroy started: no new resources */
    DOMSTATE_DEAD,    /* every resource released, unregistered */
};

struct domain_config {
    unsigned int max_vcpus;        /* 1..HVCORE_MAX_VCPUS */
    bool privileged;               /* the control domain */
    bool is_32bit;                 /* a 32-bit guest: compat layouts */
    domid_t target;                /* domain served as device model, or DOMID_INVALID */
    uint64_t max_pages;            /* memory limit, in pages */
    unsigned int max_evtchn_port;  /* highest port number allowed */
    unsigned int max_grant_frames; /* 0 picks the default (64) */
    unsigned int max_maptrack_frames; /* 0 picks the default */
    unsigned int max_grant_version; /* 1 or 2 (Xen's max_grant_version,
                                       4.16); 0 picks the default (2) */
    unsigned int gnttab_ext;       /* HVCORE_GNTTAB_EXT_* (public/
                                      grant_table.h); 0: Xen's answers */
    const char *label;             /* security context, NULL for the default */
};

struct domain {
    domid_t domain_id;
    bool is_privileged;
    bool is_32bit;
    enum domain_state state;
    struct domain *target;         /* referenced while set */
    unsigned int max_vcpus;
    struct vcpu **vcpu;            /* max_vcpus entries */

    uint32_t refcnt;               /* the registry holds one reference */
    uint32_t pause_count;

    uint32_t ssid;                 /* XSM security id */
    struct mm_domain *mm;          /* libmm: P2M, page list, tot/max pages */
    struct evtchn_domain *evtchn;  /* libevtchn */
    struct grant_table *grant_table; /* libgnttab */

    struct domain *next_in_hash;   /* registry chain, under domlist_lock */
    uint32_t destroy_busy;         /* a domain_destroy call is running */
    unsigned int destroy_step;     /* how far teardown has got */
};

/** The default configuration: 1 vCPU, unprivileged, 64-bit, no target. */
void domain_config_default(struct domain_config *cfg);

/**
 * Creates domain `domid` and returns it with one reference held for the
 * caller.  Errors: -EINVAL (bad domid or configuration), -EEXIST (domid in
 * use), -ESRCH (target does not exist), -ENOMEM; on error nothing is left
 * behind.
 */
int __must_check domain_create(domid_t domid, const struct domain_config *cfg,
                               struct domain **out);

/**
 * Destroys `d`: marks it dying and releases what it holds.  Returns 0 when
 * done or -ERESTART when it stopped at a preemption point (call again).  The
 * domain is unregistered once done and freed when its last reference goes.
 * Anyone holding a reference may go on calling into the libraries with it
 * meanwhile (lookups then find nothing: tables teardown unlinked stay
 * allocated until the last reference goes).  The embedding hypervisor
 * keeps `d`'s own vCPUs out of hypercalls from the first call on, as Xen
 * pauses a domain before killing it: a vCPU holds no reference of its own.
 */
int __must_check domain_destroy(struct domain *d);

/** Takes a reference to a domain the caller already holds one to. */
void get_domain(struct domain *d);

/** Drops a reference; the last one frees the domain. */
void put_domain(struct domain *d);

/**
 * Looks up `domid` and returns it with a reference taken, or NULL.  A dying
 * domain is still found (so its teardown can be observed); use
 * `domain_is_dying` to refuse new work.
 */
struct domain *get_domain_by_id(domid_t domid);

/**
 * Resolves `domid` as seen by `current`: DOMID_SELF is the caller's own
 * domain.  Returns 0 and a referenced domain, or -ESRCH.
 */
int __must_check domain_resolve(struct domain *current, domid_t domid,
                                struct domain **out);

static inline bool domain_is_dying(const struct domain *d)
{
    return d->state != DOMSTATE_ACTIVE;
}

/** True if `d` may act as a device model for `t` (d->target == t). */
static inline bool domain_is_dm_of(const struct domain *d,
                                   const struct domain *t)
{
    return d->target == t;
}

void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);

/** Calls `fn(d, arg)` on each registered domain with a reference held. */
void domain_for_each(void (*fn)(struct domain *d, void *arg), void *arg);

/** Returns how many domains are registered. */
unsigned int domain_count(void);

#endif /* COMMON_DOMAIN_H */
