/* SPDX-License-Identifier: MIT */
/*
 * Memory and string functions for freestanding builds.  The compiler emits
 * calls to memcpy, memset, memmove and memcmp even with -ffreestanding, so
 * the kernel must define them.  Simulator builds use the host's instead
 * (this file is not built there), so ASan and Valgrind intercept them.
 */
#include <common/string.h>

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    while ( n >= 8 )
    {
        uint64_t w;

        __builtin_memcpy(&w, s, 8); /* an unaligned 8-byte load, inlined */
        __builtin_memcpy(d, &w, 8);
        d += 8;
        s += 8;
        n -= 8;
    }
    while ( n-- )
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if ( d <= s || d >= s + n )
        return memcpy(dst, src, n);
    while ( n-- )
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;

    while ( n-- )
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for ( ; n; n--, x++, y++ )
        if ( *x != *y )
            return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while ( s[n] )
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while ( n < max && s[n] )
        n++;
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for ( ; n; n--, a++, b++ )
    {
        if ( *a != *b )
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        if ( !*a )
            return 0;
    }
    return 0;
}

int strcmp(const char *a, const char *b)
{
    for ( ; *a == *b; a++, b++ )
        if ( !*a )
            return 0;
    return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
}
