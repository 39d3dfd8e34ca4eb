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
 * a fast path instead: one lockless P2M walk (skipped when this CPU's last
 * read of the domain used the same gfn and no entry was removed since: see
 * struct guest_xlat in libmm/guest_read.h, whose inline read hot hypercalls
 * call themselves), no reference, and a check of
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
#include <common/errno.h>
#include <common/guest_access.h>
#include <common/string.h>
#include <hal/cpu.h>

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

/* Copies `len` bytes from `src`: a plain load for the sizes of arguments. */
static inline void guest_read_bytes(void *dst, const char *src, size_t len)
{
    switch ( len )
    {
    case 4:
        __builtin_memcpy(dst, src, 4);
        break;
    case 8:
        __builtin_memcpy(dst, src, 8);
        break;
    default:
        memcpy(dst, src, len);
        break;
    }
}

/*
 * Reads `len` bytes within one page at `gpa` from frame `mfn`, which the
 * P2M mapped there when the removal sequence read `seq`: 0 when no removal
 * overlapped, else -EAGAIN.
 */
static inline int guest_read_frame(struct mm_domain *md, uint64_t seq,
                                   mfn_t mfn, void *dst, uint64_t gpa,
                                   size_t len)
{
    size_t off = gpa & (PAGE_SIZE - 1);
    char *p;

    if ( mm_directmap )
        guest_read_bytes(dst, (const char *)mm_directmap_base +
                                  (mfn_x(mfn) << PAGE_SHIFT) + off, len);
    else
    {
        p = map_domain_page(mfn);
        guest_read_bytes(dst, p + off, len);
        unmap_domain_page(p);
    }
    return p2m_read_retry(md, seq) ? -EAGAIN : 0;
}

/*
 * The fast read when this CPU's remembered translation does not fit: walk
 * the P2M, read, and remember the translation if the read was good.
 * -EAGAIN when the general path must copy (not RAM, or a removal
 * overlapped).
 */
static __attribute__((noinline)) int
guest_read_walk(struct domain *d, struct guest_xlat *x, void *dst,
                uint64_t gpa, size_t len)
{
    struct mm_domain *md = d->mm;
    uint64_t seq = p2m_read_begin(md), gfn = gpa >> PAGE_SHIFT;
    p2m_type_t t;
    mfn_t mfn = p2m_lookup(d, _gfn(gfn), &t);

    if ( !p2m_is_ram(t) || !mfn_valid(mfn) ||
         guest_read_frame(md, seq, mfn, dst, gpa, len) )
        return -EAGAIN;
    x->seq = seq;
    x->gpa = gfn << PAGE_SHIFT;
    x->mfn = mfn;
    x->dm_seq = mm_directmap ? seq : GUEST_XLAT_NONE;
    x->va = mm_directmap ? (const char *)mm_directmap_base +
                               (mfn_x(mfn) << PAGE_SHIFT)
                         : NULL;
    return 0;
}

/** See common/guest_access.h. */
int copy_from_guest_phys(struct domain *d, void *dst, uint64_t gpa,
                         size_t len)
{
    struct mm_domain *md = d->mm;
    struct guest_xlat *x;
    uint64_t seq;

    if ( unlikely(!md || !len || len > PAGE_SIZE - (gpa & (PAGE_SIZE - 1))) )
        return guest_copy(d, gpa, dst, len, false);
    /* Within one page (every argument structure): the fast read. */
    if ( guest_read_cached(d, dst, gpa, len) )
        return 0;
    x = &md->gr.xlat[hal_cpu_id()];
    seq = p2m_read_begin(md);
    if ( x->seq == seq && x->gpa == (gpa & ~(uint64_t)(PAGE_SIZE - 1)) )
    {
        /* Remembered, without a direct map: through a mapping slot. */
        if ( !guest_read_frame(md, seq, x->mfn, dst, gpa, len) )
            return 0;
    }
    else if ( !guest_read_walk(d, x, dst, gpa, len) )
        return 0;
    return guest_copy(d, gpa, dst, len, false);
}

/** See common/guest_access.h. */
int copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src,
                       size_t len)
{
    return guest_copy(d, gpa, (void *)src, len, true);
}
