/* SPDX-License-Identifier: MIT */
/*
 * Fault injection.
 *
 * One fault can be armed at a time, on one site or on any site; it fires on
 * the nth hit after arming and then disarms itself.  Every hit is counted per
 * site, in the hitting CPU's own counters, so an unarmed hit costs no lock
 * and no atomic operation (allocation benchmarks pay nothing for it).
 *
 * A fired fault's outcome is SIM_FAULT_FAILED until the CPU it fired on
 * reports, through `hal_fault_absorbed` on the same site, that it recovered;
 * then it is SIM_FAULT_ABSORBED.
 */
#include <pthread.h>

#include "sim_private.h"

#define SIM_FAULT_ANY HAL_FAULT_SITE_COUNT

static pthread_mutex_t sim_fault_lock = PTHREAD_MUTEX_INITIALIZER;
/* Per CPU; only CPU c's thread writes sim_fault_count[c]. */
static struct {
    unsigned long hits[HAL_FAULT_SITE_COUNT];
} __attribute__((aligned(64))) sim_fault_count[HAL_MAX_CPUS];
static bool sim_fault_armed;
static unsigned int sim_fault_site;     /* a site or SIM_FAULT_ANY */
static unsigned long sim_fault_left;    /* hits until it fires */
static enum sim_fault_outcome sim_fault_result;
static unsigned int sim_fault_fired_site; /* where and on which CPU it */
static unsigned int sim_fault_fired_cpu;  /* fired, once it has */

/** Clears counters and any armed fault (machine start). */
void sim_fault_reset(void)
{
    unsigned int c, i;

    pthread_mutex_lock(&sim_fault_lock);
    for ( c = 0; c < HAL_MAX_CPUS; c++ )
        for ( i = 0; i < HAL_FAULT_SITE_COUNT; i++ )
            hal_write_once(&sim_fault_count[c].hits[i], 0);
    hal_write_once(&sim_fault_armed, false);
    sim_fault_result = SIM_FAULT_NOT_FIRED;
    pthread_mutex_unlock(&sim_fault_lock);
}

/** Arms a fault on hit `nth` of `site` (or SIM_FAULT_ANY). */
static void sim_fault_set(unsigned int site, unsigned long nth)
{
    if ( !nth )
        hal_panic("sim: a fault armed on hit 0");
    pthread_mutex_lock(&sim_fault_lock);
    sim_fault_site = site;
    sim_fault_left = nth;
    sim_fault_result = SIM_FAULT_NOT_FIRED;
    hal_store_release(&sim_fault_armed, true);
    pthread_mutex_unlock(&sim_fault_lock);
}

/** Arms a fault on the nth hit of `site`. */
void sim_fault_arm(enum hal_fault_site site, unsigned long nth)
{
    if ( (unsigned int)site >= HAL_FAULT_SITE_COUNT )
        hal_panic("sim: sim_fault_arm on an unknown site");
    sim_fault_set(site, nth);
}

/** Arms a fault on the nth hit of any site. */
void sim_fault_arm_any(unsigned long nth)
{
    sim_fault_set(SIM_FAULT_ANY, nth);
}

/** Removes the armed fault, if any. */
void sim_fault_disarm(void)
{
    pthread_mutex_lock(&sim_fault_lock);
    hal_write_once(&sim_fault_armed, false);
    pthread_mutex_unlock(&sim_fault_lock);
}

/** Returns the hits of `site` since sim_init returned. */
unsigned long sim_fault_hits(enum hal_fault_site site)
{
    unsigned long sum = 0;
    unsigned int c;

    if ( (unsigned int)site >= HAL_FAULT_SITE_COUNT )
        return 0;
    for ( c = 0; c < HAL_MAX_CPUS; c++ )
        sum += hal_read_once(&sim_fault_count[c].hits[site]);
    return sum;
}

/** Returns what the fault armed last did. */
enum sim_fault_outcome sim_fault_outcome(void)
{
    enum sim_fault_outcome r;

    pthread_mutex_lock(&sim_fault_lock);
    r = sim_fault_result;
    pthread_mutex_unlock(&sim_fault_lock);
    return r;
}

/** Returns true if the fault armed last has fired, absorbed or not. */
bool sim_fault_fired(void)
{
    return sim_fault_outcome() != SIM_FAULT_NOT_FIRED;
}

/** Counts a hit of `site`; returns true if an armed fault fires on it. */
bool hal_fault_hit(enum hal_fault_site site)
{
    unsigned long *hits;
    bool fire = false;

    if ( (unsigned int)site >= HAL_FAULT_SITE_COUNT )
        hal_panic("sim: hal_fault_hit on an unknown site");
    hits = &sim_fault_count[hal_cpu_id()].hits[site];
    hal_write_once(hits, hal_read_once(hits) + 1);
    if ( !hal_load_acquire(&sim_fault_armed) )
        return false;

    pthread_mutex_lock(&sim_fault_lock);
    if ( sim_fault_armed &&
         (sim_fault_site == SIM_FAULT_ANY || sim_fault_site == site) &&
         --sim_fault_left == 0 )
    {
        fire = true;
        sim_fault_result = SIM_FAULT_FAILED;
        sim_fault_fired_site = site;
        sim_fault_fired_cpu = hal_cpu_id();
        hal_write_once(&sim_fault_armed, false);
    }
    pthread_mutex_unlock(&sim_fault_lock);
    return fire;
}

/**
 * Marks the fired fault absorbed if it fired on `site` on this CPU.  A
 * failure that was not injected (or not this CPU's) changes nothing.
 */
void hal_fault_absorbed(enum hal_fault_site site)
{
    if ( (unsigned int)site >= HAL_FAULT_SITE_COUNT )
        hal_panic("sim: hal_fault_absorbed on an unknown site");
    pthread_mutex_lock(&sim_fault_lock);
    if ( sim_fault_result == SIM_FAULT_FAILED &&
         sim_fault_fired_site == site && sim_fault_fired_cpu == hal_cpu_id() )
        sim_fault_result = SIM_FAULT_ABSORBED;
    pthread_mutex_unlock(&sim_fault_lock);
}
