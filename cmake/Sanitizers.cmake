# CHORD_SANITIZE=ON builds everything with AddressSanitizer and UndefinedBehaviorSanitizer, and
# makes any UB report fatal so that a test run cannot pass over one.
option(CHORD_SANITIZE "Build with ASan + UBSan" OFF)
if(CHORD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
