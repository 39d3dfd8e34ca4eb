/* SPDX-License-Identifier: MIT */
/* One simulated world per fuzzing process; see fuzz_world.h. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <common/domain.h>
#include <common/hypercall.h>
#include <hal_sim/sim.h>
#include <libevtchn/evtchn.h>
#include <libgnttab/gnttab.h>
#include <libmm/domain_page.h>
#include <libmm/mm.h>
#include <libxsm/flask.h>
#include <libxsm/xsm.h>
#include <public/event_channel.h>

#include "fuzz_world.h"

/* The tail of this input's console output (pCPU threads write too). */
#define CONSOLE_KEEP 16384
static char console[CONSOLE_KEEP];
static size_t console_len;
static pthread_mutex_t console_lock = PTHREAD_MUTEX_INITIALIZER;

static bool up;
/* Hypervisor pages in use after start-up, less the high-water marks. */
static uint64_t base_anon;

static uint64_t anon_beyond_high_water(const struct mm_stats *st)
{
    return st->anon_pages - st->pt_pages - st->vmap_meta_pages;
}

static void console_keep(const char *s, size_t len, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&console_lock);
    if ( len >= CONSOLE_KEEP )
    {
        s += len - CONSOLE_KEEP;
        len = CONSOLE_KEEP;
    }
    if ( console_len + len > CONSOLE_KEEP )
    {
        size_t drop = console_len + len - CONSOLE_KEEP;

        memmove(console, console + drop, console_len - drop);
        console_len -= drop;
    }
    memcpy(console + console_len, s, len);
    console_len += len;
    pthread_mutex_unlock(&console_lock);
}

_Noreturn void fuzz_world_fail(const struct fuzz_world *w, const char *what)
{
    pthread_mutex_lock(&console_lock);
    fprintf(stderr, "%s: %s; this input's console:\n", w->target, what);
    fflush(stderr);
    if ( write(STDERR_FILENO, console, console_len) < 0 )
        (void)0; /* nothing better to do on the way to abort */
    abort();
}

static void world_broken(const struct fuzz_world *w, const char *what)
{
    char msg[160];

    snprintf(msg, sizeof(msg), "the world was not given back: %s", what);
    fuzz_world_fail(w, msg);
}

void fuzz_world_enter(const struct fuzz_world *w)
{
    struct mm_stats st;

    pthread_mutex_lock(&console_lock);
    console_len = 0;
    pthread_mutex_unlock(&console_lock);
    if ( up )
        return;
    sim_console_capture(console_keep, NULL);
    if ( world_start_xsm(w->mem_bytes, w->cpus, w->xsm) )
        world_broken(w, "world_start failed");
    mm_deferred_flush();
    mm_get_stats(&st);
    base_anon = anon_beyond_high_water(&st);
    up = true;
}

void fuzz_world_leave(const struct fuzz_world *w)
{
    struct mm_stats st;
    unsigned int virq;

    sim_fault_disarm();
    hypercall_force_preempt(0);
    mapcache_set_lazy(true);
#ifdef HVCORE_XSM_FLASK
    /* The AVC is a cache: each input starts with it empty, and its nodes
     * (xmalloc'd, so heap pages with libmm's own allocator) are not kept. */
    if ( xsm_current_provider() == XSM_PROVIDER_FLASK )
        flask_avc_flush();
#endif

    if ( domain_count() )
        world_broken(w, "a domain is left");
    if ( mm_check() || evtchn_check() || gnttab_check() || xsm_check() )
        world_broken(w, "a checker failed");
    for ( virq = 0; virq < NR_VIRQS; virq++ )
        if ( evtchn_virq_handler(virq) )
            world_broken(w, "a global virq handler is left");
    mm_deferred_flush();
    mm_get_stats(&st);
    if ( st.domain_pages || st.deferred_pages )
        world_broken(w, "domain pages are left");
#ifdef FUZZ_XMALLOC_HOST
    if ( anon_beyond_high_water(&st) != base_anon )
    {
        char msg[96];

        snprintf(msg, sizeof(msg), "hypervisor pages in use %llu, %llu "
                 "after start-up",
                 (unsigned long long)anon_beyond_high_water(&st),
                 (unsigned long long)base_anon);
        world_broken(w, msg);
    }
#endif
}

void fuzz_world_restart(const struct fuzz_world *w)
{
    fuzz_world_leave(w);
    world_stop();
    up = false;
}
