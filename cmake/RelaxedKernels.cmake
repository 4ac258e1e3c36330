# The relaxed-SIMD kernels (src/cpu/relaxed/): a module of their own, compiled by Debian's clang 19
# (Emscripten 3.1.6's clang 14 cannot emit relaxed SIMD, and its binaryen cannot read it), checked
# and embedded into chord.js as a --pre-js; relaxed_library.js loads it at run time.
#   chord_add_relaxed_kernels(TARGET SHARED_MEMORY)
find_program(CHORD_CLANG19 NAMES clang++-19 REQUIRED NO_CMAKE_FIND_ROOT_PATH)
find_program(CHORD_WASM_LD19 NAMES wasm-ld-19 REQUIRED NO_CMAKE_FIND_ROOT_PATH)
find_program(CHORD_OBJDUMP19 NAMES llvm-objdump-19 REQUIRED NO_CMAKE_FIND_ROOT_PATH)
find_program(CHORD_NODE NAMES node nodejs REQUIRED NO_CMAKE_FIND_ROOT_PATH)

function(chord_add_relaxed_kernels target shared_memory)
  set(source "${CMAKE_SOURCE_DIR}/src/cpu/relaxed/relaxed_kernels.cpp")
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/relaxed")
  if(shared_memory)
    set(name relaxed_kernels_shared)
    # Imported shared memory: its declared maximum must be at least the main module's (4 GB).
    set(compile_flags -matomics -mbulk-memory)
    set(link_flags --shared-memory --max-memory=4294967296)
  else()
    set(name relaxed_kernels)
    set(compile_flags)
    set(link_flags)
  endif()
  if(NOT TARGET ${name}_js)
    add_custom_command(
      OUTPUT "${dir}/${name}.js"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
      COMMAND ${CHORD_CLANG19} --target=wasm32-unknown-emscripten --sysroot=${EMSCRIPTEN_SYSROOT}
              -isystem ${EMSCRIPTEN_SYSROOT}/include/c++/v1 -I${CMAKE_SOURCE_DIR}/include
              -O3 -ffreestanding -fno-builtin -fno-exceptions -fno-rtti -msimd128 -mrelaxed-simd ${compile_flags}
              -c "${source}" -o "${dir}/${name}.o"
      COMMAND ${CHORD_WASM_LD19} --no-entry --import-memory --strip-all ${link_flags} "${dir}/${name}.o" -o "${dir}/${name}.wasm"
      COMMAND ${CHORD_NODE} --experimental-wasm-relaxed-simd "${CMAKE_SOURCE_DIR}/cmake/embed-relaxed-kernels.mjs"
              "${dir}/${name}.wasm" "${dir}/${name}.js" ${CHORD_OBJDUMP19}
      DEPENDS "${source}" "${CMAKE_SOURCE_DIR}/src/cpu/simd128_blocks.hpp" "${CMAKE_SOURCE_DIR}/src/cpu/simd128_lanes.hpp"
              "${CMAKE_SOURCE_DIR}/include/chord/quant_blocks.hpp" "${CMAKE_SOURCE_DIR}/cmake/embed-relaxed-kernels.mjs"
      VERBATIM)
    add_custom_target(${name}_js DEPENDS "${dir}/${name}.js")
  endif()
  add_dependencies(${target} ${name}_js)
  set(library "${CMAKE_SOURCE_DIR}/src/cpu/relaxed/relaxed_library.js")
  target_link_options(${target} PRIVATE "SHELL:--pre-js ${dir}/${name}.js" "SHELL:--js-library ${library}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${dir}/${name}.js" "${library}")
endfunction()
