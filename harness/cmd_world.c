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

#include "hvsim.h"
#include "world.h"

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

static int parse(int argc, char **argv, struct world_opts *o)
{
    int a = 1;

    while ( a < argc )
    {
        unsigned long long v;
        const char *opt = argv[a];

        if ( !strcmp(opt, "--help") )
            return 1;
        if ( a + 1 >= argc )
            return -1;
        if ( !strcmp(opt, "--cpus") && !hvsim_parse_uint(argv[a + 1], HAL_MAX_CPUS, &v) )
            o->cpus = (unsigned int)v;
        else if ( !strcmp(opt, "--guests") && !hvsim_parse_uint(argv[a + 1], 1000, &v) )
            o->guests = (unsigned int)v;
        else if ( !strcmp(opt, "--vcpus") &&
                  !hvsim_parse_uint(argv[a + 1], HVCORE_MAX_VCPUS, &v) )
            o->vcpus = (unsigned int)v;
        else if ( !strcmp(opt, "--mem") && !hvsim_parse_uint(argv[a + 1], 65536, &v) )
            o->mem_mib = v;
        else
            return -1;
        a += 2;
    }
    return 0;
}

int hvsim_cmd_world(int argc, char **argv)
{
    struct world_opts o = { 4, 2, 2, 256 };
    struct lookup_census c;
    struct domain_config cfg;
    unsigned int i, created = 0;
    int rc = parse(argc, argv, &o), status = 0;

    if ( rc )
    {
        fprintf(rc < 0 ? stderr : stdout,
                "usage: hvsim world [--cpus N] [--guests N] [--vcpus N] [--mem MiB]\n");
        return rc < 0 ? 2 : 0;
    }

    if ( world_start(o.mem_mib << 20, o.cpus) )
    {
        fprintf(stderr, "hvsim: cannot start the simulated world\n");
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
            fprintf(stderr, "hvsim: creating d%u failed: %d\n", i, rc);
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
