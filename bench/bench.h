/* SPDX-License-Identifier: MIT */
/*
 * hvbench's interface for benchmark files.
 *
 * Each file exports one list, `const struct bench bench_<area>_list[]`,
 * ended by an entry with a NULL name, and bench/registry.c names every list.
 * The runner calls `setup` once per repetition, times `run` with the fixed
 * `iterations` it was given, and divides the time by the ops `run` reports.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct bench {
    const char *name;      /* e.g. "mm.heap.order0" */
    const char *params;    /* a JSON object's text, e.g. "{\"order\":0}", or NULL */
    /* Builds the world; returns 0, or non-zero to skip this benchmark. */
    int (*setup)(void **state, uint64_t iterations);
    /* The timed loop; returns how many ops it did. */
    uint64_t (*run)(void *state, uint64_t iterations);
    /* Optional: overrides the timed result, in ns per op (e.g. to subtract a
     * cost measured separately); return a negative value to keep the timing. */
    double (*adjust_ns)(void *state, double measured_ns_per_op);
    void (*teardown)(void *state);
    /* Iterations when --iterations is not given; 0 means the runner's default. */
    uint64_t default_iterations;
};

/* Returns the monotonic time in ns. */
uint64_t bench_now_ns(void);

/* Stops the compiler from deleting a computation. */
#define bench_keep(x) __asm__ __volatile__("" : : "g"(x) : "memory")

#endif /* BENCH_BENCH_H */
