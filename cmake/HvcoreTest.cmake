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
#
#   hvcore_add_command_test(NAME
#     WHAT   ...  [LABEL unit|scenario|memcheck] (default scenario)
#     [LABELS more labels...]
#     COMMAND program args...  (a target as $<TARGET_FILE:target>)
#     [PASS_REGEX re] [FAIL_REGEX re] [TIMEOUT s] [ENVIRONMENT VAR=v...])
#
# A test that is not a CMocka suite: a program run with arguments, passing
# only if it exits 0 AND its output matches PASS_REGEX AND does not match
# FAIL_REGEX.
#
# Every test runs through HvcoreRunTest.cmake, which checks the exit status
# together with the output: ctest's own PASS_REGULAR_EXPRESSION ignores the
# exit status, so it is refused (hvcore_check_tests), and a CMocka suite
# that passed no test (all skipped, none registered) fails.  A suite that
# cannot run in some configuration is not registered there (NEEDS_XSM),
# rather than registered to skip.

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

# In a test helper, after cmake_parse_arguments(T ...): requires WHAT and
# fills in the defaults of LABEL (`label`) and TIMEOUT.
macro(hvcore_test_defaults helper name label)
  if(NOT T_WHAT)
    message(FATAL_ERROR "${helper}(${name}): WHAT is required")
  endif()
  if(NOT T_LABEL)
    set(T_LABEL ${label})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
endmacro()

function(hvcore_add_test name)
  cmake_parse_arguments(T "NO_MEMCHECK" "WHAT;LABEL;TIMEOUT;NEEDS_XSM"
    "SOURCES;LIBS;ARGS" ${ARGN})
  hvcore_test_defaults(hvcore_add_test ${name} unit)
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
  hvcore_run_test_command(run ${T_TIMEOUT} -DCMOCKA=1)
  add_test(NAME ${name} COMMAND ${run} $<TARGET_FILE:${name}> ${T_ARGS})
  set_tests_properties(${name} PROPERTIES
    LABELS "${T_LABEL};${T_WHAT}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "${HVCORE_CMOCKA_ENVIRONMENT}")
  if(HVCORE_MEMCHECK AND VALGRIND AND NOT T_NO_MEMCHECK)
    add_test(NAME memcheck.${name}
      COMMAND ${run} ${HVCORE_MEMCHECK_COMMAND} $<TARGET_FILE:${name}>
              ${T_ARGS})
    set_tests_properties(memcheck.${name} PROPERTIES
      LABELS "memcheck;${T_WHAT}" TIMEOUT ${T_TIMEOUT}
      ENVIRONMENT "HVCORE_UNDER_VALGRIND=1;${HVCORE_CMOCKA_ENVIRONMENT}")
  endif()
endfunction()

# The runner and its checks (HvcoreRunTest.cmake).
set(HVCORE_RUN_TEST ${CMAKE_CURRENT_LIST_DIR}/HvcoreRunTest.cmake)
# CMocka's plain output, whatever the caller's environment asks for: the
# runner reads its summary line.
set(HVCORE_CMOCKA_ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=STDOUT")

# Sets `var` to the start of a runner command line: the command to run
# follows it.  The runner's own timeout is a little under ctest's, so that
# a hung test is reported by the runner with its output so far.
function(hvcore_run_test_command var timeout)
  math(EXPR inner "${timeout} - 5")
  if(inner LESS 5)
    set(inner ${timeout})
  endif()
  set(${var} ${CMAKE_COMMAND} -DTIMEOUT=${inner} ${ARGN}
      -P ${HVCORE_RUN_TEST} -- PARENT_SCOPE)
endfunction()

# Writes `text` to `file` unless it already holds exactly that.
function(hvcore_write_if_changed file text)
  if(EXISTS ${file})
    file(READ ${file} old)
    if(old STREQUAL text)
      return()
    endif()
  endif()
  file(WRITE ${file} "${text}")
endfunction()

function(hvcore_add_command_test name)
  cmake_parse_arguments(T "" "WHAT;LABEL;TIMEOUT;PASS_REGEX;FAIL_REGEX"
    "COMMAND;LABELS;ENVIRONMENT" ${ARGN})
  hvcore_test_defaults(hvcore_add_command_test ${name} scenario)
  if(NOT T_COMMAND)
    message(FATAL_ERROR "hvcore_add_command_test(${name}): COMMAND is required")
  endif()
  set(checks)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/hvcore-test)
  foreach(kind PASS FAIL)
    if(DEFINED T_${kind}_REGEX)
      hvcore_write_if_changed(${dir}/${name}.${kind} "${T_${kind}_REGEX}")
      list(APPEND checks -D${kind}=${dir}/${name}.${kind})
    endif()
  endforeach()
  hvcore_run_test_command(run ${T_TIMEOUT} ${checks})
  add_test(NAME ${name} COMMAND ${run} ${T_COMMAND})
  set(labels ${T_LABEL} ${T_WHAT} ${T_LABELS})
  set_tests_properties(${name} PROPERTIES
    LABELS "${labels}" TIMEOUT ${T_TIMEOUT})
  if(T_ENVIRONMENT)
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${T_ENVIRONMENT}")
  endif()
endfunction()

# Command-line checks of a program (hvsim, hvbench): its exit status and
# each output stream, all of them (the runner's EXIT, STDOUT, STDERR and
# STDERR_LINES).
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
    set(exit 0)
    set(T_STDERR_LINES 0)
  elseif(DEFINED T_ERROR)
    set(exit 2)
    set(T_STDOUT "^$")
    set(T_STDERR "^${T_ERROR}$")
    set(T_STDERR_LINES 1)
  elseif(DEFINED T_EXIT)
    set(exit ${T_EXIT})
  else()
    message(FATAL_ERROR "hvcore_add_cli_test(${name}): HELP, ERROR or EXIT")
  endif()
  list(APPEND checks -DEXIT=${exit})
  if(DEFINED T_STDERR_LINES)
    list(APPEND checks -DSTDERR_LINES=${T_STDERR_LINES})
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/hvcore-test)
  foreach(stream STDOUT STDERR)
    if(DEFINED T_${stream})
      hvcore_write_if_changed(${dir}/${name}.${stream} "${T_${stream}}")
      list(APPEND checks -D${stream}=${dir}/${name}.${stream})
    endif()
  endforeach()
  list(POP_FRONT T_COMMAND target)
  hvcore_run_test_command(run 120 ${checks})
  add_test(NAME ${name} COMMAND ${run} $<TARGET_FILE:${target}> ${T_COMMAND})
  set_tests_properties(${name} PROPERTIES
    LABELS "scenario;cli;${T_WHAT}" TIMEOUT 120)
