/* SPDX-License-Identifier: MIT */
/*
 * The split driver's guest environment: what a guest kernel has before any
 * driver runs.  A vCPU of the guest issues hypercalls with an argument
 * structure in its own memory, reaches its own frames through its own
 * mappings, and finds its shared_info and vcpu_info where the domain
 * builder put them.  The frontend and backend (front.c, back.c) use only
 * this interface and the public ABI headers; env_hv.c implements it on
 * hvcore's hypercall entry and P2M, so the same driver code runs on the
 * simulator and in the boot kernel.
 */
#ifndef SPLITDRV_SD_ENV_H
#define SPLITDRV_SD_ENV_H

#include <common/compiler.h>
#include <hal/types.h>

struct domain;

/* Guest frames every demo domain uses for the environment itself. */
#define SD_ENV_ARG_GFN 0x0U   /* vCPU v's hypercall argument page: gfn v */

/** One guest as its kernel sees itself. */
struct sd_env {
    struct domain *d;        /* the domain (for env_hv.c only) */
    unsigned int nr_vcpus;
    void *shared_info;       /* global mapping, set by sd_env_init */
    void *vcpu_info[8];      /* each vCPU's vcpu_info */
};

#define SD_ENV_MAX_VCPUS 8U

/**
 * Prepares `env` for `d`: maps its shared_info and vcpu_info pages.  `d`
 * must have RAM at gfns SD_ENV_ARG_GFN.. (one page per vCPU).  Returns 0,
 * -EINVAL (too many vCPUs) or -ENOMEM.
 */
int __must_check sd_env_init(struct sd_env *env, struct domain *d);

/** Undoes sd_env_init. */
void sd_env_fini(struct sd_env *env);

/**
 * Issues hypercall `nr` as vCPU `vcpu`: `arg` (`size` bytes, at most a
 * page) goes to the vCPU's argument page, args are (cmd, its address,
 * count), and the page is copied back into `arg`.  Returns the hypercall's
 * result or -EFAULT.
 */
long sd_env_hypercall(struct sd_env *env, unsigned int vcpu, unsigned int nr,
                      unsigned long cmd, void *arg, unsigned int size,
                      unsigned long count);

/**
 * Maps the guest's own frame `gfn` (RAM, or a grant mapping in its
 * physmap) for a short while; NULL if nothing is there.  At most a few at
 * once per vCPU; release with sd_env_unmap.
 */
void *sd_env_map(struct sd_env *env, uint64_t gfn);
void sd_env_unmap(struct sd_env *env, void *va);

/** As sd_env_map for a mapping kept across calls (rings, bitmaps). */
void *sd_env_map_global(struct sd_env *env, uint64_t gfn);
void sd_env_unmap_global(struct sd_env *env, void *va);

#endif /* SPLITDRV_SD_ENV_H */
