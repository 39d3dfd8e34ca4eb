/* SPDX-License-Identifier: MIT */
/*
 * FLASK's freestanding self-tests (libxsm/selftest.c lists them): hvcore's
 * built-in policy (`xsm_builtin_policy`) loaded, queried and reloaded, and
 * bad images rejected with the policy in force kept whole.
 *
 * When FLASK is idle (the dummy is in force, or before `xsm_init`) a test
 * starts its own FLASK, enforcing, and tears it down at the end, whatever
 * the outcome.  When FLASK is the provider in force a test must not change
 * its policy or mode: it then parses the built-in image into a private
 * policydb, and checks that bad images leave the policy in force as it was.
 * Denials are checked with compute_av (not audited), so the console shows
 * no "avc: denied" line for an expected refusal.
 */
#include <common/selftest.h>
#include <common/string.h>
#include <libxsm/flask.h>

#include "flask_private.h"
#include "../private.h"

/* The start of a valid header (magic, "XenFlask", version 30, ...). */
static const uint8_t bad_header[] = {
    0x8c, 0xff, 0x7c, 0xf9, 8, 0, 0, 0, 'X', 'e', 'n', 'F', 'l', 'a',
    's', 'k', 30, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 6, 0, 0, 0,
};

/* True if `sid` reads as `want` (a NUL-terminated context). */
static bool sid_reads_as(uint32_t sid, const char *want)
{
    char buf[64];
    int len = flask_sid_to_context(sid, buf, sizeof(buf));

    return len == (int)strlen(want) + 1 && !strcmp(buf, want);
}

/* Every prefix of the header, and the header with a bad version. */
static int reject_bad_images(void)
{
    uint8_t copy[sizeof(bad_header)];
    unsigned int n;

    for ( n = 0; n <= sizeof(bad_header); n++ )
        SELFTEST_CHECK(flask_load_policy(bad_header, n) == -EINVAL);
    memcpy(copy, xsm_builtin_policy, sizeof(copy));
    copy[16] = 31;
    SELFTEST_CHECK(flask_load_policy(copy, sizeof(copy)) == -EINVAL);
    return 0;
}

/* The built-in policy's labels and decisions, in a FLASK of our own. */
static int builtin_policy_checks(void)
{
    static const char dom0[] = "system_u:system_r:dom0_t";
    static const char chan_ctx[] = "system_u:object_r:domU_evchn_t";
    uint32_t sid, chan, seqno;
    struct flask_av av;

    SELFTEST_CHECK(flask_policy_seqno() == 0);
    SELFTEST_CHECK(flask_load_policy(xsm_builtin_policy,
                                     xsm_builtin_policy_size) == 0);
    SELFTEST_CHECK(flask_policy_seqno() == 1);

    /* Initial sids carry policy/initial_sid_contexts. */
    SELFTEST_CHECK(flask_context_to_sid(dom0, sizeof(dom0) - 1, &sid) == 0);
    SELFTEST_CHECK(sid == SECINITSID_DOM0);
    SELFTEST_CHECK(sid_reads_as(SECINITSID_DOMU, "system_u:system_r:domU_t"));
    /* A sid never allocated reads as unlabeled. */
    SELFTEST_CHECK(sid_reads_as(0x7fffffff, "system_u:system_r:unlabeled_t"));

    /* A domU's channel towards dom0 gets its type_transition label. */
    SELFTEST_CHECK(flask_compute_create(SECINITSID_DOMU, SECINITSID_DOM0,
                                        SECCLASS_event, &chan) == 0);
    SELFTEST_CHECK(sid_reads_as(chan, chan_ctx));

    /* compute_av: exactly create_channel's grant; the AVC agrees. */
    SELFTEST_CHECK(flask_compute_av(SECINITSID_DOMU, chan, SECCLASS_event,
                                    &av) == 0);
    SELFTEST_CHECK(av.allowed == (EVENT__CREATE | EVENT__SEND |
                                  EVENT__STATUS));
    SELFTEST_CHECK(av.seqno == 1);
    SELFTEST_CHECK(flask_has_perm(SECINITSID_DOMU, chan, SECCLASS_event,
                                  EVENT__SEND) == 0);
    /* The channel may bind to dom0; a domU may not load policies. */
    SELFTEST_CHECK(flask_compute_av(chan, SECINITSID_DOM0, SECCLASS_event,
                                    &av) == 0);
    SELFTEST_CHECK(av.allowed == EVENT__BIND);
    SELFTEST_CHECK(flask_compute_av(SECINITSID_DOMU, SECINITSID_SECURITY,
                                    SECCLASS_security, &av) == 0);
    SELFTEST_CHECK(!(av.allowed & FLASK_PERM(security, load_policy)));
    SELFTEST_CHECK(av.allowed & FLASK_PERM(security, check_context));
    SELFTEST_CHECK(flask_compute_av(SECINITSID_DOM0, SECINITSID_SECURITY,
                                    SECCLASS_security, &av) == 0);
    SELFTEST_CHECK(av.allowed & FLASK_PERM(security, load_policy));

    /* Reload: a new sequence number, every sid keeps its context. */
    SELFTEST_CHECK(flask_load_policy(xsm_builtin_policy,
                                     xsm_builtin_policy_size) == 0);
    SELFTEST_CHECK(flask_policy_seqno() == 2);
    SELFTEST_CHECK(sid_reads_as(chan, chan_ctx));

    /* Bad images change nothing. */
    seqno = flask_policy_seqno();
    if ( reject_bad_images() )
        return 1;
    SELFTEST_CHECK(flask_policy_seqno() == seqno);
    SELFTEST_CHECK(sid_reads_as(chan, chan_ctx));
    SELFTEST_CHECK(flask_has_perm(SECINITSID_DOMU, chan, SECCLASS_event,
                                  EVENT__SEND) == 0);
    SELFTEST_CHECK(flask_check() == 0);
    return 0;
}

/** The built-in policy; see the file comment for FLASK in force. */
int flask_selftest_builtin_policy(void)
{
    struct policydb p;
    int rc;

    if ( xsm_flask_in_force() )
    {
        SELFTEST_CHECK(policydb_read(&p, xsm_builtin_policy,
                                     xsm_builtin_policy_size) == 0);
        rc = p.nclasses == SECCLASS_COUNT && p.nisids == SECINITSID_NUM &&
             p.nbools == 1 && !p.mls ? 0 : 1;
        policydb_destroy(&p);
        SELFTEST_CHECK(rc == 0);
        return 0;
    }
    SELFTEST_CHECK(flask_init(true) == 0);
    rc = builtin_policy_checks();
    flask_fini();
    return rc;
}

/** Truncated and foreign images never load; see the file comment. */
int flask_selftest_rejects_bad_images(void)
{
    uint32_t seqno;
    int rc;

    if ( xsm_flask_in_force() )
    {
        seqno = flask_policy_seqno();
        rc = reject_bad_images();
        SELFTEST_CHECK(flask_policy_seqno() == seqno);
        return rc;
    }
    SELFTEST_CHECK(flask_init(true) == 0);
    rc = reject_bad_images();
    if ( !rc && flask_policy_seqno() != 0 )
        rc = 1;
    flask_fini();
    return rc;
}
