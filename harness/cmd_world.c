/* SPDX-License-Identifier: MIT */
/*
 * `hvsim world`: bring up a simulated host (pCPU threads, machine memory),
 * create a control domain and guests, have every pCPU look every domain up
 * through the registry, report, then destroy everything and check that the
 * registry is empty again.
 */
#include <stdio.h>
#include <string.h>

#include <common/domain.h>
#include <common/errno.h>
#include <hal/atomic.h>
#include <hal/cpu.h>
#include <hal_sim/sim.h>

#include "cli.h"
#include "hvsim.h"
#include "world.h"

#define MAX_GUESTS 1000U
#define MAX_MEM_MIB 65536U

struct world_opts {
    unsigned int cpus;
    unsigned int guests;
    unsigned int vcpus;
    unsigned long long mem_mib;
};

struct lookup_census {
    unsigned int domains;
    unsigned long found[HAL_MAX_CPUS];
};

/* Runs on every pCPU: look each domain up, with a reference, and count. */
static void census(unsigned int cpu, void *arg)
{
    struct lookup_census *c = arg;
    unsigned int i;

    for ( i = 0; i < c->domains; i++ )
    {
        struct domain *d = get_domain_by_id((domid_t)i);

        if ( d )
        {
            c->found[cpu]++;
            put_domain(d);
        }
    }
}

static void usage(void)
{
    printf("usage: hvsim world [--cpus N] [--guests N] [--vcpus N] "
           "[--mem MiB]\n"
           "  --cpus N     pCPU threads (default 4, 1..%u)\n"
           "  --guests N   guest domains besides the control domain "
           "(default 2, 1..%u)\n"
           "  --vcpus N    vCPUs per guest (default 2, 1..%u)\n"
           "  --mem MiB    machine memory (default 256, 1..%u)\n",
           HAL_MAX_CPUS, MAX_GUESTS, HVCORE_MAX_VCPUS, MAX_MEM_MIB);
}

int hvsim_cmd_world(int argc, char **argv)
{
    struct world_opts o = { 4, 2, 2, 256 };
    struct lookup_census c;
    struct domain_config cfg;
    unsigned int i, created = 0;
    const struct cli_opt opts[] = {
        { "cpus", CLI_UINT, &o.cpus, sizeof(o.cpus), 1, HAL_MAX_CPUS, NULL },
        { "guests", CLI_UINT, &o.guests, sizeof(o.guests), 1, MAX_GUESTS,
          NULL },
        { "vcpus", CLI_UINT, &o.vcpus, sizeof(o.vcpus), 1, HVCORE_MAX_VCPUS,
          NULL },
        { "mem", CLI_UINT, &o.mem_mib, sizeof(o.mem_mib), 1, MAX_MEM_MIB,
          NULL },
        { 0 },
    };
    struct cli cli = { .prog = "hvsim world", .usage = usage };
    int rc = cli_parse(&cli, opts, argc, argv, 0, NULL), status = 0;

    if ( rc )
        return cli_exit_status(rc);

    rc = world_start(o.mem_mib << 20, o.cpus);
    if ( rc )
    {
        fprintf(stderr, "hvsim world: the simulated world did not start: "
                "%s\n", cli_errno_name(rc));
        return 1;
    }

    printf("hvsim world: backend %s, %u pCPUs, %llu MiB machine memory "
           "(%llu frames)\n",
           hal_backend_name(), hal_cpu_count(), o.mem_mib,
           (unsigned long long)sim_machine_frames());

    for ( i = 0; i <= o.guests; i++ )
    {
        struct domain *d;

        domain_config_default(&cfg);
        cfg.privileged = i == 0;
        cfg.max_vcpus = i == 0 ? 1 : o.vcpus;
        rc = domain_create((domid_t)i, &cfg, &d);
        if ( rc )
        {
            fprintf(stderr, "hvsim world: creating d%u failed: %s\n", i,
                    cli_errno_name(rc));
            status = 1;
            break;
        }
        printf("  d%-3u %-10s vcpus %u\n", i,
               d->is_privileged ? "control" : "guest", d->max_vcpus);
        put_domain(d);
        created++;
    }

    memset(&c, 0, sizeof(c));
    c.domains = created;
    sim_run_cpus(hal_cpu_count(), census, &c);
    for ( i = 0; i < hal_cpu_count(); i++ )
    {
        printf("  pCPU %u found %lu of %u domains\n", i, c.found[i], created);
        if ( c.found[i] != created )
            status = 1;
    }

    world_stop();
    printf("destroyed: %u domains left registered\n", domain_count());
    if ( domain_count() != 0 )
        status = 1;
    printf("hvsim world: %s\n", status ? "FAILED" : "ok");
    return status;
}
