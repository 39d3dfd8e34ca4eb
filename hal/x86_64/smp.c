/* SPDX-License-Identifier: MIT */
/*
 * Starting the application processors, to prove the machine's other CPUs
 * reach long mode on our page tables.  They then park (interrupts off,
 * hlt): hvcore code runs on the boot CPU only, so `hal_cpu_count` stays 1
 * and no TLB shootdown is needed (a parked CPU has touched nothing in the
 * HAL region).
 *
 * The boot CPU copies the trampoline (trampoline.S) to X86_TRAMPOLINE_BASE,
 * enables its local APIC, and sends INIT then SIPI twice to all other CPUs
 * (reference/boot.md, "Second CPU"), waiting on the TSC, not on a loop
 * count.  The local APIC page and the trampoline page are identity-mapped
 * by map.c.
 */
#include "x86_private.h"

#define MSR_APIC_BASE 0x1bU
#define APIC_SVR 0xf0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_ICR_BUSY (1U << 12)
#define APIC_INIT_ALL_BUT_SELF 0x000c4500U
#define APIC_SIPI_ALL_BUT_SELF 0x000c4600U

extern const uint8_t x86_trampoline[], x86_trampoline_end[];
extern const uint32_t x86_trampoline_cr3[], x86_trampoline_efer[];

void x86_ap_main(unsigned int ticket);

static unsigned int x86_aps_online;

/** Returns the local APIC's registers (identity-mapped). */
static volatile uint32_t *x86_apic_reg(unsigned int off)
{
    return (volatile uint32_t *)(uintptr_t)(X86_APIC_BASE + off);
}

/** Waits `us` microseconds on the TSC. */
static void x86_udelay(uint64_t us)
{
    uint64_t end = hal_time_ns() + us * 1000;

    while ( hal_time_ns() < end )
        hal_cpu_relax();
}

/** Sends one IPI through the ICR and waits for it to be accepted. */
static void x86_apic_ipi(uint32_t icr)
{
    unsigned int i;

    *x86_apic_reg(APIC_ICR_HI) = 0;
    *x86_apic_reg(APIC_ICR_LO) = icr;
    for ( i = 0; i < 1000000; i++ )
        if ( !(*x86_apic_reg(APIC_ICR_LO) & APIC_ICR_BUSY) )
            break;
}

/** An AP in 64-bit mode on its own stack: counts itself and parks. */
void x86_ap_main(unsigned int ticket)
{
    (void)ticket;
    x86_trap_load();
    hal_fetch_add(&x86_aps_online, 1);
    x86_halt_forever();
}

/**
 * Starts the other CPUs and waits for them (at most about 100 ms).  Boot
 * CPU, after x86_map_init.  Returns quietly if the CPU has no local APIC
 * where we expect it.
 */
void x86_smp_init(void)
{
    uint64_t base = x86_rdmsr(MSR_APIC_BASE);
    size_t len = (size_t)(x86_trampoline_end - x86_trampoline);
    volatile uint8_t *dst = (volatile uint8_t *)X86_TRAMPOLINE_BASE;
    uint64_t end;
    size_t i;

    if ( (base & ~0xfffULL & 0xffffffffffULL) != X86_APIC_BASE ||
         !(base & (1ULL << 11)) )
        return;

    for ( i = 0; i < len; i++ )
        dst[i] = x86_trampoline[i];
    /* The copy's parameter words, not the image's (which is read-only). */
    *(volatile uint32_t *)(dst + ((const uint8_t *)x86_trampoline_cr3 -
                                  x86_trampoline)) =
        (uint32_t)x86_read_cr3();
    *(volatile uint32_t *)(dst + ((const uint8_t *)x86_trampoline_efer -
                                  x86_trampoline)) =
        (uint32_t)(x86_rdmsr(X86_MSR_EFER) & (X86_EFER_LME | X86_EFER_NXE));

    *x86_apic_reg(APIC_SVR) = 0x1ff;     /* enabled, spurious vector 0xff */
    x86_apic_ipi(APIC_INIT_ALL_BUT_SELF);
    x86_udelay(10000);
    x86_apic_ipi(APIC_SIPI_ALL_BUT_SELF | (X86_TRAMPOLINE_BASE >> 12));
    x86_udelay(200);
    x86_apic_ipi(APIC_SIPI_ALL_BUT_SELF | (X86_TRAMPOLINE_BASE >> 12));

    /* Up to 100 ms for the first AP, then 5 ms for any others. */
    end = hal_time_ns() + 100000000ULL;
    while ( !hal_read_once(&x86_aps_online) && hal_time_ns() < end )
        hal_cpu_relax();
    x86_udelay(5000);
}

/** How many application processors reached long mode and parked. */
unsigned int x86_aps_parked(void)
{
    return hal_read_once(&x86_aps_online);
}
