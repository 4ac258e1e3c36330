# The wasm module behind the npm package: chord.js (ES module factory) + chord.wasm, written into
# bindings/js/dist/<variant>/. Variant "single" (SIMD128, one thread), "threads" (pthreads) or
# "memory64" (one thread, 64-bit memory for models beyond 4 GB: Emscripten 3.1.69, preset wasm64).
set(CHORD_WASM_VARIANT "single" CACHE STRING "single, threads or memory64")
set(CHORD_WASM_OUT "${CMAKE_SOURCE_DIR}/bindings/js/dist/${CHORD_WASM_VARIANT}")
include(RelaxedKernels)
include(WebGpu)

add_executable(chord_wasm src/bindings/chord_embind.cpp)
target_link_libraries(chord_wasm PRIVATE chord_cpu)
# C++ exceptions carry every error to JS. WebAssembly's own exceptions where they work; with
# pthreads, Emscripten 3.1.6 cannot catch them (not even catch (...)), so the threaded build uses
# its JS-based exceptions instead (tests/browser.test.mjs checks that errors arrive in both builds).
if(CHORD_WASM_VARIANT STREQUAL "threads")
  set(chord_wasm_exceptions -fexceptions)
else()
  set(chord_wasm_exceptions -fwasm-exceptions)
endif()
set(chord_wasm_compile -msimd128 ${chord_wasm_exceptions})
set(chord_wasm_max_memory 4GB)
if(CHORD_WASM_VARIANT STREQUAL "memory64")
  # For engines with the final Memory64 (Chromium 133+, Firefox 134+): its JS API, which
  # scripts/install-emscripten-memory64.sh patches Emscripten 3.1.69 to use, and 64-bit function
  # tables. The CPU path only: WebGPU is linked, since the bindings call it, but its JS library
  # reads pointers as numbers, which are BigInts here.
  list(APPEND chord_wasm_compile -sMEMORY64=1 -Wno-experimental)  # 64-bit pointers in every object file
  target_link_options(chord_wasm PRIVATE -sMEMORY64=1 -Wno-experimental)
  set(chord_wasm_max_memory 16GB)  # the engines' limit for a 64-bit memory
endif()
target_compile_options(chord_wasm PRIVATE ${chord_wasm_compile})
target_compile_options(chord_cpu PRIVATE ${chord_wasm_compile})
target_link_options(chord_wasm PRIVATE
  -lembind ${chord_wasm_exceptions}
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createChordModule
  -sENVIRONMENT=web,worker
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=${chord_wasm_max_memory}  # models are streamed in after start-up
  -sEXPORTED_FUNCTIONS=_malloc,_free -sEXPORTED_RUNTIME_METHODS=HEAPU8
  -sFILESYSTEM=0)
if(CHORD_WASM_VARIANT STREQUAL "threads")
  target_compile_options(chord_wasm PRIVATE -pthread)
  target_compile_options(chord_cpu PRIVATE -pthread)
  # Memory growth with threads makes JS re-read its views of the heap; the loader does.
  target_link_options(chord_wasm PRIVATE -pthread -sPTHREAD_POOL_SIZE=navigator.hardwareConcurrency -Wno-pthreads-mem-growth)
endif()
chord_link_webgpu(chord_wasm)
if(CHORD_WASM_VARIANT STREQUAL "threads")
  chord_add_relaxed_kernels(chord_wasm TRUE)  # the threads' memory is shared
elseif(CHORD_WASM_VARIANT STREQUAL "memory64")
  # The relaxed-SIMD module is wasm32 and cannot import a 64-bit memory: its loader gets no module
  # (an empty one), so the engine counts as one without relaxed SIMD.
  set(no_relaxed "${CMAKE_CURRENT_BINARY_DIR}/relaxed/no_relaxed_kernels.js")
  file(WRITE "${no_relaxed}" "var chordRelaxedKernelsBase64 = '';\n")
  target_link_options(chord_wasm PRIVATE "SHELL:--pre-js ${no_relaxed}"
    "SHELL:--js-library ${CMAKE_SOURCE_DIR}/src/cpu/relaxed/relaxed_library.js")
else()
  chord_add_relaxed_kernels(chord_wasm FALSE)
