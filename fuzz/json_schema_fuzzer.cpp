// libFuzzer target: JSON Schemas (response_format's json_schema comes from the page). Any JSON
// value converts to a grammar or fails with Error(InvalidArgument); a grammar the converter writes
// always parses.
#include <nlohmann/json.hpp>

#include "chord/grammar/gbnf_parser.hpp"
#include "chord/grammar/json_schema_gbnf.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 8192) return 0;
    const auto schema = nlohmann::ordered_json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (schema.is_discarded()) return 0;
    std::string gbnf;
    try {
        gbnf = chord::grammar::json_schema_to_gbnf(schema);
    } catch (const chord::Error& e) {
        if (e.code() != chord::ErrorCode::InvalidArgument) chord::fuzz::violated("a bad schema is InvalidArgument");
        return 0;
    }
    try {
        (void)chord::grammar::parse_gbnf(gbnf);
    } catch (const chord::Error&) {
        chord::fuzz::violated("the converter writes grammars the parser accepts");
    }
    return 0;
}
