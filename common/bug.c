/* SPDX-License-Identifier: MIT */
/* The failure path of BUG_ON and ASSERT. */
#include <common/bug.h>
#include <common/printk.h>
#include <hal/panic.h>

/** Reports a broken invariant and stops the machine. */
void bug_fail(const char *cond, const char *file, int line)
{
    char msg[256];

    hv_snprintf(msg, sizeof(msg), "BUG: %s at %s:%d", cond, file, line);
    hal_panic(msg);
}
