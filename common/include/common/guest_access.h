/* SPDX-License-Identifier: MIT */
/*
 * Copying to and from guest memory.
 *
 * A guest handle is a guest-physical address in the calling domain.  The
 * copies go through the domain's P2M (libmm implements these) and touch only
 * RAM the domain owns and may access that way; they return 0 or -EFAULT and
 * never fault the hypervisor.  A copy that fails part-way may have written
 * some of the destination, as Xen's copy_to_guest may.
 */
#ifndef COMMON_GUEST_ACCESS_H
#define COMMON_GUEST_ACCESS_H

#include <common/compiler.h>
#include <common/domain.h>

int __must_check copy_from_guest_phys(struct domain *d, void *dst,
                                      uint64_t gpa, size_t len);
int __must_check copy_to_guest_phys(struct domain *d, uint64_t gpa,
                                    const void *src, size_t len);

#define copy_from_guest(d, dst, gpa) \
    copy_from_guest_phys((d), (dst), (gpa), sizeof(*(dst)))
#define copy_to_guest(d, gpa, src) \
    copy_to_guest_phys((d), (gpa), (src), sizeof(*(src)))

#endif /* COMMON_GUEST_ACCESS_H */
