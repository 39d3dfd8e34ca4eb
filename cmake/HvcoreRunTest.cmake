# SPDX-License-Identifier: MIT
# Runs one test command and decides its result; every ctest entry that
# hvcore_add_test or hvcore_add_command_test registers goes through here
# (HvcoreTest.cmake).  ctest alone cannot ask for both an exit status and
# an output pattern: PASS_REGULAR_EXPRESSION makes it ignore the status,
# so a program that printed the right line and then failed was green.
#
#   cmake [-DEXIT=n] [-DPASS=file] [-DFAIL=file] [-DSTDOUT=file]
#         [-DSTDERR=file] [-DSTDERR_LINES=n] [-DCMOCKA=1] [-DTIMEOUT=s]
#         -P HvcoreRunTest.cmake -- COMMAND [ARG...]
#
# The test passes only if all of these hold:
#   - the command exits with status EXIT, 0 by default (a signal or a
#     timeout is a failure);
#   - with PASS, its output (stdout and stderr together, as ctest sees it)
#     matches the regular expression in that file;
#   - with FAIL, its output does not match the one in that file;
#   - with STDOUT or STDERR, that stream alone, less its last newline,
#     matches the expression in that file (command-line checks: what goes
#     to which stream is part of the behaviour);
#   - with STDERR_LINES, standard error has that many lines;
#   - with CMOCKA, CMocka reports at least one test passed: a suite whose
#     every test was skipped, or that registered none, ran nothing, and a
#     run that checked nothing must not be green.
# The expressions are read from files so that newlines, quotes and
# semicolons reach this script unchanged; their syntax is ctest's (CMake
# regular expressions).  Output goes through as the command writes it.

set(cmd)
set(seen_sep FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(seen_sep)
    list(APPEND cmd "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(seen_sep TRUE)
  endif()
endforeach()
if(NOT cmd)
  message(FATAL_ERROR "hvcore test: no command after --")
endif()

set(timeout_args)
if(TIMEOUT)
  set(timeout_args TIMEOUT ${TIMEOUT})
endif()
if(NOT DEFINED EXIT)
  set(EXIT 0)
endif()
# One variable for both pipes keeps their order, unless a stream is checked
# on its own; the ECHO options copy the output to ours as it comes, so a
# log shows it even if we are killed.
if(DEFINED STDOUT OR DEFINED STDERR OR DEFINED STDERR_LINES)
  execute_process(COMMAND ${cmd} ${timeout_args}
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr
    ECHO_OUTPUT_VARIABLE ECHO_ERROR_VARIABLE)
  set(out "${stdout}${stderr}")
else()
  execute_process(COMMAND ${cmd} ${timeout_args}
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out ERROR_VARIABLE out
    ECHO_OUTPUT_VARIABLE ECHO_ERROR_VARIABLE)
endif()

set(why)
if(NOT rc STREQUAL "${EXIT}")
  list(APPEND why "exit status ${rc}, want ${EXIT}")
endif()
foreach(stream STDOUT STDERR)
  if(DEFINED ${stream})
    file(READ "${${stream}}" re)
    string(TOLOWER ${stream} var)
    string(REGEX REPLACE "\n$" "" text "${${var}}")
    if(NOT text MATCHES "${re}")
      list(APPEND why "${var} does not match the expression in ${${stream}}")
    endif()
  endif()
endforeach()
if(DEFINED STDERR_LINES)
  string(REGEX MATCHALL "\n" newlines "${stderr}")
  list(LENGTH newlines lines)
  if(NOT stderr STREQUAL "" AND NOT stderr MATCHES "\n$")
    math(EXPR lines "${lines} + 1") # a last line without its newline
  endif()
  if(NOT lines EQUAL STDERR_LINES)
    list(APPEND why "${lines} stderr line(s), want ${STDERR_LINES}")
  endif()
endif()
if(PASS)
  file(READ "${PASS}" pass_re)
  if(NOT out MATCHES "${pass_re}")
    list(APPEND why "the output does not match the pass expression in ${PASS}")
  endif()
endif()
if(FAIL)
  file(READ "${FAIL}" fail_re)
  if(out MATCHES "${fail_re}")
    list(APPEND why "the output matches the fail expression in ${FAIL}: '${CMAKE_MATCH_0}'")
  endif()
endif()
if(CMOCKA)
  # CMocka's summary line; skipped tests are not counted in it.
  if(NOT out MATCHES "\\[  PASSED  \\] ([0-9]+) test\\(s\\)\\.")
    list(APPEND why "no CMocka summary line: the suite did not run to its end")
  elseif(CMAKE_MATCH_1 EQUAL 0)
    list(APPEND why "CMocka ran no test to a pass (all skipped or none registered)")
  endif()
endif()
if(why)
  string(REPLACE ";" "; " why "${why}")
  message(FATAL_ERROR "hvcore test: FAILED: ${why}")
endif()
