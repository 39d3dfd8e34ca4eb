/* SPDX-License-Identifier: MIT */
/*
 * hvbench: runs named microbenchmarks.
 *
 *   hvbench [--filter PREFIX[,PREFIX...]] [--iterations N] [--repeat R]
 *           [--json] [--list]
 *
 * Each benchmark runs R times with a fixed N (no auto-scaling, so
 * instruction counts are comparable between runs); the median ns/op is
 * reported.  With --json, one object per line:
 *   {"bench":"...","ns_per_op":...,"ops":...,"params":{...},...}
 * Benchmarks measure; nothing here passes or fails on a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "cli.h"
#include "registry.h"

#define DEFAULT_ITERATIONS 200000ULL
#define DEFAULT_REPEAT 5U
#define MAX_REPEAT 101U

struct options {
    const char *filter;
    uint64_t iterations; /* 0: each benchmark's default */
    unsigned int repeat;
    bool json;
    bool list;
};

uint64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * True if `name` starts with one of the comma-separated prefixes; a prefix
 * ending in '$' must match the whole name.
 */
static bool matches(const char *name, const char *filter)
{
    const char *p = filter;

    if ( !filter || !*filter )
        return true;
    while ( *p )
    {
        size_t len = strcspn(p, ",");
        bool exact = len && p[len - 1] == '$';
        size_t n = exact ? len - 1 : len;

        if ( len && strncmp(name, p, n) == 0 && (!exact || !name[n]) )
            return true;
        p += len;
        if ( *p == ',' )
            p++;
    }
    return false;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Runs one benchmark; returns 0, 1 if it was skipped, -1 on error. */
static int run_one(const struct bench *b, const struct options *o)
{
    double samples[MAX_REPEAT];
    uint64_t iterations = o->iterations ? o->iterations
                          : b->default_iterations ? b->default_iterations
                          : DEFAULT_ITERATIONS;
    uint64_t ops = 0;
    unsigned int r;

    for ( r = 0; r < o->repeat; r++ )
    {
        void *state = NULL;
        uint64_t t0, t1;
        double ns;

        if ( b->setup && b->setup(&state, iterations) )
            return 1;
        t0 = bench_now_ns();
        ops = b->run(state, iterations);
        t1 = bench_now_ns();
        if ( ops == 0 )
        {
            fprintf(stderr, "hvbench: %s did no work\n", b->name);
            if ( b->teardown )
                b->teardown(state);
            return -1;
        }
        ns = (double)(t1 - t0) / (double)ops;
        if ( b->adjust_ns )
        {
            double adjusted = b->adjust_ns(state, ns);

            if ( adjusted >= 0 )
                ns = adjusted;
        }
        if ( b->teardown )
            b->teardown(state);
        samples[r] = ns;
    }
    qsort(samples, o->repeat, sizeof(samples[0]), cmp_double);

    if ( o->json )
        printf("{\"bench\":\"%s\",\"ns_per_op\":%.3f,\"ops\":%llu,"
               "\"iterations\":%llu,\"repeat\":%u,\"min_ns\":%.3f,"
               "\"max_ns\":%.3f,\"params\":%s}\n",
               b->name, samples[o->repeat / 2], (unsigned long long)ops,
               (unsigned long long)iterations, o->repeat, samples[0],
               samples[o->repeat - 1], b->params ? b->params : "{}");
    else
        printf("%-32s %12.2f ns/op  (median of %u, min %.2f, max %.2f, "
               "%llu ops)\n",
               b->name, samples[o->repeat / 2], o->repeat, samples[0],
               samples[o->repeat - 1], (unsigned long long)ops);
    fflush(stdout);
    return 0;
}

static void usage(void)
{
    printf("usage: hvbench [--filter PREFIX[,PREFIX...]] [--iterations N]\n"
           "               [--repeat R] [--json] [--list]\n"
           "  --filter      run only benchmarks whose names start with a prefix\n"
           "                (a prefix ending in '$' must match the whole name)\n"
           "  --iterations  a fixed loop count per repetition, 1..2^64-1\n"
           "                (default: each benchmark's own, else %llu)\n"
           "  --repeat      repetitions; the median is reported (default %u,\n"
           "                1..%u)\n"
           "  --json        one JSON object per line\n"
           "  --list        list the benchmarks and exit\n",
           DEFAULT_ITERATIONS, DEFAULT_REPEAT, MAX_REPEAT);
}

int main(int argc, char **argv)
{
    struct options o = { NULL, 0, DEFAULT_REPEAT, false, false };
    const struct cli_opt opts[] = {
        { "filter", CLI_TEXT, &o.filter, 0, 0, 0, NULL },
        { "iterations", CLI_UINT, &o.iterations, sizeof(o.iterations), 1,
          UINT64_MAX, NULL },
        { "repeat", CLI_UINT, &o.repeat, sizeof(o.repeat), 1, MAX_REPEAT,
          NULL },
        { "json", CLI_FLAG, &o.json, 0, 0, 0, NULL },
        { "list", CLI_FLAG, &o.list, 0, 0, 0, NULL },
        { 0 },
    };
    struct cli c = { .prog = "hvbench", .usage = usage };
    unsigned int i, matched = 0, ran = 0, failed = 0;
    int rc = cli_parse(&c, opts, argc, argv, 0, NULL);

    if ( rc )
        return cli_exit_status(rc);
    for ( i = 0; hvbench_lists[i]; i++ )
    {
        const struct bench *b;

        for ( b = hvbench_lists[i]; b->name; b++ )
        {
            if ( !matches(b->name, o.filter) )
                continue;
            matched++;
            if ( o.list )
            {
                printf("%s\n", b->name);
                continue;
            }
            rc = run_one(b, &o);
            if ( rc < 0 )
                failed++;
            else if ( rc == 0 )
                ran++;
            else
                fprintf(stderr, "hvbench: %s skipped (setup failed)\n", b->name);
        }
    }
    if ( !matched )
    {
        cli_bad_value(&c, "--filter", o.filter ? o.filter : "",
                      "matches no benchmark (hvbench --list names them)");
        return CLI_EXIT_USAGE;
    }
    return failed || (!o.list && !ran) ? 1 : 0;
}
