/* SPDX-License-Identifier: MIT */
/*
 * Stands in for libxsm while it is not in the build: no labels, and xsm_op
 * answers -ENOSYS.  (Without libxsm nothing is checked; that is why it is
 * only a stand-in.)
 */
#include <common/errno.h>
#include <common/subsys.h>

int xsm_init(void) { return 0; }
void xsm_fini(void) {}
int xsm_domain_init(struct domain *d, const struct domain_config *cfg) { return 0; }
void xsm_domain_destroy(struct domain *d) {}

long do_xsm_op(struct vcpu *v, uint64_t op)
{
    return -ENOSYS;
}
