# SPDX-License-Identifier: MIT
# The differential test against libsepol: for the default policies and
# NSEEDS generated ones (MLS and not, versions 24 and 30), compile with
# checkpolicy, dump libsepol's decisions, and compare hvcore's.
#   cmake -DGEN= -DDUMP= -DHVSIM= -DCHECKPOLICY= -DSRC= -DPOLICIES= -DWORK= -DNSEEDS= -P run_diff.cmake
file(MAKE_DIRECTORY ${WORK})
set(bins)
foreach(p hvcore-plain.24 hvcore-plain.30 hvcore-mls.24 hvcore-mls.30)
  list(APPEND bins ${POLICIES}/${p})
endforeach()
foreach(seed RANGE 1 ${NSEEDS})
  math(EXPR mls "${seed} % 2")
  math(EXPR v "24 + (${seed} / 2 % 2) * 6")
  set(args ${seed} ${SRC})
  set(mflag)
  if(mls)
    list(APPEND args --mls)
    set(mflag -M)
  endif()
  execute_process(COMMAND ${GEN} ${args} OUTPUT_FILE ${WORK}/gen${seed}.conf
    RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "generator failed for seed ${seed}")
  endif()
  execute_process(COMMAND ${CHECKPOLICY} ${mflag} -t xen -c ${v}
    -o ${WORK}/gen${seed}.bin ${WORK}/gen${seed}.conf
    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(rc)
    message(FATAL_ERROR "checkpolicy failed for seed ${seed}: ${err}")
  endif()
  list(APPEND bins ${WORK}/gen${seed}.bin)
endforeach()
foreach(bin ${bins})
  get_filename_component(name ${bin} NAME)
  execute_process(COMMAND ${DUMP} ${bin} OUTPUT_FILE ${WORK}/${name}.expected
    RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "libsepol could not read ${bin} (${rc})")
  endif()
  execute_process(COMMAND ${HVSIM} diff --policy ${bin} ${WORK}/${name}.expected
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "${name}: ${out}")
  if(rc)
    message(FATAL_ERROR "hvcore and libsepol differ on ${name}:\n${out}${err}")
  endif()
endforeach()
message(STATUS "xsm differential test: ok")
