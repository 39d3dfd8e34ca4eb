/* SPDX-License-Identifier: MIT */
/*
 * The bare-metal backend's private header: instruction wrappers, the
 * linker-script symbols, and the start-up steps `x86_start` runs in order.
 */
#ifndef HAL_X86_64_PRIVATE_H
#define HAL_X86_64_PRIVATE_H

#include <hal/hal.h>
#include <hal_x86_64/x86.h>

/* Linker-script symbols (boot/kernel.ld): the image, identity-mapped. */
extern char _kernel_start[], _kernel_end[];
extern char _text_start[], _text_end[];

#define X86_MSR_EFER 0xc0000080U
#define X86_EFER_LME (1ULL << 8)
#define X86_EFER_NXE (1ULL << 11)
#define X86_CR4_PGE (1UL << 7)

/* The APs' trampoline page (below 1 MiB) and the local APIC's page. */
#define X86_TRAMPOLINE_BASE 0x8000UL
#define X86_APIC_BASE 0xfee00000UL

/* Ports. */
#define X86_COM1 0x3f8
#define X86_DEBUG_EXIT_PORT 0xf4

/*
 * Frames the backend can keep track of: 4 GiB of machine memory.  RAM above
 * is left out of the memory map (see memmap.c).
 */
#define X86_MAX_FRAMES (1UL << 20)

/* CPUs with per-CPU storage; only CPU 0 runs (see cpu.c). */
#define X86_MAX_CPUS 4

static inline void x86_outb(uint16_t port, uint8_t v)
{
    __asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t x86_inb(uint16_t port)
{
    uint8_t v;

    __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void x86_outl(uint16_t port, uint32_t v)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t x86_rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t x86_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;

    __asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline unsigned long x86_read_cr2(void)
{
    unsigned long v;

    __asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline unsigned long x86_read_cr3(void)
{
    unsigned long v;

    __asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
    return v;
}

static inline void x86_write_cr3(unsigned long v)
{
    __asm__ __volatile__("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline unsigned long x86_read_cr4(void)
{
    unsigned long v;

    __asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
    return v;
}

static inline void x86_write_cr4(unsigned long v)
{
    __asm__ __volatile__("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline void x86_invlpg(uintptr_t va)
{
    __asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}

static inline _Noreturn void x86_halt_forever(void)
{
    for ( ;; )
        __asm__ __volatile__("cli; hlt");
}

/* Start-up steps, in the order x86_start runs them. */
void x86_console_init(void);
void x86_trap_init(void);
void x86_memmap_init(uint32_t magic, uint32_t mbi);
void x86_time_init(void);
void x86_map_init(void);
void x86_smp_init(void);

/* Loads the IDT on the calling CPU (trap.c). */
void x86_trap_load(void);

/* This CPU's TLB entries for a range (tlb.c). */
void x86_flush_local_range(uintptr_t va, unsigned long nr);

/* Output without locks or printk, for the panic and trap paths. */
void x86_console_write_raw(const char *s, size_t len);
void x86_console_puts_raw(const char *s);
void x86_console_hex_raw(uint64_t v);

/* The machine's frame count (RAM top, before exclusions), for checks. */
hal_mfn_t x86_memmap_frames(void);

#endif /* HAL_X86_64_PRIVATE_H */
