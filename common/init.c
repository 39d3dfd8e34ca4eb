/* SPDX-License-Identifier: MIT */
/* Bringing every subsystem up and down, in dependency order. */
#include <common/domain.h>
#include <common/errno.h>
#include <common/init.h>
#include <common/hypercall.h>
#include <common/subsys.h>

/** Initialises the core; on failure nothing stays initialised. */
int hvcore_init(void)
{
    int rc;

    rc = hypercall_init();
    if ( rc )
        return rc;
    rc = mm_init();
    if ( rc )
        goto out_hypercall;
    rc = xsm_init();
    if ( rc )
        goto out_mm;
    rc = evtchn_init();
    if ( rc )
        goto out_xsm;
    rc = gnttab_init();
    if ( rc )
        goto out_evtchn;
    return 0;

 out_evtchn:
    evtchn_fini();
 out_xsm:
    xsm_fini();
 out_mm:
    mm_fini();
 out_hypercall:
    hypercall_fini();
    return rc;
}

static void destroy_one(struct domain *d, void *arg)
{
    int rc;

    (void)arg;
    while ( (rc = domain_destroy(d)) == -ERESTART )
        ;
}

/** Destroys every domain, then tears the subsystems down. */
void hvcore_fini(void)
{
    domain_for_each(destroy_one, NULL);
    gnttab_fini();
    evtchn_fini();
    xsm_fini();
    mm_fini();
    hypercall_fini();
}
