/* SPDX-License-Identifier: MIT */
/* The in-kernel split-driver demo (demo.c). */
#ifndef BOOT_DEMO_H
#define BOOT_DEMO_H

/** Runs the demo on each ABI; returns how many runs failed. */
unsigned int boot_demo_run(void);

#endif /* BOOT_DEMO_H */