endfunction()

# Refuses ctest's PASS_REGULAR_EXPRESSION anywhere in the project's CMake
# code: it makes ctest ignore the exit status (register such a test with
# hvcore_add_command_test).  CMake 3.25 cannot read a test property outside
# the directory that made the test, so the check reads the CMake sources
# (comment lines aside) at the end of configuration.
function(hvcore_check_tests)
  set(files ${PROJECT_SOURCE_DIR}/CMakeLists.txt)
  file(GLOB tops LIST_DIRECTORIES true ${PROJECT_SOURCE_DIR}/*)
  foreach(top ${tops})
    get_filename_component(base ${top} NAME)
    if(NOT IS_DIRECTORY ${top} OR base MATCHES "^(build|\\..*)$" OR
       top STREQUAL PROJECT_BINARY_DIR)
      continue()
    endif()
    file(GLOB_RECURSE more LIST_DIRECTORIES false
      ${top}/CMakeLists.txt ${top}/*.cmake)
    list(APPEND files ${more})
  endforeach()
  # Spelled in two halves so that this file does not find itself.
  string(CONCAT word PASS_REGULAR _EXPRESSION)
  foreach(f ${files})
    file(STRINGS ${f} lines REGEX "${word}")
    foreach(line ${lines})
      if(NOT line MATCHES "^[ \t]*#")
        message(FATAL_ERROR "${f}: ${word} makes ctest "
          "ignore the exit status; register the test with "
          "hvcore_add_command_test (cmake/HvcoreTest.cmake)")
      endif()
    endforeach()
  endforeach()
endfunction()
