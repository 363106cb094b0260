# Builds and runs a consumer project. MODE=find_package first installs backstop into a fresh
# temporary prefix, so the test sees exactly what `cmake --install` ships; find_package_mpi does
# the same and asks for the component mpi (and runs the consumer under mpirun); find_package_no_mpi
# installs backstop configured without MPI and checks that the component is absent.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}")
  endif()
endfunction()

# Boost hidden from every configure here: a consumer of the library must not need it (only
# backstop's own tests do).
set(configure_args -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON)
if(MODE STREQUAL "find_package_no_mpi")
  # backstop configured again without MPI (headers only: nothing to build), then installed.
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/backstop ${configure_args} -DBACKSTOP_WITH_MPI=OFF
    -DBACKSTOP_BUILD_TESTS=OFF -DBACKSTOP_BUILD_EXAMPLES=OFF -DBACKSTOP_BUILD_BENCHMARKS=OFF)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/backstop --prefix ${WORK_DIR}/prefix)
  list(APPEND configure_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
elseif(MODE MATCHES "^find_package")
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
  if(NOT EXISTS ${WORK_DIR}/prefix/include/backstop.hpp)
    message(FATAL_ERROR "the install did not ship include/backstop.hpp")
  endif()
  list(APPEND configure_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
else()
  list(APPEND configure_args -DBACKSTOP_SOURCE_DIR=${SOURCE_DIR})
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package/${MODE} -B ${WORK_DIR}/build ${configure_args})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
if(MODE STREQUAL "find_package_mpi")
  run(${MPIRUN} 2 ${WORK_DIR}/build/consumer)  # two ranks
else()
  run(${WORK_DIR}/build/consumer)
endif()
