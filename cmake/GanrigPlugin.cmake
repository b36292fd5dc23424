# ganrig_add_plugin(NAME SOURCES src...  [LIBRARIES lib...])
#
# Builds a plugin as a MODULE library named ganrig_<NAME>.so in the build's plugin folder.
# The plugin links the shared core (never a static copy: the interfaces' vtables and
# type_info must exist once per process), gets hidden visibility (so equal symbol names in
# two plugins cannot shadow each other) and libtorch's ABI flags.
function(ganrig_add_plugin NAME)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target ganrig_plugin_${NAME})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ganrig_${NAME}
    PREFIX ""
    LIBRARY_OUTPUT_DIRECTORY ${GANRIG_PLUGIN_OUTPUT_DIR}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${target} PRIVATE ganrig::core ${ARG_LIBRARIES})
  target_compile_options(${target} PRIVATE ${GANRIG_TORCH_CXX_FLAGS})
  ganrig_use_torch_pch(${target})
  set_property(GLOBAL APPEND PROPERTY GANRIG_PLUGIN_TARGETS ${target})
endfunction()

# Reuse one precompiled <torch/torch.h> for every plugin-like target (identical flags).
# Executables are compiled as PIC (not PIE) so they can share it too.
function(ganrig_use_torch_pch target)
  target_precompile_headers(${target} REUSE_FROM ganrig_torch_pch)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
    target_compile_options(${target} PRIVATE -fPIC)
  endif()
endfunction()
