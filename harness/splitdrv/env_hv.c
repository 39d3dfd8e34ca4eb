/* SPDX-License-Identifier: MIT */
/*
 * The guest environment (sd_env.h) on hvcore itself: hypercalls through
 * `hypercall_entry` with the argument in the vCPU's own page, and the
 * guest's frames reached through its P2M and map_domain_page, as a guest
 * kernel reaches them through its own page tables.  Freestanding: the
 * simulator and the boot kernel link the same file.
 */
#include <common/domain.h>
#include <common/errno.h>
#include <common/guest_access.h>
#include <common/hypercall.h>
#include <libevtchn/evtchn.h>
#include <libmm/domain_page.h>
#include <libmm/p2m.h>

#include "sd_env.h"

/** See sd_env.h. */
int sd_env_init(struct sd_env *env, struct domain *d)
{
    unsigned int v;

    if ( d->max_vcpus > SD_ENV_MAX_VCPUS )
        return -EINVAL;
    env->d = d;
    env->nr_vcpus = d->max_vcpus;
    env->shared_info = map_domain_page_global(evtchn_shared_info_mfn(d));
    if ( !env->shared_info )
        return -ENOMEM;
    for ( v = 0; v < env->nr_vcpus; v++ )
    {
        mfn_t mfn;
        unsigned int off;
        char *page;

        if ( evtchn_vcpu_info_location(d, v, &mfn, &off) )
            goto fail;
        page = map_domain_page_global(mfn);
        if ( !page )
            goto fail;
        env->vcpu_info[v] = page + off;
    }
    return 0;

 fail:
    sd_env_fini(env);
    return -ENOMEM;
}

/** See sd_env.h. */
void sd_env_fini(struct sd_env *env)
{
    unsigned int v;

    for ( v = 0; v < env->nr_vcpus; v++ )
    {
        if ( env->vcpu_info[v] )
            unmap_domain_page_global(
                (void *)((uintptr_t)env->vcpu_info[v] & ~(PAGE_SIZE - 1)));
        env->vcpu_info[v] = NULL;
    }
    if ( env->shared_info )
        unmap_domain_page_global(env->shared_info);
    env->shared_info = NULL;
}

/** See sd_env.h. */
long sd_env_hypercall(struct sd_env *env, unsigned int vcpu, unsigned int nr,
                      unsigned long cmd, void *arg, unsigned int size,
                      unsigned long count)
{
    uint64_t gpa = (uint64_t)(SD_ENV_ARG_GFN + vcpu) << PAGE_SHIFT;
    uint64_t args[HYPERCALL_NR_ARGS] = { cmd, gpa, count };
    long rc;

    if ( vcpu >= env->nr_vcpus || size > PAGE_SIZE )
        return -EFAULT;
    if ( size && copy_to_guest_phys(env->d, gpa, arg, size) )
        return -EFAULT;
    rc = hypercall_entry(env->d->vcpu[vcpu], nr, args);
    if ( size && copy_from_guest_phys(env->d, arg, gpa, size) )
        return -EFAULT;
    return rc;
}

/** The frame behind the guest's `gfn`, or INVALID_MFN. */
static mfn_t sd_env_frame(struct sd_env *env, uint64_t gfn)
{
    p2m_type_t t;
    mfn_t mfn = p2m_lookup(env->d, _gfn(gfn), &t);

    return t == p2m_invalid ? INVALID_MFN : mfn;
}

/** See sd_env.h. */
void *sd_env_map(struct sd_env *env, uint64_t gfn)
{
    mfn_t mfn = sd_env_frame(env, gfn);

    return mfn_eq(mfn, INVALID_MFN) ? NULL : map_domain_page(mfn);
}

/** See sd_env.h. */
void sd_env_unmap(struct sd_env *env, void *va)
{
    unmap_domain_page(va);
}

/** See sd_env.h. */
void *sd_env_map_global(struct sd_env *env, uint64_t gfn)
{
    mfn_t mfn = sd_env_frame(env, gfn);

    return mfn_eq(mfn, INVALID_MFN) ? NULL : map_domain_page_global(mfn);
}

/** See sd_env.h. */
void sd_env_unmap_global(struct sd_env *env, void *va)
{
    unmap_domain_page_global(va);
}
