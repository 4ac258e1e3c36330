# Unicode category and White_Space tables for the pre-tokenizers, generated at build time from the
# Unicode Character Database of Debian's `unicode-data` package. Defines CHORD_GENERATED_DIR and
# the target chord_unicode_tables.
set(CHORD_UNICODE_DATA_DIR "/usr/share/unicode" CACHE PATH "Directory with UnicodeData.txt and PropList.txt")
set(CHORD_GENERATED_DIR "${CMAKE_BINARY_DIR}/generated")
set(chord_unicode_tables_file "${CHORD_GENERATED_DIR}/chord/unicode_tables.inc")
file(MAKE_DIRECTORY "${CHORD_GENERATED_DIR}/chord")

add_custom_command(
  OUTPUT "${chord_unicode_tables_file}"
  COMMAND "${CMAKE_COMMAND}" "-DUNICODE_DATA_DIR=${CHORD_UNICODE_DATA_DIR}" "-DOUTPUT=${chord_unicode_tables_file}"
          -P "${CMAKE_CURRENT_LIST_DIR}/GenerateUnicodeTables.cmake"
  DEPENDS "${CMAKE_CURRENT_LIST_DIR}/GenerateUnicodeTables.cmake"
          "${CHORD_UNICODE_DATA_DIR}/UnicodeData.txt" "${CHORD_UNICODE_DATA_DIR}/PropList.txt"
  COMMENT "Generating Unicode tables from ${CHORD_UNICODE_DATA_DIR}")
add_custom_target(chord_unicode_tables DEPENDS "${chord_unicode_tables_file}")
