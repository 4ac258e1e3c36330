// One hostile input: the bytes of a file, how to load it, and the error it must give.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "chord/error.hpp"
#include "chord/model.hpp"

namespace chord::hostile {

struct HostileCase {
    std::string category;     // e.g. "truncation", "tensor offsets"
    std::string name;         // what was done to the file, unique in the corpus
    std::vector<uint8_t> bytes;
    ModelOptions options;     // CPU, one thread, a small context, unless the case is about those
    ErrorCode code;           // the chord::Error it must give
    std::string fragment;     // which its message must contain: what was wrong and where
};

// Options for loading a case: small and quick, so that only the input decides the outcome.
inline ModelOptions quick_load_options() {
    ModelOptions o;
    o.threads = 1;
    o.n_ctx = 16;
    o.batch_size = 4;
    return o;
}

// Adds cases of one category to a corpus.
class CaseSink {
public:
    CaseSink(std::vector<HostileCase>& corpus, std::string category) : corpus_(corpus), category_(std::move(category)) {}

    void add(std::string name, std::vector<uint8_t> bytes, ErrorCode code, std::string fragment,
             ModelOptions options = quick_load_options()) {
        corpus_.push_back({category_, category_ + ": " + std::move(name), std::move(bytes), options, code, std::move(fragment)});
    }

private:
    std::vector<HostileCase>& corpus_;
    std::string category_;
};

}  // namespace chord::hostile
