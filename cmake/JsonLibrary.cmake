# nlohmann/json for the core (chat templates read their messages, tools and variables as JSON):
# Debian's header-only package. The wasm build sees it through a directory that holds only it, since
# adding /usr/include to Emscripten's search path would shadow its own C library headers.
#   chord_link_json(TARGET)   (an INTERFACE target)
function(chord_link_json target)
  if(EMSCRIPTEN)
    find_path(CHORD_NLOHMANN_JSON_DIR nlohmann/json.hpp PATHS /usr/include /usr/local/include NO_CMAKE_FIND_ROOT_PATH REQUIRED)
    set(dir "${CMAKE_BINARY_DIR}/third_party/include")
    file(MAKE_DIRECTORY "${dir}")
    file(CREATE_LINK "${CHORD_NLOHMANN_JSON_DIR}/nlohmann" "${dir}/nlohmann" SYMBOLIC)
    target_include_directories(${target} SYSTEM INTERFACE "${dir}")
  else()
    find_package(nlohmann_json 3 REQUIRED)
    target_link_libraries(${target} INTERFACE nlohmann_json::nlohmann_json)
  endif()
endfunction()
