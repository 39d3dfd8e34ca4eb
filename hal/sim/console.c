/* SPDX-License-Identifier: MIT */
/*
 * The console and panic.
 *
 * Each `hal_console_write` is one write(2) to standard error, so one call's
 * bytes are never split by another thread's output, or one call of the
 * capture hook a test installed.  `hal_panic` prints and aborts, so tests
 * and fuzzers see the crash.
 */
#include <stdlib.h>
#include <unistd.h>

#include "sim_private.h"

/** A test's console capture hook; set while no output is in flight. */
struct sim_capture {
    void (*fn)(const char *s, size_t len, void *arg);
    void *arg;
};

static struct sim_capture sim_capture;

/** Sends console output to `fn` (NULL: standard error). */
void sim_console_capture(void (*fn)(const char *s, size_t len, void *arg),
                         void *arg)
{
    sim_capture.arg = arg;
    hal_store_release(&sim_capture.fn, fn);
}

/** Writes all of `s` to standard error (one call unless interrupted). */
static void sim_stderr_write(const char *s, size_t len)
{
    while ( len )
    {
        ssize_t n = write(STDERR_FILENO, s, len);

        if ( n <= 0 )
            return;
        s += n;
        len -= (size_t)n;
    }
}

/** Writes `len` bytes of `s` to the console. */
void hal_console_write(const char *s, size_t len)
{
    void (*fn)(const char *, size_t, void *) =
        hal_load_acquire(&sim_capture.fn);

    if ( fn )
        fn(s, len, sim_capture.arg);
    else
        sim_stderr_write(s, len);
}

/** Prints `msg` to standard error (never captured) and aborts. */
_Noreturn void hal_panic(const char *msg)
{
    static const char prefix[] = "hvcore panic: ";
    size_t len = 0;

    while ( msg[len] )
        len++;
    sim_stderr_write(prefix, sizeof(prefix) - 1);
    sim_stderr_write(msg, len);
    sim_stderr_write("\n", 1);
    abort();
}
