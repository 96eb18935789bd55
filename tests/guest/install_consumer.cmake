# ctest grading.installed: install this build into a scratch prefix, then configure, build and run
# examples/grading against it as an outside project (find_package(xray86)).
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DKERNEL=... -DARCHIVE=... -DDISK=...
#         -DGENERATOR=... -P install_consumer.cmake
file(REMOVE_RECURSE ${WORK_DIR})
function(step)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}")
  endif()
endfunction()
step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
     -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=RelWithDebInfo)
step(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
set(ENV{XRAY86_STUDENT_KERNEL} ${KERNEL})
set(ENV{XRAY86_STUDENT_ARCHIVE} ${ARCHIVE})
set(ENV{XV6_IMG} ${DISK})
set(ENV{XV6_KERNEL} ${KERNEL})
step(${CMAKE_COMMAND} -E chdir ${WORK_DIR}/build ${CMAKE_CTEST_COMMAND} --output-on-failure)
