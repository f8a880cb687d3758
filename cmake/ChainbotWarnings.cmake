# Warnings and sanitizers shared by every target of the project.
add_library(chainbot_options INTERFACE)
target_compile_options(chainbot_options INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wno-missing-field-initializers>
  $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wpedantic>)
if(CHAINBOT_SANITIZE)
  # UBSan's vptr check cannot link against SOCI (no typeinfo exported).
  set(_san -fsanitize=${CHAINBOT_SANITIZE} -fno-omit-frame-pointer)
  if(CHAINBOT_SANITIZE MATCHES "undefined")
    list(APPEND _san -fno-sanitize=vptr -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${_san})
  add_link_options(${_san})
endif()
