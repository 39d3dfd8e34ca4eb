/* SPDX-License-Identifier: MIT */
/*
 * common/'s self-tests: run by ctest on the simulator and by the boot
 * target's in-kernel runner, so they use only core facilities.
 */
#include <common/bitops.h>
#include <common/domain.h>
#include <common/errno.h>
#include <common/hypercall.h>
#include <common/list.h>
#include <common/printk.h>
#include <common/selftest.h>
#include <common/string.h>
#include <public/xen.h>

static int test_vsnprintf_formats(void)
{
    static const struct {
        const char *want;
        int len;
    } cases[] = {
        { "42 -7 ff FF", 11 },
        { "[  abc][abc  ][0009]", 20 },
        { "18446744073709551615 -9223372036854775808", 41 },
        { "0x1000 (null) % c", 17 },
    };
    char buf[64];
    int n;

    n = hv_snprintf(buf, sizeof(buf), "%d %i %x %X", 42, -7, 255u, 255u);
    SELFTEST_CHECK(n == cases[0].len && !strcmp(buf, cases[0].want));
    n = hv_snprintf(buf, sizeof(buf), "[%5s][%-5s][%04u]", "abc", "abc", 9u);
    SELFTEST_CHECK(n == cases[1].len && !strcmp(buf, cases[1].want));
    n = hv_snprintf(buf, sizeof(buf), "%lu %lld", ~0UL, -9223372036854775807LL - 1);
    SELFTEST_CHECK(n == cases[2].len && !strcmp(buf, cases[2].want));
    n = hv_snprintf(buf, sizeof(buf), "%p %s %% %c", (void *)0x1000,
                 (const char *)NULL, 'c');
    SELFTEST_CHECK(n == cases[3].len && !strcmp(buf, cases[3].want));
    return 0;
}

static int test_vsnprintf_truncates(void)
{
    char buf[4] = { 'x', 'x', 'x', 'x' };
    volatile size_t size = sizeof(buf); /* hide the truncation from gcc */

    SELFTEST_CHECK(hv_snprintf(buf, size, "%s", "abcdef") == 6);
    SELFTEST_CHECK(!strcmp(buf, "abc"));
    SELFTEST_CHECK(hv_snprintf(buf, 0, "%d", 12345) == 5);
    SELFTEST_CHECK(buf[0] == 'a');
    return 0;
}

static int test_bitops(void)
{
    unsigned long map[3] = { 0, 0, 0 };

    SELFTEST_CHECK(find_first_bit(map, 130) == 130);
    SELFTEST_CHECK(!test_and_set_bit(70, map));
    SELFTEST_CHECK(test_and_set_bit(70, map));
    SELFTEST_CHECK(map[1] == (1UL << 6));
    set_bit(129, map);
    SELFTEST_CHECK(find_first_bit(map, 130) == 70);
    SELFTEST_CHECK(find_next_bit(map, 130, 71) == 129);
    SELFTEST_CHECK(find_next_bit(map, 129, 71) == 129);
    SELFTEST_CHECK(find_first_zero_bit(map, 130) == 0);
    SELFTEST_CHECK(test_and_clear_bit(70, map));
    SELFTEST_CHECK(!test_bit(70, map));
    SELFTEST_CHECK(flsl(0) == 0 && flsl(1) == 1 && flsl(~0UL) == 64);
    return 0;
}

struct item {
    int value;
    struct list_head link;
};

static int test_list(void)
{
    struct list_head head = LIST_HEAD_INIT(head), *pos, *n;
    struct item a = { 1, { 0, 0 } }, b = { 2, { 0, 0 } }, c = { 3, { 0, 0 } };
    int sum = 0, order = 0;

    SELFTEST_CHECK(list_empty(&head));
    list_add_tail(&a.link, &head);
    list_add_tail(&b.link, &head);
    list_add(&c.link, &head);
    list_for_each(pos, &head)
        order = order * 10 + list_entry(pos, struct item, link)->value;
    SELFTEST_CHECK(order == 312);
    list_for_each_safe(pos, n, &head)
    {
        sum += list_entry(pos, struct item, link)->value;
        list_del_init(pos);
    }
    SELFTEST_CHECK(sum == 6 && list_empty(&head));
    return 0;
}

static int test_domain_lifecycle(void)
{
    struct domain_config cfg;
    struct domain *d, *dm, *found;
    unsigned int before = domain_count();
    int rc;

    domain_config_default(&cfg);
    cfg.max_vcpus = 2;
    SELFTEST_CHECK(domain_create(0x7ff0, &cfg, &d) == -EINVAL);
    rc = domain_create(101, &cfg, &d);
    SELFTEST_CHECK(rc == 0);
    SELFTEST_CHECK(domain_create(101, &cfg, &found) == -EEXIST);
    SELFTEST_CHECK(d->vcpu[1]->vcpu_id == 1 && d->vcpu[1]->domain == d);

    cfg.target = 101;
    SELFTEST_CHECK(domain_create(102, &cfg, &dm) == 0);
    SELFTEST_CHECK(domain_is_dm_of(dm, d) && !domain_is_dm_of(d, dm));
    cfg.target = 777;
    SELFTEST_CHECK(domain_create(103, &cfg, &found) == -ESRCH);

    SELFTEST_CHECK(domain_resolve(d, DOMID_SELF, &found) == 0 && found == d);
    put_domain(found);
    SELFTEST_CHECK(domain_resolve(d, 102, &found) == 0 && found == dm);
    put_domain(found);
    SELFTEST_CHECK(domain_resolve(d, 104, &found) == -ESRCH);
    SELFTEST_CHECK(domain_count() == before + 2);

    while ( (rc = domain_destroy(dm)) == -ERESTART )
        ;
    SELFTEST_CHECK(rc == 0 && get_domain_by_id(102) == NULL);
    put_domain(dm);
    while ( (rc = domain_destroy(d)) == -ERESTART )
        ;
    SELFTEST_CHECK(rc == 0 && get_domain_by_id(101) == NULL);
    put_domain(d);
    SELFTEST_CHECK(domain_count() == before);
    return 0;
}

static int test_hypercall_unknown(void)
{
    struct domain_config cfg;
    struct domain *d;
    uint64_t args[HYPERCALL_NR_ARGS] = { 0 };
    int rc;

    domain_config_default(&cfg);
    SELFTEST_CHECK(domain_create(110, &cfg, &d) == 0);
    SELFTEST_CHECK(hypercall_entry(d->vcpu[0], 0, args) == -ENOSYS);
    SELFTEST_CHECK(hypercall_entry(d->vcpu[0], NR_HYPERCALLS, args) == -ENOSYS);
    SELFTEST_CHECK(hypercall_entry(d->vcpu[0], ~0U, args) == -ENOSYS);
    while ( (rc = domain_destroy(d)) == -ERESTART )
        ;
    put_domain(d);
    SELFTEST_CHECK(rc == 0);
    return 0;
}

static const struct selftest common_tests[] = {
    { "vsnprintf_formats", test_vsnprintf_formats },
    { "vsnprintf_truncates", test_vsnprintf_truncates },
    { "bitops", test_bitops },
    { "list", test_list },
    { "domain_lifecycle", test_domain_lifecycle },
    { "hypercall_unknown", test_hypercall_unknown },
    { NULL, NULL },
};

const struct selftest_suite common_selftest_suite = { "common", common_tests };
