/* SPDX-License-Identifier: MIT */
/*
 * libxsm's freestanding self-tests: run by ctest on the simulator
 * (libxsm/tests/test_xsm_selftest.c) and by the boot target's in-kernel
 * runner.  They need no policy file: the dummy decisions, and FLASK with
 * the built-in policy and on bad images (flask/selftest.c).
 */
#include <common/selftest.h>
#include <common/string.h>
#include <libxsm/xsm.h>

#include "private.h"

static int st_dummy_matrix(void)
{
    struct domain dom0, a, dm;

    memset(&dom0, 0, sizeof(dom0));
    memset(&a, 0, sizeof(a));
    memset(&dm, 0, sizeof(dm));
    dom0.is_privileged = true;
    dm.target = &a;
    SELFTEST_CHECK(xsm_default_action(XSM_HOOK, &a, &dom0) == 0);
    SELFTEST_CHECK(xsm_default_action(XSM_TARGET, &a, &a) == 0);
    SELFTEST_CHECK(xsm_default_action(XSM_TARGET, &a, &dom0) == -EPERM);
    SELFTEST_CHECK(xsm_default_action(XSM_TARGET, &dm, &a) == 0);
    SELFTEST_CHECK(xsm_default_action(XSM_DM_PRIV, &dm, &a) == 0);
    SELFTEST_CHECK(xsm_default_action(XSM_DM_PRIV, &dm, NULL) == -EPERM);
    SELFTEST_CHECK(xsm_default_action(XSM_DM_PRIV, &a, &a) == -EPERM);
    SELFTEST_CHECK(xsm_default_action(XSM_PRIV, &dm, &a) == -EPERM);
    SELFTEST_CHECK(xsm_default_action(XSM_PRIV, &dom0, NULL) == 0);
    SELFTEST_CHECK(xsm_default_action(XSM_OTHER, &dom0, NULL) == -EPERM);
    return 0;
}

static const struct selftest xsm_selftests[] = {
    { "dummy default actions", st_dummy_matrix },
#ifdef HVCORE_XSM_FLASK
    { "flask built-in policy", flask_selftest_builtin_policy },
    { "flask rejects bad images", flask_selftest_rejects_bad_images },
#endif
    { NULL, NULL },
};

const struct selftest_suite xsm_selftest_suite = {
    .name = "xsm",
    .tests = xsm_selftests,
};
