/* SPDX-License-Identifier: MIT */
/*
 * CPUs and per-CPU storage.
 *
 * Only the boot CPU runs hvcore code: the application processors QEMU's
 * `-smp` adds are started only to park (smp.c), so `hal_cpu_count` is 1 and
 * `hal_cpu_id` is 0.
 * Per-CPU storage is a static, page-aligned area of HAL_PERCPU_SIZE bytes
 * for each of X86_MAX_CPUS CPUs (in .bss, so zeroed by the loader), handed
 * out by a bump allocator during single-threaded initialisation.
 */
#include "x86_private.h"

static uint8_t x86_percpu[X86_MAX_CPUS][HAL_PERCPU_SIZE]
    __attribute__((aligned(HAL_PAGE_SIZE)));
static size_t x86_percpu_used;

/** Returns 0: only the boot CPU runs. */
unsigned int hal_cpu_id(void)
{
    return 0;
}

/** Returns 1: only the boot CPU runs. */
unsigned int hal_cpu_count(void)
{
    return 1;
}

/**
 * Reserves `size` bytes aligned to `align` in every CPU's area.  Returns
 * the offset, or (size_t)-1 when the area cannot hold it (nothing taken).
 * Initialisation only.
 */
size_t hal_percpu_reserve(size_t size, size_t align)
{
    size_t off;

    if ( !align || (align & (align - 1)) || align > HAL_PAGE_SIZE )
        return (size_t)-1;
    off = (x86_percpu_used + align - 1) & ~(align - 1);
    if ( off > HAL_PERCPU_SIZE || size > HAL_PERCPU_SIZE - off )
        return (size_t)-1;
    x86_percpu_used = off + size;
    return off;
}

/** Returns CPU `cpu`'s copy of the reservation at `offset`. */
void *hal_percpu_ptr(unsigned int cpu, size_t offset)
{
    if ( cpu >= hal_cpu_count() || offset >= HAL_PERCPU_SIZE )
        hal_panic("x86: per-CPU access out of range");
    return &x86_percpu[cpu][offset];
}

/** Spin-wait hint. */
void hal_cpu_relax(void)
{
    __asm__ __volatile__("pause" ::: "memory");
}
