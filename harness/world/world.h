/* SPDX-License-Identifier: MIT */
/*
 * A simulated world for tests, benchmarks, fuzzers and hvsim: the simulator
 * backend, then the core, and the domain helpers every suite needs.  One
 * world at a time per process; each test builds a fresh one.
 */
#ifndef HARNESS_WORLD_H
#define HARNESS_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <common/domain.h>

#define WORLD_DEFAULT_MEM (64ULL << 20)
#define WORLD_DEFAULT_CPUS 4U

/**
 * Starts the simulator with `mem_bytes` and `cpus`, then hvcore.  0 or a
 * negative errno.
 */
int world_start(uint64_t mem_bytes, unsigned int cpus);

/**
 * As world_start, with `configure(arg)` run after the simulator is up and
 * before hvcore_init — for choices the core reads at start-up (XSM provider
 * and boot policy, direct map).  A non-zero return aborts the start
 * (its errno if negative, else -EINVAL).
 */
int world_start_with(uint64_t mem_bytes, unsigned int cpus,
                     int (*configure)(void *arg), void *arg);

/*
 * Which XSM the world starts with (libxsm's providers).  A build with one
 * provider (HVCORE_XSM=flask) starts WORLD_XSM_DUMMY as WORLD_XSM_FLASK,
 * the nearest thing it has, so a user that only needs the control domain
 * to be allowed everything runs in every build; a suite that asserts the
 * dummy's own decisions is registered only where the dummy is built
 * (hvcore_add_test's NEEDS_XSM).  WORLD_XSM_FLASK fails without FLASK.
 */
enum world_xsm {
    WORLD_XSM_DEFAULT,  /* the build's default choice */
    WORLD_XSM_DUMMY,    /* Xen's default decisions */
    WORLD_XSM_FLASK,    /* FLASK enforcing hvcore's built-in policy */
};

/** world_start with the XSM provider chosen. */
int world_start_xsm(uint64_t mem_bytes, unsigned int cpus, enum world_xsm xsm);

/**
 * world_start_xsm with FLASK's boot policy given: `policy`, `size` bytes
 * (NULL: the built-in policy), read before it returns.  Check the policy
 * first (world_check_policy): one that does not load fails the start
 * with a console line.
 */
int world_start_xsm_policy(uint64_t mem_bytes, unsigned int cpus,
                           enum world_xsm xsm, const void *policy,
                           size_t size);

/**
 * Checks that FLASK loads `policy` (`size` bytes), on a small world of its
 * own that is gone when it returns; no world may be running.  0, the
 * loader's error (-EINVAL: not a policy hvcore can load, -ENOMEM), or
 * -EOPNOTSUPP without FLASK.
 */
int world_check_policy(const void *policy, size_t size);

/** Destroys every domain, stops hvcore, then the simulator. */
void world_stop(void);

/** domain_create with the defaults changed by `max_pages` and `privileged`. */
int world_create_domain(domid_t id, uint64_t max_pages, bool privileged,
                        struct domain **out);

/** Destroys `d` to the end (through every -ERESTART) and drops the caller's reference. */
int world_destroy_domain(struct domain *d);

/**
 * The guest's own view of its frame `gfn`: a host pointer to the machine
 * frame behind it, or NULL if the frame is not RAM of `d`.
 */
void *world_guest_page(struct domain *d, uint64_t gfn);

/**
 * Issues hypercall `nr` as vCPU `vcpu` of `d` the way a guest does:
 * `arg` (`size` bytes, at most a page) is copied into the guest's frame
 * `gfn`, args[0] = `cmd`, args[1] = that frame's address, and the frame's
 * contents are copied back into `arg` afterwards.  Returns the hypercall's
 * result, or -EFAULT if `gfn` is not RAM of `d`.
 */
long world_guest_op(struct domain *d, unsigned int vcpu, unsigned int nr,
                    unsigned long cmd, uint64_t gfn, void *arg, size_t size);

#endif /* HARNESS_WORLD_H */
