/* SPDX-License-Identifier: MIT */
/*
 * XSM core: provider choice, start-up and tear-down, and the entry points
 * common/ calls (common/subsys.h).
 *
 * Lock order: none here.  The settings below are written only before
 * `xsm_init` and after `xsm_fini`, single-threaded, as Xen's boot options.
 */
#include <common/printk.h>
#include <common/subsys.h>
#include <libxsm/xsm.h>
#ifdef HVCORE_XSM_FLASK
#include <libxsm/flask.h>
#endif

#include "private.h"

#ifdef HVCORE_XSM_FLASK
#define XSM_DEFAULT_PROVIDER XSM_PROVIDER_FLASK
#else
#define XSM_DEFAULT_PROVIDER XSM_PROVIDER_DUMMY
#endif

static enum xsm_provider xsm_chosen = XSM_DEFAULT_PROVIDER;
static bool xsm_chosen_explicitly;
static bool xsm_initialised;
static const void *xsm_boot_policy;
static size_t xsm_boot_policy_size;
static enum flask_bootparam xsm_flask_mode = FLASK_BOOTPARAM_ENFORCING;

#if XSM_MULTI_PROVIDER
/*
 * One `const` table per provider (STYLE.md: function pointers); the
 * dummy's is not static, so that XSM_CALL can compare `xsm_ops` with it.
 */
const struct xsm_ops xsm_dummy_ops = {
#define XSM_CHECK(name, def, src, tgt, params, args) .name = xsm_dummy_##name,
#define XSM_VOID(name, params, args) .name = xsm_dummy_##name,
#define XSM_RET(type, name, dummy, params, args) .name = xsm_dummy_##name,
#include <libxsm/hooks.h>
#undef XSM_CHECK
#undef XSM_VOID
#undef XSM_RET
};

static const struct xsm_ops flask_ops = {
#define XSM_CHECK(name, def, src, tgt, params, args) .name = flask_##name,
#define XSM_VOID(name, params, args) .name = flask_##name,
#define XSM_RET(type, name, dummy, params, args) .name = flask_##name,
#include <libxsm/hooks.h>
#undef XSM_CHECK
#undef XSM_VOID
#undef XSM_RET
};

const struct xsm_ops *xsm_ops = &xsm_dummy_ops;
#endif

/** Chooses the provider; see xsm.h.  -EBUSY after init, -EOPNOTSUPP. */
int xsm_set_provider(enum xsm_provider provider)
{
    if ( xsm_initialised )
        return -EBUSY;
    switch ( provider )
    {
#ifdef HVCORE_XSM_DUMMY
    case XSM_PROVIDER_DUMMY:
#endif
#ifdef HVCORE_XSM_FLASK
    case XSM_PROVIDER_FLASK:
#endif
        xsm_chosen = provider;
        xsm_chosen_explicitly = true;
        return 0;
    default:
        return -EOPNOTSUPP;
    }
}

/** Returns the provider chosen (and, after init, in force). */
enum xsm_provider xsm_current_provider(void)
{
    return xsm_chosen;
}

/** Records the boot policy; see xsm.h.  -EBUSY after init, -EOPNOTSUPP. */
int xsm_set_boot_policy(const void *policy, size_t size)
{
#ifdef HVCORE_XSM_FLASK
    if ( xsm_initialised )
        return -EBUSY;
    xsm_boot_policy = policy;
    xsm_boot_policy_size = policy ? size : 0;
    return 0;
#else
    return -EOPNOTSUPP;
#endif
}

/** Sets FLASK's boot mode; see xsm.h.  -EBUSY after init. */
int xsm_set_flask_mode(enum flask_bootparam mode)
{
    if ( xsm_initialised )
        return -EBUSY;
    if ( mode > FLASK_BOOTPARAM_LATE )
        return -EINVAL;
    xsm_flask_mode = mode;
    return 0;
}

