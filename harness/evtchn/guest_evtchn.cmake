# SPDX-License-Identifier: MIT
# The guest side of the event channel ABIs (guest_evtchn.c) as a library,
# freestanding: the split-driver demo links it, on the simulator and in the
# boot kernel (harness/splitdrv includes this file; boot/ has no
# harness/evtchn).  The CMocka suites compile guest_evtchn.c themselves.
if(NOT TARGET hvcore_guest_evtchn)
  add_library(hvcore_guest_evtchn STATIC
    ${CMAKE_CURRENT_LIST_DIR}/guest_evtchn.c)
  target_include_directories(hvcore_guest_evtchn PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}>)
  target_link_libraries(hvcore_guest_evtchn
    PUBLIC hvcore::hal_contract hvcore_common
    PRIVATE hvcore_core_flags)
endif()
