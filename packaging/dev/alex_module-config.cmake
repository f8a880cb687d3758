# find_package(alex_module [1.1] CONFIG): the ALEX OS module ABI header, alex_module.h.
# Creates the INTERFACE target alex_module::alex_module (its include directory) and sets
# alex_module_INCLUDE_DIR. A host loads modules with dlopen (${CMAKE_DL_LIBS}).
# Installed as <prefix>/share/cmake/alex_module/; relocatable (the prefix is computed here).
get_filename_component(_alex_module_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(alex_module_INCLUDE_DIR "${_alex_module_prefix}/include")
if(NOT EXISTS "${alex_module_INCLUDE_DIR}/alex_module.h")
  set(alex_module_FOUND FALSE)
  set(alex_module_NOT_FOUND_MESSAGE "alex_module.h is missing from ${alex_module_INCLUDE_DIR}")
  unset(_alex_module_prefix)
  return()
endif()
if(NOT TARGET alex_module::alex_module)
  add_library(alex_module::alex_module INTERFACE IMPORTED)
  set_target_properties(alex_module::alex_module PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${alex_module_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
endif()
unset(_alex_module_prefix)
