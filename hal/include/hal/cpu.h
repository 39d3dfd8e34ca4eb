/* SPDX-License-Identifier: MIT */
/*
 * HAL service: physical CPUs and per-CPU storage.
 *
 * Each CPU has HAL_PERCPU_SIZE bytes of per-CPU storage.  Core code reserves
 * a piece of it once, during single-threaded initialisation, with
 * `hal_percpu_reserve`, and reaches each CPU's copy with `hal_percpu_ptr`.
 * The storage starts zeroed.
 */
#ifndef HAL_CPU_H
#define HAL_CPU_H

#include <hal/types.h>

#define HAL_MAX_CPUS 64
#define HAL_PERCPU_SIZE 16384

/**
 * Returns the id of the calling CPU, 0 ≤ id < hal_cpu_count().  Hot paths
 * (a hypercall argument's translation cache) index per-CPU data with it, so
 * a backend may provide it inline: the simulator's pCPU threads keep their
 * id in a thread-local variable (hal/sim/cpu.c), where bare metal has a
 * per-CPU register.
 */
#ifdef HVCORE_HAL_SIM
extern _Thread_local unsigned int hal_sim_cpu_id;

static inline unsigned int hal_cpu_id(void)
{
    return hal_sim_cpu_id;
}
#else
unsigned int hal_cpu_id(void);
#endif

/** Returns how many CPUs the machine has (at most HAL_MAX_CPUS). */
unsigned int hal_cpu_count(void);

/** Returns the mask of every CPU. */
static inline hal_cpumask_t hal_cpu_all_mask(void)
{
    unsigned int n = hal_cpu_count();

    return n >= 64 ? ~(hal_cpumask_t)0 : (((hal_cpumask_t)1 << n) - 1);
}

/**
 * Reserves `size` bytes aligned to `align` (a power of two) in every CPU's
 * storage; returns the offset, or -1 (as size_t) if the area is full.
 * Initialisation only: not thread-safe.
 */
size_t hal_percpu_reserve(size_t size, size_t align);

/** Returns CPU `cpu`'s copy of the reservation at `offset`. */
void *hal_percpu_ptr(unsigned int cpu, size_t offset);

/** Hint that the caller is spinning (pause on x86). */
void hal_cpu_relax(void);

#endif /* HAL_CPU_H */
