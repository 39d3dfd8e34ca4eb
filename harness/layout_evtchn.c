/* SPDX-License-Identifier: MIT */
/* Layout facts of libevtchn (seed 000): the channel, buckets, groups. */
#include <libevtchn/channel.h>
#include <libevtchn/evtchn.h>
#include <public/arch-x86/xen.h>
#include <public/event_channel.h>

#include "hvsim.h"

const struct layout_entry hvsim_layout_evtchn[] = {
    { "struct evtchn", sizeof(struct evtchn) },
    { "evtchns_per_bucket", EVTCHNS_PER_BUCKET },
    { "buckets_per_group", BUCKETS_PER_GROUP },
    { "evtchns_per_group", EVTCHNS_PER_GROUP },
    { "nr_evtchn_groups", NR_EVTCHN_GROUPS },
    { "evtchn_max_ports", EVTCHN_MAX_PORTS },
    /* Channel memory for 131,072 ports: 1024 buckets + 2 groups. */
    { "evtchn_bytes_131072_ports",
      (131072 / EVTCHNS_PER_BUCKET + 131072 / EVTCHNS_PER_GROUP) *
      PAGE_SIZE },
    { "struct shared_info", sizeof(struct shared_info) },
    { "struct compat_shared_info", sizeof(struct compat_shared_info) },
    { "struct vcpu_info", sizeof(struct vcpu_info) },
    { "evtchn_2l_ports", 64 * 64 },
    { "evtchn_2l_ports_compat", 32 * 32 },
    { "evtchn_3l_ports", EVTCHN_3L_NR_CHANNELS },
    { "evtchn_3l_ports_compat", EVTCHN_3L_NR_CHANNELS_COMPAT },
    { "evtchn_fifo_ports", EVTCHN_FIFO_NR_CHANNELS },
    { "struct evtchn_fifo_control_block",
      sizeof(struct evtchn_fifo_control_block) },
    { "struct evtchn_init_control", sizeof(struct evtchn_init_control) },
    { "struct evtchn_op", sizeof(struct evtchn_op) },
    { "struct evtchn_register_extended",
      sizeof(struct evtchn_register_extended) },
    { NULL, 0 },
};
