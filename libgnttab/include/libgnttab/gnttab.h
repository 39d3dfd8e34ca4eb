/* SPDX-License-Identifier: MIT */
/*
 * libgnttab: grant tables v1 and v2 (map, unmap, copy, transfer), Xen's
 * GNTTABOP ABI (public/grant_table.h) in the P2M model of seed 003.
 *
 * gnttab_init/fini, the domain hooks and do_grant_table_op are declared in
 * common/subsys.h; gnttab_map_frame (XENMEM_add_to_physmap) there too.
 */
#ifndef LIBGNTTAB_GNTTAB_H
#define LIBGNTTAB_GNTTAB_H

#include <common/compiler.h>
#include <common/domain.h>
#include <common/selftest.h>
#include <common/types.h>

/*
 * Layout facts for `hvsim layout` (reference/gnttab.md §5), asserted
 * against the private structures in private.h.
 */
#define GNTTAB_ACTIVE_ENTRY_SIZE 40U    /* Xen: 32 release, 40 debug */
#define GNTTAB_MAPTRACK_ENTRY_SIZE 32U  /* Xen's 16 + the granter pointer */
#define GNTTAB_XEN_MAPTRACK_ENTRY_SIZE 16U
/*
 * max_maptrack_frames counts in Xen's frames: a domain may hold as many
 * mappings as Xen gives it (256 per frame), which takes hvcore twice the
 * pages, its entries being twice the size.
 */
#define GNTTAB_MAPTRACK_PAGES_PER_FRAME                                     \
    (GNTTAB_MAPTRACK_ENTRY_SIZE / GNTTAB_XEN_MAPTRACK_ENTRY_SIZE)
#define GNTTAB_DEFAULT_MAX_FRAMES 64U
#define GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES 1024U

/**
 * The invariant checker: for every domain, pin counts equal the mappings
 * recorded in every maptrack; GTF_reading/GTF_writing are set exactly when
 * pinned (and writably pinned); every mapped frame holds at least one
 * reference per mapping; maptrack free lists and in-use entries partition
 * the handles.  Prints each violation.  Returns 0 or -EINVAL.  Call only
 * while no grant op runs.
 */
int __must_check gnttab_check(void);

/** Introspection for tests, benchmarks and hvsim. */
struct gnttab_info {
    unsigned int version;
    unsigned int nr_grant_frames;
    unsigned int nr_status_frames;
    unsigned int max_grant_frames;
    unsigned int maptrack_pages;
    unsigned int maptrack_in_use;  /* live handles */
    unsigned int pinned_entries;   /* refs with a non-zero pin */
    uint32_t nr_v2_ops;
};

/** Fills `*info` for `d`; -ENOENT if `d` has no grant table. */
int __must_check gnttab_get_info(struct domain *d, struct gnttab_info *info);

/** `ref`'s pin word (GNTPIN_* counters), or 0 if out of range. */
uint32_t gnttab_debug_pin(struct domain *d, uint32_t ref);

/** Counters since the library started (tests and benchmarks). */
struct gnttab_stats {
    uint64_t unmap_flushes;        /* TLB flushes issued by unmap batches */
    uint64_t transfers;            /* pages flipped */
    uint64_t transfer_freed;       /* taken pages freed by a failure */
    uint64_t copy_restarts;        /* copies made again: a transitive
                                      entry changed under them */
};
void gnttab_get_stats(struct gnttab_stats *st);

/* The freestanding self-tests (selftest.c), for the boot runner and ctest. */
extern const struct selftest_suite gnttab_selftest_suite;

#endif /* LIBGNTTAB_GNTTAB_H */
