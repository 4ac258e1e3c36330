# The WebGPU backend (src/webgpu/, WebAssembly build only): the WGSL kernels of shaders/ embedded
# into a generated header, the C++ backend, and its JS library (webgpu_library.js).
#   chord_link_webgpu(TARGET)  adds both to a wasm program.
file(GLOB CHORD_WGSL_SOURCES CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/shaders/*.wgsl")
set(CHORD_WGSL_HEADER "${CMAKE_BINARY_DIR}/generated/webgpu/wgsl_sources.hpp")
add_custom_command(
  OUTPUT "${CHORD_WGSL_HEADER}"
  COMMAND ${CMAKE_COMMAND} -DOUT=${CHORD_WGSL_HEADER} "-DSHADERS=${CHORD_WGSL_SOURCES}" -P "${CMAKE_SOURCE_DIR}/cmake/embed-wgsl.cmake"
  DEPENDS ${CHORD_WGSL_SOURCES} "${CMAKE_SOURCE_DIR}/cmake/embed-wgsl.cmake"
  VERBATIM)

add_custom_target(chord_wgsl_header DEPENDS "${CHORD_WGSL_HEADER}")

# Sources, not a library: each program compiles them with its own exception model.
function(chord_link_webgpu target)
  target_sources(${target} PRIVATE "${CMAKE_SOURCE_DIR}/src/webgpu/webgpu_backend.cpp" "${CMAKE_SOURCE_DIR}/src/webgpu/decode_plan.cpp")
  target_include_directories(${target} PRIVATE "${CMAKE_BINARY_DIR}/generated/webgpu")
  add_dependencies(${target} chord_wgsl_header)
  set(library "${CMAKE_SOURCE_DIR}/src/webgpu/webgpu_library.js")
  target_link_options(${target} PRIVATE "SHELL:--js-library ${library}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${library}")
endfunction()
