/* SPDX-License-Identifier: MIT */
/*
 * The three-domain world libgnttab's suites start from: A grants, B maps,
 * C is a third party.  Every test ends with gnttab_check and mm_check.
 */
#ifndef LIBGNTTAB_TESTS_GNTTAB_FIXTURE_H
#define LIBGNTTAB_TESTS_GNTTAB_FIXTURE_H

#include <libgnttab/gnttab.h>
#include <libmm/mm.h>

#include "gntlib.h"
#include "world_cmocka.h"

static struct gnt_guest A, B, C; /* granter, mapper, third domain */

static int setup(void **state)
{
    if ( world_setup(state) )
        return -1;
    if ( gnt_guest_create(&A, 1, 2) || gnt_guest_create(&B, 2, 2) ||
         gnt_guest_create(&C, 3, 1) )
        return -1;
    return 0;
}

static int teardown(void **state)
{
    gnt_guest_destroy(&A);
    gnt_guest_destroy(&B);
    gnt_guest_destroy(&C);
    assert_int_equal(gnttab_check(), 0);
    mm_deferred_flush();
    assert_int_equal(mm_check(), 0);
    return world_teardown(state);
}

static void checks(void)
{
    assert_int_equal(gnttab_check(), 0);
    assert_int_equal(mm_check(), 0);
}

#endif /* LIBGNTTAB_TESTS_GNTTAB_FIXTURE_H */
