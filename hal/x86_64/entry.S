/* SPDX-License-Identifier: MIT */
/*
 * Multiboot (v1) entry: from 32-bit protected mode to 64-bit long mode.
 *
 * QEMU's multiboot loader jumps to `x86_entry32` in 32-bit protected mode
 * with paging off, EAX = 0x2BADB002 and EBX = the multiboot information
 * (reference/boot.md).  We build boot page tables that identity-map the
 * first 1 GiB with 2 MiB pages (the image is linked at 1 MiB), enable
 * PAE + PGE + SSE in CR4, LME (+ NXE when the CPU has NX) in EFER, then
 * paging with CR0.WP so read-only mappings bind the kernel too, load a
 * 64-bit GDT and far-jump to 64-bit code, which calls
 * `x86_start(magic, mbi)` on the boot stack.  The C side replaces these
 * tables with its own (map.c) before running any core code.
 */

#define MB_HEADER_MAGIC 0x1badb002
#define MB_HEADER_FLAGS 0x00000003   /* page-aligned modules, memory info */

#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_EM (1 << 2)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_PGE (1 << 7)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#define BOOT_STACK_SIZE 65536

    /* Must lie in the first 8 KiB of the file: the linker script puts it
     * first in the first loaded segment. */
    .section .multiboot, "a"
    .balign 4
    .long MB_HEADER_MAGIC
    .long MB_HEADER_FLAGS
    .long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

    .section .text.boot32, "ax"
    .code32
    .globl x86_entry32
    .type x86_entry32, @function
x86_entry32:
    cli
    cld
    movl %eax, %edi                 /* magic: first argument of x86_start */
    movl %ebx, %esi                 /* multiboot info: second argument */
    movl $boot_stack_top, %esp

    /* Long mode is required; without it, stop here (QEMU's default CPU
     * always has it). */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb 9f
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz 9f
    movl %edx, %ebp                 /* bit 20: NX */

    /* Clear the three boot tables. */
    movl $boot_pml4, %edx
    pushl %edi
    movl %edx, %edi
    xorl %eax, %eax
    movl $(3 * 4096 / 4), %ecx
    rep stosl
    popl %edi

    /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] -> 2 MiB page i. */
    movl $boot_pdpt, %eax
    orl $0x3, %eax
    movl %eax, boot_pml4
    movl $boot_pd, %eax
    orl $0x3, %eax
    movl %eax, boot_pdpt
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax                 /* present, writable, 2 MiB */
    movl %eax, boot_pd(, %ecx, 8)
    incl %ecx
    cmpl $512, %ecx
    jb 1b

    movl %cr4, %eax
    orl $(CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3

    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    testl $(1 << 20), %ebp
    jz 2f
    orl $EFER_NXE, %eax
2:  wrmsr

    movl %cr0, %eax
    andl $~CR0_EM, %eax
    orl $(CR0_PE | CR0_MP | CR0_WP | CR0_PG), %eax
    movl %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $x86_entry64

9:  hlt
    jmp 9b
    .size x86_entry32, . - x86_entry32

    .text
    .code64
    .type x86_entry64, @function
x86_entry64:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorl %eax, %eax
    movw %ax, %fs
    movw %ax, %gs
    movq $boot_stack_top, %rsp
    xorl %ebp, %ebp
    /* Zero-extend the arguments (upper halves are undefined after the
     * mode switch). */
    movl %edi, %edi
    movl %esi, %esi
    call x86_start
1:  cli
    hlt
    jmp 1b
    .size x86_entry64, . - x86_entry64

    .section .rodata
    .balign 16
boot_gdt:
    .quad 0                         /* null */
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00cf92000000ffff        /* 0x10: data, DPL 0 */
boot_gdt_end:
    .balign 4
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .bss
    .balign 4096
boot_pml4:
    .skip 4096
boot_pdpt:
    .skip 4096
boot_pd:
    .skip 4096
    .balign 16
boot_stack:
    .skip BOOT_STACK_SIZE
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
