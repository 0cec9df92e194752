# Helpers that give every Pixforge target the same flags, and let each engine area and test
# directory be one short CMakeLists.txt (so parallel work on different areas never collides).

function(pixforge_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                         -Wno-sign-conversion -Wno-float-conversion)
  if(PIXFORGE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(PIXFORGE_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()

# pixforge_area(NAME [DEPS targets...]): a static library pixforge_NAME from every .cpp in the
# calling directory, public headers under engine/include.
function(pixforge_area name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.cpp")
  if(NOT sources)
    message(STATUS "engine area '${name}' has no sources yet: skipped")
    return()
  endif()
  add_library(pixforge_${name} STATIC ${sources})
  target_include_directories(pixforge_${name} PUBLIC "${PIXFORGE_ENGINE_INCLUDE}"
                             PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}")
  target_link_libraries(pixforge_${name} PUBLIC ${ARG_DEPS})
  pixforge_target_defaults(pixforge_${name})
endfunction()

# pixforge_test(NAME [LIBS targets...]): one GoogleTest executable test_NAME from every .cpp in
# the calling directory. Tests read shared data and goldens from the paths below (overridable
# at run time with the environment variables of the same name).
function(pixforge_test name)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.cpp")
  if(NOT sources)
    message(STATUS "test directory '${name}' has no sources yet: skipped")
    return()
  endif()
  add_executable(test_${name} ${sources})
  target_link_libraries(test_${name} PRIVATE ${ARG_LIBS} pixforge_testing GTest::gtest_main GTest::gmock)
  pixforge_target_defaults(test_${name})
  gtest_discover_tests(test_${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT
      "PIXFORGE_SHARED_DATA=${PIXFORGE_SHARED_DATA};PIXFORGE_GOLDEN_DIR=${PIXFORGE_GOLDEN_DIR}")
endfunction()
