# zx_library: one module library whose include root holds only its module's public headers, so
# that an include of a module the target does not link fails the build (issue 10, item 6).
#
#   zx_library(NAME zx_voice DIR voice
#              SOURCES bridge.cc menu.cc
#              DEPS zx_telephony zx_dialogue            # linked PUBLIC: their headers are ours too
#              PRIVATE_DEPS PkgConfig::TOMLPP)          # linked PRIVATE: used by our .cc files only
#
# Adopting it in a new module (src/<dir>/CMakeLists.txt): replace add_library +
# target_link_libraries (+ any target_include_directories of src/) with one zx_library call,
# and add the module's line to src/LAYERS. Nothing else: headers are found by a glob.
#
# What it does:
#   * Exports ${PROJECT_BINARY_DIR}/zx_include/<dir> as the PUBLIC include root. It holds
#     <dir>/<header> symbolic links to the module's public headers: every src/<dir>/**/*.h
#     (testing/ included) except the private ones below. `#include "<dir>/x.h"` keeps working
#     for the module's users, and nothing of a module the target does not link is visible.
#   * Gives the module's own sources (and its zx_test unit tests, see the top CMakeLists.txt)
#     the PRIVATE root ${PROJECT_BINARY_DIR}/zx_include_private/<dir> with the private headers.
#     Private are: `*_internal.h`, anything under an `internal/` directory, and the headers a
#     `private: <dir> <header>...` line of src/LAYERS names (headers only their own module uses;
#     scripts/check_layers.py reads the same lines and rejects includes of them from elsewhere).
#     A public header must not include a private one (its users could not compile it).
#   * Checks that each zx_* library in DEPS / PRIVATE_DEPS belongs to a module that src/LAYERS
#     allows <dir> to include, so the link graph and the include rules cannot drift apart.
#   * Several libraries may share one DIR (dialogue: zx_flows, zx_emotion, zx_dialogue); they
#     share its include roots.
# Headers are globbed with CONFIGURE_DEPENDS, so adding or removing one re-runs CMake at the
# next build. The links point into src/, so editing a header needs no reconfigure.
# Without SOURCES the library is an INTERFACE (header-only) library.

set(ZX_INCLUDE_ROOT ${PROJECT_BINARY_DIR}/zx_include)
set(ZX_PRIVATE_INCLUDE_ROOT ${PROJECT_BINARY_DIR}/zx_include_private)
set(ZX_LAYERS_FILE ${PROJECT_SOURCE_DIR}/src/LAYERS)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${ZX_LAYERS_FILE})

