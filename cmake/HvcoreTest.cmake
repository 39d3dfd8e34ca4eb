# SPDX-License-Identifier: MIT
# One helper adds each test (after coreboot/cmocka's AddCMockaTest).
#
#   hvcore_add_test(NAME
#     WHAT   common|hal|mm|xsm|evtchn|gnttab   (the thing it tests)
#     LABEL  unit|scenario                     (default unit)
#     SOURCES a.c b.c
#     LIBS    hvcore::mm ...
#     [ARGS ...] [TIMEOUT s] [NO_MEMCHECK]
#     [NEEDS_XSM dummy|flask])
#
# Unit tests also get a Valgrind memcheck twin (label memcheck) when
# HVCORE_MEMCHECK is on; any Valgrind error fails it.
#
# NEEDS_XSM names the XSM provider whose decisions the suite asserts (the
# dummy's -EPERM, FLASK's policy): the test is built in every
# configuration but registered only when HVCORE_XSM builds that provider.

find_package(PkgConfig REQUIRED)
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
find_program(VALGRIND valgrind)
# The memcheck command line every Valgrind run of a test starts with.
# Valgrind runs one thread at a time; its default lock lets a vCPU thread
# that spins on shared memory (a hostile guest rewriting a ring) take the
# lock back at every time-slice end and starve the thread it waits for.
# --fair-sched=yes hands the lock over in turn.
set(HVCORE_MEMCHECK_COMMAND ${VALGRIND} -q --error-exitcode=1 --leak-check=full
    --errors-for-leak-kinds=definite --track-origins=no --fair-sched=yes)

function(hvcore_add_test name)
  cmake_parse_arguments(T "NO_MEMCHECK" "WHAT;LABEL;TIMEOUT;NEEDS_XSM"
    "SOURCES;LIBS;ARGS" ${ARGN})
  if(NOT T_WHAT)
    message(FATAL_ERROR "hvcore_add_test(${name}): WHAT is required")
  endif()
  if(NOT T_LABEL)
    set(T_LABEL unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA hvcore_warnings)
  if(T_NEEDS_XSM)
    if(NOT T_NEEDS_XSM MATCHES "^(dummy|flask)$")
      message(FATAL_ERROR "hvcore_add_test(${name}): NEEDS_XSM is dummy or flask")
    endif()
    if(NOT HVCORE_XSM MATCHES "^(${T_NEEDS_XSM}|both)$")
      return()
    endif()
  endif()
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  set_tests_properties(${name} PROPERTIES
    LABELS "${T_LABEL};${T_WHAT}" TIMEOUT ${T_TIMEOUT})
  if(HVCORE_MEMCHECK AND VALGRIND AND NOT T_NO_MEMCHECK)
    add_test(NAME memcheck.${name}
      COMMAND ${HVCORE_MEMCHECK_COMMAND} $<TARGET_FILE:${name}> ${T_ARGS})
    set_tests_properties(memcheck.${name} PROPERTIES
      LABELS "memcheck;${T_WHAT}" TIMEOUT ${T_TIMEOUT}
      ENVIRONMENT "HVCORE_UNDER_VALGRIND=1")
  endif()
endfunction()

# Command-line checks of a program (hvsim, hvbench): its exit status and
# its output, both (cmake/run_cli_test.cmake).
#
#   hvcore_add_cli_test(NAME
#     WHAT common|mm|xsm|evtchn|gnttab
#     HELP [STDOUT regex] | ERROR regex | EXIT n [STDOUT regex] [STDERR regex]
#     COMMAND target args...)
#
# HELP: exit 0, stdout starts with "usage: " (or matches STDOUT), nothing
# on stderr.
# ERROR: exit 2, nothing on stdout, and stderr is one line matching
# `regex` whole.  Otherwise the exit status `n` and the regexes given,
# matched against each output less its last newline.  Labels: scenario,
# cli and WHAT.
set(HVCORE_CLI_TEST_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/run_cli_test.cmake)
function(hvcore_add_cli_test name)
  cmake_parse_arguments(T "HELP" "WHAT;ERROR;EXIT;STDOUT;STDERR" "COMMAND"
    ${ARGN})
  if(NOT T_WHAT OR NOT T_COMMAND)
    message(FATAL_ERROR "hvcore_add_cli_test(${name}): WHAT and COMMAND are required")
  endif()
  set(checks)
  if(T_HELP)
    if(NOT DEFINED T_STDOUT)
      set(T_STDOUT "^usage: ")
    endif()
    list(APPEND checks -DEXIT=0 "-DSTDOUT=${T_STDOUT}" -DSTDERR_LINES=0)
  elseif(DEFINED T_ERROR)
    list(APPEND checks -DEXIT=2 "-DSTDOUT=^$" "-DSTDERR=^${T_ERROR}$"
      -DSTDERR_LINES=1)
  elseif(DEFINED T_EXIT)
    list(APPEND checks -DEXIT=${T_EXIT})
    foreach(stream STDOUT STDERR)
      if(DEFINED T_${stream})
        list(APPEND checks "-D${stream}=${T_${stream}}")
      endif()
    endforeach()
  else()
    message(FATAL_ERROR "hvcore_add_cli_test(${name}): HELP, ERROR or EXIT")
  endif()
  list(POP_FRONT T_COMMAND target)
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} ${checks} -P ${HVCORE_CLI_TEST_SCRIPT}
            -- $<TARGET_FILE:${target}> ${T_COMMAND})
  set_tests_properties(${name} PROPERTIES
    LABELS "scenario;cli;${T_WHAT}" TIMEOUT 120)
endfunction()
