/* SPDX-License-Identifier: MIT */
/*
 * Physical CPUs as host threads, and per-CPU storage.
 *
 * A thread's CPU id lives in a thread-local variable: the thread that calls
 * `sim_init` is pCPU 0, `sim_run_cpus` starts one thread per pCPU, and
 * `sim_cpu_bind` lets any thread claim an id.  Nothing stops two threads
 * from claiming one id; the debug spinlocks would then misjudge ownership,
 * so tests must not do that.  Not modelled: CPU time, preemption points,
 * interrupts and CPU hot-plug.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "sim_private.h"

#define SIM_RELAX_YIELD 64

/* The calling thread's pCPU id: hal_cpu_id (hal/cpu.h) reads it inline. */
_Thread_local unsigned int hal_sim_cpu_id;
static unsigned int sim_cpus = 1;
static uint8_t *sim_percpu;      /* sim_cpus areas of HAL_PERCPU_SIZE */
static size_t sim_percpu_used;   /* bytes reserved in each area */

/** Sets up `cpus` pCPUs with zeroed per-CPU storage.  Returns 0 or -ENOMEM. */
int sim_cpu_init(unsigned int cpus)
{
    sim_percpu = aligned_alloc(HAL_PAGE_SIZE, (size_t)cpus * HAL_PERCPU_SIZE);
    if ( !sim_percpu )
        return -ENOMEM;
    memset(sim_percpu, 0, (size_t)cpus * HAL_PERCPU_SIZE);
    sim_percpu_used = 0;
    sim_cpus = cpus;
    hal_sim_cpu_id = 0;
    return 0;
}

/** Frees per-CPU storage. */
void sim_cpu_fini(void)
{
    free(sim_percpu);
    sim_percpu = NULL;
    sim_percpu_used = 0;
    sim_cpus = 1;
    hal_sim_cpu_id = 0;
}

/** Returns the number of pCPUs. */
unsigned int hal_cpu_count(void)
{
    return sim_cpus;
}

/**
 * Reserves `size` bytes aligned to `align` in every CPU's area; returns the
 * offset or (size_t)-1 if it does not fit or `align` is not a power of two
 * of at most a page.  Single-threaded initialisation only.
 */
size_t hal_percpu_reserve(size_t size, size_t align)
{
    size_t off;

    if ( !align || (align & (align - 1)) || align > HAL_PAGE_SIZE )
        return (size_t)-1;
    off = (sim_percpu_used + align - 1) & ~(align - 1);
    if ( off > HAL_PERCPU_SIZE || size > HAL_PERCPU_SIZE - off )
        return (size_t)-1;
    sim_percpu_used = off + size;
    return off;
}

/** Returns CPU `cpu`'s copy of the reservation at `offset`. */
void *hal_percpu_ptr(unsigned int cpu, size_t offset)
{
    if ( cpu >= sim_cpus || offset >= HAL_PERCPU_SIZE )
        hal_panic("sim: hal_percpu_ptr out of range");
    return sim_percpu + (size_t)cpu * HAL_PERCPU_SIZE + offset;
}

/**
 * Spin-wait hint: pause, and every SIM_RELAX_YIELD calls give the host CPU
 * away.  pCPU threads may outnumber host cores, and a ticket lock's next
 * holder may be a descheduled thread: pure spinning would then burn whole
 * time slices for every hand-over.
 */
void hal_cpu_relax(void)
{
    static _Thread_local unsigned int spins;

    __builtin_ia32_pause();
    if ( ++spins % SIM_RELAX_YIELD == 0 )
        sched_yield();
}

/** Makes the calling thread pCPU `cpu`. */
void sim_cpu_bind(unsigned int cpu)
{
    if ( cpu >= sim_cpus )
        hal_panic("sim: sim_cpu_bind to a CPU that does not exist");
    hal_sim_cpu_id = cpu;
}

/** What a new pCPU thread needs to start. */
struct sim_cpu_start {
    pthread_t thread;
    unsigned int cpu;
    void (*fn)(unsigned int cpu, void *arg);
    void *arg;
};

/** A pCPU thread: takes its id, then runs the caller's function. */
static void *sim_cpu_thread(void *p)
{
    struct sim_cpu_start *s = p;

    hal_sim_cpu_id = s->cpu;
    s->fn(s->cpu, s->arg);
    return NULL;
}

/** Runs `fn` on pCPUs 0..n-1, one new thread each, and joins them. */
void sim_run_cpus(unsigned int n, void (*fn)(unsigned int cpu, void *arg),
                  void *arg)
{
    struct sim_cpu_start s[HAL_MAX_CPUS];
    unsigned int i;

    if ( !n || n > sim_cpus )
        hal_panic("sim: sim_run_cpus with a bad CPU count");
    for ( i = 0; i < n; i++ )
    {
        s[i].cpu = i;
        s[i].fn = fn;
        s[i].arg = arg;
        if ( pthread_create(&s[i].thread, NULL, sim_cpu_thread, &s[i]) )
            hal_panic("sim: cannot start a pCPU thread");
    }
    for ( i = 0; i < n; i++ )
        pthread_join(s[i].thread, NULL);
}
