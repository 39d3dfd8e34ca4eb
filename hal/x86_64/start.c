/* SPDX-License-Identifier: MIT */
/*
 * The backend's start-up, called by entry.S in 64-bit mode on the boot
 * stack with the first 1 GiB identity-mapped.  Brings the HAL up in
 * dependency order, then hands over to the program's `boot_main`.
 */
#include "x86_private.h"

void x86_start(uint32_t magic, uint32_t mbi);

/**
 * Console first (so everything after can report), then exception vectors,
 * memory map (before anything may overwrite the loader's information),
 * clock, the hypervisor's own page tables, and the other CPUs (started and
 * parked).  Never returns.
 */
void x86_start(uint32_t magic, uint32_t mbi)
{
    x86_console_init();
    x86_trap_init();
    x86_memmap_init(magic, mbi);
    x86_time_init();
    x86_map_init();
    x86_smp_init();
    boot_main();
    hal_panic("x86: boot_main returned");
}

/** Returns the backend's name. */
const char *hal_backend_name(void)
{
    return "x86_64";
}
