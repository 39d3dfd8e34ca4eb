/* SPDX-License-Identifier: MIT */
/*
 * Copies to and from guest-physical memory through the domain's P2M
 * (common/guest_access.h).  Only RAM is reachable; copy_to needs ram_rw.
 * Each page is held with a reference for the copy, so a concurrent
 * decrease_reservation cannot free it underneath, and mapped with
 * map_domain_page.  Anything else is -EFAULT, never a hypervisor fault.
 */
#include <common/guest_access.h>
#include <common/string.h>

#include "mm_private.h"

/** Copies `len` bytes between `buf` and `d`'s memory at `gpa`. */
static int guest_copy(struct domain *d, uint64_t gpa, void *buf, size_t len,
                      bool to_guest)
{
    char *b = buf;

    if ( !d->mm || gpa + len < gpa )
        return -EFAULT;
    while ( len )
    {
        size_t off = gpa & (PAGE_SIZE - 1);
        size_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
        p2m_type_t t;
        mfn_t mfn = p2m_lookup(d, _gfn(gpa >> PAGE_SHIFT), &t);
        struct page_info *pg;
        char *p;

        if ( !p2m_is_ram(t) || (to_guest && t != p2m_ram_rw) ||
             !mfn_valid(mfn) )
            return -EFAULT;
        pg = mfn_to_page(mfn);
        if ( !get_page(pg, d) )
            return -EFAULT;
        p = map_domain_page(mfn);
        if ( to_guest )
            memcpy(p + off, b, n);
        else
            memcpy(b, p + off, n);
        unmap_domain_page(p);
        put_page(pg);
        gpa += n;
        b += n;
        len -= n;
    }
    return 0;
}

/** See common/guest_access.h. */
int copy_from_guest_phys(struct domain *d, void *dst, uint64_t gpa,
                         size_t len)
{
    return guest_copy(d, gpa, dst, len, false);
}

/** See common/guest_access.h. */
int copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src,
                       size_t len)
{
    return guest_copy(d, gpa, (void *)src, len, true);
}
