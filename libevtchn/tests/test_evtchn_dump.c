/* SPDX-License-Identifier: MIT */
/*
 * The debug dump (Xen's key 'e') prints from a snapshot, never under a
 * domain's event lock (seed 001 item 6: a slow console must not hold up
 * the domain's event channel ops).  The console is captured, and at every
 * line the dump writes the test tries to take each domain's event lock
 * for writing, as an EVTCHNOP that changes state would: a line written
 * while the dump holds the lock (in either mode) is a violation.  The
 * lines are also counted, so a dump that printed nothing cannot pass.
 */
#include <stdio.h>
#include <stdlib.h>

#include "evtchn_world.h"

#include "../private.h" /* the domain's event lock, to try it */

#define MAX_DOMS 4

struct sink {
    struct domain *doms[MAX_DOMS];
    unsigned int nr_doms;
    unsigned int lines;           /* console writes seen */
    unsigned int port_lines[MAX_DOMS]; /* per-port lines, per domain */
    int current;                  /* index of the domain being dumped */
    unsigned int held;            /* writes made with an event lock held */
    char first_held[160];         /* the first such write */
};

/* True if `d`'s event lock is free: it can be taken for writing. */
static bool event_lock_free(struct domain *d)
{
    hal_rwlock_t *l = &d->evtchn->event_lock;

    if ( !hal_write_trylock(l) )
        return false;
    hal_write_unlock(l);
    return true;
}

/*
 * The console sink.  It must not fail the test from here: the dump may
 * hold a lock that the tear-down needs, so it only records.
 */
static void sink_write(const char *s, size_t len, void *arg)
{
    struct sink *k = arg;
    unsigned int i, domid, port;

    k->lines++;
    for ( i = 0; i < k->nr_doms; i++ )
        if ( !event_lock_free(k->doms[i]) && !k->held++ )
            snprintf(k->first_held, sizeof(k->first_held), "d%u held: %.*s",
                     k->doms[i]->domain_id, (int)(len < 100 ? len : 100), s);
    if ( sscanf(s, "Event channel information for domain %u", &domid) == 1 )
    {
        k->current = -1;
        for ( i = 0; i < k->nr_doms; i++ )
            if ( k->doms[i]->domain_id == domid )
                k->current = (int)i;
    }
    else if ( len > 4 && !memcmp(s, "    ", 4) && k->current >= 0 &&
              sscanf(s, "%u [", &port) == 1 )
        k->port_lines[k->current]++; /* "    %4u [...]: s=..." */
}

static void sink_start(struct sink *k)
{
    unsigned int i;

    k->lines = k->held = 0;
    k->current = -1;
    k->first_held[0] = '\0';
    for ( i = 0; i < MAX_DOMS; i++ )
        k->port_lines[i] = 0;
    sim_console_capture(sink_write, k);
}

static void sink_stop(void)
{
    sim_console_capture(NULL, NULL);
}

static unsigned int active_ports(struct domain *d)
{
    struct evtchn_domain_stats st;

    evtchn_domain_get_stats(d, &st);
    return st.active_evtchns;
}

/*
 * Two domains, one with ports in several snapshot batches (more than
 * EVTCHN_DUMP_BATCH, so the dump takes and drops the lock more than once)
 * and every kind of binding: interdomain both ways, unbound, IPI, VIRQ.
 */
static void test_dump_prints_without_event_lock(void **state)
{
    struct domain *d0 = ew_domain(0, 2, true), *d1 = ew_domain(1, 1, false);
    struct sink k = { .doms = { d0, d1 }, .nr_doms = 2 };
    unsigned int i, bport;

    (void)state;
    for ( i = 0; i < 2 * EVTCHN_DUMP_BATCH + 10; i++ )
        assert_true(ew_alloc_unbound(d0, DOMID_SELF, 1) > 0);
    assert_true(ew_connect(d0, d1, &bport) > 0);
    assert_true(ew_connect(d1, d0, &bport) > 0);
    assert_true(ew_bind_ipi(d0, 1) > 0);
    assert_true(ew_bind_virq(d0, VIRQ_TIMER, 0) > 0);
    assert_true(ew_bind_ipi(d1, 0) > 0);
    assert_true(active_ports(d0) > 2 * EVTCHN_DUMP_BATCH);

    sink_start(&k);
    evtchn_dump();
    sink_stop();
    if ( k.held )
        fail_msg("%u dump line(s) written under an event lock; first: %s",
                 k.held, k.first_held);
    /* Every port in use was printed, each once. */
    assert_int_equal(k.port_lines[0], active_ports(d0));
    assert_int_equal(k.port_lines[1], active_ports(d1));
    assert_true(k.lines > active_ports(d0) + active_ports(d1));

    /* One domain on its own, the same way. */
    sink_start(&k);
    evtchn_dump_domain(d0);
    sink_stop();
    if ( k.held )
        fail_msg("%u dump line(s) written under an event lock; first: %s",
                 k.held, k.first_held);
    assert_int_equal(k.port_lines[0], active_ports(d0));
    assert_int_equal(k.port_lines[1], 0);

    assert_int_equal(evtchn_check(), 0);
    ew_destroy(d1);
    ew_destroy(d0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dump_prints_without_event_lock,
                                        ew_setup, ew_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