/**
 * Starts the chosen provider.  FLASK loads the boot policy (unless the mode
 * is `late`); a policy that does not load fails init in enforcing mode (Xen
 * panics there) and leaves FLASK without a policy in permissive mode.  With
 * no boot policy FLASK allows everything until FLASK_LOAD.  Errors:
 * -EBUSY (already initialised), the loader's errors, -ENOMEM.
 */
int xsm_init(void)
{
    if ( xsm_initialised )
        return -EBUSY;

#if XSM_MULTI_PROVIDER
    /*
     * FLASK by default only with a policy to enforce: without one it would
     * allow everything, so a build with both providers falls back to the
     * dummy policy (Xen falls back to dummy when FLASK cannot start).  An
     * explicit choice of FLASK keeps it (`late` mode, FLASK_LOAD tests).
     */
    if ( xsm_chosen == XSM_PROVIDER_FLASK && !xsm_chosen_explicitly &&
         !xsm_boot_policy )
        xsm_chosen = XSM_PROVIDER_DUMMY;
#endif
#ifdef HVCORE_XSM_FLASK
    if ( xsm_chosen == XSM_PROVIDER_FLASK )
    {
        bool enforcing = xsm_flask_mode != FLASK_BOOTPARAM_PERMISSIVE;
        int rc = flask_init(enforcing);

        if ( rc )
            return rc;
        if ( xsm_boot_policy && xsm_flask_mode != FLASK_BOOTPARAM_LATE )
            rc = flask_load_policy(xsm_boot_policy, xsm_boot_policy_size);
        if ( rc && enforcing )
        {
            printk("xsm: boot policy did not load (%d)\n", rc);
            flask_fini();
            return rc;
        }
        if ( rc )
            printk("xsm: boot policy did not load (%d); permissive, "
                   "no policy\n", rc);
#if XSM_MULTI_PROVIDER
        xsm_ops = &flask_ops;
#endif
    }
#endif
    xsm_initialised = true;
    return 0;
}

/**
 * Tears the provider down and returns every setting to its default, so the
 * next `xsm_init` starts a fresh world.  Every domain must be gone.
 */
void xsm_fini(void)
{
#ifdef HVCORE_XSM_FLASK
    if ( xsm_initialised && xsm_chosen == XSM_PROVIDER_FLASK )
        flask_fini();
#endif
#if XSM_MULTI_PROVIDER
    xsm_ops = &xsm_dummy_ops;
#endif
    xsm_initialised = false;
    xsm_chosen = XSM_DEFAULT_PROVIDER;
    xsm_chosen_explicitly = false;
    xsm_boot_policy = NULL;
    xsm_boot_policy_size = 0;
    xsm_flask_mode = FLASK_BOOTPARAM_ENFORCING;
}

/**
 * Labels a new domain (Xen's `alloc_security_domain` plus the labelling
 * `domain_create` does).  Errors: -ENOMEM, -EINVAL (FLASK: `cfg->label` is
 * not a valid context), -EACCES/-EPERM (FLASK: the label is refused).
 */
int xsm_domain_init(struct domain *d, const struct domain_config *cfg)
{
    return xsm_alloc_security_domain(d, cfg);
}

/** Releases what `xsm_domain_init` set up for `d`. */
void xsm_domain_destroy(struct domain *d)
{
    xsm_free_security_domain(d);
}

/**
 * The xsm_op hypercall: `op` is the guest-physical address of a
 * `struct xen_flask_op` in the caller's domain.  -ENOSYS with the dummy.
 */
long do_xsm_op(struct vcpu *v, uint64_t op)
{
    return xsm_do_xsm_op(v->domain, op);
}

#ifdef HVCORE_XSM_FLASK
/** See private.h. */
bool xsm_flask_in_force(void)
{
    return xsm_initialised && xsm_chosen == XSM_PROVIDER_FLASK;
}
#endif

/** Checks libxsm's invariants; see xsm.h. */
int xsm_check(void)
{
#ifdef HVCORE_XSM_FLASK
    if ( xsm_initialised && xsm_chosen == XSM_PROVIDER_FLASK )
        return flask_check();
#endif
    return 0;
}