# _zx_layers_words(<module> <out-var>): the modules src/LAYERS allows <module> to include (the
# words after "<module>:", comments dropped).
function(_zx_layers_words key out)
  file(STRINGS ${ZX_LAYERS_FILE} lines REGEX "^[ \t]*${key}[ \t]*:")
  set(words "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "#.*$" "" line "${line}")
    string(REGEX REPLACE "^[ \t]*${key}[ \t]*:" "" line "${line}")
    string(STRIP "${line}" line)
    if(line)
      string(REGEX REPLACE "[ \t]+" ";" line "${line}")
      list(APPEND words ${line})
    endif()
  endforeach()
  set(${out} "${words}" PARENT_SCOPE)
endfunction()

# _zx_module_headers(<dir>): (re)creates the public and private include roots of src/<dir>,
# once per configure however many libraries the module has.
function(_zx_module_headers dir)
  get_property(done GLOBAL PROPERTY ZX_HEADERS_DONE_${dir})
  if(done)
    return()
  endif()
  set_property(GLOBAL PROPERTY ZX_HEADERS_DONE_${dir} TRUE)

  set(src ${PROJECT_SOURCE_DIR}/src/${dir})
  if(NOT IS_DIRECTORY ${src})
    message(FATAL_ERROR "zx_library: no directory src/${dir}")
  endif()
  # "private: <module> header..." lines of src/LAYERS; the first word is the module.
  file(STRINGS ${ZX_LAYERS_FILE} lines REGEX "^[ \t]*private[ \t]*:")
  set(listed "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "#.*$" "" line "${line}")
    string(REGEX REPLACE "^[ \t]*private[ \t]*:[ \t]*" "" line "${line}")
    string(REGEX REPLACE "[ \t]+" ";" words "${line}")
    list(POP_FRONT words module)
    if(module STREQUAL dir)
      list(APPEND listed ${words})
    endif()
  endforeach()
  foreach(h IN LISTS listed)
    if(NOT EXISTS ${src}/${h})
      message(FATAL_ERROR "src/LAYERS lists src/${dir}/${h} as private, but it does not exist")
    endif()
  endforeach()

  # Rebuilt from scratch each configure, so a header that was deleted or became private does not
  # linger. Builds are unaffected: they see the same paths, and stat() follows the links.
  set(pub ${ZX_INCLUDE_ROOT}/${dir})
  set(priv ${ZX_PRIVATE_INCLUDE_ROOT}/${dir})
  file(REMOVE_RECURSE ${pub} ${priv})
  file(MAKE_DIRECTORY ${pub}/${dir} ${priv}/${dir})
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS RELATIVE ${src} ${src}/*.h)
  foreach(h IN LISTS headers)
    if(h MATCHES "_internal\\.h$" OR h MATCHES "(^|/)internal/" OR h IN_LIST listed)
      set(root ${priv})
    else()
      set(root ${pub})
    endif()
    get_filename_component(parent ${root}/${dir}/${h} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${src}/${h} ${root}/${dir}/${h} SYMBOLIC)
  endforeach()
endfunction()

# _zx_module_of(<target> <out-var>): the src/ module a zx_* library belongs to, or "".
function(_zx_module_of target out)
  set(module "")
  if(TARGET ${target})
    get_target_property(alias ${target} ALIASED_TARGET)
    if(alias)
      set(target ${alias})
    endif()
    get_target_property(module ${target} ZX_MODULE)
    if(NOT module)
      set(module "")
    endif()
  endif()
  set(${out} "${module}" PARENT_SCOPE)
endfunction()

function(zx_library)
  cmake_parse_arguments(L "" "NAME;DIR" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  if(NOT L_NAME OR NOT L_DIR OR L_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "zx_library(NAME <target> DIR <module> SOURCES ... DEPS ... "
                        "PRIVATE_DEPS ...): got ${ARGN}")
  endif()
  _zx_layers_words(${L_DIR} allowed)
  file(STRINGS ${ZX_LAYERS_FILE} module_line REGEX "^[ \t]*${L_DIR}[ \t]*:")
  if(NOT module_line)
    message(FATAL_ERROR "zx_library(${L_NAME}): module ${L_DIR} has no line in src/LAYERS")
  endif()
  foreach(dep IN LISTS L_DEPS L_PRIVATE_DEPS)
    if(dep MATCHES "^zx_")
      if(NOT TARGET ${dep})
        message(FATAL_ERROR "zx_library(${L_NAME}): ${dep} is not defined yet (modules are "
                            "added in dependency order in the top CMakeLists.txt)")
      endif()
      _zx_module_of(${dep} dep_module)
      if(dep_module AND NOT dep_module STREQUAL L_DIR AND NOT dep_module IN_LIST allowed)
        message(FATAL_ERROR "zx_library(${L_NAME}): ${L_DIR} may not use ${dep_module} "
                            "(${dep}); src/LAYERS allows ${L_DIR}: ${allowed}")
      endif()
    endif()
  endforeach()

  _zx_module_headers(${L_DIR})
  if(L_SOURCES)
    add_library(${L_NAME} ${L_SOURCES})
    target_include_directories(${L_NAME}
      PUBLIC ${ZX_INCLUDE_ROOT}/${L_DIR}
      PRIVATE ${ZX_PRIVATE_INCLUDE_ROOT}/${L_DIR})
    target_link_libraries(${L_NAME} PUBLIC ${L_DEPS} PRIVATE ${L_PRIVATE_DEPS})
  else()
    add_library(${L_NAME} INTERFACE)
    target_include_directories(${L_NAME} INTERFACE ${ZX_INCLUDE_ROOT}/${L_DIR})
    target_link_libraries(${L_NAME} INTERFACE ${L_DEPS} ${L_PRIVATE_DEPS})
  endif()
  set_target_properties(${L_NAME} PROPERTIES ZX_MODULE ${L_DIR})
endfunction()

# zx_module_private_root(<target> <dir>): gives <target> (a test of src/<dir>, or a helper of it)
# the module's private headers. zx_test does this itself for tests under src/<dir>/.
function(zx_module_private_root target dir)
  target_include_directories(${target} PRIVATE ${ZX_PRIVATE_INCLUDE_ROOT}/${dir})
endfunction()
