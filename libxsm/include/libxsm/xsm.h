/* SPDX-License-Identifier: MIT */
/*
 * XSM: the security hooks core code calls before it changes state.
 *
 * Each call site names the action the dummy policy takes there, as Xen's
 * do: `rc = xsm_memory_adjust_reservation(XSM_TARGET, curr_d, d);`.  The
 * hooks return 0 when the operation may go ahead, else a negative errno
 * (-EPERM from the dummy policy, -EACCES or -EPERM from FLASK).
 *
 * Providers are chosen at build time (CMake `HVCORE_XSM`):
 *   dummy  the wrappers below are the dummy checks, inlined;
 *   flask  the wrappers are direct calls to FLASK, no indirect branch
 *          (seed 000: a single provider pays nothing for the abstraction);
 *   both   the wrappers call through one `static const` ops table chosen
 *          by `xsm_init` (`xsm_set_provider` picks it; by default FLASK
 *          when a boot policy was given, else dummy).
 *
 * In every build a call site whose action differs from the one the dummy
 * policy expects for that hook fails to link when the action is a constant
 * the optimiser sees (Xen's `LINKER_BUG_ON`), and fails an ASSERT otherwise.
 *
 * The hook list itself is libxsm/hooks.h.
 */
#ifndef LIBXSM_XSM_H
#define LIBXSM_XSM_H

#include <common/bug.h>
#include <common/compiler.h>
#include <common/domain.h>
#include <common/errno.h>
#include <common/types.h>

#if !defined(HVCORE_XSM_DUMMY) && !defined(HVCORE_XSM_FLASK)
#error "libxsm: define HVCORE_XSM_DUMMY and/or HVCORE_XSM_FLASK (hvcore_xsm's PUBLIC definitions)"
#endif

/* The default action a call site names (Xen's `xsm_default_t`, same order). */
typedef enum xsm_default {
    XSM_HOOK,     /* anyone may */
    XSM_DM_PRIV,  /* the target's device model, or the control domain */
    XSM_TARGET,   /* the domain itself, its device model, the control domain */
    XSM_PRIV,     /* only the control domain */
    XSM_XS_PRIV,  /* xenstore domain, device model or control domain */
    XSM_OTHER,    /* hook-specific */
} xsm_default_t;

/*
 * The security label of one event channel, stored inline as the last
 * member of `struct evtchn` (seed 000, Xen's `chn->ssid`): 4 bytes, no
 * per-channel allocation.  `XSM_NEED_EVTCHN_SSID` says whether the build
 * has a provider that reads it; a dummy-only libevtchn may leave the field
 * out and pass NULL, which the dummy never dereferences.
 */
union xsm_evtchn_ssid {
    uint32_t flask_sid;
};
static_assert(sizeof(union xsm_evtchn_ssid) == 4,
              "the inline evtchn label is 4 bytes (seed 000)");

#ifdef HVCORE_XSM_FLASK
#define XSM_NEED_EVTCHN_SSID 1
#else
#define XSM_NEED_EVTCHN_SSID 0
#endif

/*
 * A channel's state as `xsm_evtchn_send` needs it.  The values are Xen's
 * ECS_* numbers (xen/include/xen/sched.h), so a libevtchn that numbers its
 * states as Xen does may pass its state through unchanged.
 */
enum xsm_evtchn_state {
    XSM_ECS_FREE = 0,
    XSM_ECS_RESERVED = 1,
    XSM_ECS_UNBOUND = 2,
    XSM_ECS_INTERDOMAIN = 3,
    XSM_ECS_PIRQ = 4,
    XSM_ECS_VIRQ = 5,
    XSM_ECS_IPI = 6,
};

/* `GNTMAP_readonly` (public/grant_table.h: bit 2), as `grant_mapref` reads it. */
#define XSM_GNTMAP_READONLY (1U << 2)

