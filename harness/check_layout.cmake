# SPDX-License-Identifier: MIT
# The hvsim.layout test: `hvsim layout --json` must report the values Xen's
# ABI, the seeds and the reference fix, not merely print parseable JSON.
#
#   cmake -DHVSIM=path/to/hvsim -P check_layout.cmake
#
# Each key is checked in one of three ways, and every key the program
# prints must be listed here (a new entry comes with its expected value):
#   fact(key value "source")        a number fixed outside hvcore's code:
#                                   Xen's ABI (reference/*.md, which cites
#                                   Xen's headers) or a seed discussion;
#   derived(key "expr" "why")       follows from other keys by a rule that
#                                   the source states (CMake math syntax,
#                                   keys as ${name} with non-alphanumerics
#                                   as underscores);
#   own(key "where")                hvcore's own choice with no outside
#                                   fact: only required to be positive.
# References: seeds/README.md and seeds/000..004, reference/evtchn.md,
# gnttab.md and mm.md (the shared design material, beside DESIGN.md).

if(NOT HVSIM)
  message(FATAL_ERROR "check_layout: -DHVSIM=<hvsim> is required")
endif()
execute_process(COMMAND ${HVSIM} layout --json
  RESULT_VARIABLE rc OUTPUT_VARIABLE json ERROR_VARIABLE err)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "check_layout: hvsim layout --json: exit status ${rc}: ${err}")
endif()

string(JSON nkeys ERROR_VARIABLE jerr LENGTH "${json}")
if(jerr)
  message(FATAL_ERROR "check_layout: not a JSON object: ${jerr}")
endif()
set(printed)
math(EXPR last "${nkeys} - 1")
foreach(i RANGE ${last})
  string(JSON key MEMBER "${json}" ${i})
  string(JSON val GET "${json}" "${key}")
  string(MAKE_C_IDENTIFIER "${key}" id)
  set(${id} ${val})
  list(APPEND printed "${key}")
endforeach()

set(errors 0)
set(checked)
macro(lookup key)
  string(MAKE_C_IDENTIFIER "${key}" id)
  list(APPEND checked "${key}")
  if(NOT DEFINED ${id})
    message(SEND_ERROR "layout: '${key}' is missing from hvsim layout --json")
    math(EXPR errors "${errors} + 1")
    set(got "")
  else()
    set(got ${${id}})
  endif()
endmacro()
function(report key got want why)
  message(SEND_ERROR "layout: ${key} is ${got}, want ${want} (${why})")
endfunction()

macro(fact key want why)
  lookup("${key}")
  if(NOT got STREQUAL "" AND NOT got EQUAL ${want})
    report("${key}" "${got}" "${want}" "${why}")
    math(EXPR errors "${errors} + 1")
  endif()
endmacro()
macro(derived key expr why)
  lookup("${key}")
  math(EXPR want "${expr}")
  if(NOT got STREQUAL "" AND NOT got EQUAL ${want})
    report("${key}" "${got}" "${want} = ${expr}" "${why}")
    math(EXPR errors "${errors} + 1")
  endif()
endmacro()
macro(own key where)
  lookup("${key}")
  if(NOT got STREQUAL "" AND NOT got GREATER 0)
    report("${key}" "${got}" "a positive number" "${where}")
    math(EXPR errors "${errors} + 1")
  endif()
endmacro()

# --- HAL and common/ ---------------------------------------------------
fact(page_size 4096 "x86-64 4 KiB pages: reference/*.md 'Numbers (x86-64, 4 KiB pages)'")
own(max_cpus "HAL_MAX_CPUS, hal/include/hal/cpu.h")
own(percpu_area_bytes "HAL_PERCPU_SIZE, hal/include/hal/cpu.h")
fact(hal_spinlock_t 8 "hal/include/hal/spinlock.h: 8 bytes in every configuration")
fact(hal_rwlock_t 4 "DESIGN.md, the HAL contract: a compact rwlock that fits in 4 bytes")
own("struct domain" "common/include/common/domain.h")
own("struct vcpu" "common/include/common/domain.h")
own(max_vcpus_per_domain "HVCORE_MAX_VCPUS, common/include/common/domain.h")

# --- libmm --------------------------------------------------------------
fact("struct page_info" 32 "reference/mm.md §3: Xen x86 without BIGMEM; seed 004: a power of two")
own(frame_virt_bytes_per_frame "seed 004: page-to-virtual kept in its own array, libmm")
derived(frame_table_bytes_per_gib "(1 << 30) / ${page_size} * ${struct_page_info}"
  "one struct page_info per 4 KiB frame")
fact(heap_max_order 18 "reference/mm.md §1: x86 MAX_ORDER = 2*PAGETABLE_ORDER (1 GiB blocks)")
fact(mapcache_slots_per_cpu 16 "reference/mm.md: MAPCACHE_VCPU_ENTRIES = 4 x 4")
own(p2m_max_gfn "P2M_GFN_BITS, libmm/include/libmm/p2m.h")
fact("struct xen_memory_reservation" 32 "Xen public/memory.h, x86-64 layout")

# --- libevtchn ----------------------------------------------------------
fact("struct evtchn" 32 "seed 000: 32 bytes with the FLASK sid inline, pending folded into the bitfield")
derived(evtchns_per_bucket "${page_size} / ${struct_evtchn}"
  "reference/evtchn.md §4: PAGE_SIZE / next_pow2(sizeof(struct evtchn)); 32 is a power of two")
