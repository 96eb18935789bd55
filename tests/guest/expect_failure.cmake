# A test that must fail, and say why: runs PROGRAM with the grader's environment variables that
# are given (XV6_IMG, XV6_FS, XV6_KERNEL, COW_BIT, XV6_PROGRAM), and passes only when PROGRAM
# exits non-zero and its output matches the regular expression EXPECT.
#   cmake -DPROGRAM=... -DXV6_IMG=... -DXV6_KERNEL=... -DEXPECT=... -P expect_failure.cmake
foreach(name XV6_IMG XV6_FS XV6_KERNEL COW_BIT XV6_PROGRAM)
  if(DEFINED ${name})
    set(ENV{${name}} "${${name}}")
  endif()
endforeach()
execute_process(COMMAND ${PROGRAM} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} passed; it must fail with output matching: ${EXPECT}\n${out}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "${PROGRAM} failed (${rc}) but its output does not match: ${EXPECT}\n${out}")
endif()
message(STATUS "${PROGRAM} failed as it must (${rc}): matched ${CMAKE_MATCH_0}")
