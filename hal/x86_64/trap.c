/* SPDX-License-Identifier: MIT */
/*
 * CPU exceptions: an IDT whose 32 exception vectors all report the fault on
 * the serial console and stop QEMU with X86_EXIT_PANIC, so a bad pointer in
 * core code fails the boot with a readable line instead of a silent triple
 * fault (which QEMU would report as exit status 0).  No interrupts are
 * enabled, ever: vectors 32-255 stay absent.
 *
 * Built with -mgeneral-regs-only (reference/boot.md): code entered from an
 * exception must not touch SSE state.
 */
#include "x86_private.h"

/* The frame traps.S builds, lowest address first. */
struct x86_trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;     /* pushed by the CPU */
};

/* A 64-bit interrupt gate (Intel SDM vol. 3, 6.14.1). */
struct x86_idt_entry {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));

static_assert(sizeof(struct x86_idt_entry) == 16,
              "IDT gate is 16 bytes (Intel SDM vol. 3, figure 6-8)");

struct x86_idt_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define X86_TRAP_VECTORS 32

extern const uint64_t x86_trap_stubs[X86_TRAP_VECTORS];

static struct x86_idt_entry x86_idt[X86_TRAP_VECTORS]
    __attribute__((aligned(16)));

void x86_trap(const struct x86_trap_frame *f);

/** Loads the exception vectors' IDT on the calling CPU. */
void x86_trap_load(void)
{
    struct x86_idt_ptr ptr;

    ptr.limit = sizeof(x86_idt) - 1;
    ptr.base = (uint64_t)(uintptr_t)x86_idt;
    __asm__ __volatile__("lidt %0" : : "m"(ptr));
}

/** Installs the exception vectors.  Boot CPU, before anything can fault. */
void x86_trap_init(void)
{
    unsigned int i;

    for ( i = 0; i < X86_TRAP_VECTORS; i++ )
    {
        uint64_t a = x86_trap_stubs[i];

        x86_idt[i].offset_lo = (uint16_t)a;
        x86_idt[i].selector = 0x08;
        x86_idt[i].ist = 0;
        x86_idt[i].type_attr = 0x8e;       /* present, DPL 0, interrupt gate */
        x86_idt[i].offset_mid = (uint16_t)(a >> 16);
        x86_idt[i].offset_hi = (uint32_t)(a >> 32);
        x86_idt[i].reserved = 0;
    }
    x86_trap_load();
}

/** Writes " name=0x..." for one field of the report. */
static void x86_trap_field(const char *name, uint64_t v)
{
    x86_console_puts_raw(name);
    x86_console_hex_raw(v);
}

/** Reports a CPU exception and stops the machine; never returns. */
void x86_trap(const struct x86_trap_frame *f)
{
    x86_console_puts_raw("\n*** CPU exception");
    x86_trap_field(" vector=", f->vector);
    x86_trap_field(" error=", f->error_code);
    x86_trap_field(" rip=", f->rip);
    x86_trap_field(" rsp=", f->rsp);
    if ( f->vector == 14 )
        x86_trap_field(" cr2=", x86_read_cr2());
    x86_console_puts_raw("\n");
    x86_trap_field("    rax=", f->rax);
    x86_trap_field(" rbx=", f->rbx);
    x86_trap_field(" rcx=", f->rcx);
    x86_trap_field(" rdx=", f->rdx);
    x86_console_puts_raw("\n");
    x86_trap_field("    rsi=", f->rsi);
    x86_trap_field(" rdi=", f->rdi);
    x86_trap_field(" rbp=", f->rbp);
    x86_console_puts_raw("\n");
    x86_qemu_exit(X86_EXIT_PANIC);
}
