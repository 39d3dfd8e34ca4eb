/* SPDX-License-Identifier: MIT */
/*
 * printk and a small hv_vsnprintf.  The console gets one HAL write per printk
 * call, so lines from different CPUs do not interleave within a call.
 */
#include <common/printk.h>
#include <common/string.h>
#include <hal/console.h>

struct fmt_out {
    char *buf;
    size_t size;
    size_t len; /* characters the full output has */
};

static void out_char(struct fmt_out *o, char c)
{
    if ( o->len + 1 < o->size )
        o->buf[o->len] = c;
    o->len++;
}

static void out_padded(struct fmt_out *o, const char *s, size_t n,
                       unsigned int width, bool left, char pad)
{
    size_t i;

    if ( !left )
        for ( i = n; i < width; i++ )
            out_char(o, pad);
    for ( i = 0; i < n; i++ )
        out_char(o, s[i]);
    if ( left )
        for ( i = n; i < width; i++ )
            out_char(o, ' ');
}

/* Formats `v` in `base` into the end of `tmp`; returns the first digit. */
static char *format_number(char tmp[24], unsigned long long v,
                           unsigned int base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = tmp + 24;

    do {
        *--p = digits[v % base];
        v /= base;
    } while ( v );
    return p;
}

/**
 * Formats `fmt` into `buf` (NUL-terminated when `size` > 0) and returns the
 * length the whole output has, as C's hv_vsnprintf does.
 */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct fmt_out o = { buf, size, 0 };

    for ( ; *fmt; fmt++ )
    {
        bool left = false, is_signed = false, upper = false;
        char pad = ' ', tmp[24], *num;
        unsigned int width = 0, base = 10;
        int lng = 0; /* -2 hh, -1 h, 0 int, 1 l, 2 ll, 3 z */
        unsigned long long v;
        bool neg = false;

        if ( *fmt != '%' )
        {
            out_char(&o, *fmt);
            continue;
        }
        fmt++;
        for ( ;; fmt++ )
        {
            if ( *fmt == '-' )
                left = true;
            else if ( *fmt == '0' )
                pad = '0';
            else
                break;
        }
        while ( *fmt >= '0' && *fmt <= '9' )
            width = width * 10 + (unsigned int)(*fmt++ - '0');
        for ( ;; fmt++ )
        {
            if ( *fmt == 'l' )
                lng = lng < 0 ? lng : lng + 1;
            else if ( *fmt == 'h' )
                lng--;
            else if ( *fmt == 'z' )
                lng = 3;
            else
                break;
        }

        switch ( *fmt )
        {
        case '\0':
            fmt--;
            continue;
        case '%':
            out_char(&o, '%');
            continue;
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            out_padded(&o, tmp, 1, width, left, ' ');
            continue;
        case 's': {
            const char *s = va_arg(ap, const char *);

            if ( !s )
                s = "(null)";
            out_padded(&o, s, strlen(s), width, left, ' ');
            continue;
        }
        case 'p':
            v = (unsigned long long)(uintptr_t)va_arg(ap, void *);
            num = format_number(tmp, v, 16, false);
            out_char(&o, '0');
            out_char(&o, 'x');
            out_padded(&o, num, (size_t)(tmp + 24 - num), width, left, pad);
            continue;
        case 'd':
        case 'i':
            is_signed = true;
            break;
        case 'u':
            break;
        case 'X':
            upper = true;
            /* fall through */
        case 'x':
            base = 16;
            break;
        default:
            /* Unknown conversion: print it as is. */
            out_char(&o, '%');
            out_char(&o, *fmt);
            continue;
        }

        if ( is_signed )
        {
            long long s;

            if ( lng >= 2 )
                s = va_arg(ap, long long);
            else if ( lng == 1 || lng == 3 )
                s = va_arg(ap, long);
            else
                s = va_arg(ap, int);
            if ( lng == -1 )
                s = (short)s;
            else if ( lng <= -2 )
                s = (signed char)s;
            neg = s < 0;
            v = neg ? 0ULL - (unsigned long long)s : (unsigned long long)s;
        }
        else
        {
            if ( lng >= 2 )
                v = va_arg(ap, unsigned long long);
            else if ( lng == 1 || lng == 3 )
                v = va_arg(ap, unsigned long);
            else
                v = va_arg(ap, unsigned int);
            if ( lng == -1 )
                v = (unsigned short)v;
            else if ( lng <= -2 )
                v = (unsigned char)v;
        }
        num = format_number(tmp, v, base, upper);
        if ( neg )
        {
            if ( pad == '0' )
            {
                out_char(&o, '-');
                if ( width )
                    width--;
            }
            else
                *--num = '-';
        }
        out_padded(&o, num, (size_t)(tmp + 24 - num), width, left, pad);
    }

    if ( size )
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

/** hv_vsnprintf with variadic arguments. */
int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = hv_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/** Formats a message of up to 511 characters and writes it in one call. */
void printk(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = hv_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if ( n > (int)sizeof(line) - 1 )
        n = sizeof(line) - 1;
    hal_console_write(line, (size_t)n);
}