/**
 * Xen's default policy (xen/include/xsm/dummy.h): XSM_HOOK allows;
 * XSM_TARGET allows `src == target`; XSM_XS_PRIV (hvcore has no xenstore
 * domain) and XSM_DM_PRIV allow the device model of a non-NULL `target`;
 * all of them, and XSM_PRIV, allow the control domain.  Anything else is
 * -EPERM.  The checks fall through in that order, as Xen's do.
 */
static inline int xsm_default_action(xsm_default_t action,
                                     const struct domain *src,
                                     const struct domain *target)
{
    switch ( action )
    {
    case XSM_HOOK:
        return 0;
    case XSM_TARGET:
        if ( src == target )
            return 0;
        /* fall through */
    case XSM_XS_PRIV:
    case XSM_DM_PRIV:
        if ( target != NULL && src->target == target )
            return 0;
        /* fall through */
    case XSM_PRIV:
        if ( src->is_privileged )
            return 0;
        return -EPERM;
    default:
        return -EPERM;
    }
}

/*
 * Never defined: a call to it that survives constant folding is a call site
 * whose default action disagrees with the dummy policy, and fails the link.
 */
void xsm_default_action_mismatch_detected(void);

#define XSM_ASSERT_ACTION(action, def)                                      \
    do {                                                                    \
        if ( __builtin_constant_p(action) )                                 \
        {                                                                   \
            if ( (action) != (def) )                                        \
                xsm_default_action_mismatch_detected();                     \
        }                                                                   \
        else                                                                \
            ASSERT((action) == (def));                                      \
    } while ( 0 )

#define XSM_UNPAREN(...) __VA_ARGS__

/*
 * The dummy policy, one inline function per hook, from the list.  Most
 * hooks ignore some of their parameters, whatever the includer's warnings.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define XSM_CHECK(name, def, src, tgt, params, args)                        \
    static inline int xsm_dummy_##name(xsm_default_t action,                \
                                       XSM_UNPAREN params)                  \
    {                                                                       \
        return xsm_default_action(action, (src), (tgt));                    \
    }
#define XSM_VOID(name, params, args)                                        \
    static inline void xsm_dummy_##name params                              \
    {                                                                       \
    }
#define XSM_RET(type, name, dummy, params, args)                            \
    static inline type xsm_dummy_##name params                              \
    {                                                                       \
        return (dummy);                                                     \
    }
#include <libxsm/hooks.h>
#undef XSM_CHECK
#undef XSM_VOID
#undef XSM_RET
#pragma GCC diagnostic pop

#ifdef HVCORE_XSM_FLASK
/* FLASK's implementation of each hook (libxsm/flask/hooks.c). */
#define XSM_CHECK(name, def, src, tgt, params, args)                        \
    int flask_##name(xsm_default_t action, XSM_UNPAREN params);
#define XSM_VOID(name, params, args) void flask_##name params;
#define XSM_RET(type, name, dummy, params, args) type flask_##name params;
#include <libxsm/hooks.h>
#undef XSM_CHECK
#undef XSM_VOID
#undef XSM_RET
#endif

#if defined(HVCORE_XSM_FLASK) && defined(HVCORE_XSM_DUMMY)
#define XSM_MULTI_PROVIDER 1

/** One provider: a table made only of function pointers, one per hook. */
struct xsm_ops {
#define XSM_CHECK(name, def, src, tgt, params, args)                        \
    int (*name)(xsm_default_t action, XSM_UNPAREN params);
#define XSM_VOID(name, params, args) void (*name) params;
#define XSM_RET(type, name, dummy, params, args) type (*name) params;
#include <libxsm/hooks.h>
#undef XSM_CHECK
#undef XSM_VOID
#undef XSM_RET
};

/* The provider chosen by `xsm_init`; never NULL (the dummy before init). */
extern const struct xsm_ops *xsm_ops;
extern const struct xsm_ops xsm_dummy_ops;
/*
 * While the dummy is in force its inline check runs in place of the call
 * through the table: one compare instead of an indirect call on every hook
 * (Xen patches these calls with alternative_call for the same reason).
 */
