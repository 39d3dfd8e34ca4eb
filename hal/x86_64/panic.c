/* SPDX-License-Identifier: MIT */
/*
 * Stopping the machine: `hal_panic` prints its message and leaves QEMU
 * through the isa-debug-exit device with X86_EXIT_PANIC (status 37), which
 * the runner script reports as a failure.  Without the device (real
 * hardware, or QEMU started without it) the CPU halts with interrupts off.
 */
#include "x86_private.h"

/** Writes `value` to the debug-exit port; halts if that did not exit. */
void x86_qemu_exit(unsigned int value)
{
    x86_outl(X86_DEBUG_EXIT_PORT, value);
    x86_halt_forever();
}

/**
 * Prints `msg` and stops.  Takes no lock: the console lock may be held by
 * the code that panicked.
 */
void hal_panic(const char *msg)
{
    x86_console_puts_raw("\n*** hal_panic: ");
    x86_console_puts_raw(msg);
    x86_console_puts_raw("\n");
    x86_qemu_exit(X86_EXIT_PANIC);
}
