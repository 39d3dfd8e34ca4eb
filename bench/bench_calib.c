/* SPDX-License-Identifier: MIT */
/*
 * Calibration entries, measured in the same run as everything else so
 * other results can be read as ratios to them.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* One uncontended atomic fetch-or on a shared word. */
static uint64_t calib_word;

static uint64_t atomic_rmw_run(void *state, uint64_t iterations)
{
    uint64_t i;

    (void)state;
    for ( i = 0; i < iterations; i++ )
        __atomic_fetch_or(&calib_word, 1ULL << (i & 63), __ATOMIC_SEQ_CST);
    bench_keep(calib_word);
    return iterations;
}

/* memcpy of 4 KiB between two page-aligned buffers that stay in cache. */
struct memcpy_state {
    unsigned char *src, *dst;
};

static int memcpy_setup(void **state, uint64_t iterations)
{
    struct memcpy_state *s = malloc(sizeof(*s));

    (void)iterations;
    if ( !s )
        return -1;
    s->src = aligned_alloc(4096, 4096);
    s->dst = aligned_alloc(4096, 4096);
    if ( !s->src || !s->dst )
    {
        free(s->src);
        free(s->dst);
        free(s);
        return -1;
    }
    memset(s->src, 0x5a, 4096);
    memset(s->dst, 0, 4096);
    *state = s;
    return 0;
}

static uint64_t memcpy_run(void *state, uint64_t iterations)
{
    struct memcpy_state *s = state;
    uint64_t i;

    for ( i = 0; i < iterations; i++ )
    {
        s->src[i & 4095] = (unsigned char)i;
        memcpy(s->dst, s->src, 4096);
        bench_keep(s->dst);
    }
    return iterations;
}

static void memcpy_teardown(void *state)
{
    struct memcpy_state *s = state;

    free(s->src);
    free(s->dst);
    free(s);
}

const struct bench bench_calib_list[] = {
    { .name = "calib.atomic_rmw", .params = "{\"op\":\"fetch_or\"}",
      .run = atomic_rmw_run, .default_iterations = 10000000 },
    { .name = "calib.memcpy_4k", .params = "{\"bytes\":4096}",
      .setup = memcpy_setup, .run = memcpy_run, .teardown = memcpy_teardown,
      .default_iterations = 1000000 },
    { .name = NULL },
};
