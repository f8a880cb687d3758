# The fuzz harnesses (fuzz/<name>.cpp) and what each links. Included by fuzz/CMakeLists.txt
# (libFuzzer executables, clang, CHAINBOT_FUZZ=ON) and tests/fuzz/CMakeLists.txt (replay
# programs over fuzz/corpus/<name>/ and fuzz/regressions/<name>/, any compiler, CTest label
# `fuzz`), so that both build the same harness code.
set(CHAINBOT_FUZZ_HARNESSES
    fuzz_definition fuzz_expressions fuzz_templates fuzz_config_json fuzz_config_yaml fuzz_config_toml
    fuzz_http_request fuzz_ws_frames fuzz_abi)

# chainbot_fuzz_harness(<harness> FUZZ|REPLAY <target>)
# FUZZ links the small slices of fuzz/CMakeLists.txt (only the sources a harness reaches, all
# instrumented); REPLAY links the component libraries of the normal build and the object
# library chainbot_fuzz_replay_main (fuzz/replay_main.cpp, defined by tests/fuzz/).
function(chainbot_fuzz_harness harness mode target)
  set(dir ${CMAKE_SOURCE_DIR}/fuzz)
  set(sources ${dir}/${harness}.cpp)
  set(definitions "")
  set(includes ${dir} ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/include)
  if(harness MATCHES "^fuzz_config_(json|yaml|toml)$")
    string(TOUPPER ${CMAKE_MATCH_1} format)
    set(sources ${dir}/fuzz_config.cpp)
    set(definitions CHAINBOT_FUZZ_FORMAT_${format})
    set(fuzz_libs chainbot_config)
    set(replay_libs chainbot_config)
  elseif(harness STREQUAL "fuzz_expressions" OR harness STREQUAL "fuzz_templates")
    set(fuzz_libs chainbot_expr)
    set(replay_libs chainbot_expr)
  elseif(harness STREQUAL "fuzz_definition")
    set(fuzz_libs chainbot_fuzz_definition_slice)
    set(replay_libs chainbot_orchestrator)
  elseif(harness STREQUAL "fuzz_http_request")
    set(fuzz_libs chainbot_fuzz_net_slice)
    set(replay_libs chainbot_api)
  elseif(harness STREQUAL "fuzz_ws_frames")
    set(fuzz_libs chainbot_fuzz_net_slice)
    set(replay_libs chainbot_ws)
  elseif(harness STREQUAL "fuzz_abi")
    list(APPEND includes ${CMAKE_SOURCE_DIR}/abi)
    # libFuzzer: dlopen a built libchainbot.so (the core does not build with clang 14);
    # replay: the plugin's own sources, linked in.
    set(fuzz_libs Boost::json Boost::headers ${CMAKE_DL_LIBS})
    set(replay_libs chainbot_core)
    if(mode STREQUAL "FUZZ")
      list(APPEND definitions CHAINBOT_FUZZ_ABI_DLOPEN CHAINBOT_FUZZ_ABI_PLUGIN="${CHAINBOT_FUZZ_ABI_PLUGIN}")
    else()
      list(APPEND sources ${CMAKE_SOURCE_DIR}/plugin/plugin.cpp ${CMAKE_SOURCE_DIR}/plugin/host_adapters.cpp)
      list(APPEND includes ${CMAKE_SOURCE_DIR}/plugin)
    endif()
  else()
    message(FATAL_ERROR "unknown fuzz harness ${harness}")
  endif()

  if(mode STREQUAL "FUZZ")
    add_executable(${target} ${sources})
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${target} PRIVATE ${fuzz_libs})
    set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  else()
    add_executable(${target} ${sources} $<TARGET_OBJECTS:chainbot_fuzz_replay_main>)
    target_link_libraries(${target} PRIVATE ${replay_libs})
  endif()
  target_include_directories(${target} PRIVATE ${includes})
  target_compile_definitions(${target} PRIVATE ${definitions})
  target_link_libraries(${target} PRIVATE chainbot_options Boost::json fmt::fmt Threads::Threads)
endfunction()
