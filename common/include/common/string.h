/* SPDX-License-Identifier: MIT */
/*
 * The memory and string functions core code uses.  In simulator builds they
 * are the host's; the freestanding boot build links common/string.c, which
 * also provides what the compiler emits calls to (memcpy, memset, memmove,
 * memcmp).
 */
#ifndef COMMON_STRING_H
#define COMMON_STRING_H

#include <hal/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif /* COMMON_STRING_H */