fact(evtchns_per_bucket 128 "seed 000: check EVTCHNS_PER_BUCKET; twice Xen's 64 at 32 bytes")
derived(buckets_per_group "${page_size} / 8" "reference/evtchn.md §4: a page of bucket pointers")
derived(evtchns_per_group "${buckets_per_group} * ${evtchns_per_bucket}" "reference/evtchn.md §4")
fact(evtchn_max_ports 262144 "seeds/README.md on seed 001: 64 x 64 x 64 ports, 3-level, 64-bit guest")
derived(nr_evtchn_groups "${evtchn_max_ports} / ${evtchns_per_group}" "groups to hold every port")
fact(nr_evtchn_groups 4 "reference/evtchn.md §4: 4 groups at most (as Xen)")
derived(evtchn_bytes_131072_ports
  "(131072 / ${evtchns_per_bucket} + 131072 / ${evtchns_per_group}) * ${page_size}"
  "one page per bucket and per group (reference/evtchn.md §4)")
fact("struct shared_info" 3136 "reference/evtchn.md §2: native shared_info")
fact("struct compat_shared_info" 2344 "reference/evtchn.md §2: compat shared_info")
fact("struct vcpu_info" 64 "reference/evtchn.md §2: 64 bytes, native and compat")
fact(evtchn_2l_ports 4096 "reference/evtchn.md §2: W^2 with W = 64")
fact(evtchn_2l_ports_compat 1024 "reference/evtchn.md §2: W^2 with W = 32")
fact(evtchn_3l_ports 262144 "seeds/README.md on seed 001: 64 x 64 x 64")
fact(evtchn_3l_ports_compat 65536 "seeds/README.md on seed 001: 32 x 32 x 64")
derived(evtchn_max_ports "${evtchn_3l_ports}" "the 3-level ABI addresses the most ports")
fact(evtchn_fifo_ports 131072 "reference/evtchn.md §3: EVTCHN_FIFO_NR_CHANNELS = 2^17 (17 LINK bits)")
fact("struct evtchn_fifo_control_block" 72 "reference/evtchn.md §3: ready, _rsvd, head[16]")
fact("struct evtchn_init_control" 24 "reference/evtchn.md §1: cmd 11, 24 bytes (align 8)")
fact("struct evtchn_op" 28 "reference/evtchn.md §1: u32 cmd + 24-byte union")
derived("struct evtchn_register_extended"
  "8 + 8 + 2 * 8 * (${evtchn_3l_ports} / (8 * ${page_size}))"
  "include/public/event_channel.h (seed 002): cmd and pad, nr_pages and pad, then a pending and a mask gfn per bitmap page")

# --- libgnttab ----------------------------------------------------------
fact(grant_entry_v1_t 8 "reference/gnttab.md §5: v1 entry 8 B")
fact(grant_entry_v2_t 16 "reference/gnttab.md §5: v2 entry 16 B")
fact(grant_status_t 2 "reference/gnttab.md §5: status 2 B")
derived(gnttab_v1_entries_per_frame "${page_size} / ${grant_entry_v1_t}" "reference/gnttab.md §5: 512 per frame")
derived(gnttab_v2_entries_per_frame "${page_size} / ${grant_entry_v2_t}" "reference/gnttab.md §5: 256 per frame")
derived(gnttab_status_per_frame "${page_size} / ${grant_status_t}" "reference/gnttab.md §5: 2048 per frame")
own(gnttab_active_entry "GNTTAB_ACTIVE_ENTRY_SIZE, libgnttab (Xen: 32 release, 40 debug)")
derived(gnttab_active_per_page "${page_size} / ${gnttab_active_entry}" "whole entries per page")
own(gnttab_maptrack_entry "GNTTAB_MAPTRACK_ENTRY_SIZE, libgnttab (Xen's 16 + the granter pointer)")
derived(gnttab_maptrack_per_page "${page_size} / ${gnttab_maptrack_entry}" "whole entries per page")
fact(gnttab_maptrack_handles_per_frame 256 "reference/gnttab.md §5: maptrack_limit = pages x 256")
fact(gnttab_default_max_frames 64 "reference/gnttab.md §5: gnttab_max_frames = 64")
fact(gnttab_default_max_maptrack_frames 1024 "reference/gnttab.md §5: gnttab_max_maptrack_frames = 1024")
fact(gnttab_max_v1_entries 32768 "reference/gnttab.md §5: 64 frames -> 32768 v1 entries")
fact(gnttab_max_v2_entries 16384 "reference/gnttab.md §5: 64 frames -> 16384 v2 entries")
derived(gnttab_max_v1_entries "${gnttab_default_max_frames} * ${gnttab_v1_entries_per_frame}" "frames x entries")
derived(gnttab_max_v2_entries "${gnttab_default_max_frames} * ${gnttab_v2_entries_per_frame}" "frames x entries")
fact(gnttab_reserved_entries 8 "reference/gnttab.md §2: GNTTAB_NR_RESERVED_ENTRIES = 8")
fact("struct gnttab_map_grant_ref" 32 "reference/gnttab.md §1: x86-64 size")
fact("struct gnttab_unmap_grant_ref" 24 "reference/gnttab.md §1: x86-64 size")
fact("struct gnttab_copy" 40 "reference/gnttab.md §1: x86-64 size")
fact("struct gnttab_transfer" 24 "reference/gnttab.md §1: x86-64 size")

# Every printed key has an expectation above.
foreach(key ${printed})
  list(FIND checked "${key}" at)
  if(at LESS 0)
    message(SEND_ERROR "layout: '${key}' has no expected value in check_layout.cmake")
    math(EXPR errors "${errors} + 1")
  endif()
endforeach()

if(errors)
  message(FATAL_ERROR "check_layout: ${errors} value(s) wrong or missing")
endif()
list(LENGTH printed n)
message("check_layout: ${n} values as expected")
