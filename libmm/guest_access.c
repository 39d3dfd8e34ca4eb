/* SPDX-License-Identifier: MIT */
/*
 * Copies to and from guest-physical memory through the domain's P2M
 * (common/guest_access.h).  Only RAM is reachable; copy_to needs ram_rw.
 * Anything else is -EFAULT, never a hypervisor fault.
 *
 * The general path holds each page with a reference for the copy, so a
 * concurrent decrease_reservation cannot free it underneath, and maps it
 * with map_domain_page.
 *
 * Reads that stay within one page (every hypercall argument structure) take
 * a fast path instead: one lockless P2M walk, no reference, and a check of
 * the P2M's removal sequence (mm_private.h) before and after the copy.  A
 * page can only leave the domain, be freed, scrubbed or reused after its
 * P2M entry is removed, and every removal moves the sequence before the
 * entry goes.  So if the sequence is even and unchanged across the copy, the
 * frame was the domain's RAM for the whole copy and the bytes are the
 * guest's own; otherwise the bytes are thrown away and the general path
 * copies again.  Reading a frame that has just been freed is harmless (the
 * frame is always mapped, and nothing read is used); writing one is not,
 * which is why copies to the guest always take references.
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

/**
 * The fast read of `len` bytes within one page at `gpa`: 0 when the copy is
 * known good, -EAGAIN when the caller must use the general path (not RAM,
 * not mapped, or a removal overlapped the copy).
 */
static int guest_read_fast(struct domain *d, void *dst, uint64_t gpa,
                           size_t len)
{
    struct mm_domain *md = d->mm;
    p2m_type_t t;
    uint32_t seq;
    size_t off;
    mfn_t mfn;
    char *p;

    seq = p2m_read_begin(md);
    mfn = p2m_lookup(d, _gfn(gpa >> PAGE_SHIFT), &t);
    if ( !p2m_is_ram(t) || !mfn_valid(mfn) )
        return -EAGAIN;
    off = gpa & (PAGE_SIZE - 1);
    if ( mm_directmap )
        memcpy(dst, (const char *)mm_directmap_base +
                        (mfn_x(mfn) << PAGE_SHIFT) + off, len);
    else
    {
        p = map_domain_page(mfn);
        memcpy(dst, p + off, len);
        unmap_domain_page(p);
    }
    return p2m_read_retry(md, seq) ? -EAGAIN : 0;
}

/** See common/guest_access.h. */
int copy_from_guest_phys(struct domain *d, void *dst, uint64_t gpa,
                         size_t len)
{
    if ( likely(d->mm && len && len <= PAGE_SIZE - (gpa & (PAGE_SIZE - 1))) &&
         !guest_read_fast(d, dst, gpa, len) )
        return 0;
    return guest_copy(d, gpa, dst, len, false);
}

/** See common/guest_access.h. */
int copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src,
                       size_t len)
{
    return guest_copy(d, gpa, (void *)src, len, true);
}
