# The test docgen_up_to_date: runs docgen into OUT and fails, showing a diff,
# when a file it writes differs from the checked-in one in SRC.
#   cmake -DDOCGEN=<docgen> -DSRC=<source dir> -DOUT=<scratch dir> -P docgen_check.cmake
set(_files docs/configuration.md packaging/linux/wsawatch.1 config/wsawatch.yaml)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT}/docs ${OUT}/packaging/linux ${OUT}/config)
execute_process(COMMAND ${DOCGEN} ${SRC} ${OUT} RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "docgen failed (${_rc})")
endif()
set(_stale "")
foreach(_f IN LISTS _files)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${SRC}/${_f} ${OUT}/${_f}
                  RESULT_VARIABLE _same)
  if(NOT _same EQUAL 0)
    find_program(_diff diff)
    if(_diff)
      execute_process(COMMAND ${_diff} -u ${SRC}/${_f} ${OUT}/${_f})
    endif()
    list(APPEND _stale ${_f})
  endif()
endforeach()
if(_stale)
  message(FATAL_ERROR "stale generated files (the key tables changed): ${_stale}; "
                      "run `cmake --build --preset dev --target docs` and commit them")
endif()