endif()
set_target_properties(chord_wasm PROPERTIES OUTPUT_NAME chord SUFFIX ".js" RUNTIME_OUTPUT_DIRECTORY "${CHORD_WASM_OUT}")

# The fast kernels against the reference ones (tests/wasm/kernels_test.cpp), single variant: for
# Node, run by the test command, and for the browser (an ES module whose main the page calls after
# writing the models into its in-memory file system), run in Chromium by the npm package's tests.
if(CHORD_WASM_VARIANT STREQUAL "single")
  add_executable(chord_wasm_kernels_test tests/wasm/kernels_test.cpp)
  target_link_options(chord_wasm_kernels_test PRIVATE -sENVIRONMENT=node -sNODERAWFS=1)
  add_executable(chord_wasm_kernels_test_web tests/wasm/kernels_test.cpp)
  target_link_options(chord_wasm_kernels_test_web PRIVATE -sENVIRONMENT=web -sMODULARIZE=1 -sEXPORT_ES6=1
    -sEXPORT_NAME=createKernelsTest -sINVOKE_RUN=0 -sFORCE_FILESYSTEM=1 -sEXPORTED_RUNTIME_METHODS=FS,callMain)
  set_target_properties(chord_wasm_kernels_test_web PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bin/web")
  foreach(test chord_wasm_kernels_test chord_wasm_kernels_test_web)
    target_link_libraries(${test} PRIVATE chord_cpu)
    target_compile_options(${test} PRIVATE ${chord_wasm_compile})
    target_link_options(${test} PRIVATE ${chord_wasm_exceptions} -sALLOW_MEMORY_GROWTH=1)
    chord_add_relaxed_kernels(${test} FALSE)
  endforeach()
endif()

# The hostile-input corpus (tests/wasm/hostile_corpus_test.cpp, the cases of tests/hostile_corpus.hpp)
# in wasm32, for Node: every case must be the expected chord::Error here too. The heap may grow to
# the package module's 4 GB, so that the memory budget's platform limit is the same.
if(CHORD_WASM_VARIANT STREQUAL "single")
  add_executable(chord_wasm_hostile_corpus_test tests/wasm/hostile_corpus_test.cpp)
  target_link_libraries(chord_wasm_hostile_corpus_test PRIVATE chord_cpu)
  target_compile_options(chord_wasm_hostile_corpus_test PRIVATE ${chord_wasm_compile})
  target_link_options(chord_wasm_hostile_corpus_test PRIVATE ${chord_wasm_exceptions} -sENVIRONMENT=node -sNODERAWFS=1
    -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB)
  chord_enable_warnings(chord_wasm_hostile_corpus_test)
  chord_add_relaxed_kernels(chord_wasm_hostile_corpus_test FALSE)
endif()

# The WebGPU backend against the CPU reference (tests/wasm/webgpu_test.cpp), run under Node with
# Dawn by tests/wasm/webgpu_test.mjs. Asyncified, so that its reads can wait for the GPU (the
# package's module is not: its decoding loop will read asynchronously), hence JS-based exceptions.
if(CHORD_WASM_VARIANT STREQUAL "single")
  # chord_cpu is built with WebAssembly exceptions: its source is compiled in again here.
  add_executable(chord_wasm_webgpu_test tests/wasm/webgpu_test.cpp src/cpu/cpu_backend.cpp)
  target_link_libraries(chord_wasm_webgpu_test PRIVATE chord_core)
  chord_link_webgpu(chord_wasm_webgpu_test)
  chord_enable_warnings(chord_wasm_webgpu_test)
  chord_add_relaxed_kernels(chord_wasm_webgpu_test FALSE)
  target_compile_options(chord_wasm_webgpu_test PRIVATE -msimd128 -fexceptions)
  target_link_options(chord_wasm_webgpu_test PRIVATE -fexceptions -sENVIRONMENT=node -sFORCE_FILESYSTEM=1
    -sEXPORTED_RUNTIME_METHODS=FS -sMODULARIZE=1
    -sEXPORT_NAME=createWebGpuTest -sEXIT_RUNTIME=1 -sALLOW_MEMORY_GROWTH=1 -sASYNCIFY=1
    "-sASYNCIFY_IMPORTS=['chord_gpu_read']" -sASYNCIFY_STACK_SIZE=65536)
endif()
