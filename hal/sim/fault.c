/* SPDX-License-Identifier: MIT */
/*
 * Fault injection.
 *
 * One fault can be armed at a time, on one site or on any site; it fires on
 * the nth hit after arming and then disarms itself.  Every hit is counted per
 * site.  Unarmed hits take no lock, so benchmarks pay one atomic add.
 */
#include <pthread.h>

#include "sim_private.h"

#define SIM_FAULT_ANY HAL_FAULT_SITE_COUNT

static pthread_mutex_t sim_fault_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long sim_fault_count[HAL_FAULT_SITE_COUNT];
static bool sim_fault_armed;
static unsigned int sim_fault_site;     /* a site or SIM_FAULT_ANY */
static unsigned long sim_fault_left;    /* hits until it fires */
static bool sim_fault_did_fire;

/** Clears counters and any armed fault (machine start). */
void sim_fault_reset(void)
{
    unsigned int i;

    pthread_mutex_lock(&sim_fault_lock);
    for ( i = 0; i < HAL_FAULT_SITE_COUNT; i++ )
        hal_write_once(&sim_fault_count[i], 0);
    hal_write_once(&sim_fault_armed, false);
    sim_fault_did_fire = false;
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
    sim_fault_did_fire = false;
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
    if ( (unsigned int)site >= HAL_FAULT_SITE_COUNT )
        return 0;
    return hal_read_once(&sim_fault_count[site]);
}

/** Returns true if the last armed fault has fired. */
bool sim_fault_fired(void)
{
    bool fired;

    pthread_mutex_lock(&sim_fault_lock);
    fired = sim_fault_did_fire;
    pthread_mutex_unlock(&sim_fault_lock);
    return fired;
}

/** Counts a hit of `site`; returns true if an armed fault fires on it. */
bool hal_fault_hit(enum hal_fault_site site)
{
    bool fire = false;

    if ( (unsigned int)site >= HAL_FAULT_SITE_COUNT )
        hal_panic("sim: hal_fault_hit on an unknown site");
    hal_fetch_add(&sim_fault_count[site], 1);
    if ( !hal_load_acquire(&sim_fault_armed) )
        return false;

    pthread_mutex_lock(&sim_fault_lock);
    if ( sim_fault_armed &&
         (sim_fault_site == SIM_FAULT_ANY || sim_fault_site == site) &&
         --sim_fault_left == 0 )
    {
        fire = true;
        sim_fault_did_fire = true;
        hal_write_once(&sim_fault_armed, false);
    }
    pthread_mutex_unlock(&sim_fault_lock);
    return fire;
}
