/* SPDX-License-Identifier: MIT */
/*
 * Stands in for libmm while it is not in the build (simulator only):
 * xmalloc passes through to the host allocator, memory_op answers -ENOSYS,
 * and guest copies fail with -EFAULT since there is no P2M.
 */
#include <common/errno.h>
#include <common/guest_access.h>
#include <common/string.h>
#include <common/subsys.h>
#include <common/xmalloc.h>
#include <hal/fault.h>
#include <hal/hostalloc.h>

int mm_init(void) { return 0; }
void mm_fini(void) {}
int mm_domain_init(struct domain *d, const struct domain_config *cfg) { return 0; }
int mm_domain_relinquish(struct domain *d) { return 0; }
void mm_domain_destroy(struct domain *d) {}

long do_memory_op(struct vcpu *v, unsigned long cmd, uint64_t arg)
{
    return -ENOSYS;
}

int copy_from_guest_phys(struct domain *d, void *dst, uint64_t gpa, size_t len)
{
    return -EFAULT;
}

int copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src,
                       size_t len)
{
    return -EFAULT;
}

void *xmalloc_bytes(size_t size, size_t align)
{
    if ( hal_fault_hit(HAL_FAULT_XMALLOC) )
        return NULL;
    return hal_host_alloc(size, align < 16 ? 16 : align);
}

void *xzalloc_bytes(size_t size, size_t align)
{
    void *p = xmalloc_bytes(size, align);

    if ( p )
        memset(p, 0, size);
    return p;
}

void xfree(void *p)
{
    if ( p )
        hal_host_free(p);
}
