/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the FLASK policy loader.  Each input is a binary
 * policy given to FLASK_LOAD's loader over a running world with the
 * built-in policy.  A rejected image must leave the old policy whole; an
 * accepted one is queried and checked, then the built-in policy is loaded
 * back, so every input starts from the same state; the world must then be
 * as the input found it (fuzz_world.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <common/errno.h>
#include <libxsm/flask.h>
#include <libxsm/xsm.h>

#include "fuzz_world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct fuzz_world fw = {
    .target = "fuzz_xsm_policy", .mem_bytes = 8UL << 20, .cpus = 1,
    .xsm = WORLD_XSM_FLASK,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t seq, sid, nsid;
    struct flask_av av;
    char buf[256];
    int rc;

    fuzz_world_enter(&fw);
    seq = flask_policy_seqno();
    rc = flask_load_policy(data, size);
    if ( rc )
    {
        /* The old policy is in force, unchanged. */
        if ( flask_policy_seqno() != seq ||
             flask_context_to_sid("system_u:system_r:dom0_t", 24, &sid) ||
             xsm_check() )
            fuzz_world_fail(&fw, "a refused policy changed the old one");
        fuzz_world_leave(&fw);
        return 0;
    }
    /* Every initial sid has a printable context; decisions are computable. */
    for ( sid = 1; sid <= 13; sid++ )
    {
        if ( flask_sid_to_context(sid, buf, sizeof(buf)) <= 0 )
            fuzz_world_fail(&fw, "an initial sid has no context");
        if ( flask_compute_av(sid, 6, 3, &av) ||
             flask_compute_create(sid, 6, 3, &nsid) == -EINVAL )
            fuzz_world_fail(&fw, "a decision could not be computed");
    }
    if ( xsm_check() )
        fuzz_world_fail(&fw, "xsm_check failed on an accepted policy");
    if ( flask_load_policy(xsm_builtin_policy, xsm_builtin_policy_size) )
        fuzz_world_fail(&fw, "the built-in policy did not load back");
    fuzz_world_leave(&fw);
    return 0;
}
