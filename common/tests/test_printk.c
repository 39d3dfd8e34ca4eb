/* SPDX-License-Identifier: MIT */
/*
 * hv_vsnprintf against the host's hv_snprintf: every case of the table must give
 * the same text and length (a differential test; the host is the reference).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <common/printk.h>

/* hvcore's hv_snprintf and the host's share a name; reach ours through hv_vsnprintf. */
static int ours(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = hv_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

#define CHECK_SAME(...)                                                     \
    do {                                                                    \
        char a[128], b[128];                                                \
        int na = ours(a, sizeof(a), __VA_ARGS__);                           \
        int nb = hv_snprintf(b, sizeof(b), __VA_ARGS__);                       \
        assert_int_equal(na, nb);                                           \
        assert_string_equal(a, b);                                          \
    } while ( 0 )

static void integers(void **state)
{
    (void)state;
    CHECK_SAME("%d|%i|%u", 0, -1, 4000000000u);
    CHECK_SAME("%x|%X|%08x", 0xdeadbeefu, 0xabcu, 0x12u);
    CHECK_SAME("%ld|%lu|%lx", -123456789012L, 123456789012UL, ~0UL);
    CHECK_SAME("%lld|%llu", -9223372036854775807LL - 1, ~0ULL);
    CHECK_SAME("%zu|%zx", (size_t)4096, (size_t)4096);
    CHECK_SAME("%hd|%hu|%hhd|%hhu", (short)-2, (unsigned short)65535,
               (signed char)-3, (unsigned char)250);
    CHECK_SAME("%5d|%-5d|%05d|%-5u", 42, 42, -42, 7u);
}

static void strings_and_chars(void **state)
{
    (void)state;
    CHECK_SAME("%s|%8s|%-8s|", "evtchn", "gnt", "mm");
    CHECK_SAME("%c%c%c", 'x', 'e', 'n');
    CHECK_SAME("100%%");
}

static void truncation(void **state)
{
    char buf[5];

    (void)state;
    memset(buf, 'z', sizeof(buf));
    assert_int_equal(ours(buf, sizeof(buf), "%s", "hypervisor"), 10);
    assert_string_equal(buf, "hype");
    assert_int_equal(ours(buf, 1, "%d", 99), 2);
    assert_int_equal(buf[0], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers),
        cmocka_unit_test(strings_and_chars),
        cmocka_unit_test(truncation),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
