/* SPDX-License-Identifier: MIT */
/*
 * The application processors' way to long mode (smp.c).
 *
 * `x86_trampoline` .. `x86_trampoline_end` is copied to X86_TRAMPOLINE_BASE
 * (0x8000, below 1 MiB as SIPI requires) and runs there: real mode ->
 * protected mode -> PAE paging on the boot CPU's tables with long mode ->
 * a far jump to `x86_ap_entry64` in the kernel's .text.  The boot CPU fills
 * in the CR3 and EFER words before sending SIPI.  No stack is used until
 * 64-bit code has taken its own (reference/boot.md, "Second CPU").
 */

#define TRAMPOLINE_BASE 0x8000
#define REL(sym) ((sym) - x86_trampoline + TRAMPOLINE_BASE)

#define X86_AP_STACK_SIZE 16384
#define X86_AP_MAX 3

    .section .rodata
    .balign 16
    .globl x86_trampoline, x86_trampoline_end
    .globl x86_trampoline_cr3, x86_trampoline_efer

    .code16
x86_trampoline:
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl REL(tramp_gdt_ptr)
    movl %cr0, %eax
    orl $1, %eax                        /* PE */
    movl %eax, %cr0
    ljmpl $0x18, $REL(tramp32)

    .code32
tramp32:
    movw $0x20, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $((1 << 5) | (1 << 7) | (1 << 9) | (1 << 10)), %eax /* PAE PGE SSE */
    movl %eax, %cr4
    movl REL(x86_trampoline_cr3), %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx              /* EFER */
    rdmsr
    orl REL(x86_trampoline_efer), %eax  /* LME, and NXE if the BSP has it */
    wrmsr
    movl %cr0, %eax
    andl $~(1 << 2), %eax               /* EM off */
    orl $((1 << 31) | (1 << 16) | (1 << 1) | 1), %eax /* PG WP MP PE */
    movl %eax, %cr0
    ljmp $0x08, $x86_ap_entry64

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff            /* 0x10: data */
    .quad 0x00cf9a000000ffff            /* 0x18: 32-bit code */
    .quad 0x00cf92000000ffff            /* 0x20: 32-bit data */
tramp_gdt_end:
tramp_gdt_ptr:
    .word tramp_gdt_end - tramp_gdt - 1
    .long REL(tramp_gdt)
    .balign 4
x86_trampoline_cr3:
    .long 0
x86_trampoline_efer:
    .long 0
x86_trampoline_end:

    .text
    .code64
    .type x86_ap_entry64, @function
x86_ap_entry64:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorl %eax, %eax
    movw %ax, %fs
    movw %ax, %gs
    /* One stack per AP, by ticket; APs beyond X86_AP_MAX stop here. */
    movl $1, %eax
    lock xaddl %eax, x86_ap_ticket(%rip)
    cmpl $X86_AP_MAX, %eax
    jae 2f
    leal 1(%eax), %ecx
    imull $X86_AP_STACK_SIZE, %ecx
    leaq x86_ap_stacks(%rip), %rsp
    addq %rcx, %rsp
    movl %eax, %edi
    call x86_ap_main
2:  cli
    hlt
    jmp 2b
    .size x86_ap_entry64, . - x86_ap_entry64

    .section .bss
    .balign 4
x86_ap_ticket:
    .long 0
    .balign 16
x86_ap_stacks:
    .skip X86_AP_STACK_SIZE * X86_AP_MAX

    .section .note.GNU-stack, "", @progbits
