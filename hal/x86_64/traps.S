/* SPDX-License-Identifier: MIT */
/*
 * CPU exception stubs (vectors 0-31).  Each pushes a zero where the CPU
 * pushes no error code, then its vector, saves the general registers and
 * calls `x86_trap(frame)` (trap.c), which reports and never returns:
 * hvcore takes no interrupts, so any exception is a bug.
 */

    .text
    .code64

/* The CPU pushes an error code for vectors 8, 10-14, 17, 21, 29 and 30. */
    .macro trap_stub vec
    .balign 16
x86_trap_stub_\vec:
    .if !((\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) \
          || (\vec == 21) || (\vec == 29) || (\vec == 30))
    pushq $0
    .endif
    pushq $\vec
    jmp x86_trap_common
    .endm

    .altmacro
    .set vec, 0
    .rept 32
    trap_stub %vec
    .set vec, vec + 1
    .endr

x86_trap_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    cld
    call x86_trap
1:  cli
    hlt
    jmp 1b

    .macro stub_addr vec
    .quad x86_trap_stub_\vec
    .endm

    .section .rodata
    .balign 8
    .globl x86_trap_stubs
x86_trap_stubs:
    .set vec, 0
    .rept 32
    stub_addr %vec
    .set vec, vec + 1
    .endr

    .section .note.GNU-stack, "", @progbits
