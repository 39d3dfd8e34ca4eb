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

/*
 * memcpy of 4 KiB between two page-aligned buffers that stay in cache; and
 * (calib.memcpy_4k.16dst) from one buffer into 16 distinct ones in turn, a
 * 64 KiB destination working set like gnttab.copy.4k's: the cache's share
 * of that benchmark's cost, apart from the grant op's own.
 */
#define MEMCPY_DST_MAX 16

struct memcpy_state {
    unsigned char *src, *dst[MEMCPY_DST_MAX];
    unsigned int nr_dst;
};

static void memcpy_teardown(void *state)
{
    struct memcpy_state *s = state;
    unsigned int i;

    free(s->src);
    for ( i = 0; i < s->nr_dst; i++ )
        free(s->dst[i]);
    free(s);
}

static int memcpy_setup_n(void **state, unsigned int nr_dst)
{
    struct memcpy_state *s = calloc(1, sizeof(*s));
    unsigned int i;

    if ( !s )
        return -1;
    s->src = aligned_alloc(4096, 4096);
    for ( i = 0; s->src && i < nr_dst; i++ )
    {
        s->dst[i] = aligned_alloc(4096, 4096);
        if ( !s->dst[i] )
            break;
        s->nr_dst++;
        memset(s->dst[i], 0, 4096);
    }
    if ( !s->src || s->nr_dst != nr_dst )
    {
        memcpy_teardown(s);
        return -1;
    }
    memset(s->src, 0x5a, 4096);
    *state = s;
    return 0;
}

static int memcpy_setup(void **state, uint64_t iterations)
{
    (void)iterations;
    return memcpy_setup_n(state, 1);
}

static int memcpy16_setup(void **state, uint64_t iterations)
{
    (void)iterations;
    return memcpy_setup_n(state, MEMCPY_DST_MAX);
}

static uint64_t memcpy_run(void *state, uint64_t iterations)
{
    struct memcpy_state *s = state;
    uint64_t i;

    for ( i = 0; i < iterations; i++ )
    {
        unsigned char *dst = s->dst[i % s->nr_dst];

        s->src[i & 4095] = (unsigned char)i;
        memcpy(dst, s->src, 4096);
        bench_keep(dst);
    }
    return iterations;
}

const struct bench bench_calib_list[] = {
    { .name = "calib.atomic_rmw", .params = "{\"op\":\"fetch_or\"}",
      .run = atomic_rmw_run, .default_iterations = 10000000 },
    { .name = "calib.memcpy_4k", .params = "{\"bytes\":4096}",
      .setup = memcpy_setup, .run = memcpy_run, .teardown = memcpy_teardown,
      .default_iterations = 1000000 },
    { .name = "calib.memcpy_4k.16dst", .params = "{\"bytes\":4096,"
                                                 "\"dst_frames\":16}",
      .setup = memcpy16_setup, .run = memcpy_run,
      .teardown = memcpy_teardown, .default_iterations = 1000000 },
    { .name = NULL },
};
