/* SPDX-License-Identifier: MIT */
/*
 * One simulated world per fuzzing process.  Starting a world (the simulator,
 * hvcore_init) costs more than most inputs, so the first input starts it and
 * every later input reuses it.  That is sound only if each input gives the
 * world back as it found it: fuzz_world_leave checks that, and aborts with
 * the input's name for the reset that failed, so a finding replays alone in
 * a fresh process (fuzz/replay_main.c or the fuzzer with one file).
 *
 * What an input must give back, checked after every input:
 *  - no domain left (each target destroys its own);
 *  - every invariant checker passes (mm, evtchn, gnttab, xsm);
 *  - no global virq handler left;
 *  - every heap page back: no domain pages, an empty deferred-free queue,
 *    and the same hypervisor pages in use as after start-up, apart from
 *    the two high-water marks that libmm keeps by design (page-table pages
 *    given to the HAL, frames behind vmap's metadata).  The last is
 *    compared only where xmalloc passes through to the host (every fuzzing
 *    build; the leak sanitizer watches that memory): with libmm's own
 *    xmalloc, its slabs also hold what lives on by design, such as FLASK's
 *    sid table, which only grows, as Xen's does.
 * What fuzz_world_leave resets, so an input that stopped half-way cannot
 * leak it: an armed fault, forced preemption, the map cache's flush mode,
 * FLASK's access vector cache.
 *
 * Fuzzers are quiet: the console (printk) of the current input is kept in
 * memory, not printed, and fuzz_world_fail prints it before aborting, so a
 * checker's own explanation still reaches the report.
 */
#ifndef FUZZ_WORLD_H
#define FUZZ_WORLD_H

#include <stdint.h>

#include "world.h"

struct fuzz_world {
    const char *target;     /* named in every failure message */
    uint64_t mem_bytes;
    unsigned int cpus;
    enum world_xsm xsm;
};

/** Starts the world on the first call; later calls find it as it was. */
void fuzz_world_enter(const struct fuzz_world *w);

/** Resets the per-input knobs, then checks the world is as it was. */
void fuzz_world_leave(const struct fuzz_world *w);

/**
 * Stops the world (fuzz_world_leave's checks first: no domain may be left)
 * so that the next fuzz_world_enter starts a fresh one.  For state the
 * core cannot give back by itself, such as a reloaded security policy.
 */
void fuzz_world_restart(const struct fuzz_world *w);

/** Prints "<target>: <what>" and this input's console, then aborts. */
_Noreturn void fuzz_world_fail(const struct fuzz_world *w, const char *what);

#endif /* FUZZ_WORLD_H */
