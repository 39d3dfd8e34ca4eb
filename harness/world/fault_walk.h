/* SPDX-License-Identifier: MIT */
/*
 * Fault walks for CMocka suites: every allocation point of an operation
 * fails in turn (STYLE.md, "Tests").  A walk arms the nth hit of one site,
 * or of any, for n = 1, 2, ... and runs the operation once for each n, until
 * a run goes by without the fault firing; the caller arms just before the
 * operation, so that its set-up and snapshots use up no hit.  What the fault did decides what
 * the run must show (hal_sim/sim.h, `enum sim_fault_outcome`):
 *
 * - it failed the operation: the result is the expected error, and the
 *   caller checks that nothing changed;
 * - the code absorbed it by design (a retry, a fallback), or it did not
 *   fire: the operation succeeded, and the caller checks its observable
 *   result as for a run without faults.  A run in which it did not fire is
 *   the last: every point has been walked.
 *
 * A fault firing is thus never taken for a failure of the operation, and no
 * run is let off with "any result".
 *
 *     struct fault_walk w;
 *
 *     fault_walk_init(&w, FAULT_WALK_ANY, 200);
 *     while ( fault_walk_next(&w) )
 *     {
 *         take(&before);
 *         fault_walk_arm(&w);
 *         rc = op();
 *         if ( fault_walk_failed(&w, rc, -ENOMEM) )
 *         {
 *             take(&after);
 *             assert_memory_equal(&before, &after, sizeof(before));
 *             continue;
 *         }
 *         check_result();
 *         undo();
 *     }
 *     assert_true(w.failed >= 3);
 */
#ifndef HARNESS_FAULT_WALK_H
#define HARNESS_FAULT_WALK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <hal_sim/sim.h>

/* `fault_walk_init`'s site for "a hit of any site". */
#define FAULT_WALK_ANY (-1)

/** One walk over the points of an operation. */
struct fault_walk {
    int site;               /* an `enum hal_fault_site`, or FAULT_WALK_ANY */
    unsigned long nth;      /* the hit armed for the current run */
    unsigned long max;      /* a point beyond this fails the test */
    unsigned long failed;   /* runs the fault failed */
    unsigned long absorbed; /* runs in which the code absorbed it */
    bool done;              /* the last run went by without it firing */
};

/**
 * Starts a walk over the hits of `site` (FAULT_WALK_ANY: of every site);
 * an operation with more than `max` points fails the test.
 */
static inline void fault_walk_init(struct fault_walk *w, int site,
                                   unsigned long max)
{
    *w = (struct fault_walk){ .site = site, .max = max };
}

/**
 * Moves to the next point and returns true, or returns false once the last
 * run went by without the fault firing.
 */
static inline bool fault_walk_next(struct fault_walk *w)
{
    if ( w->done )
        return false;
    if ( w->nth >= w->max )
        fail_msg("fault walk: no end to the points after %lu", w->max);
    w->nth++;
    return true;
}

/** Arms the current point: the run's operation comes next. */
static inline void fault_walk_arm(const struct fault_walk *w)
{
    if ( w->site == FAULT_WALK_ANY )
        sim_fault_arm_any(w->nth);
    else
        sim_fault_arm((enum hal_fault_site)w->site, w->nth);
}

/**
 * Ends a run whose operation returned `rc` (negative: an error), disarming
 * the fault.  Returns true if the fault failed the operation, after
 * asserting that `rc` is `err`; returns false if the operation had to
 * succeed (the fault was absorbed, or did not fire), after asserting that
 * `rc` is not negative.
 */
static inline bool fault_walk_failed(struct fault_walk *w, long rc, long err)
{
    enum sim_fault_outcome o;

    sim_fault_disarm();
    o = sim_fault_outcome();
    if ( o == SIM_FAULT_FAILED )
    {
        if ( rc != err )
            fail_msg("fault walk: hit %lu failed, the result is %ld, not %ld",
                     w->nth, rc, err);
        w->failed++;
        return true;
    }
    if ( rc < 0 )
        fail_msg("fault walk: hit %lu %s, yet the result is %ld", w->nth,
                 o == SIM_FAULT_ABSORBED ? "was absorbed" : "did not fire",
                 rc);
    if ( o == SIM_FAULT_ABSORBED )
        w->absorbed++;
    else
        w->done = true;
    return false;
}

/** Returns true once the walk is over (the last run had no fault). */
static inline bool fault_walk_done(const struct fault_walk *w)
{
    return w->done;
}

#endif /* HARNESS_FAULT_WALK_H */
