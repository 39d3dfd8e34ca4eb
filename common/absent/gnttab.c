/* SPDX-License-Identifier: MIT */
/*
 * Stands in for libgnttab while it is not in the build: grant table
 * hypercalls answer -ENOSYS and domains hold no grant table.
 */
#include <common/errno.h>
#include <common/subsys.h>

int gnttab_init(void) { return 0; }
void gnttab_fini(void) {}
int gnttab_domain_init(struct domain *d, const struct domain_config *cfg) { return 0; }
int gnttab_domain_relinquish(struct domain *d) { return 0; }
void gnttab_domain_destroy(struct domain *d) {}

long do_grant_table_op(struct vcpu *v, unsigned long cmd, uint64_t uop,
                       unsigned long count)
{
    return -ENOSYS;
}
