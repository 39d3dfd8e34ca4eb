/* SPDX-License-Identifier: MIT */
/*
 * The inline fast read of a small hypercall argument (a few bytes within
 * one page), for hot hypercalls such as EVTCHNOP_send: it answers from this
 * CPU's remembered translation of the domain's last argument page, with no
 * call, no P2M walk and no reference.  When it cannot, the caller falls
 * back to copy_from_guest (common/guest_access.h), which walks the P2M and
 * remembers the translation for the next read.
 *
 * Why the read is safe without a reference: see libmm/guest_access.c.  In
 * short, a page can only leave the domain after its P2M entry is removed,
 * every removal moves `p2m_seq` (odd while it runs), and a translation is
 * remembered only with the even `p2m_seq` it was valid at; so if `p2m_seq`
 * still has that value after the bytes were read, they were the domain's.
 *
 * This header shows libmm's per-domain state only as far as this read needs
 * it: `struct mm_guest_read` is the first member of libmm's private
 * `struct mm_domain`, so `d->mm` points at it.
 */
#ifndef LIBMM_GUEST_READ_H
#define LIBMM_GUEST_READ_H

#include <common/compiler.h>
#include <common/domain.h>
#include <common/types.h>
#include <hal/atomic.h>
#include <hal/cpu.h>

/*
 * One CPU's translation of the domain's last argument page, valid while
 * `p2m_seq` still equals `seq` (64 bits: it never wraps back).  One cache
 * line each: only its CPU writes it.
 */
struct guest_xlat {
    uint64_t seq;       /* even, or GUEST_XLAT_NONE */
    uint64_t gpa;       /* the page's guest-physical address */
    mfn_t mfn;          /* the frame behind it */
    /* For the inline read: `seq` when the frame is in the direct map at
     * `va`, else GUEST_XLAT_NONE, so one compare says both. */
    uint64_t dm_seq;
    const char *va;
    char pad[64 - 5 * sizeof(uint64_t)];
};

/* A seq the removal sequence never reaches (odd): nothing remembered. */
#define GUEST_XLAT_NONE (~0ULL)

/** The head of libmm's per-domain state (`d->mm`). */
struct mm_guest_read {
    uint64_t p2m_seq;          /* odd while entries are removed (p2m.c) */
    struct guest_xlat *xlat;   /* one per CPU */
};

/**
 * Reads `len` bytes at `gpa` of `d` into `dst` if this CPU remembers the
 * page's translation and the domain has a direct map; returns false
 * (with `dst` unspecified) when the caller must use copy_from_guest.
 * `d` has libmm state: a domain from its creation to its final destroy,
 * such as the domain of a vCPU making a hypercall.
 */
static inline bool guest_read_cached(struct domain *d, void *dst,
                                     uint64_t gpa, size_t len)
{
    const struct mm_guest_read *gr = (const void *)d->mm;
    const struct guest_xlat *x = &gr->xlat[hal_cpu_id()];
    uint64_t seq = hal_load_acquire(&gr->p2m_seq);
    uint64_t off = gpa - x->gpa; /* in the page if below PAGE_SIZE - len */

    /* dm_seq is even or NONE, so equality also says no removal runs. */
    if ( x->dm_seq != seq || len > PAGE_SIZE || off > PAGE_SIZE - len )
        return false;
    __builtin_memcpy(dst, x->va + off, len);
    hal_smp_rmb();
    return hal_read_once(&gr->p2m_seq) == seq;
}

#endif /* LIBMM_GUEST_READ_H */
