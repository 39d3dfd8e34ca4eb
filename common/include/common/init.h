/* SPDX-License-Identifier: MIT */
/*
 * Bringing the core up and down.  The program starts its HAL backend first
 * (the simulator's `sim_init`, the boot entry), then calls `hvcore_init`.
 */
#ifndef COMMON_INIT_H
#define COMMON_INIT_H

#include <common/compiler.h>

/** Initialises every subsystem; on error, undoes what it did. */
int __must_check hvcore_init(void);

/**
 * Destroys every remaining domain, then tears every subsystem down, so
 * that a later `hvcore_init` starts from scratch.
 */
void hvcore_fini(void);

#endif /* COMMON_INIT_H */
