/* SPDX-License-Identifier: MIT */
/* Layout facts of libgnttab (reference/gnttab.md §1.4, §5). */
#include <common/types.h>
#include <libgnttab/gnttab.h>
#include <libmm/mm.h>
#include <public/grant_table.h>

#include "hvsim.h"

#define PER_FRAME(t) (PAGE_SIZE / sizeof(t))

const struct layout_entry hvsim_layout_gnttab[] = {
    { "grant_entry_v1_t", sizeof(grant_entry_v1_t) },
    { "grant_entry_v2_t", sizeof(grant_entry_v2_t) },
    { "grant_status_t", sizeof(grant_status_t) },
    { "gnttab_v1_entries_per_frame", PER_FRAME(grant_entry_v1_t) },
    { "gnttab_v2_entries_per_frame", PER_FRAME(grant_entry_v2_t) },
    { "gnttab_status_per_frame", PER_FRAME(grant_status_t) },
    { "gnttab_active_entry", GNTTAB_ACTIVE_ENTRY_SIZE },
    { "gnttab_active_per_page", PAGE_SIZE / GNTTAB_ACTIVE_ENTRY_SIZE },
    { "gnttab_maptrack_entry", GNTTAB_MAPTRACK_ENTRY_SIZE },
    { "gnttab_maptrack_per_page", PAGE_SIZE / GNTTAB_MAPTRACK_ENTRY_SIZE },
    /* What a max_maptrack_frames frame holds: Xen's count. */
    { "gnttab_maptrack_handles_per_frame",
      GNTTAB_MAPTRACK_PAGES_PER_FRAME * (PAGE_SIZE /
                                         GNTTAB_MAPTRACK_ENTRY_SIZE) },
    { "gnttab_default_max_frames", GNTTAB_DEFAULT_MAX_FRAMES },
    { "gnttab_default_max_maptrack_frames",
      GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES },
    { "gnttab_max_v1_entries",
      GNTTAB_DEFAULT_MAX_FRAMES * PER_FRAME(grant_entry_v1_t) },
    { "gnttab_max_v2_entries",
      GNTTAB_DEFAULT_MAX_FRAMES * PER_FRAME(grant_entry_v2_t) },
    { "gnttab_reserved_entries", GNTTAB_NR_RESERVED_ENTRIES },
    { "struct gnttab_map_grant_ref", sizeof(struct gnttab_map_grant_ref) },
    { "struct gnttab_unmap_grant_ref",
      sizeof(struct gnttab_unmap_grant_ref) },
    { "struct gnttab_copy", sizeof(struct gnttab_copy) },
    { "struct gnttab_transfer", sizeof(struct gnttab_transfer) },
    { NULL, 0 },
};
