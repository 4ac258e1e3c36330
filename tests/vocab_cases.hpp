// The tokenizer conformance cases of ../shared/vocab: `<vocab>.gguf.inp` holds texts, each ended
// by a line "__ggml_vocab_test__"; `<vocab>.gguf.out` holds llama.cpp's token ids, a line each.
#pragma once

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "chord/vocabulary.hpp"
#include "test_support.hpp"

namespace chord::test {

struct VocabCase {
    std::string text;
    std::vector<TokenId> expected;
};

inline std::vector<VocabCase> read_vocab_cases(const std::filesystem::path& gguf) {
    const std::vector<uint8_t> inp = read_file(gguf.string() + ".inp");
    const std::vector<uint8_t> out = read_file(gguf.string() + ".out");
    const std::string texts(inp.begin(), inp.end()), ids(out.begin(), out.end());
    const std::string separator = "\n__ggml_vocab_test__\n";
    std::vector<VocabCase> cases;
    for (size_t start = 0, end; (end = texts.find(separator, start)) != std::string::npos; start = end + separator.size())
        cases.push_back({texts.substr(start, end - start), {}});
    std::istringstream lines(ids);
    std::string line;
    for (VocabCase& c : cases) {
        if (!std::getline(lines, line)) throw Error(ErrorCode::Malformed, "fewer .out lines than .inp cases");
        std::istringstream numbers(line);
        for (TokenId id; numbers >> id;) c.expected.push_back(id);
    }
    return cases;
}

}  // namespace chord::test
