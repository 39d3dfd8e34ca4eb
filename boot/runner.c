/* SPDX-License-Identifier: MIT */
/*
 * The in-kernel test runner: what the bare-metal backend hands over to once
 * the HAL is up.  Runs the HAL contract suite, brings the core up with
 * hvcore_init, runs every library's self-test suite (suites.c), tears the
 * core down, prints a summary on the serial console and leaves QEMU with
 * X86_EXIT_PASS (status 33) only when every test passed.
 */
#include <common/init.h>
#include <common/printk.h>
#include <common/selftest.h>
#include <hal/hal.h>
#include <hal_x86_64/x86.h>

#include "demo.h"
#include "suites.h"

static unsigned int boot_failed;
static unsigned int boot_run;
static unsigned int boot_suites_run;

/** Runs the table's suites of one phase; counts what they report. */
static void boot_run_phase(bool before_init)
{
    const struct boot_suite *s;

    for ( s = boot_suites; s->lib; s++ )
    {
        if ( s->before_init != before_init || !s->built )
            continue;
        if ( !s->suite )
        {
            printk("[FAIL] %s: library built but no %s suite linked\n",
                   s->lib, s->lib);
            boot_failed++;
            continue;
        }
        boot_failed += selftest_run_suite(s->suite, &boot_run);
        boot_suites_run++;
    }
}

/** The program's entry (hal_x86_64/x86.h); never returns. */
void boot_main(void)
{
    uint64_t start = hal_time_ns();
    unsigned long pt_before;
    int rc;

    printk("hvcore boot: backend %s, %u CPU running (+%u parked), "
           "%lu MiB RAM, TSC %lu MHz\n",
           hal_backend_name(), hal_cpu_count(), x86_aps_parked(),
           (unsigned long)(x86_ram_bytes() >> 20),
           (unsigned long)(x86_tsc_hz() / 1000000));

    boot_run_phase(true);

    pt_before = hal_pt_pages_in_use();
    rc = hvcore_init();
    if ( rc )
    {
        printk("[FAIL] hvcore_init: %d\n", rc);
        boot_failed++;
    }
    else
    {
        boot_run_phase(false);
        boot_failed += boot_demo_run();
        hvcore_fini();
        printk("boot: page-table pages %lu before hvcore_init, %lu after "
               "hvcore_fini\n", pt_before, hal_pt_pages_in_use());
    }

    if ( boot_libs_without_suite[0] )
        printk("boot: built without a self-test suite (not run): %s\n",
               boot_libs_without_suite);
    printk("boot: %u suites, %u tests, %u failed, %lu ms\n",
           boot_suites_run, boot_run, boot_failed,
           (unsigned long)((hal_time_ns() - start) / 1000000));
    printk("boot: %s\n", boot_failed ? "FAILED" : "PASSED");
    x86_qemu_exit(boot_failed ? X86_EXIT_FAIL : X86_EXIT_PASS);
}
