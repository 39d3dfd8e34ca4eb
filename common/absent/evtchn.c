/* SPDX-License-Identifier: MIT */
/*
 * Stands in for libevtchn while it is not in the build: event channel
 * hypercalls answer -ENOSYS and domains hold no event channel state.
 */
#include <common/errno.h>
#include <common/subsys.h>

int evtchn_init(void) { return 0; }
void evtchn_fini(void) {}
int evtchn_domain_init(struct domain *d, const struct domain_config *cfg) { return 0; }
int evtchn_domain_relinquish(struct domain *d) { return 0; }
void evtchn_domain_destroy(struct domain *d) {}

long do_event_channel_op(struct vcpu *v, unsigned long cmd, uint64_t arg)
{
    return -ENOSYS;
}

long do_event_channel_op_compat(struct vcpu *v, uint64_t arg)
{
    return -ENOSYS;
}
