# rex_add_plugin(<name> SOURCES <src>... [LIBRARIES <lib>...] [OUTPUT_DIRECTORY <dir>]
#                [INSTALL_DESTINATION <dir>] [NO_INSTALL])
#
# OUTPUT_DIRECTORY is where the build puts the file; `cmake --install` copies it to
# INSTALL_DESTINATION (default <libdir>/rex/plugins, where rex and load_default_plugins() look)
# unless NO_INSTALL is given (test fixtures).
#
# Builds one Rex plugin as a MODULE library named rex-<name>.so. Used for every plugin,
# in-tree and out-of-tree (installed with the SDK's CMake package). The plugin links only
# Rex::sdk and its own libraries, hides every symbol but its entry point and keeps the
# static libraries it links to itself (--exclude-libs,ALL).
function(rex_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_INSTALL" "OUTPUT_DIRECTORY;INSTALL_DESTINATION" "SOURCES;LIBRARIES")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "rex_add_plugin(${name}): SOURCES is required")
  endif()
  if(NOT name MATCHES "^[a-z0-9_-]+$")
    message(FATAL_ERROR "rex_add_plugin(${name}): plugin names use [a-z0-9_-] only")
  endif()
  set(target rex-plugin-${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE Rex::sdk ${ARG_LIBRARIES})
  target_compile_features(${target} PRIVATE cxx_std_20)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "rex-${name}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE "LINKER:--exclude-libs,ALL")
  if(NOT REX_PLUGIN_ALLOW_UNDEFINED)
    # A missing symbol is a link error here, not a load failure later.
    target_link_options(${target} PRIVATE "LINKER:-z,defs")
  endif()
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  elseif(DEFINED REX_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${REX_PLUGIN_OUTPUT_DIR}")
  endif()
  if(ARG_NO_INSTALL)
    return()
  endif()
  if(NOT ARG_INSTALL_DESTINATION)
    include(GNUInstallDirs)
    set(ARG_INSTALL_DESTINATION "${CMAKE_INSTALL_LIBDIR}/rex/plugins")
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION "${ARG_INSTALL_DESTINATION}")
endfunction()
