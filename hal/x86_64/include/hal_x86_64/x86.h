/* SPDX-License-Identifier: MIT */
/*
 * What the bare-metal backend offers the program that links it (boot/),
 * beside the HAL contract: the program's entry point, QEMU's debug-exit
 * device, and what the backend recorded for the in-kernel runner.  The
 * simulator's counterpart is hal/sim/include/hal_sim/sim.h.  Core code never
 * includes this header.
 */
#ifndef HAL_X86_64_X86_H
#define HAL_X86_64_X86_H

#include <hal/types.h>

/*
 * Values for `x86_qemu_exit`.  QEMU's isa-debug-exit device at port 0xf4
 * exits with status (value << 1) | 1; a triple fault exits 0 and QEMU's own
 * errors exit 1, so only X86_EXIT_PASS (status 33) means success.
 */
#define X86_EXIT_PASS 0x10   /* status 33: every test passed */
#define X86_EXIT_FAIL 0x11   /* status 35: a test failed */
#define X86_EXIT_PANIC 0x12  /* status 37: hal_panic or a CPU exception */

/**
 * The program's entry, defined by the program (boot/runner.c).  The backend
 * calls it once the HAL is up: console, traps, memory map, clock, page
 * tables.  It must not return (the backend panics if it does).
 */
void boot_main(void);

/** Writes `value` to QEMU's debug-exit port and halts if QEMU did not exit. */
_Noreturn void x86_qemu_exit(unsigned int value);

/** The TSC frequency measured against the PIT at start-up, in Hz. */
uint64_t x86_tsc_hz(void);

/** Bytes of RAM the multiboot memory map described (before exclusions). */
uint64_t x86_ram_bytes(void);

/**
 * How many application processors reached long mode at start-up and
 * parked; they never run hvcore code (`hal_cpu_count` counts CPU 0 only).
 */
unsigned int x86_aps_parked(void);

/** How many upcalls `hal_guest_upcall` has recorded since start-up. */
unsigned long x86_upcall_count(void);

/**
 * The most recent upcall: returns false if there was none, else true with
 * its domid and vCPU.
 */
bool x86_upcall_last(uint16_t *domid, unsigned int *vcpu_id);

#endif /* HAL_X86_64_X86_H */
