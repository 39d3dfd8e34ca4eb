/* SPDX-License-Identifier: MIT */
/*
 * The clock: the TSC, calibrated once against PIT channel 2.
 *
 * Calibration gates channel 2 on through port 0x61 (speaker off), loads a
 * one-shot count of 10 ms (mode 0) and counts TSC ticks until the channel's
 * output goes high (port 0x61 bit 5).  `hal_time_ns` then scales TSC ticks
 * by a 32.32 fixed-point factor.  Under QEMU TCG both clocks follow the
 * host's, so the rate is approximate, as hal/time.h allows.  The wait is
 * bounded by a TSC count so a missing PIT cannot hang start-up; the backend
 * then assumes 1 GHz and says so.
 */
#include "x86_private.h"

#define PIT_HZ 1193182ULL
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_GATE 0x61
#define PIT_GATE_ON 0x01
#define PIT_SPEAKER 0x02
#define PIT_OUT2 0x20
#define CALIBRATE_MS 10

static uint64_t x86_tsc_origin;
static uint64_t x86_tsc_rate;       /* Hz */
static uint64_t x86_ns_per_tick;    /* 32.32 fixed point */

/** Measures the TSC rate.  Boot CPU, interrupts off. */
void x86_time_init(void)
{
    uint64_t count = PIT_HZ * CALIBRATE_MS / 1000;
    uint64_t t0, t1;
    uint8_t gate;

    gate = x86_inb(PIT_GATE);
    x86_outb(PIT_GATE, (uint8_t)((gate & ~PIT_SPEAKER) | PIT_GATE_ON));
    x86_outb(PIT_CMD, 0xb0);    /* channel 2, lo/hi byte, mode 0, binary */
    x86_outb(PIT_CH2, (uint8_t)count);
    x86_outb(PIT_CH2, (uint8_t)(count >> 8));

    t0 = x86_rdtsc();
    do
        t1 = x86_rdtsc();
    while ( !(x86_inb(PIT_GATE) & PIT_OUT2) && t1 - t0 < (1ULL << 34) );
    x86_outb(PIT_GATE, gate);

    if ( t1 - t0 >= (1ULL << 34) || t1 == t0 )
    {
        x86_console_puts_raw("x86: PIT calibration failed, assuming 1 GHz\n");
        x86_tsc_rate = 1000000000ULL;
    }
    else
        x86_tsc_rate = (t1 - t0) * 1000 / CALIBRATE_MS;
    x86_ns_per_tick = (1000000000ULL << 32) / x86_tsc_rate;
    x86_tsc_origin = x86_rdtsc();
}

/** Nanoseconds since start-up, from the TSC. */
uint64_t hal_time_ns(void)
{
    uint64_t ticks = x86_rdtsc() - x86_tsc_origin;

    return (uint64_t)(((unsigned __int128)ticks * x86_ns_per_tick) >> 32);
}

/** The measured TSC rate in Hz. */
uint64_t x86_tsc_hz(void)
{
    return x86_tsc_rate;
}
