/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the FLASK policy loader.  Each input is a binary
 * policy given to FLASK_LOAD's loader over a running world with the
 * built-in policy.  A rejected image must leave the old policy whole; an
 * accepted one is queried and checked, then the built-in policy is loaded
 * back, so every input starts from the same state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <common/init.h>
#include <hal_sim/sim.h>
#include <libxsm/flask.h>
#include <libxsm/xsm.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void world(void)
{
    static int up;
    struct sim_config cfg = { .mem_bytes = 8UL << 20, .cpus = 1 };

    if ( up )
        return;
    if ( sim_init(&cfg) || xsm_set_provider(XSM_PROVIDER_FLASK) ||
         xsm_set_boot_policy(xsm_builtin_policy, xsm_builtin_policy_size) ||
         hvcore_init() )
        abort();
    up = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t seq, sid, nsid;
    struct flask_av av;
    char buf[256];
    int rc;

    world();
    seq = flask_policy_seqno();
    rc = flask_load_policy(data, size);
    if ( rc )
    {
        /* The old policy is in force, unchanged. */
        if ( flask_policy_seqno() != seq ||
             flask_context_to_sid("system_u:system_r:dom0_t", 24, &sid) ||
             xsm_check() )
            abort();
        return 0;
    }
    /* Every initial sid has a printable context; decisions are computable. */
    for ( sid = 1; sid <= 13; sid++ )
    {
        if ( flask_sid_to_context(sid, buf, sizeof(buf)) <= 0 )
            abort();
        if ( flask_compute_av(sid, 6, 3, &av) ||
             flask_compute_create(sid, 6, 3, &nsid) == -EINVAL )
            abort();
    }
    if ( xsm_check() )
        abort();
    if ( flask_load_policy(xsm_builtin_policy, xsm_builtin_policy_size) )
        abort();
    return 0;
}
