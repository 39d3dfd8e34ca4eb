/* SPDX-License-Identifier: MIT */
/*
 * The split-driver demo in the kernel: the same frontend/backend exchange
 * as `hvsim demo` (harness/splitdrv), between a privileged backend and one
 * guest, on real page tables, with this CPU running every vCPU in turn.
 * Prints one summary line per ABI (2l, 3l, FIFO), naming the ABI each side
 * ended up on; a failure counts as a failed test.
 */
#include <common/printk.h>
#include <public/event_channel.h>

#include "demo.h"
#include "sd_demo.h"

#define BOOT_DEMO_REQUESTS 1000UL

static const char *boot_demo_abi(unsigned int abi)
{
    if ( abi == EVTCHN_ABI_FIFO )
        return "fifo";
    return abi == EVTCHN_ABI_3LEVEL ? "3l" : "2l";
}

/** Runs the exchange once with `abi`; 0 when everything checked out. */
static int boot_demo_one(unsigned int abi, const char *name)
{
    struct sd_demo_config cfg = {
        .guests = 1, .vcpus = 2, .requests = BOOT_DEMO_REQUESTS,
        .abi = abi, .seed = 42, .stall_ns = 10ULL * 1000000000ULL,
    };
    struct sd_demo_summary sum;
    struct sd_demo *demo;
    int rc;

    rc = sd_demo_setup(&cfg, &demo, &sum);
    if ( !rc )
    {
        sd_demo_run_cpu(demo, 0, 1);
        rc = sd_demo_finish(demo, &sum);
    }
    printk("demo %s: backend %s, guest %s, %lu/%lu requests (%lu writes, "
           "%lu reads checked), events sent %lu + %lu at bind, delivered "
           "%lu, grants mapped %lu copied %lu, %llu bytes, ports %lu -> %lu, "
           "pages %llu -> %llu, %llu ms: %s%s\n",
           name, boot_demo_abi(sum.backend_abi), boot_demo_abi(sum.guest_abi),
           sum.completed, sum.requests, sum.writes, sum.reads,
           sum.sent, sum.pending_at_start, sum.delivered, sum.grant_maps,
           sum.grant_copies, sum.bytes, sum.ports_peak, sum.ports_after,
           (unsigned long long)sum.pages_before,
           (unsigned long long)sum.pages_after,
           (unsigned long long)(sum.run_ns / 1000000),
           rc ? "FAILED: " : "ok", rc && sum.failure ? sum.failure : "");
    return rc ? 1 : 0;
}

/** See demo.h. */
unsigned int boot_demo_run(void)
{
    printk("demo: split driver, backend domain 0 and guest domain 1, "
           "2 queues, %lu requests per ABI\n", BOOT_DEMO_REQUESTS);
    return boot_demo_one(EVTCHN_ABI_2LEVEL, "2l") +
           boot_demo_one(EVTCHN_ABI_3LEVEL, "3l") +
           boot_demo_one(EVTCHN_ABI_FIFO, "fifo");
}
