/* SPDX-License-Identifier: MIT */
/*
 * The console: COM1 (16550 UART at 0x3f8), polled, 115200 8N1.  QEMU's
 * `-serial stdio` passes the bytes through unchanged.  One call's bytes go
 * out under `x86_console_lock`, so calls from different CPUs never mix;
 * the panic and trap paths use the raw writer, which takes no lock (the
 * lock may be held by the code that failed).
 */
#include "x86_private.h"

#define UART_THR 0   /* transmit holding register */
#define UART_IER 1   /* interrupt enable */
#define UART_DLL 0   /* divisor latch, low (DLAB = 1) */
#define UART_DLM 1   /* divisor latch, high (DLAB = 1) */
#define UART_FCR 2   /* FIFO control */
#define UART_LCR 3   /* line control */
#define UART_MCR 4   /* modem control */
#define UART_LSR 5   /* line status */
#define UART_LSR_THRE 0x20

static hal_spinlock_t x86_console_lock = HAL_SPINLOCK_INIT;

/** Programs COM1 (no interrupts, FIFOs on).  Boot CPU, first of all. */
void x86_console_init(void)
{
    x86_outb(X86_COM1 + UART_IER, 0x00);
    x86_outb(X86_COM1 + UART_LCR, 0x80);       /* DLAB */
    x86_outb(X86_COM1 + UART_DLL, 0x01);       /* 115200 baud */
    x86_outb(X86_COM1 + UART_DLM, 0x00);
    x86_outb(X86_COM1 + UART_LCR, 0x03);       /* 8N1 */
    x86_outb(X86_COM1 + UART_FCR, 0x07);       /* enable + clear FIFOs */
    x86_outb(X86_COM1 + UART_MCR, 0x03);       /* DTR, RTS */
}

/** Sends one byte once the transmitter is free (bounded wait). */
static void x86_uart_putc(char c)
{
    unsigned int spins;

    /* Bounded wait: a missing UART must not hang the machine. */
    for ( spins = 0; spins < 100000; spins++ )
        if ( x86_inb(X86_COM1 + UART_LSR) & UART_LSR_THRE )
            break;
    x86_outb(X86_COM1 + UART_THR, (uint8_t)c);
}

/** Writes `len` bytes without taking the console lock. */
void x86_console_write_raw(const char *s, size_t len)
{
    size_t i;

    for ( i = 0; i < len; i++ )
        x86_uart_putc(s[i]);
}

/** Writes a NUL-terminated string without taking the console lock. */
void x86_console_puts_raw(const char *s)
{
    while ( *s )
        x86_uart_putc(*s++);
}

/** Writes `v` as 0x followed by 16 hex digits, without the lock. */
void x86_console_hex_raw(uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    int shift;

    x86_uart_putc('0');
    x86_uart_putc('x');
    for ( shift = 60; shift >= 0; shift -= 4 )
        x86_uart_putc(digits[(v >> shift) & 0xf]);
}

/** Writes `len` bytes as one unit.  Any CPU. */
void hal_console_write(const char *s, size_t len)
{
    hal_spin_lock(&x86_console_lock);
    x86_console_write_raw(s, len);
    hal_spin_unlock(&x86_console_lock);
}