#define XSM_CALL(name, args)                                                \
    (xsm_dummy_in_force() ? xsm_dummy_##name args : xsm_ops->name args)
#elif defined(HVCORE_XSM_FLASK)
#define XSM_MULTI_PROVIDER 0
#define XSM_CALL(name, args) flask_##name args
#else
#define XSM_MULTI_PROVIDER 0
#define XSM_CALL(name, args) xsm_dummy_##name args
#endif

/**
 * True while the dummy policy is in force.  A hot path may then evaluate
 * `xsm_dummy_<hook>` itself and keep the provider's call, and the
 * registers a call needs, on a path of its own (libevtchn's send does).
 */
static inline bool xsm_dummy_in_force(void)
{
#if XSM_MULTI_PROVIDER
    return xsm_ops == &xsm_dummy_ops;
#elif defined(HVCORE_XSM_FLASK)
    return false;
#else
    return true;
#endif
}

/* The wrappers core code calls: `xsm_<name>(...)`. */
#define XSM_CHECK(name, def, src, tgt, params, args)                        \
    static inline int __must_check xsm_##name(xsm_default_t action,         \
                                              XSM_UNPAREN params)           \
    {                                                                       \
        XSM_ASSERT_ACTION(action, def);                                     \
        return XSM_CALL(name, (action, XSM_UNPAREN args));                  \
    }
#define XSM_VOID(name, params, args)                                        \
    static inline void xsm_##name params                                    \
    {                                                                       \
        XSM_CALL(name, args);                                               \
    }
#define XSM_RET(type, name, dummy, params, args)                            \
    static inline type xsm_##name params                                    \
    {                                                                       \
        return XSM_CALL(name, args);                                        \
    }
#include <libxsm/hooks.h>
#undef XSM_CHECK
#undef XSM_VOID
#undef XSM_RET

/* Which provider enforces decisions. */
enum xsm_provider {
    XSM_PROVIDER_DUMMY,
    XSM_PROVIDER_FLASK,
};

/**
 * Chooses the provider `xsm_init` installs (the `xsm=` boot option).  Only
 * providers built in may be chosen: -EOPNOTSUPP otherwise; -EBUSY after
 * init.  The default is FLASK when it is built in.
 */
int __must_check xsm_set_provider(enum xsm_provider provider);

/** Returns the provider in force (the one chosen, before init). */
enum xsm_provider xsm_current_provider(void);

/**
 * Gives the binary policy FLASK loads at `xsm_init` (a boot module, Xen's
 * `policy_buffer`).  The buffer is read during `xsm_init` only and must
 * stay valid until then; NULL clears it.  -EBUSY after init,
 * -EOPNOTSUPP without FLASK.
 */
int __must_check xsm_set_boot_policy(const void *policy, size_t size);

/* FLASK's boot modes (Xen's `flask=` option). */
enum flask_bootparam {
    FLASK_BOOTPARAM_ENFORCING,  /* default: a boot policy must load */
    FLASK_BOOTPARAM_PERMISSIVE, /* decisions audited, not enforced */
    FLASK_BOOTPARAM_LATE,       /* ignore the boot policy; wait for LOAD */
};

#ifdef HVCORE_XSM_FLASK
/*
 * hvcore's default policy, compiled by checkpolicy at build time and
 * embedded (Xen's CONFIG_XSM_FLASK_POLICY): for the boot target, hvsim and
 * hvbench.  Give it to `xsm_set_boot_policy` to use it.
 */
extern const unsigned char xsm_builtin_policy[];
extern const size_t xsm_builtin_policy_size;
#endif

/** Sets FLASK's boot mode before `xsm_init`; -EBUSY after. */
int __must_check xsm_set_flask_mode(enum flask_bootparam mode);

/**
 * Checks libxsm's invariants (sid table, AVC accounting and consistency
 * with the policy, domain labels).  Returns 0, or -EINVAL after printing
 * what is wrong.  Takes the locks it needs; call with none held.
 */
int __must_check xsm_check(void);

/* The freestanding self-tests, run under ctest and by the boot target. */
struct selftest_suite;
extern const struct selftest_suite xsm_selftest_suite;

#endif /* LIBXSM_XSM_H */
