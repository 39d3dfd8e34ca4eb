/* SPDX-License-Identifier: MIT */
/*
 * Typed frame numbers and addresses, boxed in one-member structs so a gfn is
 * never passed where an mfn is meant (Xen's TYPE_SAFE, Hafnium's paddr_t).
 */
#ifndef COMMON_TYPES_H
#define COMMON_TYPES_H

#include <hal/types.h>

typedef uint16_t domid_t;

#define PAGE_SHIFT HAL_PAGE_SHIFT
#define PAGE_SIZE HAL_PAGE_SIZE
#define PAGE_MASK (~(PAGE_SIZE - 1))

typedef struct { uint64_t mfn; } mfn_t;   /* machine frame number */
typedef struct { uint64_t gfn; } gfn_t;   /* guest frame number */
typedef struct { uint64_t paddr; } paddr_t; /* machine address */

#define INVALID_MFN_RAW (~(uint64_t)0)
#define INVALID_GFN_RAW (~(uint64_t)0)

static inline mfn_t _mfn(uint64_t m) { return (mfn_t){ m }; }
static inline uint64_t mfn_x(mfn_t m) { return m.mfn; }
static inline gfn_t _gfn(uint64_t g) { return (gfn_t){ g }; }
static inline uint64_t gfn_x(gfn_t g) { return g.gfn; }
static inline paddr_t _paddr(uint64_t p) { return (paddr_t){ p }; }
static inline uint64_t paddr_x(paddr_t p) { return p.paddr; }

#define INVALID_MFN _mfn(INVALID_MFN_RAW)
#define INVALID_GFN _gfn(INVALID_GFN_RAW)

static inline bool mfn_eq(mfn_t a, mfn_t b) { return a.mfn == b.mfn; }
static inline bool gfn_eq(gfn_t a, gfn_t b) { return a.gfn == b.gfn; }
static inline mfn_t mfn_add(mfn_t m, uint64_t i) { return _mfn(m.mfn + i); }
static inline gfn_t gfn_add(gfn_t g, uint64_t i) { return _gfn(g.gfn + i); }
static inline paddr_t mfn_to_maddr(mfn_t m) { return _paddr(m.mfn << PAGE_SHIFT); }
static inline mfn_t maddr_to_mfn(paddr_t p) { return _mfn(p.paddr >> PAGE_SHIFT); }

#endif /* COMMON_TYPES_H */
