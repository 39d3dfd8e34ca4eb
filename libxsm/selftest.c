/* SPDX-License-Identifier: MIT */
/*
 * libxsm's freestanding self-tests: run by ctest on the simulator and by
 * the boot target's in-kernel runner.  They need no policy file: the dummy
 * decisions, and FLASK's behaviour before any policy and on bad images.
 */
#include <common/selftest.h>
#include <common/string.h>
#include <libxsm/xsm.h>

#include "private.h"
#ifdef HVCORE_XSM_FLASK
#include <libxsm/flask.h>
#endif

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

#ifdef HVCORE_XSM_FLASK
/*
 * Truncations of a header and garbage never load; no policy stays.  FLASK
 * must be idle: the test starts its own and tears it down.
 */
static int st_flask_rejects_bad_images(void)
{
    static const uint8_t header[] = {
        0x8c, 0xff, 0x7c, 0xf9, 8, 0, 0, 0, 'X', 'e', 'n', 'F', 'l', 'a',
        's', 'k', 30, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 6, 0, 0, 0,
    };
    unsigned int n;
    int rc = 0;

    SELFTEST_CHECK(flask_init(true) == 0);
    for ( n = 0; n <= sizeof(header) && !rc; n++ )
        if ( flask_load_policy(header, n) != -EINVAL ||
             flask_policy_seqno() != 0 )
            rc = 1;
    flask_fini();
    SELFTEST_CHECK(rc == 0);
    return 0;
}
#endif

static const struct selftest xsm_selftests[] = {
    { "dummy default actions", st_dummy_matrix },
#ifdef HVCORE_XSM_FLASK
    { "flask rejects bad images", st_flask_rejects_bad_images },
#endif
    { NULL, NULL },
};

const struct selftest_suite xsm_selftest_suite = {
    .name = "xsm",
    .tests = xsm_selftests,
};
