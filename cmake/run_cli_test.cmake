# SPDX-License-Identifier: MIT
# One command-line check (hvcore_add_cli_test, HvcoreTest.cmake): runs the
# command after `--` and checks its exit status and its output, since a
# ctest pass regex alone would let any exit status through.
#   cmake -DEXIT=N [-DSTDOUT=RE] [-DSTDERR=RE] [-DSTDERR_LINES=N]
#         -P run_cli_test.cmake -- COMMAND ARGS...
# STDOUT and STDERR are matched against the output less its last newline.
set(cmd)
set(after_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_dashes)
    list(APPEND cmd "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(after_dashes TRUE)
  endif()
endforeach()
if(NOT cmd OR NOT DEFINED EXIT)
  message(FATAL_ERROR "usage: cmake -DEXIT=N ... -P run_cli_test.cmake -- COMMAND ARGS...")
endif()

execute_process(COMMAND ${cmd} RESULT_VARIABLE rc
  OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX REPLACE "\n$" "" out_text "${out}")
string(REGEX REPLACE "\n$" "" err_text "${err}")
string(REGEX MATCHALL "\n" err_newlines "${err}")
list(LENGTH err_newlines err_lines)
if(NOT err STREQUAL "" AND NOT err MATCHES "\n$")
  math(EXPR err_lines "${err_lines} + 1") # a last line without its newline
endif()

set(failures)
if(NOT rc STREQUAL "${EXIT}")
  list(APPEND failures "exit status ${rc}, expected ${EXIT}")
endif()
if(DEFINED STDOUT AND NOT out_text MATCHES "${STDOUT}")
  list(APPEND failures "stdout does not match '${STDOUT}'")
endif()
if(DEFINED STDERR AND NOT err_text MATCHES "${STDERR}")
  list(APPEND failures "stderr does not match '${STDERR}'")
endif()
if(DEFINED STDERR_LINES AND NOT err_lines EQUAL STDERR_LINES)
  list(APPEND failures "${err_lines} stderr lines, expected ${STDERR_LINES}")
endif()
if(failures)
  string(REPLACE ";" "\n  " failures "${failures}")
  message(FATAL_ERROR "${cmd}\n  ${failures}\n--- stdout:\n${out}--- stderr:\n${err}")
endif()
message(STATUS "ok: exit ${rc}, ${err_lines} stderr line(s)")
