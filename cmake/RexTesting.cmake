# rex_add_test(<name> SOURCES <src>... [LIBRARIES <lib>...] [LABELS <label>...])
# One Catch2 v2 test program, registered with CTest. Test code learns where the build put
# things from compile definitions:
#   REX_TEST_PLUGIN_DIR   the plugin output directory (every in-tree plugin)
#   REX_TEST_FIXTURE_DIR  the directory of the deliberately broken fixture plugins
#   REX_TEST_BIN_DIR      where rex and rex-host are
#   REX_TEST_SOURCE_DIR   the source tree's root
find_package(Catch2 2 REQUIRED)
if(NOT TARGET rex-catch-main)
  add_library(rex-catch-main OBJECT ${PROJECT_SOURCE_DIR}/tests/support/catch_main.cpp
                                    ${PROJECT_SOURCE_DIR}/tests/support/subprocess.cpp)
  target_link_libraries(rex-catch-main PUBLIC Catch2::Catch2)
endif()
set(REX_TEST_FIXTURE_DIR ${PROJECT_BINARY_DIR}/test-fixtures)

function(rex_add_test name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBRARIES;LABELS")
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE rex-catch-main Catch2::Catch2 ${ARG_LIBRARIES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  target_compile_definitions(${name} PRIVATE
    REX_TEST_PLUGIN_DIR="${REX_PLUGIN_OUTPUT_DIR}"
    REX_TEST_FIXTURE_DIR="${REX_TEST_FIXTURE_DIR}"
    REX_TEST_BIN_DIR="${PROJECT_BINARY_DIR}/bin"
    REX_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name} --order rand)
  set_tests_properties(${name} PROPERTIES TIMEOUT 300)
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
